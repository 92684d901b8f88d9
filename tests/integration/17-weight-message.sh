#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (measures shares over seconds: under TCG the debug kernel,
# not the device, would be the bottleneck)
# A weight changed by message while jobs run: shares move to the new
# weights within seconds, and the table shows the new weight.
. "$TESTS/lib.sh"
plan 6

band_load
nullb_slow
n=$(sectors /dev/nullb0)
dm_create wm0 "0 $n band /dev/nullb0 0 wm0 uid weight 0 :10 1001:1 1002:1 idle=$GUEST_IDLE_US"
chmod 666 /dev/mapper/wm0
start_job uid 1 /dev/mapper/wm0 40
p1=$JOB_PID
start_job uid 2 /dev/mapper/wm0 40
p2=$JOB_PID
cleanup_add "kill $p1 $p2; wait"
measure_shares_within "1:1" 10 "1 1" wm0 3 3 5 1001 1002
check "message: weight 1002:3" dmsetup message wm0 0 weight 1002:3
measure_shares_within "1:3 after the message" 10 "1 3" wm0 3 2 5 1001 1002
check "table shows the new weight" sh -c "dmsetup table wm0 | grep -q ' 1002:3 '"
finish
