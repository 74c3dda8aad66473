#!/usr/bin/env bash
# Stock ovsdb-server + ovs-vswitchd switch real traffic through each
# datapath module: openvswitch.ko first (the reference: every check must
# pass there, or the test itself is wrong), then openvswitch_rs, with the
# same scenario and the same checks. /proc/modules proves which module
# answered at each stage.
#
# The scenario (one bridge br0, two namespaces ns1/ns2 behind veth ports):
#   normal   NORMAL action: ping, and a 4 MiB TCP transfer whose sha256 the
#            receiver must match;
#   vlan     ns1-out an access port (tag=10), ns2-out a trunk with a VLAN
#            sub-interface eth0.10 in ns2: ping over VLAN 10, and the
#            datapath flows push_vlan(vid=10) one way, match vlan(vid=10)
#            and pop_vlan the other;
#   openflow NORMAL replaced by explicit flows (ovs-ofctl add-flow):
#            output: both ways (ping; n_packets counted);
#            drop (ping stops, the drop flow counts the requests, the
#            datapath flow says drop; ping again once it is removed);
#            mod_nw_tos (ping; ns2 receives the requests with TOS 0x20; the
#            datapath flow sets it);
#            set_field:...->eth_dst (ns1's ARP entry for ns2 is made wrong,
#            so the ping only passes if the rewrite reaches ns2);
#            mod_vlan_vid/strip_vlan (ping to ns2's eth0.10: push_vlan and
#            pop_vlan in the datapath);
#   counters the datapath's own "lookups:" (ovs-dpctl show): hits and
#            misses counted, no upcall lost;
#   log      ovs-vswitchd.log has no |WARN| or |ERR| line (but those
#            BENIGN_LOG below lists).
# A failing check is reported and the scenario goes on, so one run shows
# everything that fails; the module's half then fails with the list.
# Every ping, transfer and capture is bounded by a timeout. Datapath and
# OpenFlow flow dumps of each case and the daemon's log are saved to
# $OVSRS_OUT/vswitchd-<module>-*.
# flavours: default
. "$(dirname "$0")/lib.sh"

MAC1=02:00:00:00:00:01   # ns1's eth0
MAC2=02:00:00:00:00:02   # ns2's eth0 (and eth0.10)
BOGUS_MAC=02:00:00:00:ee:ee

# In ns2: print the ICMP echo requests eth0 receives ("dst=MAC src=MAC
# tos=0xNN"), after a line "ready"; stop after $1 of them or $2 seconds.
SNIFFER='
import select, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
print("ready", flush=True)
want, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
seen = 0
while seen < want and time.monotonic() < end:
    if not select.select([s], [], [], 0.2)[0]:
        continue
    f, a = s.recvfrom(65535)
    if a[2] == socket.PACKET_OUTGOING or f[12:14] != b"\x08\x00" or f[23] != 1:
        continue
    if f[14 + (f[14] & 15) * 4] != 8:
        continue
    seen += 1
    print("dst=%s src=%s tos=0x%02x" % (f[0:6].hex(":"), f[6:12].hex(":"), f[15]), flush=True)
'

# ovs-ofctl waits for ovs-vswitchd without end by default.
ofctl() { ovs-ofctl --timeout=20 "$@"; }

# --- checks (lib.sh has ok/bad, check_ping: 3 replies within 6 s,
# check_dp_flow, tcp_transfer, check_lookups) ------------------------------------

# ping_none NS DST: 3 requests, no reply at all.
ping_none() {
	! ip netns exec "$1" ping -q -c 3 -i 0.2 -W 1 "$2" >/tmp/ping.out 2>&1
}

# check_no_ping WHAT NS DST
check_no_ping() {
	if ping_none "$2" "$3"; then ok "$1"; else bad "$1: ping $3 from $2 got replies ($(ping_summary))"; fi
}

# save_flows CASE: the datapath's and br0's flows now, kept in
# $OVSRS_OUT and in /tmp/dp-flows.txt (ovs-dpctl: the kernel's own view).
save_flows() {
	save_dp_flows "$1"
	ofctl dump-flows br0 >/tmp/of-flows.txt 2>&1 || true
	cp /tmp/of-flows.txt "$OVSRS_OUT/vswitchd-$MOD-$1.ofctl-flows.txt"
}

# Every flow the test adds has its own cookie, by which it is counted and
# deleted.
# n_packets COOKIE: the packet count of br0's flow with that cookie.
n_packets() {
	ofctl dump-flows br0 "cookie=$1/-1" 2>/dev/null | sed -n 's/.*n_packets=\([0-9]*\).*/\1/p' || true
}
# check_n_packets WHAT COOKIE MIN: the count reaches MIN within 5 s (the
# revalidator collects the datapath's counts every 0.5 s or so).
check_n_packets() {
	local n= end=$((SECONDS + 5))
	while :; do
		n=$(n_packets "$2")
		[ "${n:-0}" -lt "$3" ] && [ $SECONDS -lt $end ] || break
		sleep 0.5
	done
	if [ "${n:-0}" -ge "$3" ]; then
		ok "$1 (n_packets=$n)"
	else
		bad "$1: flow with cookie $2 has n_packets=${n:-none}, expected >= $3:
$(ofctl dump-flows br0 2>&1 | sed 's/^/    /')"
	fi
}

