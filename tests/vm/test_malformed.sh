#!/usr/bin/env bash
# Malformed frames through the packet path: openvswitch_rs extracts the
# same flow keys from truncated and corrupted frames as openvswitch.ko,
# sends the same OVS_PACKET_CMD_MISS upcalls (or drops the same frames),
# counts the same, and still forwards valid traffic afterwards.
#
# For each module (openvswitch.ko first): a datapath with three netdev
# ports on veth pairs, 1 and 2 leading to namespaces mfa (10.9.0.1) and
# mfb (10.9.0.2), 3 to mfi0 in the root namespace (MTU 9000); IPv6 is off
# on every veth end, so that nothing but the test's frames enters the
# datapath. tests/vm/malformed_ab.py opens the upcall sockets (the
# datapath's OVS_DP_ATTR_UPCALL_PID, the vports' OVS_VPORT_ATTR_UPCALL_PID)
# and sends its corpus through an AF_PACKET socket on mfi0, each frame
# followed by a barrier frame: 787 frames, Ethernet, 802.1Q/802.1ad,
# LLC/SNAP, MPLS, IPv4, TCP/UDP/SCTP, ICMP, IPv6 and its extension
# headers, ARP/RARP, ICMPv6 and neighbour discovery, NSH, cut short and
# corrupted; 320 seeded random corruptions; valid frames; jumbo frames
# whose headers run past the first 2 KiB, linear and paged. It writes one
# line per frame: whether AF_PACKET took it, and every upcall it caused
# (the KEY nest, the PACKET bytes, every attribute but the per-boot value
# of HASH); then the datapath's n_hit/n_missed/n_lost and port 3's stats
# and upcall stats; then it installs flows in_port(1)->2 and
# in_port(2)->1, pings from mfa to mfb, and checks the hit counts. The two
# transcripts must be identical; the first differences are printed with
# the keys decoded (the full diff is malformed.diff).
#
# The openvswitch.ko transcript is checked first so that the comparison
# cannot be hollow (every frame recorded, frames below 14 bytes refused by
# AF_PACKET, known drops and upcalls, keys from headers past 2 KiB,
# counters consistent with the upcalls, pings through the flows). A
# kernel splat during either run fails the test at once, naming the
# module (scripts/vm fails the run on it too); on the debug kernel
# kmemleak watches the whole test.
#
# OVSRS_T_C_ONLY=1: the openvswitch.ko half alone (for work on the corpus).
# flavours: default
. "$(dirname "$0")/lib.sh"

