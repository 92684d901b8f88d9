#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock
# The documented maximum of groups per device: a table line with 131072
# groups loads (no allocation warning: the harness fails on any WARNING in
# the kernel log), one more is refused with a clear error, and so is an
# attach past the maximum.  (Stock kernels only: on the debug kernel under
# TCG, KASAN makes creating and freeing 131072 groups take minutes; the
# same paths run there at smaller scale in the other tests.)
. "$TESTS/lib.sh"
plan 7

MAX=131072
band_load
brd_create 16
n=$(sectors /dev/ram0)
line() { # line NGROUPS
	awk -v n="$1" -v len="$n" 'BEGIN {
		printf "0 %d band /dev/ram0 0 mg uid weight 0 :1", len
		for (i = 0; i < n; i++) printf " %d:1", i
		printf "\n"
	}'
}
line $MAX >/tmp/max.table
line $((MAX + 1)) >/tmp/over.table
klog_mark mg
check_fails "$((MAX + 1)) groups refused" sh -c "dmsetup create mgx </tmp/over.table"
check "kernel log says why" sh -c "dmesg | awk '/dm-band-test-mark mg/{f=1} f' | grep -q 'band: Too many groups: at most 131072 per device'"
check "$MAX groups load" sh -c "dmsetup create mg </tmp/max.table"
cleanup_add "dmsetup remove mg"
is "status counts them (and the default group)" \
	"$(dmsetup status mg | cut -d' ' -f6)" $((MAX + 1))
check_fails "attach past the maximum refused" dmsetup message mg 0 attach 200000:1
check "I/O works" fio_verify /dev/mapper/mg "$(mib 4)"
check "remove" dmsetup remove mg
finish
