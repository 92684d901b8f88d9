// SPDX-License-Identifier: GPL-2.0-only
/*
 * run-as UID GID CMD [ARGS...]: run CMD as user UID, group GID, with no
 * supplementary groups and (since UID is not 0) no capabilities: the
 * unprivileged user of the privilege tests.  setgroups(0), setgid() and
 * setuid(), in that order (the last one drops root's capabilities), then
 * execvp().  Refuses UID 0, and checks that the root identity cannot be
 * taken back, so that a test can never pass by running as root.
 *
 * Exit status: CMD's, or 126 if the identity could not be changed, 127 if
 * CMD could not be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_id(const char *s, unsigned long *id)
{
	char *end;

	errno = 0;
	*id = strtoul(s, &end, 10);
	return errno || end == s || *end || *id > 4294967294UL ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long uid, gid;

	if (argc < 4 || parse_id(argv[1], &uid) || parse_id(argv[2], &gid)) {
		fprintf(stderr, "usage: %s UID GID CMD [ARGS...]\n", argv[0]);
		return 126;
	}
	if (uid == 0) {
		fprintf(stderr, "run-as: refusing to run as uid 0\n");
		return 126;
	}
	if (setgroups(0, NULL) || setgid((gid_t)gid) || setuid((uid_t)uid)) {
		perror("run-as");
		return 126;
	}
	if (setuid(0) == 0 || getuid() != uid || geteuid() != uid ||
	    getgid() != gid || getegid() != gid) {
		fprintf(stderr, "run-as: privileges not dropped\n");
		return 126;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "run-as: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
