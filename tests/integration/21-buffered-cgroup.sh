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
# Asserted: attribution (each cgroup's group wrote), and the shares of
# written sectors within 15% (relative) of the weights 1:3.  Not 10% as for
# direct I/O: the page cache's dirty throttling sits between the writers
# and dm-band and sets how much each cgroup has queued, so shares wander
# more (measured 22.4 to 25.9% for the 25% group in eight runs on 6.1 and
# 6.12).
. "$TESTS/lib.sh"
plan 5

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
# Bounded dirty memory: with the default limits (a share of 3 GiB) hundreds
# of MB are dirty, a journal commit must first write them out at 8 MB/s,
# and a killed writer waits in it for minutes (the hung-task detector
# fires).  128 MiB drains in 16 s; much less (32 MiB) starves the writeback
# queues.  Background writeback from 1 MiB on: with the default threshold
# the flusher leaves one cgroup's dirty pages unwritten for a second or
# more at a time, and the other cgroup, alone with bios pending, takes the
# whole device meanwhile (measured 37 to 45% instead of 25%).
ratio=$(sysctl -n vm.dirty_ratio) bg_ratio=$(sysctl -n vm.dirty_background_ratio)
cleanup_add "sysctl -qw vm.dirty_ratio=$ratio vm.dirty_background_ratio=$bg_ratio"
sysctl -qw vm.dirty_bytes=$((128 << 20)) vm.dirty_background_bytes=$((1 << 20))
# The writers run past the measurement (4 + 16 s), rewriting their file:
# a writer that finished early (its file written into the page cache, then
# only flushed) would leave the device to the other and skew the shares.
writers=()
for vm in vm1 vm2; do
	(echo "$BASHPID" > /sys/fs/cgroup/$vm/writer/cgroup.procs &&
	 exec fio --name=$vm --filename=/mnt/bw/$vm --rw=write --bs=1M \
		--size=150M --ioengine=psync --time_based --runtime=40 \
		--output=/dev/null) >/dev/null 2>&1 &
	writers+=($!)
done
# Remove the files before the unmount, so that what is still dirty is
# dropped, not written out at 8 MB/s.
cleanup_add "kill ${writers[*]}; wait; rm -f /mnt/bw/vm1 /mnt/bw/vm2"
counts=$(measure_shares bw0 6 4 16 "$id1" "$id2")
diag "written sectors per group: $counts; default group: $(grp_field bw0 default 6)"
check "writeback attributed: each cgroup's group wrote at least 1 MiB" \
	test "$(echo $counts | cut -d' ' -f1)" -ge 2048 -a "$(echo $counts | cut -d' ' -f2)" -ge 2048
shares_within "buffered writeback 1:3" 15 "$counts" "1 3"
finish
