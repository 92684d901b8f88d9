// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: the userspace tool of dm-band.  Lists, shows, weights, watches,
 * creates and removes band devices, wraps an active LV in one, and applies
 * /etc/dm-band.conf.  See bandctl.8.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "bandctl.h"
#include "report.h"

__printf(2, 3) int err(int code, const char *fmt, ...)
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
int dmerr(int code)
{
	if (code)
		err(code, "%s", dmx_err);
	return code;
}

int print_sb(struct sbuf *sb)
{
	if (sb->err)
		return err(EX_ERR, "out of memory");
	fputs(sb_str(sb), stdout);
	return fflush(stdout) ? err(EX_ERR, "write: %s", strerror(errno)) :
				EX_OK;
}

/* ------------------------------------------------------------ band devices */

void band_close(struct bdev *b)
{
	band_table_free(&b->t);
	band_status_free(&b->st);
}

int dev_arg(const char *arg, char *dm, size_t len)
{
	char path[128];
	struct stat sb;
	FILE *f;

	if (arg[0] == '/') {
		if (stat(arg, &sb) || !S_ISBLK(sb.st_mode))
			return dmx_fail(EX_NODEV, "no block device %s", arg);
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/name",
			 major(sb.st_rdev), minor(sb.st_rdev));
		f = fopen(path, "re");
		if (!f)
			return dmx_fail(EX_NODEV, "%s is not a device-mapper device",
					arg);
		if (!fgets(dm, (int)len, f))
			dm[0] = '\0';
		fclose(f);
		dm[strcspn(dm, "\n")] = '\0';
		return dm[0] ? EX_OK :
			dmx_fail(EX_NODEV, "%s: no device-mapper name", arg);
	}
	if (strchr(arg, '/'))
		return dmx_lv_name(arg, dm, len);
	if (strlen(arg) >= len || strlen(arg) > DM_NAME_MAX)
		return dmx_fail(EX_USAGE, "invalid device name '%s'", arg);
	snprintf(dm, len, "%s", arg);
	return EX_OK;
}

int band_open(const char *arg, struct bdev *b, int status)
{
	const char *name = b->name;
	struct dmx_targets tl;
	int r;

	memset(b, 0, sizeof(*b));
	r = dev_arg(arg, b->name, sizeof(b->name));
	if (!r)
		r = dmx_band_registered();
	if (!r)
		r = dmx_info(name, &b->info);
	if (r)
		return r;
	if (!b->info.exists)
		return dmx_fail(EX_NODEV, "no device-mapper device '%s'", arg);
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
	int (*fn)(struct args *a);
	int min, max;		/* positional arguments */
	const int *opts;	/* its options, 0-terminated (--help: all) */
};

static const struct cmd *cur_cmd;

__printf(1, 2) int usage_err(const char *fmt, ...)
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

void default_bg(struct band_opts *o, const char *majmin)
{
	char disk[128];

	if (o->set & OPT_BG)
		return;
	snprintf(disk, sizeof(disk), "%s", majmin);
	phys_disk(majmin, disk, sizeof(disk));
	bg_from_name(disk, o->band_group, sizeof(o->band_group));
}

/* The one band target of len sectors over dev. */
int band_targets(struct dmx_targets *tl, unsigned long long len,
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
int load_failed(int r)
{
	char saved[sizeof(dmx_err)];

	memcpy(saved, dmx_err, sizeof(saved));
	if (r == EX_ERR && dmx_band_registered() == EX_NOMODULE)
		return EX_NOMODULE;
	memcpy(dmx_err, saved, sizeof(saved));
	return r;
}

void describe(const char *what, const char *name, const char *dev,
	      const struct band_opts *o)
{
	printf("%s %s%s%s (band group %s, type %s, policy %s, token base %llu",
	       what, name, dev ? " on " : "", dev ? dev : "", o->band_group,
	       band_type_names[o->type], band_policy_names[o->policy],
	       o->token_base);
	if (o->set & OPT_IDLE)
		printf(", idle %llu us", o->idle);
	if (o->set & OPT_INJECT)
		printf(", inject %d", o->inject);
	printf(")\n");
}

/* ------------------------------------------------------------ main */

#define OPTS_HELP \
	"  --band-group G  band group (default: the physical disk's name)\n" \
	"  --type T        none, pid, pgrp, uid, gid or cgroup (default none)\n" \
	"  --policy P      weight or weight-iosize (default weight)\n" \
	"  --token-base N  tokens per epoch, 0 for automatic (default 0)\n" \
	"  --idle USEC     a group's idle time (default: the kernel's, 8000)\n" \
	"  --inject 0|1    work conservation by injection (default: the kernel's, 1)\n"

/* Every option; each command takes those its list names, and --help. */
static const struct option all_opts[] = {
	{ "help", no_argument, NULL, O_HELP },
	{ "json", no_argument, NULL, O_JSON },
	{ "band-group", required_argument, NULL, O_BAND_GROUP },
	{ "type", required_argument, NULL, O_TYPE },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "token-base", required_argument, NULL, O_TOKEN_BASE },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "inject", required_argument, NULL, O_INJECT },
	{ "iterations", required_argument, NULL, O_ITERATIONS },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "repair", no_argument, NULL, O_REPAIR },
	{ "once", no_argument, NULL, O_ONCE },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "options", required_argument, NULL, O_OPTIONS },
	{ "sort", required_argument, NULL, O_SORT },
	{ "noheadings", no_argument, NULL, O_NOHEADINGS },
	{ "separator", required_argument, NULL, O_SEPARATOR },
	{ "reportformat", required_argument, NULL, O_REPORTFORMAT },
	{ "select", required_argument, NULL, O_SELECT },
	{ "limit-iops", required_argument, NULL, O_LIMIT_IOPS },
	{ "limit-bw", required_argument, NULL, O_LIMIT_BW },
	{ "reserve-iops", required_argument, NULL, O_RESERVE_IOPS },
	{ "reserve-bw", required_argument, NULL, O_RESERVE_BW },
};

