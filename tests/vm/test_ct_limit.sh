#!/usr/bin/env bash
# The ovs_ct_limit family answers as openvswitch.ko does: the same script
# (tests/vm/ct_limit_transcript.sh: raw netlink SET/DEL/GET requests, well
# formed, malformed and unprivileged; ovs-dpctl ct-set-limits /
# ct-get-limits / ct-del-limits with good and bad arguments; limits per
# namespace, a namespace deleted with limits set, and the module unloaded
# with limits set in two namespaces) runs against each module, and the two
# transcripts must be identical. Should they differ, the script runs a
# second time against openvswitch.ko, to tell a difference of the modules
# from one of the run itself.
# On the debug kernel, lockdep, KFENCE and kmemleak watch the teardown, and
# only openvswitch_rs runs (its answers are compared on the default
# kernel): its transcript must hold the landmarks of C's.
# flavours: default debug
. "$(dirname "$0")/lib.sh"

TRANSCRIPT="$OVSRS_TOP/tests/vm/ct_limit_transcript.sh"
C_OUT="$OVSRS_OUT/ct_limit-openvswitch.txt"
C2_OUT="$OVSRS_OUT/ct_limit-openvswitch.run2.txt"
RS_OUT="$OVSRS_OUT/ct_limit-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/ct_limit.diff"
SPLAT_TAG=ct_limit

cleanup() { ip netns del ctns1 >/dev/null 2>&1 || true; }
trap on_exit EXIT

run_transcript() {
	run_against "$1" bash "$TRANSCRIPT" "$2"
	[ "$run_rc" = 0 ] || fail "ct_limit_transcript.sh against $1 exited with status $run_rc (partial transcript: $2)"
}

# Landmarks of C's transcript: the sequence ran for real.
LANDMARKS=('      zone=-1 limit=10 count=0' '      zone=513 limit=6 count=0'
	'  error EINVAL' '  error EPERM' '  error EMSGSIZE'
	'  out| default limit=5' '  out| zone=1,limit=3,count=0'
	'  out| zone=7,limit=70,count=0' '  out|     zone=4 limit=40 count=0')

if [ "$OVSRS_FLAVOUR" != debug ]; then
	run_transcript openvswitch "$C_OUT"
	transcript_shows "$C_OUT" -F "${LANDMARKS[@]}"
	pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") steps"
	cleanup
fi

kmemleak_start
run_transcript openvswitch_rs "$RS_OUT"
cleanup
kmemleak_check

if [ "$OVSRS_FLAVOUR" = debug ]; then
	transcript_shows "$RS_OUT" -F "${LANDMARKS[@]}"
	pass "openvswitch_rs transcript on the debug kernel: $(grep -c '^\[' "$RS_OUT") steps, C's landmarks in it"
	exit 0
fi

rerun_c() { run_transcript openvswitch "$1"; cleanup; }
compare_transcripts ovs_ct_limit "$DIFF_OUT" "$C_OUT" "$RS_OUT" "$C2_OUT" rerun_c
pass "ovs_ct_limit transcript of openvswitch_rs identical to openvswitch.ko's ($(grep -c '^\[' "$RS_OUT") steps)"
