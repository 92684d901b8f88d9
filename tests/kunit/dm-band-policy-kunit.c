// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for dm-band's policy core (dm-band-policy.c): the refill
 * rule, weighted shares, reconfiguration mid-epoch, idle groups, iosize
 * charging, debt and arithmetic limits; the fast path's leases, alone and
 * on several CPUs at once.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../../dm-band-policy.c"

#include "dm-band-kunit.h"

/*
 * A simulated group: backlogged (always has another bio to submit) or not,
 * with bios kept in flight until the test completes them.
 */
struct sim_group {
	struct band_pgroup g;
	bool backlogged;
	u64 passed;		/* bios passed down, ever */
};

/*
 * Submit as the map path does: pass if the group can be charged, else
 * hold.  Returns true if it passed.
 */
static bool sim_submit(struct band_pool *p, struct sim_group *s, u64 cost)
{
	if (band_pgroup_charge(p, &s->g, cost)) {
		s->passed++;
		return true;
	}
	band_pgroup_hold(p, &s->g);
	return false;
}

/* The worker: refill when due, then release held bios round-robin. */
static void sim_worker(struct band_pool *p, struct sim_group *s, int n,
		       u64 cost)
{
	bool progress;
	int i;

	do {
		if (band_pool_refill_due(p))
			band_pool_refill(p);
		progress = false;
		for (i = 0; i < n; i++) {
			if (band_pgroup_release(p, &s[i].g, cost)) {
				s[i].passed++;
				progress = true;
			}
		}
	} while (progress || band_pool_refill_due(p));
}

/* Complete every bio in flight. */
static void sim_complete_all(struct band_pool *p, struct sim_group *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		while (s[i].g.in_flight)
			band_pgroup_done(p, &s[i].g, 0, 0, 0);
}

/*
 * Run @rounds rounds: each backlogged group keeps one bio queued (it
 * submits until one is held), the worker runs, everything completes.
 */
static void sim_run(struct band_pool *p, struct sim_group *s, int n,
		    int rounds, u64 cost)
{
	int r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			if (!s[i].backlogged || s[i].g.held)
				continue;
			while (sim_submit(p, &s[i], cost))
				;
		}
		sim_worker(p, s, n, cost);
		sim_complete_all(p, s, n);
	}
}

/* A pool for one test case, freed with it (too large for the stack). */
/* End of a case: held bios leave uncharged, every bio completes. */
static void sim_drain(struct kunit *test, struct band_pool *p,
		      struct sim_group *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		while (s[i].g.held)
			band_pgroup_unhold(p, &s[i].g);
	sim_complete_all(p, s, n);
	KUNIT_EXPECT_EQ(test, p->in_flight, 0);
}

static struct band_pool *new_pool(struct kunit *test)
{
	struct band_pool *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	return p;
}

/* @n simulated groups, zeroed, freed with the test case. */
static struct sim_group *new_sims(struct kunit *test, int n)
{
	struct sim_group *s = kunit_kcalloc(test, n, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	return s;
}

static void sim_attach(struct band_pool *p, struct sim_group *s, int n,
		       const u32 *weights)
{
	int i;

	for (i = 0; i < n; i++) {
		band_pgroup_attach(p, &s[i].g, weights[i]);
		s[i].backlogged = true;
		s[i].passed = 0;
	}
}

/* The pool has learned its depth: @depth places, level 1 measured. */
static void pool_learned(struct band_pool *p, u32 depth)
{
	p->depth = depth;
	p->lvl_n[1] = BAND_LEVEL_SAMPLES;
	p->lvl_n[depth + 1] = BAND_LEVEL_SAMPLES;
}

/*
 * The refill rule, exactly: no refill while any group with bios pending
 * (held or in flight) has tokens; a refill as soon as none has.
 */
static void band_policy_refill_rule(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	static const u32 w[2] = { 1, 1 };
	struct band_pool *pool = new_pool(test);
	s64 t;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 4, 0);
	sim_attach(pool, s, 2, w);
	/* ceil(4 / 2) per unit of weight once both are attached */
	KUNIT_ASSERT_EQ(test, band_pool_allotment(pool, 1), 2);
	/* a group starts with the allotment of the moment it attached */
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 4);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), 2);

	/* A spends its tokens and is held. */
	for (t = 4; t > 0; t--)
		KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	KUNIT_EXPECT_FALSE(test, sim_submit(pool, &s[0], 1));
	/* B is idle: it has tokens but holds nothing up. */
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));

	/* Once B has a bio in flight and tokens left, it blocks the refill. */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	/* Completing it makes B idle again: due. */
	band_pgroup_done(pool, &s[1].g, 0, 0, 0);
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	/* B active again, then spends its last token: due at once. */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), 0);
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	KUNIT_EXPECT_FALSE(test, sim_submit(pool, &s[1], 1));
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));

	band_pool_refill(pool);
	KUNIT_EXPECT_EQ(test, pool->epoch, 1);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 2);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), 2);
	/* Both have tokens and bios held: not due until they are spent. */
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, &s[0].g, 1));
	KUNIT_EXPECT_FALSE(test, band_pgroup_release(pool, &s[0].g, 1));
	KUNIT_EXPECT_EQ(test, s[0].g.held, 0);
	KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, &s[1].g, 1));
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	sim_complete_all(pool, s, 2);
}

/* Nothing pending at all: never due. */
static void band_policy_no_refill_when_idle(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 3);
	static const u32 w[3] = { 5, 1, 1 };
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	sim_attach(pool, s, 3, w);
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	while (band_pgroup_tokens(pool, &s[0].g) > 0)
		KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	/* Out of tokens but nothing held: not due. */
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	sim_complete_all(pool, s, 3);
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	KUNIT_EXPECT_EQ(test, pool->epoch, 0);
}

/*
 * With idle_ns, a group whose last bio just completed still holds up the
 * refill while it has tokens, until idle_ns has passed.
 */
static void band_policy_lingering(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	static const u32 w[2] = { 1, 1 };
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 4, 1000);	/* 1 ms */
	KUNIT_EXPECT_EQ(test, band_pool_idle_us(pool), 1000);
	sim_attach(pool, s, 2, w);
	/* B does one bio and completes it at t = 5 ms */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	band_pgroup_done(pool, &s[1].g, 5000000, 0, 0);
	KUNIT_EXPECT_TRUE(test, s[1].g.lingering);
	KUNIT_EXPECT_EQ(test, band_pool_next_expiry(pool), 6000000);
	/* A spends its tokens and waits: B, lingering with a token, blocks */
	while (sim_submit(pool, &s[0], 1))
		;
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	band_pool_expire(pool, 5999999);
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	band_pool_expire(pool, 6000000);
	KUNIT_EXPECT_FALSE(test, s[1].g.lingering);
	KUNIT_EXPECT_EQ(test, band_pool_next_expiry(pool), 0);
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));

	/* a new bio ends the lingering at once */
	band_pool_refill(pool);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	band_pgroup_done(pool, &s[1].g, 7000000, 0, 0);
	KUNIT_EXPECT_TRUE(test, s[1].g.lingering);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	KUNIT_EXPECT_FALSE(test, s[1].g.lingering);
	KUNIT_EXPECT_EQ(test, band_pool_next_expiry(pool), 0);
	/* a detached group does not linger */
	band_pgroup_detach(pool, &s[1].g);
	band_pgroup_done(pool, &s[1].g, 8000000, 0, 0);
	KUNIT_EXPECT_FALSE(test, s[1].g.lingering);
	KUNIT_EXPECT_FALSE(test, s[1].g.active);
	sim_complete_all(pool, s, 2);
}

/*
 * B goes idle at *t + gap after its last bio; a bio of its arrives at
 * *t + gap and completes 0.1 ms later.  Returns whether B lingers then.
 */
static bool sim_return(struct band_pool *p, struct sim_group *s, int n,
		       u64 *t, u64 gap)
{
	*t += gap;
	band_pool_expire(p, *t);
	band_pgroup_arrived(p, &s[1].g, *t);
	if (!sim_submit(p, &s[1], 1))
		sim_worker(p, s, n, 1);
	*t += 100000;
	band_pgroup_done(p, &s[1].g, *t, 0, 0);
	return s[1].g.lingering;
}

/*
 * A group that came back later than idle_ns three times in a row does
 * not linger: it would not be back in time, and only held up the refill
 * (the bench's 999 light cgroups, a read every 500 ms each, beside a busy
 * one at idle 50 ms: the busy one got 0.7% of dm-linear's IOPS).  Back
 * in time once, it lingers again.  An odd late return among returns in
 * time changes nothing: a mean of think times did, and a backlogged
 * group of weight 1000 on a loaded guest stopped lingering (36-limits,
 * weight 1 beside it got 14 IOPS, not under 10).
 */
static void band_policy_long_think(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	static const u32 w[2] = { 1, 1 };
	struct band_pool *pool = new_pool(test);
	u64 t = 5000000;
	int i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 4, 1000);	/* 1 ms */
	sim_attach(pool, s, 2, w);
	/* B's first bio: it lingers after it */
	KUNIT_EXPECT_TRUE(test, sim_return(pool, s, 2, &t, 0));
	/* back 5 ms after going idle, twice: it still lingers */
	KUNIT_EXPECT_TRUE(test, sim_return(pool, s, 2, &t, 5000000));
	KUNIT_EXPECT_EQ(test, s[1].g.late, 1);
	KUNIT_EXPECT_TRUE(test, sim_return(pool, s, 2, &t, 5000000));
	/* the third time in a row, it does not */
	KUNIT_EXPECT_FALSE(test, sim_return(pool, s, 2, &t, 5000000));
	KUNIT_EXPECT_EQ(test, s[1].g.late, 3);
	KUNIT_EXPECT_FALSE(test, s[1].g.active);
	KUNIT_EXPECT_EQ(test, pool->reserved, 0);
	KUNIT_EXPECT_FALSE(test, sim_return(pool, s, 2, &t, 5000000));
	KUNIT_EXPECT_EQ(test, s[1].g.late, 3);
	/* so A, out of tokens, has its refill at once */
	while (sim_submit(pool, &s[0], 1))
		;
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	sim_worker(pool, s, 2, 1);
	sim_complete_all(pool, s, 1);
	/* back in time (0.5 ms) once: it lingers again */
	KUNIT_EXPECT_TRUE(test, sim_return(pool, s, 2, &t, 500000));
	KUNIT_EXPECT_EQ(test, s[1].g.late, 0);
	/* two late returns between returns in time: it keeps lingering */
	for (i = 0; i < 40; i++)
		KUNIT_EXPECT_TRUE(test, sim_return(pool, s, 2, &t,
						   i % 3 ? 50000000 : 500000));
	sim_complete_all(pool, s, 2);
}

/*
 * A group that comes back late lends no lease, whether others wait or
 * not (its lease would hold up their refill until a sweep: in make
 * bench's 1000flowing-idle nine light groups had leases open at a time,
 * and the busy one got 18% of dm-linear's IOPS); one back in time once
 * does.
 */
static void band_policy_long_think_lend(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	static const u32 w[2] = { 1, 1 };
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 8, 8000);
	pool_learned(pool, 4);
	sim_attach(pool, s, 2, w);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	/* nobody waits */
	s[0].g.late = 3;
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	/* B waits */
	while (sim_submit(pool, &s[1], 1))
		;
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	s[0].g.late = 2;
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	band_pgroup_revoke(pool, &s[0].g);
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	sim_complete_all(pool, s, 2);
}

/*
 * Light jobs that take turns at lingering hold up a refill for idle_ns at
 * most: without the bound a backlogged group starved (the bench's 1000
 * light cgroups beside one busy one: 0 IOPS for the busy one).
 */
