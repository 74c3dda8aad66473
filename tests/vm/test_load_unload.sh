#!/usr/bin/env bash
# Load and unload openvswitch_rs ROUNDS times: the families come and go each
# time, and (on the debug kernel) kmemleak finds nothing new afterwards.
# 20 rounds on the default kernel; 5 on the debug one, where a round costs
# ~7 s and a leak or a lock-order problem of load/unload shows in the first
# (what each round allocates and frees is the same every time).
# OVSRS_T_LOAD_ROUNDS sets the count.
# flavours: default debug
. "$(dirname "$0")/lib.sh"

kmemleak_start

if [ "$OVSRS_FLAVOUR" = debug ]; then ROUNDS=${OVSRS_T_LOAD_ROUNDS:-5}; else ROUNDS=${OVSRS_T_LOAD_ROUNDS:-20}; fi

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
