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

fail() { echo "FAIL: $*" >&2; exit 1; }
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
