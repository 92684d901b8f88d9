// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: the columns of list, show and top, through libdevmapper's report
 * engine (dm_report_init_with_selection, dm_report_object,
 * dm_report_output), the one dmsetup and lvm2 use: -o picks the fields, -O
 * sorts, -S selects rows, --noheadings, --separator and --reportformat json
 * (a dm_report_group) as in lvs.
 *
 * The engine prints through libdevmapper's log function; while a report
 * runs, ours takes its lines into the caller's sbuf, so that top can draw
 * a whole screen at once.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdevmapper.h>

#include "report.h"

char report_err[256];
void (*report_restore)(void);

/* ------------------------------------------------------------ output */

static struct sbuf *out_sb;
static int out_trim;	/* aligned: no blanks at the end of a line */
static int out_help;	/* -o help: the list of fields, on stderr */

/* libdevmapper's levels (its logging.h): error, and warn for output. */
#define DMLOG_LEVEL_MASK	0xf
#define DMLOG_ERR		3
#define DMLOG_WARN	4
#define DMLOG_TO_STDERR	128

static void report_logger(int level, const char *file, int line, int dm_errno,
			  const char *f, ...)
{
	char buf[4096];
	va_list ap;
	size_t n;

	(void)file;
	(void)line;
	(void)dm_errno;
	if ((level & DMLOG_LEVEL_MASK) > DMLOG_WARN)
		return;
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if ((level & DMLOG_LEVEL_MASK) < DMLOG_WARN) {
		if (!report_err[0])
			str_copy(report_err, sizeof(report_err), buf);
		return;
	}
	if ((level & DMLOG_TO_STDERR) || !out_sb) {
		/*
		 * The list of fields: for -o help, not after a wrong field
		 * (a usage error is one line; it says to ask for the list).
		 */
		if (out_help)
			fprintf(stderr, "%s\n", buf);
		return;
	}
	n = strlen(buf);
	while (out_trim && n && buf[n - 1] == ' ')
		n--;
	sb_printf(out_sb, "%.*s\n", (int)n, buf);
}

static void out_begin(struct sbuf *sb, const struct report_opts *o)
{
	report_err[0] = '\0';
	out_sb = sb;
	out_trim = !o->separator && !o->json;
	out_help = report_help(o);
	dm_log_with_errno_init(report_logger);
}

static void out_end(void)
{
	out_sb = NULL;
	if (report_restore)
		report_restore();
	else
		dm_log_with_errno_init(NULL);
}

int report_human(const struct report_opts *o)
{
	return !o->json && !o->separator && !o->noheadings;
}

static int is_help(const char *s)
{
	return s && (!strcmp(s, "help") || !strcmp(s, "?"));
}

int report_help(const struct report_opts *o)
{
	return is_help(o->fields) || is_help(o->select);
}

/* ------------------------------------------------------------ values */

/* A number shown as text, sorted by sortv. */
static int set_num(struct dm_pool *mem, struct dm_report_field *field,
		   const char *text, uint64_t sortv)
{
	uint64_t *v = dm_pool_alloc(mem, sizeof(*v));
	char *s = dm_pool_strdup(mem, text);

	if (!v || !s)
		return 0;
	*v = sortv;
	dm_report_field_set_value(field, s, v);
	return 1;
}

/*
 * One decimal, "-" when NaN.  The engine sorts and selects a number by one
 * value, an unsigned integer: the integer part (-S iops>10 is what it
 * says; 10.4 and 10.6 sort as equals), 0 for "-".
 */
static int set_real(struct dm_pool *mem, struct dm_report_field *field,
		    double x)
{
	char buf[64];

	fmt_num(buf, sizeof(buf), x);
	return set_num(mem, field, buf,
		       isnan(x) || x < 0 ? 0 : (uint64_t)x);
}

/*
 * A percentage, one decimal: sorted and selected as a dm_percent_t, as
 * lvs's data_percent (-S 'share>=50', or 50%), "-" (NaN) as 0.
 */
static int set_pct(struct dm_pool *mem, struct dm_report_field *field,
		   double x)
{
	char buf[64];

	fmt_num(buf, sizeof(buf), x);
	if (isnan(x) || x < 0)
		x = 0;
	if (x > 100)
		x = 100;
	return set_num(mem, field, buf, (uint64_t)(x * DM_PERCENT_1 + 0.5));
}

