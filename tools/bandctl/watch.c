// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: jobs bound to a cgroup's path, and watch, which keeps them
 * attached.  A cgroup job is attached by the cgroup's id, its inode number:
 * when the cgroup is removed and made again (a service restarted, a guest
 * started again), the new one has another id and the old id stays attached
 * to nothing.  set remembers the jobs given by path (cgroup:/PATH) or by
 * unit (unit:NAME) in /run/dm-band/DEV.bind, one "ID WEIGHT JOB PATH RATES"
 * a line (ID and PATH "-" while the cgroup is gone; RATES the job's caps
 * and reservations as the kernel prints them, "limit_iops=500", or "-" for
 * none); watch follows them, and gives a new id the weight and the rates.
 * An older bandctl wrote no RATES: such a line takes those of the job's
 * group while it is attached, and until then leaves them alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <unistd.h>

#include "bandctl.h"

#define BIND_EXT "bind"

struct bind {
	char id[32];
	unsigned int weight;
	char job[PATH_MAX];
	char path[PATH_MAX];
	int has_rates;		/* 0: an older bandctl's line, rates unknown */
	unsigned long long rate[BAND_NR_RATES];	/* by band_rate_names */
};

int rates_parse(const char *s, unsigned long long *rate)
{
	char buf[256], *tok, *save = NULL, *eq;
	unsigned long long v;
	size_t k;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		for (k = 0; k < BAND_NR_RATES && strcmp(tok, band_rate_names[k]);
		     k++)
			;
		if (k == BAND_NR_RATES || parse_ull(eq + 1, &v) ||
		    v > BAND_LIMIT_MAX)
			return -1;
		rate[k] = v;
	}
	return 0;
}

/* A line of a bind file into b: -1 if it is none. */
static int bind_parse(const char *line, struct bind *b)
{
	char rates[256];
	int n;

	memset(b->rate, 0, sizeof(b->rate));
	n = sscanf(line, "%31s %u %4095s %4095s %255s", b->id, &b->weight,
		   b->job, b->path, rates);
	if (n < 4)
		return -1;
	/* bad RATES: unknown, as an older bandctl's line */
	b->has_rates = n == 5 &&
		       (!strcmp(rates, "-") || !rates_parse(rates, b->rate));
	if (!b->has_rates)
		memset(b->rate, 0, sizeof(b->rate));
	return 0;
}

/* The lines of dev's bind file; *n of them, free() the array. */
static struct bind *bind_load(const char *dev, size_t *n)
{
	char *text = state_load(dev, BIND_EXT), *line, *save = NULL;
	struct bind *v = NULL, *nv, b;

	*n = 0;
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (bind_parse(line, &b))
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[(*n)++] = b;
	}
	free(text);
	return v;
}

static void bind_save(const char *dev, const struct bind *v, size_t n)
{
	char rates[BAND_ATTRS_MAX];
	struct sbuf sb = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		band_rates_fmt(rates, sizeof(rates), v[i].rate);
		sb_printf(&sb, "%s %u %s %s%s%s\n", v[i].id, v[i].weight,
			  v[i].job, v[i].path, v[i].has_rates ? " " : "",
			  !v[i].has_rates ? "" : rates[0] ? rates : "-");
	}
	if (!sb.err)
		state_save(dev, BIND_EXT, sb.s ? sb.s : "");
	sb_free(&sb);
}

/* Where job (a cgroup path or a unit) is now, and its id: 0 if found. */
static int bind_resolve(const char *jobtext, char *path, size_t len,
			unsigned long long *id)
{
	char msg[256];
	struct band_job job;
	int r = -1;

	if (band_job_parse(jobtext, &job, msg, sizeof(msg)))
		return -1;
	if (job.unit)
		r = unit_cgroup(job.name, path, len);
	else if (job.name)
		r = snprintf(path, len, "%s", job.name) >= (int)len;
	if (!r && cgroup_id(path, id))
		r = -1;
	band_job_free(&job);
	return r;
}

