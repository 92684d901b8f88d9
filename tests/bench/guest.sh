#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The bench inside a guest (tests/bench/run.sh boots it with
# dm_band.run=/dm-band/bench/guest.sh).  Measures, asserts nothing: the host
# turns what this prints into results.csv, report.md and the charts.
#
# Every job runs in a cgroup under /sys/fs/cgroup/bench, as fio with
# --group_reporting (one cgroup = one group = one fio process), whatever the
# controller, so that every controller sees the same jobs:
#
#   none         the null_blk device alone (scheduler none)
#   band         a dm-band device (type cgroup, policy weight) over it
#   band-iosize  the same with policy weight-iosize
#   band-noinject  the same as band with inject=0 (no work conservation
#                by injection: the refill rule alone, as before issue 11)
#   bfq          scheduler bfq, io.bfq.weight per cgroup
#   iocost       io.cost.qos enable=1 with an io.cost.model measured here,
#                io.weight per cgroup
#   raw, linear  (overhead rows) the device alone, dm-linear over it
#   iomax        (limits rows) blk-throttle: io.max riops/wiops or
#                rbps/wbps per cgroup, the kernel's own caps
#
# Throughput: each group's completions in one window, timed once every
# group runs, from fio's own logs (averages every LOG_MS, stamped with the
# time of day), so that all groups are measured over the same window
# however slowly the guest reads anything; buffered writes from io.stat
# (what is written back, not what fio writes into the page cache).
# Latency (p50, p99 of the total latency, submission to completion) from
# fio's JSON.
#
# Output lines the host parses (everything else is progress):
#   BENCH key=value...                          run parameters
#   DEV shape name maj:min key=value...         the null_blk devices
#   MODEL shape <io.cost.model line>            measured, then set
#   QOS shape <io.cost.qos line>                as in effect while enabled
#   RUN runid scen shape ctrl variant round ngroups   a run starts
#   ROW scen,shape,ctrl,variant,round,group,weight,jobs,ms,ios,bytes,p50us,p99us
#   TS runid ms ios_1 ios_2 ...                 settle: cumulative I/Os
#   EVENT runid ms name                         settle: what happened when
#   ERR runid message                           a run that failed
#   LIMITS key=value...                         limits: the caps and reservation
#   COST round ctrl variant writers key=value... cost, split: a per-bio cost run
#   PARTS round n=.. err=.. part=ns...          cost: the fast path's parts
#   RUNS n                                      runs attempted, at the end
export PATH=/usr/sbin:/usr/bin
B=/dm-band/bench
. "$B/params.sh"
MODULE=/dm-band/modules/dm_band.ko
CG=/sys/fs/cgroup/bench
TMPD=/tmp/bench
mkdir -p "$TMPD"
runs=0

say() { echo "$@"; }

# NOW: milliseconds since the epoch, without a process start; the clock
# of fio's logs (--log_unix_epoch).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	NOW=$((10#$t / 1000))
}

# ---------------------------------------------------------------- devices

# Device shapes: null_blk through configfs, completing from a timer (under
# TCG a request takes longer than the timer: the probes say how long).
#   serial    1 slot, 1 ms a request: 1000 IOPS whatever the size
#   parallel  8 slots, 2 ms: 4000 IOPS, and 32 MiB/s (null_blk's mbps)
#   buf       parallel's shape, memory-backed (it keeps data: ext4 for the
#             buffered-write scenario)
#   fast      no delay (softirq completion), 64 slots, 2 queues: the CPU is
#             the bottleneck (overhead rows)
declare -A DEVNAME DEVNUM DEVSPEC
nullb_make() {
	local shape=$1 name=$2 depth=$3 nsec=$4 mbps=$5 irq=$6 queues=$7 mem=$8 size=$9
	local d=/sys/kernel/config/nullb/$name
	mkdir "$d" || return 1
	echo "$size" >"$d/size"
	echo "$mem" >"$d/memory_backed"
	echo "$irq" >"$d/irqmode"
	echo "$nsec" >"$d/completion_nsec"
	echo "$depth" >"$d/hw_queue_depth"
	echo "$queues" >"$d/submit_queues"
	echo "$mbps" >"$d/mbps"
	echo 1 >"$d/power" || return 1
	[ -b "/dev/$name" ] || return 1
	DEVNAME[$shape]=$name
	DEVNUM[$shape]=$(cat "/sys/block/$name/dev")
	DEVSPEC[$shape]="slots=$depth completion_ns=$nsec mbps=$mbps irqmode=$irq queues=$queues memory_backed=$mem size_mb=$size"
	say "DEV $shape $name ${DEVNUM[$shape]} ${DEVSPEC[$shape]}"
}

set_sched() { echo "$2" >"/sys/block/$1/queue/scheduler"; }

# fio_json_field FILE KEY: the first numeric value of "KEY" in fio's JSON.
fio_json_field() {
	awk -v k="\"$2\"" '$1 == k { v = $3; gsub(/[ ,]/, "", v); print v; exit }' "$1"
}

# probe SHAPE: measure the device alone (scheduler none, no controller) and
# give iocost a linear model from it: 4 KiB random and sequential IOPS and
# 256 KiB sequential bandwidth, reads and writes.
probe() {
	local shape=$1 dev=/dev/${DEVNAME[$1]} qd rw bs key val model=""
	set_sched "${DEVNAME[$shape]}" none
	# Twice the device's slots in flight: it is never idle.
	qd=$(($(cat "/sys/block/${DEVNAME[$1]}/queue/nr_requests") * 2))
	[ "$qd" -gt 64 ] && qd=64
	for spec in rrandiops:randread:4k rseqiops:read:4k rbps:read:256k \
		    wrandiops:randwrite:4k wseqiops:write:4k wbps:write:256k; do
		IFS=: read -r key rw bs <<<"$spec"
		fio --name=probe --filename="$dev" --direct=1 --ioengine=libaio \
			--iodepth="$qd" --rw="$rw" --bs="$bs" --time_based \
			--runtime="$PROBE" --norandommap --randrepeat=0 \
			--unified_rw_reporting=mixed --output-format=json \
			--output="$TMPD/probe.json" >/dev/null 2>&1
		case $key in
		*bps) val=$(fio_json_field "$TMPD/probe.json" bw_bytes) ;;
		*) val=$(fio_json_field "$TMPD/probe.json" iops) ;;
		esac
		val=${val%.*}
		[ -n "$val" ] && [ "$val" -gt 0 ] || val=1
		model+=" $key=$val"
	done
	echo "${DEVNUM[$shape]} ctrl=user model=linear$model" >/sys/fs/cgroup/io.cost.model
	say "MODEL $shape $(grep "^${DEVNUM[$shape]} " /sys/fs/cgroup/io.cost.model)"
}