static void band_policy_linger_bounded(struct kunit *test)
{
	static const u32 w[4] = { 1, 1, 1, 1 };
	struct sim_group *s = kunit_kcalloc(test, 4, sizeof(*s), GFP_KERNEL);
	struct band_pool *pool = new_pool(test);
	u64 t;
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	band_pool_init(pool, BAND_POLICY_WEIGHT, 8, 1000);	/* 1 ms */
	sim_attach(pool, s, 4, w);
	/* A spends its tokens and waits */
	while (sim_submit(pool, &s[0], 1))
		;
	/* the light ones each do a bio, 0.6 ms apart, again and again */
	for (i = 1, t = 0; t < 10000000; t += 600000, i = i % 3 + 1) {
		KUNIT_ASSERT_TRUE(test, sim_submit(pool, &s[i], 1));
		band_pgroup_done(pool, &s[i].g, t, 0, 0);
		band_pool_expire(pool, t);
		if (band_pool_refill_due(pool))
			break;
	}
	/* first seen at 0, due within idle_ns of that (and of a turn) */
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	KUNIT_EXPECT_LE(test, t, 1800000);
	KUNIT_EXPECT_EQ(test, pool->nr_linger_blocking, 0);
	KUNIT_EXPECT_EQ(test, pool->anticipate_since, 0);
	band_pool_refill(pool);
	KUNIT_EXPECT_GT(test, band_pgroup_tokens(pool, &s[0].g), 0);

	/* one lingering group alone: its own idle_ns, as before */
	band_pool_init(pool, BAND_POLICY_WEIGHT, 8, 1000);
	memset(s, 0, 4 * sizeof(*s));
	sim_attach(pool, s, 2, w);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	band_pgroup_done(pool, &s[1].g, 5000000, 0, 0);
	while (sim_submit(pool, &s[0], 1))
		;
	band_pool_expire(pool, 5500000);
	KUNIT_EXPECT_EQ(test, pool->anticipate_since, 5500000);
	KUNIT_EXPECT_EQ(test, band_pool_next_expiry(pool), 6000000);
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	band_pool_expire(pool, 6000000);
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	KUNIT_EXPECT_EQ(test, pool->anticipate_since, 0);
	sim_complete_all(pool, s, 2);
}

/* Shares of passed bios over many epochs equal the weights exactly. */
static void band_policy_shares(struct kunit *test)
{
	static const u32 w[4] = { 40, 20, 10, 1 };
	struct sim_group *s = kunit_kcalloc(test, 4, sizeof(*s), GFP_KERNEL);
	struct band_pool *pool = new_pool(test);
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	sim_attach(pool, s, 4, w);
	sim_run(pool, s, 4, 200, 1);
	KUNIT_EXPECT_GT(test, pool->epoch, 100);
	for (i = 1; i < 4; i++) {
		/* passed_i / passed_0 == w_i / w_0, within one epoch's worth */
		u64 lhs = s[i].passed * w[0], rhs = s[0].passed * w[i];
		u64 slack = band_pool_allotment(pool, w[0]) * w[i];

		KUNIT_EXPECT_LE_MSG(test, lhs, rhs + slack, "group %d", i);
		KUNIT_EXPECT_GE_MSG(test, lhs + slack, rhs, "group %d", i);
	}
}

/* 1:4 over the weight-iosize policy with 64 KiB bios. */
static void band_policy_iosize_shares(struct kunit *test)
{
	static const u32 w[2] = { 1, 4 };
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);
	u64 cost, slack;

	band_pool_init(pool, BAND_POLICY_WEIGHT_IOSIZE, 0, 0);
	cost = band_pool_cost(pool, 128, true);
	KUNIT_EXPECT_EQ(test, cost, 16);	/* 64 KiB / 4 KiB */
	sim_attach(pool, s, 2, w);
	sim_run(pool, s, 2, 100, cost);
	KUNIT_EXPECT_GT(test, s[0].passed, 0);
	/* within two epochs' worth (the first, at attach, is uneven) */
	slack = 2 * (band_pool_allotment(pool, 4) / cost + 1);
	KUNIT_EXPECT_LE(test, s[0].passed * 4, s[1].passed + slack);
	KUNIT_EXPECT_GE(test, s[0].passed * 4 + slack, s[1].passed);
}

static void band_policy_cost(struct kunit *test)
{
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	KUNIT_EXPECT_EQ(test, band_pool_cost(pool, 2048, true), 1);
	band_pool_set_policy(pool, BAND_POLICY_WEIGHT_IOSIZE);
	KUNIT_EXPECT_EQ(test, band_pool_cost(pool, 1, true), 1);
	KUNIT_EXPECT_EQ(test, band_pool_cost(pool, 8, true), 1);
	KUNIT_EXPECT_EQ(test, band_pool_cost(pool, 9, true), 2);
	KUNIT_EXPECT_EQ(test, band_pool_cost(pool, 2048, true), 256);
	/* discard / write-zeroes move no data: one token whatever the size */
	KUNIT_EXPECT_EQ(test, band_pool_cost(pool, 1 << 21, false), 1);
	KUNIT_EXPECT_EQ(test, band_pool_cost(pool, U64_MAX, true),
			U64_MAX / 8 + 1);
}

/* An idle group never delays the others, and catches up lazily. */
static void band_policy_idle_groups(struct kunit *test)
{
	static const u32 w[3] = { 1, 1, 100 };
	struct sim_group *s = new_sims(test, 3);
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	sim_attach(pool, s, 3, w);
	s[2].backlogged = false;	/* the heaviest group is idle */
	sim_run(pool, s, 3, 50, 1);
	KUNIT_EXPECT_GE(test, pool->epoch, 50);
	KUNIT_EXPECT_EQ(test, s[2].passed, 0);
	KUNIT_EXPECT_FALSE(test, s[2].g.active);
	KUNIT_EXPECT_EQ(test, s[0].passed, s[1].passed);
	/* Once touched it has one full allotment, not fifty. */
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[2].g),
			band_pool_allotment(pool, 100));
}

/* A weight change takes effect at the next epoch and moves the shares. */
static void band_policy_weight_change(struct kunit *test)
{
	static const u32 w[2] = { 1, 1 };
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);
	u64 before0, before1;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	sim_attach(pool, s, 2, w);
	sim_run(pool, s, 2, 20, 1);
	KUNIT_EXPECT_EQ(test, s[0].passed, s[1].passed);

	/* mid-epoch: A has spent part of its tokens */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	band_pgroup_set_weight(pool, &s[1].g, 3);
	KUNIT_EXPECT_EQ(test, pool->total_weight, 4);
	sim_complete_all(pool, s, 2);
	sim_run(pool, s, 2, 2, 1);	/* finish the epoch in progress */
	before0 = s[0].passed;
	before1 = s[1].passed;
	sim_run(pool, s, 2, 40, 1);
	KUNIT_EXPECT_EQ(test, (s[1].passed - before1),
			3 * (s[0].passed - before0));
}

/*
 * A policy or token_base change starts a new epoch in the new units at
 * once: tokens counted per 4 KiB do not linger as tokens per bio (and the
 * reverse), debt in the old units is forgiven, idle groups start the next
 * epoch they are touched in with a full allotment, and held bios pass.
 * A setting that does not change anything starts nothing.
 */
static void band_policy_units_change(struct kunit *test)
{
	static const u32 w[3] = { 1, 2, 1 };
	struct sim_group *s = new_sims(test, 3);
	struct band_pool *pool = new_pool(test);
	u64 epoch;

	band_pool_init(pool, BAND_POLICY_WEIGHT_IOSIZE, 0, 0);
	sim_attach(pool, s, 3, w);
	s[2].backlogged = false;	/* idle: caught up lazily */
	/* (A got its tokens when it was alone: the automatic base grows) */
	KUNIT_EXPECT_GT(test, s[0].g.tokens, 1000);
	/* A spends a little, B runs into debt with one huge bio */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 8));
	band_pgroup_charge_debt(pool, &s[1].g, 1ULL << 30);
	KUNIT_EXPECT_LT(test, s[1].g.tokens, 0);
	/* and holds one more bio */
	KUNIT_EXPECT_FALSE(test, sim_submit(pool, &s[1], 1));

	epoch = pool->epoch;
	KUNIT_EXPECT_FALSE(test,
			   band_pool_set_policy(pool, BAND_POLICY_WEIGHT_IOSIZE));
	KUNIT_EXPECT_FALSE(test, band_pool_set_token_base(pool, 0));
	KUNIT_EXPECT_EQ(test, pool->epoch, epoch);

	KUNIT_EXPECT_TRUE(test, band_pool_set_policy(pool, BAND_POLICY_WEIGHT));
	KUNIT_EXPECT_EQ(test, pool->epoch, epoch + 1);
	/* active groups: a full allotment in bios, B's debt forgiven */
	KUNIT_EXPECT_EQ(test, s[0].g.tokens, band_pool_allotment(pool, 1));
	KUNIT_EXPECT_LT(test, s[0].g.tokens, 1000);
	KUNIT_EXPECT_EQ(test, s[1].g.tokens, band_pool_allotment(pool, 2));
	/* B's held bio may pass now */
	KUNIT_EXPECT_TRUE(test, s[1].g.waiting);
	KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, &s[1].g, 1));
	KUNIT_EXPECT_FALSE(test, s[1].g.waiting);
	/* the idle group, touched later, a full allotment in bios */
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[2].g),
			band_pool_allotment(pool, 1));

	/* token_base too: from automatic to 24 */
	sim_complete_all(pool, s, 3);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	KUNIT_EXPECT_TRUE(test, band_pool_set_token_base(pool, 24));
	KUNIT_EXPECT_EQ(test, s[0].g.tokens, 24 / 4);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), 2 * 24 / 4);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[2].g), 24 / 4);

	/* and the shares still follow the weights afterwards */
	sim_complete_all(pool, s, 3);
	s[0].passed = 0;
	s[1].passed = 0;
	sim_run(pool, s, 2, 40, 1);
	/* 2:1, within the epoch in progress when the run stopped (6 + 12) */
	KUNIT_EXPECT_GT(test, s[0].passed, 100);
	KUNIT_EXPECT_LE(test, abs((s64)s[1].passed - 2 * (s64)s[0].passed),
			12);
}

/* Attach and detach mid-epoch; a detached group's bios in flight. */
static void band_policy_attach_detach(struct kunit *test)
{
	static const u32 w[3] = { 1, 2, 4 };
	struct sim_group *s = new_sims(test, 3);
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	sim_attach(pool, s, 2, w);
	sim_run(pool, s, 2, 5, 1);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));

	/* attach mid-epoch: a full allotment, counted in the totals */
	band_pgroup_attach(pool, &s[2].g, w[2]);
	s[2].backlogged = true;
	KUNIT_EXPECT_EQ(test, pool->total_weight, 7);
	KUNIT_EXPECT_EQ(test, pool->nr_groups, 3);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[2].g),
			band_pool_allotment(pool, 4));
	sim_complete_all(pool, s, 3);
	sim_run(pool, s, 3, 30, 1);
	KUNIT_EXPECT_GT(test, s[2].passed, 0);

	/* detach with a bio in flight: out of the totals at once ... */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[2], 1) || s[2].g.held);
	while (s[2].g.held)
		band_pgroup_unhold(pool, &s[2].g);
	band_pgroup_detach(pool, &s[2].g);
	KUNIT_EXPECT_EQ(test, pool->total_weight, 3);
	KUNIT_EXPECT_EQ(test, pool->nr_groups, 2);
	/* ... and its completion still accounted */
	sim_complete_all(pool, s, 3);
	KUNIT_EXPECT_TRUE(test, band_pgroup_idle(&s[2].g));
	KUNIT_EXPECT_FALSE(test, s[2].g.active);
	KUNIT_EXPECT_EQ(test, pool->nr_blocking, 0);
	s[2].backlogged = false;
	sim_run(pool, s, 3, 10, 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->waiting));
}

