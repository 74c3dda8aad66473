#!/usr/bin/env bash
# The running module under the in-guest fuzzer (tests/fuzz-kernel/, issue
# 15), a short seeded version of `make fuzz-kernel`:
#  - fuzz: two threads of grammar-built, partly mutated requests over the
#    six families (with netdev ports on dummy devices); every acked request
#    checked by a GET, no splat, taint unchanged;
#  - failnth: every allocation point of one request of every command failed
#    in turn (per-task fail-nth, failslab; of the requests that make or
#    remove a device every FAILNTH_STEPth, but all of those that add a
#    port): clean errno, no state change, the same request then succeeds;
#  - perm: every command's permission for nobody, a user namespace owning
#    its netns, and sockets handed between root and nobody;
#  - regress: the recipes of openvswitch.ko's known bugs;
#  - kmemleak finds nothing after all of it;
#  - differential: perm, regress and one single-threaded fuzz seed (no ct()
#    actions: the conntrack table is shared) run on openvswitch.ko too, and
#    the errno of every request must match but for
#    tests/fuzz-kernel/known-differences.txt.
# OVSRS_T_FUZZ_SEED and OVSRS_T_FUZZ_STEPS change the run (scripts/fuzz-kernel
# runs it for the campaign); OVSRS_T_FUZZ_FAILNTH=0 leaves failnth out (its
# recipes do not depend on the seed: the campaign runs them once, in full).
# flavours: debug
# host-prep: fuzz-kernel-tools
. "$(dirname "$0")/lib.sh"

FUZZ="$OVSRS_TOP/build/fuzz-kernel/ovsfuzz"
KNOWN="$OVSRS_TOP/tests/fuzz-kernel/known-differences.txt"
SEED=${OVSRS_T_FUZZ_SEED:-1}
STEPS=${OVSRS_T_FUZZ_STEPS:-3000}
DIFF_STEPS=${OVSRS_T_FUZZ_DIFF_STEPS:-1500}
FAILNTH_MAX=${OVSRS_T_FUZZ_FAILNTH_MAX:-250}
FAILNTH_STEP=${OVSRS_T_FUZZ_FAILNTH_STEP:-11}
FAILNTH=${OVSRS_T_FUZZ_FAILNTH:-1}
SPLAT_TAG=fuzz_kernel
NETDEVS=(fzdev0 fzdev1 fzdev2 fzdev3)

[ -x "$FUZZ" ] || fail "$FUZZ is not built (make fuzz-kernel-tools)"

cleanup() {
	local d
	for d in "${NETDEVS[@]}"; do ip link del "$d" >/dev/null 2>&1 || true; done
	ip link del rg-x0 >/dev/null 2>&1 || true
}
trap on_exit EXIT

# fail-nth fails slab allocations that may sleep too (failslab's default
# ignores them), silently (a forced failure's stack dump is not a splat).
FAILSLAB=/sys/kernel/debug/failslab
[ -e /proc/self/fail-nth ] || fail "the debug kernel lacks CONFIG_FAULT_INJECTION (no /proc/self/fail-nth)"
[ -d "$FAILSLAB" ] || fail "the debug kernel lacks CONFIG_FAILSLAB + CONFIG_FAULT_INJECTION_DEBUG_FS"
echo N >"$FAILSLAB/ignore-gfp-wait"
echo 0 >"$FAILSLAB/verbose"

netdevs_up() {
	local d
	for d in "${NETDEVS[@]}"; do
		ip link add "$d" type dummy
		ip link set "$d" up
	done
}

fuzz_args=()
for d in "${NETDEVS[@]}"; do fuzz_args+=(--netdev "$d"); done

