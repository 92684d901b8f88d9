#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bandctl's install, man page, help and bash completion, on the host:
# make -C tools install/uninstall with DESTDIR, the man page renders without
# warnings and documents every command and exit status, every command has
# help, and the completion completes.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check() {
	local desc=$1
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc"; echo "$out" | sed 's/^/#   /'; fi
}

bc=$TOP/tools/bandctl/bandctl
cmds="list show set unset reset top create remove wrap unwrap apply"
echo "1..18"

check "make -C tools install DESTDIR" make -C "$TOP/tools" install DESTDIR="$dest"
check "bandctl in /usr/sbin" test -x "$dest/usr/sbin/bandctl"
check "bandctl.8 in /usr/share/man/man8" test -f "$dest/usr/share/man/man8/bandctl.8"
check "completion in /usr/share/bash-completion/completions" \
	test -f "$dest/usr/share/bash-completion/completions/bandctl"
check "the man page renders without warnings" \
	bash -c "w=\$(MANWIDTH=80 man --warnings -l '$dest/usr/share/man/man8/bandctl.8' 2>&1 >/dev/null) && test -z \"\$w\""
man=$(MANWIDTH=200 man -l "$dest/usr/share/man/man8/bandctl.8" 2>/dev/null | col -b)
missing=
for c in $cmds; do
	grep -q "^ *bandctl $c" <<<"$man" || missing+=" $c"
done
check "the man page's synopsis has every command" test -z "$missing"
missing=
for s in 0 1 2 3 4 5 6 7 8; do
	grep -q "^ *$s  *[A-Z]" <<<"$man" || missing+=" $s"
done
check "the man page documents exit statuses 0 to 8" test -z "$missing"
missing=
for k in name band_group type policy token_base idle_us epoch since seconds \
	groups id job weight tokens target_share share iops mbps read_bios \
	read_sectors write_bios write_sectors held held_total in_flight device; do
	grep -qw "$k" <<<"$man" || missing+=" $k"
done
check "the man page documents the JSON keys" test -z "$missing"
missing=
for c in $cmds; do
	"$bc" help "$c" >/dev/null && [ "$("$bc" "$c" --help)" = "$("$bc" help "$c")" ] ||
		missing+=" $c"
done
check "bandctl help CMD and CMD --help for every command" test -z "$missing"
check "bandctl help lists every command" \
	bash -c "for c in $cmds; do '$bc' help | grep -q \"^  \$c \" || exit 1; done"
check "bandctl help of an unknown command: exit 2" \
	bash -c "'$bc' help frob 2>/dev/null; test \$? = 2"
check "no command: exit 2" bash -c "'$bc' 2>/dev/null; test \$? = 2"
check "bash -n on the completion" bash -n "$dest/usr/share/bash-completion/completions/bandctl"
comp() {
	bash -c ". '$dest/usr/share/bash-completion/completions/bandctl'
		COMP_WORDS=($1); COMP_CWORD=$2; _bandctl; echo \"\${COMPREPLY[*]}\""
}
check "completes the commands" test "$(comp "bandctl ''" 1)" = \
	"list show set unset reset top create remove wrap unwrap apply check watch help --help --version"
check "completes --type" test "$(comp "bandctl create x /dev/x --type u" 5)" = uid
check "completes uid:root" test "$(comp "bandctl set dev uid:roo" 3)" = uid:root
check "make -C tools uninstall DESTDIR" make -C "$TOP/tools" uninstall DESTDIR="$dest"
check "uninstall leaves no file" test -z "$(find "$dest" -type f)"
exit $failed
