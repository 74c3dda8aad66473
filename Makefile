# SPDX-License-Identifier: GPL-2.0
# openvswitch_rs developer entry points. `make help` lists them.
#
# The module is built out of tree by Kbuild (see ./Kbuild) in a build
# directory per kernel, so the source tree stays clean and the default and
# debug kernels each get a module built against their own headers.

FLAVOUR ?= default
ifeq ($(origin KDIR), undefined)
  # The project's own test kernel, built (and cached) on first use.
  KDIR = $(shell scripts/build-kernel $(FLAVOUR))/build
  BUILD_DIR ?= build/$(FLAVOUR)
else
  BUILD_DIR ?= build/kdir
endif
MODULE_SRCS := Kbuild $(shell find src include -type f)

# dkms, sudo and a kernel upgrade's hooks run make with a PATH that lacks
# rustup's directory; the scripts look there first (scripts/env.sh).
export PATH := $(HOME)/.cargo/bin:$(PATH)

# Kbuild runs bindgen over include/ovs_rs_glue.h, which needs libclang:
# the one scripts/setup installs, unless the caller set LIBCLANG_PATH.
# The same for the core library source `make rustavailable` looks for.
OVSRS_LIBCLANG_DIR := $(shell bash -c '. scripts/env.sh && echo "$$OVSRS_LIBCLANG_DIR"')
OVSRS_RUST_LIB_SRC := $(shell bash -c '. scripts/env.sh && ovsrs_rust_lib_src' 2>/dev/null)
ifeq ($(origin LIBCLANG_PATH), undefined)
  ifneq ($(wildcard $(OVSRS_LIBCLANG_DIR)/libclang.so),)
    export LIBCLANG_PATH := $(OVSRS_LIBCLANG_DIR)
  endif
endif
ifeq ($(origin RUST_LIB_SRC), undefined)
  ifneq ($(wildcard $(OVSRS_RUST_LIB_SRC)/core),)
    export RUST_LIB_SRC := $(OVSRS_RUST_LIB_SRC)
  endif
endif

# DKMS (dkms.conf): the module's source tree as dkms builds it.
DKMS_NAME := openvswitch_rs
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SOURCES := Makefile Kbuild dkms.conf src include scripts/env.sh scripts/check-toolchain dist
DKMS_SRC_DIR ?= /usr/src/$(DKMS_NAME)-$(DKMS_VERSION)
MODPROBE_CONF := /etc/modprobe.d/openvswitch_rs.conf
# dkms runs make itself, without our make's flags and jobserver.
DKMS := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dkms

.PHONY: all module setup kernel modules_install clean check check-debug host-test vm-test demo fuzz lint selftests meter-rate ovn-test help \
	fuzz-kernel fuzz-kernel-tools bench bench-smoke bench-profile bench-tools dkms-src dkms-install dkms-uninstall dkms-test-build

all: module

