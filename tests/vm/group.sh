#!/usr/bin/env bash
# Several VM tests in one boot: scripts/check runs a flavour's tests so (a
# boot costs more than some tests). Usage: group.sh NAME...
#
# Each tests/vm/test_NAME.sh runs in its own bash, as scripts/vm would run
# it alone, with $OVSRS_OUT/NAME as its OVSRS_OUT. After it, what it left
# running, in a network namespace, loaded or blocked is cleared (and fails
# it), so one failure does not fail the next; the modules it loaded are
# unloaded again; and the kernel log since its start must hold no splat
# (scripts/vm's check of the whole run cannot say which test). A test that changes more than that says "# alone: why" and
# scripts/check boots it alone. One line per test for scripts/check:
#   OVSRS-GROUP-RESULT NAME STATUS SECONDS
. "$(dirname "$0")/lib.sh"
set +e

# user_processes: "PID COMMAND" of every process but kernel threads (an
# empty cmdline) and the subshell listing them. (Bash alone: a process
# costs 0.1-0.3 s under TCG.)
user_processes() {
	local d cmd
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" != "$BASHPID" ] || continue
		IFS= read -r -d '' cmd <"$d/cmdline" 2>/dev/null
		[ -z "$cmd" ] || echo "${d#/proc/} $cmd"
	done
}

# clear_leftovers NAME: end what test NAME left running (daemons it
# detached hold a datapath, and so the module) and delete the network
# namespaces it left; say what, and fail if there was any. The processes
# before it are the keys of $before.
clear_leftovers() {
	local strays=() pid cmd nss rc=0
	while read -r pid cmd; do
		if [ -z "$pid" ] || [ -n "${before[$pid]:-}" ]; then continue; fi
		echo "FAIL: $1: left $cmd (pid $pid) running" >&2
		strays+=("$pid")
	done <<<"$(user_processes)"
	if [ ${#strays[@]} -gt 0 ]; then
		kill "${strays[@]}" 2>/dev/null
		sleep 1
		kill -9 "${strays[@]}" 2>/dev/null
		rc=1
	fi
	nss=$(ip netns list)
	if [ -n "$nss" ]; then
		echo "FAIL: $1: left network namespaces: ${nss//$'\n'/ }" >&2
		ip -all netns delete
		rc=1
	fi
	return $rc
}

# unload_new_modules: the modules loaded since $mods_before was taken, as
# far as nothing holds them, so the next test starts with the boot's set
# and their state goes with them (nf_conntrack's table, for one: its
# TIME_WAIT entries would outlive the test by two minutes).
unload_new_modules() {
	local name refs _ progress=1 gone=
	while [ $progress = 1 ]; do
		progress=0
		while read -r name _ refs _; do
			if [ -n "${mods_before[$name]:-}" ] || [ "$refs" != 0 ]; then continue; fi
			rmmod "$name" 2>/dev/null && progress=1 && gone+=" $name"
		done </proc/modules
	done
	[ -z "$gone" ] || echo "(unloaded what it loaded:$gone)"
}

group_out=$OVSRS_OUT
for name in "$@"; do
	echo "=== group: $name"
	mkdir -p "$group_out/$name"
	marker="OVSRS-GROUP: start of $name $RANDOM"
	echo "$marker" >/dev/kmsg
	declare -A before=() mods_before=()
	while read -r pid _; do [ -z "$pid" ] || before[$pid]=1; done <<<"$(user_processes)"
	while read -r mod _; do mods_before[$mod]=1; done </proc/modules
	t0=$SECONDS
	OVSRS_OUT=$group_out/$name bash "$OVSRS_TOP/tests/vm/test_$name.sh" </dev/null
	rc=$?
	clear_leftovers "$name" || [ "$rc" != 0 ] || rc=1
	left=$(datapath_module)
	if [ "$left" != none ]; then
		echo "FAIL: $name: left $left loaded" >&2
		rmmod openvswitch_rs 2>/dev/null
		modprobe -r openvswitch 2>/dev/null
		[ "$rc" != 0 ] || rc=1
	fi
	unblock_c_module
	unload_new_modules
	if ! no_splat_since "$marker"; then
		echo "FAIL: $name: kernel splat (log above)" >&2
		[ "$rc" != 0 ] || rc=123
	fi
	echo "OVSRS-GROUP-RESULT $name $rc $((SECONDS - t0))"
done
# Each test's status is in its line; the group's own is for what only it
# can fail (scripts/vm's splat and leak scan of the whole run).
exit 0
