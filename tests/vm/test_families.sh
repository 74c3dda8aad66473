#!/usr/bin/env bash
# The six families of openvswitch_rs equal openvswitch.ko's: version,
# hdrsize, maxattr, every op with its flags, every policy, every
# multicast group.
# flavours: default
. "$(dirname "$0")/lib.sh"

for m in openvswitch openvswitch_rs; do
	run_against $m dump_families "$OVSRS_OUT/families-$m.json"
	[ "$run_rc" = 0 ] || fail "dumping the families of $m failed"
done

python3 - "$OVSRS_OUT/families-openvswitch.json" <<'PY'
import json, sys
fams = list(json.load(open(sys.argv[1]))["families"].values())
absent = [f["name"] for f in fams if f.get("absent")]
if absent or len(fams) != 6:
    sys.exit(f"openvswitch.ko lacks families {absent}: the comparison would be hollow")
PY
pass "openvswitch.ko registered all six families"

python3 "$GENL_FAMILIES" compare "$OVSRS_OUT/families-openvswitch.json" \
	"$OVSRS_OUT/families-openvswitch_rs.json" ||
	fail "openvswitch_rs families differ from openvswitch.ko's"
pass "openvswitch_rs families identical to openvswitch.ko's"
