#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (bandctl is userspace)
# Jobs bound to a cgroup's path: unit:NAME (a systemd unit's cgroup, found
# by name in the tree) and cgroup:/PATH are attached by the cgroup's id;
# when the cgroup is removed and made again (a unit restarted: simulated
# here by rmdir and mkdir, the guest has no systemd), `bandctl watch`
# attaches the new id with the job's weight and detaches the old one,
# woken by inotify; a cgroup gone is detached, and attached again when it
# is back; unset ends the binding; watch --once does one round.
. "$TESTS/lib.sh"
plan 21

cg=/sys/fs/cgroup
band_load
brd_create 64
check "a cgroup band device" bandctl create bw0 /dev/ram0 --type cgroup
cleanup_add "dmsetup remove --retry bw0; rm -f /run/dm-band/bw0.bind"
mkdir -p "$cg/test.slice/web.service" "$cg/vm1"
cleanup_add "rmdir $cg/test.slice/web.service $cg/test.slice $cg/vm1 $cg/user.slice/app.slice/app.service $cg/user.slice/app.slice $cg/user.slice"
id() { stat -c %i "$cg/$1"; }
# weight_of ID: its weight on bw0, empty when not attached.
weight_of() { grp_field bw0 "$1" 1; }
# wait_weight ID WANT: up to 10 s for ID's weight to be WANT.
wait_weight() {
	local i
	for i in $(seq 50); do
		[ "$(weight_of "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

status_is "set bw0 unit:web.service 300" 0 bandctl set bw0 unit:web.service 300
w1=$(id test.slice/web.service)
is "attached by the unit's cgroup's id" "$(weight_of "$w1")" 300
status_is "set bw0 cgroup:/vm1 200" 0 bandctl set bw0 cgroup:/vm1 200
v1=$(id vm1)
is "bound: both in /run/dm-band/bw0.bind, with their paths" \
	"$(cut -d' ' -f2- /run/dm-band/bw0.bind | sort)" \
	"200 cgroup:/vm1 /vm1
300 unit:web.service /test.slice/web.service"
status_is "a unit that is not running: exit 6" 6 bandctl set bw0 unit:nosuch.service 5
mkdir -p "$cg/user.slice/app.slice/app.service"
status_is "a unit deeper in the tree" 0 bandctl set bw0 unit:app.service 50
is "found there" "$(weight_of "$(id user.slice/app.slice/app.service)")" 50

bandctl watch --interval 60 >/tmp/watch.out 2>&1 &
wpid=$!
cleanup_add "kill $wpid"
sleep 1
rmdir "$cg/test.slice/web.service" && mkdir "$cg/test.slice/web.service"
w2=$(id test.slice/web.service)
check "web.service made again ($w1 -> $w2): watch attaches the new id, weight 300" \
	wait_weight "$w2" 300
is "and detaches the old one" "$(weight_of "$w1")" ""
rmdir "$cg/vm1"
check "vm1 gone: watch detaches it" wait_weight "$v1" ""
mkdir "$cg/vm1"
v2=$(id vm1)
check "vm1 back: attached again, weight 200" wait_weight "$v2" 200
sed 's/^/# /' /tmp/watch.out
check "watch says what it did" grep -q "^bw0: unit:web.service: attached $w2 (/test.slice/web.service), weight 300\$" /tmp/watch.out
check "and why it detached" grep -q "^bw0: cgroup:/vm1: detached $v1 (its cgroup is gone)\$" /tmp/watch.out

status_is "set a bound job's weight: 250" 0 bandctl set bw0 cgroup:/vm1 250
status_is "unset cgroup:/vm1: no longer bound" 0 bandctl unset bw0 cgroup:/vm1
rmdir "$cg/vm1" && mkdir "$cg/vm1"
sleep 2
is "vm1 made again after unset: not attached" "$(weight_of "$(id vm1)")" ""
kill "$wpid"
wait "$wpid" 2>/dev/null

rmdir "$cg/test.slice/web.service" && mkdir "$cg/test.slice/web.service"
w3=$(id test.slice/web.service)
status_is "watch --once" 0 bandctl watch --once
is "one round attaches the new id" "$(weight_of "$w3") $(weight_of "$w2")" "300 "
status_is "watch --once again: nothing to do" 0 bandctl watch --once
is "nothing printed" "$(cat /tmp/bc.out)" ""
finish
