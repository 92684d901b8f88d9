#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Security and isolation.  A band device is configured only through the
# device-mapper ioctl, which needs CAP_SYS_ADMIN: an unprivileged user
# (uid 65534, through tests/helpers/run-as) can neither send messages,
# load or reload tables, create, suspend, resume, rename or remove devices,
# nor read tables, status or the `stats` reply -- not even through a
# world-accessible copy of /dev/mapper/control, which gets past the node's
# mode to the kernel's capability check (and, where the kernel has user
# namespaces, not as root of its own user namespace either).  The device
# is unchanged afterwards: same table, weights and counters.  And no
# kernel pointer, raw or hashed, appears in anything the target prints:
# status, table, the IMA measurement, every message reply and its kernel
# log lines after every error it reports.
. "$TESTS/lib.sh"
plan 19

band_load
brd_create 16
n=$(sectors /dev/ram0)
half=$((n / 2))
NOBODY="run-as 65534 65534"
table="0 $half band /dev/ram0 0 pv uid weight 0 :100 1001:300 1002:100 idle=8000"
check "create a band device" dm_create pv "$table"
# Some I/O in each group, so that a reset would show.
dd if=/dev/mapper/pv of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null
chmod 666 /dev/mapper/pv
setpriv --reuid=1001 --regid=1001 --clear-groups \
	dd if=/dev/mapper/pv of=/dev/null bs=4k count=8 iflag=direct 2>/dev/null
chmod 600 /dev/mapper/pv
state() {
	echo "table: $(dmsetup table pv)"
	echo "status: $(dmsetup status pv)"
	echo "info: $(dmsetup info -c --noheadings -o name,attr,open pv)"
	echo "devices: $(dmsetup ls | sort | tr '\n' ' ')"
}
before=$(state)

# A copy of the control node that anyone may open: what stops an
# unprivileged user then is the ioctl's capability check.
minor=$(awk '$2 == "device-mapper" {print $1}' /proc/misc)
mkdir -p /tmp/dmdev/mapper
mknod -m 666 /tmp/dmdev/mapper/control c 10 "$minor"
cleanup_add "rm -rf /tmp/dmdev"
export DM_DEV_DIR=/tmp/dmdev
check "root works through the copied control node" dmsetup status pv
check "the unprivileged user can open the copied control node" \
	$NOBODY sh -c 'exec 3<>/tmp/dmdev/mapper/control'
check_fails "but not /dev/mapper/control itself" \
	$NOBODY sh -c 'exec 3<>/dev/mapper/control'

# refused DMSETUP-ARGS...: as the unprivileged user, dmsetup ARGS fails
# with "Permission denied" (EACCES from the ioctl) and prints nothing of
# the device; and the same as root of that user's own user namespace,
# where the kernel has user namespaces.
USERNS=
$NOBODY unshare -r true 2>/dev/null && USERNS=1
diag "user namespaces: ${USERNS:-not in this kernel}"
refused() {
	local pre
	for pre in "" ${USERNS:+"unshare -r"}; do
		if $NOBODY $pre dmsetup "$@" >/tmp/p.out 2>/tmp/p.err ||
		   ! grep -q 'Permission denied' /tmp/p.err ||
		   grep -Eq 'band|ram0|1001|weight' /tmp/p.out; then
			echo "${pre:+$pre }dmsetup $*:"
			cat /tmp/p.out /tmp/p.err
			return 1
		fi
	done
}
# refused_all CMD...: each CMD (words) refused.  The debug kernel, where
# a process takes seconds to start, tries only the first.
refused_all() {
	local c
	for c in "$@"; do
		refused $c || return 1
		[ "$SCALE" -gt 1 ] && break
	done
	return 0
}
check "message weight refused" refused message pv 0 weight 1001:1
check "messages attach, detach, reset, type, policy, token, idle, inject refused" \
	refused_all "message pv 0 attach 1003:5" "message pv 0 detach 1001" \
	"message pv 0 reset" "message pv 0 type pid" "message pv 0 policy weight-iosize" \
	"message pv 0 token 1" "message pv 0 idle 0" "message pv 0 inject 1"
check "message stats refused (and no reply)" refused message pv 0 stats
check "reload refused" refused reload pv --table "0 $half band /dev/ram0 0 pv uid weight 0 :1"
check "create refused" refused create pv9 --table "0 8 band /dev/ram0 $half pv9 none weight 0"
check "suspend, resume, rename, wipe_table refused" \
	refused_all "suspend pv" "resume pv" "rename pv pv8" "wipe_table pv"
check "remove and remove --force refused" refused_all "remove pv" "remove --force pv"
check "table, status, info, deps, ls, measure and targets refused" \
	refused_all "table pv" "status pv" "info pv" "deps pv" "ls" "measure pv" "targets"
check_fails "reading the band device's data refused" \
	$NOBODY dd if=/dev/mapper/pv of=/dev/null bs=4k count=1 iflag=direct
unset DM_DEV_DIR
is "the device is unchanged: table, weights, counters, state" "$(state)" "$before"

