#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A bio whose submitter asked not to wait (RWF_NOWAIT, io_uring) and that
# would be held is completed at once with BLK_STS_AGAIN (EAGAIN), as the
# block layer promises; it is never held.  Alone on the device such bios
# still get tokens (they start the refill a held bio would start), so a
# submitter that only ever asks not to wait is not refused for ever.
. "$TESTS/lib.sh"
plan 8

band_load
nullb_slow || exit 1
n=$(sectors /dev/nullb0)
# One group, one token per epoch: a QD8 job keeps it out of tokens.
dm_create nw "0 $n band /dev/nullb0 0 nw none weight 1 :1"

out=$(timeout 60 nowait-read /dev/mapper/nw 50 2>/tmp/nw.err)
is "alone, every nowait read passes" "$out" "ok=50 again=0 other=0"

fio --name=bg --filename=/dev/mapper/nw --direct=1 --rw=randread --bs=4k \
	--ioengine=libaio --iodepth=8 --time_based --runtime=30 \
	--output=/dev/null &
fio=$!
cleanup_add "kill $fio"
for i in $(seq 20); do
	[ "$(grp_field nw default 7)" -gt 0 ] && break
	sleep 0.5
done
check "the background job's bios are held" test "$(grp_field nw default 7)" -gt 0
h0=$(grp_field nw default 8)
start=$SECONDS
out=$(timeout 60 nowait-read /dev/mapper/nw 200 2>/tmp/nw.err)
rc=$?
diag "nowait-read: $out ($((SECONDS - start)) s) $(cat /tmp/nw.err)"
is "nowait-read finished" "$rc" 0
again=$(echo "$out" | sed -n 's/.*again=\([0-9]*\).*/\1/p')
other=$(echo "$out" | sed -n 's/.*other=\([0-9]*\).*/\1/p')
check "reads that would be held failed with EAGAIN ($again)" test "${again:-0}" -gt 0
is "no read failed otherwise" "$other" 0
check "the background job's bios were still held meanwhile" \
	test "$(grp_field nw default 8)" -gt "$h0"
kill $fio
wait $fio
is "nothing left held" "$(grp_field nw default 7)" 0
check "remove" dmsetup remove nw
finish
