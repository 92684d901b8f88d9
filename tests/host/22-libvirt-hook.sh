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
# back the weight it had before.  Caps and reservations on the metadata
# element (limit-iops, limit-bw, reserve-iops, reserve-bw): passed to
# bandctl set for a cgroup job; on a type none device, summed over the
# guests (a cap none as soon as one guest has none), what the device had
# put back by the last stop; a value bandctl would refuse logged and left
# out; <iotune> never read; a state file of the hook before them.
. "$TOP/tests/integration/lib.sh"
plan 50

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

# Caps and reservations.  vm1's disk vda also has an <iotune>, which QEMU
# enforces: never read.
rates() { sed "s|weight=\"$1\"/>|weight=\"$1\" $2/>|" "$3"; }
rates 700 'limit-iops="500" limit-bw="10M" reserve-iops="0100" reserve-bw="none"' "$t/vm1.xml" |
	sed "s|<target dev='vda' bus='virtio'/>|&<iotune><total_iops_sec>123</total_iops_sec><total_bytes_sec>456</total_bytes_sec></iotune>|" \
	>"$t/caps.xml"
check "caps.xml has an iotune (total_iops_sec 123)" grep -q "<total_iops_sec>123<" "$t/caps.xml"
is "caps: passed to bandctl set for the cgroup job, in bios and bytes; on the type none device those that change" \
	"$(hook started "$t/caps.xml")" \
	"set vg0-vms cgroup:$scope 700 --limit-iops 500 --limit-bw 10485760 --reserve-iops 100 --reserve-bw 0
set sdb-band default 700 --limit-iops 500 --limit-bw 10485760 --reserve-iops 100"
is "stopped: the type none device's caps back to none" "$(hook stopped "" end)" \
	"unset vg0-vms cgroup:$scope
set sdb-band default 100 --limit-iops 0 --limit-bw 0 --reserve-iops 0"
check "no state left" test -z "$(ls -A "$t/state/none")"

: >"$t/hook.err"
rates 700 'limit-iops="10K" limit-bw="1.5G" reserve-iops="20" reserve-bw="2P"' "$t/vm1.xml" >"$t/badcaps.xml"
is "values bandctl would refuse (10K IOPS, 1.5G, 2P): left out, the weight and the others set" \
	"$(hook started "$t/badcaps.xml")" \
	"set vg0-vms cgroup:$scope 700 --reserve-iops 20
set sdb-band default 700 --reserve-iops 20"
check "and each is logged" \
	test "$(grep -c "limit-iops '10K' is not\|limit-bw '1.5G' is not\|reserve-bw '2P' is not" "$t/hook.err")" = 3
hook stopped "" end >/dev/null
rates 700 'limit-iops="1125899906842625" limit-bw="1048577G" reserve-iops="+5" reserve-bw="1125899906842624"' \
	"$t/vm1.xml" >"$t/bigcaps.xml"
is "over 2^50, or signed: left out; 2^50 itself is taken" "$(hook started "$t/bigcaps.xml")" \
	"set vg0-vms cgroup:$scope 700 --reserve-bw 1125899906842624
set sdb-band default 700 --reserve-bw 1125899906842624"
hook stopped "" end >/dev/null

sed -e 's|weight="700"/>|limit-iops="500"/>|' "$t/vm1.xml" >"$t/capsblkio.xml"
is "caps beside a blkiotune weight" "$(hook started "$t/capsblkio.xml")" \
	"set vg0-vms cgroup:$scope 300 --limit-iops 500
set sdb-band default 300 --limit-iops 500"
hook stopped "" end >/dev/null
sed '/<blkiotune>/,/<\/blkiotune>/d' "$t/capsblkio.xml" >"$t/capsnoweight.xml"
: >"$t/hook.err"
is "caps without any weight: nothing done" "$(hook started "$t/capsnoweight.xml")" ""
check "and logged" grep -q "caps or reservations but no weight" "$t/hook.err"

