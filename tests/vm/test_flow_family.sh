#!/usr/bin/env bash
# openvswitch_rs answers ovs_flow requests exactly like openvswitch.ko: the
# same fixed sequence of raw genetlink requests (tests/vm/flow_family_ab.py:
# the 240 cases of flow_codec_ab.py installed into one datapath without
# deleting in between, by UFID and by key, with CREATE/EXCL/ECHO; the
# datapath's n_flows and n_masks; GET by UFID and by key with UFID_FLAGS;
# dumps; the duplicate rules; SET; DEL; flush; malformed requests; the
# ovs_flow multicast notifications) runs against each module, and the
# transcripts (errnos, every reply attribute byte for byte, dumps sorted,
# counts) must be identical.
#
# The sequence first runs twice against openvswitch.ko: should those two
# transcripts differ, the normalisation misses something run-dependent and
# a C-vs-Rust difference would mean nothing. The second run pauses 4.5 s
# every $PAUSE_EVERY steps, so that the datapath's masks get rebalanced
# (reordered by use, every 4 s) in the middle of the sequence: nothing in
# the transcript may depend on when that happens.
#
# Extack messages are in the *.notes files next to the transcripts:
# openvswitch.ko sends them only from the genetlink core's policy checks;
# where it sends one, openvswitch_rs must send the same text (it may send
# one where openvswitch.ko sends none).
#
# OVSRS_T_C_ONLY=1 runs the openvswitch.ko half alone (both runs and their
# checks): for working on the sequence itself.
# OVSRS_T_FLOW_DEADLINE=SECONDS: the limit of one run of the sequence
# (default 300; past it, the remaining steps are recorded as not run).
# OVSRS_T_FLOW_PAUSE=N: the second openvswitch.ko run pauses every N steps
# (default 200; 0: no pause).
# On the debug kernel lockdep (RCU usage included), KFENCE, atomic-sleep
# checks and kmemleak watch the whole run.
# flavours: default
. "$(dirname "$0")/lib.sh"

kmemleak_start

AB="$OVSRS_TOP/tests/vm/flow_family_ab.py"
C_OUT="$OVSRS_OUT/flow-family-openvswitch.txt"
C2_OUT="$OVSRS_OUT/flow-family-openvswitch.run2.txt"
RS_OUT="$OVSRS_OUT/flow-family-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/flow-family.diff"
DEADLINE=${OVSRS_T_FLOW_DEADLINE:-300}
PAUSE_EVERY=${OVSRS_T_FLOW_PAUSE:-200}
# Whatever the deadline, a hung run is killed a minute after it.
RUN_TIMEOUT=$((DEADLINE + 60))

# How many installs openvswitch.ko accepts: of the 240 corpus cases as they
# are, into one datapath (the first, l2-only, wildcards in_port and
# ethertype and so covers nearly all the others: they meet the duplicate
# rules), and of the same cases made flows of their own (distinct
# in_ports), into another: all 124 that flow_codec_ab.py sees accepted.
C_CORPUS_OK=6
C_DISTINCT_OK=124
# And tffa1's counts right after those 124 (OVS_DP_CMD_GET): flows, masks.
C_DISTINCT_COUNTS="n_flows=124 n_masks=54"

# sequence_run OUT [ARG...]: the sequence against the module loaded; with
# run_against (lib.sh): run_against MODULE sequence_run OUT [ARG...].
RUN_WHAT="the sequence"
sequence_run() {
	local out=$1
	shift
	timeout "$RUN_TIMEOUT" python3 "$AB" "$out" --notes "$out.notes" --deadline "$DEADLINE" "$@"
}

# extack_kept C_NOTES RS_NOTES: every extack message of openvswitch.ko's
# run is in openvswitch_rs's, at the same step.
extack_kept() {
	local missing
	grep ' msg: ' "$1" | sort >"$1.msgs" || true
	grep ' msg: ' "$2" | sort >"$2.msgs" || true
	missing=$(comm -23 "$1.msgs" "$2.msgs") || return 1
	[ -z "$missing" ] && return 0
	echo "extack messages of openvswitch.ko missing from openvswitch_rs's answers (step: text):"
	echo "$missing"
	return 1
}

run_against openvswitch sequence_run "$C_OUT"
[ "$run_rc" = 0 ] ||
	fail "flow_family_ab.py against openvswitch.ko exited with status $run_rc (partial transcript: $C_OUT)"

