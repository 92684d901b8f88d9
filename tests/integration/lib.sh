# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for the integration tests, sourced by each test script inside a
# guest.  TAP output: `plan N`, then `ok`/`not_ok`/`check`/`is` per point.
# Each test cleans up after itself through `cleanup_add`.

MODULE=/dm-band/modules/dm_band.ko
# Sizes are divided by SCALE on slow kernels (the debug kernel: KASAN,
# lockdep and kmemleak under TCG); the runner sets it from dm_band.scale=.
SCALE=${SCALE:-1}
# mib N: N MiB scaled down, at least 1, as a fio/dd size.
mib() { local m=$(($1 / SCALE)); echo "$((m > 0 ? m : 1))M"; }
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

# status_is DESC WANT CMD...: one point, passing when CMD exits WANT and,
# when WANT is not 0, says why in one line "bandctl: ..." on stderr (the
# bandctl tests).  CMD's output is left in /tmp/bc.out and /tmp/bc.err.
status_is() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" >/tmp/bc.out 2>/tmp/bc.err
	rc=$?
	if [ "$rc" = "$want" ] && { [ "$want" = 0 ] ||
	   { [ "$(wc -l </tmp/bc.err)" = 1 ] && grep -q '^bandctl: ' /tmp/bc.err; }; }; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "  exit status $rc, expected $want; stdout, stderr:"
		sed 's/^/#   /' /tmp/bc.out /tmp/bc.err
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

# klog_stacks: show the stacks in hung-task reports (and other KERN_INFO
# lines) for the rest of the test; the guests boot with loglevel=6, which
# hides them.
klog_stacks() {
	local old
	old=$(cut -f1 /proc/sys/kernel/printk)
	echo 7 >/proc/sys/kernel/printk
	cleanup_add "echo $old >/proc/sys/kernel/printk"
}

# Kernel log lines written after the mark.
klog_mark() { echo "dm-band-test-mark $1" > /dev/kmsg; }
klog_since() { dmesg | awk -v m="dm-band-test-mark $1" 'f; index($0, m) {f=1}'; }

# dm_exists NAME: a device-mapper device of that name exists (read from
# sysfs with shell builtins: process starts are slow on the debug kernel).
dm_exists() {
	local f name
	for f in /sys/block/dm-*/dm/name; do
		[ -e "$f" ] || continue
		read -r name <"$f" && [ "$name" = "$1" ] && return 0
	done
	return 1
}

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

# ---------------------------------------------------------------- shares

# A device whose bandwidth is the bottleneck: null_blk completing from a
# timer after 10 ms, two requests at a time (200 IOPS), well below what one
# fio thread submits even in a TCG guest that shares its host's two cores
# with another guest (make check runs the debug guest beside the stock ones).  Reads cost nothing else, so the
# band device's order of dispatch decides who gets the bandwidth.
nullb_slow() {
	modprobe null_blk nr_devices=1 gb=1 queue_mode=2 irqmode=2 \
		completion_nsec="${1:-10000000}" hw_queue_depth=2 \
		submit_queues=1 || return 1
	cleanup_add "rmmod null_blk"
	[ -b /dev/nullb0 ]
}

# Fields of one group in `dmsetup status DEV`, by id ("default" for the
# default group): weight tokens read_bios read_sectors write_bios
# write_sectors held held_total in_flight debt_bios limit_iops limit_bps
# limited reserve_iops reserve_bps reserved.
grp_stat() {
	dmsetup status "$1" | awk -v id="$2" '{
		for (i = 7; i + 16 <= NF; i += 17)
			if ($i == id) {
				print $(i+1), $(i+2), $(i+3), $(i+4), $(i+5),
				      $(i+6), $(i+7), $(i+8), $(i+9), $(i+10),
				      $(i+11), $(i+12), $(i+13), $(i+14),
				      $(i+15), $(i+16)
				exit
			}
	}'
}

# grp_field DEV ID N: the Nth field of grp_stat (1 = weight).
grp_field() { grp_stat "$1" "$2" | cut -d' ' -f"$3"; }

# grp_fields DEV N ID...: the Nth field of grp_stat for each ID, in their
# order, all from one `dmsetup status` (a missing group prints "missing").
# Counters of groups that are still running must be read this way: one
# grp_field after another, under TCG, reads each later group a few hundred
# milliseconds later, and its count is that much longer (the small group
# of a 40:20:10 share test read up to 5% above its share from that alone).
grp_fields() {
	local dev=$1 field=$2
	shift 2
	dmsetup status "$dev" | awk -v f="$field" -v ids="$*" '{
		n = split(ids, id, " ")
		for (i = 7; i + 16 <= NF; i += 17)
			v[$i] = $(i + f)
		for (j = 1; j <= n; j++)
			printf "%s%s", (j > 1 ? " " : ""),
			       (id[j] in v ? v[id[j]] : "missing")
		print ""
	}'
}

