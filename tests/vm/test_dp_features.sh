#!/usr/bin/env bash
# The datapath features stock ovs-vswitchd probes (`ovs-appctl
# dpif/show-dp-features br0`) are the same on openvswitch_rs as on
# openvswitch.ko, but for the lines listed in ALLOWED_DIFF below.
#
# ovs-vswitchd probes each feature when it opens the datapath, by executing
# test packets and putting test flows, so this is what it will make of the
# module: a feature it finds missing makes it fall back (a missing masked set
# action, for instance, makes every set_field an exact match on the field).
#
# ALLOWED_DIFF names the lines that may differ: none, now that ct() executes
# (the probes that execute a packet through ct() with an eventmask or a
# timeout policy used to). A line that differs and is not listed fails the
# test, as does a listed name that is not a line of openvswitch.ko's output;
# the diff is printed and saved. Both outputs are saved to $OVSRS_OUT.
# flavours: default
. "$(dirname "$0")/lib.sh"

# Feature names (the text before ": ") whose values may differ.
ALLOWED_DIFF=()
# There is no meter line in Open vSwitch 3.1's show-dp-features: meters
# are probed (and logged) separately, so none is listed. They are compared
# apart: `ovs-ofctl -O OpenFlow13 meter-features br0` must print the same
# on both modules, and neither log may say the kernel's meters are broken.

C_OUT="$OVSRS_OUT/dp-features-openvswitch.txt"
RS_OUT="$OVSRS_OUT/dp-features-openvswitch_rs.txt"
DIFF_OUT="$OVSRS_OUT/dp-features.diff"

cleanup() {
	# (stop_ovs's wait reads the pidfile ovs-vswitchd removes as it exits.)
	stop_ovs 2>/dev/null
	rm -rf /tmp/ovs
}
trap on_exit EXIT

# features_of MODULE OUT: show-dp-features of a bridge's datapath, with
# MODULE (and only it) loaded.
features_of() {
	echo "--- $1"
	load_module "$1"
	start_ovs
	ovs-vsctl --timeout=30 add-br br0 || fail "$1: add-br br0 failed"
	ovs-appctl --timeout=20 dpif/show-dp-features br0 >"$2" || fail "$1: dpif/show-dp-features failed"
	cp "$OVS_LOG" "$OVSRS_OUT/dp-features-$1.ovs-vswitchd.log"
	assert_datapath_module "$1"
	cat "$2"
	[ "$(wc -l <"$2")" -ge 10 ] || fail "$1: show-dp-features printed only $(wc -l <"$2") lines"
	ovs-ofctl --timeout=20 -O OpenFlow13 meter-features br0 >"$2.meter-features" ||
		fail "$1: ovs-ofctl meter-features failed"
	cat "$2.meter-features"
	if grep -i 'meter' "$OVS_LOG" | grep -iE 'broken|not supported|fail'; then
		fail "$1: ovs-vswitchd's log says the datapath's meters do not work (line above)"
	fi
	ovs-vsctl --timeout=30 del-br br0
	cleanup
	unload_datapath_modules
}

features_of openvswitch "$C_OUT"
features_of openvswitch_rs "$RS_OUT"
# ovs-vswitchd is gone: fail() need not show its log (both are saved).
OVS_LOG=

grep -qE '^max_meter:[1-9][0-9]* max_bands:1 ' "$C_OUT.meter-features" ||
	fail "openvswitch.ko's meter features are not the expected ones: see $C_OUT.meter-features"
diff -u --label openvswitch.ko --label openvswitch_rs "$C_OUT.meter-features" "$RS_OUT.meter-features" ||
	fail "ovs-ofctl meter-features differ between openvswitch.ko and openvswitch_rs (diff above)"
pass "ovs-ofctl meter-features identical: $(sed -n 2p "$RS_OUT.meter-features")"

# Every allowed name must be a line of the reference output, so a renamed
# line cannot pass as allowed.
for name in "${ALLOWED_DIFF[@]}"; do
	grep -q "^$name: " "$C_OUT" || fail "'$name' (ALLOWED_DIFF) is not a line of $C_OUT"
done

if diff -u --label openvswitch.ko --label openvswitch_rs "$C_OUT" "$RS_OUT" >"$DIFF_OUT"; then
	pass "show-dp-features identical on openvswitch_rs and openvswitch.ko"
	exit 0
fi
echo "--- diff openvswitch.ko -> openvswitch_rs ($DIFF_OUT)"
cat "$DIFF_OUT"

# The names of the differing lines, each once.
differing=$(sed -n '/^[-+][-+][-+] /d; s/^[-+]\([^:]*\):.*/\1/p' "$DIFF_OUT" | sort -u)
unexpected=()
allowed=()
while IFS= read -r name; do
	[ -n "$name" ] || continue
	ok=0
	for a in "${ALLOWED_DIFF[@]}"; do [ "$name" = "$a" ] && ok=1; done
	if [ $ok = 1 ]; then allowed+=("$name"); else unexpected+=("$name"); fi
done <<<"$differing"

if [ ${#allowed[@]} -gt 0 ]; then
	echo "allowed differences (conntrack/meter): $(printf '"%s" ' "${allowed[@]}")"
fi
if [ ${#unexpected[@]} -gt 0 ]; then
	fail "openvswitch_rs's datapath features differ from openvswitch.ko's in: $(printf '"%s" ' "${unexpected[@]}")(see the diff above, $DIFF_OUT)"
fi
pass "show-dp-features: openvswitch_rs differs from openvswitch.ko only in allowed conntrack/meter lines"
