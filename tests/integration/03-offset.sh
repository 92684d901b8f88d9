#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Data written through a band device lands at <offset> on the device below,
# and nothing outside the mapped range is touched.
. "$TESTS/lib.sh"
plan 4

band_load
brd_create 16
off=8192
len=4096
dd if=/dev/zero of=/dev/ram0 bs=1M count=16 2>/dev/null
dd if=/dev/urandom of=/tmp/pattern bs=512 count=$len 2>/dev/null

check "create band at offset $off" dm_create off0 "0 $len band /dev/ram0 $off off none weight 0"
check "write the pattern through the band device" \
	dd if=/tmp/pattern of=/dev/mapper/off0 bs=64k oflag=direct
dd if=/dev/ram0 of=/tmp/below bs=512 skip=$off count=$len 2>/dev/null
check "the pattern is at the offset below" cmp /tmp/pattern /tmp/below
dd if=/dev/ram0 of=/tmp/before bs=64k count=$((off / 128)) 2>/dev/null
check "nothing written before the offset" \
	cmp /tmp/before /dev/zero -n $((off * 512))
finish
