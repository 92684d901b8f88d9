// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: list, show and top.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bandctl.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
	static const char *const hdr[] = {
		"NAME", "BAND_GROUP", "TYPE", "POLICY", "GROUPS", "DEVICE"
	};
	int json = take_flag(&argc, argv, "--json");
	struct sbuf sb = { 0 };
	char **names, dev[300];
	struct cols c;
	size_t n, i, rows = 0;
	int r;

	if (argc)
		return usage_err("unexpected argument '%s'", argv[0]);
	r = dmx_band_registered();
	if (!r)
		r = dmx_names(&names, &n);
	if (r)
		return dmerr(r);
	qsort(names, n, sizeof(*names), cmp_str);
	cols_init(&c, 6, hdr, "llllll");
	if (json)
		sb_printf(&sb, "[");
	for (i = 0; i < n; i++) {
		struct bdev b;
		char groups[16];
		const char *row[6];

		if (band_open(names[i], &b, 0))
			continue;	/* not band, or gone meanwhile */
		dev_display(b.t.dev, dev, sizeof(dev));
		snprintf(groups, sizeof(groups), "%zu", b.t.nr + 1);
		row[0] = names[i];
		row[1] = b.t.band_group;
		row[2] = band_type_names[b.t.type];
		row[3] = band_policy_names[b.t.policy];
		row[4] = groups;
		row[5] = dev;
		if (json) {
			sb_printf(&sb, "%s\n{\"name\":", rows ? "," : "");
			sb_json_str(&sb, row[0]);
			sb_printf(&sb, ",\"band_group\":");
			sb_json_str(&sb, row[1]);
			sb_printf(&sb, ",\"type\":\"%s\",\"policy\":\"%s\"",
				  row[2], row[3]);
			sb_printf(&sb, ",\"groups\":%s,\"device\":", groups);
			sb_json_str(&sb, dev);
			sb_printf(&sb, "}");
		} else if (cols_add(&c, row)) {
			sb.err = 1;
		}
		rows++;
		band_close(&b);
	}
	if (json)
		sb_printf(&sb, "%s]\n", rows ? "\n" : "");
	else
		cols_render(&c, &sb);
	cols_free(&c);
	dmx_names_free(&names, &n);
	r = print_sb(&sb);
	sb_free(&sb);
	return r;
}

/* The names of b's groups' jobs, for people: freed with free_jobs(). */
static char **get_jobs(const struct bdev *b)
{
	char **jobs = calloc(b->st.nr ? b->st.nr : 1, sizeof(*jobs));
	char buf[PATH_MAX];
	size_t i;

	if (!jobs)
		return NULL;
	for (i = 0; i < b->st.nr; i++) {
		job_name(b->t.type, &b->st.g[i], buf, sizeof(buf));
		jobs[i] = strdup(buf);
		if (!jobs[i]) {
			while (i--)
				free(jobs[i]);
			free(jobs);
			return NULL;
		}
	}
	return jobs;
}

static void free_jobs(char **jobs, size_t n)
{
	size_t i;

	for (i = 0; jobs && i < n; i++)
		free(jobs[i]);
	free(jobs);
}

/* Render b's view, rates over prev (NULL: since reset) and secs. */
static int render(struct sbuf *sb, const struct bdev *b,
		  const struct band_status *prev, double since, double secs,
		  int json)
{
	struct band_calc *calc;
	struct band_view v;
	char **jobs;

	calc = calloc(b->st.nr, sizeof(*calc));
	jobs = get_jobs(b);
	if (!calc || !jobs) {
		free(calc);
		free_jobs(jobs, b->st.nr);
		return err(EX_ERR, "out of memory");
	}
	band_calc(&b->st, prev, b->t.policy, secs, calc);
	v.name = b->name;
	v.t = &b->t;
	v.st = &b->st;
	v.jobs = (const char *const *)jobs;
	v.calc = calc;
	v.since = since;
	v.secs = secs;
	if (json)
		band_view_json(sb, &v);
	else
		band_view_text(sb, &v);
	free(calc);
	free_jobs(jobs, b->st.nr);
	return EX_OK;
}

int cmd_show(int argc, char **argv)
{
	int json = take_flag(&argc, argv, "--json");
	struct sbuf sb = { 0 };
	double since, secs = -1;
	struct bdev b;
	int r;

	if (argc != 1)
		return usage_err("expected one device");
	r = band_open(argv[0], &b, 1);
	if (r)
		return dmerr(r);
	since = state_reset_time(b.name);
	if (since > 0)
		secs = now_real() - since;
	r = render(&sb, &b, NULL, since, secs, json);
	if (!r && !json) {
		if (secs > 0)
			sb_printf(&sb, "Rates since the last %s, %.1f s ago.\n",
				  "bandctl reset or create", secs);
		else
			sb_printf(&sb, "Rates unknown: no %s of %s since boot.\n",
				  "bandctl reset or create", b.name);
	}
	if (!r)
		r = print_sb(&sb);
	sb_free(&sb);
	band_close(&b);
	return r;
}

