#!/usr/bin/env python3
"""Every action's packet transformation through OVS_PACKET_CMD_EXECUTE, as
a transcript that does not depend on the run or on the module.

    actions_ab.py run OUT --ports P1,P2,P3 --caps C1,C2,C3 [--vxlan VX --underlay UL]
                      [--deadline S]
    actions_ab.py compare C_OUT RS_OUT [--limit N]   # the first differing cases
    actions_ab.py corpus                             # the cases, one a line

`run` runs inside the test VM as root with one datapath module loaded
(tests/vm/test_actions_ab.sh loads it, checks which, and creates the veth
pairs Pn/Cn with IPv6 off): it creates datapath "tac0" (OVS_DP_F_UNALIGNED,
no per-CPU dispatch) whose OVS_DP_ATTR_UPCALL_PID is a genetlink socket of
ours ("up"), brings its local port up, adds P1, P2, P3 as netdev ports 1,
2, 3 (their upcall port id "up" too), opens an AF_PACKET socket with
PACKET_AUXDATA on each peer Cn and on tac0 itself (what port 0, the local
port, delivers to the host stack), and then sends each case of the corpus
as one OVS_PACKET_CMD_EXECUTE: a frame, a key (in_port 1, the frame's
Ethernet addresses and outer ethertype: ovs_flow_key_extract_userspace()
takes the metadata from it and the rest from the bytes), an action list.
With --vxlan, VX (a collect-metadata vxlan device) is netdev port 4, and
the frames it sends are captured on UL (where its underlay delivers them).

The corpus (actions_corpus.py, written with actions_build.py's frames
and actions): realistic frames (Ethernet/IPv4/TCP, UDP with and without
a checksum, ICMP, SCTP, IPv4 with options, first fragments, IPv6
TCP/UDP/ICMPv6, ARP, 802.2 LLC, 802.1Q, QinQ, MPLS with one and two
labels, a layer-3 packet without Ethernet header, frames cut short, a
frame with a bad TCP checksum, TTL/hop limit 1, a frame over the ports'
MTU) crossed with action lists: output to each port and to a missing one,
several outputs, trunc, userspace (userdata, OVS_USERSPACE_ATTR_ACTIONS,
after trunc), set and set_masked of every header the datapath rewrites
(Ethernet, IPv4, IPv6, TCP/UDP/SCTP, MPLS) and of priority and skb_mark,
VLAN and MPLS pushes and pops, push/pop Ethernet, hash, clone (the outer
packet unchanged after it), sample at 100% and 0%, check_pkt_len both
ways, dec_ttl (with and without exception actions), drop, ct_clear,
psample; then malformed requests (missing attributes, bad keys, bad
action lists: the same errno is required), MRU (OVS_PACKET_ATTR_MRU),
OVS_PACKET_ATTR_UPCALL_PID, per-CPU dispatch and a datapath without
OVS_DP_F_UNALIGNED (padded upcalls). Appended after those (so that the
older cases keep their numbers): NSH frames (MD types 1 and 2, next
protocols Ethernet, IPv4, IPv6, MPLS, NSH, over Ethernet and as layer-3
packets, malformed and cut short ones) and push_nsh (on Ethernet frames,
layer-3 packets, twice, with push_eth after it, refused ones), pop_nsh,
set/set_masked(nsh) (which this kernel refuses); set(tunnel) (IPv4 and
IPv6, routed, unroutable) with userspace's egress_tun_port (the upcall's
EGRESS_TUN_KEY: vxlan_fill_metadata_dst()'s route lookup picks its source
address, udp_flow_src_port() its tp_src from the packet's flow hash) and
output to the VXLAN port.

What each case records:
  - the errno of the EXECUTE (its ACK);
  - per port, every frame the peer's AF_PACKET socket received (never the
    outgoing ones), in order: length, packet type, the out-of-band VLAN
    tag of PACKET_AUXDATA (tp_vlan_tpid:tp_vlan_tci when
    TP_STATUS_VLAN_VALID), TP_STATUS_CSUMNOTREADY / CSUM_VALID, tp_len
    when it is not the captured length, the checksums found in the bytes
    (below), and the bytes in hex;
  - every message the upcall sockets got: command, dp, which socket, and
    every attribute in the order sent, raw (EGRESS_TUN_KEY also decoded),
    but OVS_PACKET_ATTR_HASH's
    32-bit value: skb_get_hash() is the flow dissector's hash with a key
    seeded at random per boot, so it would differ between runs and
    machines; its SW/L4 bits and whether the hash is 0 are kept. (The
    KEY's DP_HASH, from the hash action, comes from the same per-boot
    seed, but the same in both modules of one boot: it is kept raw, since
    the test always runs both modules in one boot.)

  - frames of the VXLAN port, as the underlay got them (as port 4's): the
    outer headers with the outer IPv4 identification and header checksum
    masked ("iiii", "cccc": iptunnel_xmit() draws the ID at random), the
    VXLAN header, the inner frame; the outer and inner checksums.

Checksums: every delivered frame (and upcall packet) is parsed (802.1Q/
802.1ad tags, MPLS label stacks, NSH, IPv4 with options, IPv6) and its IPv4
header, TCP, UDP, SCTP (CRC32c), ICMP and ICMPv6 checksums are checked
in Python: "csum ip4=ok tcp=bad ..." (none: a UDP checksum of 0; trunc:
cut short; frag: a fragment). Where the case's input frame had a valid
checksum that the delivered frame breaks, the line says "CSUM-BROKEN",
so that a checksum bug shows even if both modules agree; the summary
counts them.

Ordering: the process pins itself to CPU 0, so that everything the
datapath sends through the veths and the local port waits in CPU 0's
backlog in order. After each case a barrier EXECUTE sends a marker frame
(ethertype 0x88b5, the case's number) out of every port (and, for a case
that uses the VXLAN port, encapsulated through it); a port's frames are
those received before its marker. Upcalls are queued synchronously
during the EXECUTE (genlmsg_unicast()), so the upcall sockets are
complete once its ACK is in; they are drained again after the barrier
(a frame the host stack answers through the local port would show as a
MISS). A marker that does not come within 3 s is recorded as such. Every
socket is drained before a case: anything found is recorded as a stray.

The last lines are a summary: the case count per action type, errnos,
frames and upcalls delivered, barriers lost, checksums broken.

Standard library only (Python under TCG is slow); genl_families.py's
netlink helpers. Constants: include/uapi/linux/openvswitch.h; behaviour:
net/openvswitch/actions.c, datapath.c (ovs_packet_cmd_execute,
queue_userspace_packet), flow_netlink.c (action validation).
"""
import argparse
import errno
import os
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402
from ovs_dp import (  # noqa: E402
    PACKET_OUTGOING, SRC, a, be16, be32, capture_socket, errno_name, family_id, ones_sum,
    raw_attrs, recv_frame, u32)
