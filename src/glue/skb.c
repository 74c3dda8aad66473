// SPDX-License-Identifier: GPL-2.0
/*
 * sk_buff helpers for the packet path: the inlines and macros of
 * <linux/skbuff.h> and <linux/if_vlan.h> the kernel crate has no binding
 * for, a per-CPU recursion counter, and a port's send (vport.c's
 * ovs_vport_send(), vport-internal_dev.c's internal_dev_recv()).
 *
 * What a packet's key is and what the actions do is decided in Rust
 * (src/vport.rs, src/actions/); these only touch the skb as told.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/kmod.h>
#include <linux/netdevice.h>
#include <linux/openvswitch.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/dropreason.h>
#include <net/dst.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/mpls.h>
#include <net/gso.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/xfrm.h>

#include <ovs_rs_glue.h>

/* OVS_PACKET_ATTR_HASH's flag bits (net/openvswitch/datapath.h). */
#define OVS_PACKET_HASH_SW_BIT	(1ULL << 32)
#define OVS_PACKET_HASH_L4_BIT	(1ULL << 33)

void ovs_rs_skb_get_state(const struct sk_buff *skb, struct ovs_rs_skb_state *st)
{
	st->len = skb->len;
	st->headlen = skb_headlen(skb);
	st->priority = skb->priority;
	st->mark = skb->mark;
	st->protocol = ntohs(skb->protocol);
	st->vlan_present = skb_vlan_tag_present(skb);
	st->vlan_proto = ntohs(skb->vlan_proto);
	st->vlan_tci = skb_vlan_tag_get(skb);
	st->dev_type = skb->dev ? skb->dev->type : ARPHRD_ETHER;
	st->mac_len = skb->mac_len;
	st->ip_summed = skb->ip_summed;
	st->csum = (__force u32)skb->csum;
	st->gso = skb_is_gso(skb);
	st->gso_udp = skb_is_gso(skb) &&
		      (skb_shinfo(skb)->gso_type & SKB_GSO_UDP);
	st->network = skb_network_offset(skb);
	st->transport = skb_transport_header_was_set(skb) ?
			skb_transport_offset(skb) : -1;
}

void ovs_rs_dev_hold(struct net_device *dev)
{
	dev_hold(dev);
}

void ovs_rs_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

/* Pulls @len bytes (at most the packet) into the linear head. */
int ovs_rs_skb_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, min(len, skb->len)) ? 0 : -ENOMEM;
}

/* skb_ensure_writable() of the first @len bytes (at most the packet). */
int ovs_rs_skb_make_writable(struct sk_buff *skb, unsigned int len)
{
	return skb_ensure_writable(skb, min(len, skb->len));
}

int ovs_rs_skb_linearize(struct sk_buff *skb)
{
	return skb_linearize(skb);
}

void *ovs_rs_skb_data_mut(struct sk_buff *skb)
{
	return skb->data;
}

/*
 * parse_vlan_tag()'s untag: the frame's outer tag (the data starts at
 * the MAC header) moves into the accelerated tag.
 */
int ovs_rs_skb_vlan_untag(struct sk_buff *skb, u16 tpid)
{
	u16 tci;
	int err;

	skb_reset_mac_header(skb);
	err = __skb_vlan_pop(skb, &tci);
	if (err)
		return err;
	__vlan_hwaccel_put_tag(skb, htons(tpid), tci);
	return 0;
}

/* What key_extract() leaves in the skb; offsets from skb->data (the MAC header). */
void ovs_rs_skb_set_headers(struct sk_buff *skb, const struct ovs_rs_skb_headers *h)
{
	skb_reset_mac_header(skb);
	skb->mac_len = h->mac_len;
	skb_set_network_header(skb, h->network);
	if (h->transport >= 0)
		skb_set_transport_header(skb, h->transport);
	if (h->inner_network >= 0)
		skb_set_inner_network_header(skb, h->inner_network);
	skb->protocol = htons(h->protocol);
}

void ovs_rs_skb_set_csum(struct sk_buff *skb, u32 csum)
{
	skb->csum = (__force __wsum)csum;
}

void ovs_rs_skb_clear_hash(struct sk_buff *skb)
{
	skb_clear_hash(skb);
}

