// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: set, unset, reset and apply: the weights and /etc/dm-band.conf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bandctl.h"

/* Parse and resolve JOB for b: EX_BADJOB with a reason when bad. */
static int get_job(const struct bdev *b, const char *s, struct band_job *job,
		   unsigned long long *id)
{
	char msg[256];
	int r;

	if (band_job_parse(s, job, msg, sizeof(msg)))
		return dmx_fail(EX_BADJOB, "%s", msg);
	r = job_resolve(job, b->t.type, id);
	if (r)
		band_job_free(job);
	return r;
}

int set_weight(const struct bdev *b, const struct band_job *job,
	       unsigned long long id, unsigned int w)
{
	char msg[64];

	if (job->is_default)
		snprintf(msg, sizeof(msg), "weight %u", w);
	else if (band_table_weight(&b->t, id))
		snprintf(msg, sizeof(msg), "weight %llu:%u", id, w);
	else
		snprintf(msg, sizeof(msg), "attach %llu:%u", id, w);
	return dmx_message(b->name, msg);
}

/* set's rate options, and the attribute each sets; IOPS are plain counts. */
static const struct {
	int opt;
	const char *name, *attr;
	int iops;
} rate_opts[] = {
	{ O_LIMIT_IOPS, "--limit-iops", "limit_iops", 1 },
	{ O_LIMIT_BW, "--limit-bw", "limit_bps", 0 },
	{ O_RESERVE_IOPS, "--reserve-iops", "reserve_iops", 1 },
	{ O_RESERVE_BW, "--reserve-bw", "reserve_bps", 0 },
};

/*
 * The caps and reservations set's options give, as a limit message's
 * attributes ("limit_iops=N,reserve_bps=M"); "" if none.
 */
static int limit_attrs(const struct args *a, char *buf, size_t len)
{
	unsigned long long v;
	const char *s;
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(rate_opts); i++) {
		s = a->opt[rate_opts[i].opt];
		if (!s)
			continue;
		/* 10K IOPS would be ambiguous: counts of bios are plain */
		if (rate_opts[i].iops ? strcmp(s, "none") &&
		    (parse_ull(s, &v) || v > BAND_LIMIT_MAX) :
		    parse_limit(s, &v))
			return usage_err("invalid %s '%s' (%s)", rate_opts[i].name,
					 s, rate_opts[i].iops ?
					 "bios per second, or none" :
					 "bytes per second: 10M, 1G; or none");
		if (rate_opts[i].iops && !strcmp(s, "none"))
			v = 0;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s=%llu",
			 buf[0] ? "," : "", rate_opts[i].attr, v);
	}
	return EX_OK;
}

/* Set the caps @attrs (a limit message's) of job id (or the default group). */
static int set_limits(const struct bdev *b, const struct band_job *job,
		      unsigned long long id, const char *attrs)
{
	char msg[200];

	if (job->is_default)
		snprintf(msg, sizeof(msg), "limit %s", attrs);
	else
		snprintf(msg, sizeof(msg), "limit %llu:%s", id, attrs);
	return dmx_message(b->name, msg);
}

int set_rates(const struct bdev *b, const struct band_job *job,
	      unsigned long long id, const unsigned long long *rate)
{
	char all[160];
	size_t k, n = 0;

	for (k = 0; k < BAND_NR_RATES; k++)
		n += (size_t)snprintf(all + n, sizeof(all) - n, "%s%s=%llu",
				      k ? "," : "", band_rate_names[k], rate[k]);
	return set_limits(b, job, id, all);
}

int cmd_set(struct args *a)
{
	char **argv = a->argv;
	unsigned long long id = 0;
	struct band_job job;
	char attrs[160];
	unsigned int w;
	struct bdev b;
	int r;

	if (parse_weight(argv[2], &w))
		return usage_err("invalid weight '%s' (1..%u)", argv[2],
				 BAND_WEIGHT_MAX);
	r = limit_attrs(a, attrs, sizeof(attrs));
	if (r)
		return r;
	r = band_open(argv[0], &b, 0);
	if (!r) {
		r = get_job(&b, argv[1], &job, &id);
		if (!r) {
			r = set_weight(&b, &job, id, w);
			if (!r && attrs[0])
				r = set_limits(&b, &job, id, attrs);
			if (!r) {
				/* what it had, and what set changed */
				unsigned long long rate[BAND_NR_RATES] = { 0 };

				rates_parse(band_table_attrs(&b.t, id), rate);
				rates_parse(attrs, rate);
				bind_remember(b.name, argv[1], &job, id, w, rate);
			}
			band_job_free(&job);
			if (!r)
				wrap_remember(b.name);
		}
		band_close(&b);
	}
	return dmerr(r);
}

