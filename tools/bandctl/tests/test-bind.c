// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the jobs bound to a cgroup's path (watch.c, compiled in
 * here): the bind file's lines, old (without rates) and new, and what a
 * round of watch does with them against a band table.  The state file,
 * the cgroup tree and the device are stubs; set_weight() and set_rates()
 * (weight.c) record their calls ("weight", "rates"), as do the messages.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>

#include "bandlib.h"

/* What watch prints, kept in out. */
static char out[4096];
static __printf(1, 2) int out_printf(const char *fmt, ...);
#define printf(...) out_printf(__VA_ARGS__)
#include "../watch.c"
#undef printf

#include "unit.h"

static int out_printf(const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out + n, sizeof(out) - n, fmt, ap);
	va_end(ap);
	return r;
}

/* ------------------------------------------------------------ stubs */

char dmx_err[512];

static char bind_text[4096];	/* the one device's bind file, "" if none */
static char table[1024];	/* its table's parameters */
static char calls[4096];	/* messages, set_weight() and set_rates() */
/* The cgroup tree: path and id, id 0 for a path that is not there. */
static struct {
	const char *path;
	unsigned long long id;
} tree[4];

static void call(const char *fmt, ...)
{
	size_t n = strlen(calls);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
	n = strlen(calls);
	snprintf(calls + n, sizeof(calls) - n, "\n");
}

char *state_load(const char *name, const char *ext)
{
	assert_string_equal(name, "bw0");
	assert_string_equal(ext, BIND_EXT);
	return bind_text[0] ? strdup(bind_text) : NULL;
}

int state_save(const char *name, const char *ext, const char *text)
{
	assert_string_equal(name, "bw0");
	assert_string_equal(ext, BIND_EXT);
	snprintf(bind_text, sizeof(bind_text), "%s", text);
	return 0;
}

int state_names(const char *ext, char ***names, size_t *n)
{
	assert_string_equal(ext, BIND_EXT);
	*n = 0;
	*names = malloc(sizeof(**names));
	if (*names && bind_text[0]) {
		(*names)[0] = strdup("bw0");
		*n = 1;
	}
	return 0;
}

const char *cgroup2_root(void)
{
	return "/sys/fs/cgroup";
}

int cgroup_id(const char *rel, unsigned long long *id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tree); i++) {
		if (tree[i].path && tree[i].id && !strcmp(tree[i].path, rel)) {
			*id = tree[i].id;
			return EX_OK;
		}
	}
	return EX_BADJOB;
}

int unit_cgroup(const char *unit, char *rel, size_t len)
{
	snprintf(rel, len, "/system.slice/%s", unit);
	return EX_OK;
}

int band_open(const char *arg, struct bdev *b, int status)
{
	(void)status;
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", arg);
	assert_int_equal(band_table_parse(table, &b->t), 0);
	return EX_OK;
}

void band_close(struct bdev *b)
{
	band_table_free(&b->t);
}

int dmx_message(const char *name, const char *msg)
{
	call("%s: %s", name, msg);
	return EX_OK;
}

int set_weight(const struct bdev *b, const struct band_job *job,
	       unsigned long long id, unsigned int w)
{
	assert_false(job->is_default);
	call("%s: weight %llu %u (%s)", b->name, id, w,
	     band_table_weight(&b->t, id) ? "attached" : "new");
	return EX_OK;
}

int set_rates(const struct bdev *b, const struct band_job *job,
	      unsigned long long id, const unsigned long long *rate)
{
	assert_false(job->is_default);
	call("%s: rates %llu %llu,%llu,%llu,%llu", b->name, id, rate[0],
	     rate[1], rate[2], rate[3]);
	return EX_OK;
}

int err(int code, const char *fmt, ...)
{
	(void)fmt;
	call("failed: %d", code);
	return code;
}

int dmerr(int code)
{
	return code;
}

int usage_err(const char *fmt, ...)
{
	(void)fmt;
	return EX_USAGE;
}

int dmx_band_registered(void)
{
	return EX_OK;
}

/* A device bw0 of type cgroup with groups (after the default group). */
static void dev(const char *groups)
{
	snprintf(table, sizeof(table),
		 "7:0 0 bw0 cgroup weight 0 :100 %s idle=8000", groups);
}

static int setup(void **state)
{
	(void)state;
	bind_text[0] = '\0';
	calls[0] = '\0';
	out[0] = '\0';
	memset(tree, 0, sizeof(tree));
	dev("");
	return 0;
}

/* ------------------------------------------------------------ tests */

