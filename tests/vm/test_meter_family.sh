#!/usr/bin/env bash
# openvswitch_rs answers ovs_meter requests exactly like openvswitch.ko: the
# same fixed sequence of raw genetlink requests (tests/vm/meter_ab.py:
# FEATURES; SET/GET/DEL of one meter with stats carried over and CLEAR;
# zero bands; every malformed request; 1100 dense ids, through the table's
# growth past 1024 slots and its shrink back; sparse ids colliding in their
# slot; SET/DEL refused without CAP_NET_ADMIN; no notification on the
# ovs_meter group; a datapath deleted with meters in it) runs against each
# module, and the transcripts (errnos, every reply attribute byte for byte
# but the USED timestamps) must be identical.
#
# Should the transcripts differ, the sequence runs once more against
# openvswitch.ko: if that one differs too, the normalisation misses
# something run-dependent.
# On the debug kernel (make check-debug) lockdep, KFENCE, atomic-sleep checks and kmemleak
# watch the whole run.
# flavours: default
. "$(dirname "$0")/lib.sh"

kmemleak_start

AB="$OVSRS_TOP/tests/vm/meter_ab.py"
C_OUT="$OVSRS_OUT/meter-family-openvswitch.txt"
C2_OUT="$OVSRS_OUT/meter-family-openvswitch.run2.txt"
RS_OUT="$OVSRS_OUT/meter-family-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/meter-family.diff"
DEADLINE=${OVSRS_T_METER_DEADLINE:-400}
RUN_TIMEOUT=$((DEADLINE + 60))

RUN_WHAT="the sequence"
SPLAT_TAG=meter_family
sequence_run() {
	local out=$1
	shift
	timeout "$RUN_TIMEOUT" python3 "$AB" "$out" --notes "$out.notes" --deadline "$DEADLINE" "$@"
}

run_against openvswitch sequence_run "$C_OUT"
[ "$run_rc" = 0 ] || fail "meter_ab.py against openvswitch.ko exited with status $run_rc (see $C_OUT)"

# The C transcript must show the sequence ran for real.
transcript_shows "$C_OUT" -E '^  reply FEATURES v1 flags=- seq=req pid=self dp=<tmab0>$' '^    MAX_METERS 08000700' \
	'^    MAX_BANDS 0800080001000000$' '^  reply SET ' '^  reply GET ' '^  reply DEL ' \
	'^    USED 0c000500<used>$' '^  error EINVAL$' '^  error ENOENT$' '^  error ENODEV$' \
	'^  error EBUSY$' '^  error ERANGE$' '^  error EOPNOTSUPP$' '^  SET 5: error EPERM$' \
	'^  DEL 5: error EPERM$' '^  GET 5: ok$' '^  \(no notification\)$'
if grep -qE '^  (timeout|not run|child failed)' "$C_OUT"; then
	fail "steps timed out or did not run against openvswitch.ko: see $C_OUT"
fi
pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") steps"

run_against openvswitch_rs sequence_run "$RS_OUT"
show_difference() {
	head -n 300 "$DIFF_OUT"
	echo "--- steps that differ ($(differing_steps "$1" "$2" | wc -l) of $(grep -c '^\[' "$1")):"
	differing_steps "$1" "$2" | head -n 200
}
rerun_c() { run_against openvswitch sequence_run "$1"; }
compare_transcripts ovs_meter "$DIFF_OUT" "$C_OUT" "$RS_OUT" "$C2_OUT" rerun_c
[ "$run_rc" = 0 ] || fail "meter_ab.py against openvswitch_rs exited with status $run_rc"
pass "ovs_meter transcript of openvswitch_rs identical to openvswitch.ko's ($(grep -c '^\[' "$C_OUT") steps)"
kmemleak_check
