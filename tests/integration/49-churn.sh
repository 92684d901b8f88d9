#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: 6.12 debug
# (not 6.1 in make check: the same code runs there as on the debug kernel,
# which is 6.1, and the stock guests run one after the other.)
# Churn under load.  Four jobs, each its own pid, process group, uid, gid
# and cgroup, load one band device: two verify direct I/O (crc32c), two
# write buffered (a file on ext4 on the band device, and a range of the raw
# band device) and then verify from the device.  Meanwhile, for RUN_SECS
# (60 s, 30 s on the debug kernel; 10 minutes with STRESS=1, make
# stress), a loop suspends and
# resumes it (flushing and not), suspends it while the device below is
# suspended so that a signal cancels the suspend (presuspend undone),
# reloads it with new types, weights, policies, token_base, idle and
# inject, sends policy/token/idle/inject/type/reset/stats messages, freezes
# the file system, and creates and removes a second band device of the same
# band group over another part of the device below, with verified I/O of
# its own; two more loops (one on the debug kernel) storm it with
# attach/weight/detach/type/stats messages.
# It proves: no data is lost or corrupted (fio's verify, e2fsck); every
# suspend, resume, reload and remove returns (each under timeout, with
# hung-task reports at 10 s, 30 s on the debug kernel); nothing is left
# held or in flight; then, in a quiet phase with a fixed number of direct
# bios from three groups, every bio is passed down and completed exactly
# once (the band device's counters, per group, equal what each fio job
# did, and so do the I/O statistics of the band device and of the device
# below); and once everything is removed, the group cache (band_grp) holds
# what it held before and kmemleak (debug kernel) finds nothing new.
# stress
. "$TESTS/lib.sh"
plan 26

# (30 s on the debug kernel, where each step takes 10-20 s: the steps it
# must run at least, MIN_STEPS below, fit in it)
SECS=${RUN_SECS:-$((SCALE > 1 ? 30 : 60))}
[ -n "${STRESS:-}" ] && SECS=${RUN_SECS:-600}
# After SECS the churn goes on while the jobs finish, at most this long.
TAIL=$((SCALE > 1 ? 45 : 60))
# The debug kernel (SCALE > 1) is about ten times slower: shallower queues,
# and hung-task reports at 30 s there, 10 s elsewhere.
QD=$((SCALE > 1 ? 2 : 16))
HUNG=$((SCALE > 1 ? 30 : 10))
# job 1 verifies every VB writes: on the debug kernel under make check's
# load it wrote only 254 in the churn, and 256 left nothing verified.
VB=$((SCALE > 1 ? 32 : 256))
# make stress runs the debug and the stock guests side by side, each on
# both of a 2-core host's CPUs: there a reload that flushed the released
# writeback took 12 s once on 6.12 (240 steps in ten minutes), when alone
# the same ten minutes ran 453 steps with no report at 10 s.  A lost bio
# or wakeup hangs for good, which 20 s still catches.
[ -n "${STRESS:-}" ] && [ "$SCALE" = 1 ] && HUNG=20
T=60			# time limit of each device-mapper operation

# n MB: MB scaled down (at least 1), as a number.
mbn() { local m=$(($1 / SCALE)); echo $((m > 0 ? m : 1)); }
# The device below: A [0, A_MB) with the raw job ranges, then the file
# system; B, the second band device, over [A_MB, A_MB + B_MB).
R=$(mbn 16)			# one job's range (MiB)
H=$((R * 512))k			# half of it
FS_MB=$(mbn 128)
A_MB=$((4 * R + FS_MB))
B_MB=$(mbn 32)
S=2048				# sectors per MiB

band_load || exit 1
cgroup_setup 2>/dev/null

