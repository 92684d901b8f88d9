#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Group ids at the edges of each type's range.  A cgroup id of 2^64-1 once
# passed the parser and made the walk over groups at suspend wrap around
# and spin forever with interrupts off; it is refused now, in the table
# line and by attach, and the largest valid id suspends, resumes and is
# removed like any other.
. "$TESTS/lib.sh"
plan 14

band_load
brd_create 16
n=$(sectors /dev/ram0)
R=/dev/ram0
max=18446744073709551615

klog_mark cg
check_fails "table with cgroup id 2^64-1 refused" \
	dmsetup create idb --table "0 $n band $R 0 idb cgroup weight 0 $max:5"
check "kernel log says why" sh -c "dmesg | awk '/dm-band-test-mark cg/{f=1} f' | grep -q 'band: Invalid group id for this type'"
check_fails "no device left" dm_exists idb
check_fails "cgroup id 0 refused" \
	dmsetup create idb --table "0 $n band $R 0 idb cgroup weight 0 0:5"
check_fails "uid 2^32-1 (no uid) refused" \
	dmsetup create idb --table "0 $n band $R 0 idb uid weight 0 4294967295:5"

# (bash arithmetic is signed: the ids are written out)
check "cgroup id 2^64-2 accepted" \
	dm_create idb "0 $n band $R 0 idb cgroup weight 0 18446744073709551614:5"
is "table keeps it" "$(dmsetup table idb | cut -d' ' -f11)" "18446744073709551614:5"
check_fails "attach of 2^64-1 refused" dmsetup message idb 0 attach "$max:3"
check "attach of 1 accepted" dmsetup message idb 0 attach 1:3
fio --name=w --filename=/dev/mapper/idb --direct=1 --rw=randwrite --bs=4k \
	--ioengine=libaio --iodepth=8 --size="$(mib 8)" --output=/dev/null &
fio=$!
sleep 1
check "suspend walks every group and returns" timeout 60 dmsetup suspend idb
check "resume" timeout 60 dmsetup resume idb
wait $fio
is "fio finished cleanly" "$?" 0
check "detach the largest id" dmsetup message idb 0 detach 18446744073709551614
check "remove" timeout 60 dmsetup remove idb
finish
