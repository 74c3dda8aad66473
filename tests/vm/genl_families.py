#!/usr/bin/env python3
"""Raw generic-netlink family/policy inspection tool (stdlib only).

Used inside the slow QEMU TCG guest to check that openvswitch_rs registers
its genetlink families (ovs_datapath, ovs_vport, ovs_flow, ovs_packet,
ovs_meter, ovs_ct_limit) exactly like net/openvswitch does.  Deliberately
uses only socket/struct/json/argparse: importing pyroute2 alone takes
seconds under TCG.

    genl_families.py dump [--out FILE] [FAMILY...]
    genl_families.py compare A.json B.json

`dump` asks the nlctrl family for each FAMILY (CTRL_CMD_GETFAMILY) and for
its attribute policies (CTRL_CMD_GETPOLICY) and writes canonical JSON
(indent=1, sort_keys, lists sorted by number) so that two dumps, e.g. one
taken with the C module and one with the Rust module, can be diffed with
`compare`.  Dynamic values (family id, multicast group ids) are left out.

Note: resolving a family by name may make the kernel autoload a module via
the "net-pf-16-proto-16-family-<name>" alias (ctrl_getfamily calls
request_module()).  That is expected; callers deal with it.

Constants below come from include/uapi/linux/netlink.h and
include/uapi/linux/genetlink.h; the shape of the replies follows
net/netlink/genetlink.c (ctrl_fill_info, ctrl_dumppolicy*) and
net/netlink/policy.c (__netlink_policy_dump_write_attr).
"""

import argparse
import difflib
import errno
import json
import os
import socket
import struct
import sys

# --- include/uapi/linux/netlink.h ------------------------------------------

NETLINK_GENERIC = 16
SOL_NETLINK = 270            # not exported by Python's socket module
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
# Flags on NLMSG_ERROR / NLMSG_DONE replies:
NLM_F_CAPPED = 0x100         # original request not echoed back
NLM_F_ACK_TLVS = 0x200       # extended ack TLVs follow

NLMSG_NOOP = 0x1
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3
NLMSG_OVERRUN = 0x4

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5

NLA_F_NESTED = 1 << 15
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF

# enum netlink_attribute_type (NL_ATTR_TYPE_*), which is what the kernel
# reports in NL_POLICY_TYPE_ATTR_TYPE.  It is a UAPI enum distinct from
# (and numbered differently than) the in-kernel NLA_* enum; we name the
# values NLA_<suffix> for readability.  Note policy.c folds some kernel
# types: NLA_MSECS is reported as UINT, and NLA_UNSPEC/NLA_REJECT entries
# are not reported at all.
NL_ATTR_TYPE_NAMES = [
    "NLA_INVALID",
    "NLA_FLAG",
    "NLA_U8", "NLA_U16", "NLA_U32", "NLA_U64",
    "NLA_S8", "NLA_S16", "NLA_S32", "NLA_S64",
    "NLA_BINARY", "NLA_STRING", "NLA_NUL_STRING",
    "NLA_NESTED", "NLA_NESTED_ARRAY",
    "NLA_BITFIELD32",
    "NLA_SINT", "NLA_UINT",
]

# enum netlink_policy_type_attr: number -> (json key, decoding)
# 'u' = unsigned int, 's' = signed int (by payload length), 'flag' = present.
NL_POLICY_TYPE_ATTR_TYPE = 1
NL_POLICY_TYPE_ATTR_PAD = 11
POLICY_TYPE_ATTRS = {
    1: ("type", "u"),
    2: ("min_value_s", "s"),
    3: ("max_value_s", "s"),
    4: ("min_value_u", "u"),
    5: ("max_value_u", "u"),
    6: ("min_length", "u"),
    7: ("max_length", "u"),
    8: ("policy_idx", "u"),
    9: ("policy_maxtype", "u"),
    10: ("bitfield32_mask", "u"),
    # PAD is a zero-length attribute that nla_put_u64_64bit() inserts only
    # on architectures without efficient unaligned access (never on x86_64
    # or arm64).  Recorded as a flag for completeness.
    11: ("pad", "flag"),
    12: ("mask", "u"),
}

