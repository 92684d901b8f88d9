#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Messages that move held bios (detach, attach, weight) racing suspend,
# resume and reload under fio write+verify.  A detach that ran while
# presuspend was releasing bios could leave bios held on a suspended
# device: the suspend then never ended.  Every suspend must return, every
# bio complete, and the data verify.
# stress
. "$TESTS/lib.sh"
plan 7

SECS=${RACE_SECS:-40}
# make stress: ten minutes.
[ -n "${STRESS:-}" ] && SECS=${RACE_SECS:-600}
band_load
nullb_mem_slow rc 256 500000 || exit 1
dev=$NULLB_DEV
n=$(sectors "$dev")
table="0 $n band $dev 0 rc pid weight 1 :1"
dm_create rc "$table"

# Two verifying writers (threads: one pid each) and the storm of messages
# that attaches and detaches them with tiny weights, so they hold bios.
fio --name=a --filename=/dev/mapper/rc --offset=0 --size=$(mib 64) \
	--direct=1 --ioengine=libaio --iodepth=16 --rw=randwrite --bs=4k \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --thread \
	--time_based --runtime="$SECS" --output=/tmp/fa.out &
fa=$!
fio --name=b --filename=/dev/mapper/rc --offset=$(mib 128) --size=$(mib 64) \
	--direct=1 --ioengine=libaio --iodepth=16 --rw=randrw --bs=4k \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --thread \
	--time_based --runtime="$SECS" --output=/tmp/fb.out &
fb=$!
cleanup_add "kill $fa $fb"

storm() {
	while kill -0 "$fa" 2>/dev/null || kill -0 "$fb" 2>/dev/null; do
		for p in $fa $fb; do
			dmsetup message rc 0 attach "$p:1"
			dmsetup message rc 0 weight "$p:2"
			dmsetup message rc 0 detach "$p"
		done
	done >/dev/null 2>&1
}
storm &
st=$!
storm &
st2=$!

cycles=0 fail=0 slow=0
end=$((SECONDS + SECS))
while [ $SECONDS -lt $end ]; do
	timeout 60 dmsetup suspend rc || { fail=$((fail + 1)); break; }
	timeout 60 dmsetup resume rc || fail=$((fail + 1))
	timeout 60 dmsetup reload rc --table "$table" || fail=$((fail + 1))
	timeout 60 dmsetup suspend --noflush rc || { fail=$((fail + 1)); break; }
	timeout 60 dmsetup resume rc || fail=$((fail + 1))
	cycles=$((cycles + 1))
done
wait $fa
ra=$?
wait $fb
rb=$?
wait $st $st2
diag "$cycles suspend/reload cycles"
is "every suspend, resume and reload returned" "$fail" 0
# (the debug kernel under TCG manages one or two in the time)
check "cycles ran ($cycles)" test "$cycles" -ge $((SCALE > 1 ? 1 : 3))
is "writer a verified" "$ra" 0
is "writer b verified" "$rb" 0
is "device is active and unsuspended" \
	"$(dmsetup info -c --noheadings -o attr rc | cut -c1-2)" "L-"
is "nothing held or in flight" \
	"$(dmsetup status rc | awk '{for (i = 7; i + 16 <= NF; i += 17) s += $(i+7) + $(i+9); print s}')" 0
check "remove" dmsetup remove rc
finish
