// SPDX-License-Identifier: GPL-2.0-only
/*
 * band-model: dm-band's policy (dm-band-policy.c, compiled unchanged) in
 * a discrete-event model of the rest: jobs that keep a fixed number of
 * bios in flight, the target's map/end_io/worker calls as dm-band.c makes
 * them (caps and reservations included, in the same order of checks, and
 * the worker's delayed work: queued at once, or on a timer in jiffies),
 * and a device with a number of slots, a service time and a FIFO queue in
 * front of them (null_blk in timer mode).  No CPU is modelled: what it
 * shows is what the policy does with ideal timing (or a worker as late as
 * asked), not what a loaded guest does.  Deterministic for a seed.
 *
 * band-model key=value...
 *   groups=W:QD[:attr=N...],...
 *                    groups by weight and bios in flight (QD 0: attached
 *                    and idle, as the table's default group often is),
 *                    with the table's caps and reservations as attributes:
 *                    limit_iops, limit_bps, reserve_iops, reserve_bps,
 *                    and think_us (its jobs' own pause);
 *                    e.g. groups=1:8:reserve_iops=1000,1000:8; or
 *   ngroups=N qd=Q   weights 1..N, Q bios in flight each (default 2, 2)
 *   bs=4096          bytes per bio (what the _bps attributes count)
 *   slots=8 service_us=2000 jitter=0.2 (service time spread, +-half)
 *   depth_max=8 (the device's queue depth; 0: unknown)
 *   idle_us=8000 inject=1
 *   token_base=0     the table's token_base (0: the policy's default)
 *   lease=1          the fast path: groups lend their tokens to leases
 *   worker_us=20     the worker's latency from a kick (or its timer)
 *   tick_us=4000     the worker's timer: band_schedule() asks for whole
 *                    jiffies (the delay rounded down, plus one; HZ=250 is
 *                    4000) and the timer fires on a jiffy; 0: it fires
 *                    at the time asked
 *   think_us=20      a job's pause between a completion and its next bio
 *   learned=1        start with the depth learned (levels 1..slots measured
 *                    at the service time, as after a run's first seconds);
 *                    0: learn it from nothing
 *   warm=5 secs=20   the window measured, after warm seconds
 *   seed=1 per=0     per=1: every group's line, also with ngroups=
 * Prints the window's totals, the max relative share error against the
 * weights, and each group's IOPS, p50/p99 latency (submit to end), times
 * a cap held its next bio (limited) and bios passed on its reservation
 * (reserved); and the share of bios that passed on the fast path (fast)
 * and of completions that took the lock (locked_ends).  trace=1 adds, for
 * each group, where its bios passed and where its time went (see
 * trace_group()).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-band-policy.h"

#define MAXG	1024
#define MAXB	65536	/* bios in the model at once, at most */
#define MAXLAT	2097152	/* latency samples kept per group */

enum { EV_SUBMIT, EV_DONE, EV_WORK };
/* how a bio passed (trace=1) */
enum { PASS_NONE, PASS_TOKENS, PASS_REFILL, PASS_INJECT, PASS_RESERVED, NR_PASS };
struct ev { u64 t; int type, arg; };

static struct ev *heap;
static int nh;

static void push(u64 t, int type, int arg)
{
	int i = nh++;

	while (i) {
		int p = (i - 1) / 2;

		if (heap[p].t <= t)
			break;
		heap[i] = heap[p];
		i = p;
	}
	heap[i] = (struct ev){ t, type, arg };
}

static struct ev pop(void)
{
	struct ev r = heap[0], x = heap[--nh];
	int i = 0;