# ------------------------------------------------------------ baselines
SLAB=/sys/kernel/slab/band_grp
KML=/sys/kernel/debug/kmemleak
# The group cache's objects in use: shrink first, which flushes the
# per-CPU slabs (and KASAN's quarantine) so that the count is exact.
slab_objs() {
	echo 1 >"$SLAB/shrink" 2>/dev/null
	cut -d' ' -f1 "$SLAB/objects"
}
slab_before=$(slab_objs)
slab_aliases=$(cat "$SLAB/aliases" 2>/dev/null || echo 0)
# kmemleak's reports of objects allocated since J0 (jiffies at the start).
J0=$(awk '/^jiffies:/ {print $2; exit}' /proc/timer_list 2>/dev/null)
kml_mine() {
	awk -v j0="${J0:-0}" '/^unreferenced object/ {o = $3}
		match($0, /jiffies [0-9]+/) {
			if (substr($0, RSTART + 8, RLENGTH - 8) + 0 >= j0 + 0) print o
		}' "$KML"
}

old_hung=$(sysctl -n kernel.hung_task_timeout_secs)
sysctl -qw kernel.hung_task_timeout_secs=$HUNG
cleanup_add "sysctl -qw kernel.hung_task_timeout_secs=$old_hung"
klog_stacks
klog_mark churn

# ------------------------------------------------------------ devices
nullb_mem_slow churn $((A_MB + B_MB)) 1000000 || exit 1
NB=$NULLB_DEV
A_SECT=$((A_MB * S))
B_SECT=$((B_MB * S))
# chlow: a linear device over it all, suspended to make a suspend of A
# wait for bios in flight (and so be cancelled).
dm_create chlow "0 $(sectors "$NB") linear $NB 0" || exit 1
LOW=/dev/mapper/chlow
dm_create ch "0 $A_SECT band $LOW 0 chg uid weight 0 :100 1001:100 1002:100 1003:100 1004:100" || exit 1
cleanup_add "dmsetup remove --force ch2"
chmod 666 /dev/mapper/ch
minor() { dmsetup info -c --noheadings -o minor "$1" | tr -d ' '; }
A_DM=dm-$(minor ch)
LOW_DM=dm-$(minor chlow)
# The file system: a linear device over A's last FS_MB.
dm_create chfs "0 $((FS_MB * S)) linear /dev/mapper/ch $((4 * R * S))" || exit 1
# (lazy init: ext4lazyinit zeroes the inode tables during the churn)
mkfs.ext4 -q -F /dev/mapper/chfs || exit 1
mkdir -p /mnt/ch
mount -t ext4 /dev/mapper/chfs /mnt/ch || exit 1
cleanup_add "umount /mnt/ch"
chmod 777 /mnt/ch

# ------------------------------------------------------------ the jobs
rm -f /tmp/ch.stop /tmp/ch.stop-storm /tmp/ch-*.out
cleanup_add "touch /tmp/ch.stop /tmp/ch.stop-storm"
FIO_COMMON="--thread --verify=crc32c --verify_fatal=1 --verify_state_save=0 --output-format=terse"

# The buffered job: until /tmp/ch.stop exists, write FILE's range with
# buffered I/O (verified from the page cache), fsync, then verify it again
# with the cache dropped (fio's invalidate), so from the device.  One line
# per round: "round N wrc WERR WKB vrc VERR VKB".
cat >/tmp/ch-buf.sh <<'EOF'
f=$1 off=$2 size=$3 n=0
args="--name=buf --filename=$f --offset=$off --size=$size --bs=16k --rw=randwrite --direct=0 --ioengine=psync --invalidate=1 --thread --verify=crc32c --verify_fatal=1 --verify_state_save=0 --output-format=terse"
terse() { grep '^3;' | tail -n 1 | cut -d';' -f"$1"; }
while [ ! -e /tmp/ch.stop ]; do
	n=$((n + 1))
	w=$(fio $args --randseed=$n --do_verify=1 --end_fsync=1 2>&1)
	wrc=$?
	v=$(fio $args --randseed=$n --verify_only 2>&1)
	vrc=$?
	echo "round $n $wrc $(echo "$w" | terse 5) $(echo "$w" | terse 47)" \
		"$vrc $(echo "$v" | terse 5) $(echo "$v" | terse 6)"
	[ "$wrc" = 0 ] && [ "$vrc" = 0 ] || { echo "$w"; echo "$v"; exit 1; }
done
EOF

