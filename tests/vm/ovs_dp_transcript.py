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

`run` executes STEPS (see build_steps) and writes:

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
from ovs_dp import flags_str, join_group, parse_family_ids  # noqa: E402
from genl_families import (  # noqa: E402
    GenlSocket, NetlinkError, ParseError, pack_attr, pack_str_attr,
    pack_u32_attr, pack_nlmsg, parse_attrs, decode_int, decode_str,
)

# --- include/uapi/linux/openvswitch.h ---------------------------------------

OVS_DATAPATH_FAMILY = "ovs_datapath"
OVS_DATAPATH_MCGROUP = "ovs_datapath"
OVS_DATAPATH_VERSION = 2
OVS_DP_VER_FEATURES = 2

OVS_DP_CMD_NEW = 1
OVS_DP_CMD_DEL = 2
OVS_DP_CMD_GET = 3
OVS_DP_CMD_SET = 4
CMDS = {"NEW": OVS_DP_CMD_NEW, "DEL": OVS_DP_CMD_DEL,
        "GET": OVS_DP_CMD_GET, "SET": OVS_DP_CMD_SET}
CMD_NAMES = {v: k for k, v in CMDS.items()}

OVS_DP_ATTR_NAME = 1
OVS_DP_ATTR_UPCALL_PID = 2
OVS_DP_ATTR_STATS = 3
OVS_DP_ATTR_MEGAFLOW_STATS = 4
OVS_DP_ATTR_USER_FEATURES = 5
OVS_DP_ATTR_PAD = 6
OVS_DP_ATTR_MASKS_CACHE_SIZE = 7
OVS_DP_ATTR_PER_CPU_PIDS = 8
OVS_DP_ATTR_IFINDEX = 9
ATTRS = {
    "NAME": OVS_DP_ATTR_NAME,
    "UPCALL_PID": OVS_DP_ATTR_UPCALL_PID,
    "STATS": OVS_DP_ATTR_STATS,
    "MEGAFLOW_STATS": OVS_DP_ATTR_MEGAFLOW_STATS,
    "USER_FEATURES": OVS_DP_ATTR_USER_FEATURES,
    "PAD": OVS_DP_ATTR_PAD,
    "MASKS_CACHE_SIZE": OVS_DP_ATTR_MASKS_CACHE_SIZE,
    "PER_CPU_PIDS": OVS_DP_ATTR_PER_CPU_PIDS,
    "IFINDEX": OVS_DP_ATTR_IFINDEX,
}
ATTR_NAMES = {v: k for k, v in ATTRS.items()}

OVS_DP_F_UNALIGNED = 1 << 0
OVS_DP_F_VPORT_PIDS = 1 << 1
OVS_DP_F_TC_RECIRC_SHARING = 1 << 2
OVS_DP_F_DISPATCH_UPCALL_PER_CPU = 1 << 3
FEATURE_NAMES = [
    (OVS_DP_F_UNALIGNED, "UNALIGNED"),
    (OVS_DP_F_VPORT_PIDS, "VPORT_PIDS"),
    (OVS_DP_F_TC_RECIRC_SHARING, "TC_RECIRC_SHARING"),
    (OVS_DP_F_DISPATCH_UPCALL_PER_CPU, "DISPATCH_UPCALL_PER_CPU"),
]

OVS_VPORT_FAMILY = "ovs_vport"
OVS_VPORT_MCGROUP = "ovs_vport"
OVS_VPORT_VERSION = 1

# OVS_VPORT_CMD_* have the same numbers as OVS_DP_CMD_* (CMDS).

OVS_VPORT_ATTR_PORT_NO = 1
OVS_VPORT_ATTR_TYPE = 2
OVS_VPORT_ATTR_NAME = 3
OVS_VPORT_ATTR_OPTIONS = 4
OVS_VPORT_ATTR_UPCALL_PID = 5
OVS_VPORT_ATTR_STATS = 6
OVS_VPORT_ATTR_PAD = 7
OVS_VPORT_ATTR_IFINDEX = 8
OVS_VPORT_ATTR_NETNSID = 9
OVS_VPORT_ATTR_UPCALL_STATS = 10
VPORT_ATTRS = {
    "PORT_NO": OVS_VPORT_ATTR_PORT_NO,
    "TYPE": OVS_VPORT_ATTR_TYPE,
    "NAME": OVS_VPORT_ATTR_NAME,
    "OPTIONS": OVS_VPORT_ATTR_OPTIONS,
    "UPCALL_PID": OVS_VPORT_ATTR_UPCALL_PID,
    "STATS": OVS_VPORT_ATTR_STATS,
    "PAD": OVS_VPORT_ATTR_PAD,
    "IFINDEX": OVS_VPORT_ATTR_IFINDEX,
    "NETNSID": OVS_VPORT_ATTR_NETNSID,
    "UPCALL_STATS": OVS_VPORT_ATTR_UPCALL_STATS,
}
VPORT_ATTR_NAMES = {v: k for k, v in VPORT_ATTRS.items()}

OVS_VPORT_UPCALL_ATTR_SUCCESS = 0       # inside OVS_VPORT_ATTR_UPCALL_STATS
OVS_VPORT_UPCALL_ATTR_FAIL = 1
VPORT_UPCALL_ATTR_NAMES = {OVS_VPORT_UPCALL_ATTR_SUCCESS: "SUCCESS",
                           OVS_VPORT_UPCALL_ATTR_FAIL: "FAIL",
                           OVS_VPORT_ATTR_PAD: "PAD"}

VPORT_TYPES = {"netdev": 1, "internal": 2, "gre": 3, "vxlan": 4, "geneve": 5}
VPORT_TYPE_NAMES = {v: k for k, v in VPORT_TYPES.items()}

DP_MAX_PORTS = 65535                                  # USHRT_MAX

OVS_HEADER = struct.Struct("=i")                     # struct ovs_header
OVS_DP_STATS = struct.Struct("=QQQQ")                # struct ovs_dp_stats
OVS_DP_STATS_FIELDS = ("n_hit", "n_missed", "n_lost", "n_flows")
OVS_DP_MEGAFLOW_STATS = struct.Struct("=QIIQQ")      # struct ovs_dp_megaflow_stats
OVS_DP_MEGAFLOW_STATS_FIELDS = ("n_mask_hit", "n_masks", "pad0", "n_cache_hit", "pad1")
OVS_VPORT_STATS = struct.Struct("=8Q")               # struct ovs_vport_stats
OVS_VPORT_STATS_FIELDS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes",
                          "rx_errors", "tx_errors", "rx_dropped", "tx_dropped")

# --- netlink bits genl_families.py does not define --------------------------

NLM_F_ECHO = 0x08
NLMSG_FLAG_NAMES = [
    (gf.NLM_F_REQUEST, "REQUEST"), (gf.NLM_F_MULTI, "MULTI"),
    (gf.NLM_F_ACK, "ACK"), (NLM_F_ECHO, "ECHO"), (gf.NLM_F_DUMP_INTR, "DUMP_INTR"),
]
CLONE_NEWNET = 0x40000000

# --- the run's fixed names ----------------------------------------------------

