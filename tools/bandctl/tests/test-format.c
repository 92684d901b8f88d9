// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of bandctl's figures and output: shares, rates, JSON, titles,
 * the config file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bandlib.h"
#include "unit.h"

#define ST2 "sda 3 2 default 100 5 10 80 0 0 0 0 0 0 0 0 0 0 0 0 1000 300 7 30 2400 0 0 1 2 0 0 0 0 0 0 0 0"

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
	static const char *const lines[] = {
		"sda 1 2 default 100 5 4 32 0 0 0 0 0 0 0 0 0 0 0 0 1000 300 7 10 80 0 0 0 0 0 0 0 0 0 0 0 0",
	};
	const char *line = lines[0];
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

/*
 * The target is a share of the active groups: bios in the interval, or held
 * or in flight now.  An idle group has none (NaN), whatever its weight.
 */
static void calc_active(void **state)
{
	struct band_status a, b;
	struct band_calc c[4];
	static const char *const lines[] = {
		"sda 1 4 default 100 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1000 300 7 30 240 0 0 0 0 0 0 0 0 0 0 0 0 1001 100 7 10 80 0 0 0 0 0 0 0 0 0 0 0 0 1002 600 7 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
		"sda 2 4 default 100 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1000 300 7 60 480 0 0 0 0 0 0 0 0 0 0 0 0 1001 100 7 10 80 0 0 0 0 0 0 0 0 0 0 0 0 1002 600 7 0 0 0 0 1 1 0 0 0 0 0 0 0 0",
	};

	(void)state;
	assert_int_equal(band_status_parse(lines[0], &a), 0);
	band_calc(&a, NULL, BP_WEIGHT, 1.0, c);
	assert_false(c[0].active);
	assert_true(isnan(c[0].target));
	assert_float_equal(c[1].target, 75.0, EPS);
	assert_float_equal(c[2].target, 25.0, EPS);
	assert_false(c[3].active);
	assert_true(isnan(c[3].target));
	/* over an interval: 1001 did nothing, 1002 has a bio held */
	assert_int_equal(band_status_parse(lines[1], &b), 0);
	band_calc(&b, &a, BP_WEIGHT, 1.0, c);
	assert_float_equal(c[1].target, 33.3333, 0.01);
	assert_false(c[2].active);
	assert_true(isnan(c[2].target));
	assert_float_equal(c[3].target, 66.6667, 0.01);
	band_status_free(&a);
	band_status_free(&b);
}

/*
 * A band group's view: the groups of several devices in one list, a
 * DEVICE column, ids matched per device over an interval, job names whole.
 */
