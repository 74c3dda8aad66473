// SPDX-License-Identifier: GPL-2.0
/* ovsfuzz grammar (see grammar.h). */
#include "grammar.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const uint32_t boundary[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 64, 65535, 1500, 9000,
};

uint32_t gen_u32(struct gen *g)
{
	if (chance(&g->r, 30))
		return boundary[below(&g->r, sizeof(boundary) / sizeof(boundary[0]))];
	return (uint32_t)rnd(&g->r) >> below(&g->r, 32);
}

static void fill(struct gen *g, void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = chance(&g->r, 20) ? 0xff : (uint8_t)rnd(&g->r);
}

/* An attribute type, now and then a wrong one. */
static uint16_t ty(struct gen *g, uint16_t t, uint16_t max)
{
	if (g->m_this && chance(&g->r, 3))
		return below(&g->r, max + 4);
	return t;
}

/* A payload length, now and then a wrong one. */
static size_t ln(struct gen *g, size_t n)
{
	if (!g->m_this || !chance(&g->r, 4))
		return n;
	switch (below(&g->r, 5)) {
	case 0: return 0;
	case 1: return n ? n - 1 : 1;
	case 2: return n + 1;
	case 3: return n + 4;
	default: return below(&g->r, 80);
	}
}

/* A random payload of size n (mutated lengths keep random bytes). */
static void put_rand(struct gen *g, struct msg *m, uint16_t t, uint16_t max,
		     size_t n)
{
	uint8_t b[256];

	n = ln(g, n);
	if (n > sizeof(b))
		n = sizeof(b);
	fill(g, b, n);
	put(m, ty(g, t, max), b, n);
}

static void put_val(struct gen *g, struct msg *m, uint16_t t, uint16_t max,
		    const void *v, size_t n)
{
	uint8_t b[256];
	size_t k = ln(g, n);

	if (k > sizeof(b))
		k = sizeof(b);
	memset(b, 0, k);
	memcpy(b, v, k < n ? k : n);
	put(m, ty(g, t, max), b, k);
}

static void put32(struct gen *g, struct msg *m, uint16_t t, uint16_t max,
		  uint32_t v)
{
	put_val(g, m, t, max, &v, 4);
}

void gen_ufid(struct gen *g, int dp, int idx, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xf5;
	out[1] = g->w->tid;
	out[2] = dp;
	out[3] = idx;
}

/* --- flow keys and masks ----------------------------------------------- */

static void key_tunnel(struct gen *g, struct msg *m, int mask)
{
	size_t n = nest(m, ty(g, OVS_KEY_ATTR_TUNNEL, OVS_KEY_ATTR_MAX));
	uint64_t id = rnd(&g->r);
	uint32_t a = htonl(0x0a000001 + below(&g->r, 4));

	put_val(g, m, OVS_TUNNEL_KEY_ATTR_ID, OVS_TUNNEL_KEY_ATTR_MAX, &id, 8);
	if (chance(&g->r, 70)) {
		put_val(g, m, OVS_TUNNEL_KEY_ATTR_IPV4_SRC, OVS_TUNNEL_KEY_ATTR_MAX, &a, 4);
		put_val(g, m, OVS_TUNNEL_KEY_ATTR_IPV4_DST, OVS_TUNNEL_KEY_ATTR_MAX, &a, 4);
	} else {
		put_rand(g, m, OVS_TUNNEL_KEY_ATTR_IPV6_SRC, OVS_TUNNEL_KEY_ATTR_MAX, 16);
		put_rand(g, m, OVS_TUNNEL_KEY_ATTR_IPV6_DST, OVS_TUNNEL_KEY_ATTR_MAX, 16);
	}
	put_rand(g, m, OVS_TUNNEL_KEY_ATTR_TOS, OVS_TUNNEL_KEY_ATTR_MAX, 1);
	put_rand(g, m, OVS_TUNNEL_KEY_ATTR_TTL, OVS_TUNNEL_KEY_ATTR_MAX, 1);
	if (chance(&g->r, 50))
		put_flag(m, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT);
	if (chance(&g->r, 30))
		put_flag(m, OVS_TUNNEL_KEY_ATTR_CSUM);
	if (chance(&g->r, 10))
		put_flag(m, OVS_TUNNEL_KEY_ATTR_OAM);
	if (chance(&g->r, 30))
		put_rand(g, m, OVS_TUNNEL_KEY_ATTR_TP_SRC, OVS_TUNNEL_KEY_ATTR_MAX, 2);
	if (chance(&g->r, 30))
		put_rand(g, m, OVS_TUNNEL_KEY_ATTR_TP_DST, OVS_TUNNEL_KEY_ATTR_MAX, 2);
	switch (below(&g->r, 4)) {
	case 0:
		put_rand(g, m, OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS, OVS_TUNNEL_KEY_ATTR_MAX,
			 4 * below(&g->r, 16));
		break;
	case 1: {
		size_t v = nest(m, OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS);

		put32(g, m, OVS_VXLAN_EXT_GBP, OVS_VXLAN_EXT_MAX, gen_u32(g));
		nest_end(m, v);
		break;
	}
	case 2:
		put_rand(g, m, OVS_TUNNEL_KEY_ATTR_ERSPAN_OPTS, OVS_TUNNEL_KEY_ATTR_MAX,
			 8);
		break;
	}
	if (chance(&g->r, 10) && !mask)
		put_flag(m, OVS_TUNNEL_KEY_ATTR_IPV4_INFO_BRIDGE);
	nest_end(m, n);
}

