// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for dm-band's table parsing; the module also carries the
 * policy tests (dm-band-policy-kunit.c).
 *
 * The code under test is compiled into this module (rather than exported
 * from dm_band.ko) so that the target exports nothing.
 */
#include <kunit/test.h>
#include <linux/device-mapper.h>

#include "../../dm-band-ctl.c"

#include "dm-band-kunit.h"

#define DEV "/dev/sda 0 bg0"

/* Parse a constructor line given as one string of space-separated words. */
static int parse_line(struct kunit *test, const char *line,
		      struct band_conf *conf, char **error)
{
	size_t len = strlen(line) + 1;
	char *copy = kunit_kzalloc(test, len, GFP_KERNEL);
	char **argv = kunit_kcalloc(test, 32, sizeof(*argv), GFP_KERNEL);
	struct dm_arg_set as = { .argv = argv };
	char *word;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, argv);
	memcpy(copy, line, len);
	while ((word = strsep(&copy, " ")) && as.argc < 32)
		if (*word)
			argv[as.argc++] = word;
	*error = NULL;
	return band_parse_ctr_args(&as, conf, error);
}

/* The error a line is refused with, or "" if it parses. */
static const char *parse_error(struct kunit *test, const char *line)
{
	struct band_conf *conf = kunit_kzalloc(test, sizeof(*conf), GFP_KERNEL);
	char *error;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, conf);
	if (!parse_line(test, line, conf, &error)) {
		band_conf_free(conf);
		return "";
	}
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, error);
	return error ?: "(no error)";
}

static void band_ctl_valid(struct kunit *test)
{
	struct band_conf conf;
	char *error;

	KUNIT_ASSERT_EQ(test, parse_line(test, DEV " none weight 0", &conf,
					 &error), 0);
	KUNIT_EXPECT_STREQ(test, conf.dev_path, "/dev/sda");
	KUNIT_EXPECT_EQ(test, conf.start, 0);
	KUNIT_EXPECT_STREQ(test, conf.name, "bg0");
	KUNIT_EXPECT_EQ(test, conf.type, BAND_TYPE_NONE);
	KUNIT_EXPECT_EQ(test, conf.policy, BAND_POLICY_WEIGHT);
	KUNIT_EXPECT_EQ(test, conf.token_base, 0);
	KUNIT_EXPECT_EQ(test, conf.default_weight, BAND_DEFAULT_WEIGHT);
	KUNIT_EXPECT_EQ(test, conf.nr_groups, 0);
	KUNIT_EXPECT_EQ(test, conf.idle_us, BAND_IDLE_US_DEFAULT);
	KUNIT_EXPECT_TRUE(test, conf.inject);	/* on by default */
	KUNIT_EXPECT_NULL(test, error);
	band_conf_free(&conf);
}

static void band_ctl_groups(struct kunit *test)
{
	struct band_conf conf;
	char *error;
	static const char *line =
		"8:16 2048 sda uid weight-iosize 5000 1001:100 :300 1000:300 0:7 idle=0 inject=0";

	KUNIT_ASSERT_EQ(test, parse_line(test, line, &conf, &error), 0);
	KUNIT_EXPECT_STREQ(test, conf.dev_path, "8:16");
	KUNIT_EXPECT_EQ(test, conf.start, 2048);
	KUNIT_EXPECT_EQ(test, conf.type, BAND_TYPE_UID);
	KUNIT_EXPECT_EQ(test, conf.policy, BAND_POLICY_WEIGHT_IOSIZE);
	KUNIT_EXPECT_EQ(test, conf.token_base, 5000);
	KUNIT_EXPECT_EQ(test, conf.default_weight, 300);
	KUNIT_EXPECT_EQ(test, conf.idle_us, 0);
	KUNIT_EXPECT_FALSE(test, conf.inject);
	KUNIT_ASSERT_EQ(test, conf.nr_groups, 3);
	/* sorted by id */
	KUNIT_EXPECT_EQ(test, conf.groups[0].id, 0);
	KUNIT_EXPECT_EQ(test, conf.groups[0].weight, 7);
	KUNIT_EXPECT_EQ(test, conf.groups[1].id, 1000);
	KUNIT_EXPECT_EQ(test, conf.groups[1].weight, 300);
	KUNIT_EXPECT_EQ(test, conf.groups[2].id, 1001);
	KUNIT_EXPECT_EQ(test, conf.groups[2].weight, 100);
	band_conf_free(&conf);
}