static int set_signed(struct dm_pool *mem, struct dm_report_field *field,
		      long long x)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", x);
	return set_num(mem, field, buf, (uint64_t)x ^ (1ull << 63));
}

static int set_str(struct dm_report *rh, struct dm_report_field *field,
		   const char *s)
{
	return dm_report_field_string(rh, field, &s);
}

#define FIELD_FN(name) \
static int name(struct dm_report *rh, struct dm_pool *mem, \
		struct dm_report_field *field, const void *data, void *priv)

/* ------------------------------------------------------------ list */

FIELD_FN(f_name)
{
	(void)mem; (void)priv;
	return set_str(rh, field, ((const struct list_row *)data)->name);
}

FIELD_FN(f_band_group)
{
	(void)mem; (void)priv;
	return set_str(rh, field, ((const struct list_row *)data)->band_group);
}

FIELD_FN(f_type)
{
	(void)mem; (void)priv;
	return set_str(rh, field, ((const struct list_row *)data)->type);
}

FIELD_FN(f_policy)
{
	(void)mem; (void)priv;
	return set_str(rh, field, ((const struct list_row *)data)->policy);
}

FIELD_FN(f_groups)
{
	(void)mem; (void)priv;
	return dm_report_field_uint64(rh, field,
				      &((const struct list_row *)data)->groups);
}

FIELD_FN(f_lower)
{
	(void)mem; (void)priv;
	return set_str(rh, field, ((const struct list_row *)data)->device);
}

FIELD_FN(f_lv)
{
	(void)mem; (void)priv;
	return set_str(rh, field, ((const struct list_row *)data)->lv);
}

/* ------------------------------------------------------------ show */

/* One group of a view. */
struct vrow {
	struct band_gstat g;	/* a copy: counters by offset */
	const struct band_view *v;
	const struct band_calc *k;
	const char *job;	/* cut to v->job_max */
};

#define VROW ((const struct vrow *)data)

FIELD_FN(f_device)
{
	(void)mem; (void)priv;
	return set_str(rh, field, VROW->v->devs ? VROW->v->devs[VROW->g.dev] :
			     VROW->v->name);
}

FIELD_FN(f_id)
{
	char buf[32];

	(void)mem; (void)priv;
	band_id_fmt(buf, sizeof(buf), &VROW->g);
	return set_str(rh, field, buf);
}

FIELD_FN(f_job)
{
	(void)mem; (void)priv;
	return set_str(rh, field, VROW->job);
}

FIELD_FN(f_weight)
{
	(void)mem; (void)priv;
	return dm_report_field_uint32(rh, field, &VROW->g.weight);
}

FIELD_FN(f_target)
{
	(void)rh; (void)priv;
	return set_pct(mem, field, VROW->k->target);
}

FIELD_FN(f_share)
{
	(void)rh; (void)priv;
	return set_pct(mem, field, VROW->k->share);
}

FIELD_FN(f_iops)
{
	(void)rh; (void)priv;
	return set_real(mem, field, VROW->k->iops);
}

FIELD_FN(f_mbps)
{
	(void)rh; (void)priv;
	return set_real(mem, field, VROW->k->mbps);
}

FIELD_FN(f_tokens)
{
	(void)rh; (void)priv;
	return set_signed(mem, field, VROW->g.tokens);
}

FIELD_FN(f_active)
{
	(void)mem; (void)priv;
	return set_str(rh, field, VROW->k->active ? "yes" : "no");
}

/* A counter of struct band_gstat: the field's offset points at it. */
FIELD_FN(f_counter)
{
	uint64_t x = *(const unsigned long long *)data;

	(void)mem; (void)priv;
	return dm_report_field_uint64(rh, field, &x);
}

/* ------------------------------------------------------------ fields */

static void *identity(void *obj)
{
	return obj;
}

/* One object type per report: its own fields (list's and show's "device"
 * are not the same field).
 */
static const struct dm_report_object_type list_types[] = {
	{ 1, "Band device", "band_", identity },
	{ 0, "", "", NULL },
};

static const struct dm_report_object_type view_types[] = {
	{ 1, "Group", "group_", identity },
	{ 0, "", "", NULL },
};

#define STR DM_REPORT_FIELD_TYPE_STRING
#define NUM DM_REPORT_FIELD_TYPE_NUMBER
#define PCT DM_REPORT_FIELD_TYPE_PERCENT
#define FIELD(flags, id, heading, fn, desc) \
	{ 1, flags, 0, sizeof(heading) - 1, id, heading, fn, desc }
