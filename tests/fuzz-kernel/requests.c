// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz: clean requests of every command (requests.h), for the fail-nth,
 * permission and regression modes. They go out on rq, in m, answered in r.
 */
#include "requests.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

struct nlsock *rq;
struct msg m;
struct reply r;
int dp1, dp2;

const uint8_t ufid_a[16] = { 0xfa, 0x11, 1 };
const uint8_t ufid_b[16] = { 0xfa, 0x11, 2 };

void start(enum fam f, uint8_t cmd, int dp, uint16_t flags)
{
	static const uint8_t version[F_COUNT] = {
		OVS_DATAPATH_VERSION, OVS_VPORT_VERSION,  OVS_FLOW_VERSION,
		OVS_PACKET_VERSION,   OVS_METER_VERSION, OVS_CT_LIMIT_VERSION,
	};

	msg_start(&m, rq->fam_id[f], flags, cmd, version[f], dp, 1);
}

int go(void)
{
	msg_finish(&m);
	return nl_transact(rq, &m, &r, 0);
}

/* An Ethernet/IPv4/UDP key (exact match, no mask) and an output action. */
void key(uint16_t type, uint8_t last)
{
	size_t n = nest(&m, type);
	struct ovs_key_ethernet e = { .eth_src = { 0, 1, 2, 3, 4, last },
				      .eth_dst = { 0, 1, 2, 3, 4, 0xee } };
	struct ovs_key_ipv4 ip = { .ipv4_src = 0x0100000a, .ipv4_dst = 0x0200000a,
				   .ipv4_proto = 17, .ipv4_ttl = 64 };
	struct ovs_key_udp u = { .udp_src = 0x100, .udp_dst = 0x200 };

	put_u32(&m, OVS_KEY_ATTR_IN_PORT, 1);
	put(&m, OVS_KEY_ATTR_ETHERNET, &e, sizeof(e));
	put_u16(&m, OVS_KEY_ATTR_ETHERTYPE, 0x0008);
	put(&m, OVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
	put(&m, OVS_KEY_ATTR_UDP, &u, sizeof(u));
	nest_end(&m, n);
}

void actions(uint16_t type, int variant)
{
	size_t n = nest(&m, type), c;
	struct ovs_action_push_vlan v = { .vlan_tpid = htons(0x8100),
					  .vlan_tci = htons(0x1000 + variant) };

	put(&m, OVS_ACTION_ATTR_PUSH_VLAN, &v, sizeof(v));
	c = nest(&m, OVS_ACTION_ATTR_CLONE);
	put_u32(&m, OVS_ACTION_ATTR_OUTPUT, 1);
	nest_end(&m, c);
	put_flag(&m, OVS_ACTION_ATTR_POP_VLAN);
	put_u32(&m, OVS_ACTION_ATTR_OUTPUT, 1 + variant);
	nest_end(&m, n);
}

int flow_new(const uint8_t *ufid, uint8_t last)
{
	start(F_FLOW, OVS_FLOW_CMD_NEW, dp1, 0);
	put(&m, OVS_FLOW_ATTR_UFID, ufid, 16);
	key(OVS_FLOW_ATTR_KEY, last);
	actions(OVS_FLOW_ATTR_ACTIONS, 0);
	return go();
}

int flow_del(const uint8_t *ufid)
{
	start(F_FLOW, OVS_FLOW_CMD_DEL, dp1, 0);
	if (ufid)
		put(&m, OVS_FLOW_ATTR_UFID, ufid, 16);
	return go();
}

int flow_set(int variant)
{
	start(F_FLOW, OVS_FLOW_CMD_SET, dp1, 0);
	put(&m, OVS_FLOW_ATTR_UFID, ufid_a, 16);
	key(OVS_FLOW_ATTR_KEY, 0xa);
	actions(OVS_FLOW_ATTR_ACTIONS, variant);
	return go();
}

int port_new(int dp, const char *name)
{
	start(F_VPORT, OVS_VPORT_CMD_NEW, dp, 0);
	put_str(&m, OVS_VPORT_ATTR_NAME, name);
	put_u32(&m, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_INTERNAL);
	put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, 0);
	return go();
}

int port_del(int dp, const char *name)
{
	start(F_VPORT, OVS_VPORT_CMD_DEL, dp, 0);
	put_str(&m, OVS_VPORT_ATTR_NAME, name);
	return go();
}

int port_set(uint32_t pid)
{
	start(F_VPORT, OVS_VPORT_CMD_SET, dp1, 0);
	put_str(&m, OVS_VPORT_ATTR_NAME, "fnp1");
	put_u32(&m, OVS_VPORT_ATTR_UPCALL_PID, pid);
	return go();
}

int dp_set(const char *dp, uint32_t features)
{
	start(F_DP, OVS_DP_CMD_SET, 0, 0);
	put_str(&m, OVS_DP_ATTR_NAME, dp);
	put_u32(&m, OVS_DP_ATTR_USER_FEATURES, features);
	return go();
}

int dp2_new(void)
{
	int e = new_dp(rq, "fn-dp2", &dp2);

	return e ? e : port_new(dp2, "fnq1");
}

int meter_set(uint32_t id, uint32_t rate)
{
	size_t b, e;

	start(F_METER, OVS_METER_CMD_SET, dp1, 0);
	put_u32(&m, OVS_METER_ATTR_ID, id);
	put_flag(&m, OVS_METER_ATTR_KBPS);
	b = nest(&m, OVS_METER_ATTR_BANDS);
	e = nest(&m, OVS_BAND_ATTR_UNSPEC);
	put_u32(&m, OVS_BAND_ATTR_TYPE, OVS_METER_BAND_TYPE_DROP);
	put_u32(&m, OVS_BAND_ATTR_RATE, rate);
	put_u32(&m, OVS_BAND_ATTR_BURST, rate);
	nest_end(&m, e);
	nest_end(&m, b);
	return go();
}

int meter_cmd(uint8_t cmd, uint32_t id)
{
	start(F_METER, cmd, dp1, 0);
	if (cmd != OVS_METER_CMD_FEATURES)
		put_u32(&m, OVS_METER_ATTR_ID, id);
	return go();
}

int ct_limit(uint8_t cmd, int zone, uint32_t limit)
{
	struct ovs_zone_limit z = { .zone_id = zone, .limit = limit };
	size_t n;

	start(F_CTLIMIT, cmd, 0, 0);
	n = nest(&m, OVS_CT_LIMIT_ATTR_ZONE_LIMIT);
	put_raw(&m, &z, sizeof(z));
	nest_end(&m, n);
	return go();
}

int execute(void)
{
	uint8_t frame[60] = { 0, 1, 2, 3, 4, 0xee, 0, 1, 2, 3, 4, 0xa, 8, 0, 0x45, 0, 0, 46,
			      0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 0, 2, 0,
			      0, 26 };

	start(F_PACKET, OVS_PACKET_CMD_EXECUTE, dp1, 0);
	put(&m, OVS_PACKET_ATTR_PACKET, frame, sizeof(frame));
	key(OVS_PACKET_ATTR_KEY, 0xa);
	actions(OVS_PACKET_ATTR_ACTIONS, 0);
	return go();
}

int dump(enum fam f, uint8_t cmd, int dp)
{
	start(f, cmd, dp, NLM_F_DUMP);
	return go();
}

