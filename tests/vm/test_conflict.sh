#!/usr/bin/env bash
# Loading openvswitch_rs while openvswitch.ko holds the families fails
# with a clear message and leaves nothing behind: not the families, and not
# openvswitch.ko's drop reasons. The openvswitch drop-reason subsystem has
# one slot in the kernel (drop_reasons_by_subsys), so a refused load that
# registered and unregistered its own list would clear openvswitch.ko's; the
# drop monitor is what reads that slot from userspace (NET_DM_ATTR_REASON of
# a packet alert; "NOT_SPECIFIED" once the slot is empty).
# flavours: default
. "$(dirname "$0")/lib.sh"

DP=ovsrs-conflict
# reason_of_explicit_drop: what the drop monitor says of a frame that
# openvswitch.ko's datapath $DP drops with an explicit drop action.
reason_of_explicit_drop() { "$PYTHON" "$OVS_DP_PY" drop-reason "$DP"; }

modprobe drop_monitor || fail "no drop monitor (CONFIG_NET_DROP_MONITOR)"
load_c_module
"$PYTHON" "$OVS_DP_PY" add "$DP" || fail "cannot create datapath $DP on openvswitch.ko"
reason=$(reason_of_explicit_drop) || fail "no drop monitor alert for the dropped frame"
[ "$reason" = OVS_DROP_EXPLICIT ] ||
	fail "before any load of openvswitch_rs, openvswitch.ko's explicit drop reads '$reason', not OVS_DROP_EXPLICIT"
pass "openvswitch.ko's explicit drop reads $reason in the drop monitor"
dump_families "$OVSRS_OUT/before.json"
dmesg -C
if insmod_rust_module 2>"$OVSRS_OUT/insmod.err"; then
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
reason=$(reason_of_explicit_drop) || fail "no drop monitor alert for the dropped frame after the refused load"
[ "$reason" = OVS_DROP_EXPLICIT ] ||
	fail "the refused load cleared openvswitch.ko's drop reasons: its explicit drop now reads '$reason', not OVS_DROP_EXPLICIT"
pass "openvswitch.ko's drop reasons survive the refused load ($reason)"
"$PYTHON" "$OVS_DP_PY" del "$DP" || fail "cannot delete datapath $DP"

unload_datapath_modules
load_rust_module
for f in "${OVS_FAMILIES[@]}"; do family_exists "$f" || fail "$f missing"; done
unload_datapath_modules
pass "openvswitch_rs loads cleanly once openvswitch.ko is gone"
