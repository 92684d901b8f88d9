// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: LVM's volume group lock around the changes of an LV's table.
 *
 * A wrap, an unwrap or a re-wrap suspends an LV and loads a table into it;
 * so do LVM's commands on its volume group (lvextend, lvchange --refresh,
 * pvmove...).  Run at once, the two undo each other: LVM loads its table
 * over the wrap, or the wrap is made over a table LVM is replacing.  lvm2
 * serializes its own commands on a VG with flock() on a file of its
 * locking_dir (lib/locking/file_locking.c, lib/misc/lvm-flock.c):
 * "<locking_dir>/V_<vg name>", LOCK_EX for a change.  bandctl takes the
 * same lock, the same way, over the whole of its change of the LV:
 *
 *  - the file is opened with O_CREAT | O_APPEND | O_RDWR, mode 0777, and
 *    after the flock() it must still be the file of that name (same inode):
 *    lvm2 unlinks the file when it lets go of it, so a lock won on a file
 *    unlinked meanwhile is worth nothing, and is taken again;
 *  - with global/prioritise_write_locks (lvm2's default), a writer first
 *    takes "V_<vg>:aux", then the VG's file, then lets go of aux, so that
 *    readers queued after it do not pass it;
 *  - letting go: unlock, then, if it can be locked again at once and is
 *    still that file, unlink it (aux: unlink, then close).
 *
 * Unlike lvm2, which waits as long as it takes, bandctl waits at most
 * BANDCTL_LOCK_WAIT seconds (default 60), then fails without having
 * touched the LV.  Nested takes (an apply that re-wraps) count: only the
 * outermost lets go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bandctl.h"

#define LVM_LOCK_DIR "/run/lock/lvm"
#define LOCK_WAIT_DFLT 60
#define AUX_SUFFIX ":aux"

/*
 * The lock held: takes not yet let go of (a take of a device that is no
 * LV's counts, and locks nothing), and the VG's lock file, -1 when none.
 */
static struct {
	int refs;
	int fd;
	char path[PATH_MAX];
} held = { .fd = -1 };

/* lvm's output, with stdin and stderr on /dev/null: 0 if it exited 0. */
static int lvm_output(char *const argv[], char *out, size_t len)
{
	static const char *const lvm[] = { "/usr/sbin/lvm", "/sbin/lvm" };
	size_t n = 0, i;
	int p[2], status, nul;
	ssize_t r;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 ||
		    dup2(nul, 2) < 0)
			_exit(127);
		setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
		execvp("lvm", argv);
		for (i = 0; i < ARRAY_SIZE(lvm); i++)
			execv(lvm[i], argv);
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < len && (r = read(p[0], out + n, len - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* lvm2's locking_dir and prioritise_write_locks, asked once. */
static const char *lvm_lock_conf(int *prio)
{
	static char *const argv[] = {
		"lvm", "lvmconfig", "--typeconfig", "full",
		"global/locking_dir", "global/prioritise_write_locks", NULL
	};
	static char dir[PATH_MAX];
	static int prioritise = 1;
	char out[2 * PATH_MAX], v[16];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), LVM_LOCK_DIR);
		if (!lvm_output(argv, out, sizeof(out))) {
			lvm_config_value(out, "locking_dir", dir, sizeof(dir));
			if (!lvm_config_value(out, "prioritise_write_locks", v,
					      sizeof(v)))
				prioritise = strcmp(v, "0") != 0;
		}
	}
	*prio = prioritise;
	return dir;
}

static unsigned int lock_wait(void)
{
	const char *s = getenv("BANDCTL_LOCK_WAIT");
	unsigned long long v;

	if (s && !parse_ull(s, &v) && v <= 3600)
		return (unsigned int)v;
	return LOCK_WAIT_DFLT;
}

