#!/usr/bin/env python3
"""Conntrack through the datapath, as a transcript that does not depend on
the run or on the module: tests/vm/test_ct_ab.sh runs it against
openvswitch.ko and openvswitch_rs and diffs the transcripts.

    ct_ab.py run OUT --ports P1,P2,P3 --caps C1,C2,C3 [--deadline S]
    ct_ab.py compare C_OUT RS_OUT [--limit N]

`run` is actions_ab.py's run (the same datapath "tac0" with its upcall
socket, netdev ports 1-3 on veths whose peers are captured, one
OVS_PACKET_CMD_EXECUTE per case followed by a barrier frame) over a
scripted conntrack scenario instead of the action corpus. Host A
(10.1.0.1, 2001:db8::1) is behind port 1, host B (10.1.0.2,
2001:db8::2) behind port 2; every frame is built here with fixed
addresses, ports, IP identifications and TCP sequence numbers (each TCP
connection's numbers follow its own handshake, so that conntrack's
window tracking accepts them), so conntrack sees the same packets on
every run. A case's actions are ct(...) then, most often, output to the
other host's port and recirc: the recirculated packet misses (or, in
the "flows" section, hits a flow that ovs-dpctl installed on its
ct_state) and its MISS upcall carries the key conntrack filled in. Each
upcall's KEY is recorded raw, and its conntrack part also decoded on a
"CT" line: ct_state bits, zone, mark, labels, the original tuple. Every
frame that leaves a port is recorded with its checksums checked
(actions_ab.checksums: a NATed frame or ICMP error whose checksum NAT
broke shows "bad"; a frame the ftp NAT helper mangled leaves with
CHECKSUM_PARTIAL, and its TCP checksum field must then hold the
pseudo-header sum: "tcp=partial-ok"). Every EXECUTE names our socket in
OVS_PACKET_ATTR_UPCALL_PID, as ovs-vswitchd's do: that is where the
recirculated packet's MISS upcall goes.

Sections: TCP (handshake, data, an invalid segment, mark and labels set
on commit), UDP and zones kept apart, ICMP echo, related ICMP errors,
SNAT and DNAT (the NATed frames both ways, a related ICMP error through
NAT), IPv6, IPv4 and IPv6 fragments (reassembled by ct() and
refragmented on output), FTP active and passive through the ftp helper,
without NAT and with SNAT (the PORT command rewritten, a longer one, so
later segments are sequence-adjusted) and DNAT (the 227 reply
rewritten), a zone limit of 3 (ovs-dpctl ct-set-limits: of 5 new
connections exactly 3 commit), flows that match ct_state and carry ct()
actions (ovs-dpctl add-flow, dump-flows: the ct action's dump form),
malformed ct() actions (the errno of each), and the conntrack table
(ovs-dpctl dump-conntrack, sorted, ids and timeouts masked) after the
sections that leave connections. Commands' lines are "[NNNN] $ cmd",
"  exit N", "  out| ...", "  err| ...".
"""
import os
import re
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ovs_dp import DST, SRC, a, be16, be32, eth, inet_csum, ones_sum, raw_attrs, u32  # noqa: E402
from actions_build import (  # noqa: E402
    K_CT_LABELS, K_CT_MARK, K_CT_STATE, K_CT_ZONE, K_RECIRC_ID, NLA_F_NESTED, PKT_KEY,
    PKT_MRU, PKT_UPCALL_PID, Frame, ipv4, ipv6, out, pseudo4, pseudo6, raw_acts, seq, tcp_seg,
    udp_seg)
from actions_corpus import Case  # noqa: E402
import actions_ab  # noqa: E402

A_RECIRC, A_CT, A_CT_CLEAR = 7, 12, 16
K_CT_TUPLE4, K_CT_TUPLE6 = 26, 27
# OVS_CT_ATTR_*
CT_COMMIT, CT_ZONE, CT_MARK, CT_LABELS, CT_HELPER = 1, 2, 3, 4, 5
CT_NAT, CT_FORCE_COMMIT, CT_EVENTMASK, CT_TIMEOUT = 6, 7, 8, 9
# OVS_NAT_ATTR_*
NAT_SRC, NAT_DST, NAT_IP_MIN, NAT_IP_MAX, NAT_PROTO_MIN, NAT_PROTO_MAX = 1, 2, 3, 4, 5, 6
NAT_PERSISTENT, NAT_PROTO_HASH, NAT_PROTO_RANDOM = 7, 8, 9
CT_STATE_BITS = ((0x01, "new"), (0x02, "est"), (0x04, "rel"), (0x08, "rpl"), (0x10, "inv"),
                 (0x20, "trk"), (0x40, "snat"), (0x80, "dnat"))

MAC_A, MAC_B = SRC, DST
A4, B4 = bytes([10, 1, 0, 1]), bytes([10, 1, 0, 2])
VIP4, SNAT4 = bytes([10, 1, 0, 100]), bytes([10, 99, 0, 1])
A6 = bytes.fromhex("20010db8000000000000000000000001")
B6 = bytes.fromhex("20010db8000000000000000000000002")
SNAT6 = bytes.fromhex("20010db8000000000000000000000099")
SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
STEP_TIMEOUT = 20


# --- actions ----------------------------------------------------------------------

def ct(desc, *attrs):
    return raw_acts("ct(%s)" % desc, a(A_CT | NLA_F_NESTED, b"".join(attrs)), {"ct"})


