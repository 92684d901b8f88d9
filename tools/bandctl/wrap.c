// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: create, remove, wrap and unwrap: band devices and their tables.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#include "bandctl.h"

int do_create(const char *name, const char *dev, struct band_opts *o)
{
	unsigned long long bytes;
	struct dmx_targets tl;
	char majmin[32];
	struct stat sb;
	int fd, r;

	if (strlen(name) > DM_NAME_MAX || strchr(name, '/'))
		return dmx_fail(EX_USAGE, "invalid device name '%s'", name);
	if (dmx_exists(name))
		return dmx_fail(EX_ERR, "device '%s' already exists", name);
	if (stat(dev, &sb) || !S_ISBLK(sb.st_mode))
		return dmx_fail(EX_NODEV, "no block device %s", dev);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dmx_fail(errno == EACCES ? EX_PERM : EX_ERR, "open %s: %s",
				dev, strerror(errno));
	r = ioctl(fd, BLKGETSIZE64, &bytes);
	close(fd);
	if (r)
		return dmx_fail(EX_ERR, "size of %s: %s", dev, strerror(errno));
	if (bytes < 512)
		return dmx_fail(EX_ERR, "%s is empty", dev);
	snprintf(majmin, sizeof(majmin), "%u:%u", major(sb.st_rdev),
		 minor(sb.st_rdev));
	default_bg(o, majmin);
	r = band_targets(&tl, bytes >> 9, dev, o);
	if (r)
		return r;
	r = dmx_create(name, NULL, &tl, 0);
	dmx_targets_free(&tl);
	if (r)
		return load_failed(r);
	state_mark_reset(name);
	return EX_OK;
}

int cmd_create(int argc, char **argv)
{
	struct band_opts o;
	int r;

	r = opts_args(&argc, argv, &o, 2, "NAME and DEV");
	return r ? r : dmerr(do_create(argv[0], argv[1], &o));
}

/* Is b an LV wrapped by bandctl: over its own -orig device? */
int is_wrapped(const struct bdev *b)
{
	char orig[DM_NAME_MAX + 16], mm[32];
	struct dmx_info oi;

	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, b->name);
	if (dmx_info(orig, &oi) || !oi.exists)
		return 0;
	snprintf(mm, sizeof(mm), "%u:%u", oi.major, oi.minor);
	return !strcmp(b->t.dev, mm);
}

int cmd_remove(int argc, char **argv)
{
	struct bdev b;
	int r;

	(void)argc;
	r = band_open(argv[0], &b, 0);
	if (r)
		return dmerr(r);
	if (is_wrapped(&b))
		r = dmx_fail(EX_UNSAFE,
			     "%s is a wrapped LV: use bandctl unwrap", b.name);
	else
		r = dmx_remove(b.name);
	if (!r)
		state_forget(b.name);
	band_close(&b);
	return dmerr(r);
}

