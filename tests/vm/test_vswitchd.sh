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

# ovs-vswitchd log lines that openvswitch.ko produces in this VM and that
# say nothing about the datapath: extended regular expressions for a whole
# line less its timestamp and sequence number ("module|LEVEL|text").
BENIGN_LOG=(
	# OVS opens a NETLINK_NETFILTER socket (conntrack) when it creates a
	# bridge; the test kernel has no CONFIG_NETFILTER_NETLINK, so
	# socket(2) fails with EPROTONOSUPPORT. Every run, on both modules.
	'^netlink_socket\|ERR\|fcntl: Protocol not supported$'
	# A main-loop iteration of a thread took over 1 s of wall time, and the
	# rusage lines that follow: TCG on 2 shared cores. Not every run; seen
	# on either module. They are counted and printed below all the same.
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|Unreasonably long [0-9]+ms poll interval \([0-9]+ms user, [0-9]+ms system\)$'
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|faults: [0-9]+ minor, [0-9]+ major$'
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|disk: [0-9]+ reads, [0-9]+ writes$'
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|context switches: [0-9]+ voluntary, [0-9]+ involuntary$'
)

# A Python without pyenv's shim (a shell script: slow under TCG).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

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

# --- checks ---------------------------------------------------------------------

MOD=           # module under test: openvswitch or openvswitch_rs
FAILED=()      # failed checks of the current module

ok() { pass "$MOD: $*"; }
bad() {
	echo "FAIL: $MOD: $*" >&2
	FAILED+=("$*")
}

# ping_ok NS DST [ARGS]: 3 replies within 6 s.
ping_ok() {
	local ns=$1 dst=$2
	shift 2
	ip netns exec "$ns" ping -q -c 3 -i 0.2 -W 1 -w 6 "$@" "$dst" >/tmp/ping.out 2>&1
}
# ping_none NS DST: 3 requests, no reply at all.
ping_none() {
	! ip netns exec "$1" ping -q -c 3 -i 0.2 -W 1 "$2" >/tmp/ping.out 2>&1
}
ping_summary() { grep -E 'transmitted|errors' /tmp/ping.out | tr '\n' ' '; }

# check_ping WHAT NS DST [ARGS] / check_no_ping WHAT NS DST
check_ping() {
	local what=$1
	shift
	if ping_ok "$@"; then ok "$what"; else bad "$what: ping $2 from $1 failed ($(ping_summary))"; fi
}
check_no_ping() {
	if ping_none "$2" "$3"; then ok "$1"; else bad "$1: ping $3 from $2 got replies ($(ping_summary))"; fi
}

# save_flows CASE: the datapath's and br0's flows now, kept in
# $OVSRS_OUT and in /tmp/dp-flows.txt (ovs-dpctl: the kernel's own view).
save_flows() {
	ovs-dpctl dump-flows --names >/tmp/dp-flows.txt 2>&1 || true
	ofctl dump-flows br0 >/tmp/of-flows.txt 2>&1 || true
	cp /tmp/dp-flows.txt "$OVSRS_OUT/vswitchd-$MOD-$1.dpctl-flows.txt"
	cp /tmp/of-flows.txt "$OVSRS_OUT/vswitchd-$MOD-$1.ofctl-flows.txt"
}

