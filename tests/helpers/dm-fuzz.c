// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-fuzz: feed malformed and hostile table lines and messages to the band
 * target through the device-mapper ioctls, and check every answer against
 * a model of the target's parser.
 *
 *   dm-fuzz --seed S --cases N --dev /dev/ram0 [--held NAME] [--big N]
 *           [--verbose] [--dry-run]
 *
 * --dev is a scratch block device (a RAM disk) that dm-fuzz owns.  It
 * creates two devices over it: dm-fuzz-t, which never gets a live table
 * (each table case is loaded into its inactive slot with DM_TABLE_LOAD,
 * read back with DM_TABLE_STATUS and cleared with DM_TABLE_CLEAR), and
 * dm-fuzz-m, a live band device that receives message cases
 * (DM_TARGET_MSG) in several states: no groups, groups, type none,
 * suspended, and (--full) 131072 groups, the limit.  Some table cases
 * are reloads of dm-fuzz-m (the constructor's reload path).  --held NAME is an
 * existing band device with fio running on it (tests/integration/46-fuzz.sh
 * makes one with weight 1 and token_base 1): it receives message cases
 * while bios are held, and while it is suspended.  --big N: that many
 * cases with 10,000 to 131,076 groups, spread over the run; --full adds
 * the cases of exactly 131072 groups (a line that loads, and the message
 * device full), which take minutes under KASAN.
 *
 * Every case is generated here from the seed: a valid line mutated (fields
 * missing or extra; numbers at 0, 1, 2^31-1, 2^32-1, 2^63-1, 2^64-1, every
 * field's own limits and one past each, signed, padded, overflowing, with
 * junk after them; non-ASCII bytes; separators and backslash escapes;
 * overlong names and ids; duplicates; unknown types, policies, options and
 * verbs).  A model of device-mapper's word splitting and of the target's
 * parser says whether the kernel must accept it and, if not, with which
 * error: the reason must appear in the kernel log (read from /dev/kmsg
 * after each case), and an accepted line must read back exactly as the
 * target prints it (defaults added, groups sorted).  An accepted message
 * must change the device's table line as the model says.  Anything else
 * is a failure, printed with the seed, the case index and the line.
 *
 * Replay: the seed is printed first; the same seed, options and devices
 * give the same cases (--verbose prints each; --cases I+1 stops after case
 * I).  --dry-run prints the cases and what the model expects without
 * touching the kernel.  Exit status: 0 if every case went as expected, 1
 * on any failure, 2 on a setup error.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

typedef unsigned long long u64;
typedef unsigned int u32;

#define MAX_GROUPS	131072U
#define WEIGHT_MAX	1000000U
#define TOKEN_MAX	1073741824ULL
#define IDLE_MAX	1000000U
#define PID_MAX		4194304U
#define NAME_MAX_LEN	31
#define ID_LEN		24
#define NOPT		2
#define KEEPER_UID	1234	/* 46-fuzz.sh's reader beside the held fio */
#define NLIM		4		/* a group's caps and reservations */
#define LIMIT_MAX	1125899906842624ULL	/* 2^50 per second */
#define ATTR_LEN	64		/* band_parse_attrs()'s buffer */
#define WBUF_LEN	16		/* band_parse_group()'s weight buffer */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ utilities */

static u64 rng;

/* splitmix64 */
static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 below(u64 n)
{
	return n ? rnd() % n : 0;
}

static bool pct(unsigned int p)
{
	return below(100) < p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "dm-fuzz: out of memory\n");
		exit(2);
	}
	return p;
}

struct sb {
	char *s;
	size_t len, cap;
};

static void sb_need(struct sb *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
}

static void sb_clear(struct sb *b)
{
	sb_need(b, 0);
	b->len = 0;
	b->s[0] = '\0';
}

static void sb_add(struct sb *b, const char *s, size_t n)
{
	sb_need(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_put(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_putc(struct sb *b, char c)
{
	sb_add(b, &c, 1);
}

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_need(b, n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* Print @s with bytes outside printable ASCII (and backslash) as \xNN. */
static void print_escaped(FILE *f, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++) {
		unsigned char c = s[i];

		if (c < ' ' || c >= 127 || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	if (s[i])
		fprintf(f, "...(%zu bytes)", strlen(s));
}

/* ------------------------------------------------- the kernel's rules */

/* The kernel's isspace() and isalnum(): Latin-1, not ASCII. */
static bool k_isspace(unsigned char c)
{
	return (c >= 9 && c <= 13) || c == ' ' || c == 0xa0;
}

static bool k_isalnum(unsigned char c)
{
	return isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= 192 && c != 215 && c != 247);
}

/* ASCII case folding: enough to compare with the target's ASCII verbs. */
static int k_strcasecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);

		if ((unsigned char)*a >= 128)
			x = (unsigned char)*a;
		if (x != y || !x)
			return x - y;
	}
}

/* The words device-mapper's dm_split_args() makes of a line. */
struct words {
	char **v;
	unsigned int n, cap;
	char *buf;
	size_t bufcap;
};

static void split(struct words *w, const char *line)
{
	size_t len = strlen(line);
	char *start, *end, *out;

	if (len + 1 > w->bufcap) {
		w->bufcap = len + 1;
		w->buf = xrealloc(w->buf, w->bufcap);
	}
	memcpy(w->buf, line, len + 1);
	w->n = 0;
	end = w->buf;
	for (;;) {
		start = end;
		while (k_isspace(*start))
			start++;
		if (!*start)
			break;
		end = start;
		out = start;
		while (*end) {
			if (*end == '\\' && end[1]) {
				*out++ = end[1];
				end += 2;
				continue;
			}
			if (k_isspace(*end))
				break;
			*out++ = *end++;
		}
		if (*end)
			end++;
		*out = '\0';
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 64;
			w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
		}
		w->v[w->n++] = start;
	}
}

/* kstrtoull(s, 10): one leading '+', digits, one trailing '\n', no overflow. */
static int k_strtoull(const char *s, u64 *v)
{
	u64 r = 0;
	const char *p = s;
	bool over = false;

	if (*p == '+')
		p++;
	if (!(*p >= '0' && *p <= '9'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = *p - '0';

		if (r > (UINT64_MAX - d) / 10)
			over = true;
		r = r * 10 + d;
	}
	if (over)
		return -1;
	if (*p == '\n')
		p++;
	if (*p)
		return -1;
	*v = r;
	return 0;
}

/* ------------------------------------------------------------ the model */

enum { T_NONE, T_PID, T_PGRP, T_UID, T_GID, T_CGROUP, NR_TYPES };
static const char *const type_names[NR_TYPES] = {
	"none", "pid", "pgrp", "uid", "gid", "cgroup",
};

static const char *const policy_names[2] = { "weight", "weight-iosize" };

/* A group's attributes, in the order the table line prints them. */
static const char *const lim_names[NLIM] = {
	"limit_iops", "limit_bps", "reserve_iops", "reserve_bps",
};

struct grp {
	u64 id;
	u32 w;
	u64 lim[NLIM];		/* 0: none */
};

/* A band target's configuration, as its table line says. */
struct cfg {
	char name[NAME_MAX_LEN + 1];
	int type, policy;
	u64 token;
	u32 idle, dw;
	u64 dlim[NLIM];		/* the default group's attributes */
	bool inject;
	struct grp *g;		/* sorted by id */
	size_t ng, cap;
};

static void cfg_free(struct cfg *c)
{
	free(c->g);
	memset(c, 0, sizeof(*c));
}

static void cfg_copy(struct cfg *d, const struct cfg *s)
{
	struct grp *g = d->g;
	size_t cap = d->cap;

	if (cap < s->ng) {
		cap = s->ng;
		g = xrealloc(g, cap * sizeof(*g));
	}
	*d = *s;
	d->g = g;
	d->cap = cap;
	if (s->ng)
		memcpy(d->g, s->g, s->ng * sizeof(*g));
}

static void cfg_append(struct cfg *c, u64 id, u32 w)
{
	if (c->ng == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->g = xrealloc(c->g, c->cap * sizeof(*c->g));
	}
	c->g[c->ng].id = id;
	c->g[c->ng].w = w;
	memset(c->g[c->ng].lim, 0, sizeof(c->g[c->ng].lim));
	c->ng++;
}

static size_t cfg_lower_bound(const struct cfg *c, u64 id)
{
	size_t lo = 0, hi = c->ng;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->g[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct grp *cfg_find(struct cfg *c, u64 id)
{
	size_t i = cfg_lower_bound(c, id);

	return i < c->ng && c->g[i].id == id ? &c->g[i] : NULL;
}

static void cfg_insert(struct cfg *c, u64 id, u32 w)
{
	size_t i = cfg_lower_bound(c, id);

	cfg_append(c, 0, 0);
	memmove(&c->g[i + 1], &c->g[i], (c->ng - 1 - i) * sizeof(*c->g));
	c->g[i].id = id;
	c->g[i].w = w;
	memset(c->g[i].lim, 0, sizeof(c->g[i].lim));
}

static void cfg_remove(struct cfg *c, u64 id)
{
	size_t i = cfg_lower_bound(c, id);

	memmove(&c->g[i], &c->g[i + 1], (c->ng - i - 1) * sizeof(*c->g));
	c->ng--;
}

static int grp_cmp(const void *a, const void *b)
{
	const struct grp *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static bool id_ok(int type, u64 v)
{
	switch (type) {
	case T_PID:
	case T_PGRP:
		return v >= 1 && v <= PID_MAX;
	case T_UID:
	case T_GID:
		return v < UINT32_MAX;
	case T_CGROUP:
		return v && v != UINT64_MAX;
	}
	return false;
}

static int parse_id(const char *s, int type, u64 *id)
{
	return k_strtoull(s, id) || !id_ok(type, *id) ? -1 : 0;
}

static int parse_weight(const char *s, u32 *w)
{
	u64 v;

	if (k_strtoull(s, &v) || v < 1 || v > WEIGHT_MAX)
		return -1;
	*w = v;
	return 0;
}

static int lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* Split "<id>:<weight>": -1 if the id is too long; *wstr NULL if no colon. */
static int split_group(const char *arg, char *id, const char **wstr)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

	if (len >= ID_LEN)
		return -1;
	memcpy(id, arg, len);
	id[len] = '\0';
	*wstr = colon ? colon + 1 : NULL;
	return 0;
}

/* What the kernel must do with a case. */
struct expect {
	bool ok;
	const char *why;	/* refused: the reason (for the figures) */
	struct sb text;		/* refused: what the kernel log must say */
	struct cfg cfg;		/* accepted: the configuration */
	char lower[32];		/* accepted table: the device below */
	u64 off;
	bool stats;		/* accepted message that prints a result */
	bool attrs;		/* a table line's group word has attributes */
};

static void refuse(struct expect *e, const char *why)
{
	e->ok = false;
	e->why = why;
	sb_clear(&e->text);
	sb_put(&e->text, "band: ");
	sb_put(&e->text, why);
}

static const char attr_bad[] =
	"Invalid group attribute: <key>=<value> expected";

/*
 * band_parse_attrs(): "<key>=<value>[,<key>=<value>...]", each key at most
 * once, values 0..2^50.  The keys given go into @lim, and into *@set as
 * bits.  Returns NULL, or the kernel's error.
 */
static const char *parse_attrs(const char *s, u64 *lim, unsigned int *set)
{
	char buf[ATTR_LEN];
	const char *end, *eq;
	size_t len, klen;
	unsigned int k;
	u64 v;

	*set = 0;
	if (!*s)
		return attr_bad;
	while (*s) {
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		len = end - s;
		eq = memchr(s, '=', len);
		if (!eq || len >= sizeof(buf))
			return attr_bad;
		klen = eq - s;
		for (k = 0; k < NLIM; k++)
			if (strlen(lim_names[k]) == klen &&
			    !strncmp(s, lim_names[k], klen))
				break;
		if (k == NLIM)
			return "Unknown group attribute: {limit,reserve}_{iops,bps} expected";
		if (*set & (1U << k))
			return "Group attribute given twice";
		memcpy(buf, eq + 1, len - klen - 1);
		buf[len - klen - 1] = '\0';
		if (k_strtoull(buf, &v) || v > LIMIT_MAX)
			return "Invalid limit or reservation: 0 to 2^50 per second expected";
		lim[k] = v;
		*set |= 1U << k;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return attr_bad;
	}
	return NULL;
}

/*
 * The constructor's parsing, band_parse_ctr_args(): fills @c and returns
 * true, or refuses @e and returns false.
 */
static bool parse_line(struct words *w, struct cfg *c, u64 *off,
		       struct expect *e)
{
	bool have_default = false, have_idle = false, have_inject = false;
	unsigned int i, set;
	char id[ID_LEN], wbuf[WBUF_LEN];
	const char *s, *wstr, *comma, *err;
	u64 v, lim[NLIM];
	u32 wt;
	size_t len;

	c->ng = 0;
	c->dw = 100;
	memset(c->dlim, 0, sizeof(c->dlim));
	e->attrs = false;
	c->idle = 8000;
	c->inject = true;	/* the default: injection on */
	if (w->n < 6) {
		refuse(e, "Not enough arguments");
		return false;
	}
	if (!*w->v[0]) {
		refuse(e, "Empty device path");
		return false;
	}
	if (k_strtoull(w->v[1], off)) {
		refuse(e, "Invalid offset");
		return false;
	}
	s = w->v[2];
	len = strlen(s);
	if (len > NAME_MAX_LEN) {
		refuse(e, "Band group name too long");
		return false;
	}
	/* ASCII letters and digits only (not the Latin-1 of isalnum()) */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 128 ||
		    (!k_isalnum(s[i]) && !strchr("_.:-", s[i])))
			break;
	if (!len || i < len) {
		refuse(e, "Invalid band group name");
		return false;
	}
	strcpy(c->name, s);
	c->type = lookup(w->v[3], type_names, NR_TYPES);
	if (c->type < 0) {
		refuse(e, "Unknown type");
		return false;
	}
	c->policy = lookup(w->v[4], policy_names, 2);
	if (c->policy < 0) {
		refuse(e, "Unknown policy");
		return false;
	}
	if (k_strtoull(w->v[5], &c->token) || c->token > TOKEN_MAX) {
		refuse(e, "Invalid token_base");
		return false;
	}
	if (w->n - 6 > MAX_GROUPS + 1 + NOPT) {
		refuse(e, "Too many groups");
		return false;
	}
	for (i = 6; i < w->n; i++) {
		s = w->v[i];
		/* a group has a colon (and may have attributes with '=') */
		if (strchr(s, '=') && !strchr(s, ':')) {
			if (!strncmp(s, "inject=", 7)) {
				if (have_inject) {
					refuse(e, "Option inject given twice");
					return false;
				}
				have_inject = true;
				if (strcmp(s + 7, "0") && strcmp(s + 7, "1")) {
					refuse(e, "Invalid inject");
					return false;
				}
				c->inject = s[7] == '1';
				continue;
			}
			if (strncmp(s, "idle=", 5)) {
				refuse(e, "Unknown option");
				return false;
			}
			if (have_idle) {
				refuse(e, "Option idle given twice");
				return false;
			}
			have_idle = true;
			if (k_strtoull(s + 5, &v) || v > IDLE_MAX) {
				refuse(e, "Invalid idle");
				return false;
			}
			c->idle = v;
			continue;
		}
		if (have_idle || have_inject) {
			refuse(e, "Groups must come before options");
			return false;
		}
		if (split_group(s, id, &wstr) || !wstr) {
			refuse(e, "Invalid group: <id>:<weight> or :<weight> expected");
			return false;
		}
		/* band_parse_group(): the attributes before the weight */
		memset(lim, 0, sizeof(lim));
		comma = strchr(wstr, ',');
		if (comma) {
			e->attrs = true;
			if (comma - wstr >= WBUF_LEN) {
				refuse(e, "Invalid weight");
				return false;
			}
			memcpy(wbuf, wstr, comma - wstr);
			wbuf[comma - wstr] = '\0';
			wstr = wbuf;
			err = parse_attrs(comma + 1, lim, &set);
			if (err) {
				refuse(e, err);
				return false;
			}
		}
		if (parse_weight(wstr, &wt)) {
			refuse(e, "Invalid weight");
			return false;
		}
		if (!*id) {
			if (have_default) {
				refuse(e, "Default group given twice");
				return false;
			}
			have_default = true;
			c->dw = wt;
			memcpy(c->dlim, lim, sizeof(lim));
			continue;
		}
		if (c->type == T_NONE) {
			refuse(e, "Type none has no groups");
			return false;
		}
		if (parse_id(id, c->type, &v)) {
			refuse(e, "Invalid group id for this type");
			return false;
		}
		cfg_append(c, v, wt);
		memcpy(c->g[c->ng - 1].lim, lim, sizeof(lim));
	}
	if (c->ng > MAX_GROUPS) {
		refuse(e, "Too many groups");
		return false;
	}
	qsort(c->g, c->ng, sizeof(*c->g), grp_cmp);
	for (i = 1; i < c->ng; i++) {
		if (c->g[i].id == c->g[i - 1].id) {
			refuse(e, "Duplicate group id");
			return false;
		}
	}
	return true;
}

/* The devices dm-fuzz knows: what a path resolves to, sizes, band tables. */
struct bdev {
	const char *label;
	char name[DM_NAME_LEN];
	char devstr[32];	/* major:minor */
	dev_t devt;
	u64 size;		/* sectors; 0 without a live table */
	bool band;		/* has a live band table (cfg, lower) */
	bool suspended;
	char lower[32];
	dev_t lowert;
	struct cfg cfg;
};

static struct bdev ram, tdev, mdev, hdev;
static bool have_held;
/*
 * dm-fuzz-t's disk is added (and can be opened as a device below) only
 * once a table has been loaded into it.
 */
static bool tdev_added;
static struct bdev *const devs[] = { &ram, &tdev, &mdev, &hdev };

struct path {
	char s[160];
	struct bdev *dev;	/* NULL: the lookup fails */
};

static struct path paths[16];
static unsigned int npaths;

static void path_add(const char *s, struct bdev *dev)
{
	snprintf(paths[npaths].s, sizeof(paths[npaths].s), "%s", s);
	paths[npaths++].dev = dev;
}

static struct bdev *dev_by_devt(dev_t d)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(devs); i++)
		if (devs[i]->devstr[0] && devs[i]->devt == d)
			return devs[i];
	return NULL;
}

