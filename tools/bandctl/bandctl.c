// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: the userspace tool of dm-band.  Lists, shows, weights, watches,
 * creates and removes band devices, wraps an active LV in one, and applies
 * /etc/dm-band.conf.  See bandctl.8.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "bandlib.h"
#include "dm.h"
#include "sys.h"

#define DEFAULT_CONF "/etc/dm-band.conf"
#define DM_NAME_MAX 127
#define ORIG_SUFFIX "-orig"

static __printf(2, 3) int err(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("bandctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* Report a failure of a dm.c or sys.c call. */
static int dmerr(int code)
{
	if (code)
		err(code, "%s", dmx_err);
	return code;
}

static int print_sb(struct sbuf *sb)
{
	if (sb->err)
		return err(EX_ERR, "out of memory");
	fputs(sb_str(sb), stdout);
	return fflush(stdout) ? err(EX_ERR, "write: %s", strerror(errno)) :
				EX_OK;
}

/* ------------------------------------------------------------ band devices */

struct bdev {
	const char *name;
	struct dmx_info info;
	struct band_table t;
	struct band_status st;
};

static void band_close(struct bdev *b)
{
	band_table_free(&b->t);
	band_status_free(&b->st);
}

/* name's table, and its status if status: EX_NODEV, EX_NOTBAND... */
static int band_open(const char *name, struct bdev *b, int status)
{
	struct dmx_targets tl;
	int r;

	memset(b, 0, sizeof(*b));
	b->name = name;
	r = dmx_band_registered();
	if (!r)
		r = dmx_info(name, &b->info);
	if (r)
		return r;
	if (!b->info.exists)
		return dmx_fail(EX_NODEV, "no device-mapper device '%s'", name);
	r = dmx_targets(name, 0, &tl);
	if (r)
		return r;
	if (tl.n != 1 || strcmp(tl.t[0].type, "band")) {
		r = dmx_fail(EX_NOTBAND, "'%s' is not a band device (its target is %s)",
			     name, tl.n ? tl.t[0].type : "none");
	} else if (band_table_parse(tl.t[0].params, &b->t)) {
		r = dmx_fail(EX_ERR, "%s: cannot parse table '%s'", name,
			     tl.t[0].params);
	}
	dmx_targets_free(&tl);
	if (r || !status)
		return r;
	r = dmx_targets(name, 1, &tl);
	if (r)
		return r;
	if (tl.n != 1 || band_status_parse(tl.t[0].params, &b->st))
		r = dmx_fail(EX_ERR, "%s: cannot parse status '%s'", name,
			     tl.n ? tl.t[0].params : "");
	dmx_targets_free(&tl);
	if (r)
		band_table_free(&b->t);
	return r;
}

/* ------------------------------------------------------------ commands */

struct cmd {
	const char *name;
	const char *usage;
	const char *help;
	int (*fn)(int argc, char **argv);
	int min, max;		/* positional arguments */
};

static const struct cmd *cur_cmd;

static __printf(1, 2) int usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("bandctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (usage: bandctl %s %s)\n", cur_cmd->name,
		cur_cmd->usage);
	return EX_USAGE;
}

/* Take "--flag" out of argv; 1 if it was there. */
static int take_flag(int *argc, char **argv, const char *flag)
{
	int i, found = 0;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], flag))
			continue;
		memmove(argv + i, argv + i + 1, (size_t)(*argc - i) * sizeof(*argv));
		(*argc)--;
		found = 1;
		i--;
	}
	return found;
}

/*
 * Create and wrap options, --key VALUE or --key=VALUE, taken out of argv.
 * Returns EX_USAGE on a bad one.
 */
static int take_opts(int *argc, char **argv, struct band_opts *o)
{
	char key[32], msg[256];
	int i = 0, n = 0;

	while (i < *argc) {
		const char *a = argv[i], *val, *eq;
		int used = 2;

		if (strncmp(a, "--", 2)) {
			argv[n++] = argv[i++];
			continue;
		}
		eq = strchr(a, '=');
		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - a - 2), a + 2);
			val = eq + 1;
			used = 1;
		} else {
			snprintf(key, sizeof(key), "%s", a + 2);
			if (i + 1 >= *argc)
				return usage_err("option %s needs a value", a);
			val = argv[i + 1];
		}
		if (band_opt_set(o, key, val, msg, sizeof(msg)))
			return usage_err("%s", msg);
		i += used;
	}
	*argc = n;
	return EX_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_list(int argc, char **argv)
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

