// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of what bandctl asks of libdevmapper without a kernel: LVM's
 * device-mapper names.
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

int main(void)
{
	const UNIT_TEST_STRUCT tests[] = {
		cmocka_unit_test(lv_dm_names),
		cmocka_unit_test(lv_layers),
	};

	return cmocka_run_group_tests_name("dm", tests, NULL, NULL);
}
