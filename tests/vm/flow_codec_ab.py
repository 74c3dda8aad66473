#!/usr/bin/env python3
"""The module's flow key/mask codecs against openvswitch.ko's, case by case.

    flow_codec_ab.py RUST_CODEC OUT_DIR

With openvswitch.ko loaded: every case (a key, and a mask or none) is sent
as OVS_FLOW_CMD_NEW (empty action list, NLM_F_ECHO) to a datapath of
openvswitch.ko, whose answer is its errno or the KEY and MASK attributes
of its reply; the same cases go through RUST_CODEC (host/src/bin/
flow_codec.rs: the module's own src/flow code, built for the host), and
both answers must be equal, byte for byte. Exits 1 listing the cases
that differ. Writes OUT_DIR/flow-codec-{c,rust}.txt.

This checks the codecs alone; tests/vm/flow_family_ab.py sends the same
cases through the ovs_flow family of each module.
"""
import errno
import os
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402
from ovs_dp import a, family_id, nest, u32  # noqa: E402

OVS_DP_CMD_NEW, OVS_DP_CMD_DEL = 1, 2
OVS_DP_ATTR_NAME, OVS_DP_ATTR_UPCALL_PID = 1, 2
OVS_FLOW_CMD_NEW, OVS_FLOW_CMD_DEL = 1, 2
OVS_FLOW_ATTR_KEY, OVS_FLOW_ATTR_ACTIONS, OVS_FLOW_ATTR_MASK = 1, 2, 7
NLM_F_ECHO, NLM_F_ACK = 0x8, 0x4
DP = "tfc0"

# OVS_KEY_ATTR_*
ENCAP, PRIORITY, IN_PORT, ETHERNET, VLAN, ETHERTYPE, IPV4, IPV6 = 1, 2, 3, 4, 5, 6, 7, 8
TCP, UDP, ICMP, ICMPV6, ARP, ND, SKB_MARK, TUNNEL = 9, 10, 11, 12, 13, 14, 15, 16
SCTP, TCP_FLAGS, DP_HASH, RECIRC_ID, MPLS = 17, 18, 19, 20, 21
CT_STATE, CT_ZONE, CT_MARK, CT_LABELS, CT_TUPLE4, CT_TUPLE6, NSH = 22, 23, 24, 25, 26, 27, 28
IPV6_EXTHDRS = 32


MAC = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2])


def eth(t=None):
    return a(ETHERNET, MAC) + (a(ETHERTYPE, struct.pack(">H", t)) if t is not None else b"")


def ip4(proto, frag=0, tos=0, ttl=64):
    return a(IPV4, bytes([10, 0, 0, 1, 10, 0, 0, 2, proto, tos, ttl, frag]))


def ip6(proto, frag=0, label=0):
    return a(IPV6, bytes(range(1, 17)) + bytes(range(17, 33)) + struct.pack(">I", label)
             + bytes([proto, 0, 64, frag]))


def ports(kind, s=1000, d=80):
    return a(kind, struct.pack(">HH", s, d))


def tcp(s=1000, d=80, flags=2):
    return ports(TCP, s, d) + a(TCP_FLAGS, struct.pack(">H", flags))


def arp(op=1):
    return a(ARP, bytes([10, 0, 0, 1, 10, 0, 0, 2]) + struct.pack(">H", op) + MAC + b"\0\0")


def vlan(tpid, tci, *inner):
    return eth(tpid) + a(VLAN, struct.pack(">H", tci)) + nest(ENCAP, *inner)


def tun(*attrs):
    return nest(TUNNEL, *attrs)


def ones(n):
    return b"\xff" * n


T_ID, T_V4SRC, T_V4DST, T_TOS, T_TTL, T_DF, T_CSUM, T_OAM, T_GENEVE = range(9)
T_TPSRC, T_TPDST, T_VXLAN, T_V6SRC, T_V6DST, T_PAD, T_ERSPAN, T_BRIDGE = range(9, 17)