static int cmd_show(int argc, char **argv)
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

/* Parse and resolve JOB for b: EX_BADJOB with a reason when bad. */
static int get_job(const struct bdev *b, const char *s, struct band_job *job,
		   unsigned long long *id)
{
	char msg[256];
	int r;

	if (band_job_parse(s, job, msg, sizeof(msg)))
		return dmx_fail(EX_BADJOB, "%s", msg);
	r = job_resolve(job, b->t.type, id);
	if (r)
		band_job_free(job);
	return r;
}

/* Give job id (or the default group) weight w on b, attaching it if new. */
static int set_weight(const struct bdev *b, const struct band_job *job,
		      unsigned long long id, unsigned int w)
{
	char msg[64];

	if (job->is_default)
		snprintf(msg, sizeof(msg), "weight %u", w);
	else if (band_table_weight(&b->t, id))
		snprintf(msg, sizeof(msg), "weight %llu:%u", id, w);
	else
		snprintf(msg, sizeof(msg), "attach %llu:%u", id, w);
	return dmx_message(b->name, msg);
}

static int cmd_set(int argc, char **argv)
{
	unsigned long long id = 0;
	struct band_job job;
	unsigned int w;
	struct bdev b;
	int r;

	(void)argc;
	if (parse_weight(argv[2], &w))
		return usage_err("invalid weight '%s' (1..%u)", argv[2],
				 BAND_WEIGHT_MAX);
	r = band_open(argv[0], &b, 0);
	if (!r) {
		r = get_job(&b, argv[1], &job, &id);
		if (!r) {
			r = set_weight(&b, &job, id, w);
			band_job_free(&job);
		}
		band_close(&b);
	}
	return dmerr(r);
}

static int cmd_unset(int argc, char **argv)
{
	unsigned long long id = 0;
	struct band_job job;
	char msg[64];
	struct bdev b;
	int r;

	(void)argc;
	r = band_open(argv[0], &b, 0);
	if (r)
		return dmerr(r);
	r = get_job(&b, argv[1], &job, &id);
	if (!r && job.is_default)
		r = dmx_fail(EX_BADJOB, "the default group cannot be detached");
	else if (!r && !band_table_weight(&b.t, id))
		r = dmx_fail(EX_BADJOB, "%s is not attached to %s", argv[1],
			     b.name);
	if (!r) {
		snprintf(msg, sizeof(msg), "detach %llu", id);
		r = dmx_message(b.name, msg);
	}
	if (job.name)
		band_job_free(&job);
	band_close(&b);
	return dmerr(r);
}

