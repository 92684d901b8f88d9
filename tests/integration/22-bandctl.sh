#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace: the kernel paths it drives, messages,
# table loads and suspend/resume under I/O, run on the debug kernel in 08,
# 19 and 20; bandctl starts take seconds each there)
# bandctl: list, show (text and --json, checked against dmsetup status),
# set, unset, reset, create, remove and help; and each error with its own
# exit status and a one-line message.
. "$TESTS/lib.sh"
plan 62

# json_group DEV ID KEY: KEY of group ID in `bandctl show DEV --json`.
json_group() {
	bandctl show "$1" --json | grep "^{\"id\":\"$2\"" |
		sed -n "s/.*\"$3\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

brd_create 64
# The band target is not registered yet (unload it if an earlier test left
# it loaded).
modprobe dm-mod
grep -q '^dm_band ' /proc/modules && rmmod dm_band
status_is "list without the module: exit 3" 3 bandctl list
status_is "show without the module: exit 3" 3 bandctl show nosuch
status_is "create without the module: exit 3" 3 bandctl create bc0 /dev/ram0

band_load
n=$(sectors /dev/ram0)
maj=$(cat /sys/block/ram0/dev)

status_is "create bc0 over /dev/ram0, type uid" 0 \
	bandctl create bc0 /dev/ram0 --type uid --idle 200000
cleanup_add "dmsetup remove --retry bc0"
is "its table: band group from the disk, the options given" \
	"$(dmsetup table bc0)" "0 $n band $maj 0 ram0 uid weight 0 :100 idle=200000"
is "list shows it" "$(bandctl list | awk '$1 == "bc0" {print $2, $3, $4, $5, $6}')" \
	"ram0 uid weight 1 /dev/ram0"
is "list --json shows it" "$(bandctl list --json | grep '"name":"bc0"')" \
	'{"name":"bc0","band_group":"ram0","type":"uid","policy":"weight","groups":1,"device":"/dev/ram0"}'

status_is "set uid:root 300 (attaches)" 0 bandctl set bc0 uid:root 300
status_is "set uid:1000 50 (attaches)" 0 bandctl set bc0 uid:1000 50
status_is "set uid:root 200 (changes the weight)" 0 bandctl set bc0 uid:root 200
status_is "set default 70" 0 bandctl set bc0 default 70
is "the table shows the weights" "$(dmsetup table bc0)" \
	"0 $n band $maj 0 ram0 uid weight 0 :70 0:200 1000:50 idle=200000"
is "list counts the groups" "$(bandctl list | awk '$1 == "bc0" {print $5}')" 3

dd if=/dev/zero of=/dev/mapper/bc0 bs=4k count=100 oflag=direct 2>/dev/null
dd if=/dev/mapper/bc0 of=/dev/null bs=4k count=50 iflag=direct 2>/dev/null
for f in "read_bios 3" "read_sectors 4" "write_bios 5" "write_sectors 6" "held_total 8"; do
	set -- $f
	is "show --json $1 of uid 0 is dmsetup status's" \
		"$(json_group bc0 0 "$1")" "$(grp_field bc0 0 "$2")"
done
is "show --json weight" "$(json_group bc0 0 weight)" 200
is "show --json job of uid 0" "$(json_group bc0 0 job)" root
is "show --json target_share (uid 0 is the only active group)" "$(json_group bc0 0 target_share)" 100.0
is "show --json share (all bios are root's)" "$(json_group bc0 0 share)" 100.0
is "show --json default group's share" "$(json_group bc0 default share)" 0.0
is "show --json tokens is dmsetup status's" "$(json_group bc0 1000 tokens)" \
	"$(grp_field bc0 1000 2)"
check "show --json has rates (create marked the reset time)" \
	sh -c "bandctl show bc0 --json | grep -q '\"since\":[0-9]' &&
	       [ \"\$(bandctl show bc0 --json | grep '^{\"id\":\"0\"' | grep -c '\"iops\":null')\" = 0 ]"
check "show --json: header and one line per group" \
	sh -c "[ \$(bandctl show bc0 --json | grep -c '^{\"id\"') = 3 ] &&
	       bandctl show bc0 --json | head -n 1 | grep -q '^{\"name\":\"bc0\",\"band_group\":\"ram0\",\"type\":\"uid\",\"policy\":\"weight\",\"token_base\":0,\"idle_us\":200000,'"
is "show: the row of uid 0" \
	"$(bandctl show bc0 | awk '$1 == "0" {print $2, $3, $4, $5, $8}')" \
	"root 200 100.0 100.0 0"
check "show: the header" sh -c "bandctl show bc0 | grep -q '^ID  *JOB  *WEIGHT  *TARGET%  *SHARE%  *IOPS  *MB/s  *HELD  *TOKENS\$'"
# The report options, as lvs takes them (libdevmapper's report engine).
is "list -o, --noheadings, --separator" \
	"$(bandctl list --noheadings -o name,groups,band_group --separator : | grep '^bc0:')" "bc0:3:ram0"
is "show -o, --sort by weight, descending" \
	"$(bandctl show bc0 -o job,weight --sort -weight --noheadings | head -n 2 | tr -s ' ' | tr '\n' ' ')" \
	"root 200 default 70 "
is "show -o +field: a column added to the default ones" \
	"$(bandctl show bc0 -o +write_bios | awk 'NR == 2 {print $1} $1 == "0" {print $10}' | tr '\n' ' ')" \
	"ID $(grp_field bc0 0 5) "
check "show --reportformat json: the fields, as lvs prints them" \
	sh -c "bandctl show bc0 --reportformat json -o id,weight | grep -q '{\"id\":\"0\", \"weight\":\"200\"}'"
status_is "show -o of an unknown field: exit 2" 2 bandctl show bc0 -o nosuch
status_is "show --json with -o: exit 2" 2 bandctl show bc0 --json -o id

status_is "unset uid:1000" 0 bandctl unset bc0 uid:1000
is "detached" "$(dmsetup table bc0)" \
	"0 $n band $maj 0 ram0 uid weight 0 :70 0:200 idle=200000"
status_is "unset uid:1000 again: exit 6" 6 bandctl unset bc0 uid:1000
status_is "unset default: exit 6" 6 bandctl unset bc0 default
status_is "reset" 0 bandctl reset bc0
is "reset zeroed the counters" "$(json_group bc0 0 write_bios) $(grp_field bc0 0 5)" "0 0"

status_is "job of another kind (gid on a uid device): exit 6" 6 bandctl set bc0 gid:root 5
status_is "unknown user: exit 6" 6 bandctl set bc0 uid:nosuchuser 5
status_is "pid not a number: exit 6" 6 bandctl set bc0 pid:abc 5
status_is "not a job: exit 6" 6 bandctl set bc0 alice 5
status_is "weight 0: exit 2" 2 bandctl set bc0 uid:root 0
status_is "unknown device: exit 4" 4 bandctl show nosuch
status_is "set on an unknown device: exit 4" 4 bandctl set nosuch default 5
dm_create lin0 "0 $((n / 2)) linear /dev/ram0 0"
status_is "show on a linear device: exit 5" 5 bandctl show lin0
status_is "remove of a linear device: exit 5" 5 bandctl remove lin0
status_is "not root: exit 7" 7 setpriv --reuid=1000 --regid=1000 --clear-groups bandctl show bc0
status_is "create over a missing device: exit 4" 4 bandctl create bc1 /dev/nosuch
status_is "help set" 0 bandctl help set
is "set --help is help set" "$(bandctl set --help)" "$(bandctl help set)"
status_is "no command: exit 2" 2 bandctl

# cgroup jobs by path, a second device in the same band group.
status_is "create a cgroup device" 0 \
	bandctl create bccg /dev/ram0 --type cgroup --idle 200000
cleanup_add "dmsetup remove --retry bccg"
mkdir -p /sys/fs/cgroup/bcjob
cleanup_add "rmdir /sys/fs/cgroup/bcjob"
cg=$(stat -c %i /sys/fs/cgroup/bcjob)
status_is "set cgroup:/bcjob 7" 0 bandctl set bccg cgroup:/bcjob 7
is "attached by its inode number" "$(dmsetup table bccg | cut -d' ' -f11)" "$cg:7"
is "show --json names it by path" "$(json_group bccg "$cg" job)" /bcjob
status_is "a missing cgroup: exit 6" 6 bandctl set bccg cgroup:/nosuch 7
status_is "remove bccg" 0 bandctl remove bccg

status_is "remove bc0" 0 bandctl remove bc0
status_is "remove bc0 again: exit 4" 4 bandctl remove bc0
finish
