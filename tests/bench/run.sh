#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make bench`: boot a stock kernel in a QEMU guest, measure dm-band against
# no controller, BFQ, iocost and dm-linear on null_blk devices
# (tests/bench/guest.sh), and write, per kernel, to build/bench/<kernel>/:
# report.md, results.csv, charts (*.png), raw.txt and console.log.  Prints
# a one-screen summary.  A benchmark: it asserts nothing about speed, but
# exits non-zero when a run produced no numbers.
#
# run.sh [--smoke]
#   --smoke   one short round of every scenario (make check), written to
#             build/bench-smoke/<kernel>/
#
# Environment: KERNELS (default 6.12; 6.1 also works), BENCH_ROUNDS
# (default 3), BENCH_FAST_ROUNDS (rounds of the overhead and cost
# scenarios, default 15: their targets are a few percent, inside one
# round's noise), BENCH_SECS (seconds measured per run, default 5),
# BENCH_SCENARIOS (a subset of: friendly skewed qd1 seqrand buffered groups
# settle overhead cost limits split, or their numbers 1-11), BENCH_COST_NR
# (bios per cost run, default 1000000), BENCH_KO (a dm_band.ko already
# built for the kernel, e.g. make check's; split's variants are always
# built from this tree, tests/bench/split.py), BENCH_RETRIES (boots after a
# guest that died, default 2, 1 with --smoke), BUILD, DM_BAND_CACHE.
#
# A guest that dies (the emulator has crashed a long run's kernel: see
# Documentation/dm-band.rst, Testing) is booted again, up to BENCH_RETRIES
# times, and goes on after the last run that finished: the runs that did
# are in done.txt of its payload, and raw.txt is every boot's finished
# runs in order (console.N.log keeps each dead boot's console).
# BENCH_DIE_AFTER=N tries that: the first boot crashes its kernel (sysrq)
# after N runs.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
CACHE=${DM_BAND_CACHE:-$HOME/.cache/dm-band}
export DM_BAND_CACHE=$CACHE
smoke=0
[ "${1:-}" = --smoke ] && smoke=1

all="friendly skewed qd1 seqrand buffered groups settle overhead cost limits split"
scen=()
for s in ${BENCH_SCENARIOS:-$all}; do
	case $s in [1-9] | 1[01]) s=$(echo "$all" | cut -d' ' -f"$s") ;; esac
	[[ " $all " == *" $s "* ]] || { echo "bench: unknown scenario $s (one of: $all)" >&2; exit 2; }
	scen+=("$s")
done

if [ "$smoke" = 1 ]; then
	base=$BUILD/bench-smoke
	# Fewer groups (2 and 16, not up to 128; 100 cgroups, not 1000, in the
	# overhead rows): the same code, a fraction of the process starts.
	rounds=1 fast_rounds=1 secs=1 warm=0.5 phase=2 probe=500ms ngroups="2 16" nflow=100 cost_nr=6400
else
	base=$BUILD/bench
	rounds=${BENCH_ROUNDS:-3} secs=${BENCH_SECS:-5} warm=1 probe=2 ngroups="2 8 32 128" nflow=1000
	fast_rounds=${BENCH_FAST_ROUNDS:-15}
	cost_nr=${BENCH_COST_NR:-1000000}
	# Settle phases: long enough for a slow controller to show it.
	phase=${BENCH_PHASE:-$((secs + 3))}
fi

# make check has installed what it needs; make bench installs it here.
[ "$smoke" = 1 ] || [ -n "${BENCH_NO_DEPS:-}" ] || "$top/tests/deps.sh"
. "$top/tests/vm/host-lib.sh"
resolve_stock_kernels || true

