#!/usr/bin/env bash
# With openvswitch_rs installed (make modules_install) and the shipped
# dist/modprobe.d/openvswitch_rs.conf in /etc/modprobe.d, resolving each
# OVS family from userspace autoloads openvswitch_rs through its
# net-pf-16-proto-16-family-* aliases (openvswitch.ko, which has the same
# aliases, is blacklisted), and modprobe openvswitch / modprobe -r
# openvswitch (what ovs-ctl runs) load and remove openvswitch_rs.
# flavours: default
# alone: it leaves openvswitch_rs in /lib/modules and its modprobe.d file
# in place (a later test's modprobe openvswitch would load openvswitch_rs)
. "$(dirname "$0")/lib.sh"

staged="$OVSRS_TOP/build/$OVSRS_FLAVOUR/staging/lib/modules/$KVER"
[ -d "$staged" ] || fail "no staged modules_install at $staged"
cp -a "$staged/updates" "/lib/modules/$KVER/"
depmod -a
modinfo -F filename openvswitch_rs
install -m 0644 "$OVSRS_TOP/dist/modprobe.d/openvswitch_rs.conf" /etc/modprobe.d/

for f in "${OVS_FAMILIES[@]}"; do
	unload_datapath_modules
	family_exists "$f" || fail "resolving $f did not autoload a datapath"
	assert_datapath_module openvswitch_rs
	pass "resolving $f autoloaded openvswitch_rs"
done
unload_datapath_modules
modprobe openvswitch
assert_datapath_module openvswitch_rs
pass "modprobe openvswitch loaded openvswitch_rs"
modprobe -r openvswitch
assert_datapath_module none
pass "modprobe -r openvswitch removed it"
