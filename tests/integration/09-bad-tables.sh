#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (the debug kernel takes 3 s a case here, 115 s in all,
# and runs the same refusals under KASAN and kmemleak in 46-fuzz's 600
# cases and KUnit's band_ctl_bad_lines)
# Every malformed table line is refused: dmsetup fails, the kernel log names
# the reason, and no device is left behind.  (KUnit checks the parser's
# every message; this checks them through the real constructor.)
. "$TESTS/lib.sh"

band_load
brd_create 16
n=$(sectors /dev/ram0)
R=/dev/ram0

# table <tab> reason expected in the kernel log
cases=(
	"0 $n band	Not enough arguments"
	"0 $n band $R 0 bg none weight	Not enough arguments"
	"0 $n band /dev/does-not-exist 0 bg none weight 0	Device lookup failed"
	"0 $n band $R 12x bg none weight 0	Invalid offset"
	"0 $n band $R -1 bg none weight 0	Invalid offset"
	"0 $n band $R 0x10 bg none weight 0	Invalid offset"
	"0 $n band $R 99999999999999999999 bg none weight 0	Invalid offset"
	"0 $n band $R $n bg none weight 0	Device too small for offset and length"
	"0 $n band $R 1 bg none weight 0	Device too small for offset and length"
	"0 $((n + 1)) band $R 0 bg none weight 0	Device too small for offset and length"
	"0 $n band $R 0 a23456789012345678901234567890123 none weight 0	Band group name too long"
	"0 $n band $R 0 bg/x none weight 0	Invalid band group name"
	"0 $n band $R 0 caf"$'\xe9'" none weight 0	Invalid band group name"
	"0 $n band $R 0 bg nonesuch weight 0	Unknown type"
	"0 $n band $R 0 bg uid fifo 0	Unknown policy"
	"0 $n band $R 0 bg uid weight -5	Invalid token_base"
	"0 $n band $R 0 bg uid weight 0 1000:0	Invalid weight"
	"0 $n band $R 0 bg uid weight 0 1000:99999999999999999999	Invalid weight"
	"0 $n band $R 0 bg uid weight 0 1000	Invalid group"
	"0 $n band $R 0 bg uid weight 0 1000:1 1000:2	Duplicate group id"
	"0 $n band $R 0 bg uid weight 0 :1 :2	Default group given twice"
	"0 $n band $R 0 bg pid weight 0 0:5	Invalid group id for this type"
	"0 $n band $R 0 bg none weight 0 1000:1	Type none has no groups"
	"0 $n band $R 0 bg uid weight 0 1000:1 speed=fast	Unknown option"
	"0 $n band $R 0 bg uid weight 0 idle=2000000	Invalid idle"
	"0 $n band $R 0 bg uid weight 0 1000:1,limit_iops=	Invalid limit"
	"0 $n band $R 0 bg uid weight 0 1000:1,limit_iops=x	Invalid limit"
	"0 $n band $R 0 bg uid weight 0 1000:1,limit_bps=1125899906842625	Invalid limit"
	"0 $n band $R 0 bg uid weight 0 1000:1,speed=1	Unknown group attribute"
	"0 $n band $R 0 bg uid weight 0 1000:1,limit_iops=1,limit_iops=2	Group attribute given twice"
	"0 $n band $R 0 bg uid weight 0 1000:1,	Invalid group attribute"
	"0 $n band $R 0 bg uid weight 0 :1,limit_iops	Invalid group attribute"
	"0 $n band $R 0 bg uid weight 0 1000:1,limit_iops=5,	Invalid group attribute"
	"0 $n band $R 0 bg uid weight 0 1000:1,reserve_bps=x	Invalid limit or reservation"
)
plan $((${#cases[@]} * 3 + 4))

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
	check_fails "no device bad$i left" dm_exists bad$i
done

# A second device in a band group must agree with the first one's settings.
half=$((n / 2))
check "first device in band group 'shared'" \
	dm_create sh1 "0 $half band $R 0 shared uid weight 100"
klog_mark mismatch
check_fails "second device with another policy refused" \
	dmsetup create sh2 --table "0 $half band $R $half shared uid weight-iosize 100"
is "kernel log names the band group" \
	"$(klog_since mismatch | grep -c 'band group shared: policy, token_base and idle must be weight 100 idle=8000')" 1
dmsetup remove sh1
is "no devices at all" "$(dmsetup ls)" "No devices found"
finish
