// SPDX-License-Identifier: GPL-2.0
/*
 * Conntrack for openvswitch_rs: the netfilter calls and struct accesses
 * the Rust side cannot make itself (netfilter has no Rust bindings).
 *
 * Rust owns every object these functions hand out (src/kapi/conntrack.rs)
 * and frees each exactly once; this file only forwards. Like
 * net/openvswitch/conntrack.c, it links against netfilter's symbols, so
 * loading the module loads nf_conncount (and with it nf_conntrack) first.
 */
#include <linux/err.h>
#include <linux/rcupdate.h>
#include <linux/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <linux/netfilter.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_act_ct.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_count.h>
#include <net/netfilter/nf_conntrack_ecache.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_seqadj.h>
#include <net/netfilter/nf_nat.h>
#include <net/netfilter/nf_conntrack_labels.h>
#include <net/netfilter/nf_conntrack_timeout.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include <ovs_rs_glue.h>

#if IS_ENABLED(CONFIG_NF_CONNTRACK)

/*
 * A template for connections tracked in @zone_id (both directions), as
 * ovs_ct_copy_action() makes one.
 */
struct ovs_rs_nf_conn *ovs_rs_ct_tmpl_alloc(struct net *net, u16 zone_id)
{
	struct nf_conntrack_zone zone;

	nf_ct_zone_init(&zone, zone_id, NF_CT_DEFAULT_ZONE_DIR, 0);
	return (struct ovs_rs_nf_conn *)nf_ct_tmpl_alloc(net, &zone,
							  GFP_KERNEL);
}

void ovs_rs_ct_tmpl_confirm(struct ovs_rs_nf_conn *tmpl)
{
	__set_bit(IPS_CONFIRMED_BIT, &((struct nf_conn *)tmpl)->status);
}

bool ovs_rs_ct_tmpl_confirmed(const struct ovs_rs_nf_conn *tmpl)
{
	return nf_ct_is_confirmed((const struct nf_conn *)tmpl);
}

int ovs_rs_ct_tmpl_set_timeout(struct net *net, struct ovs_rs_nf_conn *tmpl,
			       u8 family, u8 proto, const char *name)
{
	return nf_ct_set_timeout(net, (struct nf_conn *)tmpl, family, proto,
				 name);
}

void ovs_rs_ct_tmpl_destroy_timeout(struct ovs_rs_nf_conn *tmpl)
{
	nf_ct_destroy_timeout((struct nf_conn *)tmpl);
}

int ovs_rs_ct_tmpl_add_helper(struct ovs_rs_nf_conn *tmpl, const char *name,
			      u8 family, u8 proto, bool nat,
			      struct ovs_rs_ct_helper **out)
{
	struct nf_conntrack_helper *helper = NULL;
	int err;

	err = nf_ct_add_helper((struct nf_conn *)tmpl, name, family, proto,
			       nat, &helper);
	if (!err)
		*out = (struct ovs_rs_ct_helper *)helper;
	return err;
}

void ovs_rs_ct_helper_put(struct ovs_rs_ct_helper *helper, bool nat)
{
	struct nf_conntrack_helper *h = (struct nf_conntrack_helper *)helper;

#if IS_ENABLED(CONFIG_NF_NAT)
	if (nat)
		nf_nat_helper_put(h);
#endif
	nf_conntrack_helper_put(h);
}

const struct ovs_rs_ct_helper *
ovs_rs_ct_tmpl_helper(const struct ovs_rs_nf_conn *tmpl)
{
	const struct nf_conn_help *help = nfct_help((const struct nf_conn *)tmpl);

	/* Only the template's owner writes it, before any packet reads it. */
	return help ? (const struct ovs_rs_ct_helper *)
		rcu_dereference_protected(help->helper, 1) : NULL;
}

void ovs_rs_ct_tmpl_free(struct ovs_rs_nf_conn *tmpl)
{
	nf_ct_tmpl_free((struct nf_conn *)tmpl);
}

