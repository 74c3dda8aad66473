#!/usr/bin/env python3
"""Scripted ovs_flow genetlink conversation, as a transcript that does not
depend on the run.

    flow_family_ab.py OUT [--notes NOTES] [--deadline SECONDS] [--pause-every N]

Runs inside the test VM as root with one datapath module loaded (the
caller, tests/vm/test_flow_family.sh, loads it and checks which): the same
fixed sequence of raw OVS_FLOW_CMD_* requests against openvswitch.ko and
against openvswitch_rs gives two transcripts that must be identical.

The sequence:
  - datapath tffa0: the 240 cases of tests/vm/flow_codec_ab.py (every key
    attribute and action type, malformed ones too) as they are, installed
    one after the other with OVS_FLOW_CMD_NEW, never deleting in between:
    even cases with a UFID (16 bytes derived from the case index), odd
    ones identified by key, some with NLM_F_CREATE and/or NLM_F_EXCL, most
    with NLM_F_ECHO. They overlap (the first, l2-only, wildcards in_port
    and ethertype) and so meet the duplicate rules: actions replaced,
    EEXIST, ENOENT. Then n_flows and n_masks (OVS_DP_CMD_GET), GET of every
    case by key and of every accepted one by UFID, dumps;
  - datapath tffa1: the same cases made flows of their own (a distinct
    in_port in every key, an exact in_port in every mask), so that every
    key attribute, mask and action type is stored and read back: the
    counts, GET of every case by key and of every accepted one by UFID,
    GET with a MASK, with UFID_FLAGS (OMIT_KEY/MASK/ACTIONS), with both
    UFID and KEY;
  - dumps with and without UFID_FLAGS (sorted: C's order is random);
  - the duplicate rules once more, on purpose; SET (actions, CLEAR, by
    UFID without key, missing flows, no identifier); DEL by UFID, by key,
    of missing flows; the counts again;
  - malformed requests (no KEY, no ACTIONS, bad dp_ifindex, PROBE, UFID of
    0 and 20 bytes, short UFID_FLAGS, short KEY/MASK/ACTIONS, flags with
    a payload, unknown commands, no ovs_header); flush, and the counts;
  - notifications of the ovs_flow multicast group (resolved with
    CTRL_CMD_GETFAMILY) for NEW/SET/DEL, none for GET, a failed request or
    a flush;
  - the datapaths deleted with flows in them.

Every request but a dump carries NLM_F_ACK, so everything the kernel
sends back to it ends with the ACK or the error: a missing or an extra
reply shows. Multicast is delivered synchronously by genl_notify(), so
once the ACK is in, the listener's queue is complete and is drained
without waiting.

A step is "[NNNN] request in words", then one line per message that came
back: "reply"/"notify"/"dump" with its genl command, version, nlmsg
flags, whether seq/portid are the request's, the dp_ifindex, then every
attribute as NAME and its raw bytes in hex (header included, padding
not), in the order sent; "ack"; "error ENAME"; "done". Dump messages are
sorted. The only run-dependent values, the datapaths' ifindexes, are
written <tffa0>/<tffa1>. The last line is a summary: the number of steps
and of answers by command and errno ("corpus:ok" and "distinct:ok" count
the accepted installs). Extack messages go to NOTES (default OUT.notes),
"[NNNN] msg: TEXT" and "[NNNN] offs: N" lines, since openvswitch.ko sends
them only from the genetlink core's policy checks: the test requires
openvswitch_rs to send the same message where openvswitch.ko sends one,
and allows one where it sends none.

A step that gets no answer within 5 s is recorded as a timeout; past
--deadline seconds the remaining steps are recorded as not run (exit 1).
--pause-every N sleeps 4.5 s before every N-th step: the masks are then
rebalanced (reordered by use, every 4 s) mid-sequence, which must not
change the transcript.

Standard library only (Python under TCG is slow): genl_families.py's
netlink helpers, one request socket, one listener.
Constants: include/uapi/linux/openvswitch.h; behaviour:
net/openvswitch/datapath.c (ovs_flow_cmd_*), flow_table.c, and
Documentation/flow-netlink.md sections 8 and 9.
"""
import argparse
import errno
import hashlib
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402
import flow_codec_ab as fc  # noqa: E402
from ovs_dp import a, errno_name, family, u32  # noqa: E402
from ovs_dp import flags_str as od_flags_str  # noqa: E402
from ovs_dp import raw_attrs as _raw_attrs  # noqa: E402

# --- include/uapi/linux/openvswitch.h ---------------------------------------

OVS_DP_CMD_NEW, OVS_DP_CMD_DEL, OVS_DP_CMD_GET = 1, 2, 3
OVS_DP_ATTR_NAME, OVS_DP_ATTR_UPCALL_PID = 1, 2
OVS_DP_ATTR_STATS, OVS_DP_ATTR_MEGAFLOW_STATS = 3, 4

FLOW_NEW, FLOW_DEL, FLOW_GET, FLOW_SET = 1, 2, 3, 4
CMD_NAMES = {0: "UNSPEC", FLOW_NEW: "NEW", FLOW_DEL: "DEL", FLOW_GET: "GET", FLOW_SET: "SET"}

KEY, ACTIONS, STATS, TCP_FLAGS, USED, CLEAR = 1, 2, 3, 4, 5, 6
MASK, PROBE, UFID, UFID_FLAGS, PAD = 7, 8, 9, 10, 11
ATTR_NAMES = {KEY: "KEY", ACTIONS: "ACTIONS", STATS: "STATS", TCP_FLAGS: "TCP_FLAGS",
              USED: "USED", CLEAR: "CLEAR", MASK: "MASK", PROBE: "PROBE", UFID: "UFID",
              UFID_FLAGS: "UFID_FLAGS", PAD: "PAD"}

OMIT_KEY, OMIT_MASK, OMIT_ACTIONS = 1, 2, 4
TERSE = OMIT_KEY | OMIT_MASK | OMIT_ACTIONS

OVS_DP_STATS = struct.Struct("=QQQQ")            # n_hit, n_missed, n_lost, n_flows
OVS_DP_MEGAFLOW_STATS = struct.Struct("=QIIQQ")  # n_mask_hit, n_masks, pad0, n_cache_hit, pad1

