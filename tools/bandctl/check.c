// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: check and check --repair, what LVM (and SIGKILL) do to wraps.
 *
 * LVM does not know about a wrap.  lvextend, lvresize, lvchange --refresh
 * and lvrename load the LV's own table (the wrap is lost, VG-LV-orig is
 * left unused); lvchange -an, vgchange -an and lvremove remove the LV and,
 * since VG-LV-orig has LVM's uuid form for a layer, VG-LV-orig with it.
 * check finds each such trace and says it in one line; --repair resumes
 * what is left suspended, removes unused -orig layers, wraps the LVs
 * again as they were (from /run/dm-band/NAME.wrap) and applies the
 * configuration file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bandctl.h"

struct chk {
	int repair, problems, failed;
};

static __printf(3, 4) void problem(struct chk *k, const char *name,
				    const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	k->problems++;
}

/* Say how a repair went. */
static void say_repair(struct chk *k, const char *name, int r, const char *how)
{
	if (r) {
		printf("%s: repair failed: %s\n", name, dmx_err);
		k->failed++;
	} else {
		printf("%s: repaired: %s\n", name, how);
	}
	fflush(stdout);
}

static unsigned long long table_len(const char *name)
{
	unsigned long long len = 0;
	struct dmx_targets tl;
	size_t i;

	if (dmx_targets(name, 0, &tl))
		return 0;
	for (i = 0; i < tl.n; i++)
		len += tl.t[i].len;
	dmx_targets_free(&tl);
	return len;
}

/* Load lv's band table again, over all of len sectors of its -orig. */
static int resize_band(const char *lv, unsigned long long len)
{
	struct dmx_targets tl;
	struct dmx_info i;
	int r, r2;

	r = dmx_info(lv, &i);
	if (!r)
		r = dmx_targets(lv, 0, &tl);
	if (r)
		return r;
	tl.t[0].len = len;
	r = dmx_suspend(lv);
	if (!r) {
		r = dmx_reload(lv, &tl, i.read_only ? DMX_RO : 0);
		r2 = dmx_resume_ra(lv, i.read_ahead);
		if (!r)
			r = r2;
	}
	dmx_targets_free(&tl);
	return r;
}

/*
 * Resume name, under LVM's lock on its VG: an LVM command that suspended
 * it (an lvextend of the wrapped LV) is let finish first, and the device
 * is resumed only if it is still suspended then.
 */
static void repair_suspended(struct chk *k, const char *name)
{
	struct dmx_info i;
	int r;

	r = lv_lock(name);
	if (r) {
		say_repair(k, name, r, "");
		return;
	}
	if (!dmx_info(name, &i) && i.exists && !i.suspended)
		say_repair(k, name, EX_OK,
			   "resumed already (by the LVM command that held its volume group)");
	else
		say_repair(k, name, dmx_resume(name), "resumed");
	lv_unlock();
}

static int locked_resize(const char *lv, unsigned long long len)
{
	int r;

	r = lv_lock(lv);
	if (r)
		return r;
	r = resize_band(lv, len);
	lv_unlock();
	return r;
}

/* Remove orig, an orphaned layer, under LVM's lock on its LV's VG. */
static int locked_remove(const char *orig)
{
	int r;

	/* its name tells the VG, its LV may be gone */
	r = lv_lock(orig);
	if (r)
		return r;
	r = dmx_remove(orig);
	lv_unlock();
	return r;
}

static int has_saved(const char *lv)
{
	char *s = state_load_wrap(lv);
	int r = !!s;

	free(s);
	return r;
}

/* Devices left suspended: by a wrap or unwrap killed with SIGKILL. */
static void check_suspended(struct chk *k, char **names, size_t n)
{
	struct dmx_info i;
	struct bdev b;
	size_t j;

	for (j = 0; j < n; j++) {
		int ours;

		if (dmx_info(names[j], &i) || !i.exists || !i.suspended)
			continue;
		ours = is_orig_layer(names[j], &i);
		if (!ours && !band_open(names[j], &b, 0)) {
			ours = 1;
			band_close(&b);
		}
		if (!ours) {
			char orig[DM_NAME_MAX + 16];

			snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, names[j]);
			ours = dmx_exists(orig);
		}
		if (!ours)
			continue;
		problem(k, names[j],
			"suspended (a wrap or unwrap cut short by SIGKILL?): its users are blocked");
		if (k->repair)
			repair_suspended(k, names[j]);
	}
}

