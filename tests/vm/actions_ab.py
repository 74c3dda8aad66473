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

The corpus: realistic frames (Ethernet/IPv4/TCP, UDP with and without a
checksum, ICMP, SCTP, IPv4 with options, first fragments, IPv6
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
    DST, PACKET_OUTGOING, SRC, a, be16, be32, capture_socket, errno_name, eth, family_id,
    inet_csum, md2_tlv, mpls_lse, ones_sum, raw_attrs, recv_frame, u32, vlan_tag)

# --- include/uapi/linux/openvswitch.h ---------------------------------------

DP_CMD_NEW, DP_CMD_DEL, DP_CMD_GET, DP_CMD_SET = 1, 2, 3, 4
DP_ATTR_NAME, DP_ATTR_UPCALL_PID, DP_ATTR_USER_FEATURES, DP_ATTR_PER_CPU_PIDS = 1, 2, 5, 8
F_UNALIGNED, F_PER_CPU = 1, 8

VPORT_CMD_NEW = 1
VPORT_ATTR_PORT_NO, VPORT_ATTR_TYPE, VPORT_ATTR_NAME, VPORT_ATTR_UPCALL_PID = 1, 2, 3, 5
VPORT_TYPE_NETDEV = 1

PACKET_CMD_MISS, PACKET_CMD_ACTION, PACKET_CMD_EXECUTE = 1, 2, 3
PKT_PACKET, PKT_KEY, PKT_ACTIONS, PKT_USERDATA, PKT_EGRESS_TUN_KEY = 1, 2, 3, 4, 5
PKT_PROBE, PKT_MRU, PKT_LEN, PKT_HASH, PKT_UPCALL_PID = 8, 9, 10, 11, 12
PKT_ATTR_NAMES = {PKT_PACKET: "PACKET", PKT_KEY: "KEY", PKT_ACTIONS: "ACTIONS",
                  PKT_USERDATA: "USERDATA", PKT_EGRESS_TUN_KEY: "EGRESS_TUN_KEY",
                  PKT_PROBE: "PROBE", PKT_MRU: "MRU", PKT_LEN: "LEN", PKT_HASH: "HASH",
                  PKT_UPCALL_PID: "UPCALL_PID"}
PKT_CMD_NAMES = {PACKET_CMD_MISS: "MISS", PACKET_CMD_ACTION: "ACTION",
                 PACKET_CMD_EXECUTE: "EXECUTE"}
HASH_SW_BIT, HASH_L4_BIT = 1 << 32, 1 << 33

# OVS_KEY_ATTR_*
K_ENCAP, K_PRIORITY, K_IN_PORT, K_ETHERNET, K_VLAN, K_ETHERTYPE = 1, 2, 3, 4, 5, 6
K_IPV4, K_IPV6, K_TCP, K_UDP, K_ICMP, K_ICMPV6, K_ARP, K_ND = 7, 8, 9, 10, 11, 12, 13, 14
K_SKB_MARK, K_TUNNEL, K_SCTP, K_TCP_FLAGS, K_DP_HASH, K_RECIRC_ID = 15, 16, 17, 18, 19, 20
K_MPLS, K_CT_STATE, K_CT_ZONE, K_CT_MARK, K_CT_LABELS = 21, 22, 23, 24, 25
KEY_NAMES = {1: "encap", 2: "priority", 3: "in_port", 4: "eth", 5: "vlan", 6: "ethertype",
             7: "ipv4", 8: "ipv6", 9: "tcp", 10: "udp", 11: "icmp", 12: "icmpv6", 13: "arp",
             14: "nd", 15: "skb_mark", 16: "tunnel", 17: "sctp", 18: "tcp_flags",
             19: "dp_hash", 20: "recirc_id", 21: "mpls", 22: "ct_state", 23: "ct_zone",
             24: "ct_mark", 25: "ct_labels", 26: "ct_tuple4", 27: "ct_tuple6", 28: "nsh",
             29: "packet_type", 30: "nd_ext", 31: "tunnel_info", 32: "ipv6_exthdrs"}

# OVS_ACTION_ATTR_*
A_OUTPUT, A_USERSPACE, A_SET, A_PUSH_VLAN, A_POP_VLAN, A_SAMPLE = 1, 2, 3, 4, 5, 6
A_HASH, A_PUSH_MPLS, A_POP_MPLS, A_SET_MASKED, A_TRUNC = 8, 9, 10, 11, 13
A_PUSH_ETH, A_POP_ETH, A_CT_CLEAR, A_CLONE, A_CHECK_PKT_LEN = 14, 15, 16, 20, 21
A_ADD_MPLS, A_DEC_TTL, A_DROP, A_PSAMPLE = 22, 23, 24, 25
ACTION_NAMES = {1: "output", 2: "userspace", 3: "set", 4: "push_vlan", 5: "pop_vlan",
                6: "sample", 7: "recirc", 8: "hash", 9: "push_mpls", 10: "pop_mpls",
                11: "set_masked", 12: "ct", 13: "trunc", 14: "push_eth", 15: "pop_eth",
                16: "ct_clear", 17: "push_nsh", 18: "pop_nsh", 19: "meter", 20: "clone",
                21: "check_pkt_len", 22: "add_mpls", 23: "dec_ttl", 24: "drop", 25: "psample"}
US_PID, US_USERDATA, US_EGRESS_TUN_PORT, US_ACTIONS = 1, 2, 3, 4
NLA_F_NESTED = 0x8000

# OVS_KEY_ATTR_NSH's OVS_NSH_KEY_ATTR_*; the NSH actions
K_NSH = 28
NSH_K_BASE, NSH_K_MD1, NSH_K_MD2 = 1, 2, 3
NSH_KEY_NAMES = {1: "base", 2: "md1", 3: "md2"}
A_PUSH_NSH, A_POP_NSH = 17, 18
ETH_P_NSH = 0x894f
# OVS_TUNNEL_KEY_ATTR_*
TUN_ID, TUN_IPV4_SRC, TUN_IPV4_DST, TUN_TOS, TUN_TTL, TUN_DF, TUN_CSUM = 0, 1, 2, 3, 4, 5, 6
TUN_OAM, TUN_GENEVE_OPTS, TUN_TP_SRC, TUN_TP_DST, TUN_VXLAN_OPTS = 7, 8, 9, 10, 11
TUN_IPV6_SRC, TUN_IPV6_DST = 12, 13
TUN_KEY_NAMES = {0: "id", 1: "ipv4_src", 2: "ipv4_dst", 3: "tos", 4: "ttl", 5: "df",
                 6: "csum", 7: "oam", 8: "geneve_opts", 9: "tp_src", 10: "tp_dst",
                 11: "vxlan_opts", 12: "ipv6_src", 13: "ipv6_dst", 14: "pad",
                 15: "erspan_opts", 16: "ipv4_info_bridge"}

NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4

# --- AF_PACKET ----------------------------------------------------------------

PKTTYPE_NAMES = {0: "host", 1: "broadcast", 2: "multicast", 3: "otherhost", 4: "outgoing"}
TP_STATUS_CSUMNOTREADY, TP_STATUS_VLAN_VALID = 0x8, 0x10
TP_STATUS_VLAN_TPID_VALID, TP_STATUS_CSUM_VALID = 0x40, 0x80
TP_STATUS_LOSING = 0x4

DP_NAME = "tac0"
BARRIER_TYPE = 0x88b5
BARRIER_MAGIC = b"actions_ab barrier "
BARRIER_TIMEOUT = 3.0
ACK_TIMEOUT = 5.0

# --- frames -------------------------------------------------------------------