from actions_build import (  # noqa: E402
    BARRIER_MAGIC, BARRIER_TYPE, BCAST, DP_ATTR_NAME, DP_ATTR_PER_CPU_PIDS, DP_ATTR_UPCALL_PID,
    DP_ATTR_USER_FEATURES, DP_CMD_DEL, DP_CMD_NEW, DP_CMD_SET, ETH_P_NSH, F_UNALIGNED, HASH_L4_BIT,
    HASH_SW_BIT, K_ETHERNET, K_ETHERTYPE, NLA_F_NESTED, NLM_F_ACK, NLM_F_REQUEST,
    PACKET_CMD_EXECUTE, PKT_ACTIONS, PKT_ATTR_NAMES, PKT_CMD_NAMES, PKT_EGRESS_TUN_KEY, PKT_HASH,
    PKT_KEY, PKT_PACKET, UL_CAP_PORT, VPORT_ATTR_NAME, VPORT_ATTR_PORT_NO, VPORT_ATTR_TYPE,
    VPORT_ATTR_UPCALL_PID, VPORT_CMD_NEW, VPORT_TYPE_NETDEV, VX_PORT, barrier_frame,
    barrier_tunnel, crc32c, frames, key_is_l3, key_words, nsh_frames, out, pseudo4, pseudo6,
    tun_words, vxlan_inner)
from actions_corpus import corpus  # noqa: E402

# --- AF_PACKET ----------------------------------------------------------------

PKTTYPE_NAMES = {0: "host", 1: "broadcast", 2: "multicast", 3: "otherhost", 4: "outgoing"}
TP_STATUS_CSUMNOTREADY, TP_STATUS_VLAN_VALID = 0x8, 0x10
TP_STATUS_VLAN_TPID_VALID, TP_STATUS_CSUM_VALID = 0x40, 0x80
TP_STATUS_LOSING = 0x4

DP_NAME = "tac0"
BARRIER_TIMEOUT = 3.0
ACK_TIMEOUT = 5.0

# --- checksums of delivered frames --------------------------------------------

