#!/usr/bin/env bash
# ct() actions hold what C's hold, and give it back: the same ovs-dpctl
# sequence (tests/vm/conntrack_action_transcript.sh: flows with ct()
# actions with zones, marks, helpers with and without NAT, NAT ranges, a
# missing helper, a missing timeout policy; dumps; actions replaced and
# flows deleted) runs against each module, recording the references the
# installed helpers hold, and the transcripts must be identical. Each
# module is then unloaded with a ct(helper) flow still installed, which
# must give back every helper reference. On the debug kernel (`make
# check-debug`; CI's debug boot has ct() under ct_ab and ct_netns_exit),
# kmemleak, lockdep and KFENCE watch openvswitch_rs's run and unload.
# flavours: default
. "$(dirname "$0")/lib.sh"

TRANSCRIPT="$OVSRS_TOP/tests/vm/conntrack_action_transcript.sh"
C_OUT="$OVSRS_OUT/conntrack-action-openvswitch.txt"
RS_OUT="$OVSRS_OUT/conntrack-action-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/conntrack-action.diff"
SPLAT_TAG=conntrack_action
HELPERS="nf_conntrack_ftp nf_nat_ftp nf_conntrack_tftp nf_nat_tftp"

cleanup() { :; }
trap on_exit EXIT

# refcounts: the helper modules' reference counts, one line.
refcounts() {
	local m
	for m in $HELPERS; do printf '%s=%s ' "$m" "$(cat "/sys/module/$m/refcnt")"; done
}

run_one() {
	local before after
	modprobe -a $HELPERS
	before=$(refcounts)
	run_against "$1" bash "$TRANSCRIPT" "$2"
	[ "$run_rc" = 0 ] || fail "conntrack_action_transcript.sh against $1 exited with status $run_rc"
	after=$(refcounts)
	[ "$before" = "$after" ] ||
		fail "$1 unloaded with ct() flows kept helper references: before: $before after: $after"
	pass "$1: unloading with ct(helper) flows installed gives back every helper reference"
}

run_one openvswitch "$C_OUT"
transcript_shows "$C_OUT" -F 'helper=ftp' 'nat(src=10.0.0.9:2000-3000,random)' \
	'refs: nf_conntrack_ftp=2 nf_nat_ftp=1 nf_conntrack_tftp=1 nf_nat_tftp=1' \
	'refs: nf_conntrack_ftp=1 nf_nat_ftp=1 nf_conntrack_tftp=0 nf_nat_tftp=0'
pass "openvswitch.ko transcript: $(grep -c '^\[' "$C_OUT") steps"

kmemleak_start
run_one openvswitch_rs "$RS_OUT"
kmemleak_check

if ! diff -u "$C_OUT" "$RS_OUT" >"$DIFF_OUT"; then
	cat "$DIFF_OUT"
	fail "ct() action transcripts differ"
fi
pass "ct() action transcript identical on both modules ($(grep -c '^\[' "$C_OUT") steps)"
