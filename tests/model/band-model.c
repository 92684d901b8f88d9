// SPDX-License-Identifier: GPL-2.0-only
/*
 * band-model: dm-band's policy (dm-band-policy.c, compiled unchanged) in
 * a discrete-event model of the rest: jobs that keep a fixed number of
 * bios in flight, the target's map/end_io/worker calls as dm-band.c makes
 * them, and a device with a number of slots, a service time and a FIFO
 * queue in front of them (null_blk in timer mode).  No CPU is modelled:
 * what it shows is what the policy does with ideal timing, not what a
 * loaded guest does.  Deterministic for a seed.
 *
 * band-model key=value...
 *   groups=W:QD,...  groups by weight and bios in flight; or
 *   ngroups=N qd=Q   weights 1..N, Q bios in flight each (default 2, 2)
 *   slots=8 service_us=2000 jitter=0.2 (service time spread, +-half)
 *   depth_max=8 (the device's queue depth; 0: unknown)
 *   idle_us=8000 inject=1
 *   lease=1          the fast path: groups lend their tokens to leases
 *   worker_us=20     the worker's latency from a kick
 *   think_us=20      a job's pause between a completion and its next bio
 *   learned=1        start with the depth learned (levels 1..slots measured
 *                    at the service time, as after a run's first seconds);
 *                    0: learn it from nothing
 *   warm=5 secs=20   the window measured, after warm seconds
 *   seed=1 per=0     per=1: every group's line, also with ngroups=
 * Prints the window's totals, the max relative share error against the
 * weights, and each group's IOPS and p50/p99 latency (submit to end).
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
	u64 subq[4096];		/* submit times of its bios not yet issued */
	unsigned int sh, st;
	u64 done, *lat, nlat;
} G[MAXG];
static int ng;
static struct band_pool P;
static u64 now, worker_ns, think_ns, service_ns, t0, t1;
static double jitter;
static int slots, busy, work_pending;
static u64 work_at;
static int fifo[MAXB], fh, ft, nbio, nfast;
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
	b_level[b] = P.nr_leased ? 0 : P.in_flight;
	b_fast[b] = fast;
	nfast += fast;
	b_gen[b] = gen;
	fifo[ft++ % MAXB] = b;
	dev_start();
}

static void kick_at(u64 t)
{
	if (work_pending && work_at <= t)
		return;
	work_pending = 1;
	work_at = t;
	push(t, EV_WORK, 0);
}

/* band_schedule() */
static void schedule(void)
{
	u64 e;

	if (band_pool_refill_due(&P) || band_pool_inject_due(&P)) {
		kick_at(now + worker_ns);
		return;
	}
	if (list_empty(&P.waiting))
		return;
	e = band_pool_next_expiry(&P);
	if (e)
		kick_at(e > now ? e + 1000 : now + worker_ns);
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
		kick_at(now + worker_ns);
	return pass;
}

/* band_map() */
static void submit(int gi)
{
	struct grp *g = &G[gi];

	enum band_lease_result r;
	u32 gen;

	g->subq[g->st++ % 4096] = now;
	r = P.nr_leased ? band_lease_charge(&g->pg, 1, &gen) : BAND_LEASE_NONE;
	if (r == BAND_LEASE_OK) {
		issue(gi, true, gen);
		return;
	}
	if (r == BAND_LEASE_UNDO)
		band_pgroup_done(&P, &g->pg, now, 0, 0);
	if (band_pgroup_charge(&P, &g->pg, 1) || refill_now(g)) {
		issue(gi, false, 0);
		if (lease)
			band_pgroup_lend(&P, &g->pg);
	} else {
		g->held++;
		band_pgroup_hold(&P, &g->pg);
	}
	schedule();
}

