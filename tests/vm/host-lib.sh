# SPDX-License-Identifier: GPL-2.0-only
#
# Host-side helpers shared by tests/check.sh (make check) and demo/run.sh
# (make demo): which kernels to boot, building the module for one, and
# assembling a guest's initramfs.  Sourced; expects $top (the repo).

# The stock kernels the guests boot, as tests/vm/fetch-kernel.sh --stock
# picks them: 6.1 is what linux-headers-amd64 depends on, 6.12 the newest
# linux-headers-6.12.*+deb12-amd64 (cached or installed, else the archive's).
# Their images are never installed on the host: they are unpacked into
# CACHE/kernels/KVER, with the 6.12 headers (apt cannot install those
# without the image), fetched now if missing.  Fills kver, kdir, kimg and
# kmodroot for "6.1" and "6.12", and k61, k612.  Returns non-zero if one
# could not be had.
declare -A kver kdir kimg kmodroot
resolve_stock_kernels() {
	local k v out rc=0 kc=${DM_BAND_CACHE:-$HOME/.cache/dm-band}/kernels
	out=$("$top/tests/vm/fetch-kernel.sh" --stock) || rc=1
	k61=$(sed -n 's/^6\.1 //p' <<<"$out")
	k612=$(sed -n 's/^6\.12 //p' <<<"$out")
	for k in 6.1 6.12; do
		case $k in 6.1) v=$k61 ;; 6.12) v=$k612 ;; esac
		kver[$k]=$v
		kdir[$k]=/usr/src/linux-headers-$v
		[ -d "$kc/$v/usr/src/linux-headers-$v" ] && kdir[$k]=$kc/$v/usr/src/linux-headers-$v
		kimg[$k]=$kc/$v/boot/vmlinuz-$v
		kmodroot[$k]=$kc/$v
	done
	return $rc
}

# Copy the sources to a per-kernel directory so builds never mix objects.
stage_src() {
	local dst=$1
	rm -rf "$dst"
	mkdir -p "$dst"
	(cd "$top" && { git ls-files -z -- '*.c' '*.h' 'Kbuild' '*/Kbuild' 2>/dev/null ||
			find . \( -name '*.[ch]' -o -name Kbuild \) -print0; }) |
		(cd "$top" && xargs -0 cp --parents -t "$dst")
}

# kbuild KDIR DIR LOG [ARGS...]: build the module(s) in DIR against KDIR.
kbuild() {
	local kd=$1 dir=$2 log=$3
	shift 3
	make -C "$kd" M="$dir" "$@" modules >"$log" 2>&1
}

# Warnings and errors in a build log, without make's own chatter.
findings() { grep -E '(warning|error):' "$1" | grep -v '^make' | sort -u; }

