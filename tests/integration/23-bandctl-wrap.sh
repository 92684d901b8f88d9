#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace: the kernel paths it drives, messages,
# table loads and suspend/resume under I/O, run on the debug kernel in 08,
# 19 and 20; bandctl starts take seconds each there)
# bandctl wrap and unwrap a mounted ext4 LV while fio writes to it with
# verify: the LV becomes a band device over VG-LV-orig and back, with its
# table restored exactly, no fio verify error and e2fsck clean.  What is
# unsafe to wrap is refused with exit status 8.  Then bandctl apply: twice
# changes nothing the second time, and --dry-run prints nothing after.
. "$TESTS/lib.sh"
plan 43

majmin() { dmsetup info -c --noheadings -o major,minor --separator : "$1"; }

band_load
brd_create 160
check "pvcreate" pvcreate -q /dev/ram0
cleanup_add "pvremove -q /dev/ram0"
check "vgcreate" vgcreate -q bcvg /dev/ram0
cleanup_add "vgremove -q -f bcvg"
cleanup_add "bandctl unwrap bcvg/data; bandctl remove bcapp"
check "lvcreate data and other" sh -c \
	"lvcreate -q -y -L 96M -n data bcvg && lvcreate -q -y -L 16M -n other bcvg"
orig_table=$(dmsetup table bcvg-data)
check "mkfs.ext4 on the LV" mkfs.ext4 -q -F /dev/bcvg/data
mkdir -p /mnt/bc
check "mount it" mount -t ext4 /dev/bcvg/data /mnt/bc
cleanup_add "umount /mnt/bc"

# fio writes a file with checksums (about 4 s at the rate), then reads it
# back; the LV is wrapped after 1 s and unwrapped after 2.
rate=$((8 / SCALE))
[ "$rate" -ge 1 ] || rate=1
fio_verify /mnt/bc/f "$(mib 32)" --rate="${rate}m" >/tmp/fio.out 2>&1 &
fio_pid=$!
sleep 1
status_is "wrap the mounted LV while fio writes" 0 \
	bandctl wrap bcvg/data --type uid --idle 200000
is "the LV is a band device over bcvg-data-orig, band group ram0" \
	"$(dmsetup table bcvg-data | cut -d' ' -f3-7)" \
	"band $(majmin bcvg-data-orig) 0 ram0 uid"
is "bcvg-data-orig has the LV's table" "$(dmsetup table bcvg-data-orig)" "$orig_table"
check "still mounted and writable" sh -c "echo x > /mnt/bc/x && sync"
status_is "show by VG/LV" 0 bandctl show bcvg/data
status_is "list shows the LV over its -orig" 0 \
	sh -c "bandctl list | grep -q '^bcvg-data .* /dev/mapper/bcvg-data-orig\$'"
is "list -o name,lv: the wrapped LV as VG/LV" \
	"$(bandctl list --noheadings -o name,lv | grep bcvg | tr -s ' ')" "bcvg-data bcvg/data"
status_is "set uid:root while fio writes" 0 bandctl set bcvg-data uid:root 300
status_is "wrap again: exit 8" 8 bandctl wrap bcvg/data
status_is "remove of a wrapped LV: exit 8" 8 bandctl remove bcvg-data
sleep 1
check "fio's writes were counted for uid 0" \
	test "$(grp_field bcvg-data 0 5)" -gt 0
status_is "unwrap while fio writes" 0 bandctl unwrap bcvg/data
is "the LV's own table is back, exactly" "$(dmsetup table bcvg-data)" "$orig_table"
check_fails "bcvg-data-orig is gone" dmsetup info bcvg-data-orig
wait "$fio_pid"
rc=$?
sed 's/^/# /' /tmp/fio.out | tail -n 3
is "fio wrote and verified everything, without error" "$rc" 0
check "umount" umount /mnt/bc
check "e2fsck -fn finds nothing" e2fsck -fn /dev/bcvg/data

# What is not safe to wrap.
status_is "wrap of a missing LV: exit 4" 4 bandctl wrap bcvg/nosuch
status_is "unwrap of an LV that is not wrapped: exit 5" 5 bandctl unwrap bcvg/other
dm_create hold0 "0 64 linear /dev/bcvg/other 0"
status_is "wrap of an LV under another device: exit 8" 8 bandctl wrap bcvg/other
dmsetup remove hold0
dm_create bcfl "0 64 flakey /dev/bcvg/other 0 1 0"
status_is "wrap of a device that is not linear or striped: exit 8" 8 bandctl wrap bcfl
dm_create bcx-real "0 64 linear /dev/bcvg/other 64"
status_is "wrap of a snapshot's -real device: exit 8" 8 bandctl wrap bcx-real
dmsetup remove bcx-real
dmsetup remove bcfl
is "the refusals left the LV alone" "$(dmsetup table bcvg-other | cut -d' ' -f3)" linear

# bandctl apply.
cat >/tmp/bc.conf <<'CONF'
# bandctl apply test
wrap bcvg/data type=uid band-group=bcg idle=200000
weight bcvg/data uid:root 300     # by VG/LV
weight bcvg-data default 50       # by dm name
create bcapp /dev/bcvg/other type=gid band-group=bcg idle=200000
weight bcapp gid:root 20
CONF
status_is "apply --dry-run" 0 bandctl apply --dry-run /tmp/bc.conf
cp /tmp/bc.out /tmp/bc.dry
is "--dry-run prints the five changes" "$(wc -l </tmp/bc.dry)" 5
is "--dry-run changes nothing" "$(dmsetup table bcvg-data)" "$orig_table"
status_is "apply" 0 bandctl apply /tmp/bc.conf
is "apply prints what --dry-run printed" "$(cat /tmp/bc.out)" "$(cat /tmp/bc.dry)"
is "bcvg-data wrapped and weighted" "$(dmsetup table bcvg-data | cut -d' ' -f3,5-)" \
	"band 0 bcg uid weight 0 :50 0:300 idle=200000"
is "bcapp created and weighted" "$(dmsetup table bcapp | cut -d' ' -f3,5-)" \
	"band 0 bcg gid weight 0 :100 0:20 idle=200000"
tables=$(dmsetup table)
status_is "apply again" 0 bandctl apply /tmp/bc.conf
is "apply again prints nothing" "$(cat /tmp/bc.out)" ""
is "apply again changes nothing" "$(dmsetup table)" "$tables"
status_is "apply --dry-run after" 0 bandctl apply --dry-run /tmp/bc.conf
is "--dry-run after prints nothing" "$(cat /tmp/bc.out)" ""
sed -i 's/uid:root 300/uid:root 400/' /tmp/bc.conf
status_is "apply --dry-run after an edit" 0 bandctl apply -n /tmp/bc.conf
is "it prints the one change" "$(cat /tmp/bc.out)" "bcvg-data: weight uid:root 400 (was 300)"
echo "frob" >>/tmp/bc.conf
status_is "a bad line: exit 2" 2 bandctl apply /tmp/bc.conf
finish
