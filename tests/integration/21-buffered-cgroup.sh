#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (writes hundreds of MB through an 8 MB/s device: too slow
# for the debug kernel under TCG)
# Buffered writes under type cgroup: two cgroups write files through the
# page cache of an ext4 file system on the band device.  Writeback runs in
# kernel threads, but dm-band attributes each bio to the cgroup that dirtied
# its pages; the groups are attached to parents of the writers' cgroups
# (ancestor matching).  The file system's own journal and metadata writes go
# to the default group.
#
# What this asserts: attribution.  What it only reports: the shares.  With
# weights 1:3 (weight-iosize) they came out 24:76 on 6.1 but 48:52 on 6.12,
# not yet understood, so the 10% share check is not made here (see the
# notes of the scheduler issue).
. "$TESTS/lib.sh"
plan 3

band_load
cgroup_setup
# Writeback bios are large: limit bytes too (8 MB/s), not just requests.
nullb_mem_slow nbbw 512 2000000 8
dev=$NULLB_DEV
n=$(sectors "$dev")
for vm in vm1 vm2; do
	mkdir -p /sys/fs/cgroup/$vm
	echo "+io +memory" > /sys/fs/cgroup/$vm/cgroup.subtree_control
	mkdir -p /sys/fs/cgroup/$vm/writer
done
id1=$(stat -c %i /sys/fs/cgroup/vm1)
id2=$(stat -c %i /sys/fs/cgroup/vm2)
check "create a cgroup band device (vm1:1, vm2:3)" \
	dm_create bw0 "0 $n band $dev 0 bw0 cgroup weight-iosize 0 :10 $id1:1 $id2:3 idle=$GUEST_IDLE_US"
mkfs.ext4 -q -F /dev/mapper/bw0
mkdir -p /mnt/bw
check "mount ext4" mount -t ext4 -o nodelalloc /dev/mapper/bw0 /mnt/bw
cleanup_add "umount /mnt/bw"
# Little dirty memory: writers are throttled (killably) at the page cache,
# and what is dirty when they are killed drains in seconds.  With the
# default limits hundreds of MB are dirty, a journal commit must write
# them out first at 8 MB/s, and a killed dd sits in it for minutes.
ratio=$(sysctl -n vm.dirty_ratio) bg_ratio=$(sysctl -n vm.dirty_background_ratio)
cleanup_add "sysctl -qw vm.dirty_ratio=$ratio vm.dirty_background_ratio=$bg_ratio"
sysctl -qw vm.dirty_bytes=$((32 << 20)) vm.dirty_background_bytes=$((8 << 20))
writers=()
for vm in vm1 vm2; do
	(echo "$BASHPID" > /sys/fs/cgroup/$vm/writer/cgroup.procs &&
	 exec dd if=/dev/zero of=/mnt/bw/$vm bs=1M count=200 conv=fsync) >/dev/null 2>&1 &
	writers+=($!)
done
# Killed writers leave hundreds of MB dirty: remove the files so that the
# unmount drops them instead of writing them out at 8 MB/s.
cleanup_add "kill ${writers[*]}; wait; rm -f /mnt/bw/vm1 /mnt/bw/vm2"
counts=$(measure_shares bw0 6 4 16 "$id1" "$id2")
diag "written sectors per group: $counts; default group: $(grp_field bw0 default 6)"
diag "shares for weights 1:3 (not asserted): $(echo $counts | awk '{t = $1 + $2; if (t) printf "%.1f%% : %.1f%%", 100 * $1 / t, 100 * $2 / t}')"
check "writeback attributed: each cgroup's group wrote at least 1 MiB" \
	test "$(echo $counts | cut -d' ' -f1)" -ge 2048 -a "$(echo $counts | cut -d' ' -f2)" -ge 2048
finish