int cmd_unset(struct args *a)
{
	char **argv = a->argv;
	unsigned long long id = 0;
	struct band_job job;
	char msg[64];
	struct bdev b;
	int r;

	r = band_open(argv[0], &b, 0);
	if (r)
		return dmerr(r);
	r = get_job(&b, argv[1], &job, &id);
	if (!r && job.is_default)
		r = dmx_fail(EX_BADJOB, "the default group cannot be detached");
	else if (!r && !band_table_weight(&b.t, id))
		r = dmx_fail(EX_BADJOB, "%s is not attached to %s", argv[1],
			     b.name);
	if (!r) {
		snprintf(msg, sizeof(msg), "detach %llu", id);
		r = dmx_message(b.name, msg);
		if (!r) {
			bind_forget(b.name, id);
			wrap_remember(b.name);
		}
	}
	if (job.name)
		band_job_free(&job);
	band_close(&b);
	return dmerr(r);
}

int cmd_reset(struct args *a)
{
	char **argv = a->argv;
	struct bdev b;
	int r;

	r = band_open(argv[0], &b, 0);
	if (!r) {
		r = dmx_message(b.name, "reset");
		if (!r)
			state_mark_reset(b.name);
		band_close(&b);
	}
	return dmerr(r);
}

/* ------------------------------------------------------------ apply */

static int dry_run, changes;

/* A weight line met by this apply: its device and job. */
struct seen {
	char dm[DM_NAME_MAX + 1];
	int is_default;
	int resolved;		/* id is known */
	unsigned long long id;
	const char *job;	/* as written in the file */
};

static struct seen *seen;
static size_t nseen;

static void see(const char *dm, const struct band_job *job, int resolved,
		unsigned long long id, const char *text)
{
	struct seen *n = realloc(seen, (nseen + 1) * sizeof(*seen));

	if (!n)
		return;		/* then it is unset: said, not hidden */
	seen = n;
	snprintf(seen[nseen].dm, sizeof(seen[nseen].dm), "%s", dm);
	seen[nseen].is_default = job->is_default;
	seen[nseen].resolved = resolved || job->is_default;
	seen[nseen].id = id;
	seen[nseen].job = text;
	nseen++;
}

/* One setting of an existing device: message it when it differs. */
static int change(const char *name, const char *key, const char *was,
		  const char *want)
{
	char msg[96];

	if (!strcmp(was, want))
		return EX_OK;
	printf("%s: %s %s (was %s)\n", name, key, want, was);
	changes++;
	if (dry_run)
		return EX_OK;
	snprintf(msg, sizeof(msg), "%s %s", key, want);
	return dmx_message(name, msg);
}

/* Bring b's settings to those given in o. */
static int sync_opts(const struct bdev *b, const struct band_opts *o)
{
	char was[32], want[32];
	int r = EX_OK;

	if ((o->set & OPT_BG) && strcmp(o->band_group, b->t.band_group))
		return dmx_fail(EX_ERR,
				"%s: band group is %s, the configuration says %s: remove it and apply again",
				b->name, b->t.band_group, o->band_group);
	if (o->set & OPT_TYPE)
		r = change(b->name, "type", band_type_names[b->t.type],
			   band_type_names[o->type]);
	if (!r && (o->set & OPT_POLICY))
		r = change(b->name, "policy", band_policy_names[b->t.policy],
			   band_policy_names[o->policy]);
	if (!r && (o->set & OPT_TOKEN)) {
		snprintf(was, sizeof(was), "%llu", b->t.token_base);
		snprintf(want, sizeof(want), "%llu", o->token_base);
		r = change(b->name, "token", was, want);
	}
	if (!r && (o->set & OPT_IDLE)) {
		snprintf(was, sizeof(was), "%llu", b->t.idle);
		snprintf(want, sizeof(want), "%llu", o->idle);
		r = change(b->name, "idle", was, want);
	}
	if (!r && (o->set & OPT_INJECT)) {
		/* a table line without inject= has the kernel's default */
		snprintf(was, sizeof(was), "%d",
			 b->t.inject < 0 ? BAND_INJECT_DFLT : b->t.inject);
		snprintf(want, sizeof(want), "%d", o->inject);
		r = change(b->name, "inject", was, want);
	}
	return r;
}

