// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-band: weighted block-I/O bandwidth control for device-mapper.
 *
 * Every bio is classified to a group (a job: process, process group, uid,
 * gid, cgroup, or the whole device) and passes while its group has tokens;
 * otherwise it is held, in order, until the band group's next refill
 * releases it from a worker.  The submitter never sleeps.  While no group
 * waits, a bio whose group has tokens passes without the band group's
 * lock, on the tokens its group lent to its lease (band_map_fast()).  The
 * token rules
 * are in dm-band-policy.c; parsing, groups, band groups, their worker's
 * queue and status in dm-band-ctl.c.  This file is the top: the I/O path
 * and the target's entry points.  Neither file below calls into it; the
 * worker function is handed down to band_ctl_init().
 */
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/device-mapper.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "dm-band-compat.h"
#include "dm-band.h"

#define CREATE_TRACE_POINTS
#include "dm_band_trace.h"

#define DM_MSG_PREFIX "band"

/* At most this many bios are released per worker run before it yields. */
#define BAND_RELEASE_BATCH	256

/*
 * Per-bio data: the group a bio passed down for was charged to (or NULL);
 * if it passed under the lock, when and as which bio in flight it was
 * issued, for the pool to learn the device's depth from its latency; if
 * it passed on the fast path, the lease generation it counted in.
 */
struct band_io {
	struct band_grp *grp;
	u64 issued_ns;
	u32 level;
	u32 gen;
	bool fast;
};

/* Under bg->lock: run the worker now, unless that is queued already. */
static void band_kick_locked(struct band_bg *bg)
{
	lockdep_assert_held(&bg->lock);
	if (bg->kicked)
		return;
	bg->kicked = true;
	band_kick_now(bg);
}

/*
 * Under bg->lock, after anything that may make a refill due: run the worker
 * now if it is, or when the oldest lingering group goes idle if bios wait
 * for that, or when the first group held at its cap may go on.  On every
 * bio: calls out of this file only to queue the worker, and then only if
 * it is not queued already for that time or sooner (bg->wake_at).
 */
static void band_schedule(struct band_bg *bg)
{
	struct band_pool *p = &bg->pool;
	u64 expiry = 0, now;

	if (band_pool_refill_due(p) || band_pool_inject_due(p)) {
		band_kick_locked(bg);
		return;
	}
	if (bg->kicked)
		return;		/* it runs now, and schedules itself again */
	if (!list_empty(&p->waiting))
		expiry = band_pool_next_expiry(p);
	if (p->throttle_next && (!expiry || p->throttle_next < expiry))
		expiry = p->throttle_next;
	if (p->reserve_next && !list_empty(&p->waiting) &&
	    (!expiry || p->reserve_next < expiry))
		expiry = p->reserve_next;
	if (!expiry || (bg->wake_at && bg->wake_at <= expiry))
		return;
	now = ktime_get_ns();
	/* Sooner than the run we queued: bring it forward.  Else queue. */
	band_kick_later(bg, expiry > now ?
			nsecs_to_jiffies(expiry - now) + 1 : 0,
			bg->wake_at != 0);
	bg->wake_at = expiry;
}

/* @grp's oldest held bio waits for its cap until @until (ns).  Under lock. */
static void band_throttle(struct band_bg *bg, struct band_grp *grp,
			  u64 until, u64 now)
{
	band_pgroup_throttle(&bg->pool, &grp->pg, until);
	trace_band_limit(bg->name, grp->id, grp->is_default, until - now,
			 grp->pg.limit[BAND_LIMIT_IOPS].rate,
			 grp->pg.limit[BAND_LIMIT_BPS].rate, grp->pg.limited);
}

/* @grp waits for tokens: the worker is to run when its reservation allows. */
static void band_reserve_wait(struct band_bg *bg, struct band_grp *grp,
			      struct bio *bio, u64 now)
{
	band_pool_reserve_wait(&bg->pool,
			       band_pgroup_reserve_due(&grp->pg,
						       bio->bi_iter.bi_size, now));
}

/* A new epoch has started.  Under bg->lock. */
static void band_trace_refill(struct band_bg *bg)
{
	struct band_pool *p = &bg->pool;

	trace_band_refill(bg->name, p->epoch, p->nr_groups, p->total_weight,
			  band_pool_effective_base(p));
}

/* ------------------------------------------------------------ classify */

