#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Scale, groups (devices and bios are test 52):
#  - 10,000 attached groups (100,000 on the stock kernels): status and
#    table list every one, the table round-trips, the module's group cache
#    grows by exactly that many objects and gives them all back, and the
#    memory per group stays within what Documentation/dm-band.rst states.
#    Meanwhile a reader on another device of the same band group goes on:
#    status and table no longer walk the groups with the band group's
#    lock held and interrupts off (the reader then all but stopped).
# stress
. "$TESTS/lib.sh"
plan 12

band_load
brd_create 64
R=/dev/ram0
n=$(sectors $R)

# What the docs promise, checked here: bytes per attached group (the
# group, its xarray slot and its entry in the kept table line): 432 bytes
# of struct band_grp since caps and reservations (525 measured on 6.1).
# The debug kernel's KASAN and slab debugging add their own to each object.
MAX_GROUP_BYTES=640
[ "$SCALE" -gt 1 ] && MAX_GROUP_BYTES=2048

if [ "$SCALE" -gt 1 ]; then NG=10000; else NG=100000; fi

# In-use objects of the group cache (shared with same-sized caches when the
# kernel merges it: their objects come and go too, hence the 1% below).
# Shrinking first empties KASAN's quarantine of freed groups (the debug
# kernel), and the per-CPU slabs, so that the count is of groups in use.
grp_objs() {
	echo 1 > /sys/kernel/slab/band_grp/shrink
	cut -d' ' -f1 /sys/kernel/slab/band_grp/objects
}
merged=no
[ -L /sys/kernel/slab/band_grp ] && merged=yes
# Slab and vmalloc in bytes.
kmem() {
	awk '/^Slab:|^VmallocUsed:/ { s += $2 } END { print s * 1024 }' /proc/meminfo
}
line() { # line NAME DEV OFFSET LEN NGROUPS
	awk -v nm="$1" -v dev="$2" -v off="$3" -v len="$4" -v ng="$5" 'BEGIN {
		printf "0 %d band %s %d %s uid weight 0 :1", len, dev, off, nm
		for (i = 1; i <= ng; i++) printf " %d:%d", 100000 + i, i % 7 + 1
		printf " idle=8000\n"
	}'
}

# ---------------------------------------------------------------- groups
half=$((n / 2))
check "a small device" dm_create big "$(line sc $R 0 $half 0)"
check "a second device of the band group" \
	dm_create rd "0 $half band $R $half sc uid weight 0 :1"
o0=$(grp_objs) m0=$(kmem)
# (from a file: the line is longer than one argument may be)
line sc $R 0 $half $NG >/tmp/big.tin
check "reload with $NG groups" sh -c "dmsetup reload big /tmp/big.tin && dmsetup resume big"
o1=$(grp_objs) m1=$(kmem)
per=$(((m1 - m0) / NG))
diag "groups: $NG; group cache objects $o0 -> $o1 (merged cache: $merged); memory +$((m1 - m0)) bytes, $per per group"
# (exactly, give or take the per-CPU slabs' count and, when the cache is
# merged with others of the same size, their objects: within 1%)
check "the group cache grew by $NG ($((o1 - o0)))" \
	[ $((o1 - o0)) -ge "$NG" -a $((o1 - o0)) -le $((NG + NG / 100)) ]
check "at most $MAX_GROUP_BYTES bytes per group ($per)" [ "$per" -le $MAX_GROUP_BYTES ]

dmsetup status big >/tmp/big.status
is "status lists every group" "$(cut -d' ' -f6 /tmp/big.status)" $((NG + 1))
is "status has every group's fields" "$(wc -w </tmp/big.status)" $((6 + 17 * (NG + 1)))
dmsetup table big | cut -d' ' -f5- >/tmp/big.table
is "the table round-trips" "$(md5sum </tmp/big.table)" \
	"$(cut -d' ' -f5- /tmp/big.tin | md5sum)"
diag "status: $(wc -c </tmp/big.status) bytes, table: $(wc -c </tmp/big.table) bytes"

# A reader beside status and table walks: its I/Os, alone and beside.
reader() { # reader SECONDS: read I/Os done on rd in that time
	fio --name=r --filename=/dev/mapper/rd --direct=1 --rw=randread \
		--bs=4k --ioengine=psync --time_based --runtime="$1" \
		--output-format=terse 2>/dev/null | tail -n 1 | cut -d';' -f6
}
alone=$(reader 4)
reader 4 >/tmp/beside &
rp=$!
# milliseconds since boot
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
s=$(now_ms) walks=0
while kill -0 $rp 2>/dev/null; do
	dmsetup status big >/dev/null && dmsetup table big >/dev/null
	walks=$((walks + 1))
done
wait $rp
ms=$((($(now_ms) - s) / walks))
diag "reader: $alone KiB alone in 4 s, $(cat /tmp/beside) KiB beside $walks status+table walks of $NG groups (~$ms ms each)"
# A ratio in one run, not a time: while status walked every group under
# the band group's lock with interrupts off, the reader got 0.02% of its
# rate alone (stock 6.12, 100,000 groups); one group at a time, 40-60%.
check "the reader keeps at least 5% of its rate beside the walks" \
	[ $(($(cat /tmp/beside) * 20)) -ge "$alone" ]

check "reload without the groups" sh -c "dmsetup reload big --table '$(line sc $R 0 $half 0)' && dmsetup resume big"
o2=$(grp_objs)
diag "group cache objects after: $o2"
check "the group cache is back to where it was ($o0 -> $o2, within $((NG / 100)))" \
	[ $((o2 - o0)) -le $((NG / 100)) ]
check "remove" sh -c "dmsetup remove big && dmsetup remove rd"
finish
