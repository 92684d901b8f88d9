#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-fio.sh CACHE: print the path of a static fio built from Debian's own
# fio source (the version Debian 12 ships), building it into CACHE once.
#
# Why: Debian's fio binary links 63 shared libraries (ceph, gluster, rdma,
# ICU, ...).  On the debug kernel (KASAN, lockdep, kmemleak under TCG) every
# fio start spends about 13 seconds loading them, which made fio starts the
# larger part of the debug guest's run.  This fio has the same code and the
# engines the tests use (libaio, psync, io_uring) and no shared libraries.
# The debug guest uses it; the stock guests use Debian's binary.
set -euo pipefail

cache=$1
ver=3.33
sha=d2410e13e0f379d061d077cc5ae325835bb7c6186aa7bafc1df954cbc9b014fc
url=http://deb.debian.org/debian/pool/main/f/fio/fio_$ver.orig.tar.gz
key=$( (echo "$ver $sha"; cat "$0") | sha256sum | cut -c1-12)
dir=$cache/fio-$ver-$key

if [ -x "$dir/fio" ]; then
	echo "$dir/fio"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dm-band-fio.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
curl -fsS --retry 3 -m 300 -o "$tmp/fio.tar.gz" "$url" >&2
echo "$sha  $tmp/fio.tar.gz" | sha256sum -c --quiet >&2
tar -xzf "$tmp/fio.tar.gz" -C "$tmp"
cd "$tmp/fio-$ver"
# --build-static needs libaio.a (libaio-dev) and libz.a (zlib1g-dev).
./configure --build-static --disable-native \
	--disable-numa --disable-rdma --disable-rados --disable-rbd \
	--disable-http --disable-gfapi --disable-pmem --disable-xnvme \
	--disable-tcmalloc --disable-dfs --disable-libnfs --disable-libzbc \
	--disable-lex >&2
make -j"$(nproc)" fio >&2
! readelf -d fio | grep -q NEEDED
mkdir -p "$dir"
install -m 755 fio "$dir/fio"
echo "$dir/fio"
