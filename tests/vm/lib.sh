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
OVS_DP_PY="$OVSRS_TOP/tests/vm/ovs_dp.py"
# The interpreter itself, never a version manager's shim (a bash script
# that costs seconds per start under TCG; scripts/vm also drops shims from
# the guest's PATH).
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
BLOCK_C_CONF=/etc/modprobe.d/ovsrs-block-openvswitch.conf

fail() {
	echo "FAIL: $*" >&2
	if [ -s "${OVS_LOG:-}" ]; then
		echo "--- $OVS_LOG" >&2
		tail -n 40 "$OVS_LOG" >&2
		ovs-dpctl show >&2 2>&1 || true
	fi
	exit 1
}
pass() { echo "ok - $*"; }

# loaded MODULE: /proc/modules lists it. (Bash alone: it runs before every
# bench sample, and a process costs 0.1-0.3 s under TCG.)
loaded() {
	local name _
	while read -r name _; do [ "$name" != "$1" ] || return 0; done </proc/modules
	return 1
}

# datapath_module: which datapath module /proc/modules has: openvswitch,
# openvswitch_rs, none or both.
datapath_module() {
	if loaded openvswitch && loaded openvswitch_rs; then
		echo both
	elif loaded openvswitch; then
		echo openvswitch
	elif loaded openvswitch_rs; then
		echo openvswitch_rs
	else
		echo none
	fi
}

