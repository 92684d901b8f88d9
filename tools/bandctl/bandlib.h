/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bandctl: parsing and formatting, free of libdevmapper so that the unit
 * tests (tests/) can exercise it without a kernel.
 */
#ifndef BANDLIB_H
#define BANDLIB_H

#include <stdarg.h>
#include <stddef.h>

/* The kernel's attribute macro (spelled so that checkpatch lets it be). */
#define BANDCTL_ATTRIBUTE __attribute__
#ifndef __printf
#define __printf(a, b) BANDCTL_ATTRIBUTE((format(printf, a, b)))
#endif
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses, documented in bandctl.8. */
enum {
	EX_OK = 0,
	EX_ERR = 1,
	EX_USAGE = 2,
	EX_NOMODULE = 3,
	EX_NODEV = 4,
	EX_NOTBAND = 5,
	EX_BADJOB = 6,
	EX_PERM = 7,
	EX_UNSAFE = 8,
};

/* Same order as band_type_names[] in the kernel. */
enum band_type {
	BT_NONE, BT_PID, BT_PGRP, BT_UID, BT_GID, BT_CGROUP, BT_NR
};

enum band_policy { BP_WEIGHT, BP_IOSIZE, BP_NR };

#define BAND_BG_MAX	31
#define BAND_WEIGHT_MAX	1000000u
#define BAND_TOKEN_MAX	1073741824ull
#define BAND_IDLE_MAX	1000000ull
/* inject= when a table line has none: the kernel's default, on. */
#define BAND_INJECT_DFLT 1

extern const char *const band_type_names[BT_NR];
extern const char *const band_policy_names[BP_NR];
int band_type_parse(const char *s);
int band_policy_parse(const char *s);

/* A growing string; err is set (and stays set) when memory ran out. */
struct sbuf {
	char *s;
	size_t len, cap;
	int err;
};

__printf(2, 3) void sb_printf(struct sbuf *sb, const char *fmt, ...);
void sb_vprintf(struct sbuf *sb, const char *fmt, va_list ap);
void sb_free(struct sbuf *sb);
const char *sb_str(struct sbuf *sb);
/* A JSON string literal, quotes included. */
void sb_json_str(struct sbuf *sb, const char *s);
/* A number with one decimal, or null (JSON) / "-" (text) when NaN. */
void sb_json_num(struct sbuf *sb, double v);

/* Copy src into dst (len bytes), cut short if need be. */
void str_copy(char *dst, size_t len, const char *src);

/* Strict decimal numbers: no sign, no blanks, no trailing junk. */
int parse_ull(const char *s, unsigned long long *v);
int parse_ll(const char *s, long long *v);
int parse_weight(const char *s, unsigned int *w);
/*
 * A group's rate attributes in a table line, in the kernel's order: caps
 * (limit_iops, limit_bps) and reservations (reserve_iops, reserve_bps).
 */
#define BAND_NR_RATES 4
extern const char *const band_rate_names[BAND_NR_RATES];
/* The attributes that are set (not 0) of @rate, "" if none: as the kernel prints. */
void band_rates_fmt(char *buf, size_t len, const unsigned long long *rate);

/* The kernel's largest cap, per second. */
#define BAND_LIMIT_MAX 1125899906842624ULL	/* 2^50 */
int parse_limit(const char *s, unsigned long long *v);
int band_group_name_valid(const char *s);
int band_id_valid(int type, unsigned long long id);

/* Words of a line split on blanks; free with words_free(). */
struct words {
	size_t n;
	char **w;
	char *buf;
};

int words_split(const char *s, struct words *w);
void words_free(struct words *w);

/* One attached group in a table line. */
/* A group's attributes after its weight ("limit_iops=500"), as given. */
#define BAND_ATTRS_MAX 128

struct band_tgrp {
	unsigned long long id;
	unsigned int weight;
	char attrs[BAND_ATTRS_MAX];
};

/* The parameters of a band table line (after "<start> <len> band"). */
struct band_table {
	char dev[64];
	unsigned long long offset;
	char band_group[BAND_BG_MAX + 1];
	int type, policy;
	unsigned long long token_base;
	unsigned int dflt_weight;
	char dflt_attrs[BAND_ATTRS_MAX];
	unsigned long long idle;	/* ~0 when the line has no idle= */
	int inject;			/* 0 or 1, -1 when no inject= */
	size_t nr;
	struct band_tgrp *grp;
};

int band_table_parse(const char *params, struct band_table *t);
void band_table_free(struct band_table *t);
/* The weight of id in t, 0 when not attached. */
unsigned int band_table_weight(const struct band_table *t,
			       unsigned long long id);
/* The attributes of id in t ("limit_iops=5"), "" when none or not attached. */
const char *band_table_attrs(const struct band_table *t,
			     unsigned long long id);

/* One group of a status line. */
struct band_gstat {
	int is_default;
	unsigned long long id;
	unsigned int weight;
	long long tokens;
	unsigned long long read_bios, read_sectors;
	unsigned long long write_bios, write_sectors;
	unsigned long long held, held_total, in_flight, debt_bios;
	unsigned long long limit_iops, limit_bps;	/* 0: no cap */
	unsigned long long limited;	/* times a cap made it wait */
	unsigned long long reserve_iops, reserve_bps;	/* 0: none */
	unsigned long long reserved;	/* bios passed on its reservation */
	unsigned int dev;	/* which device, in a band group's view */
};

struct band_status {
	char band_group[BAND_BG_MAX + 1];
	unsigned long long epoch;
	size_t nr;
	struct band_gstat *g;
};

