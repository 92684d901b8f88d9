#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Two band targets in one table (two ranges of one device, and two
# devices) are independent: each keeps its own groups, counters and table
# line, and a message goes to the target at its sector.  The second target
# once shared the first one's state.
. "$TESTS/lib.sh"
plan 13

band_load
modprobe brd rd_nr=2 rd_size=16384 max_part=0 || exit 1
cleanup_add "rmmod brd"
n=$(sectors /dev/ram0)
h=$((n / 2))

t1="0 $h band /dev/ram0 0 tt uid weight 0 :10 1001:5 idle=8000"
t2="$h $h band /dev/ram0 $h tt uid weight 0 :20 1002:7 idle=8000"
check "two ranges of one device in one table" \
	sh -c "printf '%s\n%s\n' '$t1' '$t2' | dmsetup create tt"
cleanup_add "dmsetup remove tt"
is "the table round-trips" "$(dmsetup table tt | sed 's|[0-9]*:[0-9]* |DEV |')" \
	"$(printf '%s\n%s' "$t1" "$t2" | sed 's|/dev/ram0 |DEV |')"
check "attach to the second target (sector $h)" dmsetup message tt "$h" attach 1003:3
is "first target's groups" \
	"$(dmsetup status tt | sed -n 1p | awk '{print $6, $7, $8, $24}')" "2 default 10 1001"
is "second target's groups" \
	"$(dmsetup status tt | sed -n 2p | awk '{print $6, $7, $8, $24, $41}')" "3 default 20 1002 1003"
check "I/O through the first range verifies" fio_verify /dev/mapper/tt "$(mib 4)"
check "I/O through the second range verifies" fio_verify /dev/mapper/tt "$(mib 4)" \
	--offset=$((h * 512))
c1=$(dmsetup status tt | sed -n 1p | awk '{print $10 + $12}')
c2=$(dmsetup status tt | sed -n 2p | awk '{print $10 + $12}')
check "each target counted its own bios ($c1, $c2)" test "$c1" -gt 0 -a "$c2" -gt 0
check "reload keeps each target's groups" \
	sh -c "dmsetup table tt | dmsetup reload tt && dmsetup resume tt"
is "second target after reload" \
	"$(dmsetup status tt | sed -n 2p | awk '{print $6, $24, $41}')" "3 1002 1003"
dmsetup remove tt

u1="0 $h band /dev/ram0 0 ta none weight 0 :10"
u2="$h $h band /dev/ram1 0 tb none weight 0 :30"
check "two devices in one table, two band groups" \
	sh -c "printf '%s\n%s\n' '$u1' '$u2' | dmsetup create tu"
cleanup_add "dmsetup remove tu"
is "each has its own band group" \
	"$(dmsetup status tu | awk '{print $4}' | tr '\n' ' ')" "ta tb "
check "remove" dmsetup remove tu
finish