/* Bios that may not wait pass and leave debt, repaid over epochs. */
static void band_policy_debt(struct kunit *test)
{
	static const u32 w[2] = { 1, 1 };
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);
	s64 t0;
	int i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 2, 0);
	sim_attach(pool, s, 2, w);
	KUNIT_ASSERT_EQ(test, band_pool_allotment(pool, 1), 1);
	t0 = band_pgroup_tokens(pool, &s[0].g);
	/* it reports whether the bio would have waited: only once in debt */
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, band_pgroup_charge_debt(pool, &s[0].g, 1),
				i >= t0);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), t0 - 10);
	sim_complete_all(pool, s, 2);
	/* A waits; B idle: the pool skips the epochs A needs at once */
	KUNIT_EXPECT_FALSE(test, sim_submit(pool, &s[0], 1));
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	band_pool_refill(pool);
	KUNIT_EXPECT_EQ(test, pool->epoch, 10 - t0 + 1);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 1);
	/* B, idle all along, has one allotment, not one per epoch */
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), 1);

	/* debt is bounded */
	band_pgroup_charge_debt(pool, &s[0].g, U64_MAX);
	band_pgroup_charge_debt(pool, &s[0].g, U64_MAX);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), -BAND_DEBT_MAX);
	sim_complete_all(pool, s, 2);
}

/* 10000 groups at the largest weight: sums fit, shares hold. */
static void band_policy_10000_groups(struct kunit *test)
{
	const int n = 10000;
	struct sim_group *s = kunit_kcalloc(test, n, sizeof(*s), GFP_KERNEL);
	struct band_pool *pool = new_pool(test);
	u64 a;
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	band_pool_init(pool, BAND_POLICY_WEIGHT_IOSIZE, BAND_TOKEN_BASE_MAX, 0);
	for (i = 0; i < n; i++) {
		band_pgroup_attach(pool, &s[i].g, BAND_WEIGHT_MAX);
		s[i].backlogged = true;
	}
	KUNIT_EXPECT_EQ(test, pool->total_weight, (u64)n * BAND_WEIGHT_MAX);
	a = band_pool_allotment(pool, BAND_WEIGHT_MAX);
	KUNIT_EXPECT_GT(test, a, 0);
	KUNIT_EXPECT_LE(test, a, (u64)BAND_WEIGHT_MAX * BAND_TOKEN_BASE_MAX);
	/* the largest bio a group can be charged, forced, twice */
	band_pgroup_charge_debt(pool, &s[0].g, U64_MAX);
	band_pgroup_charge_debt(pool, &s[0].g, U64_MAX);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), -BAND_DEBT_MAX);
	sim_complete_all(pool, s, n);
	/* the first epoch is uneven (allotments at attach): start after it */
	sim_run(pool, s, n, 2, a / 2 + 1);
	for (i = 0; i < n; i++)
		s[i].passed = 0;
	sim_run(pool, s, n, 3, a / 2 + 1);
	for (i = 1; i < n; i++)
		if (s[i].passed != s[1].passed)
			break;
	KUNIT_EXPECT_EQ(test, i, n);
	KUNIT_EXPECT_GT(test, s[1].passed, 0);
	KUNIT_EXPECT_EQ(test, pool->nr_blocking, 0);
}

/*
 * Allotments are in units of the weights' greatest common divisor: 100:200:400
 * gets epochs as short as 1:2:4, and detaching or reweighting keeps the
 * divisor valid at once and greatest again from the next refill.
 */
static void band_policy_gcd(struct kunit *test)
{
	static const u32 w[3] = { 100, 200, 400 };
	struct sim_group *s = new_sims(test, 3);
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 14, 0);
	sim_attach(pool, s, 3, w);
	KUNIT_EXPECT_EQ(test, pool->weight_gcd, 100U);
	/* ceil(14 / 7) per 100 of weight, not ceil(14 / 700) per 1 */
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, 100), 2);
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, 400), 8);
	/* a weight of 150: the divisor drops to 50 at once */
	band_pgroup_set_weight(pool, &s[0].g, 150);
	KUNIT_EXPECT_EQ(test, pool->weight_gcd, 50U);
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, 150), 3 * 1);
	/* detach the 150: 50 still divides 200 and 400 until a refill */
	band_pgroup_detach(pool, &s[0].g);
	KUNIT_EXPECT_EQ(test, pool->weight_gcd, 50U);
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, 200), 4 * 2);
	/* both remaining groups spend their tokens and wait: refill */
	sim_run(pool, s + 1, 2, 1, 1);
	KUNIT_EXPECT_EQ(test, pool->weight_gcd, 200U);
	/* 200:400 is 1:2, ceil(14 / 3) = 5 per unit */
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, 200), 5);
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, 400), 10);
	/* every group gone: no divisor, allotments never zero */
	band_pgroup_detach(pool, &s[1].g);
	band_pgroup_detach(pool, &s[2].g);
	KUNIT_EXPECT_EQ(test, pool->weight_gcd, 0U);
	KUNIT_EXPECT_GT(test, band_pool_allotment(pool, 1), 0);
}

/* Allotments at the extremes of weight and token_base. */
static void band_policy_limits(struct kunit *test)
{
	struct band_pgroup g1, g2;
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, BAND_TOKEN_BASE_MAX, 0);
	band_pgroup_attach(pool, &g1, BAND_WEIGHT_MIN);
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, BAND_WEIGHT_MIN),
			BAND_TOKEN_BASE_MAX);
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, BAND_WEIGHT_MAX),
			(u64)BAND_WEIGHT_MAX * BAND_TOKEN_BASE_MAX);
	band_pgroup_attach(pool, &g2, BAND_WEIGHT_MAX);
	/* never zero, however small a share */
	band_pool_set_token_base(pool, 1);
	KUNIT_EXPECT_EQ(test, band_pool_allotment(pool, BAND_WEIGHT_MIN), 1);
	/* out-of-range weights are clamped, never zero */
	band_pgroup_set_weight(pool, &g1, 0);
	KUNIT_EXPECT_EQ(test, g1.weight, BAND_WEIGHT_MIN);
	band_pgroup_set_weight(pool, &g1, U32_MAX);
	KUNIT_EXPECT_EQ(test, g1.weight, BAND_WEIGHT_MAX);
	KUNIT_EXPECT_EQ(test, pool->total_weight, 2ULL * BAND_WEIGHT_MAX);
	/* automatic token_base: 64 per group */
	band_pool_set_token_base(pool, 0);
	KUNIT_EXPECT_EQ(test, band_pool_effective_base(pool), 128);
	band_pool_set_policy(pool, BAND_POLICY_WEIGHT_IOSIZE);
	KUNIT_EXPECT_EQ(test, band_pool_effective_base(pool), 128 * 32);
}

/* Feed @n completions at @level with latency @lat_ns. */
static void feed_level(struct band_pool *p, struct band_pgroup *g, u32 level,
		       u64 lat_ns, int n)
{
	while (n--) {
		band_pgroup_charge_debt(p, g, 1);
		band_pgroup_done(p, g, 0, lat_ns, level);
	}
}

/*
 * The depth is learned one level at a time from latencies: levels served
 * as fast as a lone bio are within it, the first slower one is not.
 */
static void band_policy_depth(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 1);
	struct band_pool *pool = new_pool(test);
	u32 k;

	/*
	 * a parallel device: 8 at once, then a bio waits for a slot (a lone
	 * bio's time, and its own)
	 */
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	band_pgroup_attach(pool, &s[0].g, 1);
	KUNIT_EXPECT_EQ(test, pool->depth, 1);
	for (k = 1; k <= 16; k++)
		feed_level(pool, &s[0].g, k, k <= 8 ? 1000000 : 2000000,
			   BAND_LEVEL_SAMPLES);
	KUNIT_EXPECT_EQ(test, pool->depth, 8);
	/* level 9 was measured, so no more exploring beyond 8 */
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 8);

	/* a serial device: two at once take twice as long */
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	band_pgroup_attach(pool, &s[0].g, 1);
	for (k = 1; k <= 4; k++)
		feed_level(pool, &s[0].g, k, 1000000 * k, BAND_LEVEL_SAMPLES);
	KUNIT_EXPECT_EQ(test, pool->depth, 1);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 1);

	/*
	 * 8 slots under a busy host: levels 2..8 spread up to 40% above a
	 * lone bio's latency (measured under TCG), still a depth of 8
	 */
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	band_pgroup_attach(pool, &s[0].g, 1);
	for (k = 1; k <= 9; k++)
		feed_level(pool, &s[0].g, k,
			   k == 1 ? 1000000 : k <= 8 ? 1000000 + 50000 * k :
			   2000000, BAND_LEVEL_SAMPLES);
	KUNIT_EXPECT_EQ(test, pool->depth, 8);

	/* a level that turns slow takes the depth below it */
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	band_pgroup_attach(pool, &s[0].g, 1);
	for (k = 1; k <= 4; k++)
		feed_level(pool, &s[0].g, k, 1000000, BAND_LEVEL_SAMPLES);
	KUNIT_EXPECT_EQ(test, pool->depth, 4);
	feed_level(pool, &s[0].g, 3, 3000000, 32);
	KUNIT_EXPECT_EQ(test, pool->depth, 2);

	/*
	 * a device with 4 places whose deeper levels look fast (noise): the
	 * depth stops at its queue depth, and no exploring beyond it
	 */
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	band_pool_set_depth_max(pool, 4);
	band_pgroup_attach(pool, &s[0].g, 1);
	for (k = 1; k <= 16; k++)
		feed_level(pool, &s[0].g, k, 1000000, BAND_LEVEL_SAMPLES);
	KUNIT_EXPECT_EQ(test, pool->depth, 4);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 4);
	/* a limit set later takes a deeper learned depth down to it */
	band_pool_set_depth_max(pool, 2);
	KUNIT_EXPECT_EQ(test, pool->depth, 2);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 2);
	/* 0 is unknown: no limit but BAND_LEVELS */
	band_pool_set_depth_max(pool, 0);
	KUNIT_EXPECT_EQ(test, pool->depth_max, 0);
	band_pool_set_depth_max(pool, U32_MAX);
	KUNIT_EXPECT_EQ(test, pool->depth_max, BAND_LEVELS);

	/* latencies at the limits of the arithmetic */
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	band_pgroup_attach(pool, &s[0].g, 1);
	feed_level(pool, &s[0].g, 1, U64_MAX, BAND_LEVEL_SAMPLES);
	feed_level(pool, &s[0].g, 2, U64_MAX, BAND_LEVEL_SAMPLES);
	feed_level(pool, &s[0].g, U32_MAX, 1, BAND_LEVEL_SAMPLES);
	KUNIT_EXPECT_EQ(test, pool->depth, 2);
	KUNIT_EXPECT_EQ(test, pool->in_flight, 0);
}

/*
 * Learn a depth of @d (levels 1..@d fast, @d + 1 slow) from the bios of a
 * group of its own, gone again afterwards.
 */
