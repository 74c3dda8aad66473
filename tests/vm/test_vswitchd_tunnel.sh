#!/usr/bin/env bash
# VXLAN tunnels through stock ovs-vswitchd, on each datapath module:
# openvswitch.ko first (the reference: every check must pass there, or the
# test itself is wrong), then openvswitch_rs, with the same scenario and
# the same checks. /proc/modules proves which module answered.
#
# ovs-vswitchd creates a VXLAN port as a Linux vxlan device in
# collect-metadata ("external") mode, vxlan_sys_4789, and adds it to the
# datapath as a plain netdev vport. The datapath then (a) fills the flow
# key's tunnel fields from the tunnel metadata the vxlan device attaches to
# what it receives, and (b) executes set(tunnel(...)) by attaching tunnel
# metadata to the packet before it outputs it to that device, which
# encapsulates it.
#
# Topology:
#   ns1 eth0 10.0.0.1/24 and 10.0.6.1/24 (MTU 1450) -- ns1-out -- br0
#   br0: vx0 (vxlan, remote_ip=172.31.1.2, key=100)
#        vx6 (vxlan, remote_ip=fd00:31::2, key=200)
#        both are the datapath's one port vxlan_sys_4789
#   underlay, routed by the root namespace (not an OVS port):
#   root und0 172.31.1.1/24 fd00:31::1/64 == veth == nsr eth0 172.31.1.2/24
#   fd00:31::2/64; in nsr the kernel's own VXLAN endpoints:
#     vxr  VNI 100 over IPv4, 10.0.0.3/24, MAC $MACR
#     vxr6 VNI 200 over IPv6, 10.0.6.3/24, MAC $MACR6
#   (nsr answers ARP only on the device that has the address, arp_ignore=1,
#   since ns1's ARP requests are flooded down both tunnels.)
#
# Checks:
#   setup    vxlan_sys_4789 is an external-mode vxlan device enslaved to
#            ovs-system, listed by ovs-dpctl show; dpif/show maps vx0 and
#            vx6 to its port number;
#   ipv4     ping ns1 -> 10.0.0.3 and nsr -> 10.0.0.1 (encapsulation out
#            by set(tunnel), decapsulation in by the tunnel key: with key=100
#            ovs-vswitchd only maps packets whose metadata says VNI 100 from
#            172.31.1.2 to vx0); 512 KiB over TCP ns1 -> nsr, sha256
#            verified; datapath flows with actions set(tunnel(tun_id=0x64,
#            dst=172.31.1.2,...)),vxlan_sys_4789 and a match
#            tunnel(tun_id=0x64,src=172.31.1.2,dst=172.31.1.1,...) on
#            in_port(vxlan_sys_4789);
#   key      the datapath matches the tunnel fields, not only reports them:
#            with vxr's flow installed, hand-made VXLAN packets from nsr
#            with VNI 101, or from 172.31.1.9, do not reach ns1 (those with
#            VNI 100 from 172.31.1.2 before and after do), and their
#            upcalls carry that metadata (ovs-vswitchd's "receive tunnel
#            port not found" lines, expected and filtered);
#   ipv6     the same over the IPv6 underlay (ping ns1 -> 10.0.6.3; flows
#            with ipv6_dst / ipv6_src,ipv6_dst); ns1's ARP flood flow sets
#            both tunnels in one action list;
#   shape    the IPv4 tunnel flows of each case, less their counters, used
#            and TCP flags, are the same on openvswitch_rs as on
#            openvswitch.ko (saved as vswitchd-tunnel-<module>-<case>.shape);
#   counters the datapath's lookups: hit and missed > 0, lost 0;
#   teardown del-br removes vxlan_sys_4789;
#   log      ovs-vswitchd.log has no |WARN| or |ERR| line (but BENIGN_LOG's).
# The kernel must have VXLAN: without it the test fails, it does not skip.
# A failing check is reported and the scenario goes on; the module's half
# then fails with the list. Every ping, transfer and daemon command is
# bounded by a timeout. Flow dumps, ovs-dpctl show, dpif/show and the
# daemon's log are saved to $OVSRS_OUT/vswitchd-tunnel-<module>-*.
# flavours: default
. "$(dirname "$0")/lib.sh"

