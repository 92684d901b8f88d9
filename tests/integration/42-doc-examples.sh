#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl and LVM commands; shares measured over seconds)
# The examples of the documentation, run as they are written:
#  - README.md, "Using it": both code blocks, line for line (sudo is a
#    stub that runs its arguments: the guest is root), and what the text
#    around them claims: alice and bob get the LV 3:1 and top shows TARGET%
#    75.0 and 25.0; show and top need root; a buffered write is not
#    alice's; a weight line removed from the file is unset by apply;
#  - bandctl.8, CONFIGURATION: the example file, applied;
#  - Documentation/install.rst: the KVM lines (the wrap, in the file and by
#    hand, and the hook's two `bandctl set` commands) and the Xen lines.
# tests/host/24-doc-examples.sh checks that every command and file line of
# those examples is here verbatim, or named there as run by a host test
# (make install, systemctl, virsh, the domain XML): edit both together.
#
# The guest's setup stands in for a host's: vg0 (data, mounted, and vms)
# on a bandwidth-limited null_blk, vg1 (dom1, dom2, sdb) on a RAM disk, the
# users alice (1001) and bob (1002), and dm_band.ko where modprobe finds it.
. "$TESTS/lib.sh"
plan 47

# ------------------------------------------------------------ setup
# A band device's table, from its type on, without the idle= the kernel adds.
tbl() { dmsetup table "$1" | cut -d' ' -f3,"$2" | sed 's/ idle=[0-9]*$//'; }
stub=/tmp/doc-bin
mkdir -p "$stub"
printf '#!/bin/sh\nexec "$@"\n' >"$stub/sudo"
chmod 755 "$stub/sudo"
PATH=$stub:$PATH
cleanup_add "rm -rf $stub"

cp /etc/passwd /tmp/passwd.saved
cp /etc/group /tmp/group.saved
cleanup_add "cp /tmp/passwd.saved /etc/passwd; cp /tmp/group.saved /etc/group"
echo 'alice:x:1001:1001:alice:/tmp:/bin/sh' >>/etc/passwd
echo 'bob:x:1002:1002:bob:/tmp:/bin/sh' >>/etc/passwd
printf 'alice:x:1001:\nbob:x:1002:\n' >>/etc/group

# `modprobe dm_band` as on a host where make install put the module.
kv=$(uname -r)
if ! modprobe -n dm_band 2>/dev/null; then
	mkdir -p "/lib/modules/$kv/updates"
	cp "$MODULE" "/lib/modules/$kv/updates/" && depmod "$kv"
	cleanup_add "rm -f /lib/modules/$kv/updates/dm_band.ko; depmod $kv"
fi
grep -q '^dm_band ' /proc/modules && rmmod dm_band 2>/dev/null
modprobe dm-mod

nullb_mem_slow nbdoc 512 10000000
pv0=$NULLB_DEV
modprobe brd rd_nr=1 rd_size=$((256 * 1024)) max_part=0
cleanup_add "rmmod brd"
check "vg0 (data, vms) and vg1 (dom1, dom2, sdb)" sh -c "
	pvcreate -q $pv0 /dev/ram0 && vgcreate -q vg0 $pv0 && vgcreate -q vg1 /dev/ram0 &&
	lvcreate -q -y -L 192M -n data vg0 && lvcreate -q -y -L 64M -n vms vg0 &&
	lvcreate -q -y -L 32M -n dom1 vg1 && lvcreate -q -y -L 32M -n dom2 vg1 &&
	lvcreate -q -y -L 32M -n sdb vg1"
cleanup_add "vgremove -q -f vg0; vgremove -q -f vg1; pvremove -q -ff -y $pv0 /dev/ram0"
cleanup_add "for d in dom1-disk dom2-disk sdb-band; do dmsetup remove --retry \$d; done"
cleanup_add "for v in vg0/data vg0/vms; do bandctl unwrap \$v; done"
check "mkfs.ext4 on vg0/data" mkfs.ext4 -q -F /dev/vg0/data
mkdir -p /mnt/data
check "mount vg0/data" mount -t ext4 /dev/vg0/data /mnt/data
cleanup_add "umount /mnt/data"
for u in alice bob; do
	dd if=/dev/zero of=/mnt/data/$u.dat bs=1M count=48 2>/dev/null
	chown $u:$u /mnt/data/$u.dat
done
sync

# ------------------------------------------------------------ README.md
# The first block of "Using it", from its second line (`make && sudo make
# install` is tests/host/21-install.sh's).
check "README: sudo modprobe dm_band" sudo modprobe dm_band
check "README: sudo bandctl wrap vg0/data --type uid (mounted)" \
	sudo bandctl wrap vg0/data --type uid
check "README: sudo bandctl set vg0-data uid:alice 300" \
	sudo bandctl set vg0-data uid:alice 300