static void view_group(void **state)
{
	static const char *const devs[] = { "dom1-disk", "dom2-disk" };
	static const char *const jobs[] = {
		"default",
		"/machine.slice/machine-qemu\\x2d12\\x2dguest-with-a-long-name.scope",
	};
	struct band_status a = { 0 }, b = { 0 };
	struct band_gstat g[2] = { 0 }, p[2] = { 0 };
	struct band_table t = { 0 };
	struct band_calc c[2];
	struct band_view v;
	struct sbuf sb = { 0 };

	(void)state;
	g[0].is_default = 1;
	g[0].weight = 100;
	g[0].read_bios = 25;
	g[1].is_default = 1;
	g[1].weight = 300;
	g[1].read_bios = 75;
	g[1].dev = 1;
	p[0] = g[0];
	p[1] = g[1];
	p[0].read_bios = 5;
	p[1].read_bios = 15;
	b.nr = 2;
	b.g = g;
	a.nr = 2;
	a.g = p;
	snprintf(b.band_group, sizeof(b.band_group), "sdb");
	band_calc(&b, &a, BP_WEIGHT, 1.0, c);
	assert_float_equal(c[0].iops, 20.0, EPS);
	assert_float_equal(c[1].iops, 60.0, EPS);
	assert_float_equal(c[0].target, 25.0, EPS);
	assert_float_equal(c[1].share, 75.0, EPS);
	v.name = "sdb";
	v.t = &t;
	v.st = &b;
	v.jobs = jobs;
	v.devs = devs;
	v.calc = c;
	v.since = -1;
	v.secs = 1.0;
	v.job_max = 0;
	band_view_title(&sb, &v);
	assert_string_equal(sb_str(&sb), "band group sdb, policy weight, epoch 0\n");
	sb_free(&sb);
	/* JSON: always whole */
	v.job_max = 30;
	band_view_json(&sb, &v);
	assert_non_null(strstr(sb_str(&sb), "x2dguest-with-a-long-name.scope"));
	assert_null(strstr(sb_str(&sb), "\"name\""));
	assert_non_null(strstr(sb_str(&sb),
			       "{\"device\":\"dom2-disk\",\"id\":\"default\""));
	sb_free(&sb);
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
	v.devs = NULL;
	v.job_max = 0;
	v.calc = c;
	v.since = 1700000000;
	v.secs = 2.0;
	band_view_json(&sb, &v);
	want =
		"{\"name\":\"data\",\"band_group\":\"sda\",\"type\":\"uid\",\"policy\":\"weight\",\"token_base\":0,\"idle_us\":8000,\"inject\":null,\"epoch\":3,\"since\":1700000000.0,\"seconds\":2.0,\"groups\":[\n"
		"{\"id\":\"default\",\"job\":\"default\",\"weight\":100,\"tokens\":5,\"target_share\":25.0,\"share\":25.0,\"iops\":5.0,\"mbps\":0.0,\"read_bios\":10,\"read_sectors\":80,\"write_bios\":0,\"write_sectors\":0,\"held\":0,\"held_total\":0,\"in_flight\":0,\"debt_bios\":0,\"limit_iops\":0,\"limit_bps\":0,\"limited\":0,\"reserve_iops\":0,\"reserve_bps\":0,\"reserved\":0,\"active\":true},\n"
		"{\"id\":\"1000\",\"job\":\"al\\\"ice\",\"weight\":300,\"tokens\":7,\"target_share\":75.0,\"share\":75.0,\"iops\":15.0,\"mbps\":0.6,\"read_bios\":30,\"read_sectors\":2400,\"write_bios\":0,\"write_sectors\":0,\"held\":1,\"held_total\":2,\"in_flight\":0,\"debt_bios\":0,\"limit_iops\":0,\"limit_bps\":0,\"limited\":0,\"reserve_iops\":0,\"reserve_bps\":0,\"reserved\":0,\"active\":true}\n"
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
	band_view_title(&sb, &v);
	assert_string_equal(sb_str(&sb),
			    "data: band group sda, type uid, policy weight, epoch 3\n");
	sb_free(&sb);
	band_table_free(&t);
	/* inject as the table line has it: 0 or 1 */
	assert_int_equal(band_table_parse("8:0 0 sda uid weight 0 :100 1000:300 idle=8000 inject=0",
					  &t), 0);
	band_view_json(&sb, &v);
	assert_non_null(strstr(sb_str(&sb),
			       ",\"idle_us\":8000,\"inject\":0,\"epoch\":3,"));
	sb_free(&sb);
	band_table_free(&t);
	assert_int_equal(band_table_parse("8:0 0 sda uid weight 0 :100 1000:300 inject=1",
					  &t), 0);
	band_view_json(&sb, &v);
	assert_non_null(strstr(sb_str(&sb),
			       ",\"idle_us\":null,\"inject\":1,\"epoch\":3,"));
	sb_free(&sb);
	band_table_free(&t);
	band_status_free(&st);
}

