#!/usr/bin/env bash
# OpenFlow meters (`ovs-ofctl add-meter`, through stock ovs-vswitchd) limit a
# flood on openvswitch_rs as on openvswitch.ko: both modules, one after the
# other in one VM, get the same pktgen flood (UDP frames received on port
# mrin as fast as pktgen makes them) through "actions=meter:1,output:
# mrout" for each band below, and what leaves through mrout per second must
# be what openvswitch.ko lets through, within 5 % (see the rounds below). The meter's own stats
# (`ovs-ofctl meter-stats`: packets in less the band's drops) must agree
# with what mrout sent, on both modules. Each module's half ends with its
# datapath deleted while a flood runs through a meter.
#
# Under TCG, C itself falls short of a kbps rate with a small burst (the
# bucket refills for at most max_delta_t = burst/rate ms at a time, and
# packets come in trains further apart): the same arithmetic must give the
# same figure.
#
# The host's other load stalls the guest now and then; a stall longer than
# a band's max_delta_t loses that much refill (on both modules: C's
# arithmetic), so with several rounds the modules run alternately and
# openvswitch_rs's best figure must lie within the range of
# openvswitch.ko's figures, widened by 5 %.
#
# CI runs one short round (every band, both modules, 3 s windows: the
# smoke); `make meter-rate` the full one (2 rounds of the issue's 10 s).
# OVSRS_T_METER_SECONDS: measured seconds per case (default 3).
# OVSRS_T_METER_ROUNDS: rounds (default 1).
# flavours: default
. "$(dirname "$0")/lib.sh"

SECS=${OVSRS_T_METER_SECONDS:-3}
ROUNDS=${OVSRS_T_METER_ROUNDS:-1}
WARMUP=2          # seconds of flood before the window: the flow is installed
TOLERANCE=5       # percent
# name|frame size|add-meter arguments. The kbps cases send 1000-byte
# frames: 20 Mbit/s is then 2,500 frames/s, far below what either module
# forwards under TCG, so both see a flood and the figure is the meter's,
# not the module's speed (with 60-byte frames, 41,667 frames/s, close to
# what openvswitch_rs forwards under TCG while pktgen shares the CPUs).
CASES=(
	"pktps-1000-burst-10|60|pktps,burst,stats,bands=type=drop,rate=1000,burst_size=10"
	"pktps-300-burst-1000|60|pktps,burst,stats,bands=type=drop,rate=300,burst_size=1000"
	"kbps-10M-burst-200|1000|kbps,burst,stats,bands=type=drop,rate=10000,burst_size=200"
	"kbps-20M-burst-20000|1000|kbps,burst,stats,bands=type=drop,rate=20000,burst_size=20000"
	"kbps-20M-burst-200|1000|kbps,burst,stats,bands=type=drop,rate=20000,burst_size=200"
)
IN=mrin OUT=mrout
DST_MAC=02:00:00:00:00:02
RESULTS=$OVSRS_OUT/meter-rate.txt
: >"$RESULTS"

ofctl() { ovs-ofctl --timeout=20 -O OpenFlow13 "$@"; }
tx_packets() { echo "$(<"/sys/class/net/$OUT/statistics/tx_packets")"; }
# sample VAR_COUNT VAR_USEC: mrout's tx_packets and the time it was read,
# in microseconds (builtins only: a fork under TCG costs 0.1 s and more,
# which would blur a window of a few seconds).
sample() {
	local -n count=$1 usec=$2
	read -r count <"/sys/class/net/$OUT/statistics/tx_packets"
	usec=${EPOCHREALTIME/./}
}

cleanup() {
	echo stop >"$PG/pgctrl" 2>/dev/null || true
	stop_ovs 2>/dev/null
	ip link del "$IN" 2>/dev/null || true
	ip link del "$OUT" 2>/dev/null || true
	rm -rf /tmp/ovs
}
trap on_exit EXIT

modprobe pktgen || fail "no pktgen module"

# meter_case MODULE NAME SIZE ARGS: one band's flood of SIZE-byte frames;
# appends "MODULE NAME pps=N ..." to $RESULTS.
meter_case() {
	local mod=$1 name=$2 size=$3 args=$4 a b ta tb c0 c1 starter stats in drops
	pg "$IN" "pkt_size $size"
	ofctl add-meter br0 "meter=1,$args" || fail "$mod: add-meter $args failed"
	ofctl add-flow br0 "in_port=$IN,actions=meter:1,output:$OUT" || fail "$mod: add-flow failed"
	c0=$(tx_packets)
	echo start >"$PG/pgctrl" &
	starter=$!
	sleep "$WARMUP"
	sample a ta
	sleep "$SECS"
	sample b tb
	echo stop >"$PG/pgctrl"
	wait "$starter" || true
	sleep 0.5
	c1=$(tx_packets)
	stats=$(ofctl meter-stats br0 meter=1) || fail "$mod: meter-stats failed"
	echo "$stats" >"$OVSRS_OUT/meter-rate-$mod-$name.stats"
	[[ $stats =~ packet_in_count:([0-9]+) ]] || fail "$mod: no packet_in_count in: $stats"
	in=${BASH_REMATCH[1]}
	[[ $stats =~ 0:\ packet_count:([0-9]+) ]] || fail "$mod: no band packet_count in: $stats"
	drops=${BASH_REMATCH[1]}
	assert_datapath_module "$mod"
	echo "$mod $name pps=$(((b - a) * 1000000 / (tb - ta))) window=$((b - a))/$(((tb - ta) / 1000))ms total_out=$((c1 - c0)) meter_in=$in meter_drops=$drops passed=$((in - drops))" |
		tee -a "$RESULTS"
	[ "$in" -gt "$((c1 - c0))" ] || fail "$mod $name: the flood never exceeded the band ($stats)"
	timeout 20 ovs-dpctl dump-flows >"$OVSRS_OUT/meter-rate-$mod-$name.dpctl-flows.txt" 2>&1 || true
	# What passed the meter is what left (the flow's first packets went
	# through userspace, EXECUTE, metered too), within a few packets.
	local passed=$((in - drops)) sent=$((c1 - c0))
	local off=$((passed > sent ? passed - sent : sent - passed))
	[ "$off" -le 10 ] || fail "$mod $name: the meter passed $passed packets, $OUT sent $sent"
	ofctl del-meter br0 meter=1 || fail "$mod: del-meter failed"
}

