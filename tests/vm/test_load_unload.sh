#!/usr/bin/env bash
# Load and unload openvswitch_rs ROUNDS times (5; a round repeats the same
# allocations): the families come and go each time, and (on the debug
# kernel, `make check-debug`) kmemleak finds nothing new afterwards. CI's
# debug boot loads and unloads the module under load and under failing
# allocations instead (lifecycle_load, init_failnth).
# OVSRS_T_LOAD_ROUNDS sets the count.
# flavours: default
. "$(dirname "$0")/lib.sh"

kmemleak_start

ROUNDS=${OVSRS_T_LOAD_ROUNDS:-5}

block_c_module
for i in $(seq 1 "$ROUNDS"); do
	insmod_rust_module
	assert_datapath_module openvswitch_rs
	for f in "${OVS_FAMILIES[@]}"; do
		family_exists "$f" || fail "round $i: $f missing while loaded"
	done
	rmmod openvswitch_rs
	assert_datapath_module none
	family_exists ovs_datapath && fail "round $i: ovs_datapath still there after rmmod"
done
pass "$ROUNDS load/unload rounds, families registered and unregistered each time"

kmemleak_check
