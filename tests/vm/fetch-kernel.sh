#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-kernel.sh KVER...
# fetch-kernel.sh --stock
#
# Put Debian's kernel for each KVER (e.g. 6.1.0-57-amd64,
# 6.12.117+deb12-amd64) into the cache for the test guests, without
# installing anything: `apt-get download` into a temporary directory, then
# `dpkg-deb -x` into CACHE/kernels/KVER (CACHE is DM_BAND_CACHE, default
# ~/.cache/dm-band).  A guest boots CACHE/kernels/KVER/boot/vmlinuz-KVER
# and takes its modules from CACHE/kernels/KVER/lib/modules/KVER.  When
# /usr/src/linux-headers-KVER is not installed, the headers (with their
# -common and linux-kbuild packages) are unpacked there too, in
# CACHE/kernels/KVER/usr/src/linux-headers-KVER: Debian 12's 6.12 headers
# package depends on its image package, so apt cannot install them alone.
#
# The host's package database, /boot and boot loader are never touched: an
# installed image package adds a boot entry (here without an initramfs) to
# the machine that runs the tests.
#
# The image downloaded is the version of the headers it goes with (the
# module is built against them) when the archive still has it, else the
# archive's.  The signed package carries the kernel and its modules; the
# -unsigned one is the fallback.  The directory appears whole or not at all
# (unpacked beside it, then renamed); its .complete names the packages.  A
# cached version is not fetched again.  Works as any user.
#
# --stock: the two stock kernels the tests boot, fetched if missing, printed
# as "6.1 KVER" and "6.12 KVER".  Stock 6.1 is what the installed
# linux-headers-amd64 depends on.  Stock 6.12 is the newest one already
# cached or whose headers are installed, so a run never upgrades it behind
# your back (remove CACHE/kernels/6.12.* for a newer one); else the newest
# linux-headers-6.12.*+deb12-amd64 in the archive (bookworm-security).
set -euo pipefail

cache=${DM_BAND_CACHE:-$HOME/.cache/dm-band}/kernels
mkdir -p "$cache"

if [ "${1:-}" = --stock ]; then
	k61=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	      sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p' || true)
	k612=$({ for d in "$cache"/6.12.*+deb12-amd64/.complete; do
			if [ -e "$d" ]; then basename "$(dirname "$d")"; fi
		 done
		 for v in $(dpkg-query -W -f='${Package}\n' 'linux-headers-6.12.*+deb12-amd64' 2>/dev/null |
			    sed -n 's/^linux-headers-//p'); do
			if [ -d "/usr/src/linux-headers-$v" ]; then echo "$v"; fi
		 done; } | sort -rV | head -n 1)
	if [ -z "$k612" ]; then
		k612=$(apt-cache search --names-only '^linux-headers-6\.12\..*\+deb12-amd64$' 2>/dev/null |
		       sed -n 's/^linux-headers-\(6\.12\.[^ ]*+deb12-amd64\) .*/\1/p' | sort -V | tail -n 1 || true)
	fi
	rc=0
	[ -n "$k61" ] || { echo "fetch-kernel: linux-headers-amd64 is not installed (make deps)" >&2; rc=1; }
	[ -n "$k612" ] || { echo "fetch-kernel: no linux-headers-6.12.*+deb12-amd64 in the archive (is bookworm-security enabled?)" >&2; rc=1; }
	for v in $k61 $k612; do
		"$0" "$v" || rc=1
	done
	printf '6.1 %s\n6.12 %s\n' "$k61" "$k612"
	exit $rc
fi

