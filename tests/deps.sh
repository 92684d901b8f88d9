#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages that `make check` and `make demo` need, when
# run as root and they are missing.  One quiet apt-get install.  As another
# user, name what is missing and fail.
#
# Kernel images are never installed: that would add a boot entry, without
# an initramfs, to the machine running the tests.  The guests' kernels are
# downloaded and unpacked into ~/.cache/dm-band/kernels instead
# (tests/vm/fetch-kernel.sh), with the stock 6.12 headers, whose package
# depends on the image.  The stock 6.1 headers are installed
# (linux-headers-amd64).
#
# `deps.sh deb`: only what `make deb` needs (debhelper, dh-dkms, lintian
# and the build dependencies in debian/control), and no kernel download.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev
	cpio xz-utils zstd kmod rsync python3
	sparse linux-source-6.1
	linux-headers-amd64
	qemu-system-x86 busybox-static
	dmsetup lvm2 udev libdevmapper-dev fio e2fsprogs util-linux
	gnuplot-nox tmux ncurses-base libcmocka-dev pkg-config dkms bash-completion
	curl libaio-dev zlib1g-dev pahole
)
# make deb, and tests/host/25-deb.sh in make check.
deb_pkgs=(build-essential debhelper dh-dkms dkms libdevmapper-dev pkg-config libcmocka-dev
	  lintian fakeroot)
if [ "${1:-}" = deb ]; then
	pkgs=("${deb_pkgs[@]}")
else
	pkgs+=("${deb_pkgs[@]}")
fi

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing Debian packages: ${missing[*]}" >&2
		echo "deps: run 'make deps' as root" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Nothing here may bring a kernel image in as a dependency (Debian
	# 12's 6.12 headers would): ask apt first, and refuse.
	images=$(apt-get install -s -qq --no-install-recommends "${missing[@]}" |
		 sed -n 's/^Inst \(linux-image-[^ ]*\).*/\1/p' | sort -u | paste -sd' ')
	if [ -n "$images" ]; then
		echo "deps: installing ${missing[*]} would install $images on this host; not doing it" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}" >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" != deb ] || exit 0

# The guests' kernels (and the 6.12 headers): downloaded, never installed.
"$here/vm/fetch-kernel.sh" --stock >/dev/null

# Earlier versions of this script installed a 6.12 image with INITRD=No:
# say so if one is still there, since the host cannot boot it.
for v in $(dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' 'linux-image-6.12.*+deb12-amd64' 2>/dev/null |
	   sed -n 's/^ii *linux-image-//p'); do
	[ -e "/boot/initrd.img-$v" ] ||
		echo "deps: linux-image-$v is installed without /boot/initrd.img-$v (an older 'make deps' did that); the host cannot boot it: apt-get purge linux-image-$v, or update-initramfs -c -k $v" >&2
done