DP_PREFIX = "tdp"            # every datapath this tool creates starts with it
NETNS = "ovsrs-dpns"         # the network namespace it creates
VETHS = ("tdpva0", "tdpvb0")  # the veths it creates (and their tdpv?1 peers)
NOBODY_UID = NOBODY_GID = 65534
FREE_IFINDEX_START = 4242    # first candidate for "a free ifindex"
WORKER_TIMEOUT = 60.0
DRAIN_MAX = 1000             # datagrams read by one drain, at most


# --- symbolic values, resolved in the context that runs the step ------------

class Unresolvable(Exception):
    """A symbolic value (e.g. the ifindex of a missing device) has no value."""


class IfindexOf:
    """The ifindex of network device NAME, as seen in the step's context."""

    def __init__(self, name):
        self.name = name

    def describe(self):
        return "<ifindex of %s>" % self.name

    def __repr__(self):
        return "IfindexOf(%r)" % self.name


class FreeIfindex:
    """An ifindex no device uses (picked once per run, see pick_free_ifindex)."""

    def describe(self):
        return "<free ifindex>"

    def __repr__(self):
        return "FreeIfindex()"


FREE = FreeIfindex()


def describe_value(v):
    return v.describe() if hasattr(v, "describe") else str(v)


# --- formatting helpers (pure; unit-tested on the host) ---------------------

# Where Linux has two names for one number, the kernel's own spelling.
ERRNO_PREFERRED = {errno.EOPNOTSUPP: "EOPNOTSUPP", errno.EAGAIN: "EAGAIN",
                   errno.EDEADLK: "EDEADLK"}


def errno_name(err):
    """Positive errno -> symbolic name ("EINVAL"), "E?<n>" if unknown."""
    return ERRNO_PREFERRED.get(err) or errno.errorcode.get(err, "E?%d" % err)


def features_str(value):
    """OVS_DP_F_* bits as hex plus names: 0x9 (UNALIGNED|DISPATCH_UPCALL_PER_CPU)."""
    names = gf.bit_names(value, FEATURE_NAMES)
    return "0x%x (%s)" % (value, "|".join(names) if names else "-")


def nlmsg_flags_str(flags):
    return flags_str(flags, NLMSG_FLAG_NAMES)


def quote(text):
    return json.dumps(text)


# --- attribute specs of requests ----------------------------------------------
#
# A request attribute is (KEY, value): KEY is one of ATTRS or VPORT_ATTRS,
# by the request's family (encoded the way the kernel's datapath_policy or
# vport_policy expects it), or "RAW" with value (type, bytes) for malformed
# payloads.

def attr_spec_encode(spec, resolve, family="dp"):
    if family == "vport":
        return vport_attr_spec_encode(spec, resolve)
    key, value = spec
    if key == "RAW":
        atype, payload = value
        atype = ATTRS.get(atype, atype)
        return pack_attr(atype, payload)
    atype = ATTRS[key]
    if key == "NAME":
        return pack_str_attr(atype, value)
    if key == "PER_CPU_PIDS":
        return pack_attr(atype, b"".join(struct.pack("=I", resolve(v)) for v in value))
    if key == "IFINDEX":
        return pack_attr(atype, struct.pack("=i", resolve(value)))
    if key in ("UPCALL_PID", "USER_FEATURES", "MASKS_CACHE_SIZE"):
        return pack_u32_attr(atype, resolve(value))
    raise ValueError("no encoding for attribute %s" % key)


def vport_attr_spec_encode(spec, resolve):
    key, value = spec
    if key == "RAW":
        atype, payload = value
        atype = VPORT_ATTRS.get(atype, atype)
        return pack_attr(atype, payload)
    atype = VPORT_ATTRS[key]
    if key == "NAME":
        return pack_str_attr(atype, value)
    if key == "TYPE":
        return pack_u32_attr(atype, VPORT_TYPES.get(value, value))
    if key == "PORT_NO":
        return pack_u32_attr(atype, resolve(value))
    if key == "UPCALL_PID":
        ids = value if isinstance(value, (list, tuple)) else [value]
        return pack_attr(atype, b"".join(struct.pack("=I", resolve(v)) for v in ids))
    if key in ("IFINDEX", "NETNSID"):
        return pack_attr(atype, struct.pack("=i", resolve(value)))
    if key == "OPTIONS":
        return pack_attr(atype, value)       # no NLA_F_NESTED, as ovs-vswitchd
    raise ValueError("no encoding for vport attribute %s" % key)


def attr_spec_describe(spec, family="dp"):
    if family == "vport":
        return vport_attr_spec_describe(spec)
    key, value = spec
    if key == "RAW":
        atype, payload = value
        name = atype if isinstance(atype, str) else ATTR_NAMES.get(atype, "attr%d" % atype)
        return "%s=raw[%d]:%s" % (name, len(payload), payload.hex() or "-")
    if key == "NAME":
        return "NAME=%s" % quote(value)
    if key == "USER_FEATURES":
        return "USER_FEATURES=%s" % features_str(value).replace(" ", "")
    if key == "PER_CPU_PIDS":
        return "PER_CPU_PIDS=[%s]" % ",".join(describe_value(v) for v in value)
    return "%s=%s" % (key, describe_value(value))


def vport_attr_spec_describe(spec):
    key, value = spec
    if key == "RAW":
        atype, payload = value
        name = (atype if isinstance(atype, str)
                else VPORT_ATTR_NAMES.get(atype, "attr%d" % atype))
        return "%s=raw[%d]:%s" % (name, len(payload), payload.hex() or "-")
    if key == "NAME":
        return "NAME=%s" % quote(value)
    if key == "TYPE":
        return "TYPE=%s" % (value if isinstance(value, str)
                            else VPORT_TYPE_NAMES.get(value, str(value)))
    if key == "UPCALL_PID":
        ids = value if isinstance(value, (list, tuple)) else [value]
        return "UPCALL_PID=[%s]" % ",".join(describe_value(v) for v in ids)
    if key == "OPTIONS":
        return "OPTIONS=nested[%d]:%s" % (len(value), value.hex() or "-")
    return "%s=%s" % (key, describe_value(value))


def identity(v):
    if hasattr(v, "describe"):
        raise Unresolvable("%s is symbolic" % v.describe())
    return v


# --- steps -------------------------------------------------------------------

class Section:
    """A heading in the transcript; runs nothing."""

    kind = "section"

    def __init__(self, title):
        self.title = title
        self.ctx = "init"


# family key -> (genetlink family name, multicast group, genl version,
# prefix of its command names in the transcript)
FAMILIES = {
    "dp": (OVS_DATAPATH_FAMILY, OVS_DATAPATH_MCGROUP, OVS_DATAPATH_VERSION, ""),
    "vport": (OVS_VPORT_FAMILY, OVS_VPORT_MCGROUP, OVS_VPORT_VERSION, "vport:"),
}


