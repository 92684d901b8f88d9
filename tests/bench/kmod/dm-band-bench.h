/* SPDX-License-Identifier: GPL-2.0-only */
/* make bench's per-bio cost module: what its two files share. */
#ifndef DM_BAND_BENCH_H
#define DM_BAND_BENCH_H

struct dentry;

/* At most this many bios or iterations per write. */
#define BENCH_MAX_RUN 100000000UL

void bench_parts_init(struct dentry *dir);

#endif /* DM_BAND_BENCH_H */
