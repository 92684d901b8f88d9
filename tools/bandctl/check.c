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
			say_repair(k, names[j], dmx_resume(names[j]), "resumed");
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
					say_repair(k, lv, resize_band(lv, olen),
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
		say_repair(k, names[j], dmx_remove(names[j]), "removed");
	}
}

/* LVs wrapped before (a saved table) and not now: LVM undid the wrap. */
static void check_lost(struct chk *k)
{
	char saved[4096], lv[DM_NAME_MAX + 1];
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
		if (state_load_wrap(lv, saved, sizeof(saved)))
			continue;
		if (!dmx_exists(lv)) {
			problem(k, lv,
				"wrap lost: the LV is not active (lvchange -an, vgchange -an, lvremove, lvrename?)");
			if (k->repair) {
				state_forget_wrap(lv);
				say_repair(k, lv, EX_OK,
					   "forgotten (bandctl apply wraps it again when the configuration says so)");
			}
			continue;
		}
		if (dmx_targets(lv, 0, &tl))
			continue;
		wrapped = tl.n == 1 && !strcmp(tl.t[0].type, "band");
		dmx_targets_free(&tl);
		if (wrapped)
			continue;
		problem(k, lv,
			"wrap lost: LVM loaded the LV's own table (lvextend, lvresize, lvchange --refresh?)");
		if (k->repair)
			say_repair(k, lv, rewrap(lv, saved, 0),
				   "wrapped again, with its saved table and weights");
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
