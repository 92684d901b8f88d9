#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace)
# What each LVM operation does to a wrap, and bandctl check finding it and
# check --repair undoing it: lvextend and lvchange --refresh load the LV's
# own table (wrap lost, -orig orphaned); lvchange -an, vgchange -an and
# lvremove remove the LV with its -orig (LVM sees LVM's layer uuid);
# lvrename leaves the -orig behind.  SIGKILL in the middle of a wrap leaves
# the LV suspended.  After each repair the LV is wrapped again with its
# options and weights, at its new size, and check finds nothing.
. "$TESTS/lib.sh"
plan 49

band_load
brd_create 192
check "pvcreate, vgcreate, lvcreate" sh -c "pvcreate -q /dev/ram0 &&
	vgcreate -q lvg /dev/ram0 && lvcreate -q -y -L 32M -n a lvg"
cleanup_add "pvremove -q -ff -y /dev/ram0"
cleanup_add "vgremove -q -f lvg"
cleanup_add "for d in lvg-a lvg-b lvg-c; do dmsetup resume \$d; bandctl unwrap \$d; dmsetup remove \$d-orig; done"
rm -f /run/dm-band/*.wrap

wrapped() { dmsetup table lvg-a | cut -d' ' -f2,3,5-; }
want() { echo "$1 band 0 g1 uid weight 0 :50 0:300 idle=200000"; }
# check_finds DESC PATTERN...: bandctl check exits 1 and prints each.
check_finds() {
	local desc=$1 p rc
	shift
	bandctl check >/tmp/ck.out 2>&1
	rc=$?
	for p in "$@"; do
		grep -q -- "$p" /tmp/ck.out || rc="$rc, no '$p'"
	done
	is "$desc" "$rc" 1
	sed 's/^/#   /' /tmp/ck.out
}
repair() {
	status_is "check --repair" 0 bandctl check --repair
	sed 's/^/#   /' /tmp/bc.out
}
clean() { status_is "check finds nothing ${1:-}" 0 bandctl check; }

check "wrap lvg/a, weights" sh -c "bandctl wrap lvg/a --type uid --band-group g1 --idle 200000 &&
	bandctl set lvg/a uid:root 300 && bandctl set lvg/a default 50"
is "wrapped" "$(wrapped)" "$(want 65536)"
clean "on a good wrap"

# lvextend: the LV's own, longer table; -orig left.
check "lvextend -L +8M" lvm lvextend -q -L +8M lvg/a
is "LVM loaded its own table" "$(dmsetup table lvg-a | cut -d' ' -f3)" linear
check_finds "check: wrap lost, -orig orphaned" "lvg-a: wrap lost" "lvg-a-orig: orphaned"
repair
is "wrapped again at the new size, with its weights" "$(wrapped)" "$(want 81920)"
clean "after the repair"

check "lvchange --refresh" lvchange -q --refresh lvg/a
check_finds "check: wrap lost, -orig orphaned" "lvg-a: wrap lost" "lvg-a-orig: orphaned"
repair
is "wrapped again" "$(wrapped)" "$(want 81920)"

check "lvchange -an" lvchange -q -an lvg/a
check_fails "LVM removed -orig with the LV" dm_exists lvg-a-orig
check_finds "check: wrap lost, LV not active" "lvg-a: wrap lost: the LV is not active"
check "lvchange -ay" lvchange -q -ay lvg/a
check_finds "check: wrap lost" "lvg-a: wrap lost"
repair
is "wrapped again" "$(wrapped)" "$(want 81920)"

check "vgchange -an, -ay" sh -c "vgchange -q -an lvg && vgchange -q -ay lvg"
repair
is "wrapped again" "$(wrapped)" "$(want 81920)"
clean

# A size mismatch: -orig grown under the band device.
t=$(dmsetup table lvg-a-orig)
check "grow lvg-a-orig by hand" sh -c "dmsetup reload lvg-a-orig --table '$(echo "$t" |
	awk '{print $1, $2 + 8192, $3, $4, $5}')' && dmsetup resume lvg-a-orig"
check_finds "check: size mismatch" "lvg-a: size mismatch"
repair
is "band table resized" "$(wrapped)" "$(want 90112)"

# Weights not as configured.
printf 'wrap lvg/a type=uid band-group=g1 idle=200000\nweight lvg/a uid:root 300\n' >/tmp/ck.conf
check "set uid:root 100" bandctl set lvg/a uid:root 100
bandctl check /tmp/ck.conf >/tmp/ck.out 2>&1
is "check FILE: exit 1, the one difference" "$? $(cat /tmp/ck.out)" \
	"1 lvg-a: weight uid:root 300 (was 100)"
status_is "check FILE --repair" 0 bandctl check --repair /tmp/ck.conf
is "weight as configured" "$(grp_field lvg-a 0 1)" 300

# SIGKILL in the critical section: the LV is left suspended.
check "lvcreate lvg/b" lvcreate -q -y -L 16M -n b lvg
BANDCTL_TEST_STOP=load bandctl wrap lvg/b &
pid=$!
for i in $(seq 200); do
	[ "$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)" = T ] && break
	sleep 0.05
done
kill -KILL "$pid"
wait "$pid"
is "lvg-b left suspended" "$(dmsetup info -c --noheadings -o suspended lvg-b)" Suspended
check_finds "check: suspended, -orig orphaned" "lvg-b: suspended" "lvg-b-orig: orphaned"
repair
is "lvg-b resumed" "$(dmsetup info -c --noheadings -o suspended lvg-b)" Active
check_fails "its -orig removed" dm_exists lvg-b-orig

# lvrename: the LV goes on unwrapped under its new name; -orig is left.
check "lvrename lvg a c" lvm lvrename -q lvg a c
check_finds "check: -orig orphaned, LV gone" "lvg-a-orig: orphaned: its LV lvg-a is gone" \
	"lvg-a: wrap lost: the LV is not active"
repair
check_fails "-orig removed" dm_exists lvg-a-orig
check "wrap lvg/c" bandctl wrap lvg/c

# lvremove: the LV and its -orig are removed.
check "lvremove lvg/c" lvremove -q -y lvg/c
check_fails "no -orig left" dm_exists lvg-c-orig
check_finds "check: wrap lost, LV not active" "lvg-c: wrap lost: the LV is not active"
repair
clean "after the lvremove is repaired"
finish