# bench_boot KERNEL OUT TIMEOUT: one guest run, its serial output in
# OUT/results.log, its console in OUT/console.log; progress on stdout.
bench_boot() {
	local k=$1 out=$2 tmo=$3 qemu
	rm -f "$out/results.log"
	# tsc=reliable: under TCG the clocksource watchdog finds the TSC
	# "unstable" when the host is busy and falls back to the HPET, whose
	# every read is an emulated MMIO access: timekeeping, and with it every
	# I/O, then costs several times more.
	DM_BAND_GUEST_TIMEOUT=$tmo DM_BAND_GUEST_MEM=3072 \
		"$top/tests/vm/run-guest.sh" "${kimg[$k]}" "$out/initramfs.cpio" "$out" \
		"dm_band.run=/dm-band/bench/guest.sh" "dm_band.timeout=$tmo" \
		${BENCH_KARGS-tsc=reliable} &
	qemu=$!
	# timeout(1) runs qemu in a process group of its own: stop it too.
	trap 'pkill -TERM -P $qemu 2>/dev/null; kill $qemu 2>/dev/null' EXIT INT TERM
	# Progress: one line per scenario and round, and any error.
	{ tail -n +1 -F --pid=$qemu "$out/results.log" 2>/dev/null | tr -d '\r' |
	  grep --line-buffered -E '^(# round .* took|ERR |@@@ RUN-END)' | sed -u 's/^/  /'; } || true
	wait $qemu || echo "bench: qemu exited with status $? (console: $out/console.log)" >&2
	trap - EXIT INT TERM
}

