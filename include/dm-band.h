/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-band: declarations shared by the target (dm-band.c) and the table
 * and message parser (dm-band-ctl.c).
 */
#ifndef DM_BAND_H
#define DM_BAND_H

#include <linux/types.h>

struct dm_arg_set;

/*
 * The constructor arguments once parsed, before any device is opened.
 * The strings point into the argv that dm passed to the constructor.
 */
struct band_ctr_args {
	const char *dev_path;
	sector_t start;
};

int band_parse_ctr_args(struct dm_arg_set *as, struct band_ctr_args *args,
			char **error);

#endif /* DM_BAND_H */