tmp=
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes to the current directory.  As root, apt would
# drop to _apt, who cannot write there: stay root, quietly.
apt_opts=(-qq)
[ "$(id -u)" != 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
updated=

# download NAME PKG...: the first of PKG (name or name=version) that
# apt-get download gets, into $tmp/NAME; prints the .deb's path.
download() {
	local d=$tmp/$1 p f
	shift
	mkdir -p "$d"
	for p; do
		(cd "$d" && apt-get download "${apt_opts[@]}" "$p") >/dev/null 2>>"$tmp/apt.err" || continue
		for f in "$d"/*.deb; do
			[ -f "$f" ] && { echo "$f"; return 0; }
		done
	done
	# Stale package lists name files the archive no longer has.
	if [ -z "$updated" ] && [ "$(id -u)" = 0 ]; then
		updated=1
		apt-get update -qq >/dev/null 2>>"$tmp/apt.err" || true
		download "${d##*/}" "$@"
		return
	fi
	echo "fetch-kernel: could not download $* (apt-get download):" >&2
	sed 's/^/  /' "$tmp/apt.err" >&2
	return 1
}

fetch() {
	local v=$1 dst=$cache/$1 root pv='' debs=() deb dep name ver
	# Complete, and with headers (cached, or installed since).
	if [ -e "$dst/.complete" ] && { [ -d "$dst/usr/src/linux-headers-$v" ] ||
					[ -d "/usr/src/linux-headers-$v" ]; }; then
		return 0
	fi
	tmp=$(mktemp -d "$cache/.fetch-$v.XXXXXX")
	root=$tmp/root
	: >"$tmp/apt.err"
	if [ -d "/usr/src/linux-headers-$v" ]; then
		pv=$(dpkg-query -W -f='${Version}' "linux-headers-$v" 2>/dev/null || true)
	else
		# The headers, and what they include: the -common tree and
		# linux-kbuild (never the image they also depend on).
		deb=$(download headers "linux-headers-$v")
		debs+=("$deb")
		pv=$(dpkg-deb -f "$deb" Version)
		for dep in $(dpkg-deb -f "$deb" Depends | tr -d ' ' | tr ',' '\n' | cut -d'|' -f1); do
			name=${dep%%(*}
			case $name in linux-headers-*-common | linux-kbuild-*) ;; *) continue ;; esac
			ver=$(sed -n 's/.*(=\(.*\))$/\1/p' <<<"$dep")
			deb=$(download "$name" "$name${ver:+=$ver}" "$name")
			debs+=("$deb")
		done
	fi
	echo "fetch-kernel: linux-image-$v${pv:+ $pv} into $dst (downloaded, not installed)" >&2
	deb=$(download image "linux-image-$v${pv:+=$pv}" "linux-image-$v-unsigned${pv:+=$pv}" \
		"linux-image-$v" "linux-image-$v-unsigned")
	debs+=("$deb")
	mkdir "$root"
	for deb in "${debs[@]}"; do
		dpkg-deb -x "$deb" "$root"
		dpkg-deb -f "$deb" Package Version >>"$tmp/complete"
	done
	# Debian 12's packages put modules in /lib/modules; a merged-/usr
	# package would use /usr/lib/modules: modprobe -d and the guest
	# builder read ROOT/lib/modules either way.
	if [ ! -d "$root/lib/modules/$v" ] && [ -d "$root/usr/lib/modules/$v" ]; then
		ln -s usr/lib "$root/lib"
	fi
	if [ ! -f "$root/boot/vmlinuz-$v" ] || [ ! -d "$root/lib/modules/$v" ]; then
		echo "fetch-kernel: linux-image-$v has no boot/vmlinuz-$v or lib/modules/$v" >&2
		return 1
	fi
	# The headers' Makefile includes the -common tree by absolute path.
	if [ -f "$root/usr/src/linux-headers-$v/Makefile" ]; then
		sed -i "s|^include /usr/src/|include $dst/usr/src/|" "$root/usr/src/linux-headers-$v/Makefile"
	fi
	# The image package leaves modules.dep to its postinst.
	depmod -b "$root" "$v"
	mv "$tmp/complete" "$root/.complete"
	rm -rf "$dst"
	mv -T "$root" "$dst"
	rm -rf "$tmp"
	tmp=
}

for v; do
	[ -n "$v" ] || continue
	# One fetch per version at a time (check.sh and the host tests may
	# ask together).
	exec 9>"$cache/.lock-$v"
	flock 9
	fetch "$v"
	exec 9>&-
done