static void rates(void **state)
{
	unsigned long long r[BAND_NR_RATES] = { 1, 2, 3, 4 };

	(void)state;
	assert_int_equal(rates_parse("", r), 0);
	assert_int_equal(r[0], 1);
	assert_int_equal(rates_parse("limit_iops=500,reserve_bps=1048576", r), 0);
	assert_int_equal(r[0], 500);
	assert_int_equal(r[1], 2);
	assert_int_equal(r[2], 3);
	assert_int_equal(r[3], 1048576);
	/* later ones win: set's options over the table's */
	assert_int_equal(rates_parse("limit_bps=7,limit_bps=0", r), 0);
	assert_int_equal(r[1], 0);
	assert_int_equal(rates_parse("limit_bps=1125899906842624", r), 0);
	assert_int_equal(rates_parse("limit_bps=1125899906842625", r), -1);
	assert_int_equal(rates_parse("limit_iops", r), -1);
	assert_int_equal(rates_parse("limit_iops=-1", r), -1);
	assert_int_equal(rates_parse("limit_iops=1x", r), -1);
	assert_int_equal(rates_parse("weight=5", r), -1);
}

/* A line of an older bandctl (no rates) is read, and saved as it was. */
static void lines_old_and_new(void **state)
{
	struct bind *v;
	size_t n;

	(void)state;
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "1001 300 unit:web.service /system.slice/web.service\n"
		 "1002 200 cgroup:/vm1 /vm1 limit_iops=500,reserve_bps=1048576\n"
		 "- 50 cgroup:/vm2 - -\n"
		 "1004 10 cgroup:/vm3 /vm3 limit_iops=x\n"
		 "garbage\n");
	v = bind_load("bw0", &n);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].id, "1001");
	assert_int_equal(v[0].weight, 300);
	assert_string_equal(v[0].path, "/system.slice/web.service");
	assert_false(v[0].has_rates);
	assert_true(v[1].has_rates);
	assert_int_equal(v[1].rate[0], 500);
	assert_int_equal(v[1].rate[1], 0);
	assert_int_equal(v[1].rate[3], 1048576);
	assert_true(v[2].has_rates);
	assert_int_equal(v[2].rate[0], 0);
	/* bad rates: unknown, as on an old line */
	assert_false(v[3].has_rates);
	assert_int_equal(v[3].rate[0], 0);
	bind_save("bw0", v, n);
	free(v);
	assert_string_equal(bind_text,
			    "1001 300 unit:web.service /system.slice/web.service\n"
			    "1002 200 cgroup:/vm1 /vm1 limit_iops=500,reserve_bps=1048576\n"
			    "- 50 cgroup:/vm2 - -\n"
			    "1004 10 cgroup:/vm3 /vm3\n");
}

/* set remembers the rates a job has after it: "-" for none. */
static void remember(void **state)
{
	unsigned long long r[BAND_NR_RATES] = { 500, 0, 0, 1048576 };
	unsigned long long none[BAND_NR_RATES] = { 0 };
	struct band_job job;
	char msg[64];

	(void)state;
	tree[0].path = "/vm1";
	tree[0].id = 1002;
	tree[1].path = "/system.slice/web.service";
	tree[1].id = 1001;
	assert_int_equal(band_job_parse("cgroup:/vm1", &job, msg, sizeof(msg)), 0);
	bind_remember("bw0", "cgroup:/vm1", &job, 1002, 200, r);
	band_job_free(&job);
	assert_int_equal(band_job_parse("unit:web.service", &job, msg,
					sizeof(msg)), 0);
	bind_remember("bw0", "unit:web.service", &job, 1001, 300, none);
	band_job_free(&job);
	assert_string_equal(bind_text,
			    "1002 200 cgroup:/vm1 /vm1 limit_iops=500,reserve_bps=1048576\n"
			    "1001 300 unit:web.service /system.slice/web.service -\n");
	/* set again: the line is replaced */
	assert_int_equal(band_job_parse("cgroup:/vm1", &job, msg, sizeof(msg)), 0);
	bind_remember("bw0", "cgroup:/vm1", &job, 1002, 250, none);
	band_job_free(&job);
	assert_string_equal(bind_text,
			    "1002 250 cgroup:/vm1 /vm1 -\n"
			    "1001 300 unit:web.service /system.slice/web.service -\n");
}

