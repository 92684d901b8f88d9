// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of bandctl's parsers: table and status lines, jobs, names. */
#include <string.h>

#include "bandlib.h"
#include "unit.h"

static void table_full(void **state)
{
	const char *line =
		"254:3 0 sda uid weight-iosize 5000 :70 1000:300 1001:50 idle=1234";
	struct band_table t;

	(void)state;
	assert_int_equal(band_table_parse(line, &t), 0);
	assert_string_equal(t.dev, "254:3");
	assert_string_equal(t.band_group, "sda");
	assert_int_equal(t.type, BT_UID);
	assert_int_equal(t.policy, BP_IOSIZE);
	assert_int_equal(t.token_base, 5000);
	assert_int_equal(t.dflt_weight, 70);
	assert_int_equal(t.idle, 1234);
	assert_int_equal(t.inject, -1);
	assert_int_equal(t.nr, 2);
	assert_int_equal(band_table_weight(&t, 1000), 300);
	assert_int_equal(band_table_weight(&t, 1001), 50);
	assert_int_equal(band_table_weight(&t, 1002), 0);
	band_table_free(&t);
}

static void table_minimal(void **state)
{
	struct band_table t;

	(void)state;
	assert_int_equal(band_table_parse("8:0 2048 grp none weight 0", &t), 0);
	assert_int_equal(t.offset, 2048);
	assert_int_equal(t.dflt_weight, 100);
	assert_true(t.idle == ~0ull);
	assert_int_equal(t.inject, -1);
	assert_int_equal(t.nr, 0);
	band_table_free(&t);
}

/* inject= is kept: the kernel writes inject=0 when off, nothing when on. */
static void table_inject(void **state)
{
	struct band_table t;

	(void)state;
	assert_int_equal(band_table_parse("8:0 0 g uid weight 0 :100 1000:5 idle=8000 inject=0",
					  &t), 0);
	assert_int_equal(t.inject, 0);
	assert_int_equal(t.idle, 8000);
	assert_int_equal(band_table_weight(&t, 1000), 5);
	band_table_free(&t);
	assert_int_equal(band_table_parse("8:0 0 g uid weight 0 idle=8000 inject=1",
					  &t), 0);
	assert_int_equal(t.inject, 1);
	band_table_free(&t);
	/* without idle= */
	assert_int_equal(band_table_parse("8:0 0 g none weight 0 inject=0", &t),
			 0);
	assert_int_equal(t.inject, 0);
	assert_true(t.idle == ~0ull);
	band_table_free(&t);
	assert_int_equal(band_table_parse("8:0 0 g none weight 0 :100 idle=8000",
					  &t), 0);
	assert_int_equal(t.inject, -1);
	band_table_free(&t);
}

/* Caps after a weight are kept as given, and a saved table re-wraps with them. */
static void table_attrs(void **state)
{
	static const char *const lines[] = {
		"8:0 0 g uid weight 0 :100,limit_iops=50 1000:300,limit_iops=200,limit_bps=1048576 1001:5 idle=8000",
	};
	const char *line = lines[0];
	struct sbuf sb = { 0 };
	struct band_table t;
	struct band_opts o;

	(void)state;
	assert_int_equal(band_table_parse(line, &t), 0);
	assert_int_equal(t.dflt_weight, 100);
	assert_string_equal(t.dflt_attrs, "limit_iops=50");
	assert_int_equal(band_table_weight(&t, 1000), 300);
	assert_string_equal(t.grp[0].attrs, "limit_iops=200,limit_bps=1048576");
	assert_string_equal(t.grp[1].attrs, "");
	band_table_opts(&t, &o);
	o.weights = &t;
	band_params_fmt(&sb, "8:0", &o);
	assert_string_equal(sb_str(&sb), line);
	sb_free(&sb);
	band_table_free(&t);
}