/* The id of the job that submits @bio, or false if it has none. */
static bool band_task_id(enum band_type type, u64 *id)
{
	if (current->flags & PF_KTHREAD)
		return false;
	switch (type) {
	case BAND_TYPE_PID:
		*id = task_tgid_nr(current);
		break;
	case BAND_TYPE_PGRP:
		*id = task_pgrp_nr(current);
		break;
	case BAND_TYPE_UID:
		*id = from_kuid(&init_user_ns, current_euid());
		break;
	case BAND_TYPE_GID:
		*id = from_kgid(&init_user_ns, current_egid());
		break;
	default:
		return false;
	}
	return true;
}

/*
 * The cgroup that owns @bio.  I/O a task issues itself (direct I/O, reads,
 * its own fsync) belongs to that task's cgroup, whatever pages it moves:
 * a buffer whose pages another cgroup faulted in (shared memory, a memfd)
 * must not put the I/O on that cgroup's account.  I/O a kernel thread
 * issues (writeback from the flusher, swap from kswapd) belongs to the
 * memory cgroup the bio's first page is charged to: the cgroup that
 * dirtied it, the same one whose blkcg writeback puts on the bio.
 * (Device-mapper associates a clone with the original bio's blkcg only
 * when it submits it, after map(), so the blkcg is not there to read.)
 * Bios device-mapper deferred while the device was suspended are mapped
 * later from its worker thread, and so follow the page rule too.
 * Under rcu_read_lock().
 */
static struct cgroup *band_bio_cgroup(struct bio *bio)
{
	struct mem_cgroup *memcg = NULL;

	if (!(current->flags & PF_KTHREAD))
		return task_dfl_cgroup(current);
	/* _check: the page may be a slab or kernel page, not a memcg one */
	if (bio_has_data(bio))
		memcg = page_memcg_check(compound_head(bio_page(bio)));
	if (memcg && memcg->css.parent)		/* not the root */
		return memcg->css.cgroup;
	return NULL;
}

/* The group of the bio's cgroup or of its nearest attached ancestor. */
static struct band_grp *band_cgroup_group(struct xarray *groups,
					  struct bio *bio)
{
	struct band_grp *grp = NULL;
	struct cgroup *cgrp;

	rcu_read_lock();
	for (cgrp = band_bio_cgroup(bio); cgrp && !grp;
	     cgrp = cgroup_parent(cgrp))
		grp = xa_load(groups, cgroup_id(cgrp));
	rcu_read_unlock();
	return grp;
}

/*
 * Under bg->lock, so that a group found cannot be detached meanwhile; or
 * under RCU on the fast path, where it stays in memory but may be being
 * detached (its lease is then closed).
 */
static struct band_grp *band_classify(struct band_dev *bd, struct bio *bio)
{
	struct xarray *groups = READ_ONCE(bd->groups);
	enum band_type type = READ_ONCE(bd->type);
	struct band_grp *grp = NULL;
	u64 id;

	if (xa_empty(groups))
		return bd->dflt;
	if (type == BAND_TYPE_CGROUP)
		grp = band_cgroup_group(groups, bio);
	else if (band_task_id(type, &id))
		grp = xa_load(groups, id);
	return grp ?: bd->dflt;
}

/* ------------------------------------------------------------ I/O path */

static bool band_bio_moves_data(struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
	case REQ_OP_WRITE_ZEROES:
		return false;
	default:
		return true;
	}
}

static u64 band_bio_cost(struct band_bg *bg, struct bio *bio)
{
	return band_pool_cost(&bg->pool, bio_sectors(bio),
			      band_bio_moves_data(bio));
}

/* Count a bio passed down for @grp in its counters. */
static void band_count(struct band_grp *grp, struct bio *bio)
{
	int dir = op_is_write(bio_op(bio)) ? BAND_WRITE : BAND_READ;

	atomic64_inc(&grp->bios[dir]);
	atomic64_add(bio_sectors(bio), &grp->sectors[dir]);
}

/*
 * A bio passed down for @grp under bg->lock.  Its latency teaches the
 * pool the device's depth if its level is known (band_pool_level()).
 */
static void band_account(struct band_grp *grp, struct bio *bio)
{
	struct band_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct band_pool *p = &grp->bd->bg->pool;

	band_count(grp, bio);
	io->grp = grp;
	io->fast = false;
	io->issued_ns = ktime_get_ns();
	io->level = band_pool_level(p);
	band_pgroup_arrived(p, &grp->pg, io->issued_ns);
}