# assert_datapath_module openvswitch|openvswitch_rs|none
assert_datapath_module() {
	local have
	have=$(datapath_module)
	[ "$have" != both ] || fail "both openvswitch and openvswitch_rs are loaded"
	[ "$have" = "$1" ] || fail "expected datapath module '$1', /proc/modules has '$have'"
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

# The modules openvswitch_rs links against (nf_conncount, and through it
# nf_conntrack), as openvswitch.ko does: insmod does not load them, but
# modprobe of an installed module would.
load_rust_deps() {
	local deps
	deps=$(modinfo -F depends "$OVSRS_KO")
	[ -z "$deps" ] || modprobe -a ${deps//,/ }
}

# insmod_rust_module [insmod args]: the module file, its dependencies first,
# with the module parameters in OVSRS_T_RS_PARAMS (e.g. flow_cache=0).
insmod_rust_module() {
	load_rust_deps
	# shellcheck disable=SC2086 # a list of parameters
	insmod "$OVSRS_KO" ${OVSRS_T_RS_PARAMS:-} "$@"
}

load_rust_module() {
	block_c_module
	insmod_rust_module
	assert_datapath_module openvswitch_rs
}

# load_module openvswitch|openvswitch_rs: that one alone.
load_module() {
	if [ "$1" = openvswitch ]; then load_c_module; else load_rust_module; fi
}

unload_datapath_modules() {
	if loaded openvswitch_rs; then rmmod openvswitch_rs; fi
	if loaded openvswitch; then modprobe -r openvswitch; fi
	assert_datapath_module none
}

# writable_copy DIR: a writable tmpfs over DIR holding the host's content
# of it, for a test that writes where a real machine would (guest-init
# does this for /etc/modprobe.d and /etc/openvswitch). The host's DIR stays
# readable under guest-init's bind of the shared root.
GUEST_HOSTROOT=/run/ovsrs/hostroot
writable_copy() {
	[ -d "$GUEST_HOSTROOT$1" ] || fail "$1 is not on the host"
	mount -t tmpfs -o "mode=$(stat -c %a "$1")" tmpfs "$1"
	cp -a "$GUEST_HOSTROOT$1/." "$1/"
}

# --- A/B runs -------------------------------------------------------------------

# run_against MODULE CMD...: CMD with MODULE (and only it) loaded; its exit
# status in $run_rc, and /proc/modules must still show MODULE after it.
# Around CMD, if the test defines them: net_up after the load, net_down
# before the unload (both under set -e). With RUN_WHAT set, the run's
# duration is printed as "$RUN_WHAT against MODULE: N s". With SPLAT_TAG
# set, a kernel splat during the run fails the test at once, naming MODULE
# (scripts/vm fails the whole run on it too, but without saying which).
run_against() {
	local module=$1 start=$SECONDS marker=
	shift
	if [ -n "${SPLAT_TAG:-}" ]; then
		marker="$SPLAT_TAG: start of the $module run $RANDOM"
		echo "$marker" >/dev/kmsg
	fi
	load_module "$module"
	if declare -F net_up >/dev/null; then net_up; fi
	run_rc=0
	"$@" || run_rc=$?
	[ -z "${RUN_WHAT:-}" ] || echo "$RUN_WHAT against $module: $((SECONDS - start)) s"
	assert_datapath_module "$module"
	if declare -F net_down >/dev/null; then net_down; fi
	[ -z "$marker" ] || echo "$SPLAT_TAG: $module: unloading" >/dev/kmsg
	unload_datapath_modules
	[ -z "$marker" ] || echo "$SPLAT_TAG: $module: unloaded" >/dev/kmsg
	[ -z "$marker" ] || no_splat_since "$marker" || fail "kernel splat during the $module run (log above)"
}

# The kernel log since the marker line $1, checked for the splats
# scripts/vm looks for (its SPLAT_PATTERNS).
SPLAT_RE='BUG:|Oops|WARNING:|Kernel panic|general protection fault|Call Trace:|possible (circular|recursive) locking|suspicious RCU usage|inconsistent lock state|sleeping function called from invalid context|KFENCE:|list_(add|del) corruption|UBSAN:|refcount_t:|rust_panic|panicked at'
# transcript_shows FILE MODE PATTERN...: the transcript FILE (openvswitch.ko's,
# or one checked against its landmarks) holds every PATTERN (grep MODE: -F,
# -G or -E), so the A/B comparison that follows is not hollow.
transcript_shows() {
	local file=$1 mode=$2 want
	shift 2
	for want in "$@"; do
		grep -q "$mode" -- "$want" "$file" || fail "transcript $file lacks '$want'"
	done
}

# For the transcripts whose steps start "[NNNN] name" (actions_ab.py,
# ct_ab.py), read from openvswitch.ko's transcript $C_OUT:
# case_block PATTERN: the lines of the step whose header matches PATTERN
# (ERE, after "[NNNN] ").
case_block() {
	awk -v re="^\\\\[[0-9]+\\\\] ($1)\$" '
		/^\[[0-9]+\] / { on = ($0 ~ re); if (on) n++ }
		/^$|^#/ { on = 0 }
		on { print }
		END { if (!n) exit 1 }' "$C_OUT"
}
# expect_case PATTERN ERE / expect_no PATTERN ERE: that step has (has no)
# a line matching ERE.
expect_case() {
	local block
	block=$(case_block "$1") || fail "openvswitch.ko transcript: no case /$1/"
	grep -qE -- "$2" <<<"$block" || fail "openvswitch.ko: case /$1/ lacks /$2/: $(head -c 2000 <<<"$block")"
}
expect_no() {
	local block
	block=$(case_block "$1") || fail "openvswitch.ko transcript: no case /$1/"
	! grep -qE -- "$2" <<<"$block" || fail "openvswitch.ko: case /$1/ has /$2/: $(head -c 2000 <<<"$block")"
}

# Conntrack for a test that compares conntrack tables: ctnetlink (for
# ovs-dpctl dump-conntrack / flush-conntrack), and no entry timing out
# during the run (an unreplied UDP or ICMP one lasts 30 s, a run on a
# loaded machine longer), or the tables dumped depend on its speed.
conntrack_up() {
	local f
	modprobe nf_conntrack_netlink
	for f in /proc/sys/net/netfilter/nf_conntrack_*timeout*; do
		[ "$(cat "$f")" -ge 3600 ] || echo 3600 >"$f"
	done
}

# capture_veths: three veth pairs, taN (a datapath port) and tcN (its peer,
# where the frames are captured), fixed MACs so that packet types do not
# vary, IPv6 off everywhere (no stray frames).
capture_veths() {
	local n
	no_ipv6 default
	no_ipv6 all
	for n in 1 2 3; do
		ip link add "ta$n" address "02:00:00:00:0$n:0a" type veth peer name "tc$n" \
			address "02:00:00:00:0$n:0c"
		no_ipv6 "ta$n"
		no_ipv6 "tc$n"
		ip link set "ta$n" up
		ip link set "tc$n" up
	done
}

# no_splat_since MARKER [injection-dumps-ok]: with injection-dumps-ok, the
# stack dumps of fault injection are no splat: failslab's own (verbose on:
# "FAULT_INJECTION: forcing a failure" to "</TASK>") and those the kernel
# prints for a failed kmem_cache_create() (mm/slab_common.c:
# "__kmem_cache_create_args(NAME) failed with error N") or vmalloc()
# (warn_alloc(): "vmalloc error: size N"), what fail-nth on module load
# provokes, as for openvswitch.ko.
no_splat_since() {
	local log
	log=$(dmesg | sed -n "/$1/,\$p")
	[ "${2:-}" != injection-dumps-ok ] ||
		log=$(awk '/FAULT_INJECTION: forcing a failure|__kmem_cache_create_args\(.*failed with error|vmalloc error: size/ { skip = 1 }
			!skip { print } /<\/TASK>/ { skip = 0 }' <<<"$log")
	if grep -E "$SPLAT_RE" <<<"$log" >/dev/null; then
		echo "$log" | tail -n 80 >&2
		return 1
	fi
}

# differing_steps A B: the header line ("[NNN] ...") of every step whose
# block differs between two transcripts ("#" lines end a block).
differing_steps() {
	awk 'FNR == 1 { f++; k = "" }
		/^\[[0-9]+\] / { k = substr($0, 1, index($0, "]")); cmd[k] = $0; next }
		/^(###|#)/ { k = ""; next }
		k != "" { blk[f, k] = blk[f, k] $0 "\n" }
		END { for (k in cmd) if (blk[1, k] != blk[2, k]) print cmd[k] }' "$1" "$2" | sort
}

# compare_transcripts WHAT DIFF C_OUT RS_OUT C2_OUT RERUN...: openvswitch_rs's
# transcript RS_OUT is the same as openvswitch.ko's C_OUT, or the test fails
# with the diff (into DIFF) and the steps that differ (or what the test's
# show_difference C_OUT RS_OUT prints, if it defines one). Then, and only
# then, RERUN C2_OUT runs openvswitch.ko once more, to tell a difference of
# the modules from a run-dependent line the normalisation missed (such a
# line can only make the comparison fail, never pass).
compare_transcripts() {
	local what=$1 diff=$2 c=$3 rs=$4 c2=$5
	shift 5
	diff -u "$c" "$rs" >"$diff" && return 0
	if declare -F show_difference >/dev/null; then
		show_difference "$c" "$rs"
	else
		cat "$diff"
		echo "--- steps that differ ($(differing_steps "$c" "$rs" | wc -l) of $(grep -c '^\[' "$c")):"
		differing_steps "$c" "$rs"
	fi
	"$@" "$c2"
	if ! diff -u "$c" "$c2" >"$diff.run2"; then
		head -n 200 "$diff.run2"
		fail "$what: two runs against openvswitch.ko differ too: the transcript depends on the run (see $diff.run2)"
	fi
	fail "$what: openvswitch_rs (+) answers differently from openvswitch.ko (-): see $diff"
}

# no_ipv6 DEV...: IPv6 off on each DEV (before it is up: no link-local
# address, DAD, router solicitation or MLD frames), in the current
# namespace. "default" and "all" name the sysctl defaults.
no_ipv6() {
	local d
	[ -d /proc/sys/net/ipv6 ] || return 0
	for d in "$@"; do echo 1 >"/proc/sys/net/ipv6/conf/$d/disable_ipv6"; done
}

# on_exit: the test's cleanup function, whatever the exit; the status is
# kept. (trap on_exit EXIT)
on_exit() {
	local rc=$?
	trap - EXIT
	cleanup
	exit $rc
}

# trace_errors: say which command a `set -e` exit comes from (in functions
# too, but not from inside command substitutions), naming $MOD.
trace_errors() {
	set -E
	trap '[ "$BASHPID" != "$$" ] || echo "FAIL: ${MOD:-setup}: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR
}

# Whether the generic netlink core knows family $1 (no autoload: the
# caller blocks or loads modules first).
family_exists() { genl ctrl get name "$1" >/dev/null 2>&1; }

OVS_FAMILIES=(ovs_datapath ovs_vport ovs_flow ovs_packet ovs_meter ovs_ct_limit)

# Dump the six families (ops, flags, policies, groups) as canonical JSON.
dump_families() { python3 "$GENL_FAMILIES" dump --out "$1"; }

# --- ovs-vswitchd -------------------------------------------------------------
# The daemons are started directly, not through ovs-ctl, which would
# `modprobe openvswitch` on its own.

OVS_LOG=/var/log/openvswitch/ovs-vswitchd.log

start_ovs() {
	mkdir -p /run/openvswitch /var/log/openvswitch /tmp/ovs
	rm -f /tmp/ovs/conf.db
	ovsdb-tool create /tmp/ovs/conf.db /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server /tmp/ovs/conf.db --remote=punix:/run/openvswitch/db.sock \
		--pidfile=/run/openvswitch/ovsdb-server.pid --detach \
		--log-file=/var/log/openvswitch/ovsdb-server.log
	ovs-vsctl --no-wait init
	: >"$OVS_LOG"
	start_vswitchd
}

# start_vswitchd: ovs-vswitchd alone, on start_ovs's database (as
# `ovs-ctl force-reload-kmod` restarts it: it re-creates the datapath and
# ports the database holds). Its log goes on in $OVS_LOG.
start_vswitchd() {
	local starts
	starts=$(grep -c 'ovs-vswitchd (Open vSwitch)' "$OVS_LOG" 2>/dev/null || true)
	ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile=/run/openvswitch/ovs-vswitchd.pid \
		--detach --log-file="$OVS_LOG"
	for _ in $(seq 300); do
		[ "$(grep -c 'ovs-vswitchd (Open vSwitch)' "$OVS_LOG" 2>/dev/null || true)" -le "${starts:-0}" ] ||
			break
		sleep 0.2
	done
	[ "$(grep -c 'ovs-vswitchd (Open vSwitch)' "$OVS_LOG" 2>/dev/null || true)" -gt "${starts:-0}" ] ||
		fail "ovs-vswitchd did not start"
	wait_ovs_cpu_count
}

# wait_ovs_cpu_count: before the first bridge, until the guest has been up
# 11 s. ovs-vswitchd 3.1's count_cpu_cores() answers 0 until the monotonic
# clock (time since boot) reaches 10 s (OVS commit b354cee2e, "ovs-thread:
# Fix cpus not read for the first 10s", in 3.2): a bridge added before then
# gets per-CPU upcall handlers sized for 0 CPUs, then 2, and
# OVS_DP_ATTR_PER_CPU_PIDS is never sent, so every upcall is lost (portid
# 0). The guest boots in 4-11 s, so only a test's first start waits, and
# only for what is left of the window (a fixed 10 s per start before). The
# extra second covers OVS's cached time.
OVS_CPU_COUNT_UPTIME=11
wait_ovs_cpu_count() {
	local up _
	read -r up _ </proc/uptime
	up=${up%.*}
	[ "$up" -ge "$OVS_CPU_COUNT_UPTIME" ] || sleep $((OVS_CPU_COUNT_UPTIME - up))
}

stop_ovs() {
	local d
	for d in ovs-vswitchd ovsdb-server; do
		[ -f "/run/openvswitch/$d.pid" ] || continue
		kill "$(cat "/run/openvswitch/$d.pid")" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$(cat "/run/openvswitch/$d.pid")" 2>/dev/null || break
			sleep 0.2
		done
		rm -f "/run/openvswitch/$d.pid"
	done
}

# wait_for_log FILE PATTERN SECONDS
wait_for_log() {
	local i
	for i in $(seq "$(($3 * 5))"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# --- checks of a scenario through ovs-vswitchd ---------------------------------
# A failing check is reported and the scenario goes on, so one run shows
# everything that fails; the module's half then fails with the list
# (scenario_verdict). Files are saved as $OVSRS_OUT/$OUT_TAG-$MOD-*.

MOD=           # module under test: openvswitch or openvswitch_rs
FAILED=()      # failed checks of the current module
OUT_TAG=${OUT_TAG:-vswitchd}
PING_W=1 PING_DEADLINE=6   # ping_ok's -W and -w

ok() { pass "$MOD: $*"; }
bad() {
	echo "FAIL: $MOD: $*" >&2
	FAILED+=("$*")
}

# ping_ok NS DST [ARGS]: 3 replies within $PING_DEADLINE s.
ping_ok() {
	local ns=$1 dst=$2
	shift 2
	ip netns exec "$ns" ping -q -c 3 -i 0.2 -W "$PING_W" -w "$PING_DEADLINE" "$@" "$dst" >/tmp/ping.out 2>&1
}
ping_summary() { grep -E 'transmitted|errors' /tmp/ping.out | tr '\n' ' '; }

# check_ping WHAT NS DST [ARGS]
check_ping() {
	local what=$1
	shift
	if ping_ok "$@"; then ok "$what"; else bad "$what: ping $2 from $1 failed ($(ping_summary))"; fi
}

# save_dp_flows CASE: the datapath's flows now (ovs-dpctl: the kernel's own
# view), in $OVSRS_OUT and in /tmp/dp-flows.txt.
save_dp_flows() {
	timeout 20 ovs-dpctl dump-flows --names >/tmp/dp-flows.txt 2>&1 || true
	cp /tmp/dp-flows.txt "$OVSRS_OUT/$OUT_TAG-$MOD-$1.dpctl-flows.txt"
}

# check_dp_flow WHAT CASE ERE...: after save_dp_flows CASE, one datapath
# flow line matches every ERE.
check_dp_flow() {
	local what=$1 case=$2 lines re
	shift 2
	lines=$(cat /tmp/dp-flows.txt)
	for re in "$@"; do
		lines=$(grep -E -- "$re" <<<"$lines" || true)
	done
	if [ -n "$lines" ]; then
		ok "$what"
	else
		bad "$what: no datapath flow matches $(printf "'%s' " "$@")in $OUT_TAG-$MOD-$case.dpctl-flows.txt:
$(sed 's/^/    /' /tmp/dp-flows.txt)$([ -s /tmp/dp-flows.txt ] || echo '    (no flows)')"
	fi
}

# tcp_transfer WHAT SIZE FROM_NS TO_NS TO_IP: SIZE random bytes over TCP
# from FROM_NS to TO_IP:5001 in TO_NS; the receiver's sha256 must match.
tcp_transfer() {
	local what=$1 size=$2 from=$3 to=$4 ip=$5
	head -c "$size" /dev/urandom >/tmp/tcp-send
	rm -f /tmp/tcp-recv
	ip netns exec "$to" timeout 60 socat -u "TCP4-LISTEN:5001,bind=$ip,reuseaddr" CREATE:/tmp/tcp-recv &
	local rx=$! t0=$SECONDS rc=0
	for _ in $(seq 50); do
		[ -z "$(ip netns exec "$to" ss -Hltn 'sport = :5001')" ] || break
		sleep 0.2
	done
	ip netns exec "$from" timeout 60 socat -u OPEN:/tmp/tcp-send "TCP4:$ip:5001,connect-timeout=10" || rc=$?
	[ $rc = 0 ] || kill $rx 2>/dev/null || true
	wait $rx || true
	local want have
	want=$(sha256sum </tmp/tcp-send | cut -d' ' -f1)
	have=
	[ ! -s /tmp/tcp-recv ] || have=$(sha256sum </tmp/tcp-recv | cut -d' ' -f1)
	if [ $rc = 0 ] && [ "$want" = "$have" ]; then
		ok "$what in $((SECONDS - t0)) s, sha256 matches"
	else
		bad "${what%%:*}: TCP transfer: sender status $rc, received $(stat -c %s /tmp/tcp-recv 2>/dev/null || echo 0) of $size bytes, sha256 ${have:-none} (want $want)"
	fi
}

# end_capture PID SECONDS: a capture that ends on its own is given up to
# SECONDS more, then stopped.
end_capture() {
	local _
	for _ in $(seq "$(($2 * 5))"); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.2
	done
	kill "$1" 2>/dev/null || true
	wait "$1" || true
}

# The datapath's "lookups: hit:H missed:M lost:L" at the end of a
# scenario: both paths taken, and every miss reached ovs-vswitchd.
check_lookups() {
	local show hit missed lost
	show=$(timeout 20 ovs-dpctl show 2>&1 || true)
	printf '%s\n' "$show" >"$OVSRS_OUT/$OUT_TAG-$MOD-dpctl-show-end.txt"
	read -r hit missed lost <<<"$(sed -n 's/^ *lookups: hit:\([0-9]*\) missed:\([0-9]*\) lost:\([0-9]*\).*/\1 \2 \3/p' <<<"$show")" || true
	if [ "${hit:-0}" -gt 0 ] && [ "${missed:-0}" -gt 0 ] && [ "${lost:-x}" = 0 ]; then
		ok "datapath lookups: hit:$hit missed:$missed lost:0"
	else
		bad "datapath lookups: want hit > 0, missed > 0, lost 0; ovs-dpctl show has: $(grep 'lookups:' <<<"$show" || echo nothing)"
	fi
}

# ovs-vswitchd log lines that openvswitch.ko produces in this VM and that
# say nothing about the datapath: extended regular expressions for a whole
# line less its timestamp and sequence number ("module|LEVEL|text"). A test
# adds its own to BENIGN_LOG.
BENIGN_LOG=(
	# OVS opens a NETLINK_NETFILTER socket (conntrack) when it creates a
	# bridge; the test kernel has no CONFIG_NETFILTER_NETLINK, so
	# socket(2) fails with EPROTONOSUPPORT. Every run, on both modules.
	'^netlink_socket\|ERR\|fcntl: Protocol not supported$'
	# A main-loop iteration of a thread took over 1 s of wall time, and the
	# rusage lines that follow: TCG on 2 shared cores. Not every run; seen
	# on either module. They are counted and printed below all the same.
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|Unreasonably long [0-9]+ms poll interval \([0-9]+ms user, [0-9]+ms system\)$'
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|faults: [0-9]+ minor, [0-9]+ major$'
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|disk: [0-9]+ reads, [0-9]+ writes$'
	'^timeval(\([a-z_]+[0-9]*\))?\|WARN\|context switches: [0-9]+ voluntary, [0-9]+ involuntary$'
)

# The log's WARN and ERR lines, without their timestamps and sequence
# numbers ("module|LEVEL|text").
log_warnings() {
	sed -n 's/^[^|]*|[^|]*|\(.*|\(WARN\|ERR\|EMER\)|.*\)/\1/p' "$OVS_LOG"
}
# log_problems: those not matched by BENIGN_LOG.
log_problems() {
	local rc=0
	printf '%s\n' "${BENIGN_LOG[@]}" >/tmp/benign-log.ere
	log_warnings >/tmp/log-warnings.txt
	grep -Ev -f /tmp/benign-log.ere /tmp/log-warnings.txt || rc=$?
	[ $rc -le 1 ] || echo "(grep failed with status $rc on BENIGN_LOG)"
}

# exit_ovs_and_check_log: stop the daemons, ovs-vswitchd through
# ovs-appctl, not stop_ovs's SIGTERM (that one is logged as
# "fatal_signal|WARN|terminating with signal 15"); save its log; it has no
# WARN/ERR line but BENIGN_LOG's.
exit_ovs_and_check_log() {
	ovs-appctl --timeout=20 -t ovs-vswitchd exit || bad "ovs-appctl exit failed"
	for _ in $(seq 50); do
		[ -f /run/openvswitch/ovs-vswitchd.pid ] || break
		sleep 0.2
	done
	stop_ovs 2>/dev/null
	cp "$OVS_LOG" "$OVSRS_OUT/$OUT_TAG-$MOD-ovs-vswitchd.log"
	local problems
	problems=$(log_problems)
	log_warnings | grep -E 'Unreasonably long' | sed "s/^/note: $MOD: (benign) /" || true
	if [ -z "$problems" ]; then
		ok "ovs-vswitchd.log: no WARN/ERR line (but the known benign ones)"
	else
		bad "ovs-vswitchd.log has WARN/ERR lines:
$(sed 's/^/    /' <<<"$problems")"
	fi
}

# stop_scenario NS...: the scenario's background jobs killed, the daemons
# stopped, the namespaces NS deleted, tcp_transfer's files removed.
stop_scenario() {
	local pid ns
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
	# (stop_ovs's wait reads the pidfile ovs-vswitchd removes as it exits.)
	stop_ovs 2>/dev/null
	for ns in "$@"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -f /tmp/tcp-send /tmp/tcp-recv
}

# save_ovs_log: the daemon's log of the module under test, if any (for an
# early exit).
save_ovs_log() {
	[ -z "$MOD" ] || [ ! -s "$OVS_LOG" ] || cp "$OVS_LOG" "$OVSRS_OUT/$OUT_TAG-$MOD-ovs-vswitchd.log"
}

# scenario_start MODULE: a module's half begins, with MODULE (and only it)
# loaded and the daemons started.
scenario_start() {
	MOD=$1
	FAILED=()
	SCENARIO_T0=$SECONDS
	echo "=== $MOD"
	load_module "$MOD"
	start_ovs
}

# scenario_verdict: the module's half ends; it fails with the list of its
# failed checks.
scenario_verdict() {
	echo "=== $MOD: $((SECONDS - SCENARIO_T0)) s, ${#FAILED[@]} failed check(s)"
	if [ ${#FAILED[@]} -gt 0 ]; then
		OVS_LOG=/dev/null fail "$MOD: ${#FAILED[@]} check(s) failed:$(printf '\n    %s' "${FAILED[@]%%$'\n'*}")"
	fi
}

# A network namespace $1 behind a veth pair whose outer end $1-out is left
# for the caller to attach; inner end has address $2 (CIDR).
add_host_ns() {
	ip netns add "$1"
	ip link add "$1-out" type veth peer name eth0 netns "$1"
	ip -n "$1" addr add "$2" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
	ip link set "$1-out" up
}

# --- KUnit at module load ---------------------------------------------------------
# KUnit runs the module's suites each time it is loaded (from the
# MODULE_STATE_LIVE notifier, in insmod's task): seconds a load on the
# debug kernel, and under fail-nth thousands of allocations that are the
# tests', not the module's. skip_kunit_at_load makes KUnit's suite filter
# match none; restore_kunit_at_load puts back "*.*" (what no filter means)
# for the tests that follow in the same boot (printf: the parameter keeps
# a newline).
KUNIT_GLOB=/sys/module/kunit/parameters/filter_glob
skip_kunit_at_load() { [ ! -w "$KUNIT_GLOB" ] || printf 'ovsrs-none' >"$KUNIT_GLOB"; }
restore_kunit_at_load() { [ ! -w "$KUNIT_GLOB" ] || printf '*.*' >"$KUNIT_GLOB"; }

# --- pktgen ----------------------------------------------------------------------
# A flood made in the kernel (no process per packet under TCG): pg FILE CMD
# writes CMD to /proc/net/pktgen/FILE (of the caller's namespace).
PG=/proc/net/pktgen
pg() { echo "$2" >"$PG/$1" || fail "pktgen $1: $2: $(grep -h 'Result' "$PG/$1" 2>/dev/null)"; }

# pktgen_flood DEV MODE DELAY_NS: kpktgend_0 floods with 60-byte UDP
# frames on DEV, xmit_mode MODE (netif_receive: as received on DEV;
# start_xmit: sent by DEV), from 64 source ports, one frame every DELAY_NS
# at most; pktgen_stop ends it. The flood ends by itself when DEV goes.
pktgen_flood() {
	[ -d "$PG" ] || modprobe pktgen || fail "no pktgen module"
	pktgen_stop
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device $1"
	pg "$1" "flag !SHARED"
	pg "$1" "xmit_mode $2"
	pg "$1" "count 0"
	pg "$1" "delay $3"
	pg "$1" "dst_mac 02:00:00:00:00:02"
	pg "$1" "dst 10.0.0.2"
	pg "$1" "udp_src_min 1000"
	pg "$1" "udp_src_max 1063"
	echo start >"$PG/pgctrl" &
	PKTGEN_PID=$!
}
pktgen_stop() {
	[ -n "${PKTGEN_PID:-}" ] || return 0
	echo stop >"$PG/pgctrl" 2>/dev/null || true
	wait "$PKTGEN_PID" 2>/dev/null || true
	PKTGEN_PID=
}

# --- kmemleak (debug kernel) --------------------------------------------------
# kmemleak_start before the code under test, kmemleak_check after it: only
# objects leaked in between are reported. No-ops on kernels without it.

KMEMLEAK=/sys/kernel/debug/kmemleak
KMEMLEAK_SETTLED=/run/ovsrs-kmemleak-settled

kmemleak_start() {
	[ -w "$KMEMLEAK" ] || return 0
	# Settle boot-time objects first, so only the test's leaks count: a scan
	# reports only objects older than 5 s, so scan again once those of the
	# boot's last seconds have aged. Once per boot: for a later test of a
	# group (tests/vm/group.sh) one scan reports what the tests before it
	# left; it is cleared as the second scan's would be.
	if [ -e "$KMEMLEAK_SETTLED" ]; then
		echo scan >"$KMEMLEAK"
	else
		echo scan >"$KMEMLEAK"; sleep 6; echo scan >"$KMEMLEAK"
		: >"$KMEMLEAK_SETTLED"
	fi
	echo clear >"$KMEMLEAK"
}

kmemleak_check() {
	[ -w "$KMEMLEAK" ] || return 0
	# kmemleak reports objects unreferenced for at least 5 s, after 2 scans.
	sleep 6; echo scan >"$KMEMLEAK"; sleep 1; echo scan >"$KMEMLEAK"
	local leaks
	leaks=$(cat "$KMEMLEAK")
	[ -z "$leaks" ] || { echo "$leaks" >&2; fail "kmemleak reports leaks"; }
	pass "kmemleak: no leak"
}
