// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-band policy core: token buckets, epochs and the refill rule.
 *
 * Every group has a bucket of tokens.  A bio passes while its group has
 * tokens left (it costs one token, or one per 4 KiB with weight-iosize);
 * otherwise it is held.  A group is *active* while it has bios held or in
 * flight, or its last bio completed less than idle_ns ago (it *lingers*:
 * a job between two bios is not idle), and *blocking* while it is active
 * and still has tokens.  When
 * some group has bios held and no group is blocking, the pool starts a new
 * epoch: every group gets (weight / g) * unit tokens, where g is the
 * weights' greatest common divisor and unit is
 * ceil(token_base / (total weight / g)), so shares follow weights exactly.
 * Unused tokens do not carry over; debt (tokens below zero, from bios that
 * may not wait) does.  Idle groups never hold up a refill.
 *
 * Refills are O(active groups); idle groups catch up lazily, by comparing
 * the epoch their tokens belong to with the pool's, when they are next
 * touched.  Every per-bio call is O(1).
 *
 * The refill rule divides a saturated device exactly, but a group that has
 * tokens and cannot spend them quickly (one bio in flight at a time) would
 * hold up everyone's refill while the device idles.  So the pool learns
 * the device's depth (how many bios it serves at once) from completion
 * latencies by level of bios in flight, and while the refill is held up
 * and the device has room, waiting groups may pass one more bio each, as
 * debt (injection, band_pool_inject()): weighted max-min fairness.
 */
#include <linux/gcd.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "dm-band-policy.h"

void band_pool_init(struct band_pool *p, enum band_policy policy,
		    u64 token_base, u32 idle_us)
{
	memset(p, 0, sizeof(*p));
	p->policy = policy;
	p->token_base = token_base;
	p->idle_ns = (u64)idle_us * NSEC_PER_USEC;
	p->depth = 1;
	INIT_LIST_HEAD(&p->active);
	INIT_LIST_HEAD(&p->waiting);
	INIT_LIST_HEAD(&p->lingering);
	INIT_LIST_HEAD(&p->groups);
	INIT_LIST_HEAD(&p->leased);
	INIT_LIST_HEAD(&p->throttled);
	INIT_LIST_HEAD(&p->reserving);
	p->ridle = true;
}

u32 band_pool_idle_us(const struct band_pool *p)
{
	return div_u64(p->idle_ns, NSEC_PER_USEC);
}

/* Work conservation by injection on or off (see band_pool_room()). */
void band_pool_set_inject(struct band_pool *p, bool inject)
{
	p->inject = inject;
}

/* Applies to groups that go idle from now on. */
void band_pool_set_idle(struct band_pool *p, u32 idle_us)
{
	p->idle_ns = (u64)idle_us * NSEC_PER_USEC;
}

/* The tokens handed out per epoch before rounding up to whole weights. */
u64 band_pool_effective_base(const struct band_pool *p)
{
	u64 base = p->token_base;

	if (!base) {
		base = (u64)BAND_AUTO_TOKENS_PER_GROUP * max(p->nr_groups, 1U);
		if (p->policy == BAND_POLICY_WEIGHT_IOSIZE)
			base *= BAND_AUTO_IOSIZE_FACTOR;
		base = min(base, BAND_TOKEN_BASE_MAX);
	}
	return base;
}

/* The weights' common divisor; 1 while no group is attached. */
static u32 band_pool_gcd(const struct band_pool *p)
{
	return max(p->weight_gcd, 1U);
}

/* Make weight_gcd the greatest common divisor again: O(attached groups). */
static void band_pool_update_gcd(struct band_pool *p)
{
	struct band_pgroup *g;
	unsigned long d = 0;

	if (!p->gcd_stale)
		return;
	list_for_each_entry(g, &p->groups, pool_node)
		d = d ? gcd(d, g->weight) : g->weight;
	p->weight_gcd = d;
	p->gcd_stale = false;
}

/* Keep weight_gcd a divisor of @weight (not always the greatest). */
static void band_pool_add_weight(struct band_pool *p, u32 weight)
{
	p->weight_gcd = p->weight_gcd ? gcd(p->weight_gcd, weight) : weight;
}

/*
 * A group's tokens per epoch: (weight / g) * ceil(base / (total weight / g))
 * for the weights' common divisor g, never zero.  At most
 * BAND_WEIGHT_MAX * BAND_TOKEN_BASE_MAX < 2^50.
 */
u64 band_pool_allotment(const struct band_pool *p, u32 weight)
{
	u32 d = band_pool_gcd(p);
	u64 total = max(div_u64(p->total_weight, d), 1ULL);
	u64 unit = div64_u64(band_pool_effective_base(p) + total - 1, total);

	return (u64)max(weight / d, 1U) * max(unit, 1ULL);
}

/*
 * Tokens after @n refills from @t with allotment @a: each refill gives
 * min(t, 0) + a (leftovers are dropped, debt is kept).
 */
static s64 band_tokens_after(s64 t, u64 a, u64 n)
{
	u64 k;

	if (!n)
		return t;
	if (t >= 0)
		return a;
	/* Refills that bring t above zero; -t <= BAND_DEBT_MAX. */
	k = div64_u64((u64)(-t), a) + 1;
	if (n > k)
		return a;
	return t + (s64)(n * a);
}

/*
 * Bring an idle group's tokens up to the pool's epoch.  Tokens (and debt)
 * from before the units changed (band_pool_new_units()) count for nothing:
 * the group starts the epoch with a full allotment.
 */
static void band_pgroup_catch_up(struct band_pool *p, struct band_pgroup *g)
{
	u64 a;

	if (g->epoch == p->epoch)
		return;
	a = band_pool_allotment(p, g->weight);
	if (g->epoch < p->units_epoch)
		g->tokens = a;
	else
		g->tokens = band_tokens_after(g->tokens, a,
					      p->epoch - g->epoch);
	g->epoch = p->epoch;
}

/*
 * After this many returns in a row later than idle_ns, a group is taken
 * for one that thinks longer than idle: it does not linger until it is
 * back in time once.
 */
#define BAND_LATE_MAX		3

/*
 * @g came back later than idle_ns its last BAND_LATE_MAX times after
 * going idle: lingering would end before it was back.
 */
static bool band_pgroup_long_think(const struct band_pgroup *g)
{
	return g->late >= BAND_LATE_MAX;
}

/* @g lingers no more (the caller then updates it). */
static void band_pgroup_unlinger(struct band_pool *p, struct band_pgroup *g)
{
	g->lingering = false;
	p->nr_lingering--;
}

/*
 * The places @g keeps from injection beyond its bios in flight: while it
 * lingers, as many as it had bios in flight at most before; while it has
 * tokens, those it had in use at most and has not now.  So a backlogged
 * job whose submitter is late does not lose its places, and a synchronous
 * reader keeps one.
 */