static void limits(void **state)
{
	static const char *const bad[] = {
		"", "-1", "x", "10X", "10MB2", "1.5M", "10 M", "1125899906842625",
		"1048577G", "1025T", "none2",
	};
	unsigned long long v;
	size_t i;

	(void)state;
	assert_int_equal(parse_limit("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_limit("none", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_limit("500", &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(parse_limit("10M", &v), 0);
	assert_int_equal(v, 10485760);
	assert_int_equal(parse_limit("10MiB", &v), 0);
	assert_int_equal(v, 10485760);
	assert_int_equal(parse_limit("4kB", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_limit("1G", &v), 0);
	assert_int_equal(v, 1073741824);
	assert_int_equal(parse_limit("1024T", &v), 0);
	assert_int_equal(v, 1ULL << 50);
	assert_int_equal(parse_limit("1125899906842624", &v), 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (!parse_limit(bad[i], &v))
			fail_msg("accepted '%s'", bad[i]);
}

static void table_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"8:0 0 g none weight",			/* too short */
		"8:0 x g none weight 0",		/* offset */
		"8:0 0 g bogus weight 0",		/* type */
		"8:0 0 g uid fifo 0",			/* policy */
		"8:0 0 g uid weight -1",		/* token */
		"8:0 0 g uid weight 0 1000",		/* group without weight */
		"8:0 0 g uid weight 0 1000:0",		/* weight 0 */
		"8:0 0 g uid weight 0 1000:1000001",	/* weight too big */
		"8:0 0 g uid weight 0 x:5",		/* id */
		"8:0 0 g uid weight 0 idle=5 1000:5",	/* options last */
		"8:0 0 g uid weight 0 idle=x",
		"8:0 0 g uid weight 0 inject=1 1000:5",	/* options last */
		"8:0 0 g uid weight 0 inject=2",
		"8:0 0 g uid weight 0 inject=",
		"8:0 0 g uid weight 0 inject=01",
		"8:0 0 g uid weight 0 inject=on",
		"8:0 0 g uid weight 0 inject",
		"8:0 0 bad/name none weight 0",
		"8:0 0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa none weight 0",
		"8:0 0 g uid weight 0 1000:5,",		/* no attribute */
		"8:0 0 g uid weight 0 1000:,limit_iops=5",	/* no weight */
		"8:0 0 g uid weight 0 1000:5,limit iops",	/* not a word */
		"8:0 0 g uid weight 0 1000:5,LIMIT_IOPS=5",
	};
	struct band_table t;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!band_table_parse(bad[i], &t))
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void status_ok(void **state)
{
	struct band_status st;
	const struct band_gstat *g;
	struct band_gstat like = { 0 };
	static const char *const lines[] = {
		"sda 17 2 default 100 -3 1 8 2 16 0 0 0 5 0 0 0 0 0 0 1000 300 64 10 80 20 160 4 9 2 0 500 1048576 7 20 65536 3",
	};
	const char *line = lines[0];

	(void)state;
	assert_int_equal(band_status_parse(line, &st), 0);
	assert_string_equal(st.band_group, "sda");
	assert_int_equal(st.epoch, 17);
	assert_int_equal(st.nr, 2);
	assert_true(st.g[0].is_default);
	assert_int_equal(st.g[0].tokens, -3);
	assert_int_equal(st.g[1].id, 1000);
	assert_int_equal(st.g[1].weight, 300);
	assert_int_equal(st.g[1].read_bios, 10);
	assert_int_equal(st.g[1].read_sectors, 80);
	assert_int_equal(st.g[1].write_bios, 20);
	assert_int_equal(st.g[1].write_sectors, 160);
	assert_int_equal(st.g[1].held, 4);
	assert_int_equal(st.g[1].held_total, 9);
	assert_int_equal(st.g[1].in_flight, 2);
	assert_int_equal(st.g[0].debt_bios, 5);
	assert_int_equal(st.g[1].debt_bios, 0);
	assert_int_equal(st.g[0].limit_iops, 0);
	assert_int_equal(st.g[1].limit_iops, 500);
	assert_int_equal(st.g[1].limit_bps, 1048576);
	assert_int_equal(st.g[1].limited, 7);
	assert_int_equal(st.g[1].reserve_iops, 20);
	assert_int_equal(st.g[1].reserve_bps, 65536);
	assert_int_equal(st.g[1].reserved, 3);
	like.id = 1000;
	g = band_status_find(&st, &like);
	assert_ptr_equal(g, &st.g[1]);
	like.is_default = 1;
	assert_ptr_equal(band_status_find(&st, &like), &st.g[0]);
	like.is_default = 0;
	like.id = 5;
	assert_null(band_status_find(&st, &like));
	band_status_free(&st);
}

static void status_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"sda 1",
		"sda 1 0",					/* no default group */
		"sda 1 1 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0",	/* 16 fields */
		"sda 1 1 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",	/* 18 fields */
		"sda 1 1 default 100 0 0 0 0 0 0 0 0 0 0",	/* 11 fields (old) */
		"sda 1 1 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 x",	/* reserved */
		"sda 1 1 default 100 0 0 0 0 0 0 0 0 0 x 0 0 0 0 0",	/* limit_iops */
		"sda 1 1 default 100 0 0 0 0 0 0 0 0 0 0 0 -1 0 0 0",	/* limited */
		"sda 1 2 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",		/* missing group */
		"sda 1 1 5 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",		/* default not first */
		"sda 1 1 default 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",		/* weight 0 */
		"sda 1 1 default 100 x 0 0 0 0 0 0 0 0 0 0 0 0 0 0",		/* tokens */
		"sda 1 1 default 100 0 0 0 -1 0 0 0 0 0 0 0 0 0 0 0",		/* negative */
		"sda x 1 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",		/* epoch */
		"sda 1 99999999999999999999 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
		"sda 1 2 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 default 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
	};
	struct band_status st;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!band_status_parse(bad[i], &st))
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void job_kinds(void **state)
{
	struct band_job j;
	char e[256];

	(void)state;
	assert_int_equal(band_job_parse("default", &j, e, sizeof(e)), 0);
	assert_true(j.is_default);
	assert_int_equal(band_job_parse("uid:alice", &j, e, sizeof(e)), 0);
	assert_int_equal(j.kind, BT_UID);
	assert_false(j.numeric);
	assert_string_equal(j.name, "alice");
	band_job_free(&j);
	assert_int_equal(band_job_parse("uid:1000", &j, e, sizeof(e)), 0);
	assert_true(j.numeric);
	assert_int_equal(j.id, 1000);
	assert_int_equal(band_job_parse("uid:0", &j, e, sizeof(e)), 0);
	assert_int_equal(band_job_parse("gid:kvm", &j, e, sizeof(e)), 0);
	assert_int_equal(j.kind, BT_GID);
	band_job_free(&j);
	assert_int_equal(band_job_parse("pid:1234", &j, e, sizeof(e)), 0);
	assert_int_equal(j.kind, BT_PID);
	assert_int_equal(j.id, 1234);
	assert_int_equal(band_job_parse("pgrp:1234", &j, e, sizeof(e)), 0);
	assert_int_equal(j.kind, BT_PGRP);
	assert_int_equal(band_job_parse("cgroup:/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope",
					&j, e, sizeof(e)), 0);
	assert_int_equal(j.kind, BT_CGROUP);
	assert_string_equal(j.name, "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope");
	band_job_free(&j);
	assert_int_equal(band_job_parse("cgroup:/", &j, e, sizeof(e)), 0);
	band_job_free(&j);
	assert_int_equal(band_job_parse("cgroup:4242", &j, e, sizeof(e)), 0);
	assert_true(j.numeric);
	assert_int_equal(j.id, 4242);
	/* unit:NAME, a systemd unit's cgroup: a cgroup job found by name */
	assert_int_equal(band_job_parse("unit:nginx.service", &j, e, sizeof(e)), 0);
	assert_int_equal(j.kind, BT_CGROUP);
	assert_true(j.unit);
	assert_false(j.numeric);
	assert_string_equal(j.name, "nginx.service");
	band_job_free(&j);
	assert_int_equal(band_job_parse("unit:user@1000.service", &j, e, sizeof(e)), 0);
	band_job_free(&j);
	assert_int_equal(band_job_parse("unit:machine-qemu\\x2d1\\x2dvm1.scope",
					&j, e, sizeof(e)), 0);
	band_job_free(&j);
}

