#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The module loads and unloads, registers the "band" target, and cannot be
# unloaded while a band device uses it.
. "$TESTS/lib.sh"
plan 8

check "dm-mod loads" modprobe dm-mod
check "dm_band.ko loads" insmod "$MODULE"
check "dmsetup targets lists band" sh -c 'dmsetup targets | grep -q "^band "'
check "dm_band unloads" rmmod dm_band
check_fails "band target gone after unload" sh -c 'dmsetup targets | grep -q "^band "'
check "dm_band.ko loads again" insmod "$MODULE"

brd_create 16
dm_create mod0 "0 $(sectors /dev/ram0) band /dev/ram0 0 mod none weight 0"
check_fails "rmmod refused while a band device exists" rmmod dm_band
dmsetup remove mod0
check "rmmod succeeds once the device is removed" rmmod dm_band
finish