	for (;;) {
		int c = 2 * i + 1;

		if (c >= nh)
			break;
		if (c + 1 < nh && heap[c + 1].t < heap[c].t)
			c++;
		if (heap[c].t >= x.t)
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = x;
	return r;
}

static struct grp {
	struct band_pgroup pg;
	u32 w, qd, held;
	u64 think_ns;			/* its jobs' pause (0: think_us) */
	u64 rate[BAND_NR_LIMITS];	/* its caps and reservations */
	u64 subq[4096];		/* submit times of its bios not yet issued */
	unsigned int sh, st;
	u64 done, *lat, nlat;
	/* trace=1, over the window: how its bios passed, in map() or the worker */
	u64 n_map[NR_PASS], n_rel[NR_PASS];
	/* credit a clock dropped when it restarted from now (ns) */
	u64 lost_ns[BAND_NR_LIMITS];
	/* its reservation's clock allowed a bio, its quota in flight not */
	u64 quota_miss;
	/* when its cap or reservation allows its next bio (0: none asked) */
	u64 due;
	u64 late_ns, nlate;	/* the worker's lateness after @due */
	/* time throttled, waiting (held, not throttled), holding nothing */
	u64 t_thr, t_wait, t_none;
	u64 t_wait_due;		/* waiting, and a refill or injection due */
	/*
	 * time it held up a refill (had tokens) while others waited: with
	 * bios of its own held (for the worker), or none held
	 */
	u64 t_block_held, t_block;
	u64 limited0, reserved0;	/* the policy's counts when the window opened */
} G[MAXG];
static int ng;
static struct band_pool P;
static u64 now, worker_ns, think_ns, service_ns, tick_ns, t0, t1, bs;
static double jitter;
static int slots, busy;
static bool kicked;		/* bg->kicked */
static u64 wake_at;		/* bg->wake_at */
static int work_pending;	/* the release work is queued or its timer set */
static u64 work_at;		/* when it runs */
static int fifo[MAXB], fh, ft, nbio, nfast, nlocked;
static int lease = 1;
static u64 b_issued[MAXB], b_sub[MAXB];
static u32 b_level[MAXB], b_gen[MAXB];
static bool b_fast[MAXB];
static int b_grp[MAXB];
static unsigned long long rnd_state;

static double rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rnd_state >> 11) * (1.0 / 9007199254740992.0);
}

static void dev_start(void)
{
	while (busy < slots && fh != ft) {
		int b = fifo[fh++ % MAXB];

		busy++;
		push(now + (u64)(service_ns * (1 + jitter * (rnd() - 0.5))),
		     EV_DONE, b);
	}
}

/* band_account() (or band_map_fast() if @fast) and the remap */
static void issue(int gi, bool fast, u32 gen)
{
	struct grp *g = &G[gi];
	int b = nbio++ % MAXB;

	b_grp[b] = gi;
	b_sub[b] = g->subq[g->sh++ % 4096];
	b_issued[b] = now;
	if (!fast)
		band_pgroup_arrived(&P, &g->pg, b_sub[b]);
	b_level[b] = fast ? 0 : band_pool_level(&P);
	b_fast[b] = fast;
	nfast += fast;
	b_gen[b] = gen;
	fifo[ft++ % MAXB] = b;
	dev_start();
}

/*
 * The release work is to run at @t: queue_delayed_work() (nothing if it
 * is pending already), or if @mod, mod_delayed_work(): it runs at @t
 * instead, sooner or later, but for a run asked for now (a delay of 0)
 * when one is queued already to run no later.
 */
static void queue_work_at(u64 t, bool mod)
{
	bool at_once = t == now + worker_ns;

	if (work_pending && (!mod || (at_once && work_at <= t)))
		return;
	work_pending = 1;
	work_at = t;
	push(t, EV_WORK, 0);
}

/* band_kick_locked(): band_kick_now() is mod_delayed_work(..., 0) */
static void kick_locked(void)
{
	if (kicked)
		return;
	kicked = true;
	queue_work_at(now + worker_ns, true);
}

/*
 * band_kick_later(): a delayed work's timer of @delay jiffies fires on
 * the jiffy that many after the current one; the worker runs worker_ns
 * after that.  With tick_us=0 it fires at @expiry.
 */
static void kick_later(u64 delay, bool ours, u64 expiry)
{
	u64 t = now;

	if (delay)
		t = tick_ns ? (now / tick_ns + delay) * tick_ns : expiry;
	queue_work_at(t + worker_ns, ours);
}

/* band_schedule() */
static void schedule(void)
{
	u64 expiry = 0;

	if (band_pool_refill_due(&P) || band_pool_inject_due(&P)) {
		kick_locked();
		return;
	}
	if (kicked)
		return;
	if (!list_empty(&P.waiting))
		expiry = band_pool_next_expiry(&P);
	if (P.throttle_next && (!expiry || P.throttle_next < expiry))
		expiry = P.throttle_next;
	if (P.reserve_next && !list_empty(&P.waiting) &&
	    (!expiry || P.reserve_next < expiry))
		expiry = P.reserve_next;
	if (!expiry || (wake_at && wake_at <= expiry))
		return;
	/* nsecs_to_jiffies() rounds down */
	kick_later(expiry > now ? (tick_ns ? (expiry - now) / tick_ns : 0) + 1 : 0,
		   wake_at != 0, expiry);
	wake_at = expiry;
}