/* -orig layers: under their LV, of its size; or orphaned. */
static void check_origs(struct chk *k, char **names, size_t n)
{
	char lv[DM_NAME_MAX + 1];
	unsigned long long blen, olen;
	struct dmx_info i;
	struct bdev b;
	size_t j;

	for (j = 0; j < n; j++) {
		if (dmx_info(names[j], &i) || !i.exists ||
		    !is_orig_layer(names[j], &i))
			continue;
		snprintf(lv, sizeof(lv), "%.*s",
			 (int)(strlen(names[j]) - strlen(ORIG_SUFFIX)), names[j]);
		if (!band_open(lv, &b, 0) && is_wrapped(&b)) {
			band_close(&b);
			blen = table_len(lv);
			olen = table_len(names[j]);
			if (blen && olen && blen != olen) {
				problem(k, lv,
					"size mismatch: the band device has %llu sectors, %s %llu",
					blen, names[j], olen);
				if (k->repair)
					say_repair(k, lv, locked_resize(lv, olen),
						   "band table resized");
			}
			wrap_remember(lv);
			continue;
		}
		band_close(&b);
		if (dmx_exists(lv))
			problem(k, names[j],
				"orphaned: %s is not over it (LVM loaded its own table: lvextend, lvchange --refresh? or a wrap cut short)",
				lv);
		else
			problem(k, names[j],
				"orphaned: its LV %s is gone (lvrename, or a wrap cut short?)",
				lv);
		if (!k->repair)
			continue;
		if (i.open_count) {
			dmx_fail(EX_UNSAFE, "%s is open", names[j]);
			say_repair(k, names[j], EX_UNSAFE, "");
			continue;
		}
		/*
		 * The orphan of an LV whose wrap is to be made again from its
		 * saved table: kept, the re-wrap below takes it over (and
		 * keeps it if it fails, for the next try).
		 */
		if (has_saved(lv) && wrap_orphaned(lv)) {
			say_repair(k, names[j], EX_OK,
				   "kept, for the wrap of its LV again");
			continue;
		}
		say_repair(k, names[j], locked_remove(names[j]), "removed");
	}
}

/* Wrap lv again from its saved table, under LVM's lock on its VG. */
static int repair_lost(const char *lv, const char *saved)
{
	int r;

	r = lv_lock(lv);
	if (r)
		return r;
	/* over its orphaned -orig, when LVM left one (check_origs kept it) */
	r = rewrap(lv, saved, WRAP_ORPHAN);
	lv_unlock();
	return r;
}

/* LVs wrapped before (a saved table) and not now: LVM undid the wrap. */
static void check_lost(struct chk *k)
{
	char lv[DM_NAME_MAX + 1], *saved;
	struct dmx_targets tl;
	struct dirent *de;
	DIR *d;

	d = opendir("/run/dm-band");
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		int wrapped;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".wrap") ||
		    len - 5 > DM_NAME_MAX)
			continue;
		snprintf(lv, sizeof(lv), "%.*s", (int)(len - 5), de->d_name);
		saved = state_load_wrap(lv);
		if (!saved)
			continue;
		if (!dmx_exists(lv)) {
			problem(k, lv,
				"wrap lost: the LV is not active (lvchange -an, vgchange -an, lvremove, lvrename?)");
			if (k->repair) {
				state_forget_wrap(lv);
				say_repair(k, lv, EX_OK,
					   "forgotten (bandctl apply wraps it again when the configuration says so)");
			}
			free(saved);
			continue;
		}
		wrapped = 1;
		if (!dmx_targets(lv, 0, &tl)) {
			wrapped = tl.n == 1 && !strcmp(tl.t[0].type, "band");
			dmx_targets_free(&tl);
		}
		if (!wrapped) {
			problem(k, lv,
				"wrap lost: LVM loaded the LV's own table (lvextend, lvresize, lvchange --refresh?)");
			if (k->repair)
				say_repair(k, lv, repair_lost(lv, saved),
					   "wrapped again, with its saved table and weights");
		}
		free(saved);
	}
	closedir(d);
}

int cmd_check(struct args *a)
{
	struct chk k = { 0 };
	const char *conf = DEFAULT_CONF;
	char **names;
	size_t n;
	int r, changes = 0, pass;

	k.repair = !!a->opt[O_REPAIR];
	if (a->argc == 1)
		conf = a->argv[0];
	r = dmx_band_registered();
	if (r)
		return dmerr(r);
	/* Resumes first, so that what follows sees what the others left. */
	for (pass = 0; pass < 3; pass++) {
		r = dmx_names(&names, &n);
		if (r)
			return dmerr(r);
		if (pass == 0)
			check_suspended(&k, names, n);
		else if (pass == 1)
			check_origs(&k, names, n);
		dmx_names_free(&names, &n);
		if (pass == 2)
			check_lost(&k);
	}
	if (a->argc == 1 || !access(conf, R_OK)) {
		r = apply_file(conf, !k.repair, NULL, &changes);
		k.problems += changes;
		if (r)
			k.failed++;
	}
	if (k.repair)
		return k.failed ? EX_ERR : EX_OK;
	return k.problems ? EX_ERR : EX_OK;
}
