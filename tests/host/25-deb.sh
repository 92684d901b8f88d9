#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make deb: the Debian packages dm-band-dkms and bandctl (debian/).  Builds
# them into a private BUILD, checks their versions and contents (the DKMS
# source tree and dkms.conf; bandctl, its man page, completion, units, udev
# rule and libvirt hook, with the paths filled in), and that lintian found
# no error or warning; that apt, by Debian 12's real dependencies
# (simulated from an empty status file), would install no kernel image with
# the build dependencies or the packages.  Then installs, removes and
# purges them with dpkg in
# a throwaway root: a chroot onto an overlay of / whose writable layer is a
# tmpfs of a private mount namespace, with stubs for dkms, systemctl and
# udevadm that record their calls (and a fake kernel in /lib/modules), and
# asserts what the maintainer scripts asked for: dkms add, build and
# install on install, dkms remove on removal, dm-band.service enabled but
# not started.  The host's dpkg database, /boot, /lib/modules, /usr/src,
# /var/lib/dkms and /etc/systemd/system are checked to be as they were.
# Last, the packaged DKMS tree builds against the stock 6.12 headers.
. "$TOP/tests/integration/lib.sh"
top=$TOP
. "$TOP/tests/vm/host-lib.sh"
plan 21

t=$(mktemp -d)
cleanup_add "rm -rf '$t'"
ver=$(cat "$TOP/VERSION")
arch=$(dpkg --print-architecture)
d=$t/build/deb
dkms_deb=$d/dm-band-dkms_${ver}_all.deb
ctl_deb=$d/bandctl_${ver}_$arch.deb

host_state() {
	md5sum /var/lib/dpkg/status
	find /boot /lib/modules /usr/src /var/lib/dkms /etc/systemd/system \
		-printf '%p %s %T@ %l\n' 2>/dev/null | sort
}
host_before=$(host_state)

# ---------------------------------------------------------------- build
s=$(date +%s)
check "make deb BUILD=<tmp> builds the packages" \
	make -C "$TOP" deb BUILD="$t/build"
diag "make deb: $(($(date +%s) - s)) s"
is "dm-band-dkms_${ver}_all.deb and bandctl_${ver}_$arch.deb, version $ver (VERSION)" \
	"$(for p in "$dkms_deb" "$ctl_deb"; do dpkg-deb -f "$p" Package Version Architecture 2>&1; done | paste -sd' ')" \
	"Package: dm-band-dkms Version: $ver Architecture: all Package: bandctl Version: $ver Architecture: $arch"
is "lintian (make deb's run, --fail-on error,warning): no error or warning" \
	"$(grep -E '^[EW]: ' "$d/lintian.log" 2>&1)" ""

