# SPDX-License-Identifier: GPL-2.0
#
# settle: `make` builds settle.ko (and the simulated board) against KDIR,
# the BPF objects with their skeletons, and user/settle.  `make demo` and
# `make test` need no kernel headers on the host: they boot Debian kernels
# in qemu and fetch what they build against (tests/vm/).

KDIR ?= /lib/modules/$(shell uname -r)/build
V ?= 0

.PHONY: all modules user deps test test-storm test-debug unit vmtest demo bench fuzz cuda gpu-check check-cuda check-kbuild clean help

all: modules user

help:
	@echo 'targets:'
	@echo '  all (default)  settle.ko + settle_sim.ko against KDIR=$(KDIR), BPF, user/settle'
	@echo '  modules        kernel modules only (honours KDIR, ARCH, CROSS_COMPILE)'
	@echo '  user           user/settle and the BPF skeleton (STATIC=1 for a static binary)'
	@echo '  deps           install the Debian packages the project needs'
	@echo '  test           unit tests + VM end-to-end tests (x86_64 and arm64)'
	@echo '  test-storm     the unload storm at full size: STORM_CYCLES=$(STORM_CYCLES) insmod/rmmod'
	@echo '                 cycles of settle.ko under load (arm64 VM; make test runs 25)'
	@echo '  test-debug     the VM scripts (x86_64) on a 6.1 kernel with lockdep, DEBUG_ATOMIC_SLEEP'
	@echo '                 and KASAN, built once from linux-source-6.1 (~20 min) and cached in'
	@echo '                 $$SETTLE_CACHE (~/.cache/settle); fails on any splat; not in make test'
	@echo '  check-kbuild   kernel matrix: build the modules against Debian 5.10/6.1/6.12'
	@echo '                 (x86_64, arm64) and Tegra234 6.1, warnings as errors'
	@echo '  demo           a campaign on the simulated board (arm64 VM), into demo-out/'
	@echo '  bench          probe sample period and module overhead, side by side'
	@echo '  fuzz           libFuzzer targets, FUZZ_SECONDS=$(FUZZ_SECONDS) each (tests/fuzz)'
	@echo '  cuda           the GPU probe device code (skipped without nvcc; user embeds it)'
	@echo '  check-cuda     the GPU probe built by Debian'"'"'s CUDA 11.2, 11.8 and 12.4 (fetched,'
	@echo '                 unpacked into tests/vm/.cache, never installed), fatbins checked'
	@echo '  gpu-check      on a machine with an NVIDIA GPU: settle probe gpu, both kinds'
	@echo '  install        settle, settle(1) and the docs (PREFIX=$(PREFIX), DESTDIR)'
	@echo '  install-dkms   settle.ko source for DKMS into DESTDIR/usr/src/settle-<version>'

modules:
	@test -d "$(KDIR)" || { echo "settle: no kernel build tree at KDIR=$(KDIR);" \
		"install linux-headers-$$(uname -r) or pass KDIR=/path/to/headers" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: cuda
	$(MAKE) -C user

cuda:
	$(MAKE) -C cuda

gpu-check:
	@tools/gpu-check.sh

deps:
	@tools/deps.sh

unit: deps
	$(MAKE) -C tests/unit check

test: deps
	@tests/run-all.sh

STORM_CYCLES ?= 100
test-storm: deps
	@SETTLE_GUEST_STORM_CYCLES=$(STORM_CYCLES) tests/vm/run.sh --arch arm64 --timeout 1200 \
		--out tests/vm/out/arm64-6.1-storm t-unload-storm.sh

test-debug: deps
	@tests/vm/suite.sh x86_64 debug

check-kbuild: deps
	@tools/check-kbuild.sh

check-cuda: deps
	@tests/cuda/toolkits.sh

demo: deps
	@tests/demo.sh

bench: deps
	@tests/bench.sh

FUZZ_SECONDS ?= 30
fuzz: deps
	@$(MAKE) -s -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)
include tools/install.mk

clean:
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C user clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/fuzz clean
	-$(MAKE) -C cuda clean
	rm -rf build demo-out tests/vm/out
