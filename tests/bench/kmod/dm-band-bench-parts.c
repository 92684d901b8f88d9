// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the parts of dm-band's fast path cost, one at a time, for make
 * bench's cost scenario (never part of dm_band.ko).
 *
 *   echo 1000000 > /sys/kernel/debug/dm_band_bench/parts
 *   cat /sys/kernel/debug/dm_band_bench/parts
 *
 * A write of N runs each part N times in a loop on the writer's CPU and
 * times the loop; a read gives the nanoseconds per iteration of each
 * (tenths), the empty loop's first, so that a part's own cost is its
 * figure less the loop's.  The parts, as a fast-path bio has them:
 *   clock     ktime_get_ns(), read at a lease's last completion
 *   counters  the two atomic64 adds of band_count()
 *   percpu    the same two adds to per-CPU counters instead
 *   lease     band_lease_charge() and band_lease_done() on an open lease
 *             (dm-band-policy.c's own code, built into this module)
 *   lock      spin_lock_irqsave() and spin_unlock_irqrestore(), one
 *             uncontended pair, what the slow path takes at least twice
 * They run on one CPU, uncontended: the instructions' cost, not the
 * cache lines' moving between CPUs.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "../../../dm-band-policy.c"

#include "dm-band-bench.h"

enum bench_part {
	PART_LOOP,
	PART_CLOCK,
	PART_COUNTERS,
	PART_PERCPU,
	PART_LEASE,
	PART_LOCK,
	NR_PARTS
};

static const char * const part_names[NR_PARTS] = {
	"loop", "clock", "counters", "percpu", "lease", "lock"
};

struct part_counters {
	u64 bios;
	u64 sectors;
};

static DEFINE_PER_CPU(struct part_counters, part_pcpu);
static atomic64_t part_bios, part_sectors;
static DEFINE_SPINLOCK(part_lock);
static u64 part_sink;

/* Under parts_mutex: the last run's iterations and total ns per part. */
static DEFINE_MUTEX(parts_mutex);
static unsigned long parts_n;
static u64 parts_ns[NR_PARTS];
static int parts_err;

/* A pool with one group whose lease is open, with 2^30 tokens or so. */
static int part_lease_open(struct band_pool *p, struct band_pgroup *g)
{
	band_pool_init(p, BAND_POLICY_WEIGHT, BAND_TOKEN_BASE_MAX, 0);
	band_pgroup_attach(p, g, 100);
	band_pgroup_lend(p, g);
	return g->leased ? 0 : -EIO;
}

/* @n iterations of @part: its ns in all, or a negative errno. */
static s64 part_run(enum bench_part part, unsigned long n,
		    struct band_pool *p, struct band_pgroup *g)
{
	unsigned long flags, i;
	u64 start, sum = 0;
	u32 gen;

	start = ktime_get_ns();
	for (i = 0; i < n; i++) {
		switch (part) {
		case PART_LOOP:
			break;
		case PART_CLOCK:
			sum += ktime_get_ns();
			break;
		case PART_COUNTERS:
			atomic64_inc(&part_bios);
			atomic64_add(8, &part_sectors);
			break;
		case PART_PERCPU:
			this_cpu_inc(part_pcpu.bios);
			this_cpu_add(part_pcpu.sectors, 8);
			break;
		case PART_LEASE:
			if (band_lease_charge(g, 1, &gen) != BAND_LEASE_OK)
				return -ENOSPC;
			band_lease_done(g, gen);
			break;
		case PART_LOCK:
			spin_lock_irqsave(&part_lock, flags);
			spin_unlock_irqrestore(&part_lock, flags);
			break;
		case NR_PARTS:
			break;
		}
		barrier();
		if (!(i & 4095))
			cond_resched();
	}
	WRITE_ONCE(part_sink, sum);
	return ktime_get_ns() - start;
}

static ssize_t parts_write(struct file *file, const char __user *buf,
			   size_t len, loff_t *ppos)
{
	u64 ns[NR_PARTS] = { 0 };
	struct band_pgroup *g;
	struct band_pool *p;
	enum bench_part part;
	unsigned long n;
	int r;
	s64 t;

	r = kstrtoul_from_user(buf, len, 10, &n);
	if (r)
		return r;
	/* the lease has about 2^30 tokens: fewer bios than that */
	if (!n || n > BENCH_MAX_RUN)
		return -EINVAL;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	r = -ENOMEM;
	if (!p || !g)
		goto out;
	r = part_lease_open(p, g);
	for (part = PART_LOOP; !r && part < NR_PARTS; part++) {
		t = part_run(part, n, p, g);
		if (t < 0)
			r = t;
		else
			ns[part] = t;
	}
	band_pgroup_detach(p, g);
	mutex_lock(&parts_mutex);
	parts_n = n;
	memcpy(parts_ns, ns, sizeof(ns));
	parts_err = r;
	mutex_unlock(&parts_mutex);
out:
	kfree(g);
	kfree(p);
	return r ?: len;
}

static ssize_t parts_read(struct file *file, char __user *buf, size_t len,
			  loff_t *ppos)
{
	char s[256];
	int i, k;
	u32 rem;
	u64 d;

	mutex_lock(&parts_mutex);
	k = scnprintf(s, sizeof(s), "n=%lu err=%d", parts_n, parts_err);
	for (i = 0; i < NR_PARTS; i++) {
		d = parts_n ? div64_u64(parts_ns[i] * 10, parts_n) : 0;
		d = div_u64_rem(d, 10, &rem);
		k += scnprintf(s + k, sizeof(s) - k, " %s=%llu.%u",
			       part_names[i], d, rem);
	}
	k += scnprintf(s + k, sizeof(s) - k, "\n");
	mutex_unlock(&parts_mutex);
	return simple_read_from_buffer(buf, len, ppos, s, k);
}

static const struct file_operations parts_fops = {
	.owner = THIS_MODULE,
	.read = parts_read,
	.write = parts_write,
	.llseek = default_llseek,
};

void bench_parts_init(struct dentry *dir)
{
	debugfs_create_file("parts", 0600, dir, NULL, &parts_fops);
}