# fio_job DEV SECONDS [ARGS...]: the fio command line of one job.  Threads,
# so that a job's I/O all comes from one process (thread group).
fio_job() {
	local dev=$1 secs=$2
	shift 2
	echo fio --name=job --filename="$dev" --direct=1 --rw=randread \
		--bs=4k --ioengine=libaio --iodepth=8 --thread --time_based \
		--runtime="$secs" --output=/dev/null "$@"
}

# start_job TYPE N DEV SECONDS [FIO ARGS...]: start the Nth job (1-based)
# of TYPE in the background, in this shell; sets JOB_PID to its process and
# JOB_ID to its id for that type.
start_job() {
	local type=$1 n=$2 dev=$3 secs=$4 cg
	shift 4
	case $type in
	pid)
		$(fio_job "$dev" "$secs" "$@") >/dev/null 2>&1 &
		JOB_PID=$!
		JOB_ID=$!
		;;
	pgrp)
		setsid $(fio_job "$dev" "$secs" "$@") >/dev/null 2>&1 &
		JOB_PID=$!
		JOB_ID=$!
		;;
	uid)
		setpriv --reuid=$((1000 + n)) --regid=$((1000 + n)) --clear-groups \
			$(fio_job "$dev" "$secs" "$@") >/dev/null 2>&1 &
		JOB_PID=$!
		JOB_ID=$((1000 + n))
		;;
	gid)
		setpriv --regid=$((2000 + n)) --clear-groups \
			$(fio_job "$dev" "$secs" "$@") >/dev/null 2>&1 &
		JOB_PID=$!
		JOB_ID=$((2000 + n))
		;;
	cgroup)
		cg=/sys/fs/cgroup/job$n
		mkdir -p "$cg"
		(echo "$BASHPID" > "$cg/cgroup.procs" &&
		 exec $(fio_job "$dev" "$secs" "$@")) >/dev/null 2>&1 &
		JOB_PID=$!
		JOB_ID=$(stat -c %i "$cg")
		;;
	esac
}

cgroup_setup() {
	echo "+io +memory" > /sys/fs/cgroup/cgroup.subtree_control
}

# shares_eval PCT "count1 count2 ..." "weight1 weight2 ...": one line per
# group, "i got want dev ok|bad", ok when its share of the counts is within
# PCT percent (relative) of its share of the weights.
shares_eval() {
	awk -v c="$2" -v w="$3" -v pct="$1" 'BEGIN {
		n = split(c, C, " "); split(w, W, " ")
		for (i = 1; i <= n; i++) { sc += C[i]; sw += W[i] }
		for (i = 1; i <= n; i++) {
			got = sc ? C[i] / sc : 0; want = W[i] / sw
			dev = want ? (got - want) / want * 100 : 100
			printf "%d %.4f %.4f %.1f %s\n", i, got, want, dev,
				(dev <= pct && dev >= -pct) ? "ok" : "bad"
		}
	}'
}

# shares_within LABEL PCT "count1 count2 ..." "weight1 weight2 ...": one
# point per group, passing when its share of the counts is within PCT
# percent (relative) of its share of the weights.
shares_within() {
	local label=$1 pct=$2 counts=($3) weights=($4) i
	local out
	out=$(shares_eval "$pct" "$3" "$4")
	while read -r i got want dev verdict; do
		local d="$label: group $i share $got, weight share $want (${dev}%, ${counts[$((i - 1))]} of total)"
		if [ "$verdict" = ok ]; then ok "$d"; else not_ok "$d"; fi
	done <<< "$out"
}

# measure_shares DEV FIELD WARMUP SECONDS ID...: reset the counters after
# WARMUP seconds, wait SECONDS, print each group's FIELD (3 = read bios,
# 4 = read sectors) in the order of the ids.
measure_shares() {
	local dev=$1 field=$2 warm=$3 secs=$4
	shift 4
	sleep "$warm"
	dmsetup message "$dev" 0 reset
	sleep "$secs"
	grp_fields "$dev" "$field" "$@"
}

