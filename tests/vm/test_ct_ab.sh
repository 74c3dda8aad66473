#!/usr/bin/env bash
# Conntrack behaves in openvswitch_rs exactly as in openvswitch.ko: the
# same scripted scenario (tests/vm/ct_ab.py: crafted TCP, UDP, ICMP, IPv6
# packets through OVS_PACKET_CMD_EXECUTE with ct() - commit, zones, mark,
# labels, force_commit, eventmask, timeout, SNAT/DNAT, the ftp helper
# with and without NAT - then output and recirc; related ICMP errors;
# IPv4 and IPv6 fragments; a zone limit of 3 against 5 new connections;
# flows on ct_state installed with ovs-dpctl; every malformed ct() action;
# the conntrack table through ovs-dpctl dump-conntrack) runs against
# each module, and the transcripts must be identical: the errno of each
# EXECUTE, every frame out of each port with its checksums checked, every
# upcall with its key's ct_state/zone/mark/labels/original tuple.
#
# On the default kernel the scenario first runs twice against
# openvswitch.ko: should those two transcripts differ, something
# run-dependent is recorded. On the debug kernel (once each) lockdep,
# KFENCE, atomic-sleep checks and kmemleak watch both modules' runs.
# OVSRS_T_C_ONLY=1 runs the openvswitch.ko half alone (for work on the
# scenario while the module has no conntrack).
# flavours: default debug
. "$(dirname "$0")/lib.sh"

AB="$OVSRS_TOP/tests/vm/ct_ab.py"
C_OUT="$OVSRS_OUT/ct_ab-openvswitch.txt"
C2_OUT="$OVSRS_OUT/ct_ab-openvswitch.run2.txt"
RS_OUT="$OVSRS_OUT/ct_ab-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/ct_ab.diff"
DEADLINE=${OVSRS_T_CT_AB_DEADLINE:-240}

# Datapath ports taN, captured on their peers tcN (lib.sh).
net_up() {
	capture_veths
	conntrack_up
}
net_down() {
	local n
	for n in 1 2 3; do ip link del "ta$n" 2>/dev/null || true; done
	ovs-dpctl del-dp tac0 2>/dev/null || true
}
cleanup() { net_down; }
trap on_exit EXIT

SPLAT_TAG=ct-ab-test RUN_WHAT="the ct scenario"
scenario_run() {
	timeout $((DEADLINE + 60)) python3 "$AB" run "$1" --ports ta1,ta2,ta3 --caps tc1,tc2,tc3 \
		--deadline "$DEADLINE"
}
run_scenario() {
	run_against "$1" scenario_run "$2"
	[ "$run_rc" = 0 ] || fail "ct_ab.py against $1 exited with status $run_rc (transcript: $2)"
}

# case_block, expect_case (lib.sh) read $C_OUT.
kmemleak_start
run_scenario openvswitch "$C_OUT"

# --- the reference transcript shows each part ran for real ----------------------
summary=$(grep '^# delivered: ' "$C_OUT") || fail "no summary in $C_OUT"
echo "openvswitch.ko: ${summary#\# }"
grep '^# errnos' "$C_OUT"
grep -q ' barriers lost=0; strays=0; csum-broken=0; not run=0$' <<<"$summary" ||
	fail "openvswitch.ko transcript: barriers lost, stray frames, broken checksums or steps not run (see $C_OUT)"