static void config_ok(void **state)
{
	struct conf c;
	char e[256];

	(void)state;
	assert_int_equal(conf_parse("# dm-band\n"
				    "\n"
				    "wrap vg0/data type=uid band-group=sda  # users\n"
				    "create vms /dev/vg0/vms type=cgroup policy=weight-iosize token-base=64 idle=100 inject=0\n"
				    "wrap vg0/vms inject=1\n"
				    "  weight vg0-data uid:alice 300\n"
				    "weight vms default 50\n"
				    "weight vms cgroup:/a 5 limit-iops=100 limit-bw=10M reserve-iops=none reserve-bw=1G\n",
				    &c, e, sizeof(e)), 0);
	assert_int_equal(c.n, 6);
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
	assert_int_equal(c.e[1].opts.inject, 0);
	assert_true(c.e[1].opts.set & OPT_INJECT);
	assert_false(c.e[0].opts.set & OPT_INJECT);
	assert_int_equal(c.e[2].kind, CONF_WRAP);
	assert_int_equal(c.e[2].opts.inject, 1);
	assert_int_equal(c.e[2].opts.set, OPT_INJECT);
	assert_int_equal(c.e[3].kind, CONF_WEIGHT);
	assert_string_equal(c.e[3].job, "uid:alice");
	assert_int_equal(c.e[3].weight, 300);
	assert_int_equal(c.e[4].weight, 50);
	assert_int_equal(c.e[4].rate[0], 0);
	assert_int_equal(c.e[5].rate[0], 100);
	assert_int_equal(c.e[5].rate[1], 10485760);
	assert_int_equal(c.e[5].rate[2], 0);
	assert_int_equal(c.e[5].rate[3], 1073741824);
	band_rates_fmt(e, sizeof(e), c.e[5].rate);
	assert_string_equal(e, "limit_iops=100,limit_bps=10485760,reserve_bps=1073741824");
	band_rates_fmt(e, sizeof(e), c.e[4].rate);
	assert_string_equal(e, "");
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
		"create n /dev/x inject=2\n",
		"create n /dev/x inject=\n",
		"wrap vg0/data inject=yes\n",
		"create n /dev/x band-group=a/b\n",
		"wrap vg0\n",
		"wrap vg0/data policy=fifo\n",
		"weight n uid:alice\n",
		"weight n uid:alice 0\n",
		"weight n alice 10\n",
		"weight n uid:alice 10 extra\n",
		"weight n uid:alice 10 limit-iops=1K\n",
		"weight n uid:alice 10 limit-bw=10X\n",
		"weight n uid:alice 10 speed=5\n",
		"weight n uid:alice 10 reserve-iops=\n",
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
	/* inject= after idle=, only when given */
	assert_int_equal(band_opt_set(&o, "inject", "0", e, sizeof(e)), 0);
	assert_int_equal(o.inject, 0);
	band_params_fmt(&sb, "254:1", &o);
	assert_string_equal(sb_str(&sb),
			    "254:1 0 sdb cgroup weight 1 idle=200000 inject=0");
	sb_free(&sb);
	assert_int_equal(band_opt_set(&o, "inject", "1", e, sizeof(e)), 0);
	assert_int_equal(o.inject, 1);
	band_params_fmt(&sb, "254:1", &o);
	assert_string_equal(sb_str(&sb),
			    "254:1 0 sdb cgroup weight 1 idle=200000 inject=1");
	sb_free(&sb);
	band_opts_init(&o);
	assert_int_equal(band_opt_set(&o, "band-group", "sdb", e, sizeof(e)), 0);
	assert_int_equal(band_opt_set(&o, "inject", "0", e, sizeof(e)), 0);
	band_params_fmt(&sb, "8:0", &o);
	assert_string_equal(sb_str(&sb), "8:0 0 sdb none weight 0 inject=0");
	sb_free(&sb);
}

static void params_inject_bad(void **state)
{
	static const char *const bad[] = { "2", "", "01", "-1", "on", "1 " };
	struct band_opts o;
	char e[128], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		band_opts_init(&o);
		e[0] = '\0';
		if (!band_opt_set(&o, "inject", bad[i], e, sizeof(e)))
			fail_msg("accepted inject '%s'", bad[i]);
		snprintf(want, sizeof(want), "invalid inject '%s'", bad[i]);
		assert_string_equal(e, want);
		assert_false(o.set & OPT_INJECT);
	}
}