void bind_remember(const char *dev, const char *jobtext,
		   const struct band_job *job, unsigned long long id,
		   unsigned int weight, const unsigned long long *rate)
{
	struct bind *v, *nv;
	char path[PATH_MAX];
	unsigned long long now;
	size_t n, i;

	if (job->is_default || job->kind != BT_CGROUP || job->numeric)
		return;
	if (strlen(jobtext) >= sizeof(v->job) || strchr(jobtext, ' '))
		return;
	if (bind_resolve(jobtext, path, sizeof(path), &now) || now != id)
		return;
	v = bind_load(dev, &n);
	for (i = 0; i < n && strcmp(v[i].job, jobtext); i++)
		;
	if (i == n) {
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return;
		}
		v = nv;
		n++;
	}
	snprintf(v[i].id, sizeof(v[i].id), "%llu", id);
	v[i].weight = weight;
	v[i].has_rates = 1;
	memcpy(v[i].rate, rate, sizeof(v[i].rate));
	snprintf(v[i].job, sizeof(v[i].job), "%s", jobtext);
	snprintf(v[i].path, sizeof(v[i].path), "%s", path);
	bind_save(dev, v, n);
	free(v);
}

void bind_forget(const char *dev, unsigned long long id)
{
	char ids[32];
	struct bind *v;
	size_t n, i, k = 0;

	snprintf(ids, sizeof(ids), "%llu", id);
	v = bind_load(dev, &n);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].id, ids))
			v[k++] = v[i];
	if (k != n)
		bind_save(dev, v, k);
	free(v);
}

/*
 * Give the job of bind line bd its weight and rates on its group id (new,
 * or attached already), as set does: those that differ.  Printed.
 */
static int bind_attach(const struct bdev *b, const struct bind *bd,
		       unsigned long long id, const char *path)
{
	/* a job by id, as set_weight() and set_rates() take it */
	static const struct band_job by_id;
	unsigned int cur = band_table_weight(&b->t, id);
	char want[BAND_ATTRS_MAX];
	int r = EX_OK, rates;

	band_rates_fmt(want, sizeof(want), bd->rate);
	rates = bd->has_rates && strcmp(band_table_attrs(&b->t, id), want);
	if (cur != bd->weight)
		r = set_weight(b, &by_id, id, bd->weight);
	if (!r && rates)
		r = set_rates(b, &by_id, id, bd->rate);
	if (r || (cur == bd->weight && !rates))
		return r;
	if (!cur)
		printf("%s: %s: attached %llu (%s), weight %u%s%s\n", b->name,
		       bd->job, id, path, bd->weight, want[0] ? ", " : "", want);
	else
		printf("%s: %s: %llu (%s) set back to weight %u, %s\n", b->name,
		       bd->job, id, path, bd->weight,
		       want[0] ? want : "no caps or reservations");
	return EX_OK;
}

