#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# ext4 on a band device: mkfs, mount, write files, sync, unmount, remount
# and read back, then e2fsck finds nothing.
. "$TESTS/lib.sh"
plan 7

band_load
brd_create 96
dm_create fs0 "0 $(sectors /dev/ram0) band /dev/ram0 0 fs none weight 0"
check "mkfs.ext4" mkfs.ext4 -q -F /dev/mapper/fs0
mkdir -p /mnt/fs0
check "mount" mount -t ext4 /dev/mapper/fs0 /mnt/fs0
cleanup_add "umount /mnt/fs0"
for i in 1 2 3 4; do
	dd if=/dev/urandom of=/mnt/fs0/file$i bs=256k count=$((16 / SCALE + 1)) 2>/dev/null
done
cp -a /dm-band/tests /mnt/fs0/tree
sums=$(cd /mnt/fs0 && md5sum file* | sort)
check "sync" sync
check "umount" umount /mnt/fs0
check "mount again" mount -t ext4 /dev/mapper/fs0 /mnt/fs0
is "files read back intact" "$(cd /mnt/fs0 && md5sum file* | sort)" "$sums"
umount /mnt/fs0
check "e2fsck -fn finds nothing" e2fsck -fn /dev/mapper/fs0
finish
