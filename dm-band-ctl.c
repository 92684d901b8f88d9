// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-band: table and message parsing, band groups and their groups, status.
 *
 * Parsing touches no device, so that it can be unit-tested (tests/kunit).
 * Everything that changes configuration runs under band_mutex, in process
 * context; what the I/O path reads is also under the band group's lock.
 */
#include <linux/ctype.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "dm-band-compat.h"
#include "dm-band.h"

#define DM_MSG_PREFIX "band"

/* Serialises configuration: ctr, dtr, preresume, messages. */
DEFINE_MUTEX(band_mutex);
/* Every band group, under band_mutex. */
static LIST_HEAD(band_bgs);

const char * const band_type_names[BAND_NR_TYPES] = {
	[BAND_TYPE_NONE] = "none",
	[BAND_TYPE_PID] = "pid",
	[BAND_TYPE_PGRP] = "pgrp",
	[BAND_TYPE_UID] = "uid",
	[BAND_TYPE_GID] = "gid",
	[BAND_TYPE_CGROUP] = "cgroup",
};

const char * const band_policy_names[] = {
	[BAND_POLICY_WEIGHT] = "weight",
	[BAND_POLICY_WEIGHT_IOSIZE] = "weight-iosize",
};

/* ------------------------------------------------------------ parsing */

/*
 * Parse an unsigned decimal number.  kstrtoull() refuses signs other than
 * a leading '+', trailing characters and values past ULLONG_MAX, which
 * sscanf("%llu") would let through.
 */
static int band_parse_u64(const char *s, u64 *v)
{
	unsigned long long tmp;

	if (kstrtoull(s, 10, &tmp))
		return -EINVAL;
	*v = tmp;
	return 0;
}

static int band_parse_weight(const char *s, u32 *weight)
{
	u64 w;

	if (band_parse_u64(s, &w) || w < BAND_WEIGHT_MIN || w > BAND_WEIGHT_MAX)
		return -EINVAL;
	*weight = w;
	return 0;
}