/* Bring dev's bound jobs to their cgroups' current ids. */
static int bind_sync(const char *dev)
{
	unsigned long long id, old;
	char msg[64], path[PATH_MAX];
	struct bind *v;
	struct bdev b;
	size_t n, i;
	int r = EX_OK, ri, changed = 0;

	v = bind_load(dev, &n);
	if (!n || band_open(dev, &b, 0)) {
		free(v);
		return EX_OK;	/* nothing bound, or the device is gone */
	}
	for (i = 0; i < n; i++) {
		int found = !bind_resolve(v[i].job, path, sizeof(path), &id);
		int had = strcmp(v[i].id, "-") && !parse_ull(v[i].id, &old);
		int attached = had && band_table_weight(&b.t, old);
		unsigned long long rate[BAND_NR_RATES] = { 0 };
		char ids[32];

		ri = EX_OK;
		/* An older bandctl's line: the rates its group has. */
		if (!v[i].has_rates && attached &&
		    !rates_parse(band_table_attrs(&b.t, old), rate)) {
			memcpy(v[i].rate, rate, sizeof(rate));
			v[i].has_rates = 1;
			changed = 1;
		}
		if (attached && (!found || id != old)) {
			snprintf(msg, sizeof(msg), "detach %llu", old);
			ri = dmx_message(dev, msg);
			if (!ri)
				printf("%s: %s: detached %llu (%s)\n", dev,
				       v[i].job, old,
				       found ? "its cgroup was made again" :
					       "its cgroup is gone");
		}
		if (!ri && found)
			ri = bind_attach(&b, &v[i], id, path);
		if (ri) {
			err(ri, "%s: %s: %s", dev, v[i].job, dmx_err);
			if (!r)
				r = ri;
			continue;
		}
		if (found)
			snprintf(ids, sizeof(ids), "%llu", id);
		else
			snprintf(ids, sizeof(ids), "-");
		if (strcmp(v[i].id, ids) ||
		    strcmp(v[i].path, found ? path : "-")) {
			memcpy(v[i].id, ids, sizeof(ids));
			snprintf(v[i].path, sizeof(v[i].path), "%s",
				 found ? path : "-");
			changed = 1;
		}
	}
	band_close(&b);
	if (changed)
		bind_save(dev, v, n);
	free(v);
	fflush(stdout);
	return r;
}

/* Watch dir (below the cgroup2 root), or its nearest existing parent. */
static void watch_dir(int fd, const char *rel)
{
	char path[PATH_MAX + 64], *slash;

	snprintf(path, sizeof(path), "%s%s", cgroup2_root(), rel);
	for (;;) {
		if (inotify_add_watch(fd, path, IN_CREATE | IN_DELETE |
				      IN_MOVED_TO | IN_MOVED_FROM) >= 0)
			return;
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return;
		*slash = '\0';
	}
}

/* One round: sync every device's bound jobs, then set the watches. */
static int watch_round(int fd)
{
	char **devs, parent[PATH_MAX], *slash;
	size_t n, i, k, nb;
	struct bind *v;
	int r = EX_OK, ri;

	state_names(BIND_EXT, &devs, &n);
	for (i = 0; i < n; i++) {
		ri = bind_sync(devs[i]);
		if (ri && !r)
			r = ri;
		v = bind_load(devs[i], &nb);
		for (k = 0; fd >= 0 && k < nb; k++) {
			/* Where the cgroup is (or was): its parent. */
			snprintf(parent, sizeof(parent), "%s",
				 strcmp(v[k].path, "-") ? v[k].path :
				 v[k].job + strcspn(v[k].job, ":") + 1);
			slash = strrchr(parent, '/');
			if (parent[0] == '/' && slash)
				*slash = '\0';
			else
				parent[0] = '\0';
			watch_dir(fd, parent);
		}
		free(v);
		free(devs[i]);
	}
	free(devs);
	if (fd >= 0)
		inotify_add_watch(fd, "/run/dm-band", IN_CLOSE_WRITE |
				  IN_MOVED_TO | IN_DELETE);
	return r;
}

int cmd_watch(struct args *a)
{
	unsigned long long secs = 5;
	int once = !!a->opt[O_ONCE];
	char buf[4096];
	int fd, r;

	if (a->opt[O_INTERVAL] &&
	    (parse_ull(a->opt[O_INTERVAL], &secs) || !secs || secs > 3600))
		return usage_err("--interval needs seconds, 1 to 3600");
	r = dmx_band_registered();
	if (r)
		return dmerr(r);
	if (once)
		return watch_round(-1);
	for (;;) {
		struct timeval tv = { .tv_sec = (time_t)secs };
		fd_set fds;

		fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (fd < 0)
			return err(EX_ERR, "inotify: %s", strerror(errno));
		watch_round(fd);
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		if (select(fd + 1, &fds, NULL, NULL, &tv) > 0) {
			/* Let a burst (rmdir, then mkdir) settle. */
			usleep(100000);
			while (read(fd, buf, sizeof(buf)) > 0)
				;
		}
		close(fd);
	}
}
