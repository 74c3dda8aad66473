#!/usr/bin/env bash
# openvswitch_rs transforms packets exactly like openvswitch.ko: the same
# corpus of OVS_PACKET_CMD_EXECUTE requests (tests/vm/actions_corpus.py:
# realistic frames - IPv4/IPv6 TCP, UDP with and without checksum, ICMP,
# ICMPv6, SCTP, ARP, LLC, 802.1Q, QinQ, MPLS, a layer-3 packet - crossed
# with action lists covering output, trunc, userspace, set and set_masked
# of every rewritable header and of priority/skb_mark, VLAN, MPLS and
# Ethernet pushes and pops, hash, clone, sample, check_pkt_len, dec_ttl,
# drop, ct_clear, psample; MRU, upcall port ids, per-CPU dispatch,
# unaligned or padded upcalls; malformed requests; then NSH frames (MD
# types 1 and 2, over Ethernet and layer 3, malformed ones) with push_nsh,
# pop_nsh and set/set_masked(nsh); set(tunnel) with userspace's
# egress_tun_port (the upcall's EGRESS_TUN_KEY) and output to a
# collect-metadata VXLAN port, whose encapsulated frames are captured on
# its underlay) runs against each
# module, and the transcripts must be identical: each EXECUTE's errno,
# every frame that left each port (captured with AF_PACKET on the veth
# peers and on the local port, with PACKET_AUXDATA's VLAN tag and checksum
# status), every upcall (all attributes but HASH's per-boot value), and
# the checksums of what was delivered, checked in Python (a checksum the
# input had right and a delivered frame has wrong is flagged CSUM-BROKEN
# even when both modules agree).
#
# Should the transcripts differ, the corpus runs once more against
# openvswitch.ko: if that one differs too, something run-dependent is
# recorded and the C-vs-Rust difference means nothing.
#
# OVSRS_T_C_ONLY=1 runs the openvswitch.ko half alone, twice, and compares
# the two runs (for work on the corpus).
# OVSRS_T_ACTIONS_DEADLINE=SECONDS: the limit of one run (default 400).
# On the debug kernel lockdep, KFENCE, atomic-sleep checks and kmemleak
# watch the whole run.
# flavours: default
. "$(dirname "$0")/lib.sh"

AB="$OVSRS_TOP/tests/vm/actions_ab.py"
C_OUT="$OVSRS_OUT/actions-openvswitch.txt"
C2_OUT="$OVSRS_OUT/actions-openvswitch.run2.txt"
RS_OUT="$OVSRS_OUT/actions-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/actions.diff"
DEADLINE=${OVSRS_T_ACTIONS_DEADLINE:-400}
RUN_TIMEOUT=$((DEADLINE + 60))

# Three veth pairs: taN (a netdev port of the datapath) and tcN (the peer
# the frames are captured on), fixed MACs so that packet types do not vary.
#
# Port 4: vxtest, a collect-metadata ("external") VXLAN device, as
# ovs-vswitchd makes vxlan_sys_4789. Its underlay: the veth ul0 (in the
# root namespace, 172.31.77.1/24 and fd77::1/64, no link-local address)
# and its peer ulc, where the encapsulated frames are captured. Everything
# a route lookup for a tunnel depends on is static: the connected routes,
# 198.18.0.0/24 via 172.31.77.254, 2001:db8:77::/64 via fd77::fe, and
# permanent neighbours for the remote ends and gateways (so no ARP or
# neighbour discovery is sent, nor any frame queued); any other tunnel
# destination has no route (the VM has no other interface). The tunnel
# key's source address (EGRESS_TUN_KEY's ipv4_src/ipv6_src) is what that
# lookup picks.
UL_OPTS=(--vxlan vxtest --underlay ulc)
net_up() {
	echo "$(date +%T.%N) module loaded"
	capture_veths
	modprobe vxlan 2>/dev/null || true
	ip link add vxtest address 02:00:00:00:04:0a type vxlan external dstport 4789 ||
		fail "cannot create a collect-metadata vxlan device (CONFIG_VXLAN?)"
	no_ipv6 vxtest
	ip link set vxtest up
	ip link add ul0 address 02:00:00:00:77:0a type veth peer name ulc address 02:00:00:00:77:0c
	no_ipv6 ulc
	ip link set ul0 addrgenmode none
	echo 0 >/proc/sys/net/ipv6/conf/ul0/disable_ipv6
	ip link set ul0 up
	ip link set ulc up
	ip addr add 172.31.77.1/24 dev ul0
	ip -6 addr add fd77::1/64 dev ul0 nodad
	ip neigh replace 172.31.77.2 lladdr 02:00:00:00:77:02 dev ul0 nud permanent
	ip neigh replace 172.31.77.254 lladdr 02:00:00:00:77:fe dev ul0 nud permanent
	ip route add 198.18.0.0/24 via 172.31.77.254 dev ul0
	ip -6 neigh replace fd77::2 lladdr 02:00:00:00:77:02 dev ul0 nud permanent
	ip -6 neigh replace fd77::fe lladdr 02:00:00:00:77:fe dev ul0 nud permanent
	ip -6 route add 2001:db8:77::/64 via fd77::fe dev ul0
	echo "$(date +%T.%N) veths up"
}