static int cmd_reset(int argc, char **argv)
{
	struct bdev b;
	int r;

	(void)argc;
	r = band_open(argv[0], &b, 0);
	if (!r) {
		r = dmx_message(b.name, "reset");
		if (!r)
			state_mark_reset(b.name);
		band_close(&b);
	}
	return dmerr(r);
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

static int cmd_top(int argc, char **argv)
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

/* ------------------------------------------------------------ create */

/* A valid band group name from a kernel device name. */
static void bg_from_name(const char *name, char *out, size_t len)
{
	size_t i;

	str_copy(out, len < BAND_BG_MAX + 1 ? len : BAND_BG_MAX + 1, name);
	for (i = 0; out[i]; i++)
		if (!isalnum((unsigned char)out[i]) && !strchr("_.:-", out[i]))
			out[i] = '_';
	if (!out[0])
		snprintf(out, len, "band");
}

static void default_bg(struct band_opts *o, const char *majmin)
{
	char disk[128];

	if (o->set & OPT_BG)
		return;
	snprintf(disk, sizeof(disk), "%s", majmin);
	phys_disk(majmin, disk, sizeof(disk));
	bg_from_name(disk, o->band_group, sizeof(o->band_group));
}

/* The one band target of len sectors over dev. */
static int band_targets(struct dmx_targets *tl, unsigned long long len,
			const char *dev, const struct band_opts *o)
{
	struct sbuf sb = { 0 };

	band_params_fmt(&sb, dev, o);
	memset(tl, 0, sizeof(*tl));
	tl->t = calloc(1, sizeof(*tl->t));
	if (sb.err || !tl->t) {
		sb_free(&sb);
		free(tl->t);
		tl->t = NULL;
		return dmx_fail(EX_ERR, "out of memory");
	}
	tl->n = 1;
	tl->t->len = len;
	tl->t->type = strdup("band");
	tl->t->params = sb.s;
	if (!tl->t->type) {
		dmx_targets_free(tl);
		return dmx_fail(EX_ERR, "out of memory");
	}
	return EX_OK;
}

/* Why a table load failed: the module, or what libdevmapper said. */
static int load_failed(int r)
{
	char saved[sizeof(dmx_err)];

	memcpy(saved, dmx_err, sizeof(saved));
	if (r == EX_ERR && dmx_band_registered() == EX_NOMODULE)
		return EX_NOMODULE;
	memcpy(dmx_err, saved, sizeof(saved));
	return r;
}

static void describe(const char *what, const char *name, const char *dev,
		     const struct band_opts *o)
{
	printf("%s %s%s%s (band group %s, type %s, policy %s, token base %llu",
	       what, name, dev ? " on " : "", dev ? dev : "", o->band_group,
	       band_type_names[o->type], band_policy_names[o->policy],
	       o->token_base);
	if (o->set & OPT_IDLE)
		printf(", idle %llu us", o->idle);
	printf(")\n");
}

static int do_create(const char *name, const char *dev, struct band_opts *o)
{
	unsigned long long bytes;
	struct dmx_targets tl;
	char majmin[32];
	struct stat sb;
	int fd, r;

	if (strlen(name) > DM_NAME_MAX || strchr(name, '/'))
		return dmx_fail(EX_USAGE, "invalid device name '%s'", name);
	if (dmx_exists(name))
		return dmx_fail(EX_ERR, "device '%s' already exists", name);
	if (stat(dev, &sb) || !S_ISBLK(sb.st_mode))
		return dmx_fail(EX_NODEV, "no block device %s", dev);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dmx_fail(errno == EACCES ? EX_PERM : EX_ERR, "open %s: %s",
				dev, strerror(errno));
	r = ioctl(fd, BLKGETSIZE64, &bytes);
	close(fd);
	if (r)
		return dmx_fail(EX_ERR, "size of %s: %s", dev, strerror(errno));
	if (bytes < 512)
		return dmx_fail(EX_ERR, "%s is empty", dev);
	snprintf(majmin, sizeof(majmin), "%u:%u", major(sb.st_rdev),
		 minor(sb.st_rdev));
	default_bg(o, majmin);
	r = band_targets(&tl, bytes >> 9, dev, o);
	if (r)
		return r;
	r = dmx_create(name, NULL, &tl, 0);
	dmx_targets_free(&tl);
	if (r)
		return load_failed(r);
	state_mark_reset(name);
	return EX_OK;
}

/* create's and wrap's OPTIONS, then nargs arguments (what they are). */
static int opts_args(int *argc, char **argv, struct band_opts *o, int nargs,
		     const char *what)
{
	int r;

	band_opts_init(o);
	r = take_opts(argc, argv, o);
	if (!r && *argc != nargs)
		r = usage_err("expected %s", what);
	return r;
}

static int cmd_create(int argc, char **argv)
{
	struct band_opts o;
	int r;

	r = opts_args(&argc, argv, &o, 2, "NAME and DEV");
	return r ? r : dmerr(do_create(argv[0], argv[1], &o));
}

/* Is b an LV wrapped by bandctl: over its own -orig device? */
static int is_wrapped(const struct bdev *b)
{
	char orig[DM_NAME_MAX + 16], mm[32];
	struct dmx_info oi;

	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, b->name);
	if (dmx_info(orig, &oi) || !oi.exists)
		return 0;
	snprintf(mm, sizeof(mm), "%u:%u", oi.major, oi.minor);
	return !strcmp(b->t.dev, mm);
}

static int cmd_remove(int argc, char **argv)
{
	struct bdev b;
	int r;

	(void)argc;
	r = band_open(argv[0], &b, 0);
	if (r)
		return dmerr(r);
	if (is_wrapped(&b))
		r = dmx_fail(EX_UNSAFE,
			     "%s is a wrapped LV: use bandctl unwrap", b.name);
	else
		r = dmx_remove(b.name);
	if (!r)
		state_forget(b.name);
	band_close(&b);
	return dmerr(r);
}

