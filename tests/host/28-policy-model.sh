#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The scheduler's targets (issue 11) in tests/model/band-model: the policy
# (dm-band-policy.c as the module builds it) driven as dm-band.c drives it,
# over a modelled null_blk with ideal timing.  What fails here is the
# policy's own; what passes here and misses in make bench is the guest's
# timing (see Documentation/dm-band.rst, Performance).
set -u
top=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp "$top"/tests/model/{band-model.c,kshim.h,Makefile} "$out/"
if ! make -s -B -C "$out" TOP="$top" band-model >"$out/build.log" 2>&1; then
	echo "1..1"
	echo "not ok 1 - band-model builds"
	sed 's/^/# /' "$out/build.log"
	exit 1
fi
m() { "$out/band-model" "$@"; }
# f LINE KEY: the number after KEY in LINE
f() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { v = $(i + 1); sub(/%$/, "", v); print v; exit } }' <<<"$1"; }
g() { grep "^group $1 " <<<"$2"; }
n=0
fails=0
echo "1..30"
t() { # t DESC EXPR (awk, on the variables set by the caller's -v)
	local desc=$1
	shift
	n=$((n + 1))
	if awk "$@" 'BEGIN { exit !('"$EXPR"') }'; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		fails=$((fails + 1))
	fi
}

# The QD1 reader (weight 4) and a QD32 reader (weight 1).
alone=$(m groups=4:1)
pair=$(m groups=4:1,1:32)
a=$(g 0 "$alone") q=$(g 0 "$pair")
echo "# parallel: alone: $a"
echo "# parallel: pair: $(head -1 <<<"$pair")"
echo "# parallel: pair: $q"
EXPR='q >= 0.90 * a'
t "parallel: QD1 reader keeps >= 90% of its IOPS alone" -v q="$(f "$q" iops)" -v a="$(f "$a" iops)"
EXPR='q <= 1.25 * a'
t "parallel: QD1 reader's p99 within 1.25x of alone" -v q="$(f "$q" p99_us)" -v a="$(f "$a" p99_us)"
EXPR='x >= 0.90 * 4000'
t "parallel: device total >= 90% of its 4000 IOPS" -v x="$(f "$pair" iops)"
# The flaw the issue measured, so that the model is known to show it.
noinj=$(m groups=4:1,1:32 inject=0)
echo "# parallel, inject=0: $(head -1 <<<"$noinj")"
EXPR='x < 0.5 * 4000'
t "parallel, inject=0: the refill rule alone leaves the device idle (the old flaw)" -v x="$(f "$noinj" iops)"
ser=$(m groups=4:1,1:32 slots=1 service_us=1000 depth_max=1)
echo "# serial: pair: $(head -1 <<<"$ser")"
EXPR='e <= 5'
t "serial: the pair within 5% of 80/20" -v e="$(f "$ser" maxerr)"

# Saturated loads: 40:20:10, three jobs of 4 in flight each, or skewed
# (1, 2 and 6 jobs); on the skewed parallel load the weight-40 group
# cannot use its share and the others split the rest 2:1.
for shape in serial parallel; do
	dev=
	[ "$shape" = serial ] && dev="slots=1 service_us=1000 depth_max=1"
	# shellcheck disable=SC2086
	r=$(m groups=40:12,20:12,10:12 $dev)
	echo "# friendly $shape: $(head -1 <<<"$r")"
	EXPR='e <= 1'
	t "friendly, $shape: max share error <= 1%" -v e="$(f "$r" maxerr)"
done
r=$(m groups=40:4,20:8,10:24 slots=1 service_us=1000 depth_max=1)
echo "# skewed serial: $(head -1 <<<"$r")"
EXPR='e <= 1'
t "skewed, serial: max share error <= 1%" -v e="$(f "$r" maxerr)"
r=$(m groups=40:4,20:8,10:24)
echo "# skewed parallel: $(head -1 <<<"$r")"
b=$(g 1 "$r") c=$(g 2 "$r")
EXPR='b / c >= 0.99 && b / c <= 1.01'
t "skewed, parallel: b and c share the rest 2:1 within 1% (weighted max-min)" \
	-v b="$(f "$b" per_weight)" -v c="$(f "$c" per_weight)"