/*
 * A bio of @grp completed at @now, @lat_ns after it was issued as the
 * @level-th in flight (0, 0: not measured).  True if that leaves a
 * detached group idle: the caller frees it once it has dropped bg->lock.
 * Under bg->lock.
 */
static bool band_completed(struct band_bg *bg, struct band_grp *grp,
			   u64 now, u64 lat_ns, u32 level)
{
	band_pgroup_done(&bg->pool, &grp->pg, now, lat_ns, level);
	band_schedule(bg);
	return grp->dead && band_pgroup_idle(&grp->pg);
}

/* @bio passed on @grp's lease, counted in generation @gen. */
static void band_passed_leased(struct band_grp *grp, struct bio *bio,
			       struct band_io *io, u32 gen)
{
	band_count(grp, bio);
	io->grp = grp;
	io->fast = true;
	io->gen = gen;
}

/*
 * The fast path: a bio whose group has an open lease with tokens for it
 * passes without bg->lock (true).  Else the caller takes the lock.
 */
static bool band_map_fast(struct band_dev *bd, struct bio *bio,
			  struct band_io *io)
{
	struct band_bg *bg = bd->bg;
	enum band_lease_result r;
	struct band_grp *grp;
	unsigned long flags;
	bool free;
	u32 gen;

	rcu_read_lock();
	grp = band_classify(bd, bio);
	r = band_lease_charge(&grp->pg, band_bio_cost(bg, bio), &gen);
	if (r == BAND_LEASE_OK) {
		band_passed_leased(grp, bio, io, gen);
	} else if (r == BAND_LEASE_UNDO) {
		/* Counted in flight by a revoke: as if it completed. */
		spin_lock_irqsave(&bg->lock, flags);
		free = band_completed(bg, grp, ktime_get_ns(), 0, 0);
		spin_unlock_irqrestore(&bg->lock, flags);
		if (free)
			band_grp_free(grp);
	}
	rcu_read_unlock();
	return r == BAND_LEASE_OK;
}

/*
 * Under bg->lock, a bio of @grp, whose lease is open, that found too few
 * tokens in it on the fast path (or came while no lease was open): a bio
 * that renewed the lease while this one waited for the lock has put
 * tokens back in it (band_renew()); take them as the fast path does
 * (true).  The lease cannot be revoked while the lock is held, so the
 * charge is not undone by one.
 */
static bool band_map_leased(struct band_grp *grp, struct bio *bio,
			    struct band_io *io, u64 cost)
{
	u32 gen;

	if (band_lease_charge(&grp->pg, cost, &gen) != BAND_LEASE_OK)
		return false;
	band_passed_leased(grp, bio, io, gen);
	return true;
}

/*
 * @grp's lease has too few tokens for a bio of @cost: if it is alone in
 * holding up the refill, start the next epoch in its lease, which stays
 * open (band_pgroup_renew()), and pass the bio (true).  Under bg->lock.
 */
static bool band_renew(struct band_bg *bg, struct band_grp *grp, u64 cost)
{
	u64 epoch = bg->pool.epoch;

	if (!band_pgroup_renew(&bg->pool, &grp->pg, cost))
		return false;
	if (bg->pool.epoch != epoch)
		band_trace_refill(bg);
	return true;
}

/*
 * Bios that must never wait for tokens: they pass, and their cost is
 * charged to their group as debt, paid from its next tokens (as iocost and
 * blk-throttle do).  Swap and memory reclaim, where waiting can deadlock;
 * a filesystem's metadata and priority bios (REQ_META, REQ_PRIO: jbd2's
 * and XFS's log blocks are REQ_META); flushes and FUA writes (journal
 * commits).  Every writer on a filesystem waits for these, so holding them
 * for one group's tokens would make all of them wait for that group.
 */
#define BAND_MUST_PASS_FLAGS \
	(REQ_SWAP | REQ_META | REQ_PRIO | REQ_PREFLUSH | REQ_FUA)

static bool band_must_pass(struct bio *bio)
{
	return (bio->bi_opf & BAND_MUST_PASS_FLAGS) ||
	       (current->flags & PF_MEMALLOC);
}

