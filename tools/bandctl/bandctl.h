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

/* Take "--flag" out of argv; 1 if it was there. */
int take_flag(int *argc, char **argv, const char *flag);
/* create's and wrap's OPTIONS, then nargs arguments (what they are). */
int opts_args(int *argc, char **argv, struct band_opts *o, int nargs,
	      const char *what);
void default_bg(struct band_opts *o, const char *majmin);
/* The one band target of len sectors over dev. */
int band_targets(struct dmx_targets *tl, unsigned long long len,
		 const char *dev, const struct band_opts *o);
/* Why a table load failed: the module, or what libdevmapper said. */
int load_failed(int r);
void describe(const char *what, const char *name, const char *dev,
	      const struct band_opts *o);

int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_unset(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_wrap(int argc, char **argv);
int cmd_unwrap(int argc, char **argv);

int do_create(const char *name, const char *dev, struct band_opts *o);
int do_wrap(const char *arg, struct band_opts *o);
/* Save dm's band table in /run/dm-band/dm.wrap if dm is wrapped. */
void wrap_remember(const char *dm);
/* Wrap dm again with a saved band table (its options and weights). */
int rewrap(const char *dm, const char *params);
/* Apply a configuration file; *changes counts the lines printed. */
int apply_file(const char *path, int dry, const char *device, int *changes);
int cmd_check(int argc, char **argv);
int cmd_watch(int argc, char **argv);
/*
 * Remember that dev's job jobtext (a cgroup by path, or a unit) has id and
 * weight, for watch; forget the job with id.  Other jobs are not bound.
 */
void bind_remember(const char *dev, const char *jobtext,
		   const struct band_job *job, unsigned long long id,
		   unsigned int weight);
void bind_forget(const char *dev, unsigned long long id);

#endif
