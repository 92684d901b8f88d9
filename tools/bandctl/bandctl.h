/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bandctl: what the command files share.  bandctl.c holds main() and the
 * helpers below; show.c list, show and top; weight.c set, unset, reset and
 * apply; wrap.c create, remove, wrap and unwrap; check.c check.
 */
#ifndef BANDCTL_H
#define BANDCTL_H

#include <stdio.h>

#include "bandlib.h"
#include "dm.h"
#include "sys.h"

#define DEFAULT_CONF "/etc/dm-band.conf"
#define DM_NAME_MAX 127
#define ORIG_SUFFIX "-orig"

__printf(2, 3) int err(int code, const char *fmt, ...);
/* Report a failure of a dm.c or sys.c call. */
int dmerr(int code);
__printf(1, 2) int usage_err(const char *fmt, ...);
int print_sb(struct sbuf *sb);

/* A band device, opened by any name dev_arg() takes. */
struct bdev {
	char name[DM_NAME_MAX + 1];	/* its dm name */
	struct dmx_info info;
	struct band_table t;
	struct band_status st;
};

/*
 * A device argument: VG/LV, /dev/VG/LV, /dev/mapper/NAME, /dev/dm-N or a
 * dm name, to the dm name.  EX_NODEV or EX_USAGE when it names none.
 */
int dev_arg(const char *arg, char *dm, size_t len);
/* arg's table, and its status if status: EX_NODEV, EX_NOTBAND... */
int band_open(const char *arg, struct bdev *b, int status);
void band_close(struct bdev *b);
/* Is b an LV wrapped by bandctl: over its own -orig device? */
int is_wrapped(const struct bdev *b);

/*
 * The options of every command, by code: getopt_long's val, and the index
 * in struct args.  A letter for those with a short form.
 */
enum {
	O_HELP = 'h', O_DRY_RUN = 'n', O_OPTIONS = 'o', O_SORT = 'O',
	O_SELECT = 'S',
	O_JSON = 256, O_BAND_GROUP, O_TYPE, O_POLICY, O_TOKEN_BASE, O_IDLE,
	O_INJECT, O_ITERATIONS, O_DEVICE, O_REPAIR, O_ONCE, O_INTERVAL,
	O_NOHEADINGS, O_SEPARATOR, O_REPORTFORMAT, O_LIMIT_IOPS, O_LIMIT_BW,
	O_RESERVE_IOPS, O_RESERVE_BW, O_END
};

/* A command line, parsed by main() with getopt_long. */
struct args {
	int argc;			/* the positional arguments */
	char **argv;
	const char *opt[O_END];		/* each option's value, "" for a flag */
	struct band_opts band;		/* create's and wrap's OPTIONS */
};

void default_bg(struct band_opts *o, const char *majmin);
/* The one band target of len sectors over dev. */
int band_targets(struct dmx_targets *tl, unsigned long long len,
		 const char *dev, const struct band_opts *o);
/* Why a table load failed: the module, or what libdevmapper said. */
int load_failed(int r);
void describe(const char *what, const char *name, const char *dev,
	      const struct band_opts *o);

int cmd_list(struct args *a);
int cmd_show(struct args *a);
int cmd_top(struct args *a);
int cmd_set(struct args *a);
int cmd_unset(struct args *a);
int cmd_reset(struct args *a);
int cmd_apply(struct args *a);
int cmd_create(struct args *a);
int cmd_remove(struct args *a);
int cmd_wrap(struct args *a);
int cmd_unwrap(struct args *a);

int do_create(const char *name, const char *dev, struct band_opts *o);
/*
 * Wrap LV arg, under LVM's lock on its VG.  WRAP_ORPHAN: a -orig layer
 * that LVM orphaned (the LV's own layer uuid, unused: see wrap_orphaned)
 * is taken over (loaded with the LV's table) rather than refused, and
 * kept, still orphaned, when the wrap fails: a later re-wrap finds it.
 */
enum { WRAP_ORPHAN = 1 };
int do_wrap(const char *arg, struct band_opts *o, int flags);
/*
 * LVM's lock on the volume group of LV dm (lvlock.c), as lvm2 takes it for
 * a change: held over a change of the LV's table so that no LVM command on
 * the VG runs in its middle.  Waits at most BANDCTL_LOCK_WAIT seconds
 * (default 60): EX_ERR then, nothing done.  Nothing to lock for a device
 * that is not LVM's, EX_OK.  Nested takes count; lv_unlock() each.
 */
int lv_lock(const char *dm);
/* The same for volume group vg, by its name; lv_unlock() it too. */
int vg_lock(const char *vg);
void lv_unlock(void);
/* Save dm's band table in /run/dm-band/dm.wrap if dm is wrapped. */
void wrap_remember(const char *dm);
/*
 * Wrap dm again with a saved band table: its options and weights, in the
 * band table it loads (all or nothing).
 */
int rewrap(const char *dm, const char *params, int flags);
/* Is name a -orig layer made by bandctl wrap (by its name and uuid)? */
int is_orig_layer(const char *name, const struct dmx_info *i);
/*
 * Was LV dm wrapped until LVM loaded its own table over it (lvextend,
 * lvresize, lvchange --refresh...): active, not a band device, and its
 * -orig still there, orphaned (LVM's layer uuid of this LV, unused)?
 */
int wrap_orphaned(const char *dm);
/* Apply a configuration file; *changes counts the lines printed. */
int apply_file(const char *path, int dry, const char *device, int *changes);
int cmd_check(struct args *a);
int cmd_watch(struct args *a);
/*
 * Remember that dev's job jobtext (a cgroup by path, or a unit) has id,
 * weight and the caps and reservations rate (by band_rate_names, 0: none),
 * for watch; forget the job with id.  Other jobs are not bound.
 */
void bind_remember(const char *dev, const char *jobtext,
		   const struct band_job *job, unsigned long long id,
		   unsigned int weight, const unsigned long long *rate);
void bind_forget(const char *dev, unsigned long long id);
/*
 * Caps and reservations as the kernel names them ("limit_iops=500,
 * reserve_bps=0", "" for none) into rate: those named set, the others
 * left.  -1 if one is bad (those before it set).
 */
int rates_parse(const char *s, unsigned long long *rate);
/* Give job id (or the default group) weight w on b, attaching it if new. */
int set_weight(const struct bdev *b, const struct band_job *job,
	       unsigned long long id, unsigned int w);
/* Set all the caps and reservations of job id (or the default group). */
int set_rates(const struct bdev *b, const struct band_job *job,
	      unsigned long long id, const unsigned long long *rate);

#endif
