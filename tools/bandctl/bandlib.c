// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: parsing of dm-band table and status lines, jobs and the config
 * file; JSON and column formatting.  No libdevmapper here.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bandlib.h"

const char *const band_type_names[BT_NR] = {
	"none", "pid", "pgrp", "uid", "gid", "cgroup"
};

const char *const band_policy_names[BP_NR] = { "weight", "weight-iosize" };

static int name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int band_type_parse(const char *s)
{
	return name_index(band_type_names, BT_NR, s);
}

int band_policy_parse(const char *s)
{
	return name_index(band_policy_names, BP_NR, s);
}

/* ------------------------------------------------------------ sbuf */

void sb_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	size_t need;
	char *p;
	int n;

	if (sb->err)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		sb->err = 1;
		return;
	}
	need = sb->len + (size_t)n + 1;
	if (need > sb->cap) {
		size_t cap = sb->cap ? sb->cap * 2 : 256;

		while (cap < need)
			cap *= 2;
		p = realloc(sb->s, cap);
		if (!p) {
			sb->err = 1;
			return;
		}
		sb->s = p;
		sb->cap = cap;
	}
	vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_free(struct sbuf *sb)
{
	free(sb->s);
	memset(sb, 0, sizeof(*sb));
}

const char *sb_str(struct sbuf *sb)
{
	return sb->s ? sb->s : "";
}

void sb_json_str(struct sbuf *sb, const char *s)
{
	const unsigned char *p;

	sb_printf(sb, "\"");
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			sb_printf(sb, "\\\"");
			break;
		case '\\':
			sb_printf(sb, "\\\\");
			break;
		case '\n':
			sb_printf(sb, "\\n");
			break;
		case '\t':
			sb_printf(sb, "\\t");
			break;
		case '\r':
			sb_printf(sb, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				sb_printf(sb, "\\u%04x", *p);
			else
				sb_printf(sb, "%c", *p);
		}
	}
	sb_printf(sb, "\"");
}

void sb_json_num(struct sbuf *sb, double v)
{
	if (isnan(v))
		sb_printf(sb, "null");
	else
		sb_printf(sb, "%.1f", v);
}

void fmt_num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", v);
}

/* ------------------------------------------------------------ numbers */

void str_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int parse_ull(const char *s, unsigned long long *v)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	return 0;
}

int parse_ll(const char *s, long long *v)
{
	unsigned long long u;

	if (s && *s == '-') {
		if (parse_ull(s + 1, &u) || u > (unsigned long long)LLONG_MAX)
			return -1;
		*v = -(long long)u;
		return 0;
	}
	if (parse_ull(s, &u) || u > (unsigned long long)LLONG_MAX)
		return -1;
	*v = (long long)u;
	return 0;
}

int parse_weight(const char *s, unsigned int *w)
{
	unsigned long long v;

	if (parse_ull(s, &v) || v < 1 || v > BAND_WEIGHT_MAX)
		return -1;
	*w = (unsigned int)v;
	return 0;
}

/*
 * A cap: a count, or a size with K, M, G or T (powers of 1024, an optional
 * B or iB after: 10M, 10MiB); 0 or "none" for no cap.  At most
 * BAND_LIMIT_MAX, the kernel's.
 */
int parse_limit(const char *s, unsigned long long *v)
{
	static const char units[] = "KMGT";
	const char *u;
	char num[32];
	size_t n = strspn(s, "0123456789");
	int shift = 0;

	if (!strcmp(s, "none")) {
		*v = 0;
		return 0;
	}
	if (!n || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_ull(num, v))
		return -1;
	if (s[n]) {
		u = strchr(units, toupper((unsigned char)s[n]));
		if (!u || !*u)
			return -1;
		shift = 10 * (int)(u - units + 1);
		if (strcmp(s + n + 1, "") && strcmp(s + n + 1, "B") &&
		    strcmp(s + n + 1, "iB"))
			return -1;
	}
	if (*v > (BAND_LIMIT_MAX >> shift))
		return -1;
	*v <<= shift;
	return 0;
}

const char *const band_rate_names[BAND_NR_RATES] = {
	"limit_iops", "limit_bps", "reserve_iops", "reserve_bps",
};

