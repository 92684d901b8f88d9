#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The test runner inside a guest.  Loads each KUnit module and reports its
# KTAP results, runs each integration test with a time limit, then dumps
# kmemleak's findings and the kernel log.  Everything the host parses goes to
# the second serial port (/dev/ttyS1) between "@@@" markers; the test output
# also goes to the console so that console.log tells the whole story.
#
# Kernel command line: dm_band.tests=<glob> selects tests (default: all),
# dm_band.timeout=<seconds> limits each test (default 300),
# dm_band.run=<script> runs that script instead (make demo),
# dm_band.scale=<n> divides the tests' I/O sizes by n (slow kernels),
# dm_band.stress=1 runs the tests' long versions (STRESS=1; make stress),
# dm_band.fuzz_seed=, dm_band.fuzz_cases= replay a fuzz run (46-fuzz).
export PATH=/usr/sbin:/usr/bin
export DM_DISABLE_UDEV=1
export TESTS=/dm-band/tests

out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null
exec 3>"$out"

glob='*'
limit=300
run=
for arg in $(cat /proc/cmdline); do
	case $arg in
	dm_band.tests=*) glob=${arg#*=} ;;
	dm_band.timeout=*) limit=${arg#*=} ;;
	dm_band.run=*) run=${arg#*=} ;;
	dm_band.scale=*) export SCALE=${arg#*=} ;;
	dm_band.stress=*) export STRESS=${arg#*=} ;;
	dm_band.fuzz_seed=*) export FUZZ_SEED=${arg#*=} ;;
	dm_band.fuzz_cases=*) export FUZZ_CASES=${arg#*=} ;;
	esac
done

emit() { echo "$*" >&3; }

emit "@@@ BOOT $(uname -r)"
sysctl -qw kernel.hung_task_timeout_secs=60 2>/dev/null
modprobe configfs 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null

if [ -n "$run" ]; then
	emit "@@@ RUN-BEGIN $run"
	(cd /tmp && timeout -s KILL "$limit" bash "$run" 3>&-) 2>&1 | tee /dev/console >&3
	emit "@@@ RUN-END $run rc=${PIPESTATUS[0]}"
	glob=none
	rm -f /dm-band/kunit/*.ko
fi

# KUnit: each module's suites run while it loads and print KTAP to the
# kernel log (complete there; debugfs truncates long case logs).
for ko in /dm-band/kunit/*.ko; do
	[ -e "$ko" ] || continue
	modprobe dm-mod
	echo "dm-band-kunit-start" > /dev/kmsg
	if ! insmod "$ko"; then
		emit "@@@ KUNIT-LOAD-FAILED $(basename "$ko")"
		continue
	fi
	emit "@@@ KUNIT-BEGIN $(basename "$ko" .ko)"
	dmesg | sed -n '/dm-band-kunit-start/,$p' | sed 's/^\[[^]]*\] \{0,1\}//' >&3
	emit "@@@ KUNIT-END $(basename "$ko" .ko)"
	rmmod "$ko"
done

for t in "$TESTS"/$glob.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	# Tests are numbered; lib.sh and other helpers are not.
	case $name in [0-9]*) ;; *) continue ;; esac
	emit "@@@ TEST-BEGIN $name"
	echo "dm-band: test $name" > /dev/kmsg
	start=$(date +%s)
	(cd /tmp && timeout -s KILL "$limit" bash "$t" 3>&-) 2>&1 | tee /dev/console >&3
	rc=${PIPESTATUS[0]}
	emit "@@@ TEST-END $name rc=$rc secs=$(($(date +%s) - start))"
	# A test that leaves devices behind would poison the next one.
	left=$(dmsetup ls 2>/dev/null | grep -v "No devices found")
	if [ -n "$left" ]; then
		emit "@@@ LEFTOVER $name $(echo "$left" | tr '\n' ' ')"
		dmsetup remove_all --force >/dev/null 2>&1
	fi
done

if [ -e /sys/kernel/debug/kmemleak ]; then
	# Objects younger than a few seconds are never reported: wait, then
	# scan twice as kmemleak's documentation suggests.
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	emit "@@@ KMEMLEAK-BEGIN"
	cat /sys/kernel/debug/kmemleak >&3
	emit "@@@ KMEMLEAK-END"
fi

emit "@@@ DMESG-BEGIN"
dmesg >&3
emit "@@@ DMESG-END"
emit "@@@ DONE"
sync
poweroff -f