/* ------------------------------------------------------------ wrap */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* VG/LV (or a dm name) to the LV's dm name. */
static int lv_name(const char *arg, char *dm, size_t len)
{
	if (!strchr(arg, '/')) {
		snprintf(dm, len, "%s", arg);
		return EX_OK;
	}
	if (lv_dm_name(arg, dm, len))
		return dmx_fail(EX_USAGE, "expected VG/LV, got '%s'", arg);
	return EX_OK;
}

static int do_wrap(const char *arg, struct band_opts *o)
{
	char dm[DM_NAME_MAX + 1], orig[DM_NAME_MAX + 16], held[256];
	char uuid[160], majmin[32];
	struct dmx_targets tl, band = { 0 };
	struct dmx_info info, oi;
	unsigned long long len = 0;
	size_t i;
	int r, r2;

	r = lv_name(arg, dm, sizeof(dm));
	if (!r)
		r = dmx_info(dm, &info);
	if (r)
		return r;
	if (!info.exists)
		return dmx_fail(EX_NODEV, "no active LV %s (no dm device %s)", arg,
				dm);
	if (ends_with(dm, "-real") || ends_with(dm, "-cow") ||
	    ends_with(dm, ORIG_SUFFIX))
		return dmx_fail(EX_UNSAFE,
				"%s is an internal device of a snapshot or of a wrap",
				dm);
	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, dm);
	if (strlen(orig) > DM_NAME_MAX)
		return dmx_fail(EX_UNSAFE, "name %s too long", orig);
	r = dmx_targets(dm, 0, &tl);
	if (r)
		return r;
	for (i = 0; i < tl.n && !r; i++) {
		if (!strcmp(tl.t[i].type, "band"))
			r = dmx_fail(EX_UNSAFE, "%s is already wrapped", arg);
		else if (strcmp(tl.t[i].type, "linear") &&
			 strcmp(tl.t[i].type, "striped"))
			r = dmx_fail(EX_UNSAFE,
				     "%s has a %s target: only linear and striped LVs can be wrapped",
				     arg, tl.t[i].type);
		len += tl.t[i].len;
	}
	if (!r && !tl.n)
		r = dmx_fail(EX_UNSAFE, "%s has no table", arg);
	if (!r && dmx_exists(orig))
		r = dmx_fail(EX_UNSAFE, "%s already exists", orig);
	if (!r && dev_holders(info.major, info.minor, held, sizeof(held)) > 0)
		r = dmx_fail(EX_UNSAFE,
			     "%s is held by %s (a snapshot origin, or under another device)",
			     arg, held);
	if (r)
		goto out;
	/* "<major>:<minor> <offset>" for linear, "<stripes> <chunk> M:m ..." */
	if (sscanf(tl.t[0].params, "%31s", majmin) != 1 ||
	    (!strcmp(tl.t[0].type, "striped") &&
	     sscanf(tl.t[0].params, "%*s %*s %31s", majmin) != 1))
		majmin[0] = '\0';
	default_bg(o, majmin);
	snprintf(uuid, sizeof(uuid), "BAND-ORIG-%s", info.uuid);

	/* Suspended (file system frozen, I/O flushed) while the tables change. */
	r = dmx_suspend(dm);
	if (r)
		goto out;
	r = dmx_create(orig, info.uuid[0] ? uuid : NULL, &tl, 1);
	if (!r)
		r = dmx_info(orig, &oi);
	if (r)
		goto resume;
	snprintf(majmin, sizeof(majmin), "%u:%u", oi.major, oi.minor);
	r = band_targets(&band, len, majmin, o);
	if (!r)
		r = load_failed(dmx_reload(dm, &band));
	if (r)
		goto remove;
	r = dmx_resume(dm);
	if (!r) {
		state_mark_reset(dm);
		goto out;
	}
	/* Back to the LV's own table. */
	dmx_clear(dm);
	r2 = dmx_resume(dm);
	if (r2)
		goto out;	/* leave -orig: the LV may still map onto it */
	dmx_remove(orig);
	goto out;
remove:
	dmx_remove(orig);
resume:
	r2 = dmx_resume(dm);
	if (r2 && !r)
		r = r2;
