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
#    again by the next event (the rollback's), only by a plain apply, which
#    restores the weight set by hand too (the saved table and the orphaned
#    -orig are kept);
#  - a re-wrap of a hand wrap that the kernel refuses midway (a band group
#    whose settings changed meanwhile) leaves the saved table and the
#    orphan; the rule's command after the next lvextend restores the wrap
#    with its weights;
#  - the re-wrap takes LVM's lock on the VG (<locking_dir>/V_l54, flock, as
#    lvm2 does): while an LVM command holds it (lvremove waiting at its
#    prompt) the rule's command waits, and wraps once it is let go; with
#    BANDCTL_LOCK_WAIT=1 it gives up without touching the LV; while bandctl
#    holds it (stopped after taking it) an lvextend on the VG waits;
#  - after lvchange -an/-ay a hand wrap is not redone (documented): check
#    reports it;
#  - nothing is left suspended and the data is intact.
. "$TESTS/lib.sh"
plan 61

band_load
brd_create 128
conf=/etc/dm-band.conf
[ -e $conf ] && mv $conf $conf.t54 && cleanup_add "mv $conf.t54 $conf"
cleanup_add "rm -f $conf"
check "pvcreate, vgcreate, lvcreate a (32M), b (16M), c (4M)" sh -c "pvcreate -q /dev/ram0 &&
	vgcreate -q l54 /dev/ram0 && lvcreate -q -y -L 32M -n a l54 && lvcreate -q -y -L 16M -n b l54 &&
	lvcreate -q -y -L 4M -n c l54"
cleanup_add "pvremove -q -ff -y /dev/ram0"
cleanup_add "vgremove -q -f l54"
cleanup_add "for d in l54-a l54-b l54-c; do dmsetup resume \$d; bandctl unwrap \$d; dmsetup remove \$d-orig; done"
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
# types DEV, total DEV: its targets' types (once each), its size.
types() { dmsetup table "$1" | cut -d' ' -f3 | sort -u | tr '\n' ' ' | sed 's/ $//'; }
total() { dmsetup table "$1" | awk '{n += $2} END {print n}'; }
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
# change event), and that event's command does not try again.  What it
# needs to be made again is kept: the saved table, with the weight set by
# hand, and the orphaned -orig.
check "lvextend l54/b -L +4M" lvm lvextend -q -L +4M l54/b
BANDCTL_TEST_FAIL=load rule l54-b >/tmp/f54.out 2>&1
is "a load that fails: exit 1, LVM's table back, not suspended" \
	"$? $(total l54-b) $(types l54-b) $(none_suspended && echo ok)" "1 49152 linear ok"
is "the orphaned l54-b-orig kept, with the LV's table; the saved table too" \
	"$(total l54-b-orig) $(dmsetup info -c --noheadings -o open l54-b-orig) $(grep -c ' 1003:7' /run/dm-band/l54-b.wrap)" \
	"49152 0 1"
rule l54-b >/tmp/f54.out 2>&1
is "the rollback's event: not tried again (exit 1), the LV untouched" \
	"$? $(grep -c 'not wrapped again' /tmp/f54.out) $(types l54-b)" "1 1 linear"
status_is "a plain apply tries again" 0 bandctl apply
is "wrapped, with the file's weight and the one set by hand" "$(table l54-b)" \
	"49152 band g54 uid :100 1002:40 1003:7"
check "the failure is forgotten" test ! -e /run/dm-band/l54-b.failed

# A hand wrap whose re-wrap the kernel refuses after the suspend: its band
# group's policy changed meanwhile (a message to l54-b, the other device of
# g54), so the saved table no longer agrees with it.
check "lvextend l54/a -L +4M; g54's policy weight-iosize (via l54-b)" sh -c "
	lvm lvextend -q -L +4M l54/a && dmsetup message l54-b 0 policy weight-iosize"
rule l54-a >/tmp/f54.out 2>&1
is "the kernel refuses the load: exit 1, rolled back, not suspended" \
	"$? $(grep -c 'rolled back' /tmp/f54.out) $(types l54-a) $(none_suspended && echo ok)" \
	"1 1 linear ok"
sed 's/^/# /' /tmp/f54.out
is "l54-a-orig kept, orphaned; the saved table has the hand weight" \
	"$(dmsetup info -c --noheadings -o open l54-a-orig) $(grep -c ' 1001:300' /run/dm-band/l54-a.wrap)" "0 1"
# (Back before check, which saves l54-b's table as it finds it.)
check "g54's policy back to weight" dmsetup message l54-b 0 policy weight
bandctl check >/tmp/c54.out 2>&1
is "check: wrap lost, -orig orphaned" \
	"$? $(grep -c '^l54-a: wrap lost' /tmp/c54.out) $(grep -c '^l54-a-orig: orphaned' /tmp/c54.out)" "1 1 1"
check "lvextend l54/a -L +4M" lvm lvextend -q -L +4M l54/a
status_is "the rule's command after it" 0 rule l54-a
is "wrapped again at the new size, with the weight set by hand" "$(table l54-a)" \
	"81920 band g54 uid :100 1001:300"