def l4_status(proto, seg, pseudo_fn, v6):
    """The transport checksum of seg (all the IP payload we have)."""
    if proto == 6:
        if len(seg) < 20:
            return "tcp", "trunc"
        return "tcp", "ok" if ones_sum(pseudo_fn(6, len(seg)) + seg) == 0xffff else "bad"
    if proto == 17:
        if len(seg) < 8:
            return "udp", "trunc"
        if seg[6:8] == b"\0\0" and not v6:
            return "udp", "none"
        return "udp", "ok" if ones_sum(pseudo_fn(17, len(seg)) + seg) == 0xffff else "bad"
    if proto == 132:
        if len(seg) < 12:
            return "sctp", "trunc"
        want = struct.pack("<I", crc32c(seg[:8] + b"\0\0\0\0" + seg[12:]))
        return "sctp", "ok" if seg[8:12] == want else "bad"
    if proto == 1 and not v6:
        if len(seg) < 4:
            return "icmp", "trunc"
        return "icmp", "ok" if ones_sum(seg) == 0xffff else "bad"
    if proto == 58 and v6:
        if len(seg) < 4:
            return "icmp6", "trunc"
        return "icmp6", "ok" if ones_sum(pseudo_fn(58, len(seg)) + seg) == 0xffff else "bad"
    return None, None


def checksums(data, l3_type=None):
    """[(layer, ok|bad|none|trunc|frag)] of a frame (l3_type: no Ethernet
    header, this ethertype)."""
    out = []
    off = 0
    if l3_type is None:
        if len(data) < 14:
            return out
        et = struct.unpack_from(">H", data, 12)[0]
        off = 14
        while et in (0x8100, 0x88a8) and len(data) >= off + 4:
            et = struct.unpack_from(">H", data, off + 2)[0]
            off += 4
    elif l3_type == ETH_P_NSH and data and data[0] >> 6:
        # Not NSH (version 0): a key left stale by pop_nsh, over what the
        # next protocol was; IPv4 or IPv6 by the version nibble.
        return checksums(data, {4: 0x0800, 6: 0x86dd}[data[0] >> 4]) \
            if data[0] >> 4 in (4, 6) else out
    elif {0x0800: 4, 0x86dd: 6}.get(l3_type, data[0] >> 4 if data else 0) != \
            (data[0] >> 4 if data else 0):
        # A key that says layer 3 over a packet that is not: parse the
        # bytes as the Ethernet frame they are (the KEY shows the rest).
        return checksums(data)
    else:
        et = l3_type
    if et == ETH_P_NSH:
        # NSH: skip the header (its length field), go on with what its
        # next protocol says.
        if len(data) < off + 8:
            return out + [("nsh", "trunc")]
        hlen = (data[off + 1] & 0x3f) * 4
        np = data[off + 3]
        if hlen < 8 or len(data) < off + hlen:
            return out + [("nsh", "trunc")]
        inner = data[off + hlen:]
        if np == 3:
            return out + checksums(inner)
        if np in (1, 2, 4, 5) and inner:
            return out + checksums(inner, {1: 0x0800, 2: 0x86dd, 4: ETH_P_NSH, 5: 0x8847}[np])
        return out
    if et in (0x8847, 0x8848):
        while len(data) >= off + 4:
            lse = struct.unpack_from(">I", data, off)[0]
            off += 4
            if lse & 0x100:
                break
        if len(data) <= off:
            return out
        et = {4: 0x0800, 6: 0x86dd}.get(data[off] >> 4, 0)
    if et == 0x0800:
        if len(data) < off + 20:
            return out + [("ip4", "trunc")]
        ihl = (data[off] & 0xf) * 4
        if ihl < 20 or len(data) < off + ihl:
            return out + [("ip4", "trunc")]
        out.append(("ip4", "ok" if ones_sum(data[off:off + ihl]) == 0xffff else "bad"))
        total = struct.unpack_from(">H", data, off + 2)[0]
        proto = data[off + 9]
        src, dst = data[off + 12:off + 16], data[off + 16:off + 20]
        frag = struct.unpack_from(">H", data, off + 6)[0] & 0x3fff
        seg = data[off + ihl:off + total]
        if len(data) < off + total:
            layer, _ = l4_status(proto, b"\0" * 64, lambda p, n: b"", False)
            return out + [(layer, "trunc")] if layer else out
        layer, st = l4_status(proto, seg, lambda p, n: pseudo4(src, dst, p, n), False)
        if layer:
            out.append((layer, "frag" if frag else st))
    elif et == 0x86dd:
        if len(data) < off + 40:
            return out + [("ip6", "trunc")]
        plen = struct.unpack_from(">H", data, off + 4)[0]
        nh = data[off + 6]
        src, dst = data[off + 8:off + 24], data[off + 24:off + 40]
        seg = data[off + 40:off + 40 + plen]
        if len(data) < off + 40 + plen:
            layer, _ = l4_status(nh, b"\0" * 64, lambda p, n: b"", True)
            return out + [(layer, "trunc")] if layer else out
        frag = False
        while nh in (0, 43, 44, 60) and len(seg) >= 8:
            if nh == 44:
                frag = frag or struct.unpack_from(">H", seg, 2)[0] & 0xfff9 != 0
                nh, seg = seg[0], seg[8:]
            else:
                nh, seg = seg[0], seg[(seg[1] + 1) * 8:]
        if frag:
            out.append(("ip6", "frag"))
        layer, st = l4_status(nh, seg, lambda p, n: pseudo6(src, dst, p, n), True)
        if layer:
            out.append((layer, "frag" if frag else st))
    return out