u16 ovs_rs_ct_zone_id(const struct ovs_rs_nf_conn *ct)
{
	return nf_ct_zone_id(nf_ct_zone((const struct nf_conn *)ct),
			     IP_CT_DIR_ORIGINAL);
}

/* The ct_state bits of the flow key (uapi OVS_CS_F_*). */
#define OVS_RS_CS_F_NEW		0x01
#define OVS_RS_CS_F_ESTABLISHED	0x02
#define OVS_RS_CS_F_RELATED	0x04
#define OVS_RS_CS_F_REPLY_DIR	0x08
#define OVS_RS_CS_F_INVALID	0x10
#define OVS_RS_CS_F_TRACKED	0x20
#define OVS_RS_CS_F_SRC_NAT	0x40
#define OVS_RS_CS_F_DST_NAT	0x80
#define OVS_RS_CS_F_NAT_MASK	(OVS_RS_CS_F_SRC_NAT | OVS_RS_CS_F_DST_NAT)

/* ovs_ct_get_state(). */
static u8 ovs_rs_ct_state_of(enum ip_conntrack_info ctinfo)
{
	u8 state = OVS_RS_CS_F_TRACKED;

	switch (ctinfo) {
	case IP_CT_ESTABLISHED_REPLY:
	case IP_CT_RELATED_REPLY:
		state |= OVS_RS_CS_F_REPLY_DIR;
		break;
	default:
		break;
	}
	switch (ctinfo) {
	case IP_CT_ESTABLISHED:
	case IP_CT_ESTABLISHED_REPLY:
		state |= OVS_RS_CS_F_ESTABLISHED;
		break;
	case IP_CT_RELATED:
	case IP_CT_RELATED_REPLY:
		state |= OVS_RS_CS_F_RELATED;
		break;
	case IP_CT_NEW:
		state |= OVS_RS_CS_F_NEW;
		break;
	default:
		break;
	}
	return state;
}

static u32 ovs_rs_ct_mark_of(const struct nf_conn *ct)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK_MARK)
	return READ_ONCE(ct->mark);
#else
	return 0;
#endif
}

/* ovs_ct_get_labels(): the master's for an unconfirmed related one. */
static void ovs_rs_ct_labels_of(const struct nf_conn *ct, u8 *labels)
{
	struct nf_conn_labels *cl;

	if (ct->master && !nf_ct_is_confirmed(ct))
		ct = ct->master;
	cl = nf_ct_labels_find(ct);
	if (cl)
		memcpy(labels, cl->bits, OVS_RS_CT_LABELS_LEN);
	else
		memset(labels, 0, OVS_RS_CT_LABELS_LEN);
}

/*
 * ovs_ct_update_key() with NAT flags from the connection: what the key
 * says of @skb's connection; without one, zeros (with @post_ct: tracked
 * and invalid, in zone @zone_id).
 */
void ovs_rs_ct_skb_key(const struct sk_buff *skb, bool post_ct, u16 zone_id,
		       struct ovs_rs_ct_key *out)
{
	const struct nf_conntrack_tuple *orig;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	u8 icmp;

	memset(out, 0, sizeof(*out));
	ct = nf_ct_get(skb, &ctinfo);
	if (!ct) {
		if (post_ct) {
			out->state = OVS_RS_CS_F_TRACKED | OVS_RS_CS_F_INVALID;
			out->zone = zone_id;
		}
		return;
	}
	out->state = ovs_rs_ct_state_of(ctinfo);
	if (!nf_ct_is_confirmed(ct))
		out->state |= OVS_RS_CS_F_NEW;
	if (ct->master)
		out->state |= OVS_RS_CS_F_RELATED;
	if (ct->status & IPS_SRC_NAT)
		out->state |= OVS_RS_CS_F_SRC_NAT;
	if (ct->status & IPS_DST_NAT)
		out->state |= OVS_RS_CS_F_DST_NAT;
	out->zone = nf_ct_zone(ct)->id;
	out->mark = ovs_rs_ct_mark_of(ct);
	ovs_rs_ct_labels_of(ct, out->labels);

