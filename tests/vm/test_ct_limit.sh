#!/usr/bin/env bash
# The ovs_ct_limit family answers as openvswitch.ko does: the same script
# (tests/vm/ct_limit_transcript.sh: raw netlink SET/DEL/GET requests, well
# formed, malformed and unprivileged; ovs-dpctl ct-set-limits /
# ct-get-limits / ct-del-limits with good and bad arguments; limits per
# namespace, a namespace deleted with limits set, and the module unloaded
# with limits set in two namespaces) runs against each module, and the two
# transcripts must be identical. On the default kernel the script also
# runs a second time against openvswitch.ko, so that a difference cannot
# come from the run itself.
# On the debug kernel, lockdep, KFENCE and kmemleak watch the teardown.
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


run_transcript openvswitch "$C_OUT"
# The C transcript must show the sequence ran for real.
transcript_shows "$C_OUT" -F '      zone=-1 limit=10 count=0' '      zone=513 limit=6 count=0' \
	'  error EINVAL' '  error EPERM' '  error EMSGSIZE' \
	'  out| default limit=5' '  out| zone=1,limit=3,count=0' \
	'  out| zone=7,limit=70,count=0' '  out|     zone=4 limit=40 count=0'
pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") steps"
cleanup

kmemleak_start
run_transcript openvswitch_rs "$RS_OUT"
cleanup
kmemleak_check

# The debug kernel is slow and its question is the teardown: the default
# kernel alone checks the transcript does not depend on the run.
if [ "$OVSRS_FLAVOUR" = default ]; then
	run_transcript openvswitch "$C2_OUT"
	cleanup
	if ! diff -u "$C_OUT" "$C2_OUT" >"$DIFF_OUT"; then
		cat "$DIFF_OUT"
		fail "two runs against openvswitch.ko differ: the transcript depends on the run"
	fi
	pass "openvswitch.ko transcript is the same on a second run"
fi

if ! diff -u "$C_OUT" "$RS_OUT" >"$DIFF_OUT"; then
	cat "$DIFF_OUT"
	echo "--- steps that differ ($(differing_steps "$C_OUT" "$RS_OUT" | wc -l) of $(grep -c '^\[' "$C_OUT")):"
	differing_steps "$C_OUT" "$RS_OUT"
	fail "ovs_ct_limit answers differently from openvswitch_rs (+) than from openvswitch.ko (-): see $DIFF_OUT"
fi
pass "ovs_ct_limit transcript of openvswitch_rs identical to openvswitch.ko's ($(grep -c '^\[' "$RS_OUT") steps)"
