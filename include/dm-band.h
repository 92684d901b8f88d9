/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-band: declarations shared by the target (dm-band.c) and the table,
 * message, group and status code (dm-band-ctl.c).  The target calls the
 * configuration code, never the other way round: what dm-band-ctl.c
 * declares here is all the target uses of it, and dm-band.c declares
 * nothing here.
 */
#ifndef DM_BAND_H
#define DM_BAND_H

#include <linux/bio.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "dm-band-policy.h"

struct dm_arg_set;
struct dm_dev;
struct dm_target;
struct mapped_device;

#define BAND_NAME_MAX		31
#define BAND_DEFAULT_WEIGHT	100U
/*
 * Groups per band device (table line and attach messages together).  A
 * table line cannot carry many more: device-mapper splits it into an
 * array of words that kmalloc must be able to hold.
 */
#define BAND_MAX_GROUPS		131072U

/* How a band device tells jobs apart. */
enum band_type {
	BAND_TYPE_NONE,		/* the whole device is one group */
	BAND_TYPE_PID,		/* thread group id of the submitter */
	BAND_TYPE_PGRP,		/* process group of the submitter */
	BAND_TYPE_UID,		/* effective uid, initial user namespace */
	BAND_TYPE_GID,		/* effective gid, initial user namespace */
	BAND_TYPE_CGROUP,	/* the bio's cgroup v2 or its nearest ancestor */
	BAND_NR_TYPES,
};

struct band_group_conf {
	u64 id;
	u32 weight;
	u64 limit[BAND_NR_LIMITS];	/* caps per second; 0: none */
};

/* One constructor line, parsed; nothing opened yet. */
struct band_conf {
	const char *dev_path;		/* points into the ctr's argv */
	sector_t start;
	char name[BAND_NAME_MAX + 1];	/* band group */
	enum band_type type;
	enum band_policy policy;
	u64 token_base;
	u32 idle_us;			/* option idle=<usec> */
	bool inject;			/* option inject=<0|1> */
	u32 depth_max;			/* the device's queue depth (not parsed) */
	u32 default_weight;
	u64 default_limit[BAND_NR_LIMITS];
	unsigned int nr_groups;
	struct band_group_conf *groups;	/* kvcalloc'd, sorted by id */
};

/*
 * A band group: every band device over one physical device, sharing one
 * token pool.  Found by name; lives while a band device refers to it.
 */
struct band_bg {
	struct list_head node;		/* on band_bgs, under band_mutex */
	char name[BAND_NAME_MAX + 1];
	unsigned int refs;		/* band devices, under band_mutex */
	struct list_head devs;		/* band_dev, under band_mutex */

	/*
	 * Hold on all accesses to the pool, to every group's bucket, held
	 * bios and counters, and to each band_dev's may_hold; but the fast
	 * path, which reads a group's lease and adds to its bio counters
	 * without it (struct band_lease).
	 */
	spinlock_t lock;
	struct band_pool pool;
	/* Refills and releases held bios; delayed while groups linger. */
	struct delayed_work release_work;
	/*
	 * The I/O path has queued the worker to run now and it has not
	 * started since: under lock, so that the bios that find a refill
	 * due until it runs do not each queue it again.
	 */
	bool kicked;
	/* When band_schedule() queued the worker for (ns; 0: not). Under lock. */
	u64 wake_at;
};

/*
 * One band target's groups.  Outlives a table reload (the new table's
 * target at the same start sector of the same mapped device finds it), so
 * counters survive reloads; two band targets in one table are two
 * band_devs.
 */
struct band_dev {
	struct list_head node;		/* on bg->devs, under band_mutex */
	struct mapped_device *md;
	sector_t begin;			/* the target's first sector in md */
	dev_t lower;			/* the device below, for stacking checks */
	struct band_bg *bg;
	unsigned int refs;		/* targets using it, under band_mutex */
	enum band_type type;		/* changed under band_mutex + bg->lock */
	/*
	 * id -> band_grp.  Entries change under band_mutex (the xarray's own
	 * lock, never nested in bg->lock); the pointer is swapped for a
	 * reloaded table's under band_mutex and bg->lock, and the old array
	 * freed after an RCU grace period.  The I/O path reads it, and type,
	 * under bg->lock, or under RCU on the fast path (which may then see
	 * the old array and type for a reload's first bios).
	 */
	struct xarray *groups;
	unsigned int nr_groups;		/* in groups, under band_mutex */
	struct band_grp *dflt;		/* the default group */
	bool may_hold;			/* under band_mutex and bg->lock */
};

enum { BAND_READ, BAND_WRITE, BAND_NR_DIRS };

/*
 * One group (job) of a band device.  Everything under bd->bg->lock but
 * the counters and pg's lease, which the fast path reaches lock-free
 * under RCU: a group is freed after a grace period.
 */
struct band_grp {
	struct band_pgroup pg;
	struct band_dev *bd;
	u64 id;
	bool is_default;
	bool dead;			/* detached; freed when idle */
	struct bio_list held;		/* FIFO of bios waiting for tokens */
	/* Lock-free: the fast path counts its bios here. */
	atomic64_t bios[BAND_NR_DIRS];
	atomic64_t sectors[BAND_NR_DIRS];
	u64 held_total;			/* bios ever held */
	u64 debt_bios;			/* bios passed without waiting, charged */
	struct rcu_head rcu;
};

/* The target's private data. */
struct band_c {
	struct dm_dev *dev;
	sector_t start;
	struct band_dev *bd;
	struct band_conf conf;		/* the table line, for a reload */
	bool conf_pending;		/* a reload: applied at preresume */
	/*
	 * A reload's groups, allocated by the constructor so that preresume
	 * (when the devices below may be suspended) allocates nothing.
	 */
	struct xarray *new_groups;
};

/* dm-band-ctl.c */
extern struct mutex band_mutex;
extern const char * const band_type_names[BAND_NR_TYPES];
extern const char * const band_policy_names[];

int band_parse_ctr_args(struct dm_arg_set *as, struct band_conf *conf,
			char **error);
void band_conf_free(struct band_conf *conf);
int band_parse_id(const char *s, enum band_type type, u64 *id);

int band_ctl_init(work_func_t release);
void band_ctl_exit(void);
void band_kick(struct band_bg *bg);
void band_kick_now(struct band_bg *bg);
void band_kick_later(struct band_bg *bg, unsigned long delay, bool ours);
int band_dev_get(struct dm_target *ti, dev_t lower, struct band_conf *conf,
		 struct band_dev **bdp, struct xarray **new_groups,
		 char **error);
void band_dev_put(struct band_dev *bd);
void band_dev_apply(struct band_dev *bd, struct band_conf *conf,
		    struct xarray *new_groups);
void band_groups_free(struct xarray *groups);
void band_grp_free(struct band_grp *grp);
void band_emit_table(struct band_dev *bd, char *result, unsigned int maxlen,
		     unsigned int *szp);
void band_emit_conf(const struct band_conf *conf, char *result,
		    unsigned int maxlen, unsigned int *szp);
void band_emit_info(struct band_dev *bd, char *result, unsigned int maxlen,
		    unsigned int *szp);
int band_message(struct band_dev *bd, unsigned int argc, char **argv,
		 char *result, unsigned int maxlen);

#endif /* DM_BAND_H */
