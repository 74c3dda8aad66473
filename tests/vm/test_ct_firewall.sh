#!/usr/bin/env bash
# A stateful OpenFlow firewall in stock ovs-vswitchd passes and blocks the
# same traffic on openvswitch_rs as on openvswitch.ko. Namespaces are the
# hosts on one bridge, one subnet 10.0.0.0/24:
#   in1 10.0.0.1   inside; its connections out are SNATed to 10.0.0.100
#   out1 10.0.0.2  outside
#   srv 10.0.0.3   inside, published as the service address 10.0.0.200:80
#                  (DNAT to srv:8080)
# The OpenFlow pipeline (table 0: every IP packet through ct(zone=1,nat)
# to table 1): new connections from in1 to out1 are committed with SNAT,
# ct_mark 1 and ct_label 0xbeef; new connections from out1 to the service
# address are committed with DNAT, ct_mark 2 and ct_label 0x5e1f; any other
# new connection is dropped; established and related packets pass only
# if their ct_mark (and, for the service, ct_label) match; invalid ones are
# dropped. ARP is NORMAL. out1 reaches the SNAT address at in1's MAC and
# the service address at srv's (static neighbours): the datapath's NAT
# alone makes those packets arrive.
#
# Each probe (TCP, UDP, ping, a related ICMP error, each allowed or
# blocked) records "pass: what the far end saw" or "blocked"; each must
# give the result the firewall means on openvswitch.ko (or the test is
# wrong), and openvswitch_rs's list must be identical to it. Also
# checked per module: the conntrack table (ovs-dpctl dump-conntrack: the
# NAT, the marks and labels), the OpenFlow flows that match ct_mark /
# ct_label counted packets, the datapath flows carry the ct() actions.
# OVSRS_T_C_ONLY=1 runs the openvswitch.ko half alone.
# flavours: default
. "$(dirname "$0")/lib.sh"

OUT_TAG=ct_firewall
MAC_IN1=02:00:00:00:0f:01
MAC_OUT1=02:00:00:00:0f:02
MAC_SRV=02:00:00:00:0f:03
SNAT_IP=10.0.0.100
VIP=10.0.0.200
HOSTS=(in1 out1 srv)

ofctl() { ovs-ofctl --timeout=20 "$@"; }

cleanup() {
	save_ovs_log
	stop_scenario "${HOSTS[@]}"
}
trap on_exit EXIT
trace_errors

firewall_net() {
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ovs-vsctl --timeout=30 add-br br0 || fail "$MOD: add-br br0 failed"
	add_host_ns in1 10.0.0.1/24
	add_host_ns out1 10.0.0.2/24
	add_host_ns srv 10.0.0.3/24
	ip -n in1 link set eth0 down address "$MAC_IN1" up
	ip -n out1 link set eth0 down address "$MAC_OUT1" up
	ip -n srv link set eth0 down address "$MAC_SRV" up
	for ns in "${HOSTS[@]}"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
	ip -n out1 neigh replace "$SNAT_IP" lladdr "$MAC_IN1" dev eth0 nud permanent
	ip -n out1 neigh replace "$VIP" lladdr "$MAC_SRV" dev eth0 nud permanent
	ovs-vsctl --timeout=30 add-port br0 in1-out -- add-port br0 out1-out -- add-port br0 srv-out ||
		fail "$MOD: add-port failed"
	ip link set br0 up
	wait_for_log "$OVS_LOG" 'added interface srv-out' 30 || fail "$MOD: ports not added"
	conntrack_up
}