static void key_nsh(struct gen *g, struct msg *m, uint16_t type)
{
	size_t n = nest(m, type);
	struct ovs_nsh_key_base b;

	fill(g, &b, sizeof(b));
	b.mdtype = 1 + below(&g->r, 2);
	put_val(g, m, OVS_NSH_KEY_ATTR_BASE, OVS_NSH_KEY_ATTR_MAX, &b, sizeof(b));
	if (b.mdtype == 1)
		put_rand(g, m, OVS_NSH_KEY_ATTR_MD1, OVS_NSH_KEY_ATTR_MAX, 16);
	else
		put_rand(g, m, OVS_NSH_KEY_ATTR_MD2, OVS_NSH_KEY_ATTR_MAX,
			 4 * below(&g->r, 8));
	nest_end(m, n);
}

/* The layer 3 and 4 attributes for ETHERTYPE et (network order). */
static void key_l3(struct gen *g, struct msg *m, uint16_t et, int mask)
{
	switch (ntohs(et)) {
	case 0x0800: {
		struct ovs_key_ipv4 k;

		fill(g, &k, sizeof(k));
		k.ipv4_proto = (uint8_t[]){ 6, 17, 132, 1, 47 }[below(&g->r, 5)];
		if (!mask)
			k.ipv4_frag = below(&g->r, 4);
		put_val(g, m, OVS_KEY_ATTR_IPV4, OVS_KEY_ATTR_MAX, &k, sizeof(k));
		if (k.ipv4_proto == 6) {
			put_rand(g, m, OVS_KEY_ATTR_TCP, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_tcp));
			put_rand(g, m, OVS_KEY_ATTR_TCP_FLAGS, OVS_KEY_ATTR_MAX, 2);
		} else if (k.ipv4_proto == 17) {
			put_rand(g, m, OVS_KEY_ATTR_UDP, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_udp));
		} else if (k.ipv4_proto == 132) {
			put_rand(g, m, OVS_KEY_ATTR_SCTP, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_sctp));
		} else if (k.ipv4_proto == 1) {
			put_rand(g, m, OVS_KEY_ATTR_ICMP, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_icmp));
		}
		if (chance(&g->r, 20))
			put_rand(g, m, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4, OVS_KEY_ATTR_MAX,
				 sizeof(struct ovs_key_ct_tuple_ipv4));
		break;
	}
	case 0x86dd: {
		struct ovs_key_ipv6 k;

		fill(g, &k, sizeof(k));
		k.ipv6_proto = (uint8_t[]){ 6, 17, 58, 132, 44 }[below(&g->r, 5)];
		if (!mask) {
			k.ipv6_frag = below(&g->r, 4);
			k.ipv6_label &= htonl(0xfffff);
		}
		put_val(g, m, OVS_KEY_ATTR_IPV6, OVS_KEY_ATTR_MAX, &k, sizeof(k));
		if (chance(&g->r, 30))
			put_rand(g, m, OVS_KEY_ATTR_IPV6_EXTHDRS, OVS_KEY_ATTR_MAX, 2);
		if (k.ipv6_proto == 58) {
			struct ovs_key_icmpv6 i = { .icmpv6_type = 135 + below(&g->r, 2) };

			put_val(g, m, OVS_KEY_ATTR_ICMPV6, OVS_KEY_ATTR_MAX, &i, sizeof(i));
			put_rand(g, m, OVS_KEY_ATTR_ND, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_nd));
		} else if (k.ipv6_proto == 6) {
			put_rand(g, m, OVS_KEY_ATTR_TCP, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_tcp));
		} else if (k.ipv6_proto == 17) {
			put_rand(g, m, OVS_KEY_ATTR_UDP, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_udp));
		}
		if (chance(&g->r, 20))
			put_rand(g, m, OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6, OVS_KEY_ATTR_MAX,
				 sizeof(struct ovs_key_ct_tuple_ipv6));
		break;
	}
	case 0x0806:
		put_rand(g, m, OVS_KEY_ATTR_ARP, OVS_KEY_ATTR_MAX, sizeof(struct ovs_key_arp));
		break;
	case 0x8847:
	case 0x8848:
		put_rand(g, m, OVS_KEY_ATTR_MPLS, OVS_KEY_ATTR_MAX,
			 4 * (1 + below(&g->r, chance(&g->r, 10) ? 6 : 3)));
		break;
	case 0x894f:
		key_nsh(g, m, OVS_KEY_ATTR_NSH);
		break;
	}
}

static const uint16_t ethertypes[] = { 0x0800, 0x86dd, 0x0806, 0x8847,
				       0x8848, 0x894f, 0x8100, 0x88a8,
				       0x1234, 0x05ff };

