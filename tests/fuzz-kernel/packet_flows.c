// SPDX-License-Identifier: GPL-2.0
/*
 * ovsfuzz packets: the flow table (packets.h). One flow per frame class,
 * matched on the last byte of the Ethernet source with the ethertype and
 * IP protocol exact (no two flows overlap, so which one a packet hits does
 * not depend on the order of the masks), and flows for the packets that
 * ct() and hash() recirculate. The actions are drawn per flow and variant
 * from pieces that each leave the packet as the next expects it, and
 * cover every action.
 */
#include "packets.h"
#include "requests.h"

#include <arpa/inet.h>
#include <string.h>

/* Flow n: a class (0..NCLASS-1), or a recirculation's (RC_*). */
enum { RC_NEW = NCLASS, RC_EST, RC_OTHER, RC_HASH, NFLOWS };
/* Flows no packet hits (a recirculation id never used) whose ct() keeps
 * the netns's conntrack hooks registered: without them the churn takes
 * the last ct() away and back, and each time the hooks' unregistration
 * waits for an RCU grace period (seconds under TCG). */
enum { PIN4 = NFLOWS, PIN6, NALL };

static const struct {
	uint16_t et; /* host order; 0x1234 with a zero mask: any */
	uint8_t proto; /* exact when set */
	int v6, l4;
} cls_def[NCLASS] = {
	[C_ANY] = { 0x1234 },
	[C_IP4] = { 0x0800 },
	[C_IP4_TCP] = { 0x0800, 6, 0, 1 },
	[C_IP4_UDP] = { 0x0800, 17, 0, 1 },
	[C_IP4_SCTP] = { 0x0800, 132, 0, 1 },
	[C_IP4_ICMP] = { 0x0800, 1 },
	[C_IP6] = { 0x86dd, 0, 1 },
	[C_IP6_TCP] = { 0x86dd, 6, 1, 1 },
	[C_IP6_UDP] = { 0x86dd, 17, 1, 1 },
	[C_IP6_ICMP] = { 0x86dd, 58, 1 },
	[C_ARP] = { 0x0806 },
	[C_MPLS] = { 0x8847 },
	[C_VLAN] = { 0x8100 },
	[C_NSH] = { 0x894f },
};

static int flow_alive[NALL];
static unsigned long flow_ops[4][NERR]; /* NEW, SET, DEL, flush: errnos */

static void ufid_of(int n, uint8_t u[16])
{
	memset(u, 0, 16);
	u[0] = 0x9c, u[1] = n;
}

/* IPv4/IPv6 and transport attributes: only the protocol exact, and one
 * bit of the source port for the L4 classes (see TP_BIT). */
static void match_l3(int c, int mask)
{
	uint8_t proto = cls_def[c].proto;
	uint16_t tp = mask || cls_def[c].l4 ? htons(TP_BIT) : 0;

	if (!cls_def[c].v6) {
		struct ovs_key_ipv4 k = { .ipv4_proto = mask ? (proto ? 0xff : 0) : proto };

		put(&m, OVS_KEY_ATTR_IPV4, &k, sizeof(k));
	} else {
		struct ovs_key_ipv6 k = { .ipv6_proto = mask ? (proto ? 0xff : 0) : proto };

		put(&m, OVS_KEY_ATTR_IPV6, &k, sizeof(k));
	}
	if (!cls_def[c].l4)
		tp = 0;
	switch (proto) {
	case 6:
		put(&m, OVS_KEY_ATTR_TCP, &(struct ovs_key_tcp){ .tcp_src = tp }, sizeof(struct ovs_key_tcp));
		put_u16(&m, OVS_KEY_ATTR_TCP_FLAGS, 0);
		break;
	case 17:
		put(&m, OVS_KEY_ATTR_UDP, &(struct ovs_key_udp){ .udp_src = tp }, sizeof(struct ovs_key_udp));
		break;
	case 132:
		put(&m, OVS_KEY_ATTR_SCTP, &(struct ovs_key_sctp){ .sctp_src = tp }, sizeof(struct ovs_key_sctp));
		break;
	case 1:
		put(&m, OVS_KEY_ATTR_ICMP, &(struct ovs_key_icmp){ 0 }, sizeof(struct ovs_key_icmp));
		break;
	case 58:
		put(&m, OVS_KEY_ATTR_ICMPV6, &(struct ovs_key_icmpv6){ 0 }, sizeof(struct ovs_key_icmpv6));
		break;
	}
}