	if (ct->master)
		ct = ct->master;
	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	out->l3num = nf_ct_l3num(ct);
	if (out->l3num == NFPROTO_IPV4) {
		memcpy(out->orig_src, &orig->src.u3.ip, 4);
		memcpy(out->orig_dst, &orig->dst.u3.ip, 4);
		icmp = IPPROTO_ICMP;
	} else if (out->l3num == NFPROTO_IPV6) {
		memcpy(out->orig_src, &orig->src.u3.in6, 16);
		memcpy(out->orig_dst, &orig->dst.u3.in6, 16);
		icmp = NEXTHDR_ICMP;
	} else {
		return;
	}
	out->orig_proto = orig->dst.protonum;
	if (orig->dst.protonum == icmp) {
		out->orig_tp_src = htons(orig->dst.u.icmp.type);
		out->orig_tp_dst = htons(orig->dst.u.icmp.code);
	} else {
		out->orig_tp_src = orig->src.u.all;
		out->orig_tp_dst = orig->dst.u.all;
	}
}

/* ct() works at L3: pull to the network header, trim to its length. */
int ovs_rs_ct_enter_l3(struct sk_buff *skb, u8 family, unsigned int *nh_ofs)
{
	*nh_ofs = skb_network_offset(skb);
	skb_pull_rcsum(skb, *nh_ofs);
	return nf_ct_skb_network_trim(skb, family);
}

void ovs_rs_ct_leave_l3(struct sk_buff *skb, unsigned int nh_ofs)
{
	skb_push_rcsum(skb, nh_ofs);
}

/*
 * ovs_ct_handle_fragments()'s netfilter half. The OVS control block lives
 * on the Rust side, so the IPCB/IP6CB this clears hides nothing.
 */
int ovs_rs_ct_defrag(struct net *net, struct sk_buff *skb, u16 zone,
		     u8 family, u16 *mru)
{
	u8 proto = 0;

	return nf_ct_handle_fragments(net, skb, zone, family, &proto, mru);
}

/* Where key extraction found the reassembled packet's L4 header. */
void ovs_rs_ct_set_transport(struct sk_buff *skb, unsigned int ofs)
{
	skb_set_transport_header(skb, ofs);
}

static int ovs_rs_verdict_to_errno(unsigned int verdict)
{
	switch (verdict & NF_VERDICT_MASK) {
	case NF_ACCEPT:
		return 0;
	case NF_STOLEN:
		return -EINPROGRESS;
	default:
		return -EINVAL;
	}
}

static enum ip_conntrack_info
ovs_rs_ct_info_of(const struct nf_conntrack_tuple_hash *h)
{
	const struct nf_conn *ct = nf_ct_tuplehash_to_ctrack(h);

	if (NF_CT_DIRECTION(h) == IP_CT_DIR_REPLY)
		return IP_CT_ESTABLISHED_REPLY;
	if (test_bit(IPS_SEEN_REPLY_BIT, &ct->status))
		return IP_CT_ESTABLISHED;
	if (test_bit(IPS_EXPECTED_BIT, &ct->status))
		return IP_CT_RELATED;
	return IP_CT_NEW;
}

/* ovs_ct_find_existing(). */
static struct nf_conn *
ovs_rs_ct_find_existing(struct net *net, const struct nf_conntrack_zone *zone,
			u8 l3num, struct sk_buff *skb, bool natted)
{
	struct nf_conntrack_tuple tuple;
	struct nf_conntrack_tuple_hash *h;
	struct nf_conn *ct;

	if (!nf_ct_get_tuplepr(skb, skb_network_offset(skb), l3num, net,
			       &tuple))
		return NULL;
	if (natted) {
		struct nf_conntrack_tuple inverse;

		if (!nf_ct_invert_tuple(&inverse, &tuple))
			return NULL;
		tuple = inverse;
	}
	h = nf_conntrack_find_get(net, zone, &tuple);
	if (!h)
		return NULL;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (natted)
		h = &ct->tuplehash[!h->tuple.dst.dir];
	nf_ct_set(skb, ct, ovs_rs_ct_info_of(h));
	return ct;
}