/* band_bg_below(): a band device of group @name at @d or below it. */
static bool bg_below(const char *name, dev_t d, int depth)
{
	struct bdev *b = dev_by_devt(d);

	if (depth > 16 || !b || !b->band)
		return false;
	return !strcmp(b->cfg.name, name) || bg_below(name, b->lowert, depth + 1);
}

/* band_dev_below(): is @d at or below @from, through band devices? */
static bool dev_below(dev_t d, dev_t from, int depth)
{
	struct bdev *b;

	if (from == d)
		return true;
	if (depth > 16)
		return false;
	b = dev_by_devt(from);
	return b && b->band && dev_below(d, b->lowert, depth + 1);
}

/*
 * A table line loaded into @target's inactive slot, its only target, of
 * @len sectors: band_ctr() after dm_split_args().
 */
static void table_model(struct words *w, struct bdev *target, u64 len,
			struct expect *e)
{
	struct cfg *c = &e->cfg;
	struct bdev *lower = NULL, *other = NULL;
	unsigned int i;
	u64 off;

	e->stats = false;
	if (!parse_line(w, c, &off, e))
		return;
	for (i = 0; i < npaths; i++)
		if (!strcmp(paths[i].s, w->v[0]))
			lower = paths[i].dev;
	if (!lower || lower == target || (lower == &tdev && !tdev_added)) {
		refuse(e, "Device lookup failed");
		return;
	}
	if (off >= lower->size || len > lower->size - off) {
		refuse(e, "Device too small for offset and length");
		return;
	}
	/* band_stacked_on_itself() */
	if (bg_below(c->name, lower->devt, 0)) {
		refuse(e, "Band device over a band device of the same band group");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(devs); i++) {
		struct bdev *b = devs[i];

		if (b == target || !b->band || strcmp(b->cfg.name, c->name))
			continue;
		if (dev_below(target->devt, b->lowert, 0)) {
			refuse(e, "Band device over a band device of the same band group");
			return;
		}
		other = b;
	}
	if (other && (other->cfg.policy != c->policy ||
		      other->cfg.token != c->token ||
		      other->cfg.idle != c->idle ||
		      other->cfg.inject != c->inject)) {
		refuse(e, "Band group settings differ");
		return;
	}
	e->ok = true;
	e->why = NULL;
	snprintf(e->lower, sizeof(e->lower), "%s", lower->devstr);
	e->off = off;
}

/* A group's attributes that are set, as band_emit_attrs() prints them. */
static void emit_attrs(struct sb *b, const u64 *lim)
{
	unsigned int k;

	for (k = 0; k < NLIM; k++)
		if (lim[k])
			sb_printf(b, ",%s=%llu", lim_names[k], lim[k]);
}

/* The line the target prints for a configuration. */
static void emit_table(struct sb *b, const char *lower, u64 off,
		       const struct cfg *c)
{
	size_t i;

	sb_clear(b);
	sb_printf(b, "%s %llu %s %s %s %llu :%u", lower, off,
		  c->name, type_names[c->type], policy_names[c->policy],
		  c->token, c->dw);
	emit_attrs(b, c->dlim);
	for (i = 0; i < c->ng; i++) {
		sb_printf(b, " %llu:%u", c->g[i].id, c->g[i].w);
		emit_attrs(b, c->g[i].lim);
	}
	sb_printf(b, " idle=%u", c->idle);
	if (!c->inject)
		sb_put(b, " inject=0");
}

static void refuse_msg(struct expect *e, const char *why, const char *arg,
		       const char *tail)
{
	refuse(e, why);
	if (arg) {
		sb_put(&e->text, arg);
		sb_put(&e->text, tail);
	}
}

/* A message to the band device @d: band_message(). */
static void msg_model(struct words *w, struct bdev *d, struct expect *e)
{
	struct cfg *c = &e->cfg;
	char id[ID_LEN], what[96];
	const char *verb, *arg, *wstr;
	struct grp *g;
	u64 v;
	u32 wt;
	int t;

	cfg_copy(c, &d->cfg);
	e->ok = false;
	e->stats = false;
	if (!w->n) {
		e->why = "Empty message";
		sb_clear(&e->text);
		sb_put(&e->text, "Empty message received");
		return;
	}
	verb = w->v[0];
	if (w->n == 1 && !k_strcasecmp(verb, "reset")) {
		e->ok = true;
		return;
	}
	if (w->n == 1 && !k_strcasecmp(verb, "stats")) {
		e->ok = true;
		e->stats = true;
		return;
	}
	if (w->n != 2) {
		refuse(e, "invalid message: see Documentation/dm-band.rst");
		return;
	}
	arg = w->v[1];
	snprintf(what, sizeof(what), "%s id ", type_names[c->type]);
	if (!k_strcasecmp(verb, "attach")) {
		wt = 100;
		if (c->type == T_NONE) {
			refuse(e, "attach: type none has no groups");
			return;
		}
		if (split_group(arg, id, &wstr) || parse_id(id, c->type, &v)) {
			refuse_msg(e, "attach: invalid ", what, "in '");
			sb_put(&e->text, arg);
			sb_put(&e->text, "'");
			return;
		}
		if (wstr && parse_weight(wstr, &wt)) {
			refuse_msg(e, "attach: invalid weight '", wstr, "'");
			return;
		}
		if (c->ng >= MAX_GROUPS) {
			refuse(e, "attach: too many groups");
			return;
		}
		if (cfg_find(c, v)) {
			refuse(e, "attach: group ");
			sb_printf(&e->text, "%llu is already attached", v);
			return;
		}
		cfg_insert(c, v, wt);
		e->ok = true;
	} else if (!k_strcasecmp(verb, "detach")) {
		if (parse_id(arg, c->type, &v)) {
			refuse_msg(e, "detach: invalid ", what, "'");
			sb_put(&e->text, arg);
			sb_put(&e->text, "'");
			return;
		}
		if (!cfg_find(c, v)) {
			refuse(e, "detach: no group ");
			sb_printf(&e->text, "%llu attached", v);
			return;
		}
		cfg_remove(c, v);
		e->ok = true;
	} else if (!k_strcasecmp(verb, "weight")) {
		u32 *target = &c->dw;

		if (split_group(arg, id, &wstr)) {
			refuse_msg(e, "weight: invalid argument '", arg, "'");
			return;
		}
		if (!wstr) {
			wstr = arg;
		} else if (*id) {
			if (parse_id(id, c->type, &v)) {
				refuse_msg(e, "weight: invalid ", what, "'");
				sb_put(&e->text, id);
				sb_put(&e->text, "'");
				return;
			}
			g = cfg_find(c, v);
			if (!g) {
				refuse(e, "weight: no group ");
				sb_printf(&e->text, "%llu attached", v);
				return;
			}
			target = &g->w;
		}
		if (parse_weight(wstr, &wt)) {
			refuse_msg(e, "weight: invalid weight '", wstr, "'");
			return;
		}
		*target = wt;
		e->ok = true;
	} else if (!k_strcasecmp(verb, "limit") ||
		   !k_strcasecmp(verb, "reserve")) {
		/* band_msg_limit(): the verb is logged as it was given */
		u64 *target = c->dlim, lim[NLIM] = { 0 };
		const char *attrs, *err;
		unsigned int k, set;

		if (!strchr(arg, ':')) {
			attrs = arg;	/* the default group's: may be long */
		} else if (split_group(arg, id, &attrs)) {
			refuse(e, "limit: invalid argument");
			sb_clear(&e->text);
			sb_printf(&e->text, "band: %s: invalid argument '%s': ",
				  verb, arg);
			sb_put(&e->text, "[<id>:]<key>=<value>[,...] expected");
			return;
		} else if (*id) {
			if (parse_id(id, c->type, &v)) {
				refuse(e, "limit: invalid id");
				sb_clear(&e->text);
				sb_printf(&e->text, "band: %s: invalid %s'%s'",
					  verb, what, id);
				return;
			}
			g = cfg_find(c, v);
			if (!g) {
				refuse(e, "limit: no group");
				sb_clear(&e->text);
				sb_printf(&e->text, "band: %s: no group %llu attached",
					  verb, v);
				return;
			}
			target = g->lim;
		}
		err = parse_attrs(attrs, lim, &set);
		if (err) {
			refuse(e, err);
			sb_clear(&e->text);
			sb_printf(&e->text, "band: %s: '%s': %s", verb, attrs,
				  err);
			return;
		}
		for (k = 0; k < NLIM; k++)
			if (set & (1U << k))
				target[k] = lim[k];
		e->ok = true;
	} else if (!k_strcasecmp(verb, "type")) {
		t = lookup(arg, type_names, NR_TYPES);
		if (t < 0) {
			refuse_msg(e, "type: unknown type '", arg, "'");
			return;
		}
		if (c->ng) {
			refuse(e, "type: cannot change the type while groups are attached");
			return;
		}
		c->type = t;
		e->ok = true;
	} else if (!k_strcasecmp(verb, "policy")) {
		t = lookup(arg, policy_names, 2);
		if (t < 0) {
			refuse_msg(e, "policy: unknown policy '", arg, "'");
			return;
		}
		c->policy = t;
		e->ok = true;
	} else if (!k_strcasecmp(verb, "token")) {
		if (k_strtoull(arg, &v) || v > TOKEN_MAX) {
			refuse_msg(e, "token: invalid token_base '", arg, "'");
			return;
		}
		c->token = v;
		e->ok = true;
	} else if (!k_strcasecmp(verb, "idle")) {
		if (k_strtoull(arg, &v) || v > IDLE_MAX) {
			refuse_msg(e, "idle: invalid value '", arg, "'");
			return;
		}
		c->idle = v;
		e->ok = true;
	} else if (!k_strcasecmp(verb, "inject")) {
		if (strcmp(arg, "0") && strcmp(arg, "1")) {
			refuse_msg(e, "inject: invalid value '", arg, "'");
			return;
		}
		c->inject = *arg == '1';
		e->ok = true;
	} else {
		refuse_msg(e, "unknown message '", verb, "'");
	}
}