/* A re-wrap rebuilds the device from its saved table: inject= too. */
static void rewrap_opts(void **state)
{
	const char *line =
		"254:3 0 sda uid weight-iosize 64 :70 1000:300 idle=5000 inject=0";
	struct sbuf sb = { 0 };
	struct band_table t;
	struct band_opts o;

	(void)state;
	assert_int_equal(band_table_parse(line, &t), 0);
	band_table_opts(&t, &o);
	band_params_fmt(&sb, "254:9", &o);
	assert_string_equal(sb_str(&sb),
			    "254:9 0 sda uid weight-iosize 64 idle=5000 inject=0");
	sb_free(&sb);
	band_table_free(&t);
	assert_int_equal(band_table_parse("254:3 0 sda uid weight 0 inject=1",
					  &t), 0);
	band_table_opts(&t, &o);
	band_params_fmt(&sb, "254:9", &o);
	assert_string_equal(sb_str(&sb), "254:9 0 sda uid weight 0 inject=1");
	sb_free(&sb);
	band_table_free(&t);
	/* none in the table: none in the new one (the kernel's default) */
	assert_int_equal(band_table_parse("254:3 0 sda none weight 0 :100 idle=8000",
					  &t), 0);
	band_table_opts(&t, &o);
	assert_false(o.set & OPT_INJECT);
	band_params_fmt(&sb, "254:9", &o);
	assert_string_equal(sb_str(&sb), "254:9 0 sda none weight 0 idle=8000");
	sb_free(&sb);
	band_table_free(&t);
}

/*
 * A re-wrap loads the saved weights in its table line, before the
 * options, as the kernel's table prints them: all or nothing.
 */
static void rewrap_weights(void **state)
{
	const char *line =
		"254:3 0 sda uid weight 0 :70 0:5 1000:300 idle=5000 inject=0";
	struct sbuf sb = { 0 };
	struct band_table t;
	struct band_opts o;

	(void)state;
	assert_int_equal(band_table_parse(line, &t), 0);
	band_table_opts(&t, &o);
	o.weights = &t;
	band_params_fmt(&sb, "254:9", &o);
	assert_string_equal(sb_str(&sb),
			    "254:9 0 sda uid weight 0 :70 0:5 1000:300 idle=5000 inject=0");
	sb_free(&sb);
	band_table_free(&t);
	/* type none: the default group's weight alone */
	assert_int_equal(band_table_parse("254:3 0 sdb none weight 0 :100 idle=8000",
					  &t), 0);
	band_table_opts(&t, &o);
	o.weights = &t;
	band_params_fmt(&sb, "254:9", &o);
	assert_string_equal(sb_str(&sb), "254:9 0 sdb none weight 0 :100 idle=8000");
	sb_free(&sb);
	/* and it parses back to the same weights */
	assert_int_equal(band_table_parse("254:9 0 sdb none weight 0 :100 idle=8000",
					  &t), 0);
	assert_int_equal(t.dflt_weight, 100);
	assert_int_equal(t.nr, 0);
	band_table_free(&t);
	/* options alone when no weights are given */
	band_opts_init(&o);
	assert_null(o.weights);
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
		cmocka_unit_test(calc_active),
		cmocka_unit_test(view_group),
		cmocka_unit_test(json_escape),
		cmocka_unit_test(view_json),
		cmocka_unit_test(config_ok),
		cmocka_unit_test(config_bad),
		cmocka_unit_test(params),
		cmocka_unit_test(params_inject_bad),
		cmocka_unit_test(rewrap_opts),
		cmocka_unit_test(rewrap_weights),
		cmocka_unit_test(cmdline),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