void ovs_rs_skb_set_meta(struct sk_buff *skb, u32 priority, u32 mark)
{
	skb->priority = priority;
	skb->mark = mark;
}

u32 ovs_rs_skb_get_hash(struct sk_buff *skb)
{
	return skb_get_hash(skb);
}

u32 ovs_rs_skb_get_hash_symmetric(struct sk_buff *skb)
{
	return __skb_get_hash_symmetric(skb);
}

/* OVS_PACKET_ATTR_HASH's value: the raw hash with its sw/l4 bits. */
u64 ovs_rs_skb_upcall_hash(const struct sk_buff *skb)
{
	u64 hash = skb_get_hash_raw(skb);

	if (skb->sw_hash)
		hash |= OVS_PACKET_HASH_SW_BIT;
	if (skb->l4_hash)
		hash |= OVS_PACKET_HASH_L4_BIT;
	return hash;
}

/* __skb_set_hash() of OVS_PACKET_ATTR_HASH. */
void ovs_rs_skb_set_upcall_hash(struct sk_buff *skb, u64 hash)
{
	__skb_set_hash(skb, hash & 0xFFFFFFFFULL,
		       !!(hash & OVS_PACKET_HASH_SW_BIT),
		       !!(hash & OVS_PACKET_HASH_L4_BIT));
}

int ovs_rs_skb_vlan_push(struct sk_buff *skb, u16 tpid, u16 tci)
{
	int err = skb_vlan_push(skb, htons(tpid), tci);

	skb_reset_mac_len(skb);
	return err;
}

int ovs_rs_skb_vlan_pop(struct sk_buff *skb)
{
	return skb_vlan_pop(skb);
}

struct sk_buff *ovs_rs_skb_clone(struct sk_buff *skb)
{
	return skb_clone(skb, GFP_ATOMIC);
}

void ovs_rs_consume_skb(struct sk_buff *skb)
{
	consume_skb(skb);
}

void ovs_rs_skb_tx_error(struct sk_buff *skb)
{
	skb_tx_error(skb);
}

/*
 * A packet built from OVS_PACKET_ATTR_PACKET (ovs_packet_cmd_execute()).
 * @mru: OVS_PACKET_ATTR_MRU, 0 for none.
 */
struct sk_buff *ovs_rs_skb_from_bytes(const void *data, unsigned int len, bool ignore_df)
{
	struct sk_buff *skb = __dev_alloc_skb(NET_IP_ALIGN + len, GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_reserve(skb, NET_IP_ALIGN);
	skb_put_data(skb, data, len);
	skb->ignore_df = ignore_df;
	return skb;
}

void ovs_rs_skb_set_dev(struct sk_buff *skb, struct net_device *dev)
{
	skb->dev = dev;
}

/*
 * ovs_vport_receive()'s scrub of a packet from another namespace (the
 * mark stays). Returns true when it was scrubbed (no tunnel metadata).
 */
bool ovs_rs_skb_scrub_foreign(struct sk_buff *skb, struct net *net)
{
	u32 mark;

	if (likely(dev_net(skb->dev) == net))
		return false;
	mark = skb->mark;
	skb_scrub_packet(skb, true);
	skb->mark = mark;
	return true;
}

/*
 * queue_userspace_packet()'s preparation: the accelerated tag back into
 * the bytes (on a clone, returned in *@clone) and a partial checksum
 * completed. Returns the packet to copy, or NULL with *@err set.
 */
struct sk_buff *ovs_rs_upcall_prepare(struct sk_buff *skb, struct sk_buff **clone, int *err)
{
	*clone = NULL;
	if (!skb_frags_readable(skb)) {
		*err = -EFAULT;
		return NULL;
	}
	if (skb_vlan_tag_present(skb)) {
		struct sk_buff *nskb = skb_clone(skb, GFP_ATOMIC);

		if (!nskb) {
			*err = -ENOMEM;
			return NULL;
		}
		nskb = __vlan_hwaccel_push_inside(nskb);
		if (!nskb) {
			*err = -ENOMEM;
			return NULL;
		}
		*clone = nskb;
		skb = nskb;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		*err = skb_csum_hwoffload_help(skb, 0);
		if (*err)
			return NULL;
	}
	return skb;
}

unsigned int ovs_rs_skb_zerocopy_headlen(const struct sk_buff *skb)
{
	return skb_zerocopy_headlen(skb);
}

/*
 * OVS_PACKET_ATTR_PACKET: @len bytes of @skb (@hlen of them copied, the
 * rest referenced), padded to NLA_ALIGNTO unless @unaligned, and the
 * netlink header's length updated: the message is complete.
 */
int ovs_rs_upcall_put_packet(struct sk_buff *user_skb, struct sk_buff *skb,
			     unsigned int len, unsigned int hlen, bool unaligned)
{
	struct nlattr *nla;
	int err;

	nla = nla_reserve(user_skb, OVS_PACKET_ATTR_PACKET, 0);
	if (!nla)
		return -ENOBUFS;
	nla->nla_len = nla_attr_size(len);
	err = skb_zerocopy(user_skb, skb, len, hlen);
	if (err)
		return err;
	if (!unaligned) {
		size_t plen = NLA_ALIGN(user_skb->len) - user_skb->len;

		if (plen > 0)
			skb_put_zero(user_skb, plen);
	}
	((struct nlmsghdr *)user_skb->data)->nlmsg_len = user_skb->len;
	return 0;
}

struct sk_buff *ovs_rs_genlmsg_new_atomic(size_t payload)
{
	return genlmsg_new(payload, GFP_ATOMIC);
}

int ovs_rs_genlmsg_unicast(struct net *net, struct sk_buff *skb, u32 portid)
{
	return genlmsg_unicast(net, skb, portid);
}

/* Whether every segment of a GSO packet, with its headers, fits @len. */
bool ovs_rs_skb_gso_validate_mac_len(const struct sk_buff *skb, unsigned int len)
{
	return skb_gso_validate_mac_len(skb, len);
}

/* GSO packets go to userspace segment by segment (queue_gso_packets()). */
struct sk_buff *ovs_rs_skb_gso_segment(struct sk_buff *skb, int *err)
{
	struct sk_buff *segs = __skb_gso_segment(skb, NETIF_F_SG, false);

