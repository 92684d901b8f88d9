#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A band device over an LVM logical volume (the main use): I/O goes through
# to the LV, the table round-trips, and LVM can tear down after removal.
. "$TESTS/lib.sh"
plan 8

band_load
brd_create 128
check "pvcreate" pvcreate -q /dev/ram0
cleanup_add "pvremove -q /dev/ram0"
check "vgcreate" vgcreate -q bandvg /dev/ram0
cleanup_add "vgremove -q -f bandvg"
check "lvcreate" lvcreate -q -y -L 64M -n data bandvg
lv=/dev/bandvg/data
n=$(sectors $lv)

check "create band over the LV" dm_create lvb "0 $n band $lv 0 lvm none weight 0"
is "table names the LV's device" "$(dmsetup table lvb)" \
	"0 $n band $(dmsetup info -c --noheadings -o major,minor --separator : bandvg-data) 0 lvm none weight 0 :100 idle=8000"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=8 2>/dev/null
dd if=/tmp/pattern of=/dev/mapper/lvb bs=1M oflag=direct 2>/dev/null
check "data written through band is on the LV" \
	cmp -n $((8 << 20)) /tmp/pattern $lv
check "band device removed" dmsetup remove lvb
check "LV removable afterwards" lvremove -q -f bandvg/data
finish