# add_flow COOKIE FLOW / del_flow COOKIE
add_flow() { ofctl add-flow br0 "cookie=$1,$2" || bad "ovs-ofctl add-flow br0 'cookie=$1,$2' refused"; }
del_flow() { ofctl del-flows br0 "cookie=$1/-1" || bad "ovs-ofctl del-flows br0 cookie=$1/-1 failed"; }

# --- setup and teardown -----------------------------------------------------------

# ns1 10.0.0.1 and ns2 10.0.0.2 behind ns1-out/ns2-out on br0, with fixed
# MACs (so flows and captures can be matched). No IPv6 anywhere: its
# router solicitations and MLD reports would only add flows and upcalls at
# random times.
bridge_with_two_hosts() {
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ovs-vsctl --timeout=30 add-br br0 || fail "$MOD: add-br br0 failed"
	local ns
	for ns in ns1 ns2; do
		add_host_ns $ns "10.0.0.${ns#ns}/24"
		# (What eth0 sent so far went nowhere: ns*-out is not a port yet.)
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
	ip -n ns1 link set eth0 down address "$MAC1" up
	ip -n ns2 link set eth0 down address "$MAC2" up
	ovs-vsctl --timeout=30 add-port br0 ns1-out -- add-port br0 ns2-out ||
		fail "$MOD: add-port failed"
	ip link set br0 up
	wait_for_log "$OVS_LOG" 'added interface ns2-out' 30 || fail "$MOD: ports not added"
	P1=$(ovs-vsctl get Interface ns1-out ofport)
	P2=$(ovs-vsctl get Interface ns2-out ofport)
	ovs-dpctl show | tee "$OVSRS_OUT/vswitchd-$MOD-dpctl-show.txt"
	for port in 'br0 (internal)' ns1-out ns2-out; do
		grep -qF ": $port" "$OVSRS_OUT/vswitchd-$MOD-dpctl-show.txt" ||
			fail "$MOD: ovs-system has no port $port"
	done
	ip -d link show ns1-out | grep -q 'master ovs-system' || fail "$MOD: ns1-out not enslaved to ovs-system"
}

# (The daemon's log first: on an early exit it is all there is.)
cleanup() {
	save_ovs_log
	stop_scenario ns1 ns2
}
trap on_exit EXIT
trace_errors

# --- the scenario -------------------------------------------------------------------

case_normal() {
	echo "--- $MOD: NORMAL"
	check_ping "NORMAL: ping ns1 -> ns2" ns1 10.0.0.2

	tcp_transfer "NORMAL: 4 MiB over TCP ns1 -> ns2" $((4 * 1024 * 1024)) ns1 ns2 10.0.0.2
	save_flows normal
	check_dp_flow "NORMAL: datapath flow ns1-out -> ns2-out" normal \
		"in_port\(ns1-out\)" "eth\(src=$MAC1,dst=$MAC2\)" "actions:ns2-out$"
}

case_vlan() {
	echo "--- $MOD: VLAN (access tag=10 on ns1-out, trunk ns2-out, eth0.10 in ns2)"
	ovs-vsctl --timeout=30 set port ns1-out tag=10 || bad "set port ns1-out tag=10 failed"
	ip -n ns1 addr add 10.0.10.1/24 dev eth0
	ip -n ns2 link add link eth0 name eth0.10 type vlan id 10
	ip -n ns2 addr add 10.0.10.2/24 dev eth0.10
	ip -n ns2 link set eth0.10 up
	check_ping "VLAN: ping ns1 (access 10) -> ns2's eth0.10 (trunk)" ns1 10.0.10.2
	save_flows vlan
	check_dp_flow "VLAN: datapath pushes VLAN 10 on ns1-out -> ns2-out" vlan \
		"in_port\(ns1-out\)" "eth\(src=$MAC1,dst=$MAC2\)" "actions:push_vlan\(vid=10,pcp=0\),ns2-out$"
	check_dp_flow "VLAN: datapath matches VLAN 10 and pops it on ns2-out -> ns1-out" vlan \
		"in_port\(ns2-out\)" "eth\(src=$MAC2,dst=$MAC1\)" "eth_type\(0x8100\),vlan\(vid=10,pcp=0\),encap\(" \
		"actions:pop_vlan,ns1-out$"
	ovs-vsctl --timeout=30 remove port ns1-out tag 10 || bad "removing ns1-out's tag failed"
}