# ---------------------------------------------------- no kernel pointers
# pointers: print what looks like a kernel address or a hashed %p in the
# input: ffff followed by 8 or more hex digits, 0x and 8 or more hex digits, a
# 64-bit hashed pointer (eight zeros and eight hex digits), a token of
# 8 or more hex digits with a letter in it, an unexpanded %p, or the
# kernel's placeholder (____ptrval____).
pointers() {
	awk '{
		line = tolower($0)
		if (line ~ /ffff[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/ ||
		    line ~ /%p/ || line ~ /ptrval/) { print; next }
		n = split(line, w, /[^0-9a-z]+/)
		for (i = 1; i <= n; i++) {
			t = w[i]
			sub(/^0x/, "", t)
			if (length(t) >= 8 && t ~ /^[0-9a-f]+$/ &&
			    (t ~ /[a-f]/ || w[i] ~ /^0x/ || t ~ /^00000000/)) {
				print; next
			}
		}
	}'
}
samples="rq 000000003d5c1a2b timed out
task ffff8880123a4b00
at 0xffffffffc0a01234
band: (____ptrval____)"
clean="0 16384 band pv 12 3 default 100 -5 16 128 0 0 0 0 0 0 0
18446744073709551614:7 4294967294:1 idle=1000000 levels=1:12345/678,2:99/1"
is "the pointer check finds each kind of pointer in samples, none in status-like lines" \
	"$(echo "$samples" | pointers | wc -l) $(echo "$clean" | pointers | wc -l)" "4 0"

# Everything the target prints, while it is busy and has groups of every
# kind of id.
dm_create pv2 "0 $((n - half)) band /dev/ram0 $half pv2 cgroup weight-iosize 0 :5 18446744073709551614:7 idle=1000000 inject=1"
dd if=/dev/mapper/pv2 of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null
out=/tmp/printed
: >$out
for d in pv pv2; do
	{
		dmsetup status "$d"
		dmsetup table "$d"
		dmsetup table --inactive "$d"
		dmsetup measure "$d" 2>/dev/null
		dmsetup info "$d"
		dmsetup message "$d" 0 stats
	} >>$out 2>&1
done
dmsetup reload pv2 --table "0 $((n - half)) band /dev/ram0 $half pv2 cgroup weight-iosize 0 :6 idle=1000000 inject=1"
dmsetup table --inactive pv2 >>$out 2>&1
dmsetup resume pv2
# every message, with its reply
for m in "attach 1003:5" "weight 1003:6" "weight 7" "detach 1003" "type uid" \
	 "policy weight" "token 0" "idle 8000" "inject 0" "reset" "stats"; do
	echo "message $m: $(dmsetup message pv 0 $m 2>&1)" >>$out
done
lines=$(wc -l <$out)
check "the status, table, info and every message reply ($lines lines) hold no pointer" \
	test -z "$(pointers <$out)" -a "$lines" -gt 20
pointers <$out | sed 's/^/# pointer: /'
grep -q 'depth=' $out && stats_seen=1
check "the stats reply was among them" test -n "${stats_seen:-}"

# The kernel log after every error the target reports: bad table lines,
# bad messages, conflicting band group settings, stacking.
klog_mark priv
for t in "" "/x 0 bg none weight 0" "/dev/ram0 12x bg none weight 0" \
	 "/dev/ram0 0 a23456789012345678901234567890123 none weight 0" \
	 "/dev/ram0 0 b/g none weight 0" "/dev/ram0 0 bg bogus weight 0" \
	 "/dev/ram0 0 bg uid fifo 0" "/dev/ram0 0 bg uid weight -1" \
	 "/dev/ram0 0 bg uid weight 0 1:0" "/dev/ram0 0 bg uid weight 0 1" \
	 "/dev/ram0 0 bg uid weight 0 1:1 1:2" "/dev/ram0 0 bg uid weight 0 :1 :2" \
	 "/dev/ram0 0 bg pid weight 0 0:1" "/dev/ram0 0 bg none weight 0 1:1" \
	 "/dev/ram0 0 bg uid weight 0 x=1" "/dev/ram0 0 bg uid weight 0 idle=1 idle=2" \
	 "/dev/ram0 0 bg uid weight 0 inject=2" "/dev/ram0 0 bg uid weight 0 idle=1 1:1" \
	 "/dev/ram0 $n bg none weight 0" "/dev/ram0 0 pv uid weight 5" \
	 "/dev/ram0 0 pv2 cgroup weight 0 idle=1000000" "/dev/mapper/pv 0 pv none weight 0"; do
	dmsetup create bad --table "0 8 band $t" 2>/dev/null && dmsetup remove bad
done
[ "$SCALE" -gt 1 ] && diag "debug kernel: a few bad messages only"
for m in "frobnicate" "attach x" "attach 1:0" "attach 1001" "detach 5" "detach x" \
	 "weight 0" "weight 5:5" "weight x:1" "type bogus" "type pid" \
	 "policy fifo" "token x" "idle x" "inject 2" "" "stats extra words here"; do
	dmsetup message pv 0 $m >/dev/null 2>&1
	[ "$SCALE" -gt 1 ] && [ "$m" = "weight 0" ] && break
done
dmsetup message pv2 0 attach 1 >/dev/null 2>&1
# This test's lines only: others echo what they were given (46 feeds the
# parser strings of zeros that look like pointers).
log=$(klog_since priv | grep -i 'band')
klines=$(echo "$log" | grep -c .)
check "the target's kernel log lines ($klines) hold no pointer" \
	test -z "$(echo "$log" | pointers)" -a "$klines" -gt $((SCALE > 1 ? 20 : 25))
echo "$log" | pointers | sed 's/^/# pointer: /'
check "remove" eval "dmsetup remove pv2 && dmsetup remove pv"
finish