# --- include/uapi/linux/genetlink.h ----------------------------------------

GENL_ID_CTRL = 0x10          # nlctrl's fixed family id (NLMSG_MIN_TYPE)
GENL_HDRLEN = 4

GENL_OP_FLAG_NAMES = [
    (0x01, "GENL_ADMIN_PERM"),
    (0x02, "GENL_CMD_CAP_DO"),
    (0x04, "GENL_CMD_CAP_DUMP"),
    (0x08, "GENL_CMD_CAP_HASPOL"),
    (0x10, "GENL_UNS_ADMIN_PERM"),
]

CTRL_CMD_NEWFAMILY = 1
CTRL_CMD_GETFAMILY = 3
CTRL_CMD_GETPOLICY = 10

CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_VERSION = 3
CTRL_ATTR_HDRSIZE = 4
CTRL_ATTR_MAXATTR = 5
CTRL_ATTR_OPS = 6
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_POLICY = 8
CTRL_ATTR_OP_POLICY = 9
CTRL_ATTR_OP = 10

CTRL_ATTR_OP_ID = 1
CTRL_ATTR_OP_FLAGS = 2

CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2

CTRL_ATTR_POLICY_DO = 1
CTRL_ATTR_POLICY_DUMP = 2

GENL_NAMSIZ = 16

DEFAULT_FAMILIES = [
    "ovs_datapath", "ovs_vport", "ovs_flow",
    "ovs_packet", "ovs_meter", "ovs_ct_limit",
]

DEFAULT_TIMEOUT = 5.0
RECV_BUFSIZE = 65536         # kernel caps dump skbs at ~32 KiB for us
DUMP_INTR_RETRIES = 3

NLMSGHDR = struct.Struct("=IHHII")   # len, type, flags, seq, pid
NLATTR = struct.Struct("=HH")        # len, type
GENLMSGHDR = struct.Struct("=BBH")   # cmd, version, reserved


class NetlinkError(OSError):
    """A negative error from the kernel, with the extack message if any."""

    def __init__(self, err, extack=None, offs=None, miss_type=None):
        text = os.strerror(err)
        if extack:
            text += ": " + extack
        super().__init__(err, text)
        self.extack = extack
        self.offs = offs
        self.miss_type = miss_type


class ParseError(ValueError):
    """Malformed netlink data."""


# --- encoding ---------------------------------------------------------------

def nla_align(n):
    return (n + 3) & ~3


def pack_attr(atype, payload):
    """One netlink attribute: header, payload, zero padding to 4 bytes.

    nla_len counts header + payload but not the padding.
    """
    length = NLATTR.size + len(payload)
    return NLATTR.pack(length, atype) + payload + b"\0" * (nla_align(length) - length)


def pack_u32_attr(atype, value):
    return pack_attr(atype, struct.pack("=I", value))


def pack_str_attr(atype, text):
    """NLA_NUL_STRING: the payload includes the terminating NUL."""
    return pack_attr(atype, text.encode() + b"\0")


def pack_nested_attr(atype, attrs):
    return pack_attr(atype | NLA_F_NESTED, b"".join(attrs))


def pack_nlmsg(msg_type, flags, seq, payload, pid=0):
    return NLMSGHDR.pack(NLMSGHDR.size + len(payload), msg_type, flags, seq, pid) + payload


def pack_genlmsg(family_id, cmd, flags, seq, attrs=(), version=1):
    payload = GENLMSGHDR.pack(cmd, version, 0) + b"".join(attrs)
    return pack_nlmsg(family_id, flags, seq, payload)


# --- decoding ---------------------------------------------------------------