/* skb_nfct_cached(): @info's template carries its helper and timeout. */
static bool ovs_rs_ct_cached(struct net *net, struct sk_buff *skb,
			     const struct ovs_rs_ct_info *info)
{
	struct nf_conn *tmpl = (struct nf_conn *)info->tmpl;
	const struct nf_conn_help *tmpl_help = nfct_help(tmpl);
	const struct nf_conntrack_helper *helper = NULL;
	enum ip_conntrack_info ctinfo;
	bool executed = true;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct) {
		/* The connection lost with an upcall, or forced. */
		u8 st = info->key_state;

		executed = (st & OVS_RS_CS_F_TRACKED) &&
			   !(st & OVS_RS_CS_F_INVALID) &&
			   info->key_zone == nf_ct_zone(tmpl)->id;
		if (executed || (!st && info->force))
			ct = ovs_rs_ct_find_existing(net, nf_ct_zone(tmpl),
						     info->family, skb,
						     !!(st & OVS_RS_CS_F_NAT_MASK));
		if (!ct)
			return false;
		nf_ct_get(skb, &ctinfo);
	}
	if (!net_eq(net, read_pnet(&ct->ct_net)))
		return false;
	if (!nf_ct_zone_equal_any(tmpl, nf_ct_zone(ct)))
		return false;
	if (tmpl_help)
		helper = rcu_dereference(tmpl_help->helper);
	if (helper) {
		struct nf_conn_help *help = nf_ct_ext_find(ct, NF_CT_EXT_HELPER);

		if (help && rcu_access_pointer(help->helper) != helper)
			return false;
	}
#ifdef CONFIG_NF_CONNTRACK_TIMEOUT
	{
		struct nf_conn_timeout *want = nf_ct_timeout_find(tmpl);

		if (want && rcu_access_pointer(want->timeout)) {
			struct nf_conn_timeout *have = nf_ct_timeout_find(ct);

			if (!have || rcu_access_pointer(want->timeout) !=
				     rcu_dereference(have->timeout))
				return false;
		}
	}
#endif
	if (info->force && CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL) {
		if (nf_ct_is_confirmed(ct))
			nf_ct_delete(ct, 0, 0);
		nf_reset_ct(skb);
		nf_ct_set(skb, NULL, 0);
		return false;
	}
	return executed;
}

#if IS_ENABLED(CONFIG_NF_NAT)
/* ovs_nat_update_key()'s reads: the rewritten address and port. */
static void ovs_rs_ct_nat_read(const struct sk_buff *skb, u8 family,
			       u8 proto, bool src, struct ovs_rs_ct_nat_out *out)
{
	const void *ports;
	__be16 port;

	if (family == NFPROTO_IPV4) {
		__be32 a = src ? ip_hdr(skb)->saddr : ip_hdr(skb)->daddr;

		memcpy(src ? out->src : out->dst, &a, 4);
	} else {
		const struct in6_addr *a = src ? &ipv6_hdr(skb)->saddr :
						 &ipv6_hdr(skb)->daddr;

		memcpy(src ? out->src : out->dst, a, 16);
	}
	out->done |= src ? OVS_RS_CT_NAT_SRC : OVS_RS_CT_NAT_DST;
	/* UDP, TCP and SCTP all start with the source then destination port. */
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP &&
	    proto != IPPROTO_SCTP)
		return;
	ports = skb_transport_header(skb);
	memcpy(&port, (const u8 *)ports + (src ? 0 : 2), 2);
	if (src) {
		out->sport = (__force u16)port;
		out->done |= OVS_RS_CT_NAT_SRC_PORT;
	} else {
		out->dport = (__force u16)port;
		out->done |= OVS_RS_CT_NAT_DST_PORT;
	}
}

