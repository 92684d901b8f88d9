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
table="0 $n band /dev/demo/data 0 demo cgroup weight 0 :100$groups"
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
		--time_based --runtime=$((SECONDS_RUN + 5)) --output=/dev/null) &
	pids+=($!)
done
cleanup_add "kill ${pids[*]}; wait"

sleep 2
dmsetup message demo-band 0 reset
printf '%5s |' time
for i in 0 1 2; do printf ' %-24s |' "${names[$i]} (weight ${weights[$i]})"; done
printf '\n%5s |' ''
for i in 0 1 2; do printf ' %6s %5s %5s %5s |' MB/s IOPS share want; done
echo
prev=(0 0 0)
prevs=(0 0 0)
tot=(0 0 0)
wsum=700
for t in $(seq 1 "$SECONDS_RUN"); do
	sleep 1
	cur=() curs=() d=() ds=() sum=0
	for i in 0 1 2; do
		read -r _ _ rb rs _ <<< "$(grp_stat demo-band "${ids[$i]}")"
		cur+=("$rb")
		curs+=("$rs")
		d+=($((rb - prev[i])))
		ds+=($((rs - prevs[i])))
		sum=$((sum + rb - prev[i]))
	done
	printf '%4ss |' "$t"
	csv="CSV $t"
	for i in 0 1 2; do
		awk -v b="${d[$i]}" -v s="${ds[$i]}" -v sum="$sum" -v w="${weights[$i]}" \
			-v ws="$wsum" 'BEGIN { printf " %6.2f %5d %4.1f%% %4.1f%% |",
			s * 512 / 1e6, b, sum ? 100 * b / sum : 0, 100 * w / ws }'
		csv+=" $(awk -v s="${ds[$i]}" 'BEGIN { printf "%.3f", s * 512 / 1e6 }')"
	done
	echo
	echo "$csv"
	prev=("${cur[@]}")
	prevs=("${curs[@]}")
done

echo
echo "Summary over ${SECONDS_RUN}s:"
total=0
for i in 0 1 2; do total=$((total + prev[i])); done
for i in 0 1 2; do
	awk -v n="${names[$i]}" -v b="${prev[$i]}" -v s="${prevs[$i]}" -v t="$total" \
		-v w="${weights[$i]}" -v secs="$SECONDS_RUN" 'BEGIN {
		got = t ? 100 * b / t : 0; want = 100 * w / 700
		printf "  %s: weight %3d  %6d bios  %6.2f MB/s  share %5.1f%%  target %5.1f%%  (%+.1f%% off)\n",
			n, w, b, s * 512 / 1e6 / secs, got, want, want ? (got - want) / want * 100 : 0 }'
done
echo "  band group epochs: $(dmsetup status demo-band | cut -d' ' -f5)"
finish
