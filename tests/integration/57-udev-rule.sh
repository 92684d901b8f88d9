#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (udev and LVM's udev sync on both stock kernels)
# 90-dm-band.rules under a real systemd-udevd, with nobody running bandctl
# by hand.  The other tests run without udev (DM_DISABLE_UDEV=1, lvm.conf's
# udev_sync=0 and udev_rules=0; 44 and 54 run the rule's command
# themselves).  Here the guest's systemd-udevd runs with the rules a host
# has for device-mapper and LVM devices (dmsetup's 55-dm.rules and
# 95-dm-notify.rules, lvm2's 56-lvm.rules) and 90-dm-band.rules as `make
# install` installs it, and LVM waits for udev as on a host (udev_sync=1,
# udev_rules=1, in a lvm.conf of this test's own: LVM_SYSTEM_DIR).  No
# /run/systemd/system, so the rule runs `bandctl apply --device NAME` in
# the background.  It checks that
#  - an LV that /etc/dm-band.conf names is wrapped and weighted when it is
#    activated after boot (lvchange -ay);
#  - after lvextend (LVM loads its own table over the wrap) it is wrapped
#    again, at the new size, with its weights, over a VG-LV-orig with
#    LVM's table; the data is intact, nothing is left suspended.
# Each wait polls `dmsetup table` every 0.2 s, for up to 30 s.
. "$TESTS/lib.sh"
plan 17

udevd_bin=/usr/lib/systemd/systemd-udevd
rules=/usr/lib/udev/rules.d
check "systemd-udevd, udevadm and device-mapper's rules in the guest (host: Debian package udev)" \
	sh -c "test -x $udevd_bin && test -x /usr/bin/udevadm &&
	       test -e $rules/55-dm.rules && test -e $rules/56-lvm.rules &&
	       test -e $rules/95-dm-notify.rules"
if [ "$_tap_failed" != 0 ]; then
	diag "no udev in the guest: install the host's Debian package udev (make deps)"
	finish
fi
diag "rules: $(cd $rules && echo *)"

band_load
brd_create 64
conf=/etc/dm-band.conf
[ -e $conf ] && mv $conf $conf.t57 && cleanup_add "mv $conf.t57 $conf"
cleanup_add "rm -f /run/dm-band/l57-*"
rm -f $conf /run/dm-band/l57-*

# LVM as on a host with udev: this test's lvm.conf, the guest's with
# udev_sync and udev_rules on; libdevmapper's udev support back on.
unset DM_DISABLE_UDEV
export LVM_SYSTEM_DIR=/tmp/lvm57
mkdir -p $LVM_SYSTEM_DIR
sed 's/udev_sync = 0/udev_sync = 1/; s/udev_rules = 0/udev_rules = 1/' \
	/etc/lvm/lvm.conf >$LVM_SYSTEM_DIR/lvm.conf
cleanup_add "rm -rf $LVM_SYSTEM_DIR"
is "LVM_SYSTEM_DIR's lvm.conf: udev_sync=1, udev_rules=1" \
	"$(lvm lvmconfig activation/udev_sync activation/udev_rules | tr '\n' ' ')" \
	"udev_sync=1 udev_rules=1 "

# systemd-udevd, in the foreground of a background job, logging each
# event and rule to /tmp/udevd57.log.  No coldplug (udevadm trigger): only
# the events of this test's devices matter.
$udevd_bin --debug >/tmp/udevd57.log 2>&1 &
udevd=$!
stop_udevd() {
	local i
	udevadm control --exit >/dev/null 2>&1
	for i in $(seq 50); do
		kill -0 $udevd 2>/dev/null || break
		sleep 0.2
	done
	kill $udevd 2>/dev/null
	wait $udevd
	rm -rf /run/udev
}
cleanup_add stop_udevd
for i in $(seq 150); do
	udevadm control --ping >/dev/null 2>&1 && break
	sleep 0.2
done
check "systemd-udevd answers (udevadm control --ping)" udevadm control --ping

