#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (measures shares over seconds: under TCG the debug kernel,
# not the device, would be the bottleneck)
# Per-VM-disk shares: two LVs on one PV, each under a band device of type
# none, both in one band group, weights 1:3.  The band group shares one
# token pool, so the two devices' bios follow 1:3.
. "$TESTS/lib.sh"
plan 7

band_load
# 10 ms, two at a time: 200 IOPS.
nullb_mem_slow nbpv 256 10000000
pv=$NULLB_DEV
check "PV on a bandwidth-limited device" test -b "$pv"
pvcreate -q "$pv" && cleanup_add "pvremove -q $pv"
vgcreate -q vmvg "$pv" && cleanup_add "vgremove -q -f vmvg"
lvcreate -q -y -L 64M -n vm1 vmvg
lvcreate -q -y -L 64M -n vm2 vmvg
n=$(sectors /dev/vmvg/vm1)
check "band device for vm1 (weight 1)" \
	dm_create vm1disk "0 $n band /dev/vmvg/vm1 0 pv0 none weight 8 :1 idle=$GUEST_IDLE_US"
check "band device for vm2 (weight 3), same band group" \
	dm_create vm2disk "0 $n band /dev/vmvg/vm2 0 pv0 none weight 8 :3 idle=$GUEST_IDLE_US"
start_job pid 1 /dev/mapper/vm1disk 30
p1=$JOB_PID
start_job pid 2 /dev/mapper/vm2disk 30
p2=$JOB_PID
cleanup_add "kill $p1 $p2; wait"
sleep 3
# window: reset both devices' counters, wait, read them
window() {
	dmsetup message vm1disk 0 reset
	dmsetup message vm2disk 0 reset
	sleep 8
	c1=$(grp_field vm1disk default 3)
	c2=$(grp_field vm2disk default 3)
}
window
# As measure_shares_within: a window that misses is measured once more (a
# loaded TCG host can stall a guest's fio job once; wrong weights miss both).
if shares_eval 10 "$c1 $c2" "1 3" | grep -q ' bad$'; then
	diag "first window $c1 $c2 missed 1:3 ($(dmsetup message vm1disk 0 stats)); measuring again"
	window
fi
diag "read bios: vm1 $c1, vm2 $c2"
diag "scheduler: $(dmsetup message vm1disk 0 stats)"
shares_within "vm1:vm2 1:3" 10 "$c1 $c2" "1 3"
e1=$(dmsetup status vm1disk | cut -d' ' -f5)
e2=$(dmsetup status vm2disk | cut -d' ' -f5)
e3=$(dmsetup status vm1disk | cut -d' ' -f5)
check "both devices count the band group's one epoch ($e1 <= $e2 <= $e3)" \
	test "$e1" -le "$e2" -a "$e2" -le "$e3"
kill $p1 $p2 2>/dev/null
wait
check "remove both" dmsetup remove vm1disk vm2disk
finish
