#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace)
# bandctl wrap and unwrap, made safe on a real LVM host:
#  - every subcommand takes VG/LV, /dev/VG/LV, /dev/mapper/NAME and the dm
#    name alike, and remove refuses a wrapped LV by any of them;
#  - a read-only LV stays read-only, with its read-ahead, wrapped and back;
#  - a signal at each step of the critical section (suspend, create, load,
#    resume) rolls the wrap back, one after it leaves the wrap done; a
#    failure at each step rolls it back; the LV is never left suspended and
#    a writer on its file system never blocks;
#  - the -orig layer has LVM's uuid form for a layer, so that pvs (with
#    scan_lvs=0, the default) does not see a guest's PV inside a wrapped LV.
. "$TESTS/lib.sh"
plan 85

band_load
brd_create 192
check "pvcreate" pvcreate -q /dev/ram0
cleanup_add "pvremove -q -ff -y /dev/ram0"
check "vgcreate" vgcreate -q bsvg /dev/ram0
cleanup_add "vgremove -q -f bsvg"
cleanup_add "for d in data ro vm; do bandctl unwrap bsvg/\$d; dmsetup resume bsvg-\$d; dmsetup remove bsvg-\$d-orig; done"
check "lvcreate data, ro and vm" sh -c "lvcreate -q -y -L 64M -n data bsvg &&
	lvcreate -q -y -L 16M -n ro bsvg && lvcreate -q -y -L 16M -n vm bsvg"
orig_table=$(dmsetup table bsvg-data)

# ------------------------------------------------------------ names
check "wrap by /dev/mapper name" bandctl wrap /dev/mapper/bsvg-data --type uid
for n in bsvg/data bsvg-data /dev/bsvg/data /dev/mapper/bsvg-data; do
	status_is "remove $n (wrapped): exit 8" 8 bandctl remove "$n"
done
for n in bsvg/data /dev/bsvg/data; do
	status_is "show $n" 0 bandctl show "$n"
	status_is "set $n uid:root 200" 0 bandctl set "$n" uid:root 200
	status_is "unset $n uid:root" 0 bandctl unset "$n" uid:root
	status_is "reset $n" 0 bandctl reset "$n"
	status_is "top $n" 0 bandctl top "$n" --iterations 1
done
status_is "show of a missing LV: exit 4" 4 bandctl show bsvg/nosuch
status_is "show of a missing path: exit 4" 4 bandctl show /dev/nosuch
status_is "unwrap by /dev/VG/LV" 0 bandctl unwrap /dev/bsvg/data
is "the LV's table is back" "$(dmsetup table bsvg-data)" "$orig_table"

# ------------------------------------------------------------ read-only
check "lvchange -pr -r 512 bsvg/ro" lvchange -q -pr -r 512 bsvg/ro
ra=$(blockdev --getra /dev/mapper/bsvg-ro)
is "the LV is read-only, read-ahead 512" "$(blockdev --getro /dev/mapper/bsvg-ro) $ra" "1 512"
status_is "wrap the read-only LV" 0 bandctl wrap bsvg/ro
is "wrapped: the band device is read-only, read-ahead kept" \
	"$(blockdev --getro /dev/mapper/bsvg-ro) $(blockdev --getra /dev/mapper/bsvg-ro)" "1 $ra"
is "its -orig is read-only too" "$(blockdev --getro /dev/mapper/bsvg-ro-orig)" 1
check_fails "a write to the wrapped LV fails" \
	dd if=/dev/zero of=/dev/mapper/bsvg-ro bs=4k count=1 oflag=direct
status_is "unwrap it" 0 bandctl unwrap bsvg/ro
is "unwrapped: still read-only, same read-ahead" \
	"$(blockdev --getro /dev/mapper/bsvg-ro) $(blockdev --getra /dev/mapper/bsvg-ro)" "1 $ra"

# ------------------------------------------------------------ signals
check "mkfs.ext4" mkfs.ext4 -q -F /dev/bsvg/data
mkdir -p /mnt/bs
check "mount" mount -t ext4 /dev/bsvg/data /mnt/bs
cleanup_add "umount /mnt/bs"
# A writer that must never block for long.
(while :; do
	dd if=/dev/zero of=/mnt/bs/w bs=64k count=8 conv=fsync 2>/dev/null
done) &
writer=$!
cleanup_add "kill $writer"