/* band_throttle() */
static void throttle(struct grp *g, u64 until)
{
	band_pgroup_throttle(&P, &g->pg, until);
	g->due = until;
}

/* band_reserve_wait() */
static void reserve_wait(struct grp *g)
{
	u64 due = band_pgroup_reserve_due(&g->pg, bs, now);

	band_pool_reserve_wait(&P, due);
	if (due && due != U64_MAX && !g->due)
		g->due = due;
}

/* band_limit_pass() */
static void limit_pass(struct grp *g)
{
	int k;

	if (!band_pgroup_limited(&g->pg) && !band_pgroup_reserved(&g->pg))
		return;
	for (k = 0; k < BAND_NR_LIMITS; k++)
		if (g->pg.limit[k].rate && g->pg.limit[k].tat < now &&
		    g->pg.limit[k].tat && now >= t0)
			g->lost_ns[k] += now - g->pg.limit[k].tat;
	band_pgroup_limit_pass(&P, &g->pg, bs, now);
}

/* The worker passed a bio of @g: how late after its cap or reservation. */
static void passed_late(struct grp *g)
{
	if (!g->due || g->due > now)
		return;
	if (now >= t0) {
		g->late_ns += now - g->due;
		g->nlate++;
	}
	g->due = 0;
}

/* band_refill_now() */
static bool refill_now(struct grp *g)
{
	bool refilled = false, pass;

	if (g->pg.held)
		return false;
	band_pgroup_hold(&P, &g->pg);
	if (band_pool_refill_due(&P)) {
		band_pool_refill(&P);
		refilled = true;
	}
	pass = band_pgroup_release(&P, &g->pg, 1);
	if (!pass)
		band_pgroup_unhold(&P, &g->pg);
	if (refilled && !list_empty(&P.waiting))
		kick_locked();
	return pass;
}

/* band_reserve_pass() */
static bool reserve_pass(struct grp *g)
{
	if (!band_pgroup_reserved(&g->pg) || g->pg.held)
		return false;
	return band_pgroup_pass_reserved(&P, &g->pg, bs, now);
}

/* band_completed() */
static void completed(struct grp *g, u64 lat_ns, u32 level)
{
	band_pgroup_done(&P, &g->pg, now, lat_ns, level);
	schedule();
}

/* band_map() */
static void submit(int gi)
{
	struct grp *g = &G[gi];
	enum band_lease_result r;
	int how = PASS_NONE;
	u64 until = 0;
	u32 gen;

	g->subq[g->st++ % 4096] = now;
	r = P.nr_leased ? band_lease_charge(&g->pg, 1, &gen) : BAND_LEASE_NONE;
	if (r == BAND_LEASE_OK) {
		issue(gi, true, gen);
		return;
	}
	if (r == BAND_LEASE_UNDO)
		completed(g, 0, 0);
	if (band_pgroup_limited(&g->pg) && !g->pg.held)
		until = band_pgroup_limit_due(&g->pg, bs, now);
	if (!until) {
		u64 epoch = P.epoch;

		/* (band_map_leased() finds nothing new: one CPU, no race) */
		if (band_pgroup_renew(&P, &g->pg, 1))
			how = P.epoch != epoch ? PASS_REFILL : PASS_TOKENS;
		else if (band_pgroup_charge(&P, &g->pg, 1))
			how = PASS_TOKENS;
		else if (refill_now(g))
			how = PASS_REFILL;
		else if (reserve_pass(g))
			how = PASS_RESERVED;
	}
	if (how == PASS_NONE) {
		/* band_hold() */
		g->held++;
		band_pgroup_hold(&P, &g->pg);
		if (until)
			throttle(g, until);
		else if (band_pgroup_reserved(&g->pg))
			reserve_wait(g);
		schedule();
		return;
	}
	if (now >= t0)
		g->n_map[how]++;
	issue(gi, false, 0);
	limit_pass(g);
	if (lease)
		band_pgroup_lend(&P, &g->pg);
	schedule();
}

