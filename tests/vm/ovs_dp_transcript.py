#!/usr/bin/env python3
"""Scripted ovs_datapath/ovs_vport genetlink conversation, as a canonical transcript.

Used inside the QEMU guest to check that openvswitch_rs answers every
OVS_DP_CMD_* and OVS_VPORT_CMD_* request exactly like net/openvswitch
(openvswitch.ko): run the same fixed sequence once against each module and
diff the two transcripts.
Stdlib only (Python under TCG is slow; no pyroute2); reuses the raw
genetlink client of genl_families.py.

    ovs_dp_transcript.py run --out FILE [--notes FILE]
    ovs_dp_transcript.py list
    ovs_dp_transcript.py compare A B

`run` executes STEPS (see build_steps in ovs_dp_steps.py) and writes:

  FILE     the transcript: for every step the request in words, then every
           message the kernel sent back (replies decoded attribute by
           attribute, "ack", "error <ERRNO>", "done"), then the
           notifications each multicast listener (ovs_datapath and
           ovs_vport groups) received.  ovs_vport requests and messages
           are written "vport:CMD"; ovs_datapath ones as before, bare.
           Nothing dynamic is in it: ifindex values are written as
           <ifindex of NAME>, sequence numbers and port ids as relations
           (seq=req, pid=self / pid=requester).
  NOTES    (default FILE with .notes.txt) what must NOT be compared: the
           extack messages/offsets of errors and acks (openvswitch_rs adds
           messages openvswitch.ko doesn't send), family and group ids,
           port ids, stderr of shell steps, exception tracebacks.

How each request is read back: the request is sent, followed by a barrier
(an NLMSG_NOOP with NLM_F_ACK, acked by af_netlink itself); everything that
arrives before the barrier's ack belongs to the request, so a missing or an
extra ack/reply shows up.  Dumps are read to their NLMSG_DONE first (the
DONE is produced on a later recvmsg), then the barrier is sent.  Multicast
is delivered synchronously by genl_notify(), so after the barrier's ack the
listeners' queues are complete and are drained without waiting.

Steps run in "contexts": `init` (this process, initial netns, root),
`netns` (a forked worker that setns()'d into /run/netns/NETNS) and
`nobody` (a forked worker with uid/gid 65534, no capabilities).  A step's
unexpected answer is recorded and the run goes on.

Constants: include/uapi/linux/openvswitch.h; expected behaviour:
net/openvswitch/datapath.c (ovs_dp_cmd_*, ovs_dp_change,
ovs_dp_cmd_fill_info, lookup_datapath, ovs_dp_reset_user_features,
ovs_vport_cmd_*, lookup_vport, ovs_vport_cmd_fill_info) and vport.c
(ovs_vport_{get,set}_upcall_portids, ovs_vport_get_upcall_stats).
"""

import argparse
import ctypes
import difflib
import errno
import json
import os
import select
import socket
import struct
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import genl_families as gf  # noqa: E402
from ovs_dp import (  # noqa: E402
    ATTR_NAMES, CMD_NAMES, OVS_DP_ATTR_IFINDEX, OVS_DP_ATTR_MASKS_CACHE_SIZE,
    OVS_DP_ATTR_MEGAFLOW_STATS, OVS_DP_ATTR_NAME, OVS_DP_ATTR_PAD, OVS_DP_ATTR_PER_CPU_PIDS,
    OVS_DP_ATTR_STATS, OVS_DP_ATTR_UPCALL_PID, OVS_DP_ATTR_USER_FEATURES, OVS_DP_CMD_GET,
    OVS_DP_MEGAFLOW_STATS, OVS_DP_MEGAFLOW_STATS_FIELDS, OVS_DP_STATS, OVS_DP_STATS_FIELDS,
    OVS_HEADER, OVS_VPORT_ATTR_IFINDEX, OVS_VPORT_ATTR_NAME, OVS_VPORT_ATTR_NETNSID,
    OVS_VPORT_ATTR_PAD, OVS_VPORT_ATTR_PORT_NO, OVS_VPORT_ATTR_STATS, OVS_VPORT_ATTR_TYPE,
    OVS_VPORT_ATTR_UPCALL_PID, OVS_VPORT_ATTR_UPCALL_STATS, OVS_VPORT_STATS,
    OVS_VPORT_STATS_FIELDS, OVS_VPORT_UPCALL_ATTR_FAIL, OVS_VPORT_UPCALL_ATTR_SUCCESS,
    VPORT_ATTR_NAMES, VPORT_TYPE_NAMES, VPORT_UPCALL_ATTR_NAMES, join_group, parse_family_ids)
