// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-band: weighted block-I/O bandwidth control for device-mapper.
 *
 * This file is the target.  The constructor line is parsed in
 * dm-band-ctl.c.  For now every bio is passed to the device below at an
 * offset, as dm-linear does; the scheduler grows here.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "dm-band-compat.h"
#include "dm-band.h"

#define DM_MSG_PREFIX "band"

struct band_c {
	struct dm_dev *dev;
	sector_t start;
};

static void band_dtr(struct dm_target *ti)
{
	struct band_c *bc = ti->private;

	if (bc->dev)
		dm_put_device(ti, bc->dev);
	kfree(bc);
}

/*
 * Construct a band mapping:
 *
 *   <dev_path> <offset>
 *
 * <dev_path>: the device below, as a path or major:minor.
 * <offset>:   the first sector used on that device.
 */
static int band_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct band_ctr_args args;
	struct band_c *bc;
	sector_t dev_size;
	int r;

	r = band_parse_ctr_args(&as, &args, &ti->error);
	if (r)
		return r;

	bc = kzalloc(sizeof(*bc), GFP_KERNEL);
	if (!bc) {
		ti->error = "Cannot allocate band context";
		return -ENOMEM;
	}
	ti->private = bc;
	bc->start = args.start;

	r = dm_get_device(ti, args.dev_path, dm_table_get_mode(ti->table),
			  &bc->dev);
	if (r) {
		ti->error = "Device lookup failed";
		goto bad;
	}

	dev_size = bdev_nr_sectors(bc->dev->bdev);
	if (bc->start >= dev_size || ti->len > dev_size - bc->start) {
		ti->error = "Device too small for offset and length";
		r = -EINVAL;
		goto bad;
	}

	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_secure_erase_bios = 1;
	ti->num_write_zeroes_bios = 1;
	return 0;

bad:
	band_dtr(ti);
	return r;
}

static int band_map(struct dm_target *ti, struct bio *bio)
{
	struct band_c *bc = ti->private;

	bio_set_dev(bio, bc->dev->bdev);
	if (bio_sectors(bio))
		bio->bi_iter.bi_sector = bc->start +
			dm_target_offset(ti, bio->bi_iter.bi_sector);

	return DM_MAPIO_REMAPPED;
}

static void band_status(struct dm_target *ti, status_type_t type,
			unsigned int status_flags, char *result,
			unsigned int maxlen)
{
	struct band_c *bc = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		result[0] = '\0';
		break;

	case STATUSTYPE_TABLE:
		DMEMIT("%s %llu", bc->dev->name, (unsigned long long)bc->start);
		break;

	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",device_name=%s,start=%llu;", bc->dev->name,
		       (unsigned long long)bc->start);
		break;
	}
}

static int band_prepare_ioctl(struct dm_target *ti, struct block_device **bdev)
{
	struct band_c *bc = ti->private;

	*bdev = bc->dev->bdev;

	/* Pass ioctls through only if the device sizes match exactly. */
	if (bc->start || ti->len != bdev_nr_sectors(bc->dev->bdev))
		return 1;
	return 0;
}

static int band_iterate_devices(struct dm_target *ti,
				iterate_devices_callout_fn fn, void *data)
{
	struct band_c *bc = ti->private;

	return fn(ti, bc->dev, bc->start, ti->len, data);
}

static struct target_type band_target = {
	.name = "band",
	.version = {0, 1, 0},
	.features = DM_TARGET_NOWAIT,
	.module = THIS_MODULE,
	.ctr = band_ctr,
	.dtr = band_dtr,
	.map = band_map,
	.status = band_status,
	.prepare_ioctl = band_prepare_ioctl,
	.iterate_devices = band_iterate_devices,
};

static int __init dm_band_init(void)
{
	int r = dm_register_target(&band_target);

	if (r < 0)
		DMERR("register failed %d", r);
	return r;
}

static void __exit dm_band_exit(void)
{
	dm_unregister_target(&band_target);
}

module_init(dm_band_init);
module_exit(dm_band_exit);

MODULE_DESCRIPTION(DM_NAME " weighted bandwidth control target");
MODULE_AUTHOR("The dm-band developers");
MODULE_LICENSE("GPL");
