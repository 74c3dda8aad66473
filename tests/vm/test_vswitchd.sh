#!/usr/bin/env bash
# Stock ovs-vswitchd against each datapath module: a bridge with two
# namespaces behind veth ports, and ping between them (NORMAL action).
#
# openvswitch.ko is the reference and must pass traffic. openvswitch_rs
# creates ovs-vswitchd's datapath but cannot add ports yet (see the
# README's status): the test proves ovs-vswitchd's requests reach
# openvswitch_rs (and not an autoloaded openvswitch.ko) and get its
# EOPNOTSUPP, so it fails the day that answer changes and must then assert
# traffic instead.
# flavours: default
. "$(dirname "$0")/lib.sh"

bridge_with_two_hosts() {
	ovs-vsctl --timeout=30 add-br br0
	add_host_ns ns1 10.0.0.1/24
	add_host_ns ns2 10.0.0.2/24
	ovs-vsctl --timeout=30 add-port br0 ns1-out -- add-port br0 ns2-out
	ip link set br0 up
}

cleanup() {
	stop_ovs
	ip netns del ns1 2>/dev/null || true
	ip netns del ns2 2>/dev/null || true
}

echo "--- openvswitch.ko (reference)"
load_c_module
start_ovs
bridge_with_two_hosts
wait_for_log "$OVS_LOG" 'added interface ns2-out' 30 || fail "ports not added"
sleep 2
ip netns exec ns1 ping -c 3 -i 0.5 -W 5 10.0.0.2 || fail "ping through openvswitch.ko failed"
ovs-dpctl show
assert_datapath_module openvswitch
pass "openvswitch.ko: ovs-vswitchd switched ping between two namespaces"
ovs-vsctl --timeout=30 del-br br0
cleanup
unload_datapath_modules

echo "--- openvswitch_rs"
load_rust_module
start_ovs
ovs-vsctl --timeout=30 add-br br0 || true
wait_for_log "$OVS_LOG" 'Operation not supported' 30 ||
	{ cat "$OVS_LOG"; fail "ovs-vswitchd never got openvswitch_rs's answer"; }
grep -E 'dpif|datapath' "$OVS_LOG" | tail -n 5
assert_datapath_module openvswitch_rs
pass "openvswitch_rs: ovs-vswitchd's requests reach openvswitch_rs (adding ports not implemented yet)"
cleanup
unload_datapath_modules
