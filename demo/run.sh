#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make demo`: boot Debian's stock 6.12 kernel in a QEMU guest with dm-band,
# share one bandwidth-limited LVM volume between three jobs in cgroups
# vm1:vm2:vm3 = 100:200:400, show the shares live, and chart them.
#
# Output: the guest's table on the terminal; build/demo/shares.png (chart),
# build/demo/shares.dat (per-second MB/s), build/demo/console.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
out=$BUILD/demo
k=${DM_BAND_DEMO_KERNEL:-6.12}

"$top/tests/deps.sh"
. "$top/tests/vm/host-lib.sh"
resolve_stock_kernels
v=${kver[$k]}
[ -n "$v" ] || { echo "demo: no stock $k kernel installed" >&2; exit 1; }

mkdir -p "$out"
echo "demo: building dm_band.ko for $v"
stage_src "$out/src"
if ! kbuild "${kdir[$k]}" "$out/src" "$out/build.log"; then
	tail -n 20 "$out/build.log"
	exit 1
fi
# guest_initramfs puts bandctl in every guest and refuses to go without it.
if ! { make -C "$top/tools" && make -C "$top/tests/helpers"; } >"$out/tools.log" 2>&1; then
	tail -n 20 "$out/tools.log"
	exit 1
fi
echo "demo: assembling the guest"
guest_initramfs "$k" "$out" || { tail -n 20 "$out/initramfs.log"; exit 1; }

echo "demo: booting $v under QEMU (TCG), about a minute"
# tail -F waits for the new file: an old one would replay the last demo.
rm -f "$out/results.log" "$out/shares.dat"
DM_BAND_GUEST_TIMEOUT=300 "$top/tests/vm/run-guest.sh" "${kimg[$k]}" \
	"$out/initramfs.cpio" "$out" "dm_band.run=/dm-band/demo.sh" &
qemu=$!
# Show the guest's output as it comes; keep the CSV lines for the chart.
# The guest's verdict is awk's status alone: tail exits 1 when the file was
# not there yet as it started, however well it followed it afterwards.
rc=1
{ tail -n +1 -F --pid=$qemu "$out/results.log" 2>/dev/null | tr -d '\r' | awk -v dat="$out/shares.dat" '
	/^@@@ RUN-BEGIN/ { on = 1; next }
	/^@@@ RUN-END/ { on = 0; rc = $NF; next }
	!on { next }
	/^CSV / { print $2, $3, $4, $5 > dat; next }
	/^(ok|not ok|1\.\.)/ { next }
	{ print; fflush() }
	END { sub("rc=", "", rc); exit rc == "0" ? 0 : 1 }
'
rc=${PIPESTATUS[2]}
} || true
wait $qemu || true

if [ ! -s "$out/shares.dat" ]; then
	echo "demo: the guest produced no measurements; see $out/console.log" >&2
	exit 1
fi
gnuplot <<GP
set terminal png size 900,500
set output "$out/shares.png"
set title "dm-band: three jobs (cgroups) sharing one LVM volume, weights 100:200:400"
set xlabel "seconds (guest time)"
set ylabel "MB/s"
set key top left
set grid
plot "$out/shares.dat" using 1:2 with linespoints title "vm1 (weight 100)", \
     "" using 1:3 with linespoints title "vm2 (weight 200)", \
     "" using 1:4 with linespoints title "vm3 (weight 400)"
GP
echo
echo "demo: chart written to $out/shares.png (data: $out/shares.dat)"
exit $rc
