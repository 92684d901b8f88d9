// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: what the system knows about jobs and block devices (users,
 * groups, processes, cgroups, sysfs), and the reset-time state files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bandlib.h"
#include "dm.h"
#include "sys.h"

/* Where cgroup v2 is mounted (the first cgroup2 line of mountinfo). */
const char *cgroup2_root(void)
{
	static char root[PATH_MAX] = "";
	char line[4096];
	FILE *f;

	if (root[0])
		return root;
	snprintf(root, sizeof(root), "/sys/fs/cgroup");
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return root;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11) ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(root, sizeof(root), "%s", mnt);
		break;
	}
	fclose(f);
	return root;
}

int job_resolve(const struct band_job *job, int dev_type,
		unsigned long long *id)
{
	char path[PATH_MAX + 64];

	if (job->is_default)
		return EX_OK;
	if (dev_type == BT_NONE)
		return dmx_fail(EX_BADJOB,
				"the device has type none: only 'default' can be weighted");
	if (job->kind != dev_type)
		return dmx_fail(EX_BADJOB,
				"job kind %s does not match the device's type %s",
				band_type_names[job->kind],
				band_type_names[dev_type]);
	if (job->numeric) {
		*id = job->id;
		return EX_OK;
	}
	if (job->kind == BT_UID) {
		struct passwd *pw = getpwnam(job->name);

		if (!pw)
			return dmx_fail(EX_BADJOB, "no user '%s'", job->name);
		*id = pw->pw_uid;
	} else if (job->kind == BT_GID) {
		struct group *gr = getgrnam(job->name);

		if (!gr)
			return dmx_fail(EX_BADJOB, "no group '%s'", job->name);
		*id = gr->gr_gid;
	} else if (job->unit) {
		if (unit_cgroup(job->name, path, sizeof(path)))
			return dmx_fail(EX_BADJOB,
					"no cgroup for unit %s (is it running?)",
					job->name);
		return cgroup_id(path, id);
	} else {
		return cgroup_id(job->name, id);
	}
	return EX_OK;
}

int cgroup_id(const char *rel, unsigned long long *id)
{
	char path[PATH_MAX + 64];
	struct stat sb;

	snprintf(path, sizeof(path), "%s%s", cgroup2_root(), rel);
	if (stat(path, &sb) || !S_ISDIR(sb.st_mode))
		return dmx_fail(EX_BADJOB, "no cgroup %s", path);
	*id = sb.st_ino;
	return EX_OK;
}

static const char *unit_want;
static char unit_found[PATH_MAX];

static int unit_visit(const char *path, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb;
	if (flag != FTW_D || strcmp(path + ftw->base, unit_want))
		return 0;
	snprintf(unit_found, sizeof(unit_found), "%s", path);
	return 1;
}

/*
 * A systemd unit's cgroup, as a path below the cgroup2 root: the directory
 * named after the unit (systemd names each unit's cgroup so), found by a
 * walk of the tree.
 */
int unit_cgroup(const char *unit, char *rel, size_t len)
{
	const char *root = cgroup2_root();

	unit_want = unit;
	unit_found[0] = '\0';
	if (nftw(root, unit_visit, 32, FTW_PHYS | FTW_MOUNT) != 1)
		return -1;
	snprintf(rel, len, "%s", unit_found + strlen(root));
	return 0;
}

static unsigned long long cg_want;
static char cg_found[PATH_MAX];

static int cg_visit(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)ftw;
	if (flag != FTW_D || sb->st_ino != cg_want)
		return 0;
	snprintf(cg_found, sizeof(cg_found), "%s", path);
	return 1;
}

static void proc_cmdline(unsigned long long pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%llu/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, len, "(no process)");
		return;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		/* A kernel thread: its name. */
		snprintf(path, sizeof(path), "/proc/%llu/comm", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf + 1, len - 3);
		if (fd >= 0)
			close(fd);
		if (n <= 0) {
			snprintf(buf, len, "(no process)");
			return;
		}
		buf[0] = '[';
		if (buf[n] == '\n')
			n--;
		buf[n + 1] = ']';
		buf[n + 2] = '\0';
		return;
	}
	band_cmdline_fmt(buf, (size_t)n);
}

void job_name(int type, const struct band_gstat *g, char *buf, size_t len)
{
	const char *root;

	if (g->is_default) {
		snprintf(buf, len, "default");
		return;
	}
	switch (type) {
	case BT_UID: {
		struct passwd *pw = getpwuid((uid_t)g->id);

		if (pw)
			snprintf(buf, len, "%s", pw->pw_name);
		else
			snprintf(buf, len, "uid %llu", g->id);
		break;
	}
	case BT_GID: {
		struct group *gr = getgrgid((gid_t)g->id);

		if (gr)
			snprintf(buf, len, "%s", gr->gr_name);
		else
			snprintf(buf, len, "gid %llu", g->id);
		break;
	}
	case BT_PID:
	case BT_PGRP:
		proc_cmdline(g->id, buf, len);
		break;
	case BT_CGROUP:
		root = cgroup2_root();
		cg_want = g->id;
		if (nftw(root, cg_visit, 16, FTW_PHYS | FTW_MOUNT) == 1)
			snprintf(buf, len, "%s", cg_found[strlen(root)] ?
				 cg_found + strlen(root) : "/");
		else
			snprintf(buf, len, "(no cgroup)");
		break;
	default:
		snprintf(buf, len, "%llu", g->id);
	}
}

/* /sys/dev/block/M:m's kernel name (sda1, dm-3). */
static int sys_kname(const char *majmin, char *out, size_t len)
{
	char path[128], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%s", majmin);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	str_copy(out, len, base ? base + 1 : target);
	return 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int r = -1;

	if (!f)
		return -1;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		r = 0;
	}
	fclose(f);
	return r;
}

