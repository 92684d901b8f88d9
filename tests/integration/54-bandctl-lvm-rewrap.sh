#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace)
# An lvextend does not silently turn dm-band off.  The guests have no udevd:
# after each LVM operation this runs exactly what 90-dm-band.rules runs on
# the LV's change event, `bandctl apply --device VG-LV`, and checks that
#  - a wrap made by hand (no line in /etc/dm-band.conf; the rule runs for it
#    because /run/dm-band/VG-LV.wrap exists) is wrapped again after
#    lvextend, lvchange --refresh and lvreduce, at the new size, with its
#    options and weights, over a new -orig in place of the orphaned one;
#  - a wrap from /etc/dm-band.conf too, keeping a weight set by hand;
#  - running the command again (a re-wrap's own change event) changes
#    nothing: no loop;
#  - a re-wrap that fails after the suspend is rolled back and is not tried
#    again by the next event (the rollback's), only by a plain apply;
#  - after lvchange -an/-ay a hand wrap is not redone (documented): check
#    reports it;
#  - nothing is left suspended and the data is intact.
. "$TESTS/lib.sh"
plan 34

band_load
brd_create 128
conf=/etc/dm-band.conf
[ -e $conf ] && mv $conf $conf.t54 && cleanup_add "mv $conf.t54 $conf"
cleanup_add "rm -f $conf"
check "pvcreate, vgcreate, lvcreate a (32M), b (16M)" sh -c "pvcreate -q /dev/ram0 &&
	vgcreate -q l54 /dev/ram0 && lvcreate -q -y -L 32M -n a l54 && lvcreate -q -y -L 16M -n b l54"
cleanup_add "pvremove -q -ff -y /dev/ram0"
cleanup_add "vgremove -q -f l54"
cleanup_add "for d in l54-a l54-b; do dmsetup resume \$d; bandctl unwrap \$d; dmsetup remove \$d-orig; done"
cleanup_add "rm -f /run/dm-band/l54-*"
rm -f /run/dm-band/l54-*

# What the rule runs, with the name udev gives it ($env{DM_NAME}).
rule() { bandctl apply --device "$1"; }
# table DEV: size, target, band group, type and weights of a band table.
table() {
	dmsetup table "$1" | awk '{s = $2 " " $3 " " $6 " " $7
		for (i = 10; i <= NF; i++) if ($i !~ /^idle=/) s = s " " $i
		print s}'
}
none_suspended() {
	! dmsetup info -c --noheadings -o name,suspended | grep -q Suspended
}
# 4 MiB of random data at the start of l54/a, read back after each step.
first4m() { dd if="$1" bs=1M count=4 iflag=direct status=none | md5sum; }
check "a pattern on l54/a" sh -c "dd if=/dev/urandom of=/tmp/p54 bs=1M count=4 status=none &&
	test \$(stat -c %s /tmp/p54) = 4194304 &&
	dd if=/tmp/p54 of=/dev/l54/a bs=1M oflag=direct status=none"

check "wrap l54/a by hand, weight uid:1001 300" sh -c "
	bandctl wrap l54/a --type uid --band-group g54 && bandctl set l54/a uid:1001 300"
check "the rule runs for it: /run/dm-band/l54-a.wrap" test -s /run/dm-band/l54-a.wrap

check "lvextend -L +8M" lvm lvextend -q -L +8M l54/a
is "LVM loaded its own table (two segments)" "$(dmsetup table l54-a | cut -d' ' -f3 | sort -u)" linear
status_is "the rule's command: apply --device l54-a (no $conf)" 0 rule l54-a
is "it says so" "$(cut -d' ' -f1-3 /tmp/bc.out)" "l54-a: wrap again"
is "wrapped again at the new size, with its weights" "$(table l54-a)" \
	"81920 band g54 uid :100 1001:300"
is "over a new l54-a-orig with LVM's table, of that size" \
	"$(dmsetup table l54-a-orig | awk '{n += $2; t[$3]} END {for (k in t) printf "%s ", k; print n}')" \
	"linear 81920"
status_is "check finds nothing" 0 bandctl check
status_is "the re-wrap's own event: the command again" 0 rule l54-a
is "changes nothing, says nothing" "$(cat /tmp/bc.out)" ""

check "lvchange --refresh" lvchange -q --refresh l54/a
status_is "the rule's command" 0 rule l54-a
is "wrapped again" "$(table l54-a)" "81920 band g54 uid :100 1001:300"
check "lvreduce -L 32M" lvm lvreduce -q -f -L 32M l54/a
status_is "the rule's command" 0 rule l54-a
is "wrapped again, smaller" "$(table l54-a)" "65536 band g54 uid :100 1001:300"
is "the data is intact" "$(first4m /dev/l54/a)" "$(md5sum </tmp/p54)"

# A wrap from the configuration file, and a weight set by hand besides.
printf 'wrap l54/b type=uid band-group=g54\nweight l54-b uid:1002 40\n' >$conf
check "apply wraps l54/b; set uid:1003 7 by hand" sh -c "bandctl apply &&
	bandctl set l54/b uid:1003 7"
check "lvextend l54/b -L +4M" lvm lvextend -q -L +4M l54/b
status_is "the rule's command" 0 rule l54-b
is "wrapped again at the new size, both weights" "$(table l54-b)" \
	"40960 band g54 uid :100 1002:40 1003:7"

# A re-wrap that fails after the suspend: rolled back (the resume sends a
# change event), and that event's command does not try again.
check "lvextend l54/b -L +4M" lvm lvextend -q -L +4M l54/b
BANDCTL_TEST_FAIL=load rule l54-b >/tmp/f54.out 2>&1
is "a load that fails: exit 1, LVM's table back, not suspended" \
	"$? $(dmsetup table l54-b | cut -d' ' -f2,3) $(none_suspended && echo ok)" "1 49152 linear ok"
rule l54-b >/tmp/f54.out 2>&1
is "the rollback's event: not tried again (exit 1), the LV untouched" \
	"$? $(grep -c 'not wrapped again' /tmp/f54.out) $(dmsetup table l54-b | cut -d' ' -f3)" "1 1 linear"
status_is "a plain apply tries again" 0 bandctl apply
is "wrapped, with the file's weight" "$(table l54-b)" "49152 band g54 uid :100 1002:40"
check "the failure is forgotten" test ! -e /run/dm-band/l54-b.failed

# Deactivated and activated again: not redone for a hand wrap; check says.
check "lvchange -an, -ay l54/a" sh -c "lvchange -q -an l54/a && lvchange -q -ay l54/a"
status_is "the rule's command" 0 rule l54-a
bandctl check >/tmp/c54.out 2>&1
is "l54/a stays LVM's; check: wrap lost" \
	"$? $(dmsetup table l54-a | cut -d' ' -f3) $(grep -c '^l54-a: wrap lost' /tmp/c54.out)" "1 linear 1"
check "nothing left suspended" none_suspended
finish