def cases():
    """(name, key bytes, mask bytes or None, actions bytes)"""
    c = []
    add = lambda name, key, mask=None, acts=b"": c.append((name, key, mask, acts))  # noqa: E731
    add("l2-only", eth())
    add("l2-lldp", eth(0x88cc))
    add("l2-inport", a(IN_PORT, u32(3)) + eth(0x88cc))
    add("meta", a(PRIORITY, u32(7)) + a(SKB_MARK, u32(9)) + a(RECIRC_ID, u32(4))
        + a(DP_HASH, u32(5)) + a(IN_PORT, u32(1)) + eth(0x88cc))
    add("inport-too-big", a(IN_PORT, u32(65535)) + eth())
    add("ethertype-small", eth(0x05ff))
    add("no-l2", a(IN_PORT, u32(1)))
    add("l3-only", a(ETHERTYPE, struct.pack(">H", 0x0800)) + ip4(17) + ports(UDP))
    for proto, l4, name in ((6, tcp(), "tcp"), (17, ports(UDP), "udp"),
                            (132, ports(SCTP), "sctp"), (1, a(ICMP, bytes([8, 0])), "icmp")):
        add("ip4-" + name, eth(0x0800) + ip4(proto) + l4)
        add("ip4-" + name + "-first-frag", eth(0x0800) + ip4(proto, frag=1) + l4)
        add("ip4-" + name + "-later-frag", eth(0x0800) + ip4(proto, frag=2) + l4)
    add("ip4-later-no-l4", eth(0x0800) + ip4(6, frag=2))
    add("ip4-frag-3", eth(0x0800) + ip4(6, frag=3) + tcp())
    add("ip4-missing", eth(0x0800))
    add("ip4-tcp-no-flags", eth(0x0800) + ip4(6) + ports(TCP))
    add("ip4-extra-udp", eth(0x0800) + ip4(6) + tcp() + ports(UDP))
    add("ip4-extra-udp-masked", eth(0x0800) + ip4(6) + tcp() + ports(UDP),
        eth(0xffff) + ip4(0xff, 0, 0, 0) + tcp(0xffff, 0xffff, 0xffff))
    add("ip4-wildcard-src", eth(0x0800) + ip4(6) + tcp(),
        a(IN_PORT, u32(0)) + a(ETHERNET, bytes(12)) + a(ETHERTYPE, ones(2))
        + a(IPV4, bytes(4) + ones(4) + bytes([0xff, 0, 0, 0])) + tcp(0, 0xffff, 0))
    add("ip4-wildcard-proto", eth(0x0800) + ip4(6) + tcp(),
        a(ETHERTYPE, ones(2)) + a(IPV4, ones(8) + bytes(4)))
    add("ip4-mask-unexpected-l4", eth(0x0800) + ip4(6) + tcp(),
        a(ETHERTYPE, ones(2)) + a(IPV4, ones(8) + bytes(4)) + tcp(0xffff, 0, 0))
    add("ethertype-wildcard", eth(0x0800) + ip4(6) + tcp(), a(ETHERNET, ones(12)))
    for proto, l4, name in ((6, tcp(), "tcp"), (17, ports(UDP), "udp"),
                            (58, a(ICMPV6, bytes([128, 0])), "icmp6")):
        add("ip6-" + name, eth(0x86dd) + ip6(proto) + l4)
    add("ip6-label-big", eth(0x86dd) + ip6(17, label=0x100000) + ports(UDP))
    add("ip6-label", eth(0x86dd) + ip6(17, label=0xfffff) + ports(UDP))
    add("ip6-exthdrs", eth(0x86dd) + ip6(17) + ports(UDP) + a(IPV6_EXTHDRS, b"\x01\x00"))
    nd = a(ND, bytes(range(16)) + MAC[:6] + MAC[6:])
    add("ip6-nd", eth(0x86dd) + ip6(58) + a(ICMPV6, bytes([135, 0])) + nd)
    add("ip6-nd-missing", eth(0x86dd) + ip6(58) + a(ICMPV6, bytes([136, 0])))
    add("ip6-nd-ct-tuple", eth(0x86dd) + ip6(58) + a(ICMPV6, bytes([135, 0])) + nd
        + a(CT_TUPLE6, bytes(40)))
    add("arp", eth(0x0806) + arp(1))
    add("arp-bad-op", eth(0x0806) + arp(0x100))
    add("rarp", eth(0x8035) + arp(3))
    add("arp-masked", eth(0x0806) + arp(1), a(ETHERTYPE, ones(2)) + a(ARP, ones(8) + bytes(16)))
    for n in (1, 2, 3, 4):
        add("mpls-%d" % n, eth(0x8847) + a(MPLS, struct.pack(">I", 0x1234100) * n))
    add("mpls-odd", eth(0x8848) + a(MPLS, b"\0" * 6))
    inner_arp = a(ETHERTYPE, struct.pack(">H", 0x0806)) + arp(1)
    add("vlan", vlan(0x8100, 0x1005, inner_arp))
    add("vlan-ad-q", vlan(0x88a8, 0x1064, a(ETHERTYPE, struct.pack(">H", 0x8100)),
                          a(VLAN, struct.pack(">H", 0x1065)), nest(ENCAP, inner_arp)))
    add("vlan-no-cfi", vlan(0x8100, 0x0005, inner_arp))
    add("vlan-truncated", vlan(0x8100, 0x0000))
    add("vlan-truncated-encap", vlan(0x8100, 0x0000, inner_arp))
    add("vlan-no-encap", eth(0x8100) + a(VLAN, struct.pack(">H", 0x1005)))
    add("vlan-stray", eth(0x0800) + a(VLAN, struct.pack(">H", 0x1005)) + ip4(17) + ports(UDP))
    add("vlan-mask-vid", vlan(0x8100, 0x1005, inner_arp),
        a(ETHERTYPE, ones(2)) + a(VLAN, struct.pack(">H", 0x1fff))
        + nest(ENCAP, a(ETHERTYPE, ones(2))))
    add("vlan-mask-no-cfi", vlan(0x8100, 0x1005, inner_arp),
        a(ETHERTYPE, ones(2)) + a(VLAN, struct.pack(">H", 0x0fff))
        + nest(ENCAP, a(ETHERTYPE, ones(2))))
    add("vlan-mask-tpid", vlan(0x8100, 0x1005, inner_arp),
        a(ETHERTYPE, b"\xff\x00") + a(VLAN, ones(2)) + nest(ENCAP, a(ETHERTYPE, ones(2))))
    add("vlan-mask-no-encap", vlan(0x8100, 0x1005, inner_arp),
        a(ETHERTYPE, ones(2)) + a(VLAN, ones(2)))
    add("ct", a(CT_STATE, u32(0x21)) + a(CT_ZONE, struct.pack("=H", 5)) + a(CT_MARK, u32(7))
        + a(CT_LABELS, bytes(range(16))) + eth(0x88cc))
    add("ct-state-big", a(CT_STATE, u32(0x100)) + eth(0x88cc))
    add("ct-tuple4", eth(0x0800) + ip4(6) + tcp()
        + a(CT_TUPLE4, bytes([10, 0, 0, 9, 10, 0, 0, 8, 0, 1, 0, 2, 6, 0, 0, 0])))
    vx = nest(T_VXLAN, a(1, u32(0x1234)))
    add("tun-vxlan", tun(a(T_ID, struct.pack(">Q", 5)), a(T_V4DST, bytes([192, 0, 2, 1])),
                         a(T_V4SRC, bytes([192, 0, 2, 2])), a(T_TTL, b"\x40"),
                         a(T_TPDST, struct.pack(">H", 4789)), vx) + eth(0x88cc))
    add("tun-geneve", tun(a(T_V4DST, bytes([192, 0, 2, 1])), a(T_TTL, b"\x40"), a(T_DF),
                          a(T_CSUM), a(T_GENEVE, bytes([0, 1, 0x80, 1, 1, 2, 3, 4])))
        + eth(0x88cc))
    add("tun-erspan", tun(a(T_V4DST, bytes([192, 0, 2, 1])), a(T_TTL, b"\x40"),
                          a(T_ERSPAN, bytes(12))) + eth(0x88cc))
    add("tun-ipv6", tun(a(T_V6DST, bytes(range(16))), a(T_TTL, b"\x01"), a(T_TOS, b"\x04"))
        + eth(0x88cc))
    add("tun-no-ttl", tun(a(T_V4DST, bytes([192, 0, 2, 1]))) + eth(0x88cc))
    add("tun-no-dst", tun(a(T_TTL, b"\x40")) + eth(0x88cc))
    add("tun-mixed", tun(a(T_V4DST, bytes([1, 1, 1, 1])), a(T_V6DST, bytes(range(16))),
                         a(T_TTL, b"\1")) + eth(0x88cc))
    add("tun-two-opts", tun(a(T_V4DST, bytes([1, 1, 1, 1])), a(T_TTL, b"\1"), vx,
                            a(T_GENEVE, bytes(4))) + eth(0x88cc))
    add("tun-geneve-odd", tun(a(T_V4DST, bytes([1, 1, 1, 1])), a(T_TTL, b"\1"),
                              a(T_GENEVE, bytes(6))) + eth(0x88cc))
    add("tun-bridge", tun(a(T_BRIDGE), a(T_ID, struct.pack(">Q", 9))) + eth(0x88cc))
    add("tun-masked", tun(a(T_V4DST, bytes([192, 0, 2, 1])), a(T_TTL, b"\x40"))
        + eth(0x88cc), tun(a(T_V4DST, ones(4))) + a(ETHERTYPE, ones(2)))
    base = bytes([0, 63, 1, 3, 0, 0, 1, 0xff])
    add("nsh-md1", eth(0x894f) + nest(NSH, a(1, base), a(2, bytes(range(16)))))
    add("nsh-md2", eth(0x894f) + nest(NSH, a(1, base[:2] + b"\2" + base[3:]), a(3, bytes(8))))
    add("dup", eth(0x88cc) + a(ETHERTYPE, b"\x88\xcc"))
    add("bad-len", a(ETHERNET, MAC[:6]))
    add("out-of-range", eth() + a(33, b""))
    add("packet-type", eth() + a(29, u32(0)))
    add("unspec", eth() + a(0, b""))
    add("trailing", eth() + b"\0\0\0")
    add("mask-trailing", eth(0x88cc), a(ETHERTYPE, ones(2)) + b"\1")
    add("mask-dup-zero", eth(0x88cc), a(ETHERTYPE, ones(2)) + a(IPV4, bytes(12))
        + a(IPV4, bytes(12)))
    mask_cases(add)
    action_cases(add)
    return c


