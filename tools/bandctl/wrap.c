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

int cmd_create(struct args *a)
{
	return dmerr(do_create(a->argv[0], a->argv[1], &a->band));
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

int cmd_remove(struct args *a)
{
	char **argv = a->argv;
	struct bdev b;
	int r;

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

/*
 * The critical section of wrap and unwrap: from the suspend of the LV to
 * its resume, every process using the LV waits.  It must not be cut short:
 * the signals that end or stop bandctl are blocked over it, and memory is
 * locked (as lvm2 does) so that no page-in waits on a suspended device.  A
 * signal that asks bandctl to end (SIGINT, SIGTERM, SIGHUP, SIGQUIT) cancels
 * the steps not yet done: those done are rolled back, then the signal is
 * delivered.  SIGKILL cannot be blocked: bandctl check finds what it leaves.
 */
struct crit {
	sigset_t old;
	int locked, cancel_sig;
};

static const int crit_sigs[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU,
	SIGUSR1, SIGUSR2, SIGALRM,
};

static const int cancel_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void crit_enter(struct crit *c)
{
	sigset_t s;
	size_t i;

	memset(c, 0, sizeof(*c));
	sigemptyset(&s);
	for (i = 0; i < ARRAY_SIZE(crit_sigs); i++)
		sigaddset(&s, crit_sigs[i]);
	sigprocmask(SIG_BLOCK, &s, &c->old);
	c->locked = !mlockall(MCL_CURRENT | MCL_FUTURE);
}

/* Leave: a pending signal is delivered now (and may end bandctl). */
static void crit_leave(struct crit *c)
{
	fflush(NULL);
	if (c->locked)
		munlockall();
	sigprocmask(SIG_SETMASK, &c->old, NULL);
}

/* Before each step that can be undone: EX_ERR when a signal cancels. */
static int crit_step(struct crit *c, const char *what, const char *name)
{
	struct sigaction sa;
	sigset_t p;
	size_t i;
	int r;

	r = test_hook(what, name);
	if (r || sigpending(&p))
		return r;
	for (i = 0; i < ARRAY_SIZE(cancel_sigs); i++) {
		/* A blocked signal is pending even when ignored (nohup). */
		if (!sigismember(&p, cancel_sigs[i]) ||
		    sigaction(cancel_sigs[i], NULL, &sa) ||
		    sa.sa_handler == SIG_IGN)
			continue;
		c->cancel_sig = cancel_sigs[i];
		return dmx_fail(EX_ERR, "%s cancelled by SIG%s before %s", what,
				sigabbrev_np(cancel_sigs[i]), name);
	}
	return EX_OK;
}

/*
 * End a section that a signal cancelled: say what became of it, then take
 * the signal.
 */
static BANDCTL_ATTRIBUTE((noreturn)) void crit_cancelled(struct crit *c, int r)
{
	dmerr(r ? r : EX_ERR);
	crit_leave(c);
	exit(128 + c->cancel_sig);
}

/*
 * The dm uuid of dm's -orig layer.  An LV's is LVM's own form for a layer,
 * "LVM-<vg uuid><lv uuid>-orig", with the layer in the name, VG-LV-orig:
 * lvm2 does not scan it with scan_lvs=0, its udev rules (56-lvm.rules) hide
 * it from blkid, pvscan and /dev/disk on every event, and lvm2 removes it
 * when it is left unused below the LV.
 */
static void orig_uuid(const char *uuid, char *out, size_t len)
{
	if (!uuid[0])
		out[0] = '\0';
	else if (!strncmp(uuid, "LVM-", 4))
		snprintf(out, len, "%s" ORIG_SUFFIX, uuid);
	else
		snprintf(out, len, "BAND-ORIG-%s", uuid);
}

void wrap_remember(const char *dm)
{
	char orig[DM_NAME_MAX + 16], mm[32];
	struct dmx_targets tl;
	struct dmx_info oi;

	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, dm);
	if (dmx_info(orig, &oi) || !oi.exists || dmx_targets(dm, 0, &tl))
		return;
	snprintf(mm, sizeof(mm), "%u:%u ", oi.major, oi.minor);
	if (tl.n == 1 && !strcmp(tl.t[0].type, "band") &&
	    !strncmp(tl.t[0].params, mm, strlen(mm)))
		state_save_wrap(dm, tl.t[0].params);
	dmx_targets_free(&tl);
}

/*
 * The weights go in the band table that do_wrap() loads, not in messages
 * after it: a failure then leaves either the wrap with all its weights or
 * the LV as it was (rolled back), its saved table and its orphaned -orig
 * kept for the next try, never a wrap with some weights and a saved table
 * that has lost the others.
 */
int rewrap(const char *dm, const char *params, int flags)
{
	struct band_table t;
	struct band_opts o;
	int r;

	if (band_table_parse(params, &t))
		return dmx_fail(EX_ERR, "%s: bad saved table '%.300s'", dm,
				params);
	band_table_opts(&t, &o);
	o.weights = &t;
	r = do_wrap(dm, &o, flags);
	band_table_free(&t);
	return r;
}

enum { W_NONE, W_SUSPENDED, W_CREATED, W_LOADED };
enum { RB_RELOAD = 1, RB_RESUME = 2, RB_REMOVE = 4 };

/*
 * Undo the steps of a wrap or unwrap of dm: load tl (the table dm had) if
 * RB_RELOAD, resume if RB_RESUME, remove orig if RB_REMOVE.  EX_ERR with
 * the reason of the failure and how far the rollback got.
 */
static int undo_steps(const char *dm, const char *orig,
		      const struct dmx_targets *tl, const struct dmx_info *info,
		      int what)
{
	int ro = info->read_only ? DMX_RO : 0, r = EX_OK;
	char saved[sizeof(dmx_err)];

	memcpy(saved, dmx_err, sizeof(saved));
	if ((what & RB_RELOAD) && dmx_reload(dm, tl, ro))
		r = EX_ERR;
	if ((what & RB_RESUME) && dmx_resume_ra(dm, info->read_ahead))
		return dmx_fail(EX_ERR,
				"%.200s; rollback failed: %s is left suspended (%.200s)",
				saved, dm, dmx_err);
	if (!r && (what & RB_REMOVE) && dmx_remove(orig))
		r = EX_ERR;
	if (r)
		return dmx_fail(EX_ERR,
				"%.200s; rollback incomplete (%.200s): see bandctl check",
				saved, dmx_err);
	return dmx_fail(EX_ERR, "%.400s; rolled back", saved);
}

/* Is name a -orig layer made by bandctl wrap (by its name and uuid)? */
int is_orig_layer(const char *name, const struct dmx_info *i)
{
	return ends_with(name, ORIG_SUFFIX) &&
	       ((!strncmp(i->uuid, "LVM-", 4) &&
		 ends_with(i->uuid, ORIG_SUFFIX)) ||
		!strncmp(i->uuid, "BAND-ORIG-", 10));
}

/* One line of sysfs, /sys/dev/block/M:m/dm/what: "" if none. */
static void sys_dm(const char *majmin, const char *what, char *buf, size_t len)
{
	char path[96];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/dev/block/%s/dm/%s", majmin, what);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * An LV of dm's own volume group that a target of tl maps to, such as
 * VG-pvmove0 while pvmove moves the LV: into out; 0 when there is none.
 * Such a table is LVM's, for the time of an operation: not to be wrapped.
 */
static int over_own_vg(const char *dm, const struct dmx_targets *tl,
		       char *out, size_t len)
{
	char vglv[256], below[DM_NAME_MAX + 1], uuid[160], tok[32];
	size_t i, vg;
	const char *p;
	int n;

	dmx_lv_vglv(dm, vglv, sizeof(vglv));
	vg = strcspn(vglv, "/");
	if (!vglv[0])
		return 0;
	for (i = 0; i < tl->n; i++) {
		for (p = tl->t[i].params; sscanf(p, "%31s%n", tok, &n) == 1;
		     p += n) {
			unsigned int ma, mi;
			char rest, bvglv[256];

			if (sscanf(tok, "%u:%u%c", &ma, &mi, &rest) != 2)
				continue;
			sys_dm(tok, "uuid", uuid, sizeof(uuid));
			sys_dm(tok, "name", below, sizeof(below));
			if (strncmp(uuid, "LVM-", 4) || !below[0])
				continue;
			dmx_lv_vglv(below, bvglv, sizeof(bvglv));
			if (strcspn(bvglv, "/") == vg &&
			    !strncmp(bvglv, vglv, vg) && bvglv[vg] == '/') {
				snprintf(out, len, "%s", below);
				return 1;
			}
		}
	}
	return 0;
}

/*
 * Is orig (whose info is oi) the orphaned -orig layer of LV dm (info):
 * bandctl's layer with the LV's own layer uuid, unused, not suspended?
 * LVM leaves it so when it loads the LV's own table (lvextend, lvresize,
 * lvchange --refresh, pvmove, lvcreate -s).
 */
static int orphan_layer(const char *orig, const struct dmx_info *oi,
			const struct dmx_info *info)
{
	char uuid[160];

	orig_uuid(info->uuid, uuid, sizeof(uuid));
	return oi->exists && is_orig_layer(orig, oi) && !oi->suspended &&
	       !oi->open_count && uuid[0] && !strcmp(oi->uuid, uuid);
}

int wrap_orphaned(const char *dm)
{
	char orig[DM_NAME_MAX + 16];
	struct dmx_info info, oi;
	struct dmx_targets tl;
	int band;

	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, dm);
	if (dmx_info(dm, &info) || !info.exists || info.suspended ||
	    dmx_info(orig, &oi) || !orphan_layer(orig, &oi, &info) ||
	    dmx_targets(dm, 0, &tl))
		return 0;
	band = tl.n == 1 && !strcmp(tl.t[0].type, "band");
	dmx_targets_free(&tl);
	return !band;
}

/*
 * Take over orig, the layer LVM orphaned: load it with tl, the LV's table
 * now (it has the one the LV had before lvextend, say), and resume it.  It
 * is unused, so no one sees the change.  On a failure it is left as it was
 * before: active with its table, an orphan still.
 */
static int take_orphan(const char *orig, const struct dmx_targets *tl,
		       int ro)
{
	char why[sizeof(dmx_err)];
	struct dmx_info oi;
	int r;

	r = dmx_reload(orig, tl, ro);
	if (!r)
		r = dmx_resume_hidden(orig);
	if (r) {
		memcpy(why, dmx_err, sizeof(why));
		dmx_clear(orig);
		/* a resume that failed to swap the tables leaves it suspended */
		if (!dmx_info(orig, &oi) && oi.exists && oi.suspended)
			dmx_resume_hidden(orig);
		memcpy(dmx_err, why, sizeof(why));
	}
	return r;
}

/* do_wrap(), once LVM's lock on the LV's volume group is taken. */
static int wrap_locked(const char *arg, const char *dm, struct band_opts *o,
		       int flags)
{
	char orig[DM_NAME_MAX + 16], held[256];
	char uuid[160], majmin[32], layer[DM_NAME_MAX + 1];
	char below[DM_NAME_MAX + 1];
	struct dmx_targets tl, band = { 0 };
	struct dmx_info info, oi;
	unsigned long long len = 0;
	int r, ro, done = W_NONE, orphan = 0;
	struct crit c;
	size_t i;

	r = dmx_info(dm, &info);
	if (r)
		return r;
	if (!info.exists)
		return dmx_fail(EX_NODEV, "no active LV %s (no dm device %s)", arg,
				dm);
	/* LVM's layers (-real, -cow, -tpool...), as lvm2 names them */
	dmx_lv_layer(dm, layer, sizeof(layer));
	if (strncmp(info.uuid, "LVM-", 4))
		layer[0] = '\0';	/* not LVM's: its name is not LVM's form */
	if (layer[0] || ends_with(dm, "-real") || ends_with(dm, "-cow") ||
	    ends_with(dm, ORIG_SUFFIX))
		return dmx_fail(EX_UNSAFE,
				"%s is an internal device of a snapshot or of a wrap%s%s",
				dm, layer[0] ? ", LVM's layer " : "", layer);
	if (info.suspended)
		return dmx_fail(EX_UNSAFE,
				"%s is suspended (by another tool, or a wrap cut short: see bandctl check)",
				arg);
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
	if (!r && over_own_vg(dm, &tl, below, sizeof(below)))
		r = dmx_fail(EX_UNSAFE,
			     "%s is over %s, another LV of its volume group (pvmove in progress?)",
			     arg, below);
	if (!r && !dmx_info(orig, &oi) && oi.exists) {
		orphan = orphan_layer(orig, &oi, &info);
		if (!orphan || !(flags & WRAP_ORPHAN))
			r = dmx_fail(EX_UNSAFE,
				     "%s already exists (left over? see bandctl check)",
				     orig);
	}
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
	orig_uuid(info.uuid, uuid, sizeof(uuid));
	/* The LV's read-only flag goes to both tables, its read-ahead stays. */
	ro = info.read_only ? DMX_RO : 0;

	/* Suspended (file system frozen, I/O flushed) while the tables change. */
	crit_enter(&c);
	r = crit_step(&c, "wrap", "suspend");
	if (!r)
		r = dmx_suspend(dm);
	if (r)
		goto leave;
	done = W_SUSPENDED;
	/*
	 * The layer LVM orphaned when it loaded the LV's own table (the LV is
	 * not over it, no one has it open) is taken over rather than removed
	 * and made again: should the wrap fail, it is still there, orphaned,
	 * and the next apply wraps the LV again from its saved table.
	 */
	r = crit_step(&c, "wrap", "create");
	if (!r && orphan)
		r = take_orphan(orig, &tl, ro);
	else if (!r)
		r = dmx_create(orig, uuid[0] ? uuid : NULL, &tl, DMX_HIDDEN | ro);
	if (r)
		goto rollback;
	done = W_CREATED;
	r = crit_step(&c, "wrap", "load");
	if (!r)
		r = dmx_info(orig, &oi);
	if (!r) {
		snprintf(majmin, sizeof(majmin), "%u:%u", oi.major, oi.minor);
		r = band_targets(&band, len, majmin, o);
	}
	if (!r)
		r = load_failed(dmx_reload(dm, &band, ro));
	if (r)
		goto rollback;
	done = W_LOADED;
	r = crit_step(&c, "wrap", "resume");
	if (!r)
		r = dmx_resume_ra(dm, info.read_ahead);
	if (r)
		goto rollback;
	state_mark_reset(dm);
	wrap_remember(dm);
	test_hook("wrap", "done");
	goto leave;
rollback:
	/* An orphan taken over stays, orphaned again. */
	r = undo_steps(dm, orig, &tl, &info, RB_RESUME |
		       (done >= W_CREATED && !orphan ? RB_REMOVE : 0) |
		       (done >= W_LOADED ? RB_RELOAD : 0));
leave:
	if (c.cancel_sig)
		crit_cancelled(&c, r);
	crit_leave(&c);
out:
	dmx_targets_free(&band);
	dmx_targets_free(&tl);
	return r;
}

/*
 * Under LVM's lock on the VG, so that no LVM command on it (the next
 * lvextend, say) runs between the look at the LV and its resume.
 */
int do_wrap(const char *arg, struct band_opts *o, int flags)
{
	char dm[DM_NAME_MAX + 1];
	int r;

	r = dev_arg(arg, dm, sizeof(dm));
	if (!r)
		r = lv_lock(dm);
	if (r)
		return r;
	r = wrap_locked(arg, dm, o, flags);
	lv_unlock();
	return r;
}

int cmd_wrap(struct args *a)
{
	return dmerr(do_wrap(a->argv[0], &a->band, 0));
}

static int unwrap_locked(const char *arg, const char *name)
{
	char dm[DM_NAME_MAX + 1], orig[DM_NAME_MAX + 16];
	struct dmx_targets tl, band = { 0 };
	int r, ro, done = W_NONE;
	struct crit c;
	struct bdev b;

	r = band_open(name, &b, 0);
	if (r)
		return r;
	snprintf(dm, sizeof(dm), "%s", b.name);
	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, dm);
	if (!is_wrapped(&b)) {
		band_close(&b);
		return dmx_fail(EX_NOTBAND,
				"%s is not wrapped by bandctl (no %s under it)",
				arg, orig);
	}
	band_close(&b);
	if (b.info.suspended)
		return dmx_fail(EX_UNSAFE,
				"%s is suspended (by another tool, or a wrap cut short: see bandctl check)",
				arg);
	ro = b.info.read_only ? DMX_RO : 0;
	r = dmx_targets(orig, 0, &tl);
	if (!r)
		r = dmx_targets(dm, 0, &band);
	if (r) {
		dmx_targets_free(&tl);
		return r;
	}
	crit_enter(&c);
	r = crit_step(&c, "unwrap", "suspend");
	if (!r)
		r = dmx_suspend(dm);
	if (r)
		goto leave;
	done = W_SUSPENDED;
	r = crit_step(&c, "unwrap", "load");
	if (!r)
		r = dmx_reload(dm, &tl, ro);
	if (r)
		goto rollback;
	done = W_LOADED;
	r = crit_step(&c, "unwrap", "resume");
	if (!r)
		r = dmx_resume_ra(dm, b.info.read_ahead);
	if (r)
		goto rollback;
	/* The LV is its own again: -orig is unused, whatever happens now. */
	state_forget(dm);
	state_forget_wrap(dm);
	r = test_hook("unwrap", "remove");
	if (!r)
		r = dmx_remove(orig);
	if (r) {
		char why[sizeof(dmx_err)];

		memcpy(why, dmx_err, sizeof(why));
		r = dmx_fail(r, "%.300s; the LV is unwrapped, %s is left over %s",
			     why, orig, "(bandctl check --repair removes it)");
	}
	goto leave;
rollback:
	/* Back to the band table. */
	r = undo_steps(dm, orig, &band, &b.info,
		       RB_RESUME | (done >= W_LOADED ? RB_RELOAD : 0));
leave:
	if (c.cancel_sig)
		crit_cancelled(&c, r);
	crit_leave(&c);
	dmx_targets_free(&band);
	dmx_targets_free(&tl);
	return r;
}

int cmd_unwrap(struct args *a)
{
	char dm[DM_NAME_MAX + 1];
	int r;

	/* Under LVM's lock on the VG, as a wrap. */
	r = dev_arg(a->argv[0], dm, sizeof(dm));
	if (!r)
		r = lv_lock(dm);
	if (r)
		return dmerr(r);
	r = unwrap_locked(a->argv[0], dm);
	lv_unlock();
	return dmerr(r);
}
