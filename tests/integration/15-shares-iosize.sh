#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (measures shares over seconds: under TCG the debug kernel,
# not the device, would be the bottleneck)
# Policy weight-iosize: tokens are charged per 4 KiB, so two uid jobs with
# weights 1:4 get 1:4 of the bytes even though one issues 4 KiB bios and
# the other 16 KiB bios.
. "$TESTS/lib.sh"
plan 3

band_load
nullb_slow
n=$(sectors /dev/nullb0)
check "create a uid band device, weight-iosize, token_base 1000, 1001:1 1002:4" \
	dm_create io0 "0 $n band /dev/nullb0 0 io0 uid weight-iosize 1000 :10 1001:1 1002:4 idle=$GUEST_IDLE_US"
chmod 666 /dev/mapper/io0
start_job uid 1 /dev/mapper/io0 30 --bs=16k
p1=$JOB_PID
start_job uid 2 /dev/mapper/io0 30 --bs=4k
p2=$JOB_PID
cleanup_add "kill $p1 $p2; wait"
measure_shares_within "sectors 1:4" 10 "1 4" io0 4 3 8 1001 1002
finish