static void learn_depth(struct kunit *test, struct band_pool *p, u32 d)
{
	struct band_pgroup *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	u32 k;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, g);
	band_pgroup_attach(p, g, 1);
	for (k = 1; k <= d + 1; k++)
		feed_level(p, g, k, k <= d ? 1000000 : 3000000,
			   BAND_LEVEL_SAMPLES);
	band_pgroup_detach(p, g);
}

/*
 * A latency-bound group (weight 4, one bio in flight, tokens left) beside
 * a backlogged one (weight 1) on a device that serves 8 at once: the
 * backlogged group fills the room between epochs, and no further; the
 * latency-bound group keeps its tokens.
 */
static void band_policy_inject_parallel(struct kunit *test)
{
	static const u32 w[2] = { 4, 1 };
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);
	s64 t0;
	int i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 5, 0);
	sim_attach(pool, s, 2, w);
	band_pool_set_inject(pool, true);
	learn_depth(test, pool, 8);
	KUNIT_ASSERT_EQ(test, pool->depth, 8);
	/* A: one bio in flight; B: spends its token, then waits */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	t0 = band_pgroup_tokens(pool, &s[0].g);
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	KUNIT_EXPECT_TRUE(test, band_pool_inject_due(pool));
	/* off (the default): never */
	band_pool_set_inject(pool, false);
	KUNIT_EXPECT_FALSE(test, band_pool_inject_due(pool));
	band_pool_set_inject(pool, true);
	for (i = 0; i < 100 && band_pool_inject_due(pool); i++) {
		band_pool_inject(pool);
		KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, &s[1].g, 1));
		if (!s[1].g.held)
			band_pgroup_hold(pool, &s[1].g);
	}
	/* 1 + 7 bios in flight fill a depth of 8 */
	KUNIT_EXPECT_EQ(test, pool->in_flight, 8);
	KUNIT_EXPECT_EQ(test, s[1].g.in_flight, 7);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 0);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), t0);
	KUNIT_EXPECT_EQ(test, pool->epoch, 0);
	/* a completion makes room again */
	band_pgroup_done(pool, &s[1].g, 0, 0, 0);
	KUNIT_EXPECT_TRUE(test, band_pool_inject_due(pool));
	while (s[1].g.held)
		band_pgroup_unhold(pool, &s[1].g);
	sim_complete_all(pool, s, 2);
}

/*
 * What a latency-bound group (weight 4) leaves of a parallel device goes
 * to the waiting groups in proportion to their weights (2:1), not in
 * turns of one bio each (1:1); and no epoch starts meanwhile.
 */
static void band_policy_inject_weighted(struct kunit *test)
{
	static const u32 w[3] = { 4, 2, 1 };
	struct sim_group *s = kunit_kcalloc(test, 3, sizeof(*s), GFP_KERNEL);
	struct band_pool *pool = new_pool(test);
	u64 n[3] = {};
	int i, k;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	band_pool_init(pool, BAND_POLICY_WEIGHT, 7, 0);
	sim_attach(pool, s, 3, w);
	band_pool_set_inject(pool, true);
	learn_depth(test, pool, 8);
	KUNIT_ASSERT_EQ(test, pool->depth, 8);
	/* A: one bio in flight and tokens left; B and C backlogged */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	for (k = 1; k < 3; k++) {
		while (sim_submit(pool, &s[k], 1))
			;
		for (i = 0; i < 3; i++)
			band_pgroup_hold(pool, &s[k].g);
	}
	for (i = 0; i < 3000; i++) {
		KUNIT_ASSERT_TRUE(test, band_pool_inject_due(pool));
		band_pool_inject(pool);
		for (k = 1; k < 3; k++) {
			if (!band_pgroup_release(pool, &s[k].g, 1))
				continue;
			n[k]++;
			/* its next bio is held; this one is served at once */
			band_pgroup_hold(pool, &s[k].g);
			band_pgroup_done(pool, &s[k].g, 0, 0, 0);
		}
	}
	/* every bio that passed was injected, B's twice as many as C's */
	KUNIT_EXPECT_EQ(test, n[1] + n[2], pool->injected);
	KUNIT_EXPECT_GE(test, n[2], 1000);
	KUNIT_EXPECT_EQ(test, n[1], 2 * n[2]);
	KUNIT_EXPECT_EQ(test, pool->epoch, 0);
	for (k = 1; k < 3; k++)
		while (s[k].g.held)
			band_pgroup_unhold(pool, &s[k].g);
	sim_complete_all(pool, s, 3);
}

/*
 * Injected bios are debt, paid from the next allotment: a group that was
 * injected into k times has its allotment less k after the refill, and
 * never more than one allotment of such debt (weights 4:1, token_base
 * 50: allotments 40 and 10).
 */
static void band_policy_inject_debt(struct kunit *test)
{
	static const u32 w[2] = { 4, 1 };
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);
	int i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 50, 0);
	sim_attach(pool, s, 2, w);
	band_pool_set_inject(pool, true);
	learn_depth(test, pool, 8);
	/* A: one bio in flight and tokens left; B spends its 10, waits */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_EQ(test, s[1].passed, 10);
	while (s[1].g.in_flight)
		band_pgroup_done(pool, &s[1].g, 0, 0, 0);
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_TRUE(test, band_pool_inject_due(pool));
		band_pool_inject(pool);
		/* a pass is not a token: it holds up no refill */
		KUNIT_EXPECT_LE(test, band_pgroup_tokens(pool, &s[1].g), 0);
		KUNIT_EXPECT_EQ(test, pool->nr_blocking, 1);
		KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, &s[1].g, 1));
		KUNIT_EXPECT_FALSE(test, band_pgroup_release(pool, &s[1].g, 1));
		band_pgroup_hold(pool, &s[1].g);
		band_pgroup_done(pool, &s[1].g, 0, 0, 0);
	}
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), -3);
	/* A spends its tokens (one bio at a time): B gets 10 less the 3 */
	while (sim_submit(pool, &s[0], 1))
		band_pgroup_done(pool, &s[0].g, 0, 0, 0);
	KUNIT_ASSERT_TRUE(test, band_pool_refill_due(pool));
	band_pool_refill(pool);
	KUNIT_EXPECT_EQ(test, pool->epoch, 1);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), 7);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 40);
	/* B spends those 7; then 30 injected bios leave it 10 in debt */
	sim_complete_all(pool, s, 2);
	KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, &s[0].g, 1));
	while (band_pgroup_release(pool, &s[1].g, 1))
		band_pgroup_hold(pool, &s[1].g);
	band_pgroup_hold(pool, &s[1].g);
	sim_complete_all(pool, &s[1], 1);
	for (i = 0; i < 30; i++) {
		KUNIT_ASSERT_TRUE(test, band_pool_inject_due(pool));
		band_pool_inject(pool);
		KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, &s[1].g, 1));
		band_pgroup_hold(pool, &s[1].g);
		band_pgroup_done(pool, &s[1].g, 0, 0, 0);
	}
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[1].g), -10);
	KUNIT_EXPECT_EQ(test, pool->epoch, 1);
	while (s[1].g.held)
		band_pgroup_unhold(pool, &s[1].g);
	KUNIT_EXPECT_FALSE(test, s[1].g.inject_pass);
	sim_complete_all(pool, s, 2);
}

/*
 * On a device that serves one bio at a time, a latency-bound group that
 * lingers between its bios keeps its place: nothing is injected, and the
 * refill rule alone decides (no starvation either: once it is out of
 * tokens, the refill comes).
 */
static void band_policy_inject_serial(struct kunit *test)
{
	static const u32 w[2] = { 4, 1 };
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);

	band_pool_init(pool, BAND_POLICY_WEIGHT, 5, 1000);
	sim_attach(pool, s, 2, w);
	band_pool_set_inject(pool, true);
	learn_depth(test, pool, 1);
	sim_complete_all(pool, s, 2);
	band_pool_expire(pool, U64_MAX);
	KUNIT_ASSERT_EQ(test, pool->depth, 1);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_FALSE(test, band_pool_inject_due(pool));
	/* A completes and lingers: still no room */
	band_pgroup_done(pool, &s[0].g, 0, 1000000, 1);
	KUNIT_EXPECT_EQ(test, pool->nr_lingering, 1);
	KUNIT_EXPECT_FALSE(test, band_pool_inject_due(pool));
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	/* A spends the rest of its tokens: the refill rule takes over */
	while (band_pgroup_tokens(pool, &s[0].g) > 0) {
		KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
		band_pgroup_done(pool, &s[0].g, 0, 1000000, 1);
	}
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	/* and once A lingers no more, the idle device is room */
	band_pool_expire(pool, U64_MAX);
	KUNIT_EXPECT_EQ(test, pool->nr_lingering, 0);
	while (s[1].g.held)
		band_pgroup_unhold(pool, &s[1].g);
	sim_complete_all(pool, s, 2);
}

/*
 * A job at queue depth 8 whose submitter is late (all its bios completed,
 * it lingers) keeps its 8 places: nothing is injected into them.
 */
static void band_policy_linger_places(struct kunit *test)
{
	static const u32 w[2] = { 4, 1 };
	struct band_pool *pool = new_pool(test);
	struct sim_group *s = new_sims(test, 2);
	int i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 50, 1000);
	sim_attach(pool, s, 2, w);
	band_pool_set_inject(pool, true);
	learn_depth(test, pool, 8);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	while (sim_submit(pool, &s[1], 1))
		;
	while (s[1].g.in_flight)
		band_pgroup_done(pool, &s[1].g, 0, 0, 0);
	while (s[0].g.in_flight)
		band_pgroup_done(pool, &s[0].g, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, pool->nr_lingering, 1);
	KUNIT_EXPECT_EQ(test, pool->reserved, 8);
	KUNIT_EXPECT_FALSE(test, band_pool_inject_due(pool));
	/* once it lingers no more, its places are free again */
	band_pool_expire(pool, U64_MAX);
	KUNIT_EXPECT_EQ(test, pool->reserved, 0);
	while (s[1].g.held)
		band_pgroup_unhold(pool, &s[1].g);
	sim_complete_all(pool, s, 2);
}

/*
 * When every group is backlogged and the device is full, injection never
 * happens and the shares are the weights', exactly.
 */
static void band_policy_inject_saturated(struct kunit *test)
{
	static const u32 w[3] = { 40, 20, 10 };
	struct sim_group *s = new_sims(test, 3);
	struct band_pool *pool = new_pool(test);
	int r, i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 70, 0);
	sim_attach(pool, s, 3, w);
	band_pool_set_inject(pool, true);
	learn_depth(test, pool, 8);
	for (i = 0; i < 3; i++)
		s[i].passed = 0;
	/* every group keeps 8 bios in flight: 24 > depth, never room */
	for (r = 0; r < 700; r++) {
		for (i = 0; i < 3; i++)
			while (s[i].g.in_flight + s[i].g.held < 8 &&
			       sim_submit(pool, &s[i], 1))
				;
		KUNIT_EXPECT_FALSE(test, band_pool_inject_due(pool));
		sim_worker(pool, s, 3, 1);
		for (i = 0; i < 3; i++)
			if (s[i].g.in_flight)
				band_pgroup_done(pool, &s[i].g, 0, 0, 0);
	}
	KUNIT_EXPECT_EQ(test, pool->injected, 0);
	/* 40:20:10 within one epoch's allotment */
	KUNIT_EXPECT_LE(test, abs((s64)s[0].passed - 2 * (s64)s[1].passed), 40);
	KUNIT_EXPECT_LE(test, abs((s64)s[1].passed - 2 * (s64)s[2].passed), 20);
	for (i = 0; i < 3; i++)
		while (s[i].g.held)
			band_pgroup_unhold(pool, &s[i].g);
	sim_complete_all(pool, s, 3);
}