def mask_cases(add):
    """Explicit masks over every kind of key."""
    tcp4 = eth(0x0800) + ip4(6) + tcp()
    add("mask-inport-partial", a(IN_PORT, u32(3)) + tcp4, a(IN_PORT, u32(0xff)) + a(ETHERTYPE, ones(2)))
    add("mask-meta", a(PRIORITY, u32(7)) + a(SKB_MARK, u32(9)) + a(RECIRC_ID, u32(4)) + tcp4,
        a(SKB_MARK, u32(0xf0)) + a(RECIRC_ID, ones(4)) + a(ETHERTYPE, ones(2)))
    add("mask-eth-src-only", tcp4, a(ETHERNET, ones(6) + bytes(6)))
    add("mask-tcp-flags", tcp4, a(ETHERTYPE, ones(2)) + a(IPV4, bytes(8) + b"\xff\0\0\0")
        + a(TCP, bytes(4)) + a(TCP_FLAGS, b"\x0f\xff"))
    add("mask-ip4-frag", eth(0x0800) + ip4(17, frag=1) + ports(UDP),
        a(ETHERTYPE, ones(2)) + a(IPV4, bytes(8) + b"\xff\0\0\xff") + ports(UDP, 0xffff, 0))
    add("mask-ip4-later-l4", eth(0x0800) + ip4(17, frag=2) + ports(UDP),
        a(ETHERTYPE, ones(2)) + a(IPV4, bytes(8) + b"\xff\0\0\xff") + ports(UDP, 0xffff, 0))
    ip6k = eth(0x86dd) + ip6(6) + tcp()
    add("mask-ip6-src", ip6k, a(ETHERTYPE, ones(2)) + a(IPV6, ones(16) + bytes(24)))
    add("mask-ip6-label", ip6k, a(ETHERTYPE, ones(2))
        + a(IPV6, bytes(32) + struct.pack(">I", 0xfffff) + b"\xff\0\0\0") + tcp(0, 0xffff, 0))
    nd = a(ND, bytes(range(16)) + MAC)
    ndk = eth(0x86dd) + ip6(58) + a(ICMPV6, bytes([135, 0])) + nd
    add("mask-nd-exact-type", ndk, a(ETHERTYPE, ones(2)) + a(IPV6, bytes(36) + b"\xff\0\0\0")
        + a(ICMPV6, b"\xff\xff") + a(ND, ones(16) + bytes(12)))
    add("mask-nd-partial-type", ndk, a(ETHERTYPE, ones(2)) + a(IPV6, bytes(36) + b"\xff\0\0\0")
        + a(ICMPV6, b"\x0f\x00") + a(ND, ones(16) + bytes(12)))
    add("mask-icmp6-type-wild", ndk, a(ETHERTYPE, ones(2))
        + a(IPV6, bytes(36) + b"\xff\0\0\0") + a(ICMPV6, b"\0\xff"))
    add("mask-arp-sha", eth(0x0806) + arp(2), a(ETHERTYPE, ones(2)) + a(ARP, bytes(10) + ones(6)
                                                                       + bytes(8)))
    add("mask-mpls", eth(0x8847) + a(MPLS, struct.pack(">I", 0x1234100) * 2),
        a(ETHERTYPE, ones(2)) + a(MPLS, struct.pack(">I", 0xfffff000)))
    add("mask-mpls-wild", eth(0x8847) + a(MPLS, struct.pack(">I", 0x1234100)),
        a(ETHERTYPE, ones(2)))
    inner_arp = a(ETHERTYPE, struct.pack(">H", 0x0806)) + arp(1)
    qinq = vlan(0x88a8, 0x1064, a(ETHERTYPE, struct.pack(">H", 0x8100)),
                a(VLAN, struct.pack(">H", 0x1065)), nest(ENCAP, inner_arp))
    add("mask-qinq", qinq, a(ETHERTYPE, ones(2)) + a(VLAN, ones(2))
        + nest(ENCAP, a(ETHERTYPE, ones(2)) + a(VLAN, struct.pack(">H", 0x1fff))
               + nest(ENCAP, a(ETHERTYPE, ones(2)))))
    add("mask-qinq-outer-only", qinq, a(ETHERTYPE, ones(2)) + a(VLAN, ones(2))
        + nest(ENCAP, a(ETHERTYPE, ones(2))))
    add("mask-vlan-zero-encap", vlan(0x8100, 0x1005, inner_arp),
        a(ETHERTYPE, ones(2)) + a(VLAN, ones(2)) + nest(ENCAP))
    add("mask-ct", a(CT_STATE, u32(0x21)) + a(CT_ZONE, struct.pack("=H", 5)) + eth(0x88cc),
        a(CT_STATE, u32(0x0f)) + a(CT_ZONE, b"\xff\xff") + a(ETHERTYPE, ones(2)))
    add("mask-ct-state-big", a(CT_STATE, u32(0x21)) + eth(0x88cc),
        a(CT_STATE, u32(0x1ff)) + a(ETHERTYPE, ones(2)))
    add("mask-ct-tuple4", eth(0x0800) + ip4(6) + tcp()
        + a(CT_TUPLE4, bytes([10, 0, 0, 9, 10, 0, 0, 8, 0, 1, 0, 2, 6, 0, 0, 0])),
        a(ETHERTYPE, ones(2)) + a(CT_TUPLE4, ones(12) + b"\xff\0\0\0"))
    add("mask-ct-tuple4-no-eth", eth(0x0800) + ip4(6) + tcp()
        + a(CT_TUPLE4, bytes([10, 0, 0, 9, 10, 0, 0, 8, 0, 1, 0, 2, 6, 0, 0, 0])),
        a(CT_TUPLE4, ones(12) + b"\xff\0\0\0"))
    tk = tun(a(T_ID, struct.pack(">Q", 5)), a(T_V4DST, bytes([192, 0, 2, 1])), a(T_TTL, b"\x40"),
             a(T_GENEVE, bytes([0, 1, 0x80, 1, 1, 2, 3, 4]))) + eth(0x88cc)
    add("mask-tun-geneve", tk, tun(a(T_V4DST, ones(4)), a(T_GENEVE, bytes(4) + ones(4)))
        + a(ETHERTYPE, ones(2)))
    add("mask-tun-geneve-len", tk, tun(a(T_GENEVE, ones(4))) + a(ETHERTYPE, ones(2)))
    add("mask-tun-id-only", tk, tun(a(T_ID, ones(8))) + a(ETHERTYPE, ones(2)))
    add("mask-tun-on-untunnelled", eth(0x88cc), tun(a(T_TTL, b"\xff")) + a(ETHERTYPE, ones(2)))
    add("mask-nsh", eth(0x894f) + nest(NSH, a(1, bytes([0, 63, 1, 3, 0, 0, 1, 0xff])),
                                      a(2, bytes(range(16)))),
        a(ETHERTYPE, ones(2)) + nest(NSH, a(1, bytes([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]))))
    add("mask-l3-only", a(ETHERTYPE, struct.pack(">H", 0x86dd)) + ip6(17) + ports(UDP),
        a(ETHERTYPE, ones(2)) + a(IPV6, bytes(36) + b"\xff\0\0\0") + ports(UDP, 0, 0xffff))
    add("mask-802-2", eth(), a(ETHERNET, ones(12)) + a(ETHERTYPE, ones(2)))
    add("mask-exthdrs", eth(0x86dd) + ip6(17) + ports(UDP) + a(IPV6_EXTHDRS, b"\x01\x00"),
        a(ETHERTYPE, ones(2)) + a(IPV6_EXTHDRS, b"\xff\x00"))
    add("mask-unknown-type", eth(0x88cc), a(ETHERTYPE, ones(2)) + a(33, b""))
    add("mask-bad-len", eth(0x88cc), a(ETHERTYPE, ones(4)))


