// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-band: constructor-line parsing.
 *
 * Kept apart from the target so that it can be unit-tested (tests/kunit)
 * without opening devices: nothing here touches a bio or a block device.
 */
#include <linux/device-mapper.h>
#include <linux/kernel.h>

#include "dm-band-compat.h"
#include "dm-band.h"

/*
 * Parse an unsigned decimal sector number.  kstrtoull() refuses signs other
 * than a leading '+', trailing characters and values past ULLONG_MAX, which
 * sscanf("%llu") would let through.
 */
static int band_parse_sector(const char *s, sector_t *sector)
{
	unsigned long long tmp;

	if (kstrtoull(s, 10, &tmp) || tmp != (sector_t)tmp)
		return -EINVAL;
	*sector = tmp;
	return 0;
}

/*
 * <dev_path> <offset>
 *
 * Fills @args and returns 0, or sets *@error to a short reason (suitable
 * for ti->error) and returns -EINVAL.
 */
int band_parse_ctr_args(struct dm_arg_set *as, struct band_ctr_args *args,
			char **error)
{
	if (as->argc < 2) {
		*error = "Not enough arguments: <dev_path> <offset> expected";
		return -EINVAL;
	}
	if (as->argc > 2) {
		*error = "Too many arguments: <dev_path> <offset> expected";
		return -EINVAL;
	}

	args->dev_path = dm_shift_arg(as);
	if (!*args->dev_path) {
		*error = "Empty device path";
		return -EINVAL;
	}

	if (band_parse_sector(dm_shift_arg(as), &args->start)) {
		*error = "Invalid offset: unsigned decimal sector number expected";
		return -EINVAL;
	}

	return 0;
}