/*
 * Leases while the depth is being learned (a new pool): a group lends its
 * tokens while no group waits; a bio held anywhere revokes every lease, so
 * that every bio's level is known, and the revoked lease's bios in flight
 * count as the group's.
 */
static void band_policy_lease(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	static const u32 w[2] = { 1, 1 };
	struct band_pool *pool = new_pool(test);
	u32 gen, gen2;
	int i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 8, 0);
	sim_attach(pool, s, 2, w);
	KUNIT_ASSERT_EQ(test, band_pool_allotment(pool, 1), 4);
	/* A attached alone: 8 tokens; B: 4 */
	KUNIT_ASSERT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 8);
	/* No lease yet: the fast path finds nothing. */
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen),
			BAND_LEASE_NONE);
	/* A passes a bio under the lock (8 -> 7 tokens) and lends the rest. */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, pool->nr_leased, 1);
	KUNIT_EXPECT_EQ(test, s[0].g.tokens, 0);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 7);
	/* Two bios on the fast path: tokens from the lease, in flight in it. */
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen),
			BAND_LEASE_OK);
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen2),
			BAND_LEASE_OK);
	KUNIT_EXPECT_EQ(test, gen, gen2);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 5);
	KUNIT_EXPECT_EQ(test, band_pgroup_in_flight(&s[0].g), 3);
	KUNIT_EXPECT_EQ(test, band_pool_in_flight(pool), 3);
	/* One completes in the lease; a cost above the lease's tokens fails. */
	KUNIT_EXPECT_EQ(test, band_lease_done(&s[0].g, gen), BAND_LEASE_DONE);
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 6, &gen),
			BAND_LEASE_NONE);
	KUNIT_EXPECT_EQ(test, band_pgroup_in_flight(&s[0].g), 2);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 5);

	/* B spends its 4 and must wait: A's lease is revoked first. */
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, pool->nr_leased, 0);
	KUNIT_EXPECT_EQ(test, s[0].g.tokens, 5);
	KUNIT_EXPECT_EQ(test, s[0].g.in_flight, 2);
	KUNIT_EXPECT_EQ(test, pool->in_flight, 2 + 4);
	/* A has tokens and bios in flight: it holds up the refill. */
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	/* No lease while B waits, and the closed one takes nothing. */
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen),
			BAND_LEASE_NONE);
	/* The revoked lease's bio completes under the lock. */
	KUNIT_EXPECT_EQ(test, band_lease_done(&s[0].g, gen2), BAND_LEASE_SLOW);
	band_pgroup_done(pool, &s[0].g, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, s[0].g.in_flight, 1);
	/* A spends its last 5 tokens: the refill is due. */
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	sim_drain(test, pool, s, 2);
}

/*
 * Two groups of weight 1, token_base 8, idle 8 ms (a sweep every 2 ms
 * comes within a quarter of it), the depth learned: a group that waits
 * leaves the others' leases open.  A passes a bio under the lock and
 * lends its other 7 tokens.
 */
static void lease_pair(struct kunit *test, struct band_pool *pool,
		       struct sim_group *s, u32 depth)
{
	static const u32 w[2] = { 1, 1 };

	band_pool_init(pool, BAND_POLICY_WEIGHT, 8, 8000);
	pool_learned(pool, depth);
	sim_attach(pool, s, 2, w);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_ASSERT_TRUE(test, s[0].g.leased);
}

/*
 * A group alone whose lease runs dry starts the next epoch in the same
 * lease (band_pgroup_renew()): its bios in flight then still complete
 * without the lock.  Before, every epoch of a group alone revoked its
 * lease and sent every bio then in flight to the lock (make bench,
 * overhead: a busy group at QD64 had 84% of its completions take the
 * lock in the model).  Not while another group holds up the refill or
 * waits: the refill rule decides then, as without a lease.
 */
static void band_policy_lease_renew(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);
	u32 gen[8], g2;
	u64 epoch;
	int i;

	/* B attached and idle; A: 8 tokens, one bio under the lock, 7 lent */
	lease_pair(test, pool, s, 8);
	for (i = 0; i < 7; i++)
		KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen[i]),
				BAND_LEASE_OK);
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &g2),
			BAND_LEASE_NONE);
	/*
	 * The eighth comes to the lock: a new epoch, in the same lease.  As
	 * if A had gone idle long before (at 1 ns): its lease's bios since
	 * say it was not, so the bio is not a late return (a revoke at
	 * every epoch used to say so; without it three renewals in a row
	 * made A a group that never lingers).
	 */
	s[0].g.idle_at = 1;
	epoch = pool->epoch;
	KUNIT_EXPECT_TRUE(test, band_pgroup_renew(pool, &s[0].g, 1));
	band_pgroup_arrived(pool, &s[0].g, 10 * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, s[0].g.late, 0);
	KUNIT_EXPECT_EQ(test, pool->epoch, epoch + 1);
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 3);
	KUNIT_EXPECT_EQ(test, s[0].g.tokens, 0);
	KUNIT_EXPECT_EQ(test, s[0].g.in_flight, 2);
	KUNIT_EXPECT_EQ(test, band_pgroup_in_flight(&s[0].g), 9);
	KUNIT_EXPECT_EQ(test, band_pool_in_flight(pool), 9);
	/* The first lease's bios complete in it, not under the lock. */
	for (i = 0; i < 7; i++)
		KUNIT_EXPECT_NE(test, band_lease_done(&s[0].g, gen[i]),
				BAND_LEASE_SLOW);
	/* Its next bios take the renewed lease's tokens. */
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen[i]),
				BAND_LEASE_OK);
	KUNIT_EXPECT_EQ(test, gen[0], g2);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 0);
	/* Tokens left in the lease are taken back first: no refill. */
	band_pgroup_revoke(pool, &s[0].g);
	s[0].g.tokens = 2;
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_ASSERT_TRUE(test, s[0].g.leased);
	epoch = pool->epoch;
	KUNIT_EXPECT_TRUE(test, band_pgroup_renew(pool, &s[0].g, 1));
	KUNIT_EXPECT_EQ(test, pool->epoch, epoch);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 1);
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);

	/* B active with tokens holds up the refill: no renewal. */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	KUNIT_EXPECT_FALSE(test, band_pgroup_renew(pool, &s[0].g, 1));
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	/* B waits, A's lease still open: none either. */
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_FALSE(test, band_pgroup_renew(pool, &s[0].g, 1));
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	band_pgroup_revoke(pool, &s[0].g);
	sim_drain(test, pool, s, 2);
}

/*
 * Group 0 of @s runs out and waits: the refill starts @epochs epochs and
 * leaves it @tokens; the worker then releases its bio.
 */
static void batch_step(struct kunit *test, struct band_pool *pool,
		       struct sim_group *s, u64 epochs, s64 tokens)
{
	u64 epoch;

	while (sim_submit(pool, &s[0], 1))
		;
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	epoch = pool->epoch;
	band_pool_refill(pool);
	KUNIT_EXPECT_EQ(test, pool->epoch, epoch + epochs);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), tokens);
	sim_worker(pool, s, 2, 1);
	KUNIT_EXPECT_EQ(test, s[0].g.held, 0);
}

/*
 * With the automatic token_base, a group alone whose allotment is small
 * (weight 1 beside an idle default group of weight 100: 2 tokens) starts
 * as many epochs at once as give it 64 tokens, the automatic base's
 * share of one group: before, a refill every two bios, none of them on
 * the fast path (make bench, overhead, 1group-w1: -14% to -45% against
 * dm-linear in single rounds).  Not with a token_base set, nor beside
 * another active group.
 */
static void band_policy_alone_batch(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	static const u32 w[2] = { 1, 100 };
	struct band_pool *pool = new_pool(test);
	int i;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 8000);
	pool_learned(pool, 8);
	sim_attach(pool, s, 2, w);
	KUNIT_ASSERT_EQ(test, band_pool_allotment(pool, 1), 2);
	/* A spends what it had when attached alone, then runs out: 64 */
	batch_step(test, pool, s, 32, 64);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 63);
	/* 37 tokens in debt: the same 32 epochs, as 32 refills would: 27. */
	band_pgroup_charge_debt(pool, &s[0].g, 100);
	batch_step(test, pool, s, 32, 27);
	sim_complete_all(pool, s, 2);

	/* B active beside it (bios in flight, tokens spent): one epoch. */
	for (i = 0; i < 200; i++)
		KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[1], 1));
	batch_step(test, pool, s, 1, 2);
	sim_complete_all(pool, s, 2);

	/* A token_base set: the epochs it asks for, one at a time. */
	band_pool_expire(pool, NSEC_PER_SEC);	/* both linger no more */
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->active));
	KUNIT_EXPECT_TRUE(test, band_pool_set_token_base(pool, 101));
	batch_step(test, pool, s, 1, 1);
	sim_drain(test, pool, s, 2);
}

/*
 * A leased group keeps the places its lease keeps, no more: a QD1 reader
 * whose lease was open also kept a place as it lingered, or as one it had
 * used, and beside a QD32 reader on an 8-slot device the QD32 reader had
 * six places, not seven (make bench, qd1: the device's total was 82% of
 * no controller's).
 */
static void band_policy_lease_places(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	static const u32 w[2] = { 4, 1 };
	struct band_pool *pool = new_pool(test);
	u32 gen;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 8, 8000);
	pool_learned(pool, 8);
	sim_attach(pool, s, 2, w);
	/* A's bio passes, and its lease opens while the bio is in flight */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_ASSERT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 8 - 1 - 1);
	/* it completes: A lingers, and keeps one place, its lease's */
	band_pgroup_done(pool, &s[0].g, 1000000, 0, 0);
	KUNIT_EXPECT_TRUE(test, s[0].g.lingering);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 8 - 1);
	/* its next bio passes in the lease */
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen),
			BAND_LEASE_OK);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 8 - 1);
	band_lease_done(&s[0].g, gen);
	/* B spends its tokens and waits: the rest is B's */
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_TRUE(test, s[1].g.waiting);
	KUNIT_EXPECT_EQ(test, band_pool_room(pool), 8 - 1 - s[1].g.in_flight);
	band_pgroup_revoke(pool, &s[0].g);
	sim_complete_all(pool, s, 2);
}

/*
 * Leases once the depth is learned: a group keeps its lease while another
 * waits, and holds up the refill as a group with tokens does, until its
 * lease runs dry (its next bio is charged under the lock, which revokes
 * it) or a sweep finds nothing of it in flight.  The lease's places count
 * against the injection's room.
 */
