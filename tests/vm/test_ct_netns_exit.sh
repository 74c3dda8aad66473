#!/usr/bin/env bash
# A namespace exits while its datapath has live conntrack connections
# (committed, NATed, with mark and labels) and zone limits, and then the
# module is unloaded while another namespace still has all of that: on the
# debug kernel (lockdep, KFENCE, kmemleak, atomic-sleep checks) neither
# may splat or leak, and rmmod must succeed (no conntrack entry or
# template holds the module). C has had use-after-free bugs exactly here.
# Each module runs the same sequence; openvswitch.ko first, as the
# reference (a splat there is the kernel's, and the test says so).
# OVSRS_T_C_ONLY=1 runs the openvswitch.ko half alone.
# flavours: debug
. "$(dirname "$0")/lib.sh"

SPLAT_TAG=ct-netns-exit RUN_WHAT="the netns-exit sequence"

# ct_net NS: namespace NS holds datapath ctdp with ports 1 and 2 (veths to
# the host namespaces NS-h1 10.2.0.1 and NS-h2 10.2.0.2), flows that send
# every IPv4 packet through ct() in zone 5 (committed with mark and
# labels) and TCP to port 7000 through zone 6 with SNAT to 10.2.0.100, and
# zone limits; then traffic: pings, and a TCP connection held open.
ct_net() {
	local ns=$1 h
	ip netns add "$ns"
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" ovs-dpctl add-dp ctdp || fail "$ns: add-dp failed"
	for h in 1 2; do
		ip netns add "$ns-h$h"
		ip link add "p$h" netns "$ns" type veth peer name eth0 netns "$ns-h$h"
		ip -n "$ns-h$h" addr add "10.2.0.$h/24" dev eth0
		ip -n "$ns-h$h" link set eth0 up
		ip -n "$ns" link set "p$h" up
		ip netns exec "$ns" ovs-dpctl add-if ctdp "p$h" || fail "$ns: add-if p$h failed"
	done
	ip -n "$ns-h2" neigh replace 10.2.0.100 lladdr "$(ip -n "$ns-h1" -br link show eth0 | awk '{print $3}')" \
		dev eth0 nud permanent
	local match actions
	while IFS='|' read -r match actions; do
		ip netns exec "$ns" ovs-dpctl add-flow ctdp "$match" "$actions" ||
			fail "$ns: ovs-dpctl add-flow '$match' '$actions' refused"
	done <<-'EOF'
	in_port(1),eth(),eth_type(0x0806),arp()|2
	in_port(2),eth(),eth_type(0x0806),arp()|1
	in_port(1),eth(),eth_type(0x0800),ipv4(proto=1),icmp()|ct(commit,zone=5,mark=0x7/0xff,label=0x1234/0xffff),2
	in_port(2),eth(),eth_type(0x0800),ipv4(proto=1),icmp()|ct(commit,zone=5),1
	in_port(1),eth(),eth_type(0x0800),ipv4(proto=6),tcp(),tcp_flags(0/0)|ct(commit,zone=6,nat(src=10.2.0.100)),2
	in_port(2),eth(),eth_type(0x0800),ipv4(proto=6),tcp(),tcp_flags(0/0)|ct(zone=6,nat),1
	EOF
	ip netns exec "$ns" ovs-dpctl ct-set-limits default=100 zone=5,limit=50 zone=6,limit=60 ||
		fail "$ns: ct-set-limits failed"
	ip netns exec "$ns-h1" ping -q -c 2 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "$ns: ping through ct() failed"
	ip netns exec "$ns-h2" socat TCP4-LISTEN:7000,bind=10.2.0.2 SYSTEM:'sleep 60' &
	for _ in $(seq 50); do
		[ -z "$(ip netns exec "$ns-h2" ss -Hltn 'sport = :7000')" ] || break
		sleep 0.2
	done
	ip netns exec "$ns-h1" socat -u TCP4:10.2.0.2:7000,connect-timeout=5 SYSTEM:'sleep 60' &
	local n=0
	for _ in $(seq 25); do
		n=$(ip netns exec "$ns" ovs-dpctl dump-conntrack zone=6 2>/dev/null | grep -c 'ESTABLISHED' || true)
		[ "$n" = 0 ] || break
		sleep 0.2
	done
	[ "$n" != 0 ] || fail "$ns: no established NATed connection: $(ip netns exec "$ns" ovs-dpctl dump-conntrack 2>&1)"
	ip netns exec "$ns" ovs-dpctl dump-conntrack | sed "s/^/$ns conntrack: /; s/id=[0-9]*/id=<id>/g"
	ip netns exec "$ns" ovs-dpctl ct-get-limits | sed "s/^/$ns limits: /"
}

net_down() { :; }

sequence() {
	modprobe nf_conntrack_netlink
	ct_net ctx1
	echo "ctx1: deleting the namespace with its datapath, live connections and limits"
	ip netns del ctx1
	# cleanup_net runs from a workqueue: wait until the namespace is gone.
	sleep 3
	ct_net ctx2
	echo "ctx2: left alive; the module is unloaded under it"
}

cleanup_all() {
	local pid ns
	# socat's SYSTEM children (sh, sleep) outlive it: end every process
	# in the hosts' namespaces, not only the jobs.
	for ns in ctx1 ctx1-h1 ctx1-h2 ctx2 ctx2-h1 ctx2-h2; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
	done
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in ctx1 ctx1-h1 ctx1-h2 ctx2 ctx2-h1 ctx2-h2; do ip netns del "$ns" 2>/dev/null || true; done
}
cleanup() { cleanup_all; }
trap on_exit EXIT

one_module() {
	kmemleak_start
	run_against "$1" sequence
	[ "$run_rc" = 0 ] || fail "the sequence against $1 exited with status $run_rc"
	cleanup_all
	sleep 2
	kmemleak_check
	pass "$1: netns exit with live connections and limits, rmmod under a live namespace: no splat, no leak"
}

one_module openvswitch
if [ "${OVSRS_T_C_ONLY:-0}" = 1 ]; then
	pass "OVSRS_T_C_ONLY=1: openvswitch_rs not run"
	exit 0
fi
one_module openvswitch_rs
