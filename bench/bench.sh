#!/usr/bin/env bash
# The guest side of `make bench` (scripts/bench runs it through scripts/vm;
# tests/vm/test_bench_smoke.sh runs it small). In one VM boot it measures
# openvswitch.ko and openvswitch_rs alternately, round after round (C, Rust,
# C, Rust, ...), each with the other unloaded, and writes one JSON object per
# measurement to $OVSRS_OUT/samples.jsonl; bench/report.py turns them into
# medians, spreads and ratios. Documentation/bench.md says what each figure
# measures and how to read it.
#
# Parameters (OVSRS_T_* reach the guest as they are):
#   OVSRS_T_BENCH_ROUNDS    rounds (each: both modules, then the ceilings)  3
#   OVSRS_T_BENCH_SECONDS   pktgen time per packet case and round           3
#   OVSRS_T_BENCH_MASKS     mask counts of the forwarding cases     "1 10 100 1000"
#   OVSRS_T_BENCH_FLOWS     flow counts of the install/dump/flush figure  "10000 100000"
#   OVSRS_T_BENCH_FLOW_MASKS  masks those flows are spread over        "1 10 100"
#   OVSRS_T_BENCH_PROFILE=1 instead: perf profiles of both modules (forwarding
#                           through one exact flow, then the same frames
#                           missing (no flow, no upcall), PROFILE_SECONDS (20) each,
#                           an install of PROFILE_FLOWS (200000) flows) into
#                           $OVSRS_OUT/profile-MODULE-CASE.txt
#   OVSRS_T_BENCH_ONLY      comma-separated parts to run, all if empty:
#                           forward, ceiling, upcall, flows (installs, dumps,
#                           flushes, memory), installs (installs and memory
#                           only), module; with PROFILE: forward, miss, install
set -euo pipefail
. "$OVSRS_TOP/tests/vm/lib.sh"

ROUNDS=${OVSRS_T_BENCH_ROUNDS:-3}
SECONDS_PER_CASE=${OVSRS_T_BENCH_SECONDS:-3}
MASKS=${OVSRS_T_BENCH_MASKS:-1 10 100 1000}
FLOWS=${OVSRS_T_BENCH_FLOWS:-10000 100000}
FLOW_MASKS=${OVSRS_T_BENCH_FLOW_MASKS:-1 10 100}
PROFILE_SECONDS=${OVSRS_T_BENCH_PROFILE_SECONDS:-20}
PROFILE_FLOWS=${OVSRS_T_BENCH_PROFILE_FLOWS:-200000}
ONLY=${OVSRS_T_BENCH_ONLY:-}
TOOLS=${OVSRS_T_BENCH_TOOLS:-$OVSRS_TOP/build/bench}
FLOWBENCH=$TOOLS/flowbench
DRAIN=$TOOLS/upcall_drain
SAMPLES=$OVSRS_OUT/samples.jsonl
MODULES=(openvswitch openvswitch_rs)
DP=bench       # the forwarding and upcall datapath: port 1 IN, port 2 OUT
FDP=fbench     # the flow table datapath (flowbench)
IN=bpin OUT=bpout
IN_MAC=02:00:00:00:00:01 DST_MAC=02:00:00:00:00:02
SRC_IP=10.0.0.1 DST_IP=10.1.0.1
# pktgen's frames: 60 bytes (64 on a wire, with the FCS), UDP 9 -> 9, TTL 32.
EXACT_FLOW="in_port(1),eth(src=$IN_MAC,dst=$DST_MAC),eth_type(0x0800),ipv4(src=$SRC_IP,dst=$DST_IP,proto=17,tos=0,ttl=32,frag=no),udp(src=9,dst=9)"
# A walk over the masks is cut short when the datapath's 4-second mask
# rebalance moves the matching mask to the front: such a walk is measured
# in slices of this many seconds, each checked (see measure).
WALK_SLICE=1

for tool in "$FLOWBENCH" "$DRAIN"; do
	[ -x "$tool" ] || fail "$tool is missing: make bench-tools"
done
export HOME=/tmp    # perf's build-id cache
: >"$SAMPLES"