static u32 band_pgroup_reserve(const struct band_pgroup *g)
{
	/* a lease keeps its own (lease_keep) */
	if (g->leased)
		return 0;
	if (g->lingering)
		return g->linger_places;
	if (g->blocking && g->peak > g->in_flight)
		return g->peak - g->in_flight;
	return 0;
}

/*
 * The places a group behind its reservation keeps in a reservation phase:
 * as many as it had in flight at most since it was last idle, less those
 * it has now.  A job that keeps 8 bios in flight is not always seen with
 * 8 (its submitter reaps and resubmits, and under a loaded CPU that
 * takes a while): without these places the others would take them.
 */
static void band_pgroup_keep(struct band_pool *p, struct band_pgroup *g)
{
	u32 keep = g->behind && g->peak > g->in_flight ?
		   g->peak - g->in_flight : 0;

	p->behind_keep = p->behind_keep - g->behind_keep + keep;
	g->behind_keep = keep;
}

/* Recompute a group's memberships after any change to it. */
static void band_pgroup_update(struct band_pool *p, struct band_pgroup *g)
{
	bool active, waiting, blocking, ractive;

	if (g->lingering && !band_pgroup_idle(g)) {
		list_del_init(&g->linger_node);
		band_pgroup_unlinger(p, g);
	}
	if (g->throttled && !g->held) {
		/* what waited for a cap left (suspend, detach) */
		g->throttled = false;
		list_del_init(&g->throttle_node);
	}
	active = !band_pgroup_idle(g) || g->lingering || g->leased;
	waiting = g->held > 0 && !g->throttled;
	blocking = active && (g->tokens > 0 || g->leased) && !g->throttled &&
		   !g->cap_bound;

	if (active != g->active) {
		if (active)
			list_add_tail(&g->active_node, &p->active);
		else
			list_del_init(&g->active_node);
		g->active = active;
	}
	if (waiting != g->waiting) {
		if (waiting)
			list_add_tail(&g->waiting_node, &p->waiting);
		else
			list_del_init(&g->waiting_node);
		g->waiting = waiting;
	}
	if (blocking != g->blocking) {
		if (blocking)
			p->nr_blocking++;
		else
			p->nr_blocking--;
		g->blocking = blocking;
	}
	if ((blocking && g->lingering) != g->linger_blocking) {
		g->linger_blocking = !g->linger_blocking;
		if (g->linger_blocking)
			p->nr_linger_blocking++;
		else
			p->nr_linger_blocking--;
	}
	p->reserved -= g->reserved;
	g->reserved = band_pgroup_reserve(g);
	p->reserved += g->reserved;
	ractive = g->attached && band_pgroup_reserved(g) && !band_pgroup_idle(g);
	if (ractive != g->ractive) {
		g->ractive = ractive;
		if (ractive)
			p->nr_ractive++;
		else if (!--p->nr_ractive)
			p->ridle = true;
	}
	band_pgroup_keep(p, g);
}

/* Only lingering groups, none with bios in flight, hold up a refill. */
static bool band_pool_only_lingering(const struct band_pool *p)
{
	return !list_empty(&p->waiting) && p->nr_blocking &&
	       p->nr_blocking == p->nr_linger_blocking;
}

/*
 * A lease with nothing in flight is revoked (its group lingers from its
 * last completion, or goes idle, as without a lease); one with bios in
 * flight keeps the most it has had in flight, for the injection's room.
 */
static void band_pgroup_sweep(struct band_pool *p, struct band_pgroup *g)
{
	u32 peak;

	if (!(atomic64_read(&g->lease.state) & BAND_LEASE_COUNT_MASK)) {
		band_pgroup_revoke(p, g);
		return;
	}
	peak = READ_ONCE(g->fast_peak);
	if (peak > g->lease_keep) {
		p->lease_keep += peak - g->lease_keep;
		g->lease_keep = peak;
	}
}

/* The shortest period of the sweeps: 1 ms, and 4 us per lease. */
static u64 band_pool_sweep_min_ns(const struct band_pool *p)
{
	return max_t(u64, NSEC_PER_MSEC,
		     (u64)p->nr_leased * BAND_SWEEP_NS_PER_LEASE);
}

/*
 * Groups wait while some lease is open: the worker looks at the leases
 * (now, then every quarter of idle_ns), and revokes those with nothing in
 * flight: their groups then linger from their last completion, or go
 * idle, as they would have without a lease, that much late at most.  A
 * sweep is O(groups with a lease), so it comes no sooner than 1 ms, nor
 * than BAND_SWEEP_NS_PER_LEASE per lease (1000 leases: 4 ms).
 */
static void band_pool_sweep(struct band_pool *p, u64 now)
{
	struct band_pgroup *g, *tmp;

	if (p->lease_sweep_at && now >= p->lease_sweep_at) {
		p->lease_sweep_at = 0;
		list_for_each_entry_safe(g, tmp, &p->leased, lease_node)
			band_pgroup_sweep(p, g);
	}
	if (!p->lease_sweep_at && p->nr_leased && !list_empty(&p->waiting))
		p->lease_sweep_at = now + max(p->idle_ns / 4,
					      band_pool_sweep_min_ns(p));
}

/*
 * Groups that have lingered for idle_ns become idle.  And anticipation is
 * bounded: each lingering group holds up the refill for idle_ns at most,
 * but many light jobs (a bio every few hundred milliseconds each) take
 * turns at lingering, and the refill would never come: a backlogged group
 * would starve.  So once groups have waited idle_ns (from when the worker
 * first saw it) while only lingering groups held up the refill, every
 * lingering group becomes idle at once.  Called by the worker.
 */
void band_pool_expire(struct band_pool *p, u64 now)
{
	struct band_pgroup *g, *tmp;

	band_pool_sweep(p, now);
	list_for_each_entry_safe(g, tmp, &p->lingering, linger_node) {
		if (g->linger_until > now)
			break;
		list_del_init(&g->linger_node);
		band_pgroup_unlinger(p, g);
		band_pgroup_update(p, g);
	}
	if (!band_pool_only_lingering(p)) {
		p->anticipate_since = 0;
		return;
	}
	if (!p->anticipate_since) {
		p->anticipate_since = max(now, 1ULL);
		return;
	}
	if (now < p->anticipate_since + p->idle_ns)
		return;
	list_for_each_entry_safe(g, tmp, &p->lingering, linger_node) {
		list_del_init(&g->linger_node);
		band_pgroup_unlinger(p, g);
		band_pgroup_update(p, g);
	}
	p->anticipate_since = 0;
}

/*
 * While groups wait, when the worker should look again: the oldest
 * lingering group becomes idle, the bound on anticipation is reached, or
 * the leases are to be swept (1, at once, if no sweep is due yet: the
 * worker sets one); 0 if none of these.
 */
