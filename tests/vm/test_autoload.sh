#!/usr/bin/env bash
# With openvswitch_rs installed (make modules_install) and openvswitch.ko
# blacklisted, resolving each OVS family from userspace autoloads
# openvswitch_rs through its net-pf-16-proto-16-family-* aliases.
# flavours: default
. "$(dirname "$0")/lib.sh"

staged="$OVSRS_TOP/build/$OVSRS_FLAVOUR/staging/lib/modules/$KVER"
[ -d "$staged" ] || fail "no staged modules_install at $staged"
cp -a "$staged/updates" "/lib/modules/$KVER/"
depmod -a
modinfo -F filename openvswitch_rs
block_c_module

for f in "${OVS_FAMILIES[@]}"; do
	unload_datapath_modules
	family_exists "$f" || fail "resolving $f did not autoload a datapath"
	assert_datapath_module openvswitch_rs
	pass "resolving $f autoloaded openvswitch_rs"
done
unload_datapath_modules
if modprobe openvswitch 2>/dev/null; then fail "blacklist did not hold"; fi
assert_datapath_module none
