#!/usr/bin/env bash
# Loading openvswitch_rs while openvswitch.ko holds the families fails
# with a clear message and leaves nothing behind.
# flavours: default
. "$(dirname "$0")/lib.sh"

load_c_module
dump_families "$OVSRS_OUT/before.json"
dmesg -C
if insmod "$OVSRS_KO" 2>"$OVSRS_OUT/insmod.err"; then
	fail "openvswitch_rs loaded alongside openvswitch.ko"
fi
cat "$OVSRS_OUT/insmod.err"
# genl_register_family() fails with EEXIST; the module loader turns an
# init's EEXIST into EBUSY, since userspace reads EEXIST as "already loaded".
grep -q 'Device or resource busy' "$OVSRS_OUT/insmod.err" || fail "insmod did not fail with EBUSY"
dmesg | grep 'openvswitch_rs: .* is already registered (is openvswitch.ko loaded?)' ||
	fail "no clear kernel log message"
assert_datapath_module openvswitch
dump_families "$OVSRS_OUT/after.json"
python3 "$GENL_FAMILIES" compare "$OVSRS_OUT/before.json" "$OVSRS_OUT/after.json" ||
	fail "the failed load changed the families"
pass "load refused with EBUSY and a log message; families untouched"

unload_datapath_modules
load_rust_module
for f in "${OVS_FAMILIES[@]}"; do family_exists "$f" || fail "$f missing"; done
unload_datapath_modules
pass "openvswitch_rs loads cleanly once openvswitch.ko is gone"
