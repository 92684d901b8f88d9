#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The libvirt hook (tools/libvirt/qemu) against a fake host: a fake bandctl
# and dmsetup on PATH that record their arguments, and sysfs, /proc, the
# libvirt pid file and the cgroup tree in a temporary directory.  The guest
# (tests/host/data/libvirt-vm1.xml) has two image files on a filesystem on
# vg0-vms, a cgroup band device, and a block disk on an LV stacked on
# sdb-band, a band device of type none.  Asserts the exact bandctl calls.
. "$TOP/tests/integration/lib.sh"
plan 11

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
		"$hook" vm1 "$1" "${3:-begin}" - <"${2:-/dev/null}" 2>>"$t/hook.err" ||
		status=1
	cat "$t/bandctl.log"
}

is "metadata weight wins over blkiotune: cgroup job on vg0-vms, default on sdb-band below the data LV" \
	"$(hook started "$t/vm1.xml")" \
	"set vg0-vms cgroup:$scope 700
set sdb-band default 700"
is "stopped: the cgroup job is unset by path while the scope exists" \
	"$(hook stopped "" end)" "unset vg0-vms cgroup:$scope"
is "release after stopped: nothing left to undo" "$(hook release "" end)" ""

grep -v 'dm-band.org' "$t/vm1.xml" >"$t/blkio.xml"
is "blkiotune weight, not a <device> weight or another namespace's band element" \
	"$(hook started "$t/blkio.xml")" \
	"set vg0-vms cgroup:$scope 300
set sdb-band default 300"
id=$(stat -c %i "$t/cgroup$scope")
rm -rf "$t/cgroup$scope"
is "stopped after the scope is gone: unset by cgroup id" \
	"$(hook stopped "" end)" "unset vg0-vms cgroup:$id"

sed '/<blkiotune>/,/<\/blkiotune>/d' "$t/blkio.xml" >"$t/noweight.xml"
is "no weight in the XML: no bandctl call" "$(hook started "$t/noweight.xml")" ""

sed 's/weight="700"/weight="0"/' "$t/vm1.xml" >"$t/badweight.xml"
is "weight 0: no bandctl call" "$(hook started "$t/badweight.xml")" ""
check "weight 0: the reason is logged" grep -q "weight '0' is not a number" "$t/hook.err"

mv "$t/run/vm1.pid" "$t/run/vm1.pid.away"
is "no QEMU pid file: only the type none device is set" \
	"$(hook started "$t/vm1.xml")" "set sdb-band default 700"
mv "$t/run/vm1.pid.away" "$t/run/vm1.pid"

echo "0 41943040 linear 254:4 0" >"$t/tables/vg0-vms"
echo "0 83886080 linear 8:16 0" >"$t/tables/sdb-band"
is "disks on no band device: no bandctl call" "$(hook started "$t/vm1.xml")" ""

is "the hook exited 0 every time" "$status" 0
finish