# start_as K CMD...: run CMD as job K: cgroup chjK, a process group of its
# own, uid 100K and gid 200K (job 4 stays root).  Sets JP[K].  Programs by
# path: busybox's setsid runs its own applets (a setpriv without --reuid)
# before any in PATH.
declare -a JP CG
start_as() {
	local k=$1 cg=/sys/fs/cgroup/chj$1 who=()
	shift
	mkdir -p "$cg"
	CG[$k]=$(stat -c %i "$cg")
	[ "$k" != 4 ] && who=(/usr/bin/setpriv --reuid=$((1000 + k)) --regid=$((2000 + k)) --clear-groups)
	(echo "$BASHPID" >"$cg/cgroup.procs" && exec setsid "${who[@]}" "$@") \
		>/tmp/ch-job$k.out 2>&1 </dev/null &
	JP[$k]=$!
}
cleanup_add "rmdir /sys/fs/cgroup/chj1 /sys/fs/cgroup/chj2 /sys/fs/cgroup/chj3 /sys/fs/cgroup/chj4"

start_as 1 fio --name=g1 --filename=/dev/mapper/ch --offset=0 --size=$H \
	--numjobs=2 --offset_increment=$H --group_reporting \
	--direct=1 --ioengine=libaio --iodepth=$QD --rw=randwrite --bs=4k \
	--do_verify=1 --verify_backlog=$VB --time_based --runtime="$SECS" $FIO_COMMON
start_as 2 fio --name=g2 --filename=/dev/mapper/ch --offset=${R}M --size=${R}M \
	--direct=1 --ioengine=libaio --iodepth=$((QD / 2)) --rw=randrw --bsrange=4k-64k \
	--do_verify=1 --time_based --runtime="$SECS" $FIO_COMMON
start_as 3 /usr/bin/bash /tmp/ch-buf.sh /mnt/ch/f3 0 $H
start_as 4 /usr/bin/bash /tmp/ch-buf.sh /dev/mapper/ch $((2 * R))M $H
cleanup_add "kill ${JP[*]}; sleep 1"
# alive PID...: one of them (background jobs of this shell) still runs.  Asks
# the shell's job table, not kill -0: thousands of processes later (make
# stress) a pid may belong to another process.  Not in a subshell.
alive() {
	local r=" $(jobs -rp | tr '\n' ' ') " p
	for p in "$@"; do
		[[ $r == *" $p "* ]] && return 0
	done
	return 1
}

# Ids for each type: the jobs' pids (each its process group's too), uids,
# gids and cgroups.
declare -A IDS=(
	[pid]="${JP[*]}" [pgrp]="${JP[*]}" [uid]="1001 1002 1003 1004"
	[gid]="2001 2002 2003 2004" [cgroup]="${CG[*]}" [none]=""
)
ALL_IDS="${JP[*]} 1001 1002 1003 1004 2001 2002 2003 2004 ${CG[*]}"