def parse_attrs(data):
    """Split a byte string into [(type, payload)].

    The NLA_F_NESTED / NLA_F_NET_BYTEORDER bits are masked off the type
    (the kernel sets NLA_F_NESTED on some nests and not on others).
    Trailing bytes too short for an attribute header are ignored, like
    nla_for_each_attr does.
    """
    attrs = []
    off = 0
    while off + NLATTR.size <= len(data):
        length, atype = NLATTR.unpack_from(data, off)
        if length < NLATTR.size or off + length > len(data):
            raise ParseError("bad attribute length %d at offset %d (%d bytes)"
                             % (length, off, len(data)))
        attrs.append((atype & NLA_TYPE_MASK, bytes(data[off + NLATTR.size:off + length])))
        off += nla_align(length)
    return attrs


def attrs_dict(data):
    """parse_attrs as {type: payload}; the last occurrence wins."""
    return dict(parse_attrs(data))


def decode_int(payload, signed=False):
    """Native-endian integer of 1, 2, 4 or 8 bytes."""
    if len(payload) not in (1, 2, 4, 8):
        raise ParseError("integer attribute of length %d" % len(payload))
    return int.from_bytes(payload, sys.byteorder, signed=signed)


def decode_str(payload):
    """NUL-terminated string (anything after the first NUL is dropped)."""
    return payload.split(b"\0", 1)[0].decode(errors="replace")


def parse_nlmsgs(data):
    """Split a datagram into [(type, flags, seq, pid, payload)]."""
    msgs = []
    off = 0
    while off + NLMSGHDR.size <= len(data):
        length, mtype, flags, seq, pid = NLMSGHDR.unpack_from(data, off)
        if length < NLMSGHDR.size or off + length > len(data):
            raise ParseError("bad nlmsg length %d at offset %d (%d bytes)"
                             % (length, off, len(data)))
        msgs.append((mtype, flags, seq, pid, bytes(data[off + NLMSGHDR.size:off + length])))
        off += nla_align(length)
    return msgs


def parse_ext_ack(tlvs):
    """Decode the extended-ack TLVs: (message, offset, missing type)."""
    attrs = attrs_dict(tlvs)
    msg = decode_str(attrs[NLMSGERR_ATTR_MSG]) if NLMSGERR_ATTR_MSG in attrs else None
    offs = decode_int(attrs[NLMSGERR_ATTR_OFFS]) if NLMSGERR_ATTR_OFFS in attrs else None
    miss = (decode_int(attrs[NLMSGERR_ATTR_MISS_TYPE])
            if NLMSGERR_ATTR_MISS_TYPE in attrs else None)
    return msg, offs, miss


def parse_nlmsgerr(payload, flags):
    """Decode an NLMSG_ERROR payload (struct nlmsgerr + optional TLVs).

    Returns {"error": positive errno or 0, "msg": extack text or None,
    "offs": ..., "miss_type": ...}.  Layout (af_netlink.c netlink_ack):
    int error; struct nlmsghdr of the request; then the request's payload
    unless NLM_F_CAPPED; then, if NLM_F_ACK_TLVS, the extack attributes.
    """
    if len(payload) < 4 + NLMSGHDR.size:
        raise ParseError("short nlmsgerr (%d bytes)" % len(payload))
    (err,) = struct.unpack_from("=i", payload, 0)
    if flags & NLM_F_CAPPED:
        tlv_off = 4 + NLMSGHDR.size
    else:
        (orig_len,) = struct.unpack_from("=I", payload, 4)
        tlv_off = 4 + nla_align(orig_len)
    msg = offs = miss = None
    if flags & NLM_F_ACK_TLVS and tlv_off <= len(payload):
        msg, offs, miss = parse_ext_ack(payload[tlv_off:])
    return {"error": -err, "msg": msg, "offs": offs, "miss_type": miss}


def parse_done(payload, flags):
    """NLMSG_DONE carries the dump's final errno (0 = ok) and maybe TLVs."""
    err = struct.unpack_from("=i", payload, 0)[0] if len(payload) >= 4 else 0
    msg = offs = miss = None
    if flags & NLM_F_ACK_TLVS and len(payload) > 4:
        msg, offs, miss = parse_ext_ack(payload[4:])
    return {"error": -err, "msg": msg, "offs": offs, "miss_type": miss}