# Two guests on sdb-band with caps: the sums; a guest without a cap, no cap.
rates 700 'limit-iops="500" reserve-iops="100"' "$t/vm1.xml" >"$t/vm1caps.xml"
rates 200 'limit-iops="300" reserve-iops="50"' "$t/vm2.xml" >"$t/vm2caps.xml"
is "vm1 with caps" "$(hook started "$t/vm1caps.xml")" \
	"set vg0-vms cgroup:$scope 700 --limit-iops 500 --reserve-iops 100
set sdb-band default 700 --limit-iops 500 --reserve-iops 100"
is "vm2 with caps beside it: the sums" "$(DOM=vm2 hook started "$t/vm2caps.xml")" \
	"set sdb-band default 900 --limit-iops 800 --reserve-iops 150"
is "vm2 stops: vm1's" "$(DOM=vm2 hook stopped "" end)" \
	"set sdb-band default 700 --limit-iops 500 --reserve-iops 100"
is "vm2 without caps: no cap for the group, the reservation vm1's" \
	"$(DOM=vm2 hook started "$t/vm2.xml")" "set sdb-band default 900 --limit-iops 0"
is "vm1 stops: vm2 gives none, so what the device had" "$(hook stopped "" end)" \
	"unset vg0-vms cgroup:$scope
set sdb-band default 200 --reserve-iops 0"
is "vm2 stops, the last: nothing more to put back" "$(DOM=vm2 hook stopped "" end)" \
	"set sdb-band default 100"
check "no state left" test -z "$(ls -A "$t/state/none")"

# A device whose default group had caps of its own: back after the last.
echo "0 83886080 band 8:16 0 sdb none weight 0 :100,limit_iops=2000,reserve_bps=1048576 idle=8000" \
	>"$t/tables/sdb-band"
is "the device's own caps: replaced by the guest's, its reservation kept" \
	"$(hook started "$t/vm1caps.xml")" \
	"set vg0-vms cgroup:$scope 700 --limit-iops 500 --reserve-iops 100
set sdb-band default 700 --limit-iops 500 --reserve-iops 100"
is "stopped: its own weight and caps back" "$(hook stopped "" end)" \
	"unset vg0-vms cgroup:$scope
set sdb-band default 100 --limit-iops 2000 --reserve-iops 0"
is "a guest without caps: the device's caps left alone (its weight, from the table line with caps: 100)" \
	"$(DOM=vm2 hook started "$t/vm2.xml")" "set sdb-band default 200"
is "and put back as they were" "$(DOM=vm2 hook stopped "" end)" "set sdb-band default 100"

# The state of a hook before caps ("orig W", "DOMAIN W"), vm2 running.
printf 'orig 100\nvm2 200\n' >"$t/state/none/sdb-band"
echo "none sdb-band" >"$t/state/vm2"
is "after an upgrade: vm1 with caps beside vm2 without" "$(hook started "$t/vm1caps.xml")" \
	"set vg0-vms cgroup:$scope 700 --limit-iops 500 --reserve-iops 100
set sdb-band default 900 --limit-iops 0 --reserve-iops 100"
is "vm1 stops: the device's own caps back, read from its table" "$(hook stopped "" end)" \
	"unset vg0-vms cgroup:$scope
set sdb-band default 200 --limit-iops 2000 --reserve-iops 0"
is "vm2 stops" "$(DOM=vm2 hook stopped "" end)" "set sdb-band default 100"
check "no state left" test -z "$(ls -A "$t/state/none")"
echo "0 83886080 band 8:16 0 sdb none weight 0 :100 idle=8000" >"$t/tables/sdb-band"

echo "0 41943040 linear 254:4 0" >"$t/tables/vg0-vms"
echo "0 83886080 linear 8:16 0" >"$t/tables/sdb-band"
is "disks on no band device: no bandctl call" "$(hook started "$t/vm1.xml")" ""

is "the hook exited 0 every time" "$status" 0
finish