# OVS_ACTION_ATTR_*
OUTPUT, USERSPACE, PUSH_VLAN, POP_VLAN, SAMPLE, RECIRC, HASH = 1, 2, 4, 5, 6, 7, 8
PUSH_MPLS, POP_MPLS, TRUNC, PUSH_ETH, POP_ETH, CT_CLEAR = 9, 10, 13, 14, 15, 16
POP_NSH, METER, CLONE, CHECK_PKT_LEN, ADD_MPLS, DEC_TTL, DROP, PSAMPLE = 18, 19, 20, 21, 22, 23, 24, 25
NLA_F_NESTED = 0x8000


def out(port):
    return a(OUTPUT, u32(port))


def action_cases(add):
    """Flows with actions."""
    tcp4 = eth(0x0800) + ip4(6) + tcp()
    act = lambda name, acts, key=tcp4: add("act-" + name, key, None, acts)  # noqa: E731
    act("output", out(1) + out(2))
    act("output-max", out(65535))
    act("userspace", a(USERSPACE, a(1, u32(5)) + a(2, b"cookie")))
    act("userspace-no-pid", a(USERSPACE, a(2, b"x")))
    act("userspace-pid-0", a(USERSPACE, a(1, u32(0))))
    act("userspace-short-pid", a(USERSPACE, a(1, b"\1\2")))
    act("userspace-bad-type", a(USERSPACE, a(1, u32(5)) + a(7, b"")))
    vlan_push = lambda tpid, tci: a(PUSH_VLAN, struct.pack(">HH", tpid, tci))  # noqa: E731
    act("push-vlan", vlan_push(0x8100, 0x1005) + out(1))
    act("push-vlan-bad-tpid", vlan_push(0x0800, 0x1005))
    act("push-vlan-no-cfi", vlan_push(0x8100, 0x0005))
    act("pop-vlan", a(POP_VLAN) + out(1))
    act("sample", a(SAMPLE, a(1, u32(0x80000000)) + a(2, out(3))) + out(1))
    act("sample-no-prob", a(SAMPLE, a(2, out(3))))
    act("sample-dup", a(SAMPLE, a(1, u32(1)) + a(1, u32(1)) + a(2, out(3))))
    act("sample-empty", a(SAMPLE, a(2, b"") + a(1, u32(7))))
    act("recirc", a(RECIRC, u32(9)))
    act("hash", a(HASH, u32(1) + u32(5)) + a(RECIRC, u32(1)))
    act("hash-bad-alg", a(HASH, u32(2) + u32(5)))
    act("push-mpls", a(PUSH_MPLS, struct.pack(">IH", 0x100, 0x8847) + b"\0\0") + out(1))
    act("push-mpls-bad-type", a(PUSH_MPLS, struct.pack(">IH", 0x100, 0x0800) + b"\0\0"))
    mpls_key = eth(0x8847) + a(MPLS, struct.pack(">I", 0x1234100))
    act("pop-mpls", a(POP_MPLS, struct.pack(">H", 0x0800)) + out(1), mpls_key)
    act("pop-mpls-not-mpls", a(POP_MPLS, struct.pack(">H", 0x0800)))
    act("pop-mpls-twice", a(POP_MPLS, struct.pack(">H", 0x8847))
        + a(POP_MPLS, struct.pack(">H", 0x0800)), mpls_key)
    act("trunc", a(TRUNC, u32(14)) + out(1))
    act("trunc-short", a(TRUNC, u32(13)))
    act("push-eth-on-l2", a(PUSH_ETH, MAC))
    act("pop-eth", a(POP_ETH) + out(1))
    act("pop-eth-push-eth", a(POP_ETH) + a(PUSH_ETH, MAC) + out(1))
    act("ct-clear", a(CT_CLEAR) + out(1))
    act("meter", a(METER, u32(3)) + out(1))
    act("clone", a(CLONE, out(4) + a(POP_VLAN)) + out(1))
    act("clone-empty", a(CLONE))
    act("clone-short", a(CLONE, b"\0\0"))
    act("check-pkt-len", a(CHECK_PKT_LEN, a(1, struct.pack("=H", 100)) + a(2, out(1))
                           + a(3, out(2))))
    act("check-pkt-len-gt-first", a(CHECK_PKT_LEN, a(3, out(2)) + a(1, struct.pack("=H", 9))
                                    + a(2, b"")))
    act("check-pkt-len-zero", a(CHECK_PKT_LEN, a(1, struct.pack("=H", 0)) + a(2, out(1))
                                + a(3, out(2))))
    act("check-pkt-len-no-branch", a(CHECK_PKT_LEN, a(1, struct.pack("=H", 5)) + a(2, out(1))))
    act("add-mpls-l2", a(ADD_MPLS, struct.pack(">IH", 0x100, 0x8847) + b"\0\0") + out(1))
    act("add-mpls-l3", a(ADD_MPLS, struct.pack(">IH", 0x100, 0x8847) + struct.pack("=H", 1))
        + out(1))
    act("dec-ttl", a(DEC_TTL, a(1, a(USERSPACE, a(1, u32(5))))) + out(1))
    act("dec-ttl-extra", a(DEC_TTL, a(7, b"x") + a(1, out(2))) + out(1))
    act("dec-ttl-missing", a(DEC_TTL, a(2, b"")))
    act("drop-last", out(1) + a(DROP, u32(0)))
    act("drop-not-last", a(DROP, u32(0)) + out(1))
    act("psample", a(PSAMPLE | NLA_F_NESTED, a(1, u32(3)) + a(2, b"abcd")))
    act("psample-not-nested", a(PSAMPLE, a(1, u32(3))))
    act("psample-long-cookie", a(PSAMPLE | NLA_F_NESTED, a(1, u32(3)) + a(2, bytes(17))))
    act("psample-no-group", a(PSAMPLE | NLA_F_NESTED, a(2, b"ab")))
    act("pop-nsh-not-nsh", a(POP_NSH))
    nsh_key = eth(0x894f) + nest(NSH, a(1, bytes([0, 63, 1, 3, 0, 0, 1, 0xff])),
                                  a(2, bytes(16)))
    act("pop-nsh", a(POP_NSH) + out(1), nsh_key)
    act("unspec", a(0))
    act("type-26", a(26, b""))
    act("bad-len", a(OUTPUT, b"\1\0"))
    act("trailing", out(1) + b"\0\0")
    deep = out(1)
    for _ in range(17):
        deep = a(CLONE, deep)
    act("clone-17-deep", deep)
    deep = out(1)
    for _ in range(16):
        deep = a(CLONE, deep)
    act("clone-16-deep", deep)
    act("flagged-output", a(OUTPUT | NLA_F_NESTED, u32(1)))
    set_ = lambda kind, v: a(3, a(kind, v))  # noqa: E731
    set_masked = lambda kind, v, m: a(11, a(kind, v + m))  # noqa: E731
    act("set-eth", set_(ETHERNET, MAC) + out(1))
    act("set-ipv4", set_(IPV4, bytes([10, 0, 0, 9, 10, 0, 0, 8, 6, 4, 32, 0])) + out(1))
    act("set-ipv4-other-proto", set_(IPV4, bytes([10, 0, 0, 9, 10, 0, 0, 8, 17, 4, 32, 0])))
    act("set-tcp", set_(TCP, struct.pack(">HH", 1, 2)) + out(1))
    act("set-udp-on-tcp", set_(UDP, struct.pack(">HH", 1, 2)))
    act("set-priority", set_(PRIORITY, u32(3)) + set_(SKB_MARK, u32(4)) + out(1))
    act("set-ethertype", set_(ETHERTYPE, b"\x08\x06"))
    act("set-bad-len", set_(TCP, b"\0\1"))
    act("set-two-keys", a(3, a(TCP, bytes(4)) + a(UDP, bytes(4))))
    act("set-masked-ipv4-ttl", set_masked(IPV4, bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0]),
                                          bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0]))
        + out(1))
    act("set-masked-ipv4-proto", set_masked(IPV4, bytes(12),
                                            bytes([0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0])))
    act("set-masked-value-outside", set_masked(TCP, struct.pack(">HH", 1, 2),
                                               struct.pack(">HH", 0xffff, 0)))
    act("set-masked-eth", set_masked(ETHERNET, MAC[:6] + bytes(6), ones(6) + bytes(6)) + out(1))
    ip6key = eth(0x86dd) + ip6(17) + ports(UDP)
    act("set-ipv6", set_(IPV6, bytes(range(1, 17)) + bytes(range(17, 33))
                         + struct.pack(">I", 5) + bytes([17, 0, 9, 0])) + out(1), ip6key)
    act("set-ipv6-label-big", set_(IPV6, bytes(32) + struct.pack(">I", 0x100000)
                                   + bytes([17, 0, 9, 0])), ip6key)
    act("set-masked-ipv6-label", set_masked(IPV6, bytes(32) + struct.pack(">I", 5) + bytes(4),
                                            bytes(32) + struct.pack(">I", 0xfffff) + bytes(4))
        + out(1), ip6key)
    act("set-mpls", set_(MPLS, struct.pack(">I", 0x200)) + out(1),
        eth(0x8847) + a(MPLS, struct.pack(">I", 0x1234100)))
    act("set-ct-mark", set_(CT_MARK, u32(1)) + out(1))
    set_tun = lambda *attrs: a(3, tun(*attrs))  # noqa: E731
    act("set-tunnel", set_tun(a(T_ID, struct.pack(">Q", 7)), a(T_V4DST, bytes([192, 0, 2, 9])),
                              a(T_TTL, b"\x40"), a(T_TPDST, struct.pack(">H", 4789)),
                              a(T_CSUM)) + out(1))
    act("set-tunnel-geneve", set_tun(a(T_V4DST, bytes([192, 0, 2, 9])), a(T_TTL, b"\x40"),
                                     a(T_GENEVE, bytes([0, 1, 0x80, 1, 1, 2, 3, 4])))
        + out(1))
    act("set-tunnel-geneve-bad", set_tun(a(T_V4DST, bytes([192, 0, 2, 9])), a(T_TTL, b"\1"),
                                         a(T_GENEVE, bytes([0, 1, 0, 2, 1, 2, 3, 4]))))
    act("set-tunnel-vxlan", set_tun(a(T_V6DST, bytes(range(16))), a(T_TTL, b"\1"),
                                    nest(T_VXLAN, a(1, u32(9)))) + out(1))
    act("set-tunnel-erspan", set_tun(a(T_V4DST, bytes([1, 2, 3, 4])), a(T_TTL, b"\1"),
                                     a(T_ERSPAN, bytes(range(8)))) + out(1))
    act("set-tunnel-bridge", set_tun(a(T_BRIDGE), a(T_ID, struct.pack(">Q", 3))) + out(1))
    act("set-tunnel-no-ttl", set_tun(a(T_V4DST, bytes([1, 2, 3, 4]))))
    act("set-masked-tunnel", a(11, tun(a(T_TTL, b"\1"))))
    PUSH_NSH = 17
    b1 = bytes([0, 63, 1, 3, 0, 0, 1, 0xff])
    b2 = bytes([0, 63, 2, 3, 0, 0, 1, 0xff])
    push = lambda *attrs: a(PUSH_NSH, nest(NSH, *attrs))  # noqa: E731
    act("push-nsh-md1", push(a(1, b1), a(2, bytes(range(16)))) + out(1))
    act("push-nsh-md2", push(a(1, b2), a(3, bytes(8))) + out(1))
    act("push-nsh-after-pop-eth", a(POP_ETH) + push(a(1, b1), a(2, bytes(16))) + out(1))
    act("push-nsh-md1-type2", push(a(1, b2), a(2, bytes(16))))
    act("push-nsh-no-base", push(a(2, bytes(16))))
    act("push-nsh-md2-empty", push(a(1, b2), a(3, b"")))
    act("push-nsh-both-md", push(a(1, b1), a(2, bytes(16)), a(3, bytes(4))))
    act("push-nsh-not-nsh", a(PUSH_NSH, a(ETHERTYPE, b"\x08\x00")))
    act("push-nsh-two", a(PUSH_NSH, nest(NSH, a(1, b1), a(2, bytes(16))) + a(1, b"")))
    ct_cases(act, ip6key)