run_module() {
	local mod=$1 c name size args
	echo "=== $mod"
	load_module "$mod"
	ip link add "$IN" type veth peer name "$IN-peer"
	ip link add "$OUT" type veth peer name "$OUT-peer"
	for dev in "$IN" "$IN-peer" "$OUT" "$OUT-peer"; do ip link set "$dev" up; done
	start_ovs
	ovs-vsctl --timeout=30 add-br br0 -- set bridge br0 protocols=OpenFlow13 \
		-- add-port br0 "$IN" -- add-port br0 "$OUT" || fail "$mod: add-br failed"
	wait_for_log "$OVS_LOG" "added interface $OUT" 30 || fail "$mod: $OUT not added"
	ofctl del-flows br0
	if grep -i 'meter' "$OVS_LOG" | grep -iE 'broken|not supported|fail'; then
		fail "$mod: ovs-vswitchd's log says the datapath's meters do not work (line above)"
	fi
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device $IN"
	pg "$IN" "flag !SHARED"
	pg "$IN" "xmit_mode netif_receive"
	pg "$IN" "count 0"
	pg "$IN" "dst_mac $DST_MAC"
	pg "$IN" "dst 10.0.0.2"
	for c in "${CASES[@]}"; do
		IFS='|' read -r name size args <<<"$c"
		meter_case "$mod" "$name" "$size" "$args"
	done
	# Last, the datapath goes while a flood runs through a meter: the
	# daemons stop (the kernel flow and meter stay), then del-dp.
	ofctl add-meter br0 "meter=1,pktps,burst,stats,bands=type=drop,rate=1000,burst_size=10"
	ofctl add-flow br0 "in_port=$IN,actions=meter:1,output:$OUT"
	echo start >"$PG/pgctrl" &
	local starter=$!
	sleep 1
	cp "$OVS_LOG" "$OVSRS_OUT/meter-rate-$mod.ovs-vswitchd.log"
	stop_ovs
	timeout 20 ovs-dpctl del-dp ovs-system || fail "$mod: del-dp under traffic failed"
	sleep 1
	echo stop >"$PG/pgctrl"
	wait "$starter" || true
	assert_datapath_module "$mod"
	pg kpktgend_0 rem_device_all
	cleanup
	unload_datapath_modules
}

for round in $(seq "$ROUNDS"); do
	echo "--- round $round of $ROUNDS"
	run_module openvswitch
	run_module openvswitch_rs
done
OVS_LOG=

# The debug kernel (make check-debug) slows the packet path enough that
# the guest's stalls, not the meters, decide the small-burst figures: there
# the run checks the meters' stats and the teardown under traffic only.
if [ "${OVSRS_FLAVOUR:-default}" = debug ]; then
	pass "debug kernel: stats and del-dp under traffic checked, rates not compared"
	exit 0
fi

# figures MODULE CASE: the case's figures over the rounds, lowest first.
figures() { sed -n "s/^$1 $2 pps=\([0-9]*\) .*/\1/p" "$RESULTS" | sort -n; }

for c in "${CASES[@]}"; do
	name=${c%%|*}
	cfig=$(figures openvswitch "$name" | paste -sd ' ')
	rfig=$(figures openvswitch_rs "$name" | paste -sd ' ')
	[ -n "$cfig" ] && [ -n "$rfig" ] || fail "$name: no figure (see $RESULTS)"
	cmin=${cfig%% *} cmax=${cfig##* } rbest=${rfig##* }
	[ "$cmin" -gt 0 ] || fail "$name: openvswitch.ko let nothing through"
	# openvswitch_rs's best round within openvswitch.ko's range, widened
	# by the tolerance.
	[ "$((rbest * 100))" -ge "$((cmin * (100 - TOLERANCE)))" ] &&
		[ "$((rbest * 100))" -le "$((cmax * (100 + TOLERANCE)))" ] ||
		fail "$name: openvswitch_rs lets $rfig packets/s through, openvswitch.ko $cfig (more than $TOLERANCE % outside its range)"
	pass "$name: openvswitch_rs $rfig packets/s, openvswitch.ko $cfig (${SECS} s windows)"
done