def ip6_frag_idents(data, l3_type=None):
    """The offsets of the identification fields of the IPv6 fragment
    headers in a frame: ipv6_select_ident() draws them at random."""
    off = 0
    if l3_type is None:
        if len(data) < 14:
            return []
        et = struct.unpack_from(">H", data, 12)[0]
        off = 14
        while et in (0x8100, 0x88a8) and len(data) >= off + 4:
            et = struct.unpack_from(">H", data, off + 2)[0]
            off += 4
    else:
        et = l3_type
    if et != 0x86dd or len(data) < off + 40:
        return []
    nh = data[off + 6]
    off += 40
    found = []
    while nh in (0, 43, 44, 60) and len(data) >= off + 8:
        if nh == 44:
            found.append(off + 4)
            nh, off = data[off], off + 8
        else:
            nh, off = data[off], off + (data[off + 1] + 1) * 8
    return found


def frame_hex(data, l3_type=None):
    """The bytes in hex, IPv6 fragment identifications as "iiiiiiii"."""
    text = data.hex()
    for off in ip6_frag_idents(data, l3_type):
        text = text[:2 * off] + "iiiiiiii" + text[2 * off + 8:]
    return text


def csum_words(found, ref):
    """"csum ip4=ok tcp=ok", and whether a layer valid in ref is bad here."""
    if not found:
        return "", False
    refd = dict(ref)
    broken = [layer for layer, st in found if st == "bad" and refd.get(layer) == "ok"]
    text = " csum " + " ".join("%s=%s" % x for x in found)
    if broken:
        text += " CSUM-BROKEN(%s)" % ",".join(broken)
    return text, bool(broken)


# --- the run --------------------------------------------------------------------