static void band_policy_lease_waits(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 2);
	struct band_pool *pool = new_pool(test);
	u32 gen[6], room;
	int i;

	lease_pair(test, pool, s, 4);
	KUNIT_EXPECT_EQ(test, pool->lease_keep, 1);
	room = band_pool_room(pool);
	KUNIT_EXPECT_EQ(test, room, 4 - 1 - 1);

	/* B spends its 4 and waits: A keeps its lease, and blocks. */
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, pool->nr_leased, 1);
	KUNIT_EXPECT_TRUE(test, s[0].g.blocking);
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	/* B's bio is held: B lends nothing */
	band_pgroup_lend(pool, &s[1].g);
	KUNIT_EXPECT_FALSE(test, s[1].g.leased);

	/* A passes more bios on the fast path while B waits. */
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen[i]),
				BAND_LEASE_OK);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 1);
	KUNIT_EXPECT_EQ(test, band_pool_in_flight(pool), 1 + 6 + 4);

	/*
	 * The worker is to look at the leases at once, and then sets the
	 * next sweep; one keeps a lease with bios in flight, at its peak's
	 * places.
	 */
	KUNIT_EXPECT_EQ(test, band_pool_next_expiry(pool), 1);
	band_pool_expire(pool, 1000);
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, band_pool_next_expiry(pool),
			1000 + 2 * NSEC_PER_MSEC);
	band_pool_expire(pool, 1000 + 2 * NSEC_PER_MSEC);
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, pool->lease_keep, 6);
	/* and looks again while B waits */
	KUNIT_EXPECT_EQ(test, pool->lease_sweep_at, 1000 + 4 * NSEC_PER_MSEC);

	/* Its bios complete in the lease: the next sweep revokes it. */
	for (i = 0; i < 6; i++)
		band_lease_done(&s[0].g, gen[i]);
	band_pool_expire(pool, 1000 + 4 * NSEC_PER_MSEC);
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, pool->nr_leased, 0);
	KUNIT_EXPECT_EQ(test, pool->lease_keep, 0);
	KUNIT_EXPECT_EQ(test, pool->lease_sweep_at, 0);
	KUNIT_EXPECT_EQ(test, s[0].g.tokens, 1);
	/* A still has a token and a bio in flight (its first): it blocks */
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));

	/* A spends its last token under the lock; its bios complete. */
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	KUNIT_EXPECT_EQ(test, s[0].g.tokens, 0);
	band_pgroup_done(pool, &s[0].g, 0, 0, 0);
	band_pgroup_done(pool, &s[0].g, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, s[0].g.in_flight, 0);
	/* with nothing in flight and no tokens, A holds nothing up */
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	band_pool_refill(pool);
	sim_worker(pool, s, 2, 1);
	KUNIT_EXPECT_EQ(test, s[1].g.held, 0);
	/*
	 * A new epoch.  B waits first; then A lends: the worker must come to
	 * sweep (a lease opened while a group waits, and no sweep due).
	 */
	while (sim_submit(pool, &s[1], 1))
		;
	KUNIT_EXPECT_NE(test, band_pool_next_expiry(pool), 1);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_ASSERT_TRUE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, band_pool_next_expiry(pool), 1);
	/* its bios run the lease dry */
	while (band_lease_charge(&s[0].g, 1, &gen[0]) == BAND_LEASE_OK)
		;
	KUNIT_EXPECT_TRUE(test, s[0].g.blocking);
	KUNIT_EXPECT_FALSE(test, band_pool_refill_due(pool));
	/* its next bio, under the lock, revokes it: the refill is due */
	KUNIT_EXPECT_FALSE(test, sim_submit(pool, &s[0], 1));
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));
	for (i = 0; i < 2; i++)
		while (s[i].g.held)
			band_pgroup_unhold(pool, &s[i].g);
	sim_complete_all(pool, s, 2);
	KUNIT_EXPECT_EQ(test, pool->in_flight, 0);
}

/* Changing the units revokes leases: their tokens were in the old ones. */
static void band_policy_lease_units(struct kunit *test)
{
	struct sim_group *s = new_sims(test, 1);
	static const u32 w[1] = { 1 };
	struct band_pool *pool = new_pool(test);
	u32 gen;

	band_pool_init(pool, BAND_POLICY_WEIGHT, 8, 0);
	sim_attach(pool, s, 1, w);
	KUNIT_EXPECT_TRUE(test, sim_submit(pool, &s[0], 1));
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen),
			BAND_LEASE_OK);
	KUNIT_EXPECT_TRUE(test, band_pool_set_token_base(pool, 100));
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, band_pgroup_tokens(pool, &s[0].g), 100);
	KUNIT_EXPECT_EQ(test, s[0].g.in_flight, 2);
	/* Detach closes a lease too, and keeps its bios in flight counted. */
	band_pgroup_lend(pool, &s[0].g);
	KUNIT_EXPECT_TRUE(test, s[0].g.leased);
	band_pgroup_detach(pool, &s[0].g);
	KUNIT_EXPECT_FALSE(test, s[0].g.leased);
	KUNIT_EXPECT_EQ(test, band_lease_charge(&s[0].g, 1, &gen),
			BAND_LEASE_NONE);
	KUNIT_EXPECT_EQ(test, s[0].g.in_flight, 2);
	sim_complete_all(pool, s, 1);
}

/*
 * Several CPUs at once: threads submit on the fast path, falling back to
 * the pool's lock as dm-band.c does (charge, else refill in place, then
 * lend), and keep up to LEASE_DEPTH bios in flight each, while one more
 * thread revokes and re-lends the lease as a waiting group would.  No
 * token may be created or lost: bios passed = tokens handed out (one
 * allotment per epoch) - tokens left; and every bio in flight is counted
 * once, whichever generation it completes in.
 */
#define LEASE_BIOS	1000000
#define LEASE_DEPTH	4
#define LEASE_THREADS	4

struct lease_sim {
	struct band_pool *p;
	struct band_pgroup g;
	spinlock_t lock;		/* the band group's lock, for p and g */
	atomic_t left;			/* bios still to submit, all threads */
	atomic64_t fast, slow, undo, slow_done;
	atomic_t running;
	struct completion done;
};

/*
 * Under s->lock: band_map()'s slow path for one bio; true if it passed,
 * *@gen 0 if under the lock, else the lease's generation it passed in
 * (band_map_leased(): another bio renewed the lease meanwhile).
 */
static bool lease_sim_slow(struct lease_sim *s, u32 *gen)
{
	struct band_pool *p = s->p;
	bool pass;

	*gen = 0;
	if (s->g.leased && band_lease_charge(&s->g, 1, gen) == BAND_LEASE_OK) {
		atomic64_inc(&s->fast);
		return true;
	}
	*gen = 0;
	pass = band_pgroup_renew(p, &s->g, 1) ||
	       band_pgroup_charge(p, &s->g, 1);
	if (!pass) {
		band_pgroup_hold(p, &s->g);
		if (band_pool_refill_due(p))
			band_pool_refill(p);
		pass = band_pgroup_release(p, &s->g, 1);
		if (!pass)
			band_pgroup_unhold(p, &s->g);
	}
	if (pass) {
		atomic64_inc(&s->slow);
		band_pgroup_lend(p, &s->g);
	}
	return pass;
}

static void lease_sim_complete(struct lease_sim *s, bool fast, u32 gen)
{
	if (fast && band_lease_done(&s->g, gen) != BAND_LEASE_SLOW)
		return;
	spin_lock(&s->lock);
	band_pgroup_done(s->p, &s->g, 0, 0, 0);
	spin_unlock(&s->lock);
	atomic64_inc(&s->slow_done);
}

static int lease_sim_submitter(void *data)
{
	struct lease_sim *s = data;
	u32 gens[LEASE_DEPTH];
	bool fast[LEASE_DEPTH];
	unsigned int n = 0, i = 0;
	u32 gen;

	/* slot i: the oldest of the ring once it is full */
	while (atomic_dec_return(&s->left) >= 0) {
		if (n == LEASE_DEPTH) {
			lease_sim_complete(s, fast[i], gens[i]);
			n--;
		}
		switch (band_lease_charge(&s->g, 1, &gen)) {
		case BAND_LEASE_OK:
			atomic64_inc(&s->fast);
			fast[i] = true;
			gens[i] = gen;
			break;
		case BAND_LEASE_UNDO:
			atomic64_inc(&s->undo);
			lease_sim_complete(s, false, 0);
			fallthrough;
		case BAND_LEASE_NONE:
			spin_lock(&s->lock);
			/* a single group is never held for long: retry */
			while (!lease_sim_slow(s, &gen))
				;
			spin_unlock(&s->lock);
			fast[i] = gen != 0;
			gens[i] = gen;
			break;
		}
		i = (i + 1) % LEASE_DEPTH;
		n++;
		if (!(atomic_read(&s->left) & 1023))
			cond_resched();
	}
	/* the ring's n newest, oldest first: from slot i - n */
	for (i = (i + LEASE_DEPTH - n) % LEASE_DEPTH; n; n--) {
		lease_sim_complete(s, fast[i], gens[i]);
		i = (i + 1) % LEASE_DEPTH;
	}
	if (atomic_dec_and_test(&s->running))
		complete(&s->done);
	return 0;
}

/* A group that waits now and then: revoke, then lend again. */
static int lease_sim_revoker(void *data)
{
	struct lease_sim *s = data;
	unsigned int k = 0;

	while (atomic_read(&s->left) > 0) {
		spin_lock(&s->lock);
		if (k++ & 1)
			band_pool_revoke_all(s->p);
		else
			band_pgroup_lend(s->p, &s->g);
		spin_unlock(&s->lock);
		cond_resched();
	}
	if (atomic_dec_and_test(&s->running))
		complete(&s->done);
	return 0;
}

/* With a revoker thread if @revoker; returns the sim for more checks. */
static struct lease_sim *lease_cpus_run(struct kunit *test, bool revoker)
{
	struct lease_sim *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int nthreads = min_t(int, LEASE_THREADS, num_online_cpus()), i, cpu;
	struct task_struct *t;
	u64 a, passed;
	s64 left;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->p = new_pool(test);
	band_pool_init(s->p, BAND_POLICY_WEIGHT, 64, 0);
	pool_learned(s->p, 8);	/* leases renew once level 1 is measured */
	band_pool_set_inject(s->p, false);
	band_pgroup_attach(s->p, &s->g, 1);
	a = band_pool_allotment(s->p, 1);
	spin_lock_init(&s->lock);
	atomic_set(&s->left, LEASE_BIOS);
	init_completion(&s->done);
	nthreads = max(nthreads, 2);
	atomic_set(&s->running, nthreads + revoker);

