#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The libvirt hook (tools/libvirt/qemu) against a fake host: a fake bandctl
# and dmsetup on PATH that record their arguments, and sysfs, /proc, the
# libvirt pid file and the cgroup tree in a temporary directory.  The guest
# (tests/host/data/libvirt-vm1.xml) has two image files on a filesystem on
# vg0-vms, a cgroup band device, and a block disk on an LV stacked on
# sdb-band, a band device of type none.  Asserts the exact bandctl calls.
# Also: a per-guest default weight (DM_BAND_GUEST_WEIGHT in
# /etc/default/dm-band), disks of type volume (dir and logical pools), the
# other operations that start a guest's weights (reconnect, attach), a run
# again after a hot-plug, and two guests sharing a type none device: its
# weight is the sum of theirs, each stop takes its own off, the last puts
# back the weight it had before.
. "$TOP/tests/integration/lib.sh"
plan 25

hook=$TOP/tools/libvirt/qemu
t=$(mktemp -d)
cleanup_add "rm -rf '$t'"
scope='/machine.slice/machine-qemu\x2d1\x2dvm1.scope'
mkdir -p "$t/bin" "$t/tables" "$t/images" "$t/dev/vg1" "$t/run" "$t/proc/4242" \
	"$t/sys/dev/block" "$t/cgroup$scope/libvirt/emulator"
export T=$t

cat >"$t/bin/bandctl" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$T/bandctl.log"
EOF
cat >"$t/bin/dmsetup" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$T/dmsetup.log"
[ "$1" = table ] || exit 1
for name; do :; done
cat "$T/tables/$name" 2>/dev/null
EOF
chmod +x "$t/bin/bandctl" "$t/bin/dmsetup"

sed "s|@TMP@|$t|g" "$TOP/tests/host/data/libvirt-vm1.xml" >"$t/vm1.xml"
touch "$t/images/vm1.qcow2" "$t/images/vm1-scratch.img" "$t/dev/dm-7"
ln -s ../dm-7 "$t/dev/vg1/vm1-data"

# dm_dev BLOCK NAME TABLE [SLAVE]: a device-mapper device in the fake sysfs.
dm_dev() {
	mkdir -p "$t/sys/block/$1/dm" "$t/sys/block/$1/slaves"
	echo "$2" >"$t/sys/block/$1/dm/name"
	echo "$3" >"$t/tables/$2"
	[ -z "${4:-}" ] || ln -s "../../$4" "$t/sys/block/$1/slaves/$4"
}
# The images' filesystem is on vg0-vms, wrapped as a cgroup band device.
ln -s ../../devices/virtual/block/dm-5 "$t/sys/dev/block/$(stat -c '%Hd:%Ld' "$t/images")"
dm_dev dm-5 vg0-vms "0 41943040 band 254:4 0 sda cgroup weight 0 :100 idle=8000"
# The data disk is an LV of a volume group whose PV is sdb-band.
dm_dev dm-2 sdb-band "0 83886080 band 8:16 0 sdb none weight 0 :100 idle=8000"
dm_dev dm-7 vg1-vm1--data "0 2097152 linear 254:2 2048" dm-2
echo 4242 >"$t/run/vm1.pid"
printf '0::%s/libvirt/emulator\n' "$scope" >"$t/proc/4242/cgroup"

status=0
# hook OP [XML]: run the hook for vm1; bandctl's calls in $t/bandctl.log.
hook() {
	: >"$t/bandctl.log"
	PATH=$t/bin:$PATH DM_BAND_RUN_DIR=$t/run DM_BAND_PROC=$t/proc \
	DM_BAND_SYSFS=$t/sys DM_BAND_CGROUP_ROOT=$t/cgroup \
	DM_BAND_STATE_DIR=$t/state DM_BAND_HOOK_SYSLOG=0 \
	DM_BAND_POOL_DIRS="$t/pools-run $t/pools" DM_BAND_DEFAULTS=$t/defaults \
		"$hook" "${DOM:-vm1}" "$1" "${3:-begin}" - <"${2:-/dev/null}" 2>>"$t/hook.err" ||
		status=1
	cat "$t/bandctl.log"
}

is "metadata weight wins over blkiotune: cgroup job on vg0-vms, default on sdb-band below the data LV" \
	"$(hook started "$t/vm1.xml")" \
	"set vg0-vms cgroup:$scope 700
set sdb-band default 700"
is "stopped: the cgroup job is unset by path while the scope exists, sdb-band back to 100" \
	"$(hook stopped "" end)" "unset vg0-vms cgroup:$scope
set sdb-band default 100"
is "release after stopped: nothing left to undo" "$(hook release "" end)" ""

grep -v 'dm-band.org' "$t/vm1.xml" >"$t/blkio.xml"
is "blkiotune weight, not a <device> weight or another namespace's band element" \
	"$(hook started "$t/blkio.xml")" \
	"set vg0-vms cgroup:$scope 300
set sdb-band default 300"
id=$(stat -c %i "$t/cgroup$scope")
rm -rf "$t/cgroup$scope"
is "stopped after the scope is gone: unset by cgroup id" \
	"$(hook stopped "" end)" "unset vg0-vms cgroup:$id
set sdb-band default 100"

sed '/<blkiotune>/,/<\/blkiotune>/d' "$t/blkio.xml" >"$t/noweight.xml"
is "no weight in the XML: no bandctl call" "$(hook started "$t/noweight.xml")" ""