# The firewall. Cookies: 0x1x table 0, 0x2x table 1.
firewall_flows() {
	ofctl del-flows br0
	ofctl add-flows br0 - <<-EOF || fail "$MOD: ovs-ofctl add-flows refused the firewall"
	cookie=0x10,table=0,priority=10,arp,actions=NORMAL
	cookie=0x11,table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)
	cookie=0x12,table=0,priority=0,actions=drop
	cookie=0x20,table=1,priority=100,ct_state=+new+trk,ip,in_port=in1-out,nw_dst=10.0.0.2,actions=ct(commit,zone=1,exec(set_field:0x1->ct_mark,set_field:0xbeef->ct_label),nat(src=$SNAT_IP)),output:out1-out
	cookie=0x21,table=1,priority=100,ct_state=+new+trk,tcp,in_port=out1-out,nw_dst=$VIP,tp_dst=80,actions=ct(commit,zone=1,exec(set_field:0x2->ct_mark,set_field:0x5e1f->ct_label),nat(dst=10.0.0.3:8080)),output:srv-out
	cookie=0x22,table=1,priority=90,ct_state=+new+trk,ip,actions=drop
	cookie=0x23,table=1,priority=100,ct_state=+est-rpl+trk,ct_mark=0x1,ip,in_port=in1-out,actions=output:out1-out
	cookie=0x24,table=1,priority=100,ct_state=+est+rpl+trk,ct_mark=0x1,ct_label=0xbeef,ip,in_port=out1-out,actions=output:in1-out
	cookie=0x25,table=1,priority=100,ct_state=+rel+rpl+trk,ct_mark=0x1,ip,in_port=out1-out,actions=output:in1-out
	cookie=0x26,table=1,priority=100,ct_state=+est-rpl+trk,ct_mark=0x2,ip,in_port=out1-out,actions=output:srv-out
	cookie=0x27,table=1,priority=100,ct_state=+est+rpl+trk,ct_mark=0x2,ct_label=0x5e1f,ip,in_port=srv-out,actions=output:out1-out
	cookie=0x28,table=1,priority=80,ct_state=+inv+trk,ip,actions=drop
	cookie=0x29,table=1,priority=0,actions=drop
	EOF
}

# Servers: each answers with what it saw of its peer.
start_servers() {
	ip netns exec out1 socat TCP4-LISTEN:7000,bind=10.0.0.2,reuseaddr,fork \
		SYSTEM:'echo out1 saw tcp from $SOCAT_PEERADDR' &
	ip netns exec out1 socat UDP4-RECVFROM:7001,bind=10.0.0.2,fork \
		SYSTEM:'echo out1 saw udp from $SOCAT_PEERADDR' &
	ip netns exec in1 socat TCP4-LISTEN:7000,bind=10.0.0.1,reuseaddr,fork \
		SYSTEM:'echo in1 saw tcp from $SOCAT_PEERADDR' &
	ip netns exec srv socat TCP4-LISTEN:8080,bind=10.0.0.3,reuseaddr,fork \
		SYSTEM:'echo srv saw tcp from $SOCAT_PEERADDR on $SOCAT_SOCKPORT' &
	ip netns exec srv socat TCP4-LISTEN:8081,bind=10.0.0.3,reuseaddr,fork \
		SYSTEM:'echo srv saw tcp from $SOCAT_PEERADDR on $SOCAT_SOCKPORT' &
	local ns port ns_port
	for ns_port in out1:7000 in1:7000 srv:8080 srv:8081; do
		ns=${ns_port%:*} port=${ns_port#*:}
		for _ in $(seq 50); do
			[ -z "$(ip netns exec "$ns" ss -Hltn "sport = :$port")" ] || break
			sleep 0.2
		done
	done
}

RESULTS=
# probe NAME WANT CMD...: CMD's first output line (in a namespace) is
# what the far end saw; none (or a failure) is "blocked". WANT is the
# firewall's intent: "pass:..." or "blocked".
probe() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>/dev/null </dev/null | head -n 1) || true
	got=${got:+pass: $got}
	got=${got:-blocked}
	RESULTS+="$name: $got"$'\n'
	if [ "$got" = "$want" ]; then ok "$name: $got"; else bad "$name: got '$got', the firewall means '$want'"; fi
}

# (Each bounded by a timeout of its own.)
tcp_to() { timeout 10 ip netns exec "$1" socat -T3 - "TCP4:$2,connect-timeout=3"; }
udp_to() { echo probe | timeout 10 ip netns exec "$1" socat -T3 - "UDP4:$2"; }
ping_to() { timeout 10 ip netns exec "$1" ping -c 2 -i 0.3 -W 2 -w 4 -q "$2" >/dev/null && echo "echo replies"; }
# A UDP datagram to a closed port: the ICMP port unreachable (related to
# the connection) shows as ECONNREFUSED on the connected socket.
udp_refused() {
	timeout 20 ip netns exec "$1" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"probe")