class Req:
    """One ovs_datapath or ovs_vport genetlink request.

    cmd: NEW/DEL/GET/SET.  family: "dp" (ovs_datapath) or "vport"
    (ovs_vport).  attrs: (KEY, value) specs of that family.  hdr: the
    ovs_header dp_ifindex (int, IfindexOf, FREE) or None to send no
    ovs_header at all.  version: the genl version, by default the
    family's.  echo defaults to True for NEW/DEL/SET (as ovs-vswitchd does)
    and False for GET; ack defaults to True except for dumps.
    """

    kind = "req"

    def __init__(self, cmd, *attrs, family="dp", hdr=0, version=None, echo=None,
                 ack=None, dump=False, ctx="init", why=""):
        if cmd not in CMDS:
            raise ValueError("unknown command %s" % cmd)
        if family not in FAMILIES:
            raise ValueError("unknown family %s" % family)
        self.cmd = cmd
        self.family = family
        self.attrs = list(attrs)
        self.hdr = hdr
        self.version = FAMILIES[family][2] if version is None else version
        self.echo = (cmd != "GET") if echo is None else echo
        self.ack = (not dump) if ack is None else ack
        self.dump = dump
        self.ctx = ctx
        self.why = why

    def flags(self):
        flags = gf.NLM_F_REQUEST
        if self.ack:
            flags |= gf.NLM_F_ACK
        if self.echo:
            flags |= NLM_F_ECHO
        if self.dump:
            flags |= gf.NLM_F_DUMP
        return flags

    def describe(self):
        words = [FAMILIES[self.family][3] + self.cmd]
        if self.dump:
            words.append("dump")
        words.append("v%d" % self.version)
        fl = [n for n, on in (("echo", self.echo), ("ack", self.ack)) if on]
        words.append("[%s]" % (",".join(fl) if fl else "no-echo,no-ack"))
        if self.hdr is None:
            words.append("(no ovs_header)")
        else:
            words.append("dp_ifindex=%s" % describe_value(self.hdr))
        words.extend(attr_spec_describe(a, self.family) for a in self.attrs)
        return " ".join(words)

    def encode(self, family_id, seq, resolve=identity):
        """The request as bytes; resolve() turns symbolic values into ints."""
        payload = gf.GENLMSGHDR.pack(CMDS[self.cmd], self.version, 0)
        if self.hdr is not None:
            payload += OVS_HEADER.pack(resolve(self.hdr))
        payload += b"".join(attr_spec_encode(a, resolve, self.family) for a in self.attrs)
        return pack_nlmsg(family_id, self.flags(), seq, payload)


class Shell:
    """A command run from the main process (initial netns); records its status."""

    kind = "shell"

    def __init__(self, argv, why=""):
        self.argv = list(argv)
        self.ctx = "init"
        self.why = why

    def describe(self):
        return "$ " + " ".join(self.argv)


class Links:
    """The names of this tool's network devices (DP_PREFIX*) in a context."""

    kind = "links"

    def __init__(self, ctx="init", why=""):
        self.ctx = ctx
        self.why = why

    def describe(self):
        return "list network devices named %s*" % DP_PREFIX


class Stop:
    """Ends a context's worker process (drops its netns reference)."""

    kind = "stop"

    def __init__(self, ctx, why=""):
        self.ctx = ctx
        self.why = why

    def describe(self):
        return "stop the %s worker" % self.ctx


UA = OVS_DP_F_UNALIGNED
VP = OVS_DP_F_VPORT_PIDS
PC = OVS_DP_F_DISPATCH_UPCALL_PER_CPU


def NAME(s):
    return ("NAME", s)


def PID(v):
    return ("UPCALL_PID", v)


def FEAT(v):
    return ("USER_FEATURES", v)


def MASKS(v):
    return ("MASKS_CACHE_SIZE", v)


def PIDS(*v):
    return ("PER_CPU_PIDS", list(v))


def IFX(v):
    return ("IFINDEX", v)


def RAW(atype, payload):
    return ("RAW", (atype, payload))


# ovs_vport requests and their attributes (NAME, IFX and RAW serve both).

def V(cmd, *attrs, **kw):
    """An ovs_vport request."""
    return Req(cmd, *attrs, family="vport", **kw)


def PORT(n):
    return ("PORT_NO", n)


def VTYPE(name):
    return ("TYPE", name)


def VPIDS(*v):
    return ("UPCALL_PID", list(v))


def OPTS(payload=b""):
    return ("OPTIONS", payload)


def NSID(v):
    return ("NETNSID", v)