void gen_key(struct gen *g, struct msg *m, uint16_t type, int mask)
{
	size_t n = nest(m, type);
	uint16_t et = htons(ethertypes[below(&g->r, 10)]);
	int l2 = chance(&g->r, 90);

	if (chance(&g->r, 60))
		put32(g, m, OVS_KEY_ATTR_IN_PORT, OVS_KEY_ATTR_MAX,
		      chance(&g->r, 70) ? below(&g->r, 8) : gen_u32(g));
	if (chance(&g->r, 20))
		put32(g, m, OVS_KEY_ATTR_PRIORITY, OVS_KEY_ATTR_MAX, gen_u32(g));
	if (chance(&g->r, 20))
		put32(g, m, OVS_KEY_ATTR_SKB_MARK, OVS_KEY_ATTR_MAX, gen_u32(g));
	if (chance(&g->r, 20))
		put32(g, m, OVS_KEY_ATTR_RECIRC_ID, OVS_KEY_ATTR_MAX, below(&g->r, 4));
	if (chance(&g->r, 10))
		put32(g, m, OVS_KEY_ATTR_DP_HASH, OVS_KEY_ATTR_MAX, gen_u32(g));
	if (chance(&g->r, 15))
		key_tunnel(g, m, mask);
	if (chance(&g->r, 15)) {
		put32(g, m, OVS_KEY_ATTR_CT_STATE, OVS_KEY_ATTR_MAX, below(&g->r, 0x100));
		put_rand(g, m, OVS_KEY_ATTR_CT_ZONE, OVS_KEY_ATTR_MAX, 2);
		put_rand(g, m, OVS_KEY_ATTR_CT_MARK, OVS_KEY_ATTR_MAX, 4);
		put_rand(g, m, OVS_KEY_ATTR_CT_LABELS, OVS_KEY_ATTR_MAX, 16);
	}
	if (l2) {
		put_rand(g, m, OVS_KEY_ATTR_ETHERNET, OVS_KEY_ATTR_MAX,
			 sizeof(struct ovs_key_ethernet));
	} else {
		uint32_t pt = htonl(0x10000 | ntohs(et));

		put32(g, m, OVS_KEY_ATTR_PACKET_TYPE, OVS_KEY_ATTR_MAX,
		      chance(&g->r, 80) ? pt : gen_u32(g));
	}
	if (mask && chance(&g->r, 20))
		et = 0xffff;
	if (l2 && (ntohs(et) == 0x8100 || ntohs(et) == 0x88a8)) {
		uint16_t tci = htons(0x1000 | below(&g->r, 4096));
		uint16_t inner = htons(ethertypes[below(&g->r, 6)]);
		size_t e;

		put_val(g, m, OVS_KEY_ATTR_ETHERTYPE, OVS_KEY_ATTR_MAX, &et, 2);
		put_val(g, m, OVS_KEY_ATTR_VLAN, OVS_KEY_ATTR_MAX,
			mask ? &(uint16_t){ 0xffff } : &tci, 2);
		e = nest(m, ty(g, OVS_KEY_ATTR_ENCAP, OVS_KEY_ATTR_MAX));
		if (chance(&g->r, 85)) {
			put_val(g, m, OVS_KEY_ATTR_ETHERTYPE, OVS_KEY_ATTR_MAX, &inner, 2);
			key_l3(g, m, inner, mask);
		}
		nest_end(m, e);
	} else {
		if (l2 && chance(&g->r, 95))
			put_val(g, m, OVS_KEY_ATTR_ETHERTYPE, OVS_KEY_ATTR_MAX, &et, 2);
		key_l3(g, m, et, mask);
	}
	nest_end(m, n);
}

/* --- actions ------------------------------------------------------------ */

/* A key attribute for set()/set_masked(): value (and mask) of its size. */
static void act_set(struct gen *g, struct msg *m, int masked)
{
	static const struct { uint16_t t; uint16_t len; } k[] = {
		{ OVS_KEY_ATTR_ETHERNET, sizeof(struct ovs_key_ethernet) },
		{ OVS_KEY_ATTR_IPV4, sizeof(struct ovs_key_ipv4) },
		{ OVS_KEY_ATTR_IPV6, sizeof(struct ovs_key_ipv6) },
		{ OVS_KEY_ATTR_TCP, sizeof(struct ovs_key_tcp) },
		{ OVS_KEY_ATTR_UDP, sizeof(struct ovs_key_udp) },
		{ OVS_KEY_ATTR_SCTP, sizeof(struct ovs_key_sctp) },
		{ OVS_KEY_ATTR_ARP, sizeof(struct ovs_key_arp) },
		{ OVS_KEY_ATTR_ND, sizeof(struct ovs_key_nd) },
		{ OVS_KEY_ATTR_PRIORITY, 4 },
		{ OVS_KEY_ATTR_SKB_MARK, 4 },
		{ OVS_KEY_ATTR_MPLS, 4 },
		{ OVS_KEY_ATTR_CT_STATE, 4 },
		{ OVS_KEY_ATTR_ICMP, sizeof(struct ovs_key_icmp) },
		{ OVS_KEY_ATTR_ETHERTYPE, 2 },
	};
	size_t n = nest(m, masked ? OVS_ACTION_ATTR_SET_MASKED : OVS_ACTION_ATTR_SET);
	uint32_t i = below(&g->r, sizeof(k) / sizeof(k[0]) + 2);

	if (i == sizeof(k) / sizeof(k[0]))
		key_tunnel(g, m, 0);
	else if (i > sizeof(k) / sizeof(k[0]))
		key_nsh(g, m, OVS_KEY_ATTR_NSH);
	else
		put_rand(g, m, k[i].t, OVS_KEY_ATTR_MAX, k[i].len * (masked ? 2 : 1));
	nest_end(m, n);
}