# dkms_build_module KERNEL_LABEL OUTDIR: dm_band.ko for that kernel (kver,
# kdir from resolve_stock_kernels), built as the dm-band-dkms package has
# it built: `make dkms-source`, then `dkms add` and `dkms build` against
# the kernel's headers.  DKMS works in private trees under OUTDIR
# (--dkmstree, --sourcetree) and signs with a throwaway key there, with
# the headers' sign-file (where a system with the headers installed has
# it, /lib/modules/KVER/build/scripts): the host's /usr/src and
# /var/lib/dkms are not touched, and nothing is installed or loaded.
# Leaves the module in OUTDIR as DKMS built it (dm_band.ko; DKMS makes it
# .ko.xz only for a kernel whose /lib/modules/KVER has xz modules, and the
# guests' 6.12 is not installed there), DKMS's source tree in OUTDIR/src,
# the log in OUTDIR/dkms.log and, once built, OUTDIR/inputs (dkms_inputs).
# On failure, the log's end on stderr.  About 2 s a kernel here.
dkms_build_module() {
	local k=$1 o=$2 ver in
	local dkms=(env mok_signing_key="$2/mok.key" mok_certificate="$2/mok.pub"
		    sign_file="${kdir[$1]}/scripts/sign-file" dkms)
	local trees=(--dkmstree "$2/tree" --sourcetree "$2/src")
	ver=$(cat "$top/VERSION")
	in=$(dkms_inputs "$k")
	rm -rf "$o"
	mkdir -p "$o/tree"
	if ! { make -C "$top" dkms-source DKMS_SRCTREE="$o/src" &&
	       "${dkms[@]}" add "${trees[@]}" -m dm-band -v "$ver" &&
	       "${dkms[@]}" build "${trees[@]}" --kernelsourcedir "${kdir[$k]}" \
			-m dm-band -v "$ver" -k "${kver[$k]}" &&
	       cp "$o/tree/dm-band/$ver/${kver[$k]}"/*/module/dm_band.ko* "$o/"; } \
			>"$o/dkms.log" 2>&1; then
		tail -n 20 "$o/dkms.log" >&2
		return 1
	fi
	echo "$in" >"$o/inputs"
}

# dkms_inputs KERNEL_LABEL: a digest of what dkms_build_module builds from
# (the sources `make dkms-source` copies, dkms.conf, the kernel's headers).
dkms_inputs() {
	{ echo "${kver[$1]} ${kdir[$1]}"
	  (cd "$top" && cat Kbuild Makefile VERSION dkms.conf ./*.c include/*.h); } 2>&1 |
		sha256sum | cut -d' ' -f1
}

# dkms_current KERNEL_LABEL OUTDIR: OUTDIR holds a module dkms_build_module
# built from the sources as they are now.
dkms_current() {
	[ -s "$2/inputs" ] && [ "$(cat "$2/inputs")" = "$(dkms_inputs "$1")" ] &&
		ls "$2"/dm_band.ko* >/dev/null 2>&1
}

# The integration test that loads the DKMS-built module (guest_initramfs
# builds that module only for a guest that runs it).
DKMS_TEST=56-dkms-module

# dkms_wanted KERNEL_LABEL: that kernel's guest runs DKMS_TEST.  Not grep
# -q: it stops reading at the match, guest_tests dies of SIGPIPE writing the
# tests after it, and under check.sh's pipefail the answer was no.
dkms_wanted() {
	guest_tests "$1" | grep -x "$DKMS_TEST" >/dev/null
}

# guest_tests KERNEL_LABEL: the integration tests (names without .sh) for
# that kernel, matching $DM_BAND_TESTS (a glob, default all).  Tests marked
# "# kernels: stock" measure timing ratios and skip the debug kernel; tests
# marked "# kernels: debug" need its fault injection and run only there;
# "# kernels: 6.12 debug" and the like name the kernels one by one;
# "# kernels: one-stock" (userspace tests: bandctl, LVM commands) runs on
# the run's first stock kernel only, 6.1 unless DM_BAND_KERNELS leaves it out;
# tests marked "# opt-in" run only when DM_BAND_TESTS is set and names them;
# with DM_BAND_STRESS set (make stress), only tests marked "# stress" run.
# kernel_listed KERNEL_LABEL LIST: a test's "# kernels:" list (empty: all)
# names that kernel; "stock" names 6.1 and 6.12, "one-stock" the first of
# them in DM_BAND_KERNELS (default: all).
kernel_listed() {
	local k first
	[ -n "$2" ] || return 0
	first=${3-$(first_stock)}
	for k in $2; do
		[ "$k" = "$1" ] && return 0
		[ "$k" = stock ] && [ "$1" != debug ] && return 0
		[ "$k" = one-stock ] && [ "$1" = "$first" ] && return 0
	done
	return 1
}

# first_stock: the run's first stock kernel (6.1 unless DM_BAND_KERNELS
# leaves it out).
first_stock() {
	case " ${DM_BAND_KERNELS:-6.1 6.12} " in
	*" 6.1 "*) echo 6.1 ;;
	*" 6.12 "*) echo 6.12 ;;
	esac
}

# One awk over all the tests' headers (a sed and two greps per test made
# host/26, which calls this some 25 times, take over two minutes beside
# the guests): per test its name, kernels list, opt-in and stress marks.
guest_tests() {
	local name list optin stress first
	first=$(first_stock)
	awk '
		function out() { if (name != "") printf "%s|%s|%d|%d\n", name, list, optin, stress }
		FNR == 1 {
			out()
			name = FILENAME; sub(/.*\//, "", name); sub(/\.sh$/, "", name)
			list = ""; seen = 0; optin = 0; stress = 0
		}
		!seen && /^# kernels: / { list = substr($0, 12); sub(/\(.*/, "", list); seen = 1 }
		/^# opt-in/ { optin = 1 }
		/^# stress/ { stress = 1 }
		END { out() }' "$top"/tests/integration/[0-9]*.sh |
	while IFS="|" read -r name list optin stress; do
		case $name in ${DM_BAND_TESTS:-*}) ;; *) continue ;; esac
		kernel_listed "$1" "$list" "$first" || continue
		# Opt-in tests run only when DM_BAND_TESTS names them.
		[ -z "${DM_BAND_TESTS:-}" ] && [ "$optin" = 1 ] && continue
		# make stress runs only the tests that have a long version.
		[ -n "${DM_BAND_STRESS:-}" ] && [ "$stress" = 0 ] && continue
		echo "$name"
	done
}