# --- openvswitch_rs: the fuzzer's checks, then kmemleak ----------------------
rs_part() {
	netdevs_up
	"$FUZZ" fuzz --seed "$SEED" --steps "$STEPS" --threads 2 "${fuzz_args[@]}" \
		>"$OVSRS_OUT/fuzz-rs.txt" 2>&1 || { cat "$OVSRS_OUT/fuzz-rs.txt"; return 1; }
	head -n 1 "$OVSRS_OUT/fuzz-rs.txt"
	if [ "$FAILNTH" = 1 ]; then
		"$FUZZ" failnth --max "$FAILNTH_MAX" --step "$FAILNTH_STEP" --full NEW >"$OVSRS_OUT/failnth-rs.txt" 2>&1 ||
			{ cat "$OVSRS_OUT/failnth-rs.txt"; return 1; }
		tail -n 2 "$OVSRS_OUT/failnth-rs.txt" | head -n 1
	fi
	"$FUZZ" perm >"$OVSRS_OUT/perm-openvswitch_rs.txt" 2>&1 ||
		{ cat "$OVSRS_OUT/perm-openvswitch_rs.txt"; return 1; }
	"$FUZZ" regress all >"$OVSRS_OUT/regress-openvswitch_rs.txt" 2>&1 ||
		{ cat "$OVSRS_OUT/regress-openvswitch_rs.txt"; return 1; }
	"$FUZZ" fuzz --seed "$SEED" --steps "$DIFF_STEPS" --threads 1 --no-ct \
		--log "$OVSRS_OUT/diff-openvswitch_rs.log" "${fuzz_args[@]}" \
		>"$OVSRS_OUT/fuzz1-openvswitch_rs.txt" 2>&1 ||
		{ cat "$OVSRS_OUT/fuzz1-openvswitch_rs.txt"; return 1; }
	cleanup
}

c_part() {
	netdevs_up
	"$FUZZ" perm >"$OVSRS_OUT/perm-openvswitch.txt" 2>&1 || true
	"$FUZZ" regress all >"$OVSRS_OUT/regress-openvswitch.txt" 2>&1 || true
	"$FUZZ" fuzz --seed "$SEED" --steps "$DIFF_STEPS" --threads 1 --no-ct \
		--log "$OVSRS_OUT/diff-openvswitch.log" "${fuzz_args[@]}" \
		>"$OVSRS_OUT/fuzz1-openvswitch.txt" 2>&1 || true
	cleanup
}

kmemleak_start
run_against openvswitch_rs rs_part
[ "$run_rc" = 0 ] || fail "the fuzzer found problems in openvswitch_rs (above; files in $OVSRS_OUT)"
pass "fuzz seed $SEED: $(sed -n 's/^seed [0-9]*: \([0-9]*\) messages.*/\1/p' "$OVSRS_OUT/fuzz-rs.txt") messages from two threads, $(sed -n 's/^distinct errnos: //p' "$OVSRS_OUT/fuzz-rs.txt") distinct errnos, no problem"
[ "$FAILNTH" != 1 ] || pass "$(grep '^fail-nth:' "$OVSRS_OUT/failnth-rs.txt")"
kmemleak_check

run_against openvswitch c_part
[ "$run_rc" = 0 ] || fail "the fuzzer could not run against openvswitch.ko"
transcript_shows "$OVSRS_OUT/perm-openvswitch.txt" -E '^nobody +DP NEW +EPERM' '^userns +DP NEW +0' \
	'^userns-on-init +DP NEW +EPERM' '^root +FLOW NEW +0'
transcript_shows "$OVSRS_OUT/regress-openvswitch.txt" -E '^nested_depth: FLOW NEW clone x2: 0' \
	'^xmit_unregistering: .*: 0$'

# Every line of each pair must match, but for the listed differences
# (EREs for whole lines of the openvswitch_rs output, "# why" comments).
diffs=0
for pair in perm regress diff; do
	ext=txt; [ $pair != diff ] || ext=log
	a="$OVSRS_OUT/$pair-openvswitch.$ext" b="$OVSRS_OUT/$pair-openvswitch_rs.$ext"
	[ $pair != diff ] || sed -i '/^problems:/d' "$a" "$b" 2>/dev/null || true
	paste -d '\n' "$a" "$b" | awk 'NR % 2 { c = $0; next } c != $0 { print "  C: " c; print "  rs: " $0 }' \
		>"$OVSRS_OUT/$pair.differences" || true
	unlisted=$(grep '^  rs: ' "$OVSRS_OUT/$pair.differences" | sed 's/^  rs: //' |
		grep -vxE -f <(grep -v '^#' "$KNOWN" | grep .) || true)
	n=$(grep -c '^  rs: ' "$OVSRS_OUT/$pair.differences" || true)
	echo "$pair: $n differing lines vs openvswitch.ko"
	if [ -n "$unlisted" ]; then
		sed -n '1,40p' "$OVSRS_OUT/$pair.differences"
		diffs=$((diffs + 1))
	fi
done
[ "$diffs" = 0 ] || fail "openvswitch_rs answers differently from openvswitch.ko (above; not in $KNOWN)"
pass "perm, regress and $DIFF_STEPS differential steps: every errno as openvswitch.ko's (or listed)"
