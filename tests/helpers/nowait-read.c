// SPDX-License-Identifier: GPL-2.0-only
/*
 * nowait-read DEV COUNT: COUNT 4 KiB O_DIRECT reads of DEV with
 * preadv2(RWF_NOWAIT), the way io_uring and RWF_NOWAIT users ask not to
 * be made to wait.  Prints "ok=N again=N other=N": reads that completed,
 * that failed with EAGAIN, and that failed otherwise (the first such
 * error on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ok = 0, again = 0, other = 0, i, count;
	struct iovec iov;
	off_t size;
	void *buf;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DEV COUNT\n", argv[0]);
		return 2;
	}
	count = atol(argv[2]);
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, 4096)) {
		perror(argv[1]);
		return 2;
	}
	size = lseek(fd, 0, SEEK_END) / 4096;
	iov.iov_base = buf;
	iov.iov_len = 4096;
	for (i = 0; i < count; i++) {
		ssize_t r = preadv2(fd, &iov, 1, (random() % size) * 4096,
				    RWF_NOWAIT);

		if (r == 4096) {
			ok++;
		} else if (r < 0 && errno == EAGAIN) {
			again++;
		} else {
			if (!other++)
				fprintf(stderr, "read: %s\n",
					r < 0 ? strerror(errno) : "short");
		}
	}
	printf("ok=%ld again=%ld other=%ld\n", ok, again, other);
	return 0;
}
