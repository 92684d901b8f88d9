#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check`: everything that proves dm-band works, in one run.
#
#  1. Debian packages (installed when run as root and missing).
#  2. Static checks: W=1 builds against stock 6.1 and 6.12 headers with
#     warnings as failures, sparse (C=2) on both, checkpatch --strict on every
#     .c/.h file.
#  3. A debug kernel (KASAN, lockdep, kmemleak, KUnit) from linux-source-6.1,
#     cached in ~/.cache/dm-band.
#  4. QEMU guests on stock 6.1, stock 6.12 and the debug kernel, each running
#     every integration test (tests/integration) and, on the debug kernel,
#     the KUnit suites (tests/kunit); a guest whose kernel log shows a BUG,
#     WARNING, Oops, KASAN, lockdep, hung task or kmemleak report fails.
#
# One line per result and per stage, with its time; the last line is
# "N passed, N failed".  Exit status is non-zero when anything failed.
#
# Environment: BUILD (output dir, default ./build), DM_BAND_KERNELS (subset
# of "6.1 6.12 debug"), DM_BAND_TESTS (glob of integration tests, default
# all), DM_BAND_KVM=1 (use KVM), DM_BAND_CACHE (default ~/.cache/dm-band).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
CACHE=${DM_BAND_CACHE:-$HOME/.cache/dm-band}
KERNELS=${DM_BAND_KERNELS:-6.1 6.12 debug}
export DM_BAND_CACHE=$CACHE

passed=0
failed=0
failures=()
t_start=$(date +%s)

