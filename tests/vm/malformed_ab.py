#!/usr/bin/env python3
"""Malformed frames through a datapath's packet path, as a transcript that
does not depend on the run or on the module.

    malformed_ab.py run OUT --inject DEV --ports P1,P2,P3 [--ping NS,ADDR]
    malformed_ab.py compare C_OUT RS_OUT    # the first differences, keys decoded
    malformed_ab.py corpus                  # the frames: index, name, length, hex
    malformed_ab.py counts                  # the frames per category

`run` runs inside the test VM as root with one datapath module loaded
(tests/vm/test_malformed.sh loads it, checks which, and creates the veth
pairs): it creates datapath "ovs-mf" (OVS_DP_F_UNALIGNED, per-vport
dispatch: no OVS_DP_F_DISPATCH_UPCALL_PER_CPU) whose OVS_DP_ATTR_UPCALL_PID
is one genetlink socket of ours, adds P1, P2, P3 as netdev ports 1, 2, 3
whose OVS_VPORT_ATTR_UPCALL_PID is another, installs no flow, and sends
every frame of the corpus below through an AF_PACKET socket on DEV (the
veth peer of P3), so that each one that reaches the datapath is a miss:
an OVS_PACKET_CMD_MISS upcall to the vport socket.

The corpus: Ethernet frames cut short and corrupted for every protocol
key_extract() parses (net/openvswitch/flow.c): 802.1Q/802.1ad tags,
LLC/SNAP, MPLS label stacks, IPv4 (IHL, lengths, fragments, options),
IPv6 (each extension header, fragment headers, long chains), ARP/RARP,
ICMPv4, ICMPv6 with neighbour discovery options, TCP/UDP/SCTP, NSH; then
a few valid frames; a few hundred random corruptions of valid frames (a
fixed seed); then jumbo frames (DEV needs MTU 9000) whose headers run
past the first 2 KiB: in linear frames (AF_PACKET makes a frame linear
when it fits in a page) and in paged ones (then only the Ethernet header
is linear), where extraction has to pull or read past the linear head.
`counts` prints the number of frames per category (CATEGORIES).

Ordering: after every frame a "barrier" frame follows (ethertype 0x88b5,
payload naming the frame), on the same socket, from the same CPU (the
process pins itself to CPU 0, so both sit in the same backlog queue and
are handled in order). Everything the vport socket receives before the
barrier's own upcall belongs to the frame: no timeout decides whether a
frame got an upcall, so the transcript is deterministic (a frame the
datapath drops is simply followed by the barrier's upcall). A barrier
that does not come within 5 s is recorded as such.

What reaches the datapath (found out with openvswitch.ko, and recorded by
the transcript on both modules):
  - frames of less than 14 bytes never do: AF_PACKET refuses them with
    EINVAL (dev_validate_header(): ETH_HLEN is the veth's
    min_header_len), so the transcript has "send EINVAL" for them;
  - frames are not padded to 60 bytes on the way (veth is no NIC): a
    14-byte frame arrives as 14 bytes;
  - a frame whose outer ethertype is 802.1Q/802.1ad but that has fewer
    than 20 bytes is dropped by the core's skb_vlan_untag() before any
    rx_handler, so the datapath never sees it (no upcall, not counted);
    longer ones arrive with the outer tag in the skb's accelerated tag,
    and the upcall puts it back inside the packet;
  - key extraction errors (NSH cut short, bad version, bad MD type or
    length) make ovs_vport_receive() drop the frame: no upcall, and it is
    not counted as missed.

One line per frame:
    NNNN NAME len=L send=ok|ERRNO upcalls=N[ MISS v1 dp=<dp> KEY=hex
        HASH=flags PACKET=hex ...]
(one line; each upcall's attributes in the order sent, the nlmsg header's
flags/seq/pid when not 0). OVS_PACKET_ATTR_HASH's 32-bit value is not in
the transcript: it is skb_get_hash(), the flow dissector's hash seeded
with a random key per boot (and would differ between runs and machines);
its L4/SW bits are kept (they say what the dissector found, nothing
random). The values go to OUT.hash. Then the datapath's
OVS_DP_ATTR_STATS (n_hit, n_missed, n_lost), the injecting vport's
OVS_VPORT_ATTR_STATS and UPCALL_STATS, and how many messages the
datapath's own socket received (none expected).

Then, with --ping NS,ADDR: flows in_port(1) -> output:2 and in_port(2)
-> output:1 (everything but in_port wildcarded), `ip netns exec NS ping`
ADDR, and the flows' and the datapath's stats: the pings must succeed,
the flows and n_hit count them, n_missed and n_lost stay. Only facts that
do not depend on timing go to the transcript (the raw counts go to
OUT.notes). The datapath is deleted at the end.

Standard library only (Python under TCG is slow): genl_families.py's
netlink helpers. Constants: include/uapi/linux/openvswitch.h.
"""
import argparse
import difflib
import errno
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402
from ovs_dp import (  # noqa: E402
    DST, SRC, a, be16, be32, errno_name, family_id, md2_tlv, mpls_lse, u32, vlan_tag)
from ovs_dp import eth as ether, inet_csum as csum  # noqa: E402

# --- include/uapi/linux/openvswitch.h ---------------------------------------

DP_NEW, DP_DEL, DP_GET = 1, 2, 3
DP_ATTR_NAME, DP_ATTR_UPCALL_PID, DP_ATTR_STATS, DP_ATTR_USER_FEATURES = 1, 2, 3, 5
OVS_DP_F_UNALIGNED = 1
VPORT_NEW, VPORT_GET = 1, 3
V_PORT_NO, V_TYPE, V_NAME, V_UPCALL_PID, V_STATS, V_UPCALL_STATS = 1, 2, 3, 5, 6, 10
VPORT_TYPE_NETDEV = 1
FLOW_NEW, FLOW_GET = 1, 3
F_KEY, F_ACTIONS, F_STATS, F_MASK = 1, 2, 3, 7
ACTION_OUTPUT = 1
PACKET_CMD_MISS = 1
PACKET_CMDS = {1: "MISS", 2: "ACTION", 3: "EXECUTE"}
P_PACKET, P_KEY, P_HASH = 1, 2, 11
PACKET_ATTRS = {1: "PACKET", 2: "KEY", 3: "ACTIONS", 4: "USERDATA", 5: "EGRESS_TUN_KEY",
                6: "UNUSED1", 7: "UNUSED2", 8: "PROBE", 9: "MRU", 10: "LEN", 11: "HASH",
                12: "UPCALL_PID"}
HASH_SW_BIT, HASH_L4_BIT = 1 << 32, 1 << 33
KEY_ATTRS = ["UNSPEC", "ENCAP", "PRIORITY", "IN_PORT", "ETHERNET", "VLAN", "ETHERTYPE",
             "IPV4", "IPV6", "TCP", "UDP", "ICMP", "ICMPV6", "ARP", "ND", "SKB_MARK",
             "TUNNEL", "SCTP", "TCP_FLAGS", "DP_HASH", "RECIRC_ID", "MPLS", "CT_STATE",
             "CT_ZONE", "CT_MARK", "CT_LABELS", "CT_ORIG_TUPLE_IPV4", "CT_ORIG_TUPLE_IPV6",
             "NSH", "PACKET_TYPE", "ND_EXTENSIONS", "TUNNEL_INFO", "IPV6_EXTHDRS"]
K_IN_PORT, K_ETHERNET = 3, 4
OVS_DP_STATS = struct.Struct("=QQQQ")                 # n_hit, n_missed, n_lost, n_flows
OVS_VPORT_STATS = struct.Struct("=QQQQQQQQ")
NLM_F_ACK, NLM_F_ECHO, NLM_F_CREATE = 0x4, 0x8, 0x400

DP_NAME = "ovs-mf"
BARRIER_TYPE = 0x88b5          # IEEE 802 local experimental ethertype
BARRIER_TIMEOUT = 5.0
SEED = 20251124

# --- frame builders -----------------------------------------------------------

IP_A, IP_B = bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2])
IP6_A = bytes.fromhex("fe800000000000000000000000000001")
IP6_B = bytes.fromhex("fe800000000000000000000000000002")


