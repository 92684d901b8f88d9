#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace; LVM snapshots and pvmove)
# lvcreate -s and pvmove on a wrapped LV, with real lvm2, do what the table
# "Wraps and LVM" says:
#  - lvcreate -s: the origin gets a snapshot-origin table, the wrap is lost
#    and -orig orphaned; check reports both; wrap refuses the origin (exit
#    8), and so does the udev rule's command, leaving -orig in place; once
#    the snapshot is removed, that command wraps the LV again with its
#    weights; unwrap before and wrap after works;
#  - pvmove: the wrap is lost while LVM moves the LV; check reports it;
#    wrap refuses an LV over VG-pvmove0; after it, the rule's command wraps
#    the LV again, over the new PV; unwrap before and wrap after works;
#  - nothing is left suspended; the data (origin and snapshot) is intact.
. "$TESTS/lib.sh"
plan 33

band_load
modprobe dm-snapshot 2>/dev/null
modprobe dm-mirror 2>/dev/null
modprobe brd rd_nr=2 rd_size=$((64 * 1024)) max_part=0 || exit 1
cleanup_add "rmmod brd"
check "two PVs, vgcreate l55, lvcreate o (16M) on ram0" sh -c "
	pvcreate -q /dev/ram0 /dev/ram1 && vgcreate -q l55 /dev/ram0 /dev/ram1 &&
	lvcreate -q -y -L 16M -n o l55 /dev/ram0"
cleanup_add "pvremove -q -ff -y /dev/ram0 /dev/ram1"
cleanup_add "vgremove -q -f l55"
cleanup_add "lvremove -q -f l55/s; dmsetup resume l55-o; bandctl unwrap l55/o; dmsetup remove l55-o-orig"
cleanup_add "rm -f /run/dm-band/l55-*"
rm -f /run/dm-band/l55-*
conf=/etc/dm-band.conf
[ -e $conf ] && mv $conf $conf.t55 && cleanup_add "mv $conf.t55 $conf"

rule() { bandctl apply --device "$1"; }
type_of() { dmsetup table "$1" | cut -d' ' -f3; }
weights() { dmsetup table l55-o | awk '{for (i = 10; i <= NF; i++) if ($i !~ /^idle=/) printf "%s ", $i}'; }
none_suspended() {
	! dmsetup info -c --noheadings -o name,suspended | grep -q Suspended
}
# The PV under the LV's table (or under its -orig's when wrapped).
pv_of() {
	local t
	t=$(dmsetup table l55-o-orig 2>/dev/null || dmsetup table l55-o)
	t=$(echo "$t" | cut -d' ' -f4)
	basename "$(readlink -f /sys/dev/block/$t)"
}
# 4 MiB of random data at the start of l55/o, read back after each step.
first4m() { dd if="$1" bs=1M count=4 iflag=direct status=none | md5sum; }
check "a pattern on l55/o" sh -c "dd if=/dev/urandom of=/tmp/p55 bs=1M count=4 status=none &&
	test \$(stat -c %s /tmp/p55) = 4194304 &&
	dd if=/tmp/p55 of=/dev/l55/o bs=1M oflag=direct status=none"
sum=$(md5sum </tmp/p55)
check "wrap l55/o, weight uid:1001 200" sh -c "bandctl wrap l55/o --type uid &&
	bandctl set l55/o uid:1001 200"

# ---------------------------------------------------------------- lvcreate -s
check "lvcreate -s -L 8M -n s l55/o" lvcreate -q -y -s -L 8M -n s l55/o
is "the origin's table: snapshot-origin" "$(type_of l55-o)" snapshot-origin
bandctl check >/tmp/c55.out 2>&1
is "check: exit 1, wrap lost, -orig orphaned" \
	"$? $(grep -c '^l55-o: wrap lost' /tmp/c55.out) $(grep -c '^l55-o-orig: orphaned' /tmp/c55.out)" \
	"1 1 1"
status_is "wrap refuses a snapshot origin (exit 8)" 8 bandctl wrap l55/o
check "it says why" grep -q snapshot-origin /tmp/bc.err
status_is "the rule's command refuses too (exit 8)" 8 rule l55-o
is "the origin is untouched, its -orig kept" "$(type_of l55-o) $(dm_exists l55-o-orig && echo kept)" \
	"snapshot-origin kept"
is "origin and snapshot intact" \
	"$(first4m /dev/l55/o) $(first4m /dev/l55/s)" "$sum $sum"
check "nothing suspended" none_suspended
check "lvremove the snapshot" lvremove -q -y l55/s
status_is "the rule's command: wrapped again" 0 rule l55-o
is "a band table with its weights" "$(type_of l55-o) $(weights)" "band :100 1001:200 "
status_is "check finds nothing" 0 bandctl check

check "unwrap before a snapshot" bandctl unwrap l55/o
check "lvcreate -s, lvremove it" sh -c "lvcreate -q -y -s -L 8M -n s l55/o && lvremove -q -y l55/s"
check "wrap after" bandctl wrap l55/o --type uid
is "wrapped" "$(type_of l55-o)" band

# ---------------------------------------------------------------- pvmove
check "set uid:1001 200; pvmove ram0 to ram1" sh -c "bandctl set l55/o uid:1001 200 &&
	pvmove -q -i 1 --config 'global {use_lvmpolld = 0}' /dev/ram0 /dev/ram1"
is "LVM's own table, on ram1" "$(type_of l55-o) $(dmsetup table l55-o | cut -d' ' -f4 |
	xargs -I{} readlink -f /sys/dev/block/{} | xargs basename)" "linear ram1"
bandctl check >/tmp/c55.out 2>&1
is "check: exit 1, wrap lost" "$? $(grep -c '^l55-o: wrap lost' /tmp/c55.out)" "1 1"
status_is "the rule's command: wrapped again" 0 rule l55-o
is "a band table with its weights, over ram1" "$(type_of l55-o) $(weights)$(pv_of)" \
	"band :100 1001:200 ram1"
# While pvmove runs, LVM maps the LV onto VG-pvmove0 (too quick to catch
# here): an LV over another LV of its VG, as dmsetup makes it, is refused.
check "l55-pvmove0 (an LVM uuid) on ram1, l55-z over it" sh -c "
	dmsetup create l55-pvmove0 -u LVM-t55fakepvmove0 --table '0 8192 linear /dev/ram1 0' &&
	dmsetup create l55-z --table '0 8192 linear /dev/mapper/l55-pvmove0 0'"
cleanup_add "dmsetup remove l55-z; dmsetup remove l55-pvmove0"
status_is "wrap refuses an LV over l55-pvmove0 (exit 8)" 8 bandctl wrap l55-z
check "it says why" grep -q 'over l55-pvmove0.*pvmove' /tmp/bc.err
dmsetup remove l55-z && dmsetup remove l55-pvmove0
check "unwrap before pvmove, pvmove back, wrap after" sh -c "bandctl unwrap l55/o &&
	pvmove -q -i 1 --config 'global {use_lvmpolld = 0}' /dev/ram1 /dev/ram0 && bandctl wrap l55/o --type uid"
is "wrapped over ram0" "$(type_of l55-o) $(pv_of)" "band ram0"
is "the data is intact" "$(first4m /dev/l55/o)" "$sum"
check "nothing left suspended" none_suspended
status_is "check finds nothing" 0 bandctl check
finish