def build_vport_steps(add):
    """ovs_vport requests: local ports (port 0, the internal device named
    like the datapath), internal ports, veths as netdev ports, renamed
    devices, devices that go away or move to another netns."""
    TDPV, TDPVP = IfindexOf("tdpv"), IfindexOf("tdpvp")

    add(Section("ovs_vport: local ports, GET"))
    add(V("GET", NAME("tdpv"), why="no datapath tdpv yet: ENODEV"))
    add(Req("NEW", NAME("tdpv"), PID(0), why="features 0: UPCALL_PID is one u32"))
    add(Req("NEW", NAME("tdpvp"), PID(123), FEAT(UA | VP),
            why="VPORT_PIDS: UPCALL_PID is the local port's whole array"))
    add(V("GET", NAME("tdpv"), why="port 0, type internal, named like the datapath"))
    add(V("GET", NAME("tdpvp")))
    add(V("GET", PORT(0), hdr=TDPV, why="by port number in the header's datapath"))
    add(V("GET", NAME("tdpv"), hdr=TDPV, why="NAME with its own datapath's dp_ifindex"))
    add(V("GET", NAME("tdpv"), hdr=TDPVP, why="NAME of another datapath's port: ENODEV"))
    add(V("GET", NAME("tdpv"), hdr=1, why="dp_ifindex of lo: ENODEV"))
    add(V("GET", NAME("tdpv"), PORT(7), hdr=TDPV, why="NAME wins over PORT_NO"))
    add(V("GET", PORT(65535), hdr=TDPV, why="port_no >= DP_MAX_PORTS: EFBIG"))
    add(V("GET", PORT(65535), why="EFBIG comes before the datapath lookup"))
    add(V("GET", PORT(65534), hdr=TDPV, why="the largest port number: ENODEV"))
    add(V("GET", PORT(7), hdr=TDPV, why="no port 7: ENODEV"))
    add(V("GET", PORT(0), why="dp_ifindex 0: ENODEV"))
    add(V("GET", PORT(0), hdr=1, why="lo is no datapath: ENODEV"))
    add(V("GET", NAME("tdpv"), IFX(TDPV), why="IFINDEX in a lookup: EOPNOTSUPP, before NAME"))
    add(V("GET", PORT(0), IFX(0), hdr=TDPV, why="IFINDEX 0 too"))
    add(V("GET", hdr=TDPV, why="neither NAME nor PORT_NO: EINVAL"))
    add(V("GET", why="no attributes, dp_ifindex 0: EINVAL"))
    add(V("GET", NAME("lo"), why="a netdev that is no port: ENODEV"))
    add(V("GET", NAME("tdp-missing"), why="ENODEV"))
    add(V("GET", hdr=None, why="no ovs_header at all: genetlink rejects it"))
    add(V("GET", NAME("tdpv"), hdr=None,
          why="no ovs_header: NAME's first 4 bytes are taken for it, the rest parses "
              "as no attribute (bytes leftover): EINVAL"))
    add(V("GET", NAME("tdpv"), ack=False, why="no NLM_F_ACK: the reply only"))
    add(V("GET", NAME("tdpv"), version=2, why="the request's genl version is not looked at"))
    add(V("GET", NAME("tdpv"), RAW(99, struct.pack("=I", 7)),
          why="unknown attribute: GENL_DONT_VALIDATE_STRICT ignores it"))
    add(V("GET", NAME("tdpv"), NSID(5), why="NETNSID in a request: ignored"))
    add(V("GET", NAME("tdpv"), RAW("STATS", b"\0" * 64),
          why="reply-only STATS of the policy's .len: ignored"))
    add(V("GET", NAME("tdpv"), RAW("STATS", b"\0" * 8),
          why="STATS shorter than the policy's .len (64)"))
    add(V("GET", NAME("tdpv"), RAW("UPCALL_STATS", b"\1\2"),
          why="NLA_NESTED of 2 bytes: shorter than an attribute header"))
    add(V("GET", RAW("PORT_NO", b"\0\0"), hdr=TDPV, why="2-byte NLA_U32"))
    add(V("GET", RAW("PORT_NO", struct.pack("=II", 0, 9)), hdr=TDPV,
          why="8-byte NLA_U32: liberal validation only warns, port 0"))
    add(V("GET", NAME("tdp4567890123456"), why="16 chars: NLA_NUL_STRING .len = IFNAMSIZ-1"))
    add(V("GET", RAW("NAME", b"tdpv"), why="NAME without NUL"))

    add(Section("ovs_vport: dump"))
    add(V("GET", dump=True, hdr=TDPV, why="the ports of tdpv: its local port"))
    add(V("GET", dump=True, hdr=TDPVP))
    add(V("GET", NAME("tdpvp"), dump=True, hdr=TDPV, why="a dump does not look at NAME"))
    add(V("GET", dump=True, why="dp_ifindex 0: ENODEV"))
    add(V("GET", dump=True, hdr=1, why="lo: ENODEV"))
    add(V("GET", dump=True, hdr=None, why="no ovs_header at all"))

    add(Section("ovs_vport: SET upcall pids, type, options"))
    add(V("SET", NAME("tdpv"), VPIDS(5), why="as ovs-vswitchd sets a port's handler pid"))
    add(V("GET", NAME("tdpv")))
    add(V("SET", NAME("tdpv"), VPIDS(5, 6),
          why="two pids, no VPORT_PIDS: both stored, the first is shown"))
    add(V("GET", NAME("tdpv")))
    add(Req("SET", NAME("tdpv"), FEAT(UA | VP), why="the datapath turns VPORT_PIDS on"))
    add(V("GET", NAME("tdpv"), why="now both stored pids show"))
    add(Req("SET", NAME("tdpv"), FEAT(UA), why="and off again"))
    add(V("SET", NAME("tdpv"), VPIDS(5, 6, 7), why="more pids than nr_cpu_ids (2): EINVAL"))
    add(V("SET", NAME("tdpvp"), VPIDS(5, 6, 7), why="the same with VPORT_PIDS"))
    add(V("GET", NAME("tdpvp"), why="pids unchanged: [123]"))
    add(V("SET", NAME("tdpvp"), VPIDS(5, 6)))
    add(V("GET", PORT(0), hdr=TDPVP))
    add(V("SET", NAME("tdpvp"), RAW("UPCALL_PID", b"\1\0\0\0\2\0"),
          why="6 bytes: not a multiple of 4: EINVAL"))
    add(V("SET", NAME("tdpvp"), RAW("UPCALL_PID", b""), why="0 bytes: EINVAL"))
    add(V("SET", NAME("tdpvp"), VPIDS(9), echo=False, why="no echo: only the ack"))
    add(V("SET", NAME("tdpvp"), VPIDS(10), echo=False, ack=False,
          why="neither echo nor ack: nothing comes back, listeners still notified"))
    add(V("GET", NAME("tdpvp"), why="pids [10]"))
    add(V("SET", NAME("tdpv"), why="nothing to change: the reply and notification still come"))
    add(V("SET", NAME("tdpv"), VTYPE("internal"), why="the port's own type: accepted"))
    add(V("SET", NAME("tdpv"), VTYPE("netdev"), why="another type: EINVAL"))
    add(V("SET", NAME("tdpv"), VTYPE(9), why="an unknown type: EINVAL"))
    add(V("SET", NAME("tdpv"), OPTS(), why="no port type takes options: EOPNOTSUPP"))
    add(V("SET", NAME("tdpv"), VTYPE("netdev"), OPTS(), why="the type is checked first"))
    add(V("SET", NAME("tdpv"), OPTS(), VPIDS(8), why="refused before the pids are set"))
    add(V("SET", NAME("tdpv"), VTYPE("netdev"), VPIDS(8), why="likewise"))
    add(V("GET", NAME("tdpv"), why="pids still [5,6] (5 shown)"))
    add(V("SET", PORT(0), VPIDS(4), hdr=TDPV, why="SET by port number"))
    add(V("SET", VPIDS(4), hdr=TDPV, why="neither NAME nor PORT_NO: EINVAL"))
    add(V("SET", NAME("tdpv"), IFX(1), VPIDS(3), why="IFINDEX: EOPNOTSUPP"))
    add(V("SET", NAME("tdp-missing"), VPIDS(4), why="ENODEV"))
    add(V("SET", PORT(65535), VPIDS(4), hdr=TDPV, why="EFBIG"))
    add(V("GET", NAME("tdpv"), why="pids [4]"))

    add(Section("ovs_vport: DEL of a local port"))
    add(V("DEL", NAME("tdpv"), why="the local port goes only with its datapath: EINVAL"))
    add(V("DEL", PORT(0), hdr=TDPV, why="by port number: EINVAL"))
    add(V("DEL", NAME("tdpvp"), echo=False, why="EINVAL without echo"))
    add(V("DEL", NAME("tdp-missing"), why="ENODEV"))
    add(V("DEL", PORT(7), hdr=TDPV, why="no port 7: ENODEV"))
    add(V("DEL", hdr=TDPV, why="neither NAME nor PORT_NO: EINVAL"))
    add(V("GET", dump=True, hdr=TDPV, why="still there"))

    add(Section("ovs_vport: NEW, checks before any port is made"))
    add(V("NEW", VTYPE("internal"), VPIDS(0), hdr=TDPV, why="no NAME: EINVAL"))
    add(V("NEW", NAME("tdpv-x"), VPIDS(0), hdr=TDPV, why="no TYPE: EINVAL"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), hdr=TDPV, why="no UPCALL_PID: EINVAL"))
    add(V("NEW", hdr=TDPV, why="no attributes at all: EINVAL"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("netdev"), VPIDS(0), IFX(FREE), hdr=TDPV,
          why="IFINDEX for a netdev port: EOPNOTSUPP"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("gre"), VPIDS(0), IFX(FREE),
          why="the same, before the datapath lookup"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), PORT(65535), hdr=TDPV,
          why="port_no >= DP_MAX_PORTS: EFBIG"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), PORT(65535),
          why="EFBIG before the datapath lookup"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), why="dp_ifindex 0: ENODEV"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), hdr=1, why="lo: ENODEV"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), hdr=FREE,
          why="no device: ENODEV"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), IFX(FREE), hdr=1,
          why="IFINDEX is allowed for an internal port: ENODEV"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(5, 6, 7), PORT(3),
          why="pids are checked only when the port is made: ENODEV"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), PORT(3), hdr=TDPV,
          ctx="nobody", why="GENL_UNS_ADMIN_PERM"))
    add(V("NEW", NAME("tdpv-x"), VTYPE("internal"), VPIDS(0), IFX(-1), hdr=TDPV,
          why="IFINDEX below the policy minimum 0"))
    add(V("NEW", NAME("tdp4567890123456"), VTYPE("internal"), VPIDS(0), hdr=TDPV,
          why="16-char NAME: the policy rejects it"))
    add(V("NEW", NAME("tdpv-x"), RAW("TYPE", b"\2\0"), VPIDS(0), hdr=TDPV,
          why="2-byte TYPE"))
    add(Links(why="no tdpv-x device"))

    I1 = IfindexOf("tdpv-i1")
    add(Section("ovs_vport: internal ports"))
    add(V("NEW", NAME("tdpv-i1"), VTYPE("internal"), VPIDS(7), hdr=TDPV,
          why="port 1: the lowest free number"))
    add(V("NEW", NAME("tdpv-i2"), VTYPE("internal"), VPIDS(7), PORT(1025), hdr=TDPV,
          why="an explicit number, in port 1's hash bucket"))
    add(V("NEW", NAME("tdpv-i3"), VTYPE("internal"), VPIDS(7), hdr=TDPV, why="port 2"))
    add(V("NEW", NAME("tdpv-i4"), VTYPE("internal"), VPIDS(7), PORT(1), hdr=TDPV,
          why="port 1 is taken: EBUSY"))
    add(V("NEW", NAME("tdpv-i1"), VTYPE("internal"), VPIDS(7), hdr=TDPV,
          why="the device name is taken: EEXIST"))
    add(V("NEW", NAME("tdpv"), VTYPE("internal"), VPIDS(7), hdr=TDPV,
          why="the datapath's own name: EEXIST"))
    add(V("NEW", NAME("tdpv-i4"), VTYPE("internal"), VPIDS(7), IFX(1), hdr=TDPV,
          why="lo's ifindex: EBUSY, not mapped to EEXIST as for datapaths"))
    add(V("NEW", NAME("tdpv-i%d"), VTYPE("internal"), VPIDS(7), hdr=TDPV,
          why="a %d name becomes tdpv-i0"))
    add(V("NEW", NAME("tdpv/x"), VTYPE("internal"), VPIDS(7), hdr=TDPV,
          why="not a valid device name: EINVAL"))
    add(V("NEW", NAME("tdpv-i5"), VTYPE("internal"), VPIDS(5, 6, 7), hdr=TDPV,
          why="more pids than CPUs: EINVAL"))
    add(V("NEW", NAME("tdpv-i5"), VTYPE("gre"), VPIDS(5, 6, 7), hdr=TDPV,
          why="no gre vport type: EAFNOSUPPORT, before the pids"))
    add(V("NEW", NAME("tdpv-i5"), VTYPE(99), VPIDS(0), hdr=TDPV, why="an unknown type"))
    add(V("NEW", NAME("tdpv-i5"), VTYPE("internal"), VPIDS(5, 6), IFX(FREE), hdr=TDPVP,
          why="a VPORT_PIDS datapath: both pids; the requested ifindex"))
    add(V("NEW", NAME("tdpv-i6"), VTYPE("internal"), VPIDS(0), OPTS(), hdr=TDPV,
          why="OPTIONS are ignored when a port is made"))
    add(V("GET", dump=True, hdr=TDPV, why="bucket order: 0; 1 and 1025, newest first; 2; ..."))
    add(V("GET", dump=True, hdr=TDPVP))
    add(V("GET", NAME("tdpv-i0")))
    add(V("GET", PORT(1025), hdr=TDPV))
    add(V("GET", NAME("tdpv-i1"), hdr=TDPVP, why="another datapath's port: ENODEV"))
    add(V("SET", NAME("tdpv-i1"), VTYPE("netdev"), why="another type: EINVAL"))
    add(V("SET", NAME("tdpv-i1"), VPIDS(8, 9), why="two pids, the first shown"))
    add(Req("GET", NAME("tdpv-i1"), why="a datapath by a port's name that is not local: ENODEV"))
    add(Req("GET", hdr=I1, why="a datapath by any of its internal ports' ifindex"))
    add(V("GET", dump=True, hdr=I1, why="a port dump by that ifindex, too"))
    add(Links())
    add(Shell(["ip", "link", "set", "tdpv-i3", "name", "tdpv-r3"]))
    add(V("GET", NAME("tdpv-r3"), why="C files a port under the name it was added with"))
    add(V("GET", NAME("tdpv-i3"), why="and compares the current name"))
    add(V("GET", PORT(2), hdr=TDPV, why="by number it is there, with its new name"))
    add(Shell(["ip", "link", "set", "tdpv-r3", "name", "tdpv-i3"]))
    add(V("GET", NAME("tdpv-i3"), why="found again"))
    add(V("DEL", NAME("tdpv-i3"), why="reply and notification"))
    add(V("DEL", PORT(1), hdr=TDPV, why="by number"))
    add(V("DEL", PORT(1), hdr=TDPV, why="gone: ENODEV"))
    add(V("NEW", NAME("tdpv-i3"), VTYPE("internal"), VPIDS(7), hdr=TDPV,
          why="the lowest free number again: 1"))
    add(Links())

    add(Section("ovs_vport: netdev ports"))
    add(Shell(["ip", "link", "add", "tdpva0", "type", "veth", "peer", "name", "tdpva1"]))
    add(Shell(["ip", "link", "add", "tdpvb0", "type", "veth", "peer", "name", "tdpvb1"]))
    add(Shell(["ip", "link", "property", "add", "dev", "tdpvb0", "altname", "tdpvb-alt"]))
    add(V("NEW", NAME("tdpva0"), VTYPE("netdev"), VPIDS(11), hdr=TDPV,
          why="a veth, the lowest free number"))
    add(Shell(["sh", "-c", "ip -d link show tdpva0 | tr -s ' ' | "
                           "grep -q 'master tdpv .*promiscuity 1 .*openvswitch_slave'"],
              why="attached: master, promiscuous, IFF_OVS_DATAPATH"))
    add(V("NEW", NAME("tdpva0"), VTYPE("netdev"), VPIDS(11), hdr=TDPVP,
          why="it has a master: EBUSY"))
    add(V("NEW", NAME("tdpva0"), VTYPE("netdev"), VPIDS(11), hdr=TDPV,
          why="in the same datapath: EBUSY"))
    add(V("NEW", NAME("tdpvnone"), VTYPE("netdev"), VPIDS(11), hdr=TDPV,
          why="no such device: ENODEV"))
    add(V("NEW", NAME("lo"), VTYPE("netdev"), VPIDS(11), hdr=TDPV, why="loopback: EINVAL"))
    add(V("NEW", NAME("tdpv-i1"), VTYPE("netdev"), VPIDS(11), hdr=TDPV,
          why="an internal port's device: EINVAL"))
    add(V("NEW", NAME("tdpvp"), VTYPE("netdev"), VPIDS(11), hdr=TDPV,
          why="another datapath's local device: EINVAL"))
    add(V("NEW", NAME("tdpvb-alt"), VTYPE("netdev"), VPIDS(11), hdr=TDPV,
          why="an alternative name: ENODEV"))
    add(V("NEW", NAME("tdpvb0"), VTYPE("netdev"), VPIDS(11, 12, 13), hdr=TDPV,
          why="more pids than CPUs: EINVAL"))
    add(V("NEW", NAME("tdpvb0"), VTYPE("netdev"), VPIDS(11, 12), PORT(700), hdr=TDPV,
          why="an explicit number"))
    add(V("GET", NAME("tdpva0"), why="type netdev"))
    add(V("SET", NAME("tdpva0"), VTYPE("netdev"), why="its own type"))
    add(V("SET", NAME("tdpva0"), VTYPE("internal"), why="EINVAL"))
    add(V("SET", NAME("tdpva0"), OPTS(), why="EOPNOTSUPP"))
    add(V("DEL", NAME("tdpva0"), ctx="nobody", why="GENL_UNS_ADMIN_PERM"))
    add(Stop("nobody"))
    add(V("DEL", NAME("tdpva0"), why="detached: reply and notification"))
    add(Shell(["sh", "-c", "ip -d link show tdpva0 | tr -s ' ' | "
                           "grep -qE 'master|promiscuity [^0]|openvswitch_slave'"],
              why="released: exit status 1"))
    add(V("NEW", NAME("tdpva0"), VTYPE("netdev"), VPIDS(11), hdr=TDPVP,
          why="free again: the other datapath takes it"))
    add(Shell(["sh", "-c", "ip link del tdpva0 && sleep 1"],
              why="the device goes: its port is removed and a DEL notified"))
    add(V("GET", NAME("tdpva0"), why="ENODEV"))
    add(V("GET", dump=True, hdr=TDPVP))
    add(V("GET", dump=True, hdr=TDPV))
    add(Links())

    add(Section("ovs_vport: unprivileged user, other netns"))
    add(V("GET", NAME("tdpv"), ctx="nobody", why="GET needs no privilege"))
    add(V("GET", dump=True, hdr=TDPV, ctx="nobody"))
    add(V("SET", NAME("tdpv"), VPIDS(1), ctx="nobody", why="GENL_UNS_ADMIN_PERM"))
    add(V("DEL", NAME("tdpv"), ctx="nobody"))
    add(Stop("nobody"))
    add(Shell(["ip", "netns", "add", NETNS]))
    add(V("GET", NAME("tdpv"), ctx="netns", why="a port of another netns: ENODEV"))
    add(V("GET", PORT(0), ctx="netns", why="no datapath there"))
    add(V("SET", NAME("tdpv"), VPIDS(2),
          why="the netns worker's listeners get no notification"))
    add(Stop("netns"))
    add(Shell(["ip", "netns", "del", NETNS]))

    I2 = IfindexOf("tdpv-i2")
    add(Section("ovs_vport: an internal port in another netns"))
    add(Shell(["ip", "netns", "add", NETNS]))
    add(Shell(["ip", "link", "set", "tdpv-i2", "netns", NETNS]))
    add(V("GET", NAME("tdpv-i2"), why="still a port: its NETNSID as init sees it"))
    add(V("GET", NAME("tdpv-i2"), ctx="netns",
          why="names are looked up in the datapath's netns: ENODEV"))
    add(Req("GET", hdr=I2, ctx="netns",
            why="the moved device's ifindex, in its netns, finds the datapath"))
    add(V("GET", dump=True, hdr=I2, ctx="netns",
          why="the ports as that netns sees them: NETNSID on all but tdpv-i2"))
    add(V("SET", NAME("tdpv-i2"), VPIDS(3), why="notified with NETNSID"))
    add(Stop("netns"))
    add(Shell(["sh", "-c", "ip netns del %s && sleep 2" % NETNS],
              why="the netns goes, and the port with it, unnotified"))
    add(V("GET", NAME("tdpv-i2"), why="ENODEV"))
    add(V("GET", dump=True, hdr=TDPV))

    add(Section("ovs_vport: the local port's pids from OVS_DP_ATTR_UPCALL_PID"))
    add(Req("NEW", NAME("tdpv3"), RAW("UPCALL_PID", struct.pack("=II", 5, 6)), FEAT(UA | VP),
            why="8-byte UPCALL_PID: the local port takes both u32s"))
    add(V("GET", NAME("tdpv3")))
    add(Req("DEL", NAME("tdpv3")))
    add(Req("NEW", NAME("tdpv3"), RAW("UPCALL_PID", struct.pack("=III", 5, 6, 7)),
            why="3 pids > nr_cpu_ids: the local port is refused, EINVAL"))
    add(Req("NEW", NAME("tdpv3"), RAW("UPCALL_PID", struct.pack("=III", 5, 6, 7)),
            FEAT(UA | (1 << 31)), why="bad pids and an unknown feature bit: "
                                      "ovs_dp_change() runs first"))
    add(Req("NEW", NAME("tdpv"), RAW("UPCALL_PID", struct.pack("=III", 5, 6, 7)),
            why="existing name with bad pids: the port is refused before the name"))
    add(Req("GET", NAME("tdpv3"), why="nothing created"))

    add(Section("ovs_vport: clean up"))
    add(Req("DEL", NAME("tdpv"), why="no ovs_vport notification for any of its ports"))
    add(Shell(["sh", "-c", "ip -d link show tdpvb0 | tr -s ' ' | "
                           "grep -qE 'master|promiscuity [^0]|openvswitch_slave'"],
              why="tdpvb0 released with its datapath: exit status 1"))
    add(Shell(["ip", "link", "del", "tdpvb0"]))
    add(Req("DEL", NAME("tdpvp")))
    add(V("GET", NAME("tdpv"), why="gone with its datapath"))
    add(V("GET", NAME("tdpvp")))
    add(Req("GET", dump=True, why="empty again"))
    add(Links())


