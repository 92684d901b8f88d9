#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (measures rates over seconds: under TCG the debug kernel
# is too slow for a device to outrun a cap by much)
# Limits: a group capped at N IOPS gets N (within 5%) alone on a device
# that could give it far more, and beside a competitor, which the capped
# group does not hold back (its unspent tokens do not hold up refills); a
# bytes-per-second cap holds with 64 KiB bios; caps are in the table line
# (round-trip), in status, and changed by message while bios are held.
. "$TESTS/lib.sh"
plan 42

band_load
# No delay: the device serves thousands of IOPS, far above the caps.
modprobe null_blk nr_devices=1 gb=1 queue_mode=2 irqmode=0 \
	hw_queue_depth=64 submit_queues=1 || exit 1
cleanup_add "rmmod null_blk"
n=$(sectors /dev/nullb0)
CAP=200
table="0 $n band /dev/nullb0 0 lim uid weight 0 :100 1001:100,limit_iops=$CAP 1002:100"
check "table line with a cap on uid 1001" dm_create lim "$table"
chmod 666 /dev/mapper/lim
is "the table round-trips" "$(dmsetup table lim | cut -d' ' -f6-)" \
	"lim uid weight 0 :100 1001:100,limit_iops=$CAP 1002:100 idle=8000"
# A table loaded and not yet resumed prints its own line, attributes and
# all (that line once lost them; 46-fuzz found it).
dmsetup reload lim --table "0 $n band /dev/nullb0 0 lim uid weight 0 :100,reserve_iops=7 1001:100,limit_iops=$CAP,limit_bps=4096 1002:100"
is "the inactive table has its attributes" "$(dmsetup table --inactive lim | cut -d' ' -f6-)" \
	"lim uid weight 0 :100,reserve_iops=7 1001:100,limit_iops=$CAP,limit_bps=4096 1002:100 idle=8000"
check "the inactive table cleared" dmsetup clear lim
check "a reload from dmsetup table keeps it" \
	sh -c "dmsetup table lim | dmsetup reload lim && dmsetup resume lim &&
	       dmsetup table lim | grep -q ' 1001:100,limit_iops=$CAP '"
is "status: uid 1001's caps and no waits yet" \
	"$(grp_stat lim 1001 | cut -d' ' -f11-13)" "$CAP 0 0"