BCAST = b"\xff" * 6
IP_A, IP_B = bytes([10, 1, 0, 1]), bytes([10, 1, 0, 2])
IP6_A = bytes.fromhex("20010db8000000000000000000000001")
IP6_B = bytes.fromhex("20010db8000000000000000000000002")


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xffffffff
    t = CRC32C_TABLE
    for b in data:
        c = t[(c ^ b) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff


def pseudo4(src, dst, proto, length):
    return src + dst + bytes([0, proto]) + be16(length)


def pseudo6(src, dst, nh, length):
    return src + dst + be32(length) + bytes([0, 0, 0, nh])


def l4_with_csum(seg, csum_off, pseudo):
    c = inet_csum(pseudo + seg)
    return seg[:csum_off] + be16(c) + seg[csum_off + 2:]


def tcp_seg(pseudo_fn, sport=40000, dport=80, flags=0x018, payload=b"GET / HTTP/1.0\r\n\r\n"):
    seg = (be16(sport) + be16(dport) + be32(0x01020304) + be32(0x0a0b0c0d)
           + bytes([5 << 4, flags]) + be16(64240) + b"\0\0" + b"\0\0" + payload)
    return l4_with_csum(seg, 16, pseudo_fn(6, len(seg)))


def udp_seg(pseudo_fn, sport=5000, dport=53, payload=bytes(range(24)), csum=True):
    seg = be16(sport) + be16(dport) + be16(8 + len(payload)) + b"\0\0" + payload
    if not csum:
        return seg
    return l4_with_csum(seg, 6, pseudo_fn(17, len(seg)))


def sctp_seg(sport=5001, dport=5002, payload=b"sctp data chunk!"):
    chunk = bytes([0, 3]) + be16(16 + len(payload)) + be32(1) + be16(1) + be16(0) + be32(0) \
        + payload
    pkt = be16(sport) + be16(dport) + be32(0x11223344) + b"\0\0\0\0" + chunk
    return pkt[:8] + struct.pack("<I", crc32c(pkt)) + pkt[12:]


def icmp_msg(typ=8, payload=bytes(range(32))):
    msg = bytes([typ, 0]) + b"\0\0" + be16(0x42) + be16(1) + payload
    return msg[:2] + be16(inet_csum(msg)) + msg[4:]


def icmp6_msg(typ=128, payload=bytes(range(32))):
    msg = bytes([typ, 0]) + b"\0\0" + be16(0x42) + be16(1) + payload
    return l4_with_csum(msg, 2, pseudo6(IP6_A, IP6_B, 58, len(msg)))


def ipv4(proto, l4fn, tos=0, ttl=64, frag=0x4000, options=b"", tot_len=None, cut=None):
    """An IPv4 packet; l4fn(pseudo) builds the transport part."""
    pseudo = lambda p, n: pseudo4(IP_A, IP_B, p, n)  # noqa: E731
    body = l4fn(pseudo)
    ihl = 5 + len(options) // 4
    total = tot_len if tot_len is not None else ihl * 4 + len(body)
    hdr = bytes([0x40 | ihl, tos]) + be16(total) + be16(0x1234) + be16(frag) \
        + bytes([ttl, proto]) + b"\0\0" + IP_A + IP_B + options
    hdr = hdr[:10] + be16(inet_csum(hdr)) + hdr[12:]
    pkt = hdr + body
    return pkt if cut is None else pkt[:cut]


def ipv6(nh, l4fn, tclass=0, label=0x12345, hlim=64):
    pseudo = lambda p, n: pseudo6(IP6_A, IP6_B, p, n)  # noqa: E731
    body = l4fn(pseudo)
    first = (6 << 28) | (tclass << 20) | label
    return be32(first) + be16(len(body)) + bytes([nh, hlim]) + IP6_A + IP6_B + body


def lse(label, bos, ttl=64):
    """An MPLS label stack entry as a number."""
    return struct.unpack(">I", mpls_lse(label, bos, ttl))[0]


def arp_body(op=1):
    return be16(1) + be16(0x0800) + bytes([6, 4]) + be16(op) + SRC + IP_A + bytes(6) + IP_B


class Frame:
    """A corpus frame: its bytes, whether it has an Ethernet header (else
    its ethertype goes in the key), and what it carries."""

    def __init__(self, name, data, props, l3_type=None, dst=DST, key_extra=b""):
        self.name = name
        self.data = data
        self.props = set(props)
        self.l3_type = l3_type
        self.dst = dst
        self.key_extra = key_extra  # more key attributes (the NSH frames' OVS_KEY_ATTR_NSH)

    def key(self, in_port=1, extra=b""):
        k = a(K_IN_PORT, u32(in_port)) + extra + self.key_extra
        if self.l3_type is not None:
            return k + a(K_ETHERTYPE, be16(self.l3_type))
        return k + a(K_ETHERNET, self.data[6:12] + self.data[0:6]) \
            + a(K_ETHERTYPE, self.data[12:14])


def frames():
    f = []
    add = lambda *args, **kw: f.append(Frame(*args, **kw))  # noqa: E731
    tcp = lambda **kw: (lambda p: tcp_seg(p, **kw))  # noqa: E731
    udp = lambda **kw: (lambda p: udp_seg(p, **kw))  # noqa: E731
    tcp4 = ipv4(6, tcp())
    udp4 = ipv4(17, udp())
    add("tcp4", eth(0x0800, tcp4), {"ip4", "tcp", "main"})
    add("udp4", eth(0x0800, udp4), {"ip4", "udp", "main"})
    add("udp4-nocsum", eth(0x0800, ipv4(17, udp(csum=False))), {"ip4", "udp"})
    add("icmp4", eth(0x0800, ipv4(1, lambda p: icmp_msg())), {"ip4", "icmp"})
    add("sctp4", eth(0x0800, ipv4(132, lambda p: sctp_seg())), {"ip4", "sctp", "main"})
    add("tcp4-opts", eth(0x0800, ipv4(6, tcp(), tos=0x2e, options=bytes([0x94, 4, 0, 0]))),
        {"ip4", "tcp"})
    add("udp4-frag", eth(0x0800, ipv4(17, udp(payload=bytes(48)), frag=0x2000)),
        {"ip4", "udp"})
    add("tcp4-ttl1", eth(0x0800, ipv4(6, tcp(), ttl=1)), {"ip4", "tcp", "ttl1"})
    add("tcp4-badcsum", eth(0x0800, tcp4[:36] + bytes([tcp4[36] ^ 0x55]) + tcp4[37:]),
        {"ip4", "tcp"})
    add("tcp4-short-l4", eth(0x0800, ipv4(6, tcp(), cut=30, tot_len=30)), {"ip4", "tcp", "short"})
    add("tcp6", eth(0x86dd, ipv6(6, tcp())), {"ip6", "tcp", "main"})
    add("udp6", eth(0x86dd, ipv6(17, udp(), tclass=0xb8)), {"ip6", "udp", "main"})
    add("icmp6", eth(0x86dd, ipv6(58, lambda p: icmp6_msg())), {"ip6", "icmp6"})
    add("udp6-hlim1", eth(0x86dd, ipv6(17, udp(), hlim=1)), {"ip6", "udp", "ttl1"})
    add("arp", eth(0x0806, arp_body(), dst=BCAST), {"arp", "main"}, dst=BCAST)
    add("llc", DST + SRC + be16(38) + bytes([0x42, 0x42, 0x03]) + bytes(range(35)), {"llc"})
    add("vlan-udp4", eth(0x8100, vlan_tag(0x8100, 0x600a)[2:] + be16(0x0800) + udp4),
        {"vlan", "ip4", "udp", "main"})
    add("vlan-tcp6", eth(0x8100, be16(0x000b) + be16(0x86dd) + ipv6(6, tcp())),
        {"vlan", "ip6", "tcp"})
    add("qinq-udp4", eth(0x88a8, be16(0x0064) + vlan_tag(0x8100, 0x600a) + be16(0x0800) + udp4),
        {"vlan", "qinq", "ip4", "udp", "main"})
    add("mpls-udp4", eth(0x8847, mpls_lse(100, 1) + udp4), {"mpls", "main"})
    add("mpls2-tcp4", eth(0x8847, mpls_lse(200, 0) + mpls_lse(100, 1) + tcp4), {"mpls", "mpls2"})
    add("l3-tcp4", tcp4, {"ip4", "tcp", "l3", "main"}, l3_type=0x0800)
    add("big-udp4", eth(0x0800, ipv4(17, udp(payload=bytes(i & 0xff for i in range(1400))))),
        {"ip4", "udp", "big"})
    add("jumbo-udp4", eth(0x0800, ipv4(17, udp(payload=bytes(1500)))), {"ip4", "udp", "jumbo"})
    return f


def barrier_frame(n):
    return eth(BARRIER_TYPE, BARRIER_MAGIC + be32(n), dst=BCAST)


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


# --- netlink helpers ----------------------------------------------------------

def key_words(payload):
    """A KEY nest as "name=hex" words (nests recursed)."""
    words = []
    for t, p in raw_attrs(payload):
        if t is None:
            words.append("tail=%s" % p.hex())
            continue
        name = KEY_NAMES.get(t & 0x3fff, "k%d" % (t & 0x3fff))
        if t & NLA_F_NESTED:
            name += "|N"
        if (t & 0x3fff) in (K_ENCAP, K_TUNNEL):
            words.append("%s(%s)" % (name, " ".join(key_words(p))))
        elif (t & 0x3fff) == K_NSH:
            words.append("%s(%s)" % (name, " ".join(sub_words(p, NSH_KEY_NAMES))))
        else:
            words.append("%s=%s" % (name, p.hex()))
    return words


def sub_words(payload, names):
    """The attributes of a nest (NSH key, tunnel key) as "name=hex" words."""
    words = []
    for t, p in raw_attrs(payload):
        if t is None:
            words.append("tail=%s" % p.hex())
            continue
        name = names.get(t & 0x3fff, "a%d" % (t & 0x3fff)) + ("|N" if t & NLA_F_NESTED else "")
        words.append("%s=%s" % (name, p.hex()) if p else name)
    return words


def key_is_l3(payload):
    """None for an Ethernet key, else the ethertype of a layer-3 one."""
    seen = {t & 0x3fff: p for t, p in raw_attrs(payload) if t is not None}
    if K_ETHERNET in seen or K_ETHERTYPE not in seen or len(seen[K_ETHERTYPE]) != 2:
        return None
    return struct.unpack(">H", seen[K_ETHERTYPE])[0]


# --- action lists -------------------------------------------------------------

class Acts:
    """An action list: its bytes, a description, the action types in it
    (nested ones too)."""

    def __init__(self, desc, data, kinds):
        self.desc = desc
        self.data = data
        self.kinds = set(kinds)

    def __add__(self, other):
        return Acts(self.desc + "," + other.desc, self.data + other.data, self.kinds | other.kinds)


def seq(*acts):
    if not acts:
        return Acts("", b"", ())
    r = acts[0]
    for x in acts[1:]:
        r = r + x
    return r


def act(desc, kind, payload=b"", inner=()):
    kinds = {ACTION_NAMES[kind & 0x3fff]}
    for i in inner:
        kinds |= i.kinds
    return Acts(desc, a(kind, payload), kinds)


def out(p):
    return act("out:%d" % p, A_OUTPUT, u32(p))


def userspace(pid, userdata=None, actions=False, tag="", egress=None):
    p = a(US_PID, u32(pid))
    d = "userspace"
    if userdata is not None:
        p += a(US_USERDATA, userdata)
        d += "(data)"
    if egress is not None:
        p += a(US_EGRESS_TUN_PORT, u32(egress))
        d += "(egress_tun_port:%d)" % egress
    if actions:
        p += a(US_ACTIONS)
        d += "(actions)"
    return act(d + tag, A_USERSPACE, p)


def trunc(n):
    return act("trunc(%d)" % n, A_TRUNC, u32(n))


def set_(name, kind, value):
    return Acts("set(%s)" % name, a(A_SET, a(kind, value)),
                {"set", "set:" + KEY_NAMES.get(kind, str(kind))})


def setm(name, kind, value, mask):
    return Acts("set_masked(%s)" % name, a(A_SET_MASKED, a(kind, value + mask)),
                {"set_masked", "set_masked:" + KEY_NAMES.get(kind, str(kind))})


def push_vlan(tpid, tci):
    return act("push_vlan(%04x:%04x)" % (tpid, tci), A_PUSH_VLAN, be16(tpid) + be16(tci))


def pop_vlan():
    return act("pop_vlan", A_POP_VLAN)


def push_mpls(lse, et):
    return act("push_mpls(%08x,%04x)" % (lse, et), A_PUSH_MPLS, be32(lse) + be16(et) + b"\0\0")


def add_mpls(lse, et, l3flag):
    return act("add_mpls(%08x,%04x,%d)" % (lse, et, l3flag), A_ADD_MPLS,
               be32(lse) + be16(et) + struct.pack("=H", l3flag))


def pop_mpls(et):
    return act("pop_mpls(%04x)" % et, A_POP_MPLS, be16(et))


def push_eth(src, dst):
    return act("push_eth", A_PUSH_ETH, src + dst)


def pop_eth():
    return act("pop_eth", A_POP_ETH)


def hash_(alg, basis):
    return act("hash(%d,%d)" % (alg, basis), A_HASH, u32(alg) + u32(basis))


def clone(*inner):
    s = seq(*inner)
    return act("clone(%s)" % s.desc, A_CLONE, s.data, [s])


def sample(prob, *inner, name=None):
    s = seq(*inner)
    return act("sample(%s:%s)" % (name or "%08x" % prob, s.desc), A_SAMPLE,
               a(1, u32(prob)) + a(2, s.data), [s])


def check_pkt_len(n, gt, le):
    return act("check_pkt_len(%d,gt:%s,le:%s)" % (n, gt.desc, le.desc), A_CHECK_PKT_LEN,
               a(1, struct.pack("=H", n)) + a(2, gt.data) + a(3, le.data), [gt, le])


def dec_ttl(*inner):
    s = seq(*inner)
    return act("dec_ttl(%s)" % s.desc, A_DEC_TTL, a(1, s.data), [s])


def drop(err=0):
    return act("drop(%d)" % err, A_DROP, u32(err))


def ct_clear():
    return act("ct_clear", A_CT_CLEAR)


def psample(group, cookie):
    return Acts("psample(%d)" % group,
                a(A_PSAMPLE | NLA_F_NESTED, a(1, u32(group)) + a(2, cookie)), {"psample"})


def raw_acts(desc, data, kinds=()):
    return Acts(desc, data, kinds)


def ip4key(src=IP_A, dst=IP_B, proto=6, tos=0, ttl=64, frag=0):
    return src + dst + bytes([proto, tos, ttl, frag])


def ip6key(src=IP6_A, dst=IP6_B, label=0x12345, proto=6, tclass=0, hlim=64, frag=0):
    return src + dst + be32(label) + bytes([proto, tclass, hlim, frag])


# --- NSH ------------------------------------------------------------------------

NSH_CTX = bytes.fromhex("c0ffee01000000020a0b0c0d00000004")
INNER_DST, INNER_SRC = bytes.fromhex("020000000022"), bytes.fromhex("020000000011")


NSH_TLVS = md2_tlv(0x0101, 0x01, bytes.fromhex("aabbccdd")) \
    + md2_tlv(0xffee, 0x82, bytes.fromhex("010203040506"))


def nsh_hdr(np, md=1, ctx=NSH_CTX, tlvs=b"", ttl=63, flags=0, spi=0x000123, si=0xff, ver=0,
            words=None, mdtype=None):
    """An NSH header (include/net/nsh.h): version/flags/TTL/length (in
    4-byte words), MD type, next protocol (1 IPv4, 2 IPv6, 3 Ethernet,
    4 NSH, 5 MPLS), service path (SPI << 8 | SI), context headers."""
    body = ctx if md == 1 else tlvs
    if words is None:
        words = (8 + len(body)) // 4
    vftl = (ver << 14) | ((flags & 3) << 12) | ((ttl & 0x3f) << 6) | (words & 0x3f)
    return be16(vftl) + bytes([md if mdtype is None else mdtype, np]) + be32(spi << 8 | si) + body


def nsh_base(flags=0, ttl=63, mdtype=1, np=3, spi=0x000123, si=0xff):
    """struct ovs_nsh_key_base."""
    return bytes([flags, ttl, mdtype, np]) + be32(spi << 8 | si)


def nsh_key_attr(base, md1=None, md2=None, more=b""):
    """OVS_KEY_ATTR_NSH: BASE, then MD1 or MD2 (as ovs-vswitchd nests it)."""
    p = a(NSH_K_BASE, base) if base is not None else b""
    if md1 is not None:
        p += a(NSH_K_MD1, md1)
    if md2 is not None:
        p += a(NSH_K_MD2, md2)
    return a(K_NSH, p + more)


def push_nsh(desc, base=None, md1=None, md2=None, more=b"", raw=None):
    """push_nsh(OVS_KEY_ATTR_NSH(...)); raw: the action's payload as is."""
    payload = raw if raw is not None else nsh_key_attr(base, md1, md2, more)
    return act("push_nsh(%s)" % desc, A_PUSH_NSH, payload)


def pop_nsh():
    return act("pop_nsh", A_POP_NSH)


def set_nsh(desc, base=None, md1=None):
    """set(nsh(...)): the nest as ovs-vswitchd writes a key."""
    return Acts("set(nsh %s)" % desc, a(A_SET, nsh_key_attr(base, md1)), {"set", "set:nsh"})


def setm_nsh(desc, base=None, base_mask=None, md1=None, md1_mask=None):
    """set_masked(nsh(...)): every NSH attribute is its value then its mask
    (the layout of the old set_nsh())."""
    p = b""
    if base is not None:
        p += a(NSH_K_BASE, base + base_mask)
    if md1 is not None:
        p += a(NSH_K_MD1, md1 + md1_mask)
    return Acts("set_masked(nsh %s)" % desc, a(A_SET_MASKED, a(K_NSH, p)),
                {"set_masked", "set_masked:nsh"})


def nsh_frames():
    """NSH frames (ethertype 0x894f; l3: the NSH packet without Ethernet
    header), each with its OVS_KEY_ATTR_NSH in the key; then malformed
    ones (their key's NSH as the header claims)."""
    f = []

    def add(name, hdr, inner, props, l3=False, base=None, md1=None):
        data = hdr + inner if l3 else eth(ETH_P_NSH, hdr + inner)
        k = nsh_key_attr(base, md1) if base is not None else b""
        f.append(Frame(name, data, set(props) | {"nsh"}, l3_type=ETH_P_NSH if l3 else None,
                       key_extra=k))

    tcp4 = ipv4(6, lambda p: tcp_seg(p))
    udp4 = ipv4(17, lambda p: udp_seg(p))
    tcp6 = ipv6(6, lambda p: tcp_seg(p))
    in_tcp4 = eth(0x0800, tcp4, dst=INNER_DST, src=INNER_SRC)
    in_udp4 = eth(0x0800, udp4, dst=INNER_DST, src=INNER_SRC)
    b1 = lambda np, **kw: nsh_base(mdtype=1, np=np, **kw)  # noqa: E731
    b2 = lambda np, **kw: nsh_base(mdtype=2, np=np, **kw)  # noqa: E731
    add("nsh1-eth", nsh_hdr(3), in_tcp4, {"md1", "eth-in", "main"}, base=b1(3), md1=NSH_CTX)
    add("nsh1-ip4", nsh_hdr(1, ttl=5, flags=2, spi=0xabcdef, si=7), udp4, {"md1", "main"},
        base=b1(1, ttl=5, flags=2, spi=0xabcdef, si=7), md1=NSH_CTX)
    add("nsh2-ip6", nsh_hdr(2, md=2, tlvs=NSH_TLVS), tcp6, {"md2", "main"}, base=b2(2))
    add("nsh2-eth-notlv", nsh_hdr(3, md=2), in_udp4, {"md2", "eth-in"}, base=b2(3))
    add("l3-nsh1-ip4", nsh_hdr(1), tcp4, {"md1", "l3", "main"}, l3=True, base=b1(1), md1=NSH_CTX)
    add("l3-nsh2-eth", nsh_hdr(3, md=2, tlvs=NSH_TLVS[:8]), in_tcp4, {"md2", "eth-in", "l3"},
        l3=True, base=b2(3))
    add("nsh1-mpls", nsh_hdr(5), mpls_lse(100, 1) + udp4, {"md1"}, base=b1(5), md1=NSH_CTX)
    add("nsh1-nsh", nsh_hdr(4, spi=0x456, si=0xfe), nsh_hdr(1, md=2) + udp4, {"md1"},
        base=b1(4, spi=0x456, si=0xfe), md1=NSH_CTX)
    add("nsh1-inner-short", nsh_hdr(3), in_tcp4[:20], {"md1", "eth-in"}, base=b1(3), md1=NSH_CTX)
    # pop_nsh pulls the NSH header at skb->data: on a frame with an
    # Ethernet header that is the destination MAC (02:06: 24 bytes; its
    # fourth byte 01: next protocol IPv4)
    f.append(Frame("nsh1-eth-dst0206", eth(ETH_P_NSH, nsh_hdr(3) + in_tcp4,
                                           dst=bytes.fromhex("020600010002")),
                   {"nsh", "md1", "quirk"}, dst=bytes.fromhex("020600010002"),
                   key_extra=nsh_key_attr(b1(3), NSH_CTX)))
    # next protocol 0x99: pop_nsh is refused
    add("nsh1-np99", nsh_hdr(0x99), udp4, {"md1", "bad"}, base=b1(0x99), md1=NSH_CTX)
    # the key extraction accepts an MD type 2 header shorter than the base
    # header; nsh_pop() refuses it when it runs
    add("nsh2-len1", nsh_hdr(1, md=2, words=1), udp4, {"md2", "bad"}, base=b2(1))
    add("nsh2-len0", nsh_hdr(1, md=2, words=0), udp4, {"md2", "bad"}, base=b2(1))
    # the key extraction refuses these (the EXECUTE's errno)
    add("nsh-cut6", nsh_hdr(3)[:6], b"", {"bad", "cut"}, base=b1(3), md1=NSH_CTX)
    add("nsh1-cut16", nsh_hdr(3)[:16], b"", {"bad", "cut"}, base=b1(3), md1=NSH_CTX)
    add("nsh2-len63-cut", nsh_hdr(1, md=2, tlvs=NSH_TLVS, words=63), udp4, {"bad", "cut"},
        base=b2(1))
    add("nsh1-ver1", nsh_hdr(1, ver=1), udp4, {"bad"}, base=b1(1), md1=NSH_CTX)
    add("nsh-mdtype3", nsh_hdr(1, mdtype=3), udp4, {"bad"}, base=nsh_base(mdtype=3, np=1))
    add("nsh1-len4", nsh_hdr(1, ctx=NSH_CTX[:8]), udp4, {"bad"}, base=b1(1), md1=NSH_CTX)
    return f


# --- tunnels: set(tunnel) and the egress tunnel key -------------------------------

VX_PORT = 4                 # the collect-metadata VXLAN device (--vxlan)
UL_CAP_PORT = 4             # frames the underlay peer (--underlay) received: port 4's
UL_LOCAL4, UL_REMOTE4 = bytes([172, 31, 77, 1]), bytes([172, 31, 77, 2])
UL_ROUTED4 = bytes([198, 18, 0, 7])          # via 172.31.77.254
UL_UNREACH4 = bytes([203, 0, 113, 9])        # no route
UL_LOCAL6 = bytes.fromhex("fd770000000000000000000000000001")
UL_REMOTE6 = bytes.fromhex("fd770000000000000000000000000002")
UL_ROUTED6 = bytes.fromhex("20010db8007700000000000000000007")   # via fd77::fe
UL_UNREACH6 = bytes.fromhex("20010db8009900000000000000000001")  # no route
BARRIER_VNI = 0xbabe


def tunnel_attrs(tun_id=None, src4=None, dst4=None, src6=None, dst6=None, tos=None, ttl=64,
                 df=False, csum=False, oam=False, tp_src=None, tp_dst=None, geneve=None,
                 gbp=None):
    p = b""
    if tun_id is not None:
        p += a(TUN_ID, struct.pack(">Q", tun_id))
    if src4 is not None:
        p += a(TUN_IPV4_SRC, src4)
    if dst4 is not None:
        p += a(TUN_IPV4_DST, dst4)
    if src6 is not None:
        p += a(TUN_IPV6_SRC, src6)
    if dst6 is not None:
        p += a(TUN_IPV6_DST, dst6)
    if tos is not None:
        p += a(TUN_TOS, bytes([tos]))
    if ttl is not None:
        p += a(TUN_TTL, bytes([ttl]))
    if df:
        p += a(TUN_DF)
    if csum:
        p += a(TUN_CSUM)
    if oam:
        p += a(TUN_OAM)
    if tp_src is not None:
        p += a(TUN_TP_SRC, be16(tp_src))
    if tp_dst is not None:
        p += a(TUN_TP_DST, be16(tp_dst))
    if geneve is not None:
        p += a(TUN_GENEVE_OPTS, geneve)
    if gbp is not None:
        p += a(TUN_VXLAN_OPTS, a(1, u32(gbp)))
    return p


def set_tunnel(desc, **kw):
    return Acts("set(tunnel(%s))" % desc, a(A_SET, a(K_TUNNEL, tunnel_attrs(**kw))),
                {"set", "set:tunnel"})


def barrier_tunnel():
    """What the barrier adds for a case that uses the VXLAN port: its frame
    encapsulated to the underlay."""
    return set_tunnel("barrier", tun_id=BARRIER_VNI, dst4=UL_REMOTE4, ttl=64, df=True) \
        + out(VX_PORT)


def tun_words(payload):
    return sub_words(payload, TUN_KEY_NAMES)


def vxlan_inner(data):
    """(offset of the VXLAN header, the encapsulated frame) of an
    Ethernet/IPv4-or-IPv6/UDP frame (any port: a tunnel key's tp_dst
    chooses it), else None."""
    if len(data) < 14:
        return None
    et = struct.unpack_from(">H", data, 12)[0]
    if et == 0x0800 and len(data) >= 34 and data[14] >> 4 == 4 and data[23] == 17:
        off = 14 + (data[14] & 0xf) * 4
    elif et == 0x86dd and len(data) >= 62 and data[20] == 17:
        off = 54
    else:
        return None
    if len(data) < off + 16:
        return None
    return off + 8, data[off + 16:]


# --- the corpus -----------------------------------------------------------------

class Case:
    def __init__(self, name, frame, key, acts, extra=(), hdr=None, section="", raw=None):
        self.name = name
        self.frame = frame          # Frame or None
        self.key = key              # bytes or None (no KEY attribute)
        self.acts = acts            # Acts or None (no ACTIONS attribute)
        self.extra = list(extra)    # more EXECUTE attributes
        self.hdr = hdr              # dp_ifindex override
        self.section = section
        self.raw = raw              # packet bytes override (None: the frame's)
        self.setup = None           # a function of the Run before the case
        self.underlay = False       # uses the VXLAN port: capture its underlay too


def corpus(up, up2):
    """The cases; up and up2 are the upcall sockets' port ids."""
    cases = []
    fr = frames()
    byname = {f.name: f for f in fr}
    US = lambda **kw: userspace(up, **kw)  # noqa: E731

    def add(section, f, acts, key=None, name=None, **kw):
        c = Case(name or "%s | %s" % (f.name, acts.desc), f,
                 key if key is not None else f.key(), acts, section=section, **kw)
        cases.append(c)
        return c

    new_mac = bytes.fromhex("0a0000000a0a"), bytes.fromhex("0a0000000b0b")
    eth_set = set_("eth", K_ETHERNET, new_mac[0] + new_mac[1])
    # --- actions every frame goes through
    generic = [
        out(1), out(2), out(3), out(0), out(9),
        seq(out(1), out(2), out(3), out(0)),
        seq(out(1), out(1)),
        US(),
        US(userdata=b"cookie-1234"),
        seq(US(userdata=b"\x01\x02\x03", actions=True), out(2)),
        seq(trunc(60), out(1), out(2)),
        seq(trunc(14), US(), US()),
        seq(eth_set, out(1)),
        seq(setm("eth dst", K_ETHERNET, bytes(6) + new_mac[1], bytes(6) + b"\xff" * 6), out(2)),
        seq(push_vlan(0x8100, 0x1014), out(1), US()),
        seq(pop_vlan(), out(1)),
        seq(clone(eth_set, out(2)), out(1)),
        seq(clone(push_vlan(0x8100, 0x1005), US(), out(2)), out(3)),
        seq(sample(0xffffffff, out(2), name="100%"), out(1)),
        seq(sample(0, out(2), name="0%"), out(1)),
        seq(check_pkt_len(64, out(2), out(3)), out(1)),
        seq(check_pkt_len(1000, seq(eth_set, out(2)), seq(push_vlan(0x8100, 0x1001), out(3))),
            out(1)),
        seq(dec_ttl(US(userdata=b"ttl")), out(1)),
        drop(),
        seq(out(1), drop(1)),
        seq(ct_clear(), US()),
        seq(hash_(0, 0), US()),
        seq(hash_(1, 7), US()),
        seq(push_mpls(lse(300, 1), 0x8847), out(1), US()),
        seq(pop_eth(), US(), out(1)),
        seq(pop_eth(), push_eth(new_mac[0], new_mac[1]), out(1)),
        seq(set_("priority", K_PRIORITY, u32(7)), set_("skb_mark", K_SKB_MARK, u32(0x55)),
            out(1), US()),
        seq(setm("skb_mark", K_SKB_MARK, u32(0x0f00), u32(0x0ff0)), US()),
        seq(trunc(40), psample(5, b"ck"), out(1)),
    ]
    # The secondary frames get the shorter list.
    short_generic = [generic[i] for i in (0, 3, 4, 7, 10, 12, 14, 15, 16, 18, 20, 22, 25, 26)]
    for f in fr:
        for acts in generic if "main" in f.props else short_generic:
            add("generic", f, acts)

    # --- IPv4 header sets
    for f in fr:
        if "ip4" not in f.props or "jumbo" in f.props:
            continue
        proto = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1}.get(
            next((p for p in ("tcp", "udp", "sctp", "icmp") if p in f.props), ""), 0)
        fragv = 1 if f.name == "udp4-frag" else 0
        tos = 0x2e if f.name == "tcp4-opts" else 0
        ttl = 1 if "ttl1" in f.props else 64
        full = set_("ipv4 all", K_IPV4, ip4key(bytes([192, 0, 2, 1]), bytes([198, 51, 100, 7]),
                                              proto, 0x48, 33, fragv))
        lst = [
            seq(full, out(1)),
            seq(setm("ipv4 src", K_IPV4, ip4key(src=bytes([172, 16, 0, 9]), dst=bytes(4),
                                                proto=0, ttl=0),
                     ip4key(src=b"\xff" * 4, dst=bytes(4), proto=0, ttl=0)), out(1)),
            seq(setm("ipv4 dst", K_IPV4, ip4key(src=bytes(4), dst=bytes([10, 9, 8, 7]),
                                                proto=0, ttl=0),
                     ip4key(src=bytes(4), dst=b"\xff" * 4, proto=0, ttl=0)), out(1)),
            seq(setm("ipv4 tos", K_IPV4, ip4key(bytes(4), bytes(4), 0, 0xb8, 0),
                     ip4key(bytes(4), bytes(4), 0, 0xfc, 0)), out(1)),
            seq(setm("ipv4 ttl", K_IPV4, ip4key(bytes(4), bytes(4), 0, 0, 5),
                     ip4key(bytes(4), bytes(4), 0, 0, 0xff)), out(1)),
            seq(dec_ttl(), out(1)),
            seq(dec_ttl(US(userdata=b"ttl"), out(3)), out(1), US()),
        ]
        if "main" in f.props or f.name in ("tcp4-ttl1", "udp4-nocsum"):
            lst += [
                seq(set_("ipv4 wrong proto", K_IPV4, ip4key(proto=(proto + 1) & 0xff, tos=tos,
                                                            ttl=ttl, frag=fragv)), out(1)),
                seq(setm("ipv4 proto mask", K_IPV4, ip4key(proto=0, ttl=0),
                         ip4key(bytes(4), bytes(4), 0xff, 0, 0)), out(1)),
                seq(clone(full, US()), out(1)),
                seq(dec_ttl(), dec_ttl(), out(1)),
            ]
        for acts in lst:
            add("ipv4", f, acts)

    # --- IPv6 header sets
    for f in fr:
        if "ip6" not in f.props:
            continue
        proto = {"tcp": 6, "udp": 17, "icmp6": 58}[next(p for p in ("tcp", "udp", "icmp6")
                                                       if p in f.props)]
        full = set_("ipv6 all", K_IPV6, ip6key(bytes.fromhex("fd00" + "00" * 13 + "99"),
                                               bytes.fromhex("fd00" + "00" * 13 + "aa"),
                                               0xabcde, proto, 0x28, 9))
        z = bytes(16)
        lst = [
            seq(full, out(1)),
            seq(setm("ipv6 src", K_IPV6, ip6key(bytes.fromhex("fe80" + "00" * 13 + "01"), z, 0,
                                                0, 0, 0),
                     ip6key(b"\xff" * 16, z, 0, 0, 0, 0)), out(1)),
            seq(setm("ipv6 dst low", K_IPV6, ip6key(z, bytes(12) + bytes([1, 2, 3, 4]), 0, 0, 0,
                                                    0),
                     ip6key(z, bytes(12) + b"\xff" * 4, 0, 0, 0, 0)), out(1)),
            seq(setm("ipv6 tclass", K_IPV6, ip6key(z, z, 0, 0, 0x10, 0),
                     ip6key(z, z, 0, 0, 0xff, 0)), out(1)),
            seq(setm("ipv6 label", K_IPV6, ip6key(z, z, 0x54321, 0, 0, 0),
                     ip6key(z, z, 0xfffff, 0, 0, 0)), out(1)),
            seq(setm("ipv6 hlimit", K_IPV6, ip6key(z, z, 0, 0, 0, 2),
                     ip6key(z, z, 0, 0, 0, 0xff)), out(1)),
            seq(dec_ttl(), out(1)),
            seq(dec_ttl(US(userdata=b"hl"), out(3)), out(1)),
        ]
        if f.name in ("tcp6", "udp6", "udp6-hlim1"):
            lst += [
                seq(set_("ipv6 label too big", K_IPV6, ip6key(label=0x100000, proto=proto,
                                                              tclass=0xb8 if f.name == "udp6"
                                                              else 0)), out(1)),
                seq(setm("ipv6 label mask too big", K_IPV6, ip6key(z, z, 0, 0, 0, 0),
                         ip6key(z, z, 0xfffff000, 0, 0, 0)), out(1)),
                seq(clone(full, out(2)), out(1)),
            ]
        for acts in lst:
            add("ipv6", f, acts)

    # --- transport ports
    for f in fr:
        for l4, kind in (("tcp", K_TCP), ("udp", K_UDP), ("sctp", K_SCTP)):
            if l4 not in f.props or "jumbo" in f.props or "big" in f.props:
                continue
            lst = [
                seq(set_(l4, kind, be16(1111) + be16(2222)), out(1)),
                seq(setm(l4 + " src", kind, be16(0x1234) + be16(0), be16(0xffff) + be16(0)),
                    out(1)),
                seq(setm(l4 + " dst low", kind, be16(0) + be16(0x00ab), be16(0) + be16(0x00ff)),
                    out(1)),
            ]
            if "main" in f.props:
                lst.append(seq(clone(set_(l4, kind, be16(7) + be16(8)), out(2)), out(1)))
                lst.append(seq(set_(l4, kind, be16(7) + be16(8)), US()))
            for acts in lst:
                add("transport", f, acts)
    # transport sets on the wrong protocol: refused by the validation
    for fname, kind, name in (("udp4", K_TCP, "tcp"), ("tcp4", K_UDP, "udp"),
                              ("tcp6", K_SCTP, "sctp"), ("arp", K_TCP, "tcp"),
                              ("icmp4", K_UDP, "udp"), ("arp", K_IPV4, "ipv4"),
                              ("tcp4", K_IPV6, "ipv6"), ("llc", K_IPV4, "ipv4"),
                              ("mpls-udp4", K_IPV4, "ipv4"), ("tcp4", K_MPLS, "mpls")):
        f = byname[fname]
        size = {K_TCP: 4, K_UDP: 4, K_SCTP: 4, K_IPV4: 12, K_IPV6: 40, K_ETHERNET: 12,
                K_MPLS: 4}[kind]
        add("wrong-proto", f, seq(set_(name, kind, bytes(size)), out(1)))

    # --- VLAN
    for f in fr:
        if f.name not in ("tcp4", "udp6", "arp", "vlan-udp4", "vlan-tcp6", "qinq-udp4",
                          "mpls-udp4", "l3-tcp4"):
            continue
        lst = [
            seq(push_vlan(0x8100, 0x1000 | 0xe07b), out(1)),
            seq(push_vlan(0x88a8, 0x1064), push_vlan(0x8100, 0x100a), out(1), US()),
            seq(push_vlan(0x8100, 0x1001), push_vlan(0x8100, 0x1002), push_vlan(0x8100, 0x1003),
                out(2)),
            seq(pop_vlan(), pop_vlan(), out(1), US()),
            seq(pop_vlan(), push_vlan(0x8100, 0x1099), out(1)),
            seq(clone(pop_vlan(), out(2)), out(1)),
            seq(push_vlan(0x8100, 0x1005), trunc(30), out(1)),
            seq(push_vlan(0x8100, 0x1005), check_pkt_len(len(f.data), out(2), out(3))),
        ]
        if "vlan" in f.props:
            lst.append(seq(pop_vlan(), eth_set, out(1)))
            lst.append(seq(push_vlan(0x8100, 0x1005), eth_set, out(1)))
            lst.append(seq(pop_vlan(), pop_vlan(), pop_eth(), US()))
            lst.append(seq(pop_vlan(), pop_vlan(), pop_eth(), push_eth(SRC, DST), out(1)))
            lst.append(seq(pop_vlan(), pop_vlan(), push_mpls(lse(310, 1), 0x8847), out(1), US()))
        if "ip4" in f.props and "vlan" in f.props:
            lst.append(seq(set_("ipv4 all", K_IPV4, ip4key(bytes([1, 2, 3, 4]), IP_B, 17, 4, 9)),
                           out(1)))
            lst.append(seq(push_vlan(0x8100, 0x1006), dec_ttl(), out(1)))
        for acts in lst:
            add("vlan", f, acts)
    # push_vlan without the CFI bit, or with a bad TPID: refused
    add("vlan", byname["tcp4"], seq(push_vlan(0x8100, 0x0005), out(1)))
    add("vlan", byname["tcp4"], seq(push_vlan(0x0800, 0x1005), out(1)))

    # --- MPLS
    m1, m2 = byname["mpls-udp4"], byname["mpls2-tcp4"]
    for f in (m1, m2):
        for acts in (
            seq(set_("mpls", K_MPLS, mpls_lse(555, 1 if f is m1 else 0, 9)), out(1)),
            seq(setm("mpls label", K_MPLS, mpls_lse(777, 0, 0), be32(0xfffff000)), out(1)),
            seq(setm("mpls ttl", K_MPLS, mpls_lse(0, 0, 3), be32(0xff)), out(1)),
            seq(pop_mpls(0x0800 if f is m1 else 0x8847), out(1), US()),
            seq(push_mpls(lse(400, 0), 0x8847), out(1)),
            seq(push_mpls(lse(400, 0), 0x8848), US()),
            seq(add_mpls(lse(401, 0), 0x8847, 1), out(1)),
            seq(clone(pop_mpls(0x0800), out(2)), out(1)),
            seq(dec_ttl(US()), out(1)),
            seq(push_vlan(0x8100, 0x1007), pop_mpls(0x0800 if f is m1 else 0x8847), out(1)),
        ):
            add("mpls", f, acts)
    add("mpls", m2, seq(pop_mpls(0x8847), pop_mpls(0x0800), out(1), US()))
    add("mpls", m2, seq(pop_mpls(0x8847), set_("mpls", K_MPLS, mpls_lse(9, 1, 9)), out(1)))
    for f in (byname["tcp4"], byname["udp6"], byname["arp"], byname["vlan-udp4"],
              byname["l3-tcp4"], byname["qinq-udp4"]):
        for acts in (
            seq(push_mpls(lse(300, 1), 0x8847), out(1)),
            seq(push_mpls(lse(300, 1), 0x8848), push_mpls(lse(301, 0, 7), 0x8847), out(1), US()),
            seq(add_mpls(lse(302, 1), 0x8847, 0), US(), out(1)),
            seq(add_mpls(lse(303, 1), 0x8847, 1), out(1)),
            seq(push_mpls(lse(304, 1), 0x8847), pop_mpls(0x0800), out(1)),
            seq(pop_mpls(0x0800), out(1)),
            seq(push_mpls(lse(305, 1), 0x8847), dec_ttl(), out(1)),
        ):
            add("mpls", f, acts)
    # an ethertype that is not MPLS: refused
    add("mpls", byname["tcp4"], seq(push_mpls(lse(300, 1), 0x0800), out(1)))

    # --- Ethernet push/pop
    for f in (byname["tcp4"], byname["arp"], byname["vlan-udp4"], byname["mpls-udp4"],
              byname["l3-tcp4"], byname["udp6"], byname["qinq-udp4"]):
        for acts in (
            seq(push_eth(new_mac[0], new_mac[1]), out(1), US()),
            seq(pop_eth(), pop_eth(), US()),
            seq(pop_eth(), push_eth(SRC, DST), push_vlan(0x8100, 0x1008), out(1)),
            seq(clone(pop_eth(), US()), out(1)),
            seq(pop_eth(), set_("ipv4", K_IPV4, ip4key(bytes([5, 5, 5, 5]), IP_B, 6, 0, 64)),
                US()),
            seq(pop_eth(), push_eth(SRC, DST), eth_set, out(1)),
            seq(pop_eth(), push_mpls(lse(306, 1), 0x8847), push_eth(SRC, DST), out(1)),
            seq(pop_eth(), out(0)),
        ):
            add("eth", f, acts)

    # --- clone / sample / check_pkt_len / trunc / userspace combinations
    t4, u6, big = byname["tcp4"], byname["udp6"], byname["big-udp4"]
    for f in (t4, u6, big, byname["vlan-udp4"]):
        for acts in (
            seq(clone(clone(eth_set, out(2)), push_vlan(0x8100, 0x1010), out(3)), out(1)),
            seq(clone(drop()), out(1)),
            seq(clone(trunc(20), out(2)), out(1)),
            seq(trunc(20), clone(out(2)), out(1)),
            seq(clone(US(userdata=b"in-clone", actions=True)), US(actions=True)),
            clone(eth_set, out(2)),
            seq(sample(0xffffffff, eth_set, out(2), name="100%"), out(1)),
            sample(0xffffffff, eth_set, out(2), name="100%"),
            seq(sample(0, eth_set, out(2), name="0%"), out(1)),
            seq(sample(0xffffffff, sample(0xffffffff, US(), name="100%"), name="100%"),
                out(1)),
            seq(check_pkt_len(len(f.data) - 1, out(2), out(3)), out(1)),
            seq(check_pkt_len(len(f.data), out(2), out(3)), out(1)),
            check_pkt_len(len(f.data), seq(eth_set, out(2)), seq(eth_set, out(3))),
            seq(check_pkt_len(100, clone(out(2)), seq()), out(1)),
            seq(trunc(100), out(1), out(2)),
            seq(trunc(100), US(userdata=b"t")),
            seq(trunc(5000), out(1)),
            seq(trunc(64), trunc(40), out(1)),
            seq(trunc(64), drop()),
            seq(trunc(60), clone(out(2), out(3))),
            seq(US(actions=True), eth_set, US(actions=True)),
            seq(dec_ttl(), dec_ttl(), dec_ttl(), US()),
        ):
            add("nested", f, acts)
    deep = out(2)
    for _ in range(6):
        deep = clone(deep, push_vlan(0x8100, 0x1001))
    add("nested", t4, seq(deep, out(1)), name="tcp4 | clone nested 6 deep")
    deep = US()
    for _ in range(6):
        deep = sample(0xffffffff, eth_set, deep, name="100%")
    add("nested", t4, seq(deep, out(1)), name="tcp4 | sample(100%) nested 6 deep, sets")
    for f in (byname["tcp4-ttl1"], byname["udp6-hlim1"]):
        for acts in (
            seq(dec_ttl(), out(1)),
            seq(dec_ttl(clone(out(2)), out(3)), out(1)),
            seq(clone(dec_ttl(US()), out(2)), out(1)),
            seq(dec_ttl(eth_set, out(2)), US()),
            seq(check_pkt_len(10, dec_ttl(out(2)), seq()), out(1)),
        ):
            add("dec_ttl", f, acts)
    add("dec_ttl", byname["arp"], seq(dec_ttl(US()), out(1)))
    add("dec_ttl", byname["llc"], seq(dec_ttl(), out(1)))
    add("dec_ttl", byname["l3-tcp4"], seq(dec_ttl(), US()))

    # --- metadata from the key: echoed in the upcall key, used by the sets
    meta = (a(K_PRIORITY, u32(3)) + a(K_SKB_MARK, u32(0x77)) + a(K_DP_HASH, u32(0x1234))
            + a(K_RECIRC_ID, u32(0)))
    for f in (t4, u6):
        add("meta", f, US(), key=f.key(extra=meta), name=f.name + " | key+meta | userspace")
        add("meta", f, seq(setm("priority", K_PRIORITY, u32(0x10), u32(0xf0)), US()),
            key=f.key(extra=meta), name=f.name + " | key+meta | set_masked(priority),userspace")
        add("meta", f, seq(hash_(0, 3), US()), key=f.key(extra=meta),
            name=f.name + " | key+meta | hash(0,3),userspace")
        # (CT_LABELS: refused until a ct action with labels was installed.)
        ct = (a(K_CT_STATE, u32(0x21)) + a(K_CT_ZONE, struct.pack("=H", 5))
              + a(K_CT_MARK, u32(7)))
        add("meta", f, seq(US(), ct_clear(), US(), out(1)), key=f.key(extra=ct),
            name=f.name + " | key+ct | userspace,ct_clear,userspace,out:1")
        add("meta", f, US(), key=f.key(in_port=2), name=f.name + " | in_port 2 | userspace")
        add("meta", f, seq(out(1), US()), key=f.key(in_port=9),
            name=f.name + " | in_port 9 (missing: local) | out:1,userspace")
        add("meta", f, US(), key=f.key(in_port=0), name=f.name + " | in_port 0 | userspace")
        add("meta", f, US(), key=a(K_ETHERNET, f.data[6:12] + f.data[0:6])
            + a(K_ETHERTYPE, f.data[12:14]), name=f.name + " | no in_port | userspace")
        add("meta", f, US(), key=b"", name=f.name + " | empty key | userspace")

    # --- MTU and MRU
    jumbo = byname["jumbo-udp4"]
    add("mtu", jumbo, out(1))
    add("mtu", jumbo, seq(trunc(1000), out(1)))
    add("mtu", jumbo, seq(out(1), US()))
    for mru in (500, 1400, 1500):
        mru_attr = [a(PKT_MRU, struct.pack("=H", mru))]
        for acts in (out(1), US(), seq(check_pkt_len(600, out(2), out(3)), US())):
            add("mru", big, acts, name="big-udp4 | MRU %d | %s" % (mru, acts.desc),
                extra=mru_attr)
    add("mru", t4, seq(out(1), US()), name="tcp4 | MRU 60 | out:1,userspace",
        extra=[a(PKT_MRU, struct.pack("=H", 60))])
    add("mru", u6, seq(out(1), US()), name="udp6 | MRU 60 | out:1,userspace",
        extra=[a(PKT_MRU, struct.pack("=H", 60))])

    # --- upcall destinations
    add("upcall", t4, US(), extra=[a(PKT_UPCALL_PID, u32(up2))],
        name="tcp4 | UPCALL_PID up2 | userspace")
    add("upcall", t4, userspace(0), name="tcp4 | userspace(pid 0)")
    add("upcall", t4, userspace(0), extra=[a(PKT_UPCALL_PID, u32(up2))],
        name="tcp4 | UPCALL_PID up2 | userspace(pid 0)")
    add("upcall", t4, userspace(up2), name="tcp4 | userspace(pid up2)")
    add("upcall", t4, seq(US(), US(userdata=b"x" * 9), US(userdata=b"")),
        name="tcp4 | userspace x3 (userdata 9 bytes, empty)")
    add("upcall", t4, seq(US(), userspace(up2), US()), name="tcp4 | userspace up, up2, up")
    add("upcall", t4, US(), extra=[a(PKT_PROBE)], name="tcp4 | PROBE | userspace")
    add("upcall", t4, US(), extra=[a(PKT_HASH, struct.pack("=Q", HASH_SW_BIT | 0xabcd))],
        name="tcp4 | HASH sw,0xabcd | userspace")
    add("upcall", t4, seq(hash_(0, 1), US()),
        extra=[a(PKT_HASH, struct.pack("=Q", HASH_L4_BIT | 0x1234))],
        name="tcp4 | HASH l4,0x1234 | hash(0,1),userspace")
    # per-CPU dispatch: the userspace action's PID gives way to the CPU's
    c = add("upcall", t4, US(), name="tcp4 | per-CPU dispatch (up2) | userspace")
    c.setup = ("features", F_UNALIGNED | F_PER_CPU, [up2, up2])
    c = add("upcall", t4, seq(US(), hash_(0, 0), US(userdata=b"pc")),
            name="tcp4 | per-CPU dispatch (up2) | userspace,hash,userspace(data)")
    c = add("upcall", t4, US(), extra=[a(PKT_UPCALL_PID, u32(up))],
            name="tcp4 | per-CPU dispatch (up2), UPCALL_PID up | userspace")
    # no OVS_DP_F_UNALIGNED: the packet attribute is padded
    for f in (t4, byname["udp4"], byname["arp"], byname["vlan-udp4"]):
        c = add("upcall", f, seq(US(), trunc(15), US()),
                name="%s | not UNALIGNED | userspace,trunc(15),userspace" % f.name)
        c.setup = ("features", 0, None)
    c = add("upcall", t4, US(), name="tcp4 | UNALIGNED again | userspace")
    c.setup = ("features", F_UNALIGNED, None)

    # --- malformed requests: the errno
    def mal(name, key=t4.key(), acts=out(1), **kw):
        cases.append(Case("malformed: " + name, t4, key, acts, section="malformed", **kw))
    mal("no PACKET", raw=False)
    mal("no KEY", key=None)
    mal("no ACTIONS", acts=None)
    mal("empty ACTIONS", acts=Acts("", b"", ()))
    mal("empty PACKET", raw=b"")
    mal("10-byte PACKET", raw=t4.data[:10])
    mal("13-byte PACKET", raw=t4.data[:13])
    mal("14-byte PACKET", raw=t4.data[:14])
    mal("dp_ifindex lo", hdr=1)
    mal("dp_ifindex 0", hdr=0)
    mal("KEY eth of 6 bytes", key=a(K_IN_PORT, u32(1)) + a(K_ETHERNET, bytes(6)))
    mal("KEY with type 0", key=t4.key() + a(0))
    mal("KEY with type 33", key=t4.key() + a(33, b""))
    mal("KEY in_port twice", key=t4.key() + a(K_IN_PORT, u32(2)))
    mal("KEY trailing bytes", key=t4.key() + b"\0\0")
    mal("KEY ethertype only 0x0800, an Ethernet frame (L3)", key=a(K_ETHERTYPE, be16(0x0800)))
    mal("KEY ethertype only 0x0806 (L3)", key=a(K_ETHERTYPE, be16(0x0806)))
    mal("KEY ethertype only 0x1234 (L3)", key=a(K_ETHERTYPE, be16(0x1234)))
    mal("KEY ct_state only", key=t4.key() + a(K_CT_STATE, u32(0x21)))
    mal("KEY ct_labels", key=t4.key() + a(K_CT_LABELS, bytes(range(16))))
    mal("KEY ct_state unknown bits", key=t4.key() + a(K_CT_STATE, u32(0x10000)))
    mal("KEY tunnel", key=t4.key() + a(K_TUNNEL, a(3, bytes([1, 2, 3, 4])) + a(4, b"\0")
                                       + a(5, b"\x40")))
    mal("ACTIONS output 2 bytes", acts=raw_acts("out(2b)", a(A_OUTPUT, b"\1\0")))
    mal("ACTIONS type 0", acts=raw_acts("t0", a(0)))
    mal("ACTIONS type 26", acts=raw_acts("t26", a(26)))
    mal("ACTIONS out:65535", acts=out(65535))
    mal("ACTIONS out:65536", acts=raw_acts("out:65536", a(A_OUTPUT, u32(65536))))
    mal("ACTIONS trailing", acts=raw_acts("out:1+2b", out(1).data + b"\0\0"))
    mal("ACTIONS userspace without pid", acts=raw_acts("us-nopid", a(A_USERSPACE,
                                                                     a(US_USERDATA, b"x"))))
    mal("ACTIONS trunc(13)", acts=seq(trunc(13), out(1)))
    mal("ACTIONS hash alg 2", acts=seq(hash_(2, 0), out(1)))
    mal("ACTIONS set priority 2 bytes", acts=raw_acts("set-prio-2b", a(A_SET, a(K_PRIORITY,
                                                                               b"\0\0"))))
    mal("ACTIONS set two attrs", acts=raw_acts("set-2", a(A_SET, a(K_PRIORITY, u32(1))
                                                        + a(K_SKB_MARK, u32(1)))))
    mal("ACTIONS set_masked eth odd length", acts=raw_acts("setm-eth-23", a(A_SET_MASKED, a(
        K_ETHERNET, bytes(23)))))
    mal("ACTIONS set ethertype", acts=seq(set_("ethertype", K_ETHERTYPE, be16(0x0806)), out(1)))
    mal("ACTIONS set ct_mark", acts=seq(set_("ct_mark", K_CT_MARK, u32(1)), out(1)))
    mal("ACTIONS set in_port", acts=seq(set_("in_port", K_IN_PORT, u32(2)), out(1)))
    mal("ACTIONS sample without probability", acts=raw_acts("sample-noprob", a(A_SAMPLE, a(
        2, out(1).data))))
    mal("ACTIONS check_pkt_len without len", acts=raw_acts("cpl-nolen", a(A_CHECK_PKT_LEN, a(
        2, out(1).data) + a(3, out(2).data))))
    mal("ACTIONS dec_ttl without action", acts=raw_acts("dec-noact", a(A_DEC_TTL, a(2, b""))))
    mal("ACTIONS drop not last", acts=seq(drop(), out(1)))
    mal("ACTIONS pop_mpls on IPv4", acts=seq(pop_mpls(0x0800), out(1)))
    mal("ACTIONS set mpls on IPv4", acts=seq(set_("mpls", K_MPLS, be32(0)), out(1)))
    deep = out(1)
    for _ in range(17):
        deep = clone(deep)
    mal("ACTIONS clone 17 deep", acts=deep)
    mal("ACTIONS recirc", acts=raw_acts("recirc", a(7, u32(1))))
    mal("ACTIONS meter 99", acts=raw_acts("meter", a(19, u32(99)) + out(1).data))
    # (No ct action: openvswitch_rs refuses it with ENOTSUPP on purpose, as
    # a C module without conntrack would; see README.)
    mal("MRU of 4 bytes", extra=[a(PKT_MRU, u32(500))])
    mal("UPCALL_PID of 2 bytes", extra=[a(PKT_UPCALL_PID, b"\1\0")])
    mal("HASH of 4 bytes", extra=[a(PKT_HASH, u32(1))])
    mal("PROBE with a bad key", key=a(K_ETHERNET, bytes(6)), extra=[a(PKT_PROBE)])
    mal("attribute type 13", extra=[a(13, b"abc")])

    # --- NSH (appended: the cases above keep their numbers) ---------------------------
    # push_nsh on an Ethernet frame keeps it whole (next protocol Ethernet),
    # on a layer-3 packet the next protocol is its ethertype's; either way
    # the packet has no Ethernet header after it (an output to an Ethernet
    # port drops it), push_eth gives it one (ethertype 0x894f). pop_nsh
    # leaves what the next protocol says. set/set_masked of OVS_KEY_ATTR_NSH:
    # see validate_set() (this kernel refuses them).
    nfr = nsh_frames()
    nby = {f.name: f for f in nfr}
    md1 = lambda np=3, **kw: nsh_base(mdtype=1, np=np, **kw)  # noqa: E731
    md2 = lambda np=3, **kw: nsh_base(mdtype=2, np=np, **kw)  # noqa: E731
    ctx2 = bytes.fromhex("11111111222222223333333344444444")
    p_md1 = push_nsh("md1", md1(spi=0x000777, si=0x20), md1=ctx2)
    p_md2 = push_nsh("md2 tlvs", md2(spi=0x000888, si=0x21), md2=NSH_TLVS)
    p_eth = push_eth(bytes.fromhex("0a00000000a1"), bytes.fromhex("0a00000000a2"))
    for f in (t4, u6, byname["arp"], byname["vlan-udp4"], byname["l3-tcp4"],
              byname["mpls-udp4"], byname["qinq-udp4"]):
        for acts in (
            seq(p_md1, US()),
            seq(p_md1, out(1)),
            seq(p_md1, p_eth, out(1)),
            seq(p_md2, p_eth, out(1), US()),
            seq(clone(p_md1, p_eth, out(2)), out(1)),
            seq(p_md1, p_md2, p_eth, out(2), US()),
        ):
            add("nsh", f, acts)
    for acts in (
        seq(push_nsh("md1 flags=3 ttl=0xff", md1(flags=0xff, ttl=0xff, np=0x99), md1=ctx2),
            p_eth, out(1)),
        seq(push_nsh("md1 ttl=0", md1(ttl=0), md1=bytes(16)), p_eth, out(1)),
        seq(push_nsh("md2 6 bytes", md2(), md2=bytes.fromhex("010203040506")), p_eth, out(1),
            US()),
        seq(push_nsh("md2 4 bytes", md2(), md2=md2_tlv(0x0102, 3, b"")), p_eth, out(1)),
        seq(push_nsh("md2 244 bytes", md2(), md2=bytes(i & 0xff for i in range(244))), p_eth,
            out(1)),
        seq(push_nsh("mdtype 0x12", nsh_base(mdtype=0x12, np=3), md2=NSH_TLVS), p_eth, out(1)),
        seq(p_md1, p_eth, eth_set, out(1), US()),
        seq(p_md1, p_eth, push_vlan(0x8100, 0x1009), out(1)),
        seq(trunc(40), p_md1, p_eth, out(1), US()),
        seq(p_md1, trunc(30), p_eth, out(1)),
        seq(p_md1, p_eth, US(actions=True)),
        seq(hash_(0, 0), p_md1, US()),
        seq(p_md1, hash_(0, 0), US()),
        seq(p_md1, p_eth, check_pkt_len(80, out(2), out(3))),
        seq(p_md1, p_eth, dec_ttl(US()), out(1)),
        seq(pop_vlan(), p_md1, p_eth, out(1)),
        seq(p_md1, p_eth, out(0)),
    ):
        add("nsh", t4, acts)
    add("nsh", byname["mpls-udp4"], seq(pop_eth(), p_md1, p_eth, out(1), US()))
    add("nsh", byname["udp6"], seq(pop_eth(), p_md2, US()))
    # pop_nsh, set(nsh) and set_masked(nsh) on NSH packets
    c_base = md1(flags=1, ttl=9, spi=0x000999, si=0x42)
    nsh_sets = [
        seq(set_nsh("base", c_base), out(1)),
        seq(set_nsh("base", c_base), US()),
        seq(set_nsh("base+md1", c_base, ctx2), out(1), US()),
        seq(setm_nsh("ttl", nsh_base(0, 7, 0, 0, 0, 0), nsh_base(0, 0x3f, 0, 0, 0, 0)), out(1)),
        seq(setm_nsh("flags,path", nsh_base(2, 0, 0, 0, 0x000abc, 0x11),
                     nsh_base(3, 0, 0, 0, 0xffffff, 0xff)), US()),
        seq(setm_nsh("md1 context", md1=bytes(4) + be32(0x5a5a5a5a) + bytes(8),
                     md1_mask=bytes(4) + b"\xff" * 4 + bytes(8)), out(1), US()),
    ]
    for f in nfr:
        if "bad" in f.props or "quirk" in f.props:
            continue
        eth_in = "eth-in" in f.props
        lst = [
            out(1),
            US(),
            seq(pop_nsh(), out(1)),
            seq(pop_nsh(), US()),
            seq(pop_nsh(), out(1), out(2), US()),
            seq(clone(pop_nsh(), out(2)), out(1)),
            seq(pop_nsh(), push_eth(SRC, DST), out(1)),
            seq(pop_nsh(), pop_eth(), US()),
            seq(p_md2, US()),
            seq(pop_nsh(), p_md1, p_eth, out(1)),
        ]
        if "l3" not in f.props:
            lst += [seq(pop_eth(), pop_nsh(), out(1), US()), seq(pop_eth(), p_md1, p_eth, out(1)),
                    seq(pop_eth(), US())]
        else:
            lst += [seq(push_eth(SRC, DST), out(1), US())]
        if "main" in f.props or f.name == "nsh2-eth-notlv":
            lst += nsh_sets
        if eth_in:
            lst.append(seq(pop_nsh(), eth_set, out(1), US()))
            lst.append(seq(pop_nsh(), push_vlan(0x8100, 0x100b), out(1)))
        if f.name == "nsh1-nsh":
            lst.append(seq(pop_nsh(), pop_nsh(), US()))
        if f.name == "nsh1-ip4":
            lst.append(seq(pop_nsh(), set_("ipv4", K_IPV4, ip4key(IP_A, IP_B, 17)), out(1)))
            lst.append(seq(pop_nsh(), dec_ttl(), US()))
        for acts in lst:
            add("nsh", f, acts)
    for f in nfr:
        if "bad" in f.props:
            # (pop_eth first: nsh_pop() then reads the NSH header itself)
            for acts in (seq(pop_nsh(), out(1), US()), US(), seq(pop_eth(), pop_nsh(), US())):
                add("nsh", f, acts)
    for acts in (seq(pop_nsh(), US()), seq(pop_nsh(), push_eth(SRC, DST), out(1), US()),
                 seq(pop_eth(), pop_nsh(), out(1))):
        add("nsh", nby["nsh1-eth-dst0206"], acts)
    # refused push_nsh / pop_nsh (the errno)
    for acts in (
        push_nsh("mdtype 3 + md1", nsh_base(mdtype=3), md1=ctx2),
        push_nsh("mdtype 1 + md2", nsh_base(mdtype=1), md2=NSH_TLVS),
        push_nsh("mdtype 2 + md1", nsh_base(mdtype=2), md1=ctx2),
        push_nsh("md1 of 12 bytes", md1(), md1=ctx2[:12]),
        push_nsh("md1 of 20 bytes", md1(), md1=ctx2 + bytes(4)),
        push_nsh("md1 and md2", md1(), md1=ctx2, md2=NSH_TLVS),
        push_nsh("no base", None, md1=ctx2),
        push_nsh("base only", md1()),
        push_nsh("base of 4 bytes", None, more=a(NSH_K_BASE, bytes(4)) + a(NSH_K_MD1, ctx2)),
        push_nsh("md2 empty", md2(), md2=b""),
        push_nsh("md2 248 bytes", md2(), md2=bytes(248)),
        push_nsh("nsh attr 4", md1(), md1=ctx2, more=a(4, bytes(4))),
        push_nsh("not OVS_KEY_ATTR_NSH", raw=a(K_IPV4, a(NSH_K_BASE, md1()) + a(NSH_K_MD1, ctx2))),
        push_nsh("two keys", raw=nsh_key_attr(md1(), ctx2) + nsh_key_attr(md1(), ctx2)),
        push_nsh("empty", raw=b""),
        push_nsh("trailing bytes", raw=nsh_key_attr(md1(), ctx2) + b"\0\0\0\0"),
    ):
        add("nsh", t4, seq(acts, p_eth, out(1)))
    add("nsh", t4, seq(p_md1, pop_nsh(), out(1)))
    add("nsh", t4, seq(p_md1, p_eth, pop_nsh(), out(1)))
    add("nsh", t4, seq(pop_nsh(), out(1)))
    add("nsh", t4, seq(set_nsh("base", c_base), out(1)))
    add("nsh", byname["arp"], seq(pop_eth(), p_md1, out(1)))
    add("nsh", nby["nsh1-eth"], seq(p_eth, out(1)))
    add("nsh", nby["l3-nsh1-ip4"], seq(pop_eth(), out(1)))
    add("nsh", nby["nsh1-ip4"], US(), key=nby["nsh1-ip4"].key(extra=nsh_key_attr(
        md2(), md2=NSH_TLVS)), name="nsh1-ip4 | key with a second, MD2 nsh | userspace")
    add("nsh", nby["nsh1-ip4"], US(), key=a(K_IN_PORT, u32(1))
        + a(K_ETHERNET, nby["nsh1-ip4"].data[6:12] + nby["nsh1-ip4"].data[0:6])
        + a(K_ETHERTYPE, be16(ETH_P_NSH)), name="nsh1-ip4 | key without nsh | userspace")

    # --- set(tunnel), egress tunnel info, output to a VXLAN port -----------------------
    # Port 4 is a collect-metadata VXLAN device; the underlay's routes and
    # neighbours are static (tests/vm/test_actions_ab.sh), so the tunnel
    # key's source address is too; its tp_src is the vxlan device's
    # udp_flow_src_port(), from the packet's flow hash (per boot, like DP_HASH).
    VX = VX_PORT
    T4 = set_tunnel("id=100,dst=172.31.77.2,ttl=64,df", tun_id=100, dst4=UL_REMOTE4, df=True)
    T4b = set_tunnel("id=0x1234567890,src,dst,tos=0x28,ttl=10,csum,tp_dst=4790",
                     tun_id=0x1234567890, src4=UL_LOCAL4, dst4=UL_REMOTE4, tos=0x28, ttl=10,
                     csum=True, tp_dst=4790)
    T4r = set_tunnel("id=101,dst=198.18.0.7 (routed),ttl=64,df,tp_src=1234", tun_id=101,
                     dst4=UL_ROUTED4, df=True, tp_src=1234)
    T4n = set_tunnel("id=102,dst=172.31.77.2,ttl=0,tos=3", tun_id=102, dst4=UL_REMOTE4, ttl=0,
                     tos=3)
    T6 = set_tunnel("id=200,dst=fd77::2,ttl=64", tun_id=200, dst6=UL_REMOTE6)
    T6b = set_tunnel("id=201,src=fd77::1,dst,tos=0x10,ttl=5,csum,tp_dst=4790", tun_id=201,
                     src6=UL_LOCAL6, dst6=UL_REMOTE6, tos=0x10, ttl=5, csum=True, tp_dst=4790)
    T6r = set_tunnel("id=202,dst=2001:db8:77::7 (routed),ttl=64", tun_id=202, dst6=UL_ROUTED6)
    UE = lambda port=VX, **kw: US(egress=port, **kw)  # noqa: E731

    def tadd(f, acts, **kw):
        c = add("tunnel", f, acts, **kw)
        c.underlay = True
        return c

    for f in (t4, u6):
        for T in (T4, T4b, T4r, T4n, T6, T6b, T6r):
            tadd(f, seq(T, UE()))
        for T in (T4, T4b, T4r, T6, T6b, T6r):
            tadd(f, seq(T, out(VX)))
    for f in (byname["arp"], byname["vlan-udp4"], byname["qinq-udp4"], byname["l3-tcp4"],
              nby["nsh1-eth"], nby["l3-nsh1-ip4"]):
        tadd(f, seq(T4, UE(), out(VX)))
        tadd(f, seq(T6, out(VX), UE()))
    for acts in (
        UE(),                                   # no tunnel set: no key
        seq(T4, UE(port=1)),                    # not a tunnel port
        seq(T4, UE(port=0)),                    # the local (internal) port
        seq(T4, UE(port=9)),                    # no such port
        seq(set_tunnel("id=103,dst=203.0.113.9 (no route),ttl=64", tun_id=103,
                       dst4=UL_UNREACH4), UE(), out(VX)),
        seq(set_tunnel("id=203,dst=2001:db8:99::1 (no route),ttl=64", tun_id=203,
                       dst6=UL_UNREACH6), UE(), out(VX)),
        seq(set_tunnel("id=104,src=10.99.0.1 (not local),dst,ttl=64", tun_id=104,
                       src4=bytes([10, 99, 0, 1]), dst4=UL_REMOTE4), UE(), out(VX)),
        seq(set_tunnel("no id,dst,ttl=64,oam", dst4=UL_REMOTE4, oam=True), UE(), out(VX)),
        seq(set_tunnel("id=105,dst,ttl=64,df,vxlan gbp=0x4c8", tun_id=105, dst4=UL_REMOTE4,
                       df=True, gbp=0x4c8), UE(), out(VX)),
        seq(set_tunnel("id=106,dst,ttl=64,geneve opts", tun_id=106, dst4=UL_REMOTE4,
                       geneve=be16(0x0102) + bytes([0x80, 1]) + be32(0xdeadbeef)), UE(), out(VX)),
        seq(set_tunnel("id=107,dst6,ttl=64,gbp=0x12", tun_id=107, dst6=UL_REMOTE6, gbp=0x12),
            UE()),
        seq(T4, UE(userdata=b"egress", actions=True)),
        seq(T4, UE(), UE()),
        seq(T4, T6, UE()),
        seq(T4, clone(T6, UE(), out(VX)), UE(), out(VX)),
        seq(T4, trunc(40), UE()),
        seq(T4, trunc(40), out(VX)),
        seq(T4, out(VX), out(VX)),
        seq(T4, out(VX), T6, out(VX), UE()),
        seq(T4, out(1), out(0), UE()),
        seq(T4, eth_set, out(VX), UE()),
        seq(T4, push_vlan(0x8100, 0x100c), out(VX)),
        seq(T4, hash_(0, 9), UE()),
        seq(hash_(1, 9), T4, UE()),
        seq(T4, p_md1, p_eth, out(VX), UE()),
        seq(T4, sample(0xffffffff, UE(), name="100%"), check_pkt_len(50, out(VX), out(1))),
        seq(T4, pop_eth(), UE(), out(VX)),
    ):
        tadd(t4, acts)
    tadd(t4, seq(T4, UE()), extra=[a(PKT_HASH, struct.pack("=Q", HASH_L4_BIT | 0x5678))],
         name="tcp4 | HASH l4,0x5678 | %s" % seq(T4, UE()).desc)
    tadd(t4, seq(T4, out(VX), UE()), extra=[a(PKT_HASH, struct.pack("=Q", HASH_SW_BIT | 0))],
         name="tcp4 | HASH sw,0 | %s" % seq(T4, out(VX), UE()).desc)
    tadd(byname["big-udp4"], seq(T4, out(VX), UE()))
    tadd(byname["big-udp4"], seq(T6, out(VX)))
    tadd(byname["big-udp4"], seq(T4, out(VX)), extra=[a(PKT_MRU, struct.pack("=H", 500))],
         name="big-udp4 | MRU 500 | %s" % seq(T4, out(VX)).desc)
    # refused (the errno)
    for acts in (
        seq(set_tunnel("no ttl", tun_id=1, dst4=UL_REMOTE4, ttl=None), out(VX)),
        seq(set_tunnel("no dst", tun_id=1), out(VX)),
        seq(set_tunnel("ipv4 and ipv6 dst", tun_id=1, dst4=UL_REMOTE4, dst6=UL_REMOTE6),
            out(VX)),
        seq(Acts("set_masked(tunnel)", a(A_SET_MASKED, a(K_TUNNEL, tunnel_attrs(
            tun_id=1, dst4=UL_REMOTE4) * 2)), {"set_masked"}), out(VX)),
        seq(T4, raw_acts("userspace(egress_tun_port 2 bytes)", a(A_USERSPACE, a(
            US_PID, u32(up)) + a(US_EGRESS_TUN_PORT, b"\4\0")), {"userspace"})),
    ):
        tadd(t4, acts)
    return cases


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


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out")
    r.add_argument("--ports", required=True, help="the datapath side of the veths: P1,P2,P3")
    r.add_argument("--caps", required=True, help="their peers: C1,C2,C3")
    r.add_argument("--vxlan", help="a collect-metadata vxlan device: datapath port 4")
    r.add_argument("--underlay", help="where the vxlan device's frames arrive: captured")
    r.add_argument("--deadline", type=float, default=600.0)
    cp = sub.add_parser("compare")
    cp.add_argument("c_out")
    cp.add_argument("rs_out")
    cp.add_argument("--limit", type=int, default=6)
    sub.add_parser("corpus")
    args = p.parse_args(argv)
    if args.cmd == "compare":
        return compare(args.c_out, args.rs_out, args.limit)
    if args.cmd == "corpus":
        for i, c in enumerate(corpus(1, 2), 1):
            print("[%04d] %s" % (i, c.name))
        return 0
    run = Run(args)
    try:
        return run.main()
    finally:
        run.teardown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
