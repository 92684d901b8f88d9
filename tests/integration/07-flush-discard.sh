#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Flushes, discards and write-zeroes pass through a band device to the device
# below.  The device below is a loop device over a tmpfs file: it has a
# volatile write cache (so flushes are real requests) and turns discards into
# hole punches (so discarded ranges read back as zeroes), and its
# /sys/block/loopN/stat counts both.
. "$TESTS/lib.sh"
plan 10

band_load
modprobe loop
truncate -s 64M /tmp/loop.img
loopdev=$(losetup -f --show /tmp/loop.img)
cleanup_add "losetup -d $loopdev; rm -f /tmp/loop.img"
lb=$(basename "$loopdev")
# /sys/block/<dev>/stat: field 12 is discard I/Os, field 16 flush I/Os.
stat_field() { awk -v f="$2" '{print $f}' "/sys/block/$1/stat"; }

dm_create fd0 "0 $(sectors "$loopdev") band $loopdev 0 fd none weight 0"
dm=dm-$(dmsetup info -c --noheadings -o minor fd0)

is "band device advertises the write cache" \
	"$(cat /sys/block/$dm/queue/write_cache)" "write back"
f0=$(stat_field "$lb" 16)
check "write with fsync through band" \
	dd if=/dev/urandom of=/dev/mapper/fd0 bs=1M count=4 oflag=direct conv=fsync
f1=$(stat_field "$lb" 16)
check "a flush reached the loop device ($f0 -> $f1)" test "$f1" -gt "$f0"

check "band device advertises discard" \
	test "$(cat /sys/block/$dm/queue/discard_max_bytes)" -gt 0
d0=$(stat_field "$lb" 12)
check "blkdiscard the first MiB" blkdiscard -o 0 -l 1M /dev/mapper/fd0
d1=$(stat_field "$lb" 12)
check "a discard reached the loop device ($d0 -> $d1)" test "$d1" -gt "$d0"
check "discarded range reads back as zeroes" \
	cmp -n 1048576 /dev/mapper/fd0 /dev/zero

check "band device advertises write-zeroes" \
	test "$(cat /sys/block/$dm/queue/write_zeroes_max_bytes)" -gt 0
check "blkdiscard -z (write zeroes) the second MiB" \
	blkdiscard -z -o 1M -l 1M /dev/mapper/fd0
dd if=/dev/mapper/fd0 of=/tmp/second bs=1M skip=1 count=1 iflag=direct 2>/dev/null
check "zeroed range reads back as zeroes" cmp -n 1048576 /tmp/second /dev/zero
finish
