// SPDX-License-Identifier: GPL-2.0-only
/*
 * bandctl: the device-mapper calls, through libdevmapper.  Every function
 * returns an EX_* status and leaves a one-line reason in dmx_err.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdevmapper.h>
#include <linux/dm-ioctl.h>

#include "bandlib.h"
#include "dm.h"

char dmx_err[512];
static char dm_last[512];
static int dm_last_errno;

int dmx_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dmx_err, sizeof(dmx_err), fmt, ap);
	va_end(ap);
	return code;
}

int test_hook(const char *what, const char *name)
{
	const char *t;

	t = getenv("BANDCTL_TEST_STOP");
	if (t && !strcmp(t, name))
		raise(SIGSTOP);
	t = getenv("BANDCTL_TEST_FAIL");
	if (t && !strcmp(t, name))
		return dmx_fail(EX_ERR, "%s: %s failed (BANDCTL_TEST_FAIL)",
				what, name);
	return EX_OK;
}

/* libdevmapper's messages: keep the last error to explain a failure. */
static void dm_logger(int level, const char *file, int line, int dm_errno,
		      const char *f, ...)
{
	int saved = errno;
	va_list ap;

	(void)file;
	(void)line;
	if ((level & 0xf) > 3)	/* only _LOG_FATAL and _LOG_ERR */
		return;
	va_start(ap, f);
	vsnprintf(dm_last, sizeof(dm_last), f, ap);
	va_end(ap);
	dm_last_errno = dm_errno > 0 ? dm_errno : saved;
}

void dmx_init(void)
{
	dm_log_with_errno_init(dm_logger);
}

int dmx_lv_name(const char *vglv, char *out, size_t len)
{
	char vg[DM_NAME_LEN], lv[DM_NAME_LEN], *name;
	struct dm_pool *mem;
	int r = EX_OK;

	if (vglv_split(vglv, vg, lv, sizeof(vg)))
		return dmx_fail(EX_USAGE, "expected VG/LV, got '%s'", vglv);
	mem = dm_pool_create("bandctl", 256);
	if (!mem)
		return dmx_fail(EX_ERR, "out of memory");
	name = dm_build_dm_name(mem, vg, lv, NULL);
	if (!name)
		r = dmx_fail(EX_ERR, "out of memory");
	else if (strlen(name) >= len)
		r = dmx_fail(EX_USAGE, "name of %s too long", vglv);
	else
		strcpy(out, name);
	dm_pool_destroy(mem);
	return r;
}

void dmx_lv_layer(const char *dm, char *layer, size_t len)
{
	char buf[DM_NAME_LEN], *vg = buf, *lv, *ly = NULL;

	/* no pool: split in place, in *vg */
	str_copy(buf, sizeof(buf), dm);
	if (!dm_split_lvm_name(NULL, buf, &vg, &lv, &ly) || !ly)
		ly = "";
	str_copy(layer, len, ly);
}

void dmx_lv_vglv(const char *dm, char *out, size_t len)
{
	char buf[DM_NAME_LEN], *vg = buf, *lv = NULL, *ly = NULL;

	str_copy(buf, sizeof(buf), dm);
	if (!dm_split_lvm_name(NULL, buf, &vg, &lv, &ly) || !*vg || !lv ||
	    !*lv)
		out[0] = '\0';
	else
		snprintf(out, len, "%s/%s", vg, lv);
}

/* Why the last libdevmapper call failed, as a status and dmx_err. */
static int why(const char *what, const char *name)
{
	if (!dm_last_errno)
		dm_last_errno = errno;
	if (dm_last_errno == EACCES || dm_last_errno == EPERM ||
	    (!dm_last_errno && geteuid()))
		return dmx_fail(EX_PERM, "%s%s%s: permission denied (run as root)",
				what, name ? " " : "", name ? name : "");
	return dmx_fail(EX_ERR, "%s%s%s failed: %s", what, name ? " " : "",
			name ? name : "",
			dm_last[0] ? dm_last : "device-mapper error");
}

static void clear_last(void)
{
	dm_last[0] = '\0';
	dm_last_errno = 0;
	errno = 0;
}

/* A task, or NULL with the reason in dm_last (no control device...). */
static struct dm_task *task(int type, const char *name)
{
	struct dm_task *dmt;

