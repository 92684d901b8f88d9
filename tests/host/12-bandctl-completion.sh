#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bandctl's bash completion, with the bash-completion package's helpers:
# jobs with a ':' (uid:, gid:, cgroup:) complete although ':' is in
# COMP_WORDBREAKS (bash splits uid:ro into uid, :, ro), commands include
# check, and --version is offered; the report options (-o, -O) complete
# field names, each of a comma-separated list.  Skipped without bash-completion.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "1..0 # SKIP no $bc (apt-get install bash-completion)"
	exit 0
fi
# shellcheck disable=SC1090
. "$bc"
. "$TOP/tools/bandctl/bandctl.bash-completion"
echo "1..12"
n=0
# complete LINE: COMPREPLY for the line, the cursor at its end, split as
# readline does (on COMP_WORDBREAKS).
complete_line() {
	COMP_LINE=$1
	COMP_POINT=${#1}
	# bash's own split: ':' and '=' are word breaks.
	read -r -a COMP_WORDS <<<"$(sed 's/:/ : /g; s/ : $/ :/' <<<"$1")"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	[[ $1 == *: ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_bandctl bandctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
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
is "uid:ro completes to the user, without the uid: bash keeps" \
	"$(complete_line 'bandctl set dev uid:ro')" "root "
is "gid:roo completes too" "$(complete_line 'bandctl set dev gid:roo')" "root "
is "uid: lists users" "$(complete_line 'bandctl set dev uid:' | grep -c root)" 1
is "a job's kinds" "$(complete_line 'bandctl set dev cg')" "cgroup:/ "
is "commands include check" "$(complete_line 'bandctl ch')" "check "
is "--version" "$(complete_line 'bandctl --v')" "--version "
is "show offers --band-group" "$(complete_line 'bandctl show --band')" "--band-group "
is "unit: is a job kind, watch a command" "$(complete_line 'bandctl set dev un')$(complete_line 'bandctl wat')" "unit: watch "
is "show offers the report options" "$(complete_line 'bandctl show dev --no')" "--noheadings "
is "-o completes a field, after a comma too" \
	"$(complete_line 'bandctl show dev -o tar')$(complete_line 'bandctl show dev -o id,jo')" \
	"target_share id,job "
is "--sort: list's fields, -FIELD too" "$(complete_line 'bandctl list --sort -gr')" "-groups "
is "--reportformat: basic or json" "$(complete_line 'bandctl list --reportformat ')" "basic json "