out:
	dmx_targets_free(&band);
	dmx_targets_free(&tl);
	return r;
}

static int cmd_wrap(int argc, char **argv)
{
	struct band_opts o;
	int r;

	r = opts_args(&argc, argv, &o, 1, "VG/LV");
	return r ? r : dmerr(do_wrap(argv[0], &o));
}

static int cmd_unwrap(int argc, char **argv)
{
	char dm[DM_NAME_MAX + 1], orig[DM_NAME_MAX + 16];
	struct dmx_targets tl;
	struct bdev b;
	int r, r2;

	(void)argc;
	r = lv_name(argv[0], dm, sizeof(dm));
	if (!r)
		r = band_open(dm, &b, 0);
	if (r)
		return dmerr(r);
	snprintf(orig, sizeof(orig), "%s" ORIG_SUFFIX, dm);
	if (!is_wrapped(&b)) {
		band_close(&b);
		return dmerr(dmx_fail(EX_NOTBAND, "%s is not wrapped by bandctl (no %s under it)",
				      argv[0], orig));
	}
	band_close(&b);
	r = dmx_targets(orig, 0, &tl);
	if (r)
		return dmerr(r);
	r = dmx_suspend(dm);
	if (!r) {
		r = dmx_reload(dm, &tl);
		/* Resume in any case: with the LV's own table if it loaded. */
		r2 = dmx_resume(dm);
		if (!r)
			r = r2;
	}
	if (!r) {
		r = dmx_remove(orig);
		state_forget(dm);
	}
	dmx_targets_free(&tl);
	return dmerr(r);
}

/* ------------------------------------------------------------ apply */

static int dry_run;

/* One setting of an existing device: message it when it differs. */
static int change(const char *name, const char *key, const char *was,
		  const char *want)
{
	char msg[96];

	if (!strcmp(was, want))
		return EX_OK;
	printf("%s: %s %s (was %s)\n", name, key, want, was);
	if (dry_run)
		return EX_OK;
	snprintf(msg, sizeof(msg), "%s %s", key, want);
	return dmx_message(name, msg);
}

/* Bring b's settings to those given in o. */
static int sync_opts(const struct bdev *b, const struct band_opts *o)
{
	char was[32], want[32];
	int r = EX_OK;

	if ((o->set & OPT_BG) && strcmp(o->band_group, b->t.band_group))
		return dmx_fail(EX_ERR,
				"%s: band group is %s, the configuration says %s: remove it and apply again",
				b->name, b->t.band_group, o->band_group);
	if (o->set & OPT_TYPE)
		r = change(b->name, "type", band_type_names[b->t.type],
			   band_type_names[o->type]);
	if (!r && (o->set & OPT_POLICY))
		r = change(b->name, "policy", band_policy_names[b->t.policy],
			   band_policy_names[o->policy]);
	if (!r && (o->set & OPT_TOKEN)) {
		snprintf(was, sizeof(was), "%llu", b->t.token_base);
		snprintf(want, sizeof(want), "%llu", o->token_base);
		r = change(b->name, "token", was, want);
	}
	if (!r && (o->set & OPT_IDLE)) {
		snprintf(was, sizeof(was), "%llu", b->t.idle);
		snprintf(want, sizeof(want), "%llu", o->idle);
		r = change(b->name, "idle", was, want);
	}
	return r;
}

/* Bring band device name's settings to those given in o. */
static int sync_dev(const char *name, const struct band_opts *o)
{
	struct bdev b;
	int r;

	r = band_open(name, &b, 0);
	if (r)
		return r;
	r = sync_opts(&b, o);
	band_close(&b);
	return r;
}

static int apply_create(struct conf_entry *e)
{
	int r;

	if (!dmx_exists(e->name)) {
		if (dry_run) {
			describe("create", e->name, e->dev, &e->opts);
			return EX_OK;
		}
		r = do_create(e->name, e->dev, &e->opts);
		if (!r)
			describe("create", e->name, e->dev, &e->opts);
		return r;
	}
	return sync_dev(e->name, &e->opts);
}