static void band_ctl_types(struct kunit *test)
{
	static const char * const ok[] = {
		DEV " pid weight 0 1:1 4194304:1",
		DEV " pgrp weight 0 1:1",
		DEV " gid weight 0 0:1 4294967294:1",
		DEV " cgroup weight 0 1:1 18446744073709551614:1",
		DEV " none weight 1073741824 :1000000",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		KUNIT_EXPECT_STREQ_MSG(test, parse_error(test, ok[i]), "",
				       "line '%s'", ok[i]);
}

/* Each malformed line and the reason it is refused with. */
static const struct {
	const char *line, *error;
} bad_lines[] = {
	{ "", "Not enough arguments: 6 at least, see Documentation/dm-band.rst" },
	{ "/dev/sda 0 bg0 none weight",
	  "Not enough arguments: 6 at least, see Documentation/dm-band.rst" },
	{ "/dev/sda 12x bg0 none weight 0",
	  "Invalid offset: unsigned decimal sector number expected" },
	{ "/dev/sda -1 bg0 none weight 0",
	  "Invalid offset: unsigned decimal sector number expected" },
	{ "/dev/sda 0x10 bg0 none weight 0",
	  "Invalid offset: unsigned decimal sector number expected" },
	{ "/dev/sda 18446744073709551616 bg0 none weight 0",
	  "Invalid offset: unsigned decimal sector number expected" },
	{ "/dev/sda 1.5 bg0 none weight 0",
	  "Invalid offset: unsigned decimal sector number expected" },
	{ "/dev/sda 0 a23456789012345678901234567890123 none weight 0",
	  "Band group name too long (at most 31 characters)" },
	{ "/dev/sda 0 bad/name none weight 0",
	  "Invalid band group name: use letters, digits and _.:-" },
	/* Latin-1 letters: isalnum() in the kernel says yes, dm-band no */
	{ "/dev/sda 0 caf\xe9 none weight 0",
	  "Invalid band group name: use letters, digits and _.:-" },
	{ DEV " nonesuch weight 0",
	  "Unknown type: none, pid, pgrp, uid, gid or cgroup expected" },
	{ DEV " none weighted 0",
	  "Unknown policy: weight or weight-iosize expected" },
	{ DEV " none weight -1",
	  "Invalid token_base: 0 (automatic) to 1073741824 expected" },
	{ DEV " none weight 1073741825",
	  "Invalid token_base: 0 (automatic) to 1073741824 expected" },
	{ DEV " none weight 10x",
	  "Invalid token_base: 0 (automatic) to 1073741824 expected" },
	{ DEV " uid weight 0 :0", "Invalid weight: 1..1000000 expected" },
	{ DEV " uid weight 0 :1000001", "Invalid weight: 1..1000000 expected" },
	{ DEV " uid weight 0 1000:", "Invalid weight: 1..1000000 expected" },
	{ DEV " uid weight 0 1000:4294967397",
	  "Invalid weight: 1..1000000 expected" },
	{ DEV " uid weight 0 1000:1x", "Invalid weight: 1..1000000 expected" },
	{ DEV " uid weight 0 1000", "Invalid group: <id>:<weight> or :<weight> expected" },
	{ DEV " uid weight 0 123456789012345678901234:1",
	  "Invalid group: <id>:<weight> or :<weight> expected" },
	{ DEV " uid weight 0 :1 :2", "Default group given twice" },
	{ DEV " uid weight 0 1000:1 1000:2", "Duplicate group id" },
	{ DEV " uid weight 0 1000:1 +1000:2", "Duplicate group id" },
	{ DEV " uid weight 0 -5:1", "Invalid group id for this type" },
	{ DEV " uid weight 0 4294967295:1", "Invalid group id for this type" },
	{ DEV " pid weight 0 0:1", "Invalid group id for this type" },
	{ DEV " pid weight 0 4194305:1", "Invalid group id for this type" },
	{ DEV " cgroup weight 0 0:1", "Invalid group id for this type" },
	/* 2^64-1 is no cgroup's id, and would wrap a walk over the ids */
	{ DEV " cgroup weight 0 18446744073709551615:1",
	  "Invalid group id for this type" },
	{ DEV " cgroup weight 0 18446744073709551616:1",
	  "Invalid group id for this type" },
	{ DEV " uid weight 0 4294967296:1", "Invalid group id for this type" },
	{ DEV " gid weight 0 4294967295:1", "Invalid group id for this type" },
	{ DEV " none weight 0 1000:1",
	  "Type none has no groups: only :<weight> for the device" },
	{ DEV " uid weight 0 1000:1 foo=1",
	  "Unknown option: idle=<usec> or inject=<0|1> expected" },
	{ DEV " uid weight 0 inject=2", "Invalid inject: 0 or 1 expected" },
	{ DEV " uid weight 0 inject=", "Invalid inject: 0 or 1 expected" },
	{ DEV " uid weight 0 inject=1 inject=0", "Option inject given twice" },
	{ DEV " uid weight 0 inject=1 1000:2", "Groups must come before options" },
	{ DEV " uid weight 0 idle=1000001",
	  "Invalid idle: 0 to 1000000 microseconds expected" },
	{ DEV " uid weight 0 idle=", "Invalid idle: 0 to 1000000 microseconds expected" },
	{ DEV " uid weight 0 idle=1 idle=2", "Option idle given twice" },
	{ DEV " uid weight 0 idle=1 1000:2", "Groups must come before options" },
};

static void band_ctl_bad_lines(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bad_lines); i++)
		KUNIT_EXPECT_STREQ_MSG(test, parse_error(test, bad_lines[i].line),
				       bad_lines[i].error, "line '%s'",
				       bad_lines[i].line);
}

