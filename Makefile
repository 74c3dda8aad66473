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

# Kbuild runs bindgen over include/ovs_rs_glue.h, which needs libclang:
# the one scripts/setup installs, unless the caller set LIBCLANG_PATH.
OVSRS_LIBCLANG_DIR := $(shell bash -c '. scripts/env.sh && echo "$$OVSRS_LIBCLANG_DIR"')
ifeq ($(origin LIBCLANG_PATH), undefined)
  ifneq ($(wildcard $(OVSRS_LIBCLANG_DIR)/libclang.so),)
    export LIBCLANG_PATH := $(OVSRS_LIBCLANG_DIR)
  endif
endif

.PHONY: all module setup kernel modules_install clean check host-test vm-test demo fuzz lint selftests help \
	bench bench-smoke bench-profile bench-tools

all: module

help:
	@echo "make setup            install toolchain and packages (Debian 12, root)"
	@echo "make [module]         build $(BUILD_DIR)/openvswitch_rs.ko (FLAVOUR=debug, or KDIR=/your/kernel/build)"
	@echo "make kernel           build the cached test kernel (FLAVOUR=default|debug)"
	@echo "make check            everything CI runs: build, KUnit + VM tests, host tests"
	@echo "make vm-test T=name   one VM test from tests/vm/ (e.g. T=families)"
	@echo "make host-test        cargo test of the pure logic"
	@echo "make lint             rustfmt, clippy (CLIPPY=1) and checkpatch, all clean"
	@echo "make selftests        every kernel openvswitch selftest case, openvswitch.ko vs openvswitch_rs"
	@echo "make fuzz             fuzz the netlink parsers on the host (FUZZ_SECONDS per target, default 600)"
	@echo "make demo             boot the VM, load the module, start ovs-vswitchd, pass traffic"
	@echo "make modules_install  install into /lib/modules (or INSTALL_MOD_PATH)"
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
	@test -f "$(KDIR)/Makefile" || { echo "KDIR=$(KDIR) is not a kernel build tree"; exit 1; }
	mkdir -p $(BUILD_DIR)
	rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
		--exclude '*.mod*' --exclude 'modules.order' --exclude 'Module.symvers' \
		--exclude '.tmp*' --exclude '*.d' --exclude '*.rmeta' \
		Kbuild src include $(BUILD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD_DIR)) LLVM= modules

modules_install: module
	$(MAKE) -C $(KDIR) M=$(abspath $(BUILD_DIR)) LLVM= modules_install

host-test:
	cd host && cargo test

lint:
	scripts/lint

# Every case of the kernel's openvswitch selftests, on both modules.
selftests: module
	OVSRS_T_SELFTESTS=all OVSRS_VM_TIMEOUT=3600 scripts/check --only selftests

fuzz:
	scripts/fuzz $(FUZZ_SECONDS)

vm-test:
	scripts/check --only "$(T)"

check:
	scripts/check

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