void band_rates_fmt(char *buf, size_t len, const unsigned long long *rate)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < BAND_NR_RATES && n < len; i++) {
		if (!rate[i])
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%llu", n ? "," : "",
				      band_rate_names[i], rate[i]);
	}
}

int band_group_name_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > BAND_BG_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.:-", s[i]))
			return 0;
	return 1;
}

int band_id_valid(int type, unsigned long long id)
{
	switch (type) {
	case BT_PID:
	case BT_PGRP:
		return id >= 1 && id <= 4194304;
	case BT_UID:
	case BT_GID:
		return id <= 4294967294ull;
	case BT_CGROUP:
		return id != 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ words */

int words_split(const char *s, struct words *w)
{
	size_t cap = 8;
	char *p;

	memset(w, 0, sizeof(*w));
	w->buf = strdup(s);
	w->w = malloc(cap * sizeof(*w->w));
	if (!w->buf || !w->w) {
		words_free(w);
		return -1;
	}
	for (p = strtok(w->buf, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
		if (w->n == cap) {
			char **nw = realloc(w->w, 2 * cap * sizeof(*w->w));

			if (!nw) {
				words_free(w);
				return -1;
			}
			w->w = nw;
			cap *= 2;
		}
		w->w[w->n++] = p;
	}
	return 0;
}

void words_free(struct words *w)
{
	free(w->buf);
	free(w->w);
	memset(w, 0, sizeof(*w));
}

/* ------------------------------------------------------------ table */

/*
 * "<id>:<weight>[,<attrs>]" or ":<weight>[,<attrs>]" (id < 0 then); the
 * attributes (the kernel checks them) are kept as given, in attrs.
 */
static int parse_grp(const char *s, long long *id, unsigned int *w,
		     char *attrs)
{
	const char *colon = strchr(s, ':');
	unsigned long long v;
	char idbuf[32], wbuf[16];
	const char *comma;
	size_t n;

	if (!colon)
		return -1;
	attrs[0] = '\0';
	comma = strchr(colon + 1, ',');
	if (comma) {
		n = (size_t)(comma - colon - 1);
		if (n >= sizeof(wbuf) || !comma[1] ||
		    strlen(comma + 1) >= BAND_ATTRS_MAX ||
		    strspn(comma + 1, "abcdefghijklmnopqrstuvwxyz_0123456789=,") !=
		    strlen(comma + 1))
			return -1;
		memcpy(wbuf, colon + 1, n);
		wbuf[n] = '\0';
		snprintf(attrs, BAND_ATTRS_MAX, "%s", comma + 1);
		if (parse_weight(wbuf, w))
			return -1;
	} else if (parse_weight(colon + 1, w)) {
		return -1;
	}
	n = (size_t)(colon - s);
	if (!n) {
		*id = -1;
		return 0;
	}
	if (n >= sizeof(idbuf))
		return -1;
	memcpy(idbuf, s, n);
	idbuf[n] = '\0';
	if (parse_ull(idbuf, &v) || v > (unsigned long long)LLONG_MAX)
		return -1;
	*id = (long long)v;
	return 0;
}

int band_table_parse(const char *params, struct band_table *t)
{
	struct words w;
	size_t i;
	int opts = 0;
	int r = -1;

	memset(t, 0, sizeof(*t));
	t->dflt_weight = 100;
	t->idle = ~0ull;
	t->inject = -1;
	if (words_split(params, &w))
		return -1;
	if (w.n < 6 || strlen(w.w[0]) >= sizeof(t->dev) ||
	    parse_ull(w.w[1], &t->offset) || !band_group_name_valid(w.w[2]))
		goto out;
	snprintf(t->dev, sizeof(t->dev), "%s", w.w[0]);
	snprintf(t->band_group, sizeof(t->band_group), "%s", w.w[2]);
	t->type = band_type_parse(w.w[3]);
	t->policy = band_policy_parse(w.w[4]);
	if (t->type < 0 || t->policy < 0 || parse_ull(w.w[5], &t->token_base))
		goto out;
	t->grp = calloc(w.n, sizeof(*t->grp));
	if (!t->grp)
		goto out;
	for (i = 6; i < w.n; i++) {
		char attrs[BAND_ATTRS_MAX];
		unsigned int wt;
		long long id;

		if (!strncmp(w.w[i], "idle=", 5)) {
			if (parse_ull(w.w[i] + 5, &t->idle))
				goto out;
			opts = 1;
			continue;
		}
		/* inject=0|1 (work conservation): a band group setting */
		if (!strcmp(w.w[i], "inject=1") || !strcmp(w.w[i], "inject=0")) {
			t->inject = w.w[i][7] - '0';
			opts = 1;
			continue;
		}
		if (opts || parse_grp(w.w[i], &id, &wt, attrs))
			goto out;
		if (id < 0) {
			t->dflt_weight = wt;
			snprintf(t->dflt_attrs, sizeof(t->dflt_attrs), "%s",
				 attrs);
		} else {
			t->grp[t->nr].id = (unsigned long long)id;
			snprintf(t->grp[t->nr].attrs,
				 sizeof(t->grp[t->nr].attrs), "%s", attrs);
			t->grp[t->nr++].weight = wt;
		}
	}
	r = 0;
out:
	words_free(&w);
	if (r)
		band_table_free(t);
	return r;
}

void band_table_free(struct band_table *t)
{
	free(t->grp);
	t->grp = NULL;
	t->nr = 0;
}

unsigned int band_table_weight(const struct band_table *t,
			       unsigned long long id)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->grp[i].id == id)
			return t->grp[i].weight;
	return 0;
}

const char *band_table_attrs(const struct band_table *t,
			     unsigned long long id)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->grp[i].id == id)
			return t->grp[i].attrs;
	return "";
}