/*
 * @grp has no tokens for a bio of @cost and nothing held before it.  If
 * holding the bio would make the refill due (no other active group has
 * tokens left), start the new epoch here and pass the bio (true) rather
 * than hold it for the worker: a group alone on the device, or the last
 * one of an epoch to run out, does not wait for a worker run every epoch.
 * Groups that were waiting get their tokens in the same refill; the
 * worker releases their bios.  It was queued when the refill became due
 * (band_schedule() after the charge that spent the last token while they
 * waited), and is queued again here, so that their bios are not left
 * held with tokens (holding up the next refill) if that ever changes.
 * Under bg->lock.
 */
static bool band_refill_now(struct band_bg *bg, struct band_grp *grp,
			    u64 cost)
{
	struct band_pool *p = &bg->pool;
	bool refilled = false, pass;

	if (grp->pg.held)
		return false;
	band_pgroup_hold(p, &grp->pg);
	if (band_pool_refill_due(p)) {
		band_pool_refill(p);
		band_trace_refill(bg);
		refilled = true;
	}
	pass = band_pgroup_release(p, &grp->pg, cost);
	if (!pass)
		band_pgroup_unhold(p, &grp->pg);
	if (refilled && !list_empty(&p->waiting))
		band_kick_locked(bg);
	return pass;
}

/*
 * Hold @bio at the end of its group's queue: for tokens, or, if @until,
 * for its group's cap until then (ns).  Not a bio whose submitter asked
 * not to wait (REQ_NOWAIT: io_uring, RWF_NOWAIT): false, and the caller
 * fails it with BLK_STS_AGAIN once it has dropped the lock; the submitter
 * retries.  Under bg->lock.
 */
static bool band_hold(struct band_bg *bg, struct band_grp *grp,
		      struct bio *bio, u64 until, u64 now)
{
	if (bio->bi_opf & REQ_NOWAIT)
		return false;
	bio_list_add(&grp->held, bio);
	band_pgroup_arrived(&bg->pool, &grp->pg, now ?: ktime_get_ns());
	band_pgroup_hold(&bg->pool, &grp->pg);
	if (until)
		band_throttle(bg, grp, until, now);
	else if (band_pgroup_reserved(&grp->pg))
		band_reserve_wait(bg, grp, bio, now ? now : ktime_get_ns());
	grp->held_total++;
	trace_band_hold(bg->name, grp->id, grp->is_default, bio, grp->pg.held,
			until != 0);
	band_schedule(bg);
	return true;
}

/* @bio of @grp passes: it counts against the group's caps and reservations. */
static void band_limit_pass(struct band_grp *grp, struct bio *bio, u64 now)
{
	if (band_pgroup_limited(&grp->pg) || band_pgroup_reserved(&grp->pg))
		band_pgroup_limit_pass(&grp->bd->bg->pool, &grp->pg,
				       bio->bi_iter.bi_size,
				       now ? now : ktime_get_ns());
}

/*
 * @grp has no tokens for @bio and holds nothing: pass it on the group's
 * reservation if that allows it (true).  *@now is the time, read here if
 * the caller has not.  Under bg->lock.
 */
static bool band_reserve_pass(struct band_bg *bg, struct band_grp *grp,
			      struct bio *bio, u64 *now)
{
	if (!band_pgroup_reserved(&grp->pg) || grp->pg.held)
		return false;
	if (!*now)
		*now = ktime_get_ns();
	if (!band_pgroup_pass_reserved(&bg->pool, &grp->pg,
				       bio->bi_iter.bi_size, *now))
		return false;
	trace_band_reserve(bg->name, grp->id, grp->is_default, bio,
			   grp->pg.held);
	return true;
}