def ipv4(proto, payload=b"", ihl=None, tot_len=None, frag=0, tos=0, ttl=64, options=b"",
         version=4, src=IP_A, dst=IP_B):
    if ihl is None:
        ihl = 5 + len(options) // 4
    if tot_len is None:
        tot_len = 20 + len(options) + len(payload)
    hdr = struct.pack(">BBHHHBBH4s4s", (version << 4) | (ihl & 0xf), tos, tot_len & 0xffff,
                      0x1234, frag, ttl, proto, 0, src, dst) + options
    hdr = hdr[:10] + be16(csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(nh, payload=b"", plen=None, tclass=0, label=0x12345, hlim=64, version=6,
         src=IP6_A, dst=IP6_B):
    if plen is None:
        plen = len(payload)
    first = (version << 28) | (tclass << 20) | label
    return be32(first) + be16(plen & 0xffff) + bytes([nh, hlim]) + src + dst + payload


def tcp(sport=1000, dport=80, flags=0x002, doff=5, opts=b"", payload=b""):
    word = (doff << 12) | (flags & 0xfff)
    return struct.pack(">HHIIHHHH", sport, dport, 1, 0, word, 8192, 0, 0) + opts + payload


def udp(sport=1000, dport=53, payload=b"", length=None):
    if length is None:
        length = 8 + len(payload)
    return struct.pack(">HHHH", sport, dport, length & 0xffff, 0) + payload


def sctp(sport=1000, dport=2000, payload=b""):
    return struct.pack(">HHII", sport, dport, 0xdeadbeef, 0) + payload


def icmp(typ=8, code=0, rest=b"\0\1\0\1", payload=b""):
    return bytes([typ, code]) + b"\0\0" + rest + payload


def icmp6(typ=128, code=0, body=b"\0\1\0\1"):
    return bytes([typ, code]) + b"\0\0" + body


def arp_body(hrd=1, pro=0x0800, hln=6, pln=4, op=1, sha=SRC, spa=IP_A, tha=bytes(6), tpa=IP_B):
    return struct.pack(">HHBBH", hrd, pro, hln, pln, op) + sha + spa + tha + tpa


def opt_hdr(nh, hdrlen=0, fill=None):
    """A HOP/DEST/ROUTING-shaped extension header of (hdrlen + 1) * 8 bytes."""
    n = (hdrlen + 1) * 8 - 4
    if fill is not None:
        body = fill
    elif n <= 255:
        body = b"\x01" + bytes([n]) + bytes(n)     # one PadN option filling it
    else:
        body = bytes(n + 2)                        # Pad1 options
    return bytes([nh, hdrlen]) + body[:(hdrlen + 1) * 8 - 2]


def rt_hdr(nh, rtype=0, segs=0, hdrlen=2):
    return bytes([nh, hdrlen, rtype, segs]) + bytes((hdrlen + 1) * 8 - 4)


def frag_hdr(nh, offset=0, more=False, ident=0x11223344, res=0):
    return bytes([nh, 0]) + be16((offset << 3) | res | (1 if more else 0)) + be32(ident)


def ah_hdr(nh, hdrlen=4):
    """AH: (hdrlen + 2) * 4 bytes (ipv6_authlen), not ipv6_optlen's."""
    return bytes([nh, hdrlen]) + b"\0\0" + be32(0x100) + be32(1) + bytes((hdrlen + 2) * 4 - 12)


HOP, TCP_P, UDP_P, ROUTING, FRAGMENT, ESP, AH, ICMPV6_P, NONE, DEST, SCTP_P = \
    0, 6, 17, 43, 44, 50, 51, 58, 59, 60, 132


def chain(kinds, last, payload):
    """IPv6 payload: extension headers of kinds (HOP/DEST/ROUTING/FRAGMENT/AH),
    then `last` as the final next header; returns (first nexthdr, bytes)."""
    out = payload
    nh = last
    for k in reversed(kinds):
        if k in (HOP, DEST):
            out = opt_hdr(nh) + out
        elif k == ROUTING:
            out = rt_hdr(nh) + out
        elif k == FRAGMENT:
            out = frag_hdr(nh) + out
        elif k == AH:
            out = ah_hdr(nh) + out
        else:
            raise ValueError(k)
        nh = k
    return nh, out


def ip6_frame(kinds, last, payload, **kw):
    nh, body = chain(kinds, last, payload)
    return ether(0x86dd, ipv6(nh, body, **kw))


def nsh(ver=0, flags=0, ttl=63, length=None, mdtype=1, np=1, spi=0x123456, si=255,
        ctx=None):
    if ctx is None:
        ctx = bytes(range(16)) if mdtype == 1 else b""
    if length is None:
        length = (8 + len(ctx)) // 4
    word = (ver << 14) | (flags << 12) | ((ttl & 0x3f) << 6) | (length & 0x3f)
    return be16(word) + bytes([mdtype, np]) + be32((spi << 8) | si) + ctx


def nd_opt(typ, length_units, data=None):
    if data is None:
        data = bytes(range(0x40, 0x40 + length_units * 8 - 2)) if length_units else b""
    return bytes([typ, length_units]) + data


TARGET = bytes.fromhex("fe800000000000000000000000000099")
LLA1, LLA2 = bytes.fromhex("0a0000000001"), bytes.fromhex("0a0000000002")


def nd(typ, opts=b"", code=0, target=TARGET):
    """NS (135) / NA (136): flags/reserved, target, options."""
    flags = b"\x60\0\0\0" if typ == 136 else bytes(4)
    return icmp6(typ, code, flags + target + opts)


def ip4_frame(proto, payload=b"", **kw):
    return ether(0x0800, ipv4(proto, payload, **kw))


# --- the corpus ---------------------------------------------------------------

def corpus():
    """[(category, name, frame bytes)], always the same."""
    c = []

    def add(cat, name, frame):
        c.append((cat, name, bytes(frame)))

    # Ethernet cut short. Below 14 bytes AF_PACKET refuses (EINVAL).
    full = ether(0x0800, ipv4(17, udp()))
    for n in (0, 1, 6, 12, 13):
        add("eth", "eth-len%d" % n, full[:n])
    for t in (0x0800, 0x86dd, 0x0806, 0x8035, 0x8847, 0x8848, 0x894f, 0x88cc, 0x0000,
              0x05dc, 0x05ff, 0x0600, 0xffff):
        add("eth", "eth-only-type%04x" % t, ether(t))
    add("eth", "eth-ip-1byte", full[:15])
    add("eth", "eth-lldp", ether(0x88cc, bytes(range(46))))
    add("eth", "eth-bcast-multicast-src", ether(0x88cc, bytes(46), dst=b"\xff" * 6,
                                                 src=bytes.fromhex("010000000001")))

    # 802.1Q / 802.1ad. The core untags the outer tag (skb_vlan_untag) only
    # with 6 bytes after the MAC header; shorter ones never reach OVS.
    inner = ipv4(17, udp(payload=b"vlan"))
    q = ether(0x8100, be16(0x0064) + be16(0x0800) + inner)
    for n in range(14, 21):
        add("vlan", "8021q-cut%d" % n, q[:n])
    add("vlan", "8021q-ip-cut30", q[:30])
    add("vlan", "8021q-ip", q)
    add("vlan", "8021q-tci0", ether(0x8100, be16(0) + be16(0x0800) + inner))
    add("vlan", "8021q-tciffff", ether(0x8100, be16(0xffff) + be16(0x0800) + inner))
    add("vlan", "8021q-cfi", ether(0x8100, be16(0x1064) + be16(0x0800) + inner))
    add("vlan", "88a8-ip", ether(0x88a8, be16(0x2064) + be16(0x0800) + inner))
    qinq = ether(0x88a8, be16(0x00c8) + vlan_tag(0x8100, 0x0064) + be16(0x0800) + inner)
    for n in range(18, 25):
        add("vlan", "qinq-cut%d" % n, qinq[:n])
    add("vlan", "qinq-ip", qinq)
    add("vlan", "qinq-ip-cut40", qinq[:40])
    add("vlan", "8100-8100-ip", ether(0x8100, be16(0x00c8) + vlan_tag(0x8100, 0x0064)
                                      + be16(0x0800) + inner))
    add("vlan", "88a8-88a8-ip", ether(0x88a8, be16(0x00c8) + vlan_tag(0x88a8, 0x0064)
                                      + be16(0x0800) + inner))
    add("vlan", "8100-88a8-ip", ether(0x8100, be16(0x00c8) + vlan_tag(0x88a8, 0x0064)
                                      + be16(0x0800) + inner))
    add("vlan", "triple-tag", ether(0x88a8, be16(0x012c) + vlan_tag(0x8100, 0x00c8)
                                    + vlan_tag(0x8100, 0x0064) + be16(0x0800) + inner))
    add("vlan", "triple-tag-cut", ether(0x88a8, be16(0x012c) + vlan_tag(0x8100, 0x00c8)
                                        + be16(0x8100) + b"\0"))
    add("vlan", "9100-ip", ether(0x9100, be16(0x0064) + be16(0x0800) + inner))
    add("vlan", "8021q-llc", ether(0x8100, be16(0x0064) + be16(0x0020)
                                   + b"\x42\x42\x03" + bytes(29)))
    add("vlan", "8021q-snap-ip", ether(0x8100, be16(0x0064) + be16(0x0030)
                                       + bytes.fromhex("aaaa03000000") + be16(0x0800) + inner))
    add("vlan", "8021q-arp", ether(0x8100, be16(0x0064) + be16(0x0806) + arp_body()))
    add("vlan", "8021q-ip6", ether(0x8100, be16(0x0064) + be16(0x86dd)
                                   + ipv6(UDP_P, udp())))
    add("vlan", "8021q-mpls", ether(0x8100, be16(0x0064) + be16(0x8847)
                                    + mpls_lse(100, True) + inner))
    add("vlan", "qinq-8023len", ether(0x88a8, be16(0x00c8) + vlan_tag(0x8100, 0x0064)
                                      + be16(0x0004) + b"\xaa\xaa"))

    # LLC / SNAP (802.3 length field).
    snap_ip = bytes.fromhex("aaaa03000000") + be16(0x0800) + inner
    for n in range(0, 8):
        add("llc", "snap-cut%d" % n, ether(0x0030, snap_ip[:n]))
    add("llc", "snap-ip", ether(len(snap_ip), snap_ip))
    add("llc", "snap-ip-cut20", ether(len(snap_ip), snap_ip[:20]))
    add("llc", "snap-len0-ip", ether(0x0000, snap_ip))
    add("llc", "snap-len5ff-ip", ether(0x05ff, snap_ip))
    add("llc", "snap-oui-cisco", ether(0x0030, bytes.fromhex("aaaa0300000c") + be16(0x2000)
                                       + bytes(20)))
    add("llc", "snap-type-0500", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x0500)
                                       + bytes(20)))
    add("llc", "snap-type-05ff", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x05ff)))
    add("llc", "snap-type-0600", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x0600)))
    add("llc", "snap-ip6-cut", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x86dd)
                                     + ipv6(UDP_P, udp())[:30]))
    add("llc", "snap-8100", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x8100)
                                  + be16(0x0064) + be16(0x0800) + inner))
    add("llc", "snap-arp", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x0806)
                                 + arp_body()))
    add("llc", "snap-arp-cut", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x0806)
                                     + arp_body()[:10]))
    add("llc", "snap-nsh-bad", ether(0x0030, bytes.fromhex("aaaa03000000") + be16(0x894f)
                                     + nsh(ver=1)))
    add("llc", "snap-dsap-ab", ether(0x0030, bytes.fromhex("abaa03000000") + be16(0x0800)
                                     + inner))
    add("llc", "snap-ssap-ab", ether(0x0030, bytes.fromhex("aaab03000000") + be16(0x0800)
                                     + inner))
    add("llc", "llc-stp", ether(0x0026, b"\x42\x42\x03" + bytes(35)))
    add("llc", "llc-8023-raw", ether(0x0010, b"\xff\xff" + bytes(14)))

    # MPLS label stacks.
    for t in (0x8847, 0x8848):
        tag = "mpls" if t == 0x8847 else "mplsm"
        for n in range(0, 4):
            add("mpls", "%s-cut%d" % (tag, n), ether(t, mpls_lse(100, True)[:n]))
        add("mpls", tag + "-1s", ether(t, mpls_lse(100, True)))
        add("mpls", tag + "-1-nos", ether(t, mpls_lse(100, False)))
        add("mpls", tag + "-1-nos-2bytes", ether(t, mpls_lse(100, False) + b"\0\0"))
        add("mpls", tag + "-2s", ether(t, mpls_lse(100, False) + mpls_lse(200, True)))
        add("mpls", tag + "-3s-ip", ether(t, mpls_lse(1, False) + mpls_lse(2, False)
                                          + mpls_lse(3, True) + inner))
        add("mpls", tag + "-3-nos", ether(t, mpls_lse(1, False) + mpls_lse(2, False)
                                          + mpls_lse(3, False)))
        add("mpls", tag + "-4s", ether(t, b"".join(mpls_lse(i, i == 4) for i in range(1, 5))))
    add("mpls", "mpls-100s", ether(0x8847, b"".join(mpls_lse(i, i == 100)
                                                    for i in range(1, 101))))
    add("mpls", "mpls-300-nos", ether(0x8847, b"".join(mpls_lse(i, False)
                                                       for i in range(1, 301))))
    add("mpls", "mpls-375s", ether(0x8847, b"".join(mpls_lse(i, i == 375)
                                                    for i in range(1, 376))))
    add("mpls", "mpls-375s-cut", ether(0x8847, b"".join(mpls_lse(i, i == 375)
                                                        for i in range(1, 376))[:-1]))
    add("mpls", "mpls-label-max", ether(0x8847, be32(0xffffffff)))
    add("mpls", "mpls-1s-ip6", ether(0x8847, mpls_lse(16, True) + ipv6(UDP_P, udp())))

    # IPv4.
    good = ipv4(17, udp(payload=b"hello"))
    for n in (1, 10, 19):
        add("ipv4", "ip4-cut%d" % n, ether(0x0800, good[:n]))
    for ihl in (0, 1, 4):
        add("ipv4", "ip4-ihl%d" % ihl, ip4_frame(17, udp(), ihl=ihl))
    add("ipv4", "ip4-ihl6-opts", ip4_frame(17, udp(), options=b"\x01\x01\x01\x00"))
    add("ipv4", "ip4-ihl6-cut22", ip4_frame(17, udp(), options=b"\x01\x01\x01\x00")[:14 + 22])
    add("ipv4", "ip4-ihl15-short", ether(0x0800, ipv4(17, b"", ihl=15)))
    add("ipv4", "ip4-ihl15-full-tcp", ip4_frame(6, tcp(), options=b"\x01" * 39 + b"\0"))
    add("ipv4", "ip4-ihl8-rr", ip4_frame(6, tcp(), options=b"\x07\x0b\x04" + bytes(8) + b"\0"))
    add("ipv4", "ip4-ihl7-bad-opt", ip4_frame(17, udp(), options=b"\x44\xff\x00\x00" + bytes(4)))
    add("ipv4", "ip4-totlen-ffff", ip4_frame(17, udp(), tot_len=0xffff))
    add("ipv4", "ip4-totlen-0", ip4_frame(17, udp(), tot_len=0))
    add("ipv4", "ip4-totlen-10", ip4_frame(17, udp(), tot_len=10))
    add("ipv4", "ip4-version6", ip4_frame(17, udp(), version=6))
    add("ipv4", "ip4-version0", ip4_frame(17, udp(), version=0))
    for p in (0, 47, 50, 89, 255):
        add("ipv4", "ip4-proto%d" % p, ip4_frame(p, bytes(16)))
    add("ipv4", "ip4-tos-ttl", ip4_frame(17, udp(), tos=0xff, ttl=0))
    add("ipv4", "ip4-bcast", ip4_frame(17, udp(), src=b"\0\0\0\0", dst=b"\xff" * 4))
    IP_MF, IP_DF, IP_RF = 0x2000, 0x4000, 0x8000
    for name, frag in (("first", IP_MF), ("later", 1), ("later-mf", IP_MF | 100),
                       ("df", IP_DF), ("df-mf", IP_DF | IP_MF), ("rf", IP_RF),
                       ("off-max", 0x1fff), ("rf-off", IP_RF | 5)):
        add("ipv4", "ip4-frag-%s-tcp" % name, ip4_frame(6, tcp(), frag=frag))
        add("ipv4", "ip4-frag-%s-udp" % name, ip4_frame(17, udp(), frag=frag))
    add("ipv4", "ip4-frag-first-tcp-cut", ip4_frame(6, tcp()[:10], frag=IP_MF))
    add("ipv4", "ip4-frag-later-cut", ip4_frame(6, b"", frag=7))
    add("ipv4", "ip4-frag-first-icmp", ip4_frame(1, icmp(), frag=IP_MF))
    add("ipv4", "ip4-frag-later-ihl15", ether(0x0800, ipv4(6, b"", ihl=15, frag=3)))

    # TCP, UDP, SCTP, ICMP over IPv4 and IPv6.
    for l3, mk in (("ip4", lambda p, pl: ip4_frame(p, pl)),
                   ("ip6", lambda p, pl: ether(0x86dd, ipv6(p, pl)))):
        t = tcp(flags=0x012)
        for n in (0, 1, 4, 12, 13, 19):
            add("tcp", "%s-tcp-cut%d" % (l3, n), mk(6, t[:n]))
        for doff in (0, 1, 4):
            add("tcp", "%s-tcp-doff%d" % (l3, doff), mk(6, tcp(doff=doff)))
        add("tcp", "%s-tcp-doff6-short" % l3, mk(6, tcp(doff=6)))
        add("tcp", "%s-tcp-doff15-short" % l3, mk(6, tcp(doff=15, opts=bytes(20))))
        add("tcp", "%s-tcp-doff15-full" % l3, mk(6, tcp(doff=15, opts=b"\x01" * 40)))
        add("tcp", "%s-tcp-flags-fff" % l3, mk(6, tcp(flags=0xfff)))
        add("tcp", "%s-tcp-flags-0" % l3, mk(6, tcp(flags=0, payload=b"data")))
        u = udp(payload=b"payload")
        for n in (0, 1, 4, 7):
            add("udp", "%s-udp-cut%d" % (l3, n), mk(17, u[:n]))
        add("udp", "%s-udp-len0" % l3, mk(17, udp(length=0)))
        add("udp", "%s-udp-len-ffff" % l3, mk(17, udp(length=0xffff)))
        add("udp", "%s-udp-hdr-only" % l3, mk(17, udp()[:8]))
        s = sctp(payload=bytes(16))
        for n in (0, 2, 4, 11):
            add("sctp", "%s-sctp-cut%d" % (l3, n), mk(132, s[:n]))
        add("sctp", "%s-sctp-hdr-only" % l3, mk(132, s[:12]))
    ic = icmp(8, 0, payload=b"ping")
    for n in (0, 1, 3):
        add("icmp", "icmp-cut%d" % n, ip4_frame(1, ic[:n]))
    add("icmp", "icmp-hdr-only", ip4_frame(1, ic[:4]))
    add("icmp", "icmp-echo", ip4_frame(1, ic))
    add("icmp", "icmp-unreach-inner", ip4_frame(1, icmp(3, 3, rest=bytes(4),
                                                       payload=ipv4(17, udp())[:28])))
    add("icmp", "icmp-type-ff", ip4_frame(1, icmp(255, 255)))

    # IPv6: the header, each extension header cut, fragments, chains.
    g6 = ipv6(UDP_P, udp(payload=b"six"))
    for n in (0, 1, 20, 39):
        add("ipv6", "ip6-cut%d" % n, ether(0x86dd, g6[:n]))
    add("ipv6", "ip6-nonext", ether(0x86dd, ipv6(NONE)))
    add("ipv6", "ip6-plen-ffff", ether(0x86dd, ipv6(UDP_P, udp(), plen=0xffff)))
    add("ipv6", "ip6-version4", ether(0x86dd, ipv6(UDP_P, udp(), version=4)))
    add("ipv6", "ip6-tclass-label", ether(0x86dd, ipv6(UDP_P, udp(), tclass=0xff,
                                                       label=0xfffff, hlim=0)))
    for p in (0, 50, 135, 139, 253, 255):
        add("ipv6", "ip6-nh%d-empty" % p, ether(0x86dd, ipv6(p)))
    for kind, name in ((HOP, "hop"), (DEST, "dest"), (ROUTING, "rt"), (FRAGMENT, "frag"),
                       (AH, "ah")):
        full_ext = chain([kind], UDP_P, udp(payload=b"x"))[1]
        if kind == FRAGMENT:
            cuts = (0, 1, 2, 3, 4, 7)
        elif kind == ROUTING:
            cuts = (0, 1, 2, 3, 4, 20)
        else:
            cuts = (0, 1, 2, 7)
        for n in cuts:
            add("ipv6", "ip6-%s-cut%d" % (name, n), ether(0x86dd, ipv6(kind, full_ext[:n])))
        ext_len = len(full_ext) - 9      # the extension header alone (udp is 9 bytes)
        add("ipv6", "ip6-%s-only" % name, ether(0x86dd, ipv6(kind, full_ext[:ext_len])))
        add("ipv6", "ip6-%s-udp" % name, ether(0x86dd, ipv6(kind, full_ext)))
        if kind != FRAGMENT:
            big = bytes([UDP_P, 255]) + full_ext[2:]
            add("ipv6", "ip6-%s-hdrlen255" % name, ether(0x86dd, ipv6(kind, big)))
    add("ipv6", "ip6-esp-after-hop", ip6_frame([HOP], ESP, bytes(16)))
    add("ipv6", "ip6-none-after-hop", ip6_frame([HOP], NONE, bytes(8)))
    add("ipv6", "ip6-none-mid", ip6_frame([HOP, DEST], NONE, opt_hdr(UDP_P) + udp()))
    # AH: get_ipv6_ext_hdrs() steps over it with ipv6_optlen, ipv6_find_hdr
    # with ipv6_authlen: with hdrlen 1 they disagree (16 vs 12 bytes).
    ah1 = bytes([DEST, 1]) + b"\0\0" + be32(0x100) + be32(1)       # 12 bytes
    add("ipv6", "ip6-ah1-dest-udp", ether(0x86dd, ipv6(AH, ah1 + opt_hdr(UDP_P) + udp())))
    add("ipv6", "ip6-ah1-dest-tcp", ether(0x86dd, ipv6(AH, ah1 + opt_hdr(TCP_P) + tcp())))
    add("ipv6", "ip6-ah0", ether(0x86dd, ipv6(AH, bytes([UDP_P, 0]) + b"\0\0" + udp())))
    # Routing headers.
    add("ipv6", "ip6-rt0-segs", ether(0x86dd, ipv6(ROUTING, rt_hdr(UDP_P, 0, 3) + udp())))
    add("ipv6", "ip6-rt4-srh", ether(0x86dd, ipv6(ROUTING, rt_hdr(UDP_P, 4, 1) + udp())))
    # Fragment headers.
    for name, off, more in (("first", 0, True), ("later", 1, False), ("later-more", 100, True),
                            ("atomic", 0, False), ("off-max", 0x1fff, False)):
        add("ipv6", "ip6-frag-%s-udp" % name,
            ether(0x86dd, ipv6(FRAGMENT, frag_hdr(UDP_P, off, more) + udp())))
        add("ipv6", "ip6-frag-%s-tcp" % name,
            ether(0x86dd, ipv6(FRAGMENT, frag_hdr(TCP_P, off, more) + tcp())))
    add("ipv6", "ip6-frag-res-bits", ether(0x86dd, ipv6(FRAGMENT, frag_hdr(UDP_P, 0, False, res=6)
                                                        + udp())))
    add("ipv6", "ip6-frag-later-dest", ether(0x86dd, ipv6(FRAGMENT, frag_hdr(DEST, 5)
                                                          + opt_hdr(UDP_P) + udp())))
    add("ipv6", "ip6-frag-later-none", ether(0x86dd, ipv6(FRAGMENT, frag_hdr(NONE, 5))))
    add("ipv6", "ip6-frag-first-dest-udp", ether(0x86dd, ipv6(FRAGMENT, frag_hdr(DEST, 0, True)
                                                              + opt_hdr(UDP_P) + udp())))
    add("ipv6", "ip6-frag-first-icmp6", ether(0x86dd, ipv6(FRAGMENT, frag_hdr(ICMPV6_P, 0, True)
                                                           + icmp6(128))))
    add("ipv6", "ip6-frag-first-ns", ether(0x86dd, ipv6(FRAGMENT, frag_hdr(ICMPV6_P, 0, True)
                                                        + nd(135, nd_opt(1, 1, LLA1)))))
    add("ipv6", "ip6-frag-twice", ip6_frame([FRAGMENT, FRAGMENT], UDP_P, udp()))
    add("ipv6", "ip6-frag-later-twice", ether(0x86dd, ipv6(FRAGMENT, frag_hdr(FRAGMENT, 0, True)
                                                           + frag_hdr(UDP_P, 9) + udp())))
    # Orders and repeats (OFPIEH12_UNSEQ / UNREP).
    for kinds in ([HOP, DEST, ROUTING, FRAGMENT, AH, DEST], [DEST, HOP], [HOP, HOP],
                  [DEST, DEST], [DEST, DEST, DEST], [ROUTING, DEST], [ROUTING, ROUTING],
                  [AH, AH], [AH, ROUTING], [FRAGMENT, ROUTING], [FRAGMENT, HOP],
                  [DEST, ROUTING, DEST, ROUTING]):
        add("ipv6", "ip6-ext-" + "-".join({HOP: "hop", DEST: "dest", ROUTING: "rt",
                                            FRAGMENT: "frag", AH: "ah"}[k] for k in kinds),
            ip6_frame(kinds, UDP_P, udp()))
    # Long chains: ipv6_find_hdr() gives up after IP6_MAX_EXT_HDRS_CNT (12).
    for n in (11, 12, 13, 50, 100, 170):
        add("ipv6", "ip6-chain-dest%d" % n, ip6_frame([DEST] * n, UDP_P, udp()))
    mixed = [HOP] + [DEST, ROUTING, AH] * 10
    add("ipv6", "ip6-chain-mixed31", ip6_frame(mixed, TCP_P, tcp()))
    add("ipv6", "ip6-chain-dest12-cut", ip6_frame([DEST] * 12, UDP_P, udp())[:-20])
    add("ipv6", "ip6-chain-dest40-frag-later", ip6_frame([DEST] * 40, FRAGMENT,
                                                         frag_hdr(UDP_P, 3) + udp()))

    # ARP and RARP.
    for t, tag in ((0x0806, "arp"), (0x8035, "rarp")):
        body = arp_body()
        add("arp", tag + "-request", ether(t, body, dst=b"\xff" * 6))
        add("arp", tag + "-reply", ether(t, arp_body(op=2, tha=DST)))
        add("arp", tag + "-padded", ether(t, body + bytes(18)))
        for n in (0, 1, 7, 8, 14, 27):
            add("arp", "%s-cut%d" % (tag, n), ether(t, body[:n]))
        add("arp", tag + "-hrd6", ether(t, arp_body(hrd=6)))
        add("arp", tag + "-pro-ip6", ether(t, arp_body(pro=0x86dd)))
        add("arp", tag + "-hln8", ether(t, arp_body(hln=8)))
        add("arp", tag + "-hln0", ether(t, arp_body(hln=0)))
        add("arp", tag + "-pln16", ether(t, arp_body(pln=16)))
        for op in (0, 3, 0xff, 0x100, 0x1ff, 0xffff):
            add("arp", "%s-op%x" % (tag, op), ether(t, arp_body(op=op)))
    add("arp", "arp-hln8-long", ether(0x0806, struct.pack(">HHBBH", 1, 0x0800, 8, 4, 1)
                                      + bytes(24)))

    # ICMPv6, neighbour discovery.
    def i6(body, **kw):
        return ether(0x86dd, ipv6(ICMPV6_P, body, **kw))
    e6 = icmp6(128, 0, b"\0\1\0\1ping")
    for n in (0, 1, 3):
        add("icmp6", "icmp6-cut%d" % n, i6(e6[:n]))
    add("icmp6", "icmp6-hdr-only", i6(e6[:4]))
    add("icmp6", "icmp6-echo", i6(e6))
    add("icmp6", "icmp6-type-ff", i6(icmp6(255, 255)))
    for typ, tn in ((135, "ns"), (136, "na")):
        m = nd(typ)
        for n in (4, 8, 23):
            add("nd", "%s-cut%d" % (tn, n), i6(m[:n]))
        add("nd", tn + "-no-opts", i6(m))
        add("nd", tn + "-sll", i6(nd(typ, nd_opt(1, 1, LLA1))))
        add("nd", tn + "-tll", i6(nd(typ, nd_opt(2, 1, LLA2))))
        add("nd", tn + "-sll-tll", i6(nd(typ, nd_opt(1, 1, LLA1) + nd_opt(2, 1, LLA2))))
        add("nd", tn + "-code1", i6(nd(typ, nd_opt(1, 1, LLA1), code=1)))
        add("nd", tn + "-opt-len0", i6(nd(typ, nd_opt(1, 1, LLA1) + bytes([2, 0]) + bytes(6))))
        add("nd", tn + "-opt-len0-first", i6(nd(typ, bytes([1, 0]) + bytes(6)
                                                 + nd_opt(2, 1, LLA2))))
        add("nd", tn + "-sll-len2", i6(nd(typ, nd_opt(1, 2))))
        add("nd", tn + "-opt-too-long", i6(nd(typ, nd_opt(1, 1, LLA1) + bytes([2, 3]) + bytes(6))))
        add("nd", tn + "-opt-cut", i6(nd(typ, nd_opt(1, 1, LLA1))[:-3]))
        add("nd", tn + "-trailing7", i6(nd(typ, nd_opt(1, 1, LLA1) + bytes(7))))
        add("nd", tn + "-dup-sll", i6(nd(typ, nd_opt(1, 1, LLA1) + nd_opt(1, 1, LLA2))))
        add("nd", tn + "-dup-tll", i6(nd(typ, nd_opt(2, 1, LLA2) + nd_opt(2, 1, LLA1))))
        add("nd", tn + "-zero-sll-then-sll", i6(nd(typ, nd_opt(1, 1, bytes(6))
                                                     + nd_opt(1, 1, LLA1))))
        add("nd", tn + "-other-opts", i6(nd(typ, nd_opt(5, 1) + nd_opt(14, 3)
                                             + nd_opt(2, 1, LLA2))))
        add("nd", tn + "-many-opts", i6(nd(typ, nd_opt(5, 1) * 40 + nd_opt(1, 1, LLA1))))
    for typ in (133, 134, 137):
        add("nd", "nd-type%d-sll" % typ, i6(icmp6(typ, 0, bytes(4) + nd_opt(1, 1, LLA1))))
    add("nd", "ns-after-hop", ether(0x86dd, ipv6(HOP, opt_hdr(ICMPV6_P)
                                                 + nd(135, nd_opt(1, 1, LLA1)))))

    # NSH: errors in key extraction drop the frame.
    inner_eth = ether(0x0800, inner)
    md1 = nsh(mdtype=1, np=3) + inner_eth
    for n in range(0, 8):
        add("nsh", "nsh-cut%d" % n, ether(0x894f, md1[:n]))
    add("nsh", "nsh-md1", ether(0x894f, md1))
    add("nsh", "nsh-md1-ip", ether(0x894f, nsh(mdtype=1, np=1) + inner))
    add("nsh", "nsh-md1-cut20", ether(0x894f, md1[:20]))
    add("nsh", "nsh-md1-cut23", ether(0x894f, md1[:23]))
    for ver in (1, 2, 3):
        add("nsh", "nsh-ver%d" % ver, ether(0x894f, nsh(ver=ver) + inner))
    for length in (0, 2, 5, 7, 63):
        add("nsh", "nsh-md1-len%d" % length, ether(0x894f, nsh(mdtype=1, length=length)
                                                    + inner_eth))
    add("nsh", "nsh-md2-notlv", ether(0x894f, nsh(mdtype=2, np=3) + inner_eth))
    tlv = md2_tlv(0x0102, 3, b"abcd")
    add("nsh", "nsh-md2-tlv", ether(0x894f, nsh(mdtype=2, ctx=tlv, np=3) + inner_eth))
    add("nsh", "nsh-md2-tlv-past-end", ether(0x894f, nsh(mdtype=2, ctx=md2_tlv(1, 1, b"ab", 60))))
    add("nsh", "nsh-md2-tlv-len-past-hdr", ether(0x894f, nsh(mdtype=2, ctx=md2_tlv(1, 1, b"", 127),
                                                          np=3) + inner_eth))
    add("nsh", "nsh-md2-len-past-end", ether(0x894f, nsh(mdtype=2, length=20, ctx=tlv)))
    add("nsh", "nsh-md2-len63", ether(0x894f, nsh(mdtype=2, length=63, ctx=tlv) + bytes(200)))
    add("nsh", "nsh-md2-len0", ether(0x894f, nsh(mdtype=2, length=0) + inner_eth))
    for mdt in (0, 3, 15, 0x11, 0x12):
        add("nsh", "nsh-mdtype%x" % mdt, ether(0x894f, nsh(mdtype=mdt, ctx=bytes(16), length=6)
                                                + inner_eth))
    add("nsh", "nsh-flags-ttl", ether(0x894f, nsh(flags=3, ttl=0, mdtype=1, np=0xff,
                                                   spi=0xffffff, si=0) + inner_eth))
    add("nsh", "nsh-in-vlan", ether(0x8100, be16(0x0064) + be16(0x894f) + md1))
    add("nsh", "nsh-in-vlan-bad", ether(0x8100, be16(0x0064) + be16(0x894f) + nsh(ver=2)))
    add("nsh", "nsh-md1-maxlen-pad", ether(0x894f, nsh(mdtype=1) + bytes(1400)))

    # Valid frames.
    add("valid", "valid-arp", ether(0x0806, arp_body(), dst=b"\xff" * 6))
    add("valid", "valid-tcp-syn", ip4_frame(6, tcp(flags=0x002)))
    add("valid", "valid-udp", ip4_frame(17, udp(payload=b"x" * 100)))
    add("valid", "valid-icmp", ip4_frame(1, icmp(8, 0, payload=bytes(56))))
    add("valid", "valid-sctp", ip4_frame(132, sctp(payload=bytes(32))))
    add("valid", "valid-ip6-udp", ether(0x86dd, ipv6(UDP_P, udp(payload=b"y" * 50))))
    add("valid", "valid-ip6-tcp", ether(0x86dd, ipv6(TCP_P, tcp(flags=0x018, payload=b"z"))))
    add("valid", "valid-ns", i6(nd(135, nd_opt(1, 1, LLA1))))
    add("valid", "valid-vlan-ip", ether(0x8100, be16(0x0064) + be16(0x0800) + inner))
    add("valid", "valid-qinq-ip", qinq)
    add("valid", "valid-mpls-ip", ether(0x8847, mpls_lse(100, True) + inner))
    add("valid", "valid-nsh", ether(0x894f, md1))
    add("valid", "valid-snap-ip", ether(len(snap_ip), snap_ip))
    add("valid", "valid-1514", ip4_frame(17, udp(payload=bytes(1472))))

    # Random corruption of valid frames (fixed seed): bytes changed in the
    # headers, cuts, or both.
    bases = [f for cat, _, f in c if cat == "valid"] + [
        ip6_frame([HOP, DEST, ROUTING, FRAGMENT], TCP_P, tcp()),
        i6(nd(136, nd_opt(2, 1, LLA2) + nd_opt(1, 1, LLA1))),
        ether(0x88a8, be16(0x00c8) + vlan_tag(0x8100, 0x0064) + be16(0x86dd)
              + ipv6(ICMPV6_P, nd(135, nd_opt(1, 1, LLA1)))),
        ether(0x8847, mpls_lse(1, False) + mpls_lse(2, False) + mpls_lse(3, True) + inner),
        ether(0x894f, nsh(mdtype=2, ctx=tlv, np=3) + inner_eth),
        ether(0x8035, arp_body(op=3)),
        ip4_frame(6, tcp(doff=8, opts=b"\x02\x04\x05\xb4\x01\x01\x04\x02\x01\x03\x03\x07")),
    ]
    rng = random.Random(SEED)
    for i in range(320):
        base = bytearray(rng.choice(bases))
        kind = rng.randrange(3)
        if kind in (0, 2):
            for _ in range(rng.randint(1, 4)):
                pos = rng.randrange(min(len(base), 14 + 64))
                if rng.random() < 0.5:
                    base[pos] = rng.randrange(256)
                else:
                    base[pos] ^= 1 << rng.randrange(8)
        if kind in (1, 2):
            base = base[:rng.randint(14, len(base))]
        add("random", "random-%03d" % i, base)

    # Jumbo frames (the injecting veth pair has MTU 9000): headers that end
    # past the first 2 KiB, in linear frames (under a page: AF_PACKET
    # allocates them linear) and in paged ones (AF_PACKET puts all but the
    # Ethernet header in page fragments), where key extraction must pull
    # (or read) past what is in the linear head.
    def pad_to(frame, n):
        return frame + bytes(n - len(frame))
    add("jumbo", "jumbo-udp-9014", ip4_frame(17, udp(payload=bytes(8972))))
    add("jumbo", "jumbo-udp-5000", pad_to(ip4_frame(17, udp(payload=b"j")), 5000))
    stack = lambda n, s_at: b"".join(mpls_lse(i, i == s_at) for i in range(1, n + 1))  # noqa: E731
    add("jumbo", "jumbo-mpls-520s-linear", ether(0x8847, stack(520, 520) + inner))
    add("jumbo", "jumbo-mpls-520s-paged", pad_to(ether(0x8847, stack(520, 520) + inner), 6000))
    add("jumbo", "jumbo-mpls-1000s-paged", pad_to(ether(0x8847, stack(1000, 1000) + inner), 6000))
    add("jumbo", "jumbo-mpls-2200-nos", ether(0x8847, stack(2200, 0)))
    add("jumbo", "jumbo-ip6-hop2048-udp-linear", ether(0x86dd, ipv6(HOP, opt_hdr(UDP_P, 255)
                                                                    + udp(payload=b"j"))))
    add("jumbo", "jumbo-ip6-hop2048-udp-paged", pad_to(ether(0x86dd, ipv6(
        HOP, opt_hdr(UDP_P, 255) + udp(payload=b"j"))), 5000))
    add("jumbo", "jumbo-ip6-hop-dest-tcp-paged", pad_to(ether(0x86dd, ipv6(
        HOP, opt_hdr(DEST, 255) + opt_hdr(TCP_P, 255) + tcp(flags=0x018))), 7000))
    add("jumbo", "jumbo-ip6-hop2048-frag-later-paged", pad_to(ether(0x86dd, ipv6(
        HOP, opt_hdr(FRAGMENT, 255) + frag_hdr(UDP_P, 9) + udp())), 5000))
    add("jumbo", "jumbo-ip6-ext-cut-paged", ether(0x86dd, ipv6(
        HOP, opt_hdr(DEST, 255) + opt_hdr(DEST, 255) + opt_hdr(UDP_P, 255) + udp()))[:4500])
    add("jumbo", "jumbo-ns-opts-linear", i6(nd(135, nd_opt(5, 1) * 300 + nd_opt(1, 1, LLA1))))
    add("jumbo", "jumbo-ns-opts-paged", i6(nd(135, nd_opt(5, 1) * 700 + nd_opt(1, 1, LLA1))))
    add("jumbo", "jumbo-na-dup-tll-paged", i6(nd(136, nd_opt(2, 1, LLA2) + nd_opt(5, 1) * 700
                                                 + nd_opt(2, 1, LLA1))))
    add("jumbo", "jumbo-qinq-ip6-hop2048-tcp-paged", pad_to(ether(0x88a8, be16(0x00c8) + vlan_tag(
        0x8100, 0x0064) + be16(0x86dd) + ipv6(HOP, opt_hdr(TCP_P, 255) + tcp())), 5000))
    add("jumbo", "jumbo-nsh-md1-paged", pad_to(ether(0x894f, md1), 9014))
    add("jumbo", "jumbo-arp-paged", pad_to(ether(0x0806, arp_body()), 5000))
    add("jumbo", "jumbo-snap-ip-paged", pad_to(ether(0x0030, snap_ip), 5000))
    return c


