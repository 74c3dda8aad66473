/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface between openvswitch_rs's C glue and its Rust crate.
 *
 * Every symbol here has the ovs_rs_ prefix. Kbuild runs bindgen over this
 * header to generate the Rust side's declarations (src/kapi/glue.rs
 * include!s them), so a function or struct added here is callable from
 * Rust as it is declared here, and nowhere else.
 */
#ifndef OVS_RS_GLUE_H
#define OVS_RS_GLUE_H

#include <linux/build_bug.h>
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

/*
 * The Rust side of one family: every request the family receives is
 * passed on with the @ctx it was installed with.
 */
struct ovs_rs_genl_handler {
	int (*doit)(const void *ctx, struct genl_info *info);
	int (*dumpit)(const void *ctx, struct sk_buff *skb,
		      struct netlink_callback *cb);
};

/*
 * Layouts shared with Rust: bindgen checks Rust's against libclang's
 * reading of this header, these check GCC's (which builds the glue).
 */
static_assert(sizeof(struct ovs_rs_genl_handler) == 2 * sizeof(void *));
static_assert(__alignof__(struct ovs_rs_genl_handler) == __alignof__(void *));

/* Install (@ops non-NULL) or remove the handler of the family at @index. */
void ovs_rs_genl_set_handler(unsigned int index,
			     const struct ovs_rs_genl_handler *ops,
			     const void *ctx);

struct nlattr;
/*
 * Parse a dump request's attributes with its family's policy into
 * @attrs (@n_attrs entries, at least maxattr + 1).
 */
int ovs_rs_genl_dump_parse(struct netlink_callback *cb, struct nlattr **attrs,
			   unsigned int n_attrs);

/* Network devices and namespaces (src/glue/netdev.c). */

struct net;
struct net_device;

/*
 * What a port's device calls back with its @owner: @receive consumes a
 * packet the device delivers (internal xmit, or a netdev port's
 * rx_handler when @from_netdev, whose tunnel metadata counts); @release
 * runs once the device can no longer call @receive.
 */
struct ovs_rs_port_ops {
	int (*receive)(const void *owner, struct sk_buff *skb, bool from_netdev);
	void (*release)(const void *owner);
};

static_assert(sizeof(struct ovs_rs_port_ops) == 2 * sizeof(void *));
static_assert(__alignof__(struct ovs_rs_port_ops) == __alignof__(void *));

/*
 * Allocate and register an internal port device named @name (may hold
 * "%d") in @net, with @ifindex (0: any). On success the device holds
 * @owner and hands it to @ops->release once destroyed and unreferenced;
 * on failure returns NULL with *@err set, @owner untouched. Takes rtnl.
 */
struct net_device *ovs_rs_internal_dev_create(struct net *net, const char *name,
					      int ifindex, bool netns_immutable,
					      const struct ovs_rs_port_ops *ops,
					      const void *owner, int *err);
/* Unregister a device from ovs_rs_internal_dev_create(). Takes rtnl. */
void ovs_rs_internal_dev_destroy(struct net_device *dev);
int ovs_rs_netdev_ifindex(const struct net_device *dev);
/* Copy the device name into @buf, which has room for IFNAMSIZ bytes. */
void ovs_rs_netdev_name(const struct net_device *dev, char *buf);
bool ovs_rs_is_internal_dev(const struct net_device *dev);
struct net *ovs_rs_netdev_net(const struct net_device *dev);
bool ovs_rs_netdev_netnsid(struct net *net, const struct net_device *dev,
			   int *id);
unsigned int ovs_rs_netdev_fwd_headroom(struct net_device *dev);
void ovs_rs_netdev_set_rx_headroom(struct net_device *dev, int headroom);
int ovs_rs_genlmsg_multicast_netns(const struct genl_family *family,
				   struct net *net, struct sk_buff *skb,
				   unsigned int group);
void ovs_rs_genl_set_err(const struct genl_family *family, struct net *net,
			 unsigned int group, int code);
struct net *ovs_rs_genl_info_net(const struct genl_info *info);
/* Run @fn(@ctx) every @period_ms until ovs_rs_periodic_stop(); one at a time. */
void ovs_rs_periodic_start(unsigned int period_ms, void (*fn)(const void *ctx),
			   const void *ctx);