/* ------------------------------------------------------------ the kernel */

static int ctl_fd = -1, kmsg_fd = -1;
static char *iobuf;
static size_t iobuf_cap;
static bool dry_run, verbose;

static struct dm_ioctl *dm_prep(const char *name, size_t data)
{
	size_t need = sizeof(struct dm_ioctl) + data + 16;
	struct dm_ioctl *io;

	if (need > iobuf_cap) {
		iobuf_cap = need;
		iobuf = xrealloc(iobuf, iobuf_cap);
	}
	memset(iobuf, 0, need);
	io = (struct dm_ioctl *)iobuf;
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = need;
	io->data_start = sizeof(struct dm_ioctl);
	if (name)
		snprintf(io->name, sizeof(io->name), "%s", name);
	return io;
}

static int dm_run(unsigned long cmd, struct dm_ioctl *io)
{
	return ioctl(ctl_fd, cmd, io) ? -errno : 0;
}

static int dm_simple(unsigned long cmd, const char *name, unsigned int flags)
{
	struct dm_ioctl *io = dm_prep(name, 0);

	io->flags = flags;
	return dm_run(cmd, io);
}

static int dm_create(struct bdev *b)
{
	struct dm_ioctl *io = dm_prep(b->name, 0);
	int r = dm_run(DM_DEV_CREATE, io);

	if (r)
		return r;
	b->devt = makedev(major(io->dev), minor(io->dev));
	snprintf(b->devstr, sizeof(b->devstr), "%u:%u", major(b->devt),
		 minor(b->devt));
	return 0;
}

static int dm_load(const char *name, u64 len, const char *params)
{
	size_t plen = strlen(params) + 1;
	struct dm_target_spec *sp;
	struct dm_ioctl *io;

	io = dm_prep(name, sizeof(*sp) + plen);
	io->target_count = 1;
	sp = (struct dm_target_spec *)(iobuf + io->data_start);
	sp->sector_start = 0;
	sp->length = len;
	strcpy(sp->target_type, "band");
	memcpy(sp + 1, params, plen);
	return dm_run(DM_TABLE_LOAD, io);
}

/* The (inactive, if asked) table's first target: its line into @out. */
static int dm_table(const char *name, bool inactive, bool table,
		    struct sb *out, u64 *len, unsigned int *count)
{
	size_t size = 16384;
	struct dm_target_spec *sp;
	struct dm_ioctl *io;
	int r;

	for (;;) {
		io = dm_prep(name, size);
		io->flags = (table ? DM_STATUS_TABLE_FLAG : 0) |
			    (inactive ? DM_QUERY_INACTIVE_TABLE_FLAG : 0);
		r = dm_run(DM_TABLE_STATUS, io);
		if (r)
			return r;
		if (!(io->flags & DM_BUFFER_FULL_FLAG))
			break;
		size *= 4;
	}
	*count = io->target_count;
	sb_clear(out);
	*len = 0;
	if (io->target_count) {
		sp = (struct dm_target_spec *)(iobuf + io->data_start);
		*len = sp->length;
		if (strcmp(sp->target_type, "band"))
			sb_put(out, "(not band) ");
		sb_put(out, (char *)(sp + 1));
	}
	return 0;
}

static int dm_message(const char *name, const char *msg, struct sb *result)
{
	size_t mlen = strlen(msg) + 1;
	struct dm_target_msg *tm;
	struct dm_ioctl *io;
	int r;

	io = dm_prep(name, sizeof(*tm) + mlen + 8192);
	tm = (struct dm_target_msg *)(iobuf + io->data_start);
	tm->sector = 0;
	memcpy(tm->message, msg, mlen);
	r = dm_run(DM_TARGET_MSG, io);
	sb_clear(result);
	if (!r && (io->flags & DM_DATA_OUT_FLAG))
		sb_put(result, iobuf + io->data_start);
	return r;
}

/* ------------------------------------------------------------ kernel log */

static const char *const reports[] = {
	"BUG:", "WARNING:", "Oops", "KASAN", "UBSAN",
	"general protection fault", "Kernel panic",
	"possible circular locking", "possible recursive locking",
	"inconsistent lock state", "blocked for more than",
	"suspected memory leak", "Call Trace:",
};

static bool has_report(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reports); i++)
		if (strstr(s, reports[i]))
			return true;
	return false;
}

static struct sb klog;		/* the current case's records, decoded */
static unsigned long kernel_reports;

/*
 * Read every new record; keep them in klog if @keep.  Records come one per
 * read(), "prio,seq,time,flags;text" with text escaped as \xNN.
 */
static void kmsg_read(bool keep)
{
	static char buf[65536];
	char *p, *q;
	ssize_t n;
	struct sb rec = { 0 };

	if (kmsg_fd < 0)
		return;
	for (;;) {
		n = read(kmsg_fd, buf, sizeof(buf) - 1);
		if (n < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue;
			break;
		}
		buf[n] = '\0';
		p = strchr(buf, ';');
		if (!p)
			continue;
		sb_clear(&rec);
		for (p++; *p && *p != '\n'; p++) {
			if (p[0] == '\\' && p[1] == 'x' && isxdigit(p[2]) &&
			    isxdigit(p[3])) {
				char hex[3] = { p[2], p[3], 0 };

				sb_putc(&rec, (char)strtoul(hex, &q, 16));
				p += 3;
				continue;
			}
			sb_putc(&rec, *p);
		}
		if (has_report(rec.s)) {
			kernel_reports++;
			printf("dm-fuzz: kernel report: %s\n", rec.s);
		}
		if (keep) {
			sb_put(&klog, rec.s);
			sb_putc(&klog, '\n');
		}
	}
	free(rec.s);
}

/* ------------------------------------------------------------ generators */

enum field { F_OFFSET, F_TOKEN, F_WEIGHT, F_ID, F_IDLE, F_INJECT, F_RATE };

static const u64 bounds[] = {
	0, 1, 2, 2147483647ULL, 2147483648ULL, 4294967295ULL, 4294967296ULL,
	9223372036854775807ULL, 9223372036854775808ULL,
	18446744073709551615ULL,
};

static const char *const overflows[] = {
	"18446744073709551616", "18446744073709551617",
	"99999999999999999999", "340282366920938463463374607431768211456",
};

/* A valid rate for a cap or a reservation: not 0 (that is none). */
static u64 gen_valid_rate(void)
{
	unsigned int k = below(100);

	if (k < 10)
		return LIMIT_MAX - below(2);
	if (k < 50)
		return 1 + below(10000);
	if (k < 80)
		return 1 + below(1ULL << 34);
	return 1 + below(LIMIT_MAX);
}

/* A valid id for @type. */
static u64 gen_valid_id(int type)
{
	switch (type) {
	case T_PID:
	case T_PGRP:
		return pct(20) ? (pct(50) ? 1 : PID_MAX) : 1 + below(PID_MAX);
	case T_UID:
	case T_GID:
		if (pct(20))
			return pct(50) ? 0 : UINT32_MAX - 1;
		return pct(50) ? below(65536) : below(UINT32_MAX);
	default:
		if (pct(20))
			return pct(50) ? 1 : UINT64_MAX - 1;
		return 1 + below(UINT64_MAX - 1);
	}
}

static u64 gen_value(enum field f, int type, u64 size, u64 len)
{
	unsigned int k = below(100);

	if (k < 30)
		return bounds[below(ARRAY_SIZE(bounds))];
	if (k < 60) {
		switch (f) {
		case F_OFFSET: {
			u64 lim[] = { size - len, size - len + 1, size,
					   size - 1, size / 2 };
			return lim[below(ARRAY_SIZE(lim))];
		}
		case F_TOKEN:
			return TOKEN_MAX + below(2) - (pct(30) ? 1 : 0);
		case F_WEIGHT:
			return WEIGHT_MAX + below(2) - (pct(30) ? 1 : 0);
		case F_IDLE:
			return IDLE_MAX + below(2) - (pct(30) ? 1 : 0);
		case F_INJECT:
			return below(3);
		case F_RATE:
			return LIMIT_MAX + below(2) - (pct(30) ? 1 : 0);
		case F_ID: {
			u64 lim[] = { PID_MAX, PID_MAX + 1ULL,
					   UINT32_MAX - 1ULL, UINT32_MAX,
					   UINT64_MAX - 1, UINT64_MAX, 0, 1 };
			return lim[below(ARRAY_SIZE(lim))];
		}
		}
	}
	if (k < 90) {
		switch (f) {
		case F_OFFSET:
			return size > len ? below(size - len + 1) : 0;
		case F_TOKEN:
			return pct(30) ? below(65) : below(TOKEN_MAX + 1);
		case F_WEIGHT:
			return pct(50) ? 1 + below(1000) : 1 + below(WEIGHT_MAX);
		case F_IDLE:
			return below(IDLE_MAX + 1);
		case F_INJECT:
			return below(2);
		case F_RATE:
			return pct(20) ? 0 : gen_valid_rate();
		case F_ID:
			return gen_valid_id(type);
		}
	}
	return rnd() >> below(64);
}

/* A number for field @f as text: plain, signed, padded, overflowing... */
static void gen_num(struct sb *b, enum field f, int type, u64 size,
		    u64 len)
{
	unsigned int k = below(100);
	char num[64];

	if (pct(6))
		snprintf(num, sizeof(num), "%s", overflows[below(4)]);
	else
		snprintf(num, sizeof(num), "%llu",
			 gen_value(f, type, size, len));
	if (k < 72) {
		sb_put(b, num);
	} else if (k < 78) {
		sb_putc(b, '+');
		sb_put(b, num);
	} else if (k < 84) {
		sb_putc(b, '-');
		sb_put(b, num);
	} else if (k < 89) {
		unsigned int z = 1 + below(pct(50) ? 4 : 30);

		while (z--)
			sb_putc(b, '0');
		sb_put(b, num);
	} else if (k < 91) {
		sb_put(b, pct(50) ? "++" : "+-");
		sb_put(b, num);
	} else if (k < 94) {
		/* an escaped newline: kstrtoull takes one at the end */
		sb_put(b, num);
		sb_put(b, pct(70) ? "\\\n" : "\\\n\\\n");
	} else if (k < 97) {
		static const char *const junk[] = {
			"x", "k", ".0", "e3", "\\ ", "-", "+", "_", "0x",
			"\\\t1", ":", "/", "%", "\xc2\xb9",
		};
		sb_put(b, num);
		sb_put(b, junk[below(ARRAY_SIZE(junk))]);
	} else {
		static const char *const odd[] = {
			"0x10", "0X1", "1e3", " 0", "", "+", "-", "\xd9\xa1",
			"\xef\xbc\x91", "nan", "inf", "0b1", "1_000", "1,000",
		};
		sb_put(b, odd[below(ARRAY_SIZE(odd))]);
		if (!b->len)
			sb_putc(b, '0');
	}
}

/* A word list being built; joined into a line at the end. */
struct wl {
	struct sb *w;
	unsigned int n, cap;
};