class Run:
    def __init__(self, args):
        self.args = args
        self.out = open(args.out, "w")
        self.req = g.GenlSocket(timeout=ACK_TIMEOUT)
        self.ups = {}
        for label in ("up", "up2"):
            s = g.GenlSocket(timeout=ACK_TIMEOUT)
            s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            self.ups[label] = s
        self.up_pid = {label: s.sock.getsockname()[0] for label, s in self.ups.items()}
        self.pid_label = {v: k for k, v in self.up_pid.items()}
        self.dp_fam = family_id(self.req, "ovs_datapath")
        self.vport_fam = family_id(self.req, "ovs_vport")
        self.pkt_fam = family_id(self.req, "ovs_packet")
        self.dp = None
        self.caps = {}
        self.ucap = None            # the underlay peer: port 4's encapsulated frames
        self.counts = {}
        self.n_barrier = 0
        self.deadline = time.monotonic() + args.deadline

    def count(self, what, n=1):
        self.counts[what] = self.counts.get(what, 0) + n

    def w(self, line):
        self.out.write(line + "\n")

    # --- setup

    def setup(self):
        hdr0 = struct.pack("=i", 0)
        self.req.request(self.dp_fam, DP_CMD_NEW, [
            hdr0, g.pack_str_attr(DP_ATTR_NAME, DP_NAME),
            g.pack_u32_attr(DP_ATTR_UPCALL_PID, self.up_pid["up"]),
            g.pack_u32_attr(DP_ATTR_USER_FEATURES, F_UNALIGNED)], flags=NLM_F_ACK)
        self.dp = socket.if_nametoindex(DP_NAME)
        with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % DP_NAME, "w") as f:
            f.write("1\n")
        subprocess.run(["ip", "link", "set", DP_NAME, "address", "02:00:00:00:10:00", "up"],
                       check=True)
        for n, name in enumerate(self.args.ports.split(","), 1):
            self.req.request(self.vport_fam, VPORT_CMD_NEW, [
                struct.pack("=i", self.dp), g.pack_u32_attr(VPORT_ATTR_PORT_NO, n),
                g.pack_u32_attr(VPORT_ATTR_TYPE, VPORT_TYPE_NETDEV),
                g.pack_str_attr(VPORT_ATTR_NAME, name),
                g.pack_u32_attr(VPORT_ATTR_UPCALL_PID, self.up_pid["up"])], flags=NLM_F_ACK)
        for n, name in enumerate([DP_NAME] + self.args.caps.split(",")):
            self.caps[n] = capture_socket(name, 4 << 20, auxdata=True)
        if self.args.vxlan:
            self.req.request(self.vport_fam, VPORT_CMD_NEW, [
                struct.pack("=i", self.dp), g.pack_u32_attr(VPORT_ATTR_PORT_NO, VX_PORT),
                g.pack_u32_attr(VPORT_ATTR_TYPE, VPORT_TYPE_NETDEV),
                g.pack_str_attr(VPORT_ATTR_NAME, self.args.vxlan),
                g.pack_u32_attr(VPORT_ATTR_UPCALL_PID, self.up_pid["up"])], flags=NLM_F_ACK)
        if self.args.underlay:
            self.ucap = capture_socket(self.args.underlay, 4 << 20, auxdata=True)
        self.features = F_UNALIGNED

    def set_features(self, features, pids):
        attrs = [struct.pack("=i", self.dp), g.pack_u32_attr(DP_ATTR_USER_FEATURES, features)]
        if pids:
            attrs.append(a(DP_ATTR_PER_CPU_PIDS, b"".join(u32(p) for p in pids)))
        self.req.request(self.dp_fam, DP_CMD_SET, attrs, flags=NLM_F_ACK)
        self.features = features

    def teardown(self):
        if self.dp is not None:
            try:
                self.req.request(self.dp_fam, DP_CMD_DEL, [
                    struct.pack("=i", 0), g.pack_str_attr(DP_ATTR_NAME, DP_NAME)],
                    flags=NLM_F_ACK)
            except (OSError, g.ParseError) as e:
                print("actions_ab.py: deleting %s: %s" % (DP_NAME, e), file=sys.stderr)
        for s in self.caps.values():
            s.close()
        if self.ucap is not None:
            self.ucap.close()
        for s in self.ups.values():
            s.close()
        self.req.close()
        self.out.close()

    # --- one EXECUTE

    def execute(self, packet, key, acts, extra=(), hdr=None):
        """Returns "ok", an errno name or "timeout"."""
        attrs = [struct.pack("=i", self.dp if hdr is None else hdr)]
        if packet is not None:
            attrs.append(a(PKT_PACKET, packet))
        if key is not None:
            attrs.append(a(PKT_KEY, key))
        if acts is not None:
            attrs.append(a(PKT_ACTIONS, acts))
        attrs += list(extra)
        self.req.seq += 1
        sq = self.req.seq
        self.req._send(g.pack_genlmsg(self.pkt_fam, PACKET_CMD_EXECUTE,
                                      NLM_F_REQUEST | NLM_F_ACK, sq, attrs))
        while True:
            try:
                data = self.req._recv()
            except TimeoutError:
                return "timeout"
            for m in g.parse_nlmsgs(data):
                if m[2] != sq:
                    continue
                if m[0] == g.NLMSG_ERROR:
                    err = g.parse_nlmsgerr(m[4], m[1])["error"]
                    return errno_name(err) if err else "ok"
                return "unexpected message type %d" % m[0]

    # --- capture

    def drain_caps(self):
        """Whatever the capture sockets hold now (not outgoing frames)."""
        got = []
        for port, s in sorted(self.caps.items()):
            while True:
                try:
                    data, aux, pkttype = recv_frame(s)
                except BlockingIOError:
                    break
                if pkttype != PACKET_OUTGOING:
                    got.append((port, data, aux, pkttype))
        while self.ucap is not None:
            try:
                data, aux, pkttype = recv_frame(self.ucap)
            except BlockingIOError:
                break
            # (The underlay's own IPv6 multicast reports are no VXLAN.)
            if pkttype != PACKET_OUTGOING and vxlan_inner(data) is not None:
                got.append((UL_CAP_PORT, data, aux, pkttype))
        return got

    def drain_ups(self):
        got = []
        for label, s in sorted(self.ups.items()):
            while select.select([s.sock], [], [], 0)[0]:
                try:
                    data = s.sock.recv(1 << 17)
                except OSError as e:
                    got.append((label, ("oserror", e.errno)))
                    continue
                for m in g.parse_nlmsgs(data):
                    got.append((label, m))
        return got

    def until_barrier(self, n, underlay=False):
        """{port: [(data, aux, pkttype)]} received before barrier n, and
        the ports whose barrier did not come. underlay: also the VXLAN
        frames the underlay peer got (as port 4's), up to the encapsulated
        barrier; its other frames are ignored."""
        socks = sorted(self.caps.items())
        if underlay and self.ucap is not None:
            socks.append((UL_CAP_PORT, self.ucap))
        frames = {p: [] for p, _ in socks}
        lost = []
        marker = BARRIER_MAGIC + be32(n)
        for port, s in socks:
            end = time.monotonic() + BARRIER_TIMEOUT
            while True:
                left = end - time.monotonic()
                if left <= 0 or not select.select([s], [], [], left)[0]:
                    lost.append(port)
                    break
                try:
                    data, aux, pkttype = recv_frame(s)
                except BlockingIOError:
                    continue
                if pkttype == PACKET_OUTGOING:
                    continue
                inner = data
                if s is self.ucap:
                    vx = vxlan_inner(data)
                    if vx is None:
                        continue
                    inner = vx[1]
                if len(inner) >= 14 and inner[12:14] == be16(BARRIER_TYPE) \
                        and inner[14:14 + len(BARRIER_MAGIC)] == BARRIER_MAGIC:
                    if inner[14:14 + len(marker)] == marker:
                        break
                    continue        # an earlier barrier (one that came late)
                frames[port].append((data, aux, pkttype))
        return frames, lost

    def barrier(self, underlay=False):
        self.n_barrier += 1
        n = self.n_barrier
        acts = out(0).data + out(1).data + out(2).data + out(3).data
        if underlay and self.ucap is not None:
            acts += barrier_tunnel().data
        r = self.execute(barrier_frame(n), a(K_ETHERNET, SRC + BCAST)
                         + a(K_ETHERTYPE, be16(BARRIER_TYPE)), acts)
        return n, r

    # --- rendering

    def frame_line(self, port, data, aux, pkttype, ref):
        vx = vxlan_inner(data) if port == UL_CAP_PORT else None
        words = ["  p%d len=%d %s" % (port, len(data), PKTTYPE_NAMES.get(pkttype, pkttype))]
        if aux is not None:
            status, tp_len, _snap, _mac, _net, tci, tpid = aux
            if status & TP_STATUS_VLAN_VALID:
                words.append("vlan=%04x:%04x" % (tpid if status & TP_STATUS_VLAN_TPID_VALID
                                                 else 0, tci))
            for bit, name in ((TP_STATUS_CSUMNOTREADY, "csum_notready"),
                              (TP_STATUS_CSUM_VALID, "csum_valid"), (TP_STATUS_LOSING, "losing")):
                if status & bit:
                    words.append(name)
            if tp_len != len(data):
                words.append("tp_len=%d" % tp_len)
        else:
            words.append("no-auxdata")
        if vx is not None:
            return self.vxlan_frame_lines(words, data, vx, ref)
        text, broken = csum_words(checksums(data), ref)
        if broken:
            self.count("csum-broken")
        return ["".join([" ".join(words), text]), "    " + frame_hex(data)]

    def vxlan_frame_lines(self, words, data, vx, ref):
        """A frame port 4 sent, as the underlay got it: the outer headers'
        checksums, the inner frame's (against the case's input), the bytes
        with an outer IPv4 header's identification and checksum as "iiii"
        and "cccc" (iptunnel_xmit() draws the ID from __ip_select_ident(),
        which is random), the VXLAN header and the inner frame apart."""
        off, inner = vx
        found = checksums(data)
        if data[12:14] == be16(0x86dd) and data[off - 2:off] == b"\0\0":
            # A zero UDP checksum over IPv6 (RFC 6935: tunnels may).
            found = [(layer, "zero" if layer == "udp" else st) for layer, st in found]
        outer, _ = csum_words(found, [])
        text, broken = csum_words(checksums(inner), ref)
        if broken:
            self.count("csum-broken")
        words.append("vxlan")
        hx = data[:off].hex()
        if data[12:14] == be16(0x0800):
            hx = hx[:36] + "iiii" + hx[40:48] + "cccc" + hx[52:]
        return [" ".join(words) + (" outer" + outer if outer else "")
                + (" inner" + text if text else ""),
                "    " + hx, "    vxlan " + data[off:off + 8].hex(),
                "    inner " + frame_hex(inner)]

    def upcall_lines(self, label, m, ref):
        if m[0] == "oserror":
            return ["  %s socket error %s" % (label, errno_name(m[1]))]
        mtype, mflags, mseq, mpid, payload = m
        if mtype != self.pkt_fam or len(payload) < 8:
            return ["  %s message type=%d len=%d" % (label, mtype, len(payload))]
        cmd, version, _ = struct.unpack_from("=BBH", payload, 0)
        (ifindex,) = struct.unpack_from("=i", payload, 4)
        head = "  %s %s v%d dp=%s" % (label, PKT_CMD_NAMES.get(cmd, "cmd%d" % cmd), version,
                                      "<dp>" if ifindex == self.dp else str(ifindex))
        if mflags or mseq or mpid:
            head += " flags=%#x seq=%d pid=%d" % (mflags, mseq, mpid)
        self.count("upcall %s" % PKT_CMD_NAMES.get(cmd, cmd))
        lines = [head]
        l3 = None
        attrs = raw_attrs(payload[8:])
        for t, p in attrs:
            if t is not None and t & 0x3fff == PKT_KEY:
                l3 = key_is_l3(p)
        for t, p in attrs:
            if t is None:
                lines.append("    (trailing bytes) %s" % p.hex())
                continue
            tt = t & 0x3fff
            name = PKT_ATTR_NAMES.get(tt, "attr%d" % tt) + ("|N" if t & NLA_F_NESTED else "")
            if tt == PKT_HASH and len(p) == 8:
                # The 32-bit value is the flow dissector's per-boot hash.
                (h,) = struct.unpack("=Q", p)
                bits = [w for bit, w in ((HASH_SW_BIT, "sw"), (HASH_L4_BIT, "l4")) if h & bit]
                rest = h & ~(HASH_SW_BIT | HASH_L4_BIT | 0xffffffff)
                lines.append("    %s %s%s%s" % (name, ",".join(bits) or "-",
                                                " hash=0" if not h & 0xffffffff else " hash!=0",
                                                " other=%#x" % rest if rest else ""))
            elif tt == PKT_KEY:
                lines.append("    %s %s" % (name, " ".join(key_words(p))))
            elif tt == PKT_EGRESS_TUN_KEY:
                lines.append("    %s %s" % (name, " ".join(tun_words(p))))
                lines.append("      " + p.hex())
            elif tt == PKT_PACKET:
                text, broken = csum_words(checksums(p, l3), ref)
                if broken:
                    self.count("csum-broken")
                lines.append("    %s len=%d%s%s" % (name, len(p), " l3=%04x" % l3 if l3 else "",
                                                    text))
                lines.append("      " + frame_hex(p, l3))
            elif tt == PKT_ACTIONS:
                # The userspace actions' PIDs are our sockets' port ids.
                words = [p[i:i + 4].hex() for i in range(0, len(p), 4)]
                names = {u32(pid).hex(): "<%s>" % label for label, pid in self.up_pid.items()}
                lines.append("    %s %s" % (name, "".join(names.get(w, w) for w in words)))
            else:
                lines.append("    %s %s" % (name, p.hex()))
        return lines

    # --- the sequence

    def run_case(self, i, c):
        tag = "[%04d]" % i
        if time.monotonic() > self.deadline:
            self.w("%s %s\n  not run: past the deadline" % (tag, c.name))
            self.count("not run")
            return
        if c.setup is not None and c.setup[0] == "features":
            self.set_features(c.setup[1], c.setup[2])
        lines = ["%s %s" % (tag, c.name)]
        strays = self.drain_caps()
        ustrays = self.drain_ups()
        for port, data, aux, pkttype in strays:
            lines += [x.replace("  p", "  stray p", 1) for x in
                      self.frame_line(port, data, aux, pkttype, [])]
        for label, m in ustrays:
            lines += [x.replace("  ", "  stray ", 1) if j == 0 else x
                      for j, x in enumerate(self.upcall_lines(label, m, []))]
        if strays or ustrays:
            self.count("strays", len(strays) + len(ustrays))
        if c.raw is False:
            packet = None
        elif c.raw is not None:
            packet = c.raw
        else:
            packet = c.frame.data
        r = self.execute(packet, c.key, None if c.acts is None else c.acts.data, c.extra, c.hdr)
        lines.append("  errno %s" % ("0" if r == "ok" else r))
        self.count("errno %s" % ("0" if r == "ok" else r))
        ups = self.drain_ups()
        n, br = self.barrier(c.underlay)
        caps, lost = self.until_barrier(n, c.underlay)
        ups += self.drain_ups()
        ref = checksums(c.frame.data, c.frame.l3_type) if c.frame is not None else []
        delivered = 0
        for port in sorted(caps):
            for data, aux, pkttype in caps[port]:
                lines += self.frame_line(port, data, aux, pkttype, ref)
                delivered += 1
        for label, m in ups:
            lines += self.upcall_lines(label, m, ref)
        if br != "ok":
            lines.append("  barrier EXECUTE failed: %s" % br)
        if lost:
            lines.append("  barrier lost on port(s) %s" % ",".join(str(p) for p in lost))
            self.count("barriers lost")
        if not delivered and not ups:
            lines.append("  (nothing delivered)")
        self.count("frames", delivered)
        self.count("cases")
        if c.acts is not None and r == "ok":
            for k in c.acts.kinds:
                self.count("action " + k)
        self.w("\n".join(lines))

    def main(self):
        os.sched_setaffinity(0, {0})
        start = time.monotonic()
        self.setup()
        self.setup_time = time.monotonic() - start
        cases = corpus(self.up_pid["up"], self.up_pid["up2"])
        self.w("# actions_ab transcript: %d cases; ports 1-3 netdev (veth), 0 local%s" % (
            len(cases), "; 4 netdev (collect-metadata vxlan)" if self.args.vxlan else ""))
        self.w("## frames")
        for f in frames() + nsh_frames():
            text, _ = csum_words(checksums(f.data, f.l3_type), [])
            self.w("  %s len=%d%s%s\n    %s" % (f.name, len(f.data),
                                               " l3=%04x" % f.l3_type if f.l3_type else "",
                                               text, f.data.hex()))
        section = None
        kinds = {}
        for i, c in enumerate(cases, 1):
            if c.section != section:
                section = c.section
                self.w("\n### %s" % section)
            if c.acts is not None:
                for k in c.acts.kinds:
                    kinds[k] = kinds.get(k, 0) + 1
            self.run_case(i, c)
        self.w("\n# summary: %d cases" % len(cases))
        self.w("# cases per action type (accepted or not): " + " ".join(
            "%s=%d" % kv for kv in sorted(kinds.items())))
        self.w("# executed without error, per action type: " + " ".join(
            "%s=%d" % (k[7:], v) for k, v in sorted(self.counts.items())
            if k.startswith("action ")))
        self.w("# errnos: " + " ".join("%s=%d" % (k[6:], v) for k, v in
                                       sorted(self.counts.items()) if k.startswith("errno ")))
        self.w("# delivered: frames=%d upcalls=%d; barriers lost=%d; strays=%d; "
               "csum-broken=%d; not run=%d" % (
                   self.counts.get("frames", 0),
                   sum(v for k, v in self.counts.items() if k.startswith("upcall ")),
                   self.counts.get("barriers lost", 0), self.counts.get("strays", 0),
                   self.counts.get("csum-broken", 0), self.counts.get("not run", 0)))
        print("actions_ab.py: %d cases in %.1f s (setup %.1f s)" % (
            len(cases), time.monotonic() - start, self.setup_time))
        return 1 if self.counts.get("not run") else 0


