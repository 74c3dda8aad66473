#!/usr/bin/env bash
# ovs-dpctl (Debian's 3.1) gets the same answers from openvswitch_rs as from
# openvswitch.ko: the same script of commands (tests/vm/dpctl_transcript.sh:
# add-dp, add-if of internal and veth ports with and without port_no,
# set-if, show, show -s after injected frames, dump-dps, del-if, the flow
# commands (add-flow of TCP/IPv4 with masks, ARP, IPv6, VLAN, with and
# without a UFID; mod-flow, --clear, --may-create; get-flow; dump-flows,
# sorted, plain, -m and --names; del-flow by key and by UFID; del-flows;
# show's flow and mask counts), del-dp, their error cases, and the
# `ip -d link`/sysfs view of the ports) runs against each module, and the
# two transcripts must be identical.
#
# Should the transcripts differ, the script runs a second time against
# openvswitch.ko: if that one differs too, the normalisation misses
# something run-dependent and the C-vs-Rust difference means nothing.
# (A run-dependent line cannot make the comparison pass, only fail: the
# second run is the diagnosis, needed only then.)
# flavours: default
. "$(dirname "$0")/lib.sh"

TRANSCRIPT="$OVSRS_TOP/tests/vm/dpctl_transcript.sh"
C_OUT="$OVSRS_OUT/dpctl-openvswitch.txt"
C2_OUT="$OVSRS_OUT/dpctl-openvswitch.run2.txt"
RS_OUT="$OVSRS_OUT/dpctl-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/dpctl.diff"

# run_transcript MODULE OUT: the transcript with MODULE (and only it) loaded.
run_transcript() {
	run_against "$1" bash "$TRANSCRIPT" "$2"
	[ "$run_rc" = 0 ] || fail "dpctl_transcript.sh against $1 exited with status $run_rc (partial transcript: $2)"
}

run_transcript openvswitch "$C_OUT"

# The C transcript must show the sequence ran for real, or the comparison
# below would be hollow.
transcript_shows "$C_OUT" -F '  out|   port 7: vc0' '  out|   port 9: int3 (internal)' \
	'  out|   port 65534: vd0' ' master dp1 ' '  out|     openvswitch_slave ' \
	'  out| system@dp2' '  out|     RX packets:3 ' '  out|   lookups: hit:0 missed:7 lost:7' \
	'  out|   flows: 6' '  out|   masks: hit:0 total:5 hit/pkt:0.00' \
	'  out| ufid:11111111-2222-3333-4444-555555555555, recirc_id(0/0),' \
	'  err| ovs-dpctl: updating flow table (File exists)' '  out| Perhaps you need to specify a UFID?'
if grep -qE '^  (exit 124|not run)' "$C_OUT"; then
	fail "steps timed out or did not run against openvswitch.ko: see $C_OUT"
fi
pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") steps"

run_transcript openvswitch_rs "$RS_OUT"
compare_transcripts ovs-dpctl "$DIFF_OUT" "$C_OUT" "$RS_OUT" "$C2_OUT" run_transcript openvswitch
pass "ovs-dpctl transcript of openvswitch_rs identical to openvswitch.ko's"