MAC1=02:00:00:00:00:01    # ns1's eth0
MACR=02:00:00:00:00:03    # nsr's vxr (VNI 100, IPv4 underlay)
MACR6=02:00:00:00:00:06   # nsr's vxr6 (VNI 200, IPv6 underlay)
UL4_LOCAL=172.31.1.1 UL4_REMOTE=172.31.1.2 UL4_OTHER=172.31.1.9
UL6_LOCAL=fd00:31::1 UL6_REMOTE=fd00:31::2
TUN_DEV=vxlan_sys_4789    # the device ovs-vswitchd makes for VXLAN on port 4789

OUT_TAG=vswitchd-tunnel
# ovs-vswitchd log lines expected here, besides lib.sh's.
BENIGN_LOG+=(
	# Provoked on purpose by case_tunnel_key: its VXLAN packets with VNI
	# 101, or from 172.31.1.9, match no tunnel port. Logged by the handler
	# that got the upcall and by the revalidator that deletes the drop
	# flow; on both modules.
	'^tunnel\((handler|revalidator)[0-9]+\)\|WARN\|receive tunnel port not found \(icmp,(tun_id=0x65,tun_src=172\.31\.1\.2|tun_id=0x64,tun_src=172\.31\.1\.9),tun_dst=172\.31\.1\.1,.*,dl_src=02:00:00:00:00:03,dl_dst=02:00:00:00:00:01,nw_src=10\.0\.0\.3,nw_dst=10\.0\.0\.1,.*\)$'
)

# ping_ok's limits: 3 replies within 8 s (the first one waits for ARP
# through the tunnel and for two upcalls).
PING_W=2 PING_DEADLINE=8

# Daemon and datapath commands, bounded.
vsctl() { ovs-vsctl --timeout=30 "$@"; }
appctl() { ovs-appctl --timeout=20 "$@"; }
dpctl() { timeout 20 ovs-dpctl "$@"; }

# In nsr: send VXLAN packets to DST:4789 by hand, each carrying an ICMP echo
# request 10.0.0.3 -> 10.0.0.1 (id 0x7e57) in an Ethernet frame SRC_MAC ->
# DST_MAC. Arguments: DST_MAC SRC_MAC DST, then "SEQ,VNI,SOURCE" per packet
# (the echo's sequence number, the VNI, the outer source address) or
# "sleep=SECONDS". No DF and a UDP checksum, as nsr's vxr sends them, so
# they have the tunnel flags of the flow vxr's traffic installed.
VXLAN_SENDER='
import socket, struct, sys, time
def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def mac(m):
    return bytes.fromhex(m.replace(":", ""))