# --- compare ------------------------------------------------------------------------

def blocks(path):
    """{case tag: (header, [lines])} and the order of the tags."""
    out, order = {}, []
    cur = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("[") and "] " in line:
                cur = line[:line.index("]") + 1]
                out[cur] = (line, [])
                order.append(cur)
            elif line.startswith("#") or not line:
                cur = None
            elif cur is not None:
                out[cur][1].append(line)
    return out, order


def sections(path):
    """{case tag: the "### section" it is in}."""
    out, cur = {}, ""
    with open(path) as f:
        for line in f:
            if line.startswith("### "):
                cur = line[4:].strip()
            elif line.startswith("[") and "] " in line:
                out[line[:line.index("]") + 1]] = cur
    return out


def compare(c_path, rs_path, limit):
    c, order = blocks(c_path)
    r, _ = blocks(rs_path)
    bad = [t for t in order if c[t] != r.get(t)]
    sec = sections(c_path)
    per = {}
    for t in bad:
        per[sec.get(t, "")] = per.get(sec.get(t, ""), 0) + 1
    for t in bad[:limit]:
        print("=== %s" % c[t][0])
        rl = r.get(t, ("", ["(missing)"]))[1]
        cl = c[t][1]
        print("--- openvswitch.ko:")
        print("\n".join(cl))
        print("+++ openvswitch_rs:")
        print("\n".join(rl))
    print("%d of %d cases differ%s" % (len(bad), len(order),
                                       " (the first %d shown)" % limit if len(bad) > limit else ""))
    if bad:
        print("differing cases per section: " + " ".join(
            "%s=%d/%d" % (k or "-", v, sum(1 for t in order if sec.get(t, "") == k))
            for k, v in sorted(per.items())))
    if bad:
        print("differing cases:")
        for t in bad:
            print("  " + c[t][0])
    return 1 if bad else 0