# ---------------------------------------------------------------- contents
# files DEB: "mode path" of each file (not directory) in DEB.
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $1, $6 }' | sort; }
src=/usr/src/dm-band-$ver
want_src=$( (cd "$TOP" && ls Kbuild Makefile VERSION dkms.conf ./*.c include/*.h) |
	    sed "s|^\./||; s|^|-rw-r--r-- $src/|"
	    printf -- '-rw-r--r-- /usr/share/doc/dm-band-dkms/%s\n' changelog.gz copyright)
is "dm-band-dkms holds $src: Kbuild, Makefile, VERSION, dkms.conf, the .c and include/*.h; and its doc" \
	"$(files "$dkms_deb")" "$(sort <<<"$want_src")"
mkdir -p "$t/x/dkms" "$t/x/ctl"
dpkg-deb -x "$dkms_deb" "$t/x/dkms"
dpkg-deb -x "$ctl_deb" "$t/x/ctl"
is "its dkms.conf is the tree's, with PACKAGE_VERSION=\"$ver\"" \
	"$(diff <(sed "s/#MODULE_VERSION#/$ver/" "$TOP/dkms.conf") "$t/x/dkms$src/dkms.conf" 2>&1; grep '^PACKAGE_VERSION=' "$t/x/dkms$src/dkms.conf")" \
	"PACKAGE_VERSION=\"$ver\""
is "dm-band-dkms: Depends on dkms, no maintainer script but dh_dkms's postinst and prerm" \
	"$(dpkg-deb -f "$dkms_deb" Depends; dpkg-deb --ctrl-tarfile "$dkms_deb" | tar -t | sed -n 's,^\./\(.*inst\|.*rm\)$,\1,p' | sort | paste -sd' ')" \
	"dkms (>= 2.1.0.0)
postinst prerm"
want_ctl="-rwxr-xr-x /usr/sbin/bandctl
-rw-r--r-- /usr/share/man/man8/bandctl.8.gz
-rw-r--r-- /usr/share/bash-completion/completions/bandctl
-rw-r--r-- /lib/systemd/system/dm-band.service
-rw-r--r-- /lib/systemd/system/dm-band-watch.service
-rw-r--r-- /lib/udev/rules.d/90-dm-band.rules
-rwxr-xr-x /etc/libvirt/hooks/qemu.d/dm-band
-rw-r--r-- /usr/share/doc/bandctl/copyright
-rw-r--r-- /usr/share/doc/bandctl/install.rst
-rw-r--r-- /usr/share/doc/bandctl/examples/dm-band.conf.example"
is "bandctl holds the tool, man page, completion, both units, the udev rule, the hook, the docs" \
	"$(files "$ctl_deb" | grep -Fxf <(cat <<<"$want_ctl") | sort)" "$(sort <<<"$want_ctl")"
is "the installed files are tools/'s, with @SBINDIR@ and @DOCDIR@ filled in" \
	"$(cd "$t/x/ctl" && for f in tools/systemd/dm-band.service:lib/systemd/system/dm-band.service \
			tools/systemd/dm-band-watch.service:lib/systemd/system/dm-band-watch.service \
			tools/udev/90-dm-band.rules:lib/udev/rules.d/90-dm-band.rules \
			tools/libvirt/qemu:etc/libvirt/hooks/qemu.d/dm-band \
			tools/bandctl/bandctl.bash-completion:usr/share/bash-completion/completions/bandctl; do
		sed -e 's|@SBINDIR@|/usr/sbin|g' -e 's|@DOCDIR@|/usr/share/doc/bandctl|g' "$TOP/${f%%:*}" |
			cmp - "${f#*:}" 2>&1
	done
	grep -l '@[A-Z]*DIR@' -r . 2>&1)" ""
is "dm-band.service: ExecStart=/usr/sbin/bandctl apply; its Documentation file is in the package" \
	"$(sed -n 's/^ExecStart=//p' "$t/x/ctl/lib/systemd/system/dm-band.service")
$(for u in $(sed -n 's/^Documentation=.*file:\([^ ]*\).*/\1/p' "$t/x/ctl/lib/systemd/system/dm-band.service"); do
	ls "$t/x/ctl$u" >/dev/null && echo present; done)" \
	"/usr/sbin/bandctl apply
present"
is "bandctl: Depends on libdevmapper, the hook is a conffile" \
	"$(dpkg-deb -f "$ctl_deb" Depends | grep -o 'libdevmapper[^ ,]*'; dpkg-deb --ctrl-tarfile "$ctl_deb" | tar -xO ./conffiles)" \
	"libdevmapper1.02.1
/etc/libvirt/hooks/qemu.d/dm-band"

# ---------------------------------------------------------------- apt
# What apt would install on a system without any package (an empty status
# file), by Debian 12's real dependencies: simulated, nothing is changed.
: >"$t/status"
sim() {
	apt-get install -s -qq -o Dir::State::Status="$t/status" "$@" 2>&1 |
		sed -n 's/^Inst \([^ ]*\).*/\1/p; /^E:/p'
}
eval "$(sed -n '/^deb_pkgs=(/,/)/p' "$TOP/tests/deps.sh")"
sim --no-install-recommends "${deb_pkgs[@]}" >"$t/sim-deps"
is "make deb's build dependencies (deps.sh deb, no Recommends) bring no linux-image-* in" \
	"$(grep -cxE 'debhelper|dh-dkms|lintian' "$t/sim-deps"; grep -E '^linux-image|^E:' "$t/sim-deps")" "3"
is "apt install ./bandctl*.deb ./dm-band-dkms*.deb (Recommends too): dkms and the 6.1 headers, no image" \
	"$(sim "$ctl_deb" "$dkms_deb" | grep -xE 'bandctl|dm-band-dkms|dkms|linux-headers-amd64|linux-image.*|E:.*' | sort)" \
	"bandctl
dkms
dm-band-dkms
linux-headers-amd64"

# ---------------------------------------------------------------- install
# In a private mount namespace: / overlaid (writes go to a tmpfs), chrooted
# into, with stubs.  The host's files are never written.
fake_kver=9.9.9-fake-amd64
cat >"$t/ns.sh" <<'EOF'
set -u
r=$T/root res=$T/res
mkdir -p "$T/ovl" "$r" "$res"
mount -t tmpfs tmpfs "$T/ovl" || exit 1
mkdir "$T/ovl/upper" "$T/ovl/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/ovl/upper,workdir=$T/ovl/work" "$r" || exit 1
mount -t proc proc "$r/proc" || exit 1
for m in tmp run usr/lib/modules; do mkdir -p "$r/$m" && mount -t tmpfs tmpfs "$r/$m" || exit 1; done
for n in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
	IFS=: read -r name maj min <<<"$n"
	rm -f "$r/dev/$name"
	mknod -m 666 "$r/dev/$name" c "$maj" "$min"
done
# A kernel with headers, as common.postinst looks for them; systemd running.
mkdir -p "$r/lib/modules/$KV/build/include" "$r/run/systemd/system"
# The chroot's own policy, not the host's (a container's policy-rc.d says 101).
rm -f "$r/usr/sbin/policy-rc.d"
# dkms: records each call; add makes the source link common.postinst wants;
# status says built/installed as the calls made it.
cat >"$r/usr/sbin/dkms" <<'STUB'
#!/bin/sh
echo "dkms $*" >>/tmp/calls
cmd=$1; shift
m= v= k=
while [ $# -gt 0 ]; do
	case $1 in -m) m=$2; shift ;; -v) v=$2; shift ;; -k) k=$2; shift ;; esac
	shift