void ovs_rs_periodic_stop(void);
u64 ovs_rs_monotonic_ms_at(unsigned long then);
bool ovs_rs_genl_must_notify(const struct genl_info *info, unsigned int group);
struct net *ovs_rs_skb_sock_net(const struct sk_buff *skb);
unsigned int ovs_rs_nr_cpu_ids(void);
/* Process context: nothing forbids sleeping but locks the caller holds. */
bool ovs_rs_in_task(void);
bool ovs_rs_tc_skb_ext_available(void);
void ovs_rs_tc_skb_ext_enable(bool on);
void ovs_rs_kfree_skb(struct sk_buff *skb);
unsigned int ovs_rs_skb_len(const struct sk_buff *skb);
int ovs_rs_genlmsg_reply(struct sk_buff *skb, struct genl_info *info);
u32 ovs_rs_netlink_cb_portid(const struct netlink_callback *cb);
const void *ovs_rs_skb_data(const struct sk_buff *skb);
/* Eight u64s: struct ovs_vport_stats from the device's statistics. */
void ovs_rs_netdev_vport_stats(struct net_device *dev, u64 *out);
struct nlattr;
struct nlattr *ovs_rs_nla_nest_start_noflag(struct sk_buff *skb, int attrtype);
void ovs_rs_nla_nest_end(struct sk_buff *skb, struct nlattr *start);
/* rtnl link kind "openvswitch" and the pernet hooks; @exit(@ctx, net) per dying namespace. */
int ovs_rs_net_register(void (*exit)(const void *ctx, struct net *net),
			const void *ctx);
/* Count a Rust object that keeps @net in or out (checked at its exit). */
void ovs_rs_net_handle_get(struct net *net);
void ovs_rs_net_handle_put(struct net *net);
int ovs_rs_net_handles(struct net *net);
void ovs_rs_net_unregister(void);

/* Netdev ports (src/glue/vport_netdev.c). */
struct ovs_rs_netdev_port;

/*
 * Attach the device called @name in @net to the datapath whose local
 * device is @master: rx_handler, master link, promiscuity,
 * IFF_OVS_DATAPATH. Received packets go to @ops->receive(@owner).
 * On failure returns NULL with *@err set (C's errno), @owner untouched.
 * Takes rtnl.
 */
struct ovs_rs_netdev_port *ovs_rs_netdev_attach(struct net *net,
						const char *name,
						struct net_device *master,
						const struct ovs_rs_port_ops *ops,
						const void *owner, int *err);
/*
 * Detach (unless NETDEV_UNREGISTER did) and, after an RCU grace period,
 * release the device and hand @owner to @ops->release. Takes rtnl.
 */
void ovs_rs_netdev_detach(struct ovs_rs_netdev_port *port);
/* False once the device's unregistration detached it. */
bool ovs_rs_netdev_attached(const struct ovs_rs_netdev_port *port);
struct net_device *ovs_rs_netdev_port_dev(const struct ovs_rs_netdev_port *port);
/*
 * NETDEV_UNREGISTER detaches our ports' devices at once, then queues
 * @detached(@ctx) to remove their ports.
 */
int ovs_rs_netdev_notifier_register(void (*detached)(const void *ctx),
				    const void *ctx);
void ovs_rs_netdev_notifier_unregister(void);

/* The packet path's skb helpers (src/glue/skb.c). */

/* What the packet path reads of an skb; byte-order fields in host order. */
struct ovs_rs_skb_state {
	u32 len;
	u32 headlen;
	u32 priority;
	u32 mark;
	u32 csum;
	s32 network;
	/* -1: not set. */
	s32 transport;
	u16 protocol;
	u16 vlan_proto;
	u16 vlan_tci;
	u16 dev_type;
	u16 mac_len;
	u8 ip_summed;
	bool vlan_present;
	bool gso;
	bool gso_udp;
};

static_assert(sizeof(struct ovs_rs_skb_state) == 44);
static_assert(__alignof__(struct ovs_rs_skb_state) == 4);

/* Header offsets from skb->data (the MAC header); -1: leave as is. */
struct ovs_rs_skb_headers {
	s32 mac_len;
	s32 network;
	s32 transport;
	s32 inner_network;
	u16 protocol;
};

static_assert(sizeof(struct ovs_rs_skb_headers) == 20);
static_assert(__alignof__(struct ovs_rs_skb_headers) == 4);