# rate_field DEV UID FIELD SECONDS: that group's FIELD (3: read bios, 4:
# read sectors) per second over a window of SECONDS, timed from the reset.
rate_field() {
	local t0 t1 c
	dmsetup message "$1" 0 reset
	t0=$(now_ns)
	sleep "$4"
	c=$(grp_field "$1" "$2" "$3")
	t1=$(now_ns)
	awk -v c="$c" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", c * 1e9 / (t1 - t0) }'
}
rate() { rate_field lim "$@"; }
rate_of() { rate_field "$1" "$2" 3 "$3"; }
# now_ns: the guest's uptime in ns (busybox's date has no %N), 10 ms steps.
now_ns() { awk '{ printf "%.0f", $1 * 1e9 }' /proc/uptime; }
# within GOT WANT PCT: GOT is within PCT percent of WANT
within() { awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN { exit !(g >= w * (1 - p / 100) && g <= w * (1 + p / 100)) }'; }
# measured_within DESC WANT PCT SCALE CMD...: one point, CMD's rate times
# SCALE within PCT percent of WANT.  As measure_shares_within: a window
# that misses is measured once more (a loaded two-core TCG host can starve
# the guest for a window; a cap or reservation that does not hold misses
# both).
measured_within() {
	local desc=$1 want=$2 pct=$3 scale=$4 got
	shift 4
	got=$(awk -v s="$("$@")" -v k="$scale" 'BEGIN { printf "%.1f", s * k }')
	if ! within "$got" "$want" "$pct"; then
		diag "$desc: first window $got; measuring again"
		got=$(awk -v s="$("$@")" -v k="$scale" 'BEGIN { printf "%.1f", s * k }')
	fi
	check "$desc ($got)" within "$got" "$want" "$pct"
}

# (60 s: the windows below, each measured twice when it misses, take up
# to 51 s; at 40 the last one's second window once ran past the job, 0.0)
start_job uid 1 /dev/mapper/lim 60
p1=$JOB_PID
cleanup_add "kill $p1"
sleep 2
measured_within "alone: uid 1001 gets its cap, $CAP IOPS within 5%" "$CAP" 5 1 rate 1001 3 8
check "its cap made it wait (limited $(grp_field lim 1001 13))" \
	test "$(grp_field lim 1001 13)" -gt 0

# The competitor at 2000 IOPS, not all the device gives (17,500 here):
# at full speed it kept the guest's two CPUs so busy that the capped
# reader itself fell to 190 IOPS (the edge of 5%).
start_job uid 2 /dev/mapper/lim 30 --rate_iops=2000
p2=$JOB_PID
cleanup_add "kill $p2"
sleep 2
dmsetup message lim 0 reset
t0=$(now_ns)
sleep 8
read -r c1 c2 <<< "$(grp_fields lim 3 1001 1002)"
t1=$(now_ns)
r1=$(awk -v c="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", c * 1e9 / (t1 - t0) }')
r2=$(awk -v c="$c2" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", c * 1e9 / (t1 - t0) }')
diag "beside uid 1002: uid 1001 $r1 IOPS, uid 1002 $r2 IOPS; $(dmsetup message lim 0 stats | cut -d' ' -f1-9)"
if within "$r1" "$CAP" 5; then
	ok "beside a competitor: uid 1001 still gets $CAP IOPS within 5% ($r1)"
else
	measured_within "beside a competitor: uid 1001 still gets $CAP IOPS within 5%" \
		"$CAP" 5 1 rate 1001 3 8
fi
check "the competitor is not held to the capped group's pace (> 3 x $CAP: $r2)" \
	awk -v r="$r2" -v c="$CAP" 'BEGIN { exit !(r > 3 * c) }'
kill $p2 2>/dev/null
wait $p2 2>/dev/null

# A cap changed while bios wait for it: they are judged by the new one.
check "message: cap uid 1001 at 2 IOPS" dmsetup message lim 0 limit 1001:limit_iops=2
sleep 2
check "message: raise it to 400 while its bios wait" \
	dmsetup message lim 0 limit 1001:limit_iops=400
sleep 1
measured_within "uid 1001 now gets 400 IOPS within 5%" 400 5 1 rate 1001 3 6
kill $p1 2>/dev/null
wait $p1 2>/dev/null

# Bytes per second, 64 KiB bios: 2 MiB/s is 32 bios a second.
check "message: uid 1001 capped at 2 MiB/s, no IOPS cap" \
	dmsetup message lim 0 limit 1001:limit_iops=0,limit_bps=2097152
is "the table says so" "$(dmsetup table lim | cut -d' ' -f11)" "1001:100,limit_bps=2097152"
start_job uid 1 /dev/mapper/lim 20 --bs=64k
p1=$JOB_PID
cleanup_add "kill $p1"
sleep 2
measured_within "uid 1001 reads 2097152 bytes/s within 5%" 2097152 5 512 rate 1001 4 8
kill $p1 2>/dev/null
wait $p1 2>/dev/null

check "message: no cap on uid 1001" dmsetup message lim 0 limit 1001:limit_bps=0
check "message: the default group capped at 50 IOPS" \
	dmsetup message lim 0 limit limit_iops=50
is "the table: the default group's cap, none on uid 1001" \
	"$(dmsetup table lim | cut -d' ' -f10,11)" ":100,limit_iops=50 1001:100"
is "status: the default group's cap" "$(grp_field lim default 11)" 50
# bandctl: sizes with units, both caps in one command, shown in --json
check "bandctl set uid:1001 with --limit-iops 300 --limit-bw 10M" \
	bandctl set lim uid:1001 100 --limit-iops 300 --limit-bw 10M
is "the table has both" "$(dmsetup table lim | cut -d' ' -f11)" \
	"1001:100,limit_iops=300,limit_bps=10485760"
check "bandctl show --json: its caps" sh -c "bandctl show lim --json |
	grep -q '\"id\":\"1001\",.*\"limit_iops\":300,\"limit_bps\":10485760,\"limited\":[0-9]*,'"
status_is "bandctl set --limit-bw 10X: exit 2" 2 \
	bandctl set lim uid:1001 100 --limit-bw 10X
check "bandctl set --limit-iops none removes the IOPS cap" sh -c "
	bandctl set lim uid:1001 100 --limit-iops none &&
	dmsetup table lim | grep -q ' 1001:100,limit_bps=10485760 '"

# Tracepoints: a capped reader and an uncapped one, then a suspend that
# lets the held bios go as debt.
T=/sys/kernel/tracing
grep -q " $T tracefs " /proc/mounts || mount -t tracefs nodev $T
check "tracefs has dm_band's events" test -d $T/events/dm_band
dmsetup message lim 0 limit limit_iops=0
dmsetup message lim 0 limit 1001:limit_iops=20,limit_bps=0
echo >$T/trace
echo 1 >$T/events/dm_band/enable
cleanup_add "echo 0 >$T/events/dm_band/enable"
start_job uid 1 /dev/mapper/lim 20
p1=$JOB_PID
fio --name=root --filename=/dev/mapper/lim --direct=1 --rw=randread --bs=4k \
	--ioengine=libaio --iodepth=8 --time_based --runtime=20 --output=/dev/null &
p2=$!
cleanup_add "kill $p1 $p2"
sleep 3
dmsetup suspend lim
dmsetup resume lim
kill $p1 $p2 2>/dev/null
wait $p1 $p2 2>/dev/null
echo 0 >$T/events/dm_band/enable
cp $T/trace /tmp/lim.trace
diag "trace: $(grep -c band_ /tmp/lim.trace) events; $(grep -m1 'band_limit:' /tmp/lim.trace)"
check "band_hold: uid 1001's bio held for its cap" \
	grep -Eq 'band_hold: bg=lim group=1001 sector=[0-9]+ bytes=4096 read held=[0-9]+ for=cap$' /tmp/lim.trace
check "band_limit: its cap and how long it waits" \
	grep -Eq 'band_limit: bg=lim group=1001 wait_ns=[0-9]+ limit_iops=20 limit_bps=0 limited=[1-9][0-9]*$' /tmp/lim.trace
check "band_release: the worker lets its bios go" \
	grep -Eq 'band_release: bg=lim group=1001 sector=[0-9]+ bytes=4096 read held=[0-9]+$' /tmp/lim.trace
check "band_refill: epochs of the band group, its three groups" \
	grep -Eq 'band_refill: bg=lim epoch=[0-9]+ groups=3 weight=300 base=192$' /tmp/lim.trace
check "band_debt: the suspend passed held bios on as debt" \
	grep -Eq 'band_debt: bg=lim group=1001 sector=[0-9]+ bytes=4096 read held=[0-9]+$' /tmp/lim.trace
check "remove" dmsetup remove lim

# Reservations: a device that does 400 IOPS (two slots of 5 ms), uid 1001
# with weight 1 and 100 IOPS reserved beside uid 1002 with weight 1000.
# By weight alone uid 1001 would get 0.4 IOPS.
rmmod null_blk
modprobe null_blk nr_devices=1 gb=1 queue_mode=2 irqmode=2 \
	completion_nsec=5000000 hw_queue_depth=2 submit_queues=1 || exit 1
check "table line with a reservation for uid 1001" dm_create res \
	"0 $n band /dev/nullb0 0 res uid weight 0 :100 1001:1,reserve_iops=100 1002:1000"
chmod 666 /dev/mapper/res
is "the table round-trips it" "$(dmsetup table res | cut -d' ' -f11)" "1001:1,reserve_iops=100"
echo >$T/trace
echo 1 >$T/events/dm_band/band_reserve/enable
start_job uid 1 /dev/mapper/res 30
p1=$JOB_PID
start_job uid 2 /dev/mapper/res 30
p2=$JOB_PID
cleanup_add "kill $p1 $p2"
sleep 2
dmsetup message res 0 reset
t0=$(now_ns)
sleep 6
read -r c1 c2 <<< "$(grp_fields res 3 1001 1002)"
t1=$(now_ns)
r1=$(awk -v c="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", c * 1e9 / (t1 - t0) }')
r2=$(awk -v c="$c2" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", c * 1e9 / (t1 - t0) }')
diag "reserved 100 IOPS at weight 1: $r1 IOPS; weight 1000: $r2 IOPS; reserved bios $(grp_field res 1001 16)"
if within "$r1" 100 5; then
	ok "uid 1001 gets its 100 IOPS within 5% ($r1)"
else
	measured_within "uid 1001 gets its 100 IOPS within 5%" 100 5 1 rate_of res 1001 6
fi
# (the device gave 270 to 330 IOPS in all under TCG, not 400)
check "uid 1002 gets the rest, more than uid 1001 ($r2 > $r1)" awk -v a="$r2" -v b="$r1" 'BEGIN { exit !(a > b) }'
is "status: its reservation" "$(grp_field res 1001 14)" 100
check "bios passed on it are counted ($(grp_field res 1001 16))" test "$(grp_field res 1001 16)" -gt 300
echo 0 >$T/events/dm_band/band_reserve/enable
check "band_reserve: uid 1001's bios passed on its reservation" \
	grep -Eq 'band_reserve: bg=res group=1001 sector=[0-9]+ bytes=4096 read held=[0-9]+$' $T/trace
check "message: no reservation" dmsetup message res 0 reserve 1001:reserve_iops=0
sleep 1
r1=$(rate_of res 1001 4)
check "without it uid 1001 gets little (< 10 IOPS: $r1)" awk -v r="$r1" 'BEGIN { exit !(r < 10) }'

kill $p1 $p2 2>/dev/null
wait $p1 $p2 2>/dev/null
check "remove" dmsetup remove res
finish