sed 's/weight="700"/weight="0"/' "$t/vm1.xml" >"$t/badweight.xml"
is "weight 0: no bandctl call" "$(hook started "$t/badweight.xml")" ""
check "weight 0: the reason is logged" grep -q "weight '0' is not a number" "$t/hook.err"

mv "$t/run/vm1.pid" "$t/run/vm1.pid.away"
is "no QEMU pid file: only the type none device is set" \
	"$(hook started "$t/vm1.xml")" "set sdb-band default 700"
is "and stopped: it goes back" "$(hook stopped "" end)" "set sdb-band default 100"
mv "$t/run/vm1.pid.away" "$t/run/vm1.pid"
mkdir -p "$t/cgroup$scope/libvirt/emulator"

# A per-guest default weight for guests whose XML has none.
echo DM_BAND_GUEST_WEIGHT=100 >"$t/defaults"
is "DM_BAND_GUEST_WEIGHT=100 in /etc/default/dm-band: a guest without a weight gets 100" \
	"$(hook started "$t/noweight.xml")" "set vg0-vms cgroup:$scope 100
set sdb-band default 100"
is "its own weight still wins" "$(hook started "$t/vm1.xml")" \
	"unset vg0-vms cgroup:$scope
set sdb-band default 100
set vg0-vms cgroup:$scope 700
set sdb-band default 700"
rm "$t/defaults"
hook stopped "" end >/dev/null

# reconnect (libvirtd restarted) and attach: the same as started.
is "reconnect sets the weights" "$(hook reconnect "$t/vm1.xml")" \
	"set vg0-vms cgroup:$scope 700
set sdb-band default 700"
is "attach, or a run again by hand after a hot-plug: undone, then set again" \
	"$(hook attach "$t/vm1.xml")" "unset vg0-vms cgroup:$scope
set sdb-band default 100
set vg0-vms cgroup:$scope 700
set sdb-band default 700"
hook stopped "" end >/dev/null

# Disks of type volume: an image in a dir pool, an LV of a logical pool.
mkdir -p "$t/pools" "$t/pools-run"
cat >"$t/pools/images.xml" <<EOF
<pool type='dir'>
  <name>images</name>
  <target>
    <path>$t/images</path>
  </target>
</pool>
EOF
cat >"$t/pools-run/vg1.xml" <<EOF
<pool type="logical">
  <name>vg1</name>
  <source><device path='/dev/sdb9'/><name>vg1</name><format type='lvm2'/></source>
  <target><path>$t/dev/vg1</path></target>
</pool>
EOF
sed -e "s|<disk type='file' device='disk'>|<disk type='volume' device='disk'>|" \
    -e "s|<source file='@TMP@/images/vm1.qcow2' index='3'/>|<source pool='images' volume='vm1.qcow2'/>|" \
    -e "s|<disk type='block' device='disk'>|<disk type='volume' device='disk'>|" \
    -e "s|<source dev='@TMP@/dev/vg1/vm1-data' index='1'/>|<source pool=\"vg1\" volume=\"vm1-data\"/>|" \
    -e '/vm1-scratch/d' "$TOP/tests/host/data/libvirt-vm1.xml" >"$t/volume.xml"
is "type volume disks (dir pool, logical pool from the live state): as the files and LVs" \
	"$(hook started "$t/volume.xml")" "set vg0-vms cgroup:$scope 700
set sdb-band default 700"
hook stopped "" end >/dev/null
sed 's/pool=.vg1./pool="nosuch"/' "$t/volume.xml" >"$t/novol.xml"
is "a volume of an unknown pool: skipped, the others set" \
	"$(hook started "$t/novol.xml")" "set vg0-vms cgroup:$scope 700"
check "and logged" grep -q "volume vm1-data: no pool nosuch" "$t/hook.err"
hook stopped "" end >/dev/null

# Two guests with disks on sdb-band (type none): one group, their sum.
touch "$t/dev/dm-8"
ln -s ../dm-8 "$t/dev/vg1/vm2-data"
dm_dev dm-8 vg1-vm2--data "0 2097152 linear 254:2 4196352" dm-2
sed -e 's|<name>vm1</name>|<name>vm2</name>|' -e 's|weight="700"|weight="200"|' \
    -e 's|vg1/vm1-data|vg1/vm2-data|' -e '/images\/vm1/d' "$t/vm1.xml" >"$t/vm2.xml"
hook started "$t/vm1.xml" >/dev/null
is "vm2 started beside vm1 on sdb-band: 700 + 200" \
	"$(DOM=vm2 hook started "$t/vm2.xml")" "set sdb-band default 900"
is "vm1 stops: vm2's 200 is left" "$(hook stopped "" end)" \
	"unset vg0-vms cgroup:$scope
set sdb-band default 200"
is "vm1 again: 900" "$(hook started "$t/vm1.xml")" \
	"set vg0-vms cgroup:$scope 700
set sdb-band default 900"
is "vm2 stops: vm1's 700" "$(DOM=vm2 hook stopped "" end)" "set sdb-band default 700"
is "vm1 stops, the last: the weight from before, 100" "$(hook stopped "" end)" \
	"unset vg0-vms cgroup:$scope
set sdb-band default 100"
check "no state left" test -z "$(ls -A "$t/state/none")"

echo "0 41943040 linear 254:4 0" >"$t/tables/vg0-vms"
echo "0 83886080 linear 8:16 0" >"$t/tables/sdb-band"
is "disks on no band device: no bandctl call" "$(hook started "$t/vm1.xml")" ""

is "the hook exited 0 every time" "$status" 0
finish
