#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# fio writes through a band device with crc32c checksums, then reads every
# block back and verifies it: no errors, every byte checked.
. "$TESTS/lib.sh"
plan 3

band_load
brd_create 64
check "create band over brd" dm_create fv0 "0 $(sectors /dev/ram0) band /dev/ram0 0 fv none weight 0"
check "fio write+verify (crc32c), 4k-64k random" fio_verify /dev/mapper/fv0 "$(mib 48)"
check "fio write+verify (crc32c), 1M sequential, iodepth 4" \
	fio_verify /dev/mapper/fv0 "$(mib 32)" --rw=write --bsrange=1M-1M --iodepth=4
finish