done
st=/var/lib/dkms/$m/$v
case $cmd in
add)	[ -f "/usr/src/$m-$v/dkms.conf" ] && echo "dkms.conf present at add" >>/tmp/calls
	mkdir -p "$st" && ln -sfn "/usr/src/$m-$v" "$st/source" ;;
build)	touch "$st/built-$k" ;;
install) touch "$st/installed-$k" ;;
remove)	rm -rf "/var/lib/dkms/$m/$v" ;;
status)	[ -d "$st" ] || exit 0
	for f in "$st"/built-*; do
		[ -e "$f" ] || { echo "$m/$v: added"; exit 0; }
		kk=${f##*/built-}
		[ -z "$k" ] || [ "$k" = "$kk" ] || continue
		if [ -e "$st/installed-$kk" ]; then s=installed; else s=built; fi
		echo "$m/$v, $kk, x86_64: $s"
	done ;;
esac
exit 0
STUB
# systemctl: records each call; a unit is enabled when a .wants link names it.
cat >"$r/usr/bin/systemctl" <<'STUB'
#!/bin/sh
echo "systemctl $*" >>/tmp/calls
for a; do u=$a; done
case " $* " in
*" --version "*) echo "systemd 252 (252.0)" ;;
*" is-enabled "*) if ls /etc/systemd/system/*.wants/"$u" >/dev/null 2>&1; then echo enabled; else echo disabled; exit 1; fi ;;
*" is-active "*) exit 3 ;;
esac
exit 0
STUB
printf '#!/bin/sh\necho "udevadm $*" >>/tmp/calls\nexit 0\n' >"$r/usr/bin/udevadm"
chmod 755 "$r/usr/sbin/dkms" "$r/usr/bin/systemctl" "$r/usr/bin/udevadm"
cp "$DKMS_DEB" "$CTL_DEB" "$r/tmp/"
step() {	# step NAME CMD...: run CMD in the chroot; output, status and calls to $res.
	local name=$1; shift
	: >"$r/tmp/calls"
	chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@" \
		>"$res/$name.out" 2>&1
	echo $? >"$res/$name.rc"
	cp "$r/tmp/calls" "$res/$name.calls"
	(cd "$r" && ls -d usr/src/dm-band-* usr/sbin/bandctl etc/libvirt/hooks/qemu.d/dm-band \
		etc/systemd/system/*.wants/dm-band* 2>/dev/null) >"$res/$name.files"
}
step install dpkg -i "/tmp/${DKMS_DEB##*/}" "/tmp/${CTL_DEB##*/}"
step remove dpkg -r dm-band-dkms bandctl
step purge dpkg -P dm-band-dkms bandctl
EOF
ns=()
[ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null && ns=(unshare -m --propagation private)
if [ ${#ns[@]} -gt 0 ]; then
	T=$t KV=$fake_kver DKMS_DEB=$dkms_deb CTL_DEB=$ctl_deb "${ns[@]}" bash "$t/ns.sh" >"$t/ns.out" 2>&1
	sed 's/^/#   /' "$t/ns.out"
fi
res=$t/res
# dkms calls, without the status queries.
dkms_calls() { grep -v '^dkms status' "$res/$1.calls" 2>/dev/null | grep '^dkms'; }
if [ ! -e "$res/install.rc" ]; then
	for _ in 1 2 3 4 5 6; do
		ok "# SKIP the throwaway root needs root and mount namespaces"
	done
else
	check "dpkg -i dm-band-dkms bandctl in the throwaway root" \
		eval "cat '$res/install.out'; [ \"\$(cat '$res/install.rc')\" = 0 ]"
	is "on install, dkms add, build and install for the kernel with headers ($fake_kver)" \
		"$(dkms_calls install)" \
		"dkms add -m dm-band -v $ver
dkms.conf present at add
dkms build -m dm-band -v $ver -k $fake_kver
dkms install -m dm-band -v $ver -k $fake_kver"
	# deb-systemd-helper enables a unit with systemctl preset.
	is "on install, dm-band.service enabled (preset) and not started; dm-band-watch.service neither; no udevadm" \
		"$(grep -E "^udevadm|^systemctl .*[ -](enable|start|restart|reload|try-restart|reload-or-restart) " "$res/install.calls"
		   sed -n 's/^systemctl .* preset /preset /p' "$res/install.calls")" \
		"preset dm-band.service"
	check "dpkg -r dm-band-dkms bandctl" \
		eval "cat '$res/remove.out'; [ \"\$(cat '$res/remove.rc')\" = 0 ]"
	is "on removal, dkms remove --all; the sources and bandctl gone, the hook (a conffile) kept" \
		"$(dkms_calls remove; cat "$res/remove.files")" \
		"dkms remove -m dm-band -v $ver --all
etc/libvirt/hooks/qemu.d/dm-band"
	is "dpkg -P: nothing of either package left (hook, unit link), no dkms call" \
		"$(cat "$res/purge.rc" "$res/purge.files"; dkms_calls purge)" "0"
fi
is "the host's dpkg database, /boot, /lib/modules, /usr/src, /var/lib/dkms and /etc/systemd/system are as they were" \
	"$(host_state)" "$host_before"

# ---------------------------------------------------------------- module
# The packaged source tree, as DKMS builds it: against the stock 6.12
# headers (downloaded into ~/.cache/dm-band by make check's deps).
if resolve_stock_kernels >/dev/null 2>&1 && [ -d "${kdir[6.12]}" ]; then
	cp -r "$t/x/dkms$src" "$t/mod"
	check "the packaged tree builds: make -C <stock 6.12 headers> M=<tree> modules" \
		make -C "${kdir[6.12]}" M="$t/mod" modules
	is "dm_band.ko has vermagic ${kver[6.12]}" \
		"$(modinfo -F vermagic "$t/mod/dm_band.ko" 2>&1 | cut -d' ' -f1)" "${kver[6.12]}"
else
	ok "# SKIP no stock 6.12 headers"
	ok "# SKIP no stock 6.12 headers"
fi
finish