/* The key (mask = 0) or mask (mask = 1) of flow n. */
static void match(uint16_t type, int n, int mask)
{
	size_t k = nest(&m, type);
	int pin = n >= PIN4;
	int c = pin ? (n == PIN4 ? C_IP4 : C_IP6) : n < NCLASS ? n : C_ANY;
	struct ovs_key_ethernet e = { 0 };
	uint16_t et = htons(cls_def[c].et);

	put_u32(&m, OVS_KEY_ATTR_RECIRC_ID, mask ? 0xffffffff : pin ? 0x7fff : n < NCLASS ? 0
		: n == RC_HASH ? 2 : 1);
	put_u32(&m, OVS_KEY_ATTR_IN_PORT, mask ? 0xffffffff : port_no[P_TAP]);
	if (n >= NCLASS && n != RC_HASH && !pin) {
		/* After ct(): split by the new and established bits. */
		uint32_t st = n == RC_NEW ? OVS_CS_F_NEW : n == RC_EST ? OVS_CS_F_ESTABLISHED : 0;

		put_u32(&m, OVS_KEY_ATTR_CT_STATE,
			mask ? OVS_CS_F_NEW | OVS_CS_F_ESTABLISHED : st);
	}
	if (n < NCLASS)
		e.eth_src[5] = mask ? 0xff : n;
	put(&m, OVS_KEY_ATTR_ETHERNET, &e, sizeof(e));
	if (c == C_ANY || (n >= NCLASS && !pin)) {
		put_u16(&m, OVS_KEY_ATTR_ETHERTYPE, mask ? 0 : et);
	} else if (c == C_VLAN) {
		size_t en;

		put_u16(&m, OVS_KEY_ATTR_ETHERTYPE, mask ? 0xffff : et);
		/* The CFI bit exact (a tag present), the rest any. */
		put_u16(&m, OVS_KEY_ATTR_VLAN, htons(0x1000));
		en = nest(&m, OVS_KEY_ATTR_ENCAP);
		put_u16(&m, OVS_KEY_ATTR_ETHERTYPE, mask ? 0xffff : htons(0x0800));
		put(&m, OVS_KEY_ATTR_IPV4, &(struct ovs_key_ipv4){ 0 }, sizeof(struct ovs_key_ipv4));
		nest_end(&m, en);
	} else {
		put_u16(&m, OVS_KEY_ATTR_ETHERTYPE, mask ? 0xffff : et);
		if (c == C_ARP) {
			put(&m, OVS_KEY_ATTR_ARP, &(struct ovs_key_arp){ 0 }, sizeof(struct ovs_key_arp));
		} else if (c == C_MPLS) {
			put(&m, OVS_KEY_ATTR_MPLS, &(struct ovs_key_mpls){ 0 }, sizeof(struct ovs_key_mpls));
		} else if (c == C_NSH) {
			size_t ns = nest(&m, OVS_KEY_ATTR_NSH);
			/* The next protocol exact: pop_nsh's validation needs it. */
			struct ovs_nsh_key_base b = { .mdtype = mask ? 0 : 1, .np = mask ? 0xff : 1 };

			put(&m, OVS_NSH_KEY_ATTR_BASE, &b, sizeof(b));
			put(&m, OVS_NSH_KEY_ATTR_MD1, &(struct ovs_nsh_key_md1){ 0 },
			    sizeof(struct ovs_nsh_key_md1));
			nest_end(&m, ns);
		} else {
			match_l3(c, mask);
		}
	}
	nest_end(&m, k);
}

static void a_output(int p)
{
	put_u32(&m, OVS_ACTION_ATTR_OUTPUT, port_no[p]);
}

static void a_set(uint16_t key, const void *v, const void *mk, size_t len)
{
	size_t s = nest(&m, mk ? OVS_ACTION_ATTR_SET_MASKED : OVS_ACTION_ATTR_SET);
	uint8_t b[2 * 64];

	memcpy(b, v, len);
	/* C refuses a value with bits outside its mask. */
	for (size_t i = 0; mk && i < len; i++)
		b[i] &= ((const uint8_t *)mk)[i];
	if (mk)
		memcpy(b + len, mk, len);
	put(&m, key, b, mk ? 2 * len : len);
	nest_end(&m, s);
}

static void a_set_eth(struct rng *g, int masked)
{
	struct ovs_key_ethernet v = { .eth_src = { 2, 0, 0, 0, 0x11, below(g, 256) },
				      .eth_dst = { 2, 0, 0, 0, 0x22, below(g, 256) } }, k;

	memset(&k, 0xff, sizeof(k));
	k.eth_src[0] = 0;
	a_set(OVS_KEY_ATTR_ETHERNET, &v, masked ? &k : NULL, sizeof(v));
}

