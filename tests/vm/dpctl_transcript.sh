#!/usr/bin/env bash
# One fixed sequence of ovs-dpctl commands (and of the `ip`/sysfs views of
# the devices they touch), written as a transcript that does not depend on
# the run: tests/vm/test_dpctl.sh runs it against openvswitch.ko and
# against openvswitch_rs and diffs the transcripts.
#
#     dpctl_transcript.sh OUT
#
# Runs inside the test VM as root, with one datapath module loaded (the
# caller loads it and checks which). Every step is recorded and the run
# goes on whatever it answered: a step's line is the command, then its exit
# status, then its stdout ("out|") and stderr ("err|") apart, since
# ovs-dpctl buffers one and not the other. The script starts by removing
# what an earlier run may have left and ends by removing what it created,
# also when it is interrupted.
#
# What is normalised (and nothing else), because it changes from run to
# run and from boot to boot whatever the module does:
#   - ifindex numbers: `ip link`'s "N: name" and "@ifN" (the kernel hands
#     out a new ifindex to every device, so the second module's run gets
#     larger ones);
#   - random MAC addresses: veth ends and internal ports get random ones
#     (eth_hw_addr_random), always locally administered; every locally
#     administered unicast address is written <random-mac>. Others stay
#     (broadcast, zeros, the global address the script sets on a port),
#     and sysfs's addr_assign_type still tells random from set;
#   - the timestamp that starts a vlog line ovs-dpctl prints on stderr
#     ("2024-01-01T00:00:00Z|00001|dpif_netlink|WARN|...").
# Deterministic counters: IPv6 is turned off on every device created here
# (net.ipv6.conf.default.disable_ipv6 before creating them, in each
# namespace), so no device sends DAD/RS/MLD on its own and the only
# packets the datapaths see are the frames this script sends
# (send_frames).
set -u

OUT=${1:?usage: dpctl_transcript.sh OUT}
OVS_DP_PY=$OVSRS_TOP/tests/vm/ovs_dp.py
# A step normally takes 0.3-2 s under TCG. The limits only keep a module
# that hangs requests from using up the VM's time: past DEADLINE seconds
# the remaining steps are recorded as not run.
STEP_TIMEOUT=10
DEADLINE=${DPCTL_DEADLINE:-200}

VETHS="va0 vb0 vc0 vd0 ve0" # peers: va1 vb1 ...

tmp=$(mktemp -d)
RAW=$tmp/raw # the transcript before normalisation
: >"$RAW"
n=0

# Run-dependent values out, once over the whole transcript (forking perl
# for every step would double the run time under TCG).
normalise() {
	perl -pe '
		s/^(  out\| )\d+: /$1<ifindex>: /;
		s/\@if\d+\b/\@if<ifindex>/g;
		s{\b([0-9a-f]{2})((?::[0-9a-f]{2}){5})\b}{
			(hex($1) & 3) == 2 ? "<random-mac>" : "$1$2"
		}ge;
		s/^(  err\| )\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|/$1<time>|/;
	' "$RAW" >"$OUT"
}

note() { printf '\n### %s\n' "$*" >>"$RAW"; }

# prefixed PREFIX FILE: FILE's lines (the last one even without its
# newline), each after PREFIX, with shell builtins only.
prefixed() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s%s\n' "$1" "$line"
	done <"$2"
}

# step CMD [ARG...]: run it (a function of this script as is, a program
# under `timeout`), record it whatever it answers.
step() {
	local rc=0
	n=$((n + 1))
	if [ "$SECONDS" -ge "$DEADLINE" ]; then
		printf '[%03d] $ %s\n  not run: past the deadline of %s s\n' "$n" "$*" "$DEADLINE" >>"$RAW"
		return
	fi
	if declare -F "$1" >/dev/null; then
		"$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	else
		timeout "$STEP_TIMEOUT" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	fi
	{
		printf '[%03d] $ %s\n' "$n" "$*"
		if [ "$rc" = 124 ]; then echo "  exit $rc (timeout after ${STEP_TIMEOUT} s)"; else echo "  exit $rc"; fi
		prefixed '  out| ' "$tmp/out"
		prefixed '  err| ' "$tmp/err"
	} >>"$RAW"
}

