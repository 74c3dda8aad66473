#!/usr/bin/env bash
# openvswitch_rs's flow key/mask codecs (src/flow: attribute parsing,
# the default mask, match validation, and the KEY/MASK attributes of
# replies) give openvswitch.ko's answers: every case of
# tests/vm/flow_codec_ab.py goes to openvswitch.ko as OVS_FLOW_CMD_NEW and
# through the module's own code built for the host
# (host/src/bin/flow_codec.rs); errnos and reply attributes must be equal
# byte for byte. This isolates the codecs from the table and the family,
# which test_flow_family checks through the module itself.
# flavours: default
. "$(dirname "$0")/lib.sh"

CODEC="$OVSRS_TOP/host/target/release/flow_codec"
[ -x "$CODEC" ] || fail "no $CODEC (scripts/check builds it)"
run_against openvswitch python3 "$OVSRS_TOP/tests/vm/flow_codec_ab.py" "$CODEC" "$OVSRS_OUT"
[ "$run_rc" = 0 ] ||
	fail "the module's flow codecs answer differently from openvswitch.ko (see $OVSRS_OUT/flow-codec-*.txt)"
pass "flow codecs: $(wc -l <"$OVSRS_OUT/flow-codec-c.txt") cases answered as openvswitch.ko answers them"