# n groups of weights 1..n, 32 in flight in all (2 at least each).
for nq in 8:4 32:2; do
	r=$(m ngroups="${nq%:*}" qd="${nq#*:}")
	echo "# ${nq%:*} groups: $(head -1 <<<"$r")"
	EXPR='e <= 2'
	t "${nq%:*} groups, weights 1..${nq%:*}: max share error <= 2% over 20 s" -v e="$(f "$r" maxerr)"
done
# 128 groups: an epoch is 8256 bios (two seconds here), and within one the
# light groups finish first: over 20 s the error is the window's edges
# (printed, not asserted); over many epochs the shares are exact.
r=$(m ngroups=128 qd=2)
echo "# 128 groups, 20 s: $(head -1 <<<"$r")"
r=$(m ngroups=128 qd=2 secs=160)
echo "# 128 groups, 160 s: $(head -1 <<<"$r")"
EXPR='e <= 2'
t "128 groups, weights 1..128: max share error <= 2% over 160 s" -v e="$(f "$r" maxerr)"

# The fast path (issue 13): leases stay open while other groups wait, so
# they change the policy's timing (a group's lease is swept only when it
# has nothing in flight), not its shares: on saturated, injecting, serial
# and many-group loads the device's total within 2% of it without them and
# no group below 97% of its rate; a group alone takes the fast path.
same=0 diff=""
for c in "groups=4:1,1:32" "groups=1:8,2:8" "ngroups=32 qd=2" \
	"groups=1:1,2:4,4:8 slots=1 service_us=1000 depth_max=1" "groups=3:1,2:16,1:16" \
	"groups=1:8:limit_iops=10,1000:8"; do
	# the device's total within 2% of it without leases, and no group
	# below 97% of its rate without them (or 0.5 IOPS): a QD-bound group
	# may gain (a lease spares it the refill's wait), the others then
	# give up their share of that
	# shellcheck disable=SC2086 # c is several words
	if awk 'FNR == NR && /^total/ { t = $4; next }
		FNR == NR && /^group/ { r[$2] = $6; next }
		/^total/ { d = $4 - t; if (d < 0) d = -d; if (d > 0.02 * t) bad = 1 }
		/^group/ { d = r[$2] - $6; if (d > 0.5 && d > 0.03 * r[$2]) bad = 1 }
		END { exit bad }' <(m $c lease=0 per=1) <(m $c lease=1 per=1); then
		same=$((same + 1))
	else
		diff+=" [$c]"
	fi
done
echo "# leases: $same of 6 loads as without them${diff:+; differ:$diff}"
EXPR='n == 6'
t "leases: the device total within 2% and no group below 97% of its rate without them" -v n="$same"
r=$(m groups=4:32)
echo "# alone, QD32: $(head -1 <<<"$r")"
EXPR='x >= 90'
t "a group alone: >= 90% of its bios take the fast path" -v x="$(f "$r" fast)"
# and its lease is renewed at each epoch's end, not revoked: the bios in
# flight then complete without the lock (before: 50% of them took it)
EXPR='x <= 5'
t "a group alone: <= 5% of its completions take the lock" -v x="$(f "$r" locked_ends)"
# weight 1 beside an idle group of weight 100 (the default group): 2
# tokens an epoch; alone, it starts 32 epochs at once (before: a refill
# every two bios, 0.1% on the fast path)
r=$(m groups=1:32,100:0)
echo "# alone, weight 1 of 101: $(head -1 <<<"$r")"
EXPR='x >= 90'
t "a weight-1 group alone beside an idle weight-100 one: >= 90% of its bios take the fast path" -v x="$(f "$r" fast)"
# 64 groups with bios flowing on a fast device: groups wait all the time,
# and those with tokens keep their leases (before: 0.1% took the fast path)
r=$(m ngroups=64 qd=4 slots=64 service_us=100 secs=5)
echo "# 64 groups flowing: $(head -1 <<<"$r")"
EXPR='x >= 80 && e <= 2'
t "64 groups flowing: >= 80% of bios take the fast path, max share error <= 2%" -v x="$(f "$r" fast)" -v e="$(f "$r" maxerr)"