static void job_bad(void **state)
{
	static const char *const bad[] = {
		"", "alice", "user:alice", "uid:", "uid:-1", "uid:4294967295",
		"uid:a b", "uid:-rf", "pid:0", "pid:4194305", "pid:abc",
		"pgrp:x", "gid:", "cgroup:machine.slice", "cgroup:/a/../b",
		"cgroup:/..", "cgroup:0", "cgroup:", "Default", ":5",
		"unit:", "unit:nginx", "unit:/system.slice/x.service",
		"unit:a b.service", "unit:.service",
	};
	struct band_job j;
	char e[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		e[0] = '\0';
		if (!band_job_parse(bad[i], &j, e, sizeof(e)))
			fail_msg("accepted '%s'", bad[i]);
		assert_true(strlen(e) > 0);
	}
}

static void numbers(void **state)
{
	unsigned long long v;
	unsigned int w;
	long long l;

	(void)state;
	assert_int_equal(parse_ull("0", &v), 0);
	assert_int_equal(parse_ull("18446744073709551615", &v), 0);
	assert_int_not_equal(parse_ull("18446744073709551616", &v), 0);
	assert_int_not_equal(parse_ull("+1", &v), 0);
	assert_int_not_equal(parse_ull(" 1", &v), 0);
	assert_int_not_equal(parse_ull("1 ", &v), 0);
	assert_int_equal(parse_ll("-5", &l), 0);
	assert_int_equal(l, -5);
	assert_int_not_equal(parse_ll("--5", &l), 0);
	assert_int_equal(parse_weight("1000000", &w), 0);
	assert_int_not_equal(parse_weight("0", &w), 0);
	assert_true(band_group_name_valid("sda_1.x:y-z"));
	assert_false(band_group_name_valid(""));
	assert_false(band_group_name_valid("a b"));
}

