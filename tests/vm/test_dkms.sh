#!/usr/bin/env bash
# openvswitch_rs installed the way out-of-tree modules are, then Open
# vSwitch started the distribution's way, as on a user's machine
# (Documentation/networking/openvswitch_rs.rst):
#   - the host ran dkms add and build against this kernel's build tree and
#     dkms mktarball (make dkms-test-build, the "# host-prep:" line below);
#     here dkms ldtarball and dkms install put it into /lib/modules, and
#     the shipped dist/modprobe.d/openvswitch_rs.conf goes to /etc/modprobe.d;
#   - ovs-ctl starts ovsdb-server and ovs-vswitchd exactly as Debian's
#     systemd units do: its "modprobe openvswitch" must load openvswitch_rs
#     (lsmod: openvswitch_rs, no openvswitch), and ping passes through br0;
#   - ovs-ctl force-reload-kmod (saves flows and interfaces, deletes the
#     datapath, reinserts the module, restarts ovs-vswitchd) brings the
#     datapath back, again on openvswitch_rs, and ping passes;
#   - switching back: ovs-ctl stop, modprobe -r openvswitch removes
#     openvswitch_rs; without the modprobe.d file modprobe openvswitch loads
#     openvswitch.ko; dkms remove takes the module out of /lib/modules.
# flavours: default
# host-prep: dkms-test-build
# alone: dkms, ovs-ctl and the tmpfs mounts change more of the machine
# than tests/vm/group.sh clears between tests
. "$(dirname "$0")/lib.sh"