AB="$OVSRS_TOP/tests/vm/malformed_ab.py"
# The transcripts are written and checked on the guest's tmpfs (reading the
# 9p out share is slow under TCG) and copied to $OVSRS_OUT at the end.
WORK=/tmp/malformed
C_OUT="$WORK/malformed-openvswitch.txt"
RS_OUT="$WORK/malformed-openvswitch_rs.txt"
DIFF_OUT="$WORK/malformed.diff"
mkdir -p "$WORK"
save_results() { cp -f "$WORK"/* "$OVSRS_OUT/" 2>/dev/null || true; }
trap save_results EXIT
FRAMES=787
RUN_TIMEOUT=420

net_up() {
	local ns addr
	for ns in mfa mfb; do
		ip netns add $ns
		# "default" for the eth0 created in the namespace below.
		ip netns exec $ns bash -c "$(declare -f no_ipv6); no_ipv6 default all"
		ip link add $ns-out type veth peer name eth0 netns $ns
		no_ipv6 $ns-out
		[ $ns = mfa ] && addr=10.9.0.1/24 || addr=10.9.0.2/24
		ip -n $ns addr add $addr dev eth0
		ip -n $ns link set lo up
		ip -n $ns link set eth0 up
		ip link set $ns-out up
	done
	# Jumbo frames on the injecting pair: headers past the first 2 KiB.
	ip link add mfi0 mtu 9000 type veth peer name mfi1 mtu 9000
	no_ipv6 mfi0 mfi1
	ip link set mfi0 up
	ip link set mfi1 up
}

net_down() {
	echo "malformed-test: removing the veths" >/dev/kmsg
	ip link del mfi0 2>/dev/null || true
	ip link del mfa-out 2>/dev/null || true
	ip link del mfb-out 2>/dev/null || true
	ip netns del mfa 2>/dev/null || true
	ip netns del mfb 2>/dev/null || true
	# (The run deletes its datapath; this is for a run that failed midway.)
	ovs-dpctl del-dp ovs-mf 2>/dev/null || true
}

# run_against (lib.sh) names the module of a kernel splat, and times the run.
SPLAT_TAG=malformed-test RUN_WHAT="the corpus"
# corpus_run OUT: the corpus against the module loaded, and the time of
# its parts.
corpus_run() {
	local rc=0
	timeout "$RUN_TIMEOUT" "$PYTHON" "$AB" run "$1" --inject mfi0 --ports mfa-out,mfb-out,mfi1 \
		--ping mfa,10.9.0.2 || rc=$?
	echo "($(grep -E ': [0-9.]+ s$' "$1.notes" | paste -sd ';'))"
	return $rc
}

# check_reference C_OUT: openvswitch.ko's transcript is what this test
# expects of it, so that the comparison cannot be hollow. One awk (process
# starts are slow under TCG) over the corpus and the transcript.
check_reference() {
	awk -v frames=$FRAMES '
	function bad(msg) { print "openvswitch.ko: " msg; nbad++ }
	BEGIN {
		# AF_PACKET refuses frames below ETH_HLEN (the veth min_header_len).
		split("0 1 6 12 13", n, " ")
		for (i in n) want["eth-len" n[i]] = " len=" n[i] " send=EINVAL upcalls=0$"
		# A 14-byte frame arrives as 14 bytes: nothing pads it.
		want["eth-only-type0800"] = " len=14 send=ok upcalls=1 [|] MISS v1 dp=<dp> KEY=.* PACKET=0200000000020200000000010800$"
		# The core (skb_vlan_untag) drops an outer 802.1Q tag without 2
		# bytes after it, before any rx_handler; with them it arrives, and
		# the upcall has the tag back inside the packet.
		for (i = 14; i < 20; i++) want["8021q-cut" i] = " send=ok upcalls=0$"
		want["8021q-cut20"] = " upcalls=1 [|] .* PACKET=0200000000020200000000018100006408004500$"
		# Key extraction errors drop the frame: NSH cut short, bad
		# version, MD type 1 of the wrong length, unknown MD type, a
		# length past the end.
		split("nsh-cut0 nsh-cut7 nsh-ver1 nsh-md1-len5 nsh-mdtype0 nsh-md2-len-past-end nsh-md2-len63", n, " ")
		for (i in n) want[n[i]] = " send=ok upcalls=0$"
		# Malformed but extracted: one miss each.
		split("nsh-md1 nsh-md2-tlv nsh-md2-tlv-past-end nsh-md2-len0 ip4-ihl0 ip6-chain-dest13 arp-cut7 mpls-300-nos ns-dup-sll ip6-frag-later-dest qinq-cut20 ip4-tcp-doff0 snap-cut0", n, " ")
		for (i in n) want[n[i]] = " send=ok upcalls=1 [|] MISS v1 dp=<dp> KEY="
		# Paged jumbo frames: the key has what lies past the first 2 KiB
		# (UDP ports 1000/53 after a 2 KiB hop-by-hop header; MPLS labels
		# 1, 2, 3 of a stack whose last label is 4 KiB in; the source
		# link-layer address after 700 ND options).
		want["jumbo-ip6-hop2048-udp-paged"] = " upcalls=1 [|] MISS v1 dp=<dp> KEY=[0-9a-f]*08000a0003e80035"
		want["jumbo-mpls-1000s-paged"] = " upcalls=1 [|] MISS v1 dp=<dp> KEY=[0-9a-f]*10001500000010400000204000003040"
		want["jumbo-ns-opts-paged"] = " upcalls=1 [|] MISS v1 dp=<dp> KEY=[0-9a-f]*20000e00fe8000000000000000000000000000990a0000000001000000000000 "
	}
	FNR == NR { sent[$1] = $4; cat[$1] = $2; next }
	/^[0-9][0-9][0-9][0-9] / {
		nframes++
		if ($2 in want) {
			seen[$2] = 1
			if ($0 !~ want[$2]) bad("frame " $2 " does not match /" want[$2] "/: " substr($0, 1, 300))
		}
		if ($0 ~ / send=EINVAL /) einval++
		if ($0 ~ / upcalls=0$/) none++
		# No frame causes two upcalls; two would also mean stray frames
		# (traffic from the namespaces) entered the datapath.
		if ($0 ~ / upcalls=([2-9]|[1-9][0-9]+) /) bad("frame " $2 " has more than one upcall")
		if (cat[$1] == "valid" && $0 !~ / send=ok upcalls=1 [|] MISS v1 dp=<dp> KEY=[0-9a-f]+ HASH=[a-z,4]+ PACKET=[0-9a-f]+$/)
			bad("valid frame " $2 ": " substr($0, 1, 300))
		# Every upcall carries the frame as it was sent.
		if ($0 ~ / upcalls=1 /) {
			p = substr($0, index($0, " PACKET=") + 8)
			sub(/ .*/, "", p)
			if (p != sent[$1]) bad("frame " $2 ": the PACKET of its upcall is not the frame sent")
		}
		next
	}
	/^# corpus: / { upcalls = $3; barriers_ok = ($0 ~ /, 0 barriers lost$/) }
	/^dp stats: / { dpstats = $0 }
	/^port 3 upcall stats: / { portstats = $0 }
	/^(datapath socket: 0 messages|vport socket: 0 messages after the last barrier|ok: ping 10.9.0.2 from mfa: 3 replies|vport socket during the pings: 0 messages)$/ { have[$0] = 1 }
	/^FAILED/ { bad($0) }
	END {
		for (k in want) if (!(k in seen)) bad("no frame " k)
		if (nframes != frames) bad(nframes " frames, not " frames)
		if (einval != 5) bad(einval + 0 " frames refused by AF_PACKET, not 5")
		if (!barriers_ok) bad("barriers lost")
		# Every upcall and every barrier is a miss; nothing is lost.
		if (dpstats != "dp stats: n_hit=0 n_missed=" upcalls + frames " n_lost=0 n_flows=0")
			bad("\"" dpstats "\": not the " upcalls " upcalls + " frames " barriers missed")
		if (portstats != "port 3 upcall stats: success=" upcalls + frames " fail=0")
			bad("\"" portstats "\": not " upcalls + frames " successful upcalls")
		split("datapath socket: 0 messages|vport socket: 0 messages after the last barrier|ok: ping 10.9.0.2 from mfa: 3 replies|vport socket during the pings: 0 messages", n, "|")
		for (i in n) if (!(n[i] in have)) bad("no line \"" n[i] "\"")
		if (nbad) exit 1
		print frames " frames, " upcalls " upcalls, " none " frames without one"
	}' "$1.corpus" "$1"
}

