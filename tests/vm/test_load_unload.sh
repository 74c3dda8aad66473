#!/usr/bin/env bash
# Load and unload openvswitch_rs ROUNDS times: the families come and go each
# time, and (on the debug kernel) kmemleak finds nothing new afterwards.
# 5 rounds on each kernel (a round costs ~2 s on the default kernel, ~7 s
# on the debug one): what each round allocates and frees is the same every
# time, so a leak or a lock-order problem shows in the first.
# OVSRS_T_LOAD_ROUNDS sets the count.
# flavours: default debug
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
