// SPDX-License-Identifier: GPL-2.0
/*
 * The six Open vSwitch generic netlink families, as static tables.
 *
 * These are data the netlink core reads directly (families, ops,
 * attribute policies, multicast groups), so they live in C. They must
 * equal net/openvswitch's field for field: ovs-vswitchd, ovs-dpctl and the
 * selftests depend on the same names, versions, permissions and
 * validation. Every op points at the same two trampolines, which hand the
 * request to the Rust handler installed for its family
 * (ovs_rs_genl_set_handler(), from src/kapi/genl.rs).
 */
#include <linux/if.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <net/genetlink.h>
#include <uapi/linux/openvswitch.h>

#include <ovs_rs_glue.h>

/* Only its size matters here: it bounds OVS_DP_ATTR_MASKS_CACHE_SIZE. */
struct ovs_rs_mask_cache_entry {
	u32 skb_hash;
	u32 mask_index;
};

#define OVS_RS_VALIDATE (GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP)

static int ovs_rs_genl_doit(struct sk_buff *skb, struct genl_info *info);
static int ovs_rs_genl_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

/* ovs_datapath */

static const struct nla_policy ovs_rs_datapath_policy[OVS_DP_ATTR_MAX + 1] = {
	[OVS_DP_ATTR_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVS_DP_ATTR_UPCALL_PID] = { .type = NLA_U32 },
	[OVS_DP_ATTR_USER_FEATURES] = { .type = NLA_U32 },
	[OVS_DP_ATTR_MASKS_CACHE_SIZE] = NLA_POLICY_RANGE(NLA_U32, 0,
		PCPU_MIN_UNIT_SIZE / sizeof(struct ovs_rs_mask_cache_entry)),
	[OVS_DP_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_S32, 0),
};

static const struct genl_small_ops ovs_rs_datapath_ops[] = {
	{ .cmd = OVS_DP_CMD_NEW, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_DP_CMD_DEL, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_DP_CMD_GET, .validate = OVS_RS_VALIDATE,
	  .flags = 0, .doit = ovs_rs_genl_doit, .dumpit = ovs_rs_genl_dumpit },
	{ .cmd = OVS_DP_CMD_SET, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
};

static const struct genl_multicast_group ovs_rs_datapath_mcgrp = {
	.name = OVS_DATAPATH_MCGROUP,
};

static struct genl_family ovs_rs_datapath_family __ro_after_init = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_DATAPATH_FAMILY,
	.version = OVS_DATAPATH_VERSION,
	.maxattr = OVS_DP_ATTR_MAX,
	.policy = ovs_rs_datapath_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = ovs_rs_datapath_ops,
	.n_small_ops = ARRAY_SIZE(ovs_rs_datapath_ops),
	.resv_start_op = OVS_DP_CMD_SET + 1,
	.mcgrps = &ovs_rs_datapath_mcgrp,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};

/* ovs_vport */

static const struct nla_policy ovs_rs_vport_policy[OVS_VPORT_ATTR_MAX + 1] = {
	[OVS_VPORT_ATTR_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVS_VPORT_ATTR_STATS] = { .len = sizeof(struct ovs_vport_stats) },
	[OVS_VPORT_ATTR_PORT_NO] = { .type = NLA_U32 },
	[OVS_VPORT_ATTR_TYPE] = { .type = NLA_U32 },
	[OVS_VPORT_ATTR_UPCALL_PID] = { .type = NLA_UNSPEC },
	[OVS_VPORT_ATTR_OPTIONS] = { .type = NLA_NESTED },
	[OVS_VPORT_ATTR_IFINDEX] = NLA_POLICY_MIN(NLA_S32, 0),
	[OVS_VPORT_ATTR_NETNSID] = { .type = NLA_S32 },
	[OVS_VPORT_ATTR_UPCALL_STATS] = { .type = NLA_NESTED },
};

static const struct genl_small_ops ovs_rs_vport_ops[] = {
	{ .cmd = OVS_VPORT_CMD_NEW, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_VPORT_CMD_DEL, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_VPORT_CMD_GET, .validate = OVS_RS_VALIDATE,
	  .flags = 0, .doit = ovs_rs_genl_doit, .dumpit = ovs_rs_genl_dumpit },
	{ .cmd = OVS_VPORT_CMD_SET, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
};

static const struct genl_multicast_group ovs_rs_vport_mcgrp = {
	.name = OVS_VPORT_MCGROUP,
};

static struct genl_family ovs_rs_vport_family __ro_after_init = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_VPORT_FAMILY,
	.version = OVS_VPORT_VERSION,
	.maxattr = OVS_VPORT_ATTR_MAX,
	.policy = ovs_rs_vport_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = ovs_rs_vport_ops,
	.n_small_ops = ARRAY_SIZE(ovs_rs_vport_ops),
	.resv_start_op = OVS_VPORT_CMD_SET + 1,
	.mcgrps = &ovs_rs_vport_mcgrp,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};

/* ovs_flow */

