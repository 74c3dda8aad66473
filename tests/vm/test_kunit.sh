#!/usr/bin/env bash
# Loading openvswitch_rs runs its KUnit suites; their KTAP goes to
# $OVSRS_OUT/kunit.ktap, which the host runner parses and counts.
# flavours: default debug
. "$(dirname "$0")/lib.sh"

dmesg -C
load_rust_module
unload_datapath_modules
# Strip the printk timestamps; keep the KTAP lines of our suites.
dmesg --notime | sed -n '/KTAP version/,$p' >"$OVSRS_OUT/kunit.ktap"
grep -q '# Subtest: ovs_rs_' "$OVSRS_OUT/kunit.ktap" || fail "no KUnit suite of openvswitch_rs ran"
if grep -q '^ *not ok' "$OVSRS_OUT/kunit.ktap"; then
	grep '^ *not ok' "$OVSRS_OUT/kunit.ktap" >&2
	fail "KUnit failures"
fi
pass "KUnit suites ran and passed"