void ovs_rs_dev_hold(struct net_device *dev);
void ovs_rs_dev_put(struct net_device *dev);
void ovs_rs_skb_get_state(const struct sk_buff *skb, struct ovs_rs_skb_state *st);
int ovs_rs_skb_pull(struct sk_buff *skb, unsigned int len);
int ovs_rs_skb_make_writable(struct sk_buff *skb, unsigned int len);
int ovs_rs_skb_linearize(struct sk_buff *skb);
void *ovs_rs_skb_data_mut(struct sk_buff *skb);
int ovs_rs_skb_vlan_untag(struct sk_buff *skb, u16 tpid);
void ovs_rs_skb_set_headers(struct sk_buff *skb, const struct ovs_rs_skb_headers *h);
void ovs_rs_skb_set_csum(struct sk_buff *skb, u32 csum);
void ovs_rs_skb_clear_hash(struct sk_buff *skb);
void ovs_rs_skb_set_meta(struct sk_buff *skb, u32 priority, u32 mark);
u32 ovs_rs_skb_get_hash(struct sk_buff *skb);
u32 ovs_rs_skb_get_hash_symmetric(struct sk_buff *skb);
u64 ovs_rs_skb_upcall_hash(const struct sk_buff *skb);
void ovs_rs_skb_set_upcall_hash(struct sk_buff *skb, u64 hash);
int ovs_rs_skb_vlan_push(struct sk_buff *skb, u16 tpid, u16 tci);
int ovs_rs_skb_vlan_pop(struct sk_buff *skb);
struct sk_buff *ovs_rs_skb_clone(struct sk_buff *skb);
void ovs_rs_consume_skb(struct sk_buff *skb);
void ovs_rs_skb_tx_error(struct sk_buff *skb);
struct sk_buff *ovs_rs_skb_from_bytes(const void *data, unsigned int len, bool ignore_df);
void ovs_rs_skb_set_dev(struct sk_buff *skb, struct net_device *dev);
bool ovs_rs_skb_scrub_foreign(struct sk_buff *skb, struct net *net);
struct sk_buff *ovs_rs_upcall_prepare(struct sk_buff *skb, struct sk_buff **clone, int *err);
unsigned int ovs_rs_skb_zerocopy_headlen(const struct sk_buff *skb);
int ovs_rs_upcall_put_packet(struct sk_buff *user_skb, struct sk_buff *skb,
			     unsigned int len, unsigned int hlen, bool unaligned);
struct sk_buff *ovs_rs_genlmsg_new_atomic(size_t payload);
int ovs_rs_genlmsg_unicast(struct net *net, struct sk_buff *skb, u32 portid);
bool ovs_rs_skb_gso_validate_mac_len(const struct sk_buff *skb, unsigned int len);
struct sk_buff *ovs_rs_skb_gso_segment(struct sk_buff *skb, int *err);
struct sk_buff *ovs_rs_skb_list_take_next(struct sk_buff *skb);
int ovs_rs_exec_level_enter(void);
void ovs_rs_exec_level_leave(void);
int ovs_rs_exec_level(void);
unsigned int ovs_rs_smp_processor_id(void);
void ovs_rs_local_bh_disable(void);
void ovs_rs_local_bh_enable(void);
void __percpu *ovs_rs_percpu_alloc(size_t size, size_t align);
void ovs_rs_percpu_free(void __percpu *ptr);
void *ovs_rs_percpu_this(void __percpu *ptr);
void *ovs_rs_percpu_ptr(void __percpu *ptr, unsigned int cpu);
long ovs_rs_work_on_cpu(unsigned int cpu, long (*fn)(void *), void *arg);
int ovs_rs_skb_mpls_push(struct sk_buff *skb, u32 lse, u16 ethertype,
			 u16 mac_len, bool ethernet);
int ovs_rs_skb_mpls_pop(struct sk_buff *skb, u16 ethertype, bool ethernet);
int ovs_rs_skb_eth_push(struct sk_buff *skb, const u8 *dst, const u8 *src);
int ovs_rs_skb_eth_pop(struct sk_buff *skb);
void ovs_rs_skb_ct_clear(struct sk_buff *skb);
void ovs_rs_psample(struct net *net, struct sk_buff *skb, u32 group,
		    const u8 *cookie, u32 cookie_len, int in_ifindex,
		    u32 cutlen, u32 probability);
