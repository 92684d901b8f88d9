#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-debug-kernel.sh [CACHE_DIR]
#
# Build the debug kernel for the QEMU guests (KASAN, lockdep, kmemleak,
# KUnit) from Debian's linux-source-6.1 and tests/kernel/debug.config, and
# print its build directory, the one line on stdout.  That directory is a
# whole built tree: KDIR for out-of-tree builds (make -C DIR M=... modules),
# arch/x86/boot/bzImage to boot, modroot/lib/modules/<release> for the guest's
# modules, build.log for the record.
#
# Cached in CACHE_DIR (default ${DM_BAND_CACHE:-$HOME/.cache/dm-band}) as
# debug-<key>, the key hashing the source package's version, the compiler's
# version, debug.config and this script; a hit returns at once.  A fresh
# build (about 5 minutes on 2 cores) deletes the other debug-* entries.
# Progress and a summary go to stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
fragment=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${1:-${DM_BAND_CACHE:-$HOME/.cache/dm-band}}

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# Run from `make check`, make's flags (W=1, -j, jobserver) must not leak into
# the kernel build; nor may a stray output dir or architecture.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES KBUILD_OUTPUT O ARCH \
	CROSS_COMPILE LLVM KCONFIG_CONFIG KCONFIG_ALLCONFIG

pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || pkgver=
[ -n "$pkgver" ] || die "linux-source-6.1 is not installed (apt-get install linux-source-6.1)"
[ -r "$tarball" ] || die "$tarball is missing (reinstall linux-source-6.1)"
[ -r "$fragment" ] || die "$fragment is missing"
ccver=$(gcc --version | head -n 1)

key=$({
	echo "linux-source-6.1 $pkgver"
	echo "$ccver"
	cat "$fragment" "$self"
} | sha256sum | cut -c 1-12)
final=$cache/debug-$key
tmp=$final.tmp

if [ -e "$final/.complete" ]; then
	echo "$final"
	exit 0
fi

mkdir -p "$cache"
# One build at a time per cache; a second caller waits, then finds it done.
exec 9>"$cache/.debug-kernel.lock"
if ! flock -n 9; then
	log "waiting for another build in $cache"
	flock 9
fi
if [ -e "$final/.complete" ]; then
	echo "$final"
	exit 0
fi

start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start))s"; }

rm -rf "$tmp" "$final"
mkdir -p "$tmp"
blog=$tmp/build.log
: >"$blog"

# run STEP CMD...: CMD's output goes to build.log; on failure, its tail to
# stderr.
run() {
	local what=$1
	shift
	echo "### $what: $*" >>"$blog"
	if ! "$@" >>"$blog" 2>&1; then
		tail -n 40 "$blog" >&2
		die "$what failed after $(elapsed); full log: $blog"
	fi
}

log "building debug-$key (linux-source-6.1 $pkgver, $ccver) in $tmp"
log "extracting $(basename "$tarball")"
run extract tar -xJf "$tarball" -C "$tmp" --strip-components=1

log "configuring: allnoconfig + $(basename "$fragment") + olddefconfig"
run allnoconfig make -C "$tmp" allnoconfig
merge_fragment() { (cd "$tmp" && scripts/kconfig/merge_config.sh -m .config "$fragment"); }
run merge_config merge_fragment
run olddefconfig make -C "$tmp" olddefconfig

# Kconfig drops what it cannot satisfy without a word: every value the
# fragment sets must be in .config as written, and nothing it turns off may
# be on.
bad=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		sym=${line%%=*}
		if ! grep -qxF -- "$line" "$tmp/.config"; then
			got=$(grep -E "^(# )?${sym}[= ]" "$tmp/.config" || true)
			bad+=("$line  (got: ${got:-nothing, unreachable})")
		fi
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		got=$(grep -E "^$sym=" "$tmp/.config" || true)
		[ -z "$got" ] || bad+=("$line  (got: $got, selected by something)")
		;;
	esac
done <"$fragment"
if [ ${#bad[@]} -gt 0 ]; then
	log "these lines of $fragment did not survive into .config:"
	printf '  %s\n' "${bad[@]}" >&2
	die "fix the fragment (missing dependencies?); .config is $tmp/.config"
fi

jobs=$(nproc)
log "make -j$jobs bzImage modules (log: $blog)"
run build make -C "$tmp" -j"$jobs" bzImage modules
kver=$(cat "$tmp/include/config/kernel.release")
modroot=$tmp/modroot
run modules_install make -C "$tmp" modules_install \
	INSTALL_MOD_PATH="$modroot" INSTALL_MOD_STRIP=1

mv -T "$tmp" "$final"
blog=$final/build.log
modroot=$final/modroot
# modules_install pointed these at the .tmp path.
for l in build source; do
	if [ -L "$modroot/lib/modules/$kver/$l" ]; then
		ln -sfn "$final" "$modroot/lib/modules/$kver/$l"
	fi
done

# The tree must work as KDIR, in its final place: build a trivial module.
t=$(mktemp -d "${TMPDIR:-/tmp}/dm-band-kdir-check.XXXXXX")
trap 'rm -rf "$t"' EXIT
cat >"$t/kdir_check.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0-only
#include <linux/module.h>
static int __init kdir_check_init(void) { return 0; }
static void __exit kdir_check_exit(void) { }
module_init(kdir_check_init);
module_exit(kdir_check_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := kdir_check.o' >"$t/Kbuild"
run kdir_check make -C "$final" M="$t" modules
vermagic=$(modinfo -F vermagic "$t/kdir_check.ko")
[ "${vermagic%% *}" = "$kver" ] || die "out-of-tree module has vermagic '$vermagic', kernel is $kver"

touch "$final/.complete"

for d in "$cache"/debug-*; do
	[ "$d" = "$final" ] && continue
	[ -e "$d" ] || continue
	log "removing old $(basename "$d")"
	rm -rf "$d"
done

nmods=$(find "$modroot/lib/modules/$kver" -name '*.ko' | wc -l)
log "done in $(elapsed): $kver, bzImage $(($(stat -c %s "$final/arch/x86/boot/bzImage") / 1024)) KiB, $nmods modules, out-of-tree build OK"
echo "$final"
