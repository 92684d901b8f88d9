// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-bio cost microbenchmark for make bench (never loaded by make check,
 * never part of dm_band.ko).
 *
 *   insmod dm_band_bench.ko dev=/dev/mapper/x
 *   echo 100000 > /sys/kernel/debug/dm_band_bench/run    (from each job)
 *   cat /sys/kernel/debug/dm_band_bench/result
 *   echo > /sys/kernel/debug/dm_band_bench/result        (reset)
 *   echo 1000000 > /sys/kernel/debug/dm_band_bench/parts (dm-band-bench-parts.c)
 *
 * A write of N to "run" submits N synchronous 4 KiB reads at random
 * sectors of @dev, one after another, in the writer's own context: a band
 * device classifies them by the writer's pid, process group, uid, gid or
 * cgroup, as it would the writer's direct I/O, so several writers at once
 * are several active groups.  "result" gives the bios run since the last
 * reset, the time from the first one's start to the last one's end, the
 * nanoseconds per bio and the errors.  Over a null_blk device without
 * delay that completes in the submitter's context, through dm-linear and
 * then dm-band in the same guest, the difference is dm-band's map and
 * end_io and what they cause (locks, the worker), without fio, the page
 * cache or system calls per bio around it; the ratio is what an
 * emulator's uniform slowdown leaves intact.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#define DM_BAND_COMPAT_BDEV_OPEN
#include "dm-band-compat.h"
#include "dm-band-bench.h"

static char *dev;
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "block device to read from");

static struct band_bdev_handle bench_h;
static struct block_device *bench_bdev;
static struct dentry *bench_dir;
static struct page *bench_page;

/* Since the last reset, under bench_lock. */
static DEFINE_MUTEX(bench_lock);
static u64 bench_first_ns, bench_last_ns, bench_bios, bench_errors;

static unsigned long bench_run(unsigned long n, u32 seed)
{
	sector_t slots = bdev_nr_sectors(bench_bdev) >> 3;
	unsigned long i, errors = 0;
	struct rnd_state rnd;
	struct bio_vec bvec;
	struct bio bio;

	prandom_seed_state(&rnd, seed);
	for (i = 0; i < n; i++) {
		bio_init(&bio, bench_bdev, &bvec, 1, REQ_OP_READ);
		bio.bi_iter.bi_sector = (prandom_u32_state(&rnd) % slots) << 3;
		__bio_add_page(&bio, bench_page, PAGE_SIZE, 0);
		if (submit_bio_wait(&bio))
			errors++;
		bio_uninit(&bio);
		if (!(i & 255))
			cond_resched();
	}
	return errors;
}

static ssize_t bench_run_write(struct file *file, const char __user *buf,
			       size_t len, loff_t *ppos)
{
	unsigned long n, errors;
	u64 start, end;
	int r;

	r = kstrtoul_from_user(buf, len, 10, &n);
	if (r)
		return r;
	if (!n || n > BENCH_MAX_RUN)
		return -EINVAL;
	start = ktime_get_ns();
	errors = bench_run(n, start ^ task_pid_nr(current));
	end = ktime_get_ns();
	mutex_lock(&bench_lock);
	if (!bench_first_ns || start < bench_first_ns)
		bench_first_ns = start;
	bench_last_ns = max(bench_last_ns, end);
	bench_bios += n;
	bench_errors += errors;
	mutex_unlock(&bench_lock);
	return errors ? -EIO : len;
}

static ssize_t bench_result_read(struct file *file, char __user *buf,
				 size_t len, loff_t *ppos)
{
	char s[160];
	u64 ns;
	int n;

	mutex_lock(&bench_lock);
	ns = bench_last_ns - bench_first_ns;
	n = scnprintf(s, sizeof(s), "bios=%llu ns=%llu ns_per_bio=%llu errors=%llu\n",
		      bench_bios, ns,
		      bench_bios ? div64_u64(ns, bench_bios) : 0, bench_errors);
	mutex_unlock(&bench_lock);
	return simple_read_from_buffer(buf, len, ppos, s, n);
}

static ssize_t bench_result_write(struct file *file, const char __user *buf,
				  size_t len, loff_t *ppos)
{
	mutex_lock(&bench_lock);
	bench_first_ns = 0;
	bench_last_ns = 0;
	bench_bios = 0;
	bench_errors = 0;
	mutex_unlock(&bench_lock);
	return len;
}

static const struct file_operations bench_run_fops = {
	.owner = THIS_MODULE,
	.write = bench_run_write,
	.llseek = noop_llseek,
};

static const struct file_operations bench_result_fops = {
	.owner = THIS_MODULE,
	.read = bench_result_read,
	.write = bench_result_write,
	.llseek = default_llseek,
};

static int __init bench_init(void)
{
	int r;

	if (!dev) {
		pr_err("dm_band_bench: dev=<block device> expected\n");
		return -EINVAL;
	}
	r = band_bdev_open_read(dev, &bench_h);
	if (r) {
		pr_err("dm_band_bench: cannot open %s: %d\n", dev, r);
		return r;
	}
	bench_bdev = band_bdev_of(&bench_h);
	r = -EINVAL;
	if (bdev_nr_sectors(bench_bdev) < 8)
		goto fail;
	r = -ENOMEM;
	bench_page = alloc_page(GFP_KERNEL);
	if (!bench_page)
		goto fail;
	bench_dir = debugfs_create_dir("dm_band_bench", NULL);
	debugfs_create_file("run", 0200, bench_dir, NULL, &bench_run_fops);
	debugfs_create_file("result", 0600, bench_dir, NULL,
			    &bench_result_fops);
	bench_parts_init(bench_dir);
	return 0;
fail:
	band_bdev_close(&bench_h);
	return r;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	__free_page(bench_page);
	band_bdev_close(&bench_h);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("dm-band per-bio cost microbenchmark (make bench only)");
MODULE_LICENSE("GPL");