net_down() {
	local n
	for n in 1 2 3; do ip link del "ta$n" 2>/dev/null || true; done
	ip link del vxtest 2>/dev/null || true
	ip link del ul0 2>/dev/null || true
	# (The run deletes its datapath; this is for a run that failed midway.)
	ovs-dpctl del-dp tac0 2>/dev/null || true
}

# run_against (lib.sh) names the module of a kernel splat, and times the run.
SPLAT_TAG=actions-test RUN_WHAT="the corpus"
# corpus_run OUT: the corpus against the module loaded.
corpus_run() {
	timeout "$RUN_TIMEOUT" python3 "$AB" run "$1" --ports ta1,ta2,ta3 --caps tc1,tc2,tc3 \
		"${UL_OPTS[@]}" --deadline "$DEADLINE"
}
# run_corpus MODULE OUT: that, with MODULE (and only it) loaded.
run_corpus() {
	run_against "$1" corpus_run "$2"
	[ "$run_rc" = 0 ] || fail "actions_ab.py against $1 exited with status $run_rc (transcript: $2)"
}

# case_block, expect_case, expect_no (lib.sh) read $C_OUT.
kmemleak_start
run_corpus openvswitch "$C_OUT"

# --- the reference transcript shows the corpus ran for real ---------------------
summary=$(grep '^# delivered: ' "$C_OUT") || fail "no summary in $C_OUT"
echo "openvswitch.ko: ${summary#\# }"
grep -E '^# (cases per|errnos)' "$C_OUT"
grep -q ' barriers lost=0; strays=0; ' <<<"$summary" ||
	fail "openvswitch.ko transcript: barriers lost or stray frames (see $C_OUT)"
frames=$(sed -n 's/^# delivered: frames=\([0-9]*\) .*/\1/p' "$C_OUT")
upcalls=$(sed -n 's/^# delivered: .* upcalls=\([0-9]*\);.*/\1/p' "$C_OUT")
{ [ "$frames" -gt 500 ] && [ "$upcalls" -gt 200 ]; } ||
	fail "openvswitch.ko delivered only $frames frames and $upcalls upcalls"