# ------------------------------------------------------------ storms
# storm K: until /tmp/ch.stop-storm exists, attach, reweight and detach
# the jobs' ids (whatever the type is now: the others are refused), and
# now and then reweight the default group, change the type, ask for stats.
# Counts to /tmp/ch-storm.K: sent accepted attached detached types.
storm() {
	local ids=($ALL_IDS) sent=0 acc=0 att=0 det=0 typ=0 i=0 id
	local types=(pid pgrp uid gid cgroup none)
	msg() {
		sent=$((sent + 1))
		dmsetup message ch 0 "$@" >/dev/null 2>&1 && acc=$((acc + 1))
	}
	while [ ! -e /tmp/ch.stop-storm ]; do
		i=$((i + 1))
		id=${ids[$((RANDOM % ${#ids[@]}))]}
		msg attach "$id:$((RANDOM % 8 + 1))" && att=$((att + 1))
		msg weight "$id:$((RANDOM % 8 + 1))"
		msg detach "$id" && det=$((det + 1))
		msg attach "$id:1" && att=$((att + 1))
		[ $((i % 4)) = 0 ] && msg stats
		[ $((i % 8)) = 0 ] && msg weight "$((RANDOM % 100 + 1))"
		[ $((i % 16)) = 0 ] && msg type "${types[$((RANDOM % 6))]}" && typ=$((typ + 1))
	done
	echo "$sent $acc $att $det $typ" >"/tmp/ch-storm.$1"
}
storm 1 &
ST1=$!
# (one storm on the debug kernel, where process starts are slow)
if [ "$SCALE" -gt 1 ]; then
	echo "0 0 0 0 0" >/tmp/ch-storm.2
	sleep 0 &
else
	storm 2 &
fi
ST2=$!
cleanup_add "kill $ST1 $ST2; sleep 1"

# ------------------------------------------------------------ the churn
fail=0 cycles=0 rl=0 suspends=0 cancel_try=0 cancelled=0 reloads=0
msgs=0 msgs_ok=0 types_ok=0 freezes=0 b_adds=0 b_removes=0 b_fio_bad=0
b_fio_kb=0 BFIO=
# op DESC CMD...: run CMD under timeout; a failure is counted and shown.
op() {
	local d=$1 rc
	shift
	timeout -s KILL "$T" "$@" >/tmp/ch-op.out 2>&1 && return 0
	rc=$?
	fail=$((fail + 1))
	diag "FAILED ($d, rc $rc): $* : $(head -c 300 /tmp/ch-op.out | tr '\n' ' ')"
	return 1
}
amsg() {
	msgs=$((msgs + 1))
	timeout -s KILL "$T" dmsetup message ch 0 "$@" >/dev/null 2>&1 && msgs_ok=$((msgs_ok + 1))
}
b_present() { dm_exists ch2; }
# The band group's settings as the live table of A says: policy token
# idle inject.
bg_settings() {
	dmsetup table ch | awk '{ inj = 1; idle = 8000
		for (i = 10; i <= NF; i++) {
			if ($i ~ /^idle=/) idle = substr($i, 6)
			if ($i == "inject=0") inj = 0
		}
		print $8, $9, idle, inj }'
}
pick() { local a=($@); echo "${a[$((RANDOM % ${#a[@]}))]}"; }
TYPES=(pid pgrp uid gid cgroup none)
# token_base and idle: a long idle with a tiny token_base lets a lingering
# group hold up every refill (see Known issues), which slows the debug
# kernel to a crawl: milder there.
TOKENS="0 4 64 1024" IDLES="0 8000 50000"
[ "$SCALE" -gt 1 ] && TOKENS="0 64 1024" IDLES="0 8000"

reload_a() {
	local t=${TYPES[$((rl % 6))]} pol tok idle inj groups="" id line
	rl=$((rl + 1))
	if b_present; then
		read -r pol tok idle inj <<<"$(bg_settings)"
	else
		pol=$(pick weight weight-iosize) tok=$(pick $TOKENS)
		idle=$(pick $IDLES) inj=$(pick 0 1 1)
	fi
	for id in ${IDS[$t]}; do
		groups+=" $id:$((RANDOM % 16 + 1))"
	done
	line="0 $A_SECT band $LOW 0 chg $t $pol $tok :$((RANDOM % 200 + 1))$groups idle=$idle"
	[ "$inj" = 0 ] && line+=" inject=0"
	op reload dmsetup reload ch --table "$line" &&
		op "resume after reload" dmsetup resume ch && reloads=$((reloads + 1))
}

# A suspend of A while the device below is suspended waits for A's bios
# in flight; dm-suspend-intr's SIGALRM after 1 s cancels it.
cancel_suspend() {
	local rc
	op "suspend the device below" dmsetup suspend --nolockfs chlow || return
	cancel_try=$((cancel_try + 1))
	timeout -s KILL "$T" dm-suspend-intr ch 1 >/tmp/ch-intr.out 2>&1
	rc=$?
	op "resume the device below" dmsetup resume chlow
	case $rc in
	0) cancelled=$((cancelled + 1)) ;;
	1) op "resume after an uncancelled suspend" dmsetup resume ch ;;
	*) fail=$((fail + 1)); diag "dm-suspend-intr: rc $rc $(cat /tmp/ch-intr.out)" ;;
	esac
}

b_fio_check() {
	local line
	wait "$BFIO"
	local rc=$?
	line=$(grep '^3;' /tmp/ch-b.out | tail -n 1)
	if [ "$rc" != 0 ] || [ "$(echo "$line" | cut -d';' -f5)" != 0 ]; then
		b_fio_bad=$((b_fio_bad + 1))
		diag "B's fio: rc $rc: $(tail -n 3 /tmp/ch-b.out | tr '\n' ' ')"
	else
		b_fio_kb=$((b_fio_kb + $(echo "$line" | cut -d';' -f6)))
	fi
	BFIO=
}
# Add the second band device (the band group's settings, its own type and
# weight) and start a verified writer on it; or, if it is there, wait for
# its writer, suspend and resume it once, and remove it.
churn_b() {
	local pol tok idle inj line
	if ! b_present; then
		read -r pol tok idle inj <<<"$(bg_settings)"
		line="0 $B_SECT band $LOW $A_SECT chg"
		if [ $((b_adds % 2)) = 0 ]; then
			line+=" none $pol $tok :$((RANDOM % 200 + 1))"
		else
			line+=" uid $pol $tok :$((RANDOM % 200 + 1)) 0:$((RANDOM % 50 + 1))"
		fi
		line+=" idle=$idle"
		[ "$inj" = 0 ] && line+=" inject=0"
		op "create B" dmsetup create ch2 --table "$line" || return
		b_adds=$((b_adds + 1))
		timeout -s KILL 120 fio --name=b --filename=/dev/mapper/ch2 --size=$(mib 4) \
			--direct=1 --ioengine=libaio --iodepth=$((QD / 2)) --rw=randwrite \
			--bs=4k --do_verify=1 $FIO_COMMON >/tmp/ch-b.out 2>&1 &
		BFIO=$!
	else
		[ -n "$BFIO" ] && b_fio_check
		op "suspend B" dmsetup suspend ch2 && op "resume B" dmsetup resume ch2
		op "remove B" dmsetup remove ch2 && b_removes=$((b_removes + 1))
	fi
}

suspend_resume() {
	op suspend dmsetup suspend ch && op resume dmsetup resume ch &&
		suspends=$((suspends + 1))
}
suspend_noflush() {
	op "suspend --noflush" dmsetup suspend --noflush ch &&
		op resume dmsetup resume ch && suspends=$((suspends + 1))
}
messages() {
	amsg policy "$(pick weight weight-iosize)"
	amsg token "$(pick $TOKENS)"
	amsg idle "$(pick $IDLES)"
	amsg inject "$(pick 0 0 1)"
	amsg stats
	amsg type "${TYPES[$((RANDOM % 6))]}" && types_ok=$((types_ok + 1))
	amsg reset
}
# A freeze of ext4: its journal and data are flushed through the band device.
freeze() {
	op "suspend (freeze) the file system" dmsetup suspend chfs &&
		op "resume the file system" dmsetup resume chfs &&
		freezes=$((freezes + 1))
}
# One round; the time is checked between steps, so that on a slow kernel
# the churn ends close to its time.
STEPS=(suspend_resume cancel_suspend reload_a churn_b messages suspend_noflush
       cancel_suspend reload_a freeze churn_b)
# On the debug kernel a step takes 10-20 s: a shorter round (B, added
# here, is removed after the churn), and three steps are enough there
# (with other guests beside it, it has done 3 to 5 in its time); the
# checks below then ask for what the steps that ran do.
MIN_STEPS=${#STEPS[@]}
if [ "$SCALE" -gt 1 ]; then
	STEPS=(cancel_suspend churn_b reload_a freeze suspend_resume messages)
	MIN_STEPS=3
fi
diag "setup done at ${SECONDS}s"
start=$SECONDS
end=$((SECONDS + SECS))
step=0
while :; do
	# After SECS: on while the jobs finish, and until every step ran once
	# (a slow kernel), for at most TAIL seconds more.
	if [ $SECONDS -ge "$end" ]; then
		touch /tmp/ch.stop
		alive "${JP[@]}" || [ "$step" -lt "$MIN_STEPS" ] || break
		[ $SECONDS -ge $((end + TAIL)) ] && break
	fi
	diag "step $step at $((SECONDS - start))s: ${STEPS[$((step % ${#STEPS[@]}))]}"
	${STEPS[$((step % ${#STEPS[@]}))]}
	step=$((step + 1))
	cycles=$((step / ${#STEPS[@]}))
done
churn_secs=$((SECONDS - start))
touch /tmp/ch.stop /tmp/ch.stop-storm
for i in $(seq 120); do alive "${JP[@]}" $ST1 $ST2 || break; sleep 0.5; done
running=
alive "${JP[@]}" $ST1 $ST2 && running=running
is "the jobs and storms ended" "$running" ""
[ -n "$running" ] && kill -9 "${JP[@]}" $ST1 $ST2 2>/dev/null
if b_present; then
	[ -n "$BFIO" ] && b_fio_check
	op "remove B" dmsetup remove ch2 && b_removes=$((b_removes + 1))
fi

# ------------------------------------------------------------ results
read -r s1 a1 t1 d1 y1 </tmp/ch-storm.1
read -r s2 a2 t2 d2 y2 </tmp/ch-storm.2
storm_sent=$((s1 + s2)) storm_acc=$((a1 + a2))
attaches=$((t1 + t2)) detaches=$((d1 + d2)) types_ok=$((types_ok + y1 + y2))

# fio's terse line of job K: error read_kb write_kb.
terse() { grep '^3;' "/tmp/ch-job$1.out" | tail -n 1 | cut -d';' -f5,6,47 | tr ';' ' '; }
wait "${JP[1]}"
rc1=$?
wait "${JP[2]}"
rc2=$?
wait "${JP[3]}"
rc3=$?
wait "${JP[4]}"
rc4=$?
read -r e1 r1 w1 <<<"$(terse 1)"
read -r e2 r2 w2 <<<"$(terse 2)"
is "direct job 1 (randwrite, 4k, verify): exit status, errors" "$rc1 $e1" "0 0"
is "direct job 2 (randrw, 4k-64k, verify): exit status, errors" "$rc2 $e2" "0 0"
check "direct jobs verified data (job 1 ${r1:-0} KiB read back, job 2 ${r2:-0} KiB read)" \
	test "${r1:-0}" -gt 0 -a "${r2:-0}" -gt 0
rounds() { grep -c '^round' "/tmp/ch-job$1.out"; }
bad_rounds() { awk '/^round/ && ($3 != 0 || $4 != 0 || $6 != 0 || $7 != 0) {n++} END {print n + 0}' "/tmp/ch-job$1.out"; }
buf_kb() { awk '/^round/ {s += $8} END {print s + 0}' "/tmp/ch-job$1.out"; }
is "buffered job 3 (ext4 file): every round verified, exit status" \
	"$(bad_rounds 3) $rc3" "0 0"
is "buffered job 4 (raw device): every round verified, exit status" \
	"$(bad_rounds 4) $rc4" "0 0"
check "buffered rounds ran ($(rounds 3) on ext4, $(rounds 4) raw)" \
	test "$(rounds 3)" -ge 1 -a "$(rounds 4)" -ge 1
[ "$rc3" = 0 ] && [ "$rc4" = 0 ] || sed 's/^/#   /' /tmp/ch-job3.out /tmp/ch-job4.out | tail -n 40

diag "churn: $step steps ($cycles rounds) in ${churn_secs}s; suspends $suspends, cancelled suspends $cancelled of $cancel_try, reloads $reloads, fs freezes $freezes"
diag "messages: $msgs from the loop ($msgs_ok accepted), $storm_sent from the storms ($storm_acc accepted); attaches $attaches, detaches $detaches, type changes $types_ok"
diag "second band device: $b_adds adds, $b_removes removes, its fio verified $b_fio_kb KiB"
diag "verified: job 1 read back $((r1 / 4)) 4k bios (of $((w1 / 4)) written, every $VB), job 2 read $r2 KiB in 4k-64k bios; the buffered jobs read back $(($(buf_kb 3) + $(buf_kb 4))) KiB from the device; the second device $b_fio_kb KiB"
is "every suspend, resume, reload, create and remove returned" "$fail" 0
# ran STEP: that step ran at least once.
ran() { [ "$step" -ge ${#STEPS[@]} ] || [[ " ${STEPS[*]:0:$step} " == *" $1 "* ]]; }
# at_least N STEP...: N or more, or none of the steps ran.
at_least() {
	local n=$1 st
	shift
	for st in "$@"; do ran "$st" && { [ "$n" -ge 1 ]; return; }; done
	return 0
}
check "each kind of operation that ran, did ($step steps; suspends $suspends, reloads $reloads, messages $msgs, freezes $freezes)" \
	eval '[ "$step" -ge "$MIN_STEPS" ] && at_least "$suspends" suspend_resume suspend_noflush &&
	      at_least "$reloads" reload_a && at_least "$freezes" freeze'
check "at least one suspend was cancelled ($cancelled of $cancel_try)" test "$cancelled" -ge 1
check "the second band device came and went ($b_adds, $b_removes), its I/O verified" \
	eval 'at_least "$b_adds" churn_b && [ "$b_removes" = "$b_adds" ] && [ "$b_fio_bad" = 0 ]'
check "the storms attached and detached ($attaches, $detaches)" \
	test "$attaches" -ge 1 -a "$detaches" -ge 1
is "A is live and not suspended" "$(dmsetup info -c --noheadings -o attr ch | cut -c1-2)" "L-"
sync
held_in_flight() {
	dmsetup status "$1" | awk '{for (i = 7; i + 16 <= NF; i += 17) s += $(i+7) + $(i+9); print s + 0}'
}
is "nothing held or in flight after the churn" "$(held_in_flight ch) $(cat /sys/block/$A_DM/inflight | tr -s ' ' | sed 's/^ //')" "0 0 0"

# The file system, checked, then gone.
op umount umount /mnt/ch
check "e2fsck: the file system is clean" e2fsck -fn /dev/mapper/chfs
op "remove the file system's device" dmsetup remove chfs

# ------------------------------------------------------------ quiet phase
diag "quiet phase at ${SECONDS}s"
# Every bio exactly once: three direct writers (root: the default group;
# uids 1001 and 1002) with a fixed amount of 4k I/O and verify, nothing
# else.  Groups of weights 1:2:3 and 24 tokens an epoch for three jobs of
# queue depth 8, so that bios are held.
# A band group of its own (chq): a fresh pool, whatever the churn left.
# (In chg, before a new policy or token_base started a new epoch, the
# tokens of the epoch under way stayed what the churn's last settings
# gave: after weight-iosize and an automatic token_base, 11,005 for the
# default group, and no bio of the quiet phase was held.  Test 20 and
# KUnit band_policy_units_change check that fix.)
op "quiet: reload" dmsetup reload ch --table \
	"0 $A_SECT band $LOW 0 chq uid weight 24 :1 1001:2 1002:3 idle=0" &&
	op "quiet: resume" dmsetup resume ch
blockdev --flushbufs /dev/mapper/ch
dmsetup message ch 0 reset
# reads and writes completed, from a device's I/O statistics
dmstat() { awk '{print $1, $5}' "/sys/block/$1/stat"; }
read -r a_r0 a_w0 <<<"$(dmstat "$A_DM")"
read -r l_r0 l_w0 <<<"$(dmstat "$LOW_DM")"
Q=$((SCALE > 1 ? 512 : 8192))	# KiB per writer
# qfio K: the Kth writer's fio command line, over its own range.
qfio() {
	echo timeout -s KILL 120 fio --name=q --filename=/dev/mapper/ch --offset=$(($1 * Q))k \
		--size=${Q}k --direct=1 --ioengine=libaio --iodepth=8 \
		--rw=randwrite --bs=4k --do_verify=1 --invalidate=0 $FIO_COMMON
}
$(qfio 0) >/tmp/ch-q0.out 2>&1 &
q0=$!
/usr/bin/setpriv --reuid=1001 --regid=1001 --clear-groups $(qfio 1) >/tmp/ch-q1.out 2>&1 &
q1=$!
/usr/bin/setpriv --reuid=1002 --regid=1002 --clear-groups $(qfio 2) >/tmp/ch-q2.out 2>&1 &
q2=$!
qrc=0
for p in $q0 $q1 $q2; do wait $p || qrc=$((qrc + 1)); done
qterse() { grep '^3;' "/tmp/ch-q$1.out" | tail -n 1 | cut -d';' -f5,6,47 | tr ';' ' '; }
want="" got="" qr=0 qw=0
for k in 0 1 2; do
	read -r e r w <<<"$(qterse $k)"
	id=default
	[ "$k" != 0 ] && id=$((1000 + k))
	want+="$id: ${e:-?} $((${r:-0} / 4)) $((${r:-0} * 2)) $((${w:-0} / 4)) $((${w:-0} * 2)); "
	got+="$id: 0 $(grp_stat ch $id | awk '{print $3, $4, $5, $6}'); "
	qr=$((qr + ${r:-0} / 4)) qw=$((qw + ${w:-0} / 4))
done
is "quiet phase: fio's three jobs passed" "$qrc" 0
check "quiet phase: fio wrote and read back ($qw writes, $qr reads)" test "$qw" -gt 0 -a "$qr" = "$qw"
# per group: read bios, read sectors, write bios, write sectors
is "quiet phase: each group passed down exactly what its job issued (errors, read bios, sectors, write bios, sectors)" "$got" "$want"
read -r a_r1 a_w1 <<<"$(dmstat "$A_DM")"
read -r l_r1 l_w1 <<<"$(dmstat "$LOW_DM")"
is "quiet phase: the band device completed each bio once (reads, writes)" \
	"$((a_r1 - a_r0)) $((a_w1 - a_w0))" "$qr $qw"
is "quiet phase: the device below completed each bio once (reads, writes)" \
	"$((l_r1 - l_r0)) $((l_w1 - l_w0))" "$qr $qw"
held_total=$(dmsetup status ch | awk '{for (i = 7; i + 16 <= NF; i += 17) s += $(i+8); print s + 0}')
diag "quiet phase: $qw writes and $qr reads, $held_total of them held and released"
# (weight tokens read_bios read_sectors write_bios write_sectors held
# held_total in_flight debt_bios per group, and the scheduler's state)
diag "quiet phase: status $(dmsetup status ch)"
diag "quiet phase: $(dmsetup message ch 0 stats)"
check "quiet phase: bios were held and released ($held_total)" test "$held_total" -gt 0
is "quiet phase: nothing held or in flight" "$(held_in_flight ch) $(cat /sys/block/$A_DM/inflight | tr -s ' ' | sed 's/^ //')" "0 0 0"

# ------------------------------------------------------------ teardown
diag "teardown at ${SECONDS}s"
op "remove A" dmsetup remove ch
op "remove the device below" dmsetup remove chlow
echo 0 >/sys/kernel/config/nullb/churn/power
is "every reload, resume and remove of the quiet phase and teardown returned too" "$fail" 0
is "no hung task report (hung_task_timeout_secs $HUNG)" \
	"$(klog_since churn | grep -c 'blocked for more than')" 0
slab_after=$(slab_objs)
diag "band_grp objects in use: $slab_before before, $slab_after after ($slab_aliases other caches merged into it)"
is "the group cache holds what it held before" "${slab_after:-none}" "${slab_before:-missing}"
if [ -e "$KML" ]; then
	# Objects younger than 5 s are not reported, and an object is
	# reported at the second scan that finds it unreferenced.
	sleep 6
	t0=$SECONDS
	echo scan >"$KML"
	echo scan >"$KML"
	new=$(kml_mine)
	diag "kmemleak: two scans in $((SECONDS - t0))s; objects since jiffies $J0 reported: $(echo $new)"
	is "kmemleak: nothing new" "$(echo "$new" | grep -c 0x)" 0
	[ -n "$new" ] && head -n 60 "$KML" | sed 's/^/#   /'
else
	ok "kmemleak: not in this kernel (the debug kernel has it)"
fi
finish
