#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: 6.12 debug
# (not 6.1 in make check: the same code runs there as on the debug kernel,
# which is 6.1, and the stock guests run one after the other.)
# Scale, devices and bios (groups are test 50):
#  - 64 band devices in one band group (16 on the debug kernel): one
#    epoch for all, all used at once with verifying writers, all removed;
#    the memory per device stays within what Documentation/dm-band.rst
#    states.
#  - bios through a throttled device (two uid groups 1:3), counted: each
#    group's status counter equals the I/Os fio did, exactly (100,000 on
#    stock, 10 million under make stress; a 64th on the debug kernel).
# stress
. "$TESTS/lib.sh"
plan 10

band_load
brd_create 64
R=/dev/ram0
n=$(sectors $R)

# The debug kernel's KASAN and slab debugging add their own to each object.
MAX_DEVICE_BYTES=$((1024 * 1024))
[ "$SCALE" -gt 1 ] && MAX_DEVICE_BYTES=$((4 * 1024 * 1024))
# 64 devices on the stock kernels; 16 under the debug kernel, where each
# dmsetup takes a second of KASAN and lockdep and 64 take minutes.
nd=64
[ "$SCALE" -gt 1 ] && nd=16
# Bios per group: 50,000 (stock), 5 million under make stress; the debug
# kernel does a 64th (KASAN, lockdep and TCG: tens of I/Os a second).
NB=$((50000 / SCALE / SCALE))
[ -n "${STRESS:-}" ] && NB=$((5000000 / SCALE / SCALE))
# Slab and vmalloc in bytes.
kmem() {
	awk '/^Slab:|^VmallocUsed:/ { s += $2 } END { print s * 1024 }' /proc/meminfo
}

# ---------------------------------------------------------------- devices
m0=$(kmem)
ok=0
for i in $(seq 0 $((nd - 1))); do
	dmsetup create "sd$i" --table "0 2048 band $R $((i * 2048)) sd uid weight 0 :1 $((1001 + i % 2)):$((i % 5 + 1))" && ok=$((ok + 1))
done
m1=$(kmem)
is "$nd devices in one band group" "$ok" "$nd"
per=$(((m1 - m0) / nd))
diag "devices: $nd; memory +$((m1 - m0)) bytes, $per per device (with device-mapper's own)"
check "at most $MAX_DEVICE_BYTES bytes per device ($per)" [ "$per" -le $MAX_DEVICE_BYTES ]
is "one band group, one epoch" \
	"$(for i in $(seq 0 $((nd - 1))); do dmsetup status "sd$i" | cut -d' ' -f4,5; done | sort -u | wc -l)" 1
{
	echo "[global]"
	echo "thread"
	echo "direct=1"
	echo "ioengine=libaio"
	echo "iodepth=4"
	echo "rw=randwrite"
	echo "bs=4k"
	echo "verify=crc32c"
	echo "verify_fatal=1"
	echo "size=$((1024 / SCALE))k"
	for i in $(seq 0 $((nd - 1))); do echo "[j$i]"; echo "filename=/dev/mapper/sd$i"; done
} >/tmp/sd.fio
check "fio verify on all $nd at once" timeout 200 fio --output=/tmp/sd.out /tmp/sd.fio
# (what was held and in flight, if it did not end)
held=0
for i in $(seq 0 $((nd - 1))); do
	st=$(dmsetup status "sd$i")
	h=$(echo "$st" | awk '{ for (i = 7; i + 16 <= NF; i += 17) s += $(i+7) + $(i+9); print s + 0 }')
	held=$((held + h))
	[ "$h" = 0 ] || diag "sd$i: $st"
done
is "nothing held or in flight on the $nd" "$held" 0
ok=0
for i in $(seq 0 $((nd - 1))); do dmsetup remove "sd$i" && ok=$((ok + 1)); done
is "all $nd removed" "$ok" "$nd"

# ---------------------------------------------------------------- bios
check "a throttled device" dm_create tb "0 $n band $R 0 tb uid weight 0 :1 1001:1 1002:3"
job() { # job UID: NB 4 KiB direct reads as that user; prints KiB read
	setpriv --reuid="$1" --regid="$1" --clear-groups \
		fio --name=b --filename=/dev/mapper/tb --direct=1 --rw=randread \
		--bs=4k --ioengine=libaio --iodepth=32 --io_size=$((NB * 4))k \
		--output-format=terse 2>/dev/null | tail -n 1 | cut -d';' -f6
}
chmod 666 /dev/mapper/tb
s=$(date +%s)
job 1001 >/tmp/b1 &
p1=$!
job 1002 >/tmp/b2
wait $p1
secs=$(($(date +%s) - s))
b1=$(grp_field tb 1001 3) b2=$(grp_field tb 1002 3)
diag "bios: $((b1 + b2)) in ${secs}s; fio read $(cat /tmp/b1) + $(cat /tmp/b2) KiB"
is "every bio of uid 1001 counted once" "$b1 $(($(cat /tmp/b1) / 4))" "$NB $NB"
is "every bio of uid 1002 counted once" "$b2 $(($(cat /tmp/b2) / 4))" "$NB $NB"
is "nothing held or in flight" \
	"$(grp_field tb 1001 7) $(grp_field tb 1001 9) $(grp_field tb 1002 7) $(grp_field tb 1002 9)" \
	"0 0 0 0"
finish