void ovs_rs_deps_acquire(void);
void ovs_rs_deps_release(void);
int ovs_rs_skb_nsh_push(struct sk_buff *skb, const void *hdr);
int ovs_rs_skb_nsh_pop(struct sk_buff *skb);
void ovs_rs_drop_reasons_register(void);
void ovs_rs_drop_reasons_unregister(void);
void ovs_rs_kfree_skb_reason(struct sk_buff *skb, u32 index);
const void *ovs_rs_skb_tunnel_ref(const struct sk_buff *skb, u8 *proto,
				  const u8 **opts, u8 *opts_len);
struct dst_entry;
struct dst_entry *ovs_rs_tunnel_dst_new(const void *tun_key, u8 tun_proto,
					const u8 *opts, u8 opts_len);
void ovs_rs_tunnel_dst_release(struct dst_entry *tun_dst);
void ovs_rs_skb_set_tunnel_dst(struct sk_buff *skb, struct dst_entry *tun_dst);
bool ovs_rs_egress_tunnel_info(struct net_device *dev, struct sk_buff *skb,
			       void *key, u8 *proto, u8 *opts, u8 *opts_len,
			       u8 *mode);
void ovs_rs_vport_output(struct net *net, struct net_device *dev, bool internal,
			 struct sk_buff *skb, u8 mac_proto, u16 eth_type, u16 mru,
			 u32 cutlen, unsigned int min_len);

/* Conntrack (src/glue/conntrack.c). */

/* An nf_conn, opaque to Rust. */
struct ovs_rs_nf_conn;

/* A confirmed template for @zone_id (nf_ct_tmpl_alloc()), or NULL. */
struct ovs_rs_nf_conn *ovs_rs_ct_tmpl_alloc(struct net *net, u16 zone_id);
void ovs_rs_ct_tmpl_free(struct ovs_rs_nf_conn *tmpl);
u16 ovs_rs_ct_zone_id(const struct ovs_rs_nf_conn *ct);
/* A conntrack helper (struct nf_conntrack_helper), opaque to Rust. */
struct ovs_rs_ct_helper;
/* The template's CT action commits: mark it confirmed, as C does. */
void ovs_rs_ct_tmpl_confirm(struct ovs_rs_nf_conn *tmpl);
bool ovs_rs_ct_tmpl_confirmed(const struct ovs_rs_nf_conn *tmpl);
/* nf_ct_set_timeout() on a template: 0 or -errno. */
int ovs_rs_ct_tmpl_set_timeout(struct net *net, struct ovs_rs_nf_conn *tmpl,
			       u8 family, u8 proto, const char *name);
/* nf_ct_destroy_timeout(), whether or not one was attached. */
void ovs_rs_ct_tmpl_destroy_timeout(struct ovs_rs_nf_conn *tmpl);
/*
 * nf_ct_add_helper(): the helper @name (its module loaded on demand, and
 * its NAT half with @nat) attached to @tmpl; 0 and a reference in *@out,
 * or -errno and no reference.
 */
int ovs_rs_ct_tmpl_add_helper(struct ovs_rs_nf_conn *tmpl, const char *name,
			      u8 family, u8 proto, bool nat,
			      struct ovs_rs_ct_helper **out);
/* Puts what ovs_rs_ct_tmpl_add_helper() took (with @nat, the NAT half). */
void ovs_rs_ct_helper_put(struct ovs_rs_ct_helper *helper, bool nat);
/* The template's attached helper, NULL if none. */
const struct ovs_rs_ct_helper *
ovs_rs_ct_tmpl_helper(const struct ovs_rs_nf_conn *tmpl);

#define OVS_RS_CT_LABELS_LEN 16

/* What the flow key says of a packet's connection (ovs_ct_update_key()). */
struct ovs_rs_ct_key {
	u8 state;
	/* NFPROTO_* of the (master) connection, 0 without one. */
	u8 l3num;
	/* The original tuple's protocol; ports as the key holds them. */
	u8 orig_proto;
	u16 zone;
	u32 mark;
	u8 labels[OVS_RS_CT_LABELS_LEN];
	u8 orig_src[16];
	u8 orig_dst[16];
	u16 orig_tp_src; /* big-endian */
	u16 orig_tp_dst; /* big-endian */
};