# Each port, the missing one, the userspace action, a VLAN tag out of band,
# the checksum words, errnos of refused requests.
expect_case 'tcp4 \| out:1' '^  errno 0$'
expect_case 'tcp4 \| out:1' '^  p1 len=72 otherhost csum ip4=ok tcp=ok$'
expect_case 'tcp4 \| out:2' '^  p2 len=72 '
expect_case 'tcp4 \| out:3' '^  p3 len=72 '
expect_case 'tcp4 \| out:0' '^  p0 len=72 '
expect_case 'tcp4 \| out:9' '^  \(nothing delivered\)$'
expect_case 'tcp4 \| userspace' '^  up ACTION v1 dp=<dp>$'
expect_case 'tcp4 \| push_vlan\(8100:1014\),out:1,userspace' '^  p1 len=72 otherhost vlan=8100:0014 '
expect_case 'udp4-nocsum \| out:1' ' csum ip4=ok udp=none$'
expect_case 'sctp4 \| set\(sctp\),out:1' ' csum ip4=ok sctp=ok$'
expect_case 'malformed: no KEY' '^  errno EINVAL$'
expect_case 'malformed: dp_ifindex lo' '^  errno ENODEV$'
# NSH: push_nsh (MD type 1) then push_eth; pop_nsh of a layer-3 NSH packet;
# pop_nsh wants the NSH header first (pop_eth before it); set(nsh) refused.
expect_case 'tcp4 \| push_nsh\(md1\),push_eth,out:1' '^    0a00000000a20a00000000a1894f0fc6010300077720'
expect_case 'l3-nsh1-ip4 \| pop_nsh,push_eth,out:1' '^  p1 len=72 otherhost csum ip4=ok tcp=ok$'
expect_case 'nsh1-eth \| pop_eth,pop_nsh,out:1,userspace' '^  p1 len=72 otherhost csum ip4=ok tcp=ok$'
expect_case 'nsh1-eth \| set\(nsh base\),out:1' '^  errno EINVAL$'
expect_case 'tcp4 \| push_nsh\(md1 of 12 bytes\),push_eth,out:1' '^  errno EINVAL$'
# The egress tunnel key: the route's source address, the vxlan port's
# destination port; none for a port that is no tunnel; VXLAN frames on
# the underlay.
T4='set\(tunnel\(id=100,dst=172.31.77.2,ttl=64,df\)\)'
T6='set\(tunnel\(id=200,dst=fd77::2,ttl=64\)\)'
expect_case "tcp4 \\| $T4,userspace\\(egress_tun_port:4\\)" \
	'^    EGRESS_TUN_KEY id=0000000000000064 ipv4_src=ac1f4d01 ipv4_dst=ac1f4d02 ttl=40 df tp_src=[0-9a-f]{4} tp_dst=12b5$'
expect_case "tcp4 \\| $T6,userspace\\(egress_tun_port:4\\)" \
	'^    EGRESS_TUN_KEY id=00000000000000c8 ipv6_src=fd770000000000000000000000000001 ipv6_dst=fd770000000000000000000000000002 ttl=40 '
expect_no "tcp4 \\| $T4,userspace\\(egress_tun_port:1\\)" 'EGRESS_TUN_KEY'
expect_case "tcp4 \\| $T4,out:4" '^  p4 len=122 otherhost vxlan outer csum ip4=ok udp=none inner csum ip4=ok tcp=ok$'
expect_case "tcp4 \\| $T6,out:4" '^  p4 len=142 otherhost vxlan outer csum udp=zero inner csum ip4=ok tcp=ok$'
pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") cases, $frames frames, $upcalls upcalls"
# A checksum that openvswitch.ko itself breaks is its behaviour (and the
# comparison below requires the same of openvswitch_rs); list it.
if grep -q 'CSUM-BROKEN' "$C_OUT"; then
	echo "openvswitch.ko breaks a checksum the input had right in:"
	awk '/^\[[0-9]+\] / { h = $0 } /CSUM-BROKEN/ { print "  " h ": " $0 }' "$C_OUT" | head -n 40
fi

if [ "${OVSRS_T_C_ONLY:-0}" = 1 ]; then
	run_corpus openvswitch "$C2_OUT"
	if ! diff -u "$C_OUT" "$C2_OUT" >"$DIFF_OUT"; then
		head -n 100 "$DIFF_OUT"
		python3 "$AB" compare "$C_OUT" "$C2_OUT" --limit 3 | tail -n 60
		fail "two runs against openvswitch.ko differ: something run-dependent is recorded (see $DIFF_OUT)"
	fi
	pass "OVSRS_T_C_ONLY=1: the openvswitch.ko transcript is the same on a second run; openvswitch_rs not run"
	exit 0
fi

run_corpus openvswitch_rs "$RS_OUT"
# Leaks are checked whatever the comparison says (both runs are over).
kmemleak_check
show_difference() { python3 "$AB" compare "$1" "$2" --limit 6 | head -n 400; }
compare_transcripts EXECUTE "$DIFF_OUT" "$C_OUT" "$RS_OUT" "$C2_OUT" run_corpus openvswitch
pass "EXECUTE transcript of openvswitch_rs identical to openvswitch.ko's" \
	"($(grep -c '^\[' "$C_OUT") cases, $frames frames, $upcalls upcalls)"
