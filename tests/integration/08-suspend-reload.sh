#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Suspend, resume and table reloads while fio writes with verification, then
# removal: every bio completes, no data is lost or corrupted.
. "$TESTS/lib.sh"
plan 6

band_load
brd_create 64
n=$(sectors /dev/ram0)
dm_create sr0 "0 $n band /dev/ram0 0 sr none weight 0"

fio_verify /dev/mapper/sr0 "$(mib 48)" --iodepth=16 --loops=2 > /tmp/fio.out 2>&1 &
fio=$!
cycles=0
fail=0
while kill -0 $fio 2>/dev/null; do
	dmsetup suspend sr0 || fail=1
	sleep 0.1
	dmsetup resume sr0 || fail=1
	dmsetup suspend --nolockfs --noflush sr0 || fail=1
	dmsetup resume sr0 || fail=1
	dmsetup reload sr0 --table "0 $n band /dev/ram0 0 sr none weight 0" || fail=1
	dmsetup resume sr0 || fail=1
	cycles=$((cycles + 1))
	sleep 0.2
done
wait $fio
rc=$?
cat /tmp/fio.out
is "suspend/resume/reload all succeeded ($cycles cycles)" "$fail" 0
check "at least one full cycle ran during the I/O" test "$cycles" -ge 1
is "fio write+verify passed under suspend/resume/reload" "$rc" 0
is "device is active and unsuspended" \
	"$(dmsetup info -c --noheadings -o attr sr0 | cut -c1-2)" "L-"
check "remove after the load" dmsetup remove sr0
check_fails "device is gone" dmsetup info sr0
finish