/* Is fd still the file called path (lvm2 unlinks it when done)? */
static int same_file(const char *path, int fd)
{
	struct stat a, b;

	return !stat(path, &a) && !fstat(fd, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/*
 * LOCK_EX on path, tried until deadline (now_mono()): 0 with the fd,
 * -EWOULDBLOCK when still held then, -errno on another failure.  *note,
 * if not NULL, is printed when it has to wait, then set to NULL.
 */
static int lock_until(const char *path, double deadline, const char **note,
		      int *fdp)
{
	int fd = -1, e;

	for (;;) {
		if (fd < 0) {
			fd = open(path, O_CREAT | O_APPEND | O_RDWR | O_CLOEXEC,
				  0777);
			if (fd < 0)
				return -errno;
		}
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			if (same_file(path, fd)) {
				*fdp = fd;
				return 0;
			}
			/* unlinked by its holder as it let go: again */
			close(fd);
			fd = -1;
			continue;
		}
		e = errno;
		if (e != EWOULDBLOCK && e != EINTR) {
			close(fd);
			return -e;
		}
		if (now_mono() >= deadline) {
			close(fd);
			return -EWOULDBLOCK;
		}
		if (*note) {
			fputs(*note, stderr);
			*note = NULL;
		}
		usleep(20000);
	}
}

/* Let go of a lock as lvm2 does: unlink the file if no one waits on it. */
static void undo_lock(const char *path, int fd)
{
	if (!flock(fd, LOCK_EX | LOCK_NB) && same_file(path, fd))
		unlink(path);
	close(fd);
}

static int lock_failed(const char *vg, const char *path, int e,
		       unsigned int secs)
{
	if (e == -EWOULDBLOCK)
		return dmx_fail(EX_ERR,
				"LVM's lock on volume group %s (%s) still held after %u s: an LVM command is working on it; nothing done, try again when it is over",
				vg, path, secs);
	if (e == -EACCES || e == -EPERM)
		return dmx_fail(EX_PERM,
				"LVM's lock on volume group %s (%s): permission denied (run as root)",
				vg, path);
	return dmx_fail(EX_ERR, "LVM's lock on volume group %s (%s): %s", vg,
			path, strerror(-e));
}

int vg_lock(const char *vg)
{
	char path[PATH_MAX], aux[PATH_MAX + sizeof(AUX_SUFFIX)];
	char note[PATH_MAX + 256];
	const char *np = NULL;
	unsigned int secs = lock_wait();
	const char *dir;
	int prio, afd = -1, fd = -1, r;
	double deadline;

	dir = lvm_lock_conf(&prio);
	if (lvm_vg_lock_path(dir, vg, path, sizeof(path)))
		return dmx_fail(EX_ERR, "no lock file name for volume group '%s' in %s",
				vg, dir);
	if (held.fd >= 0) {
		/* bandctl changes one LV at a time */
		if (strcmp(path, held.path))
			return dmx_fail(EX_ERR,
					"internal error: %s locked while %s is",
					path, held.path);
		held.refs++;
		return EX_OK;
	}
	/* lvm2 makes its locking_dir as it starts; make it if none did. */
	if (mkdir(dir, 0700) && errno != EEXIST)
		return lock_failed(vg, path, -errno, secs);
	deadline = now_mono() + secs;
	/* Said to people only: the rule's log has the outcome. */
	if (isatty(2)) {
		snprintf(note, sizeof(note),
			 "bandctl: waiting for LVM's lock on volume group %s (%s), at most %u s\n",
			 vg, path, secs);
		np = note;
	}
	if (prio) {
		snprintf(aux, sizeof(aux), "%s" AUX_SUFFIX, path);
		r = lock_until(aux, deadline, &np, &afd);
		if (r)
			return lock_failed(vg, path, r, secs);
	}
	r = lock_until(path, deadline, &np, &fd);
	if (afd >= 0)
		undo_lock(aux, afd);
	if (r)
		return lock_failed(vg, path, r, secs);
	held.fd = fd;
	held.refs++;
	snprintf(held.path, sizeof(held.path), "%s", path);
	r = test_hook("lock", "locked");
	if (r)
		lv_unlock();
	return r;
}

int lv_lock(const char *dm)
{
	char vglv[256], vg[128], lv[128];
	struct dmx_info i;

	/* Only LVM's LVs: other devices are no volume group's. */
	if (dmx_info(dm, &i) || !i.exists || strncmp(i.uuid, "LVM-", 4)) {
		held.refs++;
		return EX_OK;
	}
	dmx_lv_vglv(dm, vglv, sizeof(vglv));
	if (vglv_split(vglv, vg, lv, sizeof(vg))) {
		held.refs++;
		return EX_OK;
	}
	return vg_lock(vg);
}

void lv_unlock(void)
{
	if (!held.refs || --held.refs)
		return;
	if (held.fd < 0)
		return;
	/* as lvm2's _release_lock(): unlock, then unlink if no one waits */
	flock(held.fd, LOCK_UN | LOCK_NB);
	undo_lock(held.path, held.fd);
	held.fd = -1;
	held.path[0] = '\0';
}