kmemleak_start
run_against openvswitch corpus_run "$C_OUT"
[ "$run_rc" = 0 ] || fail "malformed_ab.py against openvswitch.ko exited with status $run_rc (transcript: $C_OUT)"
summary=$(check_reference "$C_OUT") || { echo "$summary"; fail "openvswitch.ko's transcript is not what the test expects (above; $C_OUT)"; }
pass "openvswitch.ko transcript: $summary; pings through the flows, hits counted"

if [ "${OVSRS_T_C_ONLY:-0}" = 1 ]; then
	pass "OVSRS_T_C_ONLY=1: openvswitch_rs not run"
	kmemleak_check
	exit 0
fi

run_against openvswitch_rs corpus_run "$RS_OUT"
same=1
if ! diff -u "$C_OUT" "$RS_OUT" >"$DIFF_OUT"; then
	same=0
	# (compare exits 1 on differences, as they are known here.)
	"$PYTHON" "$AB" compare "$C_OUT" "$RS_OUT" | cut -c1-300 | head -n 400 || true
fi
# Informational: the 32-bit hash of the upcalls (left out of the
# transcripts) is the flow dissector's with this boot's seed.
if cmp -s "$C_OUT.hash" "$RS_OUT.hash"; then
	echo "note: the upcalls' 32-bit hash values are the same on both modules too"
else
	echo "note: the upcalls' 32-bit hash values differ on $(diff "$C_OUT.hash" "$RS_OUT.hash" | grep -c '^<') frames (not compared)"
fi
# (Before the verdict, so that a difference does not hide a leak.)
kmemleak_check
[ $same = 1 ] ||
	fail "openvswitch_rs's upcalls or counters differ from openvswitch.ko's (above; -: openvswitch.ko, +: openvswitch_rs): see $(basename "$DIFF_OUT")"
[ "$run_rc" = 0 ] || fail "malformed_ab.py against openvswitch_rs exited with status $run_rc (transcript: $RS_OUT)"
pass "openvswitch_rs: the $FRAMES frames' upcalls, keys, packets and counters identical to openvswitch.ko's"
pass "openvswitch_rs: pings through the flows, hits counted"
