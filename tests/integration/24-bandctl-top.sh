#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: one-stock (bandctl is userspace: the kernel paths it drives, messages,
# table loads and suspend/resume under I/O, run on the debug kernel in 08,
# 19 and 20; bandctl starts take seconds each there)
# bandctl top under tmux: it draws a screen a second with the groups of the
# device and the rates of the last second, quits on q, leaves on SIGTERM,
# and gives the terminal back as it found it.  --iterations without a
# terminal prints that many screens and exits.
. "$TESTS/lib.sh"
plan 16

export TERM=xterm
band_load
brd_create 64
check "create a band device" bandctl create bctop /dev/ram0 --type pid
cleanup_add "dmsetup remove --retry bctop"
start_job pid 1 /dev/mapper/bctop 60
job=$JOB_PID
cleanup_add "kill $job; wait"
check "attach the reader" bandctl set bctop "pid:$job" 3

# top_session NAME: bandctl top in a detached tmux session (tmux needs a
# UTF-8 locale in the guest: C.UTF-8); the shell
# there saves the terminal settings before and after, and top's status.
top_session() {
	rm -f "/tmp/$1".*
	tmux new-session -d -s "$1" -x 120 -y 30 \
		"stty -g >/tmp/$1.before; bandctl top bctop; echo \$? >/tmp/$1.rc; stty -g >/tmp/$1.after; sleep 30"
}

# wait_for FILE: up to 10 s.
wait_for() {
	local i
	for i in $(seq 50); do
		[ -s "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

check "tmux session with bandctl top" top_session t1
cleanup_add "tmux kill-server"
sleep 3.5
tmux capture-pane -p -t t1 >/tmp/t1.screen
sed 's/^/# /' /tmp/t1.screen | head -n 8
check "the screen names the device, with q to quit" \
	grep -q '^bandctl top: bctop, over the last 1\.[0-9] s (q to quit)$' /tmp/t1.screen
check "it shows the column headers" grep -q '^ID  *JOB  *WEIGHT  *TARGET%' /tmp/t1.screen
check "it shows the reader's row, with its command line and rates" \
	grep -q "^$job  *fio --name=job .* 3  *100\.0  *[0-9.]*  *[0-9][0-9.]*  *[0-9][0-9.]* " /tmp/t1.screen
check "the screen was cleared: one frame only" \
	test "$(grep -c '^bandctl top:' /tmp/t1.screen)" = 1
tmux send-keys -t t1 q
check "q quits" wait_for /tmp/t1.rc
is "with status 0" "$(cat /tmp/t1.rc)" 0
check "the terminal settings are restored" \
	sh -c "test -s /tmp/t1.before && cmp /tmp/t1.before /tmp/t1.after"

check "a second session" top_session t2
sleep 2
check "SIGTERM to top" kill -TERM $(pidof bandctl)
check "it leaves" wait_for /tmp/t2.rc
is "with status 0" "$(cat /tmp/t2.rc)" 0
check "the terminal settings are restored after SIGTERM" \
	sh -c "test -s /tmp/t2.before && cmp /tmp/t2.before /tmp/t2.after"

is "--iterations 2 without a terminal: two screens" \
	"$(bandctl top bctop --iterations 2 </dev/null | grep -c '^bandctl top: bctop')" 2
finish
