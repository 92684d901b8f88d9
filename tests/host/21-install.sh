#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make install DESTDIR=...` against Debian's stock 6.1 and 6.12 headers,
# in a copy of the tree: the files it lays out (bandctl's only when
# tools/Makefile exists), that nothing lands outside DESTDIR, that the unit
# passes systemd-analyze verify, and that `make uninstall` leaves no file.
. "$TOP/tests/integration/lib.sh"
top=$TOP
. "$TOP/tests/vm/host-lib.sh"
resolve_stock_kernels

tools=0
[ -e "$TOP/tools/Makefile" ] && tools=1
plan $((10 + 3 * tools + 2))

t=$(mktemp -d)
cleanup_add "rm -rf '$t'"
tar -C "$TOP" --exclude=./.git --exclude=./build --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='*.cmd' -cf - . | tar -C "$t" -xf - --one-top-level=src
d=$t/dest
kv=${kver[6.1]}
files="lib/modules/$kv/updates/dm_band.ko lib/systemd/system/dm-band.service
	etc/libvirt/hooks/qemu.d/dm-band usr/share/doc/dm-band/dm-band.conf.example
	usr/share/doc/dm-band/install.rst usr/sbin/bandctl"
# What of it exists on this host before: install must not change that.
live_before=$(for f in $files; do [ -e "/$f" ] && echo "/$f"; done)

check "make install DESTDIR= KDIR=<stock 6.1 headers> ($kv)" \
	make -C "$t/src" install DESTDIR="$d" KDIR="${kdir[6.1]}"
is "module in lib/modules/$kv/updates, vermagic $kv" \
	"$(modinfo -F vermagic "$d/lib/modules/$kv/updates/dm_band.ko" 2>&1 | cut -d' ' -f1)" "$kv"
is "nothing installed outside DESTDIR, no depmod output in it" \
	"$(for f in $files; do [ -e "/$f" ] && echo "/$f"; done; ls "$d/lib/modules/$kv")" \
	"$live_before${live_before:+
}updates"
is "dm-band.service runs /usr/sbin/bandctl apply after modprobe, oneshot" \
	"$(grep -E '^(Type|RemainAfterExit|ConditionPathExists|ExecStartPre|ExecStart|ExecReload)=' \
		"$d/lib/systemd/system/dm-band.service" | tr '\n' ' ')" \
	"ConditionPathExists=/etc/dm-band.conf Type=oneshot RemainAfterExit=yes ExecStartPre=-/sbin/modprobe dm_band ExecStart=/usr/sbin/bandctl apply ExecReload=/usr/sbin/bandctl apply "
check "libvirt hook in etc/libvirt/hooks/qemu.d/dm-band, executable, as in tools/libvirt" \
	eval "[ -x '$d/etc/libvirt/hooks/qemu.d/dm-band' ] && cmp '$TOP/tools/libvirt/qemu' '$d/etc/libvirt/hooks/qemu.d/dm-band'"
check "example config and documentation in usr/share/doc/dm-band, no etc/dm-band.conf" \
	eval "cmp '$TOP/tools/systemd/dm-band.conf.example' '$d/usr/share/doc/dm-band/dm-band.conf.example' &&
	      cmp '$TOP/Documentation/install.rst' '$d/usr/share/doc/dm-band/install.rst' &&
	      [ ! -e '$d/etc/dm-band.conf' ]"

# systemd-analyze verify checks that ExecStart= exists on this host: point
# a copy of the unit at the staged bandctl, or at a stub without tools/.
bandctl=$d/usr/sbin/bandctl
if [ "$tools" = 0 ]; then
	bandctl=$t/stub/bandctl
	mkdir -p "$t/stub" && printf '#!/bin/sh\n' >"$bandctl" && chmod +x "$bandctl"
fi
mkdir -p "$t/verify"
sed "s|/usr/sbin/bandctl|$bandctl|" "$d/lib/systemd/system/dm-band.service" >"$t/verify/dm-band.service"
if ! command -v systemd-analyze >/dev/null; then
	ok "systemd-analyze verify: not run, systemd-analyze is not installed"
else
	is "systemd-analyze verify dm-band.service: no complaint${tools/0/ (ExecStart on a stub: no tools\/ here)}" \
		"$(systemd-analyze verify --man=no "$t/verify/dm-band.service" 2>&1; echo "rc=$?")" "rc=0"
fi

if [ "$tools" = 1 ]; then
	check "bandctl in usr/sbin, executable" test -x "$d/usr/sbin/bandctl"
	check "bandctl.8 in usr/share/man/man8" eval "ls '$d'/usr/share/man/man8/bandctl.8*"
	check "bash completion in usr/share/bash-completion/completions/bandctl" \
		test -f "$d/usr/share/bash-completion/completions/bandctl"
fi

check "make uninstall DESTDIR=" make -C "$t/src" uninstall DESTDIR="$d" KDIR="${kdir[6.1]}"
is "no file left in DESTDIR after uninstall" "$(find "$d" ! -type d)" ""
check "no file left outside DESTDIR either" \
	eval "[ \"\$(for f in $(echo $files); do [ -e \"/\$f\" ] && echo \"/\$f\"; done)\" = '$live_before' ]"

# 6.12 compresses its modules (CONFIG_MODULE_COMPRESS_ALL): uninstall must
# find the .ko.xz.
kv=${kver[6.12]}
d=$t/dest612
check "make install KDIR=<stock 6.12 headers> ($kv): module in updates" \
	eval "make -C '$t/src' install DESTDIR='$d' KDIR='${kdir[6.12]}' &&
	      ls '$d/lib/modules/$kv/updates/'dm_band.ko*"
check "make uninstall for 6.12 leaves no file" \
	eval "make -C '$t/src' uninstall DESTDIR='$d' KDIR='${kdir[6.12]}' && [ -z \"\$(find '$d' ! -type d)\" ]"
finish
