// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for dm-band's parsing, built as their own module.
 *
 * The code under test is compiled into this module (rather than exported
 * from dm_band.ko) so that the target exports nothing.
 */
#include <kunit/test.h>
#include <linux/device-mapper.h>

#include "../../dm-band-ctl.c"

/* Parse a constructor line given as one string of space-separated words. */
static int parse_line(struct kunit *test, const char *line,
		      struct band_ctr_args *args, char **error)
{
	size_t len = strlen(line) + 1;
	char *copy = kunit_kzalloc(test, len, GFP_KERNEL);
	char **argv = kunit_kcalloc(test, 16, sizeof(*argv), GFP_KERNEL);
	struct dm_arg_set as = { .argv = argv };
	char *word;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, argv);
	memcpy(copy, line, len);
	while ((word = strsep(&copy, " ")) && as.argc < 16)
		if (*word)
			argv[as.argc++] = word;
	*error = NULL;
	return band_parse_ctr_args(&as, args, error);
}

static void band_ctl_valid(struct kunit *test)
{
	struct band_ctr_args args;
	char *error;

	KUNIT_EXPECT_EQ(test, parse_line(test, "/dev/sda 0", &args, &error), 0);
	KUNIT_EXPECT_STREQ(test, args.dev_path, "/dev/sda");
	KUNIT_EXPECT_EQ(test, args.start, 0);
	KUNIT_EXPECT_NULL(test, error);

	KUNIT_EXPECT_EQ(test, parse_line(test, "8:16 2048", &args, &error), 0);
	KUNIT_EXPECT_STREQ(test, args.dev_path, "8:16");
	KUNIT_EXPECT_EQ(test, args.start, 2048);
}

static void band_ctl_max_offset(struct kunit *test)
{
	struct band_ctr_args args;
	char *error;

	KUNIT_EXPECT_EQ(test, parse_line(test, "/dev/sda 18446744073709551615",
					 &args, &error), 0);
	KUNIT_EXPECT_EQ(test, args.start, (sector_t)ULLONG_MAX);
}

static void band_ctl_arg_count(struct kunit *test)
{
	struct band_ctr_args args;
	char *error;

	KUNIT_EXPECT_EQ(test, parse_line(test, "", &args, &error), -EINVAL);
	KUNIT_EXPECT_STREQ(test, error,
			   "Not enough arguments: <dev_path> <offset> expected");
	KUNIT_EXPECT_EQ(test, parse_line(test, "/dev/sda", &args, &error),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, error,
			   "Not enough arguments: <dev_path> <offset> expected");
	KUNIT_EXPECT_EQ(test, parse_line(test, "/dev/sda 0 1", &args, &error),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, error,
			   "Too many arguments: <dev_path> <offset> expected");
}

/* Every malformed offset is refused with the same message. */
static const char * const bad_offsets[] = {
	"12x", "-1", "-0", "1.5", "0x10", "1e3", " ", "x",
	"18446744073709551616", "99999999999999999999",
};

static void band_ctl_bad_offset(struct kunit *test)
{
	struct band_ctr_args args;
	char *argv[2], *error;
	struct dm_arg_set as;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad_offsets); i++) {
		argv[0] = "/dev/sda";
		argv[1] = (char *)bad_offsets[i];
		as.argc = 2;
		as.argv = argv;
		error = NULL;
		KUNIT_EXPECT_EQ_MSG(test, band_parse_ctr_args(&as, &args, &error),
				    -EINVAL, "offset '%s'", bad_offsets[i]);
		KUNIT_EXPECT_STREQ_MSG(test, error,
				       "Invalid offset: unsigned decimal sector number expected",
				       "offset '%s'", bad_offsets[i]);
	}
}

static void band_ctl_empty_path(struct kunit *test)
{
	struct band_ctr_args args;
	char empty[] = "", zero[] = "0";
	char *argv[2] = { empty, zero };
	struct dm_arg_set as = { .argc = 2, .argv = argv };
	char *error = NULL;

	KUNIT_EXPECT_EQ(test, band_parse_ctr_args(&as, &args, &error), -EINVAL);
	KUNIT_EXPECT_STREQ(test, error, "Empty device path");
}

static struct kunit_case band_ctl_cases[] = {
	KUNIT_CASE(band_ctl_valid),
	KUNIT_CASE(band_ctl_max_offset),
	KUNIT_CASE(band_ctl_arg_count),
	KUNIT_CASE(band_ctl_bad_offset),
	KUNIT_CASE(band_ctl_empty_path),
	{}
};

static struct kunit_suite band_ctl_suite = {
	.name = "dm_band_ctl",
	.test_cases = band_ctl_cases,
};

kunit_test_suites(&band_ctl_suite);

MODULE_DESCRIPTION("KUnit tests for dm-band");
MODULE_LICENSE("GPL");