from genl_families import (  # noqa: E402
    GenlSocket, NetlinkError, ParseError, pack_str_attr,
    pack_nlmsg, parse_attrs, decode_int, decode_str,
)
from ovs_dp_steps import (  # noqa: E402
    DP_PREFIX, DRAIN_MAX, FAMILIES, FREE_IFINDEX_START, FreeIfindex, IfindexOf, NAME, NETNS,
    NOBODY_GID, NOBODY_UID, Req, Unresolvable, VETHS, WORKER_TIMEOUT, build_steps, errno_name,
    features_str, nlmsg_flags_str, quote)

CLONE_NEWNET = 0x40000000    # <sched.h>, for setns()

STEPS = build_steps()


# --- decoding replies --------------------------------------------------------

def iter_attrs_raw(data):
    """[(raw type incl. NLA_F_* bits, payload)] -- like gf.parse_attrs."""
    out = []
    off = 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("=HH", data, off)
        if length < 4 or off + length > len(data):
            raise ParseError("bad attribute length %d at offset %d (%d bytes)"
                             % (length, off, len(data)))
        out.append((atype, bytes(data[off + 4:off + length])))
        off += gf.nla_align(length)
    return out


def bad_len(name, payload):
    return "%s <bad length %d: %s>" % (name, len(payload), payload.hex() or "-")


def attr_label(raw_type, names):
    """(type without flag bits, its name with [NESTED|NET_BYTEORDER] if set)."""
    atype = raw_type & gf.NLA_TYPE_MASK
    name = names.get(atype, "attr%d" % atype)
    fl = []
    if raw_type & gf.NLA_F_NESTED:
        fl.append("NESTED")
    if raw_type & gf.NLA_F_NET_BYTEORDER:
        fl.append("NET_BYTEORDER")
    if fl:
        name += "[%s]" % "|".join(fl)
    return atype, name


def name_text(name, payload):
    text = decode_str(payload)
    extra = "" if payload == text.encode() + b"\0" else " <raw %s>" % payload.hex()
    return "%s %s%s" % (name, quote(text), extra)