	i = 0;
	for_each_online_cpu(cpu) {
		if (i == nthreads)
			break;
		t = kthread_create(lease_sim_submitter, s, "band-lease/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpu);
		wake_up_process(t);
		i++;
	}
	/* fewer CPUs than two: the rest share them */
	for (; i < nthreads; i++) {
		t = kthread_run(lease_sim_submitter, s, "band-lease/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	if (revoker) {
		t = kthread_run(lease_sim_revoker, s, "band-lease/r");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	wait_for_completion(&s->done);

	spin_lock(&s->lock);
	band_pool_revoke_all(s->p);
	left = band_pgroup_tokens(s->p, &s->g);
	spin_unlock(&s->lock);
	passed = atomic64_read(&s->fast) + atomic64_read(&s->slow);
	kunit_info(test, "%d threads: %llu fast, %llu slow, %llu undone, %llu ended under the lock, %llu epochs\n",
		   nthreads, (u64)atomic64_read(&s->fast),
		   (u64)atomic64_read(&s->slow), (u64)atomic64_read(&s->undo),
		   (u64)atomic64_read(&s->slow_done), s->p->epoch);
	KUNIT_EXPECT_EQ(test, passed, (u64)LEASE_BIOS);
	KUNIT_EXPECT_GT(test, (u64)atomic64_read(&s->fast), 0);
	/* every epoch's allotment, spent or left: none created or lost */
	KUNIT_EXPECT_GE(test, left, 0);
	KUNIT_EXPECT_EQ(test, passed + left, (s->p->epoch + 1) * a);
	KUNIT_EXPECT_EQ(test, s->g.in_flight, 0);
	KUNIT_EXPECT_EQ(test, s->p->in_flight, 0);
	KUNIT_EXPECT_EQ(test, band_pgroup_in_flight(&s->g), 0);
	KUNIT_EXPECT_EQ(test, band_pool_in_flight(s->p), 0);
	KUNIT_EXPECT_EQ(test, s->g.held, 0);
	return s;
}

static void band_policy_lease_cpus(struct kunit *test)
{
	lease_cpus_run(test, true);
}

/*
 * The group alone, no revoker: every epoch renews the lease in place
 * (band_pgroup_renew()), so the only completions under the lock are of
 * bios passed under it.  Revoking the lease at each epoch's end, as
 * before, sent the bios then in flight there too.
 */
static void band_policy_lease_cpus_alone(struct kunit *test)
{
	struct lease_sim *s = lease_cpus_run(test, false);

	KUNIT_EXPECT_GT(test, s->p->epoch, 1000);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&s->slow_done),
			(u64)atomic64_read(&s->slow));
}

/* ------------------------------------------------------------ caps */

/* As band_map() with caps: pass (true), or hold (for its cap, or tokens). */
static bool cap_submit(struct band_pool *p, struct band_pgroup *g, u64 bytes,
		       u64 now)
{
	u64 until = 0;

	if (band_pgroup_limited(g) && !g->held)
		until = band_pgroup_limit_due(g, bytes, now);
	if (!until && (band_pgroup_charge(p, g, 1) ||
		       (band_pgroup_reserved(g) && !g->held &&
			band_pgroup_pass_reserved(p, g, bytes, now)))) {
		band_pgroup_limit_pass(p, g, bytes, now);
		return true;
	}
	band_pgroup_hold(p, g);
	if (until)
		band_pgroup_throttle(p, g, until);
	return false;
}

/*
 * As the worker at @now: groups held at their cap whose time has come are
 * judged again, refills when due, then held bios go while caps and tokens
 * allow.  Each bio that passes completes at once; a backlogged group
 * (every one here) then has its next bio held; the device takes @budget
 * bios a run at most.  Returns bios passed.
 */
static u64 cap_worker(struct band_pool *p, struct band_pgroup **g, int n,
		      u64 bytes, u64 *passed, u64 now, u64 budget)
{
	u64 total = 0, until;
	bool progress;
	int i;

	band_pool_unthrottle(p, now);
	do {
		if (band_pool_refill_due(p))
			band_pool_refill(p);
		progress = false;
		for (i = 0; i < n && total < budget; i++) {
			if (!g[i]->held || g[i]->throttled)
				continue;
			until = band_pgroup_limited(g[i]) ?
				band_pgroup_limit_due(g[i], bytes, now) : 0;
			if (until) {
				band_pgroup_throttle(p, g[i], until);
				continue;
			}
			if (!band_pgroup_release(p, g[i], 1) &&
			    !(band_pgroup_reserved(g[i]) &&
			      band_pgroup_pass_reserved(p, g[i], bytes, now)))
				continue;
			band_pgroup_limit_pass(p, g[i], bytes, now);
			band_pgroup_done(p, g[i], now, 0, 0);
			band_pgroup_hold(p, g[i]);
			passed[i]++;
			total++;
			progress = true;
		}
	} while ((progress || band_pool_refill_due(p)) && total < budget);
	return total;
}

/*
 * One backlogged group capped at @rate per second (IOPS if @bytes is 0,
 * else bytes per second with bios of @bytes), its worker run every @tick
 * ns for @secs_ns: the bios that pass are exactly those the cap's clock
 * allows, the burst included (one more at most, for rounding).
 */
static void cap_rate(struct kunit *test, u64 rate, u64 bytes, u64 tick,
		     u64 secs_ns)
{
	struct band_pool *pool = new_pool(test);
	struct band_pgroup *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	u64 passed = 0, t, want, cost = bytes ? bytes : 1;

	KUNIT_ASSERT_NOT_NULL(test, g);
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	band_pgroup_attach(pool, g, 100);
	band_pgroup_set_limit(pool, g, bytes ? BAND_LIMIT_BPS : BAND_LIMIT_IOPS,
			      rate);
	/* the first bio goes at once, and the second is held */
	KUNIT_EXPECT_TRUE(test, cap_submit(pool, g, bytes, tick));
	band_pgroup_done(pool, g, tick, 0, 0);
	passed = 1;
	while (cap_submit(pool, g, bytes, tick)) {
		band_pgroup_done(pool, g, tick, 0, 0);
		passed++;
	}
	for (t = tick; t <= tick + secs_ns; t += tick)
		cap_worker(pool, &g, 1, bytes, &passed, t, U64_MAX);
	t -= tick;	/* the last run */
	/* bio k goes once k * cost / rate - burst <= t - tick: k from 0 */
	want = mul_u64_u64_div_u64(t - tick + BAND_LIMIT_BURST_NS, rate,
				   cost * NSEC_PER_SEC) + 1;
	KUNIT_EXPECT_LE_MSG(test, passed, want + 1, "rate %llu bytes %llu",
			    rate, bytes);
	KUNIT_EXPECT_GE_MSG(test, passed + 1, want, "rate %llu bytes %llu",
			    rate, bytes);
	/* held at its cap: neither waiting for tokens nor holding up refills */
	KUNIT_EXPECT_TRUE(test, g->throttled);
	KUNIT_EXPECT_FALSE(test, g->waiting);
	KUNIT_EXPECT_FALSE(test, g->blocking);
	KUNIT_EXPECT_GT(test, g->limited, 0ULL);
	/* what it held leaves (suspend): no longer throttled */
	while (g->held)
		band_pgroup_unhold(pool, g);
	KUNIT_EXPECT_FALSE(test, g->throttled);
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->throttled));
}

/* Caps from 1 to 10^7 IOPS and 1 B/s to 2^40 B/s hold exactly. */
static void band_policy_cap_rates(struct kunit *test)
{
	const u64 ms = NSEC_PER_SEC / 1000;

	cap_rate(test, 1, 0, 4 * ms, 20 * NSEC_PER_SEC);
	cap_rate(test, 100, 0, 4 * ms, 10 * NSEC_PER_SEC);
	cap_rate(test, 3333, 0, ms, 2 * NSEC_PER_SEC);
	cap_rate(test, 10000000, 0, 4 * ms, 10 * ms);
	/* a 4 KiB bio at 1 B/s: one every 4096 s */
	cap_rate(test, 1, 4096, NSEC_PER_SEC, 10000 * NSEC_PER_SEC);
	cap_rate(test, 10 << 20, 65536, 4 * ms, 3 * NSEC_PER_SEC);
	/* 1365.33 ns and 953.67 ns a bio: the remainder keeps them exact */
	cap_rate(test, 3000000000ULL, 4096, ms, 10 * ms);
	cap_rate(test, 1ULL << 40, 1 << 20, ms, 10 * ms);
	/* the largest bio a cap counts, at the smallest cap */
	cap_rate(test, 1, U32_MAX, NSEC_PER_SEC, 3 * NSEC_PER_SEC);
}

/*
 * A capped group with tokens left does not hold up the others' refill
 * (else the device would go at the capped group's pace), lends no
 * tokens, and a cap changed while it is held judges its bio again.
 */
