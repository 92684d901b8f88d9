// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: set, unset, reset and apply: the weights and /etc/dm-band.conf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Give job id (or the default group) weight w on b, attaching it if new. */
static int set_weight(const struct bdev *b, const struct band_job *job,
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

int cmd_set(int argc, char **argv)
{
	unsigned long long id = 0;
	struct band_job job;
	unsigned int w;
	struct bdev b;
	int r;

	(void)argc;
	if (parse_weight(argv[2], &w))
		return usage_err("invalid weight '%s' (1..%u)", argv[2],
				 BAND_WEIGHT_MAX);
	r = band_open(argv[0], &b, 0);
	if (!r) {
		r = get_job(&b, argv[1], &job, &id);
		if (!r) {
			r = set_weight(&b, &job, id, w);
			band_job_free(&job);
			if (!r)
				wrap_remember(b.name);
		}
		band_close(&b);
	}
	return dmerr(r);
}

int cmd_unset(int argc, char **argv)
{
	unsigned long long id = 0;
	struct band_job job;
	char msg[64];
	struct bdev b;
	int r;

	(void)argc;
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
		if (!r)
			wrap_remember(b.name);
	}
	if (job.name)
		band_job_free(&job);
	band_close(&b);
	return dmerr(r);
}

int cmd_reset(int argc, char **argv)
{
	struct bdev b;
	int r;

	(void)argc;
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

static int apply_wrap(struct conf_entry *e)
{
	char dm[DM_NAME_MAX + 1];
	struct dmx_targets tl;
	int r, wrapped;

	r = dev_arg(e->name, dm, sizeof(dm));
	if (!r)
		r = dmx_targets(dm, 0, &tl);
	if (r)
		return dmx_exists(dm) ? r :
			dmx_fail(EX_NODEV, "no active LV %s", e->name);
	wrapped = tl.n == 1 && !strcmp(tl.t[0].type, "band");
	dmx_targets_free(&tl);
	if (!wrapped) {
		if (!dry_run)
			r = do_wrap(e->name, &e->opts);
		if (!r) {
			describe("wrap", e->name, NULL, &e->opts);
			changes++;
		}
		return r;
	}
	return sync_dev(dm, &e->opts);
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
			band_close(&b);
			return r;
		}
	}
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

int apply_file(const char *path, int dry, int *nchanges)
{
	char msg[512], dm[DM_NAME_MAX + 1], *text;
	struct conf c;
	size_t i;
	int r = EX_OK;

	dry_run = dry;
	changes = 0;
	text = read_file(path);
	if (!text)
		return err(EX_ERR, "%s: %s", path, strerror(errno));
	if (conf_parse(text, &c, msg, sizeof(msg))) {
		free(text);
		return err(EX_USAGE, "%s: %s", path, msg);
	}
	free(text);
	for (i = 0; i < c.n; i++) {
		int (*fn)(struct conf_entry *e);
		int ri;

		fn = c.e[i].kind == CONF_CREATE ? apply_create :
		     c.e[i].kind == CONF_WRAP ? apply_wrap : apply_weight;
		if (!i) {
			r = dmx_band_registered();
			if (r)
				break;
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
	conf_free(&c);
	if (nchanges)
		*nchanges = changes;
	if (r == EX_NOMODULE || r == EX_PERM)
		dmerr(r);
	return r;
}

int cmd_apply(int argc, char **argv)
{
	const char *path = DEFAULT_CONF;
	int dry;

	dry = take_flag(&argc, argv, "--dry-run") ||
	      take_flag(&argc, argv, "-n");
	if (argc > 1)
		return usage_err("expected at most one FILE");
	if (argc == 1)
		path = argv[0];
	return apply_file(path, dry, NULL);
}