# sysfs_links NAME: a device's datapath links in sysfs (upper_DP on a port,
# lower_PORT on a datapath's local port) and how its MAC was assigned
# (1: random, as internal ports and veths get).
sysfs_links() {
	local d=/sys/class/net/$1 f
	[ -d "$d" ] || { echo "no $d" >&2; return 1; }
	for f in "$d"/upper_* "$d"/lower_*; do
		[ -e "$f" ] && echo "${f##*/}"
	done
	echo "addr_assign_type $(<"$d/addr_assign_type")"
}

# link NAME: the `ip -d link` facts of a device (kind, master, slave kind,
# flags, promiscuity, mtu limits, queues, gso/tso limits) and its sysfs links.
link() {
	step ip -d link show dev "$1"
	step sysfs_links "$1"
}

# ovs_dp ARG...: tests/vm/ovs_dp.py (ovs_datapath over raw genetlink).
ovs_dp() { python3 "$OVS_DP_PY" "$@"; }

# sorted CMD [ARG...]: CMD's stdout sorted (a flow dump comes in hash
# bucket order, random in openvswitch.ko), its stderr and status as they are.
sorted() {
	local rc=0
	timeout "$STEP_TIMEOUT" "$@" >"$tmp/unsorted" || rc=$?
	sort "$tmp/unsorted"
	return "$rc"
}