# --- netlink ----------------------------------------------------------------

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x2, 0x4, 0x8
NLM_F_DUMP_INTR = 0x10
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
NLM_F_DUMP = 0x300
FLAG_NAMES = [(NLM_F_REQUEST, "REQUEST"), (NLM_F_MULTI, "MULTI"), (NLM_F_ACK, "ACK"),
              (NLM_F_ECHO, "ECHO"), (NLM_F_DUMP_INTR, "DUMP_INTR"), (NLM_F_DUMP, "DUMP"),
              (NLM_F_EXCL, "EXCL"), (NLM_F_CREATE, "CREATE")]
NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP = 1, 2
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000

DP_A, DP_B = "tffa0", "tffa1"
NO_DP = 1              # lo: always ifindex 1, never a datapath
NO_IFINDEX = 0x7ffffff0
TIMEOUT = 5.0
# --pause-every: longer than DP_MASKS_REBALANCE_INTERVAL (4000 ms), so that
# the masks are rebalanced (reordered by use) during the sequence.
PAUSE = 4.5


def ufid_of(i):
    """The UFID of case i: 16 bytes that depend on i only."""
    return hashlib.md5(b"flow_family_ab %d" % i).digest()


def flags_str(flags):
    return od_flags_str(flags, FLAG_NAMES)


def raw_attrs(data):
    """[(type with flag bits, raw bytes of the attribute, header included)]."""
    return _raw_attrs(data, with_header=True)


def attr_line(atype, raw):
    if atype is None:
        return "    (trailing bytes) %s" % raw.hex()
    name = ATTR_NAMES.get(atype & 0x3fff, "attr%d" % (atype & 0x3fff))
    if atype & NLA_F_NESTED:
        name += "|NESTED"
    if atype & NLA_F_NET_BYTEORDER:
        name += "|NET_BYTEORDER"
    return "    %s %s" % (name, raw.hex())


# --- the requester ----------------------------------------------------------