# The C transcript must show the sequence ran for real, or the comparison
# below would be hollow.
summary=$(grep '^# summary: ' "$C_OUT") || fail "no summary line in $C_OUT"
echo "${summary#\# }"
case " $summary " in
*" corpus:ok=$C_CORPUS_OK "*" distinct:ok=$C_DISTINCT_OK "*) ;;
*) fail "openvswitch.ko accepted other numbers of installs than $C_CORPUS_OK and $C_DISTINCT_OK" ;;
esac
counts=$(grep -A2 '^\[[0-9]*\] tffa1 after the corpus: ' "$C_OUT" |
	sed -n 's/^  stats .* \(n_flows=[0-9]*\)$/\1/p; s/^  megaflow_stats .* \(n_masks=[0-9]*\) .*/\1/p' |
	paste -sd ' ')
[ "$counts" = "$C_DISTINCT_COUNTS" ] ||
	fail "openvswitch.ko's counts after installing the distinct flows: '$counts', not '$C_DISTINCT_COUNTS'"
transcript_shows "$C_OUT" -E '^  megaflow_stats n_mask_hit=0 n_masks=[1-9][0-9]* ' '^  stats .* n_flows=[1-9][0-9]+$' \
	'^  reply NEW v1 flags=- seq=req pid=self dp=<tffa1>$' '^    UFID 1400090' '^  reply GET ' \
	'^  reply SET ' '^  reply DEL ' '^  dump: [1-9][0-9]+ messages' '^  notify NEW ' \
	'^  notify SET ' '^  notify DEL ' '^  error EEXIST$' '^  error ENOENT$' '^  error ERANGE$' \
	'^  error ENODEV$' '^  error EINVAL$' '^  error EOPNOTSUPP$' '^  done error ENODEV$' \
	'^  stats n_hit=0 n_missed=0 n_lost=0 n_flows=0$'
if grep -qE '^  (timeout|not run)' "$C_OUT"; then
	fail "steps timed out or did not run against openvswitch.ko: see $C_OUT"
fi
grep -q ' msg: ' "$C_OUT.notes" || fail "no extack message in openvswitch.ko's answers: see $C_OUT.notes"
pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") steps"

run_against openvswitch sequence_run "$C2_OUT" --pause-every "$PAUSE_EVERY"
[ "$run_rc" = 0 ] ||
	fail "flow_family_ab.py against openvswitch.ko (second run) exited with status $run_rc"
if ! diff -u "$C_OUT" "$C2_OUT" >"$DIFF_OUT" || ! diff -u "$C_OUT.notes" "$C2_OUT.notes" >>"$DIFF_OUT"; then
	head -n 200 "$DIFF_OUT"
	echo "--- steps that differ:"
	differing_steps "$C_OUT" "$C2_OUT"
	fail "two runs against openvswitch.ko differ: the normalisation misses something (see $DIFF_OUT)"
fi
pass "openvswitch.ko transcript is the same on a second run (paused every $PAUSE_EVERY steps)"

if [ "${OVSRS_T_C_ONLY:-0}" = 1 ]; then
	pass "OVSRS_T_C_ONLY=1: openvswitch_rs not run"
	exit 0
fi

# Across rebalances too, as the second openvswitch.ko run.
run_against openvswitch_rs sequence_run "$RS_OUT" --pause-every "$PAUSE_EVERY"
if ! diff -u "$C_OUT" "$RS_OUT" >"$DIFF_OUT"; then
	head -n 300 "$DIFF_OUT"
	echo "--- steps that differ ($(differing_steps "$C_OUT" "$RS_OUT" | wc -l) of $(grep -c '^\[' "$C_OUT")):"
	differing_steps "$C_OUT" "$RS_OUT" | head -n 400
	fail "ovs_flow gets different answers from openvswitch_rs (+) than from openvswitch.ko (-):" \
		"see $DIFF_OUT"
fi
extack_kept "$C_OUT.notes" "$RS_OUT.notes" ||
	fail "openvswitch_rs does not send openvswitch.ko's extack messages: see $RS_OUT.notes"
[ "$run_rc" = 0 ] || fail "flow_family_ab.py against openvswitch_rs exited with status $run_rc"
pass "ovs_flow transcript of openvswitch_rs identical to openvswitch.ko's ($(grep -c '^\[' "$C_OUT") steps)"
kmemleak_check
