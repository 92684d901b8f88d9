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

# Installation.  DESTDIR stages everything under another root (no depmod,
# no systemctl); PREFIX is for bandctl and the documentation.
DESTDIR ?=
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
DOCDIR ?= $(PREFIX)/share/doc/dm-band
UNITDIR ?= /lib/systemd/system
# libvirt (6.5 and later) runs every executable in hooks/qemu.d/ as it runs
# hooks/qemu, so an existing qemu hook is left alone.
LIBVIRT_HOOKDIR ?= /etc/libvirt/hooks/qemu.d
# DKMS source tree: dkms-install copies the sources to $(DKMS_SRCTREE)/dm-band-<version>.
DKMS_SRCTREE ?= /usr/src

VERSION := $(shell cat $(CURDIR)/VERSION)
# The kernel release KDIR builds for, as in the module's vermagic (Debian's
# 6.1 headers say 6.1.x to `make kernelrelease`, not 6.1.0-N-amd64).
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# modules_install signs with the kernel's key when CONFIG_MODULE_SIG_ALL=y;
# distribution headers do not ship that key, so sign only when it is there.
sig_key = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
nosign = $(if $(wildcard $(if $(filter /%,$(sig_key)),$(sig_key),$(KDIR)/$(sig_key))),,CONFIG_MODULE_SIG_ALL=)
# Files install puts outside the module tree and the tools, as
# source:destination:mode.  @SBINDIR@ and @DOCDIR@ in them are filled in.
install_files = \
	tools/systemd/dm-band.service:$(UNITDIR)/dm-band.service:644 \
	tools/libvirt/qemu:$(LIBVIRT_HOOKDIR)/dm-band:755 \
	tools/systemd/dm-band.conf.example:$(DOCDIR)/dm-band.conf.example:644 \
	Documentation/install.rst:$(DOCDIR)/install.rst:644 \
	Documentation/dm-band.rst:$(DOCDIR)/dm-band.rst:644
# What tools/Makefile installs, for uninstall when it has no uninstall target.
tools_files = $(SBINDIR)/bandctl $(PREFIX)/share/man/man8/bandctl.8 \
	$(PREFIX)/share/man/man8/bandctl.8.gz \
	$(PREFIX)/share/bash-completion/completions/bandctl