u64 band_pool_next_expiry(struct band_pool *p)
{
	struct band_pgroup *g;
	u64 t = 0;

	if (p->nr_leased && !list_empty(&p->waiting))
		t = p->lease_sweep_at ?: 1;
	g = list_first_entry_or_null(&p->lingering, struct band_pgroup,
				     linger_node);
	if (!g)
		return t;
	t = t ? min(t, g->linger_until) : g->linger_until;
	if (p->anticipate_since)
		t = min(t, p->anticipate_since + p->idle_ns);
	return t;
}

/* Some group waits for tokens and no active group has any left. */
bool band_pool_refill_due(const struct band_pool *p)
{
	return !list_empty(&p->waiting) && !p->nr_blocking;
}

/* Refills until @g has tokens: 1, or more if a full allotment leaves debt. */
static u64 band_pgroup_epochs_due(struct band_pool *p, struct band_pgroup *g)
{
	u64 a = band_pool_allotment(p, g->weight);

	band_pgroup_catch_up(p, g);
	/* epochs until min(t, 0) + k * a > 0 */
	return div64_u64((u64)(-min(g->tokens, 0LL)), a) + 1;
}

/* Start @n epochs at once: every active group gets its allotments. */
static void band_pool_advance(struct band_pool *p, u64 n)
{
	struct band_pgroup *g, *tmp;

	band_pool_update_gcd(p);
	p->epoch += n;
	list_for_each_entry_safe(g, tmp, &p->active, active_node) {
		band_pgroup_catch_up(p, g);
		band_pgroup_update(p, g);
	}
}

/*
 * Start @n epochs for @g, the group a refill is for.  With the automatic
 * token_base, a group alone (the only active one) whose allotment is
 * small (weight 1 beside an idle default group of weight 100: 2 tokens
 * an epoch) would start an epoch every few bios, each under the lock and
 * none on the fast path (its lease needs BAND_LEASE_MIN tokens).  So it
 * starts as many at once as give it the automatic base's share of one
 * group (BAND_AUTO_TOKENS_PER_GROUP tokens, or units): the refills it
 * would have started alone, one after the other, in one go.  Exact while
 * it stays alone; a group that becomes active before they are spent
 * finds it with that many tokens at most (not one allotment), once.
 */
static void band_pool_start(struct band_pool *p, struct band_pgroup *g,
			    u64 n)
{
	u64 a, k;
	s64 t;

	if (p->token_base || !g->active || !list_is_singular(&p->active)) {
		band_pool_advance(p, n);
		return;
	}
	a = band_pool_allotment(p, g->weight);
	k = div64_u64(band_pool_effective_base(p), max(p->nr_groups, 1U));
	k = max(n, div64_u64(k + a - 1, a));
	band_pgroup_catch_up(p, g);
	t = min(g->tokens, 0LL);
	band_pool_advance(p, k);
	/* each refill alone: min(t, 0) + a, the last ones from 0 */
	g->tokens = t + (s64)(k * a);
	band_pgroup_update(p, g);
}

/*
 * Start a new epoch.  If even a full allotment leaves every waiting group
 * in debt, skip as many epochs as the first of them needs, in one go.
 */
void band_pool_refill(struct band_pool *p)
{
	struct band_pgroup *g;
	u64 n = U64_MAX;

	list_for_each_entry(g, &p->waiting, waiting_node)
		n = min(n, band_pgroup_epochs_due(p, g));
	if (n != U64_MAX)
		band_pool_start(p, list_first_entry(&p->waiting,
						    struct band_pgroup,
						    waiting_node), n);
}

/*
 * The policy or token_base changed: what a token is worth, or how many an
 * epoch hands out, is no longer what the groups' tokens were counted in.
 * Start a new epoch at once in which every group, active or idle, has a
 * full allotment in the new units and no debt (idle groups lazily, in
 * band_pgroup_catch_up()).  O(active groups).
 */
static void band_pool_new_units(struct band_pool *p)
{
	struct band_pgroup *g, *tmp;

	band_pool_revoke_all(p);
	band_pool_update_gcd(p);
	p->epoch++;
	p->units_epoch = p->epoch;
	list_for_each_entry_safe(g, tmp, &p->active, active_node) {
		band_pgroup_catch_up(p, g);
		band_pgroup_update(p, g);
	}
}

/* Both start a new epoch when they change something (true). */
bool band_pool_set_policy(struct band_pool *p, enum band_policy policy)
{
	if (p->policy == policy)
		return false;
	p->policy = policy;
	band_pool_new_units(p);
	return true;
}

bool band_pool_set_token_base(struct band_pool *p, u64 token_base)
{
	if (p->token_base == token_base)
		return false;
	p->token_base = token_base;
	band_pool_new_units(p);
	return true;
}

/*
 * The deepest the learned depth may go: the device's own queue depth when
 * it has one (blk-mq: tags times hardware queues), else BAND_LEVELS.
 * Latencies measured under a noisy host can make a level look as fast as
 * a lone bio when it is not; a device cannot serve more than it has
 * places for, so that mistake stops at its queue depth.
 */
static u32 band_pool_depth_limit(const struct band_pool *p)
{
	return p->depth_max ? p->depth_max : BAND_LEVELS;
}

/* The device below has @depth_max places (0: unknown, bio-based). */
void band_pool_set_depth_max(struct band_pool *p, u32 depth_max)
{
	p->depth_max = min(depth_max, BAND_LEVELS);
	if (p->depth_max)
		p->depth = min(p->depth, p->depth_max);
}

/*
 * The device's learned depth, and one place more while the level just
 * above it has not been measured, so that the depth can be learned.
 */
static u32 band_pool_depth_now(const struct band_pool *p)
{
	u32 depth = p->depth;

	if (depth < band_pool_depth_limit(p) &&
	    p->lvl_n[depth + 1] < BAND_LEVEL_SAMPLES)
		depth++;
	return depth;
}

/*
 * Leases are open only while no group waits (a group about to wait
 * revokes every one) in two cases.  While the pool has not yet measured a
 * lone bio's latency (level 1), against which every level is judged: so
 * every bio passed under the lock has its level, and the depth can be learned
 * (once it has, bios passed under the lock while leases are open are
 * measured one in so many: band_pool_level()).  And while a sweep could
 * not come within a quarter of idle_ns (idle under 4 ms, or more than
 * idle_ns / 16 us leases): a group whose lease's bios have completed
 * would hold up a refill longer than a quarter of its lingering; with
 * idle 0 and 1000 light groups beside a busy one (make bench), leases
 * kept open cut the busy one to 30% of dm-linear's IOPS (78% without).
 */
static bool band_pool_probing(const struct band_pool *p)
{
	return p->lvl_n[1] < BAND_LEVEL_SAMPLES ||
	       p->idle_ns / 4 < band_pool_sweep_min_ns(p);
}