def decode_dp_attr(raw_type, payload):
    """One OVS_DP_ATTR_* attribute of a reply -> a line of text."""
    atype, name = attr_label(raw_type, ATTR_NAMES)
    if atype == OVS_DP_ATTR_NAME:
        return name_text(name, payload)
    if atype == OVS_DP_ATTR_STATS:
        if len(payload) != OVS_DP_STATS.size:
            return bad_len(name, payload)
        vals = OVS_DP_STATS.unpack(payload)
        return name + " " + " ".join("%s=%d" % kv for kv in zip(OVS_DP_STATS_FIELDS, vals))
    if atype == OVS_DP_ATTR_MEGAFLOW_STATS:
        if len(payload) != OVS_DP_MEGAFLOW_STATS.size:
            return bad_len(name, payload)
        vals = OVS_DP_MEGAFLOW_STATS.unpack(payload)
        return name + " " + " ".join(
            "%s=%d" % kv for kv in zip(OVS_DP_MEGAFLOW_STATS_FIELDS, vals))
    if atype == OVS_DP_ATTR_USER_FEATURES:
        if len(payload) != 4:
            return bad_len(name, payload)
        return "%s %s" % (name, features_str(decode_int(payload)))
    if atype in (OVS_DP_ATTR_UPCALL_PID, OVS_DP_ATTR_MASKS_CACHE_SIZE):
        if len(payload) != 4:
            return bad_len(name, payload)
        return "%s %d" % (name, decode_int(payload))
    if atype == OVS_DP_ATTR_IFINDEX:
        if len(payload) != 4:
            return bad_len(name, payload)
        return "%s %d" % (name, decode_int(payload, signed=True))
    if atype == OVS_DP_ATTR_PER_CPU_PIDS:
        if len(payload) % 4:
            return bad_len(name, payload)
        pids = struct.unpack("=%dI" % (len(payload) // 4), payload)
        return "%s [%s]" % (name, ",".join(str(p) for p in pids))
    if atype == OVS_DP_ATTR_PAD:
        return "%s len=%d" % (name, len(payload))
    return "%s len=%d %s" % (name, len(payload), payload.hex() or "-")


def decode_vport_attr(raw_type, payload, namer):
    """One OVS_VPORT_ATTR_* attribute of a reply -> a line of text.

    IFINDEX goes through namer like dp_ifindex.  STATS are written as they
    are: nothing in this run sends or receives a packet on a port (no
    device is brought up), so every counter is 0 on both modules.  NETNSID
    is written raw: it only comes for a port whose device is in another
    netns than the requester, and a local port never leaves its datapath's.
    """
    atype, name = attr_label(raw_type, VPORT_ATTR_NAMES)
    if atype == OVS_VPORT_ATTR_NAME:
        return name_text(name, payload)
    if atype in (OVS_VPORT_ATTR_PORT_NO, OVS_VPORT_ATTR_TYPE):
        if len(payload) != 4:
            return bad_len(name, payload)
        value = decode_int(payload)
        if atype == OVS_VPORT_ATTR_TYPE:
            return "%s %s" % (name, VPORT_TYPE_NAMES.get(value, str(value)))
        return "%s %d" % (name, value)
    if atype == OVS_VPORT_ATTR_IFINDEX:
        if len(payload) != 4:
            return bad_len(name, payload)
        return "%s %s" % (name, namer.symbol(decode_int(payload, signed=True)))
    if atype == OVS_VPORT_ATTR_NETNSID:
        if len(payload) != 4:
            return bad_len(name, payload)
        return "%s %d" % (name, decode_int(payload, signed=True))
    if atype == OVS_VPORT_ATTR_STATS:
        if len(payload) != OVS_VPORT_STATS.size:
            return bad_len(name, payload)
        vals = OVS_VPORT_STATS.unpack(payload)
        return name + " " + " ".join("%s=%d" % kv for kv in zip(OVS_VPORT_STATS_FIELDS, vals))
    if atype == OVS_VPORT_ATTR_UPCALL_STATS:
        try:
            inner = iter_attrs_raw(payload)
        except ParseError:
            return "%s <malformed: %s>" % (name, payload.hex() or "-")
        parts = []
        for raw, data in inner:
            t, n = attr_label(raw, VPORT_UPCALL_ATTR_NAMES)
            if t == OVS_VPORT_ATTR_PAD:
                parts.append("%s(len=%d)" % (n, len(data)))
            elif t in (OVS_VPORT_UPCALL_ATTR_SUCCESS, OVS_VPORT_UPCALL_ATTR_FAIL) \
                    and len(data) == 8:
                parts.append("%s=%d" % (n, decode_int(data)))
            else:
                parts.append("%s<len=%d:%s>" % (n, len(data), data.hex() or "-"))
        return "%s %s" % (name, " ".join(parts) if parts else "(empty)")
    if atype == OVS_VPORT_ATTR_UPCALL_PID:
        if not payload or len(payload) % 4:
            return bad_len(name, payload)
        pids = struct.unpack("=%dI" % (len(payload) // 4), payload)
        return "%s [%s]" % (name, ",".join(str(p) for p in pids))
    if atype == OVS_VPORT_ATTR_PAD:
        return "%s len=%d" % (name, len(payload))
    return "%s len=%d %s" % (name, len(payload), payload.hex() or "-")


def dp_message_name(payload):
    """The NAME attribute of an ovs_datapath message (for sorting dumps)."""
    try:
        for raw_type, data in iter_attrs_raw(payload[gf.GENL_HDRLEN + OVS_HEADER.size:]):
            if raw_type & gf.NLA_TYPE_MASK == OVS_DP_ATTR_NAME:
                return decode_str(data)
    except ParseError:
        pass
    return ""


def relation(value, expected, same, zero_ok=True):
    if value == expected:
        return same
    if zero_ok and value == 0:
        return "0"
    return "other"


class IfindexNamer:
    """Turns dp_ifindex values into stable symbols.

    lookup(ifindex) -> device name or None: if_indextoname in the right
    netns; a cache keeps names of devices that are gone (a DEL reply's
    ifindex is read after the device is unregistered).
    """

    def __init__(self, lookup=None, requested=None):
        self.lookup = lookup if lookup is not None else _if_indextoname
        self.requested = requested
        self.cache = {}

    def learn(self, ifindex, name):
        self.cache[ifindex] = name

    def symbol(self, ifindex):
        if ifindex == 0:
            return "0"
        name = self.lookup(ifindex)
        if name is not None:
            self.cache[ifindex] = name
        else:
            name = self.cache.get(ifindex)
        text = "<ifindex of %s>" % name if name else "<unknown ifindex>"
        if self.requested is not None and ifindex == self.requested:
            text = "ifindex==requested %s" % text
        return text


def _if_indextoname(ifindex):
    try:
        return socket.if_indextoname(ifindex)
    except OSError:
        return None


def render_message(msg, family_id, req_seq, portid, namer, label, pid_word="self",
                   family="dp"):
    """One received netlink message -> (transcript lines, notes lines).

    msg: (type, flags, seq, pid, payload) as gf.parse_nlmsgs returns.
    family_id, family: the genetlink id and key ("dp"/"vport") the message
    should have.  label: "reply" or "notify@ctx".  Errors/acks carry their
    extack in the notes only.  Replies show nlmsg flags, seq and pid as
    relations.
    """
    fam_name, _, _, prefix = FAMILIES[family]
    mtype, flags, seq, pid, payload = msg
    lines, notes = [], []
    seqrel = "" if seq == req_seq else " seq=other"
    if mtype == gf.NLMSG_ERROR:
        err = gf.parse_nlmsgerr(payload, flags)
        word = "ack" if err["error"] == 0 else "error %s" % errno_name(err["error"])
        lines.append("  %s%s" % (word, seqrel))
        ext = extack_text(err)
        if ext:
            notes.append("%s: %s" % (word, ext))
        return lines, notes
    if mtype == gf.NLMSG_DONE:
        done = gf.parse_done(payload, flags)
        word = "done" if done["error"] == 0 else "done error %s" % errno_name(done["error"])
        lines.append("  %s%s" % (word, seqrel))
        ext = extack_text(done)
        if ext:
            notes.append("%s: %s" % (word, ext))
        return lines, notes
    if mtype != family_id:
        lines.append("  %s unexpected nlmsg type %d flags=%s len=%d"
                     % (label, mtype, nlmsg_flags_str(flags), len(payload)))
        return lines, notes
    if len(payload) < gf.GENL_HDRLEN + OVS_HEADER.size:
        lines.append("  %s short %s message: %s" % (label, fam_name, payload.hex()))
        return lines, notes
    cmd, version, reserved = gf.GENLMSGHDR.unpack_from(payload, 0)
    (dp_ifindex,) = OVS_HEADER.unpack_from(payload, gf.GENL_HDRLEN)
    head = "  %s %s%s v%d%s flags=%s seq=%s pid=%s dp_ifindex=%s" % (
        label, prefix, CMD_NAMES.get(cmd, "cmd%d" % cmd), version,
        " reserved=%d" % reserved if reserved else "",
        nlmsg_flags_str(flags), relation(seq, req_seq, "req"),
        relation(pid, portid, pid_word), namer.symbol(dp_ifindex))
    lines.append(head)
    try:
        for raw_type, data in iter_attrs_raw(payload[gf.GENL_HDRLEN + OVS_HEADER.size:]):
            if family == "vport":
                lines.append("      " + decode_vport_attr(raw_type, data, namer))
            else:
                lines.append("      " + decode_dp_attr(raw_type, data))
    except ParseError as e:
        lines.append("      <malformed attributes: %s>" % e)
    return lines, notes


def extack_text(err):
    parts = []
    if err.get("msg"):
        parts.append("msg=%s" % quote(err["msg"]))
    if err.get("offs") is not None:
        parts.append("offs=%d" % err["offs"])
    if err.get("miss_type") is not None:
        parts.append("miss_type=%d" % err["miss_type"])
    return " ".join(parts)


def sort_dump(msgs, family_id):
    """Dump entries sorted by NAME; everything else keeps its place at the end."""
    entries = [m for m in msgs if m[0] == family_id]
    others = [m for m in msgs if m[0] != family_id]
    entries.sort(key=lambda m: dp_message_name(m[4]))
    return entries + others


# CTRL_CMD_NEWFAMILY attributes -> (family id, {group name: id}).
parse_mcast_groups = parse_family_ids


# --- a context: request socket + multicast listener --------------------------

class Ctx:
    """Sockets and state of one context (netns + credentials)."""

    def __init__(self, label, requested_ifindex, listen=True):
        self.label = label
        self.notes = []
        self.namer = IfindexNamer(requested=requested_ifindex)
        self.requested_ifindex = requested_ifindex
        self.req = GenlSocket()
        self.portid = self.req.sock.getsockname()[0]
        self.family_ids = {}            # "dp"/"vport" -> genetlink family id
        self.listeners = {}             # "dp"/"vport" -> socket in its group
        for family in ("dp", "vport"):  # dp first: its notifications come first
            self._open_family(family, listen)

    def _open_family(self, family, listen):
        fam_name, group, _, _ = FAMILIES[family]
        label = self.label
        try:
            replies = self.req.request(gf.GENL_ID_CTRL, gf.CTRL_CMD_GETFAMILY,
                                       [pack_str_attr(gf.CTRL_ATTR_FAMILY_NAME, fam_name)])
            self.family_ids[family], groups = parse_mcast_groups(replies[0][1])
        except NetlinkError as e:
            self.notes.append("%s: CTRL_CMD_GETFAMILY %s: %s" % (label, fam_name, e))
            groups = {}
        self.notes.append("%s: %s family id %s, groups %s, portid %d"
                          % (label, fam_name, self.family_ids.get(family), groups,
                             self.portid))
        if listen and group in groups:
            sock = GenlSocket()
            self.listeners[family] = sock
            join_group(sock, groups[group])
        elif listen:
            self.notes.append("%s: no %s multicast group" % (label, group))

    @property
    def family_id(self):
        """The ovs_datapath family id (None if absent)."""
        return self.family_ids.get("dp")

    def close(self):
        self.req.close()
        for sock in self.listeners.values():
            sock.close()

    def next_seq(self):
        # Shares GenlSocket.request()'s counter: one sequence per socket.
        self.req.seq += 1
        return self.req.seq

    def refresh_names(self):
        for ifindex, name in socket.if_nameindex():
            self.namer.learn(ifindex, name)

    def resolve(self, v):
        if isinstance(v, IfindexOf):
            try:
                ifindex = socket.if_nametoindex(v.name)
            except OSError:
                raise Unresolvable("no device %s in %s" % (v.name, self.label)) from None
            self.namer.learn(ifindex, v.name)
            return ifindex
        if isinstance(v, FreeIfindex):
            if self.requested_ifindex is None:
                raise Unresolvable("no free ifindex picked")
            return self.requested_ifindex
        return v

    @staticmethod
    def _drain(gsock):
        """Everything already queued on gsock, without waiting.

        (The sockets have a timeout, so Python polls before recv: a
        MSG_DONTWAIT recv would still wait for the timeout.)
        """
        msgs = []
        for _ in range(DRAIN_MAX):
            ready, _, _ = select.select([gsock.sock], [], [], 0)
            if not ready:
                return msgs
            try:
                data = gsock.sock.recv(gf.RECV_BUFSIZE)
            except InterruptedError:
                continue
            except OSError as e:            # ENOBUFS: notifications were lost
                msgs.append(("oserror", e.errno or 0))
                continue
            msgs.extend(gf.parse_nlmsgs(data))
        msgs.append(("oserror", errno.EOVERFLOW))
        return msgs

    def _recv_until(self, stop):
        """Messages until (and including) the first one stop() accepts."""
        got = []
        while True:
            for m in gf.parse_nlmsgs(self.req._recv()):
                got.append(m)
                if stop(m):
                    return got

    def run_req(self, step):
        """Run one Req; returns (lines, notes, requester info for listeners)."""
        lines, notes = [], []
        family_id = self.family_ids.get(step.family)
        if family_id is None:
            return ["  family %s absent" % FAMILIES[step.family][0]], notes, None
        for m in self._drain(self.req):
            lines.append("  stray message before the request: %r" % (m[:4],))
        self.refresh_names()
        seq = self.next_seq()
        try:
            msg = step.encode(family_id, seq, self.resolve)
        except Unresolvable as e:
            return ["  not sent: %s" % e], notes, None
        self.req._send(msg)
        got = []
        if step.dump:
            got = self._recv_until(lambda m: m[2] == seq and m[0] in (gf.NLMSG_DONE,
                                                                       gf.NLMSG_ERROR))
        bseq = self.next_seq()
        self.req._send(pack_nlmsg(gf.NLMSG_NOOP, gf.NLM_F_REQUEST | gf.NLM_F_ACK, bseq, b""))
        rest = self._recv_until(lambda m: m[2] == bseq and m[0] == gf.NLMSG_ERROR)
        barrier = rest.pop()
        berr = gf.parse_nlmsgerr(barrier[4], barrier[1])["error"]
        if berr:
            lines.append("  barrier failed: %s" % errno_name(berr))
        got += rest
        if step.dump and step.family == "dp":
            got = sort_dump(got, family_id)
            lines.append("  (dump entries sorted by name)")
        # A vport dump keeps the kernel's order (by hash bucket, port_no %
        # DP_VPORT_HASH_BUCKETS): openvswitch_rs follows it.
        if not got:
            lines.append("  (nothing)")
        for m in got:
            ls, ns = render_message(m, family_id, seq, self.portid, self.namer, "reply",
                                    family=step.family)
            lines += ls
            notes += ns
        return lines, notes, {"seq": seq, "portid": self.portid, "ctx": self.label}

    def drain_notifications(self, reqinfo):
        """Rendered notifications queued on the listeners since the last call:
        the ovs_datapath group's, then the ovs_vport group's."""
        lines, notes = [], []
        seq = reqinfo["seq"] if reqinfo else -1
        portid = reqinfo["portid"] if reqinfo else -1
        for family, sock in self.listeners.items():
            for m in self._drain(sock):
                if m[0] == "oserror":
                    lines.append("  notify@%s socket error %s"
                                 % (self.label, errno_name(m[1])))
                    continue
                ls, ns = render_message(m, self.family_ids[family], seq, portid, self.namer,
                                        "notify@" + self.label, pid_word="requester",
                                        family=family)
                lines += ls
                notes += ns
        return lines, notes

    def run_links(self):
        names = sorted(n for _, n in socket.if_nameindex() if n.startswith(DP_PREFIX))
        return ["  devices: %s" % (" ".join(names) if names else "(none)")], []

    def run_step(self, step):
        """-> {"lines", "notes", "reqinfo"}; never raises for one bad step."""
        try:
            if step.kind == "req":
                lines, notes, reqinfo = self.run_req(step)
            elif step.kind == "links":
                (lines, notes), reqinfo = self.run_links(), None
            else:
                raise ValueError("step kind %s cannot run in a context" % step.kind)
        except (OSError, ParseError, ValueError) as e:
            lines = ["  exception %s: %s" % (type(e).__name__, e)]
            notes = [traceback.format_exc()]
            reqinfo = None
        return {"lines": lines, "notes": notes, "reqinfo": reqinfo}


# --- worker processes for the other contexts ----------------------------------

def enter_netns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/%s" % name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns(%s): %s" % (name, os.strerror(err)))
    finally:
        os.close(fd)


def become_nobody():
    os.setgroups([])
    os.setgid(NOBODY_GID)
    os.setuid(NOBODY_UID)


CONTEXTS = {
    # label: (setup run in the worker, whether it listens to the group)
    "netns": (lambda: enter_netns(NETNS), True),
    "nobody": (become_nobody, False),
}


class WorkerError(Exception):
    pass


class Worker:
    """A forked child running steps in another context, JSON over pipes."""

    def __init__(self, label, requested_ifindex):
        self.label = label
        setup, listen = CONTEXTS[label]
        to_child_r, to_child_w = os.pipe()
        to_parent_r, to_parent_w = os.pipe()
        pid = os.fork()
        if pid == 0:                                 # child
            code = 0
            try:
                os.close(to_child_w)
                os.close(to_parent_r)
                _worker_loop(label, setup, listen, requested_ifindex,
                             os.fdopen(to_child_r, "r"), os.fdopen(to_parent_w, "w"))
            except BaseException:                   # noqa: B036 -- report, then exit
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(to_child_r)
        os.close(to_parent_w)
        self.pid = pid
        self.w = os.fdopen(to_child_w, "w")
        self.r = os.fdopen(to_parent_r, "r")
        self.buf = ""
        hello = self.call(None)
        if "error" in hello:
            self.stop()
            raise WorkerError(hello["error"])
        self.notes = hello.get("notes", [])

    def call(self, obj, timeout=WORKER_TIMEOUT):
        if obj is not None:
            try:
                self.w.write(json.dumps(obj) + "\n")
                self.w.flush()
            except OSError as e:
                raise WorkerError("%s worker: %s" % (self.label, e)) from None
        while "\n" not in self.buf:
            ready, _, _ = select.select([self.r], [], [], timeout)
            if not ready:
                raise WorkerError("%s worker: no answer in %ss" % (self.label, timeout))
            chunk = os.read(self.r.fileno(), 65536).decode()
            if not chunk:
                raise WorkerError("%s worker died" % self.label)
            self.buf += chunk
        line, self.buf = self.buf.split("\n", 1)
        return json.loads(line)

    def stop(self):
        for f in (self.w, self.r):
            try:
                f.close()
            except OSError:
                pass
        for _ in range(50):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return
            select.select([], [], [], 0.1)
        os.kill(self.pid, 9)                        # our own child, by pid
        os.waitpid(self.pid, 0)


def _worker_loop(label, setup, listen, requested_ifindex, rfile, wfile):
    def send(obj):
        wfile.write(json.dumps(obj) + "\n")
        wfile.flush()
    with rfile, wfile:
        try:
            setup()
            ctx = Ctx(label, requested_ifindex, listen=listen)
        except Exception:                            # noqa: BLE001 -- reported to the parent
            send({"error": traceback.format_exc()})
            return
        send({"notes": ctx.notes})
        for line in rfile:
            cmd = json.loads(line)
            if cmd["op"] == "step":
                send(ctx.run_step(STEPS[cmd["i"]]))
            elif cmd["op"] == "drain":
                lines, notes = ctx.drain_notifications(cmd["reqinfo"])
                send({"lines": lines, "notes": notes})
            elif cmd["op"] == "eval":                # used by clean-up
                send(_worker_eval(ctx, cmd))
        ctx.close()


def _worker_eval(ctx, cmd):
    if cmd["what"] == "cleanup":
        return {"notes": cleanup_datapaths(ctx)}
    return {}


# --- running the whole sequence ------------------------------------------------

def pick_free_ifindex():
    ifindex = FREE_IFINDEX_START
    used = {i for i, _ in socket.if_nameindex()}
    while ifindex in used:
        ifindex += 1
    return ifindex


def list_datapaths(ctx):
    """Names of all datapaths visible in ctx (a dump)."""
    if ctx.family_id is None:
        return []
    replies = ctx.req.request(ctx.family_id, OVS_DP_CMD_GET,
                              [OVS_HEADER.pack(0)], dump=True)
    return sorted(dp_message_name(b"\0" * gf.GENL_HDRLEN + data) for _, data in replies)


def delete_datapath(ctx, name):
    seq = ctx.next_seq()
    step = Req("DEL", NAME(name), echo=False)
    ctx.req._send(step.encode(ctx.family_id, seq))
    for m in ctx._recv_until(lambda m: m[2] == seq and m[0] == gf.NLMSG_ERROR):
        if m[0] == gf.NLMSG_ERROR:
            return gf.parse_nlmsgerr(m[4], m[1])["error"]
    return 0


def cleanup_datapaths(ctx):
    """Delete every DP_PREFIX* datapath in ctx; returns notes."""
    notes = []
    try:
        for name in list_datapaths(ctx):
            if name.startswith(DP_PREFIX):
                err = delete_datapath(ctx, name)
                notes.append("%s: deleted leftover datapath %s%s"
                             % (ctx.label, name, " (%s)" % errno_name(err) if err else ""))
    except (OSError, ParseError) as e:
        notes.append("%s: clean-up failed: %s" % (ctx.label, e))
    for sock in getattr(ctx, "listeners", {}).values():
        Ctx._drain(sock)
    return notes


class Runner:
    def __init__(self):
        self.requested_ifindex = pick_free_ifindex()
        self.init = Ctx("init", self.requested_ifindex)
        self.workers = {}
        self.pending_notes = []         # a new worker's notes, for the next step
        self.notes = list(self.init.notes)
        self.notes.append("free ifindex used for IFINDEX: %d" % self.requested_ifindex)

    def worker(self, label):
        if label not in self.workers:
            w = Worker(label, self.requested_ifindex)
            self.pending_notes.extend(w.notes)
            self.workers[label] = w
        return self.workers[label]

    def stop_worker(self, label):
        w = self.workers.pop(label, None)
        if w:
            w.stop()
            return True
        return False

    def run_step(self, step):
        """-> (lines, notes) for one step, notifications included."""
        reqinfo = None
        if step.kind == "shell":
            lines, notes = run_shell(step.argv)
        elif step.kind == "stop":
            lines = ["  stopped" if self.stop_worker(step.ctx) else "  not running"]
            notes = []
        elif step.ctx == "init":
            res = self.init.run_step(step)
            lines, notes, reqinfo = res["lines"], res["notes"], res["reqinfo"]
        else:
            try:
                res = self.worker(step.ctx).call({"op": "step", "i": STEPS.index(step)})
                lines, notes, reqinfo = res["lines"], res["notes"], res["reqinfo"]
            except WorkerError as e:
                self.stop_worker(step.ctx)
                lines, notes = ["  worker failed: %s" % str(e).splitlines()[-1]], [str(e)]
        notes = self.pending_notes + notes
        self.pending_notes = []
        nl, nn = self.init.drain_notifications(reqinfo)
        lines += nl
        notes += nn
        for label in sorted(self.workers):
            try:
                res = self.workers[label].call({"op": "drain", "reqinfo": reqinfo})
                lines += res["lines"]
                notes += res["notes"]
            except WorkerError as e:
                self.stop_worker(label)
                lines.append("  worker %s failed while draining" % label)
                notes.append(str(e))
        return lines, notes

    def close(self):
        for label in list(self.workers):
            self.stop_worker(label)
        self.init.close()


def run_shell(argv):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return ["  could not run: %s" % type(e).__name__], [str(e)]
    notes = []
    for stream, text in (("stdout", p.stdout), ("stderr", p.stderr)):
        if text.strip():
            notes.append("%s: %s" % (stream, text.strip()))
    return ["  exit status %d" % p.returncode], notes


def netns_exists():
    return os.path.exists("/run/netns/%s" % NETNS)


def preclean(runner):
    """Leave no state of an earlier, interrupted run (notes only)."""
    notes = []
    if netns_exists():
        lines, n = run_shell(["ip", "netns", "del", NETNS])
        notes.append("pre-clean: ip netns del %s:%s %s" % (NETNS, lines[0], " ".join(n)))
    notes += cleanup_datapaths(runner.init)
    for veth in VETHS:
        if os.path.exists("/sys/class/net/%s" % veth):
            lines, n = run_shell(["ip", "link", "del", veth])
            notes.append("ip link del %s:%s %s" % (veth, lines[0], " ".join(n)))
    return ["pre-clean: " + n for n in notes]


def postclean(runner):
    notes = cleanup_datapaths(runner.init)
    if netns_exists():
        try:
            res = runner.worker("netns").call({"op": "eval", "what": "cleanup"})
            notes += runner.pending_notes + res["notes"]
        except WorkerError as e:
            notes.append("netns clean-up: %s" % e)
        runner.stop_worker("netns")
        lines, n = run_shell(["ip", "netns", "del", NETNS])
        notes.append("ip netns del %s:%s %s" % (NETNS, lines[0], " ".join(n)))
    return ["post-clean: " + n for n in notes]


HEADER = [
    "# ovs_datapath transcript (tests/vm/ovs_dp_transcript.py)",
    "# Compare with `ovs_dp_transcript.py compare`; extack texts are in the notes file.",
]


def run(out_path, notes_path, steps=None):
    """Run the steps; the files are written as it goes (a hang shows where)."""
    steps = STEPS if steps is None else steps
    failures = n = 0
    with open(out_path, "w") as out, open(notes_path, "w") as notes:
        def emit(f, lines):
            f.write("".join(x + "\n" for x in lines))
            f.flush()
        emit(out, HEADER)
        runner = Runner()
        try:
            emit(notes, runner.notes)
            emit(notes, preclean(runner))
            for step in steps:
                if step.kind == "section":
                    emit(out, ["", "### " + step.title])
                    continue
                n += 1
                head = ["[%03d] %s: %s" % (n, step.ctx, step.describe())]
                if step.why:
                    head.append("      # " + step.why)
                emit(out, head)
                lines, step_notes = runner.run_step(step)
                if any(x.startswith(("  exception", "  worker")) for x in lines):
                    failures += 1
                emit(out, lines)
                emit(notes, ["[%03d] %s" % (n, x) for x in step_notes])
            emit(notes, postclean(runner))
        finally:
            runner.close()
    return n, failures


def compare_files(path_a, path_b, out=None):
    out = sys.stdout if out is None else out
    with open(path_a) as f:
        a = f.readlines()
    with open(path_b) as f:
        b = f.readlines()
    if a == b:
        return True
    out.writelines(difflib.unified_diff(a, b, fromfile=path_a, tofile=path_b))
    return False


def default_notes_path(out_path):
    base, ext = os.path.splitext(out_path)
    return base + ".notes" + (ext or ".txt")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_run = sub.add_parser("run", help="run the sequence, write transcript and notes")
    p_run.add_argument("--out", required=True)
    p_run.add_argument("--notes", help="default: OUT with .notes before the extension")
    sub.add_parser("list", help="print the steps without running them")
    p_cmp = sub.add_parser("compare", help="diff two transcripts; exit 1 if different")
    p_cmp.add_argument("a")
    p_cmp.add_argument("b")
    args = parser.parse_args(argv)

    if args.cmd == "compare":
        return 0 if compare_files(args.a, args.b) else 1
    if args.cmd == "list":
        n = 0
        for step in STEPS:
            if step.kind == "section":
                print("### " + step.title)
            else:
                n += 1
                print("[%03d] %s: %s" % (n, step.ctx, step.describe()))
        return 0
    notes_path = args.notes or default_notes_path(args.out)
    try:
        n, failures = run(args.out, notes_path)
    except (OSError, ParseError) as e:
        print("ovs_dp_transcript: %s" % e, file=sys.stderr)
        return 2
    print("ovs_dp_transcript: %d steps, %d with exceptions; wrote %s and %s"
          % (n, failures, args.out, notes_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