# The sources DKMS builds from.
dkms_files = Kbuild Makefile VERSION $(wildcard *.c) $(wildcard include/*.h)
dkms_dir = $(DKMS_SRCTREE)/dm-band-$(VERSION)
systemd_live = test -n "$(DESTDIR)" || ! test -d /run/systemd/system

.PHONY: all modules tools clean clean-module check demo deps help
.PHONY: bench stress
.PHONY: install uninstall dkms-source dkms-install dkms-uninstall
.PHONY: deb

all: modules tools

# The userspace tools (bandctl), when tools/ has them.
tools:
	@if [ -e tools/Makefile ]; then $(MAKE) -C tools; fi

modules:
	@test -n "$(KDIR)" || { echo "No kernel headers found: install linux-headers-amd64 or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# clean-module: only the module's objects (what DKMS's CLEAN runs; it must
# not touch a BUILD directory inherited from the caller's environment).
clean-module:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

clean: clean-module
	@if [ -e tools/Makefile ]; then $(MAKE) -C tools clean; fi
	rm -rf $(BUILD)

deps:
	tests/deps.sh

install: modules tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true $(nosign) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	@set -e; for f in $(install_files); do \
		src=$${f%%:*}; rest=$${f#*:}; dst=$(DESTDIR)$${rest%:*}; mode=$${f##*:}; \
		echo "  INSTALL $$dst"; \
		install -d "$$(dirname "$$dst")"; \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' "$$src" >"$$dst"; \
		chmod "$$mode" "$$dst"; \
	done
	@if [ -e tools/Makefile ]; then \
		$(MAKE) -C tools install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX); fi
	@$(systemd_live) || systemctl daemon-reload

uninstall:
	@test -n "$(KVER)" || { echo "Cannot tell the kernel release from KDIR=$(KDIR)" >&2; exit 1; }
	rm -f $(foreach s,'' .xz .gz .zst,$(DESTDIR)/lib/modules/$(KVER)/updates/dm_band.ko$(s))
	$(if $(DESTDIR),,depmod -a $(KVER))
	@$(systemd_live) || systemctl --no-reload disable dm-band.service 2>/dev/null || true
	@for f in $(install_files); do \
		rest=$${f#*:}; dst=$(DESTDIR)$${rest%:*}; \
		if [ -e "$$dst" ]; then echo "  RM      $$dst"; rm -f "$$dst"; fi; \
	done
	@if [ -e tools/Makefile ] && grep -q '^uninstall:' tools/Makefile; then \
		$(MAKE) -C tools uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX); \
	else rm -f $(addprefix $(DESTDIR),$(tools_files)); fi
	@rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@$(systemd_live) || systemctl daemon-reload

# The DKMS source tree, dkms.conf with its version filled in.
dkms-source:
	rm -rf $(dkms_dir)
	install -d $(dkms_dir)
	cp $(dkms_files) --parents -t $(dkms_dir)
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(dkms_dir)/dkms.conf

dkms-install: dkms-source
	@test -n "$(KVER)" || { echo "Cannot tell the kernel release from KDIR=$(KDIR)" >&2; exit 1; }
	@# Again after an earlier dkms-install: dkms add refuses a version it has.
	-dkms remove -m dm-band -v $(VERSION) --all >/dev/null 2>&1
	dkms add -m dm-band -v $(VERSION)
	dkms install -m dm-band -v $(VERSION) -k $(KVER)

dkms-uninstall:
	dkms remove -m dm-band -v $(VERSION) --all
	rm -rf $(dkms_dir)

# The Debian packages dm-band-dkms and bandctl (debian/), built with
# debhelper in a copy of the tree (what git tracks or would, less the
# tests, the demo and CI) so that the work tree stays as it is.  The
# version is VERSION's: debian/changelog gets an entry for it in the copy
# when its own differs.  lintian must find no error or warning.
deb_dir = $(BUILD)/deb
deb_src = $(deb_dir)/dm-band-$(VERSION)
deb:
	tests/deps.sh deb
	rm -rf $(deb_dir)
	mkdir -p $(deb_src)
	@{ git ls-files -co --exclude-standard 2>/dev/null || \
	   find . \( -path ./build -o -path ./.git \) -prune -o -type f -print; } | \
		sed 's|^\./||' | grep -vE '^(tests|demo|\.ci|build)/|(^|/)(__pycache__/|\.gitignore$$)|\.(o|ko|a|mod|mod\.c|cmd)$$' | \
		while IFS= read -r f; do [ ! -f "$$f" ] || printf '%s\0' "$$f"; done | \
		xargs -0 cp --parents -t $(deb_src)
	@cd $(deb_src) && if [ "$$(dpkg-parsechangelog -SVersion)" != "$(VERSION)" ]; then \
		echo "  debian/changelog: adding an entry for $(VERSION)"; \
		{ printf 'dm-band (%s) unstable; urgency=medium\n\n  * Version %s (the VERSION file).\n\n -- %s  %s\n\n' \
			"$(VERSION)" "$(VERSION)" "$$(dpkg-parsechangelog -SMaintainer)" "$$(date -R)"; \
		  cat debian/changelog; } >debian/changelog.new && mv debian/changelog.new debian/changelog; fi
	cd $(deb_src) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u KDIR -u DESTDIR -u PREFIX \
		dpkg-buildpackage -us -uc
	lintian --fail-on error,warning $(deb_dir)/dm-band_$(VERSION)_*.changes >$(deb_dir)/lintian.log 2>&1 || \
		{ cat $(deb_dir)/lintian.log; exit 1; }
	@cat $(deb_dir)/lintian.log
	rm -rf $(deb_src)
	@ls $(deb_dir)/*.deb

check:
	BUILD=$(BUILD) tests/check.sh

demo:
	BUILD=$(BUILD) demo/run.sh

bench:
	BUILD=$(BUILD) tests/bench/run.sh

stress:
	DM_BAND_STRESS=1 BUILD=$(BUILD)/stress tests/check.sh

help:
	@echo "dm-band targets:"
	@echo "  make              build dm_band.ko against KDIR (now: $(or $(KDIR),none found))"
	@echo "                    and the userspace tools (tools/)"
	@echo "  make demo         boot stock 6.12 in QEMU: three jobs in cgroups share an LVM"
	@echo "                    volume 100:200:400; live table, chart in $(BUILD)/demo"
	@echo "  make bench        boot stock 6.12 in QEMU and measure dm-band against no"
	@echo "                    controller, BFQ, iocost and dm-linear on null_blk (shares,"
	@echo "                    latency, settling, overhead, per-bio cost and its split):"
	@echo "                    report.md, results.csv and charts in"
	@echo "                    $(BUILD)/bench/<kernel>; about 2.5 hours"
	@echo "  make check        install missing Debian packages (as root), run static checks,"
	@echo "                    build bandctl and run its unit tests and the host tests"
	@echo "                    (install, DKMS, libvirt hook), build a debug kernel (cached"
	@echo "                    in ~/.cache/dm-band), and run KUnit and integration tests in"
	@echo "                    QEMU guests on stock 6.1, stock 6.12 and the debug kernel;"
	@echo "                    ends with 'N passed, N failed'"
	@echo "  make stress       the long versions of the tests marked '# stress' (bad-input"
	@echo "                    fuzzing, faults below, churn under load, scale) in the three guests;"
	@echo "                    output in $(BUILD)/stress, ends with 'N passed, N failed'"
	@echo "  make deps         only install the Debian packages that check needs"
	@echo "  make clean        remove build products and $(BUILD)"
	@echo "  make install      install dm_band.ko to /lib/modules/$(or $(KVER),<kver>)/updates (then"
	@echo "                    depmod), bandctl with its man page and completion, the"
	@echo "                    dm-band.service unit, the libvirt hook and an example"
	@echo "                    /etc/dm-band.conf in $(DOCDIR)"
	@echo "  make uninstall    remove what install installed (same KDIR, DESTDIR, PREFIX)"
	@echo "  make dkms-install copy the sources to $(dkms_dir) and dkms add,"
	@echo "                    build and install them for KDIR's kernel; DKMS rebuilds"
	@echo "                    the module for every new kernel"
	@echo "  make dkms-uninstall  dkms remove it from all kernels, delete $(dkms_dir)"
	@echo "  make deb          the Debian packages dm-band-dkms (the module, through DKMS)"
	@echo "                    and bandctl (tool, units, udev rule, libvirt hook), checked"
	@echo "                    by lintian, in $(BUILD)/deb; installs debhelper, dh-dkms"
	@echo "                    and lintian (as root). Then: apt install $(BUILD)/deb/*.deb"
	@echo "Variables: KDIR=<kernel build dir>  BUILD=<output dir>  W=1  C=2"
	@echo "  install honours DESTDIR=<staging root> (no depmod, no systemctl), PREFIX=/usr"
	@echo "  check honours DM_BAND_KVM=1 (use KVM in guests; hangs on nested hosts)"
	@echo "  and DM_BAND_KERNELS='6.1 6.12 debug' (a subset, for quick local runs)."
	@echo "  bench honours KERNELS='6.12' (or 6.1), BENCH_ROUNDS=3, BENCH_FAST_ROUNDS=15"
	@echo "  (rounds of overhead, cost and split), BENCH_SECS=5, BENCH_SCENARIOS (a subset"
	@echo "  of friendly skewed qd1 seqrand buffered groups settle overhead cost limits"
	@echo "  split, or 1-11),"
	@echo "  BENCH_COST_NR=1000000 and BENCH_RETRIES=2 (boots of a guest that died, going"
	@echo "  on after its last finished run)."
