#!/usr/bin/env bash
# OVN across two hypervisors, on each datapath module: Debian 12's OVN
# (ovn-central: ovsdb-server for the NB and SB databases and ovn-northd;
# ovn-host: ovn-controller) drives two stock ovs-vswitchd, one per
# hypervisor, each a network namespace with its own datapath, joined by
# Geneve. openvswitch.ko runs first (the reference: every check must pass
# there, or the test itself is wrong), then openvswitch_rs, with the same
# scenario and the same checks; /proc/modules proves which module answered.
#
# Topology:
#   hv1 ul0 172.16.0.1/24 == veth == hv2 ul0 172.16.0.2/24   (the underlay)
#   hv1: ovsdb-server, ovs-vswitchd, ovn-controller; br-int with vm1-p
#   hv2: the same; br-int with vm2-p
#   vm1 (netns) eth0 10.0.1.11/24, gw 10.0.1.1, on hv1's vm1-p
#   vm2 (netns) eth0 10.0.2.12/24, gw 10.0.2.1, on hv2's vm2-p
#   central, in the root namespace: NB and SB ovsdb-server, ovn-northd
#   (the controllers reach the SB over its unix socket)
# Logical network: switches ls1 (vm1) and ls2 (vm2), router lr between
# them (lr-ls1 10.0.1.1, lr-ls2 10.0.2.1): vm1 -> vm2 is routed on hv1 and
# tunnelled to hv2 with Geneve. ACLs on ls2, towards vm2: IPv4 allowed and
# tracked (allow-related: conntrack on both hypervisors), UDP to port 5002
# dropped and logged through the meter acl-meter (DROP_RATE packets/s).
#
# Checks:
#   setup    both chassis in the SB with a Geneve encap, vm1 and vm2 bound
#            to hv1 and hv2; genev_sys_6081 in each hypervisor's datapath
#   ping     vm1 -> vm2 and vm2 -> vm1 across the router and the tunnel
#   tcp      256 KiB over TCP vm1 -> vm2, sha256 verified
#   acl      a flood of UDP to vm2:5002 arrives not at all, UDP to vm2:5003
#            does (the drop is the ACL's)
#   log      hv2's ovn-controller logs the drops at the meter's rate: no
#            more than the meter lets through in the flood's time, a good
#            part of it, and far fewer than were sent; the meter's own
#            stats (ovs-ofctl meter-stats) say the same
#   flows    the datapaths' flows after the flood: the Geneve
#            set(tunnel(...)) on hv1; ct() (ls2's ACLs run in its egress
#            pipeline, on vm2's hypervisor) and meter() before userspace()
#            (the log) on hv2
#   counters each datapath's lookups: hit and missed > 0, lost 0
#
# OVSRS_T_OVN_MODULES: the modules to run, in order (default "openvswitch
# openvswitch_rs"); "openvswitch" proves the test on the C module alone.
# Runtime: ~2 min per module under TCG.
# flavours: default
. "$(dirname "$0")/lib.sh"

MODULES=${OVSRS_T_OVN_MODULES:-openvswitch openvswitch_rs}
HVS=(hv1 hv2)
declare -A UL_IP=([hv1]=172.16.0.1 [hv2]=172.16.0.2)
VM1_IP=10.0.1.11 VM2_IP=10.0.2.12
DROP_RATE=10               # the ACL log meter, packets/s
FLOOD_SECONDS=5 FLOOD_PER_SECOND=100
ACL_NAME=drop-udp-5002
CENTRAL=/tmp/ovn/central
TUN_DEV=genev_sys_6081     # the device ovs-vswitchd makes for Geneve
PING_W=2 PING_DEADLINE=10  # the first ping waits for flows on two hypervisors

# Commands against a hypervisor's daemons or the central databases,
# bounded. OVS_RUNDIR is where ovs-vswitchd puts br-int.mgmt and where
# ovn-controller and ovs-ofctl look for it.
hv_run() { local hv=$1; shift; ip netns exec "$hv" env OVS_RUNDIR="/tmp/ovn/$hv" OVN_RUNDIR="/tmp/ovn/$hv" "$@"; }
vsctl() { local hv=$1; shift; ovs-vsctl --timeout=30 --db="unix:/tmp/ovn/$hv/db.sock" "$@"; }
ofctl() { local hv=$1; shift; hv_run "$hv" timeout 20 ovs-ofctl -O OpenFlow15 "$@"; }
dpctl() { local hv=$1; shift; ip netns exec "$hv" timeout 20 ovs-dpctl "$@"; }
nbctl() { ovn-nbctl --timeout=60 --db="unix:$CENTRAL/nb.sock" "$@"; }
sbctl() { ovn-sbctl --timeout=60 --db="unix:$CENTRAL/sb.sock" "$@"; }