# Caps and reservations (issue 15), on the same 4000 IOPS device, the
# bench's limits scenario: the worker's timer in jiffies (HZ=250), QD8
# readers.  A cap alone (beside the idle default group of the bench's
# table) and beside an uncapped group, which takes the rest; a weight-1
# group with 1000 IOPS reserved beside weight 1000, and without it.
r=$(m groups=100:0,1:8:limit_iops=1000)
a=$(g 1 "$r")
echo "# cap alone: $a"
EXPR='x >= 980 && x <= 1020'
t "cap alone: 1000 IOPS within 2%" -v x="$(f "$a" iops)"
# (the rest: of what the device does with no cap, two QD8 readers)
full=$(f "$(m groups=1:8,1:8)" iops)
# cap_beside DESC PCT [MODEL ARGS]: weight 1000 capped at 1000 IOPS beside
# an uncapped weight 1: the cap within 2%, the other within PCT% of the rest.
cap_beside() {
	local desc=$1 pct=$2 r a b
	shift 2
	r=$(m groups=1000:8:limit_iops=1000,1:8 "$@")
	a=$(g 0 "$r") b=$(g 1 "$r")
	echo "# $desc: $a"
	echo "# $desc: $b"
	EXPR="a >= 980 && a <= 1020 && b >= (1 - $pct / 100) * (d - 1000)"
	t "$desc: the capped group within 2% of its cap, the other within $pct% of the rest" \
		-v a="$(f "$a" iops)" -v b="$(f "$b" iops)" -v d="$full"
}
cap_beside "cap beside" 2
r=$(m groups=1:8:reserve_iops=1000,1000:8)
a=$(g 0 "$r")
echo "# reserve: $a"
w=$(g 0 "$(m groups=1:8,1000:8)")
echo "# weights only: $w"
EXPR='x >= 980 && x <= 1020'
t "reserve: weight 1 beside 1000 gets its 1000 IOPS within 2%" -v x="$(f "$a" iops)"
EXPR='x < 10'
t "reserve: without it, the weights give it < 10 IOPS" -v x="$(f "$w" iops)"
r=$(m groups=1000:4:limit_bps=8388608,1:4 bs=65536)
a=$(g 0 "$r")
echo "# cap in bytes, 8 MiB/s of 64 KiB bios: $a"
EXPR='x >= 0.98 * 128 && x <= 1.02 * 128'
t "cap in bytes: 8 MiB/s of 64 KiB bios (128 IOPS) within 2%" -v x="$(f "$a" iops)"
# The burst (50 ms) absorbs a late worker: 10 ms jiffies and 20 ms from
# the timer to the run change neither (at 60 ms the clocks restart from
# now and lose the difference; not asserted).
a=$(g 1 "$(m groups=100:0,1:8:limit_iops=1000 tick_us=10000 worker_us=20000)")
b=$(g 0 "$(m groups=1:8:reserve_iops=1000,1000:8 tick_us=10000 worker_us=20000)")
echo "# late worker, cap: $a"
echo "# late worker, reserve: $b"
EXPR='a >= 980 && a <= 1020 && b >= 980 && b <= 1020'
t "late worker (10 ms jiffies, 20 ms more): cap and reservation within 2%" \
	-v a="$(f "$a" iops)" -v b="$(f "$b" iops)"
