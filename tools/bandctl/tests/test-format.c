// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of bandctl's figures and output: shares, rates, JSON, columns,
 * the config file.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bandlib.h"
#include "unit.h"

#define ST2 "sda 3 2 default 100 5 10 80 0 0 0 0 0 0 1000 300 7 30 2400 0 0 1 2 0 0"

static void calc_since_reset(void **state)
{
	struct band_status st;
	struct band_calc c[2];

	(void)state;
	assert_int_equal(band_status_parse(ST2, &st), 0);
	band_calc(&st, NULL, BP_WEIGHT, 2.0, c);
	assert_float_equal(c[0].target, 25.0, EPS);
	assert_float_equal(c[1].target, 75.0, EPS);
	assert_float_equal(c[0].share, 25.0, EPS);	/* 10 of 40 bios */
	assert_float_equal(c[1].share, 75.0, EPS);
	assert_float_equal(c[0].iops, 5.0, EPS);
	assert_float_equal(c[1].iops, 15.0, EPS);
	assert_float_equal(c[1].mbps, 2400 * 512 / 1e6 / 2, EPS);
	/* weight-iosize: shares of sectors, 80 of 2480 */
	band_calc(&st, NULL, BP_IOSIZE, 2.0, c);
	assert_float_equal(c[0].share, 80 * 100.0 / 2480, EPS);
	/* unknown interval: no rates, shares still */
	band_calc(&st, NULL, BP_WEIGHT, -1, c);
	assert_true(isnan(c[0].iops));
	assert_true(isnan(c[1].mbps));
	assert_float_equal(c[1].share, 75.0, EPS);
	band_status_free(&st);
}

static void calc_delta(void **state)
{
	const char *line =
		"sda 1 2 default 100 5 4 32 0 0 0 0 0 0 1000 300 7 10 80 0 0 0 0 0 0";
	struct band_status a, b;
	struct band_calc c[2];

	(void)state;
	assert_int_equal(band_status_parse(line, &a), 0);
	assert_int_equal(band_status_parse(ST2, &b), 0);
	band_calc(&b, &a, BP_WEIGHT, 1.0, c);
	assert_float_equal(c[0].iops, 6.0, EPS);
	assert_float_equal(c[1].iops, 20.0, EPS);
	assert_float_equal(c[1].share, 20 * 100.0 / 26, EPS);
	/* counters that went down were reset: count from zero */
	band_calc(&a, &b, BP_WEIGHT, 1.0, c);
	assert_float_equal(c[0].iops, 4.0, EPS);
	/* nothing happened: shares unknown */
	band_calc(&b, &b, BP_WEIGHT, 1.0, c);
	assert_true(isnan(c[0].share));
	assert_float_equal(c[0].iops, 0.0, EPS);
	band_status_free(&a);
	band_status_free(&b);
}

static void json_escape(void **state)
{
	struct sbuf sb = { 0 };

	(void)state;
	sb_json_str(&sb, "a\"b\\c\nd\te\x01/\x7f");
	assert_string_equal(sb_str(&sb), "\"a\\\"b\\\\c\\nd\\te\\u0001/\\u007f\"");
	sb_free(&sb);
	sb_json_num(&sb, NAN);
	sb_printf(&sb, " ");
	sb_json_num(&sb, 12.345);
	assert_string_equal(sb_str(&sb), "null 12.3");
	sb_free(&sb);
}

static void view_json(void **state)
{
	static const char *const jobs[] = { "default", "al\"ice" };
	struct band_table t;
	struct band_status st;
	struct band_calc c[2];
	struct band_view v;
	struct sbuf sb = { 0 };
	const char *want;

	(void)state;
	assert_int_equal(band_table_parse("8:0 0 sda uid weight 0 :100 1000:300 idle=8000",
					  &t), 0);
	assert_int_equal(band_status_parse(ST2, &st), 0);
	band_calc(&st, NULL, t.policy, 2.0, c);
	v.name = "data";
	v.t = &t;
	v.st = &st;
	v.jobs = jobs;
	v.calc = c;
	v.since = 1700000000;
	v.secs = 2.0;
	band_view_json(&sb, &v);
	want =
		"{\"name\":\"data\",\"band_group\":\"sda\",\"type\":\"uid\",\"policy\":\"weight\",\"token_base\":0,\"idle_us\":8000,\"epoch\":3,\"since\":1700000000.0,\"seconds\":2.0,\"groups\":[\n"
		"{\"id\":\"default\",\"job\":\"default\",\"weight\":100,\"tokens\":5,\"target_share\":25.0,\"share\":25.0,\"iops\":5.0,\"mbps\":0.0,\"read_bios\":10,\"read_sectors\":80,\"write_bios\":0,\"write_sectors\":0,\"held\":0,\"held_total\":0,\"in_flight\":0,\"debt_bios\":0},\n"
		"{\"id\":\"1000\",\"job\":\"al\\\"ice\",\"weight\":300,\"tokens\":7,\"target_share\":75.0,\"share\":75.0,\"iops\":15.0,\"mbps\":0.6,\"read_bios\":30,\"read_sectors\":2400,\"write_bios\":0,\"write_sectors\":0,\"held\":1,\"held_total\":2,\"in_flight\":0,\"debt_bios\":0}\n"
		"]}\n";
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
	v.since = -1;
	v.secs = -1;
	band_calc(&st, NULL, t.policy, -1, c);
	band_view_json(&sb, &v);
	assert_non_null(strstr(sb_str(&sb), "\"since\":null,\"seconds\":null"));
	assert_non_null(strstr(sb_str(&sb), "\"iops\":null,\"mbps\":null"));
	sb_free(&sb);
	band_view_text(&sb, &v);
	want =
		"ID       JOB      WEIGHT  TARGET%  SHARE%  IOPS  MB/s  HELD  TOKENS\n"
		"default  default     100     25.0    25.0     -     -     0       5\n"
		"1000     al\"ice      300     75.0    75.0     -     -     1       7\n";
	assert_non_null(strstr(sb_str(&sb), want));
	sb_free(&sb);
	band_table_free(&t);
	band_status_free(&st);
}