# daemon DIR NAME CMD...: CMD started detached with its pidfile and log in
# DIR (as DIR/NAME.pid, .log); only its errors on the console.
daemon() {
	local dir=$1 name=$2
	shift 2
	"$@" --detach --no-chdir --pidfile="$dir/$name.pid" --log-file="$dir/$name.log" -vconsole:err ||
		fail "$MOD: $name did not start (log: $dir/$name.log)"
}

# stop_daemons DIR...: every daemon with a pidfile in DIR, asked to exit,
# then terminated.
stop_daemons() {
	local dir pidfile pid
	for dir in "$@"; do
		for pidfile in "$dir"/*.pid; do
			[ -f "$pidfile" ] || continue
			pid=$(cat "$pidfile")
			kill "$pid" 2>/dev/null || true
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
			kill -9 "$pid" 2>/dev/null || true
			rm -f "$pidfile"
		done
	done
}

central_up() {
	mkdir -p "$CENTRAL"
	ovsdb-tool create "$CENTRAL/nb.db" /usr/share/ovn/ovn-nb.ovsschema
	ovsdb-tool create "$CENTRAL/sb.db" /usr/share/ovn/ovn-sb.ovsschema
	local run=(env OVS_RUNDIR="$CENTRAL" OVN_RUNDIR="$CENTRAL")
	daemon "$CENTRAL" nb "${run[@]}" ovsdb-server "$CENTRAL/nb.db" --remote="punix:$CENTRAL/nb.sock"
	daemon "$CENTRAL" sb "${run[@]}" ovsdb-server "$CENTRAL/sb.db" --remote="punix:$CENTRAL/sb.sock"
	daemon "$CENTRAL" northd "${run[@]}" ovn-northd --ovnnb-db="unix:$CENTRAL/nb.sock" \
		--ovnsb-db="unix:$CENTRAL/sb.sock"
}

# The two hypervisors' namespaces and the underlay between them.
underlay_up() {
	local hv
	for hv in "${HVS[@]}"; do
		ip netns add "$hv"
		ip netns exec "$hv" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$hv" link set lo up
	done
	ip link add ul0 netns hv1 type veth peer name ul0 netns hv2
	for hv in "${HVS[@]}"; do
		ip -n "$hv" addr add "${UL_IP[$hv]}/24" dev ul0
		ip -n "$hv" link set ul0 up
	done
	ip netns exec hv1 ping -q -c 1 -W 5 "${UL_IP[hv2]}" >/dev/null || fail "$MOD: underlay: no ping hv1 -> hv2"
}

# ovsdb-server and ovs-vswitchd of each hypervisor, started together; then
# lib.sh's wait_ovs_cpu_count (a bridge added in the guest's first 10 s
# loses its upcalls), then br-int and ovn-controller.
hypervisors_up() {
	local hv d
	for hv in "${HVS[@]}"; do
		d=/tmp/ovn/$hv
		mkdir -p "$d"
		ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
		daemon "$d" ovsdb-server hv_run "$hv" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock"
		vsctl "$hv" --no-wait init
		daemon "$d" ovs-vswitchd hv_run "$hv" ovs-vswitchd "unix:$d/db.sock"
	done
	for hv in "${HVS[@]}"; do
		wait_for_log "/tmp/ovn/$hv/ovs-vswitchd.log" 'ovs-vswitchd (Open vSwitch)' 60 ||
			fail "$MOD: ovs-vswitchd of $hv did not start"
	done
	wait_ovs_cpu_count
	for hv in "${HVS[@]}"; do
		d=/tmp/ovn/$hv
		vsctl "$hv" add-br br-int -- set bridge br-int fail-mode=secure \
			other-config:disable-in-band=true \
			-- set open . external_ids:system-id="$hv" \
			external_ids:ovn-remote="unix:$CENTRAL/sb.sock" \
			external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip="${UL_IP[$hv]}"
		daemon "$d" ovn-controller hv_run "$hv" ovn-controller "unix:$d/db.sock"
	done
}

# workload VM HV MAC IP GW: namespace VM with eth0 (MAC, IP/24, default
# route via GW), its peer VM-p on HV's br-int as logical port VM.
workload() {
	local vm=$1 hv=$2 mac=$3 ip=$4 gw=$5
	ip netns add "$vm"
	ip netns exec "$vm" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add "$vm-p" netns "$hv" type veth peer name eth0 netns "$vm"
	# Room for Geneve's header and OVN's option within the underlay's 1500.
	ip -n "$vm" link set eth0 address "$mac" mtu 1400 up
	ip -n "$vm" addr add "$ip/24" dev eth0
	ip -n "$vm" link set lo up
	ip -n "$vm" route add default via "$gw"
	ip -n "$hv" link set "$vm-p" up
	vsctl "$hv" add-port br-int "$vm-p" -- set interface "$vm-p" external_ids:iface-id="$vm"
}

logical_network() {
	nbctl ls-add ls1 -- ls-add ls2 -- lr-add lr
	nbctl lrp-add lr lr-ls1 00:00:00:00:ff:01 10.0.1.1/24
	nbctl lrp-add lr lr-ls2 00:00:00:00:ff:02 10.0.2.1/24
	local n
	for n in 1 2; do
		nbctl lsp-add "ls$n" "ls$n-lr" -- lsp-set-type "ls$n-lr" router \
			-- lsp-set-addresses "ls$n-lr" router -- lsp-set-options "ls$n-lr" router-port="lr-ls$n"
	done
	nbctl lsp-add ls1 vm1 -- lsp-set-addresses vm1 "00:00:00:00:01:11 $VM1_IP"
	nbctl lsp-add ls2 vm2 -- lsp-set-addresses vm2 "00:00:00:00:02:12 $VM2_IP"
	nbctl meter-add acl-meter drop "$DROP_RATE" pktps
	nbctl acl-add ls2 to-lport 1001 'outport == "vm2" && ip4' allow-related
	nbctl --log --meter=acl-meter --severity=info --name="$ACL_NAME" \
		acl-add ls2 to-lport 1002 'outport == "vm2" && udp.dst == 5002' drop
}

save_state() { # save_state TAG: SB, flows and datapaths as they are now
	sbctl show >"$OVSRS_OUT/ovn-$MOD-$1-sbctl-show.txt" 2>&1 || true
	local hv
	for hv in "${HVS[@]}"; do
		dpctl "$hv" show >"$OVSRS_OUT/ovn-$MOD-$1-$hv-dpctl-show.txt" 2>&1 || true
		dpctl "$hv" dump-flows --names >"$OVSRS_OUT/ovn-$MOD-$1-$hv-dpctl-flows.txt" 2>&1 || true
	done
}

check_setup() {
	local sb hv
	sb=$(sbctl show 2>&1 || true)
	printf '%s\n' "$sb"
	for hv in "${HVS[@]}"; do
		if grep -A 3 "Chassis $hv" <<<"$sb" | grep -q "Encap geneve" &&
			grep -A 4 "Chassis $hv" <<<"$sb" | grep -qF "ip: \"${UL_IP[$hv]}\""; then
			ok "setup: chassis $hv in the SB with a Geneve encap on ${UL_IP[$hv]}"
		else
			bad "setup: no chassis $hv with Geneve encap ${UL_IP[$hv]} in ovn-sbctl show"
		fi
		if dpctl "$hv" show | grep -qE "port [0-9]+: $TUN_DEV \(geneve"; then
			ok "setup: $hv's datapath has $TUN_DEV"
		else
			bad "setup: $hv's datapath has no $TUN_DEV port: $(dpctl "$hv" show 2>&1)"
		fi
	done
	local want
	for want in vm1:hv1 vm2:hv2; do
		if [ "$(sbctl --bare --columns=chassis find port_binding logical_port="${want%:*}")" = \
			"$(sbctl --bare --columns=_uuid find chassis name="${want#*:}")" ]; then
			ok "setup: ${want%:*} bound to ${want#*:}"
		else
			bad "setup: ${want%:*} is not bound to ${want#*:}"
		fi
	done
}

# acl_logged: the drops hv2's ovn-controller has logged so far.
acl_logged() { grep -c "name=\"$ACL_NAME\", verdict=drop" /tmp/ovn/hv2/ovn-controller.log || true; }

# The ACL drops UDP to vm2:5002, lets UDP to 5003 through, and logs the
# drops at the meter's rate.
check_acl() {
	rm -f /tmp/udp5002.out /tmp/udp5003.out
	ip netns exec vm2 timeout 40 socat -u UDP4-RECV:5002 CREATE:/tmp/udp5002.out &
	local rx2=$!
	ip netns exec vm2 timeout 40 socat -u UDP4-RECV:5003 CREATE:/tmp/udp5003.out &
	local rx3=$!
	for _ in $(seq 50); do
		[ "$(ip netns exec vm2 ss -Hlun | grep -cE ':500[23] ')" = 2 ] && break
		sleep 0.2
	done
	# Through the allowing ACL, 5 datagrams of 6 bytes ("allow\n").
	ip netns exec vm1 bash -c "exec 3>/dev/udp/$VM2_IP/5003; for i in 1 2 3 4 5; do echo allow >&3; sleep 0.2; done"
	local before t0 t1 sent=$((FLOOD_SECONDS * FLOOD_PER_SECOND))
	before=$(acl_logged)
	t0=$SECONDS
	# The flood: bursts of FLOOD_PER_SECOND datagrams ("drop\n", from one
	# socket: one connection) once a second. bash's /dev/udp: no process
	# per datagram.
	ip netns exec vm1 bash -c "exec 3>/dev/udp/$VM2_IP/5002
		for s in \$(seq $FLOOD_SECONDS); do
			for i in \$(seq $FLOOD_PER_SECOND); do echo drop >&3; done
			sleep 1
		done"
	t1=$SECONDS
	# The flows now, before they idle out (10 s).
	save_state end
	# What is on its way to ovn-controller's log arrives.
	sleep 3
	kill $rx2 $rx3 2>/dev/null || true
	wait $rx2 $rx3 2>/dev/null || true
	local got3 got2 logged
	got3=$(($(stat -c %s /tmp/udp5003.out 2>/dev/null || echo 0) / 6))
	got2=$(($(stat -c %s /tmp/udp5002.out 2>/dev/null || echo 0) / 5))
	logged=$(($(acl_logged) - before))
	if [ "$got3" = 5 ]; then ok "acl: UDP to vm2:5003 allowed (5 of 5 datagrams)"; else
		bad "acl: UDP to vm2:5003 should pass the ACLs: $got3 of 5 datagrams arrived"; fi
	if [ "$got2" = 0 ]; then ok "acl: UDP to vm2:5002 dropped (0 of $sent datagrams arrived)"; else
		bad "acl: UDP to vm2:5002 should be dropped: $got2 of $sent datagrams arrived"; fi
	# The meter lets DROP_RATE packets/s through to the log, plus its
	# bucket's initial content (one second's worth) and a second's slack
	# for the flood's edges; under TCG at least a third of the rate.
	local secs=$((t1 - t0)) max min
	max=$(((secs + 2) * DROP_RATE)) min=$((FLOOD_SECONDS * DROP_RATE / 3))
	echo "$MOD: $sent datagrams in $secs s, $logged drops logged (meter: $DROP_RATE/s)" |
		tee "$OVSRS_OUT/ovn-$MOD-acl-log.txt"
	if [ "$logged" -ge "$min" ] && [ "$logged" -le "$max" ]; then
		ok "log: $logged of $sent drops logged in $secs s, at the meter's $DROP_RATE/s (between $min and $max)"
	else
		bad "log: $logged of $sent drops logged in $secs s; at the meter's $DROP_RATE/s it should be between $min and $max"
	fi
	{ grep "name=\"$ACL_NAME\"" /tmp/ovn/hv2/ovn-controller.log || true; } | tail -n 1 | sed "s/^/$MOD: last: /"
	# The meter's own count (the flood's first packets, before the flow
	# was in the datapath, were metered on their way through userspace).
	local stats in drops
	stats=$(ofctl hv2 meter-stats br-int 2>&1 || true)
	echo "$stats" >"$OVSRS_OUT/ovn-$MOD-meter-stats.txt"
	in=$(sed -n 's/.*packet_in_count:\([0-9]*\).*/\1/p' <<<"$stats" | awk '{ s += $1 } END { print s + 0 }')
	drops=$(sed -n 's/.*0: packet_count:\([0-9]*\).*/\1/p' <<<"$stats" | awk '{ s += $1 } END { print s + 0 }')
	if [ "$in" -ge "$sent" ] && [ "$drops" -gt 0 ] && [ $((in - drops - logged)) -le 5 ] &&
		[ $((logged - (in - drops))) -le 5 ]; then
		ok "log: hv2's meters saw $in packets and dropped $drops: $((in - drops)) passed to the log"
	else
		bad "log: hv2's meter stats (in $in, band drops $drops) do not match $sent sent and $logged logged:
$(sed 's/^/    /' <<<"$stats")"
	fi
}

