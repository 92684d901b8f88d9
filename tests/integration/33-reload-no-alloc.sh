#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: debug
# A reload's groups are allocated when the table is loaded, never at
# resume: preresume runs while the devices below may be suspended, where
# an allocation whose reclaim writes to them deadlocks.  failslab fails
# every allocation from dm-band's group cache (the guest boots with
# slub_debug=A,band_grp; the cache filter limits failslab to it) in one
# task: loading a table in that task fails cleanly, resuming one never
# fails.
. "$TESTS/lib.sh"
plan 10

F=/sys/kernel/debug/failslab
band_load
brd_create 16
n=$(sectors /dev/ram0)
groups() { local i; for i in $(seq 1001 "$1"); do printf ' %d:2' "$i"; done; }
dm_create ra "0 $n band /dev/ram0 0 ra uid weight 0 :10 1000:1"

is "failslab may fail the group cache" "$(cat /sys/kernel/slab/band_grp/failslab)" 1
echo Y >$F/cache-filter
echo N >$F/ignore-gfp-wait
echo Y >$F/task-filter
echo 0 >$F/verbose
echo 1 >$F/interval
echo -1 >$F/times
echo 100 >$F/probability
cleanup_add "echo 0 >$F/probability"
failing() { (echo 1 >/proc/self/make-it-fail && exec "$@"); }

new="0 $n band /dev/ram0 0 ra uid weight 0 :10 1000:1$(groups 1100)"
klog_mark rl
check_fails "a load whose groups cannot be allocated fails" \
	failing dmsetup reload ra --table "$new"
check "and says why" sh -c "dmesg | awk '/dm-band-test-mark rl/{f=1} f' | grep -q 'band: Cannot allocate groups'"
is "no inactive table left" "$(dmsetup table --inactive ra)" ""
check "the live table is untouched" \
	sh -c "dmsetup table ra | grep -q ' :10 1000:1 idle'"
check "the same load without failures" dmsetup reload ra --table "$new"
check "suspend" dmsetup suspend ra
check "resume allocates nothing: it succeeds under failslab" \
	failing dmsetup resume ra
is "the new groups are attached" "$(dmsetup status ra | cut -d' ' -f6)" 102
echo 0 >$F/probability
check "I/O" fio_verify /dev/mapper/ra "$(mib 8)"
finish
