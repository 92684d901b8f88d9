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
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bandctl.h"
#include "report.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* -o, -O, -S, --noheadings, --separator and --reportformat into o. */
static int report_args(const struct args *a, struct report_opts *o)
{
	const char *fmt = a->opt[O_REPORTFORMAT];

	memset(o, 0, sizeof(*o));
	o->fields = a->opt[O_OPTIONS];
	o->sort = a->opt[O_SORT];
	o->select = a->opt[O_SELECT];
	o->separator = a->opt[O_SEPARATOR];
	o->noheadings = !!a->opt[O_NOHEADINGS];
	if (fmt && !strcmp(fmt, "json"))
		o->json = 1;
	else if (fmt && strcmp(fmt, "basic"))
		return usage_err("--reportformat is basic or json, not '%s'",
				 fmt);
	if (a->opt[O_JSON] && (o->fields || o->sort || o->select ||
			       o->separator || o->noheadings || fmt))
		return usage_err("--json prints every field, in bandctl's own form: %s",
				 "-o, --sort, --select, --noheadings, --separator and --reportformat are for the columns");
	return EX_OK;
}

/* A report's failure: a usage error for a wrong field or sort key. */
static int report_failed(int r)
{
	return r == EX_USAGE ? usage_err("%s; -o help lists the fields",
					 report_err) :
			       err(r, "%s", report_err);
}

int cmd_list(struct args *a)
{
	int json = !!a->opt[O_JSON];
	struct list_row *rows = NULL;
	struct report_opts ro;
	struct sbuf sb = { 0 };
	size_t n, i, nr = 0;
	char **names;
	int r;

	r = report_args(a, &ro);
	if (r)
		return r;
	if (report_help(&ro))
		return report_list(NULL, &ro, NULL, 0);
	r = dmx_band_registered();
	if (!r)
		r = dmx_names(&names, &n);
	if (r)
		return dmerr(r);
	qsort(names, n, sizeof(*names), cmp_str);
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		dmx_names_free(&names, &n);
		return err(EX_ERR, "out of memory");
	}
	for (i = 0; i < n; i++) {
		struct list_row *row = &rows[nr];
		struct bdev b;

		if (band_open(names[i], &b, 0))
			continue;	/* not band, or gone meanwhile */
		row->name = names[i];
		row->type = band_type_names[b.t.type];
		row->policy = band_policy_names[b.t.policy];
		str_copy(row->band_group, sizeof(row->band_group),
			 b.t.band_group);
		dev_display(b.t.dev, row->device, sizeof(row->device));
		if (!strncmp(b.info.uuid, "LVM-", 4))
			dmx_lv_vglv(names[i], row->lv, sizeof(row->lv));
		row->groups = b.t.nr + 1;
		nr++;
		band_close(&b);
	}
	if (json) {
		sb_printf(&sb, "[");
		for (i = 0; i < nr; i++) {
			sb_printf(&sb, "%s\n{\"name\":", i ? "," : "");
			sb_json_str(&sb, rows[i].name);
			sb_printf(&sb, ",\"band_group\":");
			sb_json_str(&sb, rows[i].band_group);
			sb_printf(&sb, ",\"type\":\"%s\",\"policy\":\"%s\"",
				  rows[i].type, rows[i].policy);
			sb_printf(&sb, ",\"groups\":%llu,\"device\":",
				  (unsigned long long)rows[i].groups);
			sb_json_str(&sb, rows[i].device);
			sb_printf(&sb, "}");
		}
		sb_printf(&sb, "%s]\n", nr ? "\n" : "");
	} else {
		r = report_list(&sb, &ro, rows, nr);
	}
	free(rows);
	dmx_names_free(&names, &n);
	r = r ? report_failed(r) : print_sb(&sb);
	sb_free(&sb);
	return r;
}

/*
 * What show and top print: one band device, or every band device of a band
 * group with their groups in one list (g->dev says whose).
 */
struct snap {
	char name[DM_NAME_MAX + 1];	/* the device, or the band group */
	int group;			/* a band group's view */
	struct band_table t;		/* the (first) device's table */
	struct band_status st;		/* all groups */
	char **jobs;			/* st.nr names for people */
	char **devs;			/* group: device names, by g->dev */
	size_t ndev;
};

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void snap_close(struct snap *s)
{
	band_table_free(&s->t);
	strv_free(s->jobs, s->st.nr);
	band_status_free(&s->st);
	strv_free(s->devs, s->ndev);
	s->jobs = NULL;
	s->devs = NULL;
	s->ndev = 0;
}

