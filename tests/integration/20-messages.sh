#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Messages: each does what it says and bad ones are refused with a reason in
# the kernel log; `dmsetup table` reproduces a line that loads back to the
# same configuration after messages; a reload keeps the counters; removing
# the last device frees the band group.
. "$TESTS/lib.sh"

band_load
brd_create 32
n=$(sectors /dev/ram0)
half=$((n / 2))
maj=$(cat /sys/block/ram0/dev)

bad=(
	"attach 5	attach: type none has no groups"
	"frobnicate 1	unknown message 'frobnicate'"
	"weight 0	weight: invalid weight '0'"
	"weight 1000001	weight: invalid weight '1000001'"
	"policy fifo	policy: unknown policy 'fifo'"
	"token 12x	token: invalid token_base '12x'"
	"idle 1000001	idle: invalid value '1000001'"
	"inject 2	inject: invalid value '2'"
	"type bogus	type: unknown type 'bogus'"
	"detach 5	detach: invalid none id '5'"
	"limit 5:limit_iops=1	limit: invalid none id '5'"
	"limit limit_iops=x	limit: 'limit_iops=x': Invalid limit"
	"reserve reserve_iops=-1	reserve: 'reserve_iops=-1': Invalid limit or reservation"
	"limit limit_iops=1,limit_iops=2	limit: 'limit_iops=1,limit_iops=2': Group attribute given twice"
	"limit speed=1	limit: 'speed=1': Unknown group attribute"
)
plan $((${#bad[@]} * 2 + 26))

check "create (type none)" dm_create m0 "0 $half band /dev/ram0 0 msg none weight 0"
i=0
for c in "${bad[@]}"; do
	msg=${c%%	*}
	reason=${c#*	}
	i=$((i + 1))
	klog_mark "m$i"
	check_fails "refused: '$msg'" dmsetup message m0 0 $msg
	if klog_since "m$i" | grep -qF "band: $reason"; then
		ok "kernel log says '$reason'"
	else
		not_ok "kernel log says '$reason'"
		klog_since "m$i" | sed 's/^/#   /'
	fi
done

check "type uid" dmsetup message m0 0 type uid
check "attach 1000:300" dmsetup message m0 0 attach 1000:300
check "attach 1001 (default weight 100)" dmsetup message m0 0 attach 1001
check_fails "attach 1001 again refused" dmsetup message m0 0 attach 1001
check_fails "type change refused while groups are attached" dmsetup message m0 0 type gid
check "weight 1001:50" dmsetup message m0 0 weight 1001:50
check "weight 70 (default group)" dmsetup message m0 0 weight 70
check "policy weight-iosize" dmsetup message m0 0 policy weight-iosize
check "token 5000" dmsetup message m0 0 token 5000
# A new token_base (or policy) starts a new epoch in the new units at once:
# 70 of 420 (gcd 10: 7 of 42 units) of ceil(5000 / 42) = 120 per unit.
is "token 5000 takes effect at once: the default group has 7 * 120 tokens" \
	"$(grp_stat m0 default | cut -d' ' -f2)" 840
check "idle 1234" dmsetup message m0 0 idle 1234
check "inject 0" dmsetup message m0 0 inject 0
check "attach 1002, then detach it" \
	sh -c "dmsetup message m0 0 attach 1002 && dmsetup message m0 0 detach 1002"
is "table shows every change" "$(dmsetup table m0)" \
	"0 $half band $maj 0 msg uid weight-iosize 5000 :70 1000:300 1001:50 idle=1234 inject=0"

# The table line loads back: a second device from it, in the same group.
line=$(dmsetup table m0 | sed "s/ $maj 0 / $maj $half /")
check "a device from the table line joins the band group" dm_create m1 "$line"
is "and has the same table" "$(dmsetup table m1)" "$line"
dmsetup remove m1

# Injection is on by default: a table that leaves it out says nothing.
check "inject 1" dmsetup message m0 0 inject 1
is "the table leaves the default out" "$(dmsetup table m0 | grep -c inject)" 0

# A reload keeps the groups' counters.
dd if=/dev/zero of=/dev/mapper/m0 bs=4k count=10 oflag=direct 2>/dev/null
before=$(grp_stat m0 default | cut -d' ' -f5,6)
check "reload with the same line" dmsetup reload m0 --table "$(dmsetup table m0)"
check "resume" dmsetup resume m0
is "counters survive the reload" "$(grp_stat m0 default | cut -d' ' -f5,6)" "$before"
check "reset zeroes them" sh -c "dmsetup message m0 0 reset &&
	test \"\$(dmsetup status m0 | cut -d' ' -f11)\" = 0"

# A reload that changes the policy and token_base starts a new epoch in
# the new units: 7 of 42 units of ceil(24 / 42) = 1 token each, not what
# is left of weight-iosize's 840.
check "reload to policy weight, token_base 24" sh -c \
	"dmsetup reload m0 --table \"\$(dmsetup table m0 | sed 's/weight-iosize 5000/weight 24/')\" &&
	dmsetup resume m0"
is "the reload's units at once: the default group has 7 tokens" \
	"$(grp_stat m0 default | cut -d' ' -f2)" 7

# Removing the last device frees the band group: a new device may then
# create it with other settings.
dmsetup remove m0
check "band group freed with its last device" \
	dm_create m2 "0 $half band /dev/ram0 0 msg gid weight 7"
finish