static int band_map(struct dm_target *ti, struct bio *bio)
{
	struct band_c *bc = ti->private;
	struct band_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct band_dev *bd = bc->bd;
	struct band_bg *bg = bd->bg;
	struct band_grp *grp;
	unsigned long flags;
	u64 cost, now = 0, until;
	bool must_pass, held;

	io->grp = NULL;
	bio_set_dev(bio, bc->dev->bdev);
	if (!bio_sectors(bio))
		return DM_MAPIO_REMAPPED;	/* empty flush: free, never waits */
	bio->bi_iter.bi_sector = bc->start +
		dm_target_offset(ti, bio->bi_iter.bi_sector);
	/*
	 * No lease open in the band group: go straight to the lock rather
	 * than look the group up twice.  A stale count only
	 * sends a bio one way or the other; either is correct.
	 */
	if (READ_ONCE(bg->pool.nr_leased) && !band_must_pass(bio) &&
	    band_map_fast(bd, bio, io))
		return DM_MAPIO_REMAPPED;

	spin_lock_irqsave(&bg->lock, flags);
	grp = band_classify(bd, bio);
	cost = band_bio_cost(bg, bio);
	must_pass = !bd->may_hold || band_must_pass(bio);
	until = 0;
	if (!must_pass && band_pgroup_limited(&grp->pg) && !grp->pg.held) {
		now = ktime_get_ns();
		until = band_pgroup_limit_due(&grp->pg, bio->bi_iter.bi_size,
					      now);
	}
	if (!must_pass && !until && grp->pg.leased &&
	    band_map_leased(grp, bio, io, cost)) {
		spin_unlock_irqrestore(&bg->lock, flags);
		return DM_MAPIO_REMAPPED;
	}
	if (must_pass) {
		if (band_pgroup_charge_debt(&bg->pool, &grp->pg, cost)) {
			grp->debt_bios++;
			trace_band_debt(bg->name, grp->id, grp->is_default, bio,
					grp->pg.held);
		}
	} else if (until || (!band_renew(bg, grp, cost) &&
			     !band_pgroup_charge(&bg->pool, &grp->pg, cost) &&
			     !band_refill_now(bg, grp, cost) &&
			     !band_reserve_pass(bg, grp, bio, &now))) {
		/*
		 * Over its cap (held until the cap allows it), or out of
		 * tokens and reservation.  band_refill_now() let it start the
		 * refill a held bio would start, so a group whose only I/O is
		 * REQ_NOWAIT is not refused for ever.
		 */
		held = band_hold(bg, grp, bio, until, now);
		spin_unlock_irqrestore(&bg->lock, flags);
		if (!held)
			bio_wouldblock_error(bio);
		return DM_MAPIO_SUBMITTED;
	}
	band_account(grp, bio);
	band_limit_pass(grp, bio, now);
	/* The group's next bios take the fast path (band_pgroup_lend()). */
	if (bd->may_hold)
		band_pgroup_lend(&bg->pool, &grp->pg);
	band_schedule(bg);
	spin_unlock_irqrestore(&bg->lock, flags);
	return DM_MAPIO_REMAPPED;
}

static int band_end_io(struct dm_target *ti, struct bio *bio,
		       blk_status_t *error)
{
	struct band_io *io = dm_per_bio_data(bio, sizeof(*io));
	struct band_grp *grp = io->grp;
	enum band_lease_end r;
	struct band_bg *bg;
	unsigned long flags;
	u64 now, lat = 0;
	bool free;

	if (!grp)
		return DM_ENDIO_DONE;
	io->grp = NULL;
	if (io->fast) {
		/* RCU: the group may be detached and freed once counted out */
		rcu_read_lock();
		r = band_lease_done(&grp->pg, io->gen);
		if (r == BAND_LEASE_LAST)
			band_lease_idle(&grp->pg, ktime_get_ns());
		rcu_read_unlock();
		if (r != BAND_LEASE_SLOW)
			return DM_ENDIO_DONE;
		/* Its lease was revoked: it counts in the group's in flight. */
		io->level = 0;
	}
	now = ktime_get_ns();
	if (!io->fast)
		lat = now - io->issued_ns;
	bg = grp->bd->bg;
	spin_lock_irqsave(&bg->lock, flags);
	free = band_completed(bg, grp, now, lat, io->level);
	spin_unlock_irqrestore(&bg->lock, flags);
	if (free)
		band_grp_free(grp);
	return DM_ENDIO_DONE;
}

static void band_submit_list(struct bio_list *bios)
{
	struct bio *bio;

	while ((bio = bio_list_pop(bios)))
		dm_submit_bio_remap(bio, NULL);
}

/*
 * May @grp's oldest held bio, @bio, go now (true: the group is charged, the
 * caller passes it on)?  Its cap first (if over it, the group is
 * throttled), then its tokens or a pass from injection, then its
 * reservation (if it has none yet, the worker is to run when it will).
 * Under bg->lock.
 */
static bool band_release_one(struct band_bg *bg, struct band_grp *grp,
			     struct bio *bio, u64 now)
{
	struct band_pgroup *pg = &grp->pg;
	u32 bytes = bio->bi_iter.bi_size;
	u64 until;