class Flows:
    """One request socket, one multicast listener, the transcript.

    `flow_fam` and `flow_group` are the family under test and its group:
    meter_ab.py's subclass points them at ovs_meter, with its own names
    (`cmd_names`, `attr_line`)."""

    cmd_names = CMD_NAMES

    def attr_line(self, atype, raw):
        return attr_line(atype, raw)

    def __init__(self, out_path, notes_path, deadline, pause_every=0):
        self.pause_every = pause_every
        self.out = open(out_path, "w")
        self.notes = open(notes_path, "w")
        self.deadline = time.monotonic() + deadline
        self.n = 0
        self.counts = {}        # "NEW ok", "NEW ENOENT", ...
        self.sock = g.GenlSocket(timeout=TIMEOUT)
        self.portid = self.sock.sock.getsockname()[0]
        self.listener = g.GenlSocket(timeout=TIMEOUT)
        self.listener_pid = self.listener.sock.getsockname()[0]
        self.dp_fam = family(self.sock, "ovs_datapath")[0]
        self.flow_fam, groups = family(self.sock, "ovs_flow")
        self.flow_group = groups.get("ovs_flow")
        self.dp = None          # the ifindex of the datapath requests go to
        self.dp_names = {}      # ifindex -> "<NAME>", for every datapath created
        self.live = set()       # the names of the datapaths that exist
        self.stopped = False

    def close(self):
        self.sock.close()
        self.listener.close()
        self.out.close()
        self.notes.close()

    def section(self, title):
        self.out.write("\n### %s\n" % title)

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    # --- one exchange ---

    def exchange(self, family, cmd, attrs=(), flags=NLM_F_ECHO, hdr="dp", dump=False,
                 raw_payload=None, version=1, reserved=0):
        """Send one request; returns [(type, flags, seq, pid, payload)] up to
        and including the ACK/error (DONE for a dump), or None on timeout."""
        self.sock.seq += 1
        seq = self.sock.seq
        if dump:
            flags |= NLM_F_DUMP
        else:
            flags |= NLM_F_ACK
        if raw_payload is None:
            ifindex = self.dp if hdr == "dp" else hdr
            raw_payload = struct.pack("=BBH", cmd, version, reserved) \
                + struct.pack("=i", ifindex) + b"".join(attrs)
        self.sock._send(g.pack_nlmsg(family, NLM_F_REQUEST | flags, seq, raw_payload))
        got = []
        while True:
            try:
                data = self.sock._recv()
            except TimeoutError:
                return got + [("timeout",)]
            for m in g.parse_nlmsgs(data):
                if m[2] != seq:
                    continue            # the answer to a request that timed out
                got.append(m)
                if m[0] == g.NLMSG_ERROR or (dump and m[0] == g.NLMSG_DONE):
                    return got

    def drain_listener(self):
        msgs = []
        while select.select([self.listener.sock], [], [], 0)[0]:
            try:
                data = self.listener.sock.recv(g.RECV_BUFSIZE)
            except OSError as e:        # ENOBUFS: notifications lost
                msgs.append(("oserror", e.errno))
                continue
            msgs.extend(g.parse_nlmsgs(data))
        return msgs

    # --- rendering ---

    def render(self, m, seq, label, pid_word):
        """One message of ours: its header line and attribute lines."""
        mtype, mflags, mseq, mpid, payload = m
        if mtype != self.flow_fam:
            return ["  %s type=%d flags=%s len=%d" % (label, mtype, flags_str(mflags),
                                                      len(payload))]
        if len(payload) < 8:
            return ["  %s short message %s" % (label, payload.hex())]
        cmd, version, reserved = struct.unpack_from("=BBH", payload, 0)
        (ifindex,) = struct.unpack_from("=i", payload, 4)
        head = "  %s %s v%d%s flags=%s seq=%s pid=%s dp=%s" % (
            label, self.cmd_names.get(cmd, "cmd%d" % cmd), version,
            " reserved=%d" % reserved if reserved else "", flags_str(mflags),
            "req" if mseq == seq else str(mseq),
            pid_word if mpid == self.portid else ("0" if mpid == 0 else "other"),
            self.dp_names.get(ifindex, str(ifindex)))
        return [head] + [self.attr_line(t, raw) for t, raw in raw_attrs(payload[8:])]

    def step(self, desc, cmd, attrs=(), flags=NLM_F_ECHO, hdr="dp", dump=False,
             listen=False, family=None, **kw):
        """Run and record one request; returns "ok", an errno name or None."""
        self.n += 1
        tag = "[%04d]" % self.n
        if self.stopped or time.monotonic() > self.deadline:
            self.stopped = True
            self.out.write("%s %s\n  not run: past the deadline\n" % (tag, desc))
            return None
        if self.pause_every and self.n % self.pause_every == 0:
            time.sleep(PAUSE)
        fam = self.flow_fam if family is None else family
        got = self.exchange(fam, cmd, attrs, flags, hdr, dump, **kw)
        seq = self.sock.seq
        lines = ["%s %s" % (tag, desc)]
        result = "ok"
        dumped = []
        for m in got:
            if m[0] == "timeout":
                lines.append("  timeout (no answer within %g s)" % TIMEOUT)
                result = "timeout"
            elif m[0] in (g.NLMSG_ERROR, g.NLMSG_DONE):
                err = (g.parse_nlmsgerr if m[0] == g.NLMSG_ERROR else g.parse_done)(m[4], m[1])
                word = "ack" if m[0] == g.NLMSG_ERROR else "done"
                if err["error"]:
                    result = errno_name(err["error"])
                    lines.append("  %s%s %s" % ("" if word == "ack" else "done ", "error",
                                                result))
                else:
                    lines.append("  " + word)
                if err["msg"]:
                    self.notes.write("%s msg: %s\n" % (tag, err["msg"]))
                if err["offs"] is not None:
                    self.notes.write("%s offs: %d\n" % (tag, err["offs"]))
            elif dump:
                dumped.append("\n".join(self.render(m, seq, "dump", "self")))
            else:
                lines += self.render(m, seq, "reply", "self")
        if dump:
            dumped.sort()
            lines[1:1] = ["  dump: %d messages (sorted)" % len(dumped)] + dumped
        if listen:
            notes = self.drain_listener()
            for m in notes:
                if m[0] == "oserror":
                    lines.append("  notify socket error %s" % errno_name(m[1]))
                else:
                    lines += self.render(m, seq, "notify", "requester")
            if not notes:
                lines.append("  (no notification)")
        self.out.write("\n".join(lines) + "\n")
        self.count("%s %s" % (self.cmd_names.get(cmd, cmd) if fam == self.flow_fam else "DP",
                              "dump " + result if dump else result))
        return result

    # --- datapath ---

    def dp_counts(self, desc="datapath counts"):
        """OVS_DP_CMD_GET: n_flows (STATS) and n_masks (MEGAFLOW_STATS)."""
        self.n += 1
        tag = "[%04d]" % self.n
        got = self.exchange(self.dp_fam, OVS_DP_CMD_GET, flags=0)
        lines = ["%s %s: OVS_DP_CMD_GET" % (tag, desc)]
        for m in got:
            if m[0] == "timeout":
                lines.append("  timeout")
            elif m[0] == g.NLMSG_ERROR:
                err = g.parse_nlmsgerr(m[4], m[1])["error"]
                lines.append("  error %s" % errno_name(err) if err else "  ack")
            elif m[0] == self.dp_fam:
                attrs = g.attrs_dict(m[4][8:])
                if OVS_DP_ATTR_STATS in attrs:
                    vals = OVS_DP_STATS.unpack(attrs[OVS_DP_ATTR_STATS])
                    lines.append("  stats n_hit=%d n_missed=%d n_lost=%d n_flows=%d" % vals)
                if OVS_DP_ATTR_MEGAFLOW_STATS in attrs:
                    vals = OVS_DP_MEGAFLOW_STATS.unpack(attrs[OVS_DP_ATTR_MEGAFLOW_STATS])
                    lines.append("  megaflow_stats n_mask_hit=%d n_masks=%d pad0=%d "
                                 "n_cache_hit=%d pad1=%d" % vals)
        self.out.write("\n".join(lines) + "\n")

    def dp_create(self, name):
        """A datapath NAME (deleted first if an interrupted run left it),
        where the next requests go."""
        hdr0 = struct.pack("=i", 0)
        try:
            self.dp_delete(name)
        except g.NetlinkError:
            pass
        self.sock.request(self.dp_fam, OVS_DP_CMD_NEW,
                          [hdr0, g.pack_str_attr(OVS_DP_ATTR_NAME, name),
                           g.pack_u32_attr(OVS_DP_ATTR_UPCALL_PID, 0)], flags=NLM_F_ACK)
        self.dp = socket.if_nametoindex(name)
        self.dp_names[self.dp] = "<%s>" % name
        self.live.add(name)

    def dp_delete(self, name):
        self.sock.request(self.dp_fam, OVS_DP_CMD_DEL,
                          [struct.pack("=i", 0), g.pack_str_attr(OVS_DP_ATTR_NAME, name)],
                          flags=NLM_F_ACK)
        self.live.discard(name)

    def dp_ifindex(self, name):
        return next(i for i, n in self.dp_names.items() if n == "<%s>" % name)

    def listen(self, on):
        opt = NETLINK_ADD_MEMBERSHIP if on else NETLINK_DROP_MEMBERSHIP
        self.listener.sock.setsockopt(g.SOL_NETLINK, opt, self.flow_group)


# --- the sequence -------------------------------------------------------------

def new_flags(i):
    """NLM_F_* of the i-th install, beyond ACK: a mix."""
    flags = 0 if i % 10 == 9 else NLM_F_ECHO
    if i % 6 == 1:
        flags |= NLM_F_CREATE | NLM_F_EXCL
    elif i % 6 == 3:
        flags |= NLM_F_CREATE
    elif i % 12 == 5:
        flags |= NLM_F_EXCL
    return flags


def flow_attrs(key=None, mask=None, acts=None, ufid=None, ufid_flags=None, extra=()):
    attrs = []
    if ufid is not None:
        attrs.append(a(UFID, ufid))
    if key is not None:
        attrs.append(a(KEY, key))
    if mask is not None:
        attrs.append(a(MASK, mask))
    if acts is not None:
        attrs.append(a(ACTIONS, acts))
    if ufid_flags is not None:
        attrs.append(a(UFID_FLAGS, u32(ufid_flags)))
    attrs.extend(extra)
    return attrs


MAC2 = bytes([2, 0, 0, 0, 0, 0x11, 2, 0, 0, 0, 0, 0x12])


def own(port, sport=1000, dport=80):
    """A TCP/IPv4 key on in_port PORT that no corpus flow covers (other
    MACs and addresses than the corpus's, whose wildcarding masks would
    swallow it)."""
    return (a(fc.IN_PORT, u32(port)) + a(fc.ETHERNET, MAC2) + a(fc.ETHERTYPE, b"\x08\x00")
            + a(fc.IPV4, bytes([192, 168, 0, 1, 192, 168, 0, 2, 6, 0, 64, 0]))
            + fc.tcp(sport, dport))