/*
 * Work conservation.  The refill rule alone keeps a device idle while a
 * latency-bound group (one that keeps a bio or two in flight and so
 * cannot spend its tokens quickly) holds up every other group's refill.
 * The room is what the device could serve at once and is not asked to:
 * its learned depth, less the bios in flight, less the places other
 * groups keep (band_pgroup_reserve(): so that on a one-slot device, or
 * when a backlogged job's submitter is briefly late, the refill rule
 * alone decides), less those the groups behind their reservation keep
 * (band_pgroup_keep(): with room, no reservation phase holds a group).
 */
u32 band_pool_room(const struct band_pool *p)
{
	u32 depth = band_pool_depth_now(p);
	u32 used = p->in_flight + p->lease_keep + p->reserved + p->behind_keep;

	return depth > used ? depth - used : 0;
}

/* Groups wait, the refill is held up by groups with tokens, and there is room. */
bool band_pool_inject_due(const struct band_pool *p)
{
	return p->inject && !list_empty(&p->waiting) && p->nr_blocking &&
	       band_pool_room(p);
}

/* ------------------------------------------------------------ reservation phase */

/* The clock of @g's reservation that is furthest behind (U64_MAX: none). */
static u64 band_pgroup_rtag(const struct band_pgroup *g)
{
	u64 tag = U64_MAX;
	int k;

	for (k = BAND_RESERVE_IOPS; k <= BAND_RESERVE_BPS; k++)
		if (g->limit[k].rate)
			tag = min(tag, g->limit[k].tat);
	return tag;
}

/*
 * The reservation time at @now: now, or, if a group with bios in flight
 * or held is more than BAND_RESERVE_CREDIT_NS behind on its reservation,
 * that group's clock plus the credit; never going back.  So while the
 * reservations add up to more than the device serves, the groups are
 * behind by the same time, and each gets the same fraction of its
 * reservation (they degrade in proportion), where measured against now
 * the smallest would be met in full at the others' cost.  The slowest
 * clock is looked for every BAND_RESERVE_TICK_NS at most:
 * O(groups with a reservation) then, O(1) else.
 */
static u64 band_pool_rtime(struct band_pool *p, u64 now)
{
	struct band_pgroup *g;
	u64 lo, t;

	if (p->ridle) {
		/* no group asked since: the time ran with now */
		p->ridle = false;
		p->rtime = max(p->rtime, now);
		p->rfloor_at = 0;
	}
	lo = p->rtime > BAND_RESERVE_CREDIT_NS ?
	     p->rtime - BAND_RESERVE_CREDIT_NS : 0;
	if (!p->rfloor_at || now >= p->rfloor_at + BAND_RESERVE_TICK_NS ||
	    now < p->rfloor_at) {
		p->rfloor = U64_MAX;
		list_for_each_entry(g, &p->reserving, reserve_node)
			if (g->ractive)
				p->rfloor = min(p->rfloor,
						max(band_pgroup_rtag(g), lo));
		p->rfloor_at = max(now, 1ULL);
	}
	t = p->rfloor == U64_MAX ? now :
	    min(now, p->rfloor + BAND_RESERVE_CREDIT_NS);
	p->rtime = max(p->rtime, t);
	return p->rtime;
}

static void band_pgroup_set_behind(struct band_pool *p, struct band_pgroup *g,
				   bool behind)
{
	if (behind == g->behind)
		return;
	g->behind = behind;
	band_pgroup_keep(p, g);
	if (behind) {
		/* the others' bios take the lock, where the phase is */
		if (!p->nr_behind++)
			band_pool_revoke_all(p);
	} else if (!--p->nr_behind && !list_empty(&p->waiting)) {
		p->reserve_next = 1;	/* what the phase held may go */
	}
}

/*
 * Is @g behind its reservation at @now?  After each of its bios.  Not
 * while its cap binds: it could not use the places (a cap below the
 * reservation kept every other group out of the device for good).
 */
static void band_pgroup_track(struct band_pool *p, struct band_pgroup *g,
			      u64 now)
{
	if (!band_pgroup_reserved(g) && !g->behind)
		return;
	band_pgroup_set_behind(p, g, g->attached && band_pgroup_reserved(g) &&
			       !band_pgroup_idle(g) && !g->cap_bound &&
			       band_pgroup_rtag(g) < band_pool_rtime(p, now));
}

/*
 * In a reservation phase (a group is behind its reservation), a group that
 * is not behind passes nothing while the device is full: the bios in
 * flight and the places the groups behind keep (band_pgroup_keep()) reach
 * its learned depth.  The groups behind take every place that frees.
 * Below that, the refill rule and injection go on as before (and with
 * room, injection's passes are never refused here).
 */
static bool band_pool_full(const struct band_pool *p)
{
	return p->in_flight + p->behind_keep >= band_pool_depth_now(p);
}

static bool band_pool_phase_holds(const struct band_pool *p,
				  const struct band_pgroup *g)
{
	return p->nr_behind && !g->behind && band_pool_full(p);
}

/* A group's turn at injection: its weight in the pool's smallest units. */
static u32 band_pgroup_quantum(const struct band_pool *p,
			       const struct band_pgroup *g)
{
	return max(g->weight / max(p->weight_gcd, 1U), 1U);
}

/*
 * Fill the room, in proportion to weight (a deficit round robin): the
 * waiting group at the head of the list takes one bio of the room per call
 * (a pass for its oldest held bio) until it has taken its quantum,
 * weight / gcd of the weights, then the turn passes on.  A group that has
 * a token or a pass is not given another: the worker releases its bio, and
 * calls again while there is room.  No epoch starts and no one loses
 * tokens, so when the device is saturated (no room) the refill rule alone
 * decides the shares; what a latency-bound group leaves goes to the
 * waiting groups 2:1 if their weights are 2:1.  An injected bio is charged
 * as debt, paid from the group's next allotments (band_pgroup_release()):
 * so when the refill is held up only at the end of an epoch (the groups
 * left with tokens cannot fill the device), the light groups that inject
 * then do not gain on the others over time.  O(1) per injected bio but
 * for groups skipped because they have a token.
 */
void band_pool_inject(struct band_pool *p)
{
	u32 room = band_pool_room(p);
	struct band_pgroup *g, *next = NULL;

	list_for_each_entry(g, &p->waiting, waiting_node) {
		if (!room)
			break;
		band_pgroup_catch_up(p, g);
		if (g->tokens > 0 || g->inject_pass)
			continue;
		if (!g->inject_credit)
			g->inject_credit = band_pgroup_quantum(p, g);
		g->inject_pass = true;
		g->inject_credit--;
		p->injected++;
		room--;
		band_pgroup_update(p, g);
		if (g->inject_credit) {
			/* its turn goes on: it heads the list next time */
			next = g;
			break;
		}
		next = list_is_last(&g->waiting_node, &p->waiting) ? NULL :
		       list_next_entry(g, waiting_node);
	}
	if (next && next != list_first_entry(&p->waiting, struct band_pgroup,
					     waiting_node))
		list_rotate_to_front(&next->waiting_node, &p->waiting);
}