	until = band_pgroup_limited(pg) ?
		band_pgroup_limit_due(pg, bytes, now) : 0;
	if (until) {
		band_throttle(bg, grp, until, now);
		return false;
	}
	if (band_pgroup_release(&bg->pool, pg, band_bio_cost(bg, bio))) {
		trace_band_release(bg->name, grp->id, grp->is_default, bio,
				   pg->held);
		return true;
	}
	if (!band_pgroup_reserved(pg))
		return false;
	if (band_pgroup_pass_reserved(&bg->pool, pg, bytes, now)) {
		trace_band_reserve(bg->name, grp->id, grp->is_default, bio,
				   pg->held);
		return true;
	}
	band_reserve_wait(bg, grp, bio, now);
	return false;
}

/*
 * The worker: start a new epoch when due, or fill the device's room while
 * the refill is held up, then release held bios while their groups have
 * tokens, one bio per group per round so that groups interleave.
 */
static void band_release_work(struct work_struct *work)
{
	struct band_bg *bg = container_of(to_delayed_work(work), struct band_bg,
					  release_work);
	struct bio_list bios = BIO_EMPTY_LIST;
	struct band_pgroup *pg, *tmp;
	unsigned int n = 0;
	struct band_grp *grp;
	bool progress;
	u64 now;
	struct bio *bio;

	spin_lock_irq(&bg->lock);
	bg->kicked = false;
	bg->wake_at = 0;
	now = ktime_get_ns();
	band_pool_expire(&bg->pool, now);
	band_pool_unthrottle(&bg->pool, now);
	bg->pool.reserve_next = 0;	/* the walk below finds it again */
	do {
		if (band_pool_refill_due(&bg->pool)) {
			band_pool_refill(&bg->pool);
			band_trace_refill(bg);
		} else if (band_pool_inject_due(&bg->pool)) {
			band_pool_inject(&bg->pool);
		}
		progress = false;
		list_for_each_entry_safe(pg, tmp, &bg->pool.waiting,
					 waiting_node) {
			grp = container_of(pg, struct band_grp, pg);
			bio = bio_list_peek(&grp->held);
			if (!band_release_one(bg, grp, bio, now))
				continue;
			bio_list_pop(&grp->held);
			band_account(grp, bio);
			band_limit_pass(grp, bio, now);
			bio_list_add(&bios, bio);
			progress = true;
			n++;
		}
	} while ((progress || band_pool_refill_due(&bg->pool) ||
		  band_pool_inject_due(&bg->pool)) && n < BAND_RELEASE_BATCH);
	if (!list_empty(&bg->pool.waiting) && n >= BAND_RELEASE_BATCH)
		band_kick_locked(bg);
	else
		band_schedule(bg);
	spin_unlock_irq(&bg->lock);

	band_submit_list(&bios);
}

/*
 * Move everything @grp holds to @bios, charged as debt, for the caller to
 * submit once it has dropped bg->lock.  Under bg->lock.
 */
static void band_pass_held(struct band_grp *grp, struct bio_list *bios)
{
	struct band_bg *bg = grp->bd->bg;
	struct bio *bio;

	lockdep_assert_held(&bg->lock);
	while ((bio = bio_list_pop(&grp->held))) {
		band_pgroup_unhold(&bg->pool, &grp->pg);
		band_pgroup_charge_debt(&bg->pool, &grp->pg,
					band_bio_cost(bg, bio));
		band_account(grp, bio);
		band_limit_pass(grp, bio, 0);
		trace_band_debt(bg->name, grp->id, grp->is_default, bio,
				grp->pg.held);
		bio_list_add(bios, bio);
	}
}

/*
 * Stop holding and pass on everything held by @bd's groups, charged as
 * debt.  Under band_mutex, which every change to the groups also holds
 * (so no detach can move bios between groups meanwhile).  may_hold is
 * cleared under the same bg->lock as the check in band_map(), so no bio
 * can be held after that until band_resume() or band_presuspend_undo();
 * then each group is emptied under bg->lock of its own, so that 100,000
 * groups do not keep interrupts off (and every bio of the band group
 * waiting) for the whole walk.
 *
 * xa_for_each() cannot wrap around at the top index the way a loop on
 * xa_find() and id + 1 can.  It walks the array under RCU; the array
 * cannot change meanwhile, since band_mutex is held.
 */