static void act_ct(struct gen *g, struct msg *m)
{
	size_t n = nest(m, OVS_ACTION_ATTR_CT);

	if (chance(&g->r, 50))
		put_flag(m, chance(&g->r, 80) ? OVS_CT_ATTR_COMMIT : OVS_CT_ATTR_FORCE_COMMIT);
	if (chance(&g->r, 50))
		put_rand(g, m, OVS_CT_ATTR_ZONE, OVS_CT_ATTR_MAX, 2);
	if (chance(&g->r, 30))
		put_rand(g, m, OVS_CT_ATTR_MARK, OVS_CT_ATTR_MAX, 8);
	if (chance(&g->r, 30))
		put_rand(g, m, OVS_CT_ATTR_LABELS, OVS_CT_ATTR_MAX, 32);
	if (chance(&g->r, 20))
		put_str(m, OVS_CT_ATTR_HELPER, chance(&g->r, 50) ? "ftp" : "nosuch");
	if (chance(&g->r, 20))
		put32(g, m, OVS_CT_ATTR_EVENTMASK, OVS_CT_ATTR_MAX, gen_u32(g));
	if (chance(&g->r, 10))
		put_str(m, OVS_CT_ATTR_TIMEOUT, "fz");
	if (chance(&g->r, 30)) {
		size_t nat = nest(m, OVS_CT_ATTR_NAT);
		int v6 = chance(&g->r, 30);

		put_flag(m, chance(&g->r, 50) ? OVS_NAT_ATTR_SRC : OVS_NAT_ATTR_DST);
		put_rand(g, m, OVS_NAT_ATTR_IP_MIN, OVS_NAT_ATTR_MAX, v6 ? 16 : 4);
		if (chance(&g->r, 50))
			put_rand(g, m, OVS_NAT_ATTR_IP_MAX, OVS_NAT_ATTR_MAX, v6 ? 16 : 4);
		if (chance(&g->r, 50)) {
			put_rand(g, m, OVS_NAT_ATTR_PROTO_MIN, OVS_NAT_ATTR_MAX, 2);
			put_rand(g, m, OVS_NAT_ATTR_PROTO_MAX, OVS_NAT_ATTR_MAX, 2);
		}
		if (chance(&g->r, 20))
			put_flag(m, OVS_NAT_ATTR_PERSISTENT + below(&g->r, 3));
		nest_end(m, nat);
	}
	nest_end(m, n);
}

static void act_one(struct gen *g, struct msg *m, int depth);

/* A list of actions as the payload of the nest just opened. */
static void act_list(struct gen *g, struct msg *m, int depth)
{
	int n = below(&g->r, depth > 3 ? 2 : 5);

	/* Depth runs: a chain of clones far past C's nesting limit. */
	if (g->m_this && depth == 0 && chance(&g->r, 5)) {
		size_t off[40];
		int k = 10 + below(&g->r, 30);

		for (int i = 0; i < k; i++)
			off[i] = nest(m, (uint16_t[]){ OVS_ACTION_ATTR_CLONE,
						       OVS_ACTION_ATTR_CLONE,
						       OVS_ACTION_ATTR_DEC_TTL }[below(&g->r, 3)]);
		put32(g, m, OVS_ACTION_ATTR_OUTPUT, OVS_ACTION_ATTR_MAX, 1);
		for (int i = k - 1; i >= 0; i--)
			nest_end(m, off[i]);
		return;
	}
	for (int i = 0; i < n && !m->overflow; i++)
		act_one(g, m, depth);
}

void gen_actions(struct gen *g, struct msg *m, uint16_t type, int depth)
{
	size_t n = nest(m, type);

	act_list(g, m, depth);
	nest_end(m, n);
}

