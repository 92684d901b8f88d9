#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A suspend cancelled after presuspend (a signal while device-mapper waits
# for bios in flight) must leave the device scheduling bios as before.
# dm-band once stopped holding bios for good after one: weights were
# silently off.  A helper issues DM_DEV_SUSPEND itself and is interrupted
# by SIGALRM while bios sit in a slow dm-delay device below.
. "$TESTS/lib.sh"
plan 9

band_load
modprobe dm-delay || true
brd_create 64
n=$(sectors /dev/ram0)
# Reads wait 3 s below the band device; writes pass at once.
dm_create pu-slow "0 $n delay /dev/ram0 0 3000 /dev/ram0 0 0"
# token_base 1: root's reader (the default group, weight 1) gets one token
# per epoch, uid 1234's (weight 1000) a thousand.  The keeper, a QD1
# reader as uid 1234, keeps its group active with tokens (each read takes
# 3 s), so that the epoch lasts and root's reader has most of its bios
# held.  (Alone, a group is never held: it refills in place.)  It runs
# with the reader: once it stops, its group goes idle, the refill comes
# and the reader's held bios can end.
dm_create pu "0 $n band /dev/mapper/pu-slow 0 pu uid weight 1 :1 1234:1000"
chmod 666 /dev/mapper/pu

held() { grp_field pu default 8; }
# reader: a QD8 reader in the background (READER) beside the keeper
# (KEEPER), and wait (up to 30 s) until the band device has held one of
# the reader's bios.
reader() {
	local i
	setpriv --reuid=1234 --regid=1234 --clear-groups \
		fio --name=k --filename=/dev/mapper/pu --direct=1 --rw=randread \
		--bs=4k --ioengine=psync --time_based --runtime=120 --output=/dev/null &
	KEEPER=$!
	cleanup_add "kill $KEEPER"
	fio --name=r --filename=/dev/mapper/pu --direct=1 --rw=randread \
		--bs=4k --ioengine=libaio --iodepth=8 --time_based --runtime=60 \
		--output=/dev/null &
	READER=$!
	cleanup_add "kill $READER"
	for i in $(seq 60); do
		[ "$(held)" -gt 0 ] && return 0
		sleep 0.5
	done
	return 1
}
# in_flight: wait (up to 30 s) until bios of the reader are in flight below.
in_flight() {
	local i
	for i in $(seq 60); do
		[ "$(grp_field pu default 9)" -gt 0 ] && return 0
		sleep 0.5
	done
	return 1
}
stop_reader() {
	kill "$KEEPER" "$READER"
	wait "$KEEPER" "$READER" 2>/dev/null
}

check "bios are held before the suspend" reader
# The suspend releases what is held, then waits for the bios below (3 s).
# A guest stalled for that long (a loaded TCG host) lets the suspend end
# first: resume and try again, up to three times.
for try in 1 2 3; do
	in_flight
	dm-suspend-intr pu 1 >/tmp/intr.out 2>&1
	rc=$?
	[ "$rc" = 1 ] || break
	diag "try $try: the suspend ended before the signal; again"
	dmsetup resume pu
	sleep 1
done
is "the suspend was interrupted: $(cat /tmp/intr.out)" "$rc" 0
# (if it was not, resume, so that the reader can end)
[ "$rc" = 1 ] && dmsetup resume pu
is "the device is not suspended" \
	"$(dmsetup info -c --noheadings -o attr pu | cut -c2)" "-"
stop_reader
dmsetup message pu 0 reset
is "counters reset" "$(held)" 0
check "bios are held again after the cancelled suspend" reader
stop_reader
is "nothing held or in flight once the reader stopped" \
	"$(grp_field pu default 7) $(grp_field pu default 9)" "0 0"
check "a real suspend still works" timeout 60 dmsetup suspend pu
check "resume" dmsetup resume pu
check "remove" dmsetup remove pu
finish
