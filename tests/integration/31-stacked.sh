#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A band device over a band device of the same band group (directly or
# through band devices of other groups) would deadlock: the lower device
# holds the upper one's bio for a refill that waits for the upper group.
# It is refused at construction, in both directions; other band groups
# stack fine.
. "$TESTS/lib.sh"
plan 10

band_load
brd_create 16
n=$(sectors /dev/ram0)
dm_create sl "0 $n band /dev/ram0 0 sx none weight 0"
klog_mark st
check_fails "band over band of the same group refused" \
	dmsetup create su --table "0 $n band /dev/mapper/sl 0 sx none weight 0"
check "kernel log says why" sh -c "dmesg | awk '/dm-band-test-mark st/{f=1} f' | grep -q 'band: Band device over a band device of the same band group'"
check_fails "no device left" dm_exists su
check "over another band group: accepted" \
	dm_create sm "0 $n band /dev/mapper/sl 0 sy none weight 0"
check_fails "group sx again above sy (through it) refused" \
	dmsetup create su --table "0 $n band /dev/mapper/sm 0 sx none weight 0"
check "I/O through the two stacked groups" fio_verify /dev/mapper/sm "$(mib 8)"
dmsetup remove sm
dmsetup remove sl

# Upwards: a band device above a linear one, then the linear one becomes
# a band device of the same group.
dm_create sb "0 $n linear /dev/ram0 0"
dm_create st "0 $n band /dev/mapper/sb 0 sz none weight 0"
check_fails "reloading the device below into the same band group refused" \
	dmsetup reload sb --table "0 $n band /dev/ram0 0 sz none weight 0"
check "into another band group: accepted" \
	dmsetup reload sb --table "0 $n band /dev/ram0 0 sw none weight 0"
check "resume" dmsetup resume sb
check "I/O" fio_verify /dev/mapper/st "$(mib 8)"
finish