void band_pgroup_attach(struct band_pool *p, struct band_pgroup *g,
			u32 weight)
{
	memset(g, 0, sizeof(*g));
	INIT_LIST_HEAD(&g->active_node);
	INIT_LIST_HEAD(&g->waiting_node);
	INIT_LIST_HEAD(&g->linger_node);
	INIT_LIST_HEAD(&g->lease_node);
	INIT_LIST_HEAD(&g->throttle_node);
	INIT_LIST_HEAD(&g->reserve_node);
	g->weight = clamp(weight, BAND_WEIGHT_MIN, BAND_WEIGHT_MAX);
	g->attached = true;
	list_add_tail(&g->pool_node, &p->groups);
	band_pool_add_weight(p, g->weight);
	p->total_weight += g->weight;
	p->nr_groups++;
	/* A new group starts with a full allotment in the current epoch. */
	g->epoch = p->epoch;
	g->tokens = band_pool_allotment(p, g->weight);
}

/*
 * Take a group out of the pool's totals.  Bios it still has in flight stay
 * counted (and may keep it active) until they complete; the caller moves
 * any held bios elsewhere first.
 */
void band_pgroup_detach(struct band_pool *p, struct band_pgroup *g)
{
	if (!g->attached)
		return;
	band_pgroup_revoke(p, g);
	p->total_weight -= g->weight;
	p->nr_groups--;
	p->reserve_total[0] -= g->limit[BAND_RESERVE_IOPS].rate;
	p->reserve_total[1] -= g->limit[BAND_RESERVE_BPS].rate;
	list_del_init(&g->reserve_node);
	band_pgroup_set_behind(p, g, false);
	g->attached = false;
	list_del_init(&g->pool_node);
	/* What divided every weight still does; the next refill tightens it. */
	p->gcd_stale = true;
	if (list_empty(&p->groups))
		p->weight_gcd = 0;
	if (g->lingering) {
		list_del_init(&g->linger_node);
		band_pgroup_unlinger(p, g);
	}
	band_pgroup_update(p, g);
}

/* Takes effect from the next epoch. */
void band_pgroup_set_weight(struct band_pool *p, struct band_pgroup *g,
			    u32 weight)
{
	weight = clamp(weight, BAND_WEIGHT_MIN, BAND_WEIGHT_MAX);
	if (g->attached) {
		p->total_weight = p->total_weight - g->weight + weight;
		band_pool_add_weight(p, weight);
		p->gcd_stale = true;
	}
	g->weight = weight;
}

/* Its tokens, lent ones included (a lease's tokens are the epoch's). */
s64 band_pgroup_tokens(struct band_pool *p, struct band_pgroup *g)
{
	band_pgroup_catch_up(p, g);
	return g->tokens +
	       (g->leased ? atomic64_read(&g->lease.tokens) : 0);
}

/*
 * What @g's lease's bios say of it, as its lease ends or is renewed: the
 * most it had in flight, and, if it passed any, that it was not idle
 * since idle_at (a renewal is not a late return).  Under the lock.
 */
static void band_pgroup_lease_seen(struct band_pgroup *g)
{
	u32 fast_peak = READ_ONCE(g->fast_peak);

	g->peak = max3(g->peak, g->in_flight, fast_peak);
	if (fast_peak)
		g->idle_at = 0;
}

static void band_pgroup_spend(struct band_pool *p, struct band_pgroup *g,
			      u64 cost)
{
	g->tokens = max(g->tokens - (s64)min_t(u64, cost, BAND_DEBT_MAX),
			-BAND_DEBT_MAX);
	g->in_flight++;
	g->peak = max(g->peak, g->in_flight);
	p->in_flight++;
}

/*
 * A new bio for @g: pass it (true) if the group has tokens and nothing
 * held before it, else the caller holds it (false).
 */
bool band_pgroup_charge(struct band_pool *p, struct band_pgroup *g, u64 cost)
{
	band_pgroup_revoke(p, g);
	band_pgroup_catch_up(p, g);
	if (g->held || g->tokens <= 0 || band_pool_phase_holds(p, g))
		return false;
	band_pgroup_spend(p, g, cost);
	band_pgroup_update(p, g);
	return true;
}

/*
 * A bio of @cost found @g's open lease without the tokens for it and came
 * to the lock.  If @g is the only group that holds up a refill (no other
 * is active with tokens or a lease) and none waits, the end of its lease
 * is the end of the epoch: take back what the lease has left, start the
 * next epoch if that is not enough (the refill band_refill_now() would
 * start by holding the bio: @g is the only group it waits for), charge
 * the bio, and put the rest back in the same lease (true).  The lease
 * stays open: the group's bios in flight still complete without the
 * lock, and its next bios take the fast path again.  Revoking it instead
 * (band_pgroup_charge()) would send every bio then in flight to the lock
 * at every epoch of a group alone.  Fast-path bios meanwhile find no
 * tokens and wait for the lock.  Not before the pool has measured a lone
 * bio's latency (level 1): the bio after a revoke passes under the lock
 * with no lease open, and so with its level; after a renewal, only one
 * in eight is measured (band_pool_level()), and a QD1 reader alone took
 * too long to teach the pool (35-fast-path on 6.12).  Under the lock.
 */
bool band_pgroup_renew(struct band_pool *p, struct band_pgroup *g, u64 cost)
{
	if (!g->leased || !g->blocking || p->nr_blocking != 1 ||
	    !list_empty(&p->waiting) || band_pool_phase_holds(p, g) ||
	    p->lvl_n[1] < BAND_LEVEL_SAMPLES)
		return false;
	g->tokens += atomic64_xchg(&g->lease.tokens, 0);
	band_pgroup_lease_seen(g);
	band_pgroup_catch_up(p, g);
	if (g->tokens <= 0)
		band_pool_start(p, g, band_pgroup_epochs_due(p, g));
	band_pgroup_spend(p, g, cost);
	if (g->tokens > 0) {
		atomic64_add(g->tokens, &g->lease.tokens);
		g->tokens = 0;
	}
	band_pgroup_update(p, g);
	return true;
}

/*
 * A bio that may not wait: it passes, and its cost becomes debt if need
 * be.  True if it would have been held (no tokens, or bios held before it).
 */
bool band_pgroup_charge_debt(struct band_pool *p, struct band_pgroup *g,
			     u64 cost)
{
	bool would_wait;

	band_pgroup_revoke(p, g);
	band_pgroup_catch_up(p, g);
	would_wait = g->held || g->tokens <= 0;
	band_pgroup_spend(p, g, cost);
	band_pgroup_update(p, g);
	return would_wait;
}

/*
 * A group is about to wait: its own lease is revoked (it counts its tokens
 * under the lock again); every lease while the depth is unlearned, so that
 * the bios passed under the lock meanwhile have a level to learn from.
 */
