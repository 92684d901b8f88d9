#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A band device over null_blk: created, I/O flows, the table round-trips,
# and a second device built from `dmsetup table` output is identical.
. "$TESTS/lib.sh"
plan 7

band_load
modprobe null_blk nr_devices=1 gb=1 queue_mode=2 irqmode=0
cleanup_add "rmmod null_blk"
n=$(sectors /dev/nullb0)
majmin=$(cat /sys/block/nullb0/dev)

check "create band over null_blk" dm_create nb0 "0 $((n - 2048)) band /dev/nullb0 2048 nb none weight 0"
is "table round-trips" "$(dmsetup table nb0)" "0 $((n - 2048)) band $majmin 2048 nb none weight 0 :100 idle=8000"
check "fio random read/write through the device" \
	fio --name=rw --filename=/dev/mapper/nb0 --size=64M --direct=1 \
	--ioengine=libaio --iodepth=16 --rw=randrw --bs=4k --io_size="$(mib 32)"
check "create a second device from dmsetup table output" \
	dm_create nb1 "$(dmsetup table nb0)"
is "the copy has the same table" "$(dmsetup table nb1)" "$(dmsetup table nb0)"
st=($(dmsetup status nb0))
is "status: band group, one group, id and 16 fields for it" \
	"${st[3]} ${st[5]} ${#st[@]} ${st[6]} ${st[7]}" "nb 1 23 default 100"
is "size is the table length" "$(sectors /dev/mapper/nb0)" "$((n - 2048))"
finish