check "README: sudo bandctl set vg0-data uid:bob 100" \
	sudo bandctl set vg0-data uid:bob 100
is "the LV is a band device with alice 300, bob 100, default 100" \
	"$(tbl vg0-data 7-)" "band uid weight 0 :100 1001:300 1002:100"
# A TCG guest's threads can sleep for tens of ms: the guest's idle time
# (GUEST_IDLE_US), as every shares test here sets it.
dmsetup message vg0-data 0 idle "$GUEST_IDLE_US"

reader() {
	setpriv --reuid="$1" --regid="$1" --clear-groups fio --name="$2" \
		--filename="/mnt/data/$2.dat" --direct=1 --rw=randread --bs=4k \
		--ioengine=libaio --iodepth=8 --thread --time_based --runtime=60 \
		--output=/dev/null >/dev/null 2>&1 &
}
reader 1001 alice
pa=$!
reader 1002 bob
pb=$!
cleanup_add "kill $pa $pb; wait"
sleep 2
sudo bandctl top vg0-data >/tmp/doc-top.out 2>&1 </dev/null &
top=$!
sleep 4
kill -TERM "$top"
wait "$top"
is "README: sudo bandctl top vg0-data (ended by SIGTERM: no q without a terminal)" "$?" 0
last=$(awk '/^bandctl top:/ {s = ""} {s = s $0 "\n"} END {printf "%s", s}' /tmp/doc-top.out)
sed 's/^/# /' <<<"$last"
# TARGET% 75.0 and 25.0 while no one else does I/O; the file system's
# journal (the default group) is active now and then.
is "top: alice's and bob's rows, targets 3:1 (75.0 and 25.0 when they alone are busy)" \
	"$(awk '$1 == "1001" {a = $2 " " $3; ta = $4} $1 == "1002" {b = $2 " " $3; tb = $4}
		$1 == "default" {d = $4}
		END {printf "%s %s %s", a, b, (tb > 0 && ta / tb > 2.9 && ta / tb < 3.1 &&
			(d != "-" || (ta == "75.0" && tb == "25.0"))) ? "3:1" : ta ":" tb}' <<<"$last")" \
	"alice 300 bob 100 3:1"
counts=$(measure_shares vg0-data 3 0 8 1001 1002)
diag "read bios alice, bob: $counts"
shares_within "README: alice and bob share the LV 3:1" 20 "$counts" "300 100"
kill "$pa" "$pb" 2>/dev/null
wait "$pa" "$pb" 2>/dev/null

status_is "show needs root: exit 7 as alice" 7 \
	setpriv --reuid=1001 --regid=1001 --clear-groups bandctl show vg0-data
status_is "top needs root: exit 7 as alice" 7 \
	setpriv --reuid=1001 --regid=1001 --clear-groups bandctl top vg0-data --iterations 1
w0=$(grp_field vg0-data 1001 5)
setpriv --reuid=1001 --regid=1001 --clear-groups \
	dd if=/dev/zero of=/mnt/data/alice.dat bs=1M count=8 conv=notrunc 2>/dev/null
sync
is "a buffered write of alice's is not alice's: written back by the kernel" \
	"$(grp_field vg0-data 1001 5)" "$w0"

# The second block: the same in /etc/dm-band.conf, from scratch.
check "unwrap vg0/data for the file to wrap it" bandctl unwrap vg0/data
cleanup_add "rm -f /etc/dm-band.conf"
{
sudo tee /etc/dm-band.conf <<EOF
wrap vg0/data type=uid
weight vg0-data uid:alice 300
weight vg0-data uid:bob 100
EOF
} >/dev/null
check "README: sudo bandctl apply" sudo bandctl apply
is "wrapped and weighted as by hand" \
	"$(tbl vg0-data 7-)" "band uid weight 0 :100 1001:300 1002:100"
status_is "README: applied again: no change" 0 sudo bandctl apply
is "nothing printed" "$(cat /tmp/bc.out)" ""
sed -i '/uid:bob/d' /etc/dm-band.conf
status_is "README: bob's line removed, apply" 0 sudo bandctl apply
is "it says bob is unset" "$(cat /tmp/bc.out)" \
	"vg0-data: unset uid:bob (was 100; not in /etc/dm-band.conf)"
is "bob is detached" "$(tbl vg0-data 10-)" "band :100 1001:300"
# `sudo systemctl enable dm-band`: no systemd here (21-install verifies the unit).