case_openflow() {
	echo "--- $MOD: OpenFlow (ofports: ns1-out $P1, ns2-out $P2)"
	ofctl del-flows br0
	add_flow 0x11 "priority=100,in_port=$P1,actions=output:$P2"
	add_flow 0x12 "priority=100,in_port=$P2,actions=output:$P1"
	check_ping "output: ping ns1 -> ns2" ns1 10.0.0.2
	check_n_packets "output: ns1 -> ns2 flow counted" 0x11 3
	check_n_packets "output: ns2 -> ns1 flow counted" 0x12 3
	save_flows output
	check_dp_flow "output: datapath flow ns1-out -> ns2-out" output \
		"in_port\(ns1-out\)" "actions:ns2-out$"

	# drop
	add_flow 0x20 "priority=200,icmp,in_port=$P1,actions=drop"
	check_no_ping "drop: ping ns1 -> ns2 stopped" ns1 10.0.0.2
	check_n_packets "drop: drop flow counted the requests" 0x20 3
	save_flows drop
	check_dp_flow "drop: datapath flow drops ICMP from ns1-out" drop \
		"in_port\(ns1-out\)" "eth_type\(0x0800\)" "ipv4\([^)]*proto=1" "actions:drop$"
	del_flow 0x20
	check_ping "drop: ping again once the drop flow is gone" ns1 10.0.0.2

	# mod_nw_tos: what ns2 receives
	add_flow 0x30 "priority=200,icmp,in_port=$P1,actions=mod_nw_tos:32,output:$P2"
	ip netns exec ns2 timeout 40 "$PYTHON" -c "$SNIFFER" 3 15 >/tmp/sniff.out 2>&1 &
	local sn=$!
	wait_for_log /tmp/sniff.out '^ready' 30 || bad "mod_nw_tos: the capture in ns2 did not start: $(cat /tmp/sniff.out)"
	check_ping "mod_nw_tos: ping ns1 -> ns2" ns1 10.0.0.2
	# It ends after 3 requests; 3 s more at most if there were fewer.
	end_capture $sn 3
	cp /tmp/sniff.out "$OVSRS_OUT/vswitchd-$MOD-tos.capture.txt"
	if [ "$(grep -c "^dst=$MAC2 src=$MAC1 tos=0x20$" /tmp/sniff.out || true)" -ge 3 ]; then
		ok "mod_nw_tos: ns2 received the echo requests with TOS 0x20"
	else
		bad "mod_nw_tos: ns2 did not receive 3 echo requests with TOS 0x20; it saw: $(grep -v '^ready' /tmp/sniff.out | tr '\n' ';')"
	fi
	check_n_packets "mod_nw_tos: flow counted" 0x30 3
	save_flows tos
	check_dp_flow "mod_nw_tos: datapath flow sets the TOS" tos \
		"in_port\(ns1-out\)" "actions:set\(ipv4\(tos=0x20/0xfc\)\),ns2-out$"
	del_flow 0x30

	# set_field eth_dst: ns1 sends to a wrong MAC, the flow corrects it
	ip -n ns1 neigh replace 10.0.0.2 lladdr "$BOGUS_MAC" dev eth0 nud permanent
	check_no_ping "set_field: no ping while ns1 sends to $BOGUS_MAC" ns1 10.0.0.2
	add_flow 0x40 "priority=200,ip,in_port=$P1,dl_dst=$BOGUS_MAC,actions=set_field:$MAC2->eth_dst,output:$P2"
	check_ping "set_field: ping passes with eth_dst rewritten to ns2's MAC" ns1 10.0.0.2
	check_n_packets "set_field: flow counted" 0x40 3
	save_flows set_field
	check_dp_flow "set_field: datapath flow sets eth_dst" set_field \
		"in_port\(ns1-out\)" "eth\(dst=$BOGUS_MAC\)" \
		"actions:set\(eth\(dst=$MAC2\)\),ns2-out$"
	del_flow 0x40
	ip -n ns1 neigh del 10.0.0.2 dev eth0

	# mod_vlan_vid / strip_vlan, to ns2's eth0.10
	add_flow 0x51 "priority=300,in_port=$P1,actions=mod_vlan_vid:10,output:$P2"
	add_flow 0x52 "priority=300,in_port=$P2,dl_vlan=10,actions=strip_vlan,output:$P1"
	check_ping "mod_vlan_vid: ping ns1 -> ns2's eth0.10" ns1 10.0.10.2
	check_n_packets "mod_vlan_vid: flow counted" 0x51 3
	check_n_packets "strip_vlan: flow counted" 0x52 3
	save_flows mod_vlan_vid
	check_dp_flow "mod_vlan_vid: datapath pushes VLAN 10" mod_vlan_vid \
		"in_port\(ns1-out\)" "actions:push_vlan\(vid=10,pcp=0\),ns2-out$"
	check_dp_flow "strip_vlan: datapath matches VLAN 10 and pops it" mod_vlan_vid \
		"in_port\(ns2-out\)" "vlan\(vid=10,pcp=0\)" "actions:pop_vlan,ns1-out$"
}

# scenario MODULE: all of the above with MODULE (and only it) loaded.
scenario() {
	scenario_start "$1"
	bridge_with_two_hosts
	assert_datapath_module "$MOD"

	case_normal
	case_vlan
	case_openflow
	check_lookups
	assert_datapath_module "$MOD"

	ovs-vsctl --timeout=30 del-br br0 || bad "del-br br0 failed"
	exit_ovs_and_check_log
	cleanup
	unload_datapath_modules
	scenario_verdict
}

scenario openvswitch
scenario openvswitch_rs
