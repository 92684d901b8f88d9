#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/deps.sh never installs a kernel image on the host: an installed
# linux-image-* adds a boot entry (the old deps.sh's without an initramfs)
# and can become the default, and the next reboot fails.  deps.sh runs
# against a fake apt-get, apt-cache and dpkg-query first on PATH (and, as
# root, bound over the real apt and dpkg programs in a private mount
# namespace) that log their calls, pretend every package is missing, and
# build tiny .debs for `apt-get download`; the fake apt-get installs like
# apt, dependencies included (Debian 12's 6.12 headers depend on their
# image).  Asserts what deps.sh installs and downloads, the cache it fills,
# and that the host's packages, /boot and the image list did not change.
. "$TOP/tests/integration/lib.sh"
plan 12

t=$(mktemp -d)
cleanup_add "rm -rf '$t'"
mkdir -p "$t/bin" "$t/home"
export T=$t
k61=6.1.0-99-amd64
k612=6.12.999+deb12-amd64

# Installed packages in the fake world: $T/installed.  What `apt-get
# install` (not -s) installed: $T/installs.log.  Every call: $T/apt.log.
cat >"$t/bin/apt-get" <<'EOF'
#!/bin/bash
# Fake apt-get: never runs the real one.
echo "$*" >>"$T/apt.log"
args=() sim=
for a; do
	case $a in -s | --simulate | --dry-run) sim=1 ;; -o) ;; -*) ;; *) args+=("$a") ;; esac
done
# -o takes a value: drop it.
set -- "${args[@]}"
while [ "${1:-}" ] && [[ $1 == APT::* || $1 == Dir* ]]; do shift; done
cmd=${1:-}
shift || true
# deps PKG: what apt would install with PKG, as Debian 12 has it.
deps() {
	case $1 in
	linux-headers-amd64)
		echo "linux-headers-$K61"
		# As if linux-headers-amd64 came to depend on its image.
		[ -z "${FAKE_PULLS_IMAGE:-}" ] || echo "linux-image-$K61" ;;
	linux-headers-6.12.*-amd64)
		echo "linux-image-${1#linux-headers-}" ;;
	esac
}
case $cmd in
update) exit 0 ;;
install)
	for p; do
		[[ $p == APT::* ]] && continue
		for q in "$p" $(deps "$p"); do
			if [ -n "$sim" ]; then
				echo "Inst $q (9.9-fake Debian:12/fake [amd64])"
			else
				echo "$q" >>"$T/installs.log"
				echo "$q" >>"$T/installed"
			fi
		done
	done
	exit 0 ;;
download)
	for p; do
		[[ $p == APT::* ]] && continue
		"$T/bin/mkdeb" "${p%%=*}" || { echo "E: Unable to locate package $p" >&2; exit 100; }
	done
	exit 0 ;;
esac
echo "fake apt-get: not expected: $*" >&2
exit 100
EOF

# mkdeb PKG: a tiny .deb of PKG in the current directory, laid out like
# Debian's (image: boot/vmlinuz, lib/modules; headers: a Makefile that
# includes the -common tree by absolute path).
cat >"$t/bin/mkdeb" <<'EOF'
#!/bin/bash
set -e
p=$1 d=$T/debs/$1 dep=
rm -rf "$d"
case $p in
linux-image-*)
	v=${p#linux-image-}
	v=${v%-unsigned}
	mkdir -p "$d/boot" "$d/lib/modules/$v"
	echo "fake kernel $v" >"$d/boot/vmlinuz-$v"
	: >"$d/lib/modules/$v/modules.order"
	: >"$d/lib/modules/$v/modules.builtin"
	dep="kmod, initramfs-tools | linux-initramfs-tool" ;;
linux-headers-*-common | linux-kbuild-*)
	mkdir -p "$d/usr/src/$p"
	echo "# $p" >"$d/usr/src/$p/Makefile" ;;