static int apply_wrap(struct conf_entry *e)
{
	char dm[DM_NAME_MAX + 1];
	struct dmx_targets tl;
	int r, wrapped;

	r = lv_name(e->name, dm, sizeof(dm));
	if (!r)
		r = dmx_targets(dm, 0, &tl);
	if (r)
		return dmx_exists(dm) ? r :
			dmx_fail(EX_NODEV, "no active LV %s", e->name);
	wrapped = tl.n == 1 && !strcmp(tl.t[0].type, "band");
	dmx_targets_free(&tl);
	if (!wrapped) {
		if (!dry_run)
			r = do_wrap(e->name, &e->opts);
		if (!r)
			describe("wrap", e->name, NULL, &e->opts);
		return r;
	}
	return sync_dev(dm, &e->opts);
}

static int apply_weight(struct conf_entry *e)
{
	char dm[DM_NAME_MAX + 1], was[256];
	unsigned long long id = 0;
	struct band_job job;
	unsigned int cur;
	struct bdev b;
	int r;

	r = lv_name(e->name, dm, sizeof(dm));
	if (!r)
		r = band_open(dm, &b, 0);
	if (r && !(dry_run && (r == EX_NODEV || r == EX_NOTBAND)))
		return r;
	if (r) {
		/* To be created or wrapped by an earlier line: all new. */
		memset(&b, 0, sizeof(b));
		b.t.dflt_weight = 100;
		if (band_job_parse(e->job, &job, was, sizeof(was)))
			return dmx_fail(EX_BADJOB, "%s", was);
		r = EX_OK;
	} else {
		r = get_job(&b, e->job, &job, &id);
		if (r) {
			band_close(&b);
			return r;
		}
	}
	cur = job.is_default ? b.t.dflt_weight : band_table_weight(&b.t, id);
	if (cur != e->weight) {
		if (cur)
			snprintf(was, sizeof(was), "was %u", cur);
		else
			snprintf(was, sizeof(was), "not attached");
		printf("%s: weight %s %u (%s)\n", dm, e->job, e->weight, was);
		if (!dry_run)
			r = set_weight(&b, &job, id, e->weight);
	}
	band_job_free(&job);
	band_close(&b);
	return r;
}