static const int no_opts[] = { 0 };
static const int list_opts[] = { O_JSON, O_OPTIONS, O_SORT, O_SELECT,
				 O_NOHEADINGS, O_SEPARATOR, O_REPORTFORMAT, 0 };
static const int show_opts[] = { O_JSON, O_BAND_GROUP, O_OPTIONS, O_SORT,
				 O_SELECT, O_NOHEADINGS, O_SEPARATOR,
				 O_REPORTFORMAT, 0 };
static const int top_opts[] = { O_BAND_GROUP, O_ITERATIONS, O_OPTIONS,
				O_SORT, O_SELECT, O_NOHEADINGS, O_SEPARATOR,
				O_REPORTFORMAT, 0 };
static const int table_opts[] = { O_BAND_GROUP, O_TYPE, O_POLICY,
				  O_TOKEN_BASE, O_IDLE, O_INJECT, 0 };
static const int check_opts[] = { O_REPAIR, 0 };
static const int watch_opts[] = { O_ONCE, O_INTERVAL, 0 };
static const int apply_opts[] = { O_DRY_RUN, O_DEVICE, 0 };
static const int set_opts[] = { O_LIMIT_IOPS, O_LIMIT_BW, O_RESERVE_IOPS,
				O_RESERVE_BW, 0 };

#define REPORT_HELP \
	"REPORT OPTIONS, as lvs takes them (libdevmapper's report engine):\n" \
	"  -o, --options F      fields F, comma-separated; +F adds to the\n" \
	"                       default ones; -o help lists them\n" \
	"  -O, --sort K         sort by fields K (-F: descending)\n" \
	"  -S, --select SEL     only the rows SEL picks, as lvs -S: 'weight>100',\n" \
	"                       'job=~^/machine && active=yes'; -S help\n" \
	"  --noheadings         no headings, no title\n" \
	"  --separator S        fields separated by S, not aligned\n" \
	"  --reportformat json  the fields in JSON (basic: columns)\n"
#define JSON_HELP "--json: every figure, in bandctl's own JSON.\n"