# ------------------------------------------------------------ bandctl.8
check "unwrap vg0/data (the man page puts it in band group sda)" bandctl unwrap vg0/data
cat >/tmp/man.conf <<'EOF'
# Two users sharing vg0/data 3:1 when both are busy (everyone else: the
# default group, weight 100).
wrap vg0/data type=uid band-group=sda
weight vg0-data uid:alice 300
weight vg0-data uid:bob 100
# Two Xen guest disks, 1:3.
create dom1-disk /dev/vg1/dom1 band-group=sdb
create dom2-disk /dev/vg1/dom2 band-group=sdb
weight dom1-disk default 100
weight dom2-disk default 300
EOF
status_is "bandctl.8: the CONFIGURATION example applies" 0 bandctl apply /tmp/man.conf
is "vg0-data: uid, band group sda, alice 300, bob 100" \
	"$(tbl vg0-data 6-)" \
	"band sda uid weight 0 :100 1001:300 1002:100"
is "dom1-disk and dom2-disk: band group sdb, type none, 100 and 300" \
	"$(dmsetup table dom1-disk | cut -d' ' -f6-10); $(dmsetup table dom2-disk | cut -d' ' -f6-10)" \
	"sdb none weight 0 :100; sdb none weight 0 :300"
is "show --band-group sdb lists both disks" \
	"$(bandctl show --band-group sdb | awk '$2 == "default" {print $1, $4}' | tr '\n' ' ')" \
	"dom1-disk 100 dom2-disk 300 "
check "bandctl.8: bandctl show --band-group sdb -o device,job,weight,share --sort -share" \
	sh -c "bandctl show --band-group sdb -o device,job,weight,share --sort -share | grep -q '^DEVICE  *JOB  *WEIGHT  *SHARE%\$'"
is "bandctl.8: bandctl show dom2-disk -o job,weight --noheadings --separator :" \
	"$(bandctl show dom2-disk -o job,weight --noheadings --separator :)" "default:300"
is "bandctl.8: bandctl show vg0-data -S 'weight>=300 || job=~^bob' -o job,weight" \
	"$(bandctl show vg0-data -S 'weight>=300 || job=~^bob' -o job,weight |
		grep -c '^alice  *300$\|^bob  *100$') $(bandctl show vg0-data -S 'weight>=300 || job=~^bob' -o job,weight | grep -c default)" "2 0"
is "bandctl.8: bandctl list -S 'lv=~^vg0/' -o name,lv" \
	"$(bandctl list -S 'lv=~^vg0/' -o name,lv | awk 'NR > 1 {print $1, $2}')" "vg0-data vg0/data"
is "bandctl.8: bandctl top vg0-data -o job,weight -S 'weight>100' --iterations 2 --noheadings --separator :" \
	"$(bandctl top vg0-data -o job,weight -S 'weight>100' --iterations 2 --noheadings --separator : | tr '\n' ' ')" \
	"alice:300  alice:300 "

# ------------------------------------------------------------ install.rst
# KVM with libvirt: by hand, then in the file.
check "install.rst: bandctl wrap vg0/vms --type cgroup" bandctl wrap vg0/vms --type cgroup
is "vg0-vms: type cgroup" "$(dmsetup table vg0-vms | cut -d' ' -f7)" cgroup
check "unwrap it for the file's band group" bandctl unwrap vg0/vms
cat >/tmp/kvm.conf <<'EOF'
wrap vg0/vms type=cgroup band-group=sda
EOF
status_is "install.rst: wrap vg0/vms type=cgroup band-group=sda" 0 bandctl apply /tmp/kvm.conf
is "vg0-vms: band group sda, type cgroup" "$(dmsetup table vg0-vms | cut -d' ' -f6,7)" "sda cgroup"
scope='/sys/fs/cgroup/machine.slice/machine-qemu\x2d1\x2dvm1.scope'
mkdir -p "$scope"
cleanup_add "rmdir '$scope' /sys/fs/cgroup/machine.slice"
status_is "install.rst: the hook's set for a cgroup device" 0 \
	bandctl set vg0-vms 'cgroup:/machine.slice/machine-qemu\x2d1\x2dvm1.scope' 400
is "the scope's inode has weight 400" \
	"$(grp_field vg0-vms "$(stat -c %i "$scope")" 1)" 400
check "a type none device sdb-band" bandctl create sdb-band /dev/vg1/sdb
status_is "install.rst: the hook's set for a none device" 0 bandctl set sdb-band default 400
is "sdb-band's default group has weight 400" "$(grp_field sdb-band default 1)" 400

# Xen: the file (as the man page's, with type=none spelled out).
cat >/tmp/xen.conf <<'EOF'
create dom1-disk /dev/vg1/dom1 type=none band-group=sdb
create dom2-disk /dev/vg1/dom2 type=none band-group=sdb
weight dom1-disk default 100
weight dom2-disk default 300
EOF
status_is "install.rst: the Xen file applies" 0 bandctl apply /tmp/xen.conf
is "nothing to change after the man page's" "$(cat /tmp/bc.out)" ""
status_is "install.rst: bandctl set dom2-disk default 600" 0 bandctl set dom2-disk default 600
is "dom2-disk's default group has weight 600" "$(grp_field dom2-disk default 1)" 600
finish
