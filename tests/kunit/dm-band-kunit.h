/* SPDX-License-Identifier: GPL-2.0-only */
/* The suites of the dm-band KUnit module, registered together. */
#ifndef DM_BAND_KUNIT_H
#define DM_BAND_KUNIT_H

extern struct kunit_suite band_policy_suite;

#endif /* DM_BAND_KUNIT_H */
