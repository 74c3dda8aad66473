#!/usr/bin/env bash
# `make bench` still works: bench/bench.sh, one short round with tiny
# counts, measures every figure on both modules (each sample says what
# /proc/modules had), and bench/report.py --check finds every figure, for
# openvswitch.ko and openvswitch_rs, with nonzero rates and packets through
# the output port. Nothing here is about speed: no rate is compared.
# (`make bench-smoke` runs this and prints the table.)
# flavours: default
. "$(dirname "$0")/lib.sh"

export OVSRS_T_BENCH_ROUNDS=${OVSRS_T_BENCH_ROUNDS:-1}
export OVSRS_T_BENCH_SECONDS=${OVSRS_T_BENCH_SECONDS:-1}
export OVSRS_T_BENCH_MASKS=${OVSRS_T_BENCH_MASKS:-10}
export OVSRS_T_BENCH_FLOWS=${OVSRS_T_BENCH_FLOWS:-5000}
export OVSRS_T_BENCH_FLOW_MASKS=${OVSRS_T_BENCH_FLOW_MASKS:-10}

start=$SECONDS
"$OVSRS_TOP/bench/bench.sh" || fail "bench/bench.sh failed"
"$PYTHON" "$OVSRS_TOP/bench/report.py" --check "$OVSRS_OUT/samples.jsonl" ||
	fail "the bench's samples lack figures (above)"
pass "bench smoke: every figure measured on both modules in $((SECONDS - start)) s"