int band_status_parse(const char *params, struct band_status *st);
void band_status_free(struct band_status *st);
/* The group with id (or the default group) in st, NULL if none. */
const struct band_gstat *band_status_find(const struct band_status *st,
					  const struct band_gstat *like);

/* Figures derived from one status (or the difference of two). */
struct band_calc {
	int active;	/* bios in the interval, or held or in flight now */
	double target;	/* weight / sum of active groups' weights, percent */
	double share;	/* this group's bios (sectors) / all, percent */
	double iops;	/* bios per second */
	double mbps;	/* 10^6 bytes per second */
};

/*
 * cur minus prev (prev NULL: since the counters were zeroed) over secs
 * seconds (secs <= 0: unknown, rates NaN).  out has cur->nr entries.  The
 * target is over the active groups only (the scheduler shares among them);
 * NaN for an idle group.
 */
void band_calc(const struct band_status *cur, const struct band_status *prev,
	       int policy, double secs, struct band_calc *out);

/* A job as written on the command line or in the config file. */
struct band_job {
	int is_default;
	int kind;		/* enum band_type, BT_NONE for default */
	int numeric;		/* id is set; otherwise name is */
	unsigned long long id;
	char *name;		/* user/group name, cgroup path or unit */
	int unit;		/* unit:NAME, a systemd unit's cgroup */
};

int band_job_parse(const char *s, struct band_job *job, char *err,
		   size_t errlen);
void band_job_free(struct band_job *job);

/* /proc/<pid>/cmdline (len bytes, buf holds len + 1) made printable. */
void band_cmdline_fmt(char *buf, size_t len);

/*
 * VG/LV as written on the command line into its VG and LV (len bytes
 * each): -1 if it has not one '/' between two names.  dmx_lv_name() makes
 * their device-mapper name.
 */
int vglv_split(const char *vglv, char *vg, char *lv, size_t len);

/*
 * LVM's lock file of volume group vg, as lvm2's file locking names it
 * (lib/locking/file_locking.c): "<locking_dir>/V_<vg>", with the VG's own
 * name, not the device-mapper form (no '-' doubled).  -1 when vg is not a
 * VG name LVM allows (letters, digits and "+_.-", not first '-', not "."
 * or "..", not an internal name such as "#orphans") or it does not fit.
 */
int lvm_vg_lock_path(const char *dir, const char *vg, char *buf, size_t len);
/*
 * The value of key in lvmconfig's output (key=value or key="value", one a
 * line, as `lvmconfig --typeconfig full global/KEY` prints it): 0 and the
 * value in buf, -1 if there is none.
 */
int lvm_config_value(const char *text, const char *key, char *buf,
		     size_t len);

/* The settings of create/wrap, from --opt VAL or opt=VAL. */
enum {
	OPT_BG = 1, OPT_TYPE = 2, OPT_POLICY = 4, OPT_TOKEN = 8, OPT_IDLE = 16,
	OPT_INJECT = 32,
};

struct band_opts {
	unsigned int set;	/* OPT_* given */
	char band_group[BAND_BG_MAX + 1];
	int type, policy;
	unsigned long long token_base, idle;
	int inject;		/* 0 or 1 */
	/* Its weights go in the table line too (a re-wrap): not a setting. */
	const struct band_table *weights;
};

void band_opts_init(struct band_opts *o);
/* key without dashes: band-group, type, policy, token-base, idle, inject. */
int band_opt_set(struct band_opts *o, const char *key, const char *val,
		 char *err, size_t errlen);
/*
 * The settings of table t as options (weights aside): those of a re-wrap
 * from a saved table.  idle and inject only if the line has them.
 */
void band_table_opts(const struct band_table *t, struct band_opts *o);
/*
 * "<dev> <offset> <bg> <type> <policy> <token>[ :W ID:W...][ idle=N]
 * [ inject=N]": the weights (the default group's, then each job's) when
 * o->weights is set.
 */
void band_params_fmt(struct sbuf *sb, const char *dev,
		     const struct band_opts *o);

/* /etc/dm-band.conf */
enum conf_kind { CONF_CREATE, CONF_WRAP, CONF_WEIGHT };
struct conf_entry {
	enum conf_kind kind;
	int line;
	char *name;		/* device name, or VG/LV for wrap */
	char *dev;		/* create: the device below */
	struct band_opts opts;
	char *job;		/* weight: the JOB text */
	unsigned int weight;
	/* weight: its caps and reservations, by kind (limit_iops...) */
	unsigned long long rate[BAND_NR_RATES];
};

struct conf {
	size_t n;
	struct conf_entry *e;
};

int conf_parse(const char *text, struct conf *c, char *err, size_t errlen);
void conf_free(struct conf *c);

/* What `show` and `top` print about one band device. */
struct band_view {
	const char *name;
	const struct band_table *t;
	const struct band_status *st;
	const char *const *jobs;	/* st->nr names */
	/* A band group's view: device names by g->dev; NULL for one device. */
	const char *const *devs;
	const struct band_calc *calc;	/* st->nr */
	double since;			/* unix time, < 0 unknown */
	double secs;			/* the rates' interval, <= 0 unknown */
	size_t job_max;			/* JOB cut in the middle to this; 0: whole */
};

/* s cut to max characters (max >= 5) by "..." in its middle, into buf. */
void str_mid_cut(char *buf, size_t len, const char *s, size_t max);

/* The line above the columns (report.c prints them). */
void band_view_title(struct sbuf *sb, const struct band_view *v);
void band_view_json(struct sbuf *sb, const struct band_view *v);
/* The id column: "default" or the number. */
void band_id_fmt(char *buf, size_t len, const struct band_gstat *g);

/* A number with one decimal, "-" when NaN. */
void fmt_num(char *buf, size_t len, double v);

#endif