/* Bring band device name's settings to those given in o. */
static int sync_dev(const char *name, const struct band_opts *o)
{
	struct bdev b;
	int r;

	r = band_open(name, &b, 0);
	if (r)
		return r;
	r = sync_opts(&b, o);
	band_close(&b);
	return r;
}

static int apply_create(struct conf_entry *e)
{
	int r;

	if (!dmx_exists(e->name)) {
		if (dry_run) {
			describe("create", e->name, e->dev, &e->opts);
			changes++;
			return EX_OK;
		}
		r = do_create(e->name, e->dev, &e->opts);
		if (!r) {
			describe("create", e->name, e->dev, &e->opts);
			changes++;
		}
		return r;
	}
	return sync_dev(e->name, &e->opts);
}

/*
 * An apply --device, as 90-dm-band.rules runs on every change event of a
 * device: a wrap that fails after the LV was suspended is rolled back, and
 * the resume sends a change event of its own.  So that this cannot loop,
 * a failed wrap is remembered with the LV's table then
 * (/run/dm-band/NAME.failed) and not tried again by apply --device until
 * the table changes; apply without --device and check --repair retry.
 */
static int auto_mode;

/* The LV's table, as one line: what a failure is remembered by. */
static void table_key(const char *dm, char *buf, size_t len)
{
	struct dmx_targets tl;
	size_t i, n = 0;

	buf[0] = '\0';
	if (dmx_targets(dm, 0, &tl))
		return;
	for (i = 0; i < tl.n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%llu %llu %s %s",
				      i ? "; " : "", tl.t[i].start, tl.t[i].len,
				      tl.t[i].type, tl.t[i].params);
	dmx_targets_free(&tl);
}

/* Before a wrap by apply --device: EX_ERR if it failed on this table. */
static int wrap_may_retry(const char *dm, char *key, size_t len)
{
	char *prev, *why;
	int r = EX_OK;

	table_key(dm, key, len);
	if (!auto_mode)
		return EX_OK;
	prev = state_load(dm, "failed");
	why = prev ? strchr(prev, '\n') : NULL;
	if (why) {
		*why++ = '\0';
		why[strcspn(why, "\n")] = '\0';
		if (!strcmp(prev, key))
			r = dmx_fail(EX_ERR,
				     "%s: not wrapped again: it failed with this table (%.300s); bandctl apply without --device, or check --repair, tries again",
				     dm, why);
	}
	free(prev);
	return r;
}

/* After a wrap: remember a failure, forget it after a success. */
static void wrap_tried(const char *dm, const char *key, int r)
{
	struct sbuf sb = { 0 };

	if (!r) {
		state_save(dm, "failed", "");
		return;
	}
	if (!auto_mode)
		return;
	sb_printf(&sb, "%s\n%s\n", key, dmx_err);
	if (!sb.err)
		state_save(dm, "failed", sb.s);
	sb_free(&sb);
}

/*
 * An LV whose wrap LVM undid while it stayed active (lvextend, lvresize,
 * lvchange --refresh, the end of a pvmove or of a snapshot), its -orig
 * orphaned, and whose band table was saved: wrap it again with that table
 * (options and weights, those set by hand too), at its new size, over the
 * orphan.  *done when it was (or, dry, would be).
 *
 * Under LVM's lock on the VG: the udev rule runs this as soon as LVM's
 * command resumes the LV, and that command, or the next one on the VG, is
 * not to change the LV in the middle of the re-wrap.  A failure keeps the
 * saved table and the orphan: the next apply tries again.
 */
static int lost_rewrap(const char *dm, int *done)
{
	char key[4096], *saved;
	int r = EX_OK;

	*done = 0;
	saved = state_load_wrap(dm);
	/* a first look without the lock: nothing to do, most of the time */
	if (!saved || !wrap_orphaned(dm)) {
		free(saved);
		return EX_OK;
	}
	if (!dry_run) {
		r = lv_lock(dm);
		if (r) {
			free(saved);
			return r;
		}
	}
	/* again, now that no LVM command is at it */
	if (!wrap_orphaned(dm))
		goto out;
	r = wrap_may_retry(dm, key, sizeof(key));
	if (r)
		goto out;
	if (!dry_run) {
		r = rewrap(dm, saved, WRAP_ORPHAN);
		wrap_tried(dm, key, r);
		if (r)
			goto out;
	}
	printf("%s: wrap again with its saved table and weights, over %s%s",
	       dm, dm, ORIG_SUFFIX);
	printf(" (LVM loaded its own table)\n");
	changes++;
	*done = 1;
out:
	if (!dry_run)
		lv_unlock();
	free(saved);
	return r;
}

