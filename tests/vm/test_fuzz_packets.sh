#!/usr/bin/env bash
# Packets in every shape through a real receive path (issue 15 item 3):
# `ovsfuzz packets` (tests/fuzz-kernel/packets.c) writes seeded frames of
# every protocol, whole, truncated and corrupted, some with vnet headers
# claiming GSO or a partial checksum, some past 4 KiB (page fragments),
# into a tap that is a datapath port, while flows whose actions cover every
# action churn and a thread reads the upcalls. On openvswitch_rs:
#  - a regression case: check_pkt_len() sends a GSO packet whose segments
#    do not fit down its greater branch (openvswitch_rs took every GSO
#    packet to fit), on openvswitch.ko too;
#  - a plain run, one with fail_skb_realloc at probability 100 (every pull
#    moves the skb head), one failing atomic slab and page allocations of
#    the packet path (failslab, fail_page_alloc) at FAIL_PCT percent;
#    each must leave no splat, sane counters, and kmemleak nothing;
#  - differential: a deterministic run (no random sampling, a meter that
#    never drops) of the same seed on openvswitch.ko and openvswitch_rs
#    must give the same datapath hit/missed/lost counts, per-port stats,
#    upcall counts and flow request errnos.
# OVSRS_T_PKT_SEED and OVSRS_T_PKT_COUNT change the run (the campaign: a
# larger count, seeds in turn).
# flavours: debug
# host-prep: fuzz-kernel-tools
. "$(dirname "$0")/lib.sh"

FUZZ="$OVSRS_TOP/build/fuzz-kernel/ovsfuzz"
SEED=${OVSRS_T_PKT_SEED:-1}
COUNT=${OVSRS_T_PKT_COUNT:-1500}
DIFF_COUNT=${OVSRS_T_PKT_DIFF_COUNT:-$COUNT}
FAIL_PCT=${OVSRS_T_PKT_FAIL_PCT:-3}
SPLAT_TAG=fuzz_packets
DEBUGFS=/sys/kernel/debug

[ -x "$FUZZ" ] || fail "$FUZZ is not built (make fuzz-kernel-tools)"
[ -e "$DEBUGFS/fail_skb_realloc/probability" ] ||
	fail "the debug kernel lacks CONFIG_FAIL_SKB_REALLOC (kernel/debug.config)"
[ -e "$DEBUGFS/fail_page_alloc/probability" ] ||
	fail "the debug kernel lacks CONFIG_FAIL_PAGE_ALLOC (kernel/debug.config)"

# The fuzzer turns its injections off itself; this is for a run it did not
# finish.
cleanup() {
	local a
	for a in fail_skb_realloc failslab fail_page_alloc; do
		echo 0 >"$DEBUGFS/$a/probability" 2>/dev/null || true
	done
}
trap on_exit EXIT

# packets NAME ARGS...: one run into $OVSRS_OUT/NAME.txt; its summary shown.
packets() {
	local name=$1
	shift
	if ! "$FUZZ" packets "$@" >"$OVSRS_OUT/$name.txt" 2>&1; then
		cat "$OVSRS_OUT/$name.txt"
		return 1
	fi
	grep -E '^(rate|seed|datapath|upcalls|gso check_pkt_len):' "$OVSRS_OUT/$name.txt" | sed "s/^/  $name: /"
}

rs_part() {
	packets gso-check-pkt-len-openvswitch_rs --case-gso-check-pkt-len &&
		packets plain --seed "$SEED" --packets "$COUNT" &&
		packets realloc --seed $((SEED + 1)) --packets $((COUNT / 2)) --fail-realloc &&
		packets failalloc --seed $((SEED + 2)) --packets $((COUNT / 2)) --fail-alloc "$FAIL_PCT" &&
		packets deterministic-openvswitch_rs --seed "$SEED" --packets "$DIFF_COUNT" --deterministic
}

c_part() {
	packets gso-check-pkt-len-openvswitch --case-gso-check-pkt-len &&
		packets deterministic-openvswitch --seed "$SEED" --packets "$DIFF_COUNT" --deterministic
}

kmemleak_start
run_against openvswitch_rs rs_part
[ "$run_rc" = 0 ] || fail "packets found problems in openvswitch_rs (above; files in $OVSRS_OUT)"
pass "seed $SEED: $COUNT packets, then $((COUNT / 2)) with every pull reallocating, $((COUNT / 2)) with $FAIL_PCT% of atomic allocations failing: no splat, counters sane"
kmemleak_check

run_against openvswitch c_part
[ "$run_rc" = 0 ] || fail "packets could not run against openvswitch.ko (above)"
c=$OVSRS_OUT/deterministic-openvswitch.txt rs=$OVSRS_OUT/deterministic-openvswitch_rs.txt
transcript_shows "$c" -E '^datapath: hit [1-9][0-9]* missed [1-9]' '^upcalls: miss [1-9][0-9]* action [1-9]' \
	"^port pkout0: rx [0-9/]+ tx [1-9]" '^flow SET 0: [1-9]'
# The rate line is the one that depends on the run.
if ! diff -u <(grep -v '^rate:' "$c") <(grep -v '^rate:' "$rs") >"$OVSRS_OUT/deterministic.diff"; then
	cat "$OVSRS_OUT/deterministic.diff"
	fail "seed $SEED: openvswitch_rs (+) counts differently from openvswitch.ko (-)"
fi
pass "seed $SEED, $DIFF_COUNT packets: datapath, port, upcall and flow request counts as openvswitch.ko's"