/* ovs_ct_nat(): NF_ACCEPT or the verdict. */
static int ovs_rs_ct_nat(struct sk_buff *skb, struct nf_conn *ct,
			 enum ip_conntrack_info ctinfo,
			 const struct ovs_rs_ct_info *info,
			 struct ovs_rs_ct_nat_out *out)
{
	struct nf_nat_range2 range = {};
	int err, action = 0;

	if (!(info->nat & OVS_RS_CT_NAT))
		return NF_ACCEPT;
	if (info->nat & OVS_RS_CT_NAT_SRC)
		action |= BIT(NF_NAT_MANIP_SRC);
	if (info->nat & OVS_RS_CT_NAT_DST)
		action |= BIT(NF_NAT_MANIP_DST);
	range.flags = info->nat_flags;
	memcpy(&range.min_addr, info->nat_min_addr, sizeof(range.min_addr));
	memcpy(&range.max_addr, info->nat_max_addr, sizeof(range.max_addr));
	range.min_proto.all = htons(info->nat_min_proto);
	range.max_proto.all = htons(info->nat_max_proto);
	err = nf_ct_nat(skb, ct, ctinfo, &action, &range, info->commit);
	if (err != NF_ACCEPT)
		return err;
	if (action & BIT(NF_NAT_MANIP_SRC))
		ovs_rs_ct_nat_read(skb, info->family, info->key_proto, true, out);
	if (action & BIT(NF_NAT_MANIP_DST))
		ovs_rs_ct_nat_read(skb, info->family, info->key_proto, false, out);
	return err;
}
#else
static int ovs_rs_ct_nat(struct sk_buff *skb, struct nf_conn *ct,
			 enum ip_conntrack_info ctinfo,
			 const struct ovs_rs_ct_info *info,
			 struct ovs_rs_ct_nat_out *out)
{
	return NF_ACCEPT;
}
#endif

/*
 * __ovs_ct_lookup(): 1 if the packet went through nf_conntrack_in() (its
 * key must be read again), 0 if its cached connection stood,
 * -EINPROGRESS if conntrack took it, else -errno. What NAT did goes to
 * @nat, for the key (after it is read again).
 */
int ovs_rs_ct_lookup(struct net *net, struct sk_buff *skb,
		     const struct ovs_rs_ct_info *info,
		     struct ovs_rs_ct_nat_out *nat)
{
	u8 key_nat = info->key_state & OVS_RS_CS_F_NAT_MASK;
	bool cached = ovs_rs_ct_cached(net, skb, info);
	struct nf_conn *tmpl = (struct nf_conn *)info->tmpl;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	int err;

	/* An unconfirmed entry shared with a clone must not be changed. */
	if (cached && info->commit) {
		ct = nf_ct_get(skb, &ctinfo);
		if (ct && !nf_ct_is_confirmed(ct) && nf_ct_shared(ct)) {
			nf_reset_ct(skb);
			cached = false;
		}
	}
	if (!cached) {
		struct nf_hook_state state = {
			.hook = NF_INET_PRE_ROUTING,
			.pf = info->family,
			.net = net,
		};

		nf_reset_ct(skb);
		nf_conntrack_get(&tmpl->ct_general);
		nf_ct_set(skb, tmpl, IP_CT_NEW);
		err = ovs_rs_verdict_to_errno(nf_conntrack_in(skb, &state));
		if (err)
			return err;
		/* The key is read again: no NAT done yet in this zone. */
		key_nat = 0;
	}
	memset(nat, 0, sizeof(*nat));
	ct = nf_ct_get(skb, &ctinfo);
	if (ct) {
		const struct nf_conn_help *tmpl_help = nfct_help(tmpl);

		/*
		 * A new connection is NATed (and its helper run) only by the
		 * committing ct(), so that the helper knows about the NAT;
		 * NAT once per packet per zone.
		 */
		if (info->nat && !key_nat &&
		    (nf_ct_is_confirmed(ct) || info->commit)) {
			err = ovs_rs_ct_nat(skb, ct, ctinfo, info, nat);
			err = ovs_rs_verdict_to_errno(err);
			if (err)
				return err;
		}
		if (!nf_ct_is_confirmed(ct) && info->commit && tmpl_help &&
		    rcu_access_pointer(tmpl_help->helper) && !nfct_help(ct)) {
			err = __nf_ct_try_assign_helper(ct, tmpl, GFP_ATOMIC);
			if (err)
				return err;
			/* A helper and NAT: sequence numbers may move. */
			if (info->nat && !nfct_seqadj(ct) &&
			    !nfct_seqadj_ext_add(ct))
				return -EINVAL;
		}
		if (nf_ct_is_confirmed(ct) && !cached) {
			err = nf_ct_helper(skb, ct, ctinfo, info->family);
			err = ovs_rs_verdict_to_errno(err);
			if (err)
				return err;
		}
		if (nf_ct_protonum(ct) == IPPROTO_TCP &&
		    nf_ct_is_confirmed(ct) && nf_conntrack_tcp_established(ct))
			nf_ct_set_tcp_be_liberal(ct);
		nf_conn_act_ct_ext_fill(skb, ct, ctinfo);
	}
	return !cached;
}