CATEGORIES = ["eth", "vlan", "llc", "mpls", "ipv4", "tcp", "udp", "sctp", "icmp", "ipv6",
              "arp", "icmp6", "nd", "nsh", "valid", "random", "jumbo"]


def barrier(i):
    return ether(BARRIER_TYPE, b"OVSRS-BARRIER %06d" % i + bytes(26))


# --- netlink helpers ------------------------------------------------------------

def key_attrs(data, depth=0, nsh=False):
    """Decode a KEY nest (or an NSH key nest) as [text], one per attribute."""
    out = []
    off = 0
    pad = "  " * depth
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("=HH", data, off)
        if length < 4 or off + length > len(data):
            out.append(pad + "(bad attribute at %d: %s)" % (off, data[off:].hex()))
            break
        t = atype & 0x3fff
        p = data[off + 4:off + length]
        if nsh:
            out.append(pad + describe_nsh_attr(t, p))
        elif t in (1, 28):           # ENCAP, NSH
            out.append(pad + KEY_ATTRS[t] + " {")
            out += key_attrs(p, depth + 1, nsh=(t == 28))
            out.append(pad + "}")
        else:
            name = KEY_ATTRS[t] if t < len(KEY_ATTRS) else "attr%d" % t
            out.append(pad + "%s %s" % (name, describe_key_attr(t, p)))
        off += (length + 3) & ~3
    return out