# measure_shares_within LABEL PCT "WEIGHTS" DEV FIELD WARMUP SECONDS ID...:
# measure_shares, then shares_within.  A window that misses is measured
# once more (the miss is shown as a diagnostic) and the second window is
# judged: on a loaded TCG host a guest's vCPU can stall long enough for a
# fio job to run dry and lose its turn, once; a scheduler that gets the
# weights wrong misses every window.
measure_shares_within() {
	local label=$1 pct=$2 weights=$3 counts
	shift 3
	counts=$(measure_shares "$@")
	if shares_eval "$pct" "$counts" "$weights" | grep -q ' bad$'; then
		diag "$label: first window $counts missed the weights $weights; measuring again"
		counts=$(measure_shares "$1" "$2" 0 "$4" "${@:5}")
	fi
	diag "$label: counts $counts"
	shares_within "$label" "$pct" "$counts" "$weights"
}

# A job that has just gone idle counts as active for this long (the idle=
# option).  The default, 8 ms, is for real machines; a TCG guest on a busy
# two-core host can leave a fio thread unscheduled for tens of ms.
GUEST_IDLE_US=200000

# shares_test TYPE [WEIGHTS]: three (or as many as weights) fio jobs of
# TYPE read from one band device over a bandwidth-limited null_blk; each
# job's share of the bios passed down must be within 10% of its weight
# share.  Each job keeps 32 bios in flight: at 8, a job's fio thread that
# a loaded host left unscheduled for ~100 ms ran out of held bios, and a
# work-conserving scheduler rightly gave its turn away (a first window of
# 792:492:204 for 40:20:10 under five busy loops beside the guest).  uid
# and gid groups come from the table line, the others are attached by
# message once the jobs run (their ids are only known then).
shares_test() {
	local type=$1 weights=(${2:-40 20 10}) ids=() pids=() i n counts
	local dev=sh$type groups=""

	band_load || return 1
	nullb_slow || return 1
	[ "$type" = cgroup ] && cgroup_setup
	n=$(sectors /dev/nullb0)
	if [ "$type" = uid ] || [ "$type" = gid ]; then
		for i in "${!weights[@]}"; do
			case $type in
			uid) groups+=" $((1001 + i)):${weights[$i]}" ;;
			gid) groups+=" $((2001 + i)):${weights[$i]}" ;;
			esac
		done
	fi
	# token_base 1: every group gets its weight in tokens each epoch, so
	# that a few seconds hold dozens of epochs.
	check "create a $type band device (weights ${weights[*]})" \
		dm_create "$dev" "0 $n band /dev/nullb0 0 $dev $type weight 1 :10$groups idle=$GUEST_IDLE_US"
	chmod 666 "/dev/mapper/$dev"
	for i in "${!weights[@]}"; do
		start_job "$type" $((i + 1)) "/dev/mapper/$dev" 30 --iodepth=32
		pids+=("$JOB_PID")
		ids+=("$JOB_ID")
	done
	cleanup_add "kill ${pids[*]}; wait"
	if [ -z "$groups" ]; then
		for i in "${!ids[@]}"; do
			dmsetup message "$dev" 0 attach "${ids[$i]}:${weights[$i]}" ||
				not_ok "attach ${ids[$i]}"
		done
	fi
	measure_shares_within "$type ${weights[*]}" 10 "${weights[*]}" \
		"$dev" 3 2 10 "${ids[@]}"
	diag "default group: $(grp_field "$dev" default 3) read bios"
	kill "${pids[@]}" 2>/dev/null
	wait
}

# nullb_mem_slow NAME SIZE_MB [COMPLETION_NS [MBPS]]: a memory-backed null_blk
# device (it keeps data, so LVM and fio verify work) that is also the
# bottleneck.  Made through configfs; sets NULLB_DEV to its /dev path.
nullb_mem_slow() {
	local d=/sys/kernel/config/nullb/$1
	grep -q '^null_blk ' /proc/modules || {
		modprobe null_blk nr_devices=0 || return 1
		cleanup_add "rmmod null_blk"
	}
	mkdir "$d" || return 1
	cleanup_add "echo 0 > $d/power; rmdir $d"
	echo 1 > "$d/memory_backed"
	echo "$2" > "$d/size"
	echo 2 > "$d/irqmode"
	echo "${3:-2000000}" > "$d/completion_nsec"
	echo 2 > "$d/hw_queue_depth"
	echo 1 > "$d/submit_queues"
	[ -z "${4:-}" ] || echo "$4" > "$d/mbps"
	echo 1 > "$d/power" || return 1
	# Named after the configfs directory.
	NULLB_DEV=/dev/$1
	[ -b "$NULLB_DEV" ]
}
