#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The dm-band demo, inside a guest (see demo/run.sh): an LVM volume group on
# a bandwidth-limited device, a band device of type cgroup over one logical
# volume, and three jobs standing in for VMs, in cgroups vm1, vm2 and vm3
# with weights 100:200:400, each running fio.  Prints a table every second
# from `dmsetup status`, then a summary; "CSV <t> <MB/s>..." lines feed the
# host's chart.
. "$TESTS/lib.sh"

SECONDS_RUN=${DEMO_SECONDS:-30}
names=(vm1 vm2 vm3)
weights=(100 200 400)

band_load
cgroup_setup
# 16 KiB reads: 5 ms per request, two at a time, about 6 MB/s in all.
nullb_mem_slow demopv 256 5000000
pvcreate -q "$NULLB_DEV" && vgcreate -q demo "$NULLB_DEV" &&
	lvcreate -q -y -L 128M -n data demo || exit 1
cleanup_add "vgremove -q -f demo; pvremove -q $NULLB_DEV"

ids=()
groups=""
for i in 0 1 2; do
	mkdir -p "/sys/fs/cgroup/${names[$i]}"
	ids+=("$(stat -c %i "/sys/fs/cgroup/${names[$i]}")")
	groups+=" ${ids[$i]}:${weights[$i]}"
done
n=$(sectors /dev/demo/data)
# idle=50000: a TCG guest on two busy cores can leave a fio thread
# unscheduled for tens of ms (8000, the default, is for real machines).
table="0 $n band /dev/demo/data 0 demo cgroup weight 0 :100$groups idle=50000"
dm_create demo-band "$table" || exit 1
echo "dm-band demo: $(uname -r)"
echo "  LV demo/data on a bandwidth-limited null_blk; band device demo-band:"
echo "  $(dmsetup table demo-band)"
echo "  jobs: fio 16 KiB random reads in cgroups vm1, vm2, vm3; weights 100:200:400"
echo

pids=()
for i in 0 1 2; do
	(echo "$BASHPID" > "/sys/fs/cgroup/${names[$i]}/cgroup.procs" &&
	 exec fio --name="${names[$i]}" --filename=/dev/mapper/demo-band \
		--direct=1 --rw=randread --bs=16k --ioengine=libaio --iodepth=8 \
		--time_based --runtime=600 --output=/dev/null) &
	pids+=($!)
done
cleanup_add "kill ${pids[*]}; wait"

sleep 2
dmsetup message demo-band 0 reset
printf '%6s |' time
for i in 0 1 2; do printf ' %-24s |' "${names[$i]} (weight ${weights[$i]})"; done
printf '\n%6s |' ''
for i in 0 1 2; do printf ' %6s %5s %5s %5s |' MB/s IOPS share want; done
echo

# One `dmsetup status` per second; rates over the real interval (a TCG
# guest's second is not always one second).
uptime() { cut -d' ' -f1 /proc/uptime; }
start=$(uptime)
prev_t=$start
state="0 0 0 0 0 0"
while :; do
	sleep 1
	now=$(uptime)
	out=$(dmsetup status demo-band | awk -v ids="${ids[*]}" -v w="${weights[*]}" \
		-v state="$state" -v t0="$start" -v t1="$prev_t" -v t2="$now" '
	{
		split(ids, I, " "); split(w, W, " "); split(state, P, " ")
		for (i = 7; i + 16 <= NF; i += 17)
			for (g = 1; g <= 3; g++)
				if ($i == I[g]) { B[g] = $(i+3); S[g] = $(i+4) }
		dt = t2 - t1; sum = 0; ws = W[1] + W[2] + W[3]
		for (g = 1; g <= 3; g++) {
			db[g] = B[g] - P[2*g-1]; ds[g] = S[g] - P[2*g]; sum += db[g]
		}
		row = sprintf("%5.0fs |", t2 - t0); csv = sprintf("CSV %.1f", t2 - t0)
		st = ""
		for (g = 1; g <= 3; g++) {
			row = row sprintf(" %6.2f %5d %4.1f%% %4.1f%% |", ds[g] * 512 / 1e6 / dt,
				db[g] / dt, sum ? 100 * db[g] / sum : 0, 100 * W[g] / ws)
			csv = csv sprintf(" %.3f", ds[g] * 512 / 1e6 / dt)
			st = st " " B[g] " " S[g]
		}
		print row; print csv; print "STATE" st
	}')
	echo "$out" | grep -v '^STATE'
	state=$(echo "$out" | sed -n 's/^STATE //p')
	prev_t=$now
	awk -v a="$now" -v b="$start" -v n="$SECONDS_RUN" 'BEGIN { exit !(a - b >= n) }' && break
done

read -r b1 s1 b2 s2 b3 s3 <<< "$state"
bios=("$b1" "$b2" "$b3")
secs=("$s1" "$s2" "$s3")
elapsed=$(awk -v a="$(uptime)" -v b="$start" 'BEGIN { printf "%.1f", a - b }')
echo
echo "Summary over ${elapsed}s:"
total=$((b1 + b2 + b3))
for i in 0 1 2; do
	awk -v n="${names[$i]}" -v b="${bios[$i]}" -v s="${secs[$i]}" -v t="$total" \
		-v w="${weights[$i]}" -v el="$elapsed" 'BEGIN {
		got = t ? 100 * b / t : 0; want = 100 * w / 700
		printf "  %s: weight %3d  %6d bios  %6.2f MB/s  share %5.1f%%  target %5.1f%%  (%+.1f%% off)\n",
			n, w, b, s * 512 / 1e6 / el, got, want, want ? (got - want) / want * 100 : 0 }'
done
echo "  band group epochs: $(dmsetup status demo-band | cut -d' ' -f5)"
finish