/* ------------------------------------------------------------ status */

#define GSTAT_FIELDS 17

static int parse_gstat(char **f, struct band_gstat *g)
{
	unsigned long long v;
	long long tok;

	memset(g, 0, sizeof(*g));
	if (!strcmp(f[0], "default"))
		g->is_default = 1;
	else if (parse_ull(f[0], &g->id))
		return -1;
	if (parse_ull(f[1], &v) || v < 1 || v > BAND_WEIGHT_MAX ||
	    parse_ll(f[2], &tok))
		return -1;
	g->weight = (unsigned int)v;
	g->tokens = tok;
	if (parse_ull(f[3], &g->read_bios) || parse_ull(f[4], &g->read_sectors) ||
	    parse_ull(f[5], &g->write_bios) ||
	    parse_ull(f[6], &g->write_sectors) || parse_ull(f[7], &g->held) ||
	    parse_ull(f[8], &g->held_total) || parse_ull(f[9], &g->in_flight) ||
	    parse_ull(f[10], &g->debt_bios) ||
	    parse_ull(f[11], &g->limit_iops) ||
	    parse_ull(f[12], &g->limit_bps) || parse_ull(f[13], &g->limited) ||
	    parse_ull(f[14], &g->reserve_iops) ||
	    parse_ull(f[15], &g->reserve_bps) || parse_ull(f[16], &g->reserved))
		return -1;
	return 0;
}

int band_status_parse(const char *params, struct band_status *st)
{
	unsigned long long n;
	struct words w;
	size_t i;
	int r = -1;

	memset(st, 0, sizeof(*st));
	if (words_split(params, &w))
		return -1;
	if (w.n < 3 || !band_group_name_valid(w.w[0]) ||
	    parse_ull(w.w[1], &st->epoch) || parse_ull(w.w[2], &n) || n < 1 ||
	    n > (w.n - 3) / GSTAT_FIELDS || w.n != 3 + n * GSTAT_FIELDS)
		goto out;
	snprintf(st->band_group, sizeof(st->band_group), "%s", w.w[0]);
	st->g = calloc(n, sizeof(*st->g));
	if (!st->g)
		goto out;
	for (i = 0; i < n; i++) {
		if (parse_gstat(w.w + 3 + i * GSTAT_FIELDS, &st->g[i]) ||
		    st->g[i].is_default != !i)
			goto out;
		st->nr++;
	}
	r = 0;
out:
	words_free(&w);
	if (r)
		band_status_free(st);
	return r;
}