static int band_lookup_name(const char *s, const char * const *names,
			    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

static int band_parse_type(const char *s, enum band_type *type)
{
	int i = band_lookup_name(s, band_type_names, BAND_NR_TYPES);

	if (i < 0)
		return i;
	*type = i;
	return 0;
}

static int band_parse_policy(const char *s, enum band_policy *policy)
{
	int i = band_lookup_name(s, band_policy_names,
				 ARRAY_SIZE(band_policy_names));

	if (i < 0)
		return i;
	*policy = i;
	return 0;
}

/*
 * A job id for @type: pid/pgrp 1..PID_MAX_LIMIT, uid/gid 0..2^32-2 (-1 is
 * no id), cgroup 1..2^64-2 (the cgroup directory's inode number; 0 and -1
 * are no cgroup's) and at most ULONG_MAX (groups are indexed by id).
 */
int band_parse_id(const char *s, enum band_type type, u64 *id)
{
	u64 v;

	if (band_parse_u64(s, &v))
		return -EINVAL;
	switch (type) {
	case BAND_TYPE_PID:
	case BAND_TYPE_PGRP:
		if (v < 1 || v > PID_MAX_LIMIT)
			return -EINVAL;
		break;
	case BAND_TYPE_UID:
	case BAND_TYPE_GID:
		if (v >= U32_MAX)
			return -EINVAL;
		break;
	case BAND_TYPE_CGROUP:
		if (!v || v == U64_MAX || v > ULONG_MAX)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	*id = v;
	return 0;
}

static int band_parse_token_base(const char *s, u64 *base)
{
	if (band_parse_u64(s, base) || *base > BAND_TOKEN_BASE_MAX)
		return -EINVAL;
	return 0;
}

static int band_parse_name(const char *s, char *name, char **error)
{
	size_t len = strlen(s), i;

	if (len > BAND_NAME_MAX) {
		*error = "Band group name too long (at most 31 characters)";
		return -EINVAL;
	}
	/* ASCII only: the kernel's isalnum() takes Latin-1 letters too */
	for (i = 0; i < len; i++) {
		if (!isascii(s[i]) || (!isalnum(s[i]) && !strchr("_.:-", s[i])))
			break;
	}
	if (!len || i < len) {
		*error = "Invalid band group name: use letters, digits and _.:-";
		return -EINVAL;
	}
	strscpy(name, s, BAND_NAME_MAX + 1);
	return 0;
}

static int band_cmp_group(const void *a, const void *b)
{
	const struct band_group_conf *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void band_conf_free(struct band_conf *conf)
{
	kvfree(conf->groups);
	conf->groups = NULL;
	conf->nr_groups = 0;
}

/*
 * Split "<id>:<weight>" at its first colon: the id into @id (at most
 * BAND_ID_LEN - 1 characters, else -EINVAL), the weight's position into
 * *@weight.  No colon: the whole string is the id and *@weight is NULL.
 */
#define BAND_ID_LEN 24
static int band_split_group(const char *arg, char *id, const char **weight)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? colon - arg : strlen(arg);

	if (len >= BAND_ID_LEN)
		return -EINVAL;
	memcpy(id, arg, len);
	id[len] = '\0';
	*weight = colon ? colon + 1 : NULL;
	return 0;
}

/* A group's attributes, after its weight: "limit_iops=<n>" and so on. */
static const char * const band_limit_names[BAND_NR_LIMITS] = {
	[BAND_LIMIT_IOPS] = "limit_iops",
	[BAND_LIMIT_BPS] = "limit_bps",
	[BAND_RESERVE_IOPS] = "reserve_iops",
	[BAND_RESERVE_BPS] = "reserve_bps",
};

/*
 * <key>=<value>[,<key>=<value>...]: each key at most once, values from 0
 * (no cap) to BAND_LIMIT_MAX.  Keys given are set in @limit, and in *@set
 * as bits; the others are left alone.
 */
static int band_parse_attrs(const char *s, u64 *limit, unsigned int *set,
			    char **error)
{
	char buf[64];
	const char *end, *eq;
	size_t len, klen;
	unsigned int k;
	u64 v;

	*set = 0;
	if (!*s) {
		*error = "Invalid group attribute: <key>=<value> expected";
		return -EINVAL;
	}
	while (*s) {
		end = strchrnul(s, ',');
		len = end - s;
		eq = strnchr(s, len, '=');
		if (!eq || len >= sizeof(buf)) {
			*error = "Invalid group attribute: <key>=<value> expected";
			return -EINVAL;
		}
		klen = eq - s;
		for (k = 0; k < BAND_NR_LIMITS; k++)
			if (strlen(band_limit_names[k]) == klen &&
			    !strncmp(s, band_limit_names[k], klen))
				break;
		if (k == BAND_NR_LIMITS) {
			*error = "Unknown group attribute: {limit,reserve}_{iops,bps} expected";
			return -EINVAL;
		}
		if (*set & BIT(k)) {
			*error = "Group attribute given twice";
			return -EINVAL;
		}
		memcpy(buf, eq + 1, len - klen - 1);
		buf[len - klen - 1] = '\0';
		if (band_parse_u64(buf, &v) || v > BAND_LIMIT_MAX) {
			*error = "Invalid limit or reservation: 0 to 2^50 per second expected";
			return -EINVAL;
		}
		limit[k] = v;
		*set |= BIT(k);
		s = *end ? end + 1 : end;
		if (*end && !*s) {
			*error = "Invalid group attribute: <key>=<value> expected";
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * <id>:<weight>[,<key>=<value>...] or :<weight>[,...] (the default
 * group).
 */
static int band_parse_group(const char *arg, struct band_conf *conf,
			    bool *have_default, char **error)
{
	u64 limit[BAND_NR_LIMITS] = { 0 };
	struct band_group_conf *g;
	const char *wstr, *comma;
	char id[BAND_ID_LEN], wbuf[16];
	unsigned int set;
	u32 weight;

	if (band_split_group(arg, id, &wstr) || !wstr) {
		*error = "Invalid group: <id>:<weight> or :<weight> expected";
		return -EINVAL;
	}
	comma = strchr(wstr, ',');
	if (comma) {
		if (comma - wstr >= sizeof(wbuf)) {
			*error = "Invalid weight: 1..1000000 expected";
			return -EINVAL;
		}
		memcpy(wbuf, wstr, comma - wstr);
		wbuf[comma - wstr] = '\0';
		wstr = wbuf;
		if (band_parse_attrs(comma + 1, limit, &set, error))
			return -EINVAL;
	}
	if (band_parse_weight(wstr, &weight)) {
		*error = "Invalid weight: 1..1000000 expected";
		return -EINVAL;
	}
	if (!*id) {
		if (*have_default) {
			*error = "Default group given twice";
			return -EINVAL;
		}
		*have_default = true;
		conf->default_weight = weight;
		memcpy(conf->default_limit, limit, sizeof(limit));
		return 0;
	}
	if (conf->type == BAND_TYPE_NONE) {
		*error = "Type none has no groups: only :<weight> for the device";
		return -EINVAL;
	}
	g = &conf->groups[conf->nr_groups];
	if (band_parse_id(id, conf->type, &g->id)) {
		*error = "Invalid group id for this type";
		return -EINVAL;
	}
	g->weight = weight;
	memcpy(g->limit, limit, sizeof(limit));
	conf->nr_groups++;
	return 0;
}

static int band_parse_idle(const char *s, u32 *idle_us)
{
	u64 v;

	if (band_parse_u64(s, &v) || v > BAND_IDLE_US_MAX)
		return -EINVAL;
	*idle_us = v;
	return 0;
}

static int band_parse_inject(const char *s, bool *inject)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return -EINVAL;
	*inject = *s == '1';
	return 0;
}

/* <key>=<value>: idle=<usec>, inject=<0|1>. */
#define BAND_NR_OPTIONS 2
static int band_parse_option(const char *arg, struct band_conf *conf,
			     bool *have_idle, bool *have_inject, char **error)
{
	if (!strncmp(arg, "inject=", 7)) {
		if (*have_inject) {
			*error = "Option inject given twice";
			return -EINVAL;
		}
		*have_inject = true;
		if (band_parse_inject(arg + 7, &conf->inject)) {
			*error = "Invalid inject: 0 or 1 expected";
			return -EINVAL;
		}
		return 0;
	}
	if (strncmp(arg, "idle=", 5)) {
		*error = "Unknown option: idle=<usec> or inject=<0|1> expected";
		return -EINVAL;
	}
	if (*have_idle) {
		*error = "Option idle given twice";
		return -EINVAL;
	}
	*have_idle = true;
	if (band_parse_idle(arg + 5, &conf->idle_us)) {
		*error = "Invalid idle: 0 to 1000000 microseconds expected";
		return -EINVAL;
	}
	return 0;
}

/*
 * <dev_path> <offset> <band_group> <type> <policy> <token_base>
 *	[<group>...] [<key>=<value>...]
 *
 * Fills @conf and returns 0, or sets *@error to a short reason (suitable
 * for ti->error) and returns -EINVAL.  On success the caller owns
 * conf->groups (band_conf_free()).
 */
int band_parse_ctr_args(struct dm_arg_set *as, struct band_conf *conf,
			char **error)
{
	bool have_default = false, have_idle = false, have_inject = false;
	const char *arg;
	unsigned int i;
	int r;

	memset(conf, 0, sizeof(*conf));
	conf->default_weight = BAND_DEFAULT_WEIGHT;
	conf->idle_us = BAND_IDLE_US_DEFAULT;
	conf->inject = BAND_INJECT_DEFAULT;

	if (as->argc < 6) {
		*error = "Not enough arguments: 6 at least, see Documentation/dm-band.rst";
		return -EINVAL;
	}

	conf->dev_path = dm_shift_arg(as);
	if (!*conf->dev_path) {
		*error = "Empty device path";
		return -EINVAL;
	}
	if (band_parse_u64(dm_shift_arg(as), &conf->start) ||
	    conf->start != (sector_t)conf->start) {
		*error = "Invalid offset: unsigned decimal sector number expected";
		return -EINVAL;
	}
	r = band_parse_name(dm_shift_arg(as), conf->name, error);
	if (r)
		return r;
	if (band_parse_type(dm_shift_arg(as), &conf->type)) {
		*error = "Unknown type: none, pid, pgrp, uid, gid or cgroup expected";
		return -EINVAL;
	}
	if (band_parse_policy(dm_shift_arg(as), &conf->policy)) {
		*error = "Unknown policy: weight or weight-iosize expected";
		return -EINVAL;
	}
	if (band_parse_token_base(dm_shift_arg(as), &conf->token_base)) {
		*error = "Invalid token_base: 0 (automatic) to 1073741824 expected";
		return -EINVAL;
	}

	if (as->argc > BAND_MAX_GROUPS + 1 + BAND_NR_OPTIONS) {
		*error = "Too many groups: at most 131072 per device";
		return -EINVAL;
	}
	if (as->argc) {
		conf->groups = kvcalloc(as->argc, sizeof(*conf->groups),
					GFP_KERNEL);
		if (!conf->groups) {
			*error = "Cannot allocate groups";
			return -ENOMEM;
		}
	}
	while (as->argc) {
		arg = dm_shift_arg(as);
		/* a group has a colon (and may have attributes with '=') */
		if (strchr(arg, '=') && !strchr(arg, ':')) {
			if (band_parse_option(arg, conf, &have_idle,
					      &have_inject, error))
				goto bad;
			continue;
		}
		if (have_idle || have_inject) {
			*error = "Groups must come before options";
			goto bad;
		}
		if (band_parse_group(arg, conf, &have_default, error))
			goto bad;
	}

	if (conf->nr_groups > BAND_MAX_GROUPS) {
		*error = "Too many groups: at most 131072 per device";
		goto bad;
	}
	sort(conf->groups, conf->nr_groups, sizeof(*conf->groups),
	     band_cmp_group, NULL);
	for (i = 1; i < conf->nr_groups; i++) {
		if (conf->groups[i].id == conf->groups[i - 1].id) {
			*error = "Duplicate group id";
			goto bad;
		}
	}
	return 0;

bad:
	band_conf_free(conf);
	return -EINVAL;
}

/* ------------------------------------------------------------ groups */

/*
 * Groups come from a cache of their own: its objects are counted in
 * /proc/slabinfo, and fault injection can target them alone (the tests
 * fail this cache, and only it, with failslab's cache filter).
 */
static struct kmem_cache *band_grp_cache;

/*
 * Each band group has a worker, the target's release function, which
 * refills the pool and passes held bios on.  Configuration only wakes it
 * (below); it never releases a bio itself, and never calls into the
 * target: the target hands its function down through band_ctl_init().
 */
static struct workqueue_struct *band_wq;
static work_func_t band_release_fn;

int band_ctl_init(work_func_t release)
{
	band_release_fn = release;
	band_grp_cache = KMEM_CACHE(band_grp, 0);
	if (!band_grp_cache)
		return -ENOMEM;
	/*
	 * Held bios wait for the worker: high priority, as kblockd and
	 * kverityd, so that it is not queued behind the submitters' work.
	 */
	band_wq = alloc_workqueue("kbandd", WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	if (!band_wq) {
		kmem_cache_destroy(band_grp_cache);
		return -ENOMEM;
	}
	return 0;
}

void band_ctl_exit(void)
{
	rcu_barrier();		/* groups freed after a grace period */
	destroy_workqueue(band_wq);
	kmem_cache_destroy(band_grp_cache);
}

/* Run @bg's worker now; the caller holds bg->lock and sets bg->kicked. */
void band_kick_now(struct band_bg *bg)
{
	mod_delayed_work(band_wq, &bg->release_work, 0);
}

/*
 * Run @bg's worker now, from configuration (not under bg->lock).  Marked
 * kicked, so that band_schedule() does not bring a queued run of its own
 * "forward" to a later time than now (mod_delayed_work() would postpone
 * this one) until the worker has run.
 */
void band_kick(struct band_bg *bg)
{
	unsigned long flags;

	spin_lock_irqsave(&bg->lock, flags);
	bg->kicked = true;
	bg->wake_at = 0;
	band_kick_now(bg);
	spin_unlock_irqrestore(&bg->lock, flags);
}

/*
 * Run @bg's worker in @delay jiffies: unless it is queued already, or if
 * @ours (it was queued by band_kick_later() for later), sooner.
 */
void band_kick_later(struct band_bg *bg, unsigned long delay, bool ours)
{
	if (ours)
		mod_delayed_work(band_wq, &bg->release_work, delay);
	else
		queue_delayed_work(band_wq, &bg->release_work, delay);
}

static struct band_grp *band_grp_alloc(struct band_dev *bd, u64 id,
				       bool is_default)
{
	struct band_grp *grp = kmem_cache_zalloc(band_grp_cache, GFP_KERNEL);

	if (!grp)
		return NULL;
	grp->bd = bd;
	grp->id = id;
	grp->is_default = is_default;
	bio_list_init(&grp->held);
	return grp;
}

static void band_grp_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(band_grp_cache, container_of(rcu, struct band_grp, rcu));
}

/* After a grace period: the fast path finds groups under RCU. */
void band_grp_free(struct band_grp *grp)
{
	call_rcu(&grp->rcu, band_grp_free_rcu);
}

/*
 * Take a group that the I/O path can no longer find out of service: its
 * held bios move, in order, to the end of the default group's queue, for
 * the worker to release; it leaves the pool, and it is freed now if idle,
 * else by the last completion of its bios in flight.  Under band_mutex,
 * so that presuspend (which also holds it) cannot run between taking the
 * bios and queueing them elsewhere.  A device that does not hold bios
 * (not yet resumed, or presuspended) has none held: band_release_all()
 * passed them all on under the same locks when it stopped holding.
 */
static void band_grp_retire(struct band_grp *grp)
{
	struct band_dev *bd = grp->bd;
	struct band_bg *bg = bd->bg;
	unsigned long flags;
	bool idle;

	lockdep_assert_held(&band_mutex);
	spin_lock_irqsave(&bg->lock, flags);
	WARN_ON_ONCE(!bd->may_hold && grp->pg.held);
	while (grp->pg.held) {
		band_pgroup_unhold(&bg->pool, &grp->pg);
		band_pgroup_hold(&bg->pool, &bd->dflt->pg);
		bd->dflt->held_total++;
	}
	bio_list_merge(&bd->dflt->held, &grp->held);
	bio_list_init(&grp->held);
	band_pgroup_detach(&bg->pool, &grp->pg);
	grp->dead = true;
	idle = band_pgroup_idle(&grp->pg);
	spin_unlock_irqrestore(&bg->lock, flags);
	if (idle)
		band_grp_free(grp);
	band_kick(bg);
}

/* Attach a new group to the pool and make it findable by the I/O path. */
static int band_grp_add(struct band_dev *bd, u64 id, u32 weight)
{
	struct band_bg *bg = bd->bg;
	struct band_grp *grp;
	unsigned long flags;
	int r;

	lockdep_assert_held(&band_mutex);
	if (bd->nr_groups >= BAND_MAX_GROUPS)
		return -ENOSPC;
	grp = band_grp_alloc(bd, id, false);
	if (!grp)
		return -ENOMEM;
	spin_lock_irqsave(&bg->lock, flags);
	band_pgroup_attach(&bg->pool, &grp->pg, weight);
	spin_unlock_irqrestore(&bg->lock, flags);

	/*
	 * The xarray's lock is taken with interrupts on, bg->lock in
	 * completion context: the first is never nested in the second.
	 */
	r = xa_insert(bd->groups, id, grp, GFP_KERNEL);
	if (r) {
		spin_lock_irqsave(&bg->lock, flags);
		band_pgroup_detach(&bg->pool, &grp->pg);
		spin_unlock_irqrestore(&bg->lock, flags);
		band_grp_free(grp);
		return r;
	}
	bd->nr_groups++;
	return 0;
}

/*
 * Detach a group: the I/O path stops finding it (it looks groups up under
 * bg->lock, so once band_grp_retire() holds that lock no one is using
 * @grp without having counted a bio in it), then it is retired.
 */
static void band_grp_remove(struct band_grp *grp)
{
	struct band_dev *bd = grp->bd;

	lockdep_assert_held(&band_mutex);
	xa_erase(bd->groups, grp->id);
	bd->nr_groups--;
	band_grp_retire(grp);
}

static void band_grp_set_weight(struct band_grp *grp, u32 weight)
{
	struct band_bg *bg = grp->bd->bg;
	unsigned long flags;

	spin_lock_irqsave(&bg->lock, flags);
	band_pgroup_set_weight(&bg->pool, &grp->pg, weight);
	spin_unlock_irqrestore(&bg->lock, flags);
}

/*
 * Set the caps of @grp that @set has a bit for (BIT(kind)) to @limit's.
 * A cap that does not change keeps its clock (a reload allows no new
 * burst).  The caller kicks the worker: a group held at its old cap is
 * judged by the new one.
 */
static void band_grp_set_limits(struct band_grp *grp, const u64 *limit,
				unsigned int set)
{
	struct band_bg *bg = grp->bd->bg;
	unsigned long flags;
	unsigned int k;

	spin_lock_irqsave(&bg->lock, flags);
	for (k = 0; k < BAND_NR_LIMITS; k++)
		if ((set & BIT(k)) && grp->pg.limit[k].rate != limit[k])
			band_pgroup_set_limit(&bg->pool, &grp->pg, k, limit[k]);
	spin_unlock_irqrestore(&bg->lock, flags);
}

#define BAND_ALL_LIMITS	(BIT(BAND_NR_LIMITS) - 1)

/* Free groups that were prepared and never attached. */
void band_groups_free(struct xarray *groups)
{
	struct band_grp *grp;
	unsigned long id;

	if (!groups)
		return;
	xa_for_each(groups, id, grp)
		band_grp_free(grp);
	xa_destroy(groups);
	kfree(groups);
}

/*
 * Allocate a table line's groups, unattached, each with its weight in
 * pg.weight: everything band_dev_apply() needs, so that it need not
 * allocate.
 */
static struct xarray *band_groups_prepare(struct band_conf *conf)
{
	struct xarray *groups = kmalloc(sizeof(*groups), GFP_KERNEL);
	struct band_grp *grp;
	unsigned int i, k;

	if (!groups)
		return NULL;
	xa_init(groups);
	for (i = 0; i < conf->nr_groups; i++) {
		grp = band_grp_alloc(NULL, conf->groups[i].id, false);
		if (!grp)
			goto fail;
		grp->pg.weight = conf->groups[i].weight;
		/* kept here until band_dev_apply() attaches it */
		for (k = 0; k < BAND_NR_LIMITS; k++)
			grp->pg.limit[k].rate = conf->groups[i].limit[k];
		if (xa_insert(groups, grp->id, grp, GFP_KERNEL)) {
			band_grp_free(grp);
			goto fail;
		}
		cond_resched();
	}
	return groups;

fail:
	band_groups_free(groups);
	return NULL;
}

/*
 * Make a band device's groups those of a table line, prepared by
 * band_groups_prepare() (@groups is consumed).  A group already attached
 * with the same id and type stays (its counters, held bios and tokens
 * with it) and takes the line's weight; the others are retired; new ones
 * join the pool.  Allocates nothing: it runs at preresume, when the
 * devices below may be suspended and reclaim that writes to them would
 * deadlock.  The band group's policy, token_base and idle follow the line
 * when this is the group's only device.
 */
void band_dev_apply(struct band_dev *bd, struct band_conf *conf,
		    struct xarray *groups)
{
	bool same_type = bd->type == conf->type;
	struct xarray *old = bd->groups;
	struct band_bg *bg = bd->bg;
	u64 limit[BAND_NR_LIMITS];
	struct band_grp *grp, *cur;
	unsigned long flags, id;
	unsigned int n = 0, k;
	u32 weight;

	lockdep_assert_held(&band_mutex);
	/* First, so that new groups' first tokens are in the line's units. */
	if (bg->refs == 1) {
		spin_lock_irqsave(&bg->lock, flags);
		band_pool_set_policy(&bg->pool, conf->policy);
		band_pool_set_token_base(&bg->pool, conf->token_base);
		band_pool_set_idle(&bg->pool, conf->idle_us);
		band_pool_set_inject(&bg->pool, conf->inject);
		spin_unlock_irqrestore(&bg->lock, flags);
	}
	xa_for_each(groups, id, grp) {
		n++;
		cur = old && same_type ? xa_load(old, id) : NULL;
		weight = grp->pg.weight;
		for (k = 0; k < BAND_NR_LIMITS; k++)
			limit[k] = grp->pg.limit[k].rate;
		if (cur) {
			/* Replaces an entry: no allocation. */
			xa_store(groups, id, cur, GFP_NOWAIT);
			band_grp_free(grp);
			band_grp_set_weight(cur, weight);
			band_grp_set_limits(cur, limit, BAND_ALL_LIMITS);
		} else {
			grp->bd = bd;
			spin_lock_irqsave(&bg->lock, flags);
			band_pgroup_attach(&bg->pool, &grp->pg, weight);
			spin_unlock_irqrestore(&bg->lock, flags);
			band_grp_set_limits(grp, limit, BAND_ALL_LIMITS);
		}
		cond_resched();
	}

	spin_lock_irqsave(&bg->lock, flags);
	/* The fast path reads both under RCU: groups' entries are set. */
	smp_store_release(&bd->groups, groups);
	bd->nr_groups = n;
	WRITE_ONCE(bd->type, conf->type);
	band_pgroup_set_weight(&bg->pool, &bd->dflt->pg, conf->default_weight);
	spin_unlock_irqrestore(&bg->lock, flags);
	band_grp_set_limits(bd->dflt, conf->default_limit, BAND_ALL_LIMITS);

	if (old) {
		xa_for_each(old, id, grp) {
			if (xa_load(groups, id) != grp)
				band_grp_retire(grp);
			cond_resched();
		}
		/* The fast path may still be looking a bio's group up in it. */
		synchronize_rcu();
		xa_destroy(old);
		kfree(old);
	}
	band_kick(bg);
}

/* ------------------------------------------------------------ band groups */

/* The device number of a band device's own disk. */
static dev_t band_dev_devt(struct band_dev *bd)
{
	return disk_devt(dm_disk(bd->md));
}

/*
 * Is a band device of band group @name at @dev or below it, through band
 * devices?  (device-mapper does not export a walk through other targets'
 * tables: stacking through, say, a linear device in between is not seen.)
 */
#define BAND_STACK_DEPTH 16
static bool band_bg_below(const char *name, dev_t dev, int depth)
{
	struct band_dev *bd;
	struct band_bg *bg;

	if (depth > BAND_STACK_DEPTH)
		return false;
	list_for_each_entry(bg, &band_bgs, node) {
		list_for_each_entry(bd, &bg->devs, node) {
			if (band_dev_devt(bd) != dev)
				continue;
			if (!strcmp(bg->name, name) ||
			    band_bg_below(name, bd->lower, depth + 1))
				return true;
		}
	}
	return false;
}

/* Is @dev at or below @from, through band devices? */
static bool band_dev_below(dev_t dev, dev_t from, int depth)
{
	struct band_dev *bd;
	struct band_bg *bg;

	if (from == dev)
		return true;
	if (depth > BAND_STACK_DEPTH)
		return false;
	list_for_each_entry(bg, &band_bgs, node)
		list_for_each_entry(bd, &bg->devs, node)
			if (band_dev_devt(bd) == from &&
			    band_dev_below(dev, bd->lower, depth + 1))
				return true;
	return false;
}

/*
 * A band device over a band device of its own band group (directly, or
 * through band devices of other groups) would deadlock: the lower one
 * holds the upper one's bio for a refill that waits for the upper group
 * to spend its tokens, which it cannot while that bio is in flight.
 */
static bool band_stacked_on_itself(struct band_bg *bg, const char *name,
				   struct mapped_device *md, dev_t lower)
{
	dev_t self = disk_devt(dm_disk(md));
	struct band_dev *bd;

	if (band_bg_below(name, lower, 0))
		return true;
	if (!bg)
		return false;
	/* ... or below one of the group's devices. */
	list_for_each_entry(bd, &bg->devs, node)
		if (bd->md != md && band_dev_below(self, bd->lower, 0))
			return true;
	return false;
}

static struct band_bg *band_bg_find(const char *name)
{
	struct band_bg *bg;

	list_for_each_entry(bg, &band_bgs, node)
		if (!strcmp(bg->name, name))
			return bg;
	return NULL;
}

static struct band_bg *band_bg_create(struct band_conf *conf)
{
	struct band_bg *bg = kzalloc(sizeof(*bg), GFP_KERNEL);

	if (!bg)
		return NULL;
	strscpy(bg->name, conf->name, sizeof(bg->name));
	INIT_LIST_HEAD(&bg->devs);
	spin_lock_init(&bg->lock);
	band_pool_init(&bg->pool, conf->policy, conf->token_base,
		       conf->idle_us);
	band_pool_set_depth_max(&bg->pool, conf->depth_max);
	INIT_DELAYED_WORK(&bg->release_work, band_release_fn);
	list_add(&bg->node, &band_bgs);
	return bg;
}

static void band_bg_put(struct band_bg *bg)
{
	if (--bg->refs)
		return;
	list_del(&bg->node);
	cancel_delayed_work_sync(&bg->release_work);
	kfree(bg);
}

/*
 * Find or create the state of the band target @ti (its mapped device and
 * start sector) in the band group named by @conf, and prepare the line's
 * groups.  On a reload (the state exists) the prepared groups are left in
 * *@new_groups for band_dev_apply() at preresume; else they are applied
 * now and *@new_groups is NULL.  A device that would join a band group
 * with a different policy or token_base, or stack on its own band group,
 * is refused.
 */
int band_dev_get(struct dm_target *ti, dev_t lower, struct band_conf *conf,
		 struct band_dev **bdp, struct xarray **new_groups,
		 char **error)
{
	struct mapped_device *md = dm_table_get_md(ti->table);
	struct band_dev *bd, *mine = NULL;
	struct xarray *groups;
	struct band_bg *bg;
	unsigned long flags;
	bool others = false;
	int r;

	mutex_lock(&band_mutex);
	bg = band_bg_find(conf->name);
	if (band_stacked_on_itself(bg, conf->name, md, lower)) {
		*error = "Band device over a band device of the same band group";
		mutex_unlock(&band_mutex);
		return -EINVAL;
	}
	if (bg) {
		list_for_each_entry(bd, &bg->devs, node) {
			if (bd->md == md && bd->begin == ti->begin)
				mine = bd;
			else
				others = true;
		}
		spin_lock_irqsave(&bg->lock, flags);
		r = others && (bg->pool.policy != conf->policy ||
			       bg->pool.token_base != conf->token_base ||
			       band_pool_idle_us(&bg->pool) != conf->idle_us ||
			       bg->pool.inject != conf->inject);
		spin_unlock_irqrestore(&bg->lock, flags);
		if (r) {
			DMERR("band group %s: policy, token_base and idle must be %s %llu idle=%u",
			      bg->name, band_policy_names[bg->pool.policy],
			      (unsigned long long)bg->pool.token_base,
			      band_pool_idle_us(&bg->pool));
			DMERR("band group %s: and inject must be %u", bg->name,
			      bg->pool.inject);
			*error = "Band group settings differ from its other devices";
			mutex_unlock(&band_mutex);
			return -EINVAL;
		}
	}

	groups = band_groups_prepare(conf);
	if (!groups) {
		mutex_unlock(&band_mutex);
		*error = "Cannot allocate groups";
		return -ENOMEM;
	}
	if (mine) {
		mine->refs++;
		*bdp = mine;
		*new_groups = groups;
		mutex_unlock(&band_mutex);
		return 0;
	}
	if (!bg) {
		bg = band_bg_create(conf);
		if (!bg)
			goto nomem;
	}

	bd = kzalloc(sizeof(*bd), GFP_KERNEL);
	if (!bd)
		goto nomem_bg;
	bd->md = md;
	bd->begin = ti->begin;
	bd->lower = lower;
	bd->bg = bg;
	bd->refs = 1;
	bd->type = conf->type;
	bd->dflt = band_grp_alloc(bd, 0, true);
	if (!bd->dflt) {
		kfree(bd);
		goto nomem_bg;
	}
	bg->refs++;
	list_add_tail(&bd->node, &bg->devs);
	spin_lock_irqsave(&bg->lock, flags);
	band_pgroup_attach(&bg->pool, &bd->dflt->pg, conf->default_weight);
	spin_unlock_irqrestore(&bg->lock, flags);

	band_dev_apply(bd, conf, groups);
	mutex_unlock(&band_mutex);
	*bdp = bd;
	*new_groups = NULL;
	return 0;

nomem_bg:
	if (!bg->refs) {
		list_del(&bg->node);
		kfree(bg);
	}
nomem:
	band_groups_free(groups);
	mutex_unlock(&band_mutex);
	*error = "Cannot allocate band device";
	return -ENOMEM;
}

/* Drop a target's reference; the last one frees the groups (all idle). */
void band_dev_put(struct band_dev *bd)
{
	struct band_bg *bg = bd->bg;
	struct band_grp *grp;
	unsigned long flags, id;

	mutex_lock(&band_mutex);
	if (--bd->refs) {
		mutex_unlock(&band_mutex);
		return;
	}
	xa_for_each(bd->groups, id, grp) {
		band_grp_retire(grp);
		cond_resched();
	}
	xa_destroy(bd->groups);
	kfree(bd->groups);
	spin_lock_irqsave(&bg->lock, flags);
	WARN_ON_ONCE(!band_pgroup_idle(&bd->dflt->pg));
	band_pgroup_detach(&bg->pool, &bd->dflt->pg);
	spin_unlock_irqrestore(&bg->lock, flags);
	band_grp_free(bd->dflt);
	list_del(&bd->node);
	kfree(bd);
	band_bg_put(bg);
	mutex_unlock(&band_mutex);
}

/* ------------------------------------------------------------ status */

/*
 * Walks over a device's groups (status, table, reset, release) run under
 * band_mutex, which keeps the groups and their weights from changing, and
 * take bg->lock for one group at a time: at 100,000 groups a walk holding
 * the lock would keep interrupts off on its CPU, and every bio of the band
 * group waiting, for seconds.  Each group's own figures are consistent;
 * the line as a whole is not one instant (the epoch is read first).
 */
#define BAND_WALK_RESCHED	256

/* The rates that are set, as a group's attributes in the table line. */
static void band_emit_rates(const u64 *rate, char *result,
			    unsigned int maxlen, unsigned int *szp)
{
	unsigned int sz = *szp, k;

	for (k = 0; k < BAND_NR_LIMITS; k++)
		if (rate[k])
			DMEMIT(",%s=%llu", band_limit_names[k],
			       (unsigned long long)rate[k]);
	*szp = sz;
}

static void band_emit_attrs(struct band_grp *grp, char *result,
			    unsigned int maxlen, unsigned int *szp)
{
	u64 rate[BAND_NR_LIMITS];
	unsigned int k;

	for (k = 0; k < BAND_NR_LIMITS; k++)
		rate[k] = grp->pg.limit[k].rate;
	band_emit_rates(rate, result, maxlen, szp);
}

/*
 * The line `dmsetup table` prints after <dev> <offset>.  Everything in it
 * changes only under band_mutex: bg->lock is not needed.
 */
void band_emit_table(struct band_dev *bd, char *result, unsigned int maxlen,
		     unsigned int *szp)
{
	struct band_bg *bg = bd->bg;
	unsigned int sz = *szp, i = 0;
	struct band_grp *grp;
	unsigned long id;

	mutex_lock(&band_mutex);
	DMEMIT(" %s %s %s %llu :%u", bg->name, band_type_names[bd->type],
	       band_policy_names[bg->pool.policy],
	       (unsigned long long)bg->pool.token_base, bd->dflt->pg.weight);
	band_emit_attrs(bd->dflt, result, maxlen, &sz);
	xa_for_each(bd->groups, id, grp) {
		DMEMIT(" %llu:%u", (unsigned long long)grp->id, grp->pg.weight);
		band_emit_attrs(grp, result, maxlen, &sz);
		if (!(++i % BAND_WALK_RESCHED))
			cond_resched();
	}
	DMEMIT(" idle=%u", band_pool_idle_us(&bg->pool));
	if (bg->pool.inject != BAND_INJECT_DEFAULT)
		DMEMIT(" inject=%u", bg->pool.inject);
	mutex_unlock(&band_mutex);
	*szp = sz;
}

/*
 * The line of a table loaded but not yet resumed (after <dev> <offset>):
 * its own configuration, attributes included, as band_emit_table() will
 * print it once it is live.
 */
void band_emit_conf(const struct band_conf *conf, char *result,
		    unsigned int maxlen, unsigned int *szp)
{
	unsigned int sz = *szp, i;

	DMEMIT(" %s %s %s %llu :%u", conf->name, band_type_names[conf->type],
	       band_policy_names[conf->policy],
	       (unsigned long long)conf->token_base, conf->default_weight);
	band_emit_rates(conf->default_limit, result, maxlen, &sz);
	for (i = 0; i < conf->nr_groups; i++) {
		DMEMIT(" %llu:%u", (unsigned long long)conf->groups[i].id,
		       conf->groups[i].weight);
		band_emit_rates(conf->groups[i].limit, result, maxlen, &sz);
		if (!((i + 1) % BAND_WALK_RESCHED))
			cond_resched();
	}
	DMEMIT(" idle=%u", conf->idle_us);
	if (conf->inject != BAND_INJECT_DEFAULT)
		DMEMIT(" inject=%u", conf->inject);
	*szp = sz;
}

/* One group's status fields, read under bg->lock. */
static void band_emit_group(struct band_bg *bg, struct band_grp *grp,
			    char *result, unsigned int maxlen,
			    unsigned int *szp)
{
	unsigned int sz = *szp;

	spin_lock_irq(&bg->lock);
	if (grp->is_default)
		DMEMIT(" default");
	else
		DMEMIT(" %llu", (unsigned long long)grp->id);
	DMEMIT(" %u %lld %llu %llu %llu %llu %u %llu %u %llu %llu %llu %llu %llu %llu %llu",
	       grp->pg.weight,
	       (long long)band_pgroup_tokens(&bg->pool, &grp->pg),
	       (u64)atomic64_read(&grp->bios[BAND_READ]),
	       (u64)atomic64_read(&grp->sectors[BAND_READ]),
	       (u64)atomic64_read(&grp->bios[BAND_WRITE]),
	       (u64)atomic64_read(&grp->sectors[BAND_WRITE]),
	       grp->pg.held, grp->held_total, band_pgroup_in_flight(&grp->pg),
	       grp->debt_bios,
	       (unsigned long long)grp->pg.limit[BAND_LIMIT_IOPS].rate,
	       (unsigned long long)grp->pg.limit[BAND_LIMIT_BPS].rate,
	       (unsigned long long)grp->pg.limited,
	       (unsigned long long)grp->pg.limit[BAND_RESERVE_IOPS].rate,
	       (unsigned long long)grp->pg.limit[BAND_RESERVE_BPS].rate,
	       (unsigned long long)grp->pg.reserved_bios);
	spin_unlock_irq(&bg->lock);
	*szp = sz;
}

/*
 * `dmsetup status`: <band_group> <epoch> <nr_groups>, then per group
 * <id> <weight> <tokens> <read_bios> <read_sectors> <write_bios>
 * <write_sectors> <held> <held_total> <in_flight> <debt_bios> <limit_iops>
 * <limit_bps> <limited> <reserve_iops> <reserve_bps> <reserved>, the
 * default group first.  Tokens below zero are debt; a limit or
 * reservation of 0 is none; limited counts the times a cap made the
 * group's next bio wait, reserved the bios passed on its reservation.
 */
void band_emit_info(struct band_dev *bd, char *result, unsigned int maxlen,
		    unsigned int *szp)
{
	struct band_bg *bg = bd->bg;
	unsigned int sz = *szp, i = 0;
	struct band_grp *grp;
	unsigned long id;
	u64 epoch;

	mutex_lock(&band_mutex);
	spin_lock_irq(&bg->lock);
	epoch = bg->pool.epoch;
	spin_unlock_irq(&bg->lock);
	DMEMIT("%s %llu %u", bg->name, (unsigned long long)epoch,
	       bd->nr_groups + 1);
	band_emit_group(bg, bd->dflt, result, maxlen, &sz);
	xa_for_each(bd->groups, id, grp) {
		band_emit_group(bg, grp, result, maxlen, &sz);
		if (!(++i % BAND_WALK_RESCHED))
			cond_resched();
	}
	mutex_unlock(&band_mutex);
	*szp = sz;
}

/* ------------------------------------------------------------ messages */

static int band_msg_attach(struct band_dev *bd, const char *arg)
{
	u32 weight = BAND_DEFAULT_WEIGHT;
	char idstr[BAND_ID_LEN];
	const char *wstr;
	u64 id;
	int r;

	if (bd->type == BAND_TYPE_NONE) {
		DMERR("attach: type none has no groups");
		return -EINVAL;
	}
	if (band_split_group(arg, idstr, &wstr) ||
	    band_parse_id(idstr, bd->type, &id)) {
		DMERR("attach: invalid %s id in '%s'", band_type_names[bd->type],
		      arg);
		return -EINVAL;
	}
	if (wstr && band_parse_weight(wstr, &weight)) {
		DMERR("attach: invalid weight '%s': 1..1000000 expected", wstr);
		return -EINVAL;
	}
	r = band_grp_add(bd, id, weight);
	if (r == -EBUSY)
		DMERR("attach: group %llu is already attached",
		      (unsigned long long)id);
	if (r == -ENOSPC)
		DMERR("attach: too many groups: at most %u per device",
		      BAND_MAX_GROUPS);
	return r == -EBUSY || r == -ENOSPC ? -EINVAL : r;
}

static struct band_grp *band_msg_find(struct band_dev *bd, const char *verb,
				      const char *arg)
{
	struct band_grp *grp;
	u64 id;

	if (band_parse_id(arg, bd->type, &id)) {
		DMERR("%s: invalid %s id '%s'", verb, band_type_names[bd->type],
		      arg);
		return NULL;
	}
	grp = xa_load(bd->groups, id);
	if (!grp)
		DMERR("%s: no group %llu attached", verb,
		      (unsigned long long)id);
	return grp;
}

static int band_msg_weight(struct band_dev *bd, const char *arg)
{
	struct band_grp *grp = bd->dflt;
	char idstr[BAND_ID_LEN];
	const char *wstr;
	u32 weight;

	if (band_split_group(arg, idstr, &wstr)) {
		DMERR("weight: invalid argument '%s': [<id>:]<weight> expected",
		      arg);
		return -EINVAL;
	}
	if (!wstr) {
		wstr = arg;
	} else if (*idstr) {
		grp = band_msg_find(bd, "weight", idstr);
		if (!grp)
			return -EINVAL;
	}
	if (band_parse_weight(wstr, &weight)) {
		DMERR("weight: invalid weight '%s': 1..1000000 expected", wstr);
		return -EINVAL;
	}
	band_grp_set_weight(grp, weight);
	band_kick(bd->bg);
	return 0;
}

/*
 * limit|reserve [<id>:]<key>=<value>[,<key>=<value>]: the default group
 * without id; either verb takes any of the attributes.
 */
static int band_msg_limit(struct band_dev *bd, const char *verb,
			  const char *arg)
{
	u64 limit[BAND_NR_LIMITS] = { 0 };
	struct band_grp *grp = bd->dflt;
	char idstr[BAND_ID_LEN];
	const char *attrs;
	unsigned int set;
	char *error;

	if (!strchr(arg, ':')) {
		attrs = arg;	/* the default group's (may be long) */
	} else if (band_split_group(arg, idstr, &attrs)) {
		DMERR("%s: invalid argument '%s': [<id>:]<key>=<value>[,...] expected",
		      verb, arg);
		return -EINVAL;
	} else if (*idstr) {
		grp = band_msg_find(bd, verb, idstr);
		if (!grp)
			return -EINVAL;
	}
	if (band_parse_attrs(attrs, limit, &set, &error)) {
		DMERR("%s: '%s': %s", verb, attrs, error);
		return -EINVAL;
	}
	band_grp_set_limits(grp, limit, set);
	band_kick(bd->bg);
	return 0;
}

static int band_msg_type(struct band_dev *bd, const char *arg)
{
	enum band_type type;
	unsigned long flags;

	if (band_parse_type(arg, &type)) {
		DMERR("type: unknown type '%s': none, pid, pgrp, uid, gid or cgroup expected",
		      arg);
		return -EINVAL;
	}
	if (!xa_empty(bd->groups)) {
		DMERR("type: cannot change the type while groups are attached: detach them first");
		return -EINVAL;
	}
	spin_lock_irqsave(&bd->bg->lock, flags);
	WRITE_ONCE(bd->type, type);
	spin_unlock_irqrestore(&bd->bg->lock, flags);
	return 0;
}

static int band_msg_policy(struct band_dev *bd, const char *arg)
{
	enum band_policy policy;
	unsigned long flags;
	bool changed;

	if (band_parse_policy(arg, &policy)) {
		DMERR("policy: unknown policy '%s': weight or weight-iosize expected",
		      arg);
		return -EINVAL;
	}
	spin_lock_irqsave(&bd->bg->lock, flags);
	changed = band_pool_set_policy(&bd->bg->pool, policy);
	spin_unlock_irqrestore(&bd->bg->lock, flags);
	if (changed)
		band_kick(bd->bg);
	return 0;
}

static int band_msg_token(struct band_dev *bd, const char *arg)
{
	unsigned long flags;
	bool changed;
	u64 base;

	if (band_parse_token_base(arg, &base)) {
		DMERR("token: invalid token_base '%s': 0 (automatic) to 1073741824 expected",
		      arg);
		return -EINVAL;
	}
	spin_lock_irqsave(&bd->bg->lock, flags);
	changed = band_pool_set_token_base(&bd->bg->pool, base);
	spin_unlock_irqrestore(&bd->bg->lock, flags);
	if (changed)
		band_kick(bd->bg);
	return 0;
}

static int band_msg_idle(struct band_dev *bd, const char *arg)
{
	unsigned long flags;
	u32 idle_us;

	if (band_parse_idle(arg, &idle_us)) {
		DMERR("idle: invalid value '%s': 0 to 1000000 microseconds expected",
		      arg);
		return -EINVAL;
	}
	spin_lock_irqsave(&bd->bg->lock, flags);
	band_pool_set_idle(&bd->bg->pool, idle_us);
	spin_unlock_irqrestore(&bd->bg->lock, flags);
	return 0;
}

static int band_msg_inject(struct band_dev *bd, const char *arg)
{
	unsigned long flags;
	bool inject;

	if (band_parse_inject(arg, &inject)) {
		DMERR("inject: invalid value '%s': 0 or 1 expected", arg);
		return -EINVAL;
	}
	spin_lock_irqsave(&bd->bg->lock, flags);
	band_pool_set_inject(&bd->bg->pool, inject);
	spin_unlock_irqrestore(&bd->bg->lock, flags);
	band_kick(bd->bg);
	return 0;
}

static void band_grp_reset(struct band_grp *grp)
{
	int dir;

	for (dir = 0; dir < BAND_NR_DIRS; dir++) {
		atomic64_set(&grp->bios[dir], 0);
		atomic64_set(&grp->sectors[dir], 0);
	}
	grp->held_total = 0;
	grp->debt_bios = 0;
	grp->pg.limited = 0;
	grp->pg.reserved_bios = 0;
}

static int band_msg_reset(struct band_dev *bd)
{
	struct band_bg *bg = bd->bg;
	unsigned int i = 0;
	struct band_grp *grp;
	unsigned long id;

	spin_lock_irq(&bg->lock);
	band_grp_reset(bd->dflt);
	spin_unlock_irq(&bg->lock);
	xa_for_each(bd->groups, id, grp) {
		spin_lock_irq(&bg->lock);
		band_grp_reset(grp);
		spin_unlock_irq(&bg->lock);
		if (!(++i % BAND_WALK_RESCHED))
			cond_resched();
	}
	return 0;
}

/*
 * `stats`: the band group's scheduler state, for people and benchmarks:
 * epoch, learned depth, bios in flight, places kept by groups, tokens
 * injected, groups with an open lease (the fast path), the places they
 * keep, how many of them hold bios (never any) and whether any group
 * waits, groups behind their reservation and the places they keep,
 * and for each level up to just above the depth its mean
 * latency in microseconds and its samples.
 */
static int band_msg_stats(struct band_dev *bd, char *result,
			  unsigned int maxlen)
{
	struct band_pool *p = &bd->bg->pool;
	unsigned int sz = 0, k, top;
	unsigned long flags;

	spin_lock_irqsave(&bd->bg->lock, flags);
	DMEMIT("inject=%u epoch=%llu depth=%u depth_max=%u in_flight=%u reserved=%u injected=%llu",
	       p->inject, (unsigned long long)p->epoch, p->depth,
	       p->depth_max, band_pool_in_flight(p), p->reserved,
	       (unsigned long long)p->injected);
	DMEMIT(" leased=%u lease_keep=%u leased_held=%u waiting=%u",
	       p->nr_leased, p->lease_keep, band_pool_leased_held(p),
	       !list_empty(&p->waiting));
	DMEMIT(" behind=%u kept=%u", p->nr_behind, p->behind_keep);
	DMEMIT(" levels=");
	top = min(p->depth + 2, BAND_LEVELS);
	for (k = 1; k <= top; k++)
		DMEMIT("%s%u:%llu/%u", k > 1 ? "," : "", k,
		       (unsigned long long)div_u64(p->lvl_lat[k], NSEC_PER_USEC),
		       p->lvl_n[k]);
	spin_unlock_irqrestore(&bd->bg->lock, flags);
	return 1;
}

/*
 * attach <id>[:<weight>] | detach <id> | weight [<id>:]<weight> |
 * type <type> | policy <policy> | token <token_base> | idle <usec> |
 * inject <0|1> | reset | stats
 */
int band_message(struct band_dev *bd, unsigned int argc, char **argv,
		 char *result, unsigned int maxlen)
{
	struct band_grp *grp;
	int r = -EINVAL;

	mutex_lock(&band_mutex);
	if (argc == 1 && !strcasecmp(argv[0], "reset")) {
		r = band_msg_reset(bd);
	} else if (argc == 1 && !strcasecmp(argv[0], "stats")) {
		r = band_msg_stats(bd, result, maxlen);
	} else if (argc != 2) {
		DMERR("invalid message: see Documentation/dm-band.rst");
	} else if (!strcasecmp(argv[0], "attach")) {
		r = band_msg_attach(bd, argv[1]);
	} else if (!strcasecmp(argv[0], "detach")) {
		grp = band_msg_find(bd, "detach", argv[1]);
		if (grp) {
			band_grp_remove(grp);
			r = 0;
		}
	} else if (!strcasecmp(argv[0], "weight")) {
		r = band_msg_weight(bd, argv[1]);
	} else if (!strcasecmp(argv[0], "limit") ||
		   !strcasecmp(argv[0], "reserve")) {
		r = band_msg_limit(bd, argv[0], argv[1]);
	} else if (!strcasecmp(argv[0], "type")) {
		r = band_msg_type(bd, argv[1]);
	} else if (!strcasecmp(argv[0], "policy")) {
		r = band_msg_policy(bd, argv[1]);
	} else if (!strcasecmp(argv[0], "token")) {
		r = band_msg_token(bd, argv[1]);
	} else if (!strcasecmp(argv[0], "idle")) {
		r = band_msg_idle(bd, argv[1]);
	} else if (!strcasecmp(argv[0], "inject")) {
		r = band_msg_inject(bd, argv[1]);
	} else {
		DMERR("unknown message '%s'", argv[0]);
	}
	mutex_unlock(&band_mutex);
	return r;
}