linux-headers-6.*)
	v=${p#linux-headers-}
	mkdir -p "$d/usr/src/$p"
	echo "include /usr/src/linux-headers-${v%-amd64}-common/Makefile" >"$d/usr/src/$p/Makefile"
	dep="linux-headers-${v%-amd64}-common (= 9.9-fake), linux-kbuild-${v%-amd64}, linux-image-$v (= 9.9-fake) | linux-image-$v-unsigned (= 9.9-fake), gcc-12" ;;
*)
	exit 1 ;;
esac
mkdir -p "$d/DEBIAN"
printf 'Package: %s\nVersion: 9.9-fake\nArchitecture: amd64\nMaintainer: dm-band test <test@invalid>\nDescription: fake\n' "$p" >"$d/DEBIAN/control"
[ -z "$dep" ] || echo "Depends: $dep" >>"$d/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -b "$d" "${p}_9.9-fake_amd64.deb" >/dev/null
EOF

cat >"$t/bin/apt-cache" <<'EOF'
#!/bin/bash
echo "cache $*" >>"$T/apt.log"
if [ "$1" = search ] && [[ $* == *linux-headers-6* ]]; then
	echo "linux-headers-6.12.98+deb12-amd64 - Header files for Linux 6.12.98+deb12-amd64"
	echo "linux-headers-$K612 - Header files for Linux $K612"
fi
exit 0
EOF

# dpkg-query -W [-f FMT] PATTERN...: from $T/installed.
cat >"$t/bin/dpkg-query" <<'EOF'
#!/bin/bash
fmt='${Package}\t${Version}\n' pats=() rc=0
while [ $# -gt 0 ]; do
	case $1 in
	-W | --show) ;;
	-f | --showformat) fmt=$2; shift ;;
	-f* ) fmt=${1#-f}; fmt=${fmt#=} ;;
	--showformat=*) fmt=${1#*=} ;;
	-*) echo "fake dpkg-query: not expected: $*" >&2; exit 2 ;;
	*) pats+=("$1") ;;
	esac
	shift
