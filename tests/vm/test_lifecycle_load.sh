#!/usr/bin/env bash
# The module's lifecycle under load (issue 15, item 4), on the debug kernel
# (lockdep, KFENCE, kmemleak, atomic-sleep checks):
#  a. rmmod/insmod while a pktgen flood enters a datapath port, flows churn
#     (ovs-dpctl add-flows/del-flows of 100 flows in a loop) and flows are
#     dumped in a loop: rmmod succeeds, or fails as busy while a dump holds
#     the module, and succeeds at once when the loops stop; no splat; ports
#     released, the datapath gone; after insmod it is rebuilt and forwards.
#  b. ports deleted under the flood: a veth port's device (ip link del)
#     and an internal port (del-if) at once, while the flood's flow outputs
#     to both; last, the flooded port's own device.
#  c. network namespaces made and destroyed in a loop, each with a
#     datapath, an internal port, vxlan, geneve and gre ports, ct limits,
#     a meter, and a flood (from the initial namespace, through a veth)
#     through ct(commit) into a limited zone, the meter and every tunnel,
#     in flight when the namespace goes.
#  d. the same with a stock ovs-vswitchd holding its datapath (a flood into
#     its bridge, upcalls): namespace cycles, then rmmod under it (busy or
#     not: it must survive), and a force-reload-kmod style reload (insmod,
#     ovs-vswitchd restarted) re-creates its datapath, which forwards.
# After each phase: no splat, no leftover device or namespace; at the end
# the module's refcount was 0 at each unload, and kmemleak finds nothing.
# Sizes: OVSRS_T_LIFE_RMMOD (rmmod cycles, 1), OVSRS_T_LIFE_PORTS (port
# deletions, 1), OVSRS_T_LIFE_NETNS (namespace cycles, 1; half of them
# again in d), OVSRS_T_LIFE_DELAY (ns between flood frames, 100000).
# The campaign: OVSRS_T_LIFE_RMMOD=50 OVSRS_T_LIFE_NETNS=200.
# flavours: debug
# host-prep: fuzz-kernel-tools
. "$(dirname "$0")/lib.sh"

RMMOD=${OVSRS_T_LIFE_RMMOD:-1}
PORTS=${OVSRS_T_LIFE_PORTS:-1}
NETNS=${OVSRS_T_LIFE_NETNS:-1}
DELAY=${OVSRS_T_LIFE_DELAY:-100000}
FUZZ="$OVSRS_TOP/build/fuzz-kernel/ovsfuzz"
SPLAT_TAG=lifecycle_load
FLOWS=/tmp/life-flows.txt
LOOPS=()

[ -x "$FUZZ" ] || fail "$FUZZ is not built (make fuzz-kernel-tools)"

# phase_start NAME / phase_end: a kernel log marker, then after the phase
# no splat since it and nothing left over.
phase_start() {
	PHASE=$1 PHASE_T0=$SECONDS
	PHASE_MARK="$SPLAT_TAG: phase $1 $RANDOM"
	echo "$PHASE_MARK" >/dev/kmsg
}
phase_end() {
	no_splat_since "$PHASE_MARK" || fail "$PHASE: kernel splat (log above)"
	pass "$PHASE: $1 in $((SECONDS - PHASE_T0)) s, no splat"
}

# --- a. rmmod/insmod under load -------------------------------------------------
# Datapath lp: port 1 lpin (the flood enters it), port 2 lpout, whose peer
# lpout-p counts what is forwarded.
lp_up() {
	ovs-dpctl add-dp lp lpin lpout || fail "$PHASE: add-dp lp"
	ovs-dpctl add-flow lp "in_port(1),eth(),eth_type(0x0800),ipv4()" 2 ||
		fail "$PHASE: add-flow on lp"
}
# veths NAME...: veth pairs NAME / NAME-p, both ends up.
veths() {
	local d
	for d in "$@"; do
		ip link add "$d" type veth peer name "$d-p"
		ip link set "$d" up
		ip link set "$d-p" up
	done
}
# rx_grows DEV: DEV receives frames within 15 s.
rx_grows() {
	local before i
	before=$(<"/sys/class/net/$1/statistics/rx_packets")
	for i in $(seq 75); do
		[ "$(<"/sys/class/net/$1/statistics/rx_packets")" -le "$before" ] || return 0
		sleep 0.2
	done
	return 1
}
# forwards WHAT: lp forwards the flood to lpout.
forwards() { rx_grows lpout-p || fail "$1: lp forwards nothing ($(ovs-dpctl show lp 2>&1 | tr '\n' ' '))"; }
# The churn: 100 flows added then deleted, over and over; the dump: every
# flow of lp read again and again. Both lose their races with rmmod.
churn_loop() {
	while :; do
		ovs-dpctl add-flows lp "$FLOWS" >/dev/null 2>&1 || true
		ovs-dpctl del-flows lp "$FLOWS" >/dev/null 2>&1 || true
	done
}
dump_loop() {
	while :; do ovs-dpctl dump-flows lp >/dev/null 2>&1 || true; done
}
loops_start() {
	churn_loop &
	LOOPS+=($!)
	dump_loop &
	LOOPS+=($!)
}
loops_stop() {
	local pid
	for pid in "${LOOPS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${LOOPS[@]}"; do wait "$pid" 2>/dev/null || true; done
	LOOPS=()
}