/* ------------------------------------------------------------ wrap */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int do_wrap(const char *arg, struct band_opts *o)
{
	char dm[DM_NAME_MAX + 1], orig[DM_NAME_MAX + 16], held[256];
	char uuid[160], majmin[32];
	struct dmx_targets tl, band = { 0 };
	struct dmx_info info, oi;
	unsigned long long len = 0;
	size_t i;
	int r, r2;

	r = dev_arg(arg, dm, sizeof(dm));
	if (!r)
		r = dmx_info(dm, &info);
	if (r)
		return r;
	if (!info.exists)
		return dmx_fail(EX_NODEV, "no active LV %s (no dm device %s)", arg,
				dm);
	if (ends_with(dm, "-real") || ends_with(dm, "-cow") ||
	    ends_with(dm, ORIG_SUFFIX))
		return dmx_fail(EX_UNSAFE,
				"%s is an internal device of a snapshot or of a wrap",
				dm);
	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, dm);
	if (strlen(orig) > DM_NAME_MAX)
		return dmx_fail(EX_UNSAFE, "name %s too long", orig);
	r = dmx_targets(dm, 0, &tl);
	if (r)
		return r;
	for (i = 0; i < tl.n && !r; i++) {
		if (!strcmp(tl.t[i].type, "band"))
			r = dmx_fail(EX_UNSAFE, "%s is already wrapped", arg);
		else if (strcmp(tl.t[i].type, "linear") &&
			 strcmp(tl.t[i].type, "striped"))
			r = dmx_fail(EX_UNSAFE,
				     "%s has a %s target: only linear and striped LVs can be wrapped",
				     arg, tl.t[i].type);
		len += tl.t[i].len;
	}
	if (!r && !tl.n)
		r = dmx_fail(EX_UNSAFE, "%s has no table", arg);
	if (!r && dmx_exists(orig))
		r = dmx_fail(EX_UNSAFE, "%s already exists", orig);
	if (!r && dev_holders(info.major, info.minor, held, sizeof(held)) > 0)
		r = dmx_fail(EX_UNSAFE,
			     "%s is held by %s (a snapshot origin, or under another device)",
			     arg, held);
	if (r)
		goto out;
	/* "<major>:<minor> <offset>" for linear, "<stripes> <chunk> M:m ..." */
	if (sscanf(tl.t[0].params, "%31s", majmin) != 1 ||
	    (!strcmp(tl.t[0].type, "striped") &&
	     sscanf(tl.t[0].params, "%*s %*s %31s", majmin) != 1))
		majmin[0] = '\0';
	default_bg(o, majmin);
	snprintf(uuid, sizeof(uuid), "BAND-ORIG-%s", info.uuid);

	/* Suspended (file system frozen, I/O flushed) while the tables change. */
	r = dmx_suspend(dm);
	if (r)
		goto out;
	r = dmx_create(orig, info.uuid[0] ? uuid : NULL, &tl, 1);
	if (!r)
		r = dmx_info(orig, &oi);
	if (r)
		goto resume;
	snprintf(majmin, sizeof(majmin), "%u:%u", oi.major, oi.minor);
	r = band_targets(&band, len, majmin, o);
	if (!r)
		r = load_failed(dmx_reload(dm, &band));
	if (r)
		goto remove;
	r = dmx_resume(dm);
	if (!r) {
		state_mark_reset(dm);
		goto out;
	}
	/* Back to the LV's own table. */
	dmx_clear(dm);
	r2 = dmx_resume(dm);
	if (r2)
		goto out;	/* leave -orig: the LV may still map onto it */
	dmx_remove(orig);
	goto out;
remove:
	dmx_remove(orig);
resume:
	r2 = dmx_resume(dm);
	if (r2 && !r)
		r = r2;
out:
	dmx_targets_free(&band);
	dmx_targets_free(&tl);
	return r;
}

int cmd_wrap(int argc, char **argv)
{
	struct band_opts o;
	int r;

	r = opts_args(&argc, argv, &o, 1, "VG/LV");
	return r ? r : dmerr(do_wrap(argv[0], &o));
}

int cmd_unwrap(int argc, char **argv)
{
	char dm[DM_NAME_MAX + 1], orig[DM_NAME_MAX + 16];
	struct dmx_targets tl;
	struct bdev b;
	int r, r2;

	(void)argc;
	r = dev_arg(argv[0], dm, sizeof(dm));
	if (!r)
		r = band_open(dm, &b, 0);
	if (r)
		return dmerr(r);
	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, dm);
	if (!is_wrapped(&b)) {
		band_close(&b);
		return dmerr(dmx_fail(EX_NOTBAND, "%s is not wrapped by bandctl (no %s under it)",
				      argv[0], orig));
	}
	band_close(&b);
	r = dmx_targets(orig, 0, &tl);
	if (r)
		return dmerr(r);
	r = dmx_suspend(dm);
	if (!r) {
		r = dmx_reload(dm, &tl);
		/* Resume in any case: with the LV's own table if it loaded. */
		r2 = dmx_resume(dm);
		if (!r)
			r = r2;
	}
	if (!r) {
		r = dmx_remove(orig);
		state_forget(dm);
	}
	dmx_targets_free(&tl);
	return dmerr(r);
}