# --- samples ----------------------------------------------------------------------

ROUND=0 MOD=none t0=$SECONDS
# emit FIGURE CASE [KEY JSON-VALUE]...: one sample, with the round, the
# module under test and the one /proc/modules shows now.
emit() {
	local line
	line=$(printf '{"round":%d,"module":"%s","loaded":"%s","figure":"%s","case":"%s"' \
		"$ROUND" "$MOD" "$(datapath_module)" "$1" "$2")
	shift 2
	while [ $# -gt 1 ]; do line+=",\"$1\":$2"; shift 2; done
	echo "$line}" >>"$SAMPLES"
	echo "  [$((SECONDS - t0)) s] ${line#*\"figure\":}}"
}

# --- pktgen -------------------------------------------------------------------------

PG=/proc/net/pktgen
pg() { echo "$2" >"$PG/$1" || fail "pktgen $1: $2: $(grep -h 'Result' "$PG/$1" 2>/dev/null)"; }

# pktgen_setup fixed|thrash: frames into IN as if received (netif_receive,
# one new skb each, not shared); thrash gives each a new UDP 5-tuple, so a
# new skb hash for the mask cache.
PG_MODE=
pktgen_setup() {
	[ "$PG_MODE" != "$1" ] || return 0
	PG_MODE=$1
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device $IN"
	pg "$IN" "flag !SHARED"
	pg "$IN" "xmit_mode netif_receive"
	pg "$IN" "count 0"
	pg "$IN" "pkt_size 60"
	pg "$IN" "flag NO_TIMESTAMP"
	pg "$IN" "dst_mac $DST_MAC"
	pg "$IN" "src_min $SRC_IP"
	pg "$IN" "src_max $SRC_IP"
	pg "$IN" "dst $DST_IP"
	if [ "$1" = thrash ]; then
		pg "$IN" "udp_src_min 1"
		pg "$IN" "udp_src_max 65535"
		pg "$IN" "udp_dst_min 1"
		pg "$IN" "udp_dst_max 65535"
		pg "$IN" "flag UDPSRC_RND"
		pg "$IN" "flag UDPDST_RND"
	else
		pg "$IN" "udp_src_min 9"
		pg "$IN" "udp_src_max 9"
		pg "$IN" "udp_dst_min 9"
		pg "$IN" "udp_dst_max 9"
		pg "$IN" "flag !UDPSRC_RND"
		pg "$IN" "flag !UDPDST_RND"
	fi
}

# pktgen_run SECONDS: run the generator that long; sets PG_PKTS and PG_USEC
# (its own count and run time).
pktgen_run() {
	local starter result
	echo start >"$PG/pgctrl" &
	starter=$!
	sleep "$1"
	echo stop >"$PG/pgctrl"
	wait "$starter" || true
	result=$(<"$PG/$IN")
	[[ $result =~ Result:\ OK:\ ([0-9]+)\(.*usec,\ ([0-9]+)\  ]] ||
		fail "pktgen: no result: $(grep Result <<<"$result")"
	PG_USEC=${BASH_REMATCH[1]} PG_PKTS=${BASH_REMATCH[2]}
	[ "$PG_PKTS" -gt 0 ] || fail "pktgen sent nothing: $(grep -A1 Result <<<"$result")"
}

# part NAME: whether OVSRS_T_BENCH_ONLY selects NAME (or is empty).
part() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

tx_packets() { echo "$(<"/sys/class/net/$OUT/statistics/tx_packets")"; }

# --- the datapath's counters (ovs-dpctl show) --------------------------------------------

# dp_counters: "hit missed lost mask_hits masks" of DP. (Bash, not awk
# or sed: a process costs 0.1-0.3 s under TCG.)
dp_counters() {
	local show
	show=$(ovs-dpctl show "$DP" 2>/dev/null)
	[[ $show =~ lookups:\ hit:([0-9]+)\ missed:([0-9]+)\ lost:([0-9]+).*masks:\ hit:([0-9]+)\ total:([0-9]+) ]] ||
		fail "ovs-dpctl show $DP: no counters: $show"
	echo "${BASH_REMATCH[@]:1}"
}

# decimal N D P: N / D with P decimals, in integer arithmetic.
decimal() {
	local scaled=$(($1 * 10 ** $3 / $2))
	if [ "$3" = 0 ]; then echo $scaled; else printf '%d.%0*d' $((scaled / 10 ** $3)) "$3" $((scaled % 10 ** $3)); fi
}

# measure FIGURE CASE SECONDS [MIN_PROBES]: pktgen for SECONDS and one
# sample: packets per second by pktgen's own clock, ns per packet, what
# reached OUT, and (with a datapath) its counters' deltas: hits, misses,
# lost upcalls, masks probed per packet. With MIN_PROBES the packets must
# walk that many masks each: the run goes in WALK_SLICE slices, before
# each the matching flow is put back last ($LAST_FLOW), and a slice that
# probed fewer (a rebalance came in it) is not counted but reported
# ("rejected").
measure() {
	local fig=$1 case=$2 secs=$3 min=${4:-} slice pkts=0 usec=0 rejected=0 tx0 tries=0
	local h0 m0 l0 p0 h1 m1 l1 p1 _ hit=0 missed=0 lost=0 probes=0 sh sm
	tx0=$(tx_packets)
	slice=$secs
	[ -z "$min" ] || slice=$WALK_SLICE
	# (pktgen's own clock may stop a little short of the sleep's.)
	while [ "$usec" -lt $((secs * 900000)) ]; do
		tries=$((tries + 1))
		[ "$tries" -le $((4 * secs / slice + 4)) ] ||
			fail "$fig $case: $rejected of $tries slices walked fewer than $min masks"
		if [ -n "$min" ]; then
			{ ovs-dpctl del-flow "$DP" "$LAST_FLOW" 2>/dev/null &&
				ovs-dpctl add-flow "$DP" "$LAST_FLOW" 2 2>/dev/null; } ||
				fail "cannot put $LAST_FLOW back last"
		fi
		[ "$MOD" = none ] || read -r h0 m0 l0 p0 _ <<<"$(dp_counters)"
		pktgen_run "$slice"
		if [ "$MOD" != none ]; then
			read -r h1 m1 l1 p1 _ <<<"$(dp_counters)"
			sh=$((h1 - h0)) sm=$((m1 - m0))
			if [ -n "$min" ] && [ $(((p1 - p0) * 10)) -lt $(((sh + sm) * (10 * min - 5))) ]; then
				rejected=$((rejected + 1))
				continue
			fi
			hit=$((hit + sh)) missed=$((missed + sm)) lost=$((lost + l1 - l0))
			probes=$((probes + p1 - p0))
		fi
		pkts=$((pkts + PG_PKTS)) usec=$((usec + PG_USEC))
	done
	emit "$fig" "$case" packets "$pkts" seconds "$(decimal "$usec" 1000000 6)" \
		pps "$(decimal $((pkts * 1000000)) "$usec" 0)" ns_per_pkt "$(decimal $((usec * 1000)) "$pkts" 1)" \
		out_packets $(($(tx_packets) - tx0)) hit "$hit" missed "$missed" lost "$lost" \
		probes_per_pkt "$(decimal "$probes" $((hit + missed > 0 ? hit + missed : 1)) 2)" \
		rejected_slices "$rejected"
}

# --- figure 1: forwarding ------------------------------------------------------------------

# mask_flows N: N flows on N masks, which differ in the prefix lengths of
# the IPv4 source (1..32) and destination (0..31) they match; every mask
# has the Ethernet source exact, and only the last flow has the frames'
# ($LAST_FLOW): the others' keys neither match the frames nor overlap
# (a key that another flow matches is refused with EEXIST). Each flow has
# a UFID of its own, by which $LAST_FLOW is deleted and put back.
# prefix_mask LEN: the dotted IPv4 netmask of a prefix length, in $MASK.
prefix_mask() {
	local m=$(((0xffffffff << (32 - $1)) & 0xffffffff))
	MASK="$((m >> 24)).$((m >> 16 & 255)).$((m >> 8 & 255)).$((m & 255))"
}
mask_flows() {
	local n=$1 i mac match
	for ((i = 0; i < n; i++)); do
		printf -v mac '02:be:00:00:%02x:%02x' $((i / 256)) $((i % 256))
		[ "$i" -lt $((n - 1)) ] || mac=$IN_MAC
		prefix_mask $((1 + i % 32))
		printf -v match 'ufid:0be4c000-0000-0000-0000-%012x,in_port(1),eth(src=%s),eth_type(0x0800),ipv4(src=%s/%s' \
			"$i" "$mac" "$SRC_IP" "$MASK"
		prefix_mask $((i / 32))
		[ $((i / 32)) = 0 ] || match+=",dst=$DST_IP/$MASK"
		match+=")"
		echo "$match 2"
	done >/tmp/flows
	LAST_FLOW=$match
}

dp_up() {
	ovs-dpctl add-dp "$DP" "$IN" "$OUT" 2>/dev/null || fail "ovs-dpctl add-dp $DP failed"
	ovs-dpctl show "$DP" | grep -q "port 2: $OUT" || fail "$DP: $OUT is not port 2"
}
dp_down() { ovs-dpctl del-dp "$DP" 2>/dev/null || true; }

forwarding() {
	local n cache masks
	dp_up
	ovs-dpctl add-flow "$DP" "$EXACT_FLOW" 2 2>/dev/null || fail "add-flow $EXACT_FLOW failed"
	pktgen_setup fixed
	measure forward exact "$SECONDS_PER_CASE"
	for n in $MASKS; do
		ovs-dpctl del-flows "$DP" 2>/dev/null || fail "del-flows failed"
		mask_flows "$n"
		ovs-dpctl add-flows "$DP" /tmp/flows 2>/dev/null || fail "add-flows of $n flows failed"
		read -r _ _ _ _ masks <<<"$(dp_counters)"
		[ "$masks" = "$n" ] || fail "$n flows made $masks masks, not $n"
		for cache in hit thrash off; do
			if [ $cache = off ]; then
				ovs-dpctl cache-set-size "$DP" masks-cache 0 >/dev/null 2>&1
				ovs-dpctl cache-get-size "$DP" | grep -q 'masks-cache: size:0' ||
					fail "masks-cache size 0 did not take"
			fi
			if [ $cache = hit ]; then pktgen_setup fixed; else pktgen_setup thrash; fi
			# Only without a cache does every packet walk the masks: a
			# thrashed cache still starts each lookup at the mask index of
			# the entry it replaces, which (one flow matches) is the right
			# one. The probes per packet show it. openvswitch_rs's flow
			# cache (its flow_cache parameter, on) answers these frames
			# without a walk whatever the mask cache: its probes per packet
			# are near 0, and there is no walk to check (unless it was
			# loaded with OVSRS_T_RS_PARAMS=flow_cache=0).
			if [ $cache = off ] && [ "$n" -gt 1 ] &&
				{ [ "$MOD" = openvswitch ] || [[ " ${OVSRS_T_RS_PARAMS:-} " == *" flow_cache=0 "* ]]; }; then
				measure forward "masks=$n,cache=$cache" "$SECONDS_PER_CASE" "$n"
			else
				measure forward "masks=$n,cache=$cache" "$SECONDS_PER_CASE"
			fi
		done
		ovs-dpctl cache-set-size "$DP" masks-cache 256 >/dev/null 2>&1
	done
	dp_down
}

# --- figure 2: the ceilings (no datapath module) ----------------------------------------

ceilings() {
	pktgen_setup thrash
	measure ceiling floor-thrash "$SECONDS_PER_CASE"
	pktgen_setup fixed
	measure ceiling floor "$SECONDS_PER_CASE"

	modprobe sch_ingress; modprobe cls_matchall; modprobe act_mirred
	tc qdisc add dev "$IN" ingress
	tc filter add dev "$IN" ingress matchall action mirred egress redirect dev "$OUT"
	measure ceiling mirred "$SECONDS_PER_CASE"
	tc qdisc del dev "$IN" ingress

	ip link add bbr type bridge
	no_ipv6 bbr
	ip link set "$IN" master bbr
	ip link set "$OUT" master bbr
	ip link set bbr up
	bridge fdb add "$DST_MAC" dev "$OUT" master static
	measure ceiling bridge "$SECONDS_PER_CASE"
	ip link del bbr
}

# --- figure 4: the miss path ----------------------------------------------------------------

# upcall_sink MODE SECONDS: ovs_dp.py's upcall sink on DP in the
# background (every CPU's upcall port: a socket it holds unread, or
# drains with DRAIN), ready when this returns.
upcall_sink() {
	rm -f /tmp/sink.out
	"$PYTHON" "$OVS_DP_PY" upcall-sink "$DP" "$1" "$2" "$DRAIN" >/tmp/sink.out 2>&1 &
	SINK=$!
	for _ in $(seq 150); do
		grep -q '^ready' /tmp/sink.out 2>/dev/null && return 0
		kill -0 "$SINK" 2>/dev/null || break
		sleep 0.2
	done
	fail "upcall sink did not start: $(cat /tmp/sink.out)"
}

upcalls() {
	local result
	dp_up
	pktgen_setup fixed
	# As ovs-dpctl made it: upcall port 0 everywhere, every miss lost.
	measure upcall disabled "$SECONDS_PER_CASE"
	upcall_sink hold $((SECONDS_PER_CASE + 30))
	measure upcall unread "$SECONDS_PER_CASE"
	kill "$SINK" 2>/dev/null || true
	wait "$SINK" || true
	upcall_sink drain $((SECONDS_PER_CASE + 30))
	measure upcall drained "$SECONDS_PER_CASE"
	wait "$SINK" || fail "upcall drain: $(cat /tmp/sink.out)"
	result=$(grep '^{' /tmp/sink.out) || fail "upcall drain printed no result: $(cat /tmp/sink.out)"
	emit upcall delivered result "$result"
	dp_down
}

# --- figures 3 and 5: the flow table, memory, module size -----------------------------

# The kernel memory a flow table takes: unreclaimable slab, per-CPU and
# vmalloc areas, in kB (/proc/meminfo).
kernel_mem_kb() {
	local key kb _ sum=0
	while read -r key kb _; do
		case $key in SUnreclaim: | Percpu: | VmallocUsed:) sum=$((sum + kb)) ;; esac
	done </proc/meminfo
	echo $sum
}

flow_table() {
	local n m before after result mem_flows mem_masks
	# Memory per flow over the largest install on one mask.
	mem_flows=$(tr ' ' '\n' <<<"$FLOWS" | sort -n | tail -n 1)
	mem_masks=${FLOW_MASKS%% *}
	for n in $FLOWS; do
		for m in $FLOW_MASKS; do
			ovs-dpctl add-dp "$FDP" 2>/dev/null || fail "ovs-dpctl add-dp $FDP failed"
			sync; echo 3 >/proc/sys/vm/drop_caches
			before=$(kernel_mem_kb)
			result=$("$FLOWBENCH" install "$FDP" "$n" "$m") || fail "flowbench install $n $m"
			after=$(kernel_mem_kb)
			emit flows "install,flows=$n,masks=$m" result "$result"
			if [ "$n" = "$mem_flows" ] && [ "$m" = "$mem_masks" ]; then
				emit memory "flows=$n,masks=$m" flows "$n" kernel_kb $((after - before)) \
					bytes_per_flow $(((after - before) * 1024 / n))
			fi
			if ! part flows; then
				"$FLOWBENCH" del "$FDP" >/dev/null || fail "flowbench del"
				continue
			fi
			result=$("$FLOWBENCH" dump "$FDP") || fail "flowbench dump"
			emit flows "dump,flows=$n,masks=$m" result "$result"
			result=$("$FLOWBENCH" dump "$FDP" terse) || fail "flowbench dump terse"
			emit flows "dump-terse,flows=$n,masks=$m" result "$result"
			result=$("$FLOWBENCH" flush "$FDP") || fail "flowbench flush"
			emit flows "flush,flows=$n,masks=$m" result "$result"
			"$FLOWBENCH" del "$FDP" >/dev/null || fail "flowbench del"
		done
	done
}

module_size() {
	local ko text
	if [ "$MOD" = openvswitch ]; then ko=$(modinfo -n openvswitch); else ko=$OVSRS_KO; fi
	text=$(size "$ko" | awk 'NR == 2 { print $1 }')
	emit module size loaded_bytes "$(awk -v m="$MOD" '$1 == m { print $2 }' /proc/modules)" \
		ko_text_bytes "$text"
}

# --- profiles ---------------------------------------------------------------------------------

# profile NAME PERF-RECORD-ARGS...: perf's samples of where the time went
# (software cpu-clock: TCG has no PMU) and the kernel's symbols then, in
# profile-MOD-NAME.ips and .kallsyms; bench/report.py --profile names them.
# (Not perf report: it takes a module's extent from /proc/modules, whose
# size counts data and read-only data that now lie apart from the text, so
# it gives other modules' text, openvswitch_rs's among them, to pktgen or
# nf_conntrack.)
profile() {
	local name=$1 base="$OVSRS_OUT/profile-$MOD-$1"
	shift
	perf record -q -N -e cpu-clock -o "/tmp/perf.$name" "$@" >/dev/null 2>&1 ||
		fail "perf record ($name) failed"
	perf script -i "/tmp/perf.$name" -F ip >"$base.ips" 2>/dev/null || fail "perf script ($name) failed"
	cp /proc/kallsyms "$base.kallsyms"
	echo "  $MOD $name: $(wc -l <"$base.ips") samples"
}

# profile_traffic NAME: profile NAME of CPU 0 while pktgen runs (its
# thread is kpktgend_0, on CPU 0).
profile_traffic() {
	local starter
	echo start >"$PG/pgctrl" &
	starter=$!
	sleep 1
	profile "$1" -C 0 -- sleep "$PROFILE_SECONDS"
	echo stop >"$PG/pgctrl"
	wait "$starter" || true
}

profiles() {
	dp_up
	ovs-dpctl add-flow "$DP" "$EXACT_FLOW" 2 2>/dev/null || fail "add-flow $EXACT_FLOW failed"
	pktgen_setup fixed
	! part forward || profile_traffic forward
	# The miss path without upcalls (the upcall figure's `disabled`).
	ovs-dpctl del-flows "$DP" 2>/dev/null || fail "del-flows failed"
	! part miss || profile_traffic miss
	dp_down
	part install || return 0
	profile install -- "$FLOWBENCH" install "$FDP" "$PROFILE_FLOWS" 1
	"$FLOWBENCH" del "$FDP" >/dev/null
}

# --- the run ---------------------------------------------------------------------------------

modprobe pktgen
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
no_ipv6 default
for dev in "$IN" "$OUT"; do
	ip link add "$dev" type dummy
	no_ipv6 "$dev"
	ip link set "$dev" up
done
ip link set "$IN" address "$IN_MAC"
trap 'dp_down; ovs-dpctl del-dp "$FDP" 2>/dev/null || true' EXIT
trace_errors

per_module() {
	echo "== round $ROUND: $MOD"
	if [ "${OVSRS_T_BENCH_PROFILE:-0}" = 1 ]; then
		profiles
		return
	fi
	! part forward || forwarding
	! part upcall || upcalls
	! { part flows || part installs; } || flow_table
	! part module || module_size
}

if [ "${OVSRS_T_BENCH_PROFILE:-0}" = 1 ]; then
	ROUNDS=1
fi
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
	for MOD in "${MODULES[@]}"; do
		run_against "$MOD" per_module
		[ "$run_rc" = 0 ] || fail "round $ROUND against $MOD failed"
	done
	MOD=none
	assert_datapath_module none
	[ "${OVSRS_T_BENCH_PROFILE:-0}" = 1 ] || ! part ceiling || { echo "== round $ROUND: ceilings"; ceilings; }
	echo "== round $ROUND done at $((SECONDS - t0)) s"
done
pass "bench: $ROUNDS round(s), $(wc -l <"$SAMPLES") samples in $((SECONDS - t0)) s"