static void lv_names(void **state)
{
	char vg[16], lv[16];

	(void)state;
	assert_int_equal(vglv_split("vg0/data", vg, lv, sizeof(vg)), 0);
	assert_string_equal(vg, "vg0");
	assert_string_equal(lv, "data");
	assert_int_equal(vglv_split("my-vg/lv-1", vg, lv, sizeof(vg)), 0);
	assert_string_equal(vg, "my-vg");
	assert_string_equal(lv, "lv-1");
	assert_int_not_equal(vglv_split("vg0", vg, lv, sizeof(vg)), 0);
	assert_int_not_equal(vglv_split("/data", vg, lv, sizeof(vg)), 0);
	assert_int_not_equal(vglv_split("vg0/", vg, lv, sizeof(vg)), 0);
	assert_int_not_equal(vglv_split("a/b/c", vg, lv, sizeof(vg)), 0);
	assert_int_not_equal(vglv_split("vg0/data", vg, lv, 4), 0);
}

/* lvm2's file locking: <locking_dir>/V_<vg>, the VG's own name. */
static void lvm_lock_paths(void **state)
{
	static const char *const bad[] = {
		"", "-vg", ".", "..", "#orphans", "#global", "a/b", "vg 0",
		"vg\n", "v\xc3\xa9",
	};
	char p[64];
	size_t i;

	(void)state;
	assert_int_equal(lvm_vg_lock_path("/run/lock/lvm", "vg0", p, sizeof(p)),
			 0);
	assert_string_equal(p, "/run/lock/lvm/V_vg0");
	/* not the device-mapper form: '-' is not doubled */
	assert_int_equal(lvm_vg_lock_path("/run/lock/lvm", "my-vg", p,
					  sizeof(p)), 0);
	assert_string_equal(p, "/run/lock/lvm/V_my-vg");
	assert_int_equal(lvm_vg_lock_path("/var/lock/lvm", "a+b_c.d-", p,
					  sizeof(p)), 0);
	assert_string_equal(p, "/var/lock/lvm/V_a+b_c.d-");
	assert_int_equal(lvm_vg_lock_path("/x", "...", p, sizeof(p)), 0);
	assert_string_equal(p, "/x/V_...");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (!lvm_vg_lock_path("/run/lock/lvm", bad[i], p, sizeof(p)))
			fail_msg("a lock path for VG '%s': %s", bad[i], p);
	assert_int_not_equal(lvm_vg_lock_path("", "vg0", p, sizeof(p)), 0);
	/* "/d/V_vg0" and its NUL: 9 bytes */
	assert_int_equal(lvm_vg_lock_path("/d", "vg0", p, 9), 0);
	assert_int_not_equal(lvm_vg_lock_path("/d", "vg0", p, 8), 0);
}

