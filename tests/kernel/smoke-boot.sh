#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# smoke-boot.sh [BUILD_DIR]
#
# Boot the debug kernel (BUILD_DIR, default: what build-debug-kernel.sh
# prints) in QEMU/TCG with a busybox-only initramfs: mount the pseudo file
# systems, check that kmemleak and KUnit's debugfs are there, load and unload
# the test modules, power off.  Passes when the guest powers itself off, every
# check passed and the console has no BUG/WARNING/Oops/lockdep/KASAN/kmemleak
# report.  The console is kept in BUILD_DIR/smoke-console.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kdir=${1:-$("$here/build-debug-kernel.sh")}
kver=$(cat "$kdir/include/config/kernel.release")
log=$kdir/smoke-console.log

root=$(mktemp -d "${TMPDIR:-/tmp}/dm-band-smoke.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
cp -a "$kdir/modroot/lib/modules/$kver" "$root/lib/modules/"
rm -f "$root/lib/modules/$kver"/{build,source}
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
say() { echo "SMOKE: $*"; }
check() { if "$@" >/dev/null 2>&1; then say "ok $*"; else say "FAIL $*"; fi; }
say "uname -r $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpus"
check test -e /sys/kernel/debug/kmemleak
check test -d /sys/kernel/debug/kunit
# A kmemleak scan of 2 GiB takes about a minute under TCG.
check sh -c 'echo scan > /sys/kernel/debug/kmemleak'
say "kmemleak reports $(grep -c 'unreferenced object' /sys/kernel/debug/kmemleak) leaks"
check mount -t tmpfs tmpfs /tmp
check mount -t configfs configfs /sys/kernel/config
for m in null_blk brd dm-flakey dm-delay loop; do
	check modprobe $m
done
say "block devices: $(ls /sys/block | tr '\n' ' ')"
check test -e /sys/block/nullb0
check test -e /dev/mapper/control
for m in null_blk brd dm-flakey dm-delay loop; do
	check modprobe -r $m
done
say "done"
poweroff -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$root.cpio.gz"
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT

echo "booting $kver (console: $log)" >&2
start=$(date +%s)
rc=0
timeout -k 10 300 qemu-system-x86_64 -machine q35 -accel tcg -smp 2 -m 2048 \
	-nographic -no-reboot \
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$root.cpio.gz" \
	-append "console=ttyS0 panic=-1" </dev/null >"$log" 2>&1 || rc=$?
secs=$(($(date +%s) - start))

fail=0
if [ "$rc" -ne 0 ]; then
	echo "FAIL: qemu exited with $rc after ${secs}s (124: timeout)" >&2
	fail=1
fi
grep -q '^SMOKE: done' "$log" || { echo "FAIL: the guest did not finish" >&2; fail=1; }
if grep -a '^SMOKE: FAIL' "$log" >&2; then fail=1; fi
if grep -aE 'BUG:|WARNING:|Oops|Call Trace:|INFO:|KASAN|Kernel panic|leak detector disabled|kmemleak: Cannot|kmemleak reports [1-9]|blocked for more than|stall on CPU|ACPI Error' "$log" >&2; then
	fail=1
fi
grep -a '^SMOKE: [^F]' "$log" >&2 || true
init_at=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' "$log")
echo "kernel reached /init at ${init_at:-?}s (guest clock)" >&2
if [ "$fail" -ne 0 ]; then
	echo "smoke boot FAILED in ${secs}s; console: $log" >&2
	exit 1
fi
echo "smoke boot passed in ${secs}s" >&2
