#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The documentation's examples are run as written: every line of the code
# blocks of README.md's "Using it", of bandctl.8's examples (.EX) and of
# Documentation/install.rst's literal blocks is either in the guest test
# tests/integration/42-doc-examples.sh, verbatim (comments after "  #" left
# out), or listed below with the host test that runs it.  Also here: the
# example configuration applies cleanly, and `make -C tools install` (what
# install.rst says to run after `make dkms-install`) installs bandctl, the
# unit, the udev rule and the libvirt hook.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/integration/lib.sh"
guest=$TOP/tests/integration/42-doc-examples.sh

# Lines run by host tests, not in the guest: "line<TAB>where".
host_lines="make && sudo make install	tests/host/21-install.sh
sudo systemctl enable dm-band	tests/host/21-install.sh (the unit, verified)
make	tests/host/21-install.sh
make install	tests/host/21-install.sh
cp /usr/share/doc/dm-band/dm-band.conf.example /etc/dm-band.conf	here (the example applies)
systemctl enable --now dm-band.service	tests/host/21-install.sh (the unit, verified)
make dkms-install	tests/host/20-dkms.sh
make -C tools install	here
DM_BAND_GUEST_WEIGHT=100	tests/host/22-libvirt-hook.sh
virsh dumpxml vm1 | /etc/libvirt/hooks/qemu.d/dm-band vm1 started begin -	tests/host/22-libvirt-hook.sh (the XML from a file, no virsh)
make uninstall	tests/host/21-install.sh
make dkms-uninstall	tests/host/20-dkms.sh"

strip() { sed -e 's/[[:space:]]\{2,\}#.*$//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' | grep -v '^$'; }

readme_lines() {
	awk '/^## Using it/ {u = 1; next} /^## / {u = 0}
	     u && /^```/ {f = !f; next} u && f' "$TOP/README.md" | strip
}
man_lines() {
	awk '/^\.EE/ {f = 0} f; /^\.EX/ {f = 1}' "$TOP/tools/bandctl/bandctl.8" | strip
}
# Literal blocks: after a line ending in "::", the indented lines.
rst_lines() {
	awk '/::$/ {f = 1; next}
	     f && /^$/ {next}
	     f && /^   / {print; next}
	     {f = 0}' "$TOP/Documentation/install.rst" | strip | grep -v '^<'
}

lines=$( { readme_lines; man_lines; rst_lines; } )
n=$(wc -l <<<"$lines")
plan $((n + 5))

while IFS= read -r l; do
	where=$(awk -F'\t' -v l="$l" '$1 == l {print $2}' <<<"$host_lines")
	if [ -n "$where" ]; then
		ok "'$l': run by $where"
	elif grep -qF -- "$l" "$guest"; then
		ok "'$l': in 42-doc-examples.sh"
	else
		not_ok "'$l': in no test (add it to tests/integration/42-doc-examples.sh)"
	fi
done <<<"$lines"

is "README and install.rst examples found" \
	"$(readme_lines | grep -c '^sudo bandctl'); $(rst_lines | grep -c '^bandctl set')" "4; 3"

make -s -C "$TOP/tools" >/dev/null 2>&1
out=$("$TOP/tools/bandctl/bandctl" apply --dry-run "$TOP/tools/systemd/dm-band.conf.example" 2>&1)
is "the example configuration parses and asks for nothing (all commented out)" \
	"$?:$out" "0:"
sed 's/^#\([a-z]\)/\1/' "$TOP/tools/systemd/dm-band.conf.example" >/tmp/doc-example.conf
"$TOP/tools/bandctl/bandctl" apply --dry-run /tmp/doc-example.conf >/dev/null 2>&1
rc=$?
rm -f /tmp/doc-example.conf
check "uncommented, it parses (exit 0, or 1/3/7 for the devices or module this host lacks; 2 is a syntax error)" \
	test "$rc" != 2

d=$(mktemp -d)
cleanup_add "rm -rf '$d'"
check "make -C tools install DESTDIR=: bandctl, man page, completion, unit, udev rule, hook" \
	sh -c "make -s -C '$TOP/tools' install DESTDIR='$d' >/dev/null &&
	       test -x '$d/usr/sbin/bandctl' && test -f '$d/usr/share/man/man8/bandctl.8' &&
	       test -f '$d/usr/share/bash-completion/completions/bandctl' &&
	       test -f '$d/lib/systemd/system/dm-band.service' &&
	       test -f '$d/lib/udev/rules.d/90-dm-band.rules' &&
	       test -x '$d/etc/libvirt/hooks/qemu.d/dm-band'"
check "the udev rule runs /usr/sbin/bandctl apply --device for dm devices, not -orig layers" \
	sh -c "grep -q '/usr/sbin/bandctl apply --device \$env{DM_NAME}' '$d/lib/udev/rules.d/90-dm-band.rules' &&
	       grep -q 'DM_UDEV_DISABLE_OTHER_RULES_FLAG}==\"1\", GOTO=\"dm_band_end\"' '$d/lib/udev/rules.d/90-dm-band.rules' &&
	       ! grep -q '@SBINDIR@' '$d/lib/udev/rules.d/90-dm-band.rules'"
finish