def arg_parser(description, tunnel=True, deadline=600.0):
    """The "run" and "compare" commands, for Run and its subclasses (ct_ab.py);
    tunnel: --vxlan and --underlay too (else both are None)."""
    p = argparse.ArgumentParser(description=description)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out")
    r.add_argument("--ports", required=True, help="the datapath side of the veths: P1,P2,P3")
    r.add_argument("--caps", required=True, help="their peers: C1,C2,C3")
    if tunnel:
        r.add_argument("--vxlan", help="a collect-metadata vxlan device: datapath port 4")
        r.add_argument("--underlay", help="where the vxlan device's frames arrive: captured")
    else:
        r.set_defaults(vxlan=None, underlay=None)
    r.add_argument("--deadline", type=float, default=deadline)
    cp = sub.add_parser("compare")
    cp.add_argument("c_out")
    cp.add_argument("rs_out")
    cp.add_argument("--limit", type=int, default=6)
    return p, sub


def run_or_compare(args, run_cls):
    """The "run" command with run_cls, or "compare"."""
    if args.cmd == "compare":
        return compare(args.c_out, args.rs_out, args.limit)
    run = run_cls(args)
    try:
        return run.main()
    finally:
        run.teardown()


def main(argv):
    p, sub = arg_parser(__doc__.split("\n\n")[0])
    sub.add_parser("corpus")
    args = p.parse_args(argv)
    if args.cmd == "corpus":
        for i, c in enumerate(corpus(1, 2), 1):
            print("[%04d] %s" % (i, c.name))
        return 0
    return run_or_compare(args, Run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