static const struct cmd cmds[] = {
	{ "list", "[REPORT OPTIONS] [--json]",
	  "List every band device: name, band group, type, policy, number of\n"
	  "groups (the default group included) and the device below.\n"
	  REPORT_HELP JSON_HELP,
	  cmd_list, 0, 0, list_opts },
	{ "show", "DEV|--band-group G [REPORT OPTIONS] [--json]",
	  "One row per group of DEV: its job, weight, target share (weight /\n"
	  "sum of the weights of the active groups, those with bios since the\n"
	  "reset or held or in flight; - when idle), achieved share (its bios /\n"
	  "all bios; sectors with policy weight-iosize), IOPS and MB/s since\n"
	  "the last bandctl reset or create, bios held now and tokens left.\n"
	  "--band-group G: the groups of every band device of band group G\n"
	  "in one table, shares of the whole band group.\n" REPORT_HELP
	  JSON_HELP,
	  cmd_show, 0, 1, show_opts },
	{ "set", "DEV JOB WEIGHT [RATE OPTIONS]",
	  "Give JOB the weight WEIGHT (1..1000000) on DEV, attaching it first\n"
	  "if needed.  JOB is uid:NAME|ID, gid:NAME|ID, pid:ID, pgrp:ID,\n"
	  "cgroup:/PATH (from the cgroup2 mount), unit:NAME (a systemd unit's\n"
	  "cgroup) or default; its kind must be the device's type (unit:\n"
	  "for cgroup).  See watch.\n"
	  "RATE OPTIONS:\n"
	  "  --limit-iops N   cap JOB at N bios per second, even on an idle\n"
	  "                   device (0 or none: no cap)\n"
	  "  --limit-bw SIZE  cap JOB at SIZE bytes per second: 10M, 1G\n"
	  "                   (powers of 1024; 0 or none: no cap)\n"
	  "  --reserve-iops N, --reserve-bw SIZE\n"
	  "                   reserve JOB at least that much whenever it asks\n"
	  "                   for it, whatever the weights (0 or none: none)\n"
	  "Caps and reservations count reads and writes together; one not\n"
	  "given is left as it is.  They are in DEV's table (dmsetup table);\n"
	  "watch gives them back to a cgroup made again.\n",
	  cmd_set, 3, 3, set_opts },
	{ "unset", "DEV JOB", "Detach JOB from DEV.\n", cmd_unset, 2, 2, no_opts },
	{ "reset", "DEV",
	  "Zero DEV's counters, and remember when (for show's rates).\n",
	  cmd_reset, 1, 1, no_opts },
	{ "top", "DEV|--band-group G [--iterations N] [REPORT OPTIONS]",
	  "Show DEV's groups (or band group G's) every second, with rates and\n"
	  "shares over the last second.  q quits.  The report options are\n"
	  "show's; the title line is left out as show leaves it out (with\n"
	  "--noheadings, --separator or --reportformat json).\n" REPORT_HELP,
	  cmd_top, 0, 1, top_opts },
	{ "create", "NAME DEV [OPTIONS]",
	  "Create band device NAME over all of block device DEV.\n" OPTS_HELP,
	  cmd_create, 2, 2, table_opts },
	{ "remove", "NAME", "Remove band device NAME.\n", cmd_remove, 1, 1, no_opts },
	{ "wrap", "VG/LV [OPTIONS]",
	  "Put a band device under the name of the active LV VG/LV, mounted or\n"
	  "not: its table moves to a new device VG-LV-orig and the LV gets a\n"
	  "band table over it, while the LV is suspended.  Refused (exit 8)\n"
	  "for an LV that is not linear or striped (a snapshot origin...),\n"
	  "held, or mapped onto another LV of its VG (pvmove).\n" OPTS_HELP,
	  cmd_wrap, 1, 1, table_opts },
	{ "unwrap", "VG/LV",
	  "Give VG/LV its own table back and remove VG-LV-orig.\n",
	  cmd_unwrap, 1, 1, no_opts },
	{ "check", "[FILE] [--repair]",
	  "Find what LVM or a killed bandctl left of wraps, one line each:\n"
	  "devices left suspended, -orig layers orphaned, wraps lost, band\n"
	  "devices not of their -orig's size, and what differs from FILE\n"
	  "(default " DEFAULT_CONF ", if it exists) as apply --dry-run\n"
	  "prints it.  Exit status 1 if anything was found.  --repair resumes,\n"
	  "removes orphans, wraps lost LVs again with their saved tables and\n"
	  "weights, and applies FILE; exit status 1 if a repair failed.\n",
	  cmd_check, 0, 1, check_opts },
	{ "watch", "[--once] [--interval SECONDS]",
	  "Keep the jobs given by cgroup path (cgroup:/PATH) or by systemd\n"
	  "unit (unit:NAME) attached when their cgroup is removed and made\n"
	  "again: attach the new cgroup's id with the job's weight, caps\n"
	  "and reservations, detach the old one.  Runs until killed, woken\n"
	  "by inotify on the cgroup tree and a round every SECONDS (5);\n"
	  "--once: one round.\n",
	  cmd_watch, 0, 0, watch_opts },
	{ "apply", "[FILE] [--dry-run] [--device DEV]",
	  "Apply FILE (default " DEFAULT_CONF "): create, wrap and weight what\n"
	  "it says, printing each change, and unset the weights an earlier\n"
	  "apply set that the file no longer gives.  Applying twice changes\n"
	  "nothing the second time.  --dry-run (-n) prints the changes and\n"
	  "makes none.  --device DEV: only the lines about DEV.\n"
	  "An LV whose wrap LVM undid while it stayed active (lvextend,\n"
	  "lvchange --refresh, pvmove...: its VG-LV-orig left unused) is wrapped\n"
	  "again with its saved table and weights, at its new size; with\n"
	  "--device, also a wrap made by hand, FILE or not (what\n"
	  "90-dm-band.rules runs).  A wrap that failed is not tried again by\n"
	  "--device until the LV's table changes.\n",
	  cmd_apply, 0, 1, apply_opts },
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
	fprintf(f, "  help    [COMMAND]\n  --version\n\n"
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

static const struct option *opt_by_code(int code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(all_opts); i++)
		if (all_opts[i].val == code)
			return &all_opts[i];
	return NULL;
}

/* The option argv[optind - 1] names, as the user wrote it. */
static const char *opt_text(char **argv, int code)
{
	static char buf[64];
	const struct option *o = opt_by_code(code);

	if (o)
		snprintf(buf, sizeof(buf), "--%s", o->name);
	else if (code > 0 && code < 256)
		snprintf(buf, sizeof(buf), "-%c", code);
	else
		snprintf(buf, sizeof(buf), "%s", argv[optind - 1]);
	return buf;
}

/*
 * c's options (getopt_long, which also takes them after the arguments, as
 * --opt=VALUE or --opt VALUE) into a; the arguments left are a->argv.  -h
 * or --help anywhere asks for c's help: 1 then.
 */
static int parse_args(const struct cmd *c, int argc, char **argv,
		      struct args *a, int *help)
{
	struct option lo[ARRAY_SIZE(all_opts) + 1];
	char shortopts[32] = ":h", msg[256];
	size_t nlo = 0, ns = 2;
	const struct option *o;
	int r = EX_OK, code;
	const int *p;

	memset(a, 0, sizeof(*a));
	band_opts_init(&a->band);
	lo[nlo++] = all_opts[0];
	for (p = c->opts; *p; p++) {
		o = opt_by_code(*p);
		lo[nlo++] = *o;
		if (*p < 256) {
			shortopts[ns++] = (char)*p;
			if (o->has_arg == required_argument)
				shortopts[ns++] = ':';
		}
	}
	memset(&lo[nlo], 0, sizeof(lo[nlo]));
	shortopts[ns] = '\0';
	opterr = 0;
	optind = 0;
	while ((code = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		if (code == O_HELP) {
			*help = 1;
		} else if (r) {
			continue;	/* the first error is the one told */
		} else if (code == '?') {
			r = usage_err("unknown option '%s'",
				      optopt ? opt_text(argv, optopt) :
				      argv[optind - 1]);
		} else if (code == ':') {
			r = usage_err("option %s needs a value",
				      opt_text(argv, optopt));
		} else if (c->opts == table_opts) {
			if (band_opt_set(&a->band, opt_by_code(code)->name,
					 optarg, msg, sizeof(msg)))
				r = usage_err("%s", msg);
		} else {
			a->opt[code] = optarg ? optarg : "";
		}
	}
	if (*help)
		return EX_OK;
	a->argc = argc - optind;
	a->argv = argv + optind;
	if (!r && a->argc > c->max)
		r = usage_err("unexpected argument '%s'", a->argv[c->max]);
	if (!r && a->argc < c->min)
		r = usage_err("expected %d argument%s", c->min,
			      c->min == 1 ? "" : "s");
	return r;
}

int main(int argc, char **argv)
{
	static const struct option main_opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c;
	struct args *a;
	int code, help = 0, r;

	/* bandctl's own options, up to the command ('+': stop there) */
	opterr = 0;
	while ((code = getopt_long(argc, argv, "+h", main_opts, NULL)) != -1) {
		if (code == 'V') {
			printf("bandctl %s\n", BANDCTL_VERSION);
			return EX_OK;
		}
		if (code == 'h')
			return cmd_help(optind < argc ? argv[optind] : NULL);
		return err(EX_USAGE, "unknown option '%s' (try bandctl help)",
			   argv[optind - 1]);
	}
	if (optind >= argc)
		return err(EX_USAGE, "no command (try bandctl help)");
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "version")) {
		printf("bandctl %s\n", BANDCTL_VERSION);
		return EX_OK;
	}
	if (!strcmp(argv[0], "help"))
		return cmd_help(argc > 1 ? argv[1] : NULL);
	c = find_cmd(argv[0]);
	if (!c)
		return err(EX_USAGE, "unknown command '%s' (try bandctl help)",
			   argv[0]);
	cur_cmd = c;
	a = malloc(sizeof(*a));
	if (!a)
		return err(EX_ERR, "out of memory");
	r = parse_args(c, argc, argv, a, &help);
	if (help) {
		r = cmd_help(c->name);
	} else if (!r) {
		dmx_init();
		report_restore = dmx_init;
		r = c->fn(a);
	}
	free(a);
	return r;
}