# check_dp_flow WHAT CASE ERE...: after save_flows CASE, one datapath flow
# line matches every ERE.
check_dp_flow() {
	local what=$1 case=$2 lines re
	shift 2
	lines=$(cat /tmp/dp-flows.txt)
	for re in "$@"; do
		lines=$(grep -E -- "$re" <<<"$lines" || true)
	done
	if [ -n "$lines" ]; then
		ok "$what"
	else
		bad "$what: no datapath flow matches $(printf "'%s' " "$@")in vswitchd-$MOD-$case.dpctl-flows.txt:
$(sed 's/^/    /' /tmp/dp-flows.txt)$([ -s /tmp/dp-flows.txt ] || echo '    (no flows)')"
	fi
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

cleanup() {
	local pid
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
	# (stop_ovs's wait reads the pidfile ovs-vswitchd removes as it exits.)
	stop_ovs 2>/dev/null
	ip netns del ns1 2>/dev/null || true
	ip netns del ns2 2>/dev/null || true
	rm -f /tmp/tcp-send /tmp/tcp-recv
}
on_exit() {
	local rc=$?
	trap - EXIT
	[ -z "$MOD" ] || [ ! -s "$OVS_LOG" ] || cp "$OVS_LOG" "$OVSRS_OUT/vswitchd-$MOD-ovs-vswitchd.log"
	cleanup
	exit $rc
}
trap on_exit EXIT
# Say which command a `set -e` exit comes from (in functions too, but not
# from inside command substitutions).
set -E
trap '[ "$BASHPID" != "$$" ] || echo "FAIL: ${MOD:-setup}: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR

# --- the scenario -------------------------------------------------------------------

case_normal() {
	echo "--- $MOD: NORMAL"
	check_ping "NORMAL: ping ns1 -> ns2" ns1 10.0.0.2

	head -c 4M /dev/urandom >/tmp/tcp-send
	rm -f /tmp/tcp-recv
	ip netns exec ns2 timeout 60 socat -u TCP4-LISTEN:5001,reuseaddr CREATE:/tmp/tcp-recv &
	local rx=$! t0=$SECONDS rc=0
	for _ in $(seq 50); do
		[ -z "$(ip netns exec ns2 ss -Hltn 'sport = :5001')" ] || break
		sleep 0.2
	done
	ip netns exec ns1 timeout 60 socat -u OPEN:/tmp/tcp-send TCP4:10.0.0.2:5001,connect-timeout=10 || rc=$?
	[ $rc = 0 ] || kill $rx 2>/dev/null || true
	wait $rx || true
	local want have
	want=$(sha256sum </tmp/tcp-send | cut -d' ' -f1)
	have=
	[ ! -s /tmp/tcp-recv ] || have=$(sha256sum </tmp/tcp-recv | cut -d' ' -f1)
	if [ $rc = 0 ] && [ "$want" = "$have" ]; then
		ok "NORMAL: 4 MiB over TCP ns1 -> ns2 in $((SECONDS - t0)) s, sha256 matches"
	else
		bad "NORMAL: TCP transfer: sender status $rc, received $(stat -c %s /tmp/tcp-recv 2>/dev/null || echo 0) of 4194304 bytes, sha256 ${have:-none} (want $want)"
	fi
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
	ip netns exec ns2 timeout 40 "$PY" -c "$SNIFFER" 3 15 >/tmp/sniff.out 2>&1 &
	local sn=$!
	wait_for_log /tmp/sniff.out '^ready' 30 || bad "mod_nw_tos: the capture in ns2 did not start: $(cat /tmp/sniff.out)"
	check_ping "mod_nw_tos: ping ns1 -> ns2" ns1 10.0.0.2
	# It ends after 3 requests; 3 s more at most if there were fewer.
	for _ in $(seq 15); do
		kill -0 $sn 2>/dev/null || break
		sleep 0.2
	done
	kill $sn 2>/dev/null || true
	wait $sn || true
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

# The datapath's "lookups: hit:H missed:M lost:L" after all the above: both
# paths taken, and every miss reached ovs-vswitchd.
check_lookups() {
	local show hit missed lost
	show=$(ovs-dpctl show)
	printf '%s\n' "$show" >"$OVSRS_OUT/vswitchd-$MOD-dpctl-show-end.txt"
	# (No process substitution: the guest has no /dev/fd.)
	read -r hit missed lost <<<"$(sed -n 's/^ *lookups: hit:\([0-9]*\) missed:\([0-9]*\) lost:\([0-9]*\).*/\1 \2 \3/p' <<<"$show")" || true
	if [ "${hit:-0}" -gt 0 ] && [ "${missed:-0}" -gt 0 ] && [ "${lost:-x}" = 0 ]; then
		ok "datapath lookups: hit:$hit missed:$missed lost:0"
	else
		bad "datapath lookups: want hit > 0, missed > 0, lost 0; ovs-dpctl show has: $(grep 'lookups:' <<<"$show" || echo nothing)"
	fi
}

# The log's WARN and ERR lines, without their timestamps and sequence
# numbers ("module|LEVEL|text").
log_warnings() {
	sed -n 's/^[^|]*|[^|]*|\(.*|\(WARN\|ERR\|EMER\)|.*\)/\1/p' "$OVS_LOG"
}
# log_problems: those not matched by BENIGN_LOG.
log_problems() {
	local rc=0
	printf '%s\n' "${BENIGN_LOG[@]}" >/tmp/benign-log.ere
	log_warnings >/tmp/log-warnings.txt
	grep -Ev -f /tmp/benign-log.ere /tmp/log-warnings.txt || rc=$?
	[ $rc -le 1 ] || echo "(grep failed with status $rc on BENIGN_LOG)"
}

# scenario MODULE: all of the above with MODULE (and only it) loaded.
scenario() {
	MOD=$1
	FAILED=()
	local t0=$SECONDS
	echo "=== $MOD"
	if [ "$MOD" = openvswitch ]; then load_c_module; else load_rust_module; fi
	start_ovs
	bridge_with_two_hosts
	assert_datapath_module "$MOD"

	case_normal
	case_vlan
	case_openflow
	check_lookups
	assert_datapath_module "$MOD"

	ovs-vsctl --timeout=30 del-br br0 || bad "del-br br0 failed"
	# Stopped through ovs-appctl, not stop_ovs's SIGTERM: that one is
	# logged as "fatal_signal|WARN|terminating with signal 15".
	ovs-appctl --timeout=20 -t ovs-vswitchd exit || bad "ovs-appctl exit failed"
	for _ in $(seq 50); do
		[ -f /run/openvswitch/ovs-vswitchd.pid ] || break
		sleep 0.2
	done
	stop_ovs 2>/dev/null
	cp "$OVS_LOG" "$OVSRS_OUT/vswitchd-$MOD-ovs-vswitchd.log"
	local problems
	problems=$(log_problems)
	log_warnings | grep -E 'Unreasonably long' | sed "s/^/note: $MOD: (benign) /" || true
	if [ -z "$problems" ]; then
		ok "ovs-vswitchd.log: no WARN/ERR line (but the known benign ones)"
	else
		bad "ovs-vswitchd.log has WARN/ERR lines:
$(sed 's/^/    /' <<<"$problems")"
	fi
	cleanup
	unload_datapath_modules
	echo "=== $MOD: $((SECONDS - t0)) s, ${#FAILED[@]} failed check(s)"
	if [ ${#FAILED[@]} -gt 0 ]; then
		OVS_LOG=/dev/null fail "$MOD: ${#FAILED[@]} check(s) failed:$(printf '\n    %s' "${FAILED[@]%%$'\n'*}")"
	fi
}

scenario openvswitch
scenario openvswitch_rs
