#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bandctl's -S/--select and top's report options, where the host can see
# them without the module: list, show and top take -S (and top --noheadings,
# --separator, --reportformat) on their command line and in their --help;
# -S help prints libdevmapper's selection help on stderr and exits 0 before
# any device is looked at; --json refuses -S; the man page documents -S;
# bash completion offers -S and completes field names after it.  What a
# selection picks is in the unit tests (test-report) and guest test 53.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
make -C "$TOP/tools" >/dev/null 2>&1 || { echo "1..0 # SKIP make -C tools failed"; exit 0; }
B=$TOP/tools/bandctl/bandctl
echo "1..11"
n=0
is() {
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   got:      '$2'"
		echo "#   expected: '$3'"
	fi
}
for c in list show top; do
	is "$c --help lists -S, --select" "$("$B" "$c" --help | grep -c -- '-S, --select')" 1
done
is "top --help lists --noheadings and --separator" \
	"$("$B" top --help | grep -c -- '^  --noheadings \|^  --separator ')" 2
"$B" list -S help >/tmp/sel.$$.out 2>/tmp/sel.$$.err
rc=$?
is "list -S help: exit 0, the selection's operators on stderr, nothing on stdout" \
	"$rc $(grep -c 'Selection operators' /tmp/sel.$$.err) $(wc -c </tmp/sel.$$.out)" "0 1 0"
"$B" top -S '?' --iterations 1 nodev >/dev/null 2>/tmp/sel.$$.err
is "top -S ?: exit 0, show's fields" "$? $(grep -c 'target_share' /tmp/sel.$$.err)" "0 1"
"$B" list --json -S 'groups>1' >/dev/null 2>/tmp/sel.$$.err
is "--json refuses -S: usage error" "$? $(grep -c -- '--select' /tmp/sel.$$.err)" "2 1"
rm -f /tmp/sel.$$.out /tmp/sel.$$.err
is "the man page documents -S, --select" \
	"$(man -l "$TOP/tools/bandctl/bandctl.8" 2>/dev/null | grep -c -- '-S, --select')" 1

bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	for i in 1 2 3; do n=$((n + 1)); echo "ok $n # SKIP no $bc"; done
	exit 0
fi
# shellcheck disable=SC1090
. "$bc"
. "$TOP/tools/bandctl/bandctl.bash-completion"
complete_line() {
	read -r -a COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_LINE=$1 COMP_POINT=${#1} COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_bandctl bandctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
is "-S completes a field name" "$(complete_line 'bandctl show dev -S targ')" "target_share "
is "--select: list's fields" "$(complete_line 'bandctl list --select ban')" "band_group "
is "top offers --select and --separator" "$(complete_line 'bandctl top dev --se')" \
	"--select --separator "
