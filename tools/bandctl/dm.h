/* SPDX-License-Identifier: GPL-2.0-only */
/* bandctl: the device-mapper calls (dm.c). */
#ifndef BANDCTL_DM_H
#define BANDCTL_DM_H

#include <stddef.h>
#include <stdint.h>

/* The reason of the last failure, one line. */
extern char dmx_err[512];
__printf(2, 3) int dmx_fail(int code, const char *fmt, ...);
/*
 * For the tests: BANDCTL_TEST_STOP=STEP stops bandctl (SIGSTOP) before
 * STEP, BANDCTL_TEST_FAIL=STEP makes STEP fail (EX_ERR, "what: STEP
 * failed").
 */
int test_hook(const char *what, const char *name);
void dmx_init(void);

#define DMX_RA_UNKNOWN UINT32_MAX

struct dmx_info {
	int exists, suspended, open_count, read_only;
	uint32_t major, minor;
	unsigned int read_ahead;	/* sectors, or DMX_RA_UNKNOWN */
	char uuid[130];
};

struct dmx_target {
	unsigned long long start, len;
	char *type, *params;
};

struct dmx_targets {
	size_t n;
	struct dmx_target *t;
};

/*
 * LVM's device-mapper name of VG/LV, as lvm2 builds it (dm_build_dm_name:
 * each '-' in VG and LV doubled, then joined by '-'): EX_USAGE if vglv is
 * not VG/LV or the name is too long for out.
 */
int dmx_lv_name(const char *vglv, char *out, size_t len);
/*
 * The layer of an LVM device-mapper name, as lvm2 reads it
 * (dm_split_lvm_name): "real" for VG-LV-real, "" for an LV's own device.
 */
void dmx_lv_layer(const char *dm, char *layer, size_t len);
/* VG/LV of an LVM device-mapper name (dm_split_lvm_name), "" if none. */
void dmx_lv_vglv(const char *dm, char *out, size_t len);

int dmx_band_registered(void);
int dmx_info(const char *name, struct dmx_info *info);
int dmx_exists(const char *name);
int dmx_targets(const char *name, int status, struct dmx_targets *tl);
void dmx_targets_free(struct dmx_targets *tl);
int dmx_names(char ***names, size_t *n);
void dmx_names_free(char ***names, size_t *n);
int dmx_message(const char *name, const char *msg);
/* create and reload flags: hidden from udev's rules, read-only */
enum { DMX_HIDDEN = 1, DMX_RO = 2 };
int dmx_create(const char *name, const char *uuid,
	       const struct dmx_targets *tl, int flags);
int dmx_reload(const char *name, const struct dmx_targets *tl, int flags);
int dmx_suspend(const char *name);
int dmx_resume(const char *name);
/* Resume a layer, its change event with DMX_HIDDEN's udev flags. */
int dmx_resume_hidden(const char *name);
/* Resume, setting the read-ahead (sectors) unless DMX_RA_UNKNOWN. */
int dmx_resume_ra(const char *name, unsigned int read_ahead);
int dmx_clear(const char *name);
int dmx_remove(const char *name);

#endif
