// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of LVM's VG lock as bandctl takes it (lvlock.c), against a
 * locking_dir of its own: lvm reads it from $LVM_SYSTEM_DIR/lvm.conf, as
 * bandctl asks it.  Skipped without lvm.  Another process holds the lock
 * as lvm2 does (flock, then unlink when done); the device-mapper calls
 * bandctl would make are stubs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bandctl.h"
#include "unit.h"

/* ------------------------------------------------------------ stubs */

char dmx_err[512];

int dmx_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dmx_err, sizeof(dmx_err), fmt, ap);
	va_end(ap);
	return code;
}

int dmx_info(const char *name, struct dmx_info *info)
{
	(void)name;
	memset(info, 0, sizeof(*info));
	return EX_OK;
}

void dmx_lv_vglv(const char *dm, char *out, size_t len)
{
	(void)dm;
	if (len)
		out[0] = '\0';
}

int test_hook(const char *what, const char *name)
{
	(void)what;
	(void)name;
	return EX_OK;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ setup */

static char top[PATH_MAX], lockdir[PATH_MAX + 8], vgfile[PATH_MAX + 32];
static char auxfile[PATH_MAX + 40];

static int setup(void **state)
{
	char conf[PATH_MAX + 16], cmd[PATH_MAX + 128];
	FILE *f;

	(void)state;
	snprintf(top, sizeof(top), "/tmp/bandctl-test-lock.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(lockdir, sizeof(lockdir), "%s/lock", top);
	snprintf(vgfile, sizeof(vgfile), "%s/V_t-vg", lockdir);
	snprintf(auxfile, sizeof(auxfile), "%s:aux", vgfile);
	snprintf(conf, sizeof(conf), "%s/lvm.conf", top);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "global {\n\tlocking_dir = \"%s\"\n}\n", lockdir);
	fclose(f);
	setenv("LVM_SYSTEM_DIR", top, 1);
	/* lvm there and reading that file, or the tests are skipped */
	snprintf(cmd, sizeof(cmd),
		 "lvm lvmconfig --typeconfig full global/locking_dir 2>/dev/null | grep -qF '%s'",
		 lockdir);
	if (system(cmd))
		top[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	if (top[0] && !strncmp(top, "/tmp/bandctl-test-lock.", 23)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd))
			return -1;
	}
	return 0;
}

static void need_lvm(void)
{
	if (!top[0])
		skip();
}