void band_pgroup_hold(struct band_pool *p, struct band_pgroup *g)
{
	if (band_pool_probing(p))
		band_pool_revoke_all(p);
	else
		band_pgroup_revoke(p, g);
	band_pgroup_catch_up(p, g);
	g->held++;
	band_pgroup_update(p, g);
}

/* A held bio leaves without being charged (suspend, or a group's detach). */
void band_pgroup_unhold(struct band_pool *p, struct band_pgroup *g)
{
	if (!--g->held)
		g->inject_pass = false;
	band_pgroup_update(p, g);
}

/*
 * The oldest held bio of @g may go if the group has tokens again, or a
 * pass from injection.  An injected bio's cost is debt, but no more than
 * one allotment of it: a group that was injected into for a long time
 * (beside a latency-bound one) is not then starved for as long once the
 * device is saturated.
 */
bool band_pgroup_release(struct band_pool *p, struct band_pgroup *g,
			 u64 cost)
{
	bool pass = g->inject_pass;
	s64 t, floor;

	band_pgroup_catch_up(p, g);
	if (!g->held || (g->tokens <= 0 && !pass) ||
	    band_pool_phase_holds(p, g))
		return false;
	g->held--;
	g->inject_pass = false;
	t = g->tokens;
	band_pgroup_spend(p, g, cost);
	if (t <= 0) {
		floor = -(s64)min_t(u64, band_pool_allotment(p, g->weight),
				    BAND_DEBT_MAX);
		g->tokens = max(g->tokens, min(t, floor));
	}
	band_pgroup_update(p, g);
	return true;
}

/* Level @k is measured, and its latency within the knee of level 1's. */
static bool band_level_good(const struct band_pool *p, u32 k)
{
	return p->lvl_n[1] >= BAND_LEVEL_SAMPLES &&
	       p->lvl_n[k] >= BAND_LEVEL_SAMPLES &&
	       p->lvl_lat[k] * 100 <= p->lvl_lat[1] * BAND_KNEE_PCT;
}

/*
 * Learn from one completion: @lat_ns after it was issued as the @level-th
 * bio in flight.  The depth grows by one level at a time, as the level
 * above it proves to be served as fast as a lone bio, and shrinks to below
 * any level at or under it that stops being.  O(1).
 */
static void band_pool_learn(struct band_pool *p, u64 lat_ns, u32 level)
{
	u64 *l;

	if (!lat_ns || !level)
		return;
	level = min(level, BAND_LEVELS);
	/* a latency past 1000 s is no measurement; bound the arithmetic */
	lat_ns = min_t(u64, lat_ns, 1000ULL * NSEC_PER_SEC);
	l = &p->lvl_lat[level];
	if (p->lvl_n[level])
		*l = *l - (*l >> 3) + (lat_ns >> 3);
	else
		*l = lat_ns;
	if (p->lvl_n[level] < U8_MAX)
		p->lvl_n[level]++;
	if (level == p->depth + 1 && level <= band_pool_depth_limit(p) &&
	    band_level_good(p, level))
		p->depth = level;
	else if (level > 1 && level <= p->depth &&
		 p->lvl_n[level] >= BAND_LEVEL_SAMPLES &&
		 !band_level_good(p, level))
		p->depth = level - 1;
}

/*
 * @g goes idle at @at (ns): it lingers for idle_ns, last on the list.  Not
 * a group that came back later than idle_ns its last BAND_LATE_MAX times
 * after going idle: it would not be back before its lingering ended, and
 * would only hold up the refill and keep places (as BFQ does not idle
 * for a queue without a short think time).  Many light jobs (a bio every
 * few hundred milliseconds each) beside a busy one kept it waiting.
 */
static void band_pgroup_linger(struct band_pool *p, struct band_pgroup *g,
			       u64 at)
{
	u64 until = at + p->idle_ns;

	/* (not while bios of its lease are in flight) */
	g->idle_at = g->leased && (atomic64_read(&g->lease.state) &
				   BAND_LEASE_COUNT_MASK) ? 0 : max(at, 1ULL);
	if (band_pgroup_long_think(g))
		return;
	list_move_tail(&g->linger_node, &p->lingering);
	if (!g->lingering) {
		/* it keeps the places it used, for when it is back */
		g->linger_places = max(g->peak, 1U);
		p->nr_lingering++;
	}
	g->lingering = true;
	g->peak = 0;
	g->linger_until = until;
}

/*
 * A bio of @g's arrived (passed, or held) at @now (ns): if the group was
 * idle, count whether it came back later than idle_ns.  Counting returns
 * in a row, not a mean of the times, a busy job whose bios come a few
 * milliseconds apart keeps lingering through an odd long gap (a loaded
 * host).  Under the lock.
 */
void band_pgroup_arrived(struct band_pool *p, struct band_pgroup *g, u64 now)
{
	u64 at = g->idle_at;

	if (!at)
		return;
	g->idle_at = 0;
	if (now > at && now - at > p->idle_ns)
		g->late = min_t(u32, g->late + 1, BAND_LATE_MAX);
	else
		g->late = 0;
}

/*
 * A bio passed down for @g has completed at @now (ns), @lat_ns after it
 * was issued as the @level-th bio in flight (0: not measured).  If that
 * leaves the group idle, it lingers for idle_ns first (not once detached).
 */
void band_pgroup_done(struct band_pool *p, struct band_pgroup *g, u64 now,
		      u64 lat_ns, u32 level)
{
	g->in_flight--;
	p->in_flight--;
	band_pool_learn(p, lat_ns, level);
	band_pgroup_track(p, g, now);
	/* a reservation held back by its bios in flight may go on */
	if (g->waiting && band_pgroup_reserved(g))
		p->reserve_next = 1;
	/* idle_ns is the same for all: the list stays in order */
	if (band_pgroup_idle(g) && g->attached && p->idle_ns)
		band_pgroup_linger(p, g, now);
	band_pgroup_update(p, g);
	/* in a reservation phase, a place in the device is free for the others */
	if (p->nr_behind && !list_empty(&p->waiting) && !band_pool_full(p))
		p->reserve_next = 1;
}

/* ------------------------------------------------------------ leases */

/* A lease's state word: see struct band_lease. */
static s64 band_lease_state(u32 gen, u32 count)
{
	return (s64)((u64)gen << 32 | count);
}

/*
 * Lend @g's tokens to its lease, if it holds no bio (and, while
 * band_pool_probing(), no group waits) and it has BAND_LEASE_MIN or more.
 * Not to a group that comes back late (band_pgroup_long_think()): its
 * lease would hold up the refill until a sweep, and its few bios cost
 * little under the lock.
 * The tokens are set before the generation opens: a fast-path bio counted
 * in it finds them.  Under the lock.
 */
