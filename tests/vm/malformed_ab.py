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

The corpus (malformed_corpus.py): Ethernet frames cut short and
corrupted for every protocol key_extract() parses (net/openvswitch/
flow.c): 802.1Q/802.1ad tags, LLC/SNAP, MPLS label stacks, IPv4 (IHL,
lengths, fragments, options), IPv6 (each extension header, fragment
headers, long chains), ARP/RARP, ICMPv4, ICMPv6 with neighbour discovery
options, TCP/UDP/SCTP, NSH; then
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
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402
from ovs_dp import a, errno_name, family_id, u32  # noqa: E402
from malformed_corpus import CATEGORIES, barrier, corpus  # noqa: E402

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
BARRIER_TIMEOUT = 5.0

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