def has_in_port(attrs):
    try:
        return any(t == fc.IN_PORT for t, _ in g.parse_attrs(attrs))
    except g.ParseError:
        return False


def install(f, cases, order, ufid_base, ufid_parity, flags_of, label, in_port_base=None):
    """NEW of cases[i] for i in order, recorded; the accepted ones as
    [(label, key, ufid or None)]. With in_port_base, a key without IN_PORT
    gets in_port in_port_base+i, and a mask without IN_PORT an exact one."""
    accepted = []
    for i in order:
        name, key, mask, acts = cases[i]
        desc = "case %d %s" % (i, name)
        if in_port_base is not None and not has_in_port(key):
            key = a(fc.IN_PORT, u32(in_port_base + i)) + key
            desc += " +in_port=%d" % (in_port_base + i)
            if mask is not None and not has_in_port(mask):
                mask = a(fc.IN_PORT, u32(0xffffffff)) + mask
                desc += " +in_port_mask"
        ufid = ufid_of(ufid_base + i) if i % 2 == ufid_parity else None
        flags = flags_of(i)
        res = f.step("NEW %s%s%s flags=%s" % (desc, " +mask" if mask is not None else "",
                                             " ufid=U%d" % (ufid_base + i) if ufid else "",
                                             flags_str(flags)),
                     FLOW_NEW, flow_attrs(key, mask, acts, ufid), flags)
        f.count("%s %s" % (label, "ok" if res == "ok" else "refused"))
        if res == "ok":
            accepted.append(("%s %d %s" % (label, i, name), key, ufid))
    return accepted


def get_all(f, cases, flows, in_port_base=None):
    """GET every case by key, then every accepted UFID flow by UFID."""
    for i, (name, key, _, _) in enumerate(cases):
        desc = "case %d %s" % (i, name)
        if in_port_base is not None and not has_in_port(key):
            key = a(fc.IN_PORT, u32(in_port_base + i)) + key
            desc += " +in_port=%d" % (in_port_base + i)
        f.step("GET key of %s" % desc, FLOW_GET, flow_attrs(key), 0)
    for label, key, ufid in flows:
        if ufid is not None:
            f.step("GET ufid of %s" % label, FLOW_GET, flow_attrs(ufid=ufid), 0)