static void band_release_all(struct band_dev *bd)
{
	struct band_bg *bg = bd->bg;
	struct bio_list bios = BIO_EMPTY_LIST;
	struct band_grp *grp;
	unsigned long id;

	lockdep_assert_held(&band_mutex);
	spin_lock_irq(&bg->lock);
	bd->may_hold = false;
	band_pass_held(bd->dflt, &bios);
	spin_unlock_irq(&bg->lock);
	xa_for_each(bd->groups, id, grp) {
		spin_lock_irq(&bg->lock);
		band_pass_held(grp, &bios);
		spin_unlock_irq(&bg->lock);
		band_submit_list(&bios);
		cond_resched();
	}

	band_submit_list(&bios);
	band_kick(bg);
}

/* ------------------------------------------------------------ target */

static void band_dtr(struct dm_target *ti)
{
	struct band_c *bc = ti->private;

	/* A reload that was never resumed: its groups were never used. */
	band_groups_free(bc->new_groups);
	if (bc->bd)
		band_dev_put(bc->bd);
	if (bc->dev)
		dm_put_device(ti, bc->dev);
	band_conf_free(&bc->conf);
	kfree(bc);
}

/*
 * The longest bio map() sees: the device's own max_sectors, at most 1 MiB,
 * a power of two.  Without a limit one bio can be tens of megabytes (6.12
 * writeback merges whole runs of contiguous pages into one bio): it would
 * pass for one token under policy weight, or cost thousands of tokens at
 * once under weight-iosize, and shares would move in steps of seconds.
 */
#define BAND_MAX_IO_SECTORS	2048U

/*
 * How many bios the device below can serve at once, at most: a blk-mq
 * device's tags times its hardware queues for reads and writes (polled
 * queues serve only polled I/O).  0 for a bio-based device (device-mapper,
 * md): its depth is only learned.
 */
static u32 band_queue_depth(struct block_device *bdev)
{
	struct request_queue *q = bdev_get_queue(bdev);
	struct blk_mq_tag_set *set = q->tag_set;
	u64 queues;

	if (!queue_is_mq(q) || !set)
		return 0;
	queues = set->map[HCTX_TYPE_DEFAULT].nr_queues;
	if (set->nr_maps > HCTX_TYPE_READ)
		queues += set->map[HCTX_TYPE_READ].nr_queues;
	return min_t(u64, queues * set->queue_depth, U32_MAX);
}

static sector_t band_max_io_len(struct block_device *bdev)
{
	unsigned int sectors = queue_max_sectors(bdev_get_queue(bdev));

	sectors = clamp(sectors, 8U, BAND_MAX_IO_SECTORS);
	return rounddown_pow_of_two(sectors);
}

/*
 * Construct a band mapping:
 *
 *   <dev_path> <offset> <band_group> <type> <policy> <token_base>
 *	[<group>...] [idle=<usec>] [inject=<0|1>]
 *
 * <dev_path>:   the device below, as a path or major:minor.
 * <offset>:     the first sector used on that device.
 * <band_group>: name shared by every band device over one physical device.
 * <type>:       none, pid, pgrp, uid, gid or cgroup.
 * <policy>:     weight (a token per bio) or weight-iosize (per 4 KiB).
 * <token_base>: tokens per epoch, 0 for automatic.
 * <group>:      :<weight> for the default group, <id>:<weight> for a job.
 * idle=<usec>:  how long a job that has just gone idle still counts as
 *               active (default 8000).
 * inject=0:     no work conservation by injection (default 1, on).
 *
 * See Documentation/dm-band.rst.
 */
static int band_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct band_c *bc;
	sector_t dev_size;
	int r;

	bc = kzalloc(sizeof(*bc), GFP_KERNEL);
	if (!bc) {
		ti->error = "Cannot allocate band context";
		return -ENOMEM;
	}
	ti->private = bc;

	r = band_parse_ctr_args(&as, &bc->conf, &ti->error);
	if (r)
		goto bad;
	bc->start = bc->conf.start;

	r = dm_get_device(ti, bc->conf.dev_path, dm_table_get_mode(ti->table),
			  &bc->dev);
	if (r) {
		ti->error = "Device lookup failed";
		goto bad;
	}
	bc->conf.dev_path = NULL;	/* points into argv: not kept */

	dev_size = bdev_nr_sectors(bc->dev->bdev);
	if (bc->start >= dev_size || ti->len > dev_size - bc->start) {
		ti->error = "Device too small for offset and length";
		r = -EINVAL;
		goto bad;
	}

	r = dm_set_target_max_io_len(ti, band_max_io_len(bc->dev->bdev));
	if (r)
		goto bad;
	bc->conf.depth_max = band_queue_depth(bc->dev->bdev);

	r = band_dev_get(ti, bc->dev->bdev->bd_dev, &bc->conf, &bc->bd,
			 &bc->new_groups, &ti->error);
	if (r)
		goto bad;
	bc->conf_pending = !!bc->new_groups;

	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_secure_erase_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct band_io);
	ti->accounts_remapped_io = true;
	return 0;