# check_flow WHAT HV ERE...: one of HV's datapath flows matches every ERE.
check_flow() {
	local what=$1 hv=$2 lines re
	shift 2
	lines=$(cat "$OVSRS_OUT/ovn-$MOD-end-$hv-dpctl-flows.txt")
	for re in "$@"; do lines=$(grep -E -- "$re" <<<"$lines" || true); done
	if [ -n "$lines" ]; then ok "flows: $what"; else
		bad "flows: $what: no datapath flow of $hv matches $(printf "'%s' " "$@")(ovn-$MOD-end-$hv-dpctl-flows.txt)"; fi
}

check_counters() {
	local hv show hit missed lost
	for hv in "${HVS[@]}"; do
		show=$(cat "$OVSRS_OUT/ovn-$MOD-end-$hv-dpctl-show.txt")
		read -r hit missed lost <<<"$(sed -n 's/^ *lookups: hit:\([0-9]*\) missed:\([0-9]*\) lost:\([0-9]*\).*/\1 \2 \3/p' <<<"$show")" || true
		if [ "${hit:-0}" -gt 0 ] && [ "${missed:-0}" -gt 0 ] && [ "${lost:-x}" = 0 ]; then
			ok "counters: $hv's datapath lookups hit:$hit missed:$missed lost:0"
		else
			bad "counters: $hv's datapath: want hit > 0, missed > 0, lost 0: $(grep 'lookups:' <<<"$show" || echo nothing)"
		fi
	done
}

