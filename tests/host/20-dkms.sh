#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DKMS: the source tree `make dkms-source` lays out (what dkms-install
# hands to dkms) builds with `dkms build` against Debian's stock 6.1 and
# 6.12 headers, into dm_band.ko with each kernel's vermagic.  DKMS works in
# private trees (--dkmstree, --sourcetree, a throwaway signing key): the
# host's /usr/src and /var/lib/dkms are not touched, and nothing is
# installed or loaded.
. "$TOP/tests/integration/lib.sh"
top=$TOP
. "$TOP/tests/vm/host-lib.sh"
resolve_stock_kernels
plan 8

t=$(mktemp -d)
cleanup_add "rm -rf '$t'"
ver=$(cat "$TOP/VERSION")
live() { ls -A /usr/src /var/lib/dkms 2>&1; }
live_before=$(live)
# dkms signs what it builds; by default with a key it creates in /var/lib/dkms.
export mok_signing_key=$t/mok.key mok_certificate=$t/mok.pub
trees=(--dkmstree "$t/tree" --sourcetree "$t/src")
mkdir -p "$t/tree"

check "make dkms-source DKMS_SRCTREE=<tmp>" \
	make -C "$TOP" dkms-source DKMS_SRCTREE="$t/src"
is "dkms.conf's PACKAGE_VERSION is VERSION ($ver)" \
	"$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$t/src/dm-band-$ver/dkms.conf")" "$ver"
check "dkms add -m dm-band -v $ver (private trees)" dkms add "${trees[@]}" -m dm-band -v "$ver"
for k in 6.1 6.12; do
	kv=${kver[$k]}
	check "dkms build -k $kv (stock $k headers)" \
		dkms build "${trees[@]}" --kernelsourcedir "${kdir[$k]}" -m dm-band -v "$ver" -k "$kv"
	is "built dm_band.ko has vermagic $kv" \
		"$(modinfo -F vermagic "$t/tree/dm-band/$ver/$kv/x86_64/module/"dm_band.ko* 2>&1 | cut -d' ' -f1)" \
		"$kv"
done
is "the host's /usr/src and /var/lib/dkms are as they were" "$(live)" "$live_before"
finish