def mac(b):
    return ":".join("%02x" % x for x in b)


def ip6s(b):
    return socket.inet_ntop(socket.AF_INET6, b)


def describe_nsh_attr(t, p):
    if t == 1 and len(p) == 8:
        return "BASE flags=%d ttl=%d mdtype=%d np=%d spi=0x%06x si=%d" % (
            p[0], p[1], p[2], p[3], struct.unpack(">I", p[4:])[0] >> 8, p[7])
    return "%s %s" % ({1: "BASE", 2: "MD1", 3: "MD2"}.get(t, "nsh%d" % t), p.hex())


def describe_key_attr(t, p):
    try:
        if t in (2, 3, 15, 19, 20, 22, 24) and len(p) == 4:
            return "%d" % struct.unpack("=I", p)
        if t == 4:
            return "src=%s dst=%s" % (mac(p[:6]), mac(p[6:12]))
        if t in (5, 6):
            return "0x%04x" % struct.unpack(">H", p)
        if t == 7:
            return "src=%s dst=%s proto=%d tos=%d ttl=%d frag=%d" % (
                socket.inet_ntoa(p[:4]), socket.inet_ntoa(p[4:8]), p[8], p[9], p[10], p[11])
        if t == 8:
            return "src=%s dst=%s label=0x%x proto=%d tclass=%d hlimit=%d frag=%d" % (
                ip6s(p[:16]), ip6s(p[16:32]), struct.unpack(">I", p[32:36])[0], p[36], p[37],
                p[38], p[39])
        if t in (9, 10, 17):
            return "src=%d dst=%d" % struct.unpack(">HH", p)
        if t in (11, 12):
            return "type=%d code=%d" % (p[0], p[1])
        if t == 13:
            return "sip=%s tip=%s op=%d sha=%s tha=%s" % (
                socket.inet_ntoa(p[:4]), socket.inet_ntoa(p[4:8]),
                struct.unpack(">H", p[8:10])[0], mac(p[10:16]), mac(p[16:22]))
        if t == 14:
            return "target=%s sll=%s tll=%s" % (ip6s(p[:16]), mac(p[16:22]), mac(p[22:28]))
        if t == 18:
            return "0x%03x" % struct.unpack(">H", p)
        if t == 21:
            return "lse=[%s]" % ",".join("%08x" % v for v in
                                         struct.unpack(">%dI" % (len(p) // 4), p))
        if t == 32:
            return "0x%04x" % struct.unpack("=H", p)
    except (struct.error, ValueError, OSError):
        pass
    return p.hex()


# --- the run ------------------------------------------------------------------

class Run:
    def __init__(self, out, args):
        self.out = open(out, "w")
        self.hashes = open(out + ".hash", "w")
        self.notes = open(out + ".notes", "w")
        self.req = g.GenlSocket(timeout=10)
        self.upcalls = g.GenlSocket(timeout=BARRIER_TIMEOUT)     # the vports' pid
        self.dpsock = g.GenlSocket(timeout=BARRIER_TIMEOUT)      # the datapath's pid
        for s in (self.upcalls, self.dpsock):
            s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.dp_fam = family_id(self.req, "ovs_datapath")
        self.vport_fam = family_id(self.req, "ovs_vport")
        self.flow_fam = family_id(self.req, "ovs_flow")
        self.packet_fam = family_id(self.req, "ovs_packet")
        self.args = args
        self.dp = None
        self.failures = []

    def w(self, line):
        self.out.write(line + "\n")

    def note(self, line):
        self.notes.write(line + "\n")

    def check(self, ok, what):
        """A fact that does not depend on timing: in the transcript, and a
        failure of the run if false."""
        self.w("%s: %s" % ("ok" if ok else "FAILED", what))
        if not ok:
            self.failures.append(what)

    def hdr(self, ifindex=None):
        return struct.pack("=i", self.dp if ifindex is None else ifindex)

    def dp_create(self):
        try:
            self.req.request(self.dp_fam, DP_DEL, [self.hdr(0), g.pack_str_attr(DP_ATTR_NAME,
                                                                               DP_NAME)],
                             flags=NLM_F_ACK)
        except g.NetlinkError:
            pass
        self.req.request(self.dp_fam, DP_NEW, [
            self.hdr(0), g.pack_str_attr(DP_ATTR_NAME, DP_NAME),
            g.pack_u32_attr(DP_ATTR_UPCALL_PID, self.dpsock.sock.getsockname()[0]),
            g.pack_u32_attr(DP_ATTR_USER_FEATURES, OVS_DP_F_UNALIGNED)], flags=NLM_F_ACK)
        self.dp = socket.if_nametoindex(DP_NAME)

    def dp_delete(self):
        self.req.request(self.dp_fam, DP_DEL, [self.hdr(0), g.pack_str_attr(DP_ATTR_NAME,
                                                                           DP_NAME)],
                         flags=NLM_F_ACK)

    def dp_stats(self):
        reply = self.req.request(self.dp_fam, DP_GET, [self.hdr()])
        attrs = g.attrs_dict(reply[0][1][4:])
        return OVS_DP_STATS.unpack(attrs[DP_ATTR_STATS])

    def vport_add(self, port_no, name):
        self.req.request(self.vport_fam, VPORT_NEW, [
            self.hdr(), g.pack_u32_attr(V_PORT_NO, port_no),
            g.pack_u32_attr(V_TYPE, VPORT_TYPE_NETDEV), g.pack_str_attr(V_NAME, name),
            a(V_UPCALL_PID, u32(self.upcalls.sock.getsockname()[0]))], flags=NLM_F_ACK)

    def vport_stats(self, port_no):
        reply = self.req.request(self.vport_fam, VPORT_GET, [self.hdr(),
                                                              g.pack_u32_attr(V_PORT_NO, port_no)])
        attrs = g.attrs_dict(reply[0][1][4:])
        stats = OVS_VPORT_STATS.unpack(attrs[V_STATS]) if V_STATS in attrs else None
        ups = None
        if V_UPCALL_STATS in attrs:
            ups = {t: g.decode_int(p) for t, p in g.parse_attrs(attrs[V_UPCALL_STATS])}
        return stats, ups

    def flow_add(self, in_port, out_port):
        key = a(K_IN_PORT, u32(in_port)) + a(K_ETHERNET, bytes(12))
        mask = a(K_IN_PORT, u32(0xffffffff)) + a(K_ETHERNET, bytes(12))
        acts = a(ACTION_OUTPUT, u32(out_port))
        self.req.request(self.flow_fam, FLOW_NEW, [
            self.hdr(), a(F_KEY | g.NLA_F_NESTED, key), a(F_MASK | g.NLA_F_NESTED, mask),
            a(F_ACTIONS | g.NLA_F_NESTED, acts)], flags=NLM_F_ACK | NLM_F_CREATE)

    def flow_packets(self, in_port):
        key = a(K_IN_PORT, u32(in_port)) + a(K_ETHERNET, bytes(12))
        reply = self.req.request(self.flow_fam, FLOW_GET, [self.hdr(), a(F_KEY | g.NLA_F_NESTED,
                                                                          key)])
        attrs = g.attrs_dict(reply[0][1][4:])
        return struct.unpack("=QQ", attrs[F_STATS])[0] if F_STATS in attrs else 0

    # --- upcalls ---

    def recv_upcall(self, sock):
        """One datagram's messages, or None after the socket's timeout."""
        try:
            data = sock.sock.recv(1 << 16)
        except socket.timeout:
            return None
        except OSError as e:
            return [("oserror", e.errno)]
        return g.parse_nlmsgs(data)

    def describe(self, m):
        """One upcall message as words, and its hash (or None)."""
        if m[0] == "oserror":
            return "socket-error=%s" % errno_name(m[1]), None
        mtype, mflags, mseq, mpid, payload = m
        if mtype != self.packet_fam:
            return "msg(type=%d len=%d)" % (mtype, len(payload)), None
        if len(payload) < 8:
            return "short(%s)" % payload.hex(), None
        cmd, version, _ = struct.unpack_from("=BBH", payload, 0)
        (ifindex,) = struct.unpack_from("=i", payload, 4)
        words = ["%s v%d dp=%s" % (PACKET_CMDS.get(cmd, "cmd%d" % cmd), version,
                                   "<dp>" if ifindex == self.dp else str(ifindex))]
        if mflags or mseq or mpid:
            words.append("nlflags=0x%x seq=%d pid=%d" % (mflags, mseq, mpid))
        hashv = None
        off = 8
        while off + 4 <= len(payload):
            length, atype = struct.unpack_from("=HH", payload, off)
            if length < 4 or off + length > len(payload):
                words.append("TRAILING=%s" % payload[off:].hex())
                break
            t = atype & 0x3fff
            p = payload[off + 4:off + length]
            name = PACKET_ATTRS.get(t, "attr%d" % t)
            if atype & g.NLA_F_NESTED:
                name += "|N"
            if t == P_HASH and len(p) == 8:
                # The 32-bit hash is the flow dissector's, with a per-boot
                # random seed: only its SW/L4 bits are kept.
                (hashv,) = struct.unpack("=Q", p)
                bits = [n for b, n in ((HASH_SW_BIT, "sw"), (HASH_L4_BIT, "l4")) if hashv & b]
                rest = hashv >> 34
                words.append("HASH=%s%s" % (",".join(bits) or "-",
                                            ",high=%x" % rest if rest else ""))
            else:
                words.append("%s=%s" % (name, p.hex()))
            off += (length + 3) & ~3
        return " ".join(words), hashv

    def corpus_run(self, frames):
        os.sched_setaffinity(0, {0})
        tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        tx.bind((self.args.inject, 0))
        upcall_total = 0
        dropped = 0
        refused = 0
        lost_barriers = 0
        for i, (cat, name, frame) in enumerate(frames, 1):
            try:
                tx.send(frame)
                sent = "ok"
            except OSError as e:
                sent = errno_name(e.errno)
                refused += 1
            bar = barrier(i)
            tx.send(bar)
            got = []
            hashes = []
            while True:
                msgs = self.recv_upcall(self.upcalls)
                if msgs is None:
                    got.append("(no barrier upcall within %g s)" % BARRIER_TIMEOUT)
                    lost_barriers += 1
                    break
                done = False
                for m in msgs:
                    if m[0] == self.packet_fam and self.packet_of(m) == bar:
                        done = True
                        continue
                    text, hashv = self.describe(m)
                    got.append(text)
                    hashes.append(hashv)
                if done:
                    break
            upcall_total += len(got)
            if not got:
                dropped += 1
            self.w("%04d %s len=%d send=%s upcalls=%d%s" % (
                i, name, len(frame), sent, len(got), "".join(" | " + t for t in got)))
            self.hashes.write("%04d %s\n" % (i, " ".join(
                "-" if h is None else "%08x" % (h & 0xffffffff) for h in hashes)))
        tx.close()
        return upcall_total, dropped, refused, lost_barriers

    def packet_of(self, m):
        payload = m[4]
        for t, p in g.parse_attrs(payload[8:]):
            if t == P_PACKET:
                return p
        return None

    def drain(self, sock):
        n = 0
        sock.sock.settimeout(0.2)
        while True:
            msgs = self.recv_upcall(sock)
            if msgs is None:
                break
            n += len(msgs)
        sock.sock.settimeout(BARRIER_TIMEOUT)
        return n

    def main(self):
        t0 = time.monotonic()
        frames = corpus()
        self.note("corpus built: %.1f s" % (time.monotonic() - t0))
        counts = {}
        with open(self.args.out + ".corpus", "w") as f:
            for i, (cat, name, frame) in enumerate(frames, 1):
                f.write("%04d %s %s %s\n" % (i, cat, name, frame.hex()))
                counts[cat] = counts.get(cat, 0) + 1
        print("corpus: %s, total %d" % (" ".join("%s=%d" % (k, counts.get(k, 0))
                                                 for k in CATEGORIES), len(frames)))
        self.w("# malformed_ab transcript: %d frames, each followed by a barrier" % len(frames))
        self.dp_create()
        for port_no, name in enumerate(self.args.ports.split(","), 1):
            self.vport_add(port_no, name)
        start = time.monotonic()
        self.note("datapath and ports: %.1f s" % (start - t0))
        upcall_total, dropped, refused, lost = self.corpus_run(frames)
        self.note("corpus sent: %.1f s" % (time.monotonic() - start))
        self.w("# corpus: %d upcalls, %d frames without upcall (%d refused by AF_PACKET), "
               "%d barriers lost" % (upcall_total, dropped, refused, lost))
        extra = self.drain(self.upcalls)
        self.w("vport socket: %d messages after the last barrier" % extra)
        self.w("datapath socket: %d messages" % self.drain(self.dpsock))
        hit, missed, lost_n, flows = self.dp_stats()
        self.w("dp stats: n_hit=%d n_missed=%d n_lost=%d n_flows=%d" % (hit, missed, lost_n,
                                                                        flows))
        stats, ups = self.vport_stats(3)
        if stats:
            self.w("port 3 stats: rx_packets=%d tx_packets=%d rx_bytes=%d tx_bytes=%d "
                   "rx_errors=%d tx_errors=%d rx_dropped=%d tx_dropped=%d" % stats)
        self.w("port 3 upcall stats: %s" % (
            "none" if ups is None else " ".join("%s=%d" % ({0: "success", 1: "fail"}.get(k, k), v)
                                               for k, v in sorted(ups.items()))))
        if self.args.ping:
            self.ping_phase(hit, missed, lost_n)
        self.dp_delete()
        self.w("# end")
        self.note("total in main(): %.1f s" % (time.monotonic() - t0))

    def ping_phase(self, hit0, missed0, lost0):
        ns, addr = self.args.ping.split(",")
        self.flow_add(1, 2)
        self.flow_add(2, 1)
        self.w("flows: in_port(1)->2, in_port(2)->1 installed")
        start = time.monotonic()
        r = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.3", "-W", "5",
                            addr], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.note("ping (%.1f s):\n%s" % (time.monotonic() - start, r.stdout))
        self.check(r.returncode == 0 and " 3 received" in r.stdout,
                   "ping %s from %s: 3 replies" % (addr, ns))
        hit, missed, lost_n, flows = self.dp_stats()
        p1, p2 = self.flow_packets(1), self.flow_packets(2)
        self.note("after ping: n_hit=%d n_missed=%d n_lost=%d n_flows=%d; flow 1: %d packets, "
                  "flow 2: %d packets" % (hit, missed, lost_n, flows, p1, p2))
        self.check(flows == 2, "n_flows is 2")
        self.check(hit - hit0 >= 6, "n_hit grew by the pings (requests, replies, ARP)")
        self.check(hit - hit0 == p1 + p2, "n_hit grew by the flows' packet counts")
        self.check(p1 >= 3 and p2 >= 3, "both flows counted at least 3 packets")
        self.check(missed == missed0 and lost_n == lost0, "n_missed and n_lost unchanged")
        self.w("vport socket during the pings: %d messages" % self.drain(self.upcalls))

    def close(self):
        for f in (self.out, self.hashes, self.notes):
            f.close()
        for s in (self.req, self.upcalls, self.dpsock):
            s.close()


# --- compare --------------------------------------------------------------------

def parse_line(line):
    """'NNNN name ... upcalls=N | up1 | up2' -> (head, [upcall words])."""
    parts = line.rstrip("\n").split(" | ")
    return parts[0], parts[1:]


def decode_upcall(text):
    """An upcall's words as lines, the KEY decoded, the PACKET abridged."""
    out = []
    for word in text.split(" "):
        if word.startswith("KEY="):
            out.append("KEY:")
            out += ["  " + s for s in key_attrs(bytes.fromhex(word[4:]))]
        elif word.startswith("PACKET="):
            hx = word[7:]
            out.append("PACKET (%d bytes): %s%s" % (len(hx) // 2, hx[:160],
                                                    "..." if len(hx) > 160 else ""))
        else:
            out.append(word)
    return out


def compare(c_path, rs_path, limit=10):
    """Prints the first differing lines, each upcall's decoded key as a
    diff from openvswitch.ko's (-) to openvswitch_rs's (+)."""
    with open(c_path) as f:
        c_lines = f.readlines()
    with open(rs_path) as f:
        rs_lines = f.readlines()
    diffs = []
    for i in range(max(len(c_lines), len(rs_lines))):
        cl = c_lines[i] if i < len(c_lines) else "(missing)\n"
        rl = rs_lines[i] if i < len(rs_lines) else "(missing)\n"
        if cl != rl:
            diffs.append((i, cl, rl))
    if not diffs:
        print("transcripts identical (%d lines)" % len(c_lines))
        return 0
    print("%d of %d lines differ; the first %d (- openvswitch.ko, + openvswitch_rs):"
          % (len(diffs), len(c_lines), min(limit, len(diffs))))
    for i, cl, rl in diffs[:limit]:
        ch, cu = parse_line(cl)
        rh, ru = parse_line(rl)
        print("=== line %d: %s" % (i + 1, ch[:200]))
        if rh != ch:
            print("    openvswitch_rs: %s" % rh[:200])
        for k in range(max(len(cu), len(ru))):
            a_ = cu[k] if k < len(cu) else ""
            b_ = ru[k] if k < len(ru) else ""
            if a_ == b_:
                print("  upcall %d identical" % (k + 1))
                continue
            print("  upcall %d:" % (k + 1))
            for d in list(difflib.unified_diff(decode_upcall(a_), decode_upcall(b_),
                                               lineterm="", n=3))[2:]:
                print("    " + d)
    print("differing frames: %s" % " ".join(cl.split(" ", 2)[1] if cl[:1].isdigit() else
                                          "line%d" % (i + 1) for i, cl, _ in diffs))
    return 1


# --- main -----------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out")
    r.add_argument("--inject", required=True)
    r.add_argument("--ports", required=True)
    r.add_argument("--ping")
    c = sub.add_parser("compare")
    c.add_argument("c_out")
    c.add_argument("rs_out")
    sub.add_parser("corpus")
    sub.add_parser("counts")
    args = ap.parse_args(argv)
    if args.cmd == "compare":
        return compare(args.c_out, args.rs_out)
    if args.cmd == "corpus":
        for i, (cat, name, f) in enumerate(corpus(), 1):
            print("%04d %s %s len=%d %s" % (i, cat, name, len(f), f.hex()))
        return 0
    if args.cmd == "counts":
        counts = {}
        for cat, _, _ in corpus():
            counts[cat] = counts.get(cat, 0) + 1
        print(" ".join("%s=%d" % (k, counts.get(k, 0)) for k in CATEGORIES),
              "total=%d" % sum(counts.values()))
        return 0
    run = Run(args.out, args)
    try:
        run.main()
    finally:
        run.close()
    if run.failures:
        print("malformed_ab.py: failed: %s" % "; ".join(run.failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