void band_status_free(struct band_status *st)
{
	free(st->g);
	st->g = NULL;
	st->nr = 0;
}

const struct band_gstat *band_status_find(const struct band_status *st,
					  const struct band_gstat *like)
{
	size_t i;

	for (i = 0; i < st->nr; i++)
		if (st->g[i].is_default == like->is_default &&
		    st->g[i].dev == like->dev &&
		    (like->is_default || st->g[i].id == like->id))
			return &st->g[i];
	return NULL;
}

/* ------------------------------------------------------------ math */

/* A counter's growth; a counter that went down was reset: count from 0. */
static double delta(unsigned long long cur, unsigned long long prev)
{
	return cur >= prev ? (double)(cur - prev) : (double)cur;
}

void band_calc(const struct band_status *cur, const struct band_status *prev,
	       int policy, double secs, struct band_calc *out)
{
	double wsum = 0, tot = 0;
	size_t i;

	for (i = 0; i < cur->nr; i++) {
		const struct band_gstat *g = &cur->g[i];
		const struct band_gstat *p = prev ? band_status_find(prev, g) : NULL;
		struct band_gstat zero = { 0 };
		double bios, sect;

		if (!p)
			p = &zero;
		bios = delta(g->read_bios, p->read_bios) +
		       delta(g->write_bios, p->write_bios);
		sect = delta(g->read_sectors, p->read_sectors) +
		       delta(g->write_sectors, p->write_sectors);
		out[i].active = bios > 0 || g->held || g->in_flight;
		if (out[i].active)
			wsum += g->weight;
		out[i].iops = secs > 0 ? bios / secs : NAN;
		out[i].mbps = secs > 0 ? sect * 512 / 1e6 / secs : NAN;
		out[i].share = policy == BP_IOSIZE ? sect : bios;
		tot += out[i].share;
	}
	for (i = 0; i < cur->nr; i++) {
		out[i].target = out[i].active ?
				cur->g[i].weight * 100.0 / wsum : NAN;
		out[i].share = tot > 0 ? out[i].share * 100.0 / tot : NAN;
	}
}

/* ------------------------------------------------------------ jobs */

static const char *const job_kinds[] = {
	[BT_PID] = "pid", [BT_PGRP] = "pgrp", [BT_UID] = "uid",
	[BT_GID] = "gid", [BT_CGROUP] = "cgroup",
};

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int user_name_valid(const char *s)
{
	if (!*s || *s == '-' || strlen(s) > 256)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-$", *s))
			return 0;
	return 1;
}

static int cgroup_path_valid(const char *s)
{
	const char *p;

	if (*s != '/' || strstr(s, "/../") || strstr(s, "/./"))
		return 0;
	p = strrchr(s, '/');
	if (!strcmp(p, "/..") || !strcmp(p, "/."))
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return 0;
	return 1;
}

/* A systemd unit name: NAME.TYPE, letters, digits and :-_.\@ */
static int unit_name_valid(const char *s)
{
	const char *p;

	if (!*s || *s == '.' || !strchr(s, '.') || strlen(s) > 255)
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(":-_.\\@", *p))
			return 0;
	return 1;
}