static int wrap_entry(struct conf_entry *e, const char *dm)
{
	char key[4096];
	struct dmx_targets tl;
	int r, wrapped, done;

	r = dmx_targets(dm, 0, &tl);
	if (r)
		return dmx_exists(dm) ? r :
			dmx_fail(EX_NODEV, "no active LV %s", e->name);
	wrapped = tl.n == 1 && !strcmp(tl.t[0].type, "band");
	dmx_targets_free(&tl);
	if (!wrapped) {
		r = lost_rewrap(dm, &done);
		if (r || done)
			return r || dry_run ? r : sync_dev(dm, &e->opts);
		r = wrap_may_retry(dm, key, sizeof(key));
		if (!r && !dry_run) {
			r = do_wrap(e->name, &e->opts, WRAP_ORPHAN);
			wrap_tried(dm, key, r);
		}
		if (!r) {
			describe("wrap", e->name, NULL, &e->opts);
			changes++;
		}
		return r;
	}
	return sync_dev(dm, &e->opts);
}

/* Under LVM's lock on the VG, from the look at the LV to the wrap. */
static int apply_wrap(struct conf_entry *e)
{
	char dm[DM_NAME_MAX + 1];
	int r;

	r = dev_arg(e->name, dm, sizeof(dm));
	if (!r && !dry_run)
		r = lv_lock(dm);
	if (r)
		return r;
	r = wrap_entry(e, dm);
	if (!dry_run)
		lv_unlock();
	return r;
}

/*
 * A weight line's caps and reservations: the file's, all of them (one not
 * given is none), as it does the weight.
 */
static int apply_rates(const struct conf_entry *e, const char *dm,
		       const struct bdev *b, const struct band_job *job,
		       unsigned long long id)
{
	char want[160];
	const char *cur;

	cur = job->is_default ? b->t.dflt_attrs : band_table_attrs(&b->t, id);
	band_rates_fmt(want, sizeof(want), e->rate);
	if (!strcmp(cur, want))
		return EX_OK;
	printf("%s: rates %s %s (was %s)\n", dm, e->job, want[0] ? want : "none",
	       cur[0] ? cur : "none");
	changes++;
	if (dry_run)
		return EX_OK;
	return set_rates(b, job, id, e->rate);
}

static int apply_weight(struct conf_entry *e)
{
	char dm[DM_NAME_MAX + 1], was[256];
	unsigned long long id = 0;
	struct band_job job;
	unsigned int cur;
	struct bdev b;
	int r;

	r = dev_arg(e->name, dm, sizeof(dm));
	if (!r)
		r = band_open(dm, &b, 0);
	if (r && !(dry_run && (r == EX_NODEV || r == EX_NOTBAND)))
		return r;
	if (r) {
		/* To be created or wrapped by an earlier line: all new. */
		memset(&b, 0, sizeof(b));
		b.t.dflt_weight = 100;
		if (band_job_parse(e->job, &job, was, sizeof(was)))
			return dmx_fail(EX_BADJOB, "%s", was);
		r = EX_OK;
	} else {
		r = get_job(&b, e->job, &job, &id);
		if (r) {
			/* Still in the file: not to be unset. */
			job.is_default = 0;
			see(dm, &job, 0, 0, e->job);
			band_close(&b);
			return r;
		}
	}
	see(dm, &job, b.name[0] != '\0', id, e->job);
	cur = job.is_default ? b.t.dflt_weight : band_table_weight(&b.t, id);
	if (cur != e->weight) {
		if (cur)
			snprintf(was, sizeof(was), "was %u", cur);
		else
			snprintf(was, sizeof(was), "not attached");
		printf("%s: weight %s %u (%s)\n", dm, e->job, e->weight, was);
		changes++;
		if (!dry_run)
			r = set_weight(&b, &job, id, e->weight);
	}
	if (!r)
		r = apply_rates(e, dm, &b, &job, id);
	if (!r && !dry_run && b.name[0])
		bind_remember(dm, e->job, &job, id, e->weight, e->rate);
	band_job_free(&job);
	band_close(&b);
	return r;
}