def ct_cases(act, ip6key):
    """CT actions: parse_ct()/parse_nat() and the reply form."""
    CT = 12
    COMMIT, ZONE, MARK, LABELS, HELPER, NAT, FORCE, EVENTMASK, TIMEOUT = range(1, 10)
    SRC, DST, IP_MIN, IP_MAX, P_MIN, P_MAX, PERSISTENT, P_HASH, P_RANDOM = range(1, 10)
    ct = lambda *attrs: a(CT, b"".join(attrs))  # noqa: E731
    nat = lambda *attrs: a(NAT, b"".join(attrs))  # noqa: E731
    u16 = lambda v: struct.pack("=H", v)  # noqa: E731
    mark = lambda v, m: a(MARK, struct.pack("=II", v, m))  # noqa: E731
    labels = bytes([1] + [0] * 15 + [0xff] * 16)
    act("ct-empty", ct())
    act("ct-commit-zone", ct(a(COMMIT), a(ZONE, u16(5))) + a(RECIRC, u32(1)))
    act("ct-out-of-order", ct(a(EVENTMASK, u32(3)), a(LABELS, labels), mark(5, 0xff),
                              a(ZONE, u16(9)), a(FORCE)) + a(RECIRC, u32(1)))
    act("ct-mark-no-commit", ct(mark(1, 1)))
    act("ct-mark-zero-mask", ct(a(COMMIT), mark(1, 0)))
    act("ct-labels-zero-mask", ct(a(COMMIT), a(LABELS, bytes(32))))
    act("ct-labels-no-commit", ct(a(LABELS, labels)))
    act("ct-helper-ftp", ct(a(COMMIT), a(HELPER, b"ftp\0")) + a(RECIRC, u32(1)))
    act("ct-helper-unterminated", ct(a(HELPER, b"ftp")))
    act("ct-helper-long", ct(a(HELPER, b"x" * 16 + b"\0")))
    act("ct-timeout-policy", ct(a(COMMIT), a(TIMEOUT, b"nosuchpolicy\0")) + a(RECIRC, u32(1)))
    act("ct-timeout-empty", ct(a(TIMEOUT, b"\0")))
    act("ct-timeout-unterminated", ct(a(TIMEOUT, b"pol")))
    act("ct-type-10", ct(a(10)))
    act("ct-type-0", ct(a(0)))
    act("ct-zone-short", ct(a(ZONE, b"\1")))
    act("ct-commit-with-data", ct(a(COMMIT, b"\1")))
    act("ct-trailing", a(CT, a(COMMIT) + b"\0\0"))
    act("ct-not-ip", ct(), eth(0x0806) + arp())
    act("ct-nat-src-range", ct(a(COMMIT), nat(a(SRC), a(IP_MIN, bytes([10, 0, 0, 1])),
                                              a(IP_MAX, bytes([10, 0, 0, 9])), a(P_MIN, u16(1024)),
                                              a(P_MAX, u16(2048)), a(P_RANDOM), a(P_HASH),
                                              a(PERSISTENT))) + a(RECIRC, u32(1)))
    act("ct-nat-dst-min-only", ct(a(COMMIT), nat(a(DST), a(IP_MIN, bytes([10, 0, 0, 1])),
                                                 a(P_MIN, u16(80)))) + a(RECIRC, u32(1)))
    act("ct-nat-existing", ct(nat()) + a(RECIRC, u32(1)))
    act("ct-nat-existing-twice", ct(nat(), nat()))
    act("ct-nat-before-commit", ct(nat(a(SRC)), a(COMMIT)))
    act("ct-nat-no-commit", ct(nat(a(DST))))
    act("ct-nat-two-kinds", ct(a(COMMIT), nat(a(SRC), a(DST))))
    act("ct-nat-two-nests", ct(a(COMMIT), nat(), nat(a(SRC))))
    act("ct-nat-flags-only", ct(a(COMMIT), nat(a(PERSISTENT))))
    act("ct-nat-v6-addr-on-v4", ct(a(COMMIT), nat(a(SRC), a(IP_MIN, bytes(16)))))
    act("ct-nat-type-10", ct(nat(a(10))))
    act("ct-nat-trailing", ct(a(NAT, a(SRC) + b"\0\0")))
    act("ct-nat-v6", ct(a(COMMIT), nat(a(DST), a(IP_MIN, bytes(range(16))),
                                       a(IP_MAX, bytes(range(16))))) + a(RECIRC, u32(1)),
        ip6key)
    act("ct-in-clone", a(CLONE, ct(a(COMMIT)) + a(RECIRC, u32(2))) + out(1))
    act("ct-then-ct", ct(a(ZONE, u16(1))) + ct(a(ZONE, u16(2))) + a(RECIRC, u32(3)))