# released DEV: no master, not an OVS port.
released() { ! ip -d link show "$1" | grep -qE 'master |openvswitch_slave'; }

BUSY=0
# rmmod_under_load: rmmod, retried while it is refused as busy (a dump in
# progress holds the module), up to 20 times; then, with the loops
# stopped, it must succeed at once.
rmmod_under_load() {
	local out i
	for i in $(seq 20); do
		out=$(rmmod openvswitch_rs 2>&1) && return 0
		case $out in
		*'in use'* | *'Resource temporarily unavailable'* | *'Device or resource busy'*)
			BUSY=$((BUSY + 1)) ;;
		*) fail "$PHASE: rmmod failed other than busy: $out" ;;
		esac
		sleep 0.1
	done
	loops_stop
	out=$(rmmod openvswitch_rs 2>&1) ||
		fail "$PHASE: rmmod refused with nothing using the module: $out (refcnt $(cat /sys/module/openvswitch_rs/refcnt 2>&1))"
}

phase_rmmod() {
	local c
	phase_start "a. rmmod under load"
	for c in $(seq "$RMMOD"); do
		lp_up
		pktgen_flood lpin netif_receive "$DELAY"
		[ ${#LOOPS[@]} -gt 0 ] || loops_start
		forwards "$PHASE: cycle $c before rmmod"
		rmmod_under_load
		assert_datapath_module none
		released lpin && released lpout || fail "$PHASE: cycle $c: ports not released by rmmod"
		! ip link show lp >/dev/null 2>&1 || fail "$PHASE: cycle $c: lp survived rmmod"
		insmod_rust_module
	done
	loops_stop
	lp_up
	forwards "$PHASE: after the last insmod"
	phase_end "$RMMOD rmmod/insmod cycles under a flood, flow churn and dumps ($BUSY refused as busy)"
}

# --- b. ports and their devices deleted under traffic ----------------------------
# wait_no_port NAME: lp has no port NAME within 5 s (NETDEV_UNREGISTER's
# work removes it asynchronously).
wait_no_port() {
	for _ in $(seq 25); do
		ovs-dpctl show lp | grep -q " $1\$" || return 0
		sleep 0.2
	done
	return 1
}
phase_ports() {
	local c
	phase_start "b. ports deleted under traffic"
	for c in $(seq "$PORTS"); do
		veths lpv
		ovs-dpctl add-if lp lpv lpint,type=internal || fail "$PHASE: add-if"
		ip link set lpint up
		ovs-dpctl show lp | grep -q 'port 3: lpv$' && ovs-dpctl show lp | grep -q 'port 4: lpint (internal)' ||
			fail "$PHASE: ports not as expected: $(ovs-dpctl show lp)"
		ovs-dpctl mod-flow lp "in_port(1),eth(),eth_type(0x0800),ipv4()" 2,3,4 || fail "$PHASE: mod-flow"
		forwards "$PHASE: cycle $c"
		ip link del lpv &
		ovs-dpctl del-if lp lpint || fail "$PHASE: cycle $c: del-if lpint"
		wait $!
		wait_no_port lpv || fail "$PHASE: cycle $c: lpv's port outlived its device: $(ovs-dpctl show lp)"
		! ovs-dpctl show lp | grep -q lpint || fail "$PHASE: cycle $c: lpint's port left: $(ovs-dpctl show lp)"
		! ip link show lpint >/dev/null 2>&1 || fail "$PHASE: cycle $c: lpint's device survived del-if"
		forwards "$PHASE: cycle $c, after the deletions"
	done
	# The flooded port's own device (pktgen lets it go).
	ip link del lpin
	pktgen_stop
	wait_no_port lpin || fail "$PHASE: lpin's port outlived its device: $(ovs-dpctl show lp)"
	ovs-dpctl del-dp lp || fail "$PHASE: del-dp lp"
	released lpout || fail "$PHASE: lpout not released with lp"
	ip link del lpout
	phase_end "$PORTS rounds of a veth port's device and an internal port deleted under a flood"
}

# --- c. namespaces with datapaths under traffic ----------------------------------
# netns_cycle N: namespace lnsN holds datapath ldp with port 1 eth0 (a
# veth from lnoN in the initial namespace, which pktgen floods), 2 lni
# (internal, 10.3.0.1/24), 3-5 vxlan, geneve, gre; ct limits; meter 3;
# every UDP frame from port 1 goes through ct(commit) in zone 7 (limit 50,
# fewer than the flood's source ports), the meter, out of lni and every
# tunnel (to 10.3.0.2, through lni). The namespace is deleted under the
# flood.
netns_cycle() {
	local ns=lns$1 out=lno$1 t tun=
	ip netns add "$ns"
	ip link add "$out" type veth peer name eth0 netns "$ns"
	ip link set "$out" up
	for t in 3 4 5; do
		tun+=",set(tunnel(tun_id=0x$t,dst=10.3.0.2,ttl=64,flags(df|key))),$t"
	done
	ip netns exec "$ns" bash -ec "
		ip link set lo up
		ip link set eth0 up
		ovs-dpctl add-dp ldp eth0 lni,type=internal lvx,type=vxlan,remote_ip=flow \
			lgv,type=geneve,remote_ip=flow lgr,type=gre,remote_ip=flow
		ovs-dpctl ct-set-limits default=100 zone=7,limit=50
		'$FUZZ' meter ldp 3 1000
		ip addr add 10.3.0.1/24 dev lni
		ip neigh replace 10.3.0.2 lladdr 02:00:00:00:03:02 dev lni nud permanent
		ovs-dpctl add-flow ldp 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=17),udp()' \
			'ct(commit,zone=7),meter(3),2$tun'
	" >"$OVSRS_OUT/netns-setup.txt" 2>&1 || fail "$PHASE: $ns: setup failed: $(cat "$OVSRS_OUT/netns-setup.txt")"
	if [ "$1" = 1 ]; then
		ip netns exec "$ns" ovs-dpctl show ldp >"$OVSRS_OUT/netns-dp.txt"
		grep -qE 'port 5: .*gre' "$OVSRS_OUT/netns-dp.txt" || fail "$PHASE: $ns: ports: $(cat "$OVSRS_OUT/netns-dp.txt")"
	fi
	pktgen_flood "$out" start_xmit "$DELAY"
	# The flow's traffic reached the datapath before the namespace goes.
	for _ in $(seq 50); do
		ip netns exec "$ns" ovs-dpctl dump-flows ldp 2>/dev/null | grep -q 'packets:[1-9]' && break
		sleep 0.2
	done
	ip netns exec "$ns" ovs-dpctl dump-flows ldp | grep -q 'packets:[1-9]' ||
		fail "$PHASE: $ns: no packet through the ct() flow: $(ip netns exec "$ns" ovs-dpctl dump-flows ldp 2>&1)"
	ip netns del "$ns"
}

# netns_cycles FIRST LAST: the cycles, then every namespace fully gone
# (cleanup_net runs from a workqueue: the outer veth ends go with it).
netns_cycles() {
	local i
	for i in $(seq "$1" "$2"); do netns_cycle "$i"; done
	pktgen_stop
	for _ in $(seq 150); do
		ip -br link | grep -q '^lno' || break
		sleep 0.2
	done
	! ip -br link | grep '^lno' || fail "$PHASE: namespaces' devices left"
	! ip netns list | grep -q '^lns' || fail "$PHASE: namespaces left: $(ip netns list)"
}

phase_netns() {
	phase_start "c. namespaces under traffic"
	modprobe -a vxlan geneve ip_gre
	netns_cycles 1 "$NETNS"
	phase_end "$NETNS namespaces with a datapath, internal and tunnel ports, ct limits, a meter and a flood destroyed"
}

# --- d. the same under ovs-vswitchd ------------------------------------------------
# Bridge br0 (datapath ovs-system): vin flooded, vout's peer vout-p counts
# what the NORMAL action floods out.
vs_forwards() { rx_grows vout-p || fail "$1: br0 forwards nothing"; }
vs_alive() {
	ovs-appctl --timeout=20 -t ovs-vswitchd version >/dev/null || fail "$1: ovs-vswitchd does not answer"
}

phase_vswitchd() {
	local out
	phase_start "d. under ovs-vswitchd"
	veths vin vout
	start_ovs
	ovs-vsctl --timeout=30 add-br br0 -- add-port br0 vin -- add-port br0 vout || fail "$PHASE: add-br"
	pktgen_flood vin netif_receive "$DELAY"
	vs_forwards "$PHASE: br0"
	pktgen_stop
	netns_cycles 101 $((100 + (NETNS + 1) / 2))
	vs_alive "$PHASE: after the namespaces"
	pktgen_flood vin netif_receive "$DELAY"
	vs_forwards "$PHASE: br0 after the namespaces"
	# rmmod with ovs-vswitchd holding its datapath: sockets hold no
	# reference, so it may succeed (as with openvswitch.ko); a dump in
	# progress makes it busy. ovs-vswitchd must live through it.
	for _ in $(seq 20); do
		out=$(rmmod openvswitch_rs 2>&1) && break
		case $out in
		*'in use'* | *'Resource temporarily unavailable'* | *'Device or resource busy'*)
			BUSY=$((BUSY + 1)) ;;
		*) fail "$PHASE: rmmod failed other than busy: $out" ;;
		esac
		sleep 0.2
	done
	assert_datapath_module none
	released vin && released vout || fail "$PHASE: ports not released by rmmod"
	sleep 2
	vs_alive "$PHASE: after rmmod under it"
	# force-reload-kmod: ovs-vswitchd stopped, the module loaded, the
	# daemon started again re-creates its datapath from the database.
	ovs-appctl --timeout=20 -t ovs-vswitchd exit || fail "$PHASE: ovs-appctl exit"
	for _ in $(seq 50); do
		[ -f /run/openvswitch/ovs-vswitchd.pid ] || break
		sleep 0.2
	done
	insmod_rust_module
	start_vswitchd
	for _ in $(seq 75); do
		ovs-dpctl show ovs-system 2>/dev/null | grep -q 'port .*: vout' && break
		sleep 0.2
	done
	ovs-dpctl show ovs-system | grep -q 'port .*: vin' && ovs-dpctl show ovs-system | grep -q 'port .*: vout' ||
		fail "$PHASE: ovs-vswitchd did not re-create its datapath: $(ovs-dpctl show 2>&1)"
	vs_forwards "$PHASE: br0 after the reload"
	pktgen_stop
	stop_ovs 2>/dev/null
	ovs-dpctl del-dp ovs-system || fail "$PHASE: del-dp ovs-system"
	ip link del vin
	ip link del vout
	phase_end "$(((NETNS + 1) / 2)) namespace cycles, rmmod and a reload with ovs-vswitchd holding its datapath"
}

cleanup() {
	local ns
	restore_kunit_at_load
	loops_stop
	pktgen_stop
	stop_ovs 2>/dev/null
	for ns in $(ip netns list | sed -n 's/^\(lns[0-9]*\).*/\1/p'); do ip netns del "$ns"; done
	for d in lpin lpout lpv vin vout; do ip link del "$d" 2>/dev/null || true; done
	rm -rf /tmp/ovs
}
trap on_exit EXIT

T0=$SECONDS
# Each insmod would run the module's KUnit suites (test_kunit's subject).
skip_kunit_at_load
kmemleak_start
for i in $(seq 100); do
	echo "in_port(1),eth(),eth_type(0x0800),ipv4(src=10.9.0.$i,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=$i,dst=9)" "2"
done >"$FLOWS"
no_ipv6 default
no_ipv6 all
veths lpin lpout
load_rust_module

phase_rmmod
phase_ports
phase_netns
phase_vswitchd

rmmod openvswitch_rs || fail "rmmod at the end"
assert_datapath_module none
kmemleak_check
pass "lifecycle under load in $((SECONDS - T0)) s"
