#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace)
# Jobs bound to a cgroup's path: unit:NAME (a systemd unit's cgroup, found
# by name in the tree) and cgroup:/PATH are attached by the cgroup's id;
# when the cgroup is removed and made again (a unit restarted: simulated
# here by rmdir and mkdir, the guest has no systemd), `bandctl watch`
# attaches the new id with the job's weight, caps and reservations (set
# remembers them in the bind file) and detaches the old one, woken by
# inotify; a cgroup gone is detached, and attached again when it is back,
# caps and all; unset ends the binding; watch --once does one round, sets
# back a cap changed by hand, and takes the caps of a job whose bind line
# an older bandctl wrote (without them) from its group.
. "$TESTS/lib.sh"
plan 33

cg=/sys/fs/cgroup
band_load
brd_create 64
check "a cgroup band device" bandctl create bw0 /dev/ram0 --type cgroup
cleanup_add "dmsetup remove --retry bw0; rm -f /run/dm-band/bw0.bind"
mkdir -p "$cg/bwtest.slice/web.service" "$cg/bwvm"
cleanup_add "rmdir $cg/bwtest.slice/web.service $cg/bwtest.slice $cg/bwvm $cg/bwuser.slice/app.slice/app.service $cg/bwuser.slice/app.slice $cg/bwuser.slice"
id() { stat -c %i "$cg/$1"; }
# weight_of ID: its weight on bw0, empty when not attached.
weight_of() { grp_field bw0 "$1" 1; }
# group_of ID: its word in bw0's table line ("ID:W,limit_iops=N..."), empty
# when not attached.
group_of() { dmsetup table bw0 | tr ' ' '\n' | grep "^$1:"; }
# wait_is GETTER ID WANT: up to 10 s for `GETTER ID` to print WANT.
wait_is() {
	local i
	for i in $(seq 50); do
		[ "$("$1" "$2")" = "$3" ] && return 0
		sleep 0.2
	done
	echo "$2: '$("$1" "$2")', expected '$3'"
	return 1
}
# wait_group ID WANT: ID's table word; wait_weight ID WANT: its weight.
wait_group() { wait_is group_of "$@"; }
wait_weight() { wait_is weight_of "$@"; }

web_caps=limit_iops=500,reserve_bps=1048576
vm_caps=limit_iops=800,limit_bps=10485760
status_is "set bw0 unit:web.service 300 --limit-iops 500 --reserve-bw 1M" 0 \
	bandctl set bw0 unit:web.service 300 --limit-iops 500 --reserve-bw 1M
w1=$(id bwtest.slice/web.service)
is "attached by the unit's cgroup's id, with its cap and reservation" \
	"$(group_of "$w1")" "$w1:300,$web_caps"
status_is "set bw0 cgroup:/bwvm 200" 0 bandctl set bw0 cgroup:/bwvm 200
v1=$(id bwvm)
status_is "bwvm capped: --limit-bw 10M" 0 bandctl set bw0 cgroup:/bwvm 200 --limit-bw 10M
status_is "then --limit-iops 800 (its bandwidth cap left)" 0 \
	bandctl set bw0 cgroup:/bwvm 200 --limit-iops 800
is "bound: both in /run/dm-band/bw0.bind, with their paths, caps and reservations" \
	"$(cut -d' ' -f2- /run/dm-band/bw0.bind | sort)" \
	"200 cgroup:/bwvm /bwvm $vm_caps
300 unit:web.service /bwtest.slice/web.service $web_caps"
status_is "a unit that is not running: exit 6" 6 bandctl set bw0 unit:nosuch.service 5
mkdir -p "$cg/bwuser.slice/app.slice/app.service"
status_is "a unit deeper in the tree" 0 bandctl set bw0 unit:app.service 50
is "found there" "$(weight_of "$(id bwuser.slice/app.slice/app.service)")" 50

bandctl watch --interval 60 >/tmp/watch.out 2>&1 &
wpid=$!
cleanup_add "kill $wpid"
sleep 1
rmdir "$cg/bwtest.slice/web.service" && mkdir "$cg/bwtest.slice/web.service"
w2=$(id bwtest.slice/web.service)
check "web.service made again ($w1 -> $w2): watch attaches the new id, weight 300" \
	wait_weight "$w2" 300
check "with its cap and reservation" wait_group "$w2" "$w2:300,$web_caps"
is "and detaches the old one" "$(weight_of "$w1")" ""
rmdir "$cg/bwvm"
check "bwvm gone: watch detaches it" wait_weight "$v1" ""
mkdir "$cg/bwvm"
v2=$(id bwvm)
check "bwvm back: attached again, weight 200" wait_weight "$v2" 200
check "with both its caps" wait_group "$v2" "$v2:200,$vm_caps"
is "bandctl show has them" "$(bandctl show bw0 -o id,limit_iops,limit_bps --noheadings |
	awk -v id="$v2" '$1 == id { print $2, $3 }')" "800 10485760"
sed 's/^/# /' /tmp/watch.out
check "watch says what it did" grep -q "^bw0: unit:web.service: attached $w2 (/bwtest.slice/web.service), weight 300, $web_caps\$" /tmp/watch.out
check "and why it detached" grep -q "^bw0: cgroup:/bwvm: detached $v1 (its cgroup is gone)\$" /tmp/watch.out

status_is "set a bound job's weight: 250" 0 bandctl set bw0 cgroup:/bwvm 250
is "its caps stay, in the table and in the bind file" \
	"$(group_of "$v2") $(grep -c " 250 cgroup:/bwvm /bwvm $vm_caps\$" /run/dm-band/bw0.bind)" \
	"$v2:250,$vm_caps 1"
status_is "unset cgroup:/bwvm: no longer bound" 0 bandctl unset bw0 cgroup:/bwvm
rmdir "$cg/bwvm" && mkdir "$cg/bwvm"
sleep 2
is "bwvm made again after unset: not attached" "$(weight_of "$(id bwvm)")" ""
kill "$wpid"
wait "$wpid" 2>/dev/null

rmdir "$cg/bwtest.slice/web.service" && mkdir "$cg/bwtest.slice/web.service"
w3=$(id bwtest.slice/web.service)
status_is "watch --once" 0 bandctl watch --once
is "one round attaches the new id" "$(weight_of "$w3") $(weight_of "$w2")" "300 "
is "with its cap and reservation" "$(group_of "$w3")" "$w3:300,$web_caps"
status_is "watch --once again: nothing to do" 0 bandctl watch --once
is "nothing printed" "$(cat /tmp/bc.out)" ""

dmsetup message bw0 0 limit "$w3:limit_iops=900"
status_is "a cap changed by hand: watch --once" 0 bandctl watch --once
is "sets it back" "$(group_of "$w3")" "$w3:300,$web_caps"

# A bind line of an older bandctl, without the rates: those of its group.
sed -i "s/ $web_caps\$//" /run/dm-band/bw0.bind
rmdir "$cg/bwtest.slice/web.service" && mkdir "$cg/bwtest.slice/web.service"
w4=$(id bwtest.slice/web.service)
status_is "an older bandctl's bind line, the unit made again: watch --once" 0 bandctl watch --once
is "the new id has the caps the old one had" "$(group_of "$w4") $(group_of "$w3")" "$w4:300,$web_caps "
is "and the line has them now" "$(grep -c "^$w4 300 unit:web.service /bwtest.slice/web.service $web_caps\$" \
	/run/dm-band/bw0.bind)" 1
finish
