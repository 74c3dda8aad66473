"""The steps of ovs_dp_transcript.py: the fixed sequence of ovs_datapath
and ovs_vport requests (build_steps), the vocabulary they are written in
(Req, Shell, Links, Stop, the attribute specs, the symbolic values
resolved in the context that runs a step) and the formatting helpers that
describe a request in the transcript's words.

ovs_dp_transcript.py runs them and decodes what comes back. Nothing here
talks to a kernel.
"""
import errno
import json
import struct

import genl_families as gf
from genl_families import pack_attr, pack_nlmsg, pack_str_attr, pack_u32_attr
from ovs_dp import (
    ATTRS, ATTR_NAMES, CMDS, FEATURE_NAMES, OVS_DATAPATH_FAMILY, OVS_DATAPATH_MCGROUP,
    OVS_DATAPATH_VERSION, OVS_DP_F_DISPATCH_UPCALL_PER_CPU, OVS_DP_F_TC_RECIRC_SHARING,
    OVS_DP_F_UNALIGNED, OVS_DP_F_VPORT_PIDS, OVS_HEADER, OVS_VPORT_FAMILY, OVS_VPORT_MCGROUP,
    OVS_VPORT_VERSION, VPORT_ATTRS, VPORT_ATTR_NAMES, VPORT_TYPES, VPORT_TYPE_NAMES, flags_str)

# --- netlink bits genl_families.py does not define --------------------------

NLM_F_ECHO = 0x08
NLMSG_FLAG_NAMES = [
    (gf.NLM_F_REQUEST, "REQUEST"), (gf.NLM_F_MULTI, "MULTI"),
    (gf.NLM_F_ACK, "ACK"), (NLM_F_ECHO, "ECHO"), (gf.NLM_F_DUMP_INTR, "DUMP_INTR"),
]

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