static char *read_file(const char *path)
{
	struct sbuf sb = { 0 };
	char buf[4096];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_printf(&sb, "%.*s", (int)n, buf);
	if (ferror(f) || sb.err) {
		fclose(f);
		sb_free(&sb);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	return sb.s ? sb.s : strdup("");
}

/* The device-mapper name a line of the file is about. */
static int entry_dm(const struct conf_entry *e, char *dm, size_t len)
{
	if (e->kind == CONF_CREATE) {
		snprintf(dm, len, "%s", e->name);
		return EX_OK;
	}
	return dev_arg(e->name, dm, len);
}

/* Was job (id, or the default group) of dm given by a weight line? */
static int seen_has(const char *dm, int is_default, unsigned long long id,
		    const char *text)
{
	size_t i;

	for (i = 0; i < nseen; i++) {
		if (strcmp(seen[i].dm, dm))
			continue;
		if (is_default ? seen[i].is_default :
		    (seen[i].resolved && !seen[i].is_default &&
		     seen[i].id == id) || !strcmp(seen[i].job, text))
			return 1;
	}
	return 0;
}

/*
 * Unset on dm what an earlier apply set and the file no longer gives: a
 * job detached, the default group back to 100.  Then remember what the
 * file gives now.
 */
#define NO_RATES "limit limit_iops=0,limit_bps=0,reserve_iops=0,reserve_bps=0"

static int unset_removed(const char *path, const char *dm)
{
	char *prev, *line, *save = NULL, msg[64], id_s[32], job[256];
	struct sbuf now = { 0 };
	unsigned long long id;
	struct bdev b;
	size_t i;
	int r = EX_OK, ri;

	if (band_open(dm, &b, 0))
		return EX_OK;	/* gone, or not (yet) a band device */
	prev = state_load_applied(dm);
	line = prev ? strtok_r(prev, "\n", &save) : NULL;
	/* The first line names the file: undo only what this file set. */
	if (line && (strncmp(line, "file ", 5) || strcmp(line + 5, path))) {
		for (i = 0; i < nseen && strcmp(seen[i].dm, dm); i++)
			;
		if (i == nseen) {
			free(prev);
			band_close(&b);
			return EX_OK;	/* another file's */
		}
		line = NULL;
	}
	for (line = line ? strtok_r(NULL, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		int dflt;
		unsigned int w;

		if (sscanf(line, "%31s %255s", id_s, job) != 2)
			continue;
		dflt = !strcmp(id_s, "default");
		if (!dflt && parse_ull(id_s, &id))
			continue;
		if (seen_has(dm, dflt, dflt ? 0 : id, job))
			continue;
		w = dflt ? b.t.dflt_weight : band_table_weight(&b.t, id);
		if (dflt && b.t.dflt_attrs[0]) {
			/* its caps and reservations go with its line */
			printf("%s: rates default none (was %s; not in %s)\n",
			       dm, b.t.dflt_attrs, path);
			changes++;
			ri = dry_run ? EX_OK : dmx_message(dm, NO_RATES);
			if (ri) {
				err(ri, "%s: %s", dm, dmx_err);
				if (!r)
					r = ri;
			}
		}
		if (dflt && w != 100) {
			printf("%s: weight default 100 (was %u; not in %s)\n", dm,
			       w, path);
			snprintf(msg, sizeof(msg), "weight 100");
		} else if (!dflt && w) {
			printf("%s: unset %s (was %u; not in %s)\n", dm, job, w,
			       path);
			snprintf(msg, sizeof(msg), "detach %llu", id);
		} else {
			continue;
		}
		changes++;
		if (dry_run)
			continue;
		ri = dmx_message(dm, msg);
		if (ri && !r)
			r = ri;
		if (ri)
			err(ri, "%s: %s", dm, dmx_err);
		else if (!dflt)
			bind_forget(dm, id);
	}
	free(prev);
	band_close(&b);
	if (dry_run)
		return r;
	sb_printf(&now, "file %s\n", path);
	for (i = 0; i < nseen; i++) {
		if (strcmp(seen[i].dm, dm) || !seen[i].resolved)
			continue;
		if (seen[i].is_default)
			sb_printf(&now, "default default\n");
		else
			sb_printf(&now, "%llu %s\n", seen[i].id, seen[i].job);
	}
	/* Nothing set on dm: no state (the first line is the file's). */
	if (!now.err)
		state_save_applied(dm, strchr(now.s, '\n')[1] ? now.s : "");
	sb_free(&now);
	return r;
}

/* unset_removed() on every device the file sets weights on, or did. */
static int unset_all_removed(const char *path, const char *only)
{
	char **names;
	size_t n, i, k;
	int r = EX_OK, ri;

	state_applied_names(&names, &n);
	for (i = 0; i < n; i++) {
		if (!only || !strcmp(only, names[i])) {
			ri = unset_removed(path, names[i]);
			if (ri && !r)
				r = ri;
		}
	}
	/* Devices the file weights for the first time: remember them. */
	for (i = 0; i < nseen; i++) {
		int done = 0;

		for (k = 0; k < n && !done; k++)
			done = !strcmp(names[k], seen[i].dm);
		for (k = 0; k < i && !done; k++)
			done = !strcmp(seen[k].dm, seen[i].dm);
		if (!done && (!only || !strcmp(only, seen[i].dm)))
			unset_removed(path, seen[i].dm);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int apply_file(const char *path, int dry, const char *device, int *nchanges)
{
	char msg[512], dm[DM_NAME_MAX + 1], only[DM_NAME_MAX + 1], *text;
	int r = EX_OK, lock = -1, checked = 0, rl = EX_OK;
	char *abs = NULL;
	struct conf c;
	size_t i;

	dry_run = dry;
	changes = 0;
	nseen = 0;
	auto_mode = !!device;
	if (device) {
		r = dev_arg(device, only, sizeof(only));
		if (r)
			return dmerr(r);
	}
	text = read_file(path);
	if (!text && !(device && errno == ENOENT))
		return err(EX_ERR, "%s: %s", path, strerror(errno));
	if (device) {
		int done;

		/*
		 * A wrap LVM undid, by hand or from the file: before its
		 * lines.  If it failed, the device is not a band device, and
		 * its lines would only say so again (or wait for LVM's lock
		 * once more): they are left for the next try.
		 */
		if (!dry)
			lock = state_lock();
		rl = lost_rewrap(only, &done);
		fflush(stdout);
		if (rl)
			err(rl, "%s", dmx_err);
		if (!text || rl) {
			free(text);
			if (lock >= 0)
				close(lock);
			if (nchanges)
				*nchanges = changes;
			return rl;	/* no file: only that */
		}
	}
	/* The state names the file by its absolute path. */
	abs = realpath(path, NULL);
	if (abs)
		path = abs;
	if (conf_parse(text, &c, msg, sizeof(msg))) {
		free(text);
		r = err(EX_USAGE, "%s: %s", path, msg);
		free(abs);
		if (lock >= 0)
			close(lock);
		return r;
	}
	free(text);
	if (!dry && lock < 0)
		lock = state_lock();
	for (i = 0; i < c.n; i++) {
		int (*fn)(struct conf_entry *e);
		int ri;

		if (device && (entry_dm(&c.e[i], dm, sizeof(dm)) ||
			       strcmp(dm, only)))
			continue;
		fn = c.e[i].kind == CONF_CREATE ? apply_create :
		     c.e[i].kind == CONF_WRAP ? apply_wrap : apply_weight;
		if (!checked++) {
			r = dmx_band_registered();
			if (r) {
				dmerr(r);
				break;
			}
		}
		ri = fn(&c.e[i]);
		fflush(stdout);
		if (ri) {
			err(ri, "%s: line %d: %s", path, c.e[i].line, dmx_err);
			if (!r)
				r = ri;
		} else if (!dry && !dev_arg(c.e[i].name, dm, sizeof(dm))) {
			wrap_remember(dm);
		}
	}
	if (!checked || c.n == 0 || !dmx_band_registered()) {
		int ru = unset_all_removed(path, device ? only : NULL);

		fflush(stdout);
		if (!r)
			r = ru;
		if (!dry)
			for (i = 0; i < c.n; i++)
				if (!entry_dm(&c.e[i], dm, sizeof(dm)) &&
				    (!device || !strcmp(dm, only)))
					wrap_remember(dm);
	}
	if (lock >= 0)
		close(lock);
	if (!r)
		r = rl;
	free(seen);
	seen = NULL;
	nseen = 0;
	conf_free(&c);
	free(abs);
	if (nchanges)
		*nchanges = changes;
	return r;
}

int cmd_apply(struct args *a)
{
	const char *path = a->argc ? a->argv[0] : DEFAULT_CONF;

	if (a->opt[O_DEVICE] && !*a->opt[O_DEVICE])
		return usage_err("--device needs a device name");
	return apply_file(path, !!a->opt[O_DRY_RUN], a->opt[O_DEVICE], NULL);
}