static void act_one(struct gen *g, struct msg *m, int depth)
{
	uint32_t pick = below(&g->r, depth > 6 ? 12 : 28);
	size_t n, a;

	switch (pick) {
	case 0: case 1: case 2:
		put32(g, m, OVS_ACTION_ATTR_OUTPUT, OVS_ACTION_ATTR_MAX,
		      chance(&g->r, 80) ? below(&g->r, NPORT + 1) : gen_u32(g));
		break;
	case 3:
		act_set(g, m, 0);
		break;
	case 4:
		act_set(g, m, 1);
		break;
	case 5: {
		struct ovs_action_push_vlan v = {
			.vlan_tpid = htons(chance(&g->r, 80) ? 0x8100 : 0x88a8),
			.vlan_tci = htons(0x1000 | below(&g->r, 4096)),
		};
		if (g->m_this && chance(&g->r, 20))
			v.vlan_tci = gen_u32(g);
		put_val(g, m, OVS_ACTION_ATTR_PUSH_VLAN, OVS_ACTION_ATTR_MAX, &v, sizeof(v));
		break;
	}
	case 6:
		put_flag(m, OVS_ACTION_ATTR_POP_VLAN);
		break;
	case 7:
		put32(g, m, OVS_ACTION_ATTR_RECIRC, OVS_ACTION_ATTR_MAX, below(&g->r, 4));
		break;
	case 8: {
		struct ovs_action_hash h = { .hash_alg = below(&g->r, 3), .hash_basis = gen_u32(g) };

		put_val(g, m, OVS_ACTION_ATTR_HASH, OVS_ACTION_ATTR_MAX, &h, sizeof(h));
		break;
	}
	case 9: {
		struct ovs_action_push_mpls p = { .mpls_lse = gen_u32(g),
						  .mpls_ethertype = htons(0x8847) };
		put_val(g, m, OVS_ACTION_ATTR_PUSH_MPLS, OVS_ACTION_ATTR_MAX, &p, sizeof(p));
		break;
	}
	case 10:
		put_val(g, m, OVS_ACTION_ATTR_POP_MPLS, OVS_ACTION_ATTR_MAX,
			&(uint16_t){ htons(ethertypes[below(&g->r, 10)]) }, 2);
		break;
	case 11:
		put32(g, m, OVS_ACTION_ATTR_TRUNC, OVS_ACTION_ATTR_MAX, gen_u32(g));
		break;
	case 12:
		put_rand(g, m, OVS_ACTION_ATTR_PUSH_ETH, OVS_ACTION_ATTR_MAX,
			 sizeof(struct ovs_action_push_eth));
		break;
	case 13:
		put_flag(m, OVS_ACTION_ATTR_POP_ETH);
		break;
	case 14:
		put_flag(m, OVS_ACTION_ATTR_CT_CLEAR);
		break;
	case 15:
		key_nsh(g, m, OVS_ACTION_ATTR_PUSH_NSH);
		break;
	case 16:
		put_flag(m, OVS_ACTION_ATTR_POP_NSH);
		break;
	case 17:
		put32(g, m, OVS_ACTION_ATTR_METER, OVS_ACTION_ATTR_MAX,
		      chance(&g->r, 80) ? below(&g->r, NMETER) : gen_u32(g));
		break;
	case 18:
		if (!g->no_ct)
			act_ct(g, m);
		break;
	case 19: {
		struct ovs_action_add_mpls p = { .mpls_lse = gen_u32(g),
						 .mpls_ethertype = htons(0x8847),
						 .tun_flags = below(&g->r, 2) };
		put_val(g, m, OVS_ACTION_ATTR_ADD_MPLS, OVS_ACTION_ATTR_MAX, &p, sizeof(p));
		break;
	}
	case 20:
		n = nest(m, OVSF_ACTION_ATTR_PSAMPLE);
		put32(g, m, OVSF_PSAMPLE_ATTR_GROUP, 2, gen_u32(g));
		if (chance(&g->r, 50))
			put_rand(g, m, OVSF_PSAMPLE_ATTR_COOKIE, 2, below(&g->r, 20));
		nest_end(m, n);
		break;
	case 21:
		put32(g, m, OVSF_ACTION_ATTR_DROP, OVS_ACTION_ATTR_MAX, below(&g->r, 3));
		break;
	case 22:
		n = nest(m, OVS_ACTION_ATTR_USERSPACE);
		put32(g, m, OVS_USERSPACE_ATTR_PID, OVS_USERSPACE_ATTR_MAX, gen_u32(g));
		if (chance(&g->r, 50))
			put_rand(g, m, OVS_USERSPACE_ATTR_USERDATA, OVS_USERSPACE_ATTR_MAX,
				 below(&g->r, 40));
		if (chance(&g->r, 20))
			put32(g, m, OVS_USERSPACE_ATTR_EGRESS_TUN_PORT, OVS_USERSPACE_ATTR_MAX,
			      below(&g->r, NPORT));
		if (chance(&g->r, 20))
			put_flag(m, OVS_USERSPACE_ATTR_ACTIONS);
		nest_end(m, n);
		break;
	case 23: case 24:
		gen_actions(g, m, OVS_ACTION_ATTR_CLONE, depth + 1);
		break;
	case 25:
		n = nest(m, OVS_ACTION_ATTR_SAMPLE);
		put32(g, m, OVS_SAMPLE_ATTR_PROBABILITY, OVS_SAMPLE_ATTR_MAX,
		      chance(&g->r, 50) ? 0xffffffff : gen_u32(g));
		gen_actions(g, m, OVS_SAMPLE_ATTR_ACTIONS, depth + 1);
		nest_end(m, n);
		break;
	case 26:
		n = nest(m, OVS_ACTION_ATTR_CHECK_PKT_LEN);
		put_val(g, m, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, OVS_CHECK_PKT_LEN_ATTR_MAX,
			&(uint16_t){ (uint16_t)gen_u32(g) }, 2);
		gen_actions(g, m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER, depth + 1);
		gen_actions(g, m, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL, depth + 1);
		nest_end(m, n);
		break;
	default:
		n = nest(m, OVS_ACTION_ATTR_DEC_TTL);
		a = nest(m, OVS_DEC_TTL_ATTR_ACTION);
		act_list(g, m, depth + 1);
		nest_end(m, a);
		nest_end(m, n);
		break;
	}
}

/* --- packets ------------------------------------------------------------ */

