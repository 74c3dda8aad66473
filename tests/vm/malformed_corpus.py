"""The frames of malformed_ab.py: its corpus and the builders it is made of.

A module of its own so that the corpus reads apart from the run that sends
it (malformed_ab.py: the run, the transcript, compare). corpus() is the
same list on every call: the random corruptions come from a fixed seed.
"""
import random
import struct

from ovs_dp import DST, SRC, be16, be32, md2_tlv, mpls_lse, vlan_tag
from ovs_dp import eth as ether, inet_csum as csum

BARRIER_TYPE = 0x88b5          # IEEE 802 local experimental ethertype
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