def run(f):
    cases = fc.cases()
    out1 = fc.out(1)
    tcp4 = fc.eth(0x0800) + fc.ip4(6) + fc.tcp()
    f.out.write("# flow_family_ab.py: the %d cases of flow_codec_ab.py\n" % len(cases))

    f.dp_create(DP_A)
    f.section("%s: every case of flow_codec_ab.py as it is, in its order, none deleted: "
              "even cases with a UFID (U<case>), odd ones by key. The first (l2-only: no "
              "in_port, no ethertype, so both wildcarded) covers most of the others" % DP_A)
    flows_a = install(f, cases, range(len(cases)), 0, 0, new_flags, "corpus")
    f.dp_counts("%s after the corpus" % DP_A)
    f.section("%s: GET every case by key (GET parses the KEY alone, without a mask) and "
              "every accepted one by UFID" % DP_A)
    get_all(f, cases, flows_a)
    f.section("%s: dumps" % DP_A)
    f.step("dump", FLOW_GET, dump=True, flags=0)
    f.step("dump UFID_FLAGS=%d (terse)" % TERSE, FLOW_GET, flow_attrs(ufid_flags=TERSE),
           dump=True, flags=0)

    f.dp_create(DP_B)
    f.section("%s: every case again, none deleted, each a flow of its own: in_port "
              "1000+case added to every key without IN_PORT (and an exact in_port to its "
              "mask if it has one without IN_PORT); the cases without a MASK first, then "
              "those with one, those whose masks have an IN_PORT last (in reverse order: the "
              "broader one last); odd cases with a UFID (U<1000+case>), even ones by key" % DP_B)
    order = ([i for i, c in enumerate(cases) if c[2] is None]
             + [i for i, c in enumerate(cases) if c[2] is not None and not has_in_port(c[2])]
             + [i for i, c in enumerate(cases) if c[2] is not None and has_in_port(c[2])][::-1])
    flows_b = install(f, cases, order, 1000, 1, lambda i: new_flags(i + 3), "distinct",
                      in_port_base=1000)
    f.dp_counts("%s after the corpus" % DP_B)
    f.section("%s: GET every case by key and every accepted one by UFID" % DP_B)
    get_all(f, cases, flows_b, in_port_base=1000)

    act_flows = [flow for flow in flows_b if flow[0].split(" ")[2].startswith("act-")]
    uf = next(flow for flow in act_flows if flow[2] is not None)    # a UFID flow
    kf = next(flow for flow in act_flows if flow[2] is None)        # a key flow
    f.section(DP_B + ": GET variants on a UFID flow (%s) and a key flow (%s)" % (uf[0], kf[0]))
    for flags in range(8):
        f.step("GET ufid of %s UFID_FLAGS=%d" % (uf[0], flags), FLOW_GET,
               flow_attrs(ufid=uf[2], ufid_flags=flags), 0)
    for flags in (OMIT_KEY, OMIT_MASK, OMIT_ACTIONS, TERSE):
        f.step("GET key of %s UFID_FLAGS=%d" % (kf[0], flags), FLOW_GET,
               flow_attrs(kf[1], ufid_flags=flags), 0)
    f.step("GET key of %s with a MASK (ignored)" % kf[0], FLOW_GET,
           flow_attrs(kf[1], mask=a(fc.ETHERTYPE, b"\xff\xff")), 0)
    f.step("GET key of %s with a bad MASK (ignored)" % kf[0], FLOW_GET,
           flow_attrs(kf[1], mask=a(fc.ETHERTYPE, b"\xff\xff\xff\xff")), 0)
    f.step("GET ufid of %s with the key of %s (the UFID wins)" % (uf[0], kf[0]), FLOW_GET,
           flow_attrs(kf[1], ufid=uf[2]), 0)
    f.step("GET key of %s (a UFID flow is never found by key)" % uf[0], FLOW_GET,
           flow_attrs(uf[1]), 0)
    f.step("GET ufid of %s with a bad KEY (the key is parsed first)" % uf[0], FLOW_GET,
           flow_attrs(fc.a(fc.ETHERNET, b"\0" * 6), ufid=uf[2]), 0)
    f.step("GET ufid of %s, its first 8 bytes (another UFID)" % uf[0], FLOW_GET,
           flow_attrs(ufid=uf[2][:8]), 0)
    f.step("GET ufid of %s + 4 bytes (20 bytes: treated as absent, no KEY)" % uf[0], FLOW_GET,
           flow_attrs(ufid=uf[2] + b"\0" * 4), 0)
    f.step("GET key of %s with a 20-byte UFID (absent: found by key)" % kf[0], FLOW_GET,
           flow_attrs(kf[1], ufid=b"\x55" * 20), 0)
    f.step("GET ufid of %s, UFID_FLAGS of 8 bytes" % uf[0], FLOW_GET,
           [a(UFID, uf[2]), a(UFID_FLAGS, u32(OMIT_KEY) + u32(0))], 0)
    f.step("GET ufid of %s with PROBE" % uf[0], FLOW_GET,
           flow_attrs(ufid=uf[2], extra=[a(PROBE)]), 0)
    f.step("GET ufid of %s with ECHO" % uf[0], FLOW_GET, flow_attrs(ufid=uf[2]), NLM_F_ECHO)
    f.step("GET with an empty KEY", FLOW_GET, flow_attrs(b""), 0)

    f.section(DP_B + ": dumps")
    f.step("dump", FLOW_GET, dump=True, flags=0)
    f.step("dump UFID_FLAGS=%d (terse)" % TERSE, FLOW_GET, flow_attrs(ufid_flags=TERSE),
           dump=True, flags=0)
    f.step("dump UFID_FLAGS=%d (OMIT_KEY)" % OMIT_KEY, FLOW_GET,
           flow_attrs(ufid_flags=OMIT_KEY), dump=True, flags=0)
    f.step("dump with a KEY (ignored)", FLOW_GET, flow_attrs(tcp4), dump=True, flags=0)
    f.step("dump dp_ifindex=lo", FLOW_GET, hdr=NO_DP, dump=True, flags=0)
    f.step("dump UFID_FLAGS of 2 bytes", FLOW_GET, [a(UFID_FLAGS, b"\1\0")], dump=True, flags=0)

    f.section(DP_B + ": the duplicate rules, on purpose")
    kkey = own(7)
    f.step("NEW in_port=7 tcp4 (a key flow) ECHO", FLOW_NEW, flow_attrs(kkey, acts=out1))
    f.step("NEW same key again (actions replaced)", FLOW_NEW,
           flow_attrs(kkey, acts=fc.out(2)))
    f.step("NEW same key CREATE", FLOW_NEW, flow_attrs(kkey, acts=out1),
           NLM_F_ECHO | NLM_F_CREATE)
    f.step("NEW same key EXCL", FLOW_NEW, flow_attrs(kkey, acts=out1), NLM_F_ECHO | NLM_F_EXCL)
    f.step("NEW same key with ufid=D1 (the key flow's actions replaced)", FLOW_NEW,
           flow_attrs(kkey, acts=fc.out(3), ufid=ufid_of(5001)))
    f.step("GET ufid D1 (not inserted)", FLOW_GET, flow_attrs(ufid=ufid_of(5001)), 0)
    f.step("NEW same key, a narrower mask (actions replaced, mask kept)", FLOW_NEW,
           flow_attrs(kkey, mask=a(fc.IN_PORT, u32(0xffff)) + a(fc.ETHERTYPE, b"\xff\xff"),
                      acts=fc.out(4)))
    ukey = own(8)
    f.step("NEW in_port=8 tcp4 ufid=D2", FLOW_NEW, flow_attrs(ukey, acts=out1, ufid=ufid_of(5002)))
    f.step("NEW same key ufid=D2 (actions replaced)", FLOW_NEW,
           flow_attrs(ukey, acts=fc.out(2), ufid=ufid_of(5002)))
    f.step("NEW same key ufid=D3 (D2's actions replaced)", FLOW_NEW,
           flow_attrs(ukey, acts=fc.out(3), ufid=ufid_of(5003)))
    f.step("NEW same key, no UFID (D2's actions replaced)", FLOW_NEW,
           flow_attrs(ukey, acts=fc.out(4)))
    f.step("NEW ufid=D2 with another key (ENOENT)", FLOW_NEW,
           flow_attrs(own(9), acts=out1, ufid=ufid_of(5002)))
    f.step("NEW ufid=D2 with another key, CREATE (EEXIST)", FLOW_NEW,
           flow_attrs(own(9), acts=out1, ufid=ufid_of(5002)),
           NLM_F_ECHO | NLM_F_CREATE)
    wkey = own(10)
    f.step("NEW in_port=10 tcp4, wildcarded ports (mask)", FLOW_NEW,
           flow_attrs(wkey, mask=a(fc.IN_PORT, u32(0xffff)) + a(fc.ETHERTYPE, b"\xff\xff")
                      + a(fc.IPV4, b"\xff" * 8 + b"\0" * 4), acts=out1))
    f.step("NEW in_port=10 tcp4 other ports, exact (covered by the wildcarded flow: ENOENT)",
           FLOW_NEW, flow_attrs(own(10, 5, 6), acts=out1))
    f.step("NEW 4-byte ufid=beef0001", FLOW_NEW,
           flow_attrs(own(11), acts=out1, ufid=bytes.fromhex("beef0001")))
    f.step("GET 4-byte ufid=beef0001", FLOW_GET, flow_attrs(ufid=bytes.fromhex("beef0001")), 0)
    f.step("NEW 1-byte ufid=01", FLOW_NEW,
           flow_attrs(own(12), acts=out1, ufid=b"\x01"))
    f.step("NEW 20-byte ufid (treated as absent: a key flow)", FLOW_NEW,
           flow_attrs(own(13), acts=out1, ufid=b"\x77" * 20))
    f.step("GET key in_port=13", FLOW_GET, flow_attrs(own(13)), 0)
    f.step("NEW PROBE in_port=14", FLOW_NEW,
           flow_attrs(own(14), acts=out1, extra=[a(PROBE)]))
    f.step("NEW PROBE with a bad key", FLOW_NEW,
           flow_attrs(fc.a(fc.ETHERNET, b"\0" * 6), acts=out1, extra=[a(PROBE)]))
    f.step("NEW in_port=15 UFID_FLAGS=%d (terse echo)" % TERSE, FLOW_NEW,
           flow_attrs(own(15), acts=out1, ufid=ufid_of(5015),
                      ufid_flags=TERSE))
    f.step("NEW in_port=16 without ECHO", FLOW_NEW,
           flow_attrs(own(16), acts=out1), 0)
    f.step("NEW in_port=17 with STATS, USED, TCP_FLAGS, CLEAR (ignored)", FLOW_NEW,
           flow_attrs(own(17), acts=out1,
                      extra=[a(STATS, bytes(16)), a(USED, bytes(8)), a(TCP_FLAGS, b"\2"),
                             a(CLEAR)]))
    f.step("NEW in_port=18 KEY twice (the last wins)", FLOW_NEW,
           [a(KEY, own(99)), a(KEY, own(18)),
            a(ACTIONS, out1)])
    f.step("NEW in_port=19 with an unknown attribute 12 and type 0 (ignored)", FLOW_NEW,
           flow_attrs(own(19), acts=out1, extra=[a(12, b"x"), a(0)]))
    f.dp_counts("after the duplicates")

    f.section(DP_B + ": SET")
    f.step("SET actions by key of %s" % kf[0], FLOW_SET, flow_attrs(kf[1], acts=fc.out(5)))
    f.step("GET key of %s" % kf[0], FLOW_GET, flow_attrs(kf[1]), 0)
    f.step("SET empty actions by key of %s" % kf[0], FLOW_SET, flow_attrs(kf[1], acts=b""))
    f.step("SET actions by key of %s, no ECHO" % kf[0], FLOW_SET,
           flow_attrs(kf[1], acts=fc.out(6)), 0)
    f.step("SET actions by key of %s, UFID_FLAGS=%d" % (kf[0], TERSE), FLOW_SET,
           flow_attrs(kf[1], acts=fc.out(6), ufid_flags=TERSE))
    f.step("SET actions by key and a MASK of %s" % kf[0], FLOW_SET,
           flow_attrs(kf[1], mask=a(fc.ETHERTYPE, b"\xff\xff"), acts=fc.out(7)))
    f.step("SET CLEAR by key of %s" % kf[0], FLOW_SET, flow_attrs(kf[1], extra=[a(CLEAR)]))
    f.step("SET nothing by key of %s" % kf[0], FLOW_SET, flow_attrs(kf[1]))
    f.step("SET nothing by key of %s, no ECHO" % kf[0], FLOW_SET, flow_attrs(kf[1]), 0)
    f.step("SET bad actions by key of %s" % kf[0], FLOW_SET,
           flow_attrs(kf[1], acts=a(fc.OUTPUT, b"\1\0")))
    f.step("SET actions by key of %s (a UFID flow: ENOENT)" % uf[0], FLOW_SET,
           flow_attrs(uf[1], acts=fc.out(5)))
    f.step("SET actions by ufid, no key, of %s (EINVAL)" % uf[0], FLOW_SET,
           flow_attrs(ufid=uf[2], acts=fc.out(5)))
    f.step("SET nothing by ufid of %s" % uf[0], FLOW_SET, flow_attrs(ufid=uf[2]))
    f.step("SET CLEAR by ufid of %s" % uf[0], FLOW_SET, flow_attrs(ufid=uf[2], extra=[a(CLEAR)]))
    f.step("SET nothing by ufid of %s UFID_FLAGS=%d" % (uf[0], OMIT_KEY | OMIT_ACTIONS), FLOW_SET,
           flow_attrs(ufid=uf[2], ufid_flags=OMIT_KEY | OMIT_ACTIONS))
    f.step("SET actions by ufid + its key of %s" % uf[0], FLOW_SET,
           flow_attrs(uf[1], acts=fc.out(8), ufid=uf[2]))
    f.step("SET actions by ufid of %s + another key (the key is not compared)" % uf[0],
           FLOW_SET, flow_attrs(kkey, acts=fc.out(9), ufid=uf[2]))
    f.step("GET ufid of %s" % uf[0], FLOW_GET, flow_attrs(ufid=uf[2]), 0)
    f.step("SET actions by a missing ufid + key", FLOW_SET,
           flow_attrs(uf[1], acts=fc.out(5), ufid=ufid_of(9999)))
    f.step("SET nothing by a missing ufid", FLOW_SET, flow_attrs(ufid=ufid_of(9999)))
    f.step("SET actions by a missing key", FLOW_SET,
           flow_attrs(own(4000), acts=fc.out(5)))
    f.step("SET with neither key nor ufid", FLOW_SET, flow_attrs(acts=fc.out(5)))
    f.step("SET with a 20-byte ufid only", FLOW_SET, flow_attrs(ufid=b"\x77" * 20))
    f.step("SET with a bad key", FLOW_SET,
           flow_attrs(fc.a(fc.ETHERNET, b"\0" * 6), acts=fc.out(5)))
    f.step("SET by key dp_ifindex=lo", FLOW_SET, flow_attrs(kf[1], acts=fc.out(5)), hdr=NO_DP)
    f.step("SET by key CLEAR with a payload", FLOW_SET, flow_attrs(kf[1], extra=[a(CLEAR, b"\1")]))

    f.section(DP_B + ": DEL")
    f.step("DEL key of %s" % kf[0], FLOW_DEL, flow_attrs(kf[1]))
    f.step("DEL key of %s again" % kf[0], FLOW_DEL, flow_attrs(kf[1]))
    f.step("DEL ufid of %s UFID_FLAGS=%d" % (uf[0], OMIT_MASK), FLOW_DEL,
           flow_attrs(ufid=uf[2], ufid_flags=OMIT_MASK))
    f.step("DEL ufid of %s again" % uf[0], FLOW_DEL, flow_attrs(ufid=uf[2]))
    for n, (label, key, ufid) in enumerate(flows_b[2::3]):
        if ufid is not None and n % 4 == 1:
            f.step("DEL key of %s (a UFID flow: ENOENT), then its ufid" % label, FLOW_DEL,
                   flow_attrs(key))
        if ufid is not None:
            f.step("DEL ufid of %s" % label, FLOW_DEL, flow_attrs(ufid=ufid),
                   NLM_F_ECHO if n % 2 else 0)
        else:
            f.step("DEL key of %s" % label, FLOW_DEL, flow_attrs(key), NLM_F_ECHO if n % 2 else 0)
    f.step("DEL ufid D2 with its key", FLOW_DEL, flow_attrs(ukey, ufid=ufid_of(5002)))
    f.step("DEL 4-byte ufid=beef0001 with a bad key (EINVAL: the key is parsed first)",
           FLOW_DEL, flow_attrs(fc.a(fc.ETHERNET, b"\0" * 6), ufid=bytes.fromhex("beef0001")))
    f.step("DEL 4-byte ufid=beef0001", FLOW_DEL, flow_attrs(ufid=bytes.fromhex("beef0001")))
    f.step("DEL a missing ufid", FLOW_DEL, flow_attrs(ufid=ufid_of(9999)))
    f.step("DEL a missing key", FLOW_DEL, flow_attrs(own(4000)))
    f.step("DEL key in_port=10 with other ports (ENOENT: exact key only)", FLOW_DEL,
           flow_attrs(own(10, 5, 6)))
    f.step("DEL key in_port=10 dp_ifindex=lo", FLOW_DEL, flow_attrs(wkey), hdr=NO_DP)
    f.step("DEL key in_port=10 dp_ifindex=%d" % NO_IFINDEX, FLOW_DEL, flow_attrs(wkey),
           hdr=NO_IFINDEX)
    f.step("DEL key in_port=10 with a MASK (ignored)", FLOW_DEL,
           flow_attrs(wkey, mask=a(fc.ETHERTYPE, b"\xff\xff")))
    f.dp_counts("after the deletes")
    f.step("dump UFID_FLAGS=%d (terse)" % TERSE, FLOW_GET, flow_attrs(ufid_flags=TERSE),
           dump=True, flags=0)

    f.section(DP_B + ": malformed requests")
    f.step("NEW without KEY", FLOW_NEW, flow_attrs(acts=out1))
    f.step("NEW without ACTIONS", FLOW_NEW, flow_attrs(tcp4))
    f.step("NEW without KEY and ACTIONS, with a UFID", FLOW_NEW, flow_attrs(ufid=ufid_of(7000)))
    f.step("NEW nothing at all", FLOW_NEW)
    for hdr in (NO_DP, NO_IFINDEX, 0, -1):
        f.step("NEW dp_ifindex=%d" % hdr, FLOW_NEW,
               flow_attrs(own(20), acts=out1), hdr=hdr)
    f.step("NEW dp_ifindex=lo with a bad key (the key is checked first)", FLOW_NEW,
           flow_attrs(fc.a(fc.ETHERNET, b"\0" * 6), acts=out1), hdr=NO_DP)
    f.step("NEW dp_ifindex=lo with bad actions (the actions are checked first)", FLOW_NEW,
           flow_attrs(tcp4, acts=a(fc.OUTPUT, b"\1\0")), hdr=NO_DP)
    f.step("NEW PROBE with a payload", FLOW_NEW,
           flow_attrs(own(21), acts=out1, extra=[a(PROBE, b"\1")]))
    f.step("NEW UFID of 0 bytes", FLOW_NEW,
           flow_attrs(own(22), acts=out1, ufid=b""))
    f.step("NEW UFID of 17 bytes (absent)", FLOW_NEW,
           flow_attrs(own(23), acts=out1, ufid=b"\x11" * 17))
    f.step("NEW UFID_FLAGS of 2 bytes", FLOW_NEW,
           flow_attrs(own(24), acts=out1, extra=[a(UFID_FLAGS, b"\1\0")]))
    f.step("NEW UFID_FLAGS=0xfffffff8 (unknown bits)", FLOW_NEW,
           flow_attrs(own(25), acts=out1, ufid_flags=0xfffffff8))
    for n in (1, 2, 3):
        f.step("NEW KEY of %d bytes" % n, FLOW_NEW, [a(KEY, b"\0" * n), a(ACTIONS, out1)])
        f.step("NEW ACTIONS of %d bytes" % n, FLOW_NEW, [a(KEY, tcp4), a(ACTIONS, b"\0" * n)])
        f.step("NEW MASK of %d bytes" % n, FLOW_NEW,
               [a(KEY, tcp4), a(MASK, b"\0" * n), a(ACTIONS, out1)])
    f.step("GET KEY of 2 bytes", FLOW_GET, [a(KEY, b"\0\0")], 0)
    f.step("DEL KEY of 3 bytes", FLOW_DEL, [a(KEY, b"\0" * 3)])
    f.step("SET KEY of 1 byte", FLOW_SET, [a(KEY, b"\0")])
    f.step("NEW empty KEY", FLOW_NEW, flow_attrs(b"", acts=out1))
    f.step("NEW KEY attribute overrunning the message", FLOW_NEW,
           [struct.pack("=HH", 200, KEY) + tcp4])
    f.step("NEW with 3 trailing bytes", FLOW_NEW,
           flow_attrs(own(26), acts=out1, extra=[b"\0\0\0"]))
    f.step("GET without key or ufid", FLOW_GET, flow_attrs(), 0)
    f.step("GET UFID of 0 bytes", FLOW_GET, flow_attrs(ufid=b""), 0)
    f.step("GET UFID_FLAGS of 2 bytes", FLOW_GET, [a(UFID, uf[2]), a(UFID_FLAGS, b"\1\0")], 0)
    f.step("GET key dp_ifindex=lo", FLOW_GET, flow_attrs(tcp4), 0, hdr=NO_DP)
    f.step("DEL UFID of 0 bytes", FLOW_DEL, flow_attrs(ufid=b""))
    f.step("SET UFID of 0 bytes", FLOW_SET, flow_attrs(ufid=b"", acts=out1))
    f.step("cmd 0", 0, flow_attrs(tcp4), 0)
    f.step("cmd 5", 5, flow_attrs(tcp4), 0)
    f.step("cmd 5 with reserved=1", 5, flow_attrs(tcp4), 0, reserved=1)
    f.step("GET key, reserved=1, version=9 (cmd < 5: not checked)", FLOW_GET,
           flow_attrs(own(16)), 0, reserved=1, version=9)
    f.step("NEW as a dump (no dumpit)", FLOW_NEW, flow_attrs(tcp4, acts=out1), dump=True, flags=0)
    f.step("DEL as a dump", FLOW_DEL, dump=True, flags=0)
    f.step("GET without an ovs_header", FLOW_GET, flags=0,
           raw_payload=struct.pack("=BBH", FLOW_GET, 1, 0))
    f.step("NEW with a 2-byte ovs_header", FLOW_NEW,
           raw_payload=struct.pack("=BBH", FLOW_NEW, 1, 0) + b"\0\0")
    f.dp_counts("after the malformed requests")

    f.section(DP_B + ": flush")
    f.step("DEL without key or ufid (flush)", FLOW_DEL)
    f.dp_counts("after the flush")
    f.step("dump", FLOW_GET, dump=True, flags=0)
    f.step("DEL flush of an empty table", FLOW_DEL, flags=0)
    f.step("NEW in_port=30 ufid=F1", FLOW_NEW,
           flow_attrs(own(30), acts=out1, ufid=ufid_of(6001)))
    f.step("NEW in_port=31", FLOW_NEW, flow_attrs(a(fc.IN_PORT, u32(31)) + fc.eth(0x86dd)
                                                  + fc.ip6(17) + fc.ports(fc.UDP), acts=out1))
    f.dp_counts("two flows")
    f.step("DEL with a 20-byte ufid and no key (absent: a flush)", FLOW_DEL,
           flow_attrs(ufid=b"\x77" * 20))
    f.dp_counts("after the flush by a 20-byte ufid")
    f.step("DEL flush dp_ifindex=lo", FLOW_DEL, hdr=NO_DP)

    f.section(DP_B + ": notifications of the ovs_flow multicast group")
    if f.flow_group is None:
        f.out.write("no ovs_flow multicast group\n")
    else:
        f.listen(True)
        nkey = own(40)
        ukey2 = a(fc.IN_PORT, u32(41)) + fc.eth(0x0806) + fc.arp(1)
        ls = dict(listen=True)
        f.step("NEW in_port=40 tcp4 ECHO", FLOW_NEW, flow_attrs(nkey, acts=out1), **ls)
        f.step("NEW in_port=41 arp ufid=M1, no ECHO", FLOW_NEW,
               flow_attrs(ukey2, acts=out1, ufid=ufid_of(6101)), 0, **ls)
        f.step("NEW in_port=41 arp ufid=M1 UFID_FLAGS=%d, no ECHO" % TERSE, FLOW_NEW,
               flow_attrs(ukey2, acts=fc.out(2), ufid=ufid_of(6101), ufid_flags=TERSE), 0, **ls)
        f.step("NEW in_port=40 again, no ECHO (actions replaced)", FLOW_NEW,
               flow_attrs(nkey, acts=fc.out(2)), 0, **ls)
        f.step("NEW in_port=40 CREATE (EEXIST)", FLOW_NEW, flow_attrs(nkey, acts=out1),
               NLM_F_CREATE, **ls)
        f.step("NEW bad key", FLOW_NEW, flow_attrs(fc.a(fc.ETHERNET, b"\0" * 6), acts=out1), 0,
               **ls)
        f.step("GET key in_port=40", FLOW_GET, flow_attrs(nkey), 0, **ls)
        f.step("dump", FLOW_GET, dump=True, flags=0, **ls)
        f.step("SET actions by key in_port=40, no ECHO", FLOW_SET,
               flow_attrs(nkey, acts=fc.out(3)), 0, **ls)
        f.step("SET nothing by ufid M1, no ECHO", FLOW_SET, flow_attrs(ufid=ufid_of(6101)), 0,
               **ls)
        f.step("SET CLEAR by ufid M1 ECHO", FLOW_SET,
               flow_attrs(ufid=ufid_of(6101), extra=[a(CLEAR)]), **ls)
        f.step("SET missing key", FLOW_SET,
               flow_attrs(own(4000), acts=out1), 0, **ls)
        f.step("DEL key in_port=40, no ECHO", FLOW_DEL, flow_attrs(nkey), 0, **ls)
        f.step("DEL ufid M1 ECHO UFID_FLAGS=%d" % OMIT_ACTIONS, FLOW_DEL,
               flow_attrs(ufid=ufid_of(6101), ufid_flags=OMIT_ACTIONS), **ls)
        f.step("DEL missing ufid M1", FLOW_DEL, flow_attrs(ufid=ufid_of(6101)), 0, **ls)
        f.step("NEW in_port=42, no ECHO", FLOW_NEW,
               flow_attrs(own(42), acts=out1), 0, **ls)
        f.step("NEW in_port=43 ufid=M3, no ECHO", FLOW_NEW,
               flow_attrs(own(43), acts=out1, ufid=ufid_of(6103)), 0, **ls)
        f.step("DEL flush of two flows (no notification)", FLOW_DEL, flags=0, **ls)
        f.dp_counts("after the flush")
        f.listen(False)
        f.step("NEW in_port=44 no ECHO, listener left the group", FLOW_NEW,
               flow_attrs(own(44), acts=out1), 0, **ls)
        f.step("DEL key in_port=44 no ECHO, listener left the group", FLOW_DEL,
               flow_attrs(own(44)), 0, **ls)

    f.section(DP_B + ": end")
    f.step("NEW in_port=50 (left for the datapath's deletion)", FLOW_NEW,
           flow_attrs(own(50), acts=out1), 0)
    f.dp_counts("at the end")
    old = f.dp
    f.dp_delete(DP_B)
    f.step("GET key in_port=50 after the datapath's deletion (its old dp_ifindex)", FLOW_GET,
           flow_attrs(own(50)), 0, hdr=old)
    f.dp = f.dp_ifindex(DP_A)
    f.dp_counts("%s at the end" % DP_A)
    f.dp_delete(DP_A)
    f.step("dump of %s after its deletion (its old dp_ifindex)" % DP_A, FLOW_GET, dump=True,
           flags=0)


