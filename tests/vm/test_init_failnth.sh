#!/usr/bin/env bash
# Module init under systematic allocation failure (issue 15, item 2):
# openvswitch_rs is loaded with the Nth fault point of finit_module()
# failed (per-task fail-nth, failslab), N = 1, 2, ... until a load passes
# every point. Each failed load must leave nothing registered (no
# /proc/modules line, no ovs_* family, no "openvswitch" link kind), no
# splat and no taint, and a clean load, a datapath and an unload must then
# work (ovsfuzz initnth); kmemleak finds nothing at the end.
# CI starts at the first point of do_init_module() (the points before it
# are the kernel's module loader's: OVSRS_T_INITNTH_FROM=1 covers them
# too) and runs the clean load after every OVSRS_T_INITNTH_CYCLE-th
# failure (4); OVSRS_T_INITNTH_STEP tries every Kth point only (CI: 6).
# The campaign: OVSRS_T_INITNTH_FROM=1 OVSRS_T_INITNTH_STEP=1 OVSRS_T_INITNTH_CYCLE=1.
# The kernel reports a failed kmem_cache_create() or vmalloc() with a stack
# dump, which scripts/vm would take for a splat: ovsfuzz and the check
# below pass those dumps and fail on anything else in the log.
# flavours: debug
# allow-splat: the kernel's stack dumps for a failed kmem_cache_create() or vmalloc() (checked here)
# host-prep: fuzz-kernel-tools
. "$(dirname "$0")/lib.sh"

FUZZ="$OVSRS_TOP/build/fuzz-kernel/ovsfuzz"
FROM=${OVSRS_T_INITNTH_FROM:-init}
STEP=${OVSRS_T_INITNTH_STEP:-6}
CYCLE=${OVSRS_T_INITNTH_CYCLE:-4}
TRACING=/sys/kernel/tracing

[ -x "$FUZZ" ] || fail "$FUZZ is not built (make fuzz-kernel-tools)"
[ -e /proc/self/fail-nth ] || fail "the debug kernel lacks CONFIG_FAULT_INJECTION (no /proc/self/fail-nth)"
FAILSLAB=/sys/kernel/debug/failslab
[ -d "$FAILSLAB" ] || fail "the debug kernel lacks CONFIG_FAILSLAB + CONFIG_FAULT_INJECTION_DEBUG_FS"
# Sleeping allocations too (failslab's default spares them), silently
# (verbose 0: a forced failure's stack dump is no splat, but costs).
echo N >"$FAILSLAB/ignore-gfp-wait"
echo 0 >"$FAILSLAB/verbose"

[ -e "$TRACING/trace_pipe" ] || mount -t tracefs tracefs "$TRACING"
cleanup() {
	restore_kunit_at_load
	echo 0 >"$TRACING/events/module/module_load/enable" 2>/dev/null || true
	ip link del ovsrs-probe 2>/dev/null || true
}
trap on_exit EXIT
marker="init_failnth: start $RANDOM"
echo "$marker" >/dev/kmsg
echo 1 >"$TRACING/events/module/module_load/enable"

# link_kind_probe: what creating a link of kind openvswitch answers (the
# fuzzer's probe after each failure: unknown, or registered but refusing).
link_kind_probe() { ip link add ovsrs-probe type openvswitch 2>&1 || true; }

# The module's KUnit suites run at each load (in the loading task, so
# under its fail-nth too): not module init.
skip_kunit_at_load
block_c_module
load_rust_deps
# The probe must tell the two apart, or "Unknown device type" after a
# failure would prove nothing.
insmod_rust_module
[[ $(link_kind_probe) != *'Unknown device type'* ]] ||
	fail "the link kind probe finds openvswitch unknown while the module is loaded"
rmmod openvswitch_rs
[[ $(link_kind_probe) == *'Unknown device type'* ]] ||
	fail "the link kind probe does not find openvswitch unknown after rmmod: $(link_kind_probe)"

kmemleak_start
start=$SECONDS
"$FUZZ" initnth --ko "$OVSRS_KO" --params "${OVSRS_T_RS_PARAMS:-}" --from "$FROM" --step "$STEP" \
	--cycle-every "$CYCLE" >"$OVSRS_OUT/initnth.txt" 2>&1 ||
	{ cat "$OVSRS_OUT/initnth.txt"; fail "module init under fail-nth (above)"; }
cat "$OVSRS_OUT/initnth.txt"
assert_datapath_module none
no_splat_since "$marker" injection-dumps-ok || fail "kernel splat (above)"
pass "$(grep '^init fail-nth:' "$OVSRS_OUT/initnth.txt") in $((SECONDS - start)) s"
kmemleak_check