done
for pat in "${pats[@]}"; do
	found=
	for p in $(sort -u "$T/installed" 2>/dev/null); do
		# shellcheck disable=SC2053
		[[ $p == $pat ]] || continue
		found=1
		dep=
		[ "$p" = linux-headers-amd64 ] && dep="linux-headers-$K61 (= 9.9-fake)"
		o=${fmt//'${Package}'/$p}
		o=${o//'${Version}'/9.9-fake}
		o=${o//'${Status}'/install ok installed}
		o=${o//'${db:Status-Abbrev}'/ii }
		o=${o//'${Depends}'/$dep}
		printf '%b' "$o"
	done
	[ -n "$found" ] || { echo "dpkg-query: no packages found matching $pat" >&2; rc=1; }
done
exit $rc
EOF

# The rest of apt and dpkg: refuse, and say so in the log.
for p in apt dpkg aptitude apt-mark; do
	printf '#!/bin/sh\necho "REFUSED %s $*" >>"$T/apt.log"\nexit 100\n' "$p" >"$t/bin/$p"
done
# The root path of deps.sh, whoever runs the test.
cat >"$t/bin/id" <<'EOF'
#!/bin/sh
[ "$1" = -u ] && { echo 0; exit 0; }
exec /usr/bin/id "$@"
EOF
chmod +x "$t"/bin/*

# run_deps [VAR=VALUE...]: deps.sh in the fake world, status and output in
# $T/rc and $T/out.  As root, in a private mount namespace with the fakes
# bound over the real programs too: a call by absolute path (or through
# sudo) finds them as well.  Otherwise PATH alone.
ns=() bind=''
if [ "$(/usr/bin/id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	ns=(unshare -m)
	bind='for p in apt-get apt-cache dpkg-query apt dpkg aptitude apt-mark; do
		if [ -e /usr/bin/$p ]; then mount --bind "$T/bin/$p" /usr/bin/$p || exit 1; fi
	done;'
else
	diag "not root or no mount namespace: the fakes are first on PATH only"
fi
run_deps() {
	env PATH="$t/bin:$PATH" HOME="$t/home" DM_BAND_CACHE="$t/cache" \
	    K61=$k61 K612=$k612 "$@" "${ns[@]}" /bin/bash -c "$bind"' exec bash "$0"' \
	    "$TOP/tests/deps.sh" >"$t/out" 2>&1
	echo $? >"$t/rc"
}

snapshot() {
	md5sum /var/lib/dpkg/status
	dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' 'linux-image*' 2>/dev/null | grep -v '^un'
	find /boot -printf '%p %s %T@ %l\n' 2>/dev/null | sort
}
host_before=$(snapshot)

run_deps
check "deps.sh, every package missing (fake apt, as root), exits 0" \
	eval "cat '$t/out'; [ \"\$(cat '$t/rc')\" = 0 ]"
is "apt-get install put no linux-image-* on the host (dependencies included)" \
	"$(grep '^linux-image' "$t/installs.log")" ""
check "apt-get install installed linux-headers-amd64 (the stock 6.1 headers)" \
	grep -qx linux-headers-amd64 "$t/installs.log"
is "the kernel images came from apt-get download: stock 6.1 and the newest 6.12" \
	"$(sed -n 's/^download .*\(linux-image-[^ =]*\).*/\1/p' "$t/apt.log" | LC_ALL=C sort -u | paste -sd' ')" \
	"linux-image-$k61 linux-image-$k612"
cached() {
	local v
	for v in $k61 $k612; do
		ls -d "$t/cache/kernels/$v/boot/vmlinuz-$v" "$t/cache/kernels/$v/lib/modules/$v/modules.dep" \
		      "$t/cache/kernels/$v/.complete" || return 1
	done
}
check "cache: kernels/<kver>/boot/vmlinuz-<kver>, lib/modules/<kver>/modules.dep, .complete, for both" \
	cached
is "nothing half-unpacked left in the cache" \
	"$(find "$t/cache/kernels" -maxdepth 1 -name '.fetch-*' 2>/dev/null)" ""
check "6.12 headers unpacked in the cache; their Makefile includes the cached -common tree" \
	grep -qx "include $t/cache/kernels/$k612/usr/src/linux-headers-${k612%-amd64}-common/Makefile" \
		"$t/cache/kernels/$k612/usr/src/linux-headers-$k612/Makefile"

# Again: everything is there now.
rm -f "$t/apt.log" "$t/installs.log"
run_deps
is "a second run installs and downloads nothing" \
	"$(cat "$t/rc"; cat "$t/installs.log" 2>/dev/null; grep -E '^(install|download)' "$t/apt.log" 2>/dev/null)" "0"

# A package list whose dependencies would bring an image in: refused.
rm -rf "$t/cache" "$t/installed" "$t/apt.log" "$t/installs.log"
run_deps FAKE_PULLS_IMAGE=1
is "when apt would pull a linux-image-* in as a dependency, deps.sh fails and installs nothing" \
	"$([ "$(cat "$t/rc")" != 0 ] && echo failed; cat "$t/installs.log" 2>/dev/null)" "failed"

host_after=$(snapshot)
is "the host's dpkg database, installed images and /boot are as they were (the real apt never ran)" \
	"$host_after" "$host_before"
is "dpkg -l 'linux-image*': no image installed without its initramfs (the old deps.sh's)" \
	"$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'linux-image-[0-9]*' 2>/dev/null |
	   sed -n 's/^ii  *linux-image-//p' | while read -r v; do
		v=${v%-unsigned}
		[ -e "/boot/initrd.img-$v" ] || echo "$v"
	   done)" ""
is "no call of the real apt or dpkg was refused by the fakes" "$(grep '^REFUSED' "$t/apt.log")" ""
finish