static void a_set_l3(struct rng *g, int c)
{
	int masked = !cls_def[c].proto || chance(g, 50);

	if (!cls_def[c].v6) {
		struct ovs_key_ipv4 v = { .ipv4_src = htonl(0x0a630000 | below(g, 256)),
					  .ipv4_dst = htonl(0x0a640001), .ipv4_tos = below(g, 256),
					  .ipv4_ttl = 1 + below(g, 255), .ipv4_proto = cls_def[c].proto };
		struct ovs_key_ipv4 k = { .ipv4_src = 0xffffffff, .ipv4_ttl = 0xff, .ipv4_tos = 0xfc };

		if (chance(g, 50))
			k.ipv4_dst = 0xffffffff;
		a_set(OVS_KEY_ATTR_IPV4, &v, masked ? &k : NULL, sizeof(v));
	} else {
		struct ovs_key_ipv6 v = { .ipv6_label = htonl(below(g, 0x100000)),
					  .ipv6_tclass = below(g, 256), .ipv6_hlimit = 1 + below(g, 255),
					  .ipv6_proto = cls_def[c].proto };
		struct ovs_key_ipv6 k = { .ipv6_label = htonl(0xfffff), .ipv6_hlimit = 0xff };

		v.ipv6_src[0] = htonl(0xfd000000), v.ipv6_src[3] = htonl(below(g, 256));
		v.ipv6_dst[0] = htonl(0xfd000000), v.ipv6_dst[3] = htonl(1);
		memset(k.ipv6_src, chance(g, 50) ? 0xff : 0, 16);
		memset(k.ipv6_dst, chance(g, 50) ? 0xff : 0, 16);
		a_set(OVS_KEY_ATTR_IPV6, &v, masked ? &k : NULL, sizeof(v));
	}
}

static void a_set_l4(struct rng *g, int c)
{
	uint16_t sp = htons(1000 + below(g, 100)), dp = htons(2000 + below(g, 100));
	uint16_t ms[2] = { 0xffff, chance(g, 50) ? 0xffff : 0 };
	int masked = chance(g, 50);

	switch (cls_def[c].proto) {
	case 6:
		a_set(OVS_KEY_ATTR_TCP, &(struct ovs_key_tcp){ sp, dp }, masked ? ms : NULL, 4);
		break;
	case 17:
		a_set(OVS_KEY_ATTR_UDP, &(struct ovs_key_udp){ sp, dp }, masked ? ms : NULL, 4);
		break;
	case 132:
		a_set(OVS_KEY_ATTR_SCTP, &(struct ovs_key_sctp){ sp, dp }, masked ? ms : NULL, 4);
		break;
	}
}

static void a_ct(struct rng *g, int c, int commit, int nat)
{
	size_t n = nest(&m, OVS_ACTION_ATTR_CT);

	/* C takes nat() only with commit. */
	if (commit || nat)
		put_flag(&m, OVS_CT_ATTR_COMMIT);
	put_u16(&m, OVS_CT_ATTR_ZONE, below(g, 3));
	if (commit && chance(g, 30)) {
		uint32_t mk[2] = { below(g, 16), 0xff };

		put(&m, OVS_CT_ATTR_MARK, mk, 8);
	}
	if (nat) {
		size_t t = nest(&m, OVS_CT_ATTR_NAT);

		put_flag(&m, chance(g, 50) ? OVS_NAT_ATTR_SRC : OVS_NAT_ATTR_DST);
		if (!cls_def[c].v6) {
			put_u32(&m, OVS_NAT_ATTR_IP_MIN, htonl(0x0a630001));
			put_u32(&m, OVS_NAT_ATTR_IP_MAX, htonl(0x0a630003));
		} else {
			uint8_t a[16] = { 0xfd, [15] = 9 };

			put(&m, OVS_NAT_ATTR_IP_MIN, a, 16);
		}
		if (cls_def[c].l4) {
			put_u16(&m, OVS_NAT_ATTR_PROTO_MIN, 3000);
			put_u16(&m, OVS_NAT_ATTR_PROTO_MAX, 3010);
		}
		nest_end(&m, t);
	}
	nest_end(&m, n);
}