cleanup() {
	local pid
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
	if [ -n "$MOD" ]; then
		for f in /tmp/ovn/*/*.log; do
			[ -f "$f" ] || continue
			cp "$f" "$OVSRS_OUT/ovn-$MOD-$(basename "$(dirname "$f")")-$(basename "$f")"
		done
	fi
	stop_daemons /tmp/ovn/hv1 /tmp/ovn/hv2 "$CENTRAL"
	for ns in vm1 vm2 hv1 hv2; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf /tmp/ovn /tmp/tcp-send /tmp/tcp-recv
}
trap on_exit EXIT
trace_errors

scenario() {
	MOD=$1
	FAILED=()
	SCENARIO_T0=$SECONDS
	echo "=== $MOD"
	load_module "$MOD"
	central_up
	underlay_up
	hypervisors_up
	logical_network
	workload vm1 hv1 00:00:00:00:01:11 "$VM1_IP" 10.0.1.1
	workload vm2 hv2 00:00:00:00:02:12 "$VM2_IP" 10.0.2.1
	nbctl --timeout=120 --wait=hv sync || bad "setup: the hypervisors did not catch up with the NB (ovn-nbctl --wait=hv sync)"
	echo "$MOD: set up in $((SECONDS - SCENARIO_T0)) s"
	check_setup
	assert_datapath_module "$MOD"

	check_ping "ping: vm1 -> vm2 ($VM2_IP) across lr and the Geneve tunnel" vm1 "$VM2_IP"
	check_ping "ping: vm2 -> vm1 ($VM1_IP)" vm2 "$VM1_IP"
	tcp_transfer "tcp: 256 KiB vm1 -> vm2 across lr and the tunnel" $((256 * 1024)) vm1 vm2 "$VM2_IP"
	check_acl
	check_flow "hv2 sends what comes through the tunnel through conntrack: ct(...)" hv2 \
		"in_port\($TUN_DEV\)" 'ct\(zone='
	check_flow "hv1 tunnels to hv2: set(tunnel(... dst=${UL_IP[hv2]} ... geneve(...))),$TUN_DEV" hv1 \
		"set\(tunnel\(tun_id=[^,]*,dst=${UL_IP[hv2]},.*geneve\(" "$TUN_DEV"
	check_flow "hv2 meters the ACL log: meter(...) before userspace(...)" hv2 \
		"in_port\($TUN_DEV\)" 'meter\([0-9]+\),userspace\('
	check_counters
	assert_datapath_module "$MOD"
	echo "=== $MOD: $((SECONDS - SCENARIO_T0)) s, ${#FAILED[@]} failed check(s)"
	cleanup
	unload_datapath_modules
	if [ ${#FAILED[@]} -gt 0 ]; then
		fail "$MOD: ${#FAILED[@]} check(s) failed:$(printf '\n    %s' "${FAILED[@]%%$'\n'*}")"
	fi
}

modprobe geneve || fail "this test needs the kernel's Geneve (CONFIG_GENEVE)"
for m in $MODULES; do scenario "$m"; done
pass "OVN on two hypervisors: $MODULES"
