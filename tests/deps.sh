#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages that `make check` and `make demo` need, when
# run as root and they are missing.  One quiet apt-get install.  As another
# user, name what is missing and fail.
#
# The stock 6.12 kernel is the newest linux-image-6.12.*+deb12-amd64 that has
# matching headers; an installed pair is kept, so a run never upgrades one
# behind your back.
set -euo pipefail

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev
	cpio xz-utils zstd kmod rsync python3
	sparse linux-source-6.1
	linux-image-amd64 linux-headers-amd64
	qemu-system-x86 busybox-static
	dmsetup lvm2 libdevmapper-dev fio e2fsprogs util-linux
	gnuplot-nox tmux ncurses-base libcmocka-dev pkg-config dkms
	curl libaio-dev zlib1g-dev
)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# Newest 6.12 kernel whose image and headers are both installed.
installed_612() {
	local v
	for v in $(dpkg-query -W -f='${Package}\n' 'linux-headers-6.12.*+deb12-amd64' 2>/dev/null |
		   sed -n 's/^linux-headers-\(6\.12\..*+deb12-amd64\)$/\1/p' | sort -rV); do
		if installed "linux-headers-$v" && installed "linux-image-$v"; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
need_612=
installed_612 >/dev/null || need_612=1

if [ ${#missing[@]} -eq 0 ] && [ -z "$need_612" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]} ${need_612:+linux-image/headers-6.12.*+deb12-amd64}" >&2
	echo "deps: run 'make deps' as root" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$need_612" ]; then
	v=$(apt-cache search --names-only '^linux-headers-6\.12\..*\+deb12-amd64$' |
	    sed -n 's/^linux-headers-\(6\.12\.[^ ]*+deb12-amd64\) .*/\1/p' | sort -V | tail -n 1)
	if [ -z "$v" ]; then
		echo "deps: no linux-headers-6.12.*+deb12-amd64 in the archive (is bookworm-security enabled?)" >&2
		exit 1
	fi
	missing+=("linux-image-$v" "linux-headers-$v")
fi
echo "deps: installing ${missing[*]}" >&2
# The guests boot the kernels directly: the host needs no initramfs for them.
INITRD=No apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