def bit_names(value, table):
    """Names of the bits set in value, per [(bit, name)]; unknown bits as hex."""
    names = []
    for bit, name in table:
        if value & bit:
            names.append(name)
            value &= ~bit
    bit = 1
    while value:
        if value & bit:
            names.append("0x%x" % bit)
            value &= ~bit
        bit <<= 1
    return names


def decode_op_flags(flags):
    """GENL_* op flag bits -> list of names; unknown bits as hex strings."""
    return bit_names(flags, GENL_OP_FLAG_NAMES)


def attr_type_name(value):
    if 0 <= value < len(NL_ATTR_TYPE_NAMES):
        return NL_ATTR_TYPE_NAMES[value]
    return "NL_ATTR_TYPE_%d" % value


def parse_family(attrs_data):
    """CTRL_CMD_NEWFAMILY reply attributes -> family record (no id)."""
    a = attrs_dict(attrs_data)
    fam = {
        "name": decode_str(a.get(CTRL_ATTR_FAMILY_NAME, b"")),
        "version": decode_int(a[CTRL_ATTR_VERSION]) if CTRL_ATTR_VERSION in a else None,
        "hdrsize": decode_int(a[CTRL_ATTR_HDRSIZE]) if CTRL_ATTR_HDRSIZE in a else None,
        "maxattr": decode_int(a[CTRL_ATTR_MAXATTR]) if CTRL_ATTR_MAXATTR in a else None,
        "ops": [],
        "mcast_groups": [],
    }
    # CTRL_ATTR_OPS: nest of nests (numbered 1..n), each OP_ID + OP_FLAGS.
    for _, op_data in parse_attrs(a.get(CTRL_ATTR_OPS, b"")):
        op = attrs_dict(op_data)
        fam["ops"].append({
            "cmd": decode_int(op[CTRL_ATTR_OP_ID]),
            "flags": decode_op_flags(decode_int(op.get(CTRL_ATTR_OP_FLAGS, b"\0\0\0\0"))),
        })
    fam["ops"].sort(key=lambda o: o["cmd"])
    # Multicast groups: names only, ids are allocated dynamically.
    for _, grp_data in parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, b"")):
        grp = attrs_dict(grp_data)
        fam["mcast_groups"].append(decode_str(grp.get(CTRL_ATTR_MCAST_GRP_NAME, b"")))
    fam["mcast_groups"].sort()
    return fam


def parse_policy_type_attrs(data):
    """One attribute's NL_POLICY_TYPE_ATTR_* fields -> dict."""
    out = {}
    for atype, payload in parse_attrs(data):
        key, kind = POLICY_TYPE_ATTRS.get(atype, ("attr_%d" % atype, None))
        if kind == "flag":
            out[key] = True
        elif kind in ("u", "s"):
            out[key] = decode_int(payload, signed=(kind == "s"))
        else:
            out[key] = payload.hex()       # unknown to us: keep raw bytes
    if "type" in out:
        out["type"] = attr_type_name(out["type"])
    return out