static struct sb *wl_add(struct wl *l)
{
	if (l->n == l->cap) {
		unsigned int old = l->cap;

		l->cap = l->cap ? l->cap * 2 : 64;
		l->w = xrealloc(l->w, l->cap * sizeof(*l->w));
		memset(l->w + old, 0, (l->cap - old) * sizeof(*l->w));
	}
	sb_clear(&l->w[l->n]);
	return &l->w[l->n++];
}

static void wl_insert(struct wl *l, unsigned int at, const char *s)
{
	struct sb tmp;

	wl_add(l);
	tmp = l->w[l->n - 1];
	memmove(&l->w[at + 1], &l->w[at], (l->n - 1 - at) * sizeof(*l->w));
	l->w[at] = tmp;
	sb_clear(&l->w[at]);
	sb_put(&l->w[at], s);
}

static void wl_remove(struct wl *l, unsigned int at)
{
	struct sb tmp = l->w[at];

	memmove(&l->w[at], &l->w[at + 1], (l->n - 1 - at) * sizeof(*l->w));
	l->w[--l->n] = tmp;
}

/* Join with single spaces, or hostile separators. */
static void wl_join(struct wl *l, struct sb *line, bool odd_sep)
{
	static const char *const seps[] = {
		"  ", "\t", "\n", "\xa0", " \t ", "\r", "\v", "\f",
	};
	unsigned int i;

	sb_clear(line);
	if (odd_sep && pct(30))
		sb_put(line, seps[below(ARRAY_SIZE(seps))]);
	for (i = 0; i < l->n; i++) {
		if (i)
			sb_put(line, odd_sep && pct(25) ?
				     seps[below(ARRAY_SIZE(seps))] : " ");
		sb_put(line, l->w[i].s);
	}
	if (odd_sep && pct(30))
		sb_put(line, seps[below(ARRAY_SIZE(seps))]);
}

static void gen_name(struct sb *b, unsigned int len)
{
	static const char chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-";

	while (len--)
		sb_putc(b, chars[below(sizeof(chars) - 1)]);
}

/* Case kinds, for the figures. */
enum kind {
	K_VALID, K_MISSING, K_EXTRA, K_NUMBER, K_JUNK, K_NONASCII, K_OVERLONG,
	K_DUP, K_UNKNOWN, K_SEP, K_ORDER, K_PATH, K_NAME, K_ATTR, K_BIG,
	NR_KINDS,
};

static const char *const kind_names[NR_KINDS] = {
	"valid", "missing", "extra", "number", "junk", "non-ascii", "overlong",
	"duplicate", "unknown", "separators", "order", "path", "name",
	"attributes", "big",
};

/*
 * Positions in a valid table word list: 0 path, 1 offset, 2 name, 3 type,
 * 4 policy, 5 token_base, then groups (the default group among them),
 * then options.
 */
struct tline {
	struct wl l;
	int type;
	unsigned int first_opt;	/* index of the first option word */
	u64 size, len;
};

/* Attributes for a valid group, in @p percent of groups: mostly none. */
static void gen_valid_lim(u64 *lim, unsigned int p)
{
	unsigned int k;
	bool any = false;

	memset(lim, 0, NLIM * sizeof(*lim));
	if (!pct(p))
		return;
	for (k = 0; k < NLIM; k++) {
		if (pct(40)) {
			lim[k] = gen_valid_rate();
			any = true;
		}
	}
	if (!any)
		lim[below(NLIM)] = gen_valid_rate();
}

/*
 * ",<key>=<value>" for each attribute @lim sets, in any order (the target
 * prints them in its own), now and then with a '+' or an explicit 0.
 */
static void put_attrs(struct sb *b, const u64 *lim)
{
	unsigned int order[NLIM] = { 0, 1, 2, 3 }, i, j, k;

	if (pct(50)) {
		for (i = NLIM; i > 1; i--) {
			j = below(i);
			k = order[i - 1];
			order[i - 1] = order[j];
			order[j] = k;
		}
	}
	for (i = 0; i < NLIM; i++) {
		k = order[i];
		if (lim[k])
			sb_printf(b, ",%s=%s%llu", lim_names[k],
				  pct(3) ? "+" : "", lim[k]);
		else if (pct(2))
			sb_printf(b, ",%s=0", lim_names[k]);
	}
}

static void gen_valid_cfg(struct cfg *c, const char *name, int type,
			  size_t ng)
{
	struct grp *g;
	u64 id;

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->type = type;
	c->policy = below(2);
	c->token = pct(30) ? 0 : pct(50) ? 1 + below(64) : below(TOKEN_MAX + 1);
	c->idle = pct(50) ? 8000 : below(IDLE_MAX + 1);
	c->inject = !pct(30);
	c->dw = pct(50) ? 100 : 1 + below(WEIGHT_MAX);
	gen_valid_lim(c->dlim, 25);
	c->ng = 0;
	while (c->ng < ng) {
		id = gen_valid_id(type);
		if (cfg_find(c, id))
			continue;
		cfg_insert(c, id, pct(50) ? 1 + below(1000) :
					    1 + below(WEIGHT_MAX));
		g = cfg_find(c, id);
		gen_valid_lim(g->lim, 20);
	}
}

/* A valid line (before mutations) into @t. */
static void gen_table_base(struct tline *t, struct bdev *target)
{
	struct cfg c = { 0 };
	struct bdev *lower = &ram, *bgdev = NULL;
	const char *path = NULL;
	unsigned int k = below(100), i, ng;
	char name[NAME_MAX_LEN + 1];
	struct sb *w;

	t->l.n = 0;
	if (k < 70) {
		path = pct(50) ? paths[0].s : paths[1].s;
	} else {
		struct path *p = &paths[below(npaths)];

		path = p->s;
		lower = p->dev ? p->dev : &ram;
	}
	t->size = lower->size ? lower->size : ram.size;
	k = below(100);
	t->len = k < 70 ? 8 : k < 80 ? 1 : k < 90 ? t->size / 2 :
		 k < 97 ? t->size : t->size + 1;
	if (!t->len)
		t->len = 8;

	k = below(100);
	if (target == &mdev && k < 50) {
		/* a reload of the message device, in its own group */
		bgdev = &mdev;
	} else if (k < 40) {
		snprintf(name, sizeof(name), "fz-t");
	} else if (k < 60) {
		struct sb n = { 0 };

		sb_clear(&n);
		gen_name(&n, 1 + below(pct(10) ? NAME_MAX_LEN : 12));
		snprintf(name, sizeof(name), "%s", n.s);
		free(n.s);
	} else if (k < 80 || !have_held) {
		bgdev = &mdev;
	} else {
		bgdev = &hdev;
	}
	if (bgdev)
		snprintf(name, sizeof(name), "%s", bgdev->cfg.name);
	ng = pct(40) ? 0 : below(pct(20) ? 64 : 6);
	t->type = below(NR_TYPES);
	gen_valid_cfg(&c, name, t->type, t->type == T_NONE ? 0 : ng);
	if (bgdev && pct(85)) {
		c.policy = bgdev->cfg.policy;
		c.token = bgdev->cfg.token;
		c.idle = bgdev->cfg.idle;
		c.inject = bgdev->cfg.inject;
	}

	sb_put(wl_add(&t->l), path);
	gen_num(wl_add(&t->l), F_OFFSET, 0, t->size, t->len);
	if (pct(70)) {
		/* mostly an offset that fits */
		w = &t->l.w[1];
		sb_clear(w);
		sb_printf(w, "%llu", t->size > t->len ?
			  (pct(50) ? 0 : below(t->size - t->len + 1)) : 0);
	}
	sb_put(wl_add(&t->l), c.name);
	sb_put(wl_add(&t->l), type_names[c.type]);
	sb_put(wl_add(&t->l), policy_names[c.policy]);
	sb_printf(wl_add(&t->l), "%llu", c.token);
	/* groups in random order, the default group anywhere among them */
	for (i = c.ng; i > 1; i--) {
		size_t j = below(i);
		struct grp g = c.g[i - 1];

		c.g[i - 1] = c.g[j];
		c.g[j] = g;
	}
	k = pct(60) ? below(c.ng + 1) : (unsigned int)-1;
	for (i = 0; i <= c.ng; i++) {
		if (i == k) {
			w = wl_add(&t->l);
			sb_printf(w, ":%u", c.dw);
			put_attrs(w, c.dlim);
		}
		if (i < c.ng) {
			w = wl_add(&t->l);
			sb_printf(w, "%llu:%u", c.g[i].id, c.g[i].w);
			put_attrs(w, c.g[i].lim);
		}
	}
	t->first_opt = t->l.n;
	if (c.idle != 8000 || pct(30))
		sb_printf(wl_add(&t->l), "idle=%u", c.idle);
	if (!c.inject || pct(20)) {
		sb_printf(wl_add(&t->l), "inject=%u", c.inject);
		if (t->l.n - t->first_opt == 2 && pct(50)) {
			struct sb tmp = t->l.w[t->l.n - 1];

			t->l.w[t->l.n - 1] = t->l.w[t->l.n - 2];
			t->l.w[t->l.n - 2] = tmp;
		}
	}
	cfg_free(&c);
}

static const char *const junk_words[] = {
	"x", ":", "::", "=", "==", "-", "+", "0", "1", ":0", "0:", "a:b", "idle",
	"inject", "none", "weight", "\\", "\\\\", ":1:1", "1:1:1", "idle=",
	"inject=", "=1", "#", ";", "'", "\"", "*", "%s", "%n", "${x}",
};

static void junk_word(struct sb *b)
{
	if (pct(70)) {
		sb_put(b, junk_words[below(ARRAY_SIZE(junk_words))]);
	} else {
		unsigned int n = 1 + below(12);

		while (n--)
			sb_putc(b, "abcxyz0123456789:=_-.+"[below(22)]);
	}
}

/* Insert a non-ASCII byte sequence into @b at a random place. */
static void add_nonascii(struct sb *b)
{
	static const char *const seqs[] = {
		"\x80", "\xff", "\xa0", "\xc0", "\xe9", "\xc3\xa9", "\xd7",
		"\xf7", "\xdf", "\xe2\x80\x8b", "\xef\xbb\xbf", "\xf0\x9f\x92\xa9",
		"\xc2\xa0", "\xfe\xff", "\x7f", "\x01", "\x1b[0m",
	};
	const char *s = seqs[below(ARRAY_SIZE(seqs))];
	size_t at = below(b->len + 1);
	struct sb tmp = { 0 };

	sb_clear(&tmp);
	sb_add(&tmp, b->s, at);
	sb_put(&tmp, s);
	sb_put(&tmp, b->s + at);
	sb_clear(b);
	sb_put(b, tmp.s);
	free(tmp.s);
}

/* Backslash-escape some characters of @b (dm_split_args removes them). */
static void add_escapes(struct sb *b)
{
	struct sb tmp = { 0 };
	size_t i;

	sb_clear(&tmp);
	for (i = 0; i < b->len; i++) {
		if (pct(30))
			sb_putc(&tmp, '\\');
		sb_putc(&tmp, b->s[i]);
	}
	if (pct(20))
		sb_put(&tmp, pct(50) ? "\\ " : "\\\\");
	sb_clear(b);
	sb_put(b, tmp.s);
	free(tmp.s);
}

/*
 * A group's attribute list, "<key>=<value>[,...]" without the leading
 * comma, appended to @b: valid, or (@bad) with something wrong or at a
 * limit: a key unknown or given twice, a value out of range or not a
 * number, an element empty or without '=', a trailing comma, no element
 * at all, an element of 62 to 65 characters (the target's buffer is 64).
 */