static void columns(void **state)
{
	static const char *const hdr[] = { "A", "NUM", "LAST" };
	static const char *const r1[] = { "long name", "1", "x" };
	static const char *const r2[] = { "b", "12345", "yy" };
	struct sbuf sb = { 0 };
	struct cols c;

	(void)state;
	cols_init(&c, 3, hdr, "lrl");
	assert_int_equal(cols_add(&c, r1), 0);
	assert_int_equal(cols_add(&c, r2), 0);
	cols_render(&c, &sb);
	assert_string_equal(sb_str(&sb),
			    "A            NUM  LAST\n"
			    "long name      1  x\n"
			    "b          12345  yy\n");
	cols_free(&c);
	sb_free(&sb);
}

static void config_ok(void **state)
{
	struct conf c;
	char e[256];

	(void)state;
	assert_int_equal(conf_parse("# dm-band\n"
				    "\n"
				    "wrap vg0/data type=uid band-group=sda  # users\n"
				    "create vms /dev/vg0/vms type=cgroup policy=weight-iosize token-base=64 idle=100\n"
				    "  weight vg0-data uid:alice 300\n"
				    "weight vms default 50\n", &c, e, sizeof(e)), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.e[0].kind, CONF_WRAP);
	assert_string_equal(c.e[0].name, "vg0/data");
	assert_int_equal(c.e[0].opts.type, BT_UID);
	assert_string_equal(c.e[0].opts.band_group, "sda");
	assert_int_equal(c.e[0].opts.set, OPT_TYPE | OPT_BG);
	assert_int_equal(c.e[0].line, 3);
	assert_int_equal(c.e[1].kind, CONF_CREATE);
	assert_string_equal(c.e[1].dev, "/dev/vg0/vms");
	assert_int_equal(c.e[1].opts.policy, BP_IOSIZE);
	assert_int_equal(c.e[1].opts.token_base, 64);
	assert_int_equal(c.e[1].opts.idle, 100);
	assert_int_equal(c.e[2].kind, CONF_WEIGHT);
	assert_string_equal(c.e[2].job, "uid:alice");
	assert_int_equal(c.e[2].weight, 300);
	assert_int_equal(c.e[3].weight, 50);
	conf_free(&c);
	assert_int_equal(conf_parse("", &c, e, sizeof(e)), 0);
	assert_int_equal(c.n, 0);
	conf_free(&c);
}

static void config_bad(void **state)
{
	static const char *const bad[] = {
		"frob x\n",
		"create onlyname\n",
		"create n /dev/x type=bogus\n",
		"create n /dev/x colour=red\n",
		"create n /dev/x type\n",
		"create n /dev/x token-base=1073741825\n",
		"create n /dev/x idle=1000001\n",
		"create n /dev/x band-group=a/b\n",
		"wrap vg0\n",
		"wrap vg0/data policy=fifo\n",
		"weight n uid:alice\n",
		"weight n uid:alice 0\n",
		"weight n alice 10\n",
		"weight n uid:alice 10 extra\n",
	};
	struct conf c;
	char e[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		e[0] = '\0';
		if (!conf_parse(bad[i], &c, e, sizeof(e)))
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(strstr(e, "line 1: "));
	}
	assert_int_not_equal(conf_parse("# ok\nwrap vg/lv\nnope\n", &c, e,
					sizeof(e)), 0);
	assert_non_null(strstr(e, "line 3: "));
}

static void params(void **state)
{
	struct sbuf sb = { 0 };
	struct band_opts o;
	char e[128];

	(void)state;
	band_opts_init(&o);
	assert_int_equal(band_opt_set(&o, "band-group", "sdb", e, sizeof(e)), 0);
	band_params_fmt(&sb, "/dev/vg0/x", &o);
	assert_string_equal(sb_str(&sb), "/dev/vg0/x 0 sdb none weight 0");
	sb_free(&sb);
	assert_int_equal(band_opt_set(&o, "type", "cgroup", e, sizeof(e)), 0);
	assert_int_equal(band_opt_set(&o, "idle", "200000", e, sizeof(e)), 0);
	assert_int_equal(band_opt_set(&o, "token-base", "1", e, sizeof(e)), 0);
	band_params_fmt(&sb, "254:1", &o);
	assert_string_equal(sb_str(&sb), "254:1 0 sdb cgroup weight 1 idle=200000");
	sb_free(&sb);
}

static void cmdline(void **state)
{
	char buf[32];

	(void)state;
	memcpy(buf, "fio\0--name=x\0\0", 15);
	band_cmdline_fmt(buf, 15);
	assert_string_equal(buf, "fio --name=x");
	memcpy(buf, "a\tb\0", 4);
	band_cmdline_fmt(buf, 4);
	assert_string_equal(buf, "a b");
}

int main(void)
{
	const UNIT_TEST_STRUCT tests[] = {
		cmocka_unit_test(calc_since_reset),
		cmocka_unit_test(calc_delta),
		cmocka_unit_test(json_escape),
		cmocka_unit_test(view_json),
		cmocka_unit_test(columns),
		cmocka_unit_test(config_ok),
		cmocka_unit_test(config_bad),
		cmocka_unit_test(params),
		cmocka_unit_test(cmdline),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