# guest_initramfs KERNEL_LABEL DIR: DIR/initramfs.cpio for that kernel,
# with DIR/src/dm_band.ko, the integration tests, demo/guest.sh and (if
# built) the KUnit modules.  Log in DIR/initramfs.log.  For a guest that
# runs DKMS_TEST, also the module DKMS builds, in /dm-band/dkms: built
# into DIR/dkms (dkms_build_module) unless it is there and current.  When
# that build fails the guest gets the end of its log in place of the
# module, and the test fails.
guest_initramfs() {
	local k=$1 d=$2 pl=$2/payload
	rm -rf "$pl"
	mkdir -p "$pl/dm-band/modules" "$pl/dm-band/tests" "$pl/dm-band/kunit"
	install -m 755 "$top/tests/vm/init" "$pl/init"
	cp "$top/tests/vm/run.sh" "$pl/dm-band/run.sh"
	cp "$top/demo/guest.sh" "$pl/dm-band/demo.sh"
	cp "$d/src/dm_band.ko" "$pl/dm-band/modules/"
	# The userspace tools (check.sh builds them before any guest): a
	# guest without them would fail every bandctl test for a reason the
	# tests cannot tell, so a missing bandctl fails the initramfs here.
	if [ -e "$top/tools/Makefile" ]; then
		mkdir -p "$pl/usr/sbin"
		cp "$top/tools/bandctl/bandctl" "$pl/usr/sbin/" || {
			echo "bandctl is not built (make -C tools)" >"$d/initramfs.log"
			return 1
		}
	fi
	# The tests' own small programs (tests/helpers, built with the tools).
	mkdir -p "$pl/usr/bin"
	for f in "$top"/tests/helpers/*.c; do
		cp "${f%.c}" "$pl/usr/bin/" || {
			echo "${f%.c} is not built (make -C tests/helpers)" >"$d/initramfs.log"
			return 1
		}
	done
	cp "$top/tests/integration/lib.sh" "$pl/dm-band/tests/"
	for t in $(guest_tests "$k"); do
		cp "$top/tests/integration/$t.sh" "$pl/dm-band/tests/"
	done
	if ls "$d"/src/tests/kunit/*.ko >/dev/null 2>&1; then
		cp "$d"/src/tests/kunit/*.ko "$pl/dm-band/kunit/"
	fi
	if dkms_wanted "$k"; then
		mkdir -p "$pl/dm-band/dkms"
		dkms_current "$k" "$d/dkms" || dkms_build_module "$k" "$d/dkms" 2>/dev/null
		if dkms_current "$k" "$d/dkms"; then
			cp "$d"/dkms/dm_band.ko* "$pl/dm-band/dkms/"
		else
			{ echo "dkms build for ${kver[$k]} failed; the end of $d/dkms/dkms.log:"
			  tail -n 30 "$d/dkms/dkms.log"; } >"$pl/dm-band/dkms/build-failed.log" 2>&1
		fi
	fi
	"$top/tests/vm/mkinitramfs.sh" "$d/initramfs.cpio" "${kver[$k]}" \
		"${kmodroot[$k]}" "$pl" >"$d/initramfs.log" 2>&1
}