static void gen_attr_list(struct sb *b, bool bad)
{
	static const char *const keys[] = {
		"limit", "iops", "bps", "LIMIT_IOPS", "Limit_bps", "limit-iops",
		"limit_iop", "limit_iopss", "reserve_bw", "limit_bw", "reserve",
		"weight", "idle", "inject", "", "limit_iops\\ ", " limit_bps",
		"r\xc3\xa9serve_iops", "reserve_iops\\", "limit_iops:",
	};
	static const char *const noeq[] = {
		"limit_iops", "5", "reserve_bps", "limit_iops:5", "x",
		"limit_iops\\=5",
	};
	struct wl l = { 0 };
	u64 lim[NLIM];
	unsigned int i, j, k;
	struct sb *w, tmp;

	gen_valid_lim(lim, 100);
	for (k = 0; k < NLIM; k++) {
		if (lim[k] || pct(5))
			sb_printf(wl_add(&l), "%s=%llu", lim_names[k], lim[k]);
	}
	for (i = l.n; i > 1; i--) {
		j = below(i);
		tmp = l.w[i - 1];
		l.w[i - 1] = l.w[j];
		l.w[j] = tmp;
	}
	if (bad) {
		i = below(l.n);
		w = &l.w[i];
		switch (below(10)) {
		case 0:		/* an unknown key */
			sb_clear(w);
			sb_printf(w, "%s=%u", keys[below(ARRAY_SIZE(keys))],
				  (unsigned int)below(1000));
			break;
		case 1:		/* a key twice */
			wl_insert(&l, below(l.n + 1), w->s);
			if (pct(50)) {
				w = &l.w[l.n - 1];
				*strchr(w->s, '=') = '\0';
				w->len = strlen(w->s);
				sb_printf(w, "=%llu", gen_valid_rate());
			}
			break;
		case 2:		/* a value of every kind, or none */
		case 3:
			*strchr(w->s, '=') = '\0';
			w->len = strlen(w->s);
			sb_putc(w, '=');
			if (pct(10))
				break;
			gen_num(w, F_RATE, 0, 0, 0);
			break;
		case 4:		/* no '=' */
			sb_clear(w);
			sb_put(w, noeq[below(ARRAY_SIZE(noeq))]);
			break;
		case 5:		/* an empty element: ",," or a leading comma */
			wl_insert(&l, below(l.n + 1), "");
			break;
		case 6:		/* a trailing comma */
			wl_insert(&l, l.n, "");
			break;
		case 7:		/* nothing */
			l.n = 0;
			break;
		case 8:		/* 62 to 65 characters: zeros before the value */
			memset(&tmp, 0, sizeof(tmp));
			sb_clear(&tmp);
			sb_add(&tmp, w->s, strchr(w->s, '=') - w->s + 1);
			j = ATTR_LEN - 2 + below(4);
			while (tmp.len + strlen(strchr(w->s, '=') + 1) < j)
				sb_putc(&tmp, '0');
			sb_put(&tmp, strchr(w->s, '=') + 1);
			sb_clear(w);
			sb_put(w, tmp.s);
			free(tmp.s);
			break;
		default:	/* junk after a value, or a value just past 2^50 */
			if (pct(50))
				junk_word(w);
			else
				sb_printf(w, "%s=%llu",
					  lim_names[below(NLIM)],
					  LIMIT_MAX + 1 + below(3));
			break;
		}
	}
	for (i = 0; i < l.n; i++) {
		if (i)
			sb_putc(b, ',');
		sb_put(b, l.w[i].s);
	}
	for (i = 0; i < l.cap; i++)
		free(l.w[i].s);
	free(l.w);
}

/*
 * Attributes in a table line: a group word's replaced (mostly by a list
 * with something wrong), its weight padded to 15 or 16 characters before
 * the comma, attributes without a weight or a colon, after an option, or
 * every attribute at 2^50 on every group.
 */
static void mutate_attrs(struct tline *t)
{
	unsigned int i = below(100), at, n;
	struct sb *w, g = { 0 };
	char *colon, *comma;

	if (t->first_opt <= 6 || t->first_opt > t->l.n || pct(10)) {
		sb_clear(&g);
		if (pct(30))
			sb_printf(&g, ":%u", (unsigned int)(1 + below(1000)));
		else
			sb_printf(&g, "%llu:%u", gen_valid_id(t->type),
				  (unsigned int)(1 + below(1000)));
		at = t->first_opt <= t->l.n ? t->first_opt : t->l.n;
		wl_insert(&t->l, at, g.s);
		t->first_opt = at + 1;
		if (t->first_opt <= 6) {
			/* fields are missing: no group position */
			free(g.s);
			return;
		}
	}
	at = 6 + below(t->first_opt - 6);
	w = &t->l.w[at];
	colon = strchr(w->s, ':');
	comma = colon ? strchr(colon, ',') : NULL;
	sb_clear(&g);
	if (i < 55) {
		if (comma) {
			*comma = '\0';
			w->len = comma - w->s;
		}
		sb_putc(w, ',');
		gen_attr_list(w, pct(85));
	} else if (i < 70) {
		/* the weight before the comma at 14 to 17 characters */
		sb_add(&g, w->s, colon ? (size_t)(colon - w->s) : 0);
		sb_putc(&g, ':');
		n = WBUF_LEN - 2 + below(4);
		sb_printf(&g, "%0*u", (int)n, (unsigned int)(1 + below(1000)));
		if (pct(20))
			g.s[g.len - n] = '+';
		sb_putc(&g, ',');
		gen_attr_list(&g, pct(20));
		sb_clear(w);
		sb_put(w, g.s);
	} else if (i < 80) {
		static const char *const odd[] = {
			"limit_iops=5", ":,limit_iops=5", "5,limit_iops=5",
			"5:limit_iops=5", ":limit_iops=5", "::5,limit_iops=5",
			"5:5,limit_iops=5:5", ",limit_iops=5", ":5,,",
			"5:5,limit_iops=5,idle=5", "5:5,inject=1",
		};
		wl_insert(&t->l, at, odd[below(ARRAY_SIZE(odd))]);
		t->first_opt++;
	} else if (i < 90) {
		/* after the options: on an option, or a group there */
		if (t->first_opt < t->l.n && pct(50)) {
			sb_put(&t->l.w[t->first_opt], ",limit_iops=5");
		} else {
			sb_printf(&g, "%llu:5,", gen_valid_id(t->type));
			gen_attr_list(&g, false);
			wl_insert(&t->l, t->l.n, g.s);
		}
	} else {
		/* every attribute at 2^50 on every group word */
		for (at = 6; at < t->first_opt; at++) {
			w = &t->l.w[at];
			for (n = 0; n < NLIM; n++)
				sb_printf(w, ",%s=%llu", lim_names[n],
					  LIMIT_MAX);
		}
	}
	free(g.s);
}

/* Numeric positions of a line: index, field. */
static bool pick_number(struct tline *t, unsigned int *at, enum field *f)
{
	unsigned int k = below(100);

	if (k < 15 || t->l.n <= 6) {
		*at = k < 8 ? 1 : 5;
		*f = k < 8 ? F_OFFSET : F_TOKEN;
		return *at < t->l.n;
	}
	*at = 6 + below(t->l.n - 6);
	*f = *at >= t->first_opt ? F_IDLE : pct(50) ? F_WEIGHT : F_ID;
	return true;
}

static void mutate_number(struct tline *t, bool junk)
{
	unsigned int at;
	enum field f;
	struct sb *w;
	char *colon;
	struct sb num = { 0 };

	if (!pick_number(t, &at, &f))
		return;
	w = &t->l.w[at];
	sb_clear(&num);
	gen_num(&num, f, pct(80) ? t->type : (int)below(NR_TYPES), t->size,
		t->len);
	if (junk) {
		static const char *const tails[] = {
			"x", "k", "M", ".5", "e9", "\\ 1", "-1", "+1", "0x", "!",
		};
		sb_put(&num, tails[below(ARRAY_SIZE(tails))]);
	}
	if (f == F_IDLE) {
		if (!strncmp(w->s, "inject=", 7)) {
			sb_clear(w);
			sb_put(w, "inject=");
		} else {
			sb_clear(w);
			sb_put(w, "idle=");
		}
		sb_put(w, num.s);
	} else if (at >= 6) {
		struct sb g = { 0 };

		sb_clear(&g);
		colon = strchr(w->s, ':');
		if (f == F_WEIGHT || !colon || colon == w->s) {
			sb_add(&g, w->s, colon ? (size_t)(colon - w->s) : 0);
			sb_putc(&g, ':');
			sb_put(&g, num.s);
		} else {
			sb_put(&g, num.s);
			sb_put(&g, colon);
		}
		sb_clear(w);
		sb_put(w, g.s);
		free(g.s);
	} else {
		sb_clear(w);
		sb_put(w, num.s);
	}
	free(num.s);
}

static enum kind mutate_table(struct tline *t)
{
	enum kind k = 1 + below(K_BIG - 1);
	unsigned int i, at, n;
	struct sb *w;

	switch (k) {
	case K_MISSING:
		n = 1 + below(pct(50) ? 2 : 6);
		while (n-- && t->l.n) {
			at = pct(50) && t->l.n > 6 ? 6 + below(t->l.n - 6) :
						     below(t->l.n);
			if (at < t->first_opt && t->first_opt)
				t->first_opt--;
			wl_remove(&t->l, at);
		}
		break;
	case K_EXTRA:
		n = 1 + below(3);
		while (n--) {
			struct sb x = { 0 };
			unsigned int j = below(100);

			sb_clear(&x);
			if (j < 40) {
				junk_word(&x);
			} else if (j < 60) {
				sb_printf(&x, "%llu:%u",
					  gen_valid_id(t->type),
					  (unsigned int)(1 + below(100)));
				if (pct(30)) {
					sb_putc(&x, ',');
					gen_attr_list(&x, pct(20));
				}
			} else if (j < 80) {
				sb_printf(&x, "idle=%u",
					  (unsigned int)below(IDLE_MAX));
			} else {
				sb_printf(&x, "inject=%u",
					  (unsigned int)below(2));
			}
			at = pct(60) ? t->l.n : below(t->l.n + 1);
			wl_insert(&t->l, at, x.s);
			if (at < t->first_opt)
				t->first_opt++;
			free(x.s);
		}
		break;
	case K_NUMBER:
		n = 1 + below(2);
		while (n--)
			mutate_number(t, false);
		break;
	case K_JUNK:
		mutate_number(t, true);
		break;
	case K_NONASCII:
		n = 1 + below(2);
		while (n--)
			add_nonascii(&t->l.w[below(t->l.n)]);
		break;
	case K_OVERLONG:
		i = below(100);
		if (i < 40) {
			w = &t->l.w[2];
			sb_clear(w);
			gen_name(w, NAME_MAX_LEN + (pct(30) ? 0 : 1 + below(300)));
		} else if (i < 70) {
			/* an id of 24 characters or more, with leading zeros */
			w = wl_add(&t->l);
			n = 18 + below(20);
			while (n--)
				sb_putc(w, '0');
			sb_printf(w, "%u:%u", (unsigned int)(1 + below(1000)),
				  (unsigned int)(1 + below(100)));
			wl_insert(&t->l, t->first_opt, w->s);
			t->l.n--;
			t->first_opt++;
		} else if (i < 85) {
			w = &t->l.w[0];
			sb_clear(w);
			sb_put(w, "/dev/");
			n = 200 + below(4000);
			while (n--)
				sb_putc(w, 'a' + below(26));
		} else {
			/* a weight or token of hundreds of digits */
			w = &t->l.w[pct(50) ? 5 : 1];
			sb_clear(w);
			n = 20 + below(400);
			sb_put(w, pct(50) ? "1" : "0");
			while (n--)
				sb_putc(w, '0');
		}
		break;
	case K_DUP:
		i = below(100);
		if (i < 50 && t->first_opt > 6) {
			at = 6 + below(t->first_opt - 6);
			w = &t->l.w[at];
			{
				struct sb d = { 0 };
				char *colon = strchr(w->s, ':');

				sb_clear(&d);
				sb_put(&d, w->s);
				if (pct(50) && colon) {
					d.len = colon - w->s + 1;
					d.s[d.len] = '\0';
					sb_printf(&d, "%u",
						  (unsigned int)(1 + below(WEIGHT_MAX)));
				}
				at = 6 + below(t->first_opt - 6 + 1);
				wl_insert(&t->l, at, d.s);
				t->first_opt++;
				free(d.s);
			}
		} else if (i < 70) {
			wl_insert(&t->l, t->first_opt, ":5");
			wl_insert(&t->l, t->first_opt, ":7");
			t->first_opt += 2;
		} else {
			wl_insert(&t->l, t->l.n, pct(50) ? "idle=5" : "inject=1");
			wl_insert(&t->l, t->l.n, pct(50) ? "idle=9" : "inject=0");
		}
		break;
	case K_UNKNOWN: {
		static const char *const types[] = {
			"PID", "Uid", "gid ", "cgroups", "cgroup2", "user", "",
			"none\\ ", "p1d", "pgid", "process",
		};
		static const char *const policies[] = {
			"Weight", "weight_iosize", "weight-io", "iosize", "fifo",
			"WEIGHT-IOSIZE", "weightiosize", "weight-iosize-",
		};
		static const char *const opts[] = {
			"IDLE=5", "idle:5", "inject:1", "foo=bar", "Inject=1",
			"idle =5", "idle5=1", "idl=5", "injec=1", "idle==5",
			"inject=01", "inject=+1", "inject=1\\\n", "inject=",
			"inject=true", "injectx=1", "=", "token=5",
		};
		i = below(3);
		if (i == 0 && t->l.n > 3) {
			sb_clear(&t->l.w[3]);
			sb_put(&t->l.w[3], types[below(ARRAY_SIZE(types))]);
			if (!t->l.w[3].len)
				sb_put(&t->l.w[3], "x");
		} else if (i == 1 && t->l.n > 4) {
			sb_clear(&t->l.w[4]);
			sb_put(&t->l.w[4], policies[below(ARRAY_SIZE(policies))]);
		} else {
			wl_insert(&t->l, t->l.n, opts[below(ARRAY_SIZE(opts))]);
		}
		break;
	}
	case K_SEP:
		n = 1 + below(3);
		while (n--)
			add_escapes(&t->l.w[below(t->l.n)]);
		break;
	case K_ORDER:
		n = 1 + below(3);
		while (n-- && t->l.n > 1) {
			unsigned int a = below(t->l.n), b = below(t->l.n);
			struct sb tmp = t->l.w[a];

			t->l.w[a] = t->l.w[b];
			t->l.w[b] = tmp;
		}
		break;
	case K_PATH:
		w = &t->l.w[0];
		sb_clear(w);
		sb_put(w, paths[below(npaths)].s);
		break;
	case K_ATTR:
		mutate_attrs(t);
		break;
	case K_NAME: {
		static const char *const names[] = {
			"a/b", "a b", "a*", "a@b", "caf\xc3\xa9", "\xc0\xc0",
			"a\xd7", "\xe9t\xe9", "-", ".", ":", "..", "a\\b",
			"fz-m", "fz-h", "fz-t", "FZ-M", "fz-m ", "fz-m\xa0",
		};
		w = &t->l.w[2];
		sb_clear(w);
		sb_put(w, names[below(ARRAY_SIZE(names))]);
		break;
	}
	default:
		break;
	}
	return k;
}

