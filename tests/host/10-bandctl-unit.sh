#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bandctl's unit tests (cmocka, tools/bandctl/tests): build and run them
# with `make -C tools check`, and print their results as one TAP stream,
# renumbered, with one plan.  Each cmocka group prints its own plan and
# numbers; the build and the run of make are points of their own.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

make -C "$TOP/tools" check >"$out" 2>&1
rc=$?
n=0
lines=()
while IFS= read -r line; do
	if [[ $line =~ ^(not\ ok|ok)\ [0-9]+(\ -)?\ (.*)$ ]]; then
		n=$((n + 1))
		lines+=("${BASH_REMATCH[1]} $n - ${BASH_REMATCH[3]}")
	elif [[ $line =~ ^#\ (.*) ]] && [ ${#lines[@]} -gt 0 ]; then
		lines+=("#   ${BASH_REMATCH[1]}")
	fi
done <"$out"
n=$((n + 1))
echo "1..$n"
printf '%s\n' "${lines[@]}"
if [ "$rc" -eq 0 ]; then
	echo "ok $n - make -C tools check exits 0"
else
	echo "not ok $n - make -C tools check exits 0 (status $rc)"
	sed 's/^/#   /' "$out" | tail -n 30
fi
