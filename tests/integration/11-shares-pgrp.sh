#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kernels: stock (measures shares over seconds: under TCG the debug kernel,
# not the device, would be the bottleneck)
# Weighted shares between jobs told apart by pgrp: 40:20:10.
. "$TESTS/lib.sh"
plan 4

shares_test pgrp "40 20 10"
finish