static void band_ctl_empty_path(struct kunit *test)
{
	char empty[] = "", zero[] = "0", name[] = "bg", type[] = "none";
	char policy[] = "weight";
	char *argv[6] = { empty, zero, name, type, policy, zero };
	struct dm_arg_set as = { .argc = 6, .argv = argv };
	struct band_conf conf;
	char *error = NULL;

	KUNIT_EXPECT_EQ(test, band_parse_ctr_args(&as, &conf, &error), -EINVAL);
	KUNIT_EXPECT_STREQ(test, error, "Empty device path");
}

/*
 * More groups than a device may have are refused before anything is
 * allocated for them (kcalloc would warn past 4 MiB); the limit itself is
 * accepted.
 */
static void band_ctl_max_groups(struct kunit *test)
{
	unsigned int n = 6 + BAND_MAX_GROUPS + 2, i;
	char dev[] = "/dev/sda", zero[] = "0", name[] = "bg", type[] = "uid";
	char policy[] = "weight", grp[] = "1:1", dflt[] = ":1";
	struct band_conf conf;
	struct dm_arg_set as;
	char *error = NULL;
	char **argv;

	argv = kvcalloc(n, sizeof(*argv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, argv);
	argv[0] = dev;
	argv[1] = zero;
	argv[2] = name;
	argv[3] = type;
	argv[4] = policy;
	argv[5] = zero;
	for (i = 6; i < n; i++)
		argv[i] = grp;
	argv[6] = dflt;
	as.argc = n;
	as.argv = argv;
	KUNIT_EXPECT_EQ(test, band_parse_ctr_args(&as, &conf, &error), -EINVAL);
	KUNIT_EXPECT_STREQ(test, error, "Too many groups: at most 131072 per device");
	kvfree(argv);
}

static struct kunit_case band_ctl_cases[] = {
	KUNIT_CASE(band_ctl_valid),
	KUNIT_CASE(band_ctl_groups),
	KUNIT_CASE(band_ctl_types),
	KUNIT_CASE(band_ctl_bad_lines),
	KUNIT_CASE(band_ctl_empty_path),
	KUNIT_CASE(band_ctl_max_groups),
	{}
};

static struct kunit_suite band_ctl_suite = {
	.name = "dm_band_ctl",
	.test_cases = band_ctl_cases,
};

kunit_test_suites(&band_ctl_suite, &band_policy_suite);

MODULE_DESCRIPTION("KUnit tests for dm-band");
MODULE_LICENSE("GPL");