class PolicyAccumulator:
    """Collects the messages of a CTRL_CMD_GETPOLICY dump.

    The kernel sends one message per (cmd -> policy index) mapping, in
    CTRL_ATTR_OP_POLICY { cmd { POLICY_DO: idx, POLICY_DUMP: idx } }, and
    one message per policy attribute, in
    CTRL_ATTR_POLICY { policy_idx { attr_nr { NL_POLICY_TYPE_ATTR_* } } }.
    """

    def __init__(self):
        self.op_policy = {}     # cmd -> {"do": idx, "dump": idx}
        self.policies = {}      # idx -> {attr_nr: fields}

    def add_message(self, attrs_data):
        for atype, payload in parse_attrs(attrs_data):
            if atype == CTRL_ATTR_OP_POLICY:
                for cmd, op_data in parse_attrs(payload):
                    entry = self.op_policy.setdefault(cmd, {})
                    for ptype, idx in parse_attrs(op_data):
                        if ptype == CTRL_ATTR_POLICY_DO:
                            entry["do"] = decode_int(idx)
                        elif ptype == CTRL_ATTR_POLICY_DUMP:
                            entry["dump"] = decode_int(idx)
            elif atype == CTRL_ATTR_POLICY:
                for idx, pol_data in parse_attrs(payload):
                    pol = self.policies.setdefault(idx, {})
                    for attr_nr, fields in parse_attrs(pol_data):
                        pol[attr_nr] = parse_policy_type_attrs(fields)

    def result(self):
        # A policy whose entries are all NLA_UNSPEC/NLA_REJECT produces no
        # messages at all; list every index that is referenced anywhere so
        # such a policy still shows up (with no attributes).
        indices = set(self.policies)
        for entry in self.op_policy.values():
            indices.update(entry.values())
        for pol in self.policies.values():
            for fields in pol.values():
                if "policy_idx" in fields:
                    indices.add(fields["policy_idx"])
        op_policy = []
        for cmd in sorted(self.op_policy):
            entry = {"cmd": cmd}
            entry.update(self.op_policy[cmd])
            op_policy.append(entry)
        policies = []
        for idx in sorted(indices):
            attrs = []
            for attr_nr, fields in sorted(self.policies.get(idx, {}).items()):
                item = {"attr": attr_nr}
                item.update(fields)
                attrs.append(item)
            policies.append({"index": idx, "attrs": attrs})
        return {"op_policy": op_policy, "policies": policies}


# --- socket -----------------------------------------------------------------

class GenlSocket:
    """A NETLINK_GENERIC socket with request/response helpers."""

    def __init__(self, timeout=DEFAULT_TIMEOUT):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        try:
            self.sock.bind((0, 0))          # let the kernel pick our port id
            # Extended ack gives us the kernel's error string; CAP_ACK stops
            # the kernel echoing our request back in errors.  Both are
            # optional niceties, so ignore kernels that lack them.
            for opt in (NETLINK_EXT_ACK, NETLINK_CAP_ACK):
                try:
                    self.sock.setsockopt(SOL_NETLINK, opt, 1)
                except OSError:
                    pass
            self.sock.settimeout(timeout)
        except BaseException:
            self.sock.close()
            raise
        self.seq = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recv(self):
        while True:
            try:
                data, _, msg_flags, _ = self.sock.recvmsg(RECV_BUFSIZE)
            except InterruptedError:
                continue                    # EINTR: just retry
            except socket.timeout:
                raise TimeoutError("no reply from the kernel within %ss"
                                   % self.sock.gettimeout()) from None
            if msg_flags & socket.MSG_TRUNC:
                raise ParseError("netlink datagram truncated (> %d bytes)" % RECV_BUFSIZE)
            return data

    def _send(self, msg):
        while True:
            try:
                self.sock.send(msg)
                return
            except InterruptedError:
                continue

    def request(self, family_id, cmd, attrs=(), dump=False, flags=0):
        """Send one genetlink request; return [(flags, attrs bytes)] replies.

        For a dump, collects every NLM_F_MULTI message until NLMSG_DONE.
        Raises NetlinkError for an NLMSG_ERROR (or failed NLMSG_DONE).
        The returned flags let the caller see NLM_F_DUMP_INTR.
        """
        self.seq += 1
        seq = self.seq
        flags |= NLM_F_REQUEST | (NLM_F_DUMP if dump else 0)
        self._send(pack_genlmsg(family_id, cmd, flags, seq, attrs))
        replies = []
        while True:
            for mtype, mflags, mseq, _, payload in parse_nlmsgs(self._recv()):
                if mseq != seq:
                    continue                # stale reply to an earlier request
                if mtype == NLMSG_NOOP:
                    continue
                if mtype == NLMSG_ERROR:
                    err = parse_nlmsgerr(payload, mflags)
                    if err["error"]:
                        raise NetlinkError(err["error"], err["msg"], err["offs"],
                                           err["miss_type"])
                    return replies          # plain ACK
                if mtype == NLMSG_DONE:
                    done = parse_done(payload, mflags)
                    if done["error"]:
                        raise NetlinkError(done["error"], done["msg"], done["offs"],
                                           done["miss_type"])
                    return replies
                if mtype == NLMSG_OVERRUN:
                    raise ParseError("NLMSG_OVERRUN")
                replies.append((mflags, payload[GENL_HDRLEN:]))
                if not mflags & NLM_F_MULTI:
                    return replies          # single reply to a do request


