/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface between openvswitch_rs's C glue and its Rust crate.
 *
 * Every symbol here has the ovs_rs_ prefix. The Rust side declares the
 * same prototypes in src/ffi/glue.rs; keep the two in step.
 */
#ifndef OVS_RS_GLUE_H
#define OVS_RS_GLUE_H

#include <linux/types.h>

struct sk_buff;
struct genl_info;
struct genl_family;
struct netlink_callback;

/* Families in the order net/openvswitch registers them. */
enum ovs_rs_family_index {
	OVS_RS_FAMILY_DATAPATH,
	OVS_RS_FAMILY_VPORT,
	OVS_RS_FAMILY_FLOW,
	OVS_RS_FAMILY_PACKET,
	OVS_RS_FAMILY_METER,
	OVS_RS_FAMILY_CT_LIMIT,
	OVS_RS_FAMILY_COUNT,
};

/*
 * The family at @index, or NULL when this kernel lacks what it needs
 * (ovs_ct_limit without CONFIG_NETFILTER_CONNCOUNT, as in the C module).
 */
struct genl_family *ovs_rs_genl_family(unsigned int index);

/* Command handlers, implemented in Rust (src/ffi/genl.rs). */
#define OVS_RS_DOIT(name) int name(struct sk_buff *skb, struct genl_info *info)
#define OVS_RS_DUMPIT(name) int name(struct sk_buff *skb, struct netlink_callback *cb)

OVS_RS_DOIT(ovs_rs_dp_cmd_new);
OVS_RS_DOIT(ovs_rs_dp_cmd_del);
OVS_RS_DOIT(ovs_rs_dp_cmd_get);
OVS_RS_DOIT(ovs_rs_dp_cmd_set);
OVS_RS_DUMPIT(ovs_rs_dp_cmd_dump);

OVS_RS_DOIT(ovs_rs_vport_cmd_new);
OVS_RS_DOIT(ovs_rs_vport_cmd_del);
OVS_RS_DOIT(ovs_rs_vport_cmd_get);
OVS_RS_DOIT(ovs_rs_vport_cmd_set);
OVS_RS_DUMPIT(ovs_rs_vport_cmd_dump);

OVS_RS_DOIT(ovs_rs_flow_cmd_new);
OVS_RS_DOIT(ovs_rs_flow_cmd_del);
OVS_RS_DOIT(ovs_rs_flow_cmd_get);
OVS_RS_DOIT(ovs_rs_flow_cmd_set);
OVS_RS_DUMPIT(ovs_rs_flow_cmd_dump);

OVS_RS_DOIT(ovs_rs_packet_cmd_execute);

OVS_RS_DOIT(ovs_rs_meter_cmd_features);
OVS_RS_DOIT(ovs_rs_meter_cmd_set);
OVS_RS_DOIT(ovs_rs_meter_cmd_get);
OVS_RS_DOIT(ovs_rs_meter_cmd_del);

OVS_RS_DOIT(ovs_rs_ct_limit_cmd_set);
OVS_RS_DOIT(ovs_rs_ct_limit_cmd_del);
OVS_RS_DOIT(ovs_rs_ct_limit_cmd_get);

#endif /* OVS_RS_GLUE_H */