/* Append b's groups (as device dev) and their job names to s. */
static int snap_add(struct snap *s, const struct bdev *b, unsigned int dev)
{
	size_t n = s->st.nr + b->st.nr, i;
	struct band_gstat *g;
	char buf[PATH_MAX], **jobs;

	g = realloc(s->st.g, n * sizeof(*g));
	if (!g)
		return dmx_fail(EX_ERR, "out of memory");
	s->st.g = g;
	jobs = realloc(s->jobs, n * sizeof(*jobs));
	if (!jobs)
		return dmx_fail(EX_ERR, "out of memory");
	s->jobs = jobs;
	for (i = 0; i < b->st.nr; i++) {
		job_name(b->t.type, &b->st.g[i], buf, sizeof(buf));
		jobs[s->st.nr] = strdup(buf);
		if (!jobs[s->st.nr])
			return dmx_fail(EX_ERR, "out of memory");
		g[s->st.nr] = b->st.g[i];
		g[s->st.nr].dev = dev;
		s->st.nr++;
	}
	return EX_OK;
}

/* Read arg's view: a band device, or (group) a band group's devices. */
static int snap_open(const char *arg, int group, struct snap *s)
{
	char **names = NULL;
	size_t n = 0, i;
	struct bdev b;
	int r;

	memset(s, 0, sizeof(*s));
	s->group = group;
	if (!group) {
		r = band_open(arg, &b, 1);
		if (r)
			return r;
		snprintf(s->name, sizeof(s->name), "%s", b.name);
		snprintf(s->st.band_group, sizeof(s->st.band_group), "%s",
			 b.st.band_group);
		s->st.epoch = b.st.epoch;
		r = snap_add(s, &b, 0);
		s->t = b.t;
		b.t.grp = NULL;
		band_close(&b);
		if (r)
			snap_close(s);
		return r;
	}
	if (!band_group_name_valid(arg))
		return dmx_fail(EX_USAGE, "invalid band group name '%s'", arg);
	snprintf(s->name, sizeof(s->name), "%s", arg);
	snprintf(s->st.band_group, sizeof(s->st.band_group), "%s", arg);
	r = dmx_band_registered();
	if (!r)
		r = dmx_names(&names, &n);
	if (r)
		return r;
	qsort(names, n, sizeof(*names), cmp_str);
	s->devs = calloc(n ? n : 1, sizeof(*s->devs));
	if (!s->devs)
		r = dmx_fail(EX_ERR, "out of memory");
	for (i = 0; !r && i < n; i++) {
		if (band_open(names[i], &b, 1))
			continue;	/* not band, or gone meanwhile */
		if (!strcmp(b.t.band_group, arg)) {
			r = snap_add(s, &b, (unsigned int)s->ndev);
			s->devs[s->ndev++] = names[i];
			names[i] = NULL;
			s->st.epoch = b.st.epoch;
			if (s->ndev == 1) {
				s->t = b.t;
				b.t.grp = NULL;
			}
		}
		band_close(&b);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!r && !s->ndev)
		r = dmx_fail(EX_NODEV, "no band device in band group '%s'", arg);
	if (r)
		snap_close(s);
	return r;
}

/* Render s, rates over prev (NULL: since reset) and secs. */
static int render(struct sbuf *sb, const struct snap *s,
		  const struct band_status *prev, double since, double secs,
		  const struct report_opts *ro, size_t job_max)
{
	struct band_calc *calc;
	struct band_view v;
	int r = EX_OK;

	calc = calloc(s->st.nr ? s->st.nr : 1, sizeof(*calc));
	if (!calc)
		return err(EX_ERR, "out of memory");
	band_calc(&s->st, prev, s->t.policy, secs, calc);
	v.name = s->name;
	v.t = &s->t;
	v.st = &s->st;
	v.jobs = (const char *const *)s->jobs;
	v.devs = s->group ? (const char *const *)s->devs : NULL;
	v.calc = calc;
	v.since = since;
	v.secs = secs;
	v.job_max = job_max;
	if (!ro) {
		band_view_json(sb, &v);
	} else {
		if (report_human(ro))
			band_view_title(sb, &v);
		r = report_view(sb, ro, &v);
		if (r)
			r = report_failed(r);
	}
	free(calc);
	return r;
}

