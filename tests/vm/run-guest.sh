#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-guest.sh KERNEL INITRD OUTDIR [KERNEL_ARGS...]
#
# Boot KERNEL with INITRD in qemu-system-x86_64 (TCG, 2 vCPUs; KVM only when
# DM_BAND_KVM=1, as nested KVM hangs on our build hosts), let tests/vm/run.sh
# run inside, and wait for it to power off.  The guest's console goes to
# OUTDIR/console.log, its results to OUTDIR/results.log.  The whole run is
# killed after DM_BAND_GUEST_TIMEOUT seconds (default 900); memory is
# DM_BAND_GUEST_MEM MiB (default 3072).
# Exit status: qemu's, or 124 on timeout.  Judging is parse-results.py's job.
#
# tsc=reliable: under TCG on a loaded host the emulated TSC drifts from the
# HPET, the clocksource watchdog marks it unstable, and switching
# sched_clock's static key then patched live code under the other vCPU:
# a 6.12 guest died of "Oops: int3" in sched_clock_cpu() that way.  The
# guest's tests need a clock, not the watchdog.
set -euo pipefail

kernel=$1 initrd=$2 outdir=$3
shift 3

mkdir -p "$outdir"
rm -f "$outdir/console.log" "$outdir/results.log"

accel=(-accel tcg -cpu max)
if [ "${DM_BAND_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -cpu host)
fi

timeout -k 10 "${DM_BAND_GUEST_TIMEOUT:-900}" \
	qemu-system-x86_64 -machine q35 "${accel[@]}" -smp 2 -m "${DM_BAND_GUEST_MEM:-3072}" \
	-nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=6 tsc=reliable $*" \
	-serial "file:$outdir/console.log" \
	-serial "file:$outdir/results.log" \
	</dev/null