help:
	@echo "make setup            install toolchain and packages (Debian 12, root)"
	@echo "make [module]         build $(BUILD_DIR)/openvswitch_rs.ko (FLAVOUR=debug, or KDIR=/your/kernel/build)"
	@echo "make kernel           build the cached test kernel (FLAVOUR=default|debug)"
	@echo "make check            everything CI runs: build, KUnit + VM tests, host tests"
	@echo "make check-debug      every VM test on the debug kernel (CI: the lifecycle subset)"
	@echo "make vm-test T=name   one VM test from tests/vm/ (e.g. T=families)"
	@echo "make host-test        cargo test of the pure logic"
	@echo "make lint             rustfmt, clippy (CLIPPY=1) and checkpatch, all clean"
	@echo "make selftests        every kernel openvswitch selftest case, openvswitch.ko vs openvswitch_rs"
	@echo "make meter-rate       the meter_rate VM test in full (CI runs one short round)"
	@echo "make ovn-test         OVN on two hypervisors (Geneve, router, ACL with a logging meter),"
	@echo "                      both modules (OVSRS_T_OVN_MODULES=openvswitch: the C one alone)"
	@echo "make fuzz             fuzz the netlink parsers on the host (FUZZ_SECONDS per target, default 600)"
	@echo "make fuzz-kernel      the in-guest genetlink fuzzing campaign on the debug kernel (long;"
	@echo "                      FUZZ_KERNEL_RUNS, FUZZ_KERNEL_STEPS; Documentation/fuzzing.md)"
	@echo "make demo             boot the VM, load the module, start ovs-vswitchd, pass traffic"
	@echo "make modules_install  install into /lib/modules (or INSTALL_MOD_PATH)"
	@echo "make dkms-install     switch this machine to openvswitch_rs: dkms add/build/install for the"
	@echo "                      running kernel (and each later one), and $(MODPROBE_CONF)"
	@echo "make dkms-uninstall   switch back to openvswitch.ko (Documentation/networking/openvswitch_rs.rst)"
	@echo "make bench            openvswitch.ko vs openvswitch_rs, alternately in one VM: table,"
	@echo "                      build/bench/bench.json and bench.png (BENCH_ROUNDS, BENCH_SECONDS)"
	@echo "make bench-smoke      the same, one short round, checked (the bench_smoke VM test)"
	@echo "make bench-profile    perf profiles of both modules into build/bench/profile-*.txt"

setup:
	scripts/setup

kernel:
	scripts/build-kernel $(FLAVOUR)

# Kbuild writes objects next to the sources it compiles, so it compiles a
# copy of them in BUILD_DIR.
module: $(BUILD_DIR)/openvswitch_rs.ko

$(BUILD_DIR)/openvswitch_rs.ko: $(MODULE_SRCS)
	@scripts/check-toolchain "$(KDIR)"
	mkdir -p $(BUILD_DIR)
	rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
		--exclude '*.mod*' --exclude 'modules.order' --exclude 'Module.symvers' \
		--exclude '.tmp*' --exclude '*.d' --exclude '*.rmeta' \
		Kbuild src include $(BUILD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD_DIR)) LLVM= modules

modules_install: module
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD_DIR)) LLVM= modules_install

# The source tree dkms builds from (DKMS_SRC_DIR, /usr/src/NAME-VERSION).
dkms-src:
	rm -rf $(DKMS_SRC_DIR)
	mkdir -p $(DKMS_SRC_DIR)
	cp -a --parents $(DKMS_SOURCES) $(DKMS_SRC_DIR)/

# As root: the module for the running kernel, rebuilt by dkms for each
# kernel installed later, and the modprobe.d file that makes it serve
# "modprobe openvswitch". A version already in dkms is replaced.
dkms-install:
	@command -v dkms >/dev/null || { echo "dkms not found: apt-get install dkms"; exit 1; }
	! $(DKMS) status -m $(DKMS_NAME) -v $(DKMS_VERSION) | grep -q . || $(DKMS) remove $(DKMS_NAME)/$(DKMS_VERSION) --all
	$(MAKE) dkms-src
	$(DKMS) add $(DKMS_NAME)/$(DKMS_VERSION)
	$(DKMS) install $(DKMS_NAME)/$(DKMS_VERSION)
	install -m 0644 dist/modprobe.d/openvswitch_rs.conf $(MODPROBE_CONF)

# Back to openvswitch.ko: the modprobe.d file, the module from every kernel
# and its source go. (A loaded openvswitch_rs stays until modprobe -r.)
dkms-uninstall:
	rm -f $(MODPROBE_CONF)
	! $(DKMS) status -m $(DKMS_NAME) -v $(DKMS_VERSION) | grep -q . || $(DKMS) remove $(DKMS_NAME)/$(DKMS_VERSION) --all
	rm -rf $(DKMS_SRC_DIR)