/*
 * A device path that is not one of ours but that device-mapper may still
 * resolve: <major>:<minor> (its sscanf skips blanks and ignores overflow),
 * and on 6.1 also a hexadecimal device number, <major>:<minor>:<offset>
 * or /dev/<disk name> (name_to_dev_t()).  Opening one may even create a
 * device (brd, loop and md make one on first open), so what the kernel
 * says is not the model's to predict: such cases are not run.
 */
static bool foreign_devt(const char *s)
{
	const char *p = s;
	unsigned int i;

	for (i = 0; i < npaths; i++)
		if (!strcmp(paths[i].s, s))
			return false;
	if (!strncmp(s, "/dev/", 5))
		return strlen(s) <= 5 + NAME_MAX_LEN;
	while (k_isspace(*p))
		p++;
	if (p[0] == '0' && (p[1] | 0x20) == 'x')
		p += 2;
	while (isxdigit((unsigned char)*p))
		p++;
	if (!*p)
		return true;
	if (!strchr(s, ':'))
		return false;
	for (p = s; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != ':' && !k_isspace(*p))
			return false;
	return true;
}

/* Lines that would print what the harness takes for a kernel report. */
static bool poisonous(const char *line, struct words *w)
{
	unsigned int i;

	if (has_report(line) || strchr(line, '['))
		return true;
	for (i = 0; i < w->n; i++)
		if (has_report(w->v[i]) || strchr(w->v[i], '['))
			return true;
	return false;
}

/* ------------------------------------------------------------ messages */

enum state {
	S_EMPTY, S_GROUPS, S_NONE, S_SUSPENDED, S_HELD, S_HELD_SUSPENDED,
	S_FULL, NR_STATES,
};

static const char *const state_names[NR_STATES] = {
	"no-groups", "groups", "type-none", "suspended", "held",
	"held-suspended", "full",
};

/* The verbs, then kinds of message that are not a verb's (figures). */
enum verb {
	V_ATTACH, V_DETACH, V_WEIGHT, V_LIMIT, V_RESERVE, V_TYPE, V_POLICY,
	V_TOKEN, V_IDLE, V_INJECT, V_RESET, V_STATS, V_UNKNOWN, V_ARGC,
	V_EMPTY, NR_VERBS,
};

static const char *const verbs[V_UNKNOWN] = {
	"attach", "detach", "weight", "limit", "reserve", "type", "policy",
	"token", "idle", "inject", "reset", "stats",
};

static const char *const verb_names[NR_VERBS] = {
	"attach", "detach", "weight", "limit", "reserve", "type", "policy",
	"token", "idle", "inject", "reset", "stats", "unknown", "argc",
	"empty",
};

static u64 pick_existing(struct cfg *c)
{
	return c->ng ? c->g[below(c->ng)].id : gen_valid_id(c->type);
}

static void gen_weight_arg(struct sb *b, bool held)
{
	if (held && pct(60))
		sb_printf(b, "%u", (unsigned int)(1 + below(3)));
	else if (pct(70))
		sb_printf(b, "%u", (unsigned int)(1 + below(pct(50) ? 1000 :
								     WEIGHT_MAX)));
	else
		gen_num(b, F_WEIGHT, 0, 0, 0);
}

static unsigned int gen_msg(struct bdev *d, struct sb *line, bool held)
{
	static const unsigned int weights[NR_VERBS] = {
		20, 12, 16, 12, 8, 8, 6, 8, 6, 6, 3, 3, 4, 5, 1,
	};
	struct cfg *c = &d->cfg;
	unsigned int total = 0, k, v, i;
	struct wl l = { 0 };
	struct sb *w;
	int type;

	for (v = 0; v < NR_VERBS; v++)
		total += weights[v];
	k = below(total);
	for (v = 0; k >= weights[v]; v++)
		k -= weights[v];

	if (v < V_UNKNOWN) {
		w = wl_add(&l);
		sb_put(w, verbs[v]);
		if (pct(8)) {
			for (i = 0; i < w->len; i++)
				if (pct(50))
					w->s[i] = toupper((unsigned char)w->s[i]);
		}
	}
	type = pct(80) ? c->type : (int)below(NR_TYPES);
	switch (v) {
	case V_ATTACH:
		w = wl_add(&l);
		k = below(100);
		if (k < 50)
			sb_printf(w, "%llu", gen_valid_id(type));
		else if (k < 65)
			sb_printf(w, "%llu", pick_existing(c));
		else if (k < 90)
			gen_num(w, F_ID, type, 0, 0);
		else
			junk_word(w);
		k = below(100);
		if (k < 70) {
			sb_putc(w, ':');
			gen_weight_arg(w, held);
			if (pct(8)) {
				/* attach takes no attributes */
				sb_putc(w, ',');
				gen_attr_list(w, false);
			}
		} else if (k < 90) {
			;
		} else {
			static const char *const odd[] = {
				":", "::5", ":5:5", ":+5", ":5\\\n", ":0",
			};
			sb_put(w, odd[below(ARRAY_SIZE(odd))]);
		}
		break;
	case V_DETACH:
		w = wl_add(&l);
		if (pct(60))
			sb_printf(w, "%llu", pick_existing(c));
		else
			gen_num(w, F_ID, type, 0, 0);
		break;
	case V_WEIGHT:
		w = wl_add(&l);
		k = below(100);
		if (k < 30) {
			gen_weight_arg(w, held);
		} else if (k < 50) {
			sb_putc(w, ':');
			gen_weight_arg(w, held);
		} else if (k < 90) {
			if (pct(80))
				sb_printf(w, "%llu", pick_existing(c));
			else
				gen_num(w, F_ID, type, 0, 0);
			sb_putc(w, ':');
			gen_weight_arg(w, held);
		} else {
			k = 20 + below(10);
			while (k--)
				sb_putc(w, '0');
			sb_put(w, pct(50) ? "5" : "5:5");
		}
		if (k < 90 && pct(8)) {
			/* weight takes no attributes */
			sb_putc(w, ',');
			gen_attr_list(w, false);
		}
		break;
	case V_LIMIT:
	case V_RESERVE:
		/* [<id>:]<key>=<value>[,...]: either verb takes any key */
		w = wl_add(&l);
		k = below(100);
		if (k < 30) {
			;	/* the default group */
		} else if (k < 38) {
			sb_putc(w, ':');
		} else if (k < 75) {
			sb_printf(w, "%llu:", pick_existing(c));
		} else if (k < 85) {
			gen_num(w, F_ID, type, 0, 0);
			sb_putc(w, ':');
		} else if (k < 92) {
			/* an id of 24 characters or more */
			k = 20 + below(10);
			while (k--)
				sb_putc(w, '0');
			sb_put(w, "5:");
		} else {
			junk_word(w);
			if (pct(50))
				sb_putc(w, ':');
		}
		gen_attr_list(w, pct(held ? 20 : 35));
		break;
	case V_TYPE:
		w = wl_add(&l);
		if (pct(75))
			sb_put(w, type_names[below(NR_TYPES)]);
		else
			sb_put(w, pct(50) ? "PID" : "cgroups");
		break;
	case V_POLICY:
		w = wl_add(&l);
		if (pct(75))
			sb_put(w, policy_names[below(2)]);
		else
			sb_put(w, pct(50) ? "Weight" : "fifo");
		break;
	case V_TOKEN:
		w = wl_add(&l);
		if (held && pct(50))
			sb_put(w, "1");
		else
			gen_num(w, F_TOKEN, 0, 0, 0);
		break;
	case V_IDLE:
		gen_num(wl_add(&l), F_IDLE, 0, 0, 0);
		break;
	case V_INJECT:
		w = wl_add(&l);
		if (pct(60))
			sb_put(w, pct(50) ? "0" : "1");
		else
			gen_num(w, F_INJECT, 0, 0, 0);
		break;
	case V_RESET:
	case V_STATS:
		if (pct(15))
			junk_word(wl_add(&l));
		break;
	case V_UNKNOWN:
		junk_word(wl_add(&l));
		junk_word(wl_add(&l));
		break;
	case V_ARGC:
		sb_put(wl_add(&l), verbs[below(V_RESET)]);
		k = pct(50) ? 0 : 2 + below(3);
		while (k--)
			sb_printf(wl_add(&l), "%u", (unsigned int)below(10));
		break;
	default:
		break;
	}
	if (l.n && pct(6))
		add_nonascii(&l.w[below(l.n)]);
	if (l.n && pct(4))
		add_escapes(&l.w[below(l.n)]);
	wl_join(&l, line, pct(10) || v == V_EMPTY);
	if (v == V_EMPTY && !line->len)
		sb_put(line, pct(50) ? " " : "\t");
	for (i = 0; i < l.cap; i++)
		free(l.w[i].s);
	free(l.w);
	return v;
}

/* ------------------------------------------------------------ the run */

static u64 seed, ncases, nbig;
static bool full;		/* --full: the cases of exactly 131072 groups */
static unsigned long n_table, n_msg, n_accepted, n_refused, n_failed;
static unsigned long kinds[NR_KINDS], states[NR_STATES], held_seen;
static unsigned long verbs_run[NR_VERBS];
/* table lines with attributes, limit and reserve messages: as expected */
static unsigned long attr_ok, attr_refused, attr_why, lim_ok, lim_refused;
static unsigned long latin1_names;
static u64 case_no;
static struct sb line, got, result;
static struct words words;
static struct expect ex;

static void fail(const char *what, const char *detail)
{
	n_failed++;
	if (n_failed > 50)
		return;
	printf("dm-fuzz: FAIL seed %llu case %llu: %s: '", seed,
	       case_no, what);
	print_escaped(stdout, line.s, 2000);
	printf("'\n");
	if (detail && *detail) {
		printf("dm-fuzz:   ");
		print_escaped(stdout, detail, 2000);
		printf("\n");
	}
	fflush(stdout);
}

/* The band lines of the kernel log of this case, for a failure's detail. */
static const char *klog_band(void)
{
	static struct sb b;
	char *p, *nl;

	sb_clear(&b);
	for (p = klog.s; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (strstr(p, "device-mapper") && b.len < 1500) {
			sb_put(&b, "log: ");
			sb_add(&b, p, nl - p);
			sb_put(&b, " | ");
		}
	}
	return b.s;
}

/* Does this case's log say what the model expects? */
static bool klog_says(const struct sb *text)
{
	char save;
	bool found;
	size_t n = text->len < 300 ? text->len : 300;

	save = text->s[n];
	text->s[n] = '\0';
	found = klog.s && strstr(klog.s, text->s);
	text->s[n] = save;
	return found;
}

static void expect_refusal(int r)
{
	static struct sb d;

	if (!r) {
		fail("accepted, expected refused", ex.text.s);
		return;
	}
	if (!klog_says(&ex.text)) {
		sb_clear(&d);
		sb_printf(&d, "expected '%s', got %s; %s", ex.text.s,
			  strerror(-r), klog_band());
		fail("refused, but not for the expected reason", d.s);
		return;
	}
	n_refused++;
}

static void verbose_case(const char *what)
{
	if (!verbose && !dry_run)
		return;
	printf("case %llu %s: '", case_no, what);
	print_escaped(stdout, line.s, 400);
	printf("' -> %s%s\n", ex.ok ? "accept" : "refuse: ",
	       ex.ok ? "" : ex.text.s);
}

/* Is @why one of band_parse_attrs()'s errors? */
static bool attr_error(const char *why)
{
	return why == attr_bad || !strncmp(why, "Unknown group attribute", 23) ||
	       !strncmp(why, "Group attribute", 15) ||
	       !strncmp(why, "Invalid limit", 13);
}

/* The figures for attributes: how the case went, as expected. */
static void count_attrs(bool table, unsigned long a0, unsigned long r0)
{
	if (table && ex.attrs) {
		attr_ok += n_accepted - a0;
		attr_refused += n_refused - r0;
		if (n_refused > r0 && attr_error(ex.why))
			attr_why++;
	} else if (!table) {
		lim_ok += n_accepted - a0;
		lim_refused += n_refused - r0;
	}
}