static const struct nla_policy ovs_rs_flow_policy[OVS_FLOW_ATTR_MAX + 1] = {
	[OVS_FLOW_ATTR_KEY] = { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_MASK] = { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_ACTIONS] = { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_CLEAR] = { .type = NLA_FLAG },
	[OVS_FLOW_ATTR_PROBE] = { .type = NLA_FLAG },
	[OVS_FLOW_ATTR_UFID] = { .type = NLA_UNSPEC, .len = 1 },
	[OVS_FLOW_ATTR_UFID_FLAGS] = { .type = NLA_U32 },
};

static const struct genl_small_ops ovs_rs_flow_ops[] = {
	{ .cmd = OVS_FLOW_CMD_NEW, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_FLOW_CMD_DEL, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_FLOW_CMD_GET, .validate = OVS_RS_VALIDATE,
	  .flags = 0, .doit = ovs_rs_genl_doit, .dumpit = ovs_rs_genl_dumpit },
	{ .cmd = OVS_FLOW_CMD_SET, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
};

static const struct genl_multicast_group ovs_rs_flow_mcgrp = {
	.name = OVS_FLOW_MCGROUP,
};

static struct genl_family ovs_rs_flow_family __ro_after_init = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_FLOW_FAMILY,
	.version = OVS_FLOW_VERSION,
	.maxattr = OVS_FLOW_ATTR_MAX,
	.policy = ovs_rs_flow_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = ovs_rs_flow_ops,
	.n_small_ops = ARRAY_SIZE(ovs_rs_flow_ops),
	.resv_start_op = OVS_FLOW_CMD_SET + 1,
	.mcgrps = &ovs_rs_flow_mcgrp,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};

/* ovs_packet: no multicast group, as in the C module. */

static const struct nla_policy ovs_rs_packet_policy[OVS_PACKET_ATTR_MAX + 1] = {
	[OVS_PACKET_ATTR_PACKET] = { .len = ETH_HLEN },
	[OVS_PACKET_ATTR_KEY] = { .type = NLA_NESTED },
	[OVS_PACKET_ATTR_ACTIONS] = { .type = NLA_NESTED },
	[OVS_PACKET_ATTR_PROBE] = { .type = NLA_FLAG },
	[OVS_PACKET_ATTR_MRU] = { .type = NLA_U16 },
	[OVS_PACKET_ATTR_HASH] = { .type = NLA_U64 },
	[OVS_PACKET_ATTR_UPCALL_PID] = { .type = NLA_U32 },
};

static const struct genl_small_ops ovs_rs_packet_ops[] = {
	{ .cmd = OVS_PACKET_CMD_EXECUTE, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
};

static struct genl_family ovs_rs_packet_family __ro_after_init = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_PACKET_FAMILY,
	.version = OVS_PACKET_VERSION,
	.maxattr = OVS_PACKET_ATTR_MAX,
	.policy = ovs_rs_packet_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = ovs_rs_packet_ops,
	.n_small_ops = ARRAY_SIZE(ovs_rs_packet_ops),
	.resv_start_op = OVS_PACKET_CMD_EXECUTE + 1,
	.module = THIS_MODULE,
};

/* ovs_meter */

static const struct nla_policy ovs_rs_meter_policy[OVS_METER_ATTR_MAX + 1] = {
	[OVS_METER_ATTR_ID] = { .type = NLA_U32, },
	[OVS_METER_ATTR_KBPS] = { .type = NLA_FLAG },
	[OVS_METER_ATTR_STATS] = { .len = sizeof(struct ovs_flow_stats) },
	[OVS_METER_ATTR_BANDS] = { .type = NLA_NESTED },
	[OVS_METER_ATTR_USED] = { .type = NLA_U64 },
	[OVS_METER_ATTR_CLEAR] = { .type = NLA_FLAG },
	[OVS_METER_ATTR_MAX_METERS] = { .type = NLA_U32 },
	[OVS_METER_ATTR_MAX_BANDS] = { .type = NLA_U32 },
};

static const struct genl_small_ops ovs_rs_meter_ops[] = {
	{ .cmd = OVS_METER_CMD_FEATURES, .validate = OVS_RS_VALIDATE,
	  .flags = 0, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_METER_CMD_SET, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_METER_CMD_GET, .validate = OVS_RS_VALIDATE,
	  .flags = 0, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_METER_CMD_DEL, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
};

static const struct genl_multicast_group ovs_rs_meter_mcgrp = {
	.name = OVS_METER_MCGROUP,
};

static struct genl_family ovs_rs_meter_family __ro_after_init = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_METER_FAMILY,
	.version = OVS_METER_VERSION,
	.maxattr = OVS_METER_ATTR_MAX,
	.policy = ovs_rs_meter_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = ovs_rs_meter_ops,
	.n_small_ops = ARRAY_SIZE(ovs_rs_meter_ops),
	.resv_start_op = OVS_METER_CMD_GET + 1,
	.mcgrps = &ovs_rs_meter_mcgrp,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};

/* ovs_ct_limit: registered only where connection counting is built. */