# ---------------------------------------------------------------- groups

# The groups of the next run: parallel arrays, filled by group().
G_NAME=() G_W=() G_JOBS=() G_ARGS=()
# (limits: the group's attributes in the band table, and its io.max line)
declare -A G_BAND G_IOMAX
groups_clear() { G_NAME=() G_W=() G_JOBS=() G_ARGS=() G_BAND=() G_IOMAX=(); }
# group NAME WEIGHT JOBS FIO_ARGS...
group() {
	G_NAME+=("$1")
	G_W+=("$2")
	G_JOBS+=("$3")
	shift 3
	G_ARGS+=("$*")
}

maxw() {
	local w m=1
	for w in "${G_W[@]}"; do [ "$w" -gt "$m" ] && m=$w; done
	echo "$m"
}

cg_make() {
	local n
	rm -rf "$TMPD/run"
	mkdir -p "$TMPD/run"
	for n in "${G_NAME[@]}"; do
		mkdir -p "$CG/$n" || return 1
	done
}

cg_remove() {
	local n
	for n in "${G_NAME[@]}"; do
		rmdir "$CG/$n" 2>/dev/null
	done
}

# iostat_all: IOS[i] and BYTES[i] (reads plus writes on TOPNUM) of every
# group now, from the cgroups' io.stat; NOW the middle of the reading.  One
# awk reads all the files: bash's read builtin seeks back after each line,
# and each seek makes the kernel regenerate the file and flush the cgroup
# statistics again.
IOS=() BYTES=()
iostat_all() {
	local a t
	local -a files=()
	for a in "${G_NAME[@]}"; do files+=("$CG/$a/io.stat"); done
	now_ms
	t=$NOW
	iostat_files "${files[@]}"
	now_ms
	SNAP_MS=$((NOW - t))
	NOW=$(((NOW + t) / 2))
}

# iostat_files FILE...: IOS[i] and BYTES[i] of each io.stat file, on
# TOPNUM (on IOSTAT_DEV if set; on every device if it is empty).
iostat_files() {
	local i=0 a b
	IOS=() BYTES=()
	while read -r a b; do
		IOS[i]=$a BYTES[i]=$b
		i=$((i + 1))
	done <<<"$(awk -v dev="${IOSTAT_DEV-$TOPNUM}" 'BEGIN {
		for (i = 1; i < ARGC; i++) {
			ios = 0; bytes = 0
			while ((getline line < ARGV[i]) > 0) {
				n = split(line, f, " ")
				if (dev != "" && f[1] != dev) continue
				for (j = 2; j <= n; j++) {
					split(f[j], kv, "=")
					if (kv[1] == "rios" || kv[1] == "wios") ios += kv[2]
					if (kv[1] == "rbytes" || kv[1] == "wbytes") bytes += kv[2]
				}
			}
			close(ARGV[i])
			printf "%.0f %.0f\n", ios, bytes
		}
	}' "$@")"
}

# snap S0|S1: every group's I/Os and bytes from io.stat, and the time.
declare -a S0_IOS S0_BYTES S1_IOS S1_BYTES
snap() {
	iostat_all
	eval "${1}_IOS=(\"\${IOS[@]}\"); ${1}_BYTES=(\"\${BYTES[@]}\"); ${1}_MS=$NOW"
	if [ "$SNAP_MS" -gt 200 ]; then say "# reading io.stat took $SNAP_MS ms"; fi
}

# log_args [iops]: the fio log files of every group, each group's led by
# "@" (only the IOPS logs with "iops").
log_args() {
	local n f
	LOG_ARGS=()
	for n in "${G_NAME[@]}"; do
		LOG_ARGS+=(@)
		for f in "$TMPD/run/$n"_iops.*.log "$TMPD/run/$n"_bw.*.log; do
			[ -e "$f" ] || continue
			[ "$1" = iops ] && [[ $f == *_bw.* ]] && continue
			LOG_ARGS+=("$f")
		done
	done
}

# fio's averaged log entries: an entry (time t, the average v over the
# time since the previous entry of its file and direction, or LOG_MS for
# the first) contributes v per second of its interval's overlap with the
# window (bw logs: KiB/s).

# window_counts T0 T1: IOS[i] and BYTES[i] of every group completed
# between T0 and T1 (epoch ms), from the groups' fio logs; fio counts
# completions, with its own timestamps, so every group is measured over
# exactly the same window however long reading anything takes.
window_counts() {
	local i=0 a b
	log_args
	IOS=() BYTES=()
	while read -r a b; do
		IOS[i]=$a BYTES[i]=$b
		i=$((i + 1))
	done <<<"$(awk -v t0="$1" -v t1="$2" -v L="$LOG_MS" '
	function out() { if (g) printf "%.0f %.0f\n", ios, bytes; ios = 0; bytes = 0; g++ }
	BEGIN {
		for (i = 1; i < ARGC; i++) {
			if (ARGV[i] == "@") { out(); continue }
			bw = (ARGV[i] ~ /_bw\./)
			split("", prev)
			while ((getline line < ARGV[i]) > 0) {
				split(line, f, /, */)
				t = f[1] + 0; v = f[2] + 0; d = f[3]
				s = (d in prev) ? prev[d] : t - L
				prev[d] = t
				a = (s > t0) ? s : t0; e = (t < t1) ? t : t1
				if (e <= a) continue
				if (bw) bytes += v * 1024 * (e - a) / 1000
				else ios += v * (e - a) / 1000
			}
			close(ARGV[i])
		}
		out()
	}' "${LOG_ARGS[@]}")"
	[ "$i" = "${#G_NAME[@]}" ]
}

# settle_ts ID T0 T1: "TS ID t n_1 n_2 ..." every SAMPLE_MS from T0 to
# T1, the I/Os each group completed since T0 (from the fio logs).
settle_ts() {
	log_args iops
	awk -v id="$1" -v t0="$2" -v t1="$3" -v B="$SAMPLE_MS" -v L="$LOG_MS" 'BEGIN {
		nb = int((t1 - t0) / B)
		for (i = 1; i < ARGC; i++) {
			if (ARGV[i] == "@") { g++; continue }
			split("", prev)
			while ((getline line < ARGV[i]) > 0) {
				split(line, f, /, */)
				t = f[1] + 0; v = f[2] + 0; d = f[3]
				s = (d in prev) ? prev[d] : t - L
				prev[d] = t
				for (b = int((s - t0) / B); b * B + t0 < t; b++) {
					if (b < 0 || b >= nb) continue
					bs = t0 + b * B; be = bs + B
					a = (s > bs) ? s : bs; e = (t < be) ? t : be
					if (e > a) c[g, b] += v * (e - a) / 1000
				}
			}
			close(ARGV[i])
		}
		line = "TS " id " " t0
		for (k = 1; k <= g; k++) line = line " 0"
		print line
		for (b = 0; b < nb; b++) {
			line = "TS " id " " (t0 + (b + 1) * B)
			for (k = 1; k <= g; k++) { n[k] += c[k, b]; line = line sprintf(" %.0f", n[k]) }
			print line
		}
	}' "${LOG_ARGS[@]}"
}