/* Run a table case of the model's @ex. */
static void table_run(struct bdev *target, u64 len)
{
	static struct sb want, d;
	u64 glen;
	unsigned int count;
	const char *n;
	int r;

	verbose_case(target == &mdev ? "table (reload)" : "table");
	if (ex.ok) {
		for (n = ex.cfg.name; *n; n++)
			if ((unsigned char)*n >= 128) {
				latin1_names++;
				break;
			}
	}
	if (dry_run) {
		ex.ok ? n_accepted++ : n_refused++;
		if (ex.ok && target == &tdev)
			tdev_added = true;
		return;
	}
	kmsg_read(false);
	r = dm_load(target->name, len, line.s);
	sb_clear(&klog);
	kmsg_read(true);
	if (!ex.ok) {
		expect_refusal(r);
		if (!r)
			dm_simple(DM_TABLE_CLEAR, target->name, 0);
		return;
	}
	if (r) {
		sb_clear(&d);
		sb_printf(&d, "%s; %s", strerror(-r), klog_band());
		fail("refused, expected accepted", d.s);
		return;
	}
	if (target == &tdev)
		tdev_added = true;
	emit_table(&want, ex.lower, ex.off, &ex.cfg);
	r = dm_table(target->name, true, true, &got, &glen, &count);
	if (r || count != 1 || glen != len || strcmp(got.s, want.s)) {
		sb_clear(&d);
		sb_printf(&d, "read back '%.1000s' (%u targets, %llu sectors, %s), ",
			  got.s, count, glen, r ? strerror(-r) : "ok");
		sb_printf(&d, "expected '%.1000s'", want.s);
		fail("accepted, but reads back wrong", d.s);
	} else {
		n_accepted++;
	}
	r = dm_simple(DM_TABLE_CLEAR, target->name, 0);
	if (r)
		fail("DM_TABLE_CLEAR failed", strerror(-r));
}

static void table_case(struct bdev *target, u64 len, enum kind k)
{
	unsigned long a0 = n_accepted, r0 = n_refused;

	n_table++;
	kinds[k]++;
	table_model(&words, target, len, &ex);
	table_run(target, len);
	count_attrs(true, a0, r0);
}

/* Make the model of a live band device what its table line says. */
static int resync(struct bdev *d)
{
	struct expect e = { 0 };
	u64 len, off;
	unsigned int count;
	int r;

	r = dm_table(d->name, false, true, &got, &len, &count);
	if (r || count != 1)
		return -1;
	split(&words, got.s);
	if (words.n < 6 || !parse_line(&words, &d->cfg, &off, &e)) {
		fprintf(stderr, "dm-fuzz: %s: cannot parse its table '%s'\n",
			d->name, got.s);
		return -1;
	}
	snprintf(d->lower, sizeof(d->lower), "%s", words.v[0]);
	d->size = len;
	d->band = true;
	free(e.text.s);
	cfg_free(&e.cfg);
	return 0;
}

/* Check a live band device's table line against its model. */
static void check_live(struct bdev *d)
{
	static struct sb want, dd;
	u64 len;
	unsigned int count;
	int r;

	emit_table(&want, d->lower, 0, &d->cfg);
	r = dm_table(d->name, false, true, &got, &len, &count);
	if (r || count != 1 || strcmp(got.s, want.s)) {
		sb_clear(&dd);
		sb_printf(&dd, "%s reads back '%.1000s', expected '%.1000s'",
			  d->name, got.s, want.s);
		fail("the table line after the message is wrong", dd.s);
		resync(d);
	}
}

/* Bios held now on a band device: the sum of its groups' held counters. */
static unsigned long held_now(struct bdev *d)
{
	unsigned long held = 0;
	u64 len;
	unsigned int count, i = 0;
	char *p, *save = NULL;

	if (dm_table(d->name, false, false, &got, &len, &count) || !count)
		return 0;
	/* <bg> <epochs> <n>, then 17 fields per group, held the 8th */
	for (p = strtok_r(got.s, " ", &save); p;
	     p = strtok_r(NULL, " ", &save), i++)
		if (i >= 3 && (i - 3) % 17 == 7)
			held += strtoul(p, NULL, 10);
	return held;
}

/* Run a message case to @d. */
static void msg_run(struct bdev *d, enum state st, unsigned int v)
{
	static struct sb dd;
	int r;

	n_msg++;
	states[st]++;
	verbs_run[v]++;
	msg_model(&words, d, &ex);
	verbose_case(d == &hdev ? "message (held)" : "message");
	if (dry_run) {
		if (ex.ok) {
			n_accepted++;
			cfg_copy(&d->cfg, &ex.cfg);
		} else {
			n_refused++;
		}
		return;
	}
	if (st == S_HELD && held_now(d))
		held_seen++;
	kmsg_read(false);
	r = dm_message(d->name, line.s, &result);
	sb_clear(&klog);
	kmsg_read(true);
	if (!ex.ok) {
		expect_refusal(r);
		if (!r)
			resync(d);
		return;
	}
	if (r) {
		sb_clear(&dd);
		sb_printf(&dd, "%s; %s", strerror(-r), klog_band());
		fail("refused, expected accepted", dd.s);
		resync(d);
		return;
	}
	if (ex.stats) {
		char want[32];

		snprintf(want, sizeof(want), "inject=%u epoch=", ex.cfg.inject);
		if (strncmp(result.s, want, strlen(want))) {
			fail("stats prints something else", result.s);
			return;
		}
	}
	cfg_copy(&d->cfg, &ex.cfg);
	n_accepted++;
	if (d->cfg.ng < 2048 || pct(2))
		check_live(d);
}

static void msg_case(struct bdev *d, enum state st, unsigned int v)
{
	unsigned long a0 = n_accepted, r0 = n_refused;

	msg_run(d, st, v);
	if (v == V_LIMIT || v == V_RESERVE)
		count_attrs(false, a0, r0);
}

/* Reload the message device with @c (over the scratch device) and resume. */
static int mdev_reload(struct cfg *c)
{
	static struct sb l;
	int r;

	emit_table(&l, ram.devstr, 0, c);
	if (dry_run) {
		cfg_copy(&mdev.cfg, c);
		return 0;
	}
	r = dm_load(mdev.name, mdev.size, l.s);
	if (!r && !mdev.suspended)
		r = dm_simple(DM_DEV_SUSPEND, mdev.name, DM_SUSPEND_FLAG);
	if (!r)
		r = dm_simple(DM_DEV_SUSPEND, mdev.name, 0);
	if (r) {
		fprintf(stderr, "dm-fuzz: reloading %s with '%.200s': %s\n",
			mdev.name, l.s, strerror(-r));
		return r;
	}
	mdev.suspended = false;
	cfg_copy(&mdev.cfg, c);
	snprintf(mdev.lower, sizeof(mdev.lower), "%s", ram.devstr);
	check_live(&mdev);
	return 0;
}

static int set_suspended(struct bdev *d, bool on)
{
	int r;

	if (d->suspended == on || dry_run)
		return 0;
	r = dm_simple(DM_DEV_SUSPEND, d->name, on ? DM_SUSPEND_FLAG : 0);
	if (r) {
		fprintf(stderr, "dm-fuzz: %s %s: %s\n",
			on ? "suspending" : "resuming", d->name, strerror(-r));
		return r;
	}
	d->suspended = on;
	return 0;
}

/* Ids for @n groups of @type, distinct, in random order. */
static void big_ids(struct cfg *c, int type, size_t n)
{
	u64 range = type == T_CGROUP ? UINT64_MAX - 2 :
			 type == T_PID || type == T_PGRP ? PID_MAX :
			 UINT32_MAX - 1;
	u64 step = 1 + below(range / n), start, i;

	start = (type == T_PID || type == T_PGRP || type == T_CGROUP) ? 1 : 0;
	start += below(range - step * (n - 1) + 1 - (start ? 1 : 0));
	c->ng = 0;
	for (i = 0; i < n; i++) {
		cfg_append(c, start + i * step, 1 + below(1000));
		gen_valid_lim(c->g[i].lim, 3);
	}
	for (i = n; i > 1; i--) {
		size_t j = below(i);
		struct grp g = c->g[i - 1];

		c->g[i - 1] = c->g[j];
		c->g[j] = g;
	}
}

static void big_line(struct cfg *c, size_t extra_words)
{
	size_t i;

	sb_clear(&line);
	sb_printf(&line, "%s 0 fz-t %s %s %llu", ram.devstr,
		  type_names[c->type], policy_names[c->policy], c->token);
	for (i = 0; i < c->ng; i++) {
		sb_printf(&line, " %llu:%u", c->g[i].id, c->g[i].w);
		put_attrs(&line, c->g[i].lim);
	}
	for (i = 0; i < extra_words; i++)
		sb_printf(&line, " %u:1", (unsigned int)(i + 1));
}

/*
 * The big cases: 10,000 groups (accepted; and with a duplicate), more
 * words than any line may have, 131073 groups, exactly 131072, and the
 * message device full.  --big N runs the first N of: the duplicate, too
 * many words, 131073 groups, 10,000 groups accepted (a minute under KASAN
 * on a loaded TCG host), then with --full 131072 groups and the message
 * device full, again and again.
 */
static void big_case(unsigned int which)
{
	struct cfg c = { 0 };
	int types[] = { T_UID, T_GID, T_CGROUP, T_PID };

	gen_valid_cfg(&c, "fz-t", types[below(4)], 0);
	switch (which % 6) {
	case 0:
	case 1:
		big_ids(&c, c.type, 10000 + below(100));
		if (which % 6 == 1) {
			size_t x = below(c.ng), y = below(c.ng - 1);

			c.g[x].id = c.g[y + (y >= x)].id;
		}
		big_line(&c, 0);
		break;
	case 2:
		big_ids(&c, c.type, 1000);
		big_line(&c, MAX_GROUPS + 1 + NOPT + 1 - 1000);
		break;
	case 3:
		c.type = T_CGROUP;
		big_ids(&c, c.type, MAX_GROUPS + 1);
		big_line(&c, 0);
		break;
	case 4:
		c.type = pct(50) ? T_CGROUP : T_UID;
		big_ids(&c, c.type, MAX_GROUPS);
		big_line(&c, 0);
		break;
	case 5:
		cfg_free(&c);
		return;
	}
	split(&words, line.s);
	table_case(&tdev, 8, K_BIG);
	cfg_free(&c);
}

/* The message device with 131072 groups: attach must say it is full. */
static void full_state(void)
{
	struct cfg c = { 0 };
	u64 id;
	unsigned int i;

	gen_valid_cfg(&c, mdev.cfg.name, T_CGROUP, 0);
	big_ids(&c, T_CGROUP, MAX_GROUPS);
	qsort(c.g, c.ng, sizeof(*c.g), grp_cmp);
	if (set_suspended(&mdev, false) || mdev_reload(&c)) {
		n_failed++;
		cfg_free(&c);
		return;
	}
	for (i = 0; i < 7 && case_no < ncases; i++, case_no++) {
		sb_clear(&line);
		switch (i) {
		case 0:
		case 3:
		case 5:
			do
				id = gen_valid_id(T_CGROUP);
			while (cfg_find(&mdev.cfg, id));
			sb_printf(&line, "attach %llu:%u", id,
				  (unsigned int)(1 + below(100)));
			break;
		case 1:
		case 4:
			sb_printf(&line, "detach %llu",
				  pick_existing(&mdev.cfg));
			break;
		case 2:
			sb_printf(&line, "weight %llu:7",
				  pick_existing(&mdev.cfg));
			break;
		case 6:
			sb_printf(&line, "limit %llu:limit_iops=%u,reserve_bps=%u",
				  pick_existing(&mdev.cfg),
				  (unsigned int)below(1000),
				  (unsigned int)below(1000));
			break;
		}
		split(&words, line.s);
		msg_case(&mdev, S_FULL, i == 1 || i == 4 ? V_DETACH :
					i == 2 ? V_WEIGHT :
					i == 6 ? V_LIMIT : V_ATTACH);
	}
	if (!dry_run)
		check_live(&mdev);
	case_no--;	/* the caller counts one more */
	cfg_free(&c);
}

/*
 * A message that sets a state up (not a case): it must be accepted.  The
 * held device gets its one token per epoch back this way, so that bios
 * are held again whatever the cases before changed.
 */
static int setup_msg(struct bdev *d, const char *msg)
{
	struct expect e = { 0 };
	int r = 0;

	sb_clear(&line);
	sb_put(&line, msg);
	split(&words, line.s);
	msg_model(&words, d, &e);
	if (e.ok && !dry_run)
		r = dm_message(d->name, line.s, &result);
	if (!e.ok || r) {
		fprintf(stderr, "dm-fuzz: %s: setting up with '%s' failed: %s\n",
			d->name, msg, r ? strerror(-r) : e.text.s);
		r = -1;
	} else {
		cfg_copy(&d->cfg, &e.cfg);
	}
	free(e.text.s);
	cfg_free(&e.cfg);
	return r;
}

#define NO_LIMITS "limit_iops=0,limit_bps=0,reserve_iops=0,reserve_bps=0"

static bool has_limits(const u64 *lim)
{
	return lim[0] || lim[1] || lim[2] || lim[3];
}

/*
 * No caps or reservations left on @d: a cap of a byte per second would
 * keep a bio for an hour, and a reservation passes bios without tokens.
 */