/* The cgroup made again: the new id gets the weight and the rates. */
static void made_again(void **state)
{
	(void)state;
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "1002 200 cgroup:/vm1 /vm1 limit_iops=500,reserve_bps=1048576\n");
	dev("1002:200,limit_iops=500,reserve_bps=1048576");
	tree[0].path = "/vm1";
	tree[0].id = 1010;
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: detach 1002\n"
			    "bw0: weight 1010 200 (new)\n"
			    "bw0: rates 1010 500,0,0,1048576\n");
	assert_string_equal(bind_text,
			    "1010 200 cgroup:/vm1 /vm1 limit_iops=500,reserve_bps=1048576\n");
	assert_string_equal(out,
			    "bw0: cgroup:/vm1: detached 1002 (its cgroup was made again)\n"
			    "bw0: cgroup:/vm1: attached 1010 (/vm1), weight 200, limit_iops=500,reserve_bps=1048576\n");

	/* attached as bound: nothing to do */
	calls[0] = '\0';
	out[0] = '\0';
	dev("1010:200,limit_iops=500,reserve_bps=1048576");
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "");
	assert_string_equal(out, "");

	/* its cap changed by hand: set back, as its weight would be */
	dev("1010:200,limit_iops=900");
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: rates 1010 500,0,0,1048576\n");
	assert_string_equal(out,
			    "bw0: cgroup:/vm1: 1010 (/vm1) set back to weight 200, limit_iops=500,reserve_bps=1048576\n");
	/* and its caps taken off */
	calls[0] = '\0';
	out[0] = '\0';
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "1010 200 cgroup:/vm1 /vm1 -\n");
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: rates 1010 0,0,0,0\n");
	assert_string_equal(out,
			    "bw0: cgroup:/vm1: 1010 (/vm1) set back to weight 200, no caps or reservations\n");
}

/* No rates bound: a new id gets its weight alone, and no limit message. */
static void made_again_no_rates(void **state)
{
	(void)state;
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "1002 200 cgroup:/vm1 /vm1 -\n");
	dev("1002:200");
	tree[0].path = "/vm1";
	tree[0].id = 1010;
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: detach 1002\n"
			    "bw0: weight 1010 200 (new)\n");
	assert_string_equal(bind_text, "1010 200 cgroup:/vm1 /vm1 -\n");
	/* the line as before rates were bound */
	assert_string_equal(out,
			    "bw0: cgroup:/vm1: detached 1002 (its cgroup was made again)\n"
			    "bw0: cgroup:/vm1: attached 1010 (/vm1), weight 200\n");
}

/* Gone, then back: detached, then attached with its rates again. */
static void gone_and_back(void **state)
{
	(void)state;
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "1002 200 cgroup:/vm1 /vm1 limit_bps=10485760\n");
	dev("1002:200,limit_bps=10485760");
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: detach 1002\n");
	assert_string_equal(bind_text, "- 200 cgroup:/vm1 - limit_bps=10485760\n");

	calls[0] = '\0';
	dev("");
	tree[0].path = "/vm1";
	tree[0].id = 1011;
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: weight 1011 200 (new)\n"
			    "bw0: rates 1011 0,10485760,0,0\n");
	assert_string_equal(bind_text,
			    "1011 200 cgroup:/vm1 /vm1 limit_bps=10485760\n");
}

/*
 * An older bandctl's line: the rates its group has in the table are
 * learnt while it is attached, and carried to the new id.
 */
static void old_line(void **state)
{
	(void)state;
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "1002 200 cgroup:/vm1 /vm1\n");
	dev("1002:200,limit_iops=500");
	tree[0].path = "/vm1";
	tree[0].id = 1002;
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "");
	assert_string_equal(bind_text, "1002 200 cgroup:/vm1 /vm1 limit_iops=500\n");

	/* and so made again at once: the old group's rates */
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "1002 200 cgroup:/vm1 /vm1\n");
	tree[0].id = 1012;
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: detach 1002\n"
			    "bw0: weight 1012 200 (new)\n"
			    "bw0: rates 1012 500,0,0,0\n");
	assert_string_equal(bind_text, "1012 200 cgroup:/vm1 /vm1 limit_iops=500\n");

	/* an old line whose group is gone: its weight alone, as before */
	calls[0] = '\0';
	snprintf(bind_text, sizeof(bind_text), "%s",
		 "- 200 cgroup:/vm1 -\n");
	dev("");
	tree[0].id = 1013;
	assert_int_equal(bind_sync("bw0"), EX_OK);
	assert_string_equal(calls, "bw0: weight 1013 200 (new)\n");
	assert_string_equal(bind_text, "1013 200 cgroup:/vm1 /vm1\n");
}

int main(void)
{
	const UNIT_TEST_STRUCT tests[] = {
		cmocka_unit_test_setup(rates, setup),
		cmocka_unit_test_setup(lines_old_and_new, setup),
		cmocka_unit_test_setup(remember, setup),
		cmocka_unit_test_setup(made_again, setup),
		cmocka_unit_test_setup(made_again_no_rates, setup),
		cmocka_unit_test_setup(gone_and_back, setup),
		cmocka_unit_test_setup(old_line, setup),
	};

	return cmocka_run_group_tests_name("bind", tests, NULL, NULL);
}