#define COUNTER(id, heading, desc) \
	{ 1, NUM, offsetof(struct vrow, g) + offsetof(struct band_gstat, id), \
	  sizeof(heading) - 1, #id, heading, f_counter, desc }
#define FIELDS_END { 0, 0, 0, 0, "", "", NULL, NULL }

static const struct dm_report_field_type list_fields[] = {
	FIELD(STR, "name", "NAME", f_name, "The band device's name."),
	FIELD(STR, "band_group", "BAND_GROUP", f_band_group,
	      "Its band group: its devices share one disk's bandwidth."),
	FIELD(STR, "type", "TYPE", f_type,
	      "What tells its jobs apart: none, pid, pgrp, uid, gid or cgroup."),
	FIELD(STR, "policy", "POLICY", f_policy, "weight or weight-iosize."),
	FIELD(NUM, "groups", "GROUPS", f_groups,
	      "Its groups, the default group included."),
	FIELD(STR, "device", "DEVICE", f_lower, "The device below it."),
	FIELD(STR, "lv", "LV", f_lv,
	      "VG/LV, for an LVM device (a wrapped LV), from its name."),
	FIELDS_END,
};

static const struct dm_report_field_type view_fields[] = {
	FIELD(STR, "device", "DEVICE", f_device, "The group's band device."),
	FIELD(STR, "id", "ID", f_id,
	      "The job's id (uid, gid, pid, pgrp, cgroup inode), or default."),
	FIELD(STR, "job", "JOB", f_job,
	      "The job for people: a name, a command line, a cgroup path."),
	FIELD(NUM, "weight", "WEIGHT", f_weight, "Its weight."),
	FIELD(PCT, "target_share", "TARGET%", f_target,
	      "Its weight over the active groups' weights, percent."),
	FIELD(PCT, "share", "SHARE%", f_share,
	      "Its bios (sectors with weight-iosize) over all, percent."),
	FIELD(NUM, "iops", "IOPS", f_iops, "Bios per second."),
	FIELD(NUM, "mbps", "MB/s", f_mbps, "10^6 bytes per second."),
	COUNTER(held, "HELD", "Bios held now."),
	FIELD(NUM, "tokens", "TOKENS", f_tokens,
	      "Tokens left in this epoch (negative: debt; not for -S)."),
	COUNTER(read_bios, "READ_BIOS",
		"Read bios since the counters were zeroed."),
	COUNTER(read_sectors, "READ_SECTORS",
		"Sectors read."),
	COUNTER(write_bios, "WRITE_BIOS", "Write bios."),
	COUNTER(write_sectors, "WRITE_SECTORS",
		"Sectors written."),
	COUNTER(held_total, "HELD_TOTAL",
		"Bios ever held."),
	COUNTER(in_flight, "IN_FLIGHT",
		"Bios passed down and not completed yet."),
	COUNTER(debt_bios, "DEBT_BIOS",
		"Bios passed on debt."),
	COUNTER(limit_iops, "LIMIT_IOPS",
		"Its cap in bios per second, 0 for none."),
	COUNTER(limit_bps, "LIMIT_BPS",
		"Its cap in bytes per second, 0 for none."),
	COUNTER(limited, "LIMITED",
		"Times a cap made its next bio wait."),
	COUNTER(reserve_iops, "RESERVE_IOPS",
		"Its reservation in bios per second, 0 for none."),
	COUNTER(reserve_bps, "RESERVE_BPS",
		"Its reservation in bytes per second, 0 for none."),
	COUNTER(reserved, "RESERVED",
		"Bios passed on its reservation."),
	FIELD(STR, "active", "ACTIVE", f_active,
	      "yes: bios in the interval, or held or in flight now."),
	FIELDS_END,
};

#define LIST_FIELDS "name,band_group,type,policy,groups,device"
#define VIEW_FIELDS "id,job,weight,target_share,share,iops,mbps,held,tokens"
#define GROUP_VIEW_FIELDS "device," VIEW_FIELDS

/* ------------------------------------------------------------ reports */

struct report_def {
	const struct dm_report_object_type *types;
	const struct dm_report_field_type *fields;
	const char *dflt;	/* the default fields */
	const char *json;	/* the JSON array's name */
};

/*
 * The engine selects numbers as unsigned: tokens, signed, is sorted by a
 * biased value that a selection would compare against.  Refuse it rather
 * than select the wrong rows.
 */
static int select_ok(const char *sel)
{
	const char *p;

	for (p = sel; p && (p = strstr(p, "tokens")); p += 6)
		if ((p == sel || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
		    !(isalnum((unsigned char)p[6]) || p[6] == '_')) {
			snprintf(report_err, sizeof(report_err),
				 "tokens is signed: the selection cannot compare it");
			return 0;
		}
	return 1;
}

/* n objects of size bytes each at objs, reported into sb. */
static int run(struct sbuf *sb, const struct report_opts *o,
	       const struct report_def *d, void *objs, size_t size, size_t n)
{
	uint32_t type = d->types[0].id, flags = DM_REPORT_OUTPUT_BUFFERED;
	const char *f = o->fields && *o->fields ? o->fields : d->dflt;
	struct dm_report_group *grp = NULL;
	struct dm_report *rh;
	char *fl = NULL, *sel = NULL;
	int r = EX_ERR;
	size_t i;

	out_begin(sb, o);
	if (*f == '+') {
		fl = malloc(strlen(d->dflt) + strlen(f) + 1);
		if (!fl)
			goto out;
		sprintf(fl, "%s,%s", d->dflt, f + 1);
		f = fl;
	}
	if (!o->separator)
		flags |= DM_REPORT_OUTPUT_ALIGNED;
	if (!o->noheadings)
		flags |= DM_REPORT_OUTPUT_HEADINGS;
	if (!select_ok(o->select)) {
		r = EX_USAGE;
		goto out;
	}
	/* The engine writes into the selection while it parses it. */
	if (o->select) {
		sel = strdup(o->select);
		if (!sel)
			goto out;
	}
	rh = dm_report_init_with_selection(&type, d->types, d->fields, f,
					   o->separator ? o->separator : "  ",
					   flags, o->sort ? o->sort : "",
					   sel, NULL, NULL);
	if (!rh) {
		r = report_err[0] ? EX_USAGE : EX_ERR;
		goto out;
	}
	if (report_help(o)) {
		r = EX_OK;
		goto free;
	}
	if (o->json) {
		grp = dm_report_group_create(DM_REPORT_GROUP_JSON, NULL);
		if (!grp || !dm_report_group_push(grp, rh, (void *)d->json))
			goto free;
	}
	for (i = 0; i < n; i++)
		if (!dm_report_object(rh, (char *)objs + i * size))
			goto free;
	if (!dm_report_output(rh) || (grp && !dm_report_group_pop(grp)))
		goto free;
	r = EX_OK;
free:
	dm_report_free(rh);
	if (grp)
		dm_report_group_destroy(grp);
out:
	free(fl);
	free(sel);
	out_end();
	if (!r && sb && sb->err)
		r = EX_ERR;
	if (r == EX_ERR && !report_err[0])
		snprintf(report_err, sizeof(report_err), "report failed");
	return r;
}

int report_list(struct sbuf *sb, const struct report_opts *o,
		const struct list_row *rows, size_t n)
{
	static const struct report_def d = {
		list_types, list_fields, LIST_FIELDS, "band"
	};

	return run(sb, o, &d, (void *)rows, sizeof(*rows), n);
}

int report_view(struct sbuf *sb, const struct report_opts *o,
		const struct band_view *v)
{
	static const struct report_def one = {
		view_types, view_fields, VIEW_FIELDS, "group"
	}, group = {
		view_types, view_fields, GROUP_VIEW_FIELDS, "group"
	};
	size_t n = v ? v->st->nr : 0, i;
	struct vrow *rows;
	char *jobs;
	int r;

	rows = calloc(n ? n : 1, sizeof(*rows));
	jobs = calloc(n ? n : 1, 512);
	if (!rows || !jobs) {
		free(rows);
		free(jobs);
		snprintf(report_err, sizeof(report_err), "out of memory");
		return EX_ERR;
	}
	for (i = 0; i < n; i++) {
		rows[i].v = v;
		rows[i].g = v->st->g[i];
		rows[i].k = &v->calc[i];
		if (v->job_max) {
			str_mid_cut(jobs + i * 512, 512, v->jobs[i], v->job_max);
			rows[i].job = jobs + i * 512;
		} else {
			rows[i].job = v->jobs[i];
		}
	}
	r = run(sb, o, v && v->devs ? &group : &one, rows, sizeof(*rows), n);
	free(rows);
	free(jobs);
	return r;
}