def recirc(n):
    return raw_acts("recirc(%d)" % n, a(A_RECIRC, u32(n)), {"recirc"})


def ct_clear():
    return raw_acts("ct_clear", a(A_CT_CLEAR), {"ct_clear"})


def commit():
    return a(CT_COMMIT)


def zone(z):
    return a(CT_ZONE, struct.pack("=H", z))


def mark(value, mask):
    return a(CT_MARK, struct.pack("=II", value, mask))


def labels(value, mask):
    return a(CT_LABELS, value + mask)


def helper(name):
    return a(CT_HELPER, name + b"\0")


def nat(kind=None, ip_min=None, ip_max=None, port_min=None, port_max=None, flags=()):
    """The NAT nest: kind NAT_SRC/NAT_DST (None: NAT existing connections)."""
    body = b"" if kind is None else a(kind)
    if ip_min is not None:
        body += a(NAT_IP_MIN, ip_min)
    if ip_max is not None:
        body += a(NAT_IP_MAX, ip_max)
    if port_min is not None:
        body += a(NAT_PROTO_MIN, struct.pack("=H", port_min))
    if port_max is not None:
        body += a(NAT_PROTO_MAX, struct.pack("=H", port_max))
    for f in flags:
        body += a(f)
    return a(CT_NAT | NLA_F_NESTED, body)


# --- frames -----------------------------------------------------------------------

def ip4_frame(src, dst, proto, l4fn, mac_src, mac_dst, **kw):
    return eth(0x0800, ipv4(proto, l4fn, src=src, dst=dst, **kw), dst=mac_dst, src=mac_src)


def ip6_frame(src, dst, nh, l4fn, mac_src, mac_dst):
    return eth(0x86dd, ipv6(nh, l4fn, src=src, dst=dst), dst=mac_dst, src=mac_src)


def udp4(src, dst, sport, dport, payload=b"ct_ab udp", from_a=True, ident=0x1000):
    macs = (MAC_A, MAC_B) if from_a else (MAC_B, MAC_A)
    return ip4_frame(src, dst, 17, lambda p: udp_seg(p, sport, dport, payload), *macs, ident=ident)


def icmp4_echo(src, dst, typ, from_a=True):
    msg = bytes([typ, 0]) + b"\0\0" + be16(0x77) + be16(1) + b"ct_ab ping"
    msg = msg[:2] + be16(inet_csum(msg)) + msg[4:]
    macs = (MAC_A, MAC_B) if from_a else (MAC_B, MAC_A)
    return ip4_frame(src, dst, 1, lambda p: msg, *macs, ident=0x2000)


def icmp4_error(src, dst, inner_ip, from_a=False, typ=3, code=3):
    """An ICMP error from src to dst quoting inner_ip (its header and 8 bytes)."""
    ihl = (inner_ip[0] & 0xf) * 4
    msg = bytes([typ, code]) + b"\0\0" + b"\0\0\0\0" + inner_ip[:ihl + 8]
    msg = msg[:2] + be16(inet_csum(msg)) + msg[4:]
    macs = (MAC_A, MAC_B) if from_a else (MAC_B, MAC_A)
    return ip4_frame(src, dst, 1, lambda p: msg, *macs, ident=0x3000)


class Tcp:
    """One TCP connection's segments, A's side and B's side, each with the
    addresses that side sends with (NAT: B's differ), and sequence numbers
    that follow the handshake; adj is what B's view of A's sequence has
    gained from a NAT helper's rewriting."""

    def __init__(self, a_addr, b_addr, v6=False, isn_a=1000, isn_b=500000):
        self.a_addr, self.b_addr = a_addr, b_addr     # (src, dst, sport, dport)
        self.v6 = v6
        self.seq_a, self.seq_b = isn_a, isn_b
        self.adj = 0

    def _frame(self, addr, seqno, ackno, flags, payload, from_a):
        src, dst, sport, dport = addr
        macs = (MAC_A, MAC_B) if from_a else (MAC_B, MAC_A)
        l4 = lambda p: tcp_seg(p, sport, dport, flags, payload, seqno, ackno)  # noqa: E731
        if self.v6:
            return ip6_frame(src, dst, 6, l4, *macs)
        return ip4_frame(src, dst, 6, l4, *macs, ident=0x4000 + (seqno & 0xfff))

    def a(self, flags, payload=b""):
        f = self._frame(self.a_addr, self.seq_a, self.seq_b if flags & ACK else 0, flags,
                        payload, True)
        self.seq_a += len(payload) + (1 if flags & (SYN | FIN) else 0)
        return f

    def b(self, flags, payload=b""):
        f = self._frame(self.b_addr, self.seq_b, self.seq_a + self.adj if flags & ACK else 0,
                        flags, payload, False)
        self.seq_b += len(payload) + (1 if flags & (SYN | FIN) else 0)
        return f


def tcp_syn(addr, isn, from_a=True):
    """A lone SYN (src, dst, sport, dport), from A's MAC or B's."""
    return Tcp(None, None)._frame(addr, isn, 0, SYN, b"", from_a)