OVS_CTL=/usr/share/openvswitch/scripts/ovs-ctl
dkms_dir="$OVSRS_TOP/build/$OVSRS_FLAVOUR/dkms"
tarball=$(echo "$dkms_dir"/openvswitch_rs-*.dkms.tar.gz)
[ -f "$tarball" ] || fail "no dkms tarball in $dkms_dir (make dkms-test-build)"
version=${tarball##*/openvswitch_rs-}
version=${version%.dkms.tar.gz}
MOD=openvswitch_rs

# ovs-ctl's arguments in Debian's ovsdb-server.service and
# ovs-vswitchd.service (ExecStart), which openvswitch-switch.service starts.
ovs_ctl_start() {
	"$OVS_CTL" --no-ovs-vswitchd --no-monitor --system-id=random --no-record-hostname start &&
		"$OVS_CTL" --no-ovsdb-server --no-monitor --system-id=random --no-record-hostname start
}

# lsmod has openvswitch_rs and not openvswitch.
check_lsmod() {
	lsmod >/tmp/lsmod.txt
	cp /tmp/lsmod.txt "$OVSRS_OUT/lsmod-$1.txt"
	grep -q '^openvswitch_rs ' /tmp/lsmod.txt || fail "$1: lsmod has no openvswitch_rs"
	! grep -q '^openvswitch ' /tmp/lsmod.txt || fail "$1: lsmod has openvswitch"
	assert_datapath_module openvswitch_rs
	pass "$1: lsmod has openvswitch_rs and not openvswitch"
}

cleanup() {
	save_ovs_log
	"$OVS_CTL" stop >/dev/null 2>&1 || true
	stop_scenario ns1 ns2
}
trap on_exit EXIT
trace_errors

# --- install -------------------------------------------------------------------
# Where dkms writes on a real machine (/lib/modules/$KVER, /etc/modprobe.d,
# /etc/openvswitch and /run are writable already).
writable_copy /var/lib/dkms
writable_copy /usr/src
t0=$SECONDS
dkms ldtarball "$tarball"
dkms install "openvswitch_rs/$version" -k "$KVER"
dkms status openvswitch_rs | tee "$OVSRS_OUT/dkms-status.txt"
grep -q "^openvswitch_rs/$version, $KVER, [^:]*: installed" "$OVSRS_OUT/dkms-status.txt" ||
	fail "dkms status does not say installed"
[ "$(modinfo -F filename openvswitch_rs)" = "/lib/modules/$KVER/updates/dkms/openvswitch_rs.ko" ] ||
	fail "modinfo finds openvswitch_rs at '$(modinfo -F filename openvswitch_rs)'"
pass "dkms ldtarball + install in $((SECONDS - t0)) s: /lib/modules/$KVER/updates/dkms/openvswitch_rs.ko"
install -m 0644 "/usr/src/openvswitch_rs-$version/dist/modprobe.d/openvswitch_rs.conf" /etc/modprobe.d/
[ "$(modprobe -R openvswitch)" = openvswitch_rs ] || fail "modprobe openvswitch resolves to '$(modprobe -R openvswitch)'"
pass "modprobe openvswitch resolves to openvswitch_rs"
assert_datapath_module none

# --- the distribution's start-up ----------------------------------------------------
t0=$SECONDS
ovs_ctl_start || fail "ovs-ctl start failed"
pass "ovs-ctl start in $((SECONDS - t0)) s"
check_lsmod "ovs-ctl start"
# ovs-vswitchd 3.1's first 10 s of guest uptime (see lib.sh).
wait_ovs_cpu_count

sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ovs-vsctl --timeout=30 add-br br0
for ns in ns1 ns2; do
	add_host_ns $ns "10.0.0.${ns#ns}/24"
	ovs-vsctl --timeout=30 add-port br0 $ns-out
done
ip link set br0 up
wait_for_log "$OVS_LOG" 'added interface ns2-out' 30 || fail "ports not added"
ping_ok ns1 10.0.0.2 || fail "ping ns1 -> ns2 through br0 failed ($(ping_summary))"
pass "ping ns1 -> ns2 through br0"
ifindex_before=$(cat /sys/class/net/ovs-system/ifindex)

# --- force-reload-kmod --------------------------------------------------------------
t0=$SECONDS
: >"$OVS_LOG"   # (the restarted ovs-vswitchd appends)
rc=0
"$OVS_CTL" --system-id=random force-reload-kmod >"$OVSRS_OUT/force-reload-kmod.txt" 2>&1 || rc=$?
cat "$OVSRS_OUT/force-reload-kmod.txt"
[ $rc = 0 ] || fail "ovs-ctl force-reload-kmod failed with status $rc"
grep -q 'Removing datapath: system@ovs-system' "$OVSRS_OUT/force-reload-kmod.txt" ||
	fail "force-reload-kmod did not remove the datapath"
pass "ovs-ctl force-reload-kmod in $((SECONDS - t0)) s"
check_lsmod "force-reload-kmod"
wait_for_log "$OVS_LOG" 'added interface ns2-out' 30 || fail "ports not back after force-reload-kmod"
ifindex_after=$(cat /sys/class/net/ovs-system/ifindex)
[ "$ifindex_after" != "$ifindex_before" ] ||
	fail "ovs-system has its old ifindex $ifindex_before: the datapath was not re-created"
ping_ok ns1 10.0.0.2 || fail "ping ns1 -> ns2 after force-reload-kmod failed ($(ping_summary))"
pass "datapath re-created (ovs-system ifindex $ifindex_before -> $ifindex_after), ping passes"

# --- switching back ---------------------------------------------------------------------
"$OVS_CTL" stop
stop_scenario ns1 ns2
modprobe -r openvswitch
assert_datapath_module none
pass "modprobe -r openvswitch removed openvswitch_rs"
rm /etc/modprobe.d/openvswitch_rs.conf
modprobe openvswitch
assert_datapath_module openvswitch
modprobe -r openvswitch
pass "without the modprobe.d file, modprobe openvswitch loads openvswitch.ko"
dkms remove "openvswitch_rs/$version" --all
! modinfo openvswitch_rs >/dev/null 2>&1 || fail "openvswitch_rs still in /lib/modules after dkms remove"
pass "dkms remove took openvswitch_rs out of /lib/modules/$KVER"
