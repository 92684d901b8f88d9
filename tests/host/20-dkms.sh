#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DKMS: the source tree `make dkms-source` lays out (what dkms-install
# hands to dkms) builds with `dkms build` against Debian's stock 6.1 and
# 6.12 headers, into dm_band.ko with each kernel's vermagic, signed with
# DKMS's key.  dkms_build_module (tests/vm/host-lib.sh, which also builds
# the module the guests' 56-dkms-module loads) has DKMS work in private
# trees (--dkmstree, --sourcetree, a throwaway signing key): the host's
# /usr/src and /var/lib/dkms are not touched, and nothing is installed or
# loaded.
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

for k in 6.1 6.12; do
	kv=${kver[$k]}
	check "make dkms-source, dkms add, dkms build -k $kv (stock $k headers)" \
		dkms_build_module "$k" "$t/$k"
	is "built dm_band.ko has vermagic $kv" \
		"$(modinfo -F vermagic "$t/$k/"dm_band.ko* 2>&1 | cut -d' ' -f1)" "$kv"
	is "it is signed with DKMS's (throwaway) key" \
		"$(modinfo -F signer "$t/$k/"dm_band.ko* 2>&1)" "DKMS module signing key"
done
is "dkms.conf's PACKAGE_VERSION is VERSION ($ver)" \
	"$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$t/6.1/src/dm-band-$ver/dkms.conf")" "$ver"
is "the host's /usr/src and /var/lib/dkms are as they were" "$(live)" "$live_before"
finish