void band_pgroup_lend(struct band_pool *p, struct band_pgroup *g)
{
	s64 state;

	if (g->leased || !g->attached || g->held || band_pgroup_long_think(g) ||
	    (!list_empty(&p->waiting) && band_pool_probing(p)) ||
	    p->nr_behind || band_pgroup_limited(g) || band_pgroup_reserved(g))
		return;
	band_pgroup_catch_up(p, g);
	if (g->tokens < BAND_LEASE_MIN)
		return;
	atomic64_set(&g->lease.tokens, g->tokens);
	g->tokens = 0;
	g->leased = true;
	list_add_tail(&g->lease_node, &p->leased);
	p->nr_leased++;
	g->lease_keep = max(g->peak, 1U);
	p->lease_keep += g->lease_keep;
	WRITE_ONCE(g->fast_peak, 0);
	WRITE_ONCE(g->fast_done_ns, 0);
	state = atomic64_read(&g->lease.state);
	atomic64_set_release(&g->lease.state,
			     band_lease_state(band_lease_gen(state) + 1, 0));
	band_pgroup_update(p, g);
}

/*
 * Close @g's lease: its generation first (from then on no bio counts
 * itself in it, and those counted complete under the lock), then its
 * unspent tokens go back to the group, and its bios in flight count as
 * the group's.  A lease whose bios have all completed leaves the group
 * lingering from its last completion, as band_pgroup_done() would have.
 * Under the lock.
 */
void band_pgroup_revoke(struct band_pool *p, struct band_pgroup *g)
{
	s64 state;
	u64 done;
	u32 k;

	if (!g->leased)
		return;
	state = atomic64_read(&g->lease.state);
	while (!atomic64_try_cmpxchg(&g->lease.state, &state,
				     band_lease_state(band_lease_gen(state) + 1,
						      0)))
		;
	k = state & BAND_LEASE_COUNT_MASK;
	g->tokens += atomic64_xchg(&g->lease.tokens, 0);
	g->leased = false;
	list_del_init(&g->lease_node);
	p->nr_leased--;
	p->lease_keep -= g->lease_keep;
	g->lease_keep = 0;
	g->in_flight += k;
	p->in_flight += k;
	band_pgroup_lease_seen(g);
	done = READ_ONCE(g->fast_done_ns);
	/* (it expires late by idle_ns at most, being put last) */
	if (band_pgroup_idle(g) && g->attached && done && p->idle_ns)
		band_pgroup_linger(p, g, done);
	band_pgroup_update(p, g);
}

/* Before a group waits.  O(groups with a lease). */
void band_pool_revoke_all(struct band_pool *p)
{
	struct band_pgroup *g, *tmp;

	list_for_each_entry_safe(g, tmp, &p->leased, lease_node)
		band_pgroup_revoke(p, g);
}

/* Bios in flight, leases' included, for status: O(groups with a lease). */
u32 band_pool_in_flight(const struct band_pool *p)
{
	const struct band_pgroup *g;
	u32 n = p->in_flight;

	list_for_each_entry(g, &p->leased, lease_node)
		n += atomic64_read(&g->lease.state) & BAND_LEASE_COUNT_MASK;
	return n;
}

/*
 * The level a bio passed under the lock is issued at, to learn the depth
 * from (0: not measured).  The leases' bios in flight are counted by
 * looking at every lease, O(groups with a lease), so that is done for one
 * bio in as many as there are leases (at least 8): O(1) a bio on average.
 */
u32 band_pool_level(struct band_pool *p)
{
	if (!p->nr_leased)
		return p->in_flight;
	if (++p->level_skip < max(p->nr_leased, 8U))
		return 0;
	p->level_skip = 0;
	return band_pool_in_flight(p);
}

/* Groups with an open lease and bios held, for stats: none, ever. */
u32 band_pool_leased_held(const struct band_pool *p)
{
	const struct band_pgroup *g;
	u32 n = 0;

	list_for_each_entry(g, &p->leased, lease_node)
		n += g->held > 0;
	return n;
}

/* Bios of @g in flight, for status: under the lock. */
u32 band_pgroup_in_flight(const struct band_pgroup *g)
{
	s64 state = atomic64_read(&g->lease.state);

	return g->in_flight + (g->leased ? state & BAND_LEASE_COUNT_MASK : 0);
}

/* ------------------------------------------------------------ limits */

/*
 * Cap @g, or give it a reservation, of @rate bios or bytes per second (0:
 * none, else at most BAND_LIMIT_MAX).  The clock starts afresh: a new cap
 * allows one burst.  A capped or reserved group lends no tokens (its bios
 * take the lock, where its clocks are).  Under the lock.
 */
void band_pgroup_set_limit(struct band_pool *p, struct band_pgroup *g,
			   enum band_limit_kind kind, u64 rate)
{
	struct band_limit *l = &g->limit[kind];

	rate = min(rate, BAND_LIMIT_MAX);
	if (kind >= BAND_RESERVE_IOPS && g->attached)
		p->reserve_total[kind - BAND_RESERVE_IOPS] += rate - l->rate;
	l->rate = rate;
	l->tat = 0;
	l->rem = 0;
	if (kind <= BAND_LIMIT_BPS)
		g->cap_bound = false;
	if (g->attached && band_pgroup_reserved(g)) {
		list_move_tail(&g->reserve_node, &p->reserving);
	} else {
		list_del_init(&g->reserve_node);
		band_pgroup_set_behind(p, g, false);
	}
	band_pgroup_update(p, g);
	if (l->rate)
		band_pgroup_revoke(p, g);
	if (g->throttled) {
		/* its oldest bio is judged again, by the new cap */
		g->throttle_until = 0;
		p->throttle_next = 1;
	}
	if (kind >= BAND_RESERVE_IOPS && l->rate)
		p->reserve_next = 1;	/* the worker looks at once */
}

bool band_pgroup_limited(const struct band_pgroup *g)
{
	return g->limit[BAND_LIMIT_IOPS].rate || g->limit[BAND_LIMIT_BPS].rate;
}

bool band_pgroup_reserved(const struct band_pgroup *g)
{
	return g->limit[BAND_RESERVE_IOPS].rate ||
	       g->limit[BAND_RESERVE_BPS].rate;
}

/* What a bio of @bytes counts for against a clock of @kind. */
static u64 band_limit_units(enum band_limit_kind kind, u64 bytes)
{
	return kind == BAND_LIMIT_IOPS || kind == BAND_RESERVE_IOPS ?
	       1 : min_t(u64, bytes, U32_MAX);
}

/*
 * May a bio of @bytes of @g go at @now (ns) under its caps?  0 if so,
 * else when it may (ns).  O(1).
 */
