#!/usr/bin/env bash
# The ovs_ct_limit family's answers, as a transcript that does not depend
# on the run: tests/vm/test_ct_limit.sh runs it against openvswitch.ko and
# against openvswitch_rs and diffs the transcripts.
#
#     ct_limit_transcript.sh OUT
#
# Runs inside the test VM as root with one datapath module loaded. Three
# parts: raw netlink requests (ct_limit_ab.py run: well formed, malformed
# and unprivileged ones), ovs-dpctl's ct-set-limits / ct-get-limits /
# ct-del-limits with good and bad arguments, and namespaces (limits are
# per namespace; a namespace with limits set is deleted, and another one
# keeps its limits while the module is unloaded after this script).
# Every step is recorded whatever it answered: the command, its exit
# status, its stdout ("out|") and stderr ("err|") apart. Normalised: the
# timestamp of a vlog line ovs-dpctl prints on stderr.
set -u

OUT=${1:?usage: ct_limit_transcript.sh OUT}
HERE=$(dirname "$0")
# A bound for a hung step, not a speed limit: one step starts Python,
# which on the debug kernel took 21-24 s on a loaded 2-core host (and
# 29 s for python3 -c pass), and timed out at 20.
STEP_TIMEOUT=60
tmp=$(mktemp -d)
RAW=$tmp/raw
: >"$RAW"
# Numbered after ct_limit_ab.py's steps, so that every step has its own.
n=100

prefixed() { sed "s/^/$1/" "$2"; }

step() {
	local rc=0
	n=$((n + 1))
	timeout "$STEP_TIMEOUT" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	{
		printf '[%03d] $ %s\n' "$n" "$*"
		echo "  exit $rc"
		prefixed '  out| ' "$tmp/out"
		prefixed '  err| ' "$tmp/err"
	} >>"$RAW"
}

note() { printf '# %s\n' "$*" >>"$RAW"; }

cleanup() {
	ovs-dpctl del-dp ctl0 >/dev/null 2>&1
	ip netns del ctns1 >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

ovs-dpctl del-dp ctl0 >/dev/null 2>&1
ip netns del ctns1 >/dev/null 2>&1

note "raw netlink"
python3 "$HERE/ct_limit_ab.py" run "$tmp/rawnl" || echo "ct_limit_ab.py exited with status $?" >>"$RAW"
cat "$tmp/rawnl" >>"$RAW"

note "ovs-dpctl, no datapath"
step ovs-dpctl ct-get-limits
note "ovs-dpctl"
step ovs-dpctl add-dp ctl0
step ovs-dpctl ct-get-limits system@ctl0
step ovs-dpctl ct-get-limits nosuchdp
step ovs-dpctl ct-set-limits default=5 zone=1,limit=3 zone=2,limit=4
step ovs-dpctl ct-get-limits
step ovs-dpctl ct-get-limits zone=1,2,3
step ovs-dpctl ct-get-limits zone=0
step ovs-dpctl ct-set-limits zone=513,limit=6 zone=1025,limit=7 zone=0,limit=4294967295
step ovs-dpctl ct-get-limits
step ovs-dpctl ct-set-limits zone=1,limit=30
step ovs-dpctl ct-get-limits zone=1,513,65535
note "ovs-dpctl, bad arguments"
step ovs-dpctl ct-set-limits
step ovs-dpctl ct-set-limits zone=65536,limit=1
step ovs-dpctl ct-set-limits zone=-2,limit=1
step ovs-dpctl ct-set-limits zone=1
step ovs-dpctl ct-set-limits limit=5
step ovs-dpctl ct-set-limits default=abc
step ovs-dpctl ct-set-limits default=4294967296
step ovs-dpctl ct-set-limits zone=1,limit=2,extra=3
step ovs-dpctl ct-get-limits zone=65536
step ovs-dpctl ct-get-limits zone=a
step ovs-dpctl ct-del-limits
step ovs-dpctl ct-del-limits zone=65536
step ovs-dpctl ct-get-limits
note "ovs-dpctl ct-del-limits"
step ovs-dpctl ct-del-limits zone=1,3
step ovs-dpctl ct-del-limits zone=513
step ovs-dpctl ct-get-limits
step ovs-dpctl ct-del-limits default
step ovs-dpctl ct-get-limits
step ovs-dpctl ct-del-limits zone=2,1025,0
step ovs-dpctl ct-get-limits

note "namespaces: limits are per namespace"
step ip netns add ctns1
step ip netns exec ctns1 ovs-dpctl add-dp nsdp
step ip netns exec ctns1 ovs-dpctl ct-get-limits
step ip netns exec ctns1 ovs-dpctl ct-set-limits default=9 zone=7,limit=70
step ip netns exec ctns1 ovs-dpctl ct-get-limits
step ovs-dpctl ct-set-limits zone=8,limit=80
step ovs-dpctl ct-get-limits
step ip netns exec ctns1 ovs-dpctl ct-get-limits zone=7,8
note "a namespace with limits (and a datapath) goes away"
step ip netns del ctns1
step ovs-dpctl ct-get-limits
step ovs-dpctl del-dp ctl0
note "limits without any datapath (the module is unloaded with these set)"
step ip netns add ctns1
step ip netns exec ctns1 python3 "$HERE/ct_limit_ab.py" set-get 4 40

perl -pe 's/^(  err\| )\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|/$1<time>|/;' "$RAW" >"$OUT"
