// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-suspend-intr NAME SECONDS: suspend device-mapper device NAME with the
 * DM_DEV_SUSPEND ioctl and let SIGALRM (installed without SA_RESTART)
 * interrupt it after SECONDS, and again every 200 ms after that: on a
 * loaded TCG guest the first signal can arrive before the ioctl has
 * started to wait (it is then simply handled), so one alarm is not
 * enough.  dmsetup blocks signals around its ioctls, so it cannot show
 * what device-mapper does with a suspend cancelled while it waits for
 * bios in flight: undo the targets' presuspend.
 *
 * Exit status: 0 if the ioctl failed with EINTR (cancelled), 1 if it
 * succeeded (the device is suspended), 2 on any other error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct itimerval it = { .it_interval = { 0, 200000 } };
	struct sigaction sa;
	struct dm_ioctl dmi;
	int fd, r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NAME SECONDS\n", argv[0]);
		return 2;
	}
	fd = open("/dev/mapper/control", O_RDWR);
	if (fd < 0) {
		perror("/dev/mapper/control");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: the ioctl returns EINTR */
	sigaction(SIGALRM, &sa, NULL);

	memset(&dmi, 0, sizeof(dmi));
	dmi.version[0] = DM_VERSION_MAJOR;
	dmi.version[1] = 0;
	dmi.version[2] = 0;
	dmi.data_size = sizeof(dmi);
	dmi.data_start = sizeof(dmi);
	dmi.flags = DM_SUSPEND_FLAG | DM_SKIP_LOCKFS_FLAG;
	snprintf(dmi.name, sizeof(dmi.name), "%s", argv[1]);

	it.it_value.tv_sec = atoi(argv[2]);
	setitimer(ITIMER_REAL, &it, NULL);
	r = ioctl(fd, DM_DEV_SUSPEND, &dmi);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	if (!r) {
		printf("suspended\n");
		return 1;
	}
	if (errno == EINTR) {
		printf("interrupted\n");
		return 0;
	}
	perror("DM_DEV_SUSPEND");
	return 2;
}
