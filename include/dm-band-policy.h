/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-band policy core: token buckets, epochs and the refill rule.
 *
 * Plain structs only, no bio or device-mapper types, so that KUnit can
 * drive it directly.  The caller serialises every call for one pool with
 * one lock (the band group's lock in dm-band.c), but for the band_lease_*()
 * calls of the fast path, which take no lock (see struct band_lease).
 */
#ifndef DM_BAND_POLICY_H
#define DM_BAND_POLICY_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/types.h>

enum band_policy {
	BAND_POLICY_WEIGHT,		/* one token per bio */
	BAND_POLICY_WEIGHT_IOSIZE,	/* one token per 4 KiB (rounded up) */
};

#define BAND_WEIGHT_MIN		1U
#define BAND_WEIGHT_MAX		1000000U
#define BAND_TOKEN_BASE_MAX	BIT_ULL(30)
/* weight-iosize: one token per this many 512-byte sectors (4 KiB). */
#define BAND_IOSIZE_UNIT_SECTORS 8U
/*
 * token_base 0 (automatic): this many tokens per epoch per attached group
 * (per 4 KiB unit with weight-iosize, times BAND_AUTO_IOSIZE_FACTOR).
 */
#define BAND_AUTO_TOKENS_PER_GROUP 64U
#define BAND_AUTO_IOSIZE_FACTOR	32U
/*
 * A group whose last bio completed less than idle_ns ago still counts as
 * active (it holds up refills while it has tokens), so that a job that
 * submits its next bio right after a completion keeps its share.  Like
 * BFQ's slice_idle.  0: a group is idle as soon as nothing is in flight.
 * Lingering groups together hold up a refill for idle_ns at most (see
 * band_pool_expire()), however many take turns.
 */
#define BAND_IDLE_US_DEFAULT	8000U
/* Work conservation by injection unless the table line says inject=0. */
#define BAND_INJECT_DEFAULT	true
#define BAND_IDLE_US_MAX	1000000U
/* Debt is bounded so that token arithmetic cannot overflow. */
#define BAND_DEBT_MAX		((s64)BIT_ULL(52))
/*
 * Work conservation: the pool learns how many bios the device below serves
 * at once (its depth) from the latency of bios issued at each level of
 * bios in flight, up to BAND_LEVELS.  A level is within the device's depth
 * while its latency stays within BAND_KNEE_PCT percent of level 1's: half
 * again, where a serial device shows twice; a tighter knee (110%) stopped
 * at depth 1 on an 8-slot device whose latencies a busy guest spreads by
 * 40%.
 */
#define BAND_LEVELS		64U
#define BAND_KNEE_PCT		150U
/* Samples a level needs before its latency is trusted. */
#define BAND_LEVEL_SAMPLES	8U

/*
 * Limits: a group may be capped at so many bios per second and so many
 * bytes per second (read and write together), whatever the device could
 * do and whatever its weight.  Each cap is a virtual clock (the generic
 * cell rate algorithm): a bio may go while the cap's clock is at most
 * BAND_LIMIT_BURST_NS ahead of now, and moves it on by the bio's cost at
 * the cap's rate.  So a group that was idle may send BAND_LIMIT_BURST_NS
 * worth of its cap at once (and always one bio), then goes at its cap.
 * The burst also absorbs the worker's timer being late (a jiffy or two):
 * the long-run rate is exact.
 */
#define BAND_LIMIT_BURST_NS	(50ULL * 1000 * 1000)
/*
 * A group whose cap held a bio holds up no refill until its caps' clocks
 * fall behind now, or BAND_CAP_SLACK_NS behind their lead's most since
 * then (it sends slower than its cap: the cap binds no more).
 */
#define BAND_CAP_SLACK_NS	(10LL * 1000 * 1000)
#define BAND_LIMIT_MAX		BIT_ULL(50)	/* per second */
/*
 * Reservations: each is a clock like a cap's, moved on by every bio of
 * the group.  A group with bios in flight or held whose reservation's
 * clock is behind the pool's reservation time (see band_pool_rtime()) is
 * behind: while any group is, the others pass no bio into a full device
 * (mClock's reservation phase), so the device serves the group behind
 * first.  A clock keeps at most BAND_RESERVE_CREDIT_NS of credit (a
 * group idle for long does not take the device for long), and the
 * slowest group's clock is looked for at most every BAND_RESERVE_TICK_NS.
 */
#define BAND_RESERVE_CREDIT_NS	(50ULL * 1000 * 1000)
#define BAND_RESERVE_TICK_NS	(1000ULL * 1000)

/*
 * Reservations use the same clocks the other way round: a group that has
 * no tokens for its next bio may pass it anyway, charged nothing, while a
 * reservation's clock is at most BAND_LIMIT_BURST_NS ahead of now.  Every
 * bio the group passes moves its clocks, so the group gets the larger of
 * its reservation and what its weight gives it, and its reserved bios are
 * no one's tokens: what they leave is shared by weight.
 */
enum band_limit_kind {
	BAND_LIMIT_IOPS,	/* caps: at most, bios per second */
	BAND_LIMIT_BPS,		/* bytes per second */
	BAND_RESERVE_IOPS,	/* reservations: at least, bios per second */
	BAND_RESERVE_BPS,	/* bytes per second */
	BAND_NR_LIMITS,
};

struct band_limit {
	u64 rate;		/* per second; 0: no cap */
	u64 tat;		/* ns: when the cap has caught up */
	u64 rem;		/* of the last step, in 1/rate ns */
};

/*
 * A group's lease: tokens lent to the lock-free fast path.  A group that
 * passes a bio under the lock and holds none lends all its tokens to its
 * lease (band_pgroup_lend()); its next bios take their tokens from the
 * lease and count themselves in flight in it with one compare-and-exchange
 * each, and complete with one more, without the pool's lock.  A leased
 * group counts as blocking (it has tokens), so no refill comes while a
 * lease is open.  The lease is revoked (band_pgroup_revoke(), under the
 * lock) before anything the lock guards needs the group's true tokens or
 * bios in flight: when the group is charged under the lock (its lease was
 * too poor for a bio), about to hold a bio, detached, found by a sweep
 * with nothing in flight (band_pool_expire()), or the units change; every
 * lease when a group is about to wait while the depth is still unlearned
 * (band_pool_probing()), or falls behind its reservation.  Revoking closes
 * the generation and hands the unspent tokens and the bios in flight back
 * to the group; bios counted in a closed generation complete under the
 * lock.  So the refill rule sees every token, and no token is created or
 * lost.
 */
struct band_lease {
	atomic64_t tokens;		/* lent and not spent */
	/*
	 * generation << 32 | bios in flight in this generation; open while
	 * the generation is odd.  Closed, the count is 0.
	 */
	atomic64_t state;
};

#define BAND_LEASE_COUNT_MASK	0x7fffffffULL
/* A group lends its tokens only if it has at least this many. */
#define BAND_LEASE_MIN		2
/* A sweep of the leases comes no sooner than this per lease (ns). */
#define BAND_SWEEP_NS_PER_LEASE	4000ULL

enum band_lease_result {
	BAND_LEASE_OK,		/* charged and counted: the bio passes */
	BAND_LEASE_NONE,	/* nothing taken: take the lock */
	/*
	 * Nothing taken, but counted in flight in a generation closed
	 * since: band_pgroup_done() under the lock, as for a completion,
	 * then take the lock's path.
	 */
	BAND_LEASE_UNDO,
};

enum band_lease_end {
	BAND_LEASE_SLOW,	/* revoked since: complete under the lock */
	BAND_LEASE_DONE,	/* counted out of the lease */
	BAND_LEASE_LAST,	/* and it was the lease's last bio in flight */
};

/* One band group's token pool. */
struct band_pool {
	enum band_policy policy;
	u64 token_base;			/* as configured; 0 = automatic */
	u64 total_weight;		/* of every attached group */
	u32 nr_groups;			/* attached groups */
	/*
	 * A common divisor of every attached weight, the greatest unless
	 * gcd_stale (after a detach or a weight change; the next refill
	 * recomputes it).  Allotments are in weight / weight_gcd, so that
	 * 100:200:400 makes epochs as short as 1:2:4 does.
	 */
	u32 weight_gcd;
	bool gcd_stale;
	struct list_head groups;	/* every attached group */
	u64 epoch;			/* refills so far */
	u64 units_epoch;		/* the first in the current units */
	struct list_head active;	/* groups with bios held or in flight */
	struct list_head waiting;	/* groups with bios held */
	struct list_head lingering;	/* idle for less than idle_ns, oldest first */
	u32 nr_blocking;		/* active groups that still have tokens */
	u32 nr_linger_blocking;		/* of those, lingering (nothing in flight) */
	u64 idle_ns;
	/*
	 * When the worker first saw groups wait while only lingering groups
	 * held up the refill (0: not so); see band_pool_expire().
	 */
	u64 anticipate_since;

	/* Work conservation (see band_pool_room()); on if @inject. */
	bool inject;
	u32 in_flight;			/* bios in flight, all groups */
	u32 nr_lingering;		/* groups on @lingering */
	u32 reserved;			/* the groups' reserved places, summed */
	u32 depth;			/* bios the device serves at once, learned */
	u32 depth_max;			/* the device's own queue depth; 0: unknown */
	u64 injected;			/* tokens handed out between epochs */
	u64 lvl_lat[BAND_LEVELS + 1];	/* ns, EWMA by level at issue */
	u8 lvl_n[BAND_LEVELS + 1];	/* samples (saturating) by level */

	struct list_head leased;	/* groups with an open lease */
	u32 nr_leased;
	u64 lease_sweep_at;		/* see band_pool_sweep() */
	u32 lease_keep;			/* places the leases keep, summed */
	u32 level_skip;			/* see band_pool_level() */

	/* Groups whose next bio waits for its cap, and the first's time. */
	struct list_head throttled;
	u64 throttle_next;		/* ns; 0: none throttled */
	/* When a waiting group's reservation may pass its next bio (0: none). */
	u64 reserve_next;
	/* The attached groups' reservations, summed, by kind (IOPS, BPS). */
	u64 reserve_total[2];
	/* Reservation phase: see BAND_RESERVE_CREDIT_NS, band_pool_rtime(). */
	struct list_head reserving;	/* attached groups with a reservation */
	u32 nr_behind;			/* groups behind their reservation */
	u32 nr_ractive;			/* of @reserving, with bios in flight or held */
	u32 behind_keep;		/* places the groups behind keep, summed */
	bool ridle;			/* none since the reservation time was seen */
	u64 rtime;			/* ns: the reservation time, last seen */
	u64 rfloor;			/* ns: the slowest active clock, then */
	u64 rfloor_at;			/* ns: when it was looked for */
};

/* One group's bucket. */
struct band_pgroup {
	struct list_head pool_node;	/* on pool->groups while attached */
	struct list_head active_node;	/* on pool->active */
	struct list_head waiting_node;	/* on pool->waiting */
	struct list_head linger_node;	/* on pool->lingering */
	u64 linger_until;		/* ns: active until then */
	u32 weight;
	bool attached;			/* counted in the pool's totals */
	bool lingering;			/* on pool->lingering */
	bool active, waiting, blocking;	/* membership, see band_pool */
	bool linger_blocking;		/* blocking while lingering */
	bool inject_pass;		/* its oldest held bio may go, as debt */
	u8 late;			/* returns in a row later than idle_ns */
	s64 tokens;			/* left this epoch; < 0 is debt */
	u64 epoch;			/* the pool epoch @tokens belong to */
	u32 held;			/* bios held, waiting for tokens */
	u32 in_flight;			/* bios passed down, not completed */
	u32 peak;			/* most in flight since it last lingered */
	u32 linger_places;		/* places it keeps while lingering */
	u64 idle_at;			/* ns: when it last went idle (0: not) */
	u32 reserved;			/* places kept now, in pool->reserved */
	u32 inject_credit;		/* injected bios left in its turn */

	struct list_head lease_node;	/* on pool->leased */
	bool leased;			/* its lease is open */
	/* Lock-free: written by the fast path. */
	struct band_lease lease;
	u32 fast_peak;			/* most in flight in the lease, racy */
	u32 lease_keep;			/* places its lease keeps (pool->lease_keep) */
	u64 fast_done_ns;		/* the lease's last completion */

	/*
	 * Caps (see struct band_limit).  While its oldest held bio waits
	 * for a cap the group is throttled: on pool->throttled until
	 * throttle_until, neither waiting for tokens nor holding up a
	 * refill with the tokens it has (it could not spend them faster).
	 */
	struct band_limit limit[BAND_NR_LIMITS];
	struct list_head throttle_node;
	u64 throttle_until;		/* ns */
	bool throttled;
	/*
	 * Its cap binds: a cap held a bio, and its caps' clocks have not
	 * fallen back since (see BAND_CAP_SLACK_NS).  Like throttled, it
	 * holds up no refill with the tokens it has.
	 */
	bool cap_bound;
	s64 cap_peak;			/* ns: its clocks' most lead on now since */
	u64 limited;			/* times a cap made its next bio wait */
	u64 reserved_bios;		/* bios passed on its reservation */
	struct list_head reserve_node;	/* on pool->reserving */
	bool behind;			/* behind its reservation (nr_behind) */
	bool ractive;			/* counted in nr_ractive */
	u32 behind_keep;		/* places kept while behind: peak - in flight */
};

void band_pool_init(struct band_pool *p, enum band_policy policy,
		    u64 token_base, u32 idle_us);
void band_pool_set_idle(struct band_pool *p, u32 idle_us);
void band_pool_set_inject(struct band_pool *p, bool inject);
void band_pool_set_depth_max(struct band_pool *p, u32 depth_max);
u32 band_pool_idle_us(const struct band_pool *p);
void band_pool_expire(struct band_pool *p, u64 now);
u64 band_pool_next_expiry(struct band_pool *p);
bool band_pool_set_policy(struct band_pool *p, enum band_policy policy);
bool band_pool_set_token_base(struct band_pool *p, u64 token_base);
u64 band_pool_effective_base(const struct band_pool *p);
u64 band_pool_allotment(const struct band_pool *p, u32 weight);
bool band_pool_refill_due(const struct band_pool *p);
void band_pool_refill(struct band_pool *p);
u32 band_pool_room(const struct band_pool *p);
bool band_pool_inject_due(const struct band_pool *p);
void band_pool_inject(struct band_pool *p);

void band_pgroup_attach(struct band_pool *p, struct band_pgroup *g,
			u32 weight);
void band_pgroup_detach(struct band_pool *p, struct band_pgroup *g);
void band_pgroup_set_weight(struct band_pool *p, struct band_pgroup *g,
			    u32 weight);
s64 band_pgroup_tokens(struct band_pool *p, struct band_pgroup *g);
bool band_pgroup_charge(struct band_pool *p, struct band_pgroup *g, u64 cost);
bool band_pgroup_renew(struct band_pool *p, struct band_pgroup *g, u64 cost);
bool band_pgroup_charge_debt(struct band_pool *p, struct band_pgroup *g,
			     u64 cost);
void band_pgroup_hold(struct band_pool *p, struct band_pgroup *g);
void band_pgroup_unhold(struct band_pool *p, struct band_pgroup *g);
bool band_pgroup_release(struct band_pool *p, struct band_pgroup *g,
			 u64 cost);
void band_pgroup_arrived(struct band_pool *p, struct band_pgroup *g,
			 u64 now);
void band_pgroup_done(struct band_pool *p, struct band_pgroup *g, u64 now,
		      u64 lat_ns, u32 level);

void band_pgroup_lend(struct band_pool *p, struct band_pgroup *g);
void band_pgroup_revoke(struct band_pool *p, struct band_pgroup *g);
void band_pool_revoke_all(struct band_pool *p);
u32 band_pgroup_in_flight(const struct band_pgroup *g);
u32 band_pool_in_flight(const struct band_pool *p);
u32 band_pool_level(struct band_pool *p);
u32 band_pool_leased_held(const struct band_pool *p);

void band_pgroup_set_limit(struct band_pool *p, struct band_pgroup *g,
			   enum band_limit_kind kind, u64 rate);
bool band_pgroup_limited(const struct band_pgroup *g);
bool band_pgroup_reserved(const struct band_pgroup *g);
u64 band_pgroup_limit_due(const struct band_pgroup *g, u64 bytes, u64 now);
u64 band_pgroup_reserve_due(const struct band_pgroup *g, u64 bytes, u64 now);
bool band_pgroup_pass_reserved(struct band_pool *p, struct band_pgroup *g,
			       u64 bytes, u64 now);
void band_pool_reserve_wait(struct band_pool *p, u64 until);
void band_pgroup_limit_pass(struct band_pool *p, struct band_pgroup *g,
			    u64 bytes, u64 now);
void band_pgroup_throttle(struct band_pool *p, struct band_pgroup *g,
			  u64 until);
void band_pool_unthrottle(struct band_pool *p, u64 now);

/*
 * The calls of every bio's path, inline: with the kernel's call and
 * return mitigations a call out of the target's file costs more than
 * most of these bodies (make bench's split scenario).
 */

/*
 * What a bio costs.  @data is false for bios that move no data through the
 * device's bus (discard, write-zeroes, secure erase): one token each.
 */
static inline u64 band_pool_cost(const struct band_pool *p, u64 sectors,
				 bool data)
{
	u64 units;

	if (p->policy != BAND_POLICY_WEIGHT_IOSIZE || !data)
		return 1;
	/* rounded up without sectors + unit - 1, which could wrap */
	units = div_u64(sectors, BAND_IOSIZE_UNIT_SECTORS) +
		!!(sectors % BAND_IOSIZE_UNIT_SECTORS);
	return max(units, 1ULL);
}

static inline u32 band_lease_gen(s64 state)
{
	return (u64)state >> 32;
}

/*
 * Lock-free.  A bio charged by band_lease_charge() in generation @gen completes:
 * counted out of the lease if it is still that generation's, else
 * (BAND_LEASE_SLOW) the caller completes it under the lock.
 */
static inline enum band_lease_end band_lease_done(struct band_pgroup *g,
						  u32 gen)
{
	s64 state = atomic64_read(&g->lease.state);

	do {
		if (band_lease_gen(state) != gen)
			return BAND_LEASE_SLOW;
	} while (!atomic64_try_cmpxchg(&g->lease.state, &state, state - 1));
	return (state & BAND_LEASE_COUNT_MASK) == 1 ? BAND_LEASE_LAST :
						       BAND_LEASE_DONE;
}

/*
 * The fast path, lock-free: count a bio in flight in @g's open lease,
 * then take its tokens from it.  Counting first is what keeps tokens
 * exact: a bio counted before a revoke is handed to the group in flight
 * (whichever lease its tokens then come from, they are the group's, of
 * the current epoch: refills start only after every lease is revoked),
 * and one that finds too few tokens takes its count back, or, if the
 * lease was revoked meanwhile, completes under the lock.  *@gen is the
 * generation to give band_lease_done().
 */
static inline enum band_lease_result
band_lease_charge(struct band_pgroup *g, u64 cost, u32 *gen)
{
	s64 state = atomic64_read_acquire(&g->lease.state);
	s64 t;
	u32 n;

	do {
		if (!(band_lease_gen(state) & 1) ||
		    (state & BAND_LEASE_COUNT_MASK) == BAND_LEASE_COUNT_MASK)
			return BAND_LEASE_NONE;
	} while (!atomic64_try_cmpxchg_acquire(&g->lease.state, &state,
					       state + 1));
	*gen = band_lease_gen(state);
	n = (state & BAND_LEASE_COUNT_MASK) + 1;
	if (n > READ_ONCE(g->fast_peak))
		WRITE_ONCE(g->fast_peak, n);

	t = atomic64_read(&g->lease.tokens);
	do {
		if (t < (s64)cost)
			goto undo;
	} while (!atomic64_try_cmpxchg(&g->lease.tokens, &t, t - cost));
	return BAND_LEASE_OK;

undo:
	return band_lease_done(g, *gen) == BAND_LEASE_SLOW ?
	       BAND_LEASE_UNDO : BAND_LEASE_NONE;
}

/* When the lease's last bio in flight completed (for lingering). */
static inline void band_lease_idle(struct band_pgroup *g, u64 now)
{
	WRITE_ONCE(g->fast_done_ns, max(now, 1ULL));
}

/* Nothing held and nothing in flight (it may still be lingering). */
static inline bool band_pgroup_idle(const struct band_pgroup *g)
{
	return !g->held && !g->in_flight;
}

#endif /* DM_BAND_POLICY_H */