size_t gen_frame(struct gen *g, uint8_t *b, size_t max)
{
	size_t len = 14, l3;
	uint16_t et = ethertypes[below(&g->r, 10)];

	if (max < 128)
		return 0;
	/* (The random tail past the headers is zeros: the same every run.) */
	memset(b, 0, max);
	fill(g, b, 12);
	b[0] &= 0xfe;
	if (et == 0x8100 || et == 0x88a8) {
		b[12] = et >> 8, b[13] = et;
		b[14] = below(&g->r, 16), b[15] = rnd(&g->r);
		et = ethertypes[below(&g->r, 6)];
		len += 4;
	}
	b[len - 2] = et >> 8, b[len - 1] = et;
	l3 = len;
	switch (et) {
	case 0x0800:
		fill(g, b + l3, 40);
		b[l3] = 0x45;
		b[l3 + 6] &= 0x3f; /* no fragment bits, mostly */
		b[l3 + 9] = (uint8_t[]){ 6, 17, 1, 132, 47 }[below(&g->r, 5)];
		len += 40;
		b[l3 + 2] = (len - l3) >> 8, b[l3 + 3] = len - l3;
		break;
	case 0x86dd:
		fill(g, b + l3, 60);
		b[l3] = 0x60;
		b[l3 + 6] = (uint8_t[]){ 6, 17, 58, 44, 0 }[below(&g->r, 5)];
		b[l3 + 4] = 0, b[l3 + 5] = 20;
		len += 60;
		break;
	case 0x0806:
		fill(g, b + l3, 28);
		b[l3] = 0, b[l3 + 1] = 1, b[l3 + 2] = 8, b[l3 + 3] = 0;
		b[l3 + 4] = 6, b[l3 + 5] = 4;
		len += 28;
		break;
	default:
		fill(g, b + l3, 32);
		len += 32;
	}
	len += below(&g->r, 40);
	if (g->m_this || chance(&g->r, 10)) {
		/* Truncated or corrupted at a random place. */
		if (chance(&g->r, 50))
			len = below(&g->r, len + 1);
		else
			b[below(&g->r, len)] ^= 1 << below(&g->r, 8);
	}
	return len;
}

/* --- requests ----------------------------------------------------------- */

/* A desired ifindex: lo's, negative, or far above any device's, so that
 * whether it is taken does not depend on the run (the differential mode
 * runs the second module's sequence after the first's devices came and
 * went). */
static uint32_t ifindex_attr(struct gen *g)
{
	return (uint32_t[]){ 0, 1, 0xffffffff, 0x80000000, 0x7fffffff,
			     0x7ffffff0 + below(&g->r, 8) }[below(&g->r, 6)];
}

static int dp_of(struct gen *g, struct req *q)
{
	q->dp = below(&g->r, NDP);
	return g->w->dp_alive[q->dp] ? g->w->dp_ifindex[q->dp] : 0;
}

static void req_dp(struct gen *g, struct msg *m, struct req *q)
{
	if (q->cmd == OVS_DP_CMD_NEW || chance(&g->r, 60))
		put_str(m, OVS_DP_ATTR_NAME, g->w->dpname[q->dp]);
	if (q->cmd == OVS_DP_CMD_NEW && g->m_this && chance(&g->r, 20))
		put32(g, m, OVS_DP_ATTR_IFINDEX, OVS_DP_ATTR_MAX, ifindex_attr(g));
	if (q->cmd == OVS_DP_CMD_NEW)
		put32(g, m, OVS_DP_ATTR_UPCALL_PID, OVS_DP_ATTR_MAX, below(&g->r, 1000));
	if (q->cmd == OVS_DP_CMD_NEW || q->cmd == OVS_DP_CMD_SET) {
		if (chance(&g->r, 60))
			put32(g, m, OVS_DP_ATTR_USER_FEATURES, OVS_DP_ATTR_MAX,
			      chance(&g->r, 70) ? below(&g->r, 64) : gen_u32(g));
		if (chance(&g->r, 30))
			put32(g, m, OVS_DP_ATTR_MASKS_CACHE_SIZE, OVS_DP_ATTR_MAX,
			      chance(&g->r, 50) ? 256 : gen_u32(g));
		if (chance(&g->r, 20))
			put_rand(g, m, OVS_DP_ATTR_PER_CPU_PIDS, OVS_DP_ATTR_MAX,
				 4 * below(&g->r, 10));
	}
}

