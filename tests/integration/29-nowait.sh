#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A bio whose submitter asked not to wait (RWF_NOWAIT, io_uring) and that
# would be held is completed at once with BLK_STS_AGAIN (EAGAIN), as the
# block layer promises; it is never held.  Alone on the device such bios
# still get tokens (they start the refill a held bio would start), so a
# submitter that only ever asks not to wait is not refused for ever.
. "$TESTS/lib.sh"
plan 9

band_load
# Many slots, so that the device below never answers EAGAIN itself.
modprobe null_blk nr_devices=1 gb=1 queue_mode=2 irqmode=2 \
	completion_nsec=10000000 hw_queue_depth=64 submit_queues=1 || exit 1
cleanup_add "rmmod null_blk"
n=$(sectors /dev/nullb0)
# uid 1234 (the NOWAIT reader): weight 1, one token per epoch; root's
# reader (the default group) has weight 1000 and keeps the epoch going.
dm_create nw "0 $n band /dev/nullb0 0 nw uid weight 1 :1000 1234:1"
chmod 666 /dev/mapper/nw
nowait="/usr/bin/setpriv --reuid=1234 --regid=1234 --clear-groups nowait-read /dev/mapper/nw"

out=$(timeout 60 $nowait 50 2>/tmp/nw.err)
is "alone, every nowait read passes" "$out" "ok=50 again=0 other=0"

fio --name=bg --filename=/dev/mapper/nw --direct=1 --rw=randread --bs=4k \
	--ioengine=libaio --iodepth=8 --time_based --runtime=30 \
	--output=/dev/null &
fio=$!
cleanup_add "kill $fio"
for i in $(seq 20); do
	[ "$(grp_field nw default 3)" -gt 100 ] && break
	sleep 0.5
done
check "the background reader runs" test "$(grp_field nw default 3)" -gt 100
out=$(timeout 60 $nowait 200 2>/tmp/nw.err)
rc=$?
diag "nowait-read: $out $(cat /tmp/nw.err)"
is "nowait-read finished" "$rc" 0
again=$(echo "$out" | sed -n 's/.*again=\([0-9]*\).*/\1/p')
other=$(echo "$out" | sed -n 's/.*other=\([0-9]*\).*/\1/p')
check "reads that would be held failed with EAGAIN ($again)" test "${again:-0}" -gt 0
is "no read failed otherwise" "$other" 0
is "no bio of the NOWAIT reader was ever held" "$(grp_field nw 1234 8)" 0
is "nothing of it in flight" "$(grp_field nw 1234 9)" 0
kill $fio
wait $fio
is "nothing left held" "$(grp_field nw default 7)" 0
check "remove" dmsetup remove nw
finish
