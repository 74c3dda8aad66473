#!/usr/bin/env bash
# Several VM tests in one boot: scripts/check runs a flavour's tests so
# where a boot is dear (the debug kernel's). Usage: group.sh NAME...
#
# Each tests/vm/test_NAME.sh runs in its own bash, as scripts/vm would run
# it alone, with $OVSRS_OUT/NAME as its OVSRS_OUT. After it, what it left
# loaded or blocked is cleared, so one failure does not fail the next, and
# the kernel log since its start must hold no splat (scripts/vm's check of
# the whole run cannot say which test). One line per test for scripts/check:
#   OVSRS-GROUP-RESULT NAME STATUS SECONDS
. "$(dirname "$0")/lib.sh"
set +e

group_out=$OVSRS_OUT
for name in "$@"; do
	echo "=== group: $name"
	mkdir -p "$group_out/$name"
	marker="OVSRS-GROUP: start of $name $RANDOM"
	echo "$marker" >/dev/kmsg
	t0=$SECONDS
	OVSRS_OUT=$group_out/$name bash "$OVSRS_TOP/tests/vm/test_$name.sh" </dev/null
	rc=$?
	left=$(datapath_module)
	if [ "$left" != none ]; then
		echo "FAIL: $name: left $left loaded" >&2
		rmmod openvswitch_rs 2>/dev/null
		modprobe -r openvswitch 2>/dev/null
		[ "$rc" != 0 ] || rc=1
	fi
	unblock_c_module
	if ! no_splat_since "$marker"; then
		echo "FAIL: $name: kernel splat (log above)" >&2
		[ "$rc" != 0 ] || rc=123
	fi
	echo "OVSRS-GROUP-RESULT $name $rc $((SECONDS - t0))"
done
# Each test's status is in its line; the group's own is for what only it
# can fail (scripts/vm's splat and leak scan of the whole run).
exit 0
