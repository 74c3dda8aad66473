#!/usr/bin/env bash
# The kernel's own Open vSwitch selftests
# (tools/testing/selftests/net/openvswitch/openvswitch.sh, from the
# linux-source-7.3 tree, unmodified) against openvswitch.ko and then
# openvswitch_rs in the same VM, printed case by case side by side.
#
# Every case must pass on openvswitch.ko (or be skipped there for a reason
# of this kernel, which then must skip on openvswitch_rs too). On
# openvswitch_rs each case must give the result EXPECT_RS below; a case
# not listed there must pass. An expected failure names the issue it waits
# for, so the list can only shrink: a case that starts passing fails this
# test until its line is removed.
#
# netlink_checks is also run cut before its flow part ("Checking clone
# depth"), as netlink_checks_ports: that half is about datapaths and ports
# and must pass now.
#
# Python (pyroute2) under TCG is slow (~40 s per case and module): CI runs
# SELFTESTS_CI, the kernel's netlink validation (traffic, conntrack
# included, is A/B-tested by the other VM tests); `make selftests` runs every case
# (OVSRS_T_SELFTESTS=all; or a list of cases). Out of CI: netlink_checks_ports
# (a prefix of netlink_checks, which must pass whole) and upcall_interfaces
# (per-vport MISS upcalls, which malformed compares with openvswitch.ko
# frame by frame).
# OVSRS_T_SELFTESTS_RS_ONLY=1 skips openvswitch.ko's half (development).
# flavours: default
. "$(dirname "$0")/lib.sh"

SELFTESTS_CI="netlink_checks"
CASES=${OVSRS_T_SELFTESTS:-$SELFTESTS_CI}

declare -A EXPECT_RS=(
)

SRC="$(readlink -f "$OVSRS_CACHE/linux-src")/tools/testing/selftests/net/openvswitch"
[ -f "$SRC/openvswitch.sh" ] || fail "no selftests at $SRC"
WORK=/tmp/ovs-selftests
rm -rf "$WORK" && cp -r "$SRC" "$WORK"
# The derived case: netlink_checks up to its flow part.
sed -n '/^test_netlink_checks () {/,/^}/p' "$WORK/openvswitch.sh" |
	sed -e 's/^test_netlink_checks () {/test_netlink_checks_ports () {/' \
		-e 's/sbx_add "test_netlink_checks"/sbx_add "test_netlink_checks_ports"/' \
		-e 's/"test_netlink_checks"/"test_netlink_checks_ports"/g' \
		-e '/info "Checking clone depth"/,/^}/c\	return 0\n}' >"$WORK/ports_case.sh"
grep -q 'return 0' "$WORK/ports_case.sh" || fail "could not derive netlink_checks_ports"
# openvswitch.sh runs the cases named in $tests (name, then description).
sed -i -e '/^tests="/a\	netlink_checks_ports			ovsnl: netlink_checks up to its flow part' \
	-e "/^# Kselftest framework requirement/i . $WORK/ports_case.sh" "$WORK/openvswitch.sh"
if [ "$CASES" = all ]; then
	CASES=$(sed -n '/^tests="/,/"$/p' "$WORK/openvswitch.sh" | sed 's/^tests="//' |
		awk 'NF { print $1 }' | tr '\n' ' ')
fi
export PATH="$OVSRS_VENV/bin:$PATH" KSFT_MACHINE_SLOW=yes

# run_cases MODULE: each case's [ OK ]/[FAIL]/[SKIP] into $WORK/result.MODULE.
run_cases() {
	local module=$1 c line
	: >"$WORK/result.$module"
	for c in $CASES; do
		t0=$SECONDS
		line=$(cd "$WORK" && timeout 300 ./openvswitch.sh "$c" 2>&1 | tee -a "$OVSRS_OUT/selftests-$module.log" |
			grep -E '^TEST: .*\[ *(OK|FAIL|SKIP|PYLIB|NOMOD) *\]$' | tail -n 1) || true
		case $line in
		*'[ OK ]') echo "$c OK" ;;
		*'[SKIP]') echo "$c SKIP" ;;
		*) echo "$c FAIL" ;;
		esac >>"$WORK/result.$module"
		echo "selftest $c on $module: $((SECONDS - t0)) s"
		assert_datapath_module "$module"
	done
}

# OVSRS_T_SELFTESTS_RS_ONLY=1 (development): openvswitch_rs alone, judged
# by EXPECT_RS only; a case skipped there is reported, not failed.
if [ -n "${OVSRS_T_SELFTESTS_RS_ONLY:-}" ]; then
	: >"$WORK/result.openvswitch"
	for c in $CASES; do echo "$c not-run" >>"$WORK/result.openvswitch"; done
else
	load_c_module
	run_cases openvswitch
	unload_datapath_modules
fi
load_rust_module
run_cases openvswitch_rs
unload_datapath_modules

printf '%-24s %-14s %-14s %s\n' case openvswitch.ko openvswitch_rs expected
bad=0
for c in $CASES; do
	c_res=$(awk -v c="$c" '$1 == c { print $2 }' "$WORK/result.openvswitch")
	rs_res=$(awk -v c="$c" '$1 == c { print $2 }' "$WORK/result.openvswitch_rs")
	want=${EXPECT_RS[$c]:-OK}
	want_res=${want%% *}
	[ "$c_res" = SKIP ] && want_res=SKIP
	[ "$c_res" = not-run ] && [ "$rs_res" = SKIP ] && want_res=SKIP
	printf '%-24s %-14s %-14s %s\n' "$c" "$c_res" "$rs_res" "$want"
	if [ "$c_res" = FAIL ]; then
		echo "  $c fails on openvswitch.ko: see selftests-openvswitch.log"; bad=1
	fi
	if [ "$rs_res" != "$want_res" ]; then
		echo "  $c: openvswitch_rs gave $rs_res, expected $want_res"; bad=1
	fi
done
[ $bad = 0 ] || fail "selftest results differ from the expectations (logs: $OVSRS_OUT/selftests-*.log)"
pass "selftests: $(echo $CASES | wc -w) cases as expected on both modules"
