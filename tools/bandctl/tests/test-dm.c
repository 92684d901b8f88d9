// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of what bandctl asks of libdevmapper without a kernel: LVM's
 * device-mapper names, and the VG lock files they lead to.
 */
#include <stdio.h>
#include <string.h>

#include "bandlib.h"
#include "dm.h"
#include "unit.h"

static void lv_dm_names(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(dmx_lv_name("vg0/data", out, sizeof(out)), EX_OK);
	assert_string_equal(out, "vg0-data");
	/* lvm2's escaping: each '-' doubled */
	assert_int_equal(dmx_lv_name("my-vg/lv-1", out, sizeof(out)), EX_OK);
	assert_string_equal(out, "my--vg-lv--1");
	assert_int_equal(dmx_lv_name("vg0", out, sizeof(out)), EX_USAGE);
	assert_int_equal(dmx_lv_name("/data", out, sizeof(out)), EX_USAGE);
	assert_int_equal(dmx_lv_name("vg0/", out, sizeof(out)), EX_USAGE);
	assert_int_equal(dmx_lv_name("a/b/c", out, sizeof(out)), EX_USAGE);
	assert_int_equal(dmx_lv_name("vg0/data", out, 8), EX_USAGE);
}

static void lv_layers(void **state)
{
	char layer[32];

	(void)state;
	dmx_lv_layer("vg0-data", layer, sizeof(layer));
	assert_string_equal(layer, "");
	dmx_lv_layer("vg0-data-real", layer, sizeof(layer));
	assert_string_equal(layer, "real");
	dmx_lv_layer("my--vg-lv--1-cow", layer, sizeof(layer));
	assert_string_equal(layer, "cow");
	dmx_lv_layer("my--vg-lv--1", layer, sizeof(layer));
	assert_string_equal(layer, "");
	dmx_lv_layer("vg0-pool-tpool", layer, sizeof(layer));
	assert_string_equal(layer, "tpool");
	dmx_lv_layer("plain", layer, sizeof(layer));
	assert_string_equal(layer, "");
}

/*
 * LVM's lock file of the VG of an LV's device-mapper name: the VG's own
 * name, as lvm2's file locking writes it, not the dm name's doubled '-'.
 */
static void lv_lock_paths(void **state)
{
	char vglv[64], vg[32], lv[32], p[64];

	(void)state;
	dmx_lv_vglv("my--vg-lv--1", vglv, sizeof(vglv));
	assert_string_equal(vglv, "my-vg/lv-1");
	assert_int_equal(vglv_split(vglv, vg, lv, sizeof(vg)), 0);
	assert_int_equal(lvm_vg_lock_path("/run/lock/lvm", vg, p, sizeof(p)),
			 0);
	assert_string_equal(p, "/run/lock/lvm/V_my-vg");
	/* a -orig layer is its LV's VG's */
	dmx_lv_vglv("a--b--c-d-orig", vglv, sizeof(vglv));
	assert_string_equal(vglv, "a-b-c/d");
	assert_int_equal(vglv_split(vglv, vg, lv, sizeof(vg)), 0);
	assert_int_equal(lvm_vg_lock_path("/run/lock/lvm", vg, p, sizeof(p)),
			 0);
	assert_string_equal(p, "/run/lock/lvm/V_a-b-c");
	dmx_lv_vglv("vg0-x", vglv, sizeof(vglv));
	assert_string_equal(vglv, "vg0/x");
	/* no LV in it: no VG to lock */
	dmx_lv_vglv("plain", vglv, sizeof(vglv));
	assert_string_equal(vglv, "");
}

int main(void)
{
	const UNIT_TEST_STRUCT tests[] = {
		cmocka_unit_test(lv_dm_names),
		cmocka_unit_test(lv_layers),
		cmocka_unit_test(lv_lock_paths),
	};

	return cmocka_run_group_tests_name("dm", tests, NULL, NULL);
}