	clear_last();
	dmt = dm_task_create(type);
	if (!dmt)
		return NULL;
	if (name && !dm_task_set_name(dmt, name)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

/* Run dmt; on failure say why, as what. */
static int run(struct dm_task *dmt, const char *what, const char *name)
{
	clear_last();
	if (dm_task_run(dmt))
		return EX_OK;
	return why(what, name);
}

/* dm_task_create() or a dm_task_set_*() failed. */
static int nomem(void)
{
	if (dm_last[0])
		return why("device-mapper", NULL);
	return dmx_fail(EX_ERR, "out of memory");
}

int dmx_band_registered(void)
{
	struct dm_versions *v, *last;
	struct dm_task *dmt;
	int r;

	dmt = task(DM_DEVICE_LIST_VERSIONS, NULL);
	if (!dmt)
		return nomem();
	r = run(dmt, "list targets", NULL);
	if (r)
		goto out;
	r = dmx_fail(EX_NOMODULE,
		     "the band target is not registered (load dm_band.ko: modprobe dm-band)");
	v = dm_task_get_versions(dmt);
	do {
		if (!v)
			break;
		last = v;
		if (!strcmp(v->name, "band")) {
			r = EX_OK;
			break;
		}
		v = (void *)((char *)v + v->next);
	} while (last != v);
out:
	dm_task_destroy(dmt);
	return r;
}

int dmx_info(const char *name, struct dmx_info *info)
{
	struct dm_task *dmt;
	struct dm_info i;
	const char *uuid;
	int r;

	memset(info, 0, sizeof(*info));
	dmt = task(DM_DEVICE_INFO, name);
	if (!dmt)
		return nomem();
	r = run(dmt, "info", name);
	if (r)
		goto out;
	if (!dm_task_get_info(dmt, &i)) {
		r = dmx_fail(EX_ERR, "info %s: no answer", name);
		goto out;
	}
	info->exists = i.exists;
	info->major = i.major;
	info->minor = i.minor;
	info->open_count = i.open_count;
	info->suspended = i.suspended;
	info->read_only = i.read_only;
	if (!dm_task_get_read_ahead(dmt, &info->read_ahead))
		info->read_ahead = DMX_RA_UNKNOWN;
	uuid = dm_task_get_uuid(dmt);
	snprintf(info->uuid, sizeof(info->uuid), "%s", uuid ? uuid : "");
out:
	dm_task_destroy(dmt);
	return r;
}

int dmx_exists(const char *name)
{
	struct dmx_info info;

	return !dmx_info(name, &info) && info.exists;
}

void dmx_targets_free(struct dmx_targets *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++) {
		free(tl->t[i].type);
		free(tl->t[i].params);
	}
	free(tl->t);
	memset(tl, 0, sizeof(*tl));
}

int dmx_targets(const char *name, int status, struct dmx_targets *tl)
{
	struct dm_task *dmt;
	void *next = NULL;
	int r;

	memset(tl, 0, sizeof(*tl));
	dmt = task(status ? DM_DEVICE_STATUS : DM_DEVICE_TABLE, name);
	if (!dmt)
		return nomem();
	r = run(dmt, status ? "status" : "table", name);
	if (r)
		goto out;
	do {
		uint64_t start, len;
		char *type = NULL, *params = NULL;
		struct dmx_target *nt;

		next = dm_get_next_target(dmt, next, &start, &len, &type,
					  &params);
		if (!type)
			break;
		nt = realloc(tl->t, (tl->n + 1) * sizeof(*nt));
		if (!nt) {
			r = nomem();
			break;
		}
		tl->t = nt;
		nt += tl->n;
		nt->start = start;
		nt->len = len;
		nt->type = strdup(type);
		nt->params = strdup(params ? params : "");
		tl->n++;
		if (!nt->type || !nt->params) {
			r = nomem();
			break;
		}
	} while (next);
out:
	dm_task_destroy(dmt);
	if (r)
		dmx_targets_free(tl);
	return r;
}

int dmx_names(char ***names, size_t *n)
{
	struct dm_names *nm;
	struct dm_task *dmt;
	unsigned int next = 0;
	char **v = NULL;
	int r;

	*names = NULL;
	*n = 0;
	dmt = task(DM_DEVICE_LIST, NULL);
	if (!dmt)
		return nomem();
	r = run(dmt, "list devices", NULL);
	if (r)
		goto out;
	nm = dm_task_get_names(dmt);
	if (!nm || !nm->dev)
		goto out;
	do {
		char **nv;

		nm = (void *)((char *)nm + next);
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv) {
			r = nomem();
			break;
		}
		v = nv;
		v[*n] = strdup(nm->name);
		if (!v[*n]) {
			r = nomem();
			break;
		}
		(*n)++;
		next = nm->next;
	} while (next);
out:
	dm_task_destroy(dmt);
	*names = v;
	if (r)
		dmx_names_free(names, n);
	return r;
}

void dmx_names_free(char ***names, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
	*n = 0;
}

