#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Which integration tests each guest runs (tests/vm/host-lib.sh guest_tests):
# the "# kernels:" lines, with their comments in parentheses, "# opt-in" and
# make stress's "# stress"; and which guests get the DKMS-built module
# (dkms_wanted).  A "(... the debug kernel ...)" comment once put the share
# tests on the debug kernel.
set -u
# The defaults are under test: not the selection this make check runs
# with (DM_BAND_KERNELS=6.12 make check failed check 11 here).
unset DM_BAND_KERNELS DM_BAND_TESTS DM_BAND_STRESS
top=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/vm/host-lib.sh"
n=0
fails=0
echo "1..15"
has() { # has KERNEL TEST: guest_tests KERNEL lists TEST
	guest_tests "$1" | grep -qx "$2"
}
t() { # t DESC CMD...
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi
}
desc="share test 10 (kernels: stock, with a comment) not on debug"
t eval '! has debug 10-shares-pid'
desc="share test 10 on 6.1 and 6.12"
t eval 'has 6.1 10-shares-pid && has 6.12 10-shares-pid'
desc="33 (kernels: debug) only on debug"
t eval 'has debug 33-reload-no-alloc && ! has 6.1 33-reload-no-alloc && ! has 6.12 33-reload-no-alloc'
desc="46 (kernels: 6.12 debug) on 6.12 and debug, not 6.1"
t eval 'has 6.12 46-fuzz && has debug 46-fuzz && ! has 6.1 46-fuzz'
desc="a test with no kernels line everywhere"
t eval 'has 6.1 01-module && has 6.12 01-module && has debug 01-module'
# No test is opt-in today: a tree of one that is.
optin=$(mktemp -d)
trap 'rm -rf "$optin"' EXIT
mkdir -p "$optin/tests/integration"
printf '#!/bin/bash\n# kernels: stock\n# opt-in: a test\n' >"$optin/tests/integration/99-optin.sh"
desc="an opt-in test not in the default run"
t eval '! (top=$optin; DM_BAND_TESTS= has 6.12 99-optin)'
desc="an opt-in test when DM_BAND_TESTS names it"
t eval '(top=$optin; DM_BAND_TESTS="99*" has 6.12 99-optin)'
desc="34 (kernels: 6.12) in the default run on 6.12 only"
t eval 'has 6.12 34-work-conserving && ! has 6.1 34-work-conserving && ! has debug 34-work-conserving'
desc="make stress: only '# stress' tests (27 yes, 01 no)"
t eval 'DM_BAND_STRESS=1 has 6.12 27-detach-race && ! DM_BAND_STRESS=1 has 6.12 01-module'
desc="make stress keeps the kernels lines (no 10 on debug, no 46 on 6.1)"
t eval '! DM_BAND_STRESS=1 has 6.1 46-fuzz && DM_BAND_STRESS=1 has debug 46-fuzz'
desc="22 (kernels: one-stock) on 6.1 only by default"
t eval 'has 6.1 22-bandctl && ! has 6.12 22-bandctl && ! has debug 22-bandctl'
desc="22 on 6.12 when DM_BAND_KERNELS leaves 6.1 out"
t eval 'DM_BAND_KERNELS="6.12 debug" has 6.12 22-bandctl && ! DM_BAND_KERNELS="6.12 debug" has debug 22-bandctl'
desc="56 (kernels: stock, the DKMS-built module) on 6.1 and 6.12, not debug"
t eval 'has 6.1 56-dkms-module && has 6.12 56-dkms-module && ! has debug 56-dkms-module'
desc="the DKMS module is built for a guest that runs 56 only (not debug, not DM_BAND_TESTS=01*)"
t eval 'dkms_wanted 6.12 && ! dkms_wanted debug && ! DM_BAND_TESTS="01*" dkms_wanted 6.12'
# check.sh runs with pipefail: there a reader that stops at the first
# match (grep -q) made guest_tests die of SIGPIPE once 57 came after 56,
# and no stock guest got the DKMS module.
desc="with pipefail (as check.sh), 6.1 and 6.12 get the DKMS module"
t bash -o pipefail -c "top='$top'; . '$top/tests/vm/host-lib.sh' && dkms_wanted 6.1 && dkms_wanted 6.12"
exit $((fails > 0))