dst_mac, src_mac, dst = sys.argv[1:4]
for spec in sys.argv[4:]:
    if spec.startswith("sleep="):
        time.sleep(float(spec[6:]))
        continue
    seq, vni, src = spec.split(",")
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x7e57, int(seq)) + b"ovsrs tunnel key test"
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), int(seq), 0, 64, 1, 0,
                     socket.inet_aton("10.0.0.3"), socket.inet_aton("10.0.0.1"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = mac(dst_mac) + mac(src_mac) + b"\x08\x00" + ip + icmp
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER, IP_PMTUDISC_DONT: no DF
    s.bind((src, 0))
    s.sendto(struct.pack("!II", 0x08000000, int(vni) << 8) + frame, (dst, 4789))
    s.close()
'

# In ns1: print "seq=N" for each ICMP echo request with id 0x7e57 eth0
# receives, after a line "ready"; stop after sequence number $1 or $2
# seconds.
ECHO_SNIFFER='
import select, socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
print("ready", flush=True)
last, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    if not select.select([s], [], [], 0.2)[0]:
        continue
    f, a = s.recvfrom(65535)
    if a[2] == socket.PACKET_OUTGOING or f[12:14] != b"\x08\x00" or f[23] != 1:
        continue
    icmp = f[14 + (f[14] & 15) * 4:]
    if icmp[0] != 8 or icmp[4:6] != b"\x7e\x57":
        continue
    seq = struct.unpack("!H", icmp[6:8])[0]
    print("seq=%d" % seq, flush=True)
    if seq == last:
        break
'

# --- checks ---------------------------------------------------------------------

TUN_DP_PORT=   # the datapath's port number of vxlan_sys_4789

# (lib.sh has ok/bad, check_ping, check_dp_flow, tcp_transfer, check_lookups.)
save_flows() { save_dp_flows "$@"; }

# check_shape CASE TUN_ID: the IPv4 datapath flows of /tmp/dp-flows.txt
# that match or set tunnel id TUN_ID, without their counters, "used" and
# TCP flags (and with the tunnel's UDP source port, a hash, blanked should
# it appear), sorted; openvswitch.ko's are kept and openvswitch_rs's must
# be the same.
check_shape() {
	local case=$1 tun_id=$2 shape=/tmp/shape-$MOD-$1.txt ref=/tmp/shape-openvswitch-$1.txt
	grep -F "tun_id=$tun_id," /tmp/dp-flows.txt | grep -F 'eth_type(0x0800)' |
		sed -E 's/, packets:[0-9]+, bytes:[0-9]+, used:[^,]+(, flags:[^,]*)?, actions:/, actions:/
			s/tp_src=[0-9]+/tp_src=*/g' |
		LC_ALL=C sort -u >"$shape" || true
	cp "$shape" "$OVSRS_OUT/vswitchd-tunnel-$MOD-$case.shape"
	if [ ! -s "$shape" ]; then
		bad "shape ($case): no IPv4 datapath flow with tun_id=$tun_id to compare"
	elif [ "$MOD" = openvswitch ]; then
		ok "shape ($case): $(wc -l <"$shape") IPv4 tunnel flow(s) recorded as the reference"
	elif [ ! -s "$ref" ]; then
		bad "shape ($case): openvswitch.ko's reference $ref is missing"
	elif diff -u "$ref" "$shape" >/tmp/shape.diff; then
		ok "shape ($case): the $(wc -l <"$shape") IPv4 tunnel flow(s) are the same as openvswitch.ko's"
	else
		bad "shape ($case): the IPv4 tunnel flows differ from openvswitch.ko's:
$(sed 's/^/    /' /tmp/shape.diff)"
	fi
}

# The kernel's VXLAN, which ovs-vswitchd needs for vxlan_sys_4789 and the
# test for nsr's endpoints. Its absence is a failure, not a skip.
require_vxlan() {
	local cfg=
	[ ! -r /proc/config.gz ] || cfg=$(zcat /proc/config.gz | grep -E '^(# )?CONFIG_VXLAN[= ]' || true)
	if ! modprobe vxlan 2>/tmp/modprobe-vxlan.err; then
		fail "this test needs the kernel's VXLAN (CONFIG_VXLAN=m or y), and 'modprobe vxlan' failed: $(cat /tmp/modprobe-vxlan.err)${cfg:+ (/proc/config.gz: $cfg)}"
	fi
	pass "kernel has VXLAN (modprobe vxlan)${cfg:+: $cfg}"
}

# --- setup and teardown -----------------------------------------------------------

# The underlay: root's und0 to nsr's eth0, with nsr's two kernel VXLAN
# endpoints. IPv6 only on the underlay veth (for the IPv6 tunnel), nowhere
# else: router solicitations and MLD reports would only add flows and
# upcalls at random times.
underlay() {
	ip netns add nsr
	ip netns exec nsr sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.conf.all.arp_ignore=1
	ip link add und0 type veth peer name eth0 netns nsr
	sysctl -qw net.ipv6.conf.und0.disable_ipv6=0
	ip netns exec nsr sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
	ip addr add "$UL4_LOCAL/24" dev und0
	ip addr add "$UL6_LOCAL/64" dev und0 nodad
	ip link set und0 up
	ip -n nsr addr add "$UL4_REMOTE/24" dev eth0
	ip -n nsr addr add "$UL6_REMOTE/64" dev eth0 nodad
	# (A source address no tunnel port names, for case_tunnel_key.)
	ip -n nsr addr add "$UL4_OTHER/24" dev eth0
	ip -n nsr link set eth0 up
	ip -n nsr link set lo up
	ip -n nsr link add vxr type vxlan id 100 remote "$UL4_LOCAL" local "$UL4_REMOTE" dstport 4789 dev eth0
	ip -n nsr link set vxr address "$MACR" up
	ip -n nsr addr add 10.0.0.3/24 dev vxr
	# (OVS sends IPv6 VXLAN without a UDP checksum unless options:csum=true.)
	ip -n nsr link add vxr6 type vxlan id 200 remote "$UL6_LOCAL" local "$UL6_REMOTE" dstport 4789 \
		dev eth0 udp6zerocsumrx
	ip -n nsr link set vxr6 address "$MACR6" up
	ip -n nsr addr add 10.0.6.3/24 dev vxr6
	ping -q -c 1 -W 5 "$UL4_REMOTE" >/dev/null || fail "$MOD: underlay: no ping $UL4_LOCAL -> $UL4_REMOTE"
	ping -q -6 -c 1 -W 5 "$UL6_REMOTE" >/dev/null || fail "$MOD: underlay: no ping $UL6_LOCAL -> $UL6_REMOTE"
}

# br0 with ns1 on ns1-out and the two VXLAN ports.
bridge_with_tunnels() {
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	underlay
	vsctl add-br br0 || fail "$MOD: add-br br0 failed"
	add_host_ns ns1 10.0.0.1/24
	ip netns exec ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	# 1450: what fits in the underlay's 1500 with VXLAN's 50 bytes.
	ip -n ns1 link set eth0 down address "$MAC1" mtu 1450 up
	ip -n ns1 addr add 10.0.6.1/24 dev eth0
	vsctl add-port br0 ns1-out \
		-- add-port br0 vx0 -- set interface vx0 type=vxlan \
		options:remote_ip="$UL4_REMOTE" options:key=100 \
		-- add-port br0 vx6 -- set interface vx6 type=vxlan \
		options:remote_ip="$UL6_REMOTE" options:key=200 ||
		fail "$MOD: add-port failed"
	ip link set br0 up
	wait_for_log "$OVS_LOG" 'added interface vx6' 30 || bad "setup: ovs-vswitchd did not log 'added interface vx6'"
	local i e
	for i in vx0 vx6; do
		e=$(vsctl get interface $i error 2>&1 || true)
		[ "$e" = '[]' ] || bad "setup: interface $i has error $e"
	done

	local show
	show=$(dpctl show 2>&1 || true)
	printf '%s\n' "$show" >"$OVSRS_OUT/vswitchd-tunnel-$MOD-dpctl-show.txt"
	printf '%s\n' "$show"
	for i in 'br0 (internal)' ns1-out "$TUN_DEV"; do
		# (": NAME" then a space or the end of the line.)
		if grep -qF ": $i " <<<"$(sed 's/$/ /' <<<"$show")"; then
			ok "setup: ovs-dpctl show lists $i"
		else
			bad "setup: ovs-dpctl show has no port $i"
		fi
	done
	local dev
	dev=$(ip -d link show "$TUN_DEV" 2>&1 || true)
	if grep -q 'master ovs-system' <<<"$dev" && grep -q 'vxlan external' <<<"$dev"; then
		ok "setup: $TUN_DEV is an external-mode vxlan device enslaved to ovs-system"
	else
		bad "setup: $TUN_DEV is not an external-mode vxlan device on ovs-system: $dev"
	fi

	# dpif/show: "vx0 2/3: (vxlan: key=100, remote_ip=172.31.1.2)", the
	# datapath port number after the slash.
	local dpif dp_port
	dpif=$(appctl dpif/show 2>&1 || true)
	printf '%s\n' "$dpif" >"$OVSRS_OUT/vswitchd-tunnel-$MOD-dpif-show.txt"
	dp_port=$(sed -n "s/^ *port \([0-9]*\): $TUN_DEV\( .*\)\?$/\1/p" <<<"$show")
	TUN_DP_PORT=$dp_port
	for i in vx0 vx6; do
		if grep -qE "^ *$i [0-9]+/${dp_port:-none}: \(vxlan: " <<<"$dpif"; then
			ok "setup: dpif/show maps $i to datapath port $dp_port ($TUN_DEV)"
		else
			bad "setup: dpif/show does not map $i to $TUN_DEV's datapath port (${dp_port:-none}):
$(sed 's/^/    /' <<<"$dpif")"
		fi
	done
}

# (The daemon's log first: on an early exit it is all there is.)
cleanup() {
	save_ovs_log
	stop_scenario ns1 nsr
	ip link del und0 2>/dev/null || true
	ip link del "$TUN_DEV" 2>/dev/null || true
}
trap on_exit EXIT
trace_errors

# --- the scenario -------------------------------------------------------------------

case_ipv4() {
	echo "--- $MOD: VXLAN over IPv4 (vx0, key=100)"
	check_ping "ipv4: ping ns1 -> 10.0.0.3 (nsr's vxr, VNI 100)" ns1 10.0.0.3
	check_ping "ipv4: ping nsr -> 10.0.0.1 (ns1)" nsr 10.0.0.1

	tcp_transfer "ipv4: 512 KiB over TCP ns1 -> nsr through the tunnel" $((512 * 1024)) ns1 nsr 10.0.0.3
	save_flows ipv4
	check_dp_flow "ipv4: datapath flow encapsulates ns1 -> vxr: set(tunnel(tun_id=0x64,dst=$UL4_REMOTE,...)),$TUN_DEV" ipv4 \
		"in_port\(ns1-out\)" "eth\(src=$MAC1,dst=$MACR\)" "eth_type\(0x0800\)" \
		"actions:set\(tunnel\(tun_id=0x64,dst=$UL4_REMOTE,[^)]*(\([^)]*\))?\)\),$TUN_DEV$"
	check_dp_flow "ipv4: datapath flow decapsulates vxr -> ns1: tunnel(tun_id=0x64,src=$UL4_REMOTE,dst=$UL4_LOCAL,...) on in_port($TUN_DEV)" ipv4 \
		"tunnel\(tun_id=0x64,src=$UL4_REMOTE,dst=${UL4_LOCAL}[,)]" "in_port\($TUN_DEV\)" \
		"eth\(src=$MACR,dst=$MAC1\)" "eth_type\(0x0800\)" "actions:ns1-out$"
	check_shape ipv4 0x64
}

# Packets through vxlan_sys_4789 are only vx0's if their tunnel metadata
# says VNI 100 from 172.31.1.2: the datapath must match the tunnel fields,
# not just carry them to ovs-vswitchd. With the flow for vxr -> ns1
# installed, nsr sends by hand (seq 1) an echo request as vxr would, (2)
# the same frame with VNI 101, (3) with VNI 100 from 172.31.1.9, (4) as
# (1) again. ns1 must receive 1 and 4 only; 2 and 3 miss that flow, and
# ovs-vswitchd, which has no tunnel port for them, logs the flow of their
# upcalls, which shows what the datapath extracted. (It also installs a
# drop flow for each, which its revalidator deletes at once: too short-lived
# to check in a dump.)
case_tunnel_key() {
	echo "--- $MOD: tunnel key: wrong VNI or source dropped"
	ip netns exec ns1 timeout 30 "$PYTHON" -c "$ECHO_SNIFFER" 4 12 >/tmp/sniff.out 2>&1 &
	local sn=$!
	wait_for_log /tmp/sniff.out '^ready' 20 || bad "tunnel key: the capture in ns1 did not start: $(cat /tmp/sniff.out)"
	ip netns exec nsr timeout 20 "$PYTHON" -c "$VXLAN_SENDER" "$MAC1" "$MACR" "$UL4_LOCAL" \
		"1,100,$UL4_REMOTE" sleep=1 "2,101,$UL4_REMOTE" "3,100,$UL4_OTHER" sleep=0.5 \
		"4,100,$UL4_REMOTE" || bad "tunnel key: sending VXLAN packets from nsr failed"
	# The capture ends at seq 4; 4 s more at most if it does not come.
	end_capture $sn 4
	save_flows tunnel-key
	cp /tmp/sniff.out "$OVSRS_OUT/vswitchd-tunnel-$MOD-tunnel-key.capture.txt"
	local got
	got=$(grep '^seq=' /tmp/sniff.out | tr '\n' ' ' || true)
	if [ "$got" = "seq=1 seq=4 " ]; then
		ok "tunnel key: ns1 received VNI 100 from $UL4_REMOTE (seq 1, 4), not VNI 101 (seq 2) nor VNI 100 from $UL4_OTHER (seq 3)"
	else
		bad "tunnel key: ns1 should receive seq=1 and seq=4 only, it received: ${got:-nothing}"
	fi
	# What the datapath's upcalls said, as ovs-vswitchd logs it.
	local what re
	for what in "0x65,$UL4_REMOTE" "0x64,$UL4_OTHER"; do
		# (A basic regular expression: wait_for_log greps with one.)
		re="tunnel(handler[0-9]*)|WARN|receive tunnel port not found (icmp,tun_id=${what%,*},tun_src=${what#*,},tun_dst=$UL4_LOCAL,.*,tun_flags=csum|key,in_port=${TUN_DP_PORT:-none},.*,dl_src=$MACR,dl_dst=$MAC1,nw_src=10\.0\.0\.3,nw_dst=10\.0\.0\.1,"
		if wait_for_log "$OVS_LOG" "$re" 5; then
			ok "tunnel key: the upcall of tun_id=${what%,*} from ${what#*,} had that metadata (ovs-vswitchd found no port for it)"
		else
			bad "tunnel key: ovs-vswitchd.log has no 'receive tunnel port not found' for tun_id=${what%,*} tun_src=${what#*,} tun_dst=$UL4_LOCAL csum|key in_port=${TUN_DP_PORT:-none}; its tunnel lines:
$(grep -F 'receive tunnel port not found' "$OVS_LOG" | sed 's/^/    /')"
		fi
	done
}

case_ipv6() {
	echo "--- $MOD: VXLAN over IPv6 (vx6, key=200)"
	check_ping "ipv6 underlay: ping ns1 -> 10.0.6.3 (nsr's vxr6, VNI 200)" ns1 10.0.6.3
	save_flows ipv6
	check_dp_flow "ipv6 underlay: datapath flow encapsulates ns1 -> vxr6: set(tunnel(tun_id=0xc8,ipv6_dst=$UL6_REMOTE,...)),$TUN_DEV" ipv6 \
		"in_port\(ns1-out\)" "eth\(src=$MAC1,dst=$MACR6\)" "eth_type\(0x0800\)" \
		"actions:set\(tunnel\(tun_id=0xc8,ipv6_dst=$UL6_REMOTE,[^)]*(\([^)]*\))?\)\),$TUN_DEV$"
	check_dp_flow "ipv6 underlay: datapath flow decapsulates vxr6 -> ns1: tunnel(tun_id=0xc8,ipv6_src=$UL6_REMOTE,ipv6_dst=$UL6_LOCAL,...)" ipv6 \
		"tunnel\(tun_id=0xc8,ipv6_src=$UL6_REMOTE,ipv6_dst=${UL6_LOCAL}[,)]" "in_port\($TUN_DEV\)" \
		"eth\(src=$MACR6,dst=$MAC1\)" "eth_type\(0x0800\)" "actions:ns1-out$"
	# ns1's ARP request for 10.0.6.3 went down both tunnels (and to br0).
	check_dp_flow "flood: ns1's ARP broadcast sets both tunnels in one action list" ipv6 \
		"in_port\(ns1-out\)" "eth\(src=$MAC1,dst=ff:ff:ff:ff:ff:ff\)" \
		"set\(tunnel\(tun_id=0x64,dst=$UL4_REMOTE,.*\)\),$TUN_DEV" \
		"set\(tunnel\(tun_id=0xc8,ipv6_dst=$UL6_REMOTE,.*\)\),$TUN_DEV"
	check_shape ipv6 0xc8
}

# scenario MODULE: all of the above with MODULE (and only it) loaded.
scenario() {
	scenario_start "$1"
	bridge_with_tunnels
	assert_datapath_module "$MOD"

	case_ipv4
	case_tunnel_key
	case_ipv6
	check_lookups
	assert_datapath_module "$MOD"

	vsctl del-br br0 || bad "del-br br0 failed"
	# ovs-vswitchd deletes the device once no port uses it (it may take a
	# moment after del-br returns).
	for _ in $(seq 25); do
		ip link show "$TUN_DEV" >/dev/null 2>&1 || break
		sleep 0.2
	done
	if ip link show "$TUN_DEV" >/dev/null 2>&1; then
		bad "teardown: $TUN_DEV is still there 5 s after del-br"
	else
		ok "teardown: del-br removed $TUN_DEV"
	fi
	exit_ovs_and_check_log
	cleanup
	unload_datapath_modules
	scenario_verdict
}

require_vxlan
scenario openvswitch
scenario openvswitch_rs