bool ovs_rs_ct_unconfirmed(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	return ct && !nf_ct_is_confirmed(ct);
}

/* ovs_ct_lookup()'s end: events of the connection queued so far. */
void ovs_rs_ct_deliver_events(struct sk_buff *skb)
{
	struct nf_conn *ct = (struct nf_conn *)skb_nfct(skb);

	if (ct)
		nf_ct_deliver_cached_events(ct);
}

static bool ovs_rs_labels_nonzero(const u8 *mask)
{
	size_t i;

	for (i = 0; i < OVS_RS_CT_LABELS_LEN; i++)
		if (mask[i])
			return true;
	return false;
}

static struct nf_conn_labels *ovs_rs_ct_conn_labels(struct nf_conn *ct)
{
	struct nf_conn_labels *cl = nf_ct_labels_find(ct);

	if (!cl && !nf_ct_is_confirmed(ct)) {
		nf_ct_labels_ext_add(ct);
		cl = nf_ct_labels_find(ct);
	}
	return cl;
}

/*
 * ovs_ct_commit() after the lookup and the zone limit: event mask, mark
 * and labels, helper, then nf_conntrack_confirm(). Writes the mark and
 * labels it set into @key (flags OVS_RS_CT_SET_*). 0 or -errno; a packet
 * without connection is a no-op.
 */
