/* SPDX-License-Identifier: GPL-2.0-only */
/* bandctl: users, groups, processes, cgroups, sysfs, state files (sys.c). */
#ifndef BANDCTL_SYS_H
#define BANDCTL_SYS_H

#include <stddef.h>

#include "bandlib.h"

const char *cgroup2_root(void);
/* The id of job on a device of dev_type (EX_BADJOB and dmx_err if bad). */
/* The cgroup of a systemd unit, relative to the cgroup2 root. */
int unit_cgroup(const char *unit, char *rel, size_t len);
/* The id (inode number) of cgroup rel (from the root): EX_BADJOB if none. */
int cgroup_id(const char *rel, unsigned long long *id);
int job_resolve(const struct band_job *job, int dev_type,
		unsigned long long *id);
/* The job of group g on a device of type, for people. */
void job_name(int type, const struct band_gstat *g, char *buf, size_t len);
/* M:m as /dev/mapper/NAME or /dev/KNAME. */
void dev_display(const char *majmin, char *out, size_t len);
void phys_disk(const char *majmin, char *out, size_t len);
int dev_holders(unsigned int major, unsigned int minor, char *out, size_t len);

void state_mark_reset(const char *name);
void state_forget(const char *name);
/*
 * The band table of a wrapped LV, kept in /run/dm-band/NAME.wrap so that
 * bandctl check --repair can wrap it again as it was when LVM undid it.
 */
void state_save_wrap(const char *name, const char *params);
/* The saved table, whole (malloc'd, no newline); NULL when none. */
char *state_load_wrap(const char *name);
void state_forget_wrap(const char *name);
/*
 * The weights apply set on band device name, as "ID JOB" lines (ID a number
 * or "default"), kept in /run/dm-band/NAME.applied so that a weight line
 * removed from the file is unset on the next apply.  "" removes the file.
 */
int state_save_applied(const char *name, const char *text);
char *state_load_applied(const char *name);
/* The devices that have such a file: free each name and the array. */
int state_applied_names(char ***names, size_t *n);
/* /run/dm-band/NAME.EXT, whole: "" removes it; NULL when absent. */
int state_save(const char *name, const char *ext, const char *text);
char *state_load(const char *name, const char *ext);
/* The NAMEs that have a NAME.EXT: free each name and the array. */
int state_names(const char *ext, char ***names, size_t *n);
/* Serialise applies (boot, udev, by hand): an fd to close, or -1. */
int state_lock(void);
/* Unix time of the last bandctl reset/create of name, < 0 unknown. */
double state_reset_time(const char *name);
double now_real(void);
double now_mono(void);

#endif