try:
    s.recv(100)
except ConnectionRefusedError:
    print("port unreachable")
except OSError:
    pass' "${2%:*}" "${2#*:}"
}

probes() {
	probe "tcp in1 -> out1:7000 (new from inside, SNAT)" "pass: out1 saw tcp from $SNAT_IP" tcp_to in1 10.0.0.2:7000
	probe "udp in1 -> out1:7001 (new from inside, SNAT; reply)" "pass: out1 saw udp from $SNAT_IP" udp_to in1 10.0.0.2:7001
	probe "ping in1 -> out1" "pass: echo replies" ping_to in1 10.0.0.2
	probe "udp in1 -> out1:9999, closed: related ICMP error back" "pass: port unreachable" udp_refused in1 10.0.0.2:9999
	probe "tcp out1 -> in1:7000 (new from outside)" blocked tcp_to out1 10.0.0.1:7000
	probe "ping out1 -> in1" blocked ping_to out1 10.0.0.1
	probe "tcp out1 -> SNAT address:7000 (no connection)" blocked tcp_to out1 "$SNAT_IP:7000"
	probe "tcp out1 -> service $VIP:80 (DNAT to srv:8080)" "pass: srv saw tcp from 10.0.0.2 on 8080" tcp_to out1 "$VIP:80"
	probe "tcp out1 -> service $VIP:81 (not published)" blocked tcp_to out1 "$VIP:81"
	probe "tcp out1 -> srv:8080 directly" blocked tcp_to out1 10.0.0.3:8080
	probe "tcp out1 -> srv:8081 directly" blocked tcp_to out1 10.0.0.3:8081
	probe "tcp in1 -> out1:7000 again" "pass: out1 saw tcp from $SNAT_IP" tcp_to in1 10.0.0.2:7000
	probe "tcp out1 -> service $VIP:80 again" "pass: srv saw tcp from 10.0.0.2 on 8080" tcp_to out1 "$VIP:80"
	# (Before the datapath's idle flows expire, 10 s.)
	save_dp_flows firewall
}

# n_packets COOKIE: table 1's flow with that cookie.
n_packets() {
	ofctl dump-flows br0 "cookie=$1/-1" 2>/dev/null | sed -n 's/.*n_packets=\([0-9]*\).*/\1/p' | head -n 1
}
check_counted() {
	local n= end=$((SECONDS + 5))
	while :; do
		n=$(n_packets "$2")
		[ "${n:-0}" -lt 1 ] && [ $SECONDS -lt $end ] || break
		sleep 0.5
	done
	if [ "${n:-0}" -ge 1 ]; then ok "$1 (n_packets=$n)"; else bad "$1: flow $2 matched nothing"; fi
}