static void band_policy_cap_with_weights(struct kunit *test)
{
	struct band_pool *pool = new_pool(test);
	struct band_pgroup *g[2];
	u64 passed[2] = { 0, 0 }, t, start, end;
	const u64 tick = NSEC_PER_SEC / 250;
	int i;

	for (i = 0; i < 2; i++) {
		g[i] = kunit_kzalloc(test, sizeof(*g[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, g[i]);
	}
	band_pool_init(pool, BAND_POLICY_WEIGHT, 200, 0);
	band_pgroup_attach(pool, g[0], 100);
	band_pgroup_attach(pool, g[1], 100);
	band_pgroup_set_limit(pool, g[0], BAND_LIMIT_IOPS, 50);
	/* g0 takes its burst (and tokens), then is held at its cap */
	while (cap_submit(pool, g[0], 4096, tick))
		band_pgroup_done(pool, g[0], tick, 0, 0);
	KUNIT_EXPECT_TRUE(test, g[0]->throttled);
	KUNIT_EXPECT_GT(test, band_pgroup_tokens(pool, g[0]), 0);
	band_pgroup_lend(pool, g[0]);
	KUNIT_EXPECT_FALSE(test, g[0]->leased);
	/* g1 spends its tokens: the refill is due although g0 has some */
	while (cap_submit(pool, g[1], 4096, tick))
		band_pgroup_done(pool, g[1], tick, 0, 0);
	KUNIT_EXPECT_TRUE(test, band_pool_refill_due(pool));

	/*
	 * Both backlogged for 10 s on a device that takes 100 bios a tick
	 * (25,000 IOPS): g0 at its cap, g1 the rest.  Were g0's tokens to
	 * hold up the refill, g1 would get 100 bios per 2 s.
	 */
	start = pool->epoch;
	for (t = tick; t <= 10 * NSEC_PER_SEC; t += tick)
		cap_worker(pool, g, 2, 4096, passed, t, 100);
	end = pool->epoch;
	KUNIT_EXPECT_LE(test, passed[0], 500ULL + 3);
	KUNIT_EXPECT_GE(test, passed[0], 500ULL - 1);
	KUNIT_EXPECT_GE(test, passed[1], 2500ULL * 100 - 600);
	KUNIT_EXPECT_GE(test, end - start, 2400ULL);

	/* A higher cap while held: its bio is judged at the next run. */
	KUNIT_EXPECT_TRUE(test, g[0]->throttled);
	band_pgroup_set_limit(pool, g[0], BAND_LIMIT_IOPS, 1000);
	passed[0] = 0;
	cap_worker(pool, g, 2, 4096, passed, t, 100);
	KUNIT_EXPECT_GT(test, passed[0], 0ULL);
	/* No cap: it lends again when nobody waits. */
	band_pgroup_set_limit(pool, g[0], BAND_LIMIT_IOPS, 0);
	KUNIT_EXPECT_FALSE(test, band_pgroup_limited(g[0]));
}

/*
 * A reservation: weight 1 beside weight 1000, both backlogged on a device
 * that takes 100 bios a tick (25,000 IOPS).  By weight alone the light
 * group would get 1/1001 of it (25 IOPS); reserved 200 IOPS, it gets 200
 * (the larger of the two: its token bios count toward the reservation),
 * charged no tokens, and the heavy group the rest.  A reservation taken
 * away leaves the weights alone again.
 */
static void band_policy_reserve(struct kunit *test)
{
	struct band_pool *pool = new_pool(test);
	struct band_pgroup *g[2];
	u64 passed[2] = { 0, 0 }, t;
	const u64 tick = NSEC_PER_SEC / 250;
	int i;

	for (i = 0; i < 2; i++) {
		g[i] = kunit_kzalloc(test, sizeof(*g[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, g[i]);
	}
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	/* the heavy one first: the light one's first allotment is 1 token */
	band_pgroup_attach(pool, g[1], 1000);
	band_pgroup_attach(pool, g[0], 1);
	band_pgroup_set_limit(pool, g[0], BAND_RESERVE_IOPS, 200);
	KUNIT_EXPECT_TRUE(test, band_pgroup_reserved(g[0]));
	KUNIT_EXPECT_FALSE(test, band_pgroup_limited(g[0]));
	for (i = 0; i < 2; i++)
		while (cap_submit(pool, g[i], 4096, tick))
			band_pgroup_done(pool, g[i], tick, 0, 0);
	/* reserved, it lends nothing */
	band_pgroup_lend(pool, g[0]);
	KUNIT_EXPECT_FALSE(test, g[0]->leased);
	for (t = tick; t <= 10 * NSEC_PER_SEC; t += tick)
		cap_worker(pool, g, 2, 4096, passed, t, 100);
	/* 2000 in 10 s, and at most the burst (10) and the first tick more */
	KUNIT_EXPECT_GE(test, passed[0], 2000ULL - 2);
	KUNIT_EXPECT_LE(test, passed[0], 2000ULL + 12);
	KUNIT_EXPECT_GE(test, passed[1], 2500ULL * 100 - 2100);
	KUNIT_EXPECT_GT(test, g[0]->reserved_bios, 1700ULL);
	/* its tokens bios counted toward it: reserved ones are the rest */
	KUNIT_EXPECT_LT(test, g[0]->reserved_bios, passed[0]);

	/* No reservation: back to 1/1001 of the device, about 25 IOPS. */
	band_pgroup_set_limit(pool, g[0], BAND_RESERVE_IOPS, 0);
	passed[0] = 0;
	passed[1] = 0;
	for (t += tick; t <= 20 * NSEC_PER_SEC; t += tick)
		cap_worker(pool, g, 2, 4096, passed, t, 100);
	KUNIT_EXPECT_LE(test, passed[0], 300ULL);
	KUNIT_EXPECT_GE(test, passed[0], 200ULL);
}

/*
 * Reservations over the device: each group passes bios on its reservation
 * while it has fewer in flight than its share of four times the learned
 * depth (rounded up), so that a device that cannot serve them all serves
 * them in proportion.  300 and 150 on a depth of 2: 6 and 3.  A detached
 * group's reservation leaves the sum.
 */
static void band_policy_reserve_quota(struct kunit *test)
{
	struct band_pool *pool = new_pool(test);
	struct band_pgroup *g[3];
	const u32 want[2] = { 6, 3 };
	u64 now = NSEC_PER_SEC;
	u32 n;
	int i;

	for (i = 0; i < 3; i++) {
		g[i] = kunit_kzalloc(test, sizeof(*g[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, g[i]);
	}
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	pool->depth = 2;
	for (i = 0; i < 3; i++)
		band_pgroup_attach(pool, g[i], 100);
	band_pgroup_set_limit(pool, g[0], BAND_RESERVE_IOPS, 300);
	band_pgroup_set_limit(pool, g[1], BAND_RESERVE_IOPS, 150);
	band_pgroup_set_limit(pool, g[2], BAND_RESERVE_BPS, 1 << 20);
	KUNIT_EXPECT_EQ(test, pool->reserve_total[0], 450ULL);
	KUNIT_EXPECT_EQ(test, pool->reserve_total[1], 1ULL << 20);
	for (i = 0; i < 2; i++) {
		/* the clock is not moved here: only the quota stops it */
		for (n = 0; n < 100; n++)
			if (!band_pgroup_pass_reserved(pool, g[i], 4096, now))
				break;
		KUNIT_EXPECT_EQ(test, n, want[i]);
		KUNIT_EXPECT_EQ(test, g[i]->in_flight, want[i]);
		/*
		 * One completes: one more may go.  (Its clock never moved:
		 * judged at now it would be behind and start a reservation
		 * phase, holding the next group; at 0 it is not.  See
		 * band_policy_reserve_phase.)
		 */
		band_pgroup_done(pool, g[i], 0, 0, 0);
		KUNIT_EXPECT_EQ(test, pool->nr_behind, 0U);
		KUNIT_EXPECT_TRUE(test,
				  band_pgroup_pass_reserved(pool, g[i], 4096, now));
	}
	/* alone in its kind: all of the budget, 8 */
	for (n = 0; n < 100; n++)
		if (!band_pgroup_pass_reserved(pool, g[2], 4096, now))
			break;
	KUNIT_EXPECT_EQ(test, n, 8U);
	band_pgroup_detach(pool, g[1]);
	KUNIT_EXPECT_EQ(test, pool->reserve_total[0], 300ULL);
	band_pgroup_set_limit(pool, g[0], BAND_RESERVE_IOPS, 0);
	KUNIT_EXPECT_EQ(test, pool->reserve_total[0], 0ULL);
}

/*
 * The reservation phase.  On a device of depth 2, a group with 1000 IOPS
 * reserved that passes a bio is behind (its clock: the credit it saved
 * while idle is BAND_RESERVE_CREDIT_NS at most, not the 10 s it was
 * idle).  While it is, the other group passes no bio into the full
 * device, and lends nothing; a place that frees is the first group's
 * while it has fewer in flight than it had (its peak).
 * Caught up, the phase ends; a group behind that goes idle, or loses its
 * reservation, or is detached, ends it too.
 */
static void band_policy_reserve_phase(struct kunit *test)
{
	struct band_pool *pool = new_pool(test);
	u64 now = 10 * NSEC_PER_SEC, ms = NSEC_PER_SEC / 1000;
	struct band_pgroup *a, *b;
	u32 n;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	band_pool_init(pool, BAND_POLICY_WEIGHT, 0, 0);
	pool->depth = 2;
	pool->lvl_n[3] = BAND_LEVEL_SAMPLES;	/* depth 2, learned */
	band_pgroup_attach(pool, a, 1000);
	band_pgroup_attach(pool, b, 1000);
	band_pgroup_set_limit(pool, a, BAND_RESERVE_IOPS, 1000);
	KUNIT_EXPECT_TRUE(test, band_pgroup_charge(pool, a, 1));
	band_pgroup_limit_pass(pool, a, 4096, now);
	KUNIT_EXPECT_TRUE(test, a->behind);
	KUNIT_EXPECT_EQ(test, pool->nr_behind, 1U);
	KUNIT_EXPECT_EQ(test, a->limit[BAND_RESERVE_IOPS].tat,
			now - BAND_RESERVE_CREDIT_NS + ms);
	/* one place left: b takes it, then the device is full for b */
	KUNIT_EXPECT_TRUE(test, band_pgroup_charge(pool, b, 1));
	KUNIT_EXPECT_FALSE(test, band_pgroup_charge(pool, b, 1));
	band_pgroup_lend(pool, b);
	KUNIT_EXPECT_FALSE(test, b->leased);
	/* held with tokens, b may not go on them either */
	band_pgroup_hold(pool, b);
	KUNIT_EXPECT_FALSE(test, band_pgroup_release(pool, b, 1));
	KUNIT_EXPECT_TRUE(test, b->waiting);
	/* but a, behind, passes into the full device */
	KUNIT_EXPECT_TRUE(test, band_pgroup_charge(pool, a, 1));
	band_pgroup_limit_pass(pool, a, 4096, now);
	KUNIT_EXPECT_EQ(test, pool->in_flight, 3U);
	/* b's bio completes: the place is a's (it has 2 in flight) */
	band_pgroup_done(pool, b, now, 0, 0);
	KUNIT_EXPECT_FALSE(test, band_pgroup_release(pool, b, 1));
	/* one of a's completes: a keeps that place too, its peak less 1 */
	band_pgroup_done(pool, a, now, 0, 0);
	KUNIT_EXPECT_EQ(test, pool->behind_keep, 1U);
	KUNIT_EXPECT_FALSE(test, band_pgroup_release(pool, b, 1));
	KUNIT_EXPECT_TRUE(test, a->behind);
	/* a catches up: 48 more bios of 1 ms each bring its clock to now */
	for (n = 0; n < 48; n++) {
		band_pgroup_charge_debt(pool, a, 1);
		band_pgroup_limit_pass(pool, a, 4096, now);
		band_pgroup_done(pool, a, now, 0, 0);
	}
	KUNIT_EXPECT_FALSE(test, a->behind);
	KUNIT_EXPECT_EQ(test, pool->nr_behind, 0U);
	KUNIT_EXPECT_EQ(test, pool->behind_keep, 0U);
	KUNIT_EXPECT_EQ(test, a->limit[BAND_RESERVE_IOPS].tat, now);
	/* no phase: b's held bio goes on its tokens, and one more */
	KUNIT_EXPECT_TRUE(test, band_pgroup_release(pool, b, 1));
	KUNIT_EXPECT_TRUE(test, band_pgroup_charge(pool, b, 1));

	/* 100 ms on, a is behind again; it goes idle: no phase */
	now += 100 * ms;
	band_pgroup_limit_pass(pool, a, 4096, now);
	KUNIT_EXPECT_TRUE(test, a->behind);
	band_pgroup_done(pool, a, now, 0, 0);
	KUNIT_EXPECT_FALSE(test, a->behind);
	KUNIT_EXPECT_EQ(test, pool->nr_behind, 0U);
	/* behind, then its reservation taken away, or detached: no phase */
	band_pgroup_charge_debt(pool, a, 1);
	band_pgroup_limit_pass(pool, a, 4096, now + 100 * ms);
	KUNIT_EXPECT_EQ(test, pool->nr_behind, 1U);
	band_pgroup_set_limit(pool, a, BAND_RESERVE_IOPS, 0);
	KUNIT_EXPECT_EQ(test, pool->nr_behind, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->reserving));
	KUNIT_EXPECT_EQ(test, pool->nr_ractive, 0U);
	band_pgroup_set_limit(pool, a, BAND_RESERVE_IOPS, 1000);
	band_pgroup_limit_pass(pool, a, 4096, now + 200 * ms);
	KUNIT_EXPECT_EQ(test, pool->nr_behind, 1U);
	KUNIT_EXPECT_EQ(test, pool->nr_ractive, 1U);
	band_pgroup_detach(pool, a);
	KUNIT_EXPECT_EQ(test, pool->nr_behind, 0U);
	KUNIT_EXPECT_EQ(test, pool->nr_ractive, 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->reserving));
}

static struct kunit_case band_policy_cases[] = {
	KUNIT_CASE(band_policy_refill_rule),
	KUNIT_CASE(band_policy_no_refill_when_idle),
	KUNIT_CASE(band_policy_lingering),
	KUNIT_CASE(band_policy_shares),
	KUNIT_CASE(band_policy_iosize_shares),
	KUNIT_CASE(band_policy_cost),
	KUNIT_CASE(band_policy_idle_groups),
	KUNIT_CASE(band_policy_weight_change),
	KUNIT_CASE(band_policy_units_change),
	KUNIT_CASE(band_policy_attach_detach),
	KUNIT_CASE(band_policy_debt),
	KUNIT_CASE(band_policy_10000_groups),
	KUNIT_CASE(band_policy_gcd),
	KUNIT_CASE(band_policy_limits),
	KUNIT_CASE(band_policy_depth),
	KUNIT_CASE(band_policy_inject_parallel),
	KUNIT_CASE(band_policy_inject_weighted),
	KUNIT_CASE(band_policy_inject_debt),
	KUNIT_CASE(band_policy_inject_serial),
	KUNIT_CASE(band_policy_inject_saturated),
	KUNIT_CASE(band_policy_linger_places),
	KUNIT_CASE(band_policy_linger_bounded),
	KUNIT_CASE(band_policy_long_think),
	KUNIT_CASE(band_policy_long_think_lend),
	KUNIT_CASE(band_policy_lease),
	KUNIT_CASE(band_policy_lease_waits),
	KUNIT_CASE(band_policy_lease_places),
	KUNIT_CASE(band_policy_lease_renew),
	KUNIT_CASE(band_policy_alone_batch),
	KUNIT_CASE(band_policy_lease_units),
	KUNIT_CASE(band_policy_lease_cpus),
	KUNIT_CASE(band_policy_lease_cpus_alone),
	KUNIT_CASE(band_policy_cap_rates),
	KUNIT_CASE(band_policy_cap_with_weights),
	KUNIT_CASE(band_policy_reserve),
	KUNIT_CASE(band_policy_reserve_quota),
	KUNIT_CASE(band_policy_reserve_phase),
	{}
};

struct kunit_suite band_policy_suite = {
	.name = "dm_band_policy",
	.test_cases = band_policy_cases,
};
