#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Data safety while throttled: fio writes and verifies through a band device
# whose bios are being held, while weights change, groups are attached and
# detached, and the device is suspended, resumed and reloaded.  Every bio
# completes and every byte verifies.
. "$TESTS/lib.sh"
plan 6

band_load
nullb_mem_slow nbvf 128 500000
dev=$NULLB_DEV
n=$(sectors "$dev")
table="0 $n band $dev 0 vf0 uid weight 0 :10 1001:1 1002:4 idle=$GUEST_IDLE_US"
check "create a throttled uid band device" dm_create vf0 "$table"
chmod 666 /dev/mapper/vf0

# A competing reader so that bios are really held.
start_job uid 2 /dev/mapper/vf0 120
reader=$JOB_PID
cleanup_add "kill $reader; wait"
setpriv --reuid=1001 --regid=1001 --clear-groups bash -c \
	". $TESTS/lib.sh; fio_verify /dev/mapper/vf0 $(mib 24) --iodepth=16" > /tmp/vf.out 2>&1 &
writer=$!
fail=0
cycles=0
w=1
while kill -0 $writer 2>/dev/null; do
	w=$((w % 7 + 1))
	dmsetup message vf0 0 weight 1001:$w || fail=1
	dmsetup message vf0 0 attach 1003:2 || fail=1
	dmsetup suspend vf0 || fail=1
	dmsetup resume vf0 || fail=1
	dmsetup message vf0 0 detach 1003 || fail=1
	dmsetup reload vf0 --table "$table" || fail=1
	dmsetup resume vf0 || fail=1
	cycles=$((cycles + 1))
	sleep 0.5
done
wait $writer
rc=$?
cat /tmp/vf.out
is "fio write+verify passed while throttled and reconfigured" "$rc" 0
is "every reconfiguration succeeded ($cycles cycles)" "$fail" 0
ht=$(grp_field vf0 1001 8)
check "the writer's bios were really held ($ht times)" test "$ht" -gt 0
kill $reader 2>/dev/null
wait
is "nothing held or in flight at the end" \
	"$(dmsetup status vf0 | awk '{for (i = 7; i + 16 <= NF; i += 17) s += $(i+7) + $(i+9); print s}')" 0
check "remove" dmsetup remove vf0
finish