# table DEV: size, target, band group, type and weights of a band table
# (as 54 reads it).
table() {
	dmsetup table "$1" 2>&1 | awk '{s = $2 " " $3 " " $6 " " $7
		for (i = 10; i <= NF; i++) if ($i !~ /^idle=/) s = s " " $i
		print s}'
}
# wait_table DEV WANT: until table DEV is WANT, every 0.2 s, for up to
# 30 s; prints what it saw last, and how long it waited as a diagnostic.
wait_table() {
	local i got
	for i in $(seq 0 150); do
		got=$(table "$1")
		[ "$got" = "$2" ] && break
		[ "$i" = 150 ] || sleep 0.2
	done
	echo "# $1: waited $((i / 5)).$((i % 5 * 2)) s" >&2
	echo "$got"
}
# After a wait that failed: what udev and the devices looked like.
explain() {
	diag "dmsetup table:"
	dmsetup table 2>&1 | sed 's/^/#   /'
	diag "/run/dm-band: $(ls /run/dm-band 2>&1 | tr '\n' ' ')"
	diag "udevd's log, the lines about 90-dm-band.rules and bandctl:"
	grep -E '90-dm-band|bandctl' /tmp/udevd57.log | tail -n 20 | sed 's/^/#   /'
}
# idle: udev done with every event, no bandctl of the rule's running (the
# rule starts it in the background); up to 30 s each.
idle() {
	local i
	udevadm settle -t 30 || return 1
	for i in $(seq 150); do
		pidof bandctl >/dev/null || return 0
		sleep 0.2
	done
	return 1
}
none_suspended() {
	! dmsetup info -c --noheadings -o name,suspended | grep -q Suspended
}
first4m() { dd if="$1" bs=1M count=4 iflag=direct status=none | md5sum; }

# The LV, made while /etc/dm-band.conf does not exist: the rule leaves it
# alone.  Then deactivated, and the file written.
check "pvcreate, vgcreate, lvcreate l57/a (16M)" sh -c "pvcreate -q /dev/ram0 &&
	vgcreate -q l57 /dev/ram0 && lvcreate -q -y -L 16M -n a l57"
cleanup_add "pvremove -q -ff -y /dev/ram0"
cleanup_add "vgremove -q -f l57"
# (The file gone first, so that the unwrap's own event wraps nothing, and
# no bandctl of the rule's left running before and after.)
cleanup_add "rm -f $conf; idle; dmsetup resume l57-a; bandctl unwrap l57-a;
	dmsetup remove l57-a-orig; idle"
check "udev made /dev/mapper/l57-a and /dev/l57/a (55-dm.rules, 56-lvm.rules)" sh -c \
	"udevadm settle -t 30 && test -b /dev/mapper/l57-a && test -L /dev/l57/a"
check "a pattern on l57/a" sh -c "dd if=/dev/urandom of=/tmp/p57 bs=1M count=4 status=none &&
	dd if=/tmp/p57 of=/dev/mapper/l57-a bs=1M oflag=direct status=none"
check "lvchange -an l57/a" lvchange -q -an l57/a
cat >$conf <<'EOF'
wrap l57/a type=uid band-group=g57
weight l57-a uid:1001 300
weight l57-a uid:1002 20
weight l57-a default 50
EOF

# (1) Activated after boot: wrapped and weighted by the rule.
check "lvchange -ay l57/a" lvchange -q -ay l57/a
want="32768 band g57 uid :50 1001:300 1002:20"
got=$(wait_table l57-a "$want")
is "the rule wrapped and weighted l57-a" "$got" "$want"
[ "$got" = "$want" ] || explain
is "over l57-a-orig, LVM's table" "$(dmsetup table l57-a-orig | cut -d' ' -f2,3)" \
	"32768 linear"

# (2) lvextend loads LVM's own table over the wrap; the rule's command
# waits for lvextend to let go of the VG's lock, then wraps it again.
check "lvextend -L +8M l57/a" lvm lvextend -q -L +8M l57/a
want="49152 band g57 uid :50 1001:300 1002:20"
got=$(wait_table l57-a "$want")
is "the rule wrapped l57-a again, at the new size, with its weights" "$got" "$want"
[ "$got" = "$want" ] || explain
is "over a l57-a-orig with LVM's new table" \
	"$(dmsetup table l57-a-orig | awk '{n += $2; t[$3]} END {for (k in t) printf "%s ", k; print n}')" \
	"linear 49152"

check "udev is done with every event, no bandctl left running" idle
is "l57-a still wrapped (the wrap's own event changed nothing)" "$(table l57-a)" "$want"
check "nothing suspended" none_suspended
is "the data is intact" "$(first4m /dev/mapper/l57-a)" "$(md5sum </tmp/p57)"
finish
