/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-band: the one place for kernel-version differences.
 *
 * dm-band supports the kernels Debian 12 ships: 6.1 and 6.12.  Every
 * version guard lives in this header so the rest of the code reads like
 * mainline code for the newest kernel.
 */
#ifndef DM_BAND_COMPAT_H
#define DM_BAND_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "dm-band needs Linux 6.1 or newer"
#endif

/*
 * Opening a block device by path, for reading: only the bench's per-bio
 * cost module (tests/bench/kmod) does; 6.9 made the handle a file.
 */
#ifdef DM_BAND_COMPAT_BDEV_OPEN
#include <linux/blkdev.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
struct band_bdev_handle {
	struct file *file;
};

static inline int band_bdev_open_read(const char *path,
				      struct band_bdev_handle *h)
{
	h->file = bdev_file_open_by_path(path, BLK_OPEN_READ, NULL, NULL);
	return PTR_ERR_OR_ZERO(h->file);
}

static inline struct block_device *band_bdev_of(struct band_bdev_handle *h)
{
	return file_bdev(h->file);
}

static inline void band_bdev_close(struct band_bdev_handle *h)
{
	fput(h->file);
}
#else
struct band_bdev_handle {
	struct block_device *bdev;
};

static inline int band_bdev_open_read(const char *path,
				      struct band_bdev_handle *h)
{
	h->bdev = blkdev_get_by_path(path, FMODE_READ, NULL);
	return PTR_ERR_OR_ZERO(h->bdev);
}

static inline struct block_device *band_bdev_of(struct band_bdev_handle *h)
{
	return h->bdev;
}

static inline void band_bdev_close(struct band_bdev_handle *h)
{
	blkdev_put(h->bdev, FMODE_READ);
}
#endif
#endif /* DM_BAND_COMPAT_BDEV_OPEN */

#endif /* DM_BAND_COMPAT_H */
