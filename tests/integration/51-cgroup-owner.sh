#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A cgroup device charges I/O to the job that issues it, not to the owner
# of the pages it moves: a process in cgroup A doing O_DIRECT I/O from a
# memfd buffer that cgroup B faulted in must spend A's share, not B's
# (dm-band once classified every bio by its first page's memory cgroup,
# so A could spend B's share).  Writeback, issued by the kernel's flusher
# threads, still goes to the cgroup that dirtied the pages.
. "$TESTS/lib.sh"
plan 7

band_load
brd_create 16
cgroup_setup
n=$(sectors /dev/ram0)
cg=/sys/fs/cgroup
mkdir -p $cg/owner-a $cg/owner-b
cleanup_add "rmdir $cg/owner-a $cg/owner-b"
a=$(stat -c %i $cg/owner-a) b=$(stat -c %i $cg/owner-b)
check "a cgroup device with groups A and B" \
	dm_create co "0 $n band /dev/ram0 0 co cgroup weight 0 :1 $a:1 $b:1"

# Faulted in while in B, used while in A.
(echo "$BASHPID" > $cg/owner-b/cgroup.procs &&
 exec memfd-dio /dev/mapper/co $cg/owner-a/cgroup.procs 64) >/tmp/co.out 2>&1
is "direct I/O from B's pages, issued in A: $(cat /tmp/co.out)" "$(cat /tmp/co.out)" done
is "A is charged: read and write bios" \
	"$(grp_field co $a 3) $(grp_field co $a 5)" "64 64"
is "B is not" "$(grp_field co $b 3) $(grp_field co $b 5)" "0 0"

# Buffered writes from B, left to the flusher (written back after 1 s).
dmsetup message co 0 reset
sysctl -qw vm.dirty_expire_centisecs=100 vm.dirty_writeback_centisecs=50
cleanup_add "sysctl -qw vm.dirty_expire_centisecs=3000 vm.dirty_writeback_centisecs=500"
(echo "$BASHPID" > $cg/owner-b/cgroup.procs &&
 exec dd if=/dev/zero of=/dev/mapper/co bs=4k count=64 seek=1024 2>/dev/null)
for i in $(seq 60); do
	[ "$(grp_field co $b 6)" -ge 512 ] && break
	sleep 0.5
done
is "writeback goes to B, who dirtied the pages (sectors)" "$(grp_field co $b 6)" 512
is "nothing of it to A or the default group" \
	"$(grp_field co $a 6) $(grp_field co default 6)" "0 0"
check "remove" dmsetup remove co
finish
