// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the columns of list, show and top: libdevmapper's report
 * engine with bandctl's fields, options and defaults.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bandlib.h"
#include "report.h"
#include "unit.h"

#define ST2 "sda 3 2 default 100 5 10 80 0 0 0 0 0 0 0 0 0 0 0 0 1000 300 -7 30 2400 0 0 1 2 0 0 0 0 0 0 0 0"

static void list_rows(struct list_row *r)
{
	memset(r, 0, 2 * sizeof(*r));
	r[0].name = "bc0";
	r[0].type = "uid";
	r[0].policy = "weight";
	snprintf(r[0].band_group, sizeof(r[0].band_group), "ram0");
	snprintf(r[0].device, sizeof(r[0].device), "/dev/ram0");
	r[0].groups = 3;
	r[1].name = "my--vg-data";
	r[1].type = "cgroup";
	r[1].policy = "weight-iosize";
	snprintf(r[1].band_group, sizeof(r[1].band_group), "sda");
	snprintf(r[1].device, sizeof(r[1].device), "/dev/mapper/vg-orig");
	snprintf(r[1].lv, sizeof(r[1].lv), "my-vg/data");
	r[1].groups = 12;
}

/* The default columns: aligned two blanks apart, no blank at an end. */
static void list_default(void **state)
{
	struct report_opts o = { 0 };
	struct sbuf sb = { 0 };
	const char *want;
	struct list_row r[2];

	(void)state;
	list_rows(r);
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	want =
		"NAME         BAND_GROUP  TYPE    POLICY         GROUPS  DEVICE\n"
		"bc0          ram0        uid     weight              3  /dev/ram0\n"
		"my--vg-data  sda         cgroup  weight-iosize      12  /dev/mapper/vg-orig\n";
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
	assert_true(report_human(&o));
}

/* -o, -O, --noheadings, --separator: as lvs takes them. */
static void list_options(void **state)
{
	struct report_opts o = { 0 };
	struct sbuf sb = { 0 };
	struct list_row r[2];

	(void)state;
	list_rows(r);
	o.fields = "name,lv,groups";
	o.sort = "-groups";
	o.noheadings = 1;
	o.separator = ":";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	assert_string_equal(sb_str(&sb), "my--vg-data:my-vg/data:12\nbc0::3\n");
	sb_free(&sb);
	assert_false(report_human(&o));
	memset(&o, 0, sizeof(o));
	o.fields = "+lv";
	o.sort = "-band_group";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	assert_non_null(strstr(sb_str(&sb), "  DEVICE               LV\n"));
	assert_non_null(strstr(sb_str(&sb), "\nbc0 "));
	assert_true(strstr(sb_str(&sb), "my--vg-data ") < strstr(sb_str(&sb), "bc0 "));
	sb_free(&sb);
}

static void list_errors(void **state)
{
	struct report_opts o = { 0 };
	struct sbuf sb = { 0 };
	struct list_row r[2];

	(void)state;
	list_rows(r);
	o.fields = "name,nosuch";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_USAGE);
	assert_non_null(strstr(report_err, "nosuch"));
	o.fields = NULL;
	o.sort = "nosuch";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_USAGE);
	assert_non_null(strstr(report_err, "nosuch"));
	assert_string_equal(sb_str(&sb), "");
	sb_free(&sb);
	o.sort = NULL;
	o.fields = "help";
	assert_true(report_help(&o));
}

/* -S: the rows a selection picks, as lvs -S; errors are usage errors. */
static void list_select(void **state)
{
	struct report_opts o = { 0 };
	struct sbuf sb = { 0 };
	struct list_row r[2];

	(void)state;
	list_rows(r);
	o.fields = "name";
	o.noheadings = 1;
	o.select = "groups>3";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	assert_string_equal(sb_str(&sb), "my--vg-data\n");
	sb_free(&sb);
	/* a field that is not shown, a regex, && and || */
	o.select = "type=uid || lv=~^my-vg/";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	assert_string_equal(sb_str(&sb), "bc0\nmy--vg-data\n");
	sb_free(&sb);
	o.select = "band_group=sda && policy=weight";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	assert_string_equal(sb_str(&sb), "");
	sb_free(&sb);
	/* nothing selected: nothing printed, not even the headings */
	o.noheadings = 0;
	o.select = "groups=0";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	assert_string_equal(sb_str(&sb), "");
	sb_free(&sb);
	o.select = "nosuch=1";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_USAGE);
	assert_non_null(strstr(report_err, "nosuch"));
	o.select = "groups>";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_USAGE);
	o.select = "name>3";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_USAGE);
	assert_string_equal(sb_str(&sb), "");
	sb_free(&sb);
	o.select = "help";
	assert_true(report_help(&o));
	o.select = "?";
	assert_true(report_help(&o));
}

static void list_json(void **state)
{
	struct report_opts o = { 0 };
	struct sbuf sb = { 0 };
	const char *want;
	struct list_row r[2];

	(void)state;
	list_rows(r);
	o.json = 1;
	o.fields = "name,groups";
	assert_int_equal(report_list(&sb, &o, r, 2), EX_OK);
	want =
		"{\n"
		"    \"band\": [\n"
		"        {\"name\":\"bc0\", \"groups\":\"3\"},\n"
		"        {\"name\":\"my--vg-data\", \"groups\":\"12\"}\n"
		"    ]\n"
		"}\n";
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
}

