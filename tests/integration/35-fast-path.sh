#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fast path (issue 13): a group with tokens lends them to a lease and
# its bios pass without the band group's lock, also while other groups
# wait (once the pool has measured a lone bio's latency; before that, a
# group that waits revokes every lease).  In a real kernel: a lone
# reader's group holds a lease while it reads; every bio is still counted
# exactly and nothing stays in flight in a lease; and while two readers of
# different weights compete, read from the `stats` message many times
# (under the band group's lock): no group that holds bios has a lease
# open, leases stay open while the other group waits, and the weights
# hold.
. "$TESTS/lib.sh"
# (the debug kernel skips the two points that need the device to be the
# bottleneck, groups waiting and shares: there its CPU is, and a poll of
# stats takes seconds)
plan $((SCALE > 1 ? 8 : 11))

band_load
nullb_slow 1000000 || exit 1
n=$(sectors /dev/nullb0)
dm_create fp "0 $n band /dev/nullb0 0 fp uid weight 0 :10 1001:1 1002:4 idle=$GUEST_IDLE_US"
chmod 666 /dev/mapper/fp
stat_field() { dmsetup message fp 0 stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# A lone reader: its group lends its tokens.
size=$(mib 8)
setpriv --reuid=1001 --regid=1001 --clear-groups \
	fio --name=lone --filename=/dev/mapper/fp --direct=1 --ioengine=libaio \
	--iodepth=8 --rw=randread --bs=4k --size="$size" --output-format=terse \
	>/tmp/fp-lone.out 2>&1 &
fio=$!
cleanup_add "kill $fio"
seen=0 polls=0
while kill -0 $fio 2>/dev/null; do
	polls=$((polls + 1))
	[ "$(stat_field leased)" -ge 1 ] 2>/dev/null && seen=$((seen + 1))
	sleep 0.2
done
wait $fio
rkb=$(tail -n 1 /tmp/fp-lone.out | cut -d';' -f6)
diag "lone reader: ${rkb} KiB; a lease open at $seen of $polls polls"
check "a lone reader's group holds a lease while it reads ($seen of $polls polls)" \
	test "$seen" -gt 0
read -r _ _ rb rs _ _ held _ inf _ <<< "$(grp_stat fp 1001)"
is "every fast-path bio counted: read bios = fio's reads" "$rb" $((rkb / 4))
is "and its sectors" "$rs" $((rkb * 2))
is "nothing held or in flight, in a lease or not" "$held $inf" "0 0"
is "the band group has nothing in flight" "$(stat_field in_flight)" 0

# A reader with one bio in flight: the first bio of each epoch passes
# under the lock alone, and the pool learns a lone bio's latency.
# shellcheck disable=SC2046 # fio_job prints the command's words
setpriv --reuid=1001 --regid=1001 --clear-groups \
	$(fio_job /dev/mapper/fp 2 --iodepth=1) >/dev/null 2>&1
diag "after a QD1 reader: $(dmsetup message fp 0 stats | tr ' ' '\n' | grep '^levels=')"
# Two readers, weights 1:4, on a device they saturate: groups wait; a
# group that holds bios never has a lease, the other keeps its own.
dmsetup message fp 0 reset
start_job uid 1 /dev/mapper/fp 20
p1=$JOB_PID
start_job uid 2 /dev/mapper/fp 20
p2=$JOB_PID
cleanup_add "kill $p1 $p2"
bad=0 waited=0 both=0 polls=0
end=$((SECONDS + 8))
while [ $SECONDS -lt $end ]; do
	s=$(dmsetup message fp 0 stats | tr ' ' '\n')
	l=$(sed -n 's/^leased=//p' <<<"$s")
	lh=$(sed -n 's/^leased_held=//p' <<<"$s")
	wt=$(sed -n 's/^waiting=//p' <<<"$s")
	polls=$((polls + 1))
	[ "$wt" = 1 ] && waited=$((waited + 1))
	[ "$wt" = 1 ] && [ "${l:-0}" -gt 0 ] && both=$((both + 1))
	[ "${lh:-1}" = 0 ] || bad=$((bad + 1))
	sleep 0.1
done
diag "two readers: $polls polls, a group waiting at $waited, a lease open while one waited at $both"
diag "$(dmsetup message fp 0 stats)"
if [ "$SCALE" = 1 ]; then
	check "groups waited while two readers competed ($waited of $polls polls)" \
		test "$waited" -gt 0
	check "a lease stayed open while the other group waited ($both of $polls polls)" \
		test "$both" -gt 0
fi
is "no group with bios held had a lease open" "$bad" 0
check "the pool measured a lone bio's latency (leases may stay open)" \
	grep -Eq '(^| )levels=1:[0-9]+/([89]|[1-9][0-9]+)' <<<"$(dmsetup message fp 0 stats)" 
read -r r1 r2 <<< "$(grp_fields fp 3 1001 1002)"
diag "bios: 1001 (weight 1) $r1, 1002 (weight 4) $r2"
kill $p1 $p2 2>/dev/null
wait $p1 $p2 2>/dev/null
if [ "$SCALE" = 1 ]; then
	check "weight 4 got more than twice weight 1's bios ($r2 vs $r1)" test $((r2)) -gt $((2 * r1))
fi
is "nothing left held or in flight" \
	"$(grp_field fp 1001 7) $(grp_field fp 1001 9) $(grp_field fp 1002 7) $(grp_field fp 1002 9)" \
	"0 0 0 0"
finish