def _with_socket(sock, fn):
    if sock is not None:
        return fn(sock)
    with GenlSocket() as s:
        return fn(s)


def get_family(name, sock=None):
    """CTRL_CMD_GETFAMILY by name -> family record, or an absent record.

    Note this may autoload a module through the family alias.
    """
    def run(s):
        try:
            replies = s.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                [pack_str_attr(CTRL_ATTR_FAMILY_NAME, name)])
        except NetlinkError as e:
            if e.errno == errno.ENOENT:
                return {"name": name, "absent": True}
            raise
        if not replies:
            raise ParseError("no CTRL_CMD_GETFAMILY reply for %s" % name)
        return parse_family(replies[0][1])
    return _with_socket(sock, run)


def get_policy(name, sock=None):
    """CTRL_CMD_GETPOLICY dump by family name -> {"op_policy", "policies"}.

    A family without any policy makes the kernel fail the dump with
    ENODATA; that is reported as empty lists.
    """
    def run(s):
        for _ in range(DUMP_INTR_RETRIES):
            try:
                replies = s.request(GENL_ID_CTRL, CTRL_CMD_GETPOLICY,
                                    [pack_str_attr(CTRL_ATTR_FAMILY_NAME, name)],
                                    dump=True)
            except NetlinkError as e:
                if e.errno == errno.ENODATA:
                    return PolicyAccumulator().result()
                raise
            # Policy dumps don't set NLM_F_DUMP_INTR today, but if one ever
            # does the data is inconsistent: start over.
            if any(flags & NLM_F_DUMP_INTR for flags, _ in replies):
                continue
            acc = PolicyAccumulator()
            for _, data in replies:
                acc.add_message(data)
            return acc.result()
        raise NetlinkError(errno.EINTR, "policy dump of %s kept being interrupted" % name)
    return _with_socket(sock, run)


def dump(families=None, sock=None):
    """Family + policy records for the given names, as a canonical dict."""
    if families is None:
        families = DEFAULT_FAMILIES

    def run(s):
        out = {}
        for name in families:
            fam = get_family(name, s)
            if not fam.get("absent"):
                fam["policy"] = get_policy(name, s)
            out[name] = fam
        return {"families": out}
    return _with_socket(sock, run)


def to_json(doc):
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def compare_files(path_a, path_b, out=None):
    """Return True if the two dumps are equal, else print a diff to out."""
    if out is None:
        out = sys.stdout
    texts = []
    for path in (path_a, path_b):
        with open(path) as f:
            # Re-serialise so formatting differences never show up as diffs.
            texts.append(to_json(json.load(f)))
    if texts[0] == texts[1]:
        return True
    out.writelines(difflib.unified_diff(
        texts[0].splitlines(keepends=True), texts[1].splitlines(keepends=True),
        fromfile=path_a, tofile=path_b))
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_dump = sub.add_parser("dump", help="dump families and policies as JSON")
    p_dump.add_argument("--out", help="write JSON here instead of stdout")
    p_dump.add_argument("families", nargs="*", metavar="FAMILY",
                        help="default: %s" % " ".join(DEFAULT_FAMILIES))
    p_cmp = sub.add_parser("compare", help="diff two dumps; exit 1 if different")
    p_cmp.add_argument("a")
    p_cmp.add_argument("b")
    args = parser.parse_args(argv)

    if args.cmd == "compare":
        return 0 if compare_files(args.a, args.b) else 1

    for name in args.families:
        if len(name.encode()) >= GENL_NAMSIZ:
            parser.error("family name too long: %s" % name)
    try:
        text = to_json(dump(args.families or DEFAULT_FAMILIES))
    except (OSError, ParseError) as e:
        print("genl_families: %s" % e, file=sys.stderr)
        return 2
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