int ovs_rs_ct_commit(struct sk_buff *skb, const struct ovs_rs_ct_info *info,
		     struct ovs_rs_ct_key *key, u8 *set)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn_labels *cl;
	struct nf_conn *ct;
	int err;

	*set = 0;
	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return 0;
	if (info->have_eventmask) {
		struct nf_conntrack_ecache *cache = nf_ct_ecache_find(ct);

		if (cache)
			cache->ctmask = info->eventmask;
	}
	if (info->mark_mask) {
#if IS_ENABLED(CONFIG_NF_CONNTRACK_MARK)
		u32 mark = info->mark | (READ_ONCE(ct->mark) & ~info->mark_mask);

		if (READ_ONCE(ct->mark) != mark) {
			WRITE_ONCE(ct->mark, mark);
			if (nf_ct_is_confirmed(ct))
				nf_conntrack_event_cache(IPCT_MARK, ct);
			key->mark = mark;
			*set |= OVS_RS_CT_SET_MARK;
		}
#else
		return -ENOTSUPP;
#endif
	}
	if (!nf_ct_is_confirmed(ct)) {
		struct nf_conn_labels *master_cl;
		bool have_mask = ovs_rs_labels_nonzero(info->labels_mask);

		/* ovs_ct_init_labels(): the master's, then ours. */
		master_cl = ct->master ? nf_ct_labels_find(ct->master) : NULL;
		if (master_cl || have_mask) {
			size_t i;

			cl = ovs_rs_ct_conn_labels(ct);
			if (!cl)
				return -ENOSPC;
			if (master_cl)
				*cl = *master_cl;
			for (i = 0; have_mask && i < OVS_RS_CT_LABELS_LEN; i++) {
				u8 *b = (u8 *)cl->bits;

				b[i] = (b[i] & ~info->labels_mask[i]) |
				       (info->labels[i] & info->labels_mask[i]);
			}
			nf_conntrack_event_cache(IPCT_LABEL, ct);
			memcpy(key->labels, cl->bits, OVS_RS_CT_LABELS_LEN);
			*set |= OVS_RS_CT_SET_LABELS;
		}
		nf_conn_act_ct_ext_add(skb, ct, ctinfo);
		err = nf_ct_helper(skb, ct, ctinfo, info->family);
		err = ovs_rs_verdict_to_errno(err);
		if (err)
			return err;
	} else if (IS_ENABLED(CONFIG_NF_CONNTRACK_LABELS) &&
		   ovs_rs_labels_nonzero(info->labels_mask)) {
		u32 labels[OVS_RS_CT_LABELS_LEN / 4], mask[OVS_RS_CT_LABELS_LEN / 4];

		cl = ovs_rs_ct_conn_labels(ct);
		if (!cl)
			return -ENOSPC;
		memcpy(labels, info->labels, sizeof(labels));
		memcpy(mask, info->labels_mask, sizeof(mask));
		err = nf_connlabels_replace(ct, labels, mask, ARRAY_SIZE(mask));
		if (err)
			return err;
		memcpy(key->labels, cl->bits, OVS_RS_CT_LABELS_LEN);
		*set |= OVS_RS_CT_SET_LABELS;
	}
	return ovs_rs_verdict_to_errno(nf_conntrack_confirm(skb));
}

#else

struct ovs_rs_nf_conn *ovs_rs_ct_tmpl_alloc(struct net *net, u16 zone_id)
{
	return NULL;
}

void ovs_rs_ct_tmpl_free(struct ovs_rs_nf_conn *tmpl)
{
	WARN_ON_ONCE(1);
}

u16 ovs_rs_ct_zone_id(const struct ovs_rs_nf_conn *ct)
{
	WARN_ON_ONCE(1);
	return 0;
}

void ovs_rs_ct_tmpl_confirm(struct ovs_rs_nf_conn *tmpl)
{
	WARN_ON_ONCE(1);
}

bool ovs_rs_ct_tmpl_confirmed(const struct ovs_rs_nf_conn *tmpl)
{
	WARN_ON_ONCE(1);
	return false;
}

int ovs_rs_ct_tmpl_set_timeout(struct net *net, struct ovs_rs_nf_conn *tmpl,
			       u8 family, u8 proto, const char *name)
{
	return -EOPNOTSUPP;
}

void ovs_rs_ct_tmpl_destroy_timeout(struct ovs_rs_nf_conn *tmpl)
{
	WARN_ON_ONCE(1);
}

int ovs_rs_ct_tmpl_add_helper(struct ovs_rs_nf_conn *tmpl, const char *name,
			      u8 family, u8 proto, bool nat,
			      struct ovs_rs_ct_helper **out)
{
	return -EOPNOTSUPP;
}

void ovs_rs_ct_helper_put(struct ovs_rs_ct_helper *helper, bool nat)
{
	WARN_ON_ONCE(1);
}

const struct ovs_rs_ct_helper *
ovs_rs_ct_tmpl_helper(const struct ovs_rs_nf_conn *tmpl)
{
	WARN_ON_ONCE(1);
	return NULL;
}

void ovs_rs_ct_skb_key(const struct sk_buff *skb, bool post_ct, u16 zone_id,
		       struct ovs_rs_ct_key *out)
{
	memset(out, 0, sizeof(*out));
}

int ovs_rs_ct_enter_l3(struct sk_buff *skb, u8 family, unsigned int *nh_ofs)
{
	*nh_ofs = 0;
	return -EOPNOTSUPP;
}

