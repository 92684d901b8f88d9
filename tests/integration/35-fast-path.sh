#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fast path (issue 13): while no group waits, a group lends its tokens
# to a lease and its bios pass without the band group's lock.  In a real
# kernel: a lone reader's group holds a lease while it reads; every bio is
# still counted exactly and nothing stays in flight in a lease; and a lease
# never stays open while a group waits (the refill rule must see every
# token), read from the `stats` message, which reports both under the
# band group's lock, many times while two readers of different weights
# compete.
. "$TESTS/lib.sh"
# (the debug kernel skips the two points that need the device to be the
# bottleneck, groups waiting and shares: there its CPU is, and a poll of
# stats takes seconds)
plan $((SCALE > 1 ? 7 : 9))

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

# Two readers, weights 1:4, on a device they saturate: groups wait, and a
# lease must never be open then.
dmsetup message fp 0 reset
start_job uid 1 /dev/mapper/fp 20
p1=$JOB_PID
start_job uid 2 /dev/mapper/fp 20
p2=$JOB_PID
cleanup_add "kill $p1 $p2"
bad=0 waited=0 leased=0 polls=0
end=$((SECONDS + 8))
while [ $SECONDS -lt $end ]; do
	s=$(dmsetup message fp 0 stats)
	l=$(echo "$s" | tr ' ' '\n' | sed -n 's/^leased=//p')
	wt=$(echo "$s" | tr ' ' '\n' | sed -n 's/^waiting=//p')
	polls=$((polls + 1))
	[ "$wt" = 1 ] && waited=$((waited + 1))
	[ "${l:-0}" -gt 0 ] && leased=$((leased + 1))
	[ "$wt" = 1 ] && [ "${l:-0}" -gt 0 ] && bad=$((bad + 1))
	sleep 0.1
done
diag "two readers: $polls polls, a group waiting at $waited, a lease open at $leased"
if [ "$SCALE" = 1 ]; then
	check "groups waited while two readers competed ($waited of $polls polls)" \
		test "$waited" -gt 0
fi
is "no lease open while a group waited" "$bad" 0
r1=$(grp_field fp 1001 3) r2=$(grp_field fp 1002 3)
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
