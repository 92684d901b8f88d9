#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace)
# -S/--select on real band devices, as lvs -S: list picks devices by any
# field (shown or not), show picks groups by weight, by a percentage
# (share, after real I/O) and by active; a wrong selection is a usage
# error in one line, tokens (signed) is refused; top takes show's report
# options: -o, -S, --noheadings, --separator (one line per group and round,
# no title) and --reportformat json.
. "$TESTS/lib.sh"
plan 15

band_load
modprobe brd rd_nr=2 rd_size=$((16 * 1024)) max_part=0
cleanup_add "rmmod brd"
check "b53 (uid) and b53n (none)" sh -c "
	bandctl create b53 /dev/ram0 --type uid --band-group g53 &&
	bandctl create b53n /dev/ram1 --band-group g53"
cleanup_add "dmsetup remove --retry b53n; dmsetup remove --retry b53"
check "weights uid:1001 300, uid:1002 50" sh -c "
	bandctl set b53 uid:1001 300 && bandctl set b53 uid:1002 50"

q() { "$@" --noheadings --separator : 2>&1 | tr '\n' ' '; }
is "list -S type=none: b53n only" "$(q bandctl list -o name -S type=none)" "b53n "
is "list -S on a field not shown, a regex" \
	"$(q bandctl list -o name -S 'band_group=g53 && name=~^b53$')" "b53 "
is "show -S weight>=100" "$(q bandctl show b53 -o id,weight -S 'weight>=100')" \
	"default:100 1001:300 "
is "show -S weight<100 || id=1001" "$(q bandctl show b53 -o id -S 'weight<100 || id=1001')" \
	"1001 1002 "

# I/O as root: the default group alone, 100% of the bios since the reset.
check "reset, then 64 direct reads as root" sh -c "bandctl reset b53 &&
	dd if=/dev/mapper/b53 of=/dev/null bs=4k count=64 iflag=direct status=none"
is "show -S share>=99.5 (a percentage): the default group" \
	"$(q bandctl show b53 -o id,share -S 'share>=99.5')" "default:100.0 "
is "show -S active=yes, -S 'share<0.5%'" \
	"$(q bandctl show b53 -o id -S active=yes)$(q bandctl show b53 -o id -S 'share<0.5%')" \
	"default 1001 1002 "
is "show --band-group -S device=b53n" \
	"$(q bandctl show --band-group g53 -o device,id -S device=b53n)" "b53n:default "

status_is "a field that does not exist: a usage error" 2 bandctl show b53 -S 'nosuch=1'
status_is "tokens (signed) is refused" 2 bandctl list -S 'groups>1 && tokens>0'

# top: show's report options, one round after another.
is "top --noheadings --separator -S: the rows, a blank line between rounds" \
	"$(bandctl top b53 --iterations 2 -o id,weight -S 'weight>100' --noheadings --separator : | tr '\n' ' ')" \
	"1001:300  1001:300 "
bandctl top b53 --iterations 1 -o id -S 'id=1002' --reportformat json >/tmp/t53.json 2>&1
check "top --reportformat json: the selected group, no title" sh -c "
	grep -q '\"group\": \[' /tmp/t53.json && grep -q '{\"id\":\"1002\"}' /tmp/t53.json &&
	! grep -q 'bandctl top' /tmp/t53.json && ! grep -q '1001' /tmp/t53.json"
is "top without those options keeps its title" \
	"$(bandctl top b53 --iterations 1 -S 'id=1001' | head -1 | cut -d, -f1)" "bandctl top: b53"
finish