def run_c(all_cases):
    """name -> answer line, from openvswitch.ko."""
    out = {}
    hdr0 = struct.pack("=i", 0)
    with g.GenlSocket() as sock:
        dp_fam = family_id(sock, "ovs_datapath")
        flow_fam = family_id(sock, "ovs_flow")
        sock.request(dp_fam, OVS_DP_CMD_NEW, [hdr0, g.pack_str_attr(OVS_DP_ATTR_NAME, DP),
                                              g.pack_u32_attr(OVS_DP_ATTR_UPCALL_PID, 0)],
                     flags=NLM_F_ACK)
        hdr = struct.pack("=i", socket.if_nametoindex(DP))
        try:
            for name, key, mask, acts in all_cases:
                attrs = [hdr, a(OVS_FLOW_ATTR_KEY, key), a(OVS_FLOW_ATTR_ACTIONS, acts)]
                if mask is not None:
                    attrs.append(a(OVS_FLOW_ATTR_MASK, mask))
                try:
                    replies = sock.request(flow_fam, OVS_FLOW_CMD_NEW, attrs, flags=NLM_F_ECHO)
                except g.NetlinkError as e:
                    out[name] = "%s ERR %s" % (name, errno_name(e.errno))
                    continue
                found = {}
                for raw, payload in g.parse_attrs(replies[0][1][4:]):
                    if raw in (OVS_FLOW_ATTR_KEY, OVS_FLOW_ATTR_MASK, OVS_FLOW_ATTR_ACTIONS):
                        found[raw] = g.pack_attr(raw, payload).hex()
                out[name] = "%s OK %s %s %s" % (
                    name, found.get(OVS_FLOW_ATTR_KEY, "-"), found.get(OVS_FLOW_ATTR_MASK, "-"),
                    found.get(OVS_FLOW_ATTR_ACTIONS, "-"))
                sock.request(flow_fam, OVS_FLOW_CMD_DEL, [hdr], flags=NLM_F_ACK)
        finally:
            sock.request(dp_fam, OVS_DP_CMD_DEL, [hdr0, g.pack_str_attr(OVS_DP_ATTR_NAME, DP)],
                         flags=NLM_F_ACK)
    return out


