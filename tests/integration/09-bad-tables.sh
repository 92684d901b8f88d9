#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every malformed table line is refused: dmsetup fails, the kernel log names
# the reason, and no device is left behind.
. "$TESTS/lib.sh"

band_load
brd_create 16
n=$(sectors /dev/ram0)

# table <tab> reason expected in the kernel log
cases=(
	"0 $n band	Not enough arguments"
	"0 $n band /dev/ram0	Not enough arguments"
	"0 $n band /dev/ram0 0 extra	Too many arguments"
	"0 $n band /dev/does-not-exist 0	Device lookup failed"
	"0 $n band /dev/ram0 12x	Invalid offset"
	"0 $n band /dev/ram0 -1	Invalid offset"
	"0 $n band /dev/ram0 1.5	Invalid offset"
	"0 $n band /dev/ram0 0x10	Invalid offset"
	"0 $n band /dev/ram0 99999999999999999999	Invalid offset"
	"0 $n band /dev/ram0 $n	Device too small for offset and length"
	"0 $n band /dev/ram0 1	Device too small for offset and length"
	"0 $((n + 1)) band /dev/ram0 0	Device too small for offset and length"
)
plan $((${#cases[@]} * 3 + 1))

i=0
for c in "${cases[@]}"; do
	table=${c%%	*}
	reason=${c#*	}
	i=$((i + 1))
	klog_mark "$i"
	check_fails "refused: '$table'" dmsetup create bad$i --table "$table"
	log=$(klog_since "$i")
	if echo "$log" | grep -q "band: $reason"; then
		ok "kernel log says '$reason'"
	else
		not_ok "kernel log says '$reason'"
		echo "$log" | sed 's/^/#   /'
	fi
	check_fails "no device bad$i left" dmsetup info bad$i
done
is "no devices at all" "$(dmsetup ls)" "No devices found"
finish
