#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace; shares measured over seconds)
# What show and top say:
#  - TARGET% is a share of the active groups (bios in the interval, or
#    held or in flight): an idle group, whatever its weight, has none ("-",
#    null and "active":false in JSON) and takes nothing from the others;
#  - job names are whole in show and in JSON; top on a terminal cuts a
#    long one in its middle so that the row fits;
#  - show --band-group and top --band-group: every band device of a band
#    group in one table, with a DEVICE column, targets and shares of the
#    whole band group, which the shares achieved match.
# make demo's "target" (weight over the sum of its three jobs' weights, the
# default group idle) is what TARGET% says for the same groups.
. "$TESTS/lib.sh"
plan 21

export TERM=xterm
band_load
nullb_slow
cgroup_setup
n=$(sectors /dev/nullb0)
h=$((n / 2))
# Two halves of one slow disk, a band device over each, in one band group.
check "two band devices over halves of one disk, band group bgv" sh -c "
	dmsetup create bvl1 --table '0 $h linear /dev/nullb0 0' &&
	dmsetup create bvl2 --table '0 $h linear /dev/nullb0 $h' &&
	bandctl create bv1 /dev/mapper/bvl1 --type cgroup --band-group bgv --token-base 1 --idle $GUEST_IDLE_US &&
	bandctl create bv2 /dev/mapper/bvl2 --band-group bgv --token-base 1 --idle $GUEST_IDLE_US"
cleanup_add "dmsetup remove --retry bvl2; dmsetup remove --retry bvl1"
cleanup_add "dmsetup remove --retry bv2; dmsetup remove --retry bv1"

long=/sys/fs/cgroup/a-cgroup-with-a-name-far-longer-than-forty-characters.scope
mkdir -p "$long" /sys/fs/cgroup/job1
cleanup_add "rmdir $long"
check "weights: job1 300, the long-named cgroup 500 (idle), bv2's default 100" sh -c "
	bandctl set bv1 cgroup:/job1 300 &&
	bandctl set bv1 cgroup:/${long##*/} 500"
start_job cgroup 1 /dev/mapper/bv1 60
p1=$JOB_PID
(exec $(fio_job /dev/mapper/bv2 60)) >/dev/null 2>&1 &
p2=$!
cleanup_add "kill $p1 $p2; wait"
sleep 2
bandctl reset bv1
bandctl reset bv2
sleep 8

# ---------------------------------------------------------- one device
bandctl show bv1 >/tmp/v.show
sed 's/^/# /' /tmp/v.show
is "show bv1: job1 is the only active group of bv1: TARGET% 100.0" \
	"$(awk '$2 == "/job1" {print $3, $4}' /tmp/v.show)" "300 100.0"
is "show bv1: the idle long-named group has no target" \
	"$(awk -v j="/${long##*/}" '$2 == j {print $3, $4}' /tmp/v.show)" "500 -"
is "show bv1: the idle default group neither" \
	"$(awk '$1 == "default" {print $4}' /tmp/v.show)" "-"
check "show: the long job name whole" grep -q " /${long##*/} " /tmp/v.show
bandctl show bv1 --json >/tmp/v.json
check "show --json: the long name whole, not active, target null" \
	grep -q "\"job\":\"/${long##*/}\",\"weight\":500,\"tokens\":[-0-9]*,\"target_share\":null,.*\"active\":false}" /tmp/v.json
check "show --json: job1 active, target 100.0" \
	grep -q '"job":"/job1",.*"target_share":100.0,.*"active":true}' /tmp/v.json

# ---------------------------------------------------------- band group
bandctl show --band-group bgv >/tmp/v.bg
sed 's/^/# /' /tmp/v.bg
check "show --band-group: its header" grep -q '^band group bgv, policy weight, epoch [0-9]*$' /tmp/v.bg
check "show --band-group: a DEVICE column" \
	grep -q '^DEVICE  *ID  *JOB  *WEIGHT  *TARGET%  *SHARE%  *IOPS  *MB/s  *HELD  *TOKENS$' /tmp/v.bg
is "show --band-group: job1 on bv1, 300 of the 400 active" \
	"$(awk '$1 == "bv1" && $3 == "/job1" {print $4, $5}' /tmp/v.bg)" "300 75.0"
is "show --band-group: bv2's default group, 100 of 400" \
	"$(awk '$1 == "bv2" && $2 == "default" {print $4, $5}' /tmp/v.bg)" "100 25.0"
is "show --band-group: bv1's idle groups have no target" \
	"$(awk '$1 == "bv1" && $5 == "-" {n++} END {print n}' /tmp/v.bg)" 2
# The shares achieved over the same seconds, from the JSON.
bandctl show --band-group bgv --json >/tmp/v.bgjson
bios() { grep "^{\"device\":\"$1\",\"id\":\"$2\"" /tmp/v.bgjson | sed 's/.*"read_bios":\([0-9]*\).*/\1/'; }
counts="$(bios bv1 "$(stat -c %i /sys/fs/cgroup/job1)") $(bios bv2 default)"
# As measure_shares_within: a window that misses is measured once more (a
# loaded TCG host can stall a guest's fio job once; wrong weights miss both).
if shares_eval 20 "$counts" "300 100" | grep -q ' bad$'; then
	diag "first window $counts missed 300:100 ($(dmsetup message bv1 0 stats)); measuring again"
	bandctl reset bv1
	bandctl reset bv2
	sleep 8
	bandctl show --band-group bgv --json >/tmp/v.bgjson
	counts="$(bios bv1 "$(stat -c %i /sys/fs/cgroup/job1)") $(bios bv2 default)"
fi
diag "read bios job1 on bv1, default on bv2: $counts"
diag "scheduler: $(dmsetup message bv1 0 stats)"
shares_within "band group bgv, 300:100 across two devices" 20 "$counts" "300 100"
check "show --band-group --json: no name, a device key per group" \
	sh -c "! head -n 1 /tmp/v.bgjson | grep -q '\"name\"' && head -n 1 /tmp/v.bgjson | grep -q '^{\"band_group\":\"bgv\",\"policy\":\"weight\",' &&
	       [ \$(grep -c '^{\"device\":\"bv[12]\",' /tmp/v.bgjson) = 4 ]"
is "top --band-group without a terminal: two screens of the band group" \
	"$(bandctl top --band-group bgv --iterations 2 </dev/null | grep -c '^bandctl top: band group bgv')" 2
status_is "show --band-group of no device: exit 4" 4 bandctl show --band-group nosuch
status_is "show --band-group with a device too: exit 2" 2 bandctl show bv1 --band-group bgv

# ---------------------------------------------------------- top on a terminal
tmux new-session -d -s v -x 100 -y 20 "bandctl top bv1; sleep 30"
cleanup_add "tmux kill-server"
sleep 3.5
tmux capture-pane -p -t v >/tmp/v.screen
sed 's/^/# /' /tmp/v.screen | head -n 8
check "top on a 100-column terminal: the long name cut in its middle" \
	grep -q '^[0-9]*  */a-cgroup-w[^ ]*\.\.\.[^ ]*\.scope  *500 ' /tmp/v.screen
is "every row fits: no line longer than 100" \
	"$(awk 'length > 100' /tmp/v.screen | wc -l)" 0
tmux send-keys -t v q
finish