# The uncapped group beside a cap when the worker is 20 ms late: the
# capped group, its backlog released at once, passed on its clock with
# tokens left and held up the refills the weight-1 group needs (1 IOPS
# of the 3000 left) until a group whose cap binds held up no refill.
cap_beside "cap beside, worker 20 ms late" 5 worker_us=20000
# The reservation phase (mClock's): a group behind its reservation takes
# every place the device frees from the others.  2500 IOPS reserved at
# QD8 beside QD8 of weight 1000: the device serves bios in flight in
# proportion, so without the phase the reservation got only half (2000).
# Reservations over the device (3000 and 1500 of 4000) degrade in
# proportion: 2:1 (without the phase, 1:1).  Also with the worker late.
reserve_phase() {
	local desc=$1 use=$2 r a b c d
	shift 2
	r=$(m groups=1:8:reserve_iops=2500,1000:8 "$@")
	a=$(g 0 "$r") b=$(g 1 "$r")
	r=$(m groups=1:8:reserve_iops=3000,1:8:reserve_iops=1500 "$@")
	c=$(g 0 "$r") d=$(g 1 "$r")
	echo "# $desc, 2500 reserved: $a"
	echo "# $desc, beside it: $b"
	echo "# $desc, 3000 of 4500 reserved: $c"
	echo "# $desc, 1500 of 4500 reserved: $d"
	EXPR="a >= 0.98 * 2500 && a + b >= $use * full && c / d >= 1.96 && c / d <= 2.04 && c + d >= $use * full"
	t "$desc: 2500 reserved beside weight 1000 within 2%, 3000:1500 over the device 2:1 within 2%, device use >= $use" \
		-v a="$(f "$a" iops)" -v b="$(f "$b" iops)" -v c="$(f "$c" iops)" \
		-v d="$(f "$d" iops)" -v full="$full"
}
reserve_phase "reservation phase" 0.98
reserve_phase "reservation phase, worker 20 ms late" 0.98 worker_us=20000
# Jobs whose submitter takes 0.5 ms to send the next bio (a loaded guest's
# fio): a job of 8 is seen with fewer in flight, and without the places a
# group behind keeps (its peak) the other took them (the guest's bench:
# 2500 reserved got 1254).  It alone could do 3200; the device, held for
# it, does less than 4000 meanwhile.
reserve_phase "reservation phase, submitters 0.5 ms slow" 0.9 think_us=500
# A reservation the group cannot use (QD1 at 2 ms: 500 IOPS at most)
# keeps the phase on for ever: the others still fill the device.
r=$(m groups=1:1:reserve_iops=2500,1000:8)
a=$(g 0 "$r") b=$(g 1 "$r")
q=$(f "$(g 0 "$(m groups=1:1)")" iops)
echo "# QD1 with 2500 reserved: $a"
echo "# beside it: $b"
EXPR='a >= 0.9 * q && a + b >= 0.97 * full'
t "a reservation the group cannot reach: it gets >= 90% of what it gets alone, the device stays full" \
	-v a="$(f "$a" iops)" -v b="$(f "$b" iops)" -v q="$q" -v full="$full"
# A reservation above the group's own cap (500): the cap binds, the group
# is not behind, and the other takes the rest (it got nothing once).
r=$(m groups=1:8:reserve_iops=2500:limit_iops=500,1000:8)
a=$(g 0 "$r") b=$(g 1 "$r")
echo "# reserved 2500, capped 500: $a"
echo "# beside the capped one: $b"
EXPR='a >= 490 && a <= 510 && b >= 0.95 * (full - 500)'
t "a reservation above the group's cap: the cap holds, the other gets >= 95% of the rest" \
	-v a="$(f "$a" iops)" -v b="$(f "$b" iops)" -v full="$full"
# 999 light groups, a bio every 500 ms each, beside a busy one, at idle
# 50 ms (make bench's 1000flowing-idle): lingering light groups held up
# every refill and kept every place from injection (the busy one: 25 IOPS
# here, 0.7% of dm-linear's in the bench).  One that came back later
# than idle three times in a row does not linger (92% of its rate alone
# with that alone), nor lend a lease (99%).
light=$(printf ',100:1:think_us=500000%.0s' $(seq 999))
r=$(m groups=100:64$light slots=64 service_us=100 depth_max=64 idle_us=50000 secs=6 per=1)
a=$(f "$(g 0 "$r")" iops)
q=$(f "$(g 0 "$(m groups=100:64 slots=64 service_us=100 depth_max=64 idle_us=50000 secs=6 per=1)")" iops)
echo "# busy beside 999 light: $(g 0 "$r") (alone: $q IOPS)"
EXPR='a >= 0.95 * q'
t "999 light groups beside a busy one at idle 50 ms: the busy one >= 95% of its rate alone" -v a="$a" -v q="$q"
[ "$fails" = 0 ]
