// SPDX-License-Identifier: GPL-2.0-only
/*
 * memfd-dio DEV PROCS COUNT: fault in a 1 MiB memfd buffer (its pages are
 * charged to this process's memory cgroup), move this process to the
 * cgroup whose cgroup.procs file is PROCS, then do COUNT 4 KiB O_DIRECT
 * writes and COUNT reads on DEV through that buffer.  The I/O is the new
 * cgroup's; the pages are the old one's (memory charges do not move with
 * a process in cgroup v2).  Prints "done" and exits 0, or says what failed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BUF_SIZE	(1024 * 1024)
#define BLK		4096

int main(int argc, char **argv)
{
	int mfd, fd, pfd, i, count;
	char pid[32];
	char *buf;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DEV PROCS COUNT\n", argv[0]);
		return 2;
	}
	count = atoi(argv[3]);
	mfd = memfd_create("band-dio", 0);
	if (mfd < 0 || ftruncate(mfd, BUF_SIZE)) {
		perror("memfd");
		return 1;
	}
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(buf, 0x5a, BUF_SIZE);		/* charged to this cgroup */

	pfd = open(argv[2], O_WRONLY);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (pfd < 0 || write(pfd, pid, strlen(pid)) < 0) {
		perror(argv[2]);
		return 1;
	}
	close(pfd);

	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < count; i++)
		if (pwrite(fd, buf + (i % (BUF_SIZE / BLK)) * BLK, BLK,
			   (off_t)i * BLK) != BLK) {
			perror("pwrite");
			return 1;
		}
	for (i = 0; i < count; i++)
		if (pread(fd, buf + (i % (BUF_SIZE / BLK)) * BLK, BLK,
			  (off_t)i * BLK) != BLK) {
			perror("pread");
			return 1;
		}
	printf("done\n");
	return 0;
}