/* band_release_one(): how the bio passed, PASS_NONE if it did not */
static int release_one(struct grp *g)
{
	struct band_pgroup *pg = &g->pg;
	u64 until;
	bool inj;

	until = band_pgroup_limited(pg) ? band_pgroup_limit_due(pg, bs, now) : 0;
	if (until) {
		throttle(g, until);
		return PASS_NONE;
	}
	inj = pg->inject_pass && band_pgroup_tokens(&P, pg) <= 0;
	if (band_pgroup_release(&P, pg, 1))
		return inj ? PASS_INJECT : PASS_TOKENS;
	if (!band_pgroup_reserved(pg))
		return PASS_NONE;
	if (band_pgroup_pass_reserved(&P, pg, bs, now))
		return PASS_RESERVED;
	if (!band_pgroup_reserve_due(pg, bs, now) && now >= t0)
		g->quota_miss++;
	reserve_wait(g);
	return PASS_NONE;
}

/* band_release_work() */
static void work(void)
{
	struct band_pgroup *pg, *tmp;
	bool progress;
	int n = 0, how;

	kicked = false;
	wake_at = 0;
	band_pool_expire(&P, now);
	band_pool_unthrottle(&P, now);
	P.reserve_next = 0;
	do {
		if (band_pool_refill_due(&P))
			band_pool_refill(&P);
		else if (band_pool_inject_due(&P))
			band_pool_inject(&P);
		progress = false;
		list_for_each_entry_safe(pg, tmp, &P.waiting, waiting_node) {
			struct grp *g = container_of(pg, struct grp, pg);

			how = release_one(g);
			if (how == PASS_NONE)
				continue;
			if (now >= t0)
				g->n_rel[how]++;
			passed_late(g);
			g->held--;
			issue(g - G, false, 0);
			limit_pass(g);
			progress = true;
			n++;
		}
	} while ((progress || band_pool_refill_due(&P) ||
		  band_pool_inject_due(&P)) && n < 256);
	if (!list_empty(&P.waiting) && n >= 256)
		kick_locked();
	else
		schedule();
}

/* band_end_io(), then the job's next bio */
static void done(int b)
{
	enum band_lease_end r = BAND_LEASE_SLOW;
	int gi = b_grp[b];
	struct grp *g = &G[gi];

	busy--;
	dev_start();
	if (b_fast[b])
		r = band_lease_done(&g->pg, b_gen[b]);
	nlocked += !b_fast[b] || r == BAND_LEASE_SLOW;
	if (!b_fast[b])
		completed(g, now - b_issued[b], b_level[b]);
	else if (r == BAND_LEASE_SLOW)
		completed(g, 0, 0);
	else if (r == BAND_LEASE_LAST)
		band_lease_idle(&g->pg, now);
	if (now >= t0) {
		g->done++;
		if (g->nlat < MAXLAT)
			g->lat[g->nlat++] = now - b_sub[b];
	}
	push(now + (u64)((g->think_ns ?: think_ns) * (0.5 + rnd())),
	     EV_SUBMIT, gi);
}

/* Groups other than @g wait for tokens. */
static bool others_wait(struct grp *g)
{
	struct list_head *n = &g->pg.waiting_node;

	return !list_empty(&P.waiting) &&
	       (P.waiting.next != n || !list_is_last(n, &P.waiting));
}

