#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: 6.12 (a timing ratio, measured once: 6.1 runs the share tests)
# Work conservation on a parallel device (null_blk, 8 slots, 10 ms): a QD1
# reader with weight 4 beside a QD32 reader with weight 1, injection on
# (the default).  The
# QD1 reader cannot spend its tokens quickly; the refill rule alone made
# the QD32 reader wait for it while 7 of 8 slots idled (689 + 179 IOPS
# where the device does 719 + 5689).  Bounds that the refill rule alone
# fails, ratios of one run (issue 11's generous ones): the QD32 reader at
# least the QD1 reader's IOPS (the refill rule alone gives it a quarter),
# the device total at least 60% of what it does with no controller, the
# QD1 reader at least 70% of what it gets alone.  Measured on 6.12 with
# the 50% knee: 627 of 633 IOPS, QD1 at 78% of alone (with a 10% knee,
# 22-51% of the device on a loaded host: it was opt-in then).  A run
# that misses a bound runs once more and the second is judged: a loaded
# TCG host can stall the guest for a while, once; a scheduler that does
# not conserve work misses both.  The device is slow (800 IOPS) so that
# the guest's CPU is not the bottleneck under TCG; make bench measures
# the faster shapes.
. "$TESTS/lib.sh"
plan 5

SECS=12
band_load
modprobe null_blk nr_devices=1 gb=1 queue_mode=2 irqmode=2 \
	completion_nsec=10000000 hw_queue_depth=8 submit_queues=1 || exit 1
cleanup_add "rmmod null_blk"
n=$(sectors /dev/nullb0)

# iops DEV QD: run a reader; its IOPS (terse field 8) on stdout.
reader() {
	fio --name=r --filename="$1" --direct=1 --rw=randread --bs=4k \
		--ioengine=libaio --iodepth="$2" --thread --time_based \
		--runtime="$SECS" --output-format=terse --output="$3" &
}
iops() { cut -d';' -f8 "$1" | cut -d. -f1; }

dm_create wl "0 $n linear /dev/nullb0 0"
reader /dev/mapper/wl 1 /tmp/a.out; wait
reader /dev/mapper/wl 1 /tmp/p1.out; p1=$!
reader /dev/mapper/wl 32 /tmp/p32.out; p32=$!
wait
alone=$(iops /tmp/a.out)
t0=$(($(iops /tmp/p1.out) + $(iops /tmp/p32.out)))
diag "no controller: QD1 alone $alone IOPS; QD1 + QD32 together $t0 IOPS"
dmsetup remove wl

dm_create wb "0 $n band /dev/nullb0 0 wb pid weight 0 :1"
# band_run: both readers through the band device; sets q1 and q32.
band_run() {
	reader /dev/mapper/wb 1 /tmp/b1.out; b1=$!
	reader /dev/mapper/wb 32 /tmp/b32.out; b32=$!
	dmsetup message wb 0 attach "$b1:4" || return 1
	dmsetup message wb 0 attach "$b32:1" || return 1
	sleep $((SECS - 1))
	diag "scheduler: $(dmsetup message wb 0 stats)"
	wait
	q1=$(iops /tmp/b1.out)
	q32=$(iops /tmp/b32.out)
	diag "dm-band: QD1 $q1 IOPS, QD32 $q32 IOPS"
	dmsetup message wb 0 detach "$b1" && dmsetup message wb 0 detach "$b32"
}
# bounds_met: all three bounds below.
bounds_met() {
	[ "$q32" -ge "$q1" ] && [ $(((q1 + q32) * 100)) -ge $((t0 * 60)) ] &&
		[ $((q1 * 100)) -ge $((alone * 70)) ]
}
if band_run; then
	ok "QD1 (weight 4) and QD32 (weight 1) readers attached and detached"
else
	not_ok "QD1 (weight 4) and QD32 (weight 1) readers attached and detached"
fi
if ! bounds_met; then
	diag "first run missed a bound; running once more"
	band_run || diag "second run: attach or detach failed"
fi
# The refill rule alone gives the QD32 reader a quarter of the QD1
# reader's IOPS (and the device total some 15% of no controller's);
# injection, what the device has to spare.
check "QD32 reader $q32 >= the QD1 reader's $q1" test "$q32" -ge "$q1"
check "device total $((q1 + q32)) >= 60% of no controller's $t0" \
	test $(((q1 + q32) * 100)) -ge $((t0 * 60))
check "QD1 reader $q1 >= 70% of alone $alone" test $((q1 * 100)) -ge $((alone * 70))
check "remove" dmsetup remove wb
finish
