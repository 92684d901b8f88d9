/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-band: the one place for kernel-version differences.
 *
 * dm-band supports the kernels Debian 12 ships: 6.1 and 6.12.  Every
 * version guard lives in this header so the rest of the code reads like
 * mainline code for the newest kernel.
 */
#ifndef DM_BAND_COMPAT_H
#define DM_BAND_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "dm-band needs Linux 6.1 or newer"
#endif

#endif /* DM_BAND_COMPAT_H */