# For tests/vm/test_dkms.sh: dkms add and build against KDIR in a private
# dkms tree under BUILD_DIR (nothing written to /var/lib/dkms or /usr/src),
# packed by dkms mktarball for the guest's dkms ldtarball and install.
DKMS_TEST_DIR = $(abspath $(BUILD_DIR))/dkms
DKMS_TEST = $(DKMS) --dkmstree $(DKMS_TEST_DIR)/tree --sourcetree $(DKMS_TEST_DIR)/src
dkms-test-build:
	@test -f "$(KDIR)/include/config/kernel.release" || { echo "KDIR=$(KDIR) is not a kernel build tree"; exit 1; }
	rm -rf $(DKMS_TEST_DIR)
	mkdir -p $(DKMS_TEST_DIR)/tree
	$(MAKE) dkms-src DKMS_SRC_DIR=$(DKMS_TEST_DIR)/src/$(DKMS_NAME)-$(DKMS_VERSION)
	$(DKMS_TEST) add $(DKMS_NAME)/$(DKMS_VERSION)
	$(DKMS_TEST) build $(DKMS_NAME)/$(DKMS_VERSION) -k "$$(cat $(KDIR)/include/config/kernel.release)" \
		--kernelsourcedir $(KDIR)
	$(DKMS_TEST) mktarball $(DKMS_NAME)/$(DKMS_VERSION) -k "$$(cat $(KDIR)/include/config/kernel.release)" \
		--archive $(DKMS_TEST_DIR)/$(DKMS_NAME)-$(DKMS_VERSION).dkms.tar.gz

host-test:
	cd host && cargo test

lint:
	scripts/lint

# The meter_rate VM test in full: 2 rounds of 10 s windows (CI: 1 of 3 s).
meter-rate: module
	OVSRS_T_METER_ROUNDS=2 OVSRS_T_METER_SECONDS=10 OVSRS_VM_TIMEOUT=1800 scripts/check --only meter_rate --flavour default

# OVN on two hypervisors (tests/vm/test_ovn.sh), on both modules, or on
# the ones OVSRS_T_OVN_MODULES names; ~2 min per module.
ovn-test: module
	scripts/check --only ovn --flavour default

# Every case of the kernel's openvswitch selftests, on both modules.
selftests: module
	OVSRS_T_SELFTESTS=all OVSRS_VM_TIMEOUT=3600 scripts/check --only selftests

fuzz:
	scripts/fuzz $(FUZZ_SECONDS)

# The in-guest fuzzer (tests/fuzz-kernel/): a static binary built on the
# host, run in the VM from the shared root like the bench tools.
FUZZ_KERNEL_SRCS := $(wildcard tests/fuzz-kernel/*.c tests/fuzz-kernel/*.h)

fuzz-kernel-tools: build/fuzz-kernel/ovsfuzz

build/fuzz-kernel/ovsfuzz: $(FUZZ_KERNEL_SRCS)
	@mkdir -p build/fuzz-kernel
	gcc -O2 -g -Wall -Wextra -D_GNU_SOURCE -static -pthread -o $@ $(filter %.c,$^)

fuzz-kernel:
	$(MAKE) FLAVOUR=debug module
	$(MAKE) fuzz-kernel-tools
	scripts/fuzz-kernel

vm-test:
	scripts/check --only "$(T)"

check:
	scripts/check

# Every VM test on the lockdep/kmemleak/KFENCE kernel (CI runs only the
# lifecycle and leak subset there).
check-debug:
	scripts/check --no-host --all-on debug

demo:
	scripts/demo

# Benchmarks (Documentation/bench.md). The C tools are built on the host;
# the guest runs them from the shared root.
BENCH_TOOLS := build/bench/flowbench build/bench/upcall_drain

bench-tools: $(BENCH_TOOLS)

build/bench/%: bench/%.c
	@mkdir -p build/bench
	gcc -O2 -Wall -Wextra -o $@ $<

bench: module bench-tools
	scripts/bench

bench-smoke: module bench-tools
	scripts/bench --smoke

bench-profile: module bench-tools
	scripts/bench --profile

clean:
	rm -rf build host/target host/fuzz/target
