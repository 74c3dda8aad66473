#!/usr/bin/env bash
# Ports of openvswitch_rs over their whole life: an internal port is a
# usable net_device (up, address, MTU, MAC, ethtool, its transmit enters
# the datapath); a veth attached as a netdev port is enslaved, promiscuous
# and IFF_OVS_DATAPATH, feeds the datapath through its rx_handler, and is
# released on del-if, when the device is deleted, when it moves to another
# netns, when its datapath goes and on rmmod; an internal port moved to
# another netns goes with that netns. On the debug kernel lockdep,
# kmemleak, KFENCE and atomic-sleep checks watch the whole run. Each step
# runs against openvswitch.ko first (so the expectations are C's), then
# against openvswitch_rs; on the debug kernel, whose question is what the
# checkers find in openvswitch_rs, only openvswitch_rs runs (the default
# kernel's run keeps the expectations C's).
# flavours: default debug
. "$(dirname "$0")/lib.sh"

kmemleak_start

# port_line DP NAME: NAME's line in `ovs-dpctl show DP`, empty if no port.
port_line() { ovs-dpctl show "$1" | grep -E "^  port [0-9]+: $2( |$)" || true; }
# released DEV: DEV has no master, no promiscuity and no IFF_OVS_DATAPATH.
released() {
	local link
	link=$(ip -d link show "$1" | tr -s ' ')
	! grep -qE 'master |promiscuity [1-9]|openvswitch_slave' <<<"$link"
}
attached() {
	local link
	link=$(ip -d link show "$1" | tr -s ' ')
	grep -q "master $2 " <<<"$link" && grep -q 'promiscuity 1 ' <<<"$link" &&
		grep -q 'openvswitch_slave' <<<"$link"
}
# wait_gone DP NAME: the NETDEV_UNREGISTER work removes ports asynchronously.
wait_gone() {
	local i
	for i in $(seq 50); do
		[ -z "$(port_line "$1" "$2")" ] && return 0
		sleep 0.1
	done
	return 1
}
# lookups DP: "hit:H missed:M lost:L" of `ovs-dpctl show DP`.
lookups() { ovs-dpctl show "$1" | sed -n 's/^ *lookups: //p'; }
# lifecycle MODULE: the whole sequence with MODULE loaded; it ends by
# unloading it.
lifecycle() {
	local module=$1 before after i
	load_module "$module"
	ovs-dpctl add-dp dp1 || fail "add-dp dp1"
	ovs-dpctl add-if dp1 int1,type=internal || fail "add-if int1"
	[ -n "$(port_line dp1 'int1 \(internal\)')" ] || fail "int1 not listed as an internal port"
	ip link set int1 up
	ip link set int1 mtu 9000 || fail "MTU 9000 on int1"
	ip link set int1 address 02:00:00:00:00:01 || fail "MAC on int1"
	ip addr add 192.0.2.1/24 dev int1
	ip -br addr show int1 | grep -q '192.0.2.1/24' || fail "no address on int1"
	ip link show int1 | grep -q 'mtu 9000' || fail "int1 MTU not 9000"
	ip link show int1 | grep -q '02:00:00:00:00:01' || fail "int1 MAC not set"
	[ "$(ethtool -i int1 | sed -n 's/^driver: //p')" = openvswitch ] || fail "int1 ethtool driver"
	before=$(lookups dp1)
	ping -c 2 -W 1 -I int1 192.0.2.2 >/dev/null 2>&1 || true
	after=$(lookups dp1)
	[ "$before" != "$after" ] || fail "int1's transmitted packets did not reach the datapath ($after)"
	pass "$module: internal port: up, MTU, MAC, address, ethtool driver; its transmit enters the datapath ($after)"

	ip link add va0 type veth peer name va1
	ip link set va0 up
	ip link set va1 up
	ovs-dpctl add-if dp1 va0 || fail "add-if va0"
	attached va0 dp1 || fail "va0 not attached: $(ip -d link show va0)"
	before=$(lookups dp1)
	# A frame into va1 comes out of va0, into its rx_handler.
	ping -c 3 -W 1 -I va1 192.0.2.9 >/dev/null 2>&1 || true
	after=$(lookups dp1)
	[ "$before" != "$after" ] || fail "frames received on va0 did not reach the datapath ($after)"
	pass "$module: veth port: master dp1, promiscuous, IFF_OVS_DATAPATH; received frames enter the datapath"

	ovs-dpctl del-if dp1 va0 || fail "del-if va0"
	released va0 || fail "va0 not released by del-if: $(ip -d link show va0)"
	ovs-dpctl add-if dp1 va0 || fail "add-if va0 again"
	attached va0 dp1 || fail "va0 not attached again"
	ip link del va0
	wait_gone dp1 va0 || fail "va0's port outlived the device"
	pass "$module: a veth port is released by del-if, and removed when the device is deleted"

	ip netns add vpns
	ip link add vb0 type veth peer name vb1
	ovs-dpctl add-if dp1 vb0 || fail "add-if vb0"
	ip link set vb0 netns vpns
	wait_gone dp1 vb0 || fail "vb0's port stayed after it moved to another netns"
	ip netns exec vpns bash -c "$(declare -f released); released vb0" ||
		fail "vb0 not released after moving netns"
	pass "$module: a netdev port whose device moves to another netns is detached and removed"

	ovs-dpctl add-if dp1 int2,type=internal || fail "add-if int2"
	ip link set int2 netns vpns
	[ -n "$(port_line dp1 int2)" ] || fail "int2 is no longer a port after moving netns"
	ip netns exec vpns ip link set int2 up || fail "int2 unusable in vpns"
	ip netns del vpns
	for i in $(seq 50); do [ -z "$(port_line dp1 int2)" ] && break; sleep 0.1; done
	[ -z "$(port_line dp1 int2)" ] || fail "int2's port outlived its netns"
	pass "$module: an internal port moved to another netns stays a port, and goes with that netns"

	ip link add vc0 type veth peer name vc1
	ovs-dpctl add-if dp1 vc0 || fail "add-if vc0"
	ovs-dpctl del-dp dp1 || fail "del-dp dp1"
	released vc0 || fail "vc0 not released with its datapath"
	ip link show int1 >/dev/null 2>&1 && fail "int1 outlived its datapath"
	pass "$module: deleting the datapath releases its veth and removes its internal ports"

	# Churn: ports added and removed every way, for leak and lock checks.
	for i in 1 2 3; do
		ovs-dpctl add-dp dp2
		ovs-dpctl add-if dp2 vc0 "int$i,type=internal"
		ip link add vd0 type veth peer name vd1
		ovs-dpctl add-if dp2 vd0
		ip link del vd0
		wait_gone dp2 vd0 || fail "vd0's port outlived the device (round $i)"
		ovs-dpctl del-if dp2 vc0 "int$i"
		ovs-dpctl del-dp dp2
	done
	pass "$module: 3 rounds of add-if/del-if/ip link del/del-dp"

	# Races: devices deleted while ports are added and removed by number and
	# name, and datapaths deleted with ports on them, from two sides at once.
	ovs-dpctl add-dp dp4 || fail "$module: add-dp dp4 (before the races) failed: $(ovs-dpctl show 2>&1 | head -5)"
	# Losing a race is expected (a device gone before its port is added,
	# a port gone before its del-if): no step's status counts, and none
	# may end the test under set -e while the other side still runs.
	race_devices() {
		local i
		for i in $(seq 15); do
			ip link add ve0 type veth peer name ve1 2>/dev/null || true
			ovs-dpctl add-if dp4 ve0 2>/dev/null || true
			ip link del ve0 2>/dev/null || true
		done
	}
	race_devices &
	for i in $(seq 15); do
		ovs-dpctl add-if dp4 ve0 "intr,type=internal" 2>/dev/null || true
		ovs-dpctl del-if dp4 ve0 2>/dev/null || true
		ovs-dpctl del-if dp4 intr 2>/dev/null || true
	done
	wait
	ovs-dpctl del-dp dp4 || fail "del-dp dp4 after the races"
	ip link del ve0 2>/dev/null || true
	pass "$module: devices deleted while their ports are added and removed: no splat"

	ovs-dpctl add-dp dp3
	ovs-dpctl add-if dp3 vc0 int3,type=internal
	attached vc0 dp3 || fail "vc0 not attached to dp3"
	unload_datapath_modules
	released vc0 || fail "vc0 not released by rmmod: $(ip -d link show vc0)"
	ip link show int3 >/dev/null 2>&1 && fail "int3 survived rmmod"
	ip link show dp3 >/dev/null 2>&1 && fail "dp3 survived rmmod"
	pass "$module: rmmod releases attached devices and removes internal ports"
	ip link del vc0
}

# openvswitch.ko first: the expectations below are C's behaviour.
[ "$OVSRS_FLAVOUR" = debug ] || lifecycle openvswitch
lifecycle openvswitch_rs

kmemleak_check