def main(argv, requester=None, sequence=None, prog="flow_family_ab.py", doc=__doc__):
    """The command line; meter_ab.py runs its own REQUESTER class and
    SEQUENCE through it."""
    requester = requester or Flows
    sequence = sequence or run
    p = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--notes")
    p.add_argument("--deadline", type=float, default=400.0,
                   help="seconds after which the remaining steps are recorded as not run")
    p.add_argument("--pause-every", type=int, default=0, metavar="N",
                   help="sleep %g s before every N-th step, so that the masks get "
                   "rebalanced mid-sequence: the transcript must not change" % PAUSE)
    args = p.parse_args(argv)
    f = requester(args.out, args.notes or args.out + ".notes", args.deadline, args.pause_every)
    start = time.monotonic()
    try:
        sequence(f)
    finally:
        for name in list(f.live):
            try:
                f.dp_delete(name)
            except (OSError, g.ParseError):
                pass
        counts = " ".join("%s=%d" % (k.replace(" ", ":"), v) for k, v in sorted(f.counts.items()))
        f.out.write("\n# summary: %d steps; %s\n" % (f.n, counts))
        f.close()
    print("%s: %d steps in %.1f s%s" % (prog, f.n, time.monotonic() - start,
                                      ", past the deadline" if f.stopped else ""))
    return 1 if f.stopped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