# ---------------------------------------------------------------- controllers

# ctrl_setup CTRL SHAPE: put CTRL on the shape's device for the groups of
# this run (their cgroups exist).  Sets TOP (the device the jobs use) and
# TOPNUM (its maj:min, for io.stat).  BAND_TYPE (cgroup or none),
# BAND_IDLE and BAND_MORE (more "id:weight" groups) adjust the band table.
ctrl_setup() {
	local ctrl=$1 shape=$2 name=${DEVNAME[$2]} i m tbl n
	local policy=${BAND_POLICY:-weight} idle=${BAND_IDLE:-$IDLE_US}
	TOP=/dev/$name
	set_sched "$name" none || return 1
	m=$(maxw)
	case $ctrl in
	none | raw) ;;
	bfq)
		set_sched "$name" bfq || return 1
		for i in "${!G_NAME[@]}"; do
			echo $((G_W[i] * (1000 / m))) >"$CG/${G_NAME[$i]}/io.bfq.weight" || return 1
		done
		;;
	iocost)
		echo "${DEVNUM[$shape]} enable=1" >/sys/fs/cgroup/io.cost.qos || return 1
		for i in "${!G_NAME[@]}"; do
			echo $((G_W[i] * (10000 / m))) >"$CG/${G_NAME[$i]}/io.weight" || return 1
		done
		if [ -z "${QOS_SHOWN[$shape]:-}" ]; then
			say "QOS $shape $(grep "^${DEVNUM[$shape]} " /sys/fs/cgroup/io.cost.qos)"
			QOS_SHOWN[$shape]=1
		fi
		;;
	iomax)
		for i in "${!G_NAME[@]}"; do
			[ -n "${G_IOMAX[${G_NAME[$i]}]:-}" ] || continue
			echo "${DEVNUM[$shape]} ${G_IOMAX[${G_NAME[$i]}]}" \
				>"$CG/${G_NAME[$i]}/io.max" || return 1
		done
		;;
	linear)
		n=$(blockdev --getsz "/dev/$name")
		dmsetup create bench-dev --table "0 $n linear /dev/$name 0" || return 1
		TOP=/dev/mapper/bench-dev
		;;
	band | band-iosize | band-noinject)
		[ "$ctrl" = band-iosize ] && policy=weight-iosize
		n=$(blockdev --getsz "/dev/$name")
		if [ "${BAND_TYPE:-cgroup}" = none ]; then
			tbl="0 $n band /dev/$name 0 bench none $policy 0 :100"
		else
			tbl="0 $n band /dev/$name 0 bench cgroup $policy 0 :100"
			for i in "${!G_NAME[@]}"; do
				tbl+=" $(stat -c %i "$CG/${G_NAME[$i]}"):${G_W[$i]}${G_BAND[${G_NAME[$i]}]:-}"
			done
			tbl+=${BAND_MORE:-}
		fi
		tbl+=" idle=$idle"
		[ "$ctrl" = band-noinject ] || [ -n "${BAND_NOINJECT:-}" ] && tbl+=" inject=0"
		dmsetup create bench-dev --table "$tbl" || return 1
		TOP=/dev/mapper/bench-dev
		;;
	*) return 1 ;;
	esac
	if [ "$TOP" = /dev/mapper/bench-dev ]; then
		TOPNUM=$(dmsetup info -c --noheadings -o major,minor --separator : bench-dev)
	else
		TOPNUM=${DEVNUM[$shape]}
	fi
}
declare -A QOS_SHOWN

ctrl_teardown() {
	local ctrl=$1 shape=$2
	case $ctrl in
	iocost) echo "${DEVNUM[$shape]} enable=0" >/sys/fs/cgroup/io.cost.qos ;;
	bfq) set_sched "${DEVNAME[$shape]}" none ;;
	esac
	if dmsetup info bench-dev >/dev/null 2>&1; then
		dmsetup remove --retry bench-dev >/dev/null 2>&1 ||
			say "# could not remove bench-dev"
	fi
}

# ---------------------------------------------------------------- jobs

FIO_COMMON="--direct=1 --thread --group_reporting --time_based --runtime=3600
	--norandommap --randrepeat=0 --lat_percentiles=1 --clat_percentiles=0
	--percentile_list=50:99 --unified_rw_reporting=mixed --output-format=json
	--disk_util=0 --log_avg_msec=$LOG_MS --log_unix_epoch=1"
declare -a PIDS
# jobs_start FILE_PREFIX: one fio per group in its cgroup, on TOP (or on
# FILE_PREFIX<group> when given: files in a file system).
jobs_start() {
	local i f
	PIDS=()
	for i in "${!G_NAME[@]}"; do
		f=${1:+$1${G_NAME[$i]}}
		# shellcheck disable=SC2086
		(echo "$BASHPID" >"$CG/${G_NAME[$i]}/cgroup.procs" &&
		 exec fio --name="${G_NAME[$i]}" --filename="${f:-$TOP}" \
			--numjobs="${G_JOBS[$i]}" --ramp_time="$WARM" $FIO_COMMON \
			--write_iops_log="$TMPD/run/${G_NAME[$i]}" \
			--write_bw_log="$TMPD/run/${G_NAME[$i]}" \
			${G_ARGS[$i]} --output="$TMPD/run/${G_NAME[$i]}.json") \
			>/dev/null 2>"$TMPD/run/${G_NAME[$i]}.err" &
		PIDS+=($!)
	done
}

