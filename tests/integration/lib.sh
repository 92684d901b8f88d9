# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for the integration tests, sourced by each test script inside a
# guest.  TAP output: `plan N`, then `ok`/`not_ok`/`check`/`is` per point.
# Each test cleans up after itself through `cleanup_add`.

MODULE=/dm-band/modules/dm_band.ko
_tap_n=0
_tap_failed=0
_cleanups=()

plan() { echo "1..$1"; }
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}
diag() { echo "# $*"; }

# check DESC CMD... : one point, passing when CMD succeeds.  CMD runs in
# this shell (so a helper's cleanup_add sticks); its output is shown as
# diagnostics when it fails.
check() {
	local desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/#   /' /tmp/check.out
	fi
}

# check_fails DESC CMD... : one point, passing when CMD fails.
check_fails() {
	local desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		not_ok "$desc (unexpectedly succeeded)"
	else
		ok "$desc"
	fi
}

# is DESC GOT EXPECTED
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "  got:      '$2'"
		diag "  expected: '$3'"
	fi
}

cleanup_add() { _cleanups=("$*" "${_cleanups[@]}"); }
_cleanup() {
	local c
	for c in "${_cleanups[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
}

# Call last: runs the cleanups, exits non-zero if any point failed.
finish() {
	_cleanup
	_cleanups=()
	[ "$_tap_failed" -eq 0 ]
	exit
}
trap _cleanup EXIT

band_load() {
	modprobe dm-mod || return 1
	grep -q '^dm_band ' /proc/modules || insmod "$MODULE"
}

# brd_create SIZE_MB: one RAM disk, /dev/ram0, removed at the end.
brd_create() {
	modprobe brd rd_nr=1 rd_size=$(($1 * 1024)) max_part=0 || return 1
	cleanup_add "rmmod brd"
	[ -b /dev/ram0 ]
}

# dm_create NAME TABLE: create a device that is removed at the end.
dm_create() {
	dmsetup create "$1" --table "$2" || return 1
	cleanup_add "dmsetup remove --retry $1"
}

sectors() { blockdev --getsz "$1"; }

# Kernel log lines written after the mark.
klog_mark() { echo "dm-band-test-mark $1" > /dev/kmsg; }
klog_since() { dmesg | awk -v m="dm-band-test-mark $1" 'f; index($0, m) {f=1}'; }

# fio_verify DEV SIZE [ARGS...]: write with crc32c verify, then read back and
# check every block.  Prints fio's terse line.  Fails on any error, and
# unless every byte written was read back and checked.
fio_verify() {
	local dev=$1 size=$2 line err rkb wkb
	shift 2
	line=$(fio --name=verify --filename="$dev" --size="$size" \
		--direct=1 --ioengine=libaio --iodepth=8 --rw=randwrite \
		--bsrange=4k-64k --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --output-format=terse "$@" 2>&1 | tail -n 1) || true
	err=$(echo "$line" | cut -d';' -f5)
	rkb=$(echo "$line" | cut -d';' -f6)
	wkb=$(echo "$line" | cut -d';' -f47)
	echo "# fio: error=$err read_kb=$rkb write_kb=$wkb"
	[ "$err" = 0 ] && [ -n "$wkb" ] && [ "$wkb" -gt 0 ] && [ "$rkb" = "$wkb" ]
}