# result PASS|FAIL NAME SECONDS DETAIL
result() {
	local s=$1 name=$2 secs=$3 detail=${4:-}
	if [ "$s" = PASS ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
	fi
	printf '%-4s  %-58s %6s  %s\n' "$s" "$name" "${secs}s" "$detail"
}

stage_t=0
stage() {
	stage_t=$(date +%s)
	printf '==== %s\n' "$*"
}
stage_done() {
	printf '==== %s done (%ss)\n' "$1" "$(($(date +%s) - stage_t))"
}

finish() {
	echo
	if [ ${#failures[@]} -gt 0 ]; then
		echo "Failed:"
		printf '  %s\n' "${failures[@]}"
	fi
	echo "Total time $(($(date +%s) - t_start))s; logs in $BUILD"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

mkdir -p "$BUILD" "$CACHE"

# ---------------------------------------------------------------- packages
stage "Debian packages"
s=$(date +%s)
if "$top/tests/deps.sh"; then
	stage_done "Debian packages"
else
	result FAIL deps $(($(date +%s) - s)) "could not install the Debian packages"
	finish
fi

# ---------------------------------------------------------------- kernels
. "$top/tests/vm/host-lib.sh"
resolve_stock_kernels
echo "kernels: stock 6.1 = ${k61:-none}, stock 6.12 = ${k612:-none}"

# ---------------------------------------------------------------- static
stage "Static checks"
for k in 6.1 6.12; do
	v=${kver[$k]}
	d=$BUILD/k/$k
	if [ -z "$v" ] || [ ! -d "${kdir[$k]}" ]; then
		result FAIL "static/build-W=1 $k" 0 "no $k headers installed"
		continue
	fi
	stage_src "$d/src"
	s=$(date +%s)
	if kbuild "${kdir[$k]}" "$d/src" "$d/build-w1.log" W=1 &&
	   [ -z "$(findings "$d/build-w1.log")" ]; then
		result PASS "static/build-W=1 $k ($v)" $(($(date +%s) - s))
	else
		result FAIL "static/build-W=1 $k ($v)" $(($(date +%s) - s)) \
			"$(findings "$d/build-w1.log" | head -n 3 | tr '\n' ' ') see $d/build-w1.log"
	fi
	s=$(date +%s)
	# C=2 runs sparse over every file whether or not it is rebuilt.
	if kbuild "${kdir[$k]}" "$d/src" "$d/sparse.log" C=2 &&
	   [ -z "$(findings "$d/sparse.log")" ]; then
		result PASS "static/sparse $k" $(($(date +%s) - s))
	else
		result FAIL "static/sparse $k" $(($(date +%s) - s)) \
			"$(findings "$d/sparse.log" | head -n 3 | tr '\n' ' ') see $d/sparse.log"
	fi
done

# checkpatch.pl from Debian's kernel source package (needs its data files).
cp_dir=$CACHE/checkpatch-$(dpkg-query -W -f='${Version}' linux-source-6.1)
if [ ! -e "$cp_dir/checkpatch.pl" ]; then
	rm -rf "$cp_dir.tmp" && mkdir -p "$cp_dir.tmp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$cp_dir.tmp" --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch &&
		mv "$cp_dir.tmp" "$cp_dir"
fi
(cd "$top" && git ls-files -- '*.c' '*.h') | while read -r f; do
	s=$(date +%s)
	# The compat header is the one place allowed to test kernel versions.
	ignore=
	[ "$f" = include/dm-band-compat.h ] && ignore=LINUX_VERSION_CODE,CONSTANT_COMPARISON
	if o=$(cd "$top" && perl "$cp_dir/checkpatch.pl" --strict --no-tree --terse \
			--show-types --no-summary ${ignore:+--ignore $ignore} -f "$f" 2>&1) &&
	   [ -z "$o" ]; then
		echo "PASS $f $(($(date +%s) - s))"
	else
		echo "FAIL $f $(($(date +%s) - s)) $(echo "$o" | head -n 3 | tr '\n' ' ')"
	fi
done > "$BUILD/checkpatch.results"
while read -r st f secs detail; do
	result "$st" "static/checkpatch $f" "$secs" "$detail"
done < "$BUILD/checkpatch.results"
stage_done "Static checks"

# ---------------------------------------------------------------- userspace
# bandctl and its unit tests (tools/), and the host-side tests (tests/host:
# unit-test suites, install layout, DKMS, the libvirt hook), each a TAP
# script judged like an integration test.
if [ -e "$top/tools/Makefile" ]; then
	stage "Userspace tools"
	s=$(date +%s)
	if make -C "$top/tools" >"$BUILD/tools.log" 2>&1 &&
	   [ -z "$(findings "$BUILD/tools.log")" ]; then
		result PASS "tools/build" $(($(date +%s) - s))
	else
		result FAIL "tools/build" $(($(date +%s) - s)) \
			"$(findings "$BUILD/tools.log" | head -n 3 | tr '\n' ' ') see $BUILD/tools.log"
	fi
	stage_done "Userspace tools"
fi
host_tests=$(ls "$top"/tests/host/[0-9]*.sh 2>/dev/null)
if [ -n "$host_tests" ]; then
	stage "Host tests"
	mkdir -p "$BUILD/host"
	for t in $host_tests; do
		name=$(basename "$t" .sh)
		case $name in ${DM_BAND_TESTS:-*}) ;; *) continue ;; esac
		s=$(date +%s)
		TOP=$top BUILD=$BUILD timeout -s KILL 600 bash "$t" >"$BUILD/host/$name.log" 2>&1
		rc=$?
		IFS=$'\t' read -r st n secs detail < <(python3 "$top/tests/vm/parse-results.py" \
			--tap "host/$name" "$rc" $(($(date +%s) - s)) <"$BUILD/host/$name.log")
		result "$st" "$n" "$secs" "$detail"
	done
	stage_done "Host tests"
fi

# ---------------------------------------------------------------- debug kernel
if [[ " $KERNELS " == *" debug "* ]]; then
	stage "Debug kernel (linux-source-6.1 + tests/kernel/debug.config)"
	s=$(date +%s)
	if ddir=$("$top/tests/kernel/build-debug-kernel.sh" "$CACHE" 2>"$BUILD/debug-kernel.log"); then
		kver[debug]=$(cat "$ddir/include/config/kernel.release")
		kdir[debug]=$ddir
		kimg[debug]=$ddir/arch/x86/boot/bzImage
		kmodroot[debug]=$ddir/modroot
		result PASS "debug-kernel/build (${kver[debug]})" $(($(date +%s) - s))
	else
		result FAIL "debug-kernel/build" $(($(date +%s) - s)) "see $BUILD/debug-kernel.log"
		tail -n 20 "$BUILD/debug-kernel.log"
	fi
	stage_done "Debug kernel"
fi

# ---------------------------------------------------------------- guests
for k in $KERNELS; do
	v=${kver[$k]:-}
	d=$BUILD/k/$k
	[ -n "$v" ] || continue
	stage "Guest $k ($v)"
	s=$(date +%s)
	if [ "$k" = debug ]; then
		# The stock kernels' modules were built by the static stage.
		stage_src "$d/src"
		if ! kbuild "${kdir[$k]}" "$d/src" "$d/build.log" W=1 ||
		   [ -n "$(findings "$d/build.log")" ]; then
			result FAIL "$k/build" $(($(date +%s) - s)) "see $d/build.log"
			continue
		fi
		if ! kbuild "${kdir[$k]}" "$d/src/tests/kunit" "$d/build-kunit.log" W=1 ||
		   [ -n "$(findings "$d/build-kunit.log")" ]; then
			result FAIL "$k/build-kunit" $(($(date +%s) - s)) "see $d/build-kunit.log"
			continue
		fi
	fi
	if [ ! -e "$d/src/dm_band.ko" ]; then
		result FAIL "$k/guest" 0 "dm_band.ko was not built for $v"
		continue
	fi
	if ! guest_initramfs "$k" "$d"; then
		result FAIL "$k/initramfs" $(($(date +%s) - s)) "see $d/initramfs.log"
		continue
	fi
	# The debug kernel (KASAN, lockdep, kmemleak under TCG) is about ten
	# times slower: smaller I/O sizes and a longer time limit.
	scale=1
	[ "$k" = debug ] && scale=8
	# kmemleak scans all of the guest's memory: give it less.
	DM_BAND_GUEST_MEM=$((scale > 1 ? 2048 : 3072)) \
	DM_BAND_GUEST_TIMEOUT=$((scale > 1 ? 1800 : 900)) \
	"$top/tests/vm/run-guest.sh" "${kimg[$k]}" "$d/initramfs.cpio" "$d" \
		"dm_band.scale=$scale"
	echo "guest exited with status $? after $(($(date +%s) - s))s; console: $d/console.log"
	while IFS=$'\t' read -r st name secs detail; do
		result "$st" "$name" "$secs" "$detail"
	done < <(python3 "$top/tests/vm/parse-results.py" "$d" "$k" $(guest_tests "$k"))
	stage_done "Guest $k"
done

finish
