#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkinitramfs.sh OUT KVER MODROOT PAYLOAD
#
# Assemble an uncompressed initramfs (newc cpio) for a test guest from the
# host's Debian packages: busybox-static, kmod, dmsetup, lvm2, fio,
# e2fsprogs, util-linux and bash, with their shared libraries; udev's
# systemd-udevd and udevadm with the device-mapper rules and the project's
# 90-dm-band.rules (started only by 57-udev-rule); the kernel modules the
# tests need, taken from MODROOT/lib/modules/KVER with their dependencies;
# and PAYLOAD, a directory copied over the root (the project's modules,
# tests and the guest runner).  Uncompressed because the guests run under
# TCG, where gunzip costs more than the copy.
set -euo pipefail

out=$1 kver=$2 modroot=$3 payload=$4
top=$(cd "$(dirname "$0")/../.." && pwd)

# Host programs the guests use.  util-linux and e2fsprogs tools by path;
# everything else busybox provides.
progs=(
	/usr/bin/bash /usr/bin/kmod /usr/bin/setpriv
	/usr/sbin/dmsetup /usr/sbin/lvm /usr/sbin/mke2fs /usr/sbin/e2fsck
	/usr/sbin/blkdiscard /usr/sbin/blockdev /usr/sbin/losetup
	/usr/bin/fallocate /usr/bin/lsblk /usr/bin/tmux
)
kmod_links=(modprobe insmod rmmod lsmod depmod modinfo)
lvm_links=(pvcreate pvremove pvs pvscan pvmove vgcreate vgremove vgchange
	   vgs lvcreate lvremove lvchange lvresize lvextend lvrename lvs)
modules=(dm-mod dm-flakey dm-delay null_blk brd loop ext4 configfs
	 crc32c_generic bfq)
# Taken where the kernel has them (the stock ones do, the debug one not):
# LVM snapshots and pvmove for the bandctl tests.
optional_modules=(dm-snapshot dm-mirror dm-log dm-region-hash)

root=$(mktemp -d "${TMPDIR:-/tmp}/dm-band-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64}
mkdir -p "$root"/{dev,proc,sys,tmp,run,mnt,root,etc/lvm,var}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
ln -s ../run/lock "$root/var/lock"
ln -s ../run "$root/var/run"

# Copy a host file to the same place in the guest, resolving the merged-/usr
# symlinks of Debian 12.
copy_file() {
	local src=$1 dst=$1

	case $dst in
	/lib/* | /lib64/* | /bin/* | /sbin/*) dst=/usr$dst ;;
	esac
	[ -e "$root$dst" ] && return 0
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
}

copy_prog() {
	local lib

	copy_file "$1"
	for lib in $(ldd "$1" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
		copy_file "$lib"
	done
}

cp /bin/busybox "$root/usr/bin/busybox"
for p in "${progs[@]}"; do
	copy_prog "$p"
done
# fio: Debian's, or DM_BAND_FIO (a static build for the debug kernel, see
# build-fio.sh).
if [ -n "${DM_BAND_FIO:-}" ]; then
	install -m 755 "$DM_BAND_FIO" "$root/usr/bin/fio"
else
	copy_prog /usr/bin/fio
fi
for l in "${kmod_links[@]}"; do
	ln -s ../bin/kmod "$root/usr/sbin/$l"
done
for l in "${lvm_links[@]}"; do
	ln -s lvm "$root/usr/sbin/$l"
done
ln -s mke2fs "$root/usr/sbin/mkfs.ext4"
ln -s e2fsck "$root/usr/sbin/fsck.ext4"

# udev, for 57-udev-rule, which starts systemd-udevd in its guest (no other
# test does: they run with DM_DISABLE_UDEV=1 and lvm.conf's udev_sync=0).
# Debian 12's systemd-udevd is a link to udevadm, which acts on its name.
# The udev package is in tests/deps.sh; without it the guests still boot
# and that test fails, saying so.
if [ -x /usr/bin/udevadm ]; then
	copy_prog /usr/bin/udevadm
	mkdir -p "$root/usr/lib/systemd"
	ln -s ../../bin/udevadm "$root/usr/lib/systemd/systemd-udevd"
else
	echo "mkinitramfs: no /usr/bin/udevadm (Debian package udev): 57-udev-rule will fail" >&2
fi
# The rules a host has for device-mapper and LVM devices: dmsetup's
# 55-dm.rules (upstream's 10-dm.rules, renamed by Debian; 10-dm.rules where
# a system has it under that name) and 95-dm-notify.rules, which ends
# libdevmapper's udev_sync waits, and lvm2's 56-lvm.rules (upstream's
# 11-dm-lvm.rules: the /dev/VG/LV links, LVM's hidden layers).  Not lvm2's
# 69-lvm.rules: event-driven activation of volume groups has no place in
# the tests.  Then the project's rule, with @SBINDIR@ filled in as `make
# install` and the Debian package fill it in (/usr/sbin, where the payload
# puts bandctl).
mkdir -p "$root/usr/lib/udev/rules.d"
for r in 10-dm 55-dm 56-lvm 95-dm-notify; do
	[ -e "/lib/udev/rules.d/$r.rules" ] || continue
	cp "/lib/udev/rules.d/$r.rules" "$root/usr/lib/udev/rules.d/"
done
sed -e 's|@SBINDIR@|/usr/sbin|g' "$top/tools/udev/90-dm-band.rules" \
	>"$root/usr/lib/udev/rules.d/90-dm-band.rules"

# Kernel modules with their dependencies, then a fresh depmod of the subset.
kmods=$root/lib/modules/$kver
mkdir -p "$kmods"
for m in $(for m in "${optional_modules[@]}"; do
		   modprobe -d "$modroot" -S "$kver" --show-depends "$m" \
			   >/dev/null 2>&1 && echo "$m"
	   done) "${modules[@]}"; do
	modprobe -d "$modroot" -S "$kver" --show-depends "$m" |
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		rel=${path#"$modroot"}
		rel=${rel#/}
		mkdir -p "$root/$(dirname "$rel")"
		cp "$modroot/$rel" "$root/$rel"
	done
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -e "$modroot/lib/modules/$kver/$f" ] && cp "$modroot/lib/modules/$kver/$f" "$kmods/"
done
depmod -b "$root" "$kver"

# LVM inside a guest without udev: libdevmapper makes the nodes itself.
cat > "$root/etc/lvm/lvm.conf" <<'LVM'
devices {
	# null_blk is not among the block device types LVM knows.
	types = [ "nullb", 16 ]
	obtain_device_list_from_udev = 0
	external_device_info_source = "none"
	scan = [ "/dev" ]
}
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
global {
	use_lvmlockd = 0
}
backup {
	backup = 0
	archive = 0
}
LVM
cat > "$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat > "$root/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
GR

# Terminal descriptions for tmux (bandctl top is driven under it).
mkdir -p "$root/usr/share/terminfo"
cp -a /lib/terminfo/. "$root/usr/share/terminfo/"
# tmux refuses to start without a UTF-8 locale.
mkdir -p "$root/usr/lib/locale"
cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"

cp -a "$payload"/. "$root"/
# The payload's own programs (bandctl) need their shared libraries too.
for f in "$payload"/usr/bin/* "$payload"/usr/sbin/*; do
	[ -f "$f" ] && head -c 4 "$f" | grep -q ELF || continue
	for lib in $(ldd "$f" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
		copy_file "$lib"
	done
done

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet) > "$out"