check_state() {
	local table
	table=$(timeout 20 ovs-dpctl dump-conntrack zone=1 2>&1 | sed -E 's/id=([0-9]+)(,.*)id=\1,/id=<id>\2id=<id>,/; s/id=[0-9]+/id=<id>/; s/timeout=[0-9]*/timeout=<t>/' | sort)
	printf '%s\n' "$table" >"$OVSRS_OUT/$OUT_TAG-$MOD-conntrack.txt"
	# The conntrack entries without their TCP states (those depend on
	# how far each close got when the table was read) and ephemeral ports.
	sed -E 's/,protoinfo=\([^)]*\)//; s/port=[0-9]{5}/port=<eph>/g' <<<"$table" | sort \
		>"$OVSRS_OUT/$OUT_TAG-$MOD-conntrack.norm.txt"
	if grep -q "^tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=[0-9]*,dport=7000),reply=(src=10.0.0.2,dst=$SNAT_IP,.*zone=1,mark=1,labels=0xbeef" <<<"$table"; then
		ok "conntrack: in1's connection SNATed, mark 1, label 0xbeef"
	else
		bad "conntrack: no SNATed entry with mark 1 and label 0xbeef: $table"
	fi
	if grep -q "^tcp,orig=(src=10.0.0.2,dst=$VIP,sport=[0-9]*,dport=80),reply=(src=10.0.0.3,dst=10.0.0.2,sport=8080,.*zone=1,mark=2,labels=0x5e1f" <<<"$table"; then
		ok "conntrack: the service connection DNATed, mark 2, label 0x5e1f"
	else
		bad "conntrack: no DNATed entry with mark 2 and label 0x5e1f: $table"
	fi
	check_counted "est reply matched on ct_mark 1 and ct_label 0xbeef" 0x24
	check_counted "related ICMP error matched on ct_mark 1" 0x25
	check_counted "service reply matched on ct_mark 2 and ct_label 0x5e1f" 0x27
	check_counted "new from outside dropped" 0x22
	check_dp_flow "datapath: ct(zone=1,nat) then recirc" firewall 'actions:ct\(zone=1,nat\),recirc\(0x[0-9a-f]+\)$'
	check_dp_flow "datapath: the SNAT commit" firewall "actions:ct\\(commit,zone=1,mark=0x1/0xffffffff,label=0xbeef,nat\\(src=$SNAT_IP\\)\\),out1-out$"
	check_dp_flow "datapath: the DNAT commit" firewall 'actions:ct\(commit,zone=1,mark=0x2/0xffffffff,label=0x5e1f,nat\(dst=10.0.0.3:8080\)\),srv-out$'
	check_dp_flow "datapath: replies matched on ct_mark and ct_label" firewall 'ct_state\(-new\+est\+rpl\+trk\),ct_mark\(0x1\),ct_label\(0xbeef\)' 'actions:in1-out$'
	check_dp_flow "datapath: a drop on ct_state" firewall 'ct_state\(\+new[^)]*\+trk\)' 'actions:drop'
}

scenario() {
	scenario_start "$1"
	firewall_net
	assert_datapath_module "$MOD"
	firewall_flows
	start_servers
	RESULTS=
	probes
	printf '%s' "$RESULTS" >"$OVSRS_OUT/$OUT_TAG-$MOD-probes.txt"
	# For a failing probe: the OpenFlow counters, and the pipeline a new
	# connection from inside takes.
	ofctl dump-flows br0 >"$OVSRS_OUT/$OUT_TAG-$MOD-ofctl-flows.txt" 2>&1 || true
	ovs-appctl --timeout=20 ofproto/trace br0 \
		"in_port=in1-out,tcp,dl_src=$MAC_IN1,dl_dst=$MAC_OUT1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=40000,tp_dst=7000" \
		>"$OVSRS_OUT/$OUT_TAG-$MOD-trace.txt" 2>&1 || true
	check_lookups
	check_state
	assert_datapath_module "$MOD"
	ovs-vsctl --timeout=30 del-br br0 || bad "del-br br0 failed"
	exit_ovs_and_check_log
	cleanup
	timeout 20 ovs-dpctl flush-conntrack 2>/dev/null || true
	unload_datapath_modules
	scenario_verdict
}

scenario openvswitch
if [ "${OVSRS_T_C_ONLY:-0}" = 1 ]; then
	pass "OVSRS_T_C_ONLY=1: openvswitch_rs not run"
	exit 0
fi
scenario openvswitch_rs
C_P="$OVSRS_OUT/$OUT_TAG-openvswitch-probes.txt"
RS_P="$OVSRS_OUT/$OUT_TAG-openvswitch_rs-probes.txt"
diff -u "$C_P" "$RS_P" || fail "the firewall passes or blocks different traffic on openvswitch_rs (+) than on openvswitch.ko (-)"
diff -u "$OVSRS_OUT/$OUT_TAG-openvswitch-conntrack.norm.txt" "$OVSRS_OUT/$OUT_TAG-openvswitch_rs-conntrack.norm.txt" ||
	fail "the conntrack table differs (ports and TCP states aside)"
pass "the firewall passes and blocks the same $(wc -l <"$C_P") probes on both modules"