int dmx_message(const char *name, const char *msg)
{
	struct dm_task *dmt;
	int r;

	dmt = task(DM_DEVICE_TARGET_MSG, name);
	if (!dmt)
		return nomem();
	if (!dm_task_set_sector(dmt, 0) || !dm_task_set_message(dmt, msg)) {
		dm_task_destroy(dmt);
		return nomem();
	}
	r = run(dmt, "message", name);
	if (r == EX_ERR)
		dmx_fail(EX_ERR, "%s: message '%s' refused (see the kernel log: dmesg)",
			 name, msg);
	dm_task_destroy(dmt);
	return r;
}

static int add_targets(struct dm_task *dmt, const struct dmx_targets *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		if (!dm_task_add_target(dmt, tl->t[i].start, tl->t[i].len,
					tl->t[i].type, tl->t[i].params))
			return nomem();
	return EX_OK;
}

/* Run with a udev cookie, so that /dev/mapper is up to date after. */
static int run_udev(struct dm_task *dmt, const char *what, const char *name,
		    uint16_t flags)
{
	uint32_t cookie = 0;
	int r;

	if (!dm_task_set_cookie(dmt, &cookie, flags))
		return dmx_fail(EX_ERR, "%s %s: no udev cookie", what, name);
	r = run(dmt, what, name);
	dm_udev_wait(cookie);
	return r;
}

/*
 * What LVM gives its own layers (-real, -cow): no /dev/disk links, no
 * blkid, no pvscan, no other rules.
 */
#define HIDDEN_FLAGS (DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG | \
		      DM_UDEV_DISABLE_DISK_RULES_FLAG | \
		      DM_UDEV_DISABLE_OTHER_RULES_FLAG)

int dmx_create(const char *name, const char *uuid,
	       const struct dmx_targets *tl, int flags)
{
	struct dm_task *dmt;
	int r;

	dmt = task(DM_DEVICE_CREATE, name);
	if (!dmt)
		return nomem();
	r = add_targets(dmt, tl);
	if (!r && uuid && !dm_task_set_uuid(dmt, uuid))
		r = nomem();
	if (!r && (flags & DMX_RO) && !dm_task_set_ro(dmt))
		r = nomem();
	if (!r)
		r = run_udev(dmt, "create", name,
			     (flags & DMX_HIDDEN) ? HIDDEN_FLAGS : 0);
	dm_task_destroy(dmt);
	return r;
}

int dmx_reload(const char *name, const struct dmx_targets *tl, int flags)
{
	struct dm_task *dmt;
	int r;

	dmt = task(DM_DEVICE_RELOAD, name);
	if (!dmt)
		return nomem();
	r = add_targets(dmt, tl);
	if (!r && (flags & DMX_RO) && !dm_task_set_ro(dmt))
		r = nomem();
	if (!r)
		r = run(dmt, "reload", name);
	dm_task_destroy(dmt);
	return r;
}

/* A task on name that takes no arguments. */
enum { T_UDEV = 1, T_RETRY = 2 };
static int simple_task(int type, const char *what, const char *name,
		       int flags)
{
	struct dm_task *dmt;
	int r;

	dmt = task(type, name);
	if (!dmt)
		return nomem();
	if ((flags & T_RETRY) && !dm_task_retry_remove(dmt))
		r = nomem();
	else if (flags & T_UDEV)
		r = run_udev(dmt, what, name, 0);
	else
		r = run(dmt, what, name);
	dm_task_destroy(dmt);
	return r;
}

int dmx_suspend(const char *name)
{
	return simple_task(DM_DEVICE_SUSPEND, "suspend", name, 0);
}

int dmx_resume(const char *name)
{
	return simple_task(DM_DEVICE_RESUME, "resume", name, T_UDEV);
}

int dmx_resume_hidden(const char *name)
{
	struct dm_task *dmt;
	int r;

	dmt = task(DM_DEVICE_RESUME, name);
	if (!dmt)
		return nomem();
	r = run_udev(dmt, "resume", name, HIDDEN_FLAGS);
	dm_task_destroy(dmt);
	return r;
}

int dmx_resume_ra(const char *name, unsigned int read_ahead)
{
	struct dm_task *dmt;
	int r = EX_OK;

	if (read_ahead == DMX_RA_UNKNOWN)
		return dmx_resume(name);
	dmt = task(DM_DEVICE_RESUME, name);
	if (!dmt)
		return nomem();
	if (!dm_task_set_read_ahead(dmt, read_ahead, 0))
		r = nomem();
	if (!r)
		r = run_udev(dmt, "resume", name, 0);
	dm_task_destroy(dmt);
	return r;
}

int dmx_clear(const char *name)
{
	return simple_task(DM_DEVICE_CLEAR, "clear", name, 0);
}

int dmx_remove(const char *name)
{
	return simple_task(DM_DEVICE_REMOVE, "remove", name, T_UDEV | T_RETRY);
}
