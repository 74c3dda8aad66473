#!/usr/bin/env bash
# Load and unload openvswitch_rs 20 times: the families come and go each
# time, and (on the debug kernel) kmemleak finds nothing new afterwards.
# flavours: default debug
. "$(dirname "$0")/lib.sh"

kmemleak_start

block_c_module
for i in $(seq 1 20); do
	insmod_rust_module
	assert_datapath_module openvswitch_rs
	for f in "${OVS_FAMILIES[@]}"; do
		family_exists "$f" || fail "round $i: $f missing while loaded"
	done
	rmmod openvswitch_rs
	assert_datapath_module none
	family_exists ovs_datapath && fail "round $i: ovs_datapath still there after rmmod"
done
pass "20 load/unload rounds, families registered and unregistered each time"

kmemleak_check