def ip4_fragments(src, dst, sport, dport, size, chunk, ident):
    """A UDP datagram of size payload bytes from A, as IPv4 fragments of
    chunk bytes of IP payload (a multiple of 8)."""
    seg = udp_seg(lambda p, n: src + dst + bytes([0, p]) + be16(n), sport, dport,
                  bytes(i & 0xff for i in range(size)))
    out_ = []
    for off in range(0, len(seg), chunk):
        more = 0x2000 if off + chunk < len(seg) else 0
        piece = seg[off:off + chunk]
        out_.append(ip4_frame(src, dst, 17, lambda p, x=piece: x, MAC_A, MAC_B,
                              frag=more | (off // 8), ident=ident))
    return out_


def ip6_fragments(src, dst, sport, dport, size, chunk, ident):
    seg = udp_seg(lambda p, n: pseudo6(src, dst, p, n), sport, dport,
                  bytes(i & 0xff for i in range(size)))
    out_ = []
    for off in range(0, len(seg), chunk):
        more = 1 if off + chunk < len(seg) else 0
        fh = bytes([17, 0]) + be16(off | more) + be32(ident)
        piece = fh + seg[off:off + chunk]
        out_.append(ip6_frame(src, dst, 44, lambda p, x=piece: x, MAC_A, MAC_B))
    return out_


# --- the conntrack part of an upcall's key ---------------------------------------------

def ct_words(key):
    """The KEY's conntrack attributes decoded: "CT state=+new+trk zone=1 ..."."""
    attrs = {t & 0x3fff: p for t, p in raw_attrs(key) if t is not None}
    words = []
    if K_RECIRC_ID in attrs:
        words.append("recirc=%d" % struct.unpack("=I", attrs[K_RECIRC_ID])[0])
    if K_CT_STATE in attrs:
        st = struct.unpack("=I", attrs[K_CT_STATE])[0]
        words.append("state=" + ("".join("+" + n for b, n in CT_STATE_BITS if st & b) or "0"))
    if K_CT_ZONE in attrs:
        words.append("zone=%d" % struct.unpack("=H", attrs[K_CT_ZONE])[0])
    if K_CT_MARK in attrs:
        words.append("mark=%#x" % struct.unpack("=I", attrs[K_CT_MARK])[0])
    if K_CT_LABELS in attrs:
        words.append("labels=" + attrs[K_CT_LABELS].hex())
    # (struct ovs_key_ct_tuple_ipv4/6, padded to 16 and 40 bytes)
    if K_CT_TUPLE4 in attrs and len(attrs[K_CT_TUPLE4]) >= 13:
        s, d, sp, dp, proto = struct.unpack_from(">4s4sHHB", attrs[K_CT_TUPLE4])
        words.append("orig=%d:%s:%d>%s:%d" % (proto, ".".join(map(str, s)), sp,
                                              ".".join(map(str, d)), dp))
    if K_CT_TUPLE6 in attrs and len(attrs[K_CT_TUPLE6]) >= 37:
        s, d, sp, dp, proto = struct.unpack_from(">16s16sHHB", attrs[K_CT_TUPLE6])
        words.append("orig6=%d:[%s]:%d>[%s]:%d" % (proto, s.hex(), sp, d.hex(), dp))
    return words


# --- the scenario ---------------------------------------------------------------------

class Cmd:
    """A command of the scenario (ovs-dpctl): its output is recorded."""

    def __init__(self, argv, section, sort=False):
        self.argv = argv
        self.section = section
        self.sort = sort
        self.name = "$ " + " ".join(argv)


def scenario(up):
    steps = []
    sec = [""]

    def section(name):
        sec[0] = name

    def add(name, data, acts, in_port=1, extra=(), key=None):
        f = Frame(name, data, ())
        steps.append(Case("%s | %s" % (name, acts.desc), f,
                          key if key is not None else f.key(in_port=in_port), acts,
                          extra=[a(PKT_UPCALL_PID, u32(up))] + list(extra), section=sec[0]))

    def cmd(*argv, sort=False):
        steps.append(Cmd(list(argv), sec[0], sort))

    def conntrack(*filters):
        cmd("ovs-dpctl", "dump-conntrack", *filters, sort=True)

    to_b = lambda *c: seq(*c, out(2), recirc(1))  # noqa: E731
    to_a = lambda *c: seq(*c, out(1), recirc(1))  # noqa: E731

    section("a clean table")
    cmd("ovs-dpctl", "flush-conntrack")
    conntrack()

    section("tcp: commit with mark and labels, then the connection's states")
    lab = bytes.fromhex("0102030405060708090a0b0c0d0e0f10")
    labm = bytes.fromhex("ffffffff00000000ffffffff000000ff")
    t = Tcp((A4, B4, 40001, 80), (B4, A4, 80, 40001))
    syn = t.a(SYN)
    add("tcp SYN A>B", syn, seq(ct(""), recirc(1)))
    add("tcp SYN A>B", syn, seq(ct(""), raw_acts("userspace", a(2, a(1, u32(up))))))
    add("tcp SYN A>B again", syn,
        to_b(ct("commit,mark=0x11/0xff,labels", commit(), mark(0x11, 0xff), labels(lab, labm))))
    add("tcp SYN-ACK B>A", t.b(SYN | ACK), to_a(ct("")), in_port=2)
    add("tcp ACK A>B", t.a(ACK), to_b(ct("")))
    add("tcp data A>B", t.a(PSH | ACK, b"GET / HTTP/1.0\r\n\r\n"), to_b(ct("")))
    add("tcp data B>A", t.b(PSH | ACK, b"HTTP/1.0 200 OK\r\n\r\n"), to_a(ct("")), in_port=2)
    add("tcp data A>B, mark changed", t.a(ACK),
        to_b(ct("commit,mark=0x2200/0xff00", commit(), mark(0x2200, 0xff00))))
    add("tcp SYN|FIN A>B (invalid)", Tcp((A4, B4, 40001, 80), None, isn_a=7).a(SYN | FIN),
        seq(ct(""), recirc(1)))
    add("tcp data A>B, ct_clear after ct", t.a(ACK), seq(ct(""), ct_clear(), recirc(1)))
    add("tcp FIN A>B", t.a(FIN | ACK), to_b(ct("")))
    add("tcp FIN B>A", t.b(FIN | ACK), to_a(ct("")), in_port=2)
    add("tcp last ACK A>B", t.a(ACK), to_b(ct("")))
    conntrack()

    section("udp and zones kept apart")
    u = udp4(A4, B4, 5000, 53)
    add("udp A>B zone 1", u, to_b(ct("commit,zone=1", commit(), zone(1))))
    add("udp A>B zone 2 (no commit)", u, seq(ct("zone=2", zone(2)), recirc(1)))
    add("udp A>B zone 1 again", u, seq(ct("zone=1", zone(1)), recirc(1)))
    add("udp B>A zone 1", udp4(B4, A4, 53, 5000, from_a=False), to_a(ct("zone=1", zone(1))),
        in_port=2)
    add("udp B>A zone 2", udp4(B4, A4, 53, 5000, from_a=False),
        seq(ct("zone=2", zone(2)), recirc(1)), in_port=2)
    add("udp A>B zone 2 commit, force_commit, eventmask", u,
        seq(ct("force_commit,zone=2,eventmask=0x1", a(CT_FORCE_COMMIT), zone(2),
               a(CT_EVENTMASK, u32(1))), recirc(1)))
    add("udp B>A zone 2 force_commit (reply turns original)",
        udp4(B4, A4, 53, 5000, from_a=False),
        seq(ct("force_commit,zone=2", a(CT_FORCE_COMMIT), zone(2)), recirc(1)), in_port=2)
    add("udp A>B zone 3 timeout policy none", udp4(A4, B4, 5003, 53),
        seq(ct("commit,zone=3,timeout=nosuchpolicy", commit(), zone(3),
               a(CT_TIMEOUT, b"nosuchpolicy\0")), recirc(1)))
    conntrack("zone=1")
    conntrack("zone=2")

    section("icmp echo")
    add("icmp echo A>B", icmp4_echo(A4, B4, 8), to_b(ct("commit", commit())))
    add("icmp echo reply B>A", icmp4_echo(B4, A4, 0, from_a=False), to_a(ct("")), in_port=2)
    add("icmp echo reply B>A with no request (zone 5)", icmp4_echo(B4, A4, 0, from_a=False),
        seq(ct("zone=5", zone(5)), recirc(1)), in_port=2)

    section("related icmp errors")
    sent = udp4(A4, B4, 5001, 53)
    add("udp A>B 5001", sent, to_b(ct("commit", commit())))
    add("icmp port unreachable B>A about it", icmp4_error(B4, A4, sent[14:]), to_a(ct("")),
        in_port=2)
    add("icmp port unreachable B>A, no connection",
        icmp4_error(B4, A4, udp4(A4, B4, 5999, 53)[14:]), seq(ct(""), recirc(1)), in_port=2)
    ttl = icmp4_error(bytes([10, 1, 0, 254]), A4, sent[14:], typ=11, code=0)
    add("icmp time exceeded from a router about it", ttl, to_a(ct("")), in_port=2)

    section("snat and dnat")
    snat = ct("commit,zone=3,nat(src=10.99.0.1:30000)", commit(), zone(3),
              nat(NAT_SRC, SNAT4, SNAT4, 30000, 30000))
    add("udp A>B snat", udp4(A4, B4, 6000, 53), to_b(snat))
    add("udp A>B snat again", udp4(A4, B4, 6000, 53), to_b(ct("zone=3,nat", zone(3), nat())))
    reply = udp4(B4, SNAT4, 53, 30000, from_a=False)
    add("udp B>snat address reply", reply, to_a(ct("zone=3,nat", zone(3), nat())), in_port=2)
    add("udp B>snat address reply, ct without nat", reply, seq(ct("zone=3", zone(3)), recirc(1)),
        in_port=2)
    err = icmp4_error(B4, SNAT4, udp4(SNAT4, B4, 30000, 53)[14:])
    add("icmp error B>snat address (related, natted inside)", err,
        to_a(ct("zone=3,nat", zone(3), nat())), in_port=2)
    add("udp A>B snat range, persistent, random", udp4(A4, B4, 6001, 53),
        to_b(ct("commit,zone=3,nat(src=10.99.0.1-10.99.0.1:31000-31000,persistent,hash)",
                commit(), zone(3), nat(NAT_SRC, SNAT4, SNAT4, 31000, 31000,
                                       (NAT_PERSISTENT, NAT_PROTO_HASH)))))
    d = Tcp((A4, VIP4, 41000, 80), (B4, A4, 8080, 41000))
    dnat = ct("commit,zone=4,nat(dst=10.1.0.2:8080)", commit(), zone(4),
              nat(NAT_DST, B4, None, 8080))
    add("tcp SYN A>vip dnat", d.a(SYN), to_b(dnat))
    add("tcp SYN-ACK B>A (un-dnat)", d.b(SYN | ACK), to_a(ct("zone=4,nat", zone(4), nat())),
        in_port=2)
    add("tcp ACK A>vip", d.a(ACK), to_b(ct("zone=4,nat", zone(4), nat())))
    add("tcp data A>vip", d.a(PSH | ACK, b"hello through dnat"),
        to_b(ct("zone=4,nat", zone(4), nat())))
    u6 = ip6_frame(A6, B6, 17, lambda p: udp_seg(p, 6100, 53, b"ct_ab udp6"), MAC_A, MAC_B)
    add("udp6 A>B snat", u6, to_b(ct("commit,zone=5,nat(src=2001:db8::99)", commit(), zone(5),
                                     nat(NAT_SRC, SNAT6))))
    add("udp6 B>snat address reply",
        ip6_frame(B6, SNAT6, 17, lambda p: udp_seg(p, 53, 6100, b"ct_ab udp6 reply"),
                  MAC_B, MAC_A), to_a(ct("zone=5,nat", zone(5), nat())), in_port=2)
    conntrack("zone=3")
    conntrack("zone=4")
    conntrack("zone=5")

    section("ipv6")
    t6 = Tcp((A6, B6, 42001, 443), (B6, A6, 443, 42001), v6=True)
    add("tcp6 SYN A>B", t6.a(SYN), to_b(ct("commit,zone=6", commit(), zone(6))))
    add("tcp6 SYN-ACK B>A", t6.b(SYN | ACK), to_a(ct("zone=6", zone(6))), in_port=2)
    add("tcp6 ACK A>B", t6.a(ACK), to_b(ct("zone=6", zone(6))))
    echo6 = bytes([128, 0]) + b"\0\0" + be16(0x66) + be16(1) + b"ct_ab ping6"
    add("icmp6 echo A>B", ip6_frame(A6, B6, 58, lambda p: echo6[:2] + be16(
        inet_csum(p(58, len(echo6)) + echo6)) + echo6[4:], MAC_A, MAC_B),
        to_b(ct("commit,zone=6", commit(), zone(6))))
    conntrack("zone=6")

    section("fragments")
    for i, f in enumerate(ip4_fragments(A4, B4, 7000, 53, 2400, 1000, 0x4242), 1):
        add("udp A>B fragment %d of 3" % i, f, to_b(ct("commit,zone=12", commit(), zone(12))))
    frags = ip4_fragments(A4, B4, 7001, 53, 1600, 800, 0x4343)
    add("udp A>B, last fragment first", frags[2], to_b(ct("commit,zone=12", commit(), zone(12))))
    add("udp A>B, first fragment", frags[0], to_b(ct("commit,zone=12", commit(), zone(12))))
    add("udp A>B, middle fragment", frags[1], to_b(ct("commit,zone=12", commit(), zone(12))))
    whole = udp4(A4, B4, 7002, 53, bytes(1200))
    add("udp A>B 1242 bytes, not a fragment, MRU 600",
        whole, to_b(ct("commit,zone=12", commit(), zone(12))),
        extra=[a(PKT_MRU, struct.pack("=H", 600))])
    for i, f in enumerate(ip6_fragments(A6, B6, 7100, 53, 2400, 1000, 0x61616161), 1):
        add("udp6 A>B fragment %d of 3" % i, f, to_b(ct("commit,zone=12", commit(), zone(12))))
    conntrack("zone=12")

    section("ftp through the helper")
    # Passive, no NAT: the 227 reply makes B:50000 expected from A.
    f = Tcp((A4, B4, 43000, 21), (B4, A4, 21, 43000))
    ftp = ct("commit,zone=20,helper=ftp", commit(), zone(20), helper(b"ftp"))
    ct20 = ct("zone=20", zone(20))
    add("ftp ctl SYN A>B", f.a(SYN), to_b(ftp))
    add("ftp ctl SYN-ACK B>A", f.b(SYN | ACK), to_a(ct20), in_port=2)
    add("ftp ctl ACK A>B", f.a(ACK), to_b(ct20))
    add("ftp ctl 220 B>A", f.b(PSH | ACK, b"220 ct_ab\r\n"), to_a(ct20), in_port=2)
    add("ftp ctl PASV A>B", f.a(PSH | ACK, b"PASV\r\n"), to_b(ct20))
    add("ftp ctl 227 B>A", f.b(PSH | ACK, b"227 Entering Passive Mode (10,1,0,2,195,80).\r\n"),
        to_a(ct20), in_port=2)
    data = Tcp((A4, B4, 43001, 50000), (B4, A4, 50000, 43001))
    add("ftp data SYN A>B:50000 (related)", data.a(SYN), to_b(ct20))
    add("ftp data SYN A>B:50000 commit", data.a(SYN), to_b(ct("commit,zone=20", commit(),
                                                              zone(20))))
    add("ftp data SYN A>B:50001 (not expected)",
        Tcp((A4, B4, 43002, 50001), None).a(SYN), seq(ct20, recirc(1)))
    # Active, no NAT: PORT makes B:20 > A:50002 expected.
    add("ftp ctl PORT A>B", f.a(PSH | ACK, b"PORT 10,1,0,1,195,82\r\n"), to_b(ct20))
    add("ftp ctl 200 B>A", f.b(PSH | ACK, b"200 PORT ok\r\n"), to_a(ct20), in_port=2)
    add("ftp active data SYN B:20>A:50002 (related)", tcp_syn((B4, A4, 20, 50002), 900000, False),
        to_a(ct("commit,zone=20", commit(), zone(20))), in_port=2)
    conntrack("zone=20")
    # Active with SNAT to a longer address: the PORT command grows by one
    # byte, and A's later segments are sequence-adjusted.
    s = Tcp((A4, B4, 44000, 21), (B4, SNAT4, 21, 44000))
    sn = ct("commit,zone=21,helper=ftp,nat(src=10.99.0.1)", commit(), zone(21),
            helper(b"ftp"), nat(NAT_SRC, SNAT4))
    ct21 = ct("zone=21,nat", zone(21), nat())
    add("ftp snat ctl SYN A>B", s.a(SYN), to_b(sn))
    add("ftp snat ctl SYN-ACK B>snat", s.b(SYN | ACK), to_a(ct21), in_port=2)
    add("ftp snat ctl ACK A>B", s.a(ACK), to_b(ct21))
    # (The helper reads a command only where an earlier one ended: from
    # the second segment of each direction on.)
    add("ftp snat ctl 220 B>snat", s.b(PSH | ACK, b"220 ct_ab\r\n"), to_a(ct21), in_port=2)
    add("ftp snat ctl USER A>B", s.a(PSH | ACK, b"USER ct\r\n"), to_b(ct21))
    add("ftp snat ctl PORT A>B (rewritten)", s.a(PSH | ACK, b"PORT 10,1,0,1,195,83\r\n"),
        to_b(ct21))
    s.adj = 1
    add("ftp snat ctl 200 B>snat (ack adjusted back)", s.b(PSH | ACK, b"200 PORT ok\r\n"),
        to_a(ct21), in_port=2)
    add("ftp snat ctl NOOP A>B (seq adjusted)", s.a(PSH | ACK, b"NOOP\r\n"), to_b(ct21))
    add("ftp snat active data SYN B:20>snat:50003 (related, to A)",
        tcp_syn((B4, SNAT4, 20, 50003), 910000, False),
        to_a(ct("commit,zone=21,nat", commit(), zone(21), nat())), in_port=2)
    # Passive with DNAT of a service address: the 227 reply names the
    # service address, not B's.
    v = Tcp((A4, VIP4, 45000, 21), (B4, A4, 21, 45000))
    dn = ct("commit,zone=22,helper=ftp,nat(dst=10.1.0.2)", commit(), zone(22),
            helper(b"ftp"), nat(NAT_DST, B4))
    ct22 = ct("zone=22,nat", zone(22), nat())
    add("ftp dnat ctl SYN A>vip", v.a(SYN), to_b(dn))
    add("ftp dnat ctl SYN-ACK B>A", v.b(SYN | ACK), to_a(ct22), in_port=2)
    add("ftp dnat ctl ACK A>vip", v.a(ACK), to_b(ct22))
    add("ftp dnat ctl 220 B>A", v.b(PSH | ACK, b"220 ct_ab\r\n"), to_a(ct22), in_port=2)
    add("ftp dnat ctl PASV A>vip", v.a(PSH | ACK, b"PASV\r\n"), to_b(ct22))
    add("ftp dnat ctl 227 B>A (rewritten)",
        v.b(PSH | ACK, b"227 Entering Passive Mode (10,1,0,2,195,84).\r\n"), to_a(ct22),
        in_port=2)
    add("ftp dnat data SYN A>vip:50004 (related, to B)",
        Tcp((A4, VIP4, 45001, 50004), None).a(SYN),
        to_b(ct("commit,zone=22,nat", commit(), zone(22), nat())))
    conntrack("zone=21")
    conntrack("zone=22")

    section("zone limit: 3 of 5 connections commit")
    cmd("ovs-dpctl", "ct-set-limits", "zone=7,limit=3")
    for i in range(5):
        add("udp A>B :%d zone 7 commit" % (8000 + i), udp4(A4, B4, 8000 + i, 53),
            to_b(ct("commit,zone=7", commit(), zone(7))))
    add("udp A>B :8000 zone 7 again (established: not limited)", udp4(A4, B4, 8000, 53),
        to_b(ct("commit,zone=7", commit(), zone(7))))
    cmd("ovs-dpctl", "ct-get-limits", "zone=7")
    conntrack("zone=7")
    cmd("ovs-dpctl", "ct-del-limits", "zone=7")
    add("udp A>B :8005 zone 7 commit, limit gone", udp4(A4, B4, 8005, 53),
        to_b(ct("commit,zone=7", commit(), zone(7))))

    section("flows on ct_state, with ct() actions (ovs-dpctl)")
    fl = "recirc_id(0x20),in_port(%d),ct_state(%s),eth(),eth_type(0x0800),ipv4()"
    cmd("ovs-dpctl", "add-flow", fl % (1, "+new+trk"), "2")
    cmd("ovs-dpctl", "add-flow", fl % (2, "+est+rpl+trk"), "1")
    cmd("ovs-dpctl", "add-flow", fl % (1, "+est-rpl+trk"), "2")
    # Not matched by any packet: their dump form is what counts.
    # (tftp on a flow without ip proto: the kernel refuses the helper.)
    for i, (match, acts) in enumerate([
            ("ipv4()", "ct(commit,zone=30,mark=0x5/0xff),2"),
            ("ipv4()", "ct(commit,helper=tftp),2"),
            ("ipv4(proto=17),udp()", "ct(commit,zone=34,helper=tftp),2"),
            ("ipv4(proto=6),tcp()", "ct(commit,zone=35,helper=ftp),2"),
            ("ipv4(proto=6),tcp(),tcp_flags(0/0)",
             "ct(commit,zone=35,helper=ftp,nat(src=10.99.0.1)),2"),
            ("ipv4()", "ct(commit,zone=36,label=0x1/0xff),2"),
            ("ipv4()", "ct(commit,zone=31,nat(src=10.99.0.1-10.99.0.9:1000-2000,persistent,"
             "random)),2"),
            ("ipv4()", "ct(commit,nat(dst=10.1.0.2:80,hash)),2"),
            ("ipv4()", "ct(zone=1),recirc(33)"),
            ("ipv4()", "ct(commit),ct_clear,ct(zone=33,nat),2")]):
        cmd("ovs-dpctl", "add-flow",
            "recirc_id(%d),in_port(3),eth(),eth_type(0x0800),%s" % (48 + i, match), acts)
    cmd("ovs-dpctl", "add-flow", "recirc_id(0x40),in_port(3),eth(),eth_type(0x86dd),ipv6()",
        "ct(commit,zone=32,nat(dst=[2001:db8::2]:80)),2")
    w = Tcp((A4, B4, 46000, 80), (B4, A4, 80, 46000))
    r20 = lambda *c: seq(*c, recirc(0x20))  # noqa: E731
    add("tcp SYN A>B to a +new flow", w.a(SYN), r20(ct("commit,zone=11", commit(), zone(11))))
    add("tcp SYN-ACK B>A to a +est+rpl flow", w.b(SYN | ACK), r20(ct("zone=11", zone(11))),
        in_port=2)
    add("tcp ACK A>B to a +est flow", w.a(ACK), r20(ct("zone=11", zone(11))))
    add("tcp data A>B to a +est flow", w.a(PSH | ACK, b"through flows"),
        r20(ct("zone=11", zone(11))))
    cmd("ovs-dpctl", "dump-flows", sort=True)
    cmd("ovs-dpctl", "del-flows")

    section("malformed ct() actions")
    u = udp4(A4, B4, 9000, 53)
    bad = [
        ("unknown attribute 10", a(10)),
        ("commit with a payload", a(CT_COMMIT, b"\1\0\0\0")),
        ("zone of 1 byte", a(CT_ZONE, b"\1")),
        ("zone of 4 bytes", a(CT_ZONE, u32(1))),
        ("mark of 4 bytes", commit() + a(CT_MARK, u32(1))),
        ("mark mask 0", commit() + mark(1, 0)),
        ("mark without commit", mark(1, 1)),
        ("labels of 16 bytes", commit() + a(CT_LABELS, bytes(16))),
        ("labels mask 0", commit() + labels(bytes(16), bytes(16))),
        ("labels without commit", labels(bytes(15) + b"\1", bytes(15) + b"\1")),
        ("helper empty", commit() + a(CT_HELPER, b"")),
        ("helper not terminated", commit() + a(CT_HELPER, b"ftp")),
        ("helper unknown", commit() + helper(b"nosuchhelper")),
        ("helper ftp on udp", commit() + helper(b"ftp")),
        ("helper tftp on udp", commit() + helper(b"tftp")),
        ("helper of 17 bytes", commit() + a(CT_HELPER, b"x" * 16 + b"\0")),
        ("eventmask of 2 bytes", a(CT_EVENTMASK, b"\1\0")),
        ("timeout not terminated", commit() + a(CT_TIMEOUT, b"pol")),
        ("timeout of 33 bytes", commit() + a(CT_TIMEOUT, b"t" * 32 + b"\0")),
        ("nat src and dst", commit() + a(CT_NAT | NLA_F_NESTED, a(NAT_SRC) + a(NAT_DST))),
        ("nat src without commit", nat(NAT_SRC, SNAT4)),
        ("nat flags without src/dst", commit() + nat(None, flags=(NAT_PERSISTENT,))),
        ("nat ip_min without src/dst", commit() + nat(None, SNAT4)),
        ("nat ip_min of 16 bytes on ipv4", commit() + nat(NAT_SRC, SNAT6)),
        ("nat ip_min of 3 bytes", commit() + nat(NAT_SRC, b"\1\2\3")),
        ("nat proto_min of 4 bytes", commit() + a(CT_NAT | NLA_F_NESTED, a(NAT_SRC)
                                                 + a(NAT_PROTO_MIN, u32(1)))),
        ("nat unknown attribute 10", commit() + a(CT_NAT | NLA_F_NESTED, a(NAT_SRC) + a(10))),
        ("nat src with a payload", commit() + a(CT_NAT | NLA_F_NESTED, a(NAT_SRC, u32(1)))),
        ("nat ip_max below ip_min", commit() + nat(NAT_SRC, SNAT4, A4)),
        ("nat proto_max below proto_min", commit() + nat(NAT_SRC, None, None, 2000, 1000)),
        ("nat with a tail", commit() + a(CT_NAT | NLA_F_NESTED, a(NAT_SRC) + b"\1\2")),
        ("ct with a tail", commit() + b"\1\2"),
        ("nat twice", commit() + nat(NAT_SRC, SNAT4) + nat(NAT_DST, B4)),
        ("empty", b""),
    ]
    for desc, body in bad:
        add("udp A>B", u, raw_acts("ct: %s" % desc, a(A_CT | NLA_F_NESTED, body), {"ct"}))
    add("arp", eth(0x0806, be16(1) + be16(0x0800) + bytes([6, 4]) + be16(1) + MAC_A + A4
                   + bytes(6) + B4, dst=b"\xff" * 6), ct("commit (family unspecified)",
                                                         commit()))
    add("udp6 A>B", u6, raw_acts("ct: nat ip_min of 4 bytes on ipv6",
                                 a(A_CT | NLA_F_NESTED, commit() + nat(NAT_SRC, SNAT4)), {"ct"}))
    add("udp A>B", u, raw_acts("ct not nested", a(A_CT, commit()), {"ct"}))

    section("the whole table")
    conntrack()
    cmd("ovs-dpctl", "flush-conntrack", "zone=3")
    conntrack("zone=3")
    return steps


# --- the run -------------------------------------------------------------------------

NORMALISE = [
    # dump-conntrack: per-boot ids, running timeouts; dump-flows: ages.
    (re.compile(r"\bid=\d+"), "id=<id>"),
    (re.compile(r"\btimeout=\d+"), "timeout=<t>"),
    (re.compile(r"used:(\d+\.\d+s|never)"), "used:<t>"),
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|"), "<time>|"),
]


def normalise(line):
    for rx, rep in NORMALISE:
        line = rx.sub(rep, line)
    return line


def partial_csum_ok(data):
    """Whether an IPv4 TCP/UDP frame left with CHECKSUM_PARTIAL (a NAT
    helper's mangling) holds what the device would complete: the folded
    pseudo-header sum in its checksum field."""
    if len(data) < 34 or data[12:14] != be16(0x0800) or data[23] not in (6, 17):
        return False
    ihl = (data[14] & 0xf) * 4
    total = struct.unpack_from(">H", data, 16)[0]
    l4 = 14 + ihl
    field = l4 + (16 if data[23] == 6 else 6)
    if len(data) < field + 2:
        return False
    want = ones_sum(pseudo4(data[26:30], data[30:34], data[23], total - ihl))
    return struct.unpack_from(">H", data, field)[0] == want


class CtRun(actions_ab.Run):
    def frame_line(self, port, data, aux, pkttype, ref):
        lines = super().frame_line(port, data, aux, pkttype, ref)
        if aux is not None and aux[0] & actions_ab.TP_STATUS_CSUMNOTREADY and \
                "CSUM-BROKEN" in lines[0] and partial_csum_ok(data):
            lines[0] = re.sub(r"(tcp|udp)=bad CSUM-BROKEN\(\w+\)", r"\1=partial-ok", lines[0])
            self.count("csum-broken", -1)
        return lines

    def upcall_lines(self, label, m, ref):
        lines = super().upcall_lines(label, m, ref)
        if m[0] != "oserror" and m[0] == self.pkt_fam and len(m[4]) >= 8:
            for t, p in raw_attrs(m[4][8:]):
                if t is not None and t & 0x3fff == PKT_KEY:
                    lines.append("    CT " + " ".join(ct_words(p)))
                    self.count("ct upcalls")
        return lines

    def run_cmd(self, i, c):
        r = subprocess.run(c.argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=STEP_TIMEOUT)
        outl = [normalise(x) for x in r.stdout.splitlines()]
        if c.sort:
            outl.sort()
        lines = ["[%04d] %s" % (i, c.name), "  exit %d" % r.returncode]
        lines += ["  out| " + x for x in outl]
        lines += ["  err| " + normalise(x) for x in r.stderr.splitlines()]
        self.w("\n".join(lines))
        self.count("commands")

    def main(self):
        os.sched_setaffinity(0, {0})
        start = time.monotonic()
        self.setup()
        steps = scenario(self.up_pid["up"])
        self.w("# ct_ab transcript: %d steps; A behind port 1, B behind port 2" % len(steps))
        section = None
        for i, c in enumerate(steps, 1):
            if c.section != section:
                section = c.section
                self.w("\n### %s" % section)
            if time.monotonic() > self.deadline:
                self.w("[%04d] %s\n  not run: past the deadline" % (i, c.name))
                self.count("not run")
            elif isinstance(c, Cmd):
                self.run_cmd(i, c)
            else:
                self.run_case(i, c)
        self.w("\n# errnos: " + " ".join("%s=%d" % (k[6:], v) for k, v in
                                         sorted(self.counts.items()) if k.startswith("errno ")))
        self.w("# delivered: frames=%d upcalls=%d; barriers lost=%d; strays=%d; "
               "csum-broken=%d; not run=%d" % (
                   self.counts.get("frames", 0), self.counts.get("ct upcalls", 0),
                   self.counts.get("barriers lost", 0), self.counts.get("strays", 0),
                   self.counts.get("csum-broken", 0), self.counts.get("not run", 0)))
        print("ct_ab.py: %d steps in %.1f s" % (len(steps), time.monotonic() - start))
        return 1 if self.counts.get("not run") else 0


def main(argv):
    p, _ = actions_ab.arg_parser(__doc__.split("\n\n")[0], tunnel=False, deadline=300.0)
    return actions_ab.run_or_compare(p.parse_args(argv), CtRun)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