/* What `lvm lvmconfig --typeconfig full global/KEY...` prints. */
static void lvm_config(void **state)
{
	const char *out = "locking_dir=\"/run/lock/lvm\"\n"
			  "prioritise_write_locks=1\n"
			  "\twait_for_locks=0\n";
	char v[32];

	(void)state;
	assert_int_equal(lvm_config_value(out, "locking_dir", v, sizeof(v)), 0);
	assert_string_equal(v, "/run/lock/lvm");
	assert_int_equal(lvm_config_value(out, "prioritise_write_locks", v,
					  sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(lvm_config_value(out, "wait_for_locks", v, sizeof(v)),
			 0);
	assert_string_equal(v, "0");
	/* a key is whole: no prefix, no suffix */
	assert_int_not_equal(lvm_config_value(out, "locking", v, sizeof(v)), 0);
	assert_int_not_equal(lvm_config_value(out, "dir", v, sizeof(v)), 0);
	assert_int_not_equal(lvm_config_value("", "locking_dir", v, sizeof(v)),
			     0);
	assert_int_not_equal(lvm_config_value("locking_dir=\"\"\n",
					      "locking_dir", v, sizeof(v)), 0);
	assert_int_not_equal(lvm_config_value("locking_dir=\"/a\"b\"",
					      "locking_dir", v, sizeof(v)), 0);
	/* too long for buf: none rather than cut */
	assert_int_not_equal(lvm_config_value(out, "locking_dir", v, 13), 0);
	assert_int_equal(lvm_config_value(out, "locking_dir", v, 14), 0);
	/* the last line without its newline */
	assert_int_equal(lvm_config_value("a=1\nlocking_dir=/l", "locking_dir",
					  v, sizeof(v)), 0);
	assert_string_equal(v, "/l");
}

int main(void)
{
	const UNIT_TEST_STRUCT tests[] = {
		cmocka_unit_test(table_full),
		cmocka_unit_test(table_minimal),
		cmocka_unit_test(table_inject),
		cmocka_unit_test(table_attrs),
		cmocka_unit_test(limits),
		cmocka_unit_test(table_malformed),
		cmocka_unit_test(status_ok),
		cmocka_unit_test(status_malformed),
		cmocka_unit_test(job_kinds),
		cmocka_unit_test(job_bad),
		cmocka_unit_test(numbers),
		cmocka_unit_test(lv_names),
		cmocka_unit_test(lvm_lock_paths),
		cmocka_unit_test(lvm_config),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