# jobs_wait_started: until every group has I/O on TOP (300 s at most: a
# TCG guest on a busy host starts 128 fio processes slowly).  First until
# every fio has its threads (a glob, no process start), then io.stat:
# reading 128 io.stat files over and over would take the CPU the fio
# processes need to start.
jobs_wait_started() {
	local i t0 left
	local -a task
	now_ms
	t0=$NOW
	while :; do
		left=0
		for i in "${!PIDS[@]}"; do
			if [ ! -d "/proc/${PIDS[i]}" ]; then
				say "# ${G_NAME[i]}: fio exited"
				return 1
			fi
			task=(/proc/"${PIDS[i]}"/task/*)
			# The main thread and the jobs (and fio's helper thread,
			# if it has one: io.stat below has the last word).
			[ "${#task[@]}" -ge $((G_JOBS[i] + 1)) ] || left=$((left + 1))
		done
		[ "$left" = 0 ] && break
		now_ms
		[ $((NOW - t0)) -gt 300000 ] && break
		sleep 0.5
	done
	while :; do
		left=0
		iostat_all
		for i in "${!G_NAME[@]}"; do
			[ "${IOS[i]:-0}" -gt 0 ] || left=$((left + 1))
		done
		[ "$left" = 0 ] && return 0
		if [ $((NOW - t0)) -gt 300000 ]; then
			say "# $left groups never started"
			return 1
		fi
		sleep 1
	done
}

jobs_stop() {
	local p t=0
	kill -CONT "${PIDS[@]}" 2>/dev/null
	kill -INT "${PIDS[@]}" 2>/dev/null
	# fio writes its JSON and logs and exits; not forever.
	while :; do
		local alive=0
		for p in "${PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ "$alive" = 0 ] && break
		t=$((t + 1))
		if [ "$t" -gt 600 ]; then
			kill -KILL "${PIDS[@]}" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "${PIDS[@]}" 2>/dev/null
	PIDS=()
}

# lat_all: P50[i] and P99[i], microseconds, from each group's fio JSON
# (NA when fio wrote none).
lat_all() {
	local i=0 a b n
	local -a files=()
	for n in "${G_NAME[@]}"; do files+=("$TMPD/run/$n.json"); done
	P50=() P99=()
	while read -r a b; do
		P50[i]=$a P99[i]=$b
		i=$((i + 1))
	done <<<"$(awk 'BEGIN {
		for (i = 1; i < ARGC; i++) {
			a = ""; b = ""
			while ((getline line < ARGV[i]) > 0) {
				split(line, f, " ")
				if (f[1] == "\"50.000000\"") a = f[3]
				if (f[1] == "\"99.000000\"") b = f[3]
			}
			close(ARGV[i])
			gsub(/,/, "", a); gsub(/,/, "", b)
			if (a == "" || b == "") print "NA NA"
			else printf "%.0f %.0f\n", a / 1000, b / 1000
		}
	}' "${files[@]}")"
}

# rows SCEN SHAPE CTRL VARIANT ROUND: one ROW per group from snapshots S0
# and S1 (weights from WEIGHTS_OVERRIDE when set).
rows() {
	local i w
	local -a ws=(${WEIGHTS_OVERRIDE:-${G_W[*]}})
	lat_all
	for i in "${!G_NAME[@]}"; do
		w=${ws[$i]}
		say "ROW $1,$2,$3,$4,$5,${G_NAME[$i]},$w,${G_JOBS[$i]},$((S1_MS - S0_MS)),$((S1_IOS[i] - S0_IOS[i])),$((S1_BYTES[i] - S0_BYTES[i])),${P50[i]:-NA},${P99[i]:-NA}"
	done
}

# ---------------------------------------------------------------- one run

# measure SCEN SHAPE CTRL VARIANT ROUND [FILE_PREFIX]: set up, start the
# groups, and once all have started and WARM seconds passed, measure SECS
# seconds: from the fio logs, or from io.stat when USE_IOSTAT is set
# (writeback: what reaches the device, not what fio writes to the page
# cache).  Then the rows, and tear down.  MEASURE_HOOK and EMIT_HOOK, when
# set, replace the window and the rows (settle); WINDOW_HOOK, when set,
# runs with 0 and 1 at the window's start and end.
# finished ID: the run ID finished in an earlier boot of this bench (run.sh
# boots a guest that died again, with those runs in done.txt): skip it.
declare -A FINISHED=()
if [ -r /dm-band/bench/done.txt ]; then
	while read -r i; do FINISHED[$i]=1; done </dm-band/bench/done.txt
	say "# going on after ${#FINISHED[@]} runs finished before"
fi
finished() { [ -n "${FINISHED[$1]:-}" ]; }

measure() {
	local scen=$1 shape=$2 ctrl=$3 variant=$4 round=$5 files=${6:-}
	local id="$scen-$shape-$ctrl${variant:+-$variant}-r$round" t0 t1 i
	runs=$((runs + 1))
	finished "$id" && return 0
	now_ms
	t0=$NOW
	say "RUN $id $scen $shape $ctrl ${variant:--} $round ${#G_NAME[@]}"
	if ! cg_make || ! ctrl_setup "$ctrl" "$shape"; then
		say "ERR $id: could not set up $ctrl on $shape"
		ctrl_teardown "$ctrl" "$shape"
		cg_remove
		return 1
	fi
	if [ -n "${PRE_HOOK:-}" ] && ! $PRE_HOOK; then
		say "ERR $id: $PRE_HOOK failed"
		[ -n "${POST_HOOK:-}" ] && $POST_HOOK
		ctrl_teardown "$ctrl" "$shape"
		cg_remove
		return 1
	fi
	jobs_start "$files"
	if jobs_wait_started; then
		now_ms
		t1=$NOW
		sleep "$WARM"
		if [ -n "${MEASURE_HOOK:-}" ]; then
			$MEASURE_HOOK "$id"
		elif [ -n "${USE_IOSTAT:-}" ]; then
			snap S0
			sleep "$SECS"
			snap S1
		else
			now_ms
			S0_MS=$NOW
			[ -n "${WINDOW_HOOK:-}" ] && $WINDOW_HOOK 0
			sleep "$SECS"
			now_ms
			S1_MS=$NOW
			[ -n "${WINDOW_HOOK:-}" ] && $WINDOW_HOOK 1
		fi
		# dm-band's own view of the run, for whoever reads raw.txt: its
		# scheduler state and the first groups' counters.
		if [ "$TOP" = /dev/mapper/bench-dev ] && [[ $ctrl == band* ]]; then
			say "# $id: stats $(dmsetup message bench-dev 0 stats 2>&1 | tr '\n' ' ')"
			say "# $id: status $(dmsetup status bench-dev 2>&1 | cut -c1-600)"
		fi
		jobs_stop
		if [ -n "${EMIT_HOOK:-}" ]; then
			$EMIT_HOOK "$id" "$scen" "$shape" "$ctrl" "$round"
		elif [ -n "${USE_IOSTAT:-}" ]; then
			rows "$scen" "$shape" "$ctrl" "$variant" "$round"
		elif window_counts "$S0_MS" "$S1_MS"; then
			S0_IOS=() S0_BYTES=() S1_IOS=("${IOS[@]}") S1_BYTES=("${BYTES[@]}")
			for i in "${!IOS[@]}"; do S0_IOS[i]=0 S0_BYTES[i]=0; done
			rows "$scen" "$shape" "$ctrl" "$variant" "$round"
		else
			say "ERR $id: no fio logs"
		fi
		say "# $id: set up and started in $(((t1 - t0) / 1000))s"
	else
		jobs_stop
		say "ERR $id: jobs did not start: $(cat "$TMPD"/run/*.err 2>/dev/null | head -n 3 | tr '\n' ' ')"
	fi
	[ -n "${POST_HOOK:-}" ] && $POST_HOOK
	ctrl_teardown "$ctrl" "$shape"
	cg_remove
	now_ms
	say "# run $id took $(((NOW - t0) / 1000))s"
	# BENCH_DIE_AFTER (run.sh): the first boot's kernel crashes here.
	if [ -n "${DIE_AFTER:-}" ] && [ "${#FINISHED[@]}" = 0 ] && [ "$runs" -ge "$DIE_AFTER" ]; then
		say "# crashing the kernel after $runs runs (BENCH_DIE_AFTER)"
		echo c >/proc/sysrq-trigger
	fi
}

# ---------------------------------------------------------------- scenarios

RR="--rw=randrw --rwmixread=70 --bs=4k --ioengine=libaio --iodepth=4"
RREAD="--rw=randread --bs=4k --ioengine=libaio"

# 1. friendly: three groups 40:20:10, three jobs each, 4 KiB random
# reads and writes (70:30), queue depth 4 per job.  Friendly and skewed
# are counted from io.stat (each cgroup's bios on the device under test,
# as groups and buffered are): fio's averaged logs count a group whose
# bios come in bursts unevenly at the window's edges (skewed, serial, the
# same rounds: 5.6% from the logs, 0.7% from io.stat).
s_friendly() {
	local shape ctrl USE_IOSTAT=1
	for shape in serial parallel; do
		for ctrl in none band band-noinject bfq iocost; do
			groups_clear
			group a 40 3 "$RR"
			group b 20 3 "$RR"
			group c 10 3 "$RR"
			measure friendly "$shape" "$ctrl" "" "$1"
		done
	done
}

# 2. skewed: the same weights and I/O, 1, 2 and 6 jobs: the lightest
# weight has the most jobs.
s_skewed() {
	local shape ctrl USE_IOSTAT=1
	for shape in serial parallel; do
		for ctrl in none band band-noinject bfq iocost; do
			groups_clear
			group a 40 1 "$RR"
			group b 20 2 "$RR"
			group c 10 6 "$RR"
			measure skewed "$shape" "$ctrl" "" "$1"
		done
	done
}

# 3. qd1: a synchronous reader (psync, one I/O at a time, weight 4) against
# a reader with 32 I/Os in flight (weight 1); and the QD1 reader alone.
# On the parallel shape also "beside": the QD32 reader on a twin device,
# no controller, so that the QD1 reader shares only the guest's CPUs with
# it: the latency floor a controller on one device cannot go below.
s_qd1() {
	local shape ctrl
	for shape in serial parallel; do
		groups_clear
		group qd1 4 1 "--rw=randread --bs=4k --ioengine=psync"
		measure qd1 "$shape" none alone "$1"
		if [ "$shape" = parallel ] && [ -n "${DEVNAME[twin]:-}" ]; then
			mkdir -p "$TMPD/beside"
			ln -sfn "/dev/${DEVNAME[parallel]}" "$TMPD/beside/qd1"
			ln -sfn "/dev/${DEVNAME[twin]}" "$TMPD/beside/qd32"
			group qd32 1 1 "$RREAD --iodepth=32"
			# (started when each has I/O on its own device)
			IOSTAT_DEV= measure qd1 "$shape" none beside "$1" "$TMPD/beside/"
		fi
		for ctrl in none band band-noinject bfq iocost; do
			groups_clear
			group qd1 4 1 "--rw=randread --bs=4k --ioengine=psync"
			group qd32 1 1 "$RREAD --iodepth=32"
			measure qd1 "$shape" "$ctrl" "" "$1"
		done
	done
}

# 4. seqrand: sequential 256 KiB reads against random 4 KiB reads, equal
# weights, 8 in flight each, on the parallel device (whose 32 MiB/s bound
# makes a 256 KiB read cost more than a 4 KiB one).
s_seqrand() {
	local ctrl
	for ctrl in none band band-iosize bfq iocost; do
		groups_clear
		group seq 1 1 "--rw=read --bs=256k --ioengine=libaio --iodepth=8"
		group rand 1 1 "$RREAD --iodepth=8"
		measure seqrand parallel "$ctrl" "" "$1"
	done
}

# 5. buffered: two cgroups write files through the page cache of an ext4
# on the memory-backed device, weights 1:4; writeback attributes the
# bios to them.  Dirty memory bounded (64 MiB, background from 1 MiB, as
# in tests/integration/21-buffered-cgroup.sh).
buf_mount() { mount -t ext4 "$TOP" /mnt/bench; }
buf_umount() {
	umount /mnt/bench
	echo 1 >/proc/sys/vm/drop_caches
}
s_buffered() {
	local ctrl ratio bg warm=$WARM
	ratio=$(sysctl -n vm.dirty_ratio) bg=$(sysctl -n vm.dirty_background_ratio)
	sysctl -qw vm.dirty_bytes=$((64 << 20)) vm.dirty_background_bytes=$((1 << 20))
	mkdir -p /mnt/bench
	# Dirty memory takes a while to reach its steady state.
	WARM=$(awk -v w="$WARM" 'BEGIN { print (w * 3 < 2) ? 2 : w * 3 }')
	PRE_HOOK=buf_mount POST_HOOK=buf_umount USE_IOSTAT=1
	for ctrl in none band band-iosize bfq iocost; do
		groups_clear
		group w1 1 1 "--rw=write --bs=64k --ioengine=psync --direct=0 --size=96m"
		group w4 4 1 "--rw=write --bs=64k --ioengine=psync --direct=0 --size=96m"
		measure buffered buf "$ctrl" "" "$1" /mnt/bench/
	done
	PRE_HOOK= POST_HOOK= USE_IOSTAT=
	WARM=$warm
	sysctl -qw vm.dirty_ratio="$ratio" vm.dirty_background_ratio="$bg"
}

# 6. groups: n groups with weights 1..n, one job each, 32 I/Os in flight
# in all (at least 2 per group).  Counted from io.stat (each cgroup's bios
# on the device under test), over a window four times as long: the light
# groups do a few I/Os a second, at which fio's averaged logs are no
# count (they gave a weight-3 group 187 I/Os in a window when dm-band had
# passed it 162 in the whole run), and a group's I/Os come in bursts of
# its tokens, so a short window cuts them unevenly.
s_groups() {
	local n i qd ctrl secs=$SECS
	local SECS=$((secs * 4)) USE_IOSTAT=1
	for n in $NGROUPS; do
		qd=$((32 / n))
		[ "$qd" -lt 2 ] && qd=2
		for ctrl in none band bfq iocost; do
			groups_clear
			for ((i = 1; i <= n; i++)); do
				group "g$i" "$i" 1 "$RREAD --iodepth=$qd"
			done
			measure groups parallel "$ctrl" "n$n" "$1"
		done
	done
}

# 10. limits: caps and a reservation (issue 15) on the parallel device
# (4000 IOPS, 32 MiB/s), against blk-throttle's io.max where it has the
# same control (caps; it has no reservations) and no controller.
#   cap-alone   a QD8 reader capped at LIM_IOPS, alone on the device
#   cap-beside  the same, weight 1000, beside an uncapped reader of
#               weight 1: the cap holds, the other takes the rest
#   reserve     a QD8 reader of weight 1 with RES_IOPS reserved beside
#               one of weight 1000; weights-only: the same without the
#               reservation (what the weights alone give it)
#   bps-beside  64 KiB readers, the weight-1000 one capped at LIM_BPS
#   reserve-deep  as reserve, RES_DEEP reserved: more than the half of
#               the device its bios in flight would give it
#   reserve-over  reservations over the device, OVER_BIG and OVER_SMALL
#               at equal weights: they degrade in proportion
LIM_IOPS=1000 LIM_BPS=$((8 << 20)) RES_IOPS=1000 RES_DEEP=2500
OVER_BIG=3000 OVER_SMALL=1500
# limits_capped ROUND VARIANT "CTRLS" FIO_ARGS BAND_ATTR IOMAX [OTHER_WEIGHT]:
# the group "capped" (weight 1000, or 1 alone), and beside it "other"
# of OTHER_WEIGHT when given.
limits_capped() {
	local ctrl w=1
	[ -n "${7:-}" ] && w=1000
	for ctrl in $3; do
		groups_clear
		group capped "$w" 1 "$4"
		[ -n "${7:-}" ] && group other "$7" 1 "$4"
		G_BAND[capped]=$5 G_IOMAX[capped]=$6
		measure limits parallel "$ctrl" "$2" "$1"
	done
}
s_limits() {
	local v
	local Q8="$RREAD --iodepth=8" B64="--rw=randread --bs=64k --ioengine=libaio --iodepth=4"
	local IOPS_CAP=",limit_iops=$LIM_IOPS" IOPS_MAX="riops=$LIM_IOPS wiops=$LIM_IOPS"
	local more=1
	# make check's smoke: every controller and both kinds once, not
	# every variant (eleven runs took two minutes there).
	[ "$SMOKE" = 1 ] && more=
	[ -n "$more" ] && limits_capped "$1" cap-alone "band iomax" "$Q8" "$IOPS_CAP" "$IOPS_MAX"
	limits_capped "$1" cap-beside "none band iomax" "$Q8" "$IOPS_CAP" "$IOPS_MAX" 1
	for v in band:reserve ${more:+none:reserve band:weights-only}; do
		groups_clear
		group reserved 1 1 "$Q8"
		group heavy 1000 1 "$Q8"
		[ "${v#*:}" = reserve ] && G_BAND[reserved]=",reserve_iops=$RES_IOPS"
		measure limits parallel "${v%%:*}" "${v#*:}" "$1"
	done
	[ -n "$more" ] && limits_capped "$1" bps-beside "none band iomax" "$B64" ",limit_bps=$LIM_BPS" \
		"rbps=$LIM_BPS wbps=$LIM_BPS" 1
	[ -n "$more" ] || return 0
	groups_clear
	group reserved 1 1 "$Q8"
	group heavy 1000 1 "$Q8"
	G_BAND[reserved]=",reserve_iops=$RES_DEEP"
	measure limits parallel band reserve-deep "$1"
	groups_clear
	group big 1 1 "$Q8"
	group small 1 1 "$Q8"
	G_BAND[big]=",reserve_iops=$OVER_BIG" G_BAND[small]=",reserve_iops=$OVER_SMALL"
	measure limits parallel band reserve-over "$1"
}

# 7. settle: three groups 40:20:10 (two jobs each, 4 in flight per job);
# after PHASE seconds group a stops (SIGSTOP), after another PHASE it
# resumes, after another group c's weight goes from 10 to 40 (a message
# for dm-band, io.bfq.weight or io.weight for the others).  The fio logs
# give each group's I/Os every SAMPLE_MS; the host finds when the shares
# settle.
settle_event() {
	now_ms
	EV_T+=("$NOW")
	EV_N+=("$1")
}
settle_run() {
	local m
	EV_T=() EV_N=()
	settle_event start
	sleep "$PHASE"
	kill -STOP "${PIDS[0]}"
	settle_event idle
	sleep "$PHASE"
	kill -CONT "${PIDS[0]}"
	settle_event back
	sleep "$PHASE"
	m=$(maxw)
	case $CUR_CTRL in
	band*) dmsetup message bench-dev 0 weight "$(stat -c %i "$CG/c"):40" ;;
	bfq) echo $((40 * (1000 / m))) >"$CG/c/io.bfq.weight" ;;
	iocost) echo $((40 * (10000 / m))) >"$CG/c/io.weight" ;;
	esac
	settle_event weight
	sleep "$PHASE"
	settle_event end
}
settle_emit() {
	local id=$1 scen=$2 shape=$3 ctrl=$4 round=$5 k i
	local -a ws=("40 20 10" "0 20 10" "40 20 10" "40 20 40")
	for k in "${!EV_T[@]}"; do
		say "EVENT $id ${EV_T[k]} ${EV_N[k]}"
	done
	settle_ts "$id" "${EV_T[0]}" "${EV_T[4]}"
	for k in 0 1 2 3; do
		window_counts "${EV_T[k]}" "${EV_T[k + 1]}" || { say "ERR $id: no fio logs"; return; }
		S0_MS=${EV_T[k]} S1_MS=${EV_T[k + 1]}
		S0_IOS=() S0_BYTES=() S1_IOS=("${IOS[@]}") S1_BYTES=("${BYTES[@]}")
		for i in "${!IOS[@]}"; do S0_IOS[i]=0 S0_BYTES[i]=0; done
		WEIGHTS_OVERRIDE=${ws[k]} rows "$scen" "$shape" "$ctrl" "${EV_N[k]/start/steady}" "$round"
	done
}
s_settle() {
	local ctrl
	MEASURE_HOOK=settle_run EMIT_HOOK=settle_emit
	for ctrl in none band band-noinject bfq iocost; do
		groups_clear
		group a 40 2 "$RREAD --iodepth=4"
		group b 20 2 "$RREAD --iodepth=4"
		group c 10 2 "$RREAD --iodepth=4"
		CUR_CTRL=$ctrl measure settle parallel "$ctrl" "" "$1"
	done
	MEASURE_HOOK= EMIT_HOOK=
}

# 8. overhead: the device without delay (the CPU is the bottleneck), 4 KiB
# random reads, two jobs with 32 in flight each, in cgroup o1 of NFLOW
# cgroups, on:
#   raw, linear               the device alone, dm-linear
#   band typenone             dm-band of type none: scheduling, no lookup
#   band 1group               type cgroup, o1 attached (weight 100, as
#                             all here, like the default group)
#   band 1group-w1            the same with weight 1: against the default
#                             group's 100, o1 gets two tokens an epoch
#                             (alone, it starts 32 epochs at once)
#   band 1group-noinject      1group with inject=0
#   band <N>attached          all NFLOW cgroups attached, only o1 busy
#   band <N>flowing           all attached, and a 4 KiB read in each other
#                             cgroup every 500 ms (bgread), idle=0: bios
#                             flow in all groups, none lingers
#   band <N>flowing-idle      the same with the bench's idle: the light
#                             groups linger with unused tokens
#   linear <N>flowing         that background on dm-linear
# then one synchronous reader (QD1) alone on dm-linear and on dm-band.
bg_start() {
	"$B/bgread" "$TOP" "$CG/o" 2 "$NFLOW" 500 >"$TMPD/bgread.out" 2>&1 &
	BG_PID=$!
	# Until the readers have started (the parent says so).
	local t=0
	until grep -q readers "$TMPD/bgread.out" 2>/dev/null; do
		t=$((t + 1))
		[ "$t" -gt 600 ] && return 1
		sleep 0.2
	done
	say "# $(cat "$TMPD/bgread.out")"
}
bg_stop() {
	kill -TERM "$BG_PID" 2>/dev/null
	wait "$BG_PID" 2>/dev/null
}
# bg_window 0|1: the background's I/O in the window (all of the bench's
# cgroups, io.stat being hierarchical, less o1's), as a row of group "bg"
# (weight 0: it has no share).
bg_window() {
	iostat_files "$CG/io.stat" "$CG/o1/io.stat"
	BG_IOS[$1]=$((IOS[0] - IOS[1])) BG_BYTES[$1]=$((BYTES[0] - BYTES[1]))
	[ "$1" = 1 ] || return 0
	say "ROW overhead,fast,$CUR_CTRL,$CUR_VARIANT,$CUR_ROUND,bg,0,$((NFLOW - 1)),$((S1_MS - S0_MS)),$((BG_IOS[1] - BG_IOS[0])),$((BG_BYTES[1] - BG_BYTES[0])),NA,NA"
}
s_overhead() {
	local i more="" n=$NFLOW
	if [ ! -d "$CG/o$n" ]; then
		for ((i = 1; i <= n; i++)); do echo "$CG/o$i"; done | xargs mkdir -p
	fi
	for ((i = 2; i <= n; i++)); do echo "$CG/o$i"; done >"$TMPD/ocg"
	more=$(xargs stat -c ' %i:100' <"$TMPD/ocg" | tr -d '\n')
	groups_clear
	group o1 1 2 "$RREAD --iodepth=32"
	measure overhead fast band 1group-w1 "$1"
	groups_clear
	group o1 100 2 "$RREAD --iodepth=32"
	measure overhead fast raw "" "$1"
	measure overhead fast linear "" "$1"
	BAND_TYPE=none measure overhead fast band typenone "$1"
	measure overhead fast band 1group "$1"
	BAND_NOINJECT=1 measure overhead fast band 1group-noinject "$1"
	BAND_MORE=$more measure overhead fast band "${n}attached" "$1"
	PRE_HOOK=bg_start POST_HOOK=bg_stop WINDOW_HOOK=bg_window CUR_ROUND=$1
	BAND_IDLE=0 BAND_MORE=$more CUR_CTRL=band CUR_VARIANT=${n}flowing \
		measure overhead fast band "${n}flowing" "$1"
	BAND_MORE=$more CUR_CTRL=band CUR_VARIANT=${n}flowing-idle \
		measure overhead fast band "${n}flowing-idle" "$1"
	CUR_CTRL=linear CUR_VARIANT=${n}flowing \
		measure overhead fast linear "${n}flowing" "$1"
	PRE_HOOK= POST_HOOK= WINDOW_HOOK=
	groups_clear
	group o1 100 1 "--rw=randread --bs=4k --ioengine=psync"
	measure overhead fast linear alone "$1"
	measure overhead fast band alone "$1"
}

# 9. cost: the per-bio cost through the real path, without fio
# (tests/bench/kmod, dm_band_bench.ko): COST_NR synchronous 4 KiB reads on
# the cost device (null_blk without delay, completing in the submitter's
# context), through dm-linear and through dm-band of type pid with
#   1group        one writer, no group attached (the default group)
#   1000attached  one writer in the default group, 1000 groups attached
#   64active      64 writers (each its own pid), each attached: 64 groups
#                 with bios flowing
# and dm-linear with the same 64 writers.  The module times the first
# bio's start to the last one's end; the ratio and the difference in ns
# per bio are dm-band's own cost.
COST_DEBUGFS=/sys/kernel/debug/dm_band_bench
# cost_run WRITERS ATTACH(0|1): prints the module's result line.
cost_run() {
	local n=$1 attach=$2 i per=$((COST_NR / $1)) t=0
	insmod "$B/dm_band_bench.ko" dev="$TOP" || return 1
	rm -f "$TMPD/cost.pids" "$TMPD/cost.go"
	mkfifo "$TMPD/cost.go"
	# Each writer waits on the fifo (a line each when it is opened for
	# writing): no polling, which would cost 64 process starts per tick.
	for ((i = 0; i < n; i++)); do
		(
			echo "$BASHPID" >>"$TMPD/cost.pids"
			read -r _ <"$TMPD/cost.go"
			echo "$per" >"$COST_DEBUGFS/run" || echo "ERR cost writer $BASHPID"
		) &
	done
	until [ "$(wc -l <"$TMPD/cost.pids" 2>/dev/null || echo 0)" -ge "$n" ]; do
		t=$((t + 1))
		[ "$t" -gt 3000 ] && break
		sleep 0.01
	done
	if [ "$attach" = 1 ]; then
		while read -r i; do
			dmsetup message bench-dev 0 attach "$i:100" || echo "ERR cost attach $i"
		done <"$TMPD/cost.pids"
	fi
	# Open for writing (the readers' opens return), a line each, and kept
	# open until all are done, so that a writer late to open still finds
	# its line.
	exec 3>"$TMPD/cost.go"
	for ((i = 0; i < n; i++)); do echo go >&3; done
	wait
	exec 3>&-
	cat "$COST_DEBUGFS/result"
	rmmod dm_band_bench
}
# cost_one CTRL VARIANT WRITERS ROUND
cost_one() {
	local ctrl=$1 variant=$2 n=$3 round=$4 dn=${DEVNAME[cost]} sz tbl out i
	local id="cost-$ctrl${variant:+-$variant}-r$round"
	finished "$id" && { runs=$((runs + 1)); return 0; }
	sz=$(blockdev --getsz "/dev/$dn")
	if [ "$ctrl" = linear ]; then
		tbl="0 $sz linear /dev/$dn 0"
	else
		tbl="0 $sz band /dev/$dn 0 bench pid weight 0 :100"
		if [ "$variant" = 1000attached ]; then
			for ((i = 3000000; i < 3001000; i++)); do tbl+=" $i:100"; done
		fi
	fi
	dmsetup create bench-dev --table "$tbl" || { say "ERR cost $ctrl $variant: create"; return; }
	TOP=/dev/mapper/bench-dev
	out=$(cost_run "$n" "$([ "$variant" = 64active ] && echo 1 || echo 0)" 2>&1)
	runs=$((runs + 1))
	if [[ "$out" == *ERR* ]] || ! [[ "$out" == *ns_per_bio=* ]]; then
		say "ERR cost $ctrl $variant: $(echo "$out" | tr '\n' ' ')"
	else
		say "COST $round $ctrl ${variant:--} $n $(echo "$out" | grep ns_per_bio=)"
	fi
	dmsetup remove --retry bench-dev >/dev/null 2>&1 || say "# could not remove bench-dev"
	say "# run $id took 0s"
}
# cost_parts ROUND: the fast path's parts one at a time, COST_NR
# iterations each (dm-band-bench-parts.c), on one CPU.
cost_parts() {
	local id="cost-parts-r$1" out
	runs=$((runs + 1))
	finished "$id" && return 0
	insmod "$B/dm_band_bench.ko" dev="/dev/${DEVNAME[cost]}" ||
		{ say "ERR cost parts: insmod"; return; }
	if echo "$COST_NR" >"$COST_DEBUGFS/parts" &&
	   out=$(cat "$COST_DEBUGFS/parts"); then
		say "PARTS $1 $out"
	else
		say "ERR cost parts: $(cat "$COST_DEBUGFS/parts" 2>&1 | tr '\n' ' ')"
	fi
	rmmod dm_band_bench
	say "# run $id took 0s"
}
s_cost() {
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug
	cost_one linear "" 1 "$1"
	cost_one band 1group 1 "$1"
	cost_one band 1000attached 1 "$1"
	cost_one linear 64writers 64 "$1"
	cost_one band 64active 64 "$1"
	cost_parts "$1"
}

# 11. split: what the per-bio cost is made of, in place.  One writer
# through dm-linear, then through dm-band (the cost scenario's 1group) as
# the variants that each stop the fast path one step earlier
# (SPLIT_VARIANTS, from tests/bench/split.py, in order) and as it is
# (full), one after the other in the same round: each step's cost is its
# variant's time less the one before it.  The module under test is loaded
# again at the end.
split_load() {
	local ko=$B/split/dm_band_$1.ko
	[ "$1" = full ] && ko=$MODULE
	rmmod dm_band && insmod "$ko" && return 0
	say "ERR split $1: cannot load $ko"
	return 1
}
s_split() {
	local v
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug
	cost_one linear split 1 "$1"
	for v in $SPLIT_VARIANTS full; do
		split_load "$v" && cost_one band "split-$v" 1 "$1"
	done
	lsmod | grep -q '^dm_band ' || insmod "$MODULE" || say "ERR split: cannot load dm_band.ko again"
}

# ---------------------------------------------------------------- main

say "BENCH kernel=$(uname -r) secs=$SECS warm=$WARM rounds=$ROUNDS fast_rounds=${FAST_ROUNDS:-$ROUNDS} smoke=$SMOKE idle_us=$IDLE_US phase=$PHASE sample_ms=$SAMPLE_MS log_ms=$LOG_MS probe=$PROBE ngroups=${NGROUPS// /:} nflow=$NFLOW cost_nr=${COST_NR:-0} scenarios=${SCENARIOS// /:} cpus=$(nproc) mem_mb=$(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024))"
modprobe dm-mod && insmod "$MODULE" || { say "ERR setup: cannot load dm_band.ko"; exit 1; }
modprobe bfq || say "# no bfq module"
modprobe null_blk nr_devices=0 || { say "ERR setup: cannot load null_blk"; exit 1; }
echo "+io +memory" >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p "$CG"
echo "+io +memory" >"$CG/cgroup.subtree_control"

want() { [[ " $SCENARIOS " == *" $1 "* ]]; }
if want friendly || want skewed || want qd1; then
	nullb_make serial nbser 1 1000000 0 2 1 0 1024 || { say "ERR setup: serial device"; exit 1; }
	probe serial
fi
if want friendly || want skewed || want qd1 || want seqrand || want groups || want settle ||
   want limits; then
	nullb_make parallel nbpar 8 2000000 32 2 1 0 1024 || { say "ERR setup: parallel device"; exit 1; }
	probe parallel
fi
if want qd1; then
	nullb_make twin nbtwin 8 2000000 32 2 1 0 1024 || { say "ERR setup: twin device"; exit 1; }
	set_sched nbtwin none
fi
if want buffered; then
	nullb_make buf nbbuf 8 2000000 32 2 1 1 512 || { say "ERR setup: buf device"; exit 1; }
	probe buf
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "/dev/${DEVNAME[buf]}" ||
		say "ERR setup: mkfs.ext4 on the buf device"
fi
want limits && say "LIMITS limit_iops=$LIM_IOPS limit_bps=$LIM_BPS reserve_iops=$RES_IOPS reserve_deep=$RES_DEEP over_big=$OVER_BIG over_small=$OVER_SMALL"
if want overhead; then
	nullb_make fast nbfast 64 0 0 1 2 0 1024 || { say "ERR setup: fast device"; exit 1; }
fi
if want cost || want split; then
	# irqmode 0: completes in the submitter's context, so that a bio's
	# time is the CPU's (the cost module waits for each).
	nullb_make cost nbcost 64 0 0 0 2 0 1024 || { say "ERR setup: cost device"; exit 1; }
fi

# Overhead, cost and split run FAST_ROUNDS rounds, the others ROUNDS, all
# interleaved while both last.
FAST_ROUNDS=${FAST_ROUNDS:-$ROUNDS}
for ((round = 1; round <= (ROUNDS > FAST_ROUNDS ? ROUNDS : FAST_ROUNDS); round++)); do
	for s in $SCENARIOS; do
		case $s in
		overhead | cost | split) [ "$round" -le "$FAST_ROUNDS" ] || continue ;;
		*) [ "$round" -le "$ROUNDS" ] || continue ;;
		esac
		now_ms
		t0=$NOW
		say "# round $round: $s"
		"s_$s" "$round"
		now_ms
		say "# round $round: $s took $(((NOW - t0) / 1000))s"
	done
done
say "RUNS $runs"