u64 band_pgroup_limit_due(const struct band_pgroup *g, u64 bytes, u64 now)
{
	u64 due = 0;
	int k;

	for (k = BAND_LIMIT_IOPS; k <= BAND_LIMIT_BPS; k++) {
		const struct band_limit *l = &g->limit[k];

		if (l->rate && l->tat > now + BAND_LIMIT_BURST_NS)
			due = max(due, l->tat - BAND_LIMIT_BURST_NS);
	}
	return due;
}

/*
 * The bios @g may have in flight and still pass more on its reservation:
 * its reservation's share of all (the largest of its kinds') of four
 * times the device's learned depth, at least one.  While reservations
 * add up to no more than the device serves, that is more than a group
 * needs to reach its own (Little's law: its rate times the latency, where
 * the sum of the rates times the latency is at most the depth); when they
 * add up to more, the device serves the groups in proportion to their
 * bios in flight, so in proportion to their reservations.
 */
static u32 band_pgroup_reserve_quota(const struct band_pool *p,
				     const struct band_pgroup *g)
{
	u64 q = 1, budget = 4ULL * max(p->depth, 1U);
	int k;

	for (k = 0; k < 2; k++) {
		u64 r = g->limit[BAND_RESERVE_IOPS + k].rate;
		u64 total = max(p->reserve_total[k], r), share;

		if (!r)
			continue;
		/* rounded up; budget * r < 2^58 */
		share = mul_u64_u64_div_u64(budget, r, total);
		if (share * total < budget * r)
			share++;
		q = max(q, share);
	}
	return min_t(u64, q, U32_MAX);
}

/*
 * May @g, out of tokens, pass its next bio at @now on a reservation?  0 if
 * so (some reservation's clock is behind), else when it may (ns), or
 * U64_MAX with no reservation.  O(1).
 */
u64 band_pgroup_reserve_due(const struct band_pgroup *g, u64 bytes, u64 now)
{
	u64 due = U64_MAX;
	int k;

	for (k = BAND_RESERVE_IOPS; k <= BAND_RESERVE_BPS; k++) {
		const struct band_limit *l = &g->limit[k];

		if (!l->rate)
			continue;
		if (l->tat <= now + BAND_LIMIT_BURST_NS)
			return 0;
		due = min(due, l->tat - BAND_LIMIT_BURST_NS);
	}
	return due;
}

/*
 * Pass @g's next bio (its oldest held one, if it holds any) on its
 * reservation, if that allows it now: no tokens are charged, its clocks
 * move (band_pgroup_limit_pass(), by the caller).  Under the lock.
 */
bool band_pgroup_pass_reserved(struct band_pool *p, struct band_pgroup *g,
			       u64 bytes, u64 now)
{
	if (band_pgroup_reserve_due(g, bytes, now) ||
	    g->in_flight >= band_pgroup_reserve_quota(p, g) ||
	    band_pool_phase_holds(p, g))
		return false;
	if (g->held && !--g->held)
		g->inject_pass = false;
	band_pgroup_spend(p, g, 0);
	g->reserved_bios++;
	band_pgroup_update(p, g);
	return true;
}

/*
 * A group waits for its reservation until @until: the worker runs then.
 * 0 (its clock allows a bio, but it has its share in flight): one of its
 * completions will run it (band_pgroup_done()), not a timer.
 */
void band_pool_reserve_wait(struct band_pool *p, u64 until)
{
	if (!until || until == U64_MAX)
		return;
	if (!p->reserve_next || until < p->reserve_next)
		p->reserve_next = max(until, 1ULL);
}

/*
 * A bio of @bytes of @g goes at @now: move each cap's clock on by its
 * cost at the cap's rate, from now if the clock had fallen behind (an
 * idle group saves up no more than the burst); each reservation's clock
 * likewise, from BAND_RESERVE_CREDIT_NS before the reservation time (see
 * band_pool_rtime()); then judge whether @g is behind.  The remainder of each
 * step is carried, so that the rate is exact however small a step is
 * (4 KiB at 2^40 bytes per second is 3.7 ns).
 */
void band_pgroup_limit_pass(struct band_pool *p, struct band_pgroup *g,
			    u64 bytes, u64 now)
{
	u64 rlow = 0;
	s64 lead = -1;
	int k;

	if (band_pgroup_reserved(g))
		rlow = band_pool_rtime(p, now);
	rlow = rlow > BAND_RESERVE_CREDIT_NS ? rlow - BAND_RESERVE_CREDIT_NS : 0;
	for (k = 0; k < BAND_NR_LIMITS; k++) {
		struct band_limit *l = &g->limit[k];
		u64 from = k <= BAND_LIMIT_BPS ? now : rlow;
		u64 step;

		if (!l->rate)
			continue;
		if (k <= BAND_LIMIT_BPS)
			lead = max(lead, (s64)(l->tat - now));
		if (l->tat < from) {
			l->tat = from;
			l->rem = 0;
		}
		/* < 2^32 * 10^9 + 2^50 < 2^63 */
		step = div64_u64_rem(band_limit_units(k, bytes) * NSEC_PER_SEC +
				     l->rem, l->rate, &l->rem);
		l->tat += step;
	}
	band_pgroup_track(p, g, now);
	/* its cap binds until it falls back from it (see BAND_CAP_SLACK_NS) */
	if (!g->cap_bound)
		return;
	if (lead < 0 || lead + BAND_CAP_SLACK_NS < g->cap_peak)
		g->cap_bound = false;
	else
		g->cap_peak = max(g->cap_peak, lead);
}

/*
 * @g's oldest held bio waits for a cap until @until (ns): the group is
 * throttled.  The caller holds the bio (band_pgroup_hold()) first, and
 * runs band_pool_unthrottle() at pool->throttle_next.  Under the lock.
 */
void band_pgroup_throttle(struct band_pool *p, struct band_pgroup *g,
			  u64 until)
{
	g->cap_bound = true;
	g->cap_peak = 0;
	if (!g->throttled) {
		g->throttled = true;
		g->limited++;
		list_add_tail(&g->throttle_node, &p->throttled);
	}
	g->throttle_until = until;
	if (!p->throttle_next || until < p->throttle_next)
		p->throttle_next = max(until, 1ULL);
	band_pgroup_update(p, g);
}

/*
 * Groups whose time has come wait for tokens again (their oldest bio is
 * judged by its caps once more when released).  O(throttled groups), by
 * the worker.
 */
void band_pool_unthrottle(struct band_pool *p, u64 now)
{
	struct band_pgroup *g, *tmp;
	u64 next = 0;

	if (!p->throttle_next || p->throttle_next > now)
		return;
	/* groups wait again: the refill rule counts every token again */
	band_pool_revoke_all(p);
	list_for_each_entry_safe(g, tmp, &p->throttled, throttle_node) {
		if (g->throttle_until <= now) {
			g->throttled = false;
			list_del_init(&g->throttle_node);
			band_pgroup_update(p, g);
		} else if (!next || g->throttle_until < next) {
			next = g->throttle_until;
		}
	}
	p->throttle_next = next;
}