/* Pushes past the headroom: four tags, then pops them again. */
static void a_vlan_stack(struct rng *g, int k)
{
	for (int i = 0; i < k; i++) {
		struct ovs_action_push_vlan v = { .vlan_tpid = htons(i ? 0x88a8 : 0x8100),
						  .vlan_tci = htons(0x1000 | below(g, 4096)) };

		put(&m, OVS_ACTION_ATTR_PUSH_VLAN, &v, sizeof(v));
	}
	a_output(P_OUT);
	for (int i = 0; i < k; i++)
		put_flag(&m, OVS_ACTION_ATTR_POP_VLAN);
}

/* push_nsh with a metadata of mdlen bytes (type 2 when not 16) on an L3
 * packet, then an Ethernet header again. */
static void a_push_nsh(struct rng *g, int mdlen)
{
	size_t n = nest(&m, OVS_ACTION_ATTR_PUSH_NSH), k = nest(&m, OVS_KEY_ATTR_NSH);
	struct ovs_nsh_key_base b = { .mdtype = mdlen == 16 ? 1 : 2, .np = 1,
				      .path_hdr = htonl(0x100 | below(g, 256)) };
	uint8_t md[248] = { 0 };

	put(&m, OVS_NSH_KEY_ATTR_BASE, &b, sizeof(b));
	put(&m, mdlen == 16 ? OVS_NSH_KEY_ATTR_MD1 : OVS_NSH_KEY_ATTR_MD2, md, mdlen);
	nest_end(&m, k);
	nest_end(&m, n);
}

static void a_push_eth(void)
{
	struct ovs_action_push_eth e = { .addresses = { .eth_src = { 2, 0, 0, 0, 0x33, 1 },
							.eth_dst = { 2, 0, 0, 0, 0x33, 2 } } };

	put(&m, OVS_ACTION_ATTR_PUSH_ETH, &e, sizeof(e));
}

/* One piece of a flow's actions, valid for class c (it leaves the packet
 * as the rest of the list expects it). */
static void a_piece(struct rng *g, int c)
{
	int ip = c >= C_IP4 && c <= C_IP6_ICMP;
	size_t n, a;

	switch (below(g, 16)) {
	case 0:
		a_set_eth(g, chance(g, 50));
		break;
	case 1: {
		uint32_t v = below(g, 8);

		a_set(chance(g, 50) ? OVS_KEY_ATTR_PRIORITY : OVS_KEY_ATTR_SKB_MARK, &v, NULL, 4);
		break;
	}
	case 2:
		a_vlan_stack(g, chance(g, 50) ? 1 : 4);
		break;
	case 3:
		/* Never into the headers: a truncate() that cuts a partial
		 * checksum's range makes skb_checksum_help() WARN at transmit,
		 * with openvswitch.ko as with this module (issue 15's report). */
		put_u32(&m, OVS_ACTION_ATTR_TRUNC, 200 + below(g, 200));
		a_output(P_OUT);
		break;
	case 4:
		n = nest(&m, OVS_ACTION_ATTR_CHECK_PKT_LEN);
		put_u16(&m, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, 60 + below(g, 1500));
		a = nest(&m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER);
		a_output(P_OUT);
		nest_end(&m, a);
		a = nest(&m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL);
		a_set_eth(g, 1);
		a_output(P_INT);
		nest_end(&m, a);
		nest_end(&m, n);
		break;
	case 5:
		n = nest(&m, OVS_ACTION_ATTR_SAMPLE);
		/* A fraction draws random numbers: not in the deterministic run. */
		put_u32(&m, OVS_SAMPLE_ATTR_PROBABILITY,
			opt.deterministic ? (chance(g, 50) ? 0xffffffff : 0) : (uint32_t)rnd(g));
		a = nest(&m, OVS_SAMPLE_ATTR_ACTIONS);
		a_output(P_OUT);
		nest_end(&m, a);
		nest_end(&m, n);
		break;
	case 6:
		n = nest(&m, OVS_ACTION_ATTR_CLONE);
		a_set_eth(g, 0);
		if (ip)
			a_set_l3(g, c);
		a_output(chance(g, 50) ? P_OUT : P_INT);
		nest_end(&m, n);
		break;
	case 7: {
		struct ovs_action_hash h = { .hash_alg = OVS_HASH_ALG_L4, .hash_basis = below(g, 100) };

		/* Into a clone: the recirculated copy comes back, this one goes on. */
		n = nest(&m, OVS_ACTION_ATTR_CLONE);
		put(&m, OVS_ACTION_ATTR_HASH, &h, sizeof(h));
		put_u32(&m, OVS_ACTION_ATTR_RECIRC, 2);
		nest_end(&m, n);
		break;
	}
	case 8:
		put_u32(&m, OVS_ACTION_ATTR_METER, METER_ID);
		break;
	case 9:
		if (opt.deterministic || chance(g, 30)) {
			n = nest(&m, OVS_ACTION_ATTR_USERSPACE);
			put_u32(&m, OVS_USERSPACE_ATTR_PID, upcall_pid);
			put_u64(&m, OVS_USERSPACE_ATTR_USERDATA, 0x7061636b657473ULL);
			nest_end(&m, n);
		}
		break;
	case 10: case 11:
		if (ip)
			a_set_l3(g, c);
		else if (c == C_MPLS)
			a_set(OVS_KEY_ATTR_MPLS, &(uint32_t){ htonl(0x12345100 | below(g, 255)) }, NULL, 4);
		else if (c == C_VLAN)
			a_vlan_stack(g, 2);
		break;
	case 12:
		if (cls_def[c].l4)
			a_set_l4(g, c);
		break;
	case 13:
		if (ip) {
			n = nest(&m, OVS_ACTION_ATTR_DEC_TTL);
			a = nest(&m, OVS_DEC_TTL_ATTR_ACTION);
			if (chance(g, 50))
				a_output(P_INT);
			nest_end(&m, a);
			nest_end(&m, n);
		}
		break;
	case 14:
		/* Conntrack (with defragmentation), the result recirculated. */
		if (ip && c != C_IP6_ICMP) {
			n = nest(&m, OVS_ACTION_ATTR_CLONE);
			a_ct(g, c, chance(g, 60), chance(g, 30));
			put_u32(&m, OVS_ACTION_ATTR_RECIRC, 1);
			nest_end(&m, n);
		}
		break;
	default:
		if (c != C_VLAN && chance(g, 50)) {
			put_flag(&m, OVS_ACTION_ATTR_POP_ETH);
			a_output(P_OUT); /* an L3 packet to an Ethernet port */
			a_push_eth();
		} else if (ip) {
			put_flag(&m, OVS_ACTION_ATTR_CT_CLEAR);
		}
	}
}