static void req_vport(struct gen *g, struct msg *m, struct req *q)
{
	struct world *w = g->w;
	int type = chance(&g->r, 60) ? OVS_VPORT_TYPE_INTERNAL : below(&g->r, 8);
	const char *name = w->portname[q->dp][q->obj];

	if (type == OVS_VPORT_TYPE_NETDEV && w->nnetdevs)
		name = w->netdevs[below(&g->r, w->nnetdevs)];
	q->name = NULL;
	if (q->cmd == OVS_VPORT_CMD_NEW || chance(&g->r, 50)) {
		put_str(m, OVS_VPORT_ATTR_NAME, name);
		q->name = name;
	} else if (chance(&g->r, 80))
		put32(g, m, OVS_VPORT_ATTR_PORT_NO, OVS_VPORT_ATTR_MAX,
		      w->port_no[q->dp][q->obj] ? (uint32_t)w->port_no[q->dp][q->obj] : gen_u32(g) % 300);
	if (q->cmd == OVS_VPORT_CMD_NEW || chance(&g->r, 20))
		put32(g, m, OVS_VPORT_ATTR_TYPE, OVS_VPORT_ATTR_MAX, type);
	if (q->cmd == OVS_VPORT_CMD_NEW || q->cmd == OVS_VPORT_CMD_SET)
		put_rand(g, m, OVS_VPORT_ATTR_UPCALL_PID, OVS_VPORT_ATTR_MAX,
			 4 * (1 + below(&g->r, 3)));
	if (q->cmd == OVS_VPORT_CMD_NEW && chance(&g->r, 20))
		put32(g, m, OVS_VPORT_ATTR_PORT_NO, OVS_VPORT_ATTR_MAX,
		      chance(&g->r, 50) ? 10 + (uint32_t)q->obj : gen_u32(g));
	if (chance(&g->r, 10))
		put32(g, m, OVS_VPORT_ATTR_IFINDEX, OVS_VPORT_ATTR_MAX, ifindex_attr(g));
	if (chance(&g->r, 5))
		put32(g, m, OVS_VPORT_ATTR_NETNSID, OVS_VPORT_ATTR_MAX, gen_u32(g));
	if (type >= OVS_VPORT_TYPE_GRE && chance(&g->r, 60)) {
		size_t o = nest(m, OVS_VPORT_ATTR_OPTIONS);

		put_val(g, m, OVS_TUNNEL_ATTR_DST_PORT, OVS_TUNNEL_ATTR_MAX,
			&(uint16_t){ (uint16_t)(4789 + below(&g->r, 3)) }, 2);
		if (chance(&g->r, 30)) {
			size_t e = nest(m, OVS_TUNNEL_ATTR_EXTENSION);

			put_flag(m, OVS_VXLAN_EXT_GBP);
			nest_end(m, e);
		}
		nest_end(m, o);
	}
}

static void req_flow(struct gen *g, struct msg *m, struct req *q)
{
	uint8_t ufid[16];
	int with_ufid = chance(&g->r, 85);

	gen_ufid(g, q->dp, q->obj, ufid);
	if (with_ufid) {
		size_t n = chance(&g->r, 90) ? 16 : 1 + below(&g->r, 20);

		put_val(g, m, OVS_FLOW_ATTR_UFID, OVS_FLOW_ATTR_MAX, ufid, n);
		if (n != 16)
			q->obj = -1;
	} else {
		q->obj = -1;
	}
	if (q->cmd == OVS_FLOW_CMD_NEW || q->cmd == OVS_FLOW_CMD_SET ||
	    !with_ufid || chance(&g->r, 20)) {
		if (q->cmd == OVS_FLOW_CMD_DEL && !with_ufid && chance(&g->r, 50))
			; /* no key: a flush */
		else
			gen_key(g, m, OVS_FLOW_ATTR_KEY, 0);
	}
	if ((q->cmd == OVS_FLOW_CMD_NEW || q->cmd == OVS_FLOW_CMD_SET) && chance(&g->r, 70))
		gen_key(g, m, OVS_FLOW_ATTR_MASK, 1);
	if (q->cmd == OVS_FLOW_CMD_NEW || (q->cmd == OVS_FLOW_CMD_SET && chance(&g->r, 70)))
		gen_actions(g, m, OVS_FLOW_ATTR_ACTIONS, 0);
	if (chance(&g->r, 20))
		put32(g, m, OVS_FLOW_ATTR_UFID_FLAGS, OVS_FLOW_ATTR_MAX, below(&g->r, 8));
	if (chance(&g->r, 5))
		put_flag(m, OVS_FLOW_ATTR_PROBE);
	if (q->cmd == OVS_FLOW_CMD_SET && chance(&g->r, 20))
		put_flag(m, OVS_FLOW_ATTR_CLEAR);
}

static void req_packet(struct gen *g, struct msg *m, struct req *q)
{
	uint8_t frame[256];
	size_t n = gen_frame(g, frame, sizeof(frame));

	(void)q;
	put(m, ty(g, OVS_PACKET_ATTR_PACKET, OVS_PACKET_ATTR_MAX), frame, ln(g, n));
	gen_key(g, m, OVS_PACKET_ATTR_KEY, 0);
	gen_actions(g, m, OVS_PACKET_ATTR_ACTIONS, 0);
	if (chance(&g->r, 10))
		put_flag(m, OVS_PACKET_ATTR_PROBE);
	if (chance(&g->r, 20))
		put_val(g, m, OVS_PACKET_ATTR_MRU, OVS_PACKET_ATTR_MAX,
			&(uint16_t){ (uint16_t)gen_u32(g) }, 2);
	if (chance(&g->r, 10))
		put_u64(m, OVS_PACKET_ATTR_HASH, rnd(&g->r));
	if (chance(&g->r, 5))
		put32(g, m, OVSF_PACKET_ATTR_UPCALL_PID, OVS_PACKET_ATTR_MAX, gen_u32(g));
}