/*
 * show's columns, headings to the left; percentages to the left too, as
 * lvs prints its own (a percent field selects by its value: -S share>50).
 */
static void view_default(void **state)
{
	static const char *const jobs[] = { "default", "al\"ice" };
	struct report_opts o = { 0 };
	struct band_table t;
	struct band_status st;
	struct band_calc c[2];
	struct band_view v = { 0 };
	struct sbuf sb = { 0 };
	const char *want;

	(void)state;
	assert_int_equal(band_table_parse("8:0 0 sda uid weight 0 :100 1000:300 idle=8000",
					  &t), 0);
	assert_int_equal(band_status_parse(ST2, &st), 0);
	band_calc(&st, NULL, t.policy, -1, c);
	v.name = "data";
	v.t = &t;
	v.st = &st;
	v.jobs = jobs;
	v.calc = c;
	v.since = -1;
	v.secs = -1;
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	want =
		"ID       JOB      WEIGHT  TARGET%  SHARE%  IOPS  MB/s  HELD  TOKENS\n"
		"default  default     100  25.0     25.0       -     -     0       5\n"
		"1000     al\"ice      300  75.0     75.0       -     -     1      -7\n";
	assert_string_equal(sb_str(&sb), want);
	sb_free(&sb);
	/* numbers sort as numbers: tokens -7 before 5, "-" first */
	o.fields = "id,tokens,iops,read_sectors,active";
	o.sort = "tokens";
	o.noheadings = 1;
	o.separator = " ";
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_string_equal(sb_str(&sb), "1000 -7 - 2400 yes\ndefault 5 - 80 yes\n");
	sb_free(&sb);
	o.sort = "-target_share";
	o.fields = "job,target_share";
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_string_equal(sb_str(&sb), "al\"ice 75.0\ndefault 25.0\n");
	sb_free(&sb);
	/* -S on percentages (with or without %), numbers by integer part */
	o.fields = "id";
	o.sort = NULL;
	o.select = "share>=50";
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_string_equal(sb_str(&sb), "1000\n");
	sb_free(&sb);
	o.select = "target_share<25.5% && weight=100";
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_string_equal(sb_str(&sb), "default\n");
	sb_free(&sb);
	o.select = "held>0 || read_sectors>=2400";
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_string_equal(sb_str(&sb), "1000\n");
	sb_free(&sb);
	o.select = "job=~^al && active=yes";
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_string_equal(sb_str(&sb), "1000\n");
	sb_free(&sb);
	/* tokens is signed: refused, not compared wrongly */
	o.select = "tokens>0";
	assert_int_equal(report_view(&sb, &o, &v), EX_USAGE);
	assert_non_null(strstr(report_err, "tokens"));
	o.select = "held_total>0";	/* a field named like it is fine */
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	sb_free(&sb);
	o.select = NULL;
	/* JSON: the fields by their ids */
	memset(&o, 0, sizeof(o));
	o.json = 1;
	o.fields = "id,weight";
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_non_null(strstr(sb_str(&sb), "\"group\": [\n"));
	assert_non_null(strstr(sb_str(&sb), "{\"id\":\"1000\", \"weight\":\"300\"}"));
	sb_free(&sb);
	band_table_free(&t);
	band_status_free(&st);
}

/* A band group's view: a DEVICE column first; top cuts long jobs. */
static void view_group(void **state)
{
	static const char *const devs[] = { "dom1-disk", "dom2-disk" };
	static const char *const jobs[] = {
		"default",
		"/machine.slice/machine-qemu\\x2d12\\x2dguest-with-a-long-name.scope",
	};
	struct band_status b = { 0 };
	struct band_gstat g[2] = { 0 };
	struct band_table t = { 0 };
	struct report_opts o = { 0 };
	struct band_calc c[2];
	struct band_view v = { 0 };
	struct sbuf sb = { 0 };

	(void)state;
	g[0].is_default = 1;
	g[0].weight = 100;
	g[0].read_bios = 25;
	g[1].is_default = 1;
	g[1].weight = 300;
	g[1].read_bios = 75;
	g[1].dev = 1;
	b.nr = 2;
	b.g = g;
	band_calc(&b, NULL, BP_WEIGHT, 1.0, c);
	v.name = "sdb";
	v.t = &t;
	v.st = &b;
	v.jobs = jobs;
	v.devs = devs;
	v.calc = c;
	v.since = -1;
	v.secs = 1.0;
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_non_null(strstr(sb_str(&sb), "DEVICE     ID       JOB"));
	assert_non_null(strstr(sb_str(&sb), "\ndom1-disk  default  default "));
	assert_non_null(strstr(sb_str(&sb), jobs[1]));
	sb_free(&sb);
	v.job_max = 30;
	assert_int_equal(report_view(&sb, &o, &v), EX_OK);
	assert_non_null(strstr(sb_str(&sb),
			       "  /machine.slice...ng-name.scope  "));
	sb_free(&sb);
}

int main(void)
{
	const UNIT_TEST_STRUCT tests[] = {
		cmocka_unit_test(list_default),
		cmocka_unit_test(list_options),
		cmocka_unit_test(list_errors),
		cmocka_unit_test(list_select),
		cmocka_unit_test(list_json),
		cmocka_unit_test(view_default),
		cmocka_unit_test(view_group),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