t_all=$(date +%s)
rc=0
for k in ${KERNELS:-6.12}; do
	v=${kver[$k]:-}
	out=$base/$k
	if [ -z "$v" ] || [ ! -e "${kimg[$k]}" ]; then
		echo "bench: no stock $k kernel (run make deps)" >&2
		rc=1
		continue
	fi
	mkdir -p "$out"
	rm -f "$out"/*.png "$out/report.md" "$out/results.csv" "$out/raw.txt"
	t0=$(date +%s)
	# What was measured, and how busy the host was (the guest's vCPUs
	# share its CPUs with everything else).
	rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
	load0=$(cut -d' ' -f1-3 /proc/loadavg)

	# The module, or make check's.
	ko=${BENCH_KO:-}
	if [ -z "$ko" ]; then
		echo "bench: building dm_band.ko for $v"
		stage_src "$out/src"
		if ! kbuild "${kdir[$k]}" "$out/src" "$out/build.log"; then
			tail -n 20 "$out/build.log" >&2
			rc=1
			continue
		fi
		ko=$out/src/dm_band.ko
	fi
	# The per-bio cost module (scenario cost): built here, for this kernel.
	stage_src "$out/kmod-src"
	if ! kbuild "${kdir[$k]}" "$out/kmod-src/tests/bench/kmod" "$out/kmod-build.log"; then
		tail -n 20 "$out/kmod-build.log" >&2
		rc=1
		continue
	fi
	# The split scenario's variants (tests/bench/split.py): the fast path
	# one step shorter each, built from this tree's source.
	split_kos=() split_vs=
	if [[ " ${scen[*]} " == *" split "* ]]; then
		split_vs=$(python3 "$top/tests/bench/split.py" --list)
		for sv in $split_vs; do
			stage_src "$out/split-$sv"
			if ! python3 "$top/tests/bench/split.py" "$out/split-$sv" "$sv" ||
			   ! kbuild "${kdir[$k]}" "$out/split-$sv" "$out/split-$sv.log"; then
				tail -n 20 "$out/split-$sv.log" >&2 2>/dev/null || true
				rc=1
				continue 2
			fi
			split_kos+=("$out/split-$sv/dm_band.ko:$sv")
		done
	fi
	# A static fio starts in a fraction of Debian's time (63 libraries):
	# the bench starts a fio per cgroup, up to 128 at once.
	if fio_bin=$("$top/tests/vm/build-fio.sh" "$CACHE" 2>"$out/fio.log"); then
		export DM_BAND_FIO=$fio_bin
	else
		echo "bench: no static fio (see $out/fio.log); using Debian's" >&2
		unset DM_BAND_FIO
	fi
	pl=$out/payload
	rm -rf "$pl"
	mkdir -p "$pl/dm-band/modules" "$pl/dm-band/bench"
	install -m 755 "$top/tests/vm/init" "$pl/init"
	cp "$top/tests/vm/run.sh" "$pl/dm-band/run.sh"
	cp "$ko" "$pl/dm-band/modules/dm_band.ko"
	cp "$top/tests/bench/guest.sh" "$pl/dm-band/bench/"
	if [ "${#split_kos[@]}" -gt 0 ]; then
		mkdir -p "$pl/dm-band/bench/split"
		for sk in "${split_kos[@]}"; do cp "${sk%:*}" "$pl/dm-band/bench/split/dm_band_${sk##*:}.ko"; done
	fi
	cp "$out/kmod-src/tests/bench/kmod/dm_band_bench.ko" "$pl/dm-band/bench/"
	if ! gcc -static -O2 -Wall -o "$pl/dm-band/bench/bgread" "$top/tests/bench/bgread.c" \
			2>"$out/bgread.log"; then
		cat "$out/bgread.log" >&2
		rc=1
		continue
	fi
	cat >"$pl/dm-band/bench/params.sh" <<-EOF
		SECS=$secs
		WARM=$warm
		ROUNDS=$rounds
		FAST_ROUNDS=$fast_rounds
		SMOKE=$smoke
		SCENARIOS="${scen[*]}"
		IDLE_US=${BENCH_IDLE_US:-50000}
		PHASE=$phase
		SAMPLE_MS=250
		LOG_MS=250
		PROBE=$probe
		NGROUPS="${BENCH_NGROUPS:-$ngroups}"
		NFLOW=${BENCH_NFLOW:-$nflow}
		COST_NR=$cost_nr
		SPLIT_VARIANTS="$split_vs"
		DIE_AFTER=${BENCH_DIE_AFTER:-}
	EOF
	if ! "$top/tests/vm/mkinitramfs.sh" "$out/initramfs.cpio" "$v" "${kmodroot[$k]}" \
			"$pl" >"$out/initramfs.log" 2>&1; then
		tail -n 20 "$out/initramfs.log" >&2
		rc=1
		continue
	fi

	# Generous limits: a stuck guest must not hang make check, and a slow
	# host must not cut a full run short.
	if [ "$smoke" = 1 ]; then tmo=1200; else
		tmo=$((600 + rounds * (secs + 4) * 400 + fast_rounds * (secs + 4) * 40)); fi
	echo "bench: booting $v under QEMU (TCG): ${scen[*]}, $rounds round(s) of ${secs}s runs" \
		"($fast_rounds of overhead, cost and split)"
	rm -f "$out"/raw.*.txt "$out"/console.*.log "$pl/dm-band/bench/done.txt"
	retries=${BENCH_RETRIES:-$((smoke ? 1 : 2))}
	for ((boot = 1; ; boot++)); do
		bench_boot "$k" "$out" "$tmo"
		tr -d '\r' <"$out/results.log" |
			sed -n '/^@@@ RUN-BEGIN/,/^@@@ RUN-END/p' >"$out/raw.$boot.txt" || true
		# The script ended (well or not): nothing died.
		grep -q '^@@@ RUN-END ' "$out/raw.$boot.txt" && break
		[ "$boot" -gt "$retries" ] && break
		# Keep what finished (through its last "# run ID took"; nothing if
		# it died booting, as the emulator has made 6.12 do), and go on.
		last=$(grep -n '^# run .* took' "$out/raw.$boot.txt" | tail -n 1 | cut -d: -f1) || true
		head -n "${last:-0}" "$out/raw.$boot.txt" >"$out/raw.$boot.tmp"
		mv "$out/raw.$boot.tmp" "$out/raw.$boot.txt"
		cp "$out/console.log" "$out/console.$boot.log"
		cat "$out"/raw.[0-9]*.txt | sed -n 's/^# run \([^ ]*\) took .*/\1/p' \
			>"$pl/dm-band/bench/done.txt"
		echo "bench: the guest died after $(wc -l <"$pl/dm-band/bench/done.txt") runs" \
			"(console: $out/console.$boot.log); booting it again to go on"
		if ! "$top/tests/vm/mkinitramfs.sh" "$out/initramfs.cpio" "$v" "${kmodroot[$k]}" \
				"$pl" >"$out/initramfs.log" 2>&1; then
			tail -n 20 "$out/initramfs.log" >&2
			break
		fi
	done
	for ((i = 1; i <= boot; i++)); do cat "$out/raw.$i.txt"; done >"$out/raw.txt"
	secs_total=$(($(date +%s) - t0))
	echo "bench: guest run took ${secs_total}s; report in $out/report.md"
	echo
	a=(--secs-total "$secs_total" --rev "$rev" --load "$load0 -> $(cut -d' ' -f1-3 /proc/loadavg)")
	[ "$smoke" = 1 ] && a+=(--smoke)
	python3 "$top/tests/bench/report.py" "$out" "${a[@]}" || rc=1
	echo
done
echo "bench: done in $(($(date +%s) - t_all))s"
exit $rc
