// SPDX-License-Identifier: GPL-2.0-only
/*
 * bgread DEV CGROUP_PREFIX FIRST LAST INTERVAL_MS
 *
 * The background load of the bench's "1000 groups with bios flowing" row:
 * one small process per cgroup CGROUP_PREFIX<i> for i = FIRST..LAST, each
 * moving itself into its cgroup and reading 4 KiB (O_DIRECT) from a random
 * place on DEV every INTERVAL_MS milliseconds, at a random phase.  fio
 * would do, but a thousand fio processes do not fit a test guest, and a
 * thousand processes of this do (a few pages each).
 *
 * Runs until killed (SIGTERM or SIGINT); the readers die with it.  Prints
 * "bgread: N readers" once they have all been started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void reader(const char *dev, const char *cg, long interval_ms, unsigned int seed)
{
	char path[4096];
	unsigned long long size, blocks;
	struct timespec ts;
	void *buf;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		fprintf(stderr, "bgread: %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	close(fd);
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0 || size < 4096) {
		fprintf(stderr, "bgread: %s: %s\n", dev, strerror(errno));
		_exit(1);
	}
	if (posix_memalign(&buf, 4096, 4096))
		_exit(1);
	blocks = size / 4096;
	srandom(seed);
	/* A random phase, so that the readers do not march in step. */
	ts.tv_sec = 0;
	ts.tv_nsec = (random() % interval_ms) * 1000000L;
	nanosleep(&ts, NULL);
	ts.tv_sec = interval_ms / 1000;
	ts.tv_nsec = (interval_ms % 1000) * 1000000L;
	for (;;) {
		off_t off = (off_t)(random() % blocks) * 4096;

		if (pread(fd, buf, 4096, off) < 0 && errno != EINTR) {
			fprintf(stderr, "bgread: read: %s\n", strerror(errno));
			_exit(1);
		}
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	char cg[2048];
	long first, last, interval_ms, i, n = 0;
	sigset_t set;
	pid_t pid;
	int sig;

	if (argc != 6) {
		fprintf(stderr, "usage: bgread DEV CGROUP_PREFIX FIRST LAST INTERVAL_MS\n");
		return 2;
	}
	first = atol(argv[3]);
	last = atol(argv[4]);
	interval_ms = atol(argv[5]);
	if (first < 0 || last < first || interval_ms < 1)
		return 2;
	/*
	 * SIGTERM and SIGINT wait for sigwait() below; the readers take them
	 * as usual (and die with this process anyway).
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* The readers form this process group: killed together below. */
	setpgid(0, 0);
	for (i = first; i <= last; i++) {
		snprintf(cg, sizeof(cg), "%s%ld", argv[2], i);
		pid = fork();
		if (pid < 0) {
			perror("bgread: fork");
			break;
		}
		if (pid == 0) {
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			reader(argv[1], cg, interval_ms, (unsigned int)(i * 2654435761u));
		}
		n++;
	}
	printf("bgread: %ld readers\n", n);
	fflush(stdout);
	sigwait(&set, &sig);
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