is "over l54-a-orig, of that size" \
	"$(total l54-a-orig)" 81920
check "the failure is forgotten" test ! -e /run/dm-band/l54-a.failed

# LVM's lock on the VG, as lvm2's file locking takes it.
lockdir=$(lvm lvmconfig --typeconfig full global/locking_dir 2>/dev/null |
	sed -n 's/^locking_dir="\(.*\)"$/\1/p')
diag "locking_dir: $lockdir"
# held_by PID: PID holds a WRITE flock on $lockdir/V_l54 (/proc/locks).
held_by() {
	local ino
	ino=$(stat -c %i "$lockdir/V_l54" 2>/dev/null) || return 1
	awk -v p="$1" -v i=":$ino" '$2 == "FLOCK" && $4 == "WRITE" && $5 == p &&
		substr($6, length($6) - length(i) + 1) == i {f = 1} END {exit !f}' /proc/locks
}
# blocked PID: PID waits in flock() for a lock (a "->" line of /proc/locks).
blocked() {
	awk -v p="$1" '$2 == "->" && $3 == "FLOCK" && $6 == p {f = 1} END {exit !f}' /proc/locks
}
# An LVM command that holds the lock while it waits: lvremove at its
# prompt, answered through a FIFO.  The rule's command comes after an
# lvextend, while it holds it.
check "lvextend l54/a -L +4M" lvm lvextend -q -L +4M l54/a
rm -f /tmp/a54
mkfifo /tmp/a54
lvremove l54/c </tmp/a54 >/tmp/h54.out 2>&1 &
holder=$!
exec 7>/tmp/a54
for i in $(seq 100); do
	grep -q 'really want' /tmp/h54.out && break
	sleep 0.1
done
check "lvremove l54/c at its prompt holds LVM's lock on l54 (/proc/locks)" held_by "$holder"
BANDCTL_LOCK_WAIT=1 status_is "BANDCTL_LOCK_WAIT=1: the rule's command gives up (exit 1)" 1 \
	rule l54-a
check "it says why" grep -q "LVM's lock on volume group l54 ($lockdir/V_l54) still held after 1 s" \
	/tmp/bc.err
is "the LV untouched, not suspended, the failure not remembered" \
	"$(types l54-a) $(none_suspended && echo ok) $(test -e /run/dm-band/l54-a.failed || echo none)" \
	"linear ok none"
rule l54-a >/tmp/w54.out 2>&1 &
waiter=$!
sleep 2
is "the rule's command waits for the lock: running, the LV untouched" \
	"$(kill -0 $waiter && echo running) $(types l54-a)" \
	"running linear"
echo n >&7
exec 7>&-
wait $waiter
is "lvremove let go (answered no): exit 0, wrapped again with its weight" \
	"$? $(table l54-a)" "0 90112 band g54 uid :100 1001:300"
sed 's/^/# /' /tmp/w54.out
wait $holder
is "lvremove did not remove l54/c" "$(dm_exists l54-c && echo kept)" kept

# bandctl holding the lock (stopped right after taking it): an LVM command
# on the VG waits for it.
BANDCTL_TEST_STOP=locked bandctl wrap l54/c --type uid >/tmp/s54.out 2>&1 &
stopped=$!
for i in $(seq 200); do
	[ "$(cut -d' ' -f3 /proc/$stopped/stat 2>/dev/null)" = T ] && break
	sleep 0.05
done
check "bandctl wrap l54/c, stopped after taking it, holds LVM's lock (/proc/locks)" \
	held_by "$stopped"
lvm lvextend -q -L +4M l54/b >/tmp/x54.out 2>&1 &
ext=$!
sleep 2
is "lvextend l54/b waits for it: blocked in flock, l54-b still wrapped" \
	"$(blocked "$ext" && echo blocked) $(types l54-b)" "blocked band"
kill -CONT $stopped
wait $stopped
is "bandctl goes on: l54/c wrapped" "$? $(types l54-c)" "0 band"
wait $ext
is "then lvextend: exit 0, LVM's table on l54-b" \
	"$? $(types l54-b)" "0 linear"
status_is "the rule's command" 0 rule l54-b
is "l54-b wrapped again, both weights" "$(table l54-b)" \
	"57344 band g54 uid :100 1002:40 1003:7"
check "the lock file is gone, as lvm2 leaves it" test ! -e "$lockdir/V_l54"
is "the data is intact" "$(first4m /dev/l54/a)" "$(md5sum </tmp/p54)"

# Deactivated and activated again: not redone for a hand wrap; check says.
check "lvchange -an, -ay l54/a" sh -c "lvchange -q -an l54/a && lvchange -q -ay l54/a"
status_is "the rule's command" 0 rule l54-a
bandctl check >/tmp/c54.out 2>&1
is "l54/a stays LVM's; check: wrap lost" \
	"$? $(types l54-a) $(grep -c '^l54-a: wrap lost' /tmp/c54.out)" "1 linear 1"
check "nothing left suspended" none_suspended
finish