/* One ct() action's execution parameters, and the key's CT fields. */
struct ovs_rs_ct_info {
	const struct ovs_rs_nf_conn *tmpl;
	u8 family;
	bool commit;
	bool force;
	bool have_eventmask;
	u32 eventmask;
	u32 mark;
	u32 mark_mask;
	u8 labels[OVS_RS_CT_LABELS_LEN];
	u8 labels_mask[OVS_RS_CT_LABELS_LEN];
	u8 key_state;
	u16 key_zone;
	/* The key's IP protocol (which transport header NAT rewrote). */
	u8 key_proto;
	/* OVS_RS_CT_NAT_* bits: 0 for no NAT. */
	u8 nat;
	/* struct nf_nat_range2: addresses in network order, ports host. */
	u32 nat_flags;
	u8 nat_min_addr[16];
	u8 nat_max_addr[16];
	u16 nat_min_proto;
	u16 nat_max_proto;
};

#define OVS_RS_CT_NAT 1
#define OVS_RS_CT_NAT_SRC 2
#define OVS_RS_CT_NAT_DST 4

/* What NAT rewrote, for the key (ovs_nat_update_key()). */
struct ovs_rs_ct_nat_out {
	/* OVS_RS_CT_NAT_SRC and _DST: which were done; with _HAS_PORT_*,
	 * the port too.
	 */
	u8 done;
	u8 src[16];
	u8 dst[16];
	u16 sport; /* big-endian */
	u16 dport; /* big-endian */
};

#define OVS_RS_CT_NAT_SRC_PORT 8
#define OVS_RS_CT_NAT_DST_PORT 16

#define OVS_RS_CT_SET_MARK 1
#define OVS_RS_CT_SET_LABELS 2

void ovs_rs_ct_skb_key(const struct sk_buff *skb, bool post_ct, u16 zone_id,
		       struct ovs_rs_ct_key *out);
int ovs_rs_ct_enter_l3(struct sk_buff *skb, u8 family, unsigned int *nh_ofs);
void ovs_rs_ct_leave_l3(struct sk_buff *skb, unsigned int nh_ofs);
/*
 * nf_ct_handle_fragments() at L3: 0 with @skb reassembled (*@mru its
 * largest fragment), -EINPROGRESS with @skb queued, else -errno with @skb
 * freed.
 */
int ovs_rs_ct_defrag(struct net *net, struct sk_buff *skb, u16 zone,
		     u8 family, u16 *mru);
void ovs_rs_ct_set_transport(struct sk_buff *skb, unsigned int ofs);
int ovs_rs_ct_lookup(struct net *net, struct sk_buff *skb,
		     const struct ovs_rs_ct_info *info,
		     struct ovs_rs_ct_nat_out *nat);
void ovs_rs_ct_deliver_events(struct sk_buff *skb);
int ovs_rs_ct_commit(struct sk_buff *skb, const struct ovs_rs_ct_info *info,
		     struct ovs_rs_ct_key *key, u8 *set);

/* ovs_ct_init()'s nf_connlabels_get() for @net: whether it took it. */
bool ovs_rs_ct_labels_get(struct net *net);
void ovs_rs_ct_labels_put(struct net *net);

/* An nf_conncount_data, opaque to Rust. */
struct ovs_rs_conncount;

/* nf_conncount_init(): 0 and *@out, or -errno (-EOPNOTSUPP without it). */
int ovs_rs_conncount_init(struct net *net, unsigned int keylen,
			  struct ovs_rs_conncount **out);
void ovs_rs_conncount_destroy(struct net *net, struct ovs_rs_conncount *data);
unsigned int ovs_rs_conncount_count(struct net *net,
				    struct ovs_rs_conncount *data,
				    const u32 *key);
/* nf_conncount_count_skb() for @skb's connection, under RCU. */
unsigned int ovs_rs_conncount_count_skb(struct net *net,
					const struct sk_buff *skb, u8 family,
					struct ovs_rs_conncount *data,
					const u32 *key);
/* Whether @skb has a connection not yet confirmed. */
bool ovs_rs_ct_unconfirmed(const struct sk_buff *skb);

#endif /* OVS_RS_GLUE_H */