static char *read_file(const char *path)
{
	struct sbuf sb = { 0 };
	char buf[4096];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_printf(&sb, "%.*s", (int)n, buf);
	if (ferror(f) || sb.err) {
		fclose(f);
		sb_free(&sb);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	return sb.s ? sb.s : strdup("");
}

static int cmd_apply(int argc, char **argv)
{
	const char *path = DEFAULT_CONF;
	char msg[512], *text;
	struct conf c;
	size_t i;
	int r = EX_OK;

	dry_run = take_flag(&argc, argv, "--dry-run") ||
		  take_flag(&argc, argv, "-n");
	if (argc > 1)
		return usage_err("expected at most one FILE");
	if (argc == 1)
		path = argv[0];
	text = read_file(path);
	if (!text)
		return err(EX_ERR, "%s: %s", path, strerror(errno));
	if (conf_parse(text, &c, msg, sizeof(msg))) {
		free(text);
		return err(EX_USAGE, "%s: %s", path, msg);
	}
	free(text);
	for (i = 0; i < c.n; i++) {
		int (*fn)(struct conf_entry *e);
		int ri;

		fn = c.e[i].kind == CONF_CREATE ? apply_create :
		     c.e[i].kind == CONF_WRAP ? apply_wrap : apply_weight;
		if (!i) {
			r = dmx_band_registered();
			if (r)
				break;
		}
		ri = fn(&c.e[i]);
		fflush(stdout);
		if (ri) {
			err(ri, "%s: line %d: %s", path, c.e[i].line, dmx_err);
			if (!r)
				r = ri;
		}
	}
	conf_free(&c);
	if (r == EX_NOMODULE || r == EX_PERM)
		dmerr(r);
	return r;
}

/* ------------------------------------------------------------ main */

#define OPTS_HELP \
	"  --band-group G  band group (default: the physical disk's name)\n" \
	"  --type T        none, pid, pgrp, uid, gid or cgroup (default none)\n" \
	"  --policy P      weight or weight-iosize (default weight)\n" \
	"  --token-base N  tokens per epoch, 0 for automatic (default 0)\n" \
	"  --idle USEC     a group's idle time (default: the kernel's, 8000)\n"

static const struct cmd cmds[] = {
	{ "list", "[--json]",
	  "List every band device: name, band group, type, policy, number of\n"
	  "groups (the default group included) and the device below.\n",
	  cmd_list, -1, 0 },
	{ "show", "DEV [--json]",
	  "One row per group of DEV: its job, weight, target share (weight /\n"
	  "sum of weights), achieved share (its bios / all bios; sectors with\n"
	  "policy weight-iosize), IOPS and MB/s since the last bandctl reset or\n"
	  "create, bios held now and tokens left.\n",
	  cmd_show, -1, 0 },
	{ "set", "DEV JOB WEIGHT",
	  "Give JOB the weight WEIGHT (1..1000000) on DEV, attaching it first\n"
	  "if needed.  JOB is uid:NAME|ID, gid:NAME|ID, pid:ID, pgrp:ID,\n"
	  "cgroup:/PATH (from the cgroup2 mount) or default; its kind must be\n"
	  "the device's type.\n",
	  cmd_set, 3, 3 },
	{ "unset", "DEV JOB", "Detach JOB from DEV.\n", cmd_unset, 2, 2 },
	{ "reset", "DEV",
	  "Zero DEV's counters, and remember when (for show's rates).\n",
	  cmd_reset, 1, 1 },
	{ "top", "DEV [--iterations N]",
	  "Show DEV's groups every second, with rates and shares over the\n"
	  "last second.  q quits.\n",
	  cmd_top, -1, 0 },
	{ "create", "NAME DEV [OPTIONS]",
	  "Create band device NAME over all of block device DEV.\n" OPTS_HELP,
	  cmd_create, -1, 0 },
	{ "remove", "NAME", "Remove band device NAME.\n", cmd_remove, 1, 1 },
	{ "wrap", "VG/LV [OPTIONS]",
	  "Put a band device under the name of the active LV VG/LV, mounted or\n"
	  "not: its table moves to a new device VG-LV-orig and the LV gets a\n"
	  "band table over it, while the LV is suspended.\n" OPTS_HELP,
	  cmd_wrap, -1, 0 },
	{ "unwrap", "VG/LV",
	  "Give VG/LV its own table back and remove VG-LV-orig.\n",
	  cmd_unwrap, 1, 1 },
	{ "apply", "[FILE] [--dry-run]",
	  "Apply FILE (default " DEFAULT_CONF "): create, wrap and weight what\n"
	  "it says, printing each change.  Applying twice changes nothing the\n"
	  "second time.  --dry-run (-n) prints the changes and makes none.\n",
	  cmd_apply, -1, 0 },
};

#define NCMDS ARRAY_SIZE(cmds)

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "%s: bandctl COMMAND [ARGS]\n\ncommands:\n", "usage");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-7s %s\n", cmds[i].name, cmds[i].usage);
	fprintf(f, "  help    [COMMAND]\n\n"
		"bandctl help COMMAND, or bandctl COMMAND --help, for more.\n"
		"Exit status: 0 ok, 1 error, 2 usage, 3 band module not loaded,\n"
		"4 no such device, 5 not a band device, 6 bad job,\n"
		"7 permission denied, 8 refused as unsafe.\n");
}

static int cmd_help(const char *name)
{
	const struct cmd *c;

	if (!name) {
		print_usage(stdout);
		return EX_OK;
	}
	c = find_cmd(name);
	if (!c)
		return err(EX_USAGE, "unknown command '%s'", name);
	printf("usage: bandctl %s %s\n\n%s", c->name, c->usage, c->help);
	return EX_OK;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int i;

	if (argc < 2)
		return err(EX_USAGE, "no command (try bandctl help)");
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))
		return cmd_help(argc > 2 ? argv[2] : NULL);
	c = find_cmd(argv[1]);
	if (!c)
		return err(EX_USAGE, "unknown command '%s' (try bandctl help)",
			   argv[1]);
	cur_cmd = c;
	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cmd_help(c->name);
	argc -= 2;
	argv += 2;
	if (c->min >= 0 && (argc < c->min || argc > c->max))
		return usage_err("expected %d argument%s", c->min,
				 c->min == 1 ? "" : "s");
	for (i = 0; c->min >= 0 && i < argc; i++)
		if (!strncmp(argv[i], "--", 2))
			return usage_err("unknown option '%s'", argv[i]);
	dmx_init();
	return c->fn(argc, argv);
}