def build_steps():
    """The scripted sequence.  Append steps freely: every step is independent
    enough that an unexpected answer only shows up in its own lines."""
    s = []
    add = s.append

    add(Section("start: no datapath"))
    add(Req("GET", dump=True, why="nothing there yet"))

    add(Section("plain NEW, GET by name / by dp_ifindex"))
    add(Req("NEW", NAME("tdp1"), PID(0), why="plain create as ovs-dpctl does"))
    add(Req("GET", NAME("tdp1")))
    add(Req("GET", hdr=IfindexOf("tdp1"), why="lookup_datapath: no NAME -> dp_ifindex"))
    add(Req("GET", NAME("tdp1"), hdr=1, why="NAME wins over dp_ifindex"))
    add(Req("GET", NAME("tdp1"), ack=False, why="no NLM_F_ACK: the reply only"))
    add(Req("GET", NAME("tdp1"), RAW(99, struct.pack("=I", 7)),
            why="unknown attribute: GENL_DONT_VALIDATE_STRICT ignores it"))
    add(Req("GET", NAME("tdp1"), RAW("STATS", b"\0" * 32),
            why="reply-only attribute in a request: no policy, ignored"))
    add(Req("GET", NAME("tdp-missing"), why="ENODEV"))
    add(Req("GET", why="dp_ifindex 0 and no NAME: ENODEV"))
    add(Req("GET", hdr=1, why="ifindex of lo, not a datapath: ENODEV"))
    add(Req("GET", NAME("lo"), why="a netdev that is not a datapath: ENODEV"))
    add(Req("GET", hdr=None, why="no ovs_header at all: genetlink rejects it"))

    add(Section("NEW errors"))
    add(Req("NEW", PID(0), why="no NAME: EINVAL"))
    add(Req("NEW", NAME("tdp-nopid"), why="no UPCALL_PID: EINVAL"))
    add(Req("NEW", why="no attributes at all: EINVAL"))
    add(Req("NEW", NAME("tdp1"), PID(0), why="existing name: EEXIST"))
    add(Req("NEW", NAME("tdp1"), PID(0), echo=False, why="EEXIST without echo"))
    add(Req("NEW", NAME("lo"), PID(0), why="name of a non-OVS netdev: EEXIST"))
    add(Req("NEW", NAME(""), PID(0), why="empty name: dev_valid_name fails"))
    add(Req("NEW", NAME("tdp/bad"), PID(0), why="'/' in name: dev_valid_name fails"))
    add(Req("NEW", NAME("tdp4567890123456"), PID(0),
            why="16 chars: NLA_NUL_STRING .len = IFNAMSIZ-1 rejects it"))
    add(Req("NEW", NAME("tdp-name-much-too-long-for-ifnamsiz"), PID(0), why="far too long"))
    add(Req("NEW", RAW("NAME", b"tdpnonul"), PID(0), why="NAME without NUL"))
    add(Req("NEW", NAME("tdp%d%d"), PID(0), why="two %d: dev_alloc_name EINVAL"))
    add(Req("NEW", NAME("tdp%s"), PID(0), why="%s is not %d: EINVAL"))
    add(Req("NEW", NAME("tdp-shortpid"), RAW("UPCALL_PID", b"\1\0"),
            why="2-byte NLA_U32: shorter than the policy minimum"))
    add(Req("GET", NAME("tdp-shortpid"), why="nothing created"))
    add(Req("NEW", NAME("tdp456789012345"), PID(0), why="15 chars: the longest name"))
    add(Req("NEW", NAME("tdp-u64pid"), RAW("UPCALL_PID", struct.pack("=Q", 5)),
            why="8-byte NLA_U32: liberal validation only warns; created"))

    add(Section("ovs-vswitchd start-up probes, user features, genl version"))
    add(Req("NEW", NAME("tdp2"), PID(0), FEAT(UA | VP | (1 << 31)),
            why="probe with an unknown feature bit: EOPNOTSUPP"))
    add(Req("GET", NAME("tdp2"), why="the probe created nothing"))
    add(Links(why="no tdp2 netdev either"))
    add(Req("NEW", NAME("tdp2"), PID(0), FEAT(UA | PC)))
    add(Req("NEW", NAME("tdp2"), PID(0), FEAT(UA | VP), why="EEXIST, genl v2"))
    add(Req("GET", NAME("tdp2"), why="v2 EEXIST keeps the features"))
    add(Req("NEW", NAME("tdp2"), PID(0), version=1,
            why="EEXIST, genl v1 < OVS_DP_VER_FEATURES: resets user features"))
    add(Req("GET", NAME("tdp2"), why="features now 0"))
    add(Req("NEW", NAME("tdp2"), PID(0), FEAT(UA), version=1, echo=False,
            why="v1 EEXIST again, no echo"))
    add(Req("NEW", NAME("lo"), PID(0), version=1,
            why="v1 EEXIST on a non-datapath name: nothing to reset"))

    add(Section("SET: user features and PER_CPU_PIDS"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), PIDS(1001, 1002),
            why="as ovs-vswitchd sets its handler pids"))
    add(Req("GET", NAME("tdp2"), why="PER_CPU_PIDS round-trip"))
    add(Req("GET", hdr=IfindexOf("tdp2")))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), PIDS(1001, 1002, 1003, 1004, 1005, 1006, 1007,
                                                     1008, 1009),
            why="more pids than CPUs: the reply has min(n, nr_cpu_ids)"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), RAW("PER_CPU_PIDS", b"\1\0\0\0\2\0"),
            why="6 bytes: not a multiple of 4: EINVAL"))
    add(Req("GET", NAME("tdp2"), why="pids unchanged"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), RAW("PER_CPU_PIDS", b""),
            why="0 bytes: EINVAL"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), PIDS(7),
            why="pids without DISPATCH_UPCALL_PER_CPU are ignored and not reported"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC),
            why="per-cpu again without pids: the stored pids come back"))
    add(Req("SET", NAME("tdp2"), PIDS(5, 6),
            why="no USER_FEATURES in SET: features become 0, pids ignored"))
    add(Req("GET", NAME("tdp2")))
    add(Req("SET", NAME("tdp2"), FEAT(UA | (1 << 4)), why="unknown feature bit: EOPNOTSUPP"))
    add(Req("SET", NAME("tdp2"), FEAT(1 << 31), why="bit 31: EOPNOTSUPP"))
    add(Req("SET", NAME("tdp2"), FEAT(OVS_DP_F_TC_RECIRC_SHARING),
            why="needs CONFIG_NET_TC_SKB_EXT (off in the test kernel)"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | VP), echo=False, why="no echo: only the ack"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), echo=False, ack=False,
            why="neither echo nor ack: nothing comes back, listeners still notified"))
    add(Req("GET", NAME("tdp2")))
    add(Req("SET", FEAT(UA | PC), hdr=IfindexOf("tdp2"), why="SET by dp_ifindex"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), PID(77), IFX(1),
            why="NEW-only attributes in SET are ignored"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), version=1, why="SET with genl v1"))
    add(Req("SET", NAME("tdp-missing"), FEAT(UA), why="ENODEV"))
    add(Req("SET", FEAT(UA), why="dp_ifindex 0, no NAME: ENODEV"))

    add(Section("masks cache size"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), MASKS(512)))
    add(Req("SET", NAME("tdp2"), FEAT(UA), MASKS(0), why="0 disables the cache"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | VP), MASKS(300),
            why="not a power of 2: EINVAL, features not applied"))
    add(Req("GET", NAME("tdp2")))
    add(Req("SET", NAME("tdp2"), FEAT(UA), MASKS(8192), why="above the policy range"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), MASKS(4097), why="just above the policy range"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), MASKS(4096), why="the maximum"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), MASKS(1)))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), MASKS(256), RAW("PER_CPU_PIDS", b"\1\0"),
            why="bad pids after a good size: EINVAL, but size and features applied"))
    add(Req("GET", NAME("tdp2"), why="partial application shows here"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), MASKS(256), PIDS(1001, 1002),
            why="back to a known state, whatever the steps above answered"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), RAW("MASKS_CACHE_SIZE", b"\0\2"),
            why="2-byte NLA_U32"))
    add(Req("NEW", NAME("tdp3"), PID(0), MASKS(1024), FEAT(UA | PC), PIDS(11, 12),
            why="NEW with cache size, features and pids"))
    add(Req("NEW", NAME("tdp3b"), PID(0), MASKS(300), why="bad size in NEW: nothing created"))
    add(Req("NEW", NAME("tdp3b"), PID(0), FEAT(UA | PC), RAW("PER_CPU_PIDS", b"\1\0\0"),
            why="bad pids in NEW: nothing created"))
    add(Req("GET", NAME("tdp3b")))

    add(Section("IFINDEX on NEW"))
    add(Req("NEW", NAME("tdpidx"), PID(0), IFX(FREE),
            why="the reply's dp_ifindex must be the requested one"))
    add(Req("GET", hdr=FREE))
    add(Links())
    add(Req("NEW", NAME("tdpidx2"), PID(0), IFX(FREE), why="ifindex taken: EBUSY -> EEXIST"))
    add(Req("NEW", NAME("tdpidx2"), PID(0), IFX(1), why="ifindex of lo: EEXIST"))
    add(Req("NEW", NAME("tdpidx2"), PID(0), IFX(-1), why="policy minimum 0"))
    add(Req("NEW", NAME("tdpidx2"), PID(0), IFX(1), version=1,
            why="v1 EEXIST through the ifindex: lookup by the new name finds nothing"))
    add(Req("NEW", NAME("tdpidx2"), PID(0), IFX(0), why="0 means any"))
    add(Req("DEL", hdr=FREE, why="DEL by dp_ifindex"))
    add(Req("GET", hdr=FREE, why="gone"))

    add(Section("names with %d"))
    add(Req("NEW", NAME("tdpx%d"), PID(0), why="the kernel picks tdpx0"))
    add(Req("NEW", NAME("tdpx%d"), PID(0), echo=False, why="tdpx1, seen in the notification"))
    add(Req("GET", NAME("tdpx%d"), why="the template is not a name: ENODEV"))
    add(Req("GET", NAME("tdpx1")))
    add(Req("GET", dump=True, why="every datapath, sorted by name"))
    add(Req("DEL", NAME("tdpx0")))
    add(Req("DEL", NAME("tdpx1"), echo=False))

    add(Section("rtnetlink on a datapath's netdev"))
    add(Shell(["ip", "link", "del", "tdp3"], why="internal dev has no rtnl_link_ops"))
    add(Req("GET", NAME("tdp3"), why="still there"))

    add(Section("unprivileged user (uid 65534)"))
    add(Req("GET", NAME("tdp2"), ctx="nobody", why="GET needs no privilege"))
    add(Req("GET", dump=True, ctx="nobody"))
    add(Req("NEW", NAME("tdpnobody"), PID(0), ctx="nobody", why="GENL_UNS_ADMIN_PERM"))
    add(Req("SET", NAME("tdp2"), FEAT(UA), ctx="nobody"))
    add(Req("DEL", NAME("tdp2"), ctx="nobody"))
    add(Stop("nobody"))

    add(Section("DEL"))
    add(Req("DEL", NAME("tdp1")))
    add(Req("DEL", NAME("tdp1"), why="again: ENODEV"))
    add(Req("GET", NAME("tdp1")))
    add(Req("DEL", why="dp_ifindex 0 and no NAME: ENODEV"))
    add(Req("DEL", hdr=1, why="lo: ENODEV"))
    add(Req("DEL", NAME("tdp-u64pid"), echo=False, ack=False,
            why="neither echo nor ack"))
    add(Req("DEL", NAME("tdp456789012345"), echo=False))
    add(Req("NEW", NAME("tdp1"), PID(0), ack=False, why="echo without ack"))
    add(Req("DEL", NAME("tdp1"), ack=False, why="echo without ack"))

    add(Section("network namespaces"))
    add(Shell(["ip", "netns", "add", NETNS]))
    add(Req("GET", dump=True, ctx="netns", why="a new netns has no datapath"))
    add(Req("NEW", NAME("tdpns"), PID(0), ctx="netns"))
    add(Req("NEW", NAME("tdp2"), PID(0), FEAT(UA | PC), PIDS(21), ctx="netns",
            why="same name as a datapath of the initial netns"))
    add(Req("GET", dump=True, ctx="netns"))
    add(Req("GET", NAME("tdpns"), why="invisible from the initial netns"))
    add(Req("GET", dump=True, why="the initial netns sees only its own"))
    add(Req("GET", NAME("tdp2"), why="the initial netns's tdp2"))
    add(Req("GET", hdr=IfindexOf("tdpns"), ctx="netns"))
    add(Links(ctx="netns"))
    add(Links())
    add(Req("DEL", NAME("tdp2"), ctx="netns"))
    add(Req("GET", NAME("tdp2"), why="the initial netns's tdp2 is still there"))
    add(Req("NEW", NAME("tdp2"), PID(0), ctx="netns", why="left for netns deletion"))
    add(Req("NEW", NAME("tdpmove"), PID(0)))
    add(Shell(["ip", "link", "set", "tdpmove", "netns", NETNS],
              why="the local port is netns-immutable"))
    add(Req("GET", NAME("tdpmove")))
    add(Req("DEL", NAME("tdpmove")))
    add(Stop("netns", why="drop the worker's netns reference"))
    add(Shell(["ip", "netns", "del", NETNS], why="the kernel destroys tdpns and tdp2 in it"))
    add(Shell(["ip", "netns", "add", NETNS], why="a new netns with the same name"))
    add(Req("GET", dump=True, ctx="netns", why="must not see the old datapaths"))
    add(Req("GET", NAME("tdpns"), ctx="netns"))
    add(Links(ctx="netns"))
    add(Req("NEW", NAME("tdpns"), PID(0), ctx="netns", why="the old name is free"))
    add(Req("DEL", NAME("tdpns"), ctx="netns"))
    add(Stop("netns"))
    add(Shell(["ip", "netns", "del", NETNS]))
    add(Req("GET", dump=True, why="initial netns unaffected"))

    add(Section("lenient lengths: a u32 longer than 4 bytes reads its first 4"))
    add(Req("SET", NAME("tdp2"), RAW("USER_FEATURES", struct.pack("=II", UA | PC, 0xffff)),
            why="8-byte USER_FEATURES: accepted with a kernel warning, 0x9 applied"))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), RAW("MASKS_CACHE_SIZE", struct.pack("=II", 512, 3)),
            why="8-byte MASKS_CACHE_SIZE: 512 applied"))
    add(Req("GET", NAME("tdp2")))
    add(Req("SET", NAME("tdp2"), FEAT(UA | PC), MASKS(256), why="back to the default"))

    add(Section("clean up"))
    add(Req("DEL", NAME("tdp2")))
    add(Req("DEL", NAME("tdp3")))
    add(Req("DEL", NAME("tdpidx2")))
    add(Req("GET", dump=True, why="empty again"))
    add(Links())

    # Appended after the ovs_datapath sequence, so that its step numbers
    # (test_dp_netlink.sh names some) stay what they are.
    build_vport_steps(add)
    return s


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
