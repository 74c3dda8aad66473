#!/usr/bin/env bash
# Flows with ct() actions installed, shown and removed through ovs-dpctl,
# with what they hold in the kernel: the module references their helpers
# (and NAT helpers) take, as /sys/module/*/refcnt shows them relative to
# before the run. tests/vm/test_conntrack_action.sh runs it against each
# module and diffs the transcripts.
#
#     conntrack_action_transcript.sh OUT
#
# Runs inside the test VM as root with one datapath module loaded. Each
# step: the command, its exit status, its output ("out|"/"err|").
# The last flows stay installed: the caller unloads the module with them.
set -u

OUT=${1:?usage: conntrack_action_transcript.sh OUT}
DP=ctact0
exec 3>"$OUT"
n=0
HELPERS="nf_conntrack_ftp nf_nat_ftp nf_conntrack_tftp nf_nat_tftp"

# The helper modules are loaded before the run so that their reference
# counts have a base (C and Rust load them by name the same way).
modprobe -a $HELPERS
declare -A BASE
for m in $HELPERS; do BASE[$m]=$(cat "/sys/module/$m/refcnt"); done

step() {
	local rc=0 out err
	n=$((n + 1))
	out=$("$@" 2>/tmp/ctact.err) || rc=$?
	err=$(sed 's/^[0-9TZ:.-]*|[0-9]*|/<time>|/' /tmp/ctact.err)
	printf '[%03d] %s\n  rc=%s\n' "$n" "$*" "$rc" >&3
	[ -z "$out" ] || sed 's/^/  out| /' <<<"$out" >&3
	[ -z "$err" ] || sed 's/^/  err| /' <<<"$err" >&3
}

# refs: each helper module's references now, less its base.
refs() {
	local m line=""
	for m in $HELPERS; do
		line+=" $m=$(($(cat "/sys/module/$m/refcnt") - BASE[$m]))"
	done
	echo "refs:$line"
}

# dump: the datapath's flows, sorted (dump order is the table's hash
# order, which is not the subject here).
dump() { ovs-dpctl dump-flows "$DP" | sort; }

# settle: freed actions are released after an RCU grace period (and the
# C module's call_rcu): wait for it.
settle() { sleep 1; }

K4='in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,frag=no),tcp(src=1000,dst=21),tcp_flags(0)'
K4U='in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,frag=no),udp(src=1000,dst=69)'
K6='in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,proto=6,frag=no),tcp(src=1000,dst=21),tcp_flags(0)'
K4C='in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.4,dst=10.0.0.2,proto=17,frag=no),udp(src=1000,dst=53)'
K4B='in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.3,dst=10.0.0.2,proto=6,frag=no),tcp(src=1000,dst=21),tcp_flags(0)'

ovs-dpctl del-dp "$DP" >/dev/null 2>&1 || true
step ovs-dpctl add-dp "$DP"
step refs
step ovs-dpctl add-flow "$DP" "$K4" 'ct(commit,zone=5,mark=0x1/0xff,helper=ftp),recirc(1)'
step ovs-dpctl add-flow "$DP" "$K4U" 'ct(commit,helper=tftp,nat(src=10.0.0.9:2000-3000,random)),recirc(2)'
step ovs-dpctl add-flow "$DP" "$K6" 'ct(commit,zone=6,helper=ftp,nat(dst=[2001:db8::9]:21,persistent)),recirc(3)'
step ovs-dpctl add-flow "$DP" "$K4B" 'ct(commit,helper=nosuchhelper),recirc(1)'
step ovs-dpctl add-flow "$DP" "$K4B" 'ct(zone=7,nat),recirc(4)'
step ovs-dpctl add-flow "$DP" "$K4C" 'ct(commit,timeout=nosuchpolicy),recirc(5)'
step dump
step refs
# Replacing actions releases the old ones.
step ovs-dpctl mod-flow "$DP" "$K4" 'ct(commit,zone=5),recirc(1)'
settle
step refs
step ovs-dpctl del-flow "$DP" "$K4U"
settle
step refs
step dump
# The IPv6 flow keeps its ftp and nat_ftp references past this script:
# the caller unloads the module with it installed.
echo "# end" >&3