def errno_name(err):
    # Not ovs_dp.errno_name: spelled as Python spells it, which is what the
    # host binary's names were chosen to match (95 gives ENOTSUP there).
    return errno.errorcode.get(abs(err), str(err))


def run_rust(codec, all_cases):
    lines = "".join("%s %s %s %s\n" % (n, k.hex(), m.hex() if m is not None else "-",
                                       acts.hex() or "-")
                    for n, k, m, acts in all_cases)
    res = subprocess.run([codec], input=lines, capture_output=True, text=True, check=True)
    out = {}
    for line in res.stdout.splitlines():
        parts = line.split(" ")
        name = parts[0]
        # Rust's log text is not part of the answer.
        out[name] = " ".join(parts[:3]) if parts[1] == "ERR" else line
    return out


def main(argv):
    codec, out_dir = argv
    all_cases = cases()
    c = run_c(all_cases)
    r = run_rust(codec, all_cases)
    names = [n for n, _, _, _ in all_cases]
    with open(os.path.join(out_dir, "flow-codec-c.txt"), "w") as f:
        f.write("".join(c[n] + "\n" for n in names))
    with open(os.path.join(out_dir, "flow-codec-rust.txt"), "w") as f:
        f.write("".join(r.get(n, n + " MISSING") + "\n" for n in names))
    bad = [n for n in names if c.get(n) != r.get(n)]
    ok = sum(1 for n in names if c[n].split(" ")[1] == "OK")
    for n in bad:
        print("DIFF %s\n  openvswitch.ko: %s\n  openvswitch_rs: %s" % (n, c.get(n), r.get(n)))
    print("%d cases (%d accepted by openvswitch.ko), %d differ" % (len(names), ok, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