# state: suspended or not, the LV's target, whether -orig exists.
state() {
	local s o=-
	s=$(dmsetup info -c --noheadings -o suspended bsvg-data)
	dm_exists bsvg-data-orig && o=orig
	echo "$s $(dmsetup table bsvg-data | cut -d' ' -f3) $o"
}
# stopped_at STEP SIG CMD...: run CMD with BANDCTL_TEST_STOP=STEP, send SIG
# while it is stopped there, let it go on; prints its exit status and the
# state it was seen in (T: stopped).  Job control on, so that the background
# command does not start with SIGINT ignored.
stopped_at() {
	local step=$1 sig=$2 pid i st
	shift 2
	set -m
	BANDCTL_TEST_STOP=$step "$@" >/tmp/bs.out 2>&1 &
	pid=$!
	for i in $(seq 200); do
		st=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)
		[ "$st" = T ] && break
		sleep 0.05
	done
	kill "-$sig" "$pid"
	kill -CONT "$pid"
	wait "$pid"
	echo "$? $st"
}
writes_go_on() { timeout 20 sh -c 'echo x >/mnt/bs/probe && sync'; }

for step in suspend create load resume; do
	for sig in TERM INT; do
		r=$(stopped_at "$step" "$sig" bandctl wrap bsvg/data)
		want=143
		[ "$sig" = INT ] && want=130
		is "wrap, SIG$sig before $step: exit $want, rolled back, LV active" \
			"$r $(state)" "$want T Active linear -"
		diag "$(cat /tmp/bs.out)"
	done
	is "the LV's table is exactly its own" "$(dmsetup table bsvg-data)" "$orig_table"
	check "writes go on" writes_go_on
done
r=$(stopped_at done TERM bandctl wrap bsvg/data)
is "wrap, SIGTERM after resume: the wrap is done" "$r $(state)" "143 T Active band orig"

for step in suspend load resume; do
	r=$(stopped_at "$step" TERM bandctl unwrap bsvg/data)
	is "unwrap, SIGTERM before $step: still wrapped, LV active" \
		"$r $(state)" "143 T Active band orig"
	check "writes go on" writes_go_on
done
r=$(stopped_at remove TERM bandctl unwrap bsvg/data)
is "unwrap, SIGTERM before the removal of -orig: unwrapped, -orig gone" \
	"$r $(state)" "143 T Active linear -"
is "the LV's table is back" "$(dmsetup table bsvg-data)" "$orig_table"

for step in suspend create load resume; do
	BANDCTL_TEST_FAIL=$step status_is "wrap, $step fails: exit 1" 1 \
		bandctl wrap bsvg/data
	is "rolled back, LV active" "$(state)" "Active linear -"
done
grep -q "rolled back" /tmp/bc.err
is "it says it rolled back" "$?" 0
check "wrap" bandctl wrap bsvg/data
for step in suspend load resume; do
	BANDCTL_TEST_FAIL=$step status_is "unwrap, $step fails: exit 1" 1 \
		bandctl unwrap bsvg/data
	is "still wrapped, LV active" "$(state)" "Active band orig"
done
check "writes go on" writes_go_on
kill "$writer"
wait "$writer" 2>/dev/null
check "unwrap" bandctl unwrap bsvg/data
check "umount" umount /mnt/bs
check "e2fsck -fn finds nothing" e2fsck -fn /dev/bsvg/data

# ------------------------------------------------------------ LVM scanning
# A VM disk LV with the guest's own PV and VG in it.
scan1='devices { scan_lvs = 1 }'
check "a guest PV and VG inside bsvg/vm" sh -c \
	"pvcreate -q --config '$scan1' /dev/bsvg/vm && vgcreate -q --config '$scan1' gvg /dev/bsvg/vm"
check_fails "pvs does not see it (scan_lvs=0)" sh -c "pvs 2>/dev/null | grep -q gvg"
status_is "wrap bsvg/vm" 0 bandctl wrap bsvg/vm
uuid=$(dmsetup info -c --noheadings -o uuid bsvg-vm)
is "-orig has LVM's uuid form for a layer" \
	"$(dmsetup info -c --noheadings -o uuid bsvg-vm-orig)" "$uuid-orig"
is "its name splits into VG, LV and layer orig (56-lvm.rules hides it)" \
	"$(dmsetup splitname --noheadings -o vg_name,lv_name,lv_layer bsvg-vm-orig)" \
	"bsvg:vm:orig"
pvs >/tmp/pvs.out 2>&1
check_fails "pvs does not see the guest's PV under the wrap" \
	grep -q -e gvg -e bsvg-vm /tmp/pvs.out
sed 's/^/# /' /tmp/pvs.out
lvm pvscan --cache >/dev/null 2>&1
check_fails "nor does vgs gvg after pvscan --cache" vgs gvg
check "unwrap bsvg/vm" bandctl unwrap bsvg/vm
finish
