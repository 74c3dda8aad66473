#!/usr/bin/env python3
"""Create, delete and list OVS datapaths over raw generic netlink.

    ovs_dp.py add NAME      OVS_DP_CMD_NEW (upcall pid 0, ovs-vswitchd's features)
    ovs_dp.py del NAME      OVS_DP_CMD_DEL
    ovs_dp.py list          OVS_DP_CMD_GET dump: one name per line

Standard library only (tests/vm/genl_families.py), since Python in the
test VM is slow. Exits 1 with the kernel's errno and extack on failure.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl_families as g  # noqa: E402

OVS_DP_CMD_NEW, OVS_DP_CMD_DEL, OVS_DP_CMD_GET = 1, 2, 3
OVS_DP_ATTR_NAME, OVS_DP_ATTR_UPCALL_PID, OVS_DP_ATTR_USER_FEATURES = 1, 2, 5
OVS_DP_F_UNALIGNED, OVS_DP_F_DISPATCH_UPCALL_PER_CPU = 1, 8
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
NLM_F_ACK = 0x4


def family_id(sock, name):
    reply = sock.request(g.GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                         [g.pack_str_attr(CTRL_ATTR_FAMILY_NAME, name)])
    return g.decode_int(g.attrs_dict(reply[0][1])[CTRL_ATTR_FAMILY_ID])


def main(argv):
    ovs_header = struct.pack("=i", 0)
    with g.GenlSocket() as sock:
        fid = family_id(sock, "ovs_datapath")
        if argv[:1] == ["add"] and len(argv) == 2:
            sock.request(fid, OVS_DP_CMD_NEW, [
                ovs_header, g.pack_str_attr(OVS_DP_ATTR_NAME, argv[1]),
                g.pack_u32_attr(OVS_DP_ATTR_UPCALL_PID, 0),
                g.pack_u32_attr(OVS_DP_ATTR_USER_FEATURES,
                                OVS_DP_F_UNALIGNED | OVS_DP_F_DISPATCH_UPCALL_PER_CPU)],
                flags=NLM_F_ACK)
        elif argv[:1] == ["del"] and len(argv) == 2:
            sock.request(fid, OVS_DP_CMD_DEL,
                         [ovs_header, g.pack_str_attr(OVS_DP_ATTR_NAME, argv[1])],
                         flags=NLM_F_ACK)
        elif argv == ["list"]:
            for _, payload in sock.request(fid, OVS_DP_CMD_GET, [ovs_header], dump=True):
                attrs = g.attrs_dict(payload[len(ovs_header):])
                print(g.decode_str(attrs[OVS_DP_ATTR_NAME]))
        else:
            sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except g.NetlinkError as e:
        sys.exit("ovs_dp.py: %s" % e)
