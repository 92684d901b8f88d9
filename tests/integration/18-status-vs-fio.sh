#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The counters in `dmsetup status` match what fio did: bios and bytes, read
# and write, charged to the job's group and to no other.
. "$TESTS/lib.sh"
plan 8

band_load
brd_create 64
n=$(sectors /dev/ram0)
dm_create st0 "0 $n band /dev/ram0 0 st0 uid weight 0 :10 1001:5"
chmod 666 /dev/mapper/st0
dmsetup message st0 0 reset
size=$(mib 16)
line=$(setpriv --reuid=1001 --regid=1001 --clear-groups \
	fio --name=st --filename=/dev/mapper/st0 --direct=1 --ioengine=libaio \
	--iodepth=4 --rw=randrw --bs=4k --size="$size" --output-format=terse | tail -n 1)
rkb=$(echo "$line" | cut -d';' -f6)
wkb=$(echo "$line" | cut -d';' -f47)
diag "fio: read ${rkb} KiB, write ${wkb} KiB"
read -r w tok rb rs wb ws held ht inf debt <<< "$(grp_stat st0 1001)"
is "read bios = fio's reads" "$rb" $((rkb / 4))
is "read sectors = fio's read bytes / 512" "$rs" $((rkb * 2))
is "write bios = fio's writes" "$wb" $((wkb / 4))
is "write sectors = fio's written bytes / 512" "$ws" $((wkb * 2))
is "nothing held or in flight now" "$held $inf" "0 0"
is "default group saw nothing" "$(grp_stat st0 default | cut -d' ' -f3-6)" "0 0 0 0"
check "fio moved all ${size}iB" test $((rkb + wkb)) -eq $((${size%M} * 1024))
# One 4 MiB write reaches map() as bios of at most 1 MiB (so that one bio
# can neither pass megabytes for a token nor cost many epochs of them).
dmsetup message st0 0 reset
dd if=/dev/zero of=/dev/mapper/st0 bs=4M count=1 oflag=direct 2>/dev/null
read -r w tok rb rs wb ws held ht inf debt <<< "$(grp_stat st0 default)"
check "a 4 MiB write is split into bios of 1 MiB at most ($wb bios, $ws sectors)" \
	test "$ws" -eq 8192 -a "$wb" -ge 4
finish