void dev_display(const char *majmin, char *out, size_t len)
{
	char path[160], name[256], kn[128];

	snprintf(path, sizeof(path), "/sys/dev/block/%s/dm/name", majmin);
	if (!read_line(path, name, sizeof(name)))
		snprintf(out, len, "/dev/mapper/%s", name);
	else if (!sys_kname(majmin, kn, sizeof(kn)))
		snprintf(out, len, "/dev/%s", kn);
	else
		snprintf(out, len, "%s", majmin);
}

/*
 * The physical disk below M:m: a partition's disk, a dm or md device's
 * only slave (recursively); else the device itself.
 */
void phys_disk(const char *majmin, char *out, size_t len)
{
	char path[PATH_MAX], kn[128], slave[256] = "", mm[64];
	struct dirent *de;
	int depth, nslaves;
	DIR *d;

	snprintf(mm, sizeof(mm), "%s", majmin);
	for (depth = 0; depth < 16; depth++) {
		if (sys_kname(mm, kn, sizeof(kn)))
			return;
		snprintf(out, len, "%s", kn);
		snprintf(path, sizeof(path), "/sys/dev/block/%s/partition", mm);
		if (!access(path, F_OK)) {
			snprintf(path, sizeof(path), "/sys/dev/block/%s/../dev", mm);
			if (read_line(path, mm, sizeof(mm)))
				return;
			continue;
		}
		snprintf(path, sizeof(path), "/sys/dev/block/%s/slaves", mm);
		d = opendir(path);
		if (!d)
			return;
		nslaves = 0;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				nslaves++;
				snprintf(slave, sizeof(slave), "%s", de->d_name);
			}
		closedir(d);
		if (nslaves != 1)
			return;
		snprintf(path, sizeof(path), "/sys/class/block/%s/dev", slave);
		if (read_line(path, mm, sizeof(mm)))
			return;
	}
}

/* Names of the entries of /sys/dev/block/M:m/holders, comma separated. */
int dev_holders(unsigned int major, unsigned int minor, char *out, size_t len)
{
	static const char *const fmt = "/sys/dev/block/%u:%u/holders";
	char path[128];
	struct dirent *de;
	size_t o = 0;
	int n = 0;
	DIR *d;

	out[0] = '\0';
	snprintf(path, sizeof(path), fmt, major, minor);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s",
					      n ? "," : "", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------------------ state */

#define STATE_DIR "/run/dm-band"

static void state_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, STATE_DIR "/%s.reset", name);
}

void state_mark_reset(const char *name)
{
	char path[PATH_MAX];
	struct timespec ts;
	FILE *f;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return;
	if (mkdir(STATE_DIR, 0755) && errno != EEXIST)
		return;
	state_path(name, path, sizeof(path));
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	if (fclose(f))
		unlink(path);
}

void state_forget(const char *name)
{
	char path[PATH_MAX];

	state_path(name, path, sizeof(path));
	unlink(path);
}

static void wrap_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, STATE_DIR "/%s.wrap", name);
}

void state_save_wrap(const char *name, const char *params)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	if (mkdir(STATE_DIR, 0755) && errno != EEXIST)
		return;
	wrap_path(name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%s\n", params);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

char *state_load_wrap(const char *name)
{
	char *s = state_load(name, "wrap");

	/* One line, however long (a group a word: 4 KiB is 200 groups). */
	if (s)
		s[strcspn(s, "\n")] = '\0';
	if (s && !*s) {
		free(s);
		s = NULL;
	}
	return s;
}

void state_forget_wrap(const char *name)
{
	char path[PATH_MAX];

	wrap_path(name, path, sizeof(path));
	unlink(path);
}

static void ext_path(const char *name, const char *ext, char *buf,
		     size_t len)
{
	snprintf(buf, len, STATE_DIR "/%s.%s", name, ext);
}

int state_save(const char *name, const char *ext, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	ext_path(name, ext, path, sizeof(path));
	if (!*text)
		return unlink(path) && errno != ENOENT ? -1 : 0;
	if (mkdir(STATE_DIR, 0755) && errno != EEXIST)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *state_load(const char *name, const char *ext)
{
	char path[PATH_MAX], *buf = NULL;
	size_t cap = 0;
	FILE *f;
	ssize_t n;

	ext_path(name, ext, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int state_names(const char *ext, char ***names, size_t *n)
{
	size_t len, el = strlen(ext) + 1;
	char **v = NULL, **nv;
	struct dirent *de;
	DIR *d;

	*names = NULL;
	*n = 0;
	d = opendir(STATE_DIR);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= el || de->d_name[len - el] != '.' ||
		    strcmp(de->d_name + len - el + 1, ext))
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[*n] = strndup(de->d_name, len - el);
		if (v[*n])
			(*n)++;
	}
	closedir(d);
	*names = v;
	return 0;
}

int state_save_applied(const char *name, const char *text)
{
	return state_save(name, "applied", text);
}

char *state_load_applied(const char *name)
{
	return state_load(name, "applied");
}

int state_applied_names(char ***names, size_t *n)
{
	return state_names("applied", names, n);
}

int state_lock(void)
{
	int fd;

	if (mkdir(STATE_DIR, 0755) && errno != EEXIST)
		return -1;
	fd = open(STATE_DIR "/apply.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

double state_reset_time(const char *name)
{
	char path[PATH_MAX], line[64], *end;
	double t;

	state_path(name, path, sizeof(path));
	if (read_line(path, line, sizeof(line)))
		return -1;
	t = strtod(line, &end);
	if (end == line || t <= 0)
		return -1;
	return t;
}

double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
