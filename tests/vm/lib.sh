# shellcheck shell=bash
# Helpers for VM tests. Sourced by tests/vm/test_*.sh, which scripts/vm
# runs inside the guest (as root, with OVSRS_* set by tests/vm/guest-init).
#
# Every A/B step asserts with /proc/modules which module answered: resolving
# an OVS family when no module holds it autoloads openvswitch.ko through its
# aliases, and a C-vs-C comparison would pass silently.

set -euo pipefail

OVSRS_KO="$OVSRS_TOP/build/$OVSRS_FLAVOUR/openvswitch_rs.ko"
GENL_FAMILIES="$OVSRS_TOP/tests/vm/genl_families.py"
BLOCK_C_CONF=/etc/modprobe.d/ovsrs-block-openvswitch.conf

fail() {
	echo "FAIL: $*" >&2
	if [ -s "${OVS_LOG:-}" ]; then
		echo "--- $OVS_LOG" >&2
		tail -n 40 "$OVS_LOG" >&2
		ovs-dpctl show >&2 2>&1 || true
	fi
	exit 1
}
pass() { echo "ok - $*"; }

loaded() { grep -q "^$1 " /proc/modules; }

# assert_datapath_module openvswitch|openvswitch_rs|none
assert_datapath_module() {
	local want=$1 have=none
	if loaded openvswitch && loaded openvswitch_rs; then
		fail "both openvswitch and openvswitch_rs are loaded"
	elif loaded openvswitch; then
		have=openvswitch
	elif loaded openvswitch_rs; then
		have=openvswitch_rs
	fi
	[ "$have" = "$want" ] || fail "expected datapath module '$want', /proc/modules has '$have'"
}

# Keep openvswitch.ko from loading, by alias or by name.
block_c_module() {
	printf 'blacklist openvswitch\ninstall openvswitch /bin/false\n' >"$BLOCK_C_CONF"
}
unblock_c_module() { rm -f "$BLOCK_C_CONF"; }

load_c_module() {
	unblock_c_module
	modprobe openvswitch
	assert_datapath_module openvswitch
}

load_rust_module() {
	block_c_module
	insmod "$OVSRS_KO"
	assert_datapath_module openvswitch_rs
}

unload_datapath_modules() {
	if loaded openvswitch_rs; then rmmod openvswitch_rs; fi
	if loaded openvswitch; then modprobe -r openvswitch; fi
	assert_datapath_module none
}

# Whether the generic netlink core knows family $1 (no autoload: the
# caller blocks or loads modules first).
family_exists() { genl ctrl get name "$1" >/dev/null 2>&1; }

OVS_FAMILIES=(ovs_datapath ovs_vport ovs_flow ovs_packet ovs_meter ovs_ct_limit)

# Dump the six families (ops, flags, policies, groups) as canonical JSON.
dump_families() { python3 "$GENL_FAMILIES" dump --out "$1"; }

# --- ovs-vswitchd -------------------------------------------------------------
# The daemons are started directly, not through ovs-ctl, which would
# `modprobe openvswitch` on its own.

OVS_LOG=/var/log/openvswitch/ovs-vswitchd.log

start_ovs() {
	mkdir -p /run/openvswitch /var/log/openvswitch /tmp/ovs
	rm -f /tmp/ovs/conf.db
	ovsdb-tool create /tmp/ovs/conf.db /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server /tmp/ovs/conf.db --remote=punix:/run/openvswitch/db.sock \
		--pidfile=/run/openvswitch/ovsdb-server.pid --detach \
		--log-file=/var/log/openvswitch/ovsdb-server.log
	ovs-vsctl --no-wait init
	: >"$OVS_LOG"
	ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovs-vswitchd.pid \
		--detach --log-file="$OVS_LOG"
	# A bridge added in ovs-vswitchd 3.1's first seconds (here under TCG)
	# makes it size its per-CPU upcall handlers as 0, then 2, and it never
	# sends OVS_DP_ATTR_PER_CPU_PIDS: every upcall is then lost (portid 0).
	# No log line marks the end of that window reliably; 10 s after start
	# the first bridge got its handlers right in every run.
	wait_for_log "$OVS_LOG" 'ovs-vswitchd (Open vSwitch)' 60 || fail "ovs-vswitchd did not start"
	sleep 10
}

stop_ovs() {
	local d
	for d in ovs-vswitchd ovsdb-server; do
		[ -f "/run/openvswitch/$d.pid" ] || continue
		kill "$(cat "/run/openvswitch/$d.pid")" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$(cat "/run/openvswitch/$d.pid")" 2>/dev/null || break
			sleep 0.2
		done
		rm -f "/run/openvswitch/$d.pid"
	done
}

# wait_for_log FILE PATTERN SECONDS
wait_for_log() {
	local i
	for i in $(seq "$(($3 * 5))"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# A network namespace $1 behind a veth pair whose outer end $1-out is left
# for the caller to attach; inner end has address $2 (CIDR).
add_host_ns() {
	ip netns add "$1"
	ip link add "$1-out" type veth peer name eth0 netns "$1"
	ip -n "$1" addr add "$2" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
	ip link set "$1-out" up
}

# --- kmemleak (debug kernel) --------------------------------------------------
# kmemleak_start before the code under test, kmemleak_check after it: only
# objects leaked in between are reported. No-ops on kernels without it.

KMEMLEAK=/sys/kernel/debug/kmemleak

kmemleak_start() {
	[ -w "$KMEMLEAK" ] || return 0
	# Settle boot-time objects first, so only the test's leaks count.
	echo scan >"$KMEMLEAK"; sleep 6; echo scan >"$KMEMLEAK"
	echo clear >"$KMEMLEAK"
}

kmemleak_check() {
	[ -w "$KMEMLEAK" ] || return 0
	# kmemleak reports objects unreferenced for at least 5 s, after 2 scans.
	sleep 6; echo scan >"$KMEMLEAK"; sleep 1; echo scan >"$KMEMLEAK"
	local leaks
	leaks=$(cat "$KMEMLEAK")
	[ -z "$leaks" ] || { echo "$leaks" >&2; fail "kmemleak reports leaks"; }
	pass "kmemleak: no leak"
}
