#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: 6.12 (rates over seconds, as 36; the policy is the same code on
# 6.1, where 36 checks a reservation, and in tests/model and KUnit)
# The reservation phase: a group behind its reservation takes every place
# a full device frees, so a reservation above the group's share of the
# bios in flight is met, and reservations that add up to more than the
# device degrade in proportion.  The device of 36's reservations: two
# slots of 5 ms (270 to 330 IOPS under TCG), two jobs of 8 bios in flight.
. "$TESTS/lib.sh"
plan 4

band_load
modprobe null_blk nr_devices=1 gb=1 queue_mode=2 irqmode=2 \
	completion_nsec=5000000 hw_queue_depth=2 submit_queues=1 || exit 1
cleanup_add "rmmod null_blk"
n=$(sectors /dev/nullb0)
check "uid 1001 with 200 IOPS reserved at weight 1, beside uid 1002 at weight 1000" \
	dm_create rph "0 $n band /dev/nullb0 0 rph uid weight 0 :100 1001:1,reserve_iops=200 1002:1000"
chmod 666 /dev/mapper/rph

now_ns() { awk '{ printf "%.0f", $1 * 1e9 }' /proc/uptime; }
# counts SECONDS: both groups' read bios over a window from a reset, and
# uid 1001's rate over the window as timed from the reset to its count
# (as 36's rate_field: the dmsetup calls take a while under TCG)
counts() {
	local t0 t1 a b
	dmsetup message rph 0 reset
	t0=$(now_ns)
	sleep "$1"
	read -r a b <<< "$(grp_fields rph 3 1001 1002)"
	t1=$(now_ns)
	awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%d %d %.1f", a, b, a * 1e9 / (t1 - t0) }'
}
within() { awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN { exit !(g >= w * (1 - p / 100) && g <= w * (1 + p / 100)) }'; }

start_job uid 1 /dev/mapper/rph 30
p1=$JOB_PID
start_job uid 2 /dev/mapper/rph 30
p2=$JOB_PID
cleanup_add "kill $p1 $p2"
sleep 2
# The device serves bios in flight alike: without the phase uid 1001 got
# half of it, about 150 IOPS.  A window that misses is measured once more
# (a loaded two-core TCG host can starve the guest for a moment).
read -r c1 c2 r1 <<<"$(counts 6)"
if ! within "$r1" 200 5; then
	diag "first window: $r1 IOPS ($c1 and $c2 bios); measuring again"
	read -r c1 c2 r1 <<<"$(counts 6)"
fi
diag "uid 1001: $c1 bios, uid 1002: $c2"
check "uid 1001 gets its 200 IOPS, above its half of the device, within 5% ($r1)" within "$r1" 200 5

# Over the device: 300 and 150 reserved at equal weights, 2:1 (1:1 before
# the phase).
dmsetup message rph 0 weight 1002:1
dmsetup message rph 0 reserve 1001:reserve_iops=300
dmsetup message rph 0 reserve 1002:reserve_iops=150
sleep 1
read -r c1 c2 r1 <<<"$(counts 6)"
diag "300 and 150 reserved: $c1 and $c2 bios in 6 s"
check "over the device, 300:150 reserved: 2:1 within 15% ($c1:$c2)" \
	awk -v a="$c1" -v b="$c2" 'BEGIN { exit !(b > 0 && a / b >= 1.7 && a / b <= 2.3) }'

kill $p1 $p2 2>/dev/null
wait $p1 $p2 2>/dev/null
check "remove" dmsetup remove rph
finish