/* The last piece, after which the packet is of another type: MPLS and NSH
 * pushes and pops, and the output. */
static void a_last(struct rng *g, int c)
{
	int ip = c >= C_IP4 && c <= C_IP6_ICMP;

	switch (below(g, 8)) {
	case 0:
		if (ip || c == C_ARP || c == C_MPLS) {
			struct ovs_action_push_mpls p = { .mpls_lse = htonl(0x1000 | 0x140),
							  .mpls_ethertype = htons(0x8847) };

			for (int i = 0, k = 1 + below(g, 3); i < k; i++)
				put(&m, OVS_ACTION_ATTR_PUSH_MPLS, &p, sizeof(p));
		}
		break;
	case 1:
		if (c == C_MPLS)
			put_u16(&m, OVS_ACTION_ATTR_POP_MPLS, htons(0x0800));
		break;
	case 2:
		if (c == C_IP4 || c == C_IP6) {
			put_flag(&m, OVS_ACTION_ATTR_POP_ETH);
			a_push_nsh(g, chance(g, 50) ? 16 : 4 * (1 + below(g, 60)));
			a_push_eth();
		}
		break;
	case 3:
		if (c == C_NSH) {
			put_flag(&m, OVS_ACTION_ATTR_POP_NSH);
			a_push_eth();
		}
		break;
	case 4:
		if (ip) {
			struct ovs_action_add_mpls p = { .mpls_lse = htonl(0x2000 | 0x140),
							 .mpls_ethertype = htons(0x8847),
							 .tun_flags = below(g, 2) };

			put(&m, OVS_ACTION_ATTR_ADD_MPLS, &p, sizeof(p));
			/* Without the L3 flag the Ethernet header goes under the label. */
			if (!p.tun_flags)
				a_push_eth();
		}
		break;
	}
	a_output(chance(g, 75) ? P_OUT : chance(g, 50) ? P_INT : P_TAP);
}