static int clear_limits(struct bdev *d)
{
	char msg[128];
	size_t i;

	if (has_limits(d->cfg.dlim) && setup_msg(d, "limit " NO_LIMITS))
		return -1;
	for (i = 0; i < d->cfg.ng; i++) {
		if (!has_limits(d->cfg.g[i].lim))
			continue;
		snprintf(msg, sizeof(msg), "reserve %llu:" NO_LIMITS,
			 d->cfg.g[i].id);
		if (setup_msg(d, msg))
			return -1;
	}
	return 0;
}

static int hold_again(struct bdev *d)
{
	char msg[64];
	size_t i;

	if (setup_msg(d, "token 1") || setup_msg(d, "weight 1") ||
	    setup_msg(d, "policy weight") || clear_limits(d))
		return -1;
	for (i = 0; i < d->cfg.ng && i < 64; i++) {
		snprintf(msg, sizeof(msg), "weight %llu:1", d->cfg.g[i].id);
		if (setup_msg(d, msg))
			return -1;
	}
	/*
	 * The keeper (46-fuzz.sh's QD1 reader, uid 1234) a thousand times
	 * root's weight again, so that root's fio has bios held: at equal
	 * weights they were held in one held-state message in twenty.
	 */
	if (d->cfg.type == T_UID &&
	    setup_msg(d, cfg_find(&d->cfg, KEEPER_UID) ? "weight 1234:1000" :
							  "attach 1234:1000"))
		return -1;
	return 0;
}

/* Set the message device up for a block of cases in state @st. */
static struct bdev *enter_state(enum state st)
{
	struct cfg c = { 0 };
	int type;

	switch (st) {
	case S_HELD:
	case S_HELD_SUSPENDED:
		if (set_suspended(&hdev, st == S_HELD_SUSPENDED))
			return NULL;
		if (st == S_HELD && hold_again(&hdev))
			return NULL;
		return &hdev;
	default:
		break;
	}
	if (set_suspended(&mdev, false))
		return NULL;
	type = st == S_NONE ? T_NONE : st == S_GROUPS ? 1 + below(NR_TYPES - 1) :
	       below(NR_TYPES);
	gen_valid_cfg(&c, mdev.cfg.name, type,
		      st == S_GROUPS ? 1 + below(pct(20) ? 300 : 16) : 0);
	if (mdev_reload(&c)) {
		cfg_free(&c);
		return NULL;
	}
	cfg_free(&c);
	if (st == S_SUSPENDED && set_suspended(&mdev, true))
		return NULL;
	return &mdev;
}

static int setup(const char *devpath, const char *held)
{
	struct stat st;
	u64 bytes;
	int fd;

	snprintf(ram.name, sizeof(ram.name), "%s", devpath);
	ram.label = "scratch";
	snprintf(tdev.name, sizeof(tdev.name), "dm-fuzz-t");
	snprintf(mdev.name, sizeof(mdev.name), "dm-fuzz-m");
	if (dry_run) {
		ram.devt = makedev(1, 0);
		ram.size = 32768;
		tdev.devt = makedev(253, 90);
		mdev.devt = makedev(253, 91);
		hdev.devt = makedev(253, 92);
		hdev.size = 2097152;
		snprintf(hdev.name, sizeof(hdev.name), "%s", held ? held : "fz-h");
		snprintf(hdev.devstr, sizeof(hdev.devstr), "253:92");
		snprintf(tdev.devstr, sizeof(tdev.devstr), "253:90");
		snprintf(mdev.devstr, sizeof(mdev.devstr), "253:91");
	} else {
		if (stat(devpath, &st) || !S_ISBLK(st.st_mode)) {
			fprintf(stderr, "dm-fuzz: %s: not a block device\n",
				devpath);
			return -1;
		}
		ram.devt = st.st_rdev;
		fd = open(devpath, O_RDONLY);
		if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes)) {
			perror(devpath);
			return -1;
		}
		close(fd);
		ram.size = bytes >> 9;
		ctl_fd = open("/dev/mapper/control", O_RDWR);
		if (ctl_fd < 0) {
			perror("/dev/mapper/control");
			return -1;
		}
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
		if (kmsg_fd < 0) {
			perror("/dev/kmsg");
			return -1;
		}
		lseek(kmsg_fd, 0, SEEK_END);
		/* left over from a run that was killed */
		dm_simple(DM_DEV_SUSPEND, mdev.name, 0);
		dm_simple(DM_DEV_REMOVE, tdev.name, 0);
		dm_simple(DM_DEV_REMOVE, mdev.name, 0);
		if (dm_create(&tdev) || dm_create(&mdev)) {
			fprintf(stderr, "dm-fuzz: cannot create devices\n");
			return -1;
		}
		if (held) {
			char p[300];

			snprintf(hdev.name, sizeof(hdev.name), "%s", held);
			snprintf(p, sizeof(p), "/dev/mapper/%s", held);
			fd = stat(p, &st) ? -1 : open(p, O_RDONLY);
			if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes)) {
				perror(p);
				return -1;
			}
			close(fd);
			hdev.devt = st.st_rdev;
			snprintf(hdev.devstr, sizeof(hdev.devstr), "%u:%u",
				 major(hdev.devt), minor(hdev.devt));
		}
	}
	snprintf(ram.devstr, sizeof(ram.devstr), "%u:%u", major(ram.devt),
		 minor(ram.devt));
	path_add(devpath, &ram);
	path_add(ram.devstr, &ram);
	path_add(tdev.devstr, &tdev);
	path_add(mdev.devstr, &mdev);
	path_add("/dev/null", NULL);
	path_add("/dev/does-not-exist", NULL);
	path_add("/dev", NULL);
	path_add("0:0", NULL);
	path_add("/dev/mapper/control", NULL);
	if (held || dry_run) {
		char p[300];

		have_held = true;
		snprintf(p, sizeof(p), "/dev/mapper/%s", hdev.name);
		path_add(p, &hdev);
		path_add(hdev.devstr, &hdev);
	}

	/* the message device: half the scratch device, group fz-m */
	mdev.size = ram.size / 2;
	snprintf(mdev.cfg.name, sizeof(mdev.cfg.name), "fz-m");
	mdev.cfg.type = T_UID;
	mdev.cfg.dw = 100;
	mdev.cfg.idle = 8000;
	if (!dry_run) {
		struct cfg c = { 0 };

		cfg_copy(&c, &mdev.cfg);
		emit_table(&line, ram.devstr, 0, &c);
		if (dm_load(mdev.name, mdev.size, line.s) ||
		    dm_simple(DM_DEV_SUSPEND, mdev.name, 0)) {
			fprintf(stderr, "dm-fuzz: cannot load %s: %s\n",
				mdev.name, line.s);
			return -1;
		}
		cfg_free(&c);
		if (resync(&mdev))
			return -1;
		if (held) {
			hdev.label = "held";
			if (resync(&hdev))
				return -1;
			hdev.lowert = 0;
		}
	} else {
		mdev.band = true;
		snprintf(mdev.lower, sizeof(mdev.lower), "%s", ram.devstr);
		hdev.band = true;
		snprintf(hdev.lower, sizeof(hdev.lower), "259:0");
		snprintf(hdev.cfg.name, sizeof(hdev.cfg.name), "fz-h");
		hdev.cfg.type = T_UID;
		hdev.cfg.token = 1;
		hdev.cfg.dw = 1;
		hdev.cfg.idle = 200000;
		cfg_insert(&hdev.cfg, 0, 1);
	}
	mdev.lowert = ram.devt;
	if (have_held) {
		unsigned int ma, mi;

		if (sscanf(hdev.lower, "%u:%u", &ma, &mi) == 2)
			hdev.lowert = makedev(ma, mi);
	}
	return 0;
}

static void teardown(void)
{
	if (dry_run)
		return;
	set_suspended(&hdev, false);
	/* fio's bios on the held device must not wait at a cap */
	if (have_held && clear_limits(&hdev))
		n_failed++;
	dm_simple(DM_DEV_SUSPEND, mdev.name, 0);
	if (dm_simple(DM_DEV_REMOVE, tdev.name, 0) ||
	    dm_simple(DM_DEV_REMOVE, mdev.name, 0)) {
		fprintf(stderr, "dm-fuzz: cannot remove the devices\n");
		n_failed++;
	}
	kmsg_read(false);
}

static void help(void)
{
	fprintf(stderr, "usage: dm-fuzz --seed S --cases N --dev BLOCKDEV\n"
		"	[--held NAME] [--big N] [--full] [--verbose] [--dry-run]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *held = NULL;
	u64 next_big = UINT64_MAX, big_done = 0, shown = 0;
	unsigned int block = 0, i;
	struct bdev *target = NULL;
	enum state st = S_EMPTY;
	struct tline t = { 0 };
	enum kind k;
	int a;

	seed = time(NULL);
	ncases = 1000;
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--cases") && a + 1 < argc)
			ncases = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--dev") && a + 1 < argc)
			dev = argv[++a];
		else if (!strcmp(argv[a], "--held") && a + 1 < argc)
			held = argv[++a];
		else if (!strcmp(argv[a], "--big") && a + 1 < argc)
			nbig = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--full"))
			full = true;
		else if (!strcmp(argv[a], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[a], "--dry-run"))
			dry_run = true;
		else
			help();
	}
	if (!dev)
		help();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("dm-fuzz: seed %llu (replay: dm-fuzz --seed %llu --cases %llu --big %llu%s%s%s)\n",
	       seed, seed,
	       ncases, nbig, full ? " --full" : "", held ? " --held " : "",
	       held ? held : "");
	rng = seed;
	if (chdir("/") || setup(dev, held)) {
		teardown();
		return 2;
	}
	if (nbig)
		next_big = ncases / (nbig + 1);

	for (case_no = 0; case_no < ncases; case_no++) {
		if (ncases >= 1000 && case_no && !(case_no % (ncases / 10)) &&
		    case_no != shown && !verbose && !dry_run) {
			printf("dm-fuzz: %llu cases, %lu failures\n", case_no,
			       n_failed);
			shown = case_no;
		}
		if (case_no >= next_big) {
			/* the refused ones first: they are the fast ones */
			static const unsigned int order[] = { 1, 2, 3, 0, 4, 5 };
			unsigned int which = order[big_done % (full ? 6 : 4)];

			if (which == 5) {
				full_state();
				block = 0;
			} else {
				big_case(which);
			}
			big_done++;
			next_big = big_done < nbig ?
				   ncases * (big_done + 1) / (nbig + 1) :
				   UINT64_MAX;
			continue;
		}
		if (!block) {
			do
				st = below(S_FULL);
			while (!have_held &&
			       (st == S_HELD || st == S_HELD_SUSPENDED));
			target = enter_state(st);
			if (!target) {
				n_failed++;
				break;
			}
			block = 16 + below(112);
		}
		block--;

		if (pct(50)) {
			struct bdev *into = pct(85) ? &tdev : &mdev;

			if (into == &mdev && mdev.cfg.ng > 2048)
				into = &tdev;
			gen_table_base(&t, into);
			k = pct(20) ? K_VALID : mutate_table(&t);
			if (k != K_VALID && pct(25))
				mutate_table(&t);
			wl_join(&t.l, &line, k == K_SEP || pct(5));
			split(&words, line.s);
			/* a device over itself: device-mapper's business */
			if (poisonous(line.s, &words) ||
			    (words.n && !strcmp(words.v[0], into->devstr)) ||
			    (words.n && foreign_devt(words.v[0]))) {
				case_no--;
				continue;
			}
			table_case(into, t.len, k);
		} else {
			unsigned int v = gen_msg(target, &line, st == S_HELD);

			split(&words, line.s);
			if (poisonous(line.s, &words) ||
			    (words.n && words.v[0][0] == '@')) {
				case_no--;
				continue;
			}
			msg_case(target, st, v);
		}
	}
	teardown();

	printf("dm-fuzz: table kinds:");
	for (i = 0; i < NR_KINDS; i++)
		printf(" %s=%lu", kind_names[i], kinds[i]);
	printf("\ndm-fuzz: message states:");
	for (i = 0; i < NR_STATES; i++)
		printf(" %s=%lu", state_names[i], states[i]);
	printf(" (%lu with bios held)\ndm-fuzz: message verbs:", held_seen);
	for (i = 0; i < NR_VERBS; i++)
		printf(" %s=%lu", verb_names[i], verbs_run[i]);
	printf("\ndm-fuzz: attributes: table lines with them %lu accepted, %lu refused",
	       attr_ok, attr_refused);
	printf(" (%lu for an attribute); limit/reserve %lu accepted, %lu refused\n",
	       attr_why, lim_ok, lim_refused);
	if (latin1_names)
		printf("dm-fuzz: note: %lu band group names with Latin-1 letters accepted\n",
		       latin1_names);
	if (kernel_reports)
		printf("dm-fuzz: %lu kernel reports in the log\n",
		       kernel_reports);
	n_failed += kernel_reports;
	printf("dm-fuzz: seed %llu: %lu cases (%lu table, %lu message): ",
	       seed, n_table + n_msg, n_table, n_msg);
	printf("%lu accepted, %lu refused as expected, %lu failures\n",
	       n_accepted, n_refused, n_failed);
	for (i = 0; i < t.l.cap; i++)
		free(t.l.w[i].s);
	free(t.l.w);
	return n_failed ? 1 : 0;
}