#if IS_ENABLED(CONFIG_NETFILTER_CONNCOUNT)
static const struct nla_policy ovs_rs_ct_limit_policy[OVS_CT_LIMIT_ATTR_MAX + 1] = {
	[OVS_CT_LIMIT_ATTR_ZONE_LIMIT] = { .type = NLA_NESTED, },
};

static const struct genl_small_ops ovs_rs_ct_limit_ops[] = {
	{ .cmd = OVS_CT_LIMIT_CMD_SET, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_CT_LIMIT_CMD_DEL, .validate = OVS_RS_VALIDATE,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = ovs_rs_genl_doit },
	{ .cmd = OVS_CT_LIMIT_CMD_GET, .validate = OVS_RS_VALIDATE,
	  .flags = 0, .doit = ovs_rs_genl_doit },
};

static const struct genl_multicast_group ovs_rs_ct_limit_mcgrp = {
	.name = OVS_CT_LIMIT_MCGROUP,
};

static struct genl_family ovs_rs_ct_limit_family __ro_after_init = {
	.hdrsize = sizeof(struct ovs_header),
	.name = OVS_CT_LIMIT_FAMILY,
	.version = OVS_CT_LIMIT_VERSION,
	.maxattr = OVS_CT_LIMIT_ATTR_MAX,
	.policy = ovs_rs_ct_limit_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = ovs_rs_ct_limit_ops,
	.n_small_ops = ARRAY_SIZE(ovs_rs_ct_limit_ops),
	.resv_start_op = OVS_CT_LIMIT_CMD_GET + 1,
	.mcgrps = &ovs_rs_ct_limit_mcgrp,
	.n_mcgrps = 1,
	.module = THIS_MODULE,
};
#define OVS_RS_CT_LIMIT_FAMILY (&ovs_rs_ct_limit_family)
#else
#define OVS_RS_CT_LIMIT_FAMILY NULL
#endif

static struct genl_family *const ovs_rs_families[OVS_RS_FAMILY_COUNT] = {
	[OVS_RS_FAMILY_DATAPATH] = &ovs_rs_datapath_family,
	[OVS_RS_FAMILY_VPORT] = &ovs_rs_vport_family,
	[OVS_RS_FAMILY_FLOW] = &ovs_rs_flow_family,
	[OVS_RS_FAMILY_PACKET] = &ovs_rs_packet_family,
	[OVS_RS_FAMILY_METER] = &ovs_rs_meter_family,
	[OVS_RS_FAMILY_CT_LIMIT] = OVS_RS_CT_LIMIT_FAMILY,
};

/*
 * The handler of each family. Installed before the family is registered
 * and removed after it is unregistered, which waits for requests in
 * flight (genl_unregister_family() takes cb_lock for writing): a request
 * never sees a half-installed slot.
 */
static struct {
	const struct ovs_rs_genl_handler *ops;
	const void *ctx;
} ovs_rs_handlers[OVS_RS_FAMILY_COUNT];

void ovs_rs_genl_set_handler(unsigned int index,
			     const struct ovs_rs_genl_handler *ops,
			     const void *ctx)
{
	if (WARN_ON(index >= OVS_RS_FAMILY_COUNT))
		return;
	ovs_rs_handlers[index].ops = ops;
	ovs_rs_handlers[index].ctx = ctx;
}

static int ovs_rs_family_index(const struct genl_family *family)
{
	int i;

	for (i = 0; i < OVS_RS_FAMILY_COUNT; i++)
		if (ovs_rs_families[i] && ovs_rs_families[i] == family)
			return i;
	return -1;
}

static int ovs_rs_genl_doit(struct sk_buff *skb, struct genl_info *info)
{
	int i = ovs_rs_family_index(info->family);

	if (WARN_ON_ONCE(i < 0 || !ovs_rs_handlers[i].ops))
		return -EOPNOTSUPP;
	return ovs_rs_handlers[i].ops->doit(ovs_rs_handlers[i].ctx, info);
}

static int ovs_rs_genl_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	int i = ovs_rs_family_index(genl_dumpit_info(cb)->info.family);

	if (WARN_ON_ONCE(i < 0 || !ovs_rs_handlers[i].ops))
		return -EOPNOTSUPP;
	return ovs_rs_handlers[i].ops->dumpit(ovs_rs_handlers[i].ctx, skb, cb);
}

/*
 * A dump's request attributes, parsed with its family's policy: the core
 * leaves them unparsed under GENL_DONT_VALIDATE_DUMP, and
 * ovs_flow_cmd_dump() parses them itself, with these errors.
 */
int ovs_rs_genl_dump_parse(struct netlink_callback *cb, struct nlattr **attrs,
			   unsigned int n_attrs)
{
	const struct genl_family *family = genl_dumpit_info(cb)->info.family;

	if (n_attrs < family->maxattr + 1)
		return -EINVAL;
	return genlmsg_parse_deprecated(cb->nlh, family, attrs, family->maxattr,
					family->policy, NULL);
}

struct genl_family *ovs_rs_genl_family(unsigned int index)
{
	return index < OVS_RS_FAMILY_COUNT ? ovs_rs_families[index] : NULL;
}
