#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (the kernels whose headers the dm-band-dkms package builds for)
# The module DKMS builds works, not only the one kbuild builds: the host
# builds dm_band.ko for this kernel as the dm-band-dkms package has it
# built (make dkms-source, dkms add, dkms build: dkms_build_module in
# tests/vm/host-lib.sh) and ships it in /dm-band/dkms.  Here it replaces
# the kbuild module: its vermagic is the running kernel's and DKMS signed
# it; it loads and registers the band target; over brd, data written
# through a band device reads back intact and is on brd at the same place,
# the table round-trips, the status counts exactly the sectors moved, and
# fio verifies.  Then the kbuild module is loaded again for the tests that
# follow.  No DKMS-built module (its build failed) is a failure.
. "$TESTS/lib.sh"
plan 24

ko=$(ls /dm-band/dkms/dm_band.ko* 2>/dev/null | head -n 1)
if [ -z "$ko" ]; then
	not_ok "the DKMS-built dm_band.ko is in the guest"
	if [ -e /dm-band/dkms/build-failed.log ]; then
		sed 's/^/#   /' /dm-band/dkms/build-failed.log
	else
		diag "  and no build-failed.log: the host did not try to build it"
	fi
	finish
fi
ok "the DKMS-built dm_band.ko is in the guest ($ko)"
is "its vermagic is the running kernel's" \
	"$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" "$(uname -r)"
# (the kbuild module is not signed: this is DKMS's, not a copy of it)
is "DKMS signed it" "$(modinfo -F signer "$ko")" "DKMS module signing key"

# Swap the modules; put the kbuild one back whatever happens below (this
# cleanup runs after those of the devices made after it).
check "the kbuild module is loaded (band_load)" band_load
check "rmmod dm_band (the kbuild module): nothing uses it" rmmod dm_band
check_fails "/sys/module/dm_band is gone" test -e /sys/module/dm_band
swapped=1
cleanup_add 'if [ -n "$swapped" ]; then rmmod dm_band; band_load; fi'
check "insmod the DKMS-built module" insmod "$ko"
check "/sys/module/dm_band exists" test -d /sys/module/dm_band
check "dmsetup targets lists band" sh -c 'dmsetup targets | grep -q "^band "'

brd_create 64
n=$(sectors /dev/ram0)
majmin=$(cat /sys/block/ram0/dev)
check "create a band device over brd" dm_create dk0 "0 $n band /dev/ram0 0 dk none weight 0"
t=$(dmsetup table dk0)
is "the table has the device, band group, type and policy" \
	"$(echo "$t" | cut -d' ' -f1-9)" "0 $n band $majmin 0 dk none weight 0"
check "reload it with the table read back, resume" \
	sh -c "dmsetup reload dk0 --table '$t' && dmsetup resume dk0"
is "the table reads back the same" "$(dmsetup table dk0)" "$t"

dd if=/dev/urandom of=/tmp/dk.pat bs=1M count=8 2>/dev/null
w0=$(grp_field dk0 default 6)
r0=$(grp_field dk0 default 4)
check "dd writes 8 MiB through it (O_DIRECT)" \
	dd if=/tmp/dk.pat of=/dev/mapper/dk0 bs=1M oflag=direct conv=fsync
rm -f /tmp/dk.back
dd if=/dev/mapper/dk0 of=/tmp/dk.back bs=1M count=8 iflag=direct 2>/dev/null
check "dd reads them back intact (O_DIRECT)" cmp /tmp/dk.pat /tmp/dk.back
rm -f /tmp/dk.back
dd if=/dev/ram0 of=/tmp/dk.back bs=1M count=8 iflag=direct 2>/dev/null
check "they are on brd, at the same place" cmp /tmp/dk.pat /tmp/dk.back
w1=$(grp_field dk0 default 6)
r1=$(grp_field dk0 default 4)
is "status: the default group wrote 16384 sectors ($w0 to $w1)" \
	"$((${w1:-0} - ${w0:-0}))" 16384
is "status: the default group read 16384 sectors ($r0 to $r1)" \
	"$((${r1:-0} - ${r0:-0}))" 16384
check "fio write+verify (crc32c), 4k-64k random" fio_verify /dev/mapper/dk0 "$(mib 32)"
rm -f /tmp/dk.pat /tmp/dk.back

check "remove the band device" dmsetup remove dk0
check "rmmod the DKMS-built module" rmmod dm_band
check_fails "/sys/module/dm_band is gone" test -e /sys/module/dm_band
check "the kbuild module loads again (band_load)" band_load
swapped=
check "and registers the band target" sh -c 'dmsetup targets | grep -q "^band "'
finish