/* ------------------------------------------------------------ top */

/*
 * SIGINT, SIGTERM and SIGHUP are blocked and read from top_sigfd, so that
 * top always leaves through top_restore().
 */
static int top_sigfd = -1;
static sigset_t top_sigs, top_oldmask;
static struct termios top_saved;
static int top_tty;

static void top_restore(void)
{
	if (top_tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &top_saved);
		top_tty = 0;
	}
	if (isatty(STDOUT_FILENO))
		fputs("\033[?25h", stdout);
	fflush(stdout);
	if (top_sigfd >= 0) {
		close(top_sigfd);
		top_sigfd = -1;
		sigprocmask(SIG_SETMASK, &top_oldmask, NULL);
	}
}

static int top_setup(void)
{
	struct termios raw;

	sigemptyset(&top_sigs);
	sigaddset(&top_sigs, SIGINT);
	sigaddset(&top_sigs, SIGTERM);
	sigaddset(&top_sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &top_sigs, &top_oldmask))
		return err(EX_ERR, "sigprocmask: %s", strerror(errno));
	top_sigfd = signalfd(-1, &top_sigs, SFD_CLOEXEC);
	if (top_sigfd < 0) {
		sigprocmask(SIG_SETMASK, &top_oldmask, NULL);
		return err(EX_ERR, "signalfd: %s", strerror(errno));
	}
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &top_saved)) {
		raw = top_saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (!tcsetattr(STDIN_FILENO, TCSANOW, &raw))
			top_tty = 1;
	}
	atexit(top_restore);
	return EX_OK;
}

/* Wait until deadline (monotonic); 1 when 'q' was typed or a signal came. */
static int top_wait(double deadline)
{
	for (;;) {
		double left = deadline - now_mono();
		struct signalfd_siginfo si;
		struct timeval tv;
		fd_set fds;
		char c;

		if (left <= 0)
			return 0;
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
		FD_ZERO(&fds);
		FD_SET(top_sigfd, &fds);
		if (top_tty)
			FD_SET(STDIN_FILENO, &fds);
		if (select(top_sigfd + 1, &fds, NULL, NULL, &tv) <= 0)
			continue;
		if (FD_ISSET(top_sigfd, &fds) &&
		    read(top_sigfd, &si, sizeof(si)) == sizeof(si)) {
			return 1;
		}
		if (top_tty && FD_ISSET(STDIN_FILENO, &fds) &&
		    read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
			return 1;
	}
}

int cmd_top(int argc, char **argv)
{
	struct band_status prev = { 0 };
	long iterations = -1, it;
	int fancy = isatty(STDOUT_FILENO);
	double t_prev, t;
	struct bdev b;
	int i, r;

	for (i = 0; i < argc; i++) {
		unsigned long long v;

		if (strcmp(argv[i], "--iterations"))
			continue;
		if (i + 1 >= argc || parse_ull(argv[i + 1], &v) || !v ||
		    v > LONG_MAX)
			return usage_err("--iterations needs a positive number");
		iterations = (long)v;
		memmove(argv + i, argv + i + 2, (size_t)(argc - i - 1) * sizeof(*argv));
		argc -= 2;
		i--;
	}
	if (argc != 1)
		return usage_err("expected one device");
	r = band_open(argv[0], &b, 1);
	if (r)
		return dmerr(r);
	r = top_setup();
	if (r) {
		band_close(&b);
		return r;
	}
	t_prev = now_mono();
	for (it = 0; iterations < 0 || it < iterations; it++) {
		struct sbuf sb = { 0 };

		t = now_mono();
		if (fancy)
			sb_printf(&sb, "\033[?25l\033[H\033[2J");
		else if (it)
			sb_printf(&sb, "\n");
		sb_printf(&sb, "bandctl top: %s, over the last %.1f s%s\n", b.name,
			  it ? t - t_prev : 0.0, top_tty ? " (q to quit)" : "");
		r = render(&sb, &b, it ? &prev : &b.st, -1, it ? t - t_prev : 0,
			   0);
		if (!r)
			r = print_sb(&sb);
		sb_free(&sb);
		if (r || iterations == it + 1 || top_wait(t + 1.0))
			break;
		band_status_free(&prev);
		prev = b.st;
		b.st.g = NULL;
		b.st.nr = 0;
		band_close(&b);
		t_prev = t;
		r = band_open(argv[0], &b, 1);
		if (r) {
			band_status_free(&prev);
			top_restore();
			return dmerr(r);
		}
	}
	band_status_free(&prev);
	band_close(&b);
	top_restore();
	if (fancy && !r)
		putchar('\n');
	return r;
}
