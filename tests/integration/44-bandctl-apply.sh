#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace)
# bandctl apply is declarative for the weights it sets:
#  - a weight line removed from the file is unset on the next apply (a job
#    detached, a default group back to 100), and --dry-run shows it first;
#  - weights set by hand, or by another file, are left alone;
#  - --device NAME applies only NAME's lines, and does nothing for a device
#    the file does not name (what 90-dm-band.rules runs on each dm event);
#  - an LV that LVM activates after boot, with its own table, is wrapped
#    and weighted by `apply --device VG-LV` alone, as the udev rule does;
#  - check reports a removed line as apply --dry-run does.
. "$TESTS/lib.sh"
plan 36

band_load
modprobe brd rd_nr=2 rd_size=$((64 * 1024)) max_part=0
cleanup_add "rmmod brd"
cleanup_add "rm -rf /tmp/ap /run/dm-band/ap1.applied /run/dm-band/ap2.applied"
mkdir -p /tmp/ap
conf=/tmp/ap/band.conf
cat >$conf <<'EOF'
create ap1 /dev/ram0 type=uid band-group=ap
create ap2 /dev/ram1 type=uid band-group=ap
weight ap1 uid:1001 300
weight ap1 uid:1002 100
weight ap1 default 50
weight ap2 uid:1001 20
EOF
status_is "apply creates and weights" 0 bandctl apply $conf
cleanup_add "dmsetup remove --retry ap1; dmsetup remove --retry ap2"
# The weights in a table (without the idle= the kernel adds).
tbl() { dmsetup table "$1" | cut -d' ' -f10- | sed 's/ idle=[0-9]*$//'; }
is "ap1's weights" "$(tbl ap1)" ":50 1001:300 1002:100"
check "a weight set by hand: uid:1003 70" bandctl set ap1 uid:1003 70

sed -i '/uid:1002/d; /ap1 default/d' $conf
status_is "dry run after two lines were removed" 0 bandctl apply $conf --dry-run
is "it shows the unset and the default back to 100" "$(sort /tmp/bc.out)" \
"ap1: unset uid:1002 (was 100; not in $conf)
ap1: weight default 100 (was 50; not in $conf)"
is "and changes nothing" "$(tbl ap1)" ":50 1001:300 1002:100 1003:70"
bandctl check $conf >/tmp/bc.out 2>&1
is "check reports it too: exit 1" "$?" 1
check "check's lines" grep -q "^ap1: unset uid:1002 (was 100; not in $conf)\$" /tmp/bc.out
status_is "apply" 0 bandctl apply $conf
is "it says what it did" "$(sort /tmp/bc.out)" \
"ap1: unset uid:1002 (was 100; not in $conf)
ap1: weight default 100 (was 50; not in $conf)"
is "uid:1002 detached, default 100; uid:1003 (by hand) kept" "$(tbl ap1)" ":100 1001:300 1003:70"
status_is "apply again" 0 bandctl apply $conf
is "changes nothing" "$(cat /tmp/bc.out)" ""
check "a line changed back by hand is not the file's business twice" \
	bandctl set ap1 uid:1002 5
status_is "apply once more" 0 bandctl apply $conf
is "uid:1002, set by hand since, is left alone" "$(tbl ap1)" ":100 1001:300 1002:5 1003:70"

# Another file: undoes only its own.
cat >/tmp/ap/other.conf <<'EOF'
weight ap1 uid:1004 10
EOF
status_is "apply another file" 0 bandctl apply /tmp/ap/other.conf
is "it adds its weight and unsets none of the first file's" "$(tbl ap1)" \
	":100 1001:300 1002:5 1003:70 1004:10"
: >/tmp/ap/other.conf
status_is "the other file emptied, applied" 0 bandctl apply /tmp/ap/other.conf
is "its weight is unset, no other" "$(tbl ap1)" ":100 1001:300 1002:5 1003:70"

# --device: only the lines of one device.
sed -i 's/ap1 uid:1001 300/ap1 uid:1001 301/; s/ap2 uid:1001 20/ap2 uid:1001 21/' $conf
status_is "apply --device ap2" 0 bandctl apply $conf --device ap2
is "only ap2 changed" "$(tbl ap1 | cut -d' ' -f2) $(tbl ap2)" "1001:300 :100 1001:21"
status_is "apply --device of a device the file does not name: nothing" 0 \
	bandctl apply $conf --device nosuch
is "nothing printed" "$(cat /tmp/bc.out)" ""

# Caps and reservations on weight lines: set, changed, gone with the line.
cat >/tmp/ap/caps.conf <<'EOF'
weight ap1 uid:1005 10 limit-iops=500 reserve-bw=1M
weight ap1 default 100 limit-bw=10M
EOF
attrs() { tbl ap1 | tr ' ' '\n' | grep -E '^(:|1005:)' | tr '\n' ' '; }
status_is "apply a file with caps and a reservation" 0 bandctl apply /tmp/ap/caps.conf
is "the table has them" "$(attrs)" ":100,limit_bps=10485760 1005:10,limit_iops=500,reserve_bps=1048576 "
status_is "apply it again" 0 bandctl apply /tmp/ap/caps.conf
is "nothing changes" "$(cat /tmp/bc.out)" ""
sed -i 's/ limit-iops=500//' /tmp/ap/caps.conf
status_is "a cap removed from its line" 0 bandctl apply /tmp/ap/caps.conf
is "apply says so" "$(cat /tmp/bc.out)" \
	"ap1: rates uid:1005 reserve_bps=1048576 (was limit_iops=500,reserve_bps=1048576)"
: >/tmp/ap/caps.conf
status_is "both lines removed" 0 bandctl apply /tmp/ap/caps.conf
is "the job unset, the default group's cap gone" "$(attrs)" ":100 "

# An LV activated after boot, as udev sees it: LVM's own table, then the
# rule's command.
check "remove ap2, vgap/lv on its disk" sh -c "bandctl remove ap2 &&
	pvcreate -q /dev/ram1 && vgcreate -q vgap /dev/ram1 && lvcreate -q -y -L 16M -n lv vgap"
cleanup_add "bandctl unwrap vgap/lv; vgremove -q -f vgap; pvremove -q -ff -y /dev/ram1"
cat >$conf <<'EOF'
wrap vgap/lv type=uid
weight vgap-lv uid:1001 40
EOF
check "lvchange -an, -ay: LVM's own table" sh -c "lvchange -q -an vgap/lv && lvchange -q -ay vgap/lv"
status_is "what 90-dm-band.rules runs: bandctl apply --device vgap-lv" 0 \
	bandctl apply $conf --device vgap-lv
is "the LV is wrapped, weighted" "$(dmsetup table vgap-lv | cut -d' ' -f3,7) $(tbl vgap-lv)" \
	"band uid :100 1001:40"
finish