bad:
	band_dtr(ti);
	return r;
}

static void band_presuspend(struct dm_target *ti)
{
	struct band_c *bc = ti->private;

	mutex_lock(&band_mutex);
	band_release_all(bc->bd);
	mutex_unlock(&band_mutex);
}

/* Hold bios again: after a resume, or a suspend that was cancelled. */
static void band_allow_holding(struct band_dev *bd)
{
	struct band_bg *bg = bd->bg;

	mutex_lock(&band_mutex);
	spin_lock_irq(&bg->lock);
	bd->may_hold = true;
	spin_unlock_irq(&bg->lock);
	mutex_unlock(&band_mutex);
}

/*
 * A suspend cancelled after presuspend (a signal while it waited for bios
 * in flight, or a filesystem that would not freeze): the device goes on
 * as before, so bios are scheduled again.
 */
static void band_presuspend_undo(struct dm_target *ti)
{
	struct band_c *bc = ti->private;

	band_allow_holding(bc->bd);
}

/*
 * A reload's table takes effect.  The devices below may be suspended, so
 * nothing is allocated here: the constructor prepared the groups.
 */
static int band_preresume(struct dm_target *ti)
{
	struct band_c *bc = ti->private;

	if (bc->conf_pending) {
		mutex_lock(&band_mutex);
		band_dev_apply(bc->bd, &bc->conf, bc->new_groups);
		bc->new_groups = NULL;
		bc->conf_pending = false;
		mutex_unlock(&band_mutex);
	}
	return 0;
}

static void band_resume(struct dm_target *ti)
{
	struct band_c *bc = ti->private;

	band_allow_holding(bc->bd);
}

static void band_status(struct dm_target *ti, status_type_t type,
			unsigned int status_flags, char *result,
			unsigned int maxlen)
{
	struct band_c *bc = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		band_emit_info(bc->bd, result, maxlen, &sz);
		break;

	case STATUSTYPE_TABLE:
		DMEMIT("%s %llu", bc->dev->name, (unsigned long long)bc->start);
		/* An inactive table not yet resumed: its own line. */
		if (bc->conf_pending)
			band_emit_conf(&bc->conf, result, maxlen, &sz);
		else
			band_emit_table(bc->bd, result, maxlen, &sz);
		break;

	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",device_name=%s,start=%llu,band_group=%s;",
		       bc->dev->name, (unsigned long long)bc->start,
		       bc->bd->bg->name);
		break;
	}
}

static int band_message_cb(struct dm_target *ti, unsigned int argc,
			   char **argv, char *result, unsigned int maxlen)
{
	struct band_c *bc = ti->private;

	return band_message(bc->bd, argc, argv, result, maxlen);
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
	.version = {1, 1, 0},
	.features = DM_TARGET_NOWAIT,
	.module = THIS_MODULE,
	.ctr = band_ctr,
	.dtr = band_dtr,
	.map = band_map,
	.end_io = band_end_io,
	.presuspend = band_presuspend,
	.presuspend_undo = band_presuspend_undo,
	.preresume = band_preresume,
	.resume = band_resume,
	.status = band_status,
	.message = band_message_cb,
	.prepare_ioctl = band_prepare_ioctl,
	.iterate_devices = band_iterate_devices,
};

static int __init dm_band_init(void)
{
	int r;

	r = band_ctl_init(band_release_work);
	if (r)
		return r;
	r = dm_register_target(&band_target);
	if (r < 0) {
		DMERR("register failed %d", r);
		band_ctl_exit();
	}
	return r;
}

static void __exit dm_band_exit(void)
{
	dm_unregister_target(&band_target);
	band_ctl_exit();
}

module_init(dm_band_init);
module_exit(dm_band_exit);

MODULE_DESCRIPTION(DM_NAME " weighted bandwidth control target");
MODULE_AUTHOR("The dm-band developers");
MODULE_LICENSE("GPL");