int band_job_parse(const char *s, struct band_job *job, char *err,
		   size_t errlen)
{
	const char *colon, *val;
	int kind = -1, i;
	size_t n;

	memset(job, 0, sizeof(*job));
	if (!strcmp(s, "default")) {
		job->is_default = 1;
		return 0;
	}
	colon = strchr(s, ':');
	if (!colon) {
		snprintf(err, errlen, "bad job '%s': expected KIND:VALUE or default",
			 s);
		return -1;
	}
	n = (size_t)(colon - s);
	if (n == 4 && !strncmp(s, "unit", 4)) {
		job->kind = BT_CGROUP;
		job->unit = 1;
		val = colon + 1;
		if (unit_name_valid(val))
			goto name;
		snprintf(err, errlen,
			 "bad job '%s': a unit is a systemd unit's name, such as sshd.service",
			 s);
		return -1;
	}
	for (i = BT_PID; i < BT_NR; i++)
		if (strlen(job_kinds[i]) == n && !strncmp(s, job_kinds[i], n))
			kind = i;
	if (kind < 0) {
		snprintf(err, errlen,
			 "bad job '%s': kind must be uid, gid, pid, pgrp, cgroup or unit",
			 s);
		return -1;
	}
	job->kind = kind;
	val = colon + 1;
	if (all_digits(val)) {
		if (parse_ull(val, &job->id) || !band_id_valid(kind, job->id)) {
			snprintf(err, errlen, "bad job '%s': %s id out of range",
				 s, job_kinds[kind]);
			return -1;
		}
		job->numeric = 1;
		return 0;
	}
	if ((kind == BT_UID || kind == BT_GID) && user_name_valid(val))
		goto name;
	if (kind == BT_CGROUP && cgroup_path_valid(val))
		goto name;
	if (kind == BT_CGROUP)
		snprintf(err, errlen,
			 "bad job '%s': a cgroup is a path from the cgroup2 root, such as /machine.slice",
			 s);
	else if (kind == BT_PID || kind == BT_PGRP)
		snprintf(err, errlen, "bad job '%s': %s must be a number", s,
			 job_kinds[kind]);
	else
		snprintf(err, errlen, "bad job '%s': invalid name", s);
	return -1;
name:
	job->name = strdup(val);
	if (!job->name) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void band_job_free(struct band_job *job)
{
	free(job->name);
	job->name = NULL;
}

void band_cmdline_fmt(char *buf, size_t len)
{
	size_t i;

	while (len && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0' || !isprint((unsigned char)buf[i]))
			buf[i] = ' ';
	buf[len] = '\0';
}

int vglv_split(const char *vglv, char *vg, char *lv, size_t len)
{
	const char *slash = strchr(vglv, '/');
	size_t n;

	if (!slash || slash == vglv || !slash[1] || strchr(slash + 1, '/'))
		return -1;
	n = (size_t)(slash - vglv);
	if (n >= len || strlen(slash + 1) >= len)
		return -1;
	memcpy(vg, vglv, n);
	vg[n] = '\0';
	strcpy(lv, slash + 1);
	return 0;
}

/* A VG name as lvm2 allows it (validate_name()); '#' names are its own. */
static int vg_name_valid(const char *vg)
{
	const char *p;

	if (!*vg || *vg == '-' || !strcmp(vg, ".") || !strcmp(vg, ".."))
		return 0;
	for (p = vg; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+_.-", *p))
			return 0;
	return 1;
}

int lvm_vg_lock_path(const char *dir, const char *vg, char *buf, size_t len)
{
	int n;

	if (!*dir || !vg_name_valid(vg))
		return -1;
	n = snprintf(buf, len, "%s/V_%s", dir, vg);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int lvm_config_value(const char *text, const char *key, char *buf,
		     size_t len)
{
	size_t kl = strlen(key), n;
	const char *p, *v, *end;

	for (p = text; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		p += strspn(p, " \t");
		if (strncmp(p, key, kl) || p[kl] != '=')
			continue;
		v = p + kl + 1;
		n = (size_t)(end - v);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
			v++;
			n -= 2;
		}
		if (!n || n >= len || memchr(v, '"', n))
			return -1;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------ options */

void band_opts_init(struct band_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->type = BT_NONE;
	o->policy = BP_WEIGHT;
	o->idle = 8000;
	o->inject = BAND_INJECT_DFLT;
}

int band_opt_set(struct band_opts *o, const char *key, const char *val,
		 char *err, size_t errlen)
{
	unsigned long long v;

	if (!strcmp(key, "band-group")) {
		if (!band_group_name_valid(val))
			goto bad;
		snprintf(o->band_group, sizeof(o->band_group), "%s", val);
		o->set |= OPT_BG;
	} else if (!strcmp(key, "type")) {
		o->type = band_type_parse(val);
		if (o->type < 0)
			goto bad;
		o->set |= OPT_TYPE;
	} else if (!strcmp(key, "policy")) {
		o->policy = band_policy_parse(val);
		if (o->policy < 0)
			goto bad;
		o->set |= OPT_POLICY;
	} else if (!strcmp(key, "token-base")) {
		if (parse_ull(val, &v) || v > BAND_TOKEN_MAX)
			goto bad;
		o->token_base = v;
		o->set |= OPT_TOKEN;
	} else if (!strcmp(key, "idle")) {
		if (parse_ull(val, &v) || v > BAND_IDLE_MAX)
			goto bad;
		o->idle = v;
		o->set |= OPT_IDLE;
	} else if (!strcmp(key, "inject")) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			goto bad;
		o->inject = val[0] - '0';
		o->set |= OPT_INJECT;
	} else {
		snprintf(err, errlen, "unknown option '%s'", key);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid %s '%s'", key, val);
	return -1;
}

void band_table_opts(const struct band_table *t, struct band_opts *o)
{
	band_opts_init(o);
	o->set = OPT_BG | OPT_TYPE | OPT_POLICY | OPT_TOKEN;
	snprintf(o->band_group, sizeof(o->band_group), "%s", t->band_group);
	o->type = t->type;
	o->policy = t->policy;
	o->token_base = t->token_base;
	if (t->idle != ~0ull) {
		o->set |= OPT_IDLE;
		o->idle = t->idle;
	}
	if (t->inject >= 0) {
		o->set |= OPT_INJECT;
		o->inject = t->inject;
	}
}

void band_params_fmt(struct sbuf *sb, const char *dev,
		     const struct band_opts *o)
{
	sb_printf(sb, "%s 0 %s %s %s %llu", dev, o->band_group,
		  band_type_names[o->type], band_policy_names[o->policy],
		  o->token_base);
	if (o->weights) {
		size_t i;

		sb_printf(sb, " :%u%s%s", o->weights->dflt_weight,
			  o->weights->dflt_attrs[0] ? "," : "",
			  o->weights->dflt_attrs);
		for (i = 0; i < o->weights->nr; i++)
			sb_printf(sb, " %llu:%u%s%s", o->weights->grp[i].id,
				  o->weights->grp[i].weight,
				  o->weights->grp[i].attrs[0] ? "," : "",
				  o->weights->grp[i].attrs);
	}
	if (o->set & OPT_IDLE)
		sb_printf(sb, " idle=%llu", o->idle);
	if (o->set & OPT_INJECT)
		sb_printf(sb, " inject=%d", o->inject);
}

/* ------------------------------------------------------------ config */

static int conf_opts(struct conf_entry *e, char **w, size_t n, char *err,
		     size_t errlen)
{
	char msg[256];
	size_t i;

	for (i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');

		if (!eq) {
			snprintf(err, errlen, "line %d: expected OPTION=VALUE, got '%s'",
				 e->line, w[i]);
			return -1;
		}
		*eq = '\0';
		if (band_opt_set(&e->opts, w[i], eq + 1, msg, sizeof(msg))) {
			snprintf(err, errlen, "line %d: %s", e->line, msg);
			return -1;
		}
	}
	return 0;
}

/*
 * A weight line's rates: limit-iops=N, limit-bw=SIZE, reserve-iops=N,
 * reserve-bw=SIZE (bandctl set's options; 0 or none: none).
 */
static int conf_rates(struct conf_entry *e, char **w, size_t n, char *err,
		      size_t errlen)
{
	static const char *const keys[BAND_NR_RATES] = {
		"limit-iops", "limit-bw", "reserve-iops", "reserve-bw",
	};
	unsigned long long v;
	size_t i, k;
	char *eq;

	for (i = 0; i < n; i++) {
		eq = strchr(w[i], '=');
		for (k = 0; eq && k < BAND_NR_RATES; k++)
			if (strlen(keys[k]) == (size_t)(eq - w[i]) &&
			    !strncmp(w[i], keys[k], (size_t)(eq - w[i])))
				break;
		if (!eq || k == BAND_NR_RATES) {
			snprintf(err, errlen,
				 "line %d: expected limit-iops=, limit-bw=, reserve-iops= or reserve-bw=, got '%s'",
				 e->line, w[i]);
			return -1;
		}
		/* IOPS are plain counts; bandwidths may have K, M, G, T */
		v = 0;
		if (strcmp(eq + 1, "none") &&
		    (k % 2 == 0 ? parse_ull(eq + 1, &v) || v > BAND_LIMIT_MAX :
		     parse_limit(eq + 1, &v))) {
			snprintf(err, errlen, "line %d: invalid %s '%s'",
				 e->line, keys[k], eq + 1);
			return -1;
		}
		e->rate[k] = v;
	}
	return 0;
}

static int conf_line(char *line, int lineno, struct conf_entry *e, char *err,
		     size_t errlen)
{
	struct band_job job;
	char msg[256];
	struct words w;
	int r = -1;

	memset(e, 0, sizeof(*e));
	e->line = lineno;
	band_opts_init(&e->opts);
	if (words_split(line, &w)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!strcmp(w.w[0], "create") && w.n >= 3) {
		e->kind = CONF_CREATE;
		e->name = strdup(w.w[1]);
		e->dev = strdup(w.w[2]);
		if (!e->name || !e->dev)
			goto nomem;
		r = conf_opts(e, w.w + 3, w.n - 3, err, errlen);
	} else if (!strcmp(w.w[0], "wrap") && w.n >= 2) {
		char vg[128], lv[128];

		e->kind = CONF_WRAP;
		if (vglv_split(w.w[1], vg, lv, sizeof(vg))) {
			snprintf(err, errlen, "line %d: expected VG/LV, got '%s'",
				 lineno, w.w[1]);
			goto out;
		}
		e->name = strdup(w.w[1]);
		if (!e->name)
			goto nomem;
		r = conf_opts(e, w.w + 2, w.n - 2, err, errlen);
	} else if (!strcmp(w.w[0], "weight") && w.n >= 4) {
		e->kind = CONF_WEIGHT;
		if (band_job_parse(w.w[2], &job, msg, sizeof(msg))) {
			snprintf(err, errlen, "line %d: %s", lineno, msg);
			goto out;
		}
		band_job_free(&job);
		if (parse_weight(w.w[3], &e->weight)) {
			snprintf(err, errlen, "line %d: invalid weight '%s'",
				 lineno, w.w[3]);
			goto out;
		}
		if (conf_rates(e, w.w + 4, w.n - 4, err, errlen))
			goto out;
		e->name = strdup(w.w[1]);
		e->job = strdup(w.w[2]);
		if (!e->name || !e->job)
			goto nomem;
		r = 0;
	} else {
		snprintf(err, errlen,
			 "line %d: expected 'create NAME DEV [OPT=VAL...]', 'wrap VG/LV [OPT=VAL...]' or 'weight NAME JOB WEIGHT [RATE=VAL...]'",
			 lineno);
	}
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	words_free(&w);
	return r;
}

static void conf_entry_free(struct conf_entry *e)
{
	free(e->name);
	free(e->dev);
	free(e->job);
}

int conf_parse(const char *text, struct conf *c, char *err, size_t errlen)
{
	char *copy, *line, *next, *hash;
	int lineno = 0, r = 0;

	memset(c, 0, sizeof(*c));
	copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (line = copy; line && !r; line = next) {
		struct conf_entry *ne;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (!line[strspn(line, " \t\r")])
			continue;
		ne = realloc(c->e, (c->n + 1) * sizeof(*c->e));
		if (!ne) {
			snprintf(err, errlen, "out of memory");
			r = -1;
			break;
		}
		c->e = ne;
		r = conf_line(line, lineno, &c->e[c->n], err, errlen);
		if (r)
			conf_entry_free(&c->e[c->n]);
		else
			c->n++;
	}
	free(copy);
	if (r)
		conf_free(c);
	return r;
}

void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		conf_entry_free(&c->e[i]);
	free(c->e);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ views */

void band_id_fmt(char *buf, size_t len, const struct band_gstat *g)
{
	if (g->is_default)
		snprintf(buf, len, "default");
	else
		snprintf(buf, len, "%llu", g->id);
}

void str_mid_cut(char *buf, size_t len, const char *s, size_t max)
{
	size_t n = strlen(s), head, tail;

	if (!max || n <= max || max < 5) {
		snprintf(buf, len, "%s", s);
		return;
	}
	tail = (max - 3) / 2;
	head = max - 3 - tail;
	snprintf(buf, len, "%.*s...%s", (int)head, s, s + n - tail);
}

void band_view_title(struct sbuf *sb, const struct band_view *v)
{
	if (v->devs)
		sb_printf(sb, "band group %s, policy %s, epoch %llu\n",
			  v->st->band_group, band_policy_names[v->t->policy],
			  v->st->epoch);
	else
		sb_printf(sb, "%s: band group %s, type %s, policy %s, epoch %llu\n",
			  v->name, v->st->band_group,
			  band_type_names[v->t->type],
			  band_policy_names[v->t->policy], v->st->epoch);
}

static void json_key_str(struct sbuf *sb, const char *key, const char *val)
{
	sb_printf(sb, "\"%s\":", key);
	sb_json_str(sb, val);
}

static void json_key_num(struct sbuf *sb, const char *key, double val)
{
	sb_printf(sb, "\"%s\":", key);
	sb_json_num(sb, val);
}

void band_view_json(struct sbuf *sb, const struct band_view *v)
{
	size_t i;

	sb_printf(sb, "{");
	if (!v->devs) {
		json_key_str(sb, "name", v->name);
		sb_printf(sb, ",");
	}
	json_key_str(sb, "band_group", v->st->band_group);
	sb_printf(sb, ",");
	if (!v->devs) {
		json_key_str(sb, "type", band_type_names[v->t->type]);
		sb_printf(sb, ",");
	}
	json_key_str(sb, "policy", band_policy_names[v->t->policy]);
	sb_printf(sb, ",\"token_base\":%llu,\"idle_us\":", v->t->token_base);
	if (v->t->idle == ~0ull)
		sb_printf(sb, "null");
	else
		sb_printf(sb, "%llu", v->t->idle);
	sb_printf(sb, ",\"inject\":");
	if (v->t->inject < 0)
		sb_printf(sb, "null");
	else
		sb_printf(sb, "%d", v->t->inject);
	sb_printf(sb, ",\"epoch\":%llu,", v->st->epoch);
	json_key_num(sb, "since", v->since < 0 ? NAN : v->since);
	sb_printf(sb, ",");
	json_key_num(sb, "seconds", v->secs <= 0 ? NAN : v->secs);
	sb_printf(sb, ",\"groups\":[");
	for (i = 0; i < v->st->nr; i++) {
		const struct band_gstat *g = &v->st->g[i];
		const struct band_calc *k = &v->calc[i];
		char id[32];

		band_id_fmt(id, sizeof(id), g);
		sb_printf(sb, "%s\n{", i ? "," : "");
		if (v->devs) {
			json_key_str(sb, "device", v->devs[g->dev]);
			sb_printf(sb, ",");
		}
		json_key_str(sb, "id", id);
		sb_printf(sb, ",");
		json_key_str(sb, "job", v->jobs[i]);
		sb_printf(sb, ",\"weight\":%u,\"tokens\":%lld,", g->weight,
			  g->tokens);
		json_key_num(sb, "target_share", k->target);
		sb_printf(sb, ",");
		json_key_num(sb, "share", k->share);
		sb_printf(sb, ",");
		json_key_num(sb, "iops", k->iops);
		sb_printf(sb, ",");
		json_key_num(sb, "mbps", k->mbps);
		sb_printf(sb, ",\"read_bios\":%llu,\"read_sectors\":%llu",
			  g->read_bios, g->read_sectors);
		sb_printf(sb, ",\"write_bios\":%llu,\"write_sectors\":%llu",
			  g->write_bios, g->write_sectors);
		sb_printf(sb, ",\"held\":%llu,\"held_total\":%llu,\"in_flight\":%llu",
			  g->held, g->held_total, g->in_flight);
		sb_printf(sb, ",\"debt_bios\":%llu", g->debt_bios);
		sb_printf(sb, ",\"limit_iops\":%llu,\"limit_bps\":%llu,\"limited\":%llu",
			  g->limit_iops, g->limit_bps, g->limited);
		sb_printf(sb, ",\"reserve_iops\":%llu,\"reserve_bps\":%llu,\"reserved\":%llu",
			  g->reserve_iops, g->reserve_bps, g->reserved);
		sb_printf(sb, ",\"active\":%s}", k->active ? "true" : "false");
	}
	sb_printf(sb, "\n]}\n");
}