void ovs_rs_ct_leave_l3(struct sk_buff *skb, unsigned int nh_ofs)
{
}

int ovs_rs_ct_defrag(struct net *net, struct sk_buff *skb, u16 zone,
		     u8 family, u16 *mru)
{
	WARN_ON_ONCE(1);
	kfree_skb(skb);
	return -EOPNOTSUPP;
}

void ovs_rs_ct_set_transport(struct sk_buff *skb, unsigned int ofs)
{
	WARN_ON_ONCE(1);
}

int ovs_rs_ct_lookup(struct net *net, struct sk_buff *skb,
		     const struct ovs_rs_ct_info *info,
		     struct ovs_rs_ct_nat_out *nat)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}

void ovs_rs_ct_deliver_events(struct sk_buff *skb)
{
}

bool ovs_rs_ct_unconfirmed(const struct sk_buff *skb)
{
	return false;
}

int ovs_rs_ct_commit(struct sk_buff *skb, const struct ovs_rs_ct_info *info,
		     struct ovs_rs_ct_key *key, u8 *set)
{
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
}

#endif

/*
 * ovs_ct_init()'s labels: conntrack keeps 128 label bits per connection
 * in @net (for ct(labels)) while it holds this; false, logged, if not.
 */
bool ovs_rs_ct_labels_get(struct net *net)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK_LABELS)
	if (!nf_connlabels_get(net, OVS_RS_CT_LABELS_LEN * BITS_PER_BYTE - 1))
		return true;
	if (net_ratelimit())
		pr_info("netlink: Failed to set connlabel length\n");
#endif
	return false;
}

void ovs_rs_ct_labels_put(struct net *net)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK_LABELS)
	nf_connlabels_put(net);
#endif
}

#if IS_ENABLED(CONFIG_NETFILTER_CONNCOUNT)

int ovs_rs_conncount_init(struct net *net, unsigned int keylen,
			  struct ovs_rs_conncount **out)
{
	struct nf_conncount_data *data = nf_conncount_init(net, keylen);

	if (IS_ERR(data))
		return PTR_ERR(data);
	*out = (struct ovs_rs_conncount *)data;
	return 0;
}

void ovs_rs_conncount_destroy(struct net *net, struct ovs_rs_conncount *data)
{
	nf_conncount_destroy(net, (struct nf_conncount_data *)data);
}

/* Connections counted under @key, as ovs_ct_limit's GET reads them. */
unsigned int ovs_rs_conncount_count(struct net *net,
				    struct ovs_rs_conncount *data,
				    const u32 *key)
{
	unsigned int n;

	rcu_read_lock();
	n = nf_conncount_count_skb(net, NULL, 0,
				   (struct nf_conncount_data *)data, key);
	rcu_read_unlock();
	return n;
}

/* ovs_ct_check_limit()'s count: @skb's connection is counted too. */
unsigned int ovs_rs_conncount_count_skb(struct net *net,
					const struct sk_buff *skb, u8 family,
					struct ovs_rs_conncount *data,
					const u32 *key)
{
	return nf_conncount_count_skb(net, skb, family,
				      (struct nf_conncount_data *)data, key);
}

#else

int ovs_rs_conncount_init(struct net *net, unsigned int keylen,
			  struct ovs_rs_conncount **out)
{
	return -EOPNOTSUPP;
}

void ovs_rs_conncount_destroy(struct net *net, struct ovs_rs_conncount *data)
{
	WARN_ON_ONCE(1);
}

unsigned int ovs_rs_conncount_count(struct net *net,
				    struct ovs_rs_conncount *data,
				    const u32 *key)
{
	WARN_ON_ONCE(1);
	return 0;
}

unsigned int ovs_rs_conncount_count_skb(struct net *net,
					const struct sk_buff *skb, u8 family,
					struct ovs_rs_conncount *data,
					const u32 *key)
{
	WARN_ON_ONCE(1);
	return 0;
}

#endif