static void flow_actions(int n, uint32_t variant)
{
	struct rng g = { .s = (opt.seed << 20) ^ ((uint64_t)n << 12) ^ variant ^ 0x5bd1e995 };
	size_t a = nest(&m, OVS_FLOW_ATTR_ACTIONS);

	rnd(&g);
	if (n >= PIN4) {
		a_ct(&g, n == PIN4 ? C_IP4 : C_IP6, 0, 0);
	} else if (n >= NCLASS) {
		/* Recirculated packets: out, or to userspace and the internal port. */
		if (n == RC_NEW)
			a_set_eth(&g, 1);
		if (n == RC_OTHER && chance(&g, 50))
			put_u32(&m, OVS_ACTION_ATTR_METER, METER_ID);
		a_output(n == RC_EST ? P_INT : P_OUT);
	} else {
		for (int i = 0, k = below(&g, 6); i < k; i++)
			a_piece(&g, n);
		a_last(&g, n);
	}
	nest_end(&m, a);
}

/* NEW or SET of flow n with its actions of variant v; the errno. */
static int flow_put(int n, uint8_t cmd, uint32_t v)
{
	uint8_t u[16];

	ufid_of(n, u);
	start(F_FLOW, cmd, dp_index, 0);
	put(&m, OVS_FLOW_ATTR_UFID, u, 16);
	match(OVS_FLOW_ATTR_KEY, n, 0);
	match(OVS_FLOW_ATTR_MASK, n, 1);
	flow_actions(n, v);
	put_u32(&m, OVS_FLOW_ATTR_UFID_FLAGS, OVS_UFID_F_OMIT_KEY | OVS_UFID_F_OMIT_MASK |
		OVS_UFID_F_OMIT_ACTIONS);
	go();
	count_errno(F_FLOW, r.err);
	flow_ops[cmd == OVS_FLOW_CMD_NEW ? 0 : 1][-r.err < NERR ? -r.err : NERR - 1]++;
	if (!r.err)
		flow_alive[n] = 1;
	return r.err;
}

int flow_check_pkt_len(int c, uint16_t len)
{
	uint8_t u[16];
	size_t a, n, b;

	ufid_of(c, u);
	start(F_FLOW, OVS_FLOW_CMD_NEW, dp_index, 0);
	put(&m, OVS_FLOW_ATTR_UFID, u, 16);
	match(OVS_FLOW_ATTR_KEY, c, 0);
	match(OVS_FLOW_ATTR_MASK, c, 1);
	a = nest(&m, OVS_FLOW_ATTR_ACTIONS);
	n = nest(&m, OVS_ACTION_ATTR_CHECK_PKT_LEN);
	put_u16(&m, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, len);
	b = nest(&m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER);
	a_output(P_OUT);
	nest_end(&m, b);
	b = nest(&m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL);
	a_output(P_INT);
	nest_end(&m, b);
	nest_end(&m, n);
	nest_end(&m, a);
	return go();
}

static void flow_remove(int n)
{
	uint8_t u[16];

	ufid_of(n, u);
	start(F_FLOW, OVS_FLOW_CMD_DEL, dp_index, 0);
	put(&m, OVS_FLOW_ATTR_UFID, u, 16);
	go();
	flow_ops[2][-r.err < NERR ? -r.err : NERR - 1]++;
	if (!r.err)
		flow_alive[n] = 0;
}

void install_all(uint32_t v)
{
	for (int n = 0; n < NALL; n++)
		if (!flow_alive[n] && flow_put(n, OVS_FLOW_CMD_NEW, v) && !opt.fail_alloc)
			fprintf(stderr, "packets: flow %d variant %u refused: %s\n", n, v,
				errno_name(r.err));
}

/* One change of the flow table, chosen by the packets' generator. */
void churn(struct rng *g)
{
	int n = below(g, NFLOWS);
	uint32_t pick = below(g, 100), v = rnd(g);

	if (pick < 60) {
		flow_put(n, flow_alive[n] ? OVS_FLOW_CMD_SET : OVS_FLOW_CMD_NEW, v);
	} else if (pick < 80) {
		flow_remove(n);
	} else if (pick < 97) {
		install_all(v);
	} else {
		start(F_FLOW, OVS_FLOW_CMD_DEL, dp_index, 0);
		go();
		flow_ops[3][-r.err < NERR ? -r.err : NERR - 1]++;
		if (!r.err)
			memset(flow_alive, 0, sizeof(flow_alive));
		flow_put(PIN4, OVS_FLOW_CMD_NEW, 0);
		flow_put(PIN6, OVS_FLOW_CMD_NEW, 0);
	}
}

void print_ops(void)
{
	static const char *const op[] = { "NEW", "SET", "DEL", "flush" };

	for (int i = 0; i < 4; i++)
		for (int e = 0; e < NERR; e++)
			if (flow_ops[i][e])
				printf("flow %s %s: %lu\n", op[i], errno_name(-e), flow_ops[i][e]);
}