# link_names: the names of all devices, one a line.
link_names() {
	local line
	ip -o link show | while IFS= read -r line; do
		line=${line#*: }
		echo "${line%%: *}"
	done
}

# send_frames DEV:COUNT...: COUNT 60-byte broadcast frames (ethertype
# 0x88b5, local experimental) written on each DEV with a packet socket;
# a device that fails does not stop the others.
send_frames() {
	python3 -c '
import socket, sys
frame = bytes.fromhex("ffffffffffff" "020000000001" "88b5") + bytes(46)
rc = 0
for arg in sys.argv[1:]:
    dev, count = arg.split(":")
    try:
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
            s.bind((dev, 0))
            for _ in range(int(count)):
                s.send(frame)
        print("%s: %s frames sent" % (dev, count))
    except OSError as e:
        print("%s: %s" % (dev, e), file=sys.stderr)
        rc = 1
sys.exit(rc)
' "$@"
}

# Remove every datapath, namespace and veth pair this script creates,
# quietly: with ovs-dpctl, then with ovs_dp.py (ovs_datapath alone) should
# ovs-dpctl not manage. Internal ports go with their datapath.
cleanup() {
	local d
	if [ -e /run/netns/dpctlns ]; then
		for d in $(timeout "$STEP_TIMEOUT" ip netns exec dpctlns ovs-dpctl dump-dps 2>/dev/null); do
			timeout "$STEP_TIMEOUT" ip netns exec dpctlns ovs-dpctl del-dp "$d" >/dev/null 2>&1 || true
		done
		ip netns del dpctlns 2>/dev/null || true
	fi
	for d in $(timeout "$STEP_TIMEOUT" ovs-dpctl dump-dps 2>/dev/null); do
		timeout "$STEP_TIMEOUT" ovs-dpctl del-dp "$d" >/dev/null 2>&1 || true
	done
	if ip -d -o link show | grep -q ' openvswitch '; then
		for d in $(timeout "$STEP_TIMEOUT" python3 "$OVS_DP_PY" list 2>/dev/null); do
			timeout "$STEP_TIMEOUT" python3 "$OVS_DP_PY" del "$d" >/dev/null 2>&1 || true
		done
	fi
	for d in $(link_names); do
		case " $VETHS " in *" $d "* | *" ${d%@*} "*) ip link del "${d%@*}" 2>/dev/null || true ;; esac
	done
}
finish() {
	cleanup
	normalise
	rm -rf "$tmp"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cleanup
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

note "start: no datapath, only the devices of the boot"
step ovs-dpctl dump-dps
step ovs-dpctl show
step link_names

note "veth pairs: the x0 ends become ports, the x1 ends are up to inject frames"
for v in $VETHS; do
	p=${v%0}1
	step ip link add "$v" type veth peer name "$p"
	step ip link set "$p" up
done

note "add-dp"
step ovs-dpctl add-dp dp1
link dp1
step ovs-dpctl add-dp dp1
step ovs-dpctl add-dp system@dp1
step ovs-dpctl add-dp va1
step ovs-dpctl add-dp dp2 vb0 int2,type=internal
step ovs-dpctl add-dp dp3 nosuchdev
step ovs-dpctl add-dp dp3456789abcdef
step ovs-dpctl add-dp dp3456789abcdefg
step ovs-dpctl dump-dps
step ovs-dpctl show

note "add-if"
step ovs-dpctl add-if dp1 va0
step ovs-dpctl add-if dp1 int1,type=internal
step ovs-dpctl add-if dp1 vc0,port_no=7
step ovs-dpctl add-if dp1 int3,type=internal,port_no=9
step ovs-dpctl add-if dp1 vd0,port_no=65534
step ovs-dpctl show dp1

note "add-if errors"
step ovs-dpctl add-if dp1 ve0,port_no=7
step ovs-dpctl add-if dp1 ve0,port_no=65535
step ovs-dpctl add-if dp1 int9,type=internal,port_no=65536
step ovs-dpctl add-if dp1 int456789abcdef,type=internal
step ovs-dpctl add-if dp1 int456789abcdefg,type=internal
step ovs-dpctl add-if dp1 nosuchdev
step ovs-dpctl add-if dp1 nosuchint,type=nosuchtype
step ovs-dpctl add-if dp1 va0
step ovs-dpctl add-if dp1 vb0
step ovs-dpctl add-if dp1 lo
step ovs-dpctl add-if dp1 dp1
step ovs-dpctl add-if dp1 dp2
step ovs-dpctl add-if dp1 int2
step ovs-dpctl add-if dp1 int2,type=internal
step ovs-dpctl add-if dp1 va1,type=internal
step ovs-dpctl add-if nosuchdp ve0
step ovs-dpctl add-if dp1 ve0 nosuchdev va0 ve0
step ovs-dpctl show dp1 dp2

note "the devices"
for d in dp1 int1 int3 va0 vc0 vd0 ve0 va1 dp2 int2 vb0; do
	link "$d"
done

note "statistics: frames into veth ports, out of internal ports and the local port"
step ip link set dp1 up
step send_frames va1:3 vc1:1 int1:2 dp1:1
step sleep 1
step ovs-dpctl -s show dp1
step ovs-dpctl show -s dp2
step ip -s link show dev int1
step ip -s link show dev va0

note "show"
step ovs-dpctl show
step ovs-dpctl show dp2 dp1
step ovs-dpctl show system@dp1
step ovs-dpctl show nosuchdp
step ovs-dpctl show dp1 nosuchdp
step ovs-dpctl show va0
step ovs-dpctl show netdev@dp1

note "set-if"
step ovs-dpctl set-if dp1 va0
step ovs-dpctl set-if dp1 va0,type=system
step ovs-dpctl set-if dp1 va0,type=internal
step ovs-dpctl set-if dp1 int1,type=internal
step ovs-dpctl set-if dp1 int1,type=system
step ovs-dpctl set-if dp1 vc0,port_no=7
step ovs-dpctl set-if dp1 vc0,port_no=8
step ovs-dpctl set-if dp1 va0,foo=bar
step ovs-dpctl set-if dp1 int1,foo=bar
step ovs-dpctl set-if dp1 va0,foo=
step ovs-dpctl set-if dp1 nosuchdev
step ovs-dpctl set-if dp1 vb0
step ovs-dpctl set-if dp1 dp1
step ovs-dpctl set-if nosuchdp va0
step ovs-dpctl show dp1

note "the ports as devices: mtu, address, rename, unregister"
step ip link set int1 mtu 9000
step ip link set int1 mtu 65536
step ip link set int1 mtu 67
step ip link set int1 address 00:16:3e:00:00:01
link int1
step ip link set va0 down
step ip link set va0 name vz0
step ovs-dpctl show dp1
step ovs-dpctl del-if dp1 va0
step ip link set vz0 name va0
step ip link set va0 up
# A datapath whose local port is renamed is dumped under its new name, but
# openvswitch.ko finds it by name (ovs_vport_locate) only if the new name
# hashes to the old one's bucket, with a per-namespace seed: 1 boot in
# 1024. So ovs-dpctl (which opens every datapath by name, even for
# dump-dps) is not run on it; ovs_dp.py dumps ovs_datapath without that.
step ip link set dp2 name dpx
step ovs_dp list
step ip link set dpx name dp2
step ip link del vd0
step ovs-dpctl show dp1
step ovs-dpctl -s show dp1

note "a datapath in another network namespace"
step ip netns add dpctlns
step ip netns exec dpctlns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
step ip netns exec dpctlns ovs-dpctl add-dp dpn int8,type=internal
step ip netns exec dpctlns ovs-dpctl dump-dps
step ip netns exec dpctlns ovs-dpctl show
step ip netns exec dpctlns ip -d link show dev int8
step ip netns exec dpctlns ovs-dpctl add-if dpn va0
step ip -d link show dev int8
step ovs-dpctl dump-dps
step ovs-dpctl show dpn
step ovs-dpctl add-if dp1 int8
step ip netns exec dpctlns ovs-dpctl del-dp dpn
step ip netns exec dpctlns ip -d link show dev int8
step ip netns del dpctlns

note "del-if"
step ovs-dpctl del-if dp1 nosuchdev
step ovs-dpctl del-if dp1 vb0
step ovs-dpctl del-if dp1 42
step ovs-dpctl del-if dp1 0
step ovs-dpctl del-if dp1 dp1
step ovs-dpctl del-if dp1 va0
link va0
step ovs-dpctl del-if dp1 int1
step ip -d link show dev int1
step ovs-dpctl del-if dp1 7 nosuchdev 65535 65534
step ovs-dpctl del-if dp1 va0
step ovs-dpctl del-if nosuchdp va0
step ovs-dpctl show dp1
step ovs-dpctl add-if dp1 va0 int1,type=internal
step ovs-dpctl show dp1

note "flows: add-flow, mod-flow, get-flow, dump-flows, del-flow, del-flows"
# Globally administered MACs (not normalised). TCP keys carry tcp_flags, or
# the kernel refuses them ("Missing key"). ovs-dpctl takes port names in
# keys, not in actions. Not run: mod-flow -s on a flow it fails to change,
# which prints uninitialised stats.
M1=00:00:5e:00:53:01
M2=00:00:5e:00:53:02
UFID1=ufid:11111111-2222-3333-4444-555555555555
UFID2=ufid:abcdef01-2345-6789-abcd-ef0123456789
UFIDX=ufid:11111111-2222-3333-4444-000000000000
F_TCP="in_port(va0),eth(src=$M1,dst=$M2),eth_type(0x0800),ipv4(src=10.0.0.1/255.255.255.0,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80),tcp_flags(0x002)"
F_ARP="in_port(int1),eth(src=$M1,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=$M1,tha=00:00:00:00:00:00)"
F_IP6="in_port(9),eth(src=$M1,dst=$M2),eth_type(0x86dd),ipv6(src=2001:db8::1/ffff:ffff::,dst=2001:db8::2,label=0,proto=17,tclass=0,hlimit=64,frag=no),udp(src=53,dst=53/0xff00)"
F_VLAN="in_port(4),eth(src=$M1,dst=$M2),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2))"
F_LLDP="in_port(0),eth(src=$M1,dst=$M2),eth_type(0x88cc)"
F_MISSING="in_port(9),eth(src=$M1,dst=$M2),eth_type(0x88cc)"
step ovs-dpctl dump-flows dp1
step ovs-dpctl add-flow dp1 "$F_TCP" 9
step ovs-dpctl add-flow dp1 "$UFID1,$F_ARP" 1,4
step ovs-dpctl add-flow dp1 "$F_IP6" 4,2
step ovs-dpctl add-flow dp1 "$UFID2 $F_VLAN" pop_vlan,9
step ovs-dpctl add-flow dp1 "$F_LLDP" ""
step ovs-dpctl add-flow dp2 "$F_LLDP" "push_vlan(vid=5,pcp=1),0"
step sorted ovs-dpctl dump-flows dp1
step ovs-dpctl show dp1
note "add-flow errors: duplicates, no datapath named, bad syntax, keys and actions the kernel refuses"
step ovs-dpctl add-flow dp1 "$F_TCP" 7
step ovs-dpctl add-flow dp1 "$UFID1,$F_ARP" 9
step ovs-dpctl add-flow dp1 "$UFID1,$F_LLDP" 9
step ovs-dpctl add-flow "$F_TCP" 7
step ovs-dpctl add-flow dp1 "$F_LLDP" nosuchaction
step ovs-dpctl add-flow dp1 "$F_MISSING" int1
step ovs-dpctl add-flow dp1 "nosuchkey(1)" 7
step ovs-dpctl add-flow dp1 "in_port(7),eth(src=$M1,dst=$M2),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,frag=later),tcp(src=1,dst=2)" 7
step ovs-dpctl add-flow dp1 "in_port(7),eth(src=$M1,dst=$M2),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2)" 7
step ovs-dpctl add-flow dp1 "in_port(8),eth(src=$M1,dst=$M2),eth_type(0x88cc)" "set(ipv4(ttl=9))"
step ovs-dpctl add-flow dp1 "in_port(8),eth(src=$M1,dst=$M2),eth_type(0x88cc)" drop
step ovs-dpctl add-flow nosuchdp "$F_LLDP" 7
note "mod-flow, get-flow"
step ovs-dpctl mod-flow dp1 "$F_TCP" 7,9
step ovs-dpctl mod-flow -s dp1 "$F_TCP" 2
step ovs-dpctl mod-flow --clear dp1 "$F_IP6" 9
step ovs-dpctl mod-flow -s --clear dp1 "$UFID2 $F_VLAN" 7
step ovs-dpctl mod-flow dp1 "$UFID1,$F_ARP" ""
step ovs-dpctl mod-flow dp1 "$F_MISSING" 7
step ovs-dpctl mod-flow --may-create dp1 "$F_MISSING" 7
step ovs-dpctl mod-flow dp1 "$F_TCP" nosuchaction
step ovs-dpctl get-flow dp1 "$UFID1"
step ovs-dpctl get-flow dp1 "$UFID2"
step ovs-dpctl get-flow dp1 "$UFIDX"
step ovs-dpctl get-flow dp1 "$F_TCP"
step ovs-dpctl get-flow "$UFID1"
step sorted ovs-dpctl dump-flows dp1
step sorted ovs-dpctl dump-flows -m dp1
step sorted ovs-dpctl dump-flows --names dp1
step sorted ovs-dpctl dump-flows dp2
step ovs-dpctl show
note "del-flow, del-flows"
step ovs-dpctl del-flow dp1 "$F_TCP"
step ovs-dpctl del-flow dp1 "$F_TCP"
step ovs-dpctl del-flow dp1 "$F_ARP"
step ovs-dpctl del-flow -s dp1 "$UFID1"
step ovs-dpctl del-flow dp1 "$UFID1"
step ovs-dpctl del-flow dp1 "$UFIDX,$F_IP6"
step ovs-dpctl del-flow dp1 "nosuchkey(1)"
step sorted ovs-dpctl dump-flows dp1
step ovs-dpctl show dp1
step ovs-dpctl del-flows dp1
step ovs-dpctl dump-flows dp1
step ovs-dpctl del-flows dp1
step ovs-dpctl show dp1
step ovs-dpctl -s show dp2

note "del-dp"
step ovs-dpctl del-dp nosuchdp
step ovs-dpctl del-dp va0
step ovs-dpctl del-dp dp2
step ovs-dpctl del-dp dp3
step ovs-dpctl del-dp dp3456789abcdef
link vb0
step ip -d link show dev int2
step ovs-dpctl del-dp dp2
step ovs-dpctl show dp2
step ovs-dpctl dump-dps
step ovs-dpctl del-dp system@dp1
for d in dp1 int1 int3; do
	step ip -d link show dev "$d"
done
for v in va0 vc0 ve0; do
	link "$v"
done
step ovs-dpctl dump-dps
step ovs-dpctl show

note "end: delete the veth pairs; only the devices of the boot are left"
for v in va0 vb0 vc0 ve0; do
	step ip link del "$v"
done
step link_names
step ovs-dpctl dump-dps