/* band_release_work() */
static void work(void)
{
	struct band_pgroup *pg, *tmp;
	bool progress;
	int n = 0;

	band_pool_expire(&P, now);
	do {
		if (band_pool_refill_due(&P))
			band_pool_refill(&P);
		else if (band_pool_inject_due(&P))
			band_pool_inject(&P);
		progress = false;
		list_for_each_entry_safe(pg, tmp, &P.waiting, waiting_node) {
			struct grp *g = container_of(pg, struct grp, pg);

			if (!band_pgroup_release(&P, pg, 1))
				continue;
			g->held--;
			issue(g - G, false, 0);
			progress = true;
			n++;
		}
	} while ((progress || band_pool_refill_due(&P) ||
		  band_pool_inject_due(&P)) && n < 256);
	if (!list_empty(&P.waiting) && n >= 256)
		kick_at(now + worker_ns);
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
	if (!b_fast[b])
		band_pgroup_done(&P, &g->pg, now, now - b_issued[b], b_level[b]);
	else if (r == BAND_LEASE_SLOW)
		band_pgroup_done(&P, &g->pg, now, 0, 0);
	else if (r == BAND_LEASE_LAST)
		band_lease_idle(&g->pg, now);
	schedule();
	if (now >= t0) {
		g->done++;
		if (g->nlat < MAXLAT)
			g->lat[g->nlat++] = now - b_sub[b];
	}
	push(now + (u64)(think_ns * (0.5 + rnd())), EV_SUBMIT, gi);
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

int main(int argc, char **argv)
{
	const char *spec = arg(argc, argv, "groups", NULL);
	int ngroups = atoi(arg(argc, argv, "ngroups", "2"));
	int qd = atoi(arg(argc, argv, "qd", "2"));
	double warm = atof(arg(argc, argv, "warm", "5"));
	double secs = atof(arg(argc, argv, "secs", "20"));
	int per = atoi(arg(argc, argv, "per", "0"));
	double wsum = 0, maxerr = 0;
	u64 tot = 0;
	int i, k, worst = 0;

	slots = atoi(arg(argc, argv, "slots", "8"));
	service_ns = atof(arg(argc, argv, "service_us", "2000")) * 1000;
	jitter = atof(arg(argc, argv, "jitter", "0.2"));
	worker_ns = atof(arg(argc, argv, "worker_us", "20")) * 1000;
	lease = atoi(arg(argc, argv, "lease", "1"));
	think_ns = atof(arg(argc, argv, "think_us", "20")) * 1000;
	rnd_state = atoll(arg(argc, argv, "seed", "1"));
	heap = calloc(MAXB * 4, sizeof(*heap));
	band_pool_init(&P, BAND_POLICY_WEIGHT, 0,
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
			if (sscanf(t, "%u:%u", &G[ng].w, &G[ng].qd) != 2 ||
			    !G[ng].w || !G[ng].qd) {
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
		wsum += G[i].w;
		for (k = 0; k < (int)G[i].qd; k++)
			push((u64)(rnd() * 1e6), EV_SUBMIT, i);
	}
	t0 = warm * 1e9;
	t1 = t0 + secs * 1e9;
	while (nh) {
		struct ev e = pop();

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
		double err = fabs((double)G[i].done / tot / (G[i].w / wsum) - 1);

		if (err > maxerr) {
			maxerr = err;
			worst = i;
		}
	}
	printf("total %llu iops %.0f depth %u epochs %llu injected %llu maxerr %.2f%% worst w%u",
	       (unsigned long long)tot, tot / secs, P.depth,
	       (unsigned long long)P.epoch, (unsigned long long)P.injected,
	       100 * maxerr, G[worst].w);
	printf(" fast %.1f%%\n", 100.0 * nfast / max(nbio, 1));
	for (i = 0; i < ng; i++) {
		struct grp *g = &G[i];

		qsort(g->lat, g->nlat, sizeof(u64), cmp_u64);
		if (per || spec)
			printf("group %d w%u qd%u iops %.1f per_weight %.3f ",
			       i, g->w, g->qd, g->done / secs,
			       (double)g->done / g->w);
		if (per || spec)
			printf("p50_us %.0f p99_us %.0f\n",
			       g->nlat ? g->lat[g->nlat / 2] / 1e3 : 0,
			       g->nlat ? g->lat[g->nlat * 99 / 100] / 1e3 : 0);
	}
	return 0;
}