	if (IS_ERR(segs)) {
		*err = PTR_ERR(segs);
		return NULL;
	}
	if (!segs) {
		*err = -EINVAL;
		return NULL;
	}
	return segs;
}

/* Detaches and returns the segment after @skb in its list. */
struct sk_buff *ovs_rs_skb_list_take_next(struct sk_buff *skb)
{
	struct sk_buff *next = skb->next;

	skb_mark_not_on_list(skb);
	return next;
}

/* The nesting of action execution on this CPU (ovs_pcpu_storage's exec_level). */
static DEFINE_PER_CPU(int, ovs_rs_exec_depth);

int ovs_rs_exec_level_enter(void)
{
	return __this_cpu_inc_return(ovs_rs_exec_depth);
}

void ovs_rs_exec_level_leave(void)
{
	__this_cpu_dec(ovs_rs_exec_depth);
}

int ovs_rs_exec_level(void)
{
	return __this_cpu_read(ovs_rs_exec_depth);
}

unsigned int ovs_rs_smp_processor_id(void)
{
	return smp_processor_id();
}

void ovs_rs_local_bh_disable(void)
{
	local_bh_disable();
}

void ovs_rs_local_bh_enable(void)
{
	local_bh_enable();
}

/* vport-internal_dev.c's internal_dev_recv(): up the host stack. */
static void ovs_rs_internal_dev_recv(struct sk_buff *skb)
{
	struct net_device *netdev = skb->dev;

	if (unlikely(!(netdev->flags & IFF_UP))) {
		kfree_skb(skb);
		netdev->stats.rx_dropped++;
		return;
	}

	skb_dst_drop(skb);
	nf_reset_ct(skb);
	secpath_reset(skb);

	skb->pkt_type = PACKET_HOST;
	skb->protocol = eth_type_trans(skb, netdev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	dev_sw_netstats_rx_add(netdev, skb->len);

	netif_rx(skb);
}

static unsigned int ovs_rs_packet_length(const struct sk_buff *skb,
					 struct net_device *dev)
{
	unsigned int length = skb->len - dev->hard_header_len;

	if (!skb_vlan_tag_present(skb) &&
	    eth_type_vlan(skb->protocol))
		length -= VLAN_HLEN;

	/* Don't subtract for multiple VLAN tags. Most (all?) drivers allow
	 * (ETH_LEN + VLAN_HLEN) in addition to the mtu value, but almost none
	 * account for 802.1ad. e.g. is_skb_forwardable().
	 */

	return length;
}

/* ovs_vport_send(): the device's own checks, then transmit or deliver. */
static void ovs_rs_vport_send(struct net_device *dev, bool internal,
			      struct sk_buff *skb, u8 mac_proto)
{
	switch (dev->type) {
	case ARPHRD_NONE:
		if (mac_proto == 1 /* MAC_PROTO_ETHERNET */) {
			skb_reset_network_header(skb);
			skb_reset_mac_len(skb);
			skb->protocol = htons(ETH_P_TEB);
		} else if (mac_proto != 0 /* MAC_PROTO_NONE */) {
			goto drop;
		}
		break;
	case ARPHRD_ETHER:
		if (mac_proto != 1)
			goto drop;
		break;
	default:
		goto drop;
	}

	if (unlikely(ovs_rs_packet_length(skb, dev) > dev->mtu &&
		     !skb_is_gso(skb))) {
		dev->stats.tx_errors++;
		if (dev->flags & IFF_UP)
			net_warn_ratelimited("%s: dropped over-mtu packet: %d > %d\n",
					     dev->name, ovs_rs_packet_length(skb, dev),
					     dev->mtu);
		goto drop;
	}

	skb->dev = dev;
	skb_clear_tstamp(skb);
	if (internal)
		ovs_rs_internal_dev_recv(skb);
	else
		dev_queue_xmit(skb);
	return;
drop:
	kfree_skb(skb);
}

/* The longest L2 header a packet is fragmented under (MAX_L2_LEN). */
#define OVS_RS_MAX_L2_LEN (VLAN_ETH_HLEN + 3 * MPLS_HLEN)

/* What ovs_fragment() keeps of a packet for each of its fragments. */
struct ovs_rs_frag_data {
	unsigned long dst;
	struct net_device *dev;
	bool internal;
	__be16 inner_protocol;
	u16 network_offset;	/* valid only for MPLS */
	u16 vlan_tci;
	__be16 vlan_proto;
	unsigned int l2_len;
	u8 mac_proto;
	u8 l2_data[OVS_RS_MAX_L2_LEN];
};

static DEFINE_PER_CPU(struct ovs_rs_frag_data, ovs_rs_frag_data);

/* ovs_vport_output(): called for each fragment. */
static int ovs_rs_frag_output(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	struct ovs_rs_frag_data *data = this_cpu_ptr(&ovs_rs_frag_data);

	if (skb_cow_head(skb, data->l2_len) < 0) {
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
		return -ENOMEM;
	}

	__skb_dst_copy(skb, data->dst);
	skb->inner_protocol = data->inner_protocol;
	if (data->vlan_tci & VLAN_CFI_MASK)
		__vlan_hwaccel_put_tag(skb, data->vlan_proto, data->vlan_tci & ~VLAN_CFI_MASK);
	else
		__vlan_hwaccel_clear_tag(skb);

	/* Reconstruct the MAC header.  */
	skb_push(skb, data->l2_len);
	memcpy(skb->data, &data->l2_data, data->l2_len);
	skb_postpush_rcsum(skb, skb->data, data->l2_len);
	skb_reset_mac_header(skb);

	if (eth_p_mpls(skb->protocol)) {
		skb->inner_network_header = skb->network_header;
		skb_set_network_header(skb, data->network_offset);
		skb_reset_mac_len(skb);
	}

	ovs_rs_vport_send(data->dev, data->internal, skb, data->mac_proto);
	return 0;
}

static unsigned int ovs_rs_dst_get_mtu(const struct dst_entry *dst)
{
	return dst->dev->mtu;
}

static struct dst_ops ovs_rs_dst_ops = {
	.family = AF_UNSPEC,
	.mtu = ovs_rs_dst_get_mtu,
};

/* prepare_frag(). */
static void ovs_rs_prepare_frag(struct net_device *dev, bool internal,
				struct sk_buff *skb, u16 orig_network_offset,
				u8 mac_proto)
{
	unsigned int hlen = skb_network_offset(skb);
	struct ovs_rs_frag_data *data = this_cpu_ptr(&ovs_rs_frag_data);

	data->dst = skb->_skb_refdst;
	data->dev = dev;
	data->internal = internal;
	data->inner_protocol = skb->inner_protocol;
	data->network_offset = orig_network_offset;
	if (skb_vlan_tag_present(skb))
		data->vlan_tci = skb_vlan_tag_get(skb) | VLAN_CFI_MASK;
	else
		data->vlan_tci = 0;
	data->vlan_proto = skb->vlan_proto;
	data->mac_proto = mac_proto;
	data->l2_len = hlen;
	memcpy(&data->l2_data, skb->data, hlen);

	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	skb_pull(skb, hlen);
}

/* ovs_fragment(): IPv4 and IPv6 packets above the MRU leave in fragments. */
static void ovs_rs_fragment(struct net *net, struct net_device *dev, bool internal,
			    struct sk_buff *skb, u16 mru, u8 mac_proto, u16 eth_type)
{
	u16 orig_network_offset = 0;

	if (eth_p_mpls(skb->protocol)) {
		orig_network_offset = skb_network_offset(skb);
		skb->network_header = skb->inner_network_header;
	}

	if (skb_network_offset(skb) > OVS_RS_MAX_L2_LEN) {
		net_info_ratelimited("netlink: L2 header too long to fragment\n");
		ovs_rs_kfree_skb_reason(skb, 8); /* OVS_DROP_FRAG_L2_TOO_LONG */
		return;
	}

	if (eth_type == ETH_P_IP) {
		struct rtable ovs_rt = { 0 };
		unsigned long orig_dst;

		ovs_rs_prepare_frag(dev, internal, skb, orig_network_offset, mac_proto);
		dst_init(&ovs_rt.dst, &ovs_rs_dst_ops, NULL,
			 DST_OBSOLETE_NONE, DST_NOCOUNT);
		ovs_rt.dst.dev = dev;

		orig_dst = skb->_skb_refdst;
		skb_dst_set_noref(skb, &ovs_rt.dst);
		IPCB(skb)->frag_max_size = mru;

		ip_do_fragment(net, skb->sk, skb, ovs_rs_frag_output);
		refdst_drop(orig_dst);
	} else if (eth_type == ETH_P_IPV6) {
		unsigned long orig_dst;
		struct rt6_info ovs_rt;

		ovs_rs_prepare_frag(dev, internal, skb, orig_network_offset, mac_proto);
		memset(&ovs_rt, 0, sizeof(ovs_rt));
		dst_init(&ovs_rt.dst, &ovs_rs_dst_ops, NULL,
			 DST_OBSOLETE_NONE, DST_NOCOUNT);
		ovs_rt.dst.dev = dev;

		orig_dst = skb->_skb_refdst;
		skb_dst_set_noref(skb, &ovs_rt.dst);
		IP6CB(skb)->frag_max_size = mru;

		ip6_fragment(net, skb->sk, skb, ovs_rs_frag_output);
		refdst_drop(orig_dst);
	} else {
		WARN_ONCE(1, "Failed fragment ->%s: eth=%04x, MRU=%d, MTU=%d.",
			  dev->name, eth_type, mru, dev->mtu);
		ovs_rs_kfree_skb_reason(skb, 9); /* OVS_DROP_FRAG_INVALID_PROTO */
	}
}

/*
 * do_output() past the port lookup: @mac_proto and @eth_type (host
 * order) are the key's, @cutlen the truncation (U32_MAX none), @min_len
 * the key's MAC header length. Consumes @skb.
 */
void ovs_rs_vport_output(struct net *net, struct net_device *dev, bool internal,
			 struct sk_buff *skb, u8 mac_proto, u16 eth_type, u16 mru,
			 u32 cutlen, unsigned int min_len)
{
	if (unlikely(!netif_running(dev) || !netif_carrier_ok(dev))) {
		kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
		return;
	}
	if (unlikely(cutlen < skb->len))
		pskb_trim(skb, max(cutlen, min_len));

	if (likely(!mru || skb->len <= mru + dev->hard_header_len))
		ovs_rs_vport_send(dev, internal, skb, mac_proto);
	else if (mru <= dev->mtu)
		ovs_rs_fragment(net, dev, internal, skb, mru, mac_proto, eth_type);
	else
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
}

/* Per-CPU arrays (the flow table's mask caches); zeroed. */
void __percpu *ovs_rs_percpu_alloc(size_t size, size_t align)
{
	return __alloc_percpu(size, align);
}

void ovs_rs_percpu_free(void __percpu *ptr)
{
	free_percpu(ptr);
}

void *ovs_rs_percpu_this(void __percpu *ptr)
{
	return this_cpu_ptr(ptr);
}

/* @cpu's copy of @ptr, or NULL for a CPU that is not possible. */
void *ovs_rs_percpu_ptr(void __percpu *ptr, unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return NULL;
	return per_cpu_ptr(ptr, cpu);
}

/* Runs @fn(@arg) on @cpu in process context and waits for it (the KUnit
 * suites' per-CPU tests); -ENODEV if @cpu is not online.
 */
long ovs_rs_work_on_cpu(unsigned int cpu, long (*fn)(void *), void *arg)
{
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -ENODEV;
	return work_on_cpu(cpu, fn, arg);
}

/* MPLS and Ethernet header push/pop; big-endian values as in the actions. */
int ovs_rs_skb_mpls_push(struct sk_buff *skb, u32 lse, u16 ethertype,
			 u16 mac_len, bool ethernet)
{
	return skb_mpls_push(skb, (__force __be32)lse, (__force __be16)ethertype,
			     mac_len, ethernet);
}

int ovs_rs_skb_mpls_pop(struct sk_buff *skb, u16 ethertype, bool ethernet)
{
	return skb_mpls_pop(skb, (__force __be16)ethertype, skb->mac_len, ethernet);
}

int ovs_rs_skb_eth_push(struct sk_buff *skb, const u8 *dst, const u8 *src)
{
	return skb_eth_push(skb, dst, src);
}

int ovs_rs_skb_eth_pop(struct sk_buff *skb)
{
	return skb_eth_pop(skb);
}

/* ovs_ct_clear()'s skb part: the packet leaves its connection. */
void ovs_rs_skb_ct_clear(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	/* Untracked even without a connection, as C's ovs_ct_clear(). */
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
#endif
}

/*
 * The modules the C datapath links against and userspace relies on being
 * loaded with it (psample's genetlink family has no autoload alias): this
 * module loads them itself and holds their entry points from load to
 * unload, so that plain insmod works without them too.
 */
#if IS_ENABLED(CONFIG_PSAMPLE)
#include <net/psample.h>

static typeof(&psample_sample_packet) ovs_rs_psample_fn;
#endif
#if IS_ENABLED(CONFIG_NET_NSH)
#include <net/nsh.h>

static typeof(&nsh_push) ovs_rs_nsh_push_fn;
static typeof(&nsh_pop) ovs_rs_nsh_pop_fn;
#endif

void ovs_rs_deps_acquire(void)
{
#if IS_ENABLED(CONFIG_PSAMPLE)
	if (request_module("psample"))
		pr_debug("psample is not available: psample actions sample nothing\n");
	ovs_rs_psample_fn = symbol_get(psample_sample_packet);
#endif
#if IS_ENABLED(CONFIG_NET_NSH)
	if (request_module("nsh"))
		pr_debug("nsh is not available: NSH push and pop fail\n");
	ovs_rs_nsh_push_fn = symbol_get(nsh_push);
	ovs_rs_nsh_pop_fn = symbol_get(nsh_pop);
#endif
}

void ovs_rs_deps_release(void)
{
#if IS_ENABLED(CONFIG_PSAMPLE)
	if (ovs_rs_psample_fn)
		symbol_put(psample_sample_packet);
	ovs_rs_psample_fn = NULL;
#endif
#if IS_ENABLED(CONFIG_NET_NSH)
	if (ovs_rs_nsh_push_fn)
		symbol_put(nsh_push);
	if (ovs_rs_nsh_pop_fn)
		symbol_put(nsh_pop);
	ovs_rs_nsh_push_fn = NULL;
	ovs_rs_nsh_pop_fn = NULL;
#endif
}

/* execute_psample() past the attribute walk. */
void ovs_rs_psample(struct net *net, struct sk_buff *skb, u32 group,
		    const u8 *cookie, u32 cookie_len, int in_ifindex,
		    u32 cutlen, u32 probability)
{
#if IS_ENABLED(CONFIG_PSAMPLE)
	struct psample_group psample_group = {};
	struct psample_metadata md = {};

	if (!ovs_rs_psample_fn)
		return;
	psample_group.group_num = group;
	psample_group.net = net;
	md.user_cookie = cookie;
	md.user_cookie_len = cookie_len;
	md.in_ifindex = in_ifindex;
	md.trunc_size = min(skb->len, cutlen);
	md.rate_as_probability = 1;
	ovs_rs_psample_fn(&psample_group, skb,
			  probability ? probability : U32_MAX, &md);
#endif
}

/* nsh_push() of the header at @hdr (its length is in it). */
int ovs_rs_skb_nsh_push(struct sk_buff *skb, const void *hdr)
{
#if IS_ENABLED(CONFIG_NET_NSH)
	if (ovs_rs_nsh_push_fn)
		return ovs_rs_nsh_push_fn(skb, hdr);
#endif
	return -EOPNOTSUPP;
}

int ovs_rs_skb_nsh_pop(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NET_NSH)
	if (ovs_rs_nsh_pop_fn)
		return ovs_rs_nsh_pop_fn(skb);
#endif
	return -EOPNOTSUPP;
}

/* Open vSwitch's drop reasons (net/openvswitch/drop.h), for kfree_skb_reason(). */
#define OVS_RS_DROP_BASE (SKB_DROP_REASON_SUBSYS_OPENVSWITCH << SKB_DROP_REASON_SUBSYS_SHIFT)

static const char * const ovs_rs_drop_reasons[] = {
	[1] = "OVS_DROP_LAST_ACTION",
	[2] = "OVS_DROP_ACTION_ERROR",
	[3] = "OVS_DROP_EXPLICIT",
	[4] = "OVS_DROP_EXPLICIT_WITH_ERROR",
	[5] = "OVS_DROP_METER",
	[6] = "OVS_DROP_RECURSION_LIMIT",
	[7] = "OVS_DROP_DEFERRED_LIMIT",
	[8] = "OVS_DROP_FRAG_L2_TOO_LONG",
	[9] = "OVS_DROP_FRAG_INVALID_PROTO",
	[10] = "OVS_DROP_CONNTRACK",
	[11] = "OVS_DROP_IP_TTL",
};

static struct drop_reason_list ovs_rs_drop_reason_list = {
	.reasons = ovs_rs_drop_reasons,
	.n_reasons = ARRAY_SIZE(ovs_rs_drop_reasons),
};

void ovs_rs_drop_reasons_register(void)
{
	drop_reasons_register_subsys(SKB_DROP_REASON_SUBSYS_OPENVSWITCH,
				     &ovs_rs_drop_reason_list);
}

void ovs_rs_drop_reasons_unregister(void)
{
	drop_reasons_unregister_subsys(SKB_DROP_REASON_SUBSYS_OPENVSWITCH);
}

/* Frees @skb with Open vSwitch drop reason @index (1: OVS_DROP_LAST_ACTION, ...). */
void ovs_rs_kfree_skb_reason(struct sk_buff *skb, u32 index)
{
	if (WARN_ON_ONCE(!index || index >= ARRAY_SIZE(ovs_rs_drop_reasons)))
		index = 2; /* OVS_DROP_ACTION_ERROR */
	kfree_skb_reason(skb, (enum skb_drop_reason)(OVS_RS_DROP_BASE | index));
}

/* Tunnel metadata, as struct ip_tunnel_key's bytes (the flow key's tun_key). */
static_assert(sizeof(struct ip_tunnel_key) == 64);

/*
 * The tunnel a packet came by (skb_tunnel_info()), as
 * ovs_flow_key_extract() takes it: the key, its address family and its
 * options (up to 255 bytes). False without one.
 */
static bool ovs_rs_copy_tunnel_info(const struct ip_tunnel_info *info, void *key,
				    u8 *proto, u8 *opts, u8 *opts_len)
{
	if (!info)
		return false;
	memcpy(key, &info->key, sizeof(info->key));
	*proto = ip_tunnel_info_af(info);
	*opts_len = info->options_len;
	ip_tunnel_info_opts_get(opts, info);
	return true;
}

/*
 * The same, borrowed from the packet: its key (NULL without a tunnel),
 * and in @proto, @opts and @opts_len its address family and options. They
 * live in the packet's dst, which it keeps as long as it is not changed.
 */
const void *ovs_rs_skb_tunnel_ref(const struct sk_buff *skb, u8 *proto,
				  const u8 **opts, u8 *opts_len)
{
	const struct ip_tunnel_info *info = skb_tunnel_info(skb);

	if (!info)
		return NULL;
	*proto = ip_tunnel_info_af(info);
	/* ip_tunnel_info_opts(), which takes no const. */
	*opts = (const u8 *)(info + 1);
	*opts_len = info->options_len;
	return &info->key;
}

/*
 * A set(tunnel) action's metadata, built once when the flow is installed
 * (validate_and_copy_set_tun()): the packet leaves a tunnel device with
 * it. The dst cache lets the tunnel device keep its route across packets.
 * Returns its dst, NULL when out of memory.
 */
struct dst_entry *ovs_rs_tunnel_dst_new(const void *tun_key, u8 tun_proto,
					const u8 *opts, u8 opts_len)
{
	IP_TUNNEL_DECLARE_FLAGS(dst_opt_type) = { };
	const struct ip_tunnel_key *key = tun_key;
	struct ip_tunnel_info *tun_info;
	struct metadata_dst *tun_dst;

	if (opts_len) {
		if (test_bit(IP_TUNNEL_GENEVE_OPT_BIT, key->tun_flags))
			__set_bit(IP_TUNNEL_GENEVE_OPT_BIT, dst_opt_type);
		else if (test_bit(IP_TUNNEL_VXLAN_OPT_BIT, key->tun_flags))
			__set_bit(IP_TUNNEL_VXLAN_OPT_BIT, dst_opt_type);
		else if (test_bit(IP_TUNNEL_ERSPAN_OPT_BIT, key->tun_flags))
			__set_bit(IP_TUNNEL_ERSPAN_OPT_BIT, dst_opt_type);
	}

	tun_dst = metadata_dst_alloc(opts_len, METADATA_IP_TUNNEL, GFP_KERNEL);
	if (!tun_dst)
		return NULL;
	if (dst_cache_init(&tun_dst->u.tun_info.dst_cache, GFP_KERNEL)) {
		metadata_dst_free(tun_dst);
		return NULL;
	}
	tun_info = &tun_dst->u.tun_info;
	tun_info->mode = IP_TUNNEL_INFO_TX;
	if (tun_proto == AF_INET6)
		tun_info->mode |= IP_TUNNEL_INFO_IPV6;
	else if (tun_proto == AF_INET && key->u.ipv4.dst == 0)
		tun_info->mode |= IP_TUNNEL_INFO_BRIDGE;
	tun_info->key = *key;
	ip_tunnel_info_opts_set(tun_info, opts, opts_len, dst_opt_type);
	return &tun_dst->dst;
}

/* The flow's reference goes; packets still holding the dst keep it. */
void ovs_rs_tunnel_dst_release(struct dst_entry *tun_dst)
{
	dst_release(tun_dst);
}

/* execute_set_action() of a tunnel: the packet takes a reference. */
void ovs_rs_skb_set_tunnel_dst(struct sk_buff *skb, struct dst_entry *tun_dst)
{
	skb_dst_drop(skb);
	dst_hold(tun_dst);
	skb_dst_set(skb, tun_dst);
}

/*
 * output_userspace()'s OVS_USERSPACE_ATTR_EGRESS_TUN_PORT: the tunnel
 * metadata @dev would send @skb with (dev_fill_metadata_dst(), which
 * completes the skb's metadata dst), copied out as for
 * ovs_rs_skb_tunnel_info(), with its mode. False if there is none.
 */
bool ovs_rs_egress_tunnel_info(struct net_device *dev, struct sk_buff *skb,
			       void *key, u8 *proto, u8 *opts, u8 *opts_len,
			       u8 *mode)
{
	const struct ip_tunnel_info *info;

	if (dev_fill_metadata_dst(dev, skb))
		return false;
	info = skb_tunnel_info(skb);
	if (!ovs_rs_copy_tunnel_info(info, key, proto, opts, opts_len))
		return false;
	*mode = info->mode;
	return true;
}