# TCP states, mark and labels, invalid, ct_clear.
expect_case 'tcp SYN A>B \| ct\(\),recirc\(1\)' '^    CT recirc=1 state=\+new\+trk zone=0 mark=0x0 labels=0{32} orig=6:10.1.0.1:40001>10.1.0.2:80$'
expect_case 'tcp SYN A>B again \| .*' 'state=\+new\+trk zone=0 mark=0x11 labels=0102030400000000090a0b0c00000010 orig=6:10.1.0.1:40001>10.1.0.2:80'
expect_case 'tcp SYN-ACK B>A \| .*' 'state=\+est\+rpl\+trk zone=0 mark=0x11 '
expect_case 'tcp data A>B, mark changed \| .*' 'state=\+est\+trk zone=0 mark=0x2211 '
expect_case 'tcp SYN\|FIN A>B \(invalid\) \| .*' 'state=\+inv\+trk'
expect_case 'tcp data A>B, ct_clear after ct \| .*' '^    CT recirc=1 state=0 zone=0 mark=0x0 labels=0{32}$'
expect_case 'tcp data A>B \| .*' '^  p2 len=72 otherhost csum_valid csum ip4=ok tcp=ok$'
expect_case 'tcp SYN A>B \| ct\(\),userspace' '^  up ACTION '
# Zones kept apart.
expect_case 'udp A>B zone 2 \(no commit\) \| .*' 'state=\+new\+trk zone=2 '
expect_case 'udp B>A zone 1 \| .*' 'state=\+est\+rpl\+trk zone=1 '
expect_case 'udp B>A zone 2 \| .*' 'state=\+new\+trk zone=2 '
expect_case 'icmp echo reply B>A \| .*' 'state=\+est\+rpl\+trk zone=0 .*orig=1:10.1.0.1:8>10.1.0.2:0'
# Related ICMP errors, plain and through NAT (the quoted packet rewritten).
expect_case 'icmp port unreachable B>A about it \| .*' 'state=\+rel\+rpl\+trk'
expect_case 'icmp port unreachable B>A, no connection \| .*' 'state=\+inv\+trk'
expect_case 'icmp time exceeded from a router about it \| .*' 'state=\+rel\+rpl\+trk'
expect_case 'icmp error B>snat address \(related, natted inside\) \| .*' '^  p1 len=70 otherhost csum_valid csum ip4=ok icmp=ok$'
expect_case 'icmp error B>snat address \(related, natted inside\) \| .*' 'state=\+rel\+rpl\+trk\+dnat zone=3'
# SNAT/DNAT: the rewritten frames, checksums right.
expect_case 'udp A>B snat \| .*' '^    [0-9a-f]{52}0a6300010a0100027530'
expect_case 'udp A>B snat \| .*' '^  p2 len=51 otherhost csum_valid csum ip4=ok udp=ok$'
expect_case 'udp A>B snat \| .*' 'state=\+new\+trk\+snat zone=3 .*orig=17:10.1.0.1:6000>10.1.0.2:53'
expect_case 'udp B>snat address reply \| ct\(zone=3,nat\).*' '^    [0-9a-f]{52}0a0100020a01000100351770'
expect_case 'tcp SYN A>vip dnat \| .*' '^    [0-9a-f]{52}0a0100010a010002a0281f90'
expect_case 'tcp SYN A>vip dnat \| .*' 'state=\+new\+trk(\+snat)?\+dnat zone=4 .*orig=6:10.1.0.1:41000>10.1.0.100:80'
expect_case 'tcp SYN-ACK B>A \(un-dnat\) \| .*' '^    [0-9a-f]{52}0a0100640a0100010050a028'
expect_case 'udp6 A>B snat \| .*' ' csum udp=ok$'
expect_case 'udp6 A>B snat \| .*' 'orig6=17:\[20010db8000000000000000000000001\]:6100>'
expect_case 'tcp6 SYN-ACK B>A \| .*' 'state=\+est\+rpl\+trk zone=6'
# Fragments: reassembled by ct(), refragmented on output; the upcall has
# the whole datagram.
expect_case 'udp A>B fragment 1 of 3 \| .*' '^  \(nothing delivered\)$'
expect_case 'udp A>B fragment 3 of 3 \| .*' '^    PACKET len=2442 csum ip4=ok udp=ok$'
expect_case 'udp A>B fragment 3 of 3 \| .*' '^  p2 len=1034 otherhost csum ip4=ok udp=frag$'
expect_case 'udp A>B, middle fragment \| .*' 'state=\+new\+trk zone=12'
expect_case 'udp A>B 1242 bytes, not a fragment, MRU 600 \| .*' '^  p2 len=610 '
expect_case 'udp6 A>B fragment 3 of 3 \| .*' 'orig6=17:'
# FTP: related data connections, the rewritten PORT and 227 commands
# (the helper's mangling leaves the TCP checksum to the device).
expect_case 'ftp data SYN A>B:50000 \(related\) \| .*' 'state=\+new\+rel\+trk zone=20'
expect_case 'ftp data SYN A>B:50001 \(not expected\) \| .*' 'state=\+new\+trk zone=20'
expect_case 'ftp active data SYN B:20>A:50002 \(related\) \| .*' 'state=\+new\+rel\+trk zone=20'
expect_case 'ftp snat ctl PORT A>B \(rewritten\) \| .*' "^    .*$(printf 'PORT 10,99,0,1,195,83' | od -An -tx1 | tr -d ' \n')"
expect_case 'ftp snat ctl PORT A>B \(rewritten\) \| .*' '^  p2 len=77 .*csum ip4=ok tcp=(ok|partial-ok)$'
expect_case 'ftp snat active data SYN B:20>snat:50003 \(related, to A\) \| .*' 'state=\+new\+rel\+trk.*dnat zone=21'
expect_case 'ftp snat active data SYN B:20>snat:50003 \(related, to A\) \| .*' '^    [0-9a-f]{52}0a0100020a0100010014c353'
expect_case 'ftp dnat ctl 227 B>A \(rewritten\) \| .*' "^    .*$(printf '(10,1,0,100,195,84)' | od -An -tx1 | tr -d ' \n')"
expect_case 'ftp dnat data SYN A>vip:50004 \(related, to B\) \| .*' 'state=\+new\+rel\+trk.*dnat zone=22'
# Zone limit 3: of five new connections three commit.
expect_case 'udp A>B :8002 zone 7 commit \| .*' 'state=\+new\+trk zone=7'
expect_case 'udp A>B :8003 zone 7 commit \| .*' '^  errno ENOMEM$'
expect_case 'udp A>B :8004 zone 7 commit \| .*' '^  \(nothing delivered\)$'
expect_case '\$ ovs-dpctl ct-get-limits zone=7' 'zone=7,limit=3,count=3'
expect_case 'udp A>B :8005 zone 7 commit, limit gone \| .*' 'state=\+new\+trk zone=7'
# Flows on ct_state; the ct actions' dump form.
expect_case '\$ ovs-dpctl dump-flows' 'ct_state\(\+est\+rpl\+trk\).* packets:1, .*actions:1$'
expect_case '\$ ovs-dpctl dump-flows' 'ct_state\(\+est-rpl\+trk\).* packets:2, .*actions:2$'
expect_case '\$ ovs-dpctl dump-flows' 'actions:ct\(commit,zone=30,mark=0x5/0xff\),2$'
expect_case '\$ ovs-dpctl dump-flows' 'nat\(src=10.99.0.1-10.99.0.9:1000-2000,persistent,random\)'
expect_case '\$ ovs-dpctl dump-flows' 'ipv4\(proto=17\).*actions:ct\(commit,zone=34,helper=tftp\),2$'
expect_case '\$ ovs-dpctl dump-flows' 'actions:ct\(commit,zone=35,helper=ftp,nat\(src=10.99.0.1\)\),2$'
expect_case '\$ ovs-dpctl dump-flows' 'actions:ct\(commit,zone=36,label=0x1/0xff\),2$'
# Malformed actions are refused.
expect_case 'udp A>B \| ct: nat src and dst' '^  errno ERANGE$'
expect_case 'udp A>B \| ct: mark mask 0' '^  errno EINVAL$'
expect_case 'udp A>B \| ct: helper unknown' '^  errno EINVAL$'
expect_case 'arp \| ct\(commit \(family unspecified\)\)' '^  errno EINVAL$'
# The table.
expect_case '\$ ovs-dpctl dump-conntrack zone=4' 'tcp,orig=\(src=10.1.0.1,dst=10.1.0.100,sport=41000,dport=80\),reply=\(src=10.1.0.2,dst=10.1.0.1,sport=8080,dport=41000\),zone=4'
expect_case '\$ ovs-dpctl dump-conntrack zone=20' 'helper=ftp'
# And a few words that must be somewhere in it.
transcript_shows "$C_OUT" -F '  errno ERANGE' '  errno ENOMEM' 'state=+new+rel+trk' 'state=+rel+rpl+trk' \
	'state=+inv+trk' 'zone=7,limit=3,count=3' '  up ACTION ' '  up MISS ' '    MRU '
pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") steps, ${summary#\# delivered: }"

# The debug kernel is slow and its question is the teardown: the default
# kernel alone checks the transcript does not depend on the run.
if [ "$OVSRS_FLAVOUR" = default ]; then
	run_scenario openvswitch "$C2_OUT"
	if ! diff -u "$C_OUT" "$C2_OUT" >"$DIFF_OUT"; then
		head -n 100 "$DIFF_OUT"
		fail "two runs against openvswitch.ko differ: something run-dependent is recorded (see $DIFF_OUT)"
	fi
	pass "openvswitch.ko transcript is the same on a second run"
fi

if [ "${OVSRS_T_C_ONLY:-0}" = 1 ]; then
	kmemleak_check
	pass "OVSRS_T_C_ONLY=1: openvswitch_rs not run"
	exit 0
fi

run_scenario openvswitch_rs "$RS_OUT"
same=1
diff -u "$C_OUT" "$RS_OUT" >"$DIFF_OUT" || same=0
kmemleak_check
if [ $same = 0 ]; then
	python3 "$AB" compare "$C_OUT" "$RS_OUT" --limit 6 | head -n 400
	fail "conntrack gives different results on openvswitch_rs (+) than on openvswitch.ko (-): see $DIFF_OUT"
fi
pass "ct transcript of openvswitch_rs identical to openvswitch.ko's ($(grep -c '^\[' "$C_OUT") steps)"