/* trace=1: the time from now to @t, in each group's state */
static void account(u64 t)
{
	u64 from = max(now, t0), to = min(t, t1);
	int i;

	if (to <= from)
		return;
	for (i = 0; i < ng; i++) {
		struct grp *g = &G[i];

		if (g->pg.blocking && others_wait(g)) {
			if (g->pg.held)
				g->t_block_held += to - from;
			else
				g->t_block += to - from;
		}
		if (g->pg.throttled)
			g->t_thr += to - from;
		else if (g->pg.held && (band_pool_refill_due(&P) ||
					band_pool_inject_due(&P)))
			g->t_wait_due += to - from;
		else if (g->pg.held)
			g->t_wait += to - from;
		else
			g->t_none += to - from;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static const char *arg(int argc, char **argv, const char *key, const char *def)
{
	size_t n = strlen(key);
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return def;
}

static const char *const limit_key[BAND_NR_LIMITS] = {
	"limit_iops", "limit_bps", "reserve_iops", "reserve_bps",
};

/* W:QD[:attr=N...]: 0 if good */
static int parse_group(struct grp *g, const char *t)
{
	const char *a;
	int n, k;

	if (sscanf(t, "%u:%u%n", &g->w, &g->qd, &n) != 2 || !g->w)
		return 1;
	for (a = t + n; *a; a += n) {
		unsigned long long v;
		char key[32];

		if (sscanf(a, ":%31[a-z_]=%llu%n", key, &v, &n) != 2)
			return 1;
		if (!strcmp(key, "think_us")) {
			g->think_ns = v * 1000;
			continue;
		}
		for (k = 0; k < BAND_NR_LIMITS; k++)
			if (!strcmp(key, limit_key[k]))
				break;
		if (k == BAND_NR_LIMITS)
			return 1;
		g->rate[k] = v;
	}
	return 0;
}

/*
 * trace=1, for each group, over the window: its bios passed in map() on
 * tokens (map), by starting the refill (refill), on its reservation
 * (map_res); by the worker on tokens (rel), on a pass from injection
 * (inj), on its reservation (rel_res); the credit each of its clocks
 * dropped when it restarted from now, in bios (lost_*); the times its
 * reservation allowed a bio but its quota in flight did not (quota_miss);
 * the worker's mean lateness after its cap or reservation allowed its
 * next bio (late_us); the share of the time it was throttled (thr),
 * waiting for tokens while a refill or injection was due, i.e. for the
 * worker (wait_due), waiting otherwise (wait), holding nothing (none);
 * and held up the refill (had tokens) while others waited, with bios of
 * its own held (block_held) or none (block).
 */
static void trace_group(int i, double secs)
{
	struct grp *g = &G[i];
	int k;

	printf("# group %d map %llu refill %llu map_res %llu rel %llu inj %llu rel_res %llu",
	       i, g->n_map[PASS_TOKENS], g->n_map[PASS_REFILL],
	       g->n_map[PASS_RESERVED], g->n_rel[PASS_TOKENS],
	       g->n_rel[PASS_INJECT], g->n_rel[PASS_RESERVED]);
	for (k = 0; k < BAND_NR_LIMITS; k++)
		if (g->rate[k])
			printf(" lost_%s %.1f", limit_key[k],
			       g->lost_ns[k] / 1e9 * g->rate[k] /
			       (k == BAND_LIMIT_BPS || k == BAND_RESERVE_BPS ?
				bs : 1));
	printf(" quota_miss %llu late_us %.0f", g->quota_miss,
	       g->nlate ? g->late_ns / 1e3 / g->nlate : 0);
	printf(" thr %.1f%% wait_due %.1f%% wait %.1f%% none %.1f%%",
	       g->t_thr / secs / 1e7, g->t_wait_due / secs / 1e7,
	       g->t_wait / secs / 1e7, g->t_none / secs / 1e7);
	printf(" block %.1f%% block_held %.1f%%\n",
	       g->t_block / secs / 1e7, g->t_block_held / secs / 1e7);
}

int main(int argc, char **argv)
{
	const char *spec = arg(argc, argv, "groups", NULL);
	int ngroups = atoi(arg(argc, argv, "ngroups", "2"));
	int qd = atoi(arg(argc, argv, "qd", "2"));
	double warm = atof(arg(argc, argv, "warm", "5"));
	double secs = atof(arg(argc, argv, "secs", "20"));
	int per = atoi(arg(argc, argv, "per", "0"));
	int trace = atoi(arg(argc, argv, "trace", "0"));
	double wsum = 0, maxerr = 0;
	u64 tot = 0;
	int i, k, worst = 0;

	slots = atoi(arg(argc, argv, "slots", "8"));
	service_ns = atof(arg(argc, argv, "service_us", "2000")) * 1000;
	jitter = atof(arg(argc, argv, "jitter", "0.2"));
	worker_ns = atof(arg(argc, argv, "worker_us", "20")) * 1000;
	tick_ns = atof(arg(argc, argv, "tick_us", "4000")) * 1000;
	bs = atoll(arg(argc, argv, "bs", "4096"));
	lease = atoi(arg(argc, argv, "lease", "1"));
	think_ns = atof(arg(argc, argv, "think_us", "20")) * 1000;
	rnd_state = atoll(arg(argc, argv, "seed", "1"));
	heap = calloc(MAXB * 4, sizeof(*heap));
	band_pool_init(&P, BAND_POLICY_WEIGHT,
		       atoll(arg(argc, argv, "token_base", "0")),
		       atoi(arg(argc, argv, "idle_us", "8000")));
	band_pool_set_inject(&P, atoi(arg(argc, argv, "inject", "1")));
	band_pool_set_depth_max(&P, atoi(arg(argc, argv, "depth_max", "8")));
	if (atoi(arg(argc, argv, "learned", "1"))) {
		for (k = 1; k <= slots && k <= (int)BAND_LEVELS; k++) {
			P.lvl_lat[k] = service_ns;
			P.lvl_n[k] = BAND_LEVEL_SAMPLES;
		}
		P.depth = min((u32)slots, P.depth_max ? P.depth_max : BAND_LEVELS);
	}
	if (spec) {
		char *s = strdup(spec), *t;

		for (t = strtok(s, ","); t && ng < MAXG; t = strtok(NULL, ",")) {
			if (parse_group(&G[ng], t)) {
				fprintf(stderr, "band-model: bad group '%s'\n", t);
				return 2;
			}
			ng++;
		}
	} else {
		for (ng = 0; ng < ngroups && ng < MAXG; ng++) {
			G[ng].w = ng + 1;
			G[ng].qd = qd;
		}
	}
	if (!ng || !heap || slots < 1 || secs <= 0) {
		fprintf(stderr, "band-model: nothing to model\n");
		return 2;
	}
	for (i = 0; i < ng; i++) {
		G[i].lat = malloc(MAXLAT * sizeof(u64));
		if (!G[i].lat)
			return 2;
		band_pgroup_attach(&P, &G[i].pg, G[i].w);
		for (k = 0; k < BAND_NR_LIMITS; k++)
			if (G[i].rate[k])
				band_pgroup_set_limit(&P, &G[i].pg, k,
						      G[i].rate[k]);
		if (G[i].qd)
			wsum += G[i].w;
		for (k = 0; k < (int)G[i].qd; k++)
			push((u64)(rnd() * 1e6), EV_SUBMIT, i);
	}
	t0 = warm * 1e9;
	t1 = t0 + secs * 1e9;
	while (nh) {
		struct ev e = pop();

		if (trace)
			account(e.t);
		if (now < t0 && e.t >= t0)
			for (i = 0; i < ng; i++) {
				G[i].limited0 = G[i].pg.limited;
				G[i].reserved0 = G[i].pg.reserved_bios;
			}
		now = e.t;
		if (now > t1)
			break;
		if (e.type == EV_SUBMIT) {
			submit(e.arg);
		} else if (e.type == EV_DONE) {
			done(e.arg);
		} else if (now == work_at && work_pending) {
			work_pending = 0;
			work();
		}
	}
	for (i = 0; i < ng; i++)
		tot += G[i].done;
	for (i = 0; i < ng && tot; i++) {
		double err;

		if (!G[i].qd)
			continue;
		err = fabs((double)G[i].done / tot / (G[i].w / wsum) - 1);

		if (err > maxerr) {
			maxerr = err;
			worst = i;
		}
	}
	printf("total %llu iops %.0f depth %u epochs %llu injected %llu maxerr %.2f%% worst w%u",
	       (unsigned long long)tot, tot / secs, P.depth,
	       (unsigned long long)P.epoch, (unsigned long long)P.injected,
	       100 * maxerr, G[worst].w);
	printf(" fast %.1f%% locked_ends %.1f%%\n", 100.0 * nfast / max(nbio, 1),
	       100.0 * nlocked / max(nbio, 1));
	for (i = 0; i < ng; i++) {
		struct grp *g = &G[i];

		qsort(g->lat, g->nlat, sizeof(u64), cmp_u64);
		if (per || spec)
			printf("group %d w%u qd%u iops %.1f per_weight %.3f ",
			       i, g->w, g->qd, g->done / secs,
			       (double)g->done / g->w);
		if (per || spec)
			printf("p50_us %.0f p99_us %.0f limited %llu reserved %llu\n",
			       g->nlat ? g->lat[g->nlat / 2] / 1e3 : 0,
			       g->nlat ? g->lat[g->nlat * 99 / 100] / 1e3 : 0,
			       g->pg.limited - g->limited0,
			       g->pg.reserved_bios - g->reserved0);
		if (trace)
			trace_group(i, secs);
	}
	return 0;
}
