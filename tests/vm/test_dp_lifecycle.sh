#!/usr/bin/env bash
# A datapath's local port is a real net_device, and datapaths go away with
# their namespace and with the module, on both kernels (debug: lockdep,
# kmemleak, KFENCE watch the whole run).
# flavours: default debug
. "$(dirname "$0")/lib.sh"

kmemleak_start

OVS_DP="python3 $OVS_DP_PY"
# ovs-dpctl needs the vport family too; this drives ovs_datapath alone.
load_rust_module

$OVS_DP add dp1 || fail "add-dp dp1"
ip -d link show dp1 | tee "$OVSRS_OUT/dp1-link.txt"
grep -q 'openvswitch' "$OVSRS_OUT/dp1-link.txt" || fail "dp1 is not of link kind openvswitch"
grep -q 'promiscuity 1' "$OVSRS_OUT/dp1-link.txt" || fail "dp1 is not promiscuous"
[ "$(ethtool -i dp1 | sed -n 's/^driver: //p')" = openvswitch ] || fail "ethtool driver is not openvswitch"
ip link set dp1 up
ip addr add 192.0.2.1/24 dev dp1
ip -br addr show dp1 | grep -q '192.0.2.1/24' || fail "no address on dp1"
# Transmitting on the local port enters the datapath (no flows: a miss).
ping -c 2 -W 1 -I dp1 192.0.2.2 >/dev/null 2>&1 || true
ip -s link show dp1 | tee "$OVSRS_OUT/dp1-stats.txt"
pass "local port: link kind openvswitch, promiscuous, ethtool driver, up with an address"

$OVS_DP del dp1 || fail "del-dp dp1"
ip link show dp1 2>/dev/null && fail "dp1's device survived del-dp"
[ -z "$($OVS_DP list)" ] || fail "datapaths left after del"
pass "del removes the datapath and its device"

# A datapath in a namespace dies with it.
ip netns add dpns
ip netns exec dpns $OVS_DP add dpn || fail "add-dp in netns"
ip netns exec dpns ip link show dpn >/dev/null || fail "dpn device missing in netns"
ip link show dpn 2>/dev/null && fail "dpn visible outside its namespace"
[ "$(ip netns exec dpns $OVS_DP list)" = dpn ] || fail "dpn not listed in its namespace"
[ -z "$($OVS_DP list)" ] || fail "dpn listed outside its namespace"
ip netns del dpns
sleep 1
ip netns add dpns
ip netns exec dpns ip link show dpn 2>/dev/null && fail "dpn outlived its namespace"
ip netns del dpns
pass "a datapath dies with its namespace"

# rmmod with datapaths present tears them down.
$OVS_DP add dp2 || fail "add-dp dp2"
$OVS_DP add dp3 || fail "add-dp dp3"
rmmod openvswitch_rs
assert_datapath_module none
ip link show dp2 2>/dev/null && fail "dp2 survived rmmod"
pass "rmmod destroys remaining datapaths"

kmemleak_check
