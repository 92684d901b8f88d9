# SPDX-License-Identifier: GPL-2.0-only
#
# dm-band top-level Makefile.  `make help` lists the targets.

# The kernel to build against: the running kernel's build directory when it
# has one, else the newest Debian headers installed under /usr/src.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))

# Where `make check` and `make demo` keep their outputs (guest console logs,
# per-kernel builds, initramfs images).
BUILD ?= $(CURDIR)/build

.PHONY: all modules tools clean check demo deps help

all: modules tools

# The userspace tools (bandctl), when tools/ has them.
tools:
	@if [ -e tools/Makefile ]; then $(MAKE) -C tools; fi

modules:
	@test -n "$(KDIR)" || { echo "No kernel headers found: install linux-headers-amd64 or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	@if [ -e tools/Makefile ]; then $(MAKE) -C tools clean; fi
	rm -rf $(BUILD)

deps:
	tests/deps.sh

check:
	BUILD=$(BUILD) tests/check.sh

demo:
	BUILD=$(BUILD) demo/run.sh

help:
	@echo "dm-band targets:"
	@echo "  make              build dm_band.ko against KDIR (now: $(or $(KDIR),none found))"
	@echo "                    and the userspace tools (tools/)"
	@echo "  make demo         boot stock 6.12 in QEMU: three jobs in cgroups share an LVM"
	@echo "                    volume 100:200:400; live table, chart in $(BUILD)/demo"
	@echo "  make check        install missing Debian packages (as root), run static checks,"
	@echo "                    build a debug kernel (cached in ~/.cache/dm-band), and run"
	@echo "                    KUnit and integration tests in QEMU guests on stock 6.1,"
	@echo "                    stock 6.12 and the debug kernel; ends with 'N passed, N failed'"
	@echo "  make deps         only install the Debian packages that check needs"
	@echo "  make clean        remove build products and $(BUILD)"
	@echo "Variables: KDIR=<kernel build dir>  BUILD=<output dir>  W=1  C=2"
	@echo "  check honours DM_BAND_KVM=1 (use KVM in guests; hangs on nested hosts)"
	@echo "  and DM_BAND_KERNELS='6.1 6.12 debug' (a subset, for quick local runs)."