/* The oldest reset time of s's devices (< 0 when one is unknown). */
static double snap_since(const struct snap *s)
{
	double since = -1, t;
	size_t i;

	if (!s->group)
		return state_reset_time(s->name);
	for (i = 0; i < s->ndev; i++) {
		t = state_reset_time(s->devs[i]);
		if (t <= 0)
			return -1;
		if (since < 0 || t < since)
			since = t;
	}
	return since;
}

/* show's and top's DEV, or --band-group G (bg then). */
static int view_arg(const struct args *a, const char **bg, const char **arg)
{
	*bg = a->opt[O_BAND_GROUP];
	if (*bg && (!**bg || a->argc))
		return usage_err("expected --band-group NAME and no device");
	if (!*bg && a->argc != 1)
		return usage_err("expected one device");
	*arg = *bg ? *bg : a->argv[0];
	return EX_OK;
}

int cmd_show(struct args *a)
{
	int json = !!a->opt[O_JSON];
	const char *bg, *arg;
	struct report_opts ro;
	struct sbuf sb = { 0 };
	double since, secs = -1;
	struct snap s;
	int r;

	r = report_args(a, &ro);
	if (r)
		return r;
	if (report_help(&ro))
		return report_view(NULL, &ro, NULL);
	r = view_arg(a, &bg, &arg);
	if (r)
		return r;
	r = snap_open(arg, !!bg, &s);
	if (r)
		return dmerr(r);
	since = snap_since(&s);
	if (since > 0)
		secs = now_real() - since;
	r = render(&sb, &s, NULL, since, secs, json ? NULL : &ro, 0);
	if (!r && !json && report_human(&ro)) {
		if (secs > 0)
			sb_printf(&sb, "Rates since the last %s, %.1f s ago.\n",
				  "bandctl reset or create", secs);
		else
			sb_printf(&sb, "Rates unknown: no %s of %s since boot.\n",
				  "bandctl reset or create",
				  bg ? "each device" : s.name);
	}
	if (!r)
		r = print_sb(&sb);
	sb_free(&sb);
	snap_close(&s);
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

/*
 * On a terminal each row fits its width: the JOB column is cut in the
 * middle to what the other columns (about 72 characters, 12 more with
 * DEVICE) leave, at least 24.
 */
static size_t top_job_max(int group)
{
	struct winsize ws;
	size_t others = group ? 84 : 72;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col ||
	    ws.ws_col < others + 24)
		return 24;
	return ws.ws_col - others;
}

int cmd_top(struct args *a)
{
	const char *bg, *arg;
	struct report_opts ro;
	struct band_status prev = { 0 };
	long iterations = -1, it;
	int fancy = isatty(STDOUT_FILENO);
	double t_prev, t;
	struct snap b;
	unsigned long long v;
	int r;

	r = report_args(a, &ro);
	if (r || report_help(&ro))
		return r ? r : report_view(NULL, &ro, NULL);
	if (a->opt[O_ITERATIONS]) {
		if (parse_ull(a->opt[O_ITERATIONS], &v) || !v || v > LONG_MAX)
			return usage_err("--iterations needs a positive number");
		iterations = (long)v;
	}
	r = view_arg(a, &bg, &arg);
	if (r)
		return r;
	r = snap_open(arg, !!bg, &b);
	if (r)
		return dmerr(r);
	r = top_setup();
	if (r) {
		snap_close(&b);
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
		if (report_human(&ro))
			sb_printf(&sb, "bandctl top: %s%s, over the last %.1f s%s\n",
				  bg ? "band group " : "", b.name,
				  it ? t - t_prev : 0.0,
				  top_tty ? " (q to quit)" : "");
		r = render(&sb, &b, it ? &prev : &b.st, -1, it ? t - t_prev : 0,
			   &ro, fancy ? top_job_max(!!bg) : 0);
		if (!r)
			r = print_sb(&sb);
		sb_free(&sb);
		if (r || iterations == it + 1 || top_wait(t + 1.0))
			break;
		band_status_free(&prev);
		prev = b.st;
		prev.g = malloc((b.st.nr ? b.st.nr : 1) * sizeof(*prev.g));
		if (prev.g)
			memcpy(prev.g, b.st.g, b.st.nr * sizeof(*prev.g));
		else
			prev.nr = 0;	/* rates since the reset, this once */
		snap_close(&b);
		t_prev = t;
		r = snap_open(arg, !!bg, &b);
		if (r) {
			band_status_free(&prev);
			top_restore();
			return dmerr(r);
		}
	}
	band_status_free(&prev);
	snap_close(&b);
	top_restore();
	if (fancy && !r)
		putchar('\n');
	return r;
}