static void req_meter(struct gen *g, struct msg *m, struct req *q)
{
	if (q->cmd == OVS_METER_CMD_FEATURES)
		return;
	if (!q->dump) {
		if (chance(&g->r, 15))
			q->obj = -1;
		put32(g, m, OVS_METER_ATTR_ID, OVS_METER_ATTR_MAX,
		      q->obj >= 0 ? (uint32_t)q->obj : gen_u32(g));
	}
	if (q->cmd != OVS_METER_CMD_SET)
		return;
	if (chance(&g->r, 50))
		put_flag(m, OVS_METER_ATTR_KBPS);
	if (chance(&g->r, 90)) {
		size_t b = nest(m, OVS_METER_ATTR_BANDS);
		int nb = below(&g->r, chance(&g->r, 5) ? 40 : 3);

		for (int i = 0; i < nb && !m->overflow; i++) {
			size_t e = nest(m, OVS_BAND_ATTR_UNSPEC);

			put32(g, m, OVS_BAND_ATTR_TYPE, OVS_BAND_ATTR_MAX,
			      chance(&g->r, 85) ? OVS_METER_BAND_TYPE_DROP : gen_u32(g));
			put32(g, m, OVS_BAND_ATTR_RATE, OVS_BAND_ATTR_MAX, gen_u32(g));
			put32(g, m, OVS_BAND_ATTR_BURST, OVS_BAND_ATTR_MAX, gen_u32(g));
			nest_end(m, e);
		}
		nest_end(m, b);
	}
}

static void req_ctlimit(struct gen *g, struct msg *m)
{
	size_t n;
	int k;

	if (chance(&g->r, 10))
		return;
	n = nest(m, OVS_CT_LIMIT_ATTR_ZONE_LIMIT);
	k = below(&g->r, chance(&g->r, 5) ? 40 : 4);
	for (int i = 0; i < k; i++) {
		struct ovs_zone_limit z = {
			.zone_id = chance(&g->r, 20) ? OVS_ZONE_LIMIT_DEFAULT_ZONE
			: chance(&g->r, 80) ? (int)below(&g->r, 10) : (int)gen_u32(g),
			.limit = gen_u32(g),
		};

		/* A bare array of structs (nl_msg_put() in ovs-vswitchd);
		 * now and then one cut short, which C stops at. */
		put_raw(m, &z, chance(&g->r, 5) ? below(&g->r, sizeof(z)) : sizeof(z));
	}
	nest_end(m, n);
}

void gen_request(struct gen *g, struct msg *m, const uint16_t *fam_id,
		 struct req *q)
{
	static const uint8_t version[F_COUNT] = {
		OVS_DATAPATH_VERSION, OVS_VPORT_VERSION,  OVS_FLOW_VERSION,
		OVS_PACKET_VERSION,   OVS_METER_VERSION, OVS_CT_LIMIT_VERSION,
	};
	uint8_t ver = version[q->fam];
	int ifindex = dp_of(g, q);
	uint16_t flags = q->dump ? NLM_F_DUMP : 0;

	g->m_this = q->mutated = chance(&g->r, g->mutate);
	if (q->mutated && chance(&g->r, 10))
		ver = (uint8_t[]){ 0, 1, 2, 3, 0xff }[below(&g->r, 5)];
	/* Only values no datapath has: a random one could name the other
	 * thread's datapath, or another datapath on the second module's run. */
	if (q->mutated && chance(&g->r, 10))
		ifindex = (int[]){ -1, 0, 1, 0x7fffffff, (int)0x80000000 }[below(&g->r, 5)];
	if (q->mutated && chance(&g->r, 5))
		flags ^= (uint16_t[]){ NLM_F_DUMP, NLM_F_ECHO, NLM_F_REPLACE,
				       NLM_F_EXCL, NLM_F_CREATE }[below(&g->r, 5)];
	if (q->obj < 0)
		q->obj = below(&g->r, q->fam == F_FLOW ? NUFID
				    : q->fam == F_METER ? NMETER : NPORT);
	if (q->fam == F_DP)
		ifindex = q->cmd == OVS_DP_CMD_NEW ? 0 : (chance(&g->r, 50) ? 0 : ifindex);
	msg_start(m, fam_id[q->fam], flags, q->cmd, ver, ifindex, 1);
	switch (q->fam) {
	case F_DP: req_dp(g, m, q); break;
	case F_VPORT: req_vport(g, m, q); break;
	case F_FLOW: req_flow(g, m, q); break;
	case F_PACKET: req_packet(g, m, q); break;
	case F_METER: req_meter(g, m, q); break;
	default: req_ctlimit(g, m); break;
	}
	msg_finish(m);
	if (q->mutated && chance(&g->r, 30))
		mutate_msg(g, m);
}

void mutate_msg(struct gen *g, struct msg *m)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	switch (below(&g->r, 4)) {
	case 0: /* truncated anywhere past the netlink header */
		m->len = NLMSG_HDRLEN + below(&g->r, m->len - NLMSG_HDRLEN + 1);
		break;
	case 1: /* bit flips in the attributes */
		for (int i = 0, k = 1 + below(&g->r, 4); i < k && m->len > hdr; i++)
			m->buf[hdr + below(&g->r, m->len - hdr)] ^= 1 << below(&g->r, 8);
		break;
	case 2: /* an attribute length word set to a boundary value */
		if (m->len > hdr + 8) {
			size_t at = hdr + 4 + 4 * below(&g->r, (m->len - hdr - 4) / 4);
			uint16_t v = (uint16_t[]){ 0, 1, 3, 4, 5, 0xffff, 0x8000 }[below(&g->r, 7)];

			memcpy(m->buf + at, &v, 2);
		}
		break;
	default: /* junk appended */
		for (int i = 0, k = below(&g->r, 16); i < k && m->len < MSG_MAX; i++)
			m->buf[m->len++] = rnd(&g->r);
	}
	h->nlmsg_len = m->len;
}