/* Can another process lock path at once?  (flock locks are per file.) */
static int free_elsewhere(const char *path)
{
	pid_t pid = fork();
	int st, fd;

	if (!pid) {
		fd = open(path, O_RDWR);
		_exit(fd >= 0 && !flock(fd, LOCK_EX | LOCK_NB) ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && !WEXITSTATUS(st);
}

/*
 * Hold path in another process, as lvm2 does, for ms milliseconds; then,
 * if unlink_it, unlink it before letting go (lvm2's _undo_flock()).
 * Returns when the lock is held.
 */
static pid_t hold(const char *path, int ms, int unlink_it)
{
	int p[2], fd;
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	mkdir(lockdir, 0700);
	pid = fork();
	if (!pid) {
		fd = open(path, O_CREAT | O_APPEND | O_RDWR, 0777);
		if (fd < 0 || flock(fd, LOCK_EX))
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		usleep(ms * 1000);
		if (unlink_it)
			unlink(path);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && !WEXITSTATUS(st));
}

/* ------------------------------------------------------------ tests */

/* Taken on <locking_dir>/V_<vg>, let go as lvm2 does: file unlinked. */
static void lock_file(void **state)
{
	struct stat sb;

	(void)state;
	need_lvm();
	unsetenv("BANDCTL_LOCK_WAIT");
	assert_int_equal(vg_lock("t-vg"), EX_OK);
	assert_int_equal(stat(vgfile, &sb), 0);
	assert_false(free_elsewhere(vgfile));
	/* prioritise_write_locks (lvm2's default): aux taken, let go, gone */
	assert_int_not_equal(stat(auxfile, &sb), 0);
	lv_unlock();
	assert_int_not_equal(stat(vgfile, &sb), 0);
	assert_int_equal(errno, ENOENT);
}

/* Waits for the holder to let go, within BANDCTL_LOCK_WAIT. */
static void lock_waits(void **state)
{
	double t0;
	pid_t pid;

	(void)state;
	need_lvm();
	setenv("BANDCTL_LOCK_WAIT", "10", 1);
	pid = hold(vgfile, 300, 0);
	t0 = now_mono();
	assert_int_equal(vg_lock("t-vg"), EX_OK);
	assert_true(now_mono() - t0 >= 0.25);
	assert_false(free_elsewhere(vgfile));
	lv_unlock();
	reap(pid);
	assert_true(free_elsewhere(vgfile) || access(vgfile, F_OK));
}

/* Still held at the end of the wait: EX_ERR, one line, aux let go. */
static void lock_timeout(void **state)
{
	double t0;
	pid_t pid;

	(void)state;
	need_lvm();
	setenv("BANDCTL_LOCK_WAIT", "1", 1);
	pid = hold(vgfile, 2500, 0);
	t0 = now_mono();
	assert_int_equal(vg_lock("t-vg"), EX_ERR);
	assert_true(now_mono() - t0 >= 0.9);
	assert_true(now_mono() - t0 < 2.4);
	assert_non_null(strstr(dmx_err, "LVM's lock on volume group t-vg"));
	assert_non_null(strstr(dmx_err, "still held after 1 s"));
	assert_null(strchr(dmx_err, '\n'));
	assert_true(free_elsewhere(auxfile) || access(auxfile, F_OK));
	/* nothing held: a take now is a first take */
	reap(pid);
	assert_int_equal(vg_lock("t-vg"), EX_OK);
	lv_unlock();
}

/*
 * The holder unlinks the file as it lets go (lvm2 does): the lock won on
 * the old file is worth nothing; it is taken again on the new one.
 */
static void lock_unlinked(void **state)
{
	pid_t pid;

	(void)state;
	need_lvm();
	setenv("BANDCTL_LOCK_WAIT", "10", 1);
	pid = hold(vgfile, 300, 1);
	assert_int_equal(vg_lock("t-vg"), EX_OK);
	reap(pid);
	assert_int_equal(access(vgfile, F_OK), 0);
	assert_false(free_elsewhere(vgfile));
	lv_unlock();
}

/* Nested takes count; another VG while one is held is refused. */
static void lock_nested(void **state)
{
	(void)state;
	need_lvm();
	setenv("BANDCTL_LOCK_WAIT", "0", 1);
	assert_int_equal(vg_lock("t-vg"), EX_OK);
	assert_int_equal(vg_lock("t-vg"), EX_OK);
	assert_int_equal(vg_lock("other"), EX_ERR);
	lv_unlock();
	assert_false(free_elsewhere(vgfile));
	lv_unlock();
	assert_int_not_equal(access(vgfile, F_OK), 0);
	/* a device that is no LV's: counted, nothing locked */
	assert_int_equal(lv_lock("sdb-band"), EX_OK);
	assert_int_equal(vg_lock("t-vg"), EX_OK);
	lv_unlock();
	assert_false(free_elsewhere(vgfile));
	lv_unlock();
	assert_int_not_equal(access(vgfile, F_OK), 0);
	/* no VG name LVM allows: refused, not a file elsewhere */
	assert_int_equal(vg_lock("../x"), EX_ERR);
	assert_int_equal(vg_lock("#global"), EX_ERR);
}

int main(void)
{
	const UNIT_TEST_STRUCT tests[] = {
		cmocka_unit_test(lock_file),
		cmocka_unit_test(lock_waits),
		cmocka_unit_test(lock_timeout),
		cmocka_unit_test(lock_unlinked),
		cmocka_unit_test(lock_nested),
	};

	return cmocka_run_group_tests_name("lock", tests, setup, teardown);
}
