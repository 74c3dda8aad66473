// SPDX-License-Identifier: GPL-2.0
/*
 * Network devices and namespaces for openvswitch_rs: the internal port's
 * net_device (static ops tables, enum-returning callbacks) and the hooks
 * the kernel crate has no binding for (rtnl, pernet operations).
 *
 * Mirrors net/openvswitch/vport-internal_dev.c. The Rust side owns the
 * policy: this file only builds, registers and tears down devices and
 * forwards their callbacks through the ops Rust gave it with each object.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/pkt_cls.h>
#include <net/rtnetlink.h>
#include <net/sock.h>

#include <ovs_rs_glue.h>

/* What net_device's private area holds: Rust's owner of the device. */
struct ovs_rs_internal_dev {
	const struct ovs_rs_port_ops *ops;
	const void *owner;
};

static struct ovs_rs_internal_dev *ovs_rs_internal_priv(struct net_device *dev)
{
	return netdev_priv(dev);
}

static netdev_tx_t ovs_rs_internal_dev_xmit(struct sk_buff *skb,
					    struct net_device *dev)
{
	unsigned int len = skb->len;
	int err;

	rcu_read_lock();
	err = ovs_rs_internal_priv(dev)->ops->receive(ovs_rs_internal_priv(dev)->owner,
						      skb, false);
	rcu_read_unlock();

	if (likely(!err))
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		dev->stats.tx_errors++;
	return NETDEV_TX_OK;
}

static int ovs_rs_internal_dev_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int ovs_rs_internal_dev_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static void ovs_rs_internal_dev_getinfo(struct net_device *dev,
					struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "openvswitch", sizeof(info->driver));
}

static const struct ethtool_ops ovs_rs_internal_ethtool_ops = {
	.get_drvinfo = ovs_rs_internal_dev_getinfo,
	.get_link = ethtool_op_get_link,
};

/* Runs once the device is unregistered and unreferenced. */
static void ovs_rs_internal_dev_destructor(struct net_device *dev)
{
	ovs_rs_internal_priv(dev)->ops->release(ovs_rs_internal_priv(dev)->owner);
}

static const struct net_device_ops ovs_rs_internal_netdev_ops = {
	.ndo_open = ovs_rs_internal_dev_open,
	.ndo_stop = ovs_rs_internal_dev_stop,
	.ndo_start_xmit = ovs_rs_internal_dev_xmit,
	.ndo_set_mac_address = eth_mac_addr,
};

bool ovs_rs_is_internal_dev(const struct net_device *dev)
{
	return dev->netdev_ops == &ovs_rs_internal_netdev_ops;
}

static struct rtnl_link_ops ovs_rs_internal_link_ops __read_mostly = {
	.kind = "openvswitch",
};

static void ovs_rs_internal_dev_setup(struct net_device *dev)
{
	ether_setup(dev);

	dev->max_mtu = ETH_MAX_MTU;
	dev->netdev_ops = &ovs_rs_internal_netdev_ops;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_OPENVSWITCH | IFF_NO_QUEUE;
	dev->lltx = true;
	dev->needs_free_netdev = true;
	dev->priv_destructor = NULL;
	dev->ethtool_ops = &ovs_rs_internal_ethtool_ops;
	dev->rtnl_link_ops = &ovs_rs_internal_link_ops;

	dev->features = NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA |
			NETIF_F_HW_CSUM | NETIF_F_GSO_SOFTWARE |
			NETIF_F_GSO_ENCAP_ALL;
	dev->vlan_features = dev->features;
	dev->hw_enc_features = dev->features;
	dev->features |= NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX;
	dev->hw_features = dev->features;

	eth_hw_addr_random(dev);
}

struct net_device *ovs_rs_internal_dev_create(struct net *net, const char *name,
					      int ifindex, bool netns_immutable,
					      const struct ovs_rs_port_ops *ops,
					      const void *owner, int *err)
{
	struct net_device *dev;

	dev = alloc_netdev(sizeof(struct ovs_rs_internal_dev), name,
			   NET_NAME_USER, ovs_rs_internal_dev_setup);
	if (!dev) {
		*err = -ENOMEM;
		return NULL;
	}
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev_net_set(dev, net);
	dev->ifindex = ifindex;
	dev->netns_immutable = netns_immutable;
	ovs_rs_internal_priv(dev)->ops = ops;
	ovs_rs_internal_priv(dev)->owner = owner;

	rtnl_lock();
	*err = register_netdevice(dev);
	if (*err) {
		rtnl_unlock();
		/* Never registered: no destructor runs, the caller keeps owner. */
		free_netdev(dev);
		return NULL;
	}
	/* From here the device owns @owner and gives it back on destruction. */
	dev->priv_destructor = ovs_rs_internal_dev_destructor;
	dev_set_promiscuity(dev, 1);
	rtnl_unlock();
	netif_start_queue(dev);
	return dev;
}

void ovs_rs_internal_dev_destroy(struct net_device *dev)
{
	netif_stop_queue(dev);
	rtnl_lock();
	dev_set_promiscuity(dev, -1);
	/* Waits for an RCU grace period; the destructor runs after. */
	unregister_netdevice(dev);
	rtnl_unlock();
}

int ovs_rs_netdev_ifindex(const struct net_device *dev)
{
	return dev->ifindex;
}

/* Copies the device's name (at most IFNAMSIZ bytes with its NUL). */
void ovs_rs_netdev_name(const struct net_device *dev, char *buf)
{
	/* As ovs_vport_name(): a plain read, like every C datapath reply. */
	strscpy(buf, dev->name, IFNAMSIZ);
}

struct net *ovs_rs_netdev_net(const struct net_device *dev)
{
	return dev_net(dev);
}

/*
 * The id @net knows @dev's namespace by, allocating one if needed, or
 * false when @dev is in @net (OVS_VPORT_ATTR_NETNSID).
 */
bool ovs_rs_netdev_netnsid(struct net *net, const struct net_device *dev,
			   int *id)
{
	struct net *dev_ns;
	bool other;

	rcu_read_lock();
	dev_ns = dev_net_rcu(dev);
	other = !net_eq(net, dev_ns);
	if (other)
		*id = peernet2id_alloc(net, dev_ns, GFP_ATOMIC);
	rcu_read_unlock();
	return other;
}

unsigned int ovs_rs_netdev_fwd_headroom(struct net_device *dev)
{
	return netdev_get_fwd_headroom(dev);
}

/* Negative: back to the device's own headroom. */
void ovs_rs_netdev_set_rx_headroom(struct net_device *dev, int headroom)
{
	netdev_set_rx_headroom(dev, headroom);
}

struct net *ovs_rs_genl_info_net(const struct genl_info *info)
{
	return genl_info_net(info);
}

/*
 * The module's periodic work: the kernel crate's DelayedWork cannot be
 * cancelled, and a self-re-arming work must be, at unload.
 */
static struct {
	struct delayed_work work;
	unsigned long period;
	void (*fn)(const void *ctx);
	const void *ctx;
} ovs_rs_periodic;

static void ovs_rs_periodic_fn(struct work_struct *work)
{
	ovs_rs_periodic.fn(ovs_rs_periodic.ctx);
	schedule_delayed_work(&ovs_rs_periodic.work, ovs_rs_periodic.period);
}

void ovs_rs_periodic_start(unsigned int period_ms, void (*fn)(const void *ctx),
			   const void *ctx)
{
	INIT_DELAYED_WORK(&ovs_rs_periodic.work, ovs_rs_periodic_fn);
	ovs_rs_periodic.period = msecs_to_jiffies(period_ms);
	ovs_rs_periodic.fn = fn;
	ovs_rs_periodic.ctx = ctx;
	schedule_delayed_work(&ovs_rs_periodic.work, ovs_rs_periodic.period);
}

void ovs_rs_periodic_stop(void)
{
	/* Also stops a work that is re-arming itself. */
	cancel_delayed_work_sync(&ovs_rs_periodic.work);
}

/* Monotonic-clock milliseconds at jiffies @then (ovs_flow_used_time()). */
u64 ovs_rs_monotonic_ms_at(unsigned long then)
{
	struct timespec64 cur_ts;
	u64 cur_ms, idle_ms;

	ktime_get_ts64(&cur_ts);
	idle_ms = jiffies_to_msecs(jiffies - then);
	cur_ms = (u64)(u32)cur_ts.tv_sec * MSEC_PER_SEC +
		 cur_ts.tv_nsec / NSEC_PER_MSEC;

	return cur_ms - idle_ms;
}

bool ovs_rs_genl_must_notify(const struct genl_info *info, unsigned int group)
{
	return info->nlhdr->nlmsg_flags & NLM_F_ECHO ||
	       genl_has_listeners(info->family, genl_info_net(info), group);
}

struct net *ovs_rs_skb_sock_net(const struct sk_buff *skb)
{
	return sock_net(skb->sk);
}

unsigned int ovs_rs_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

bool ovs_rs_in_task(void)
{
	return in_task();
}

bool ovs_rs_tc_skb_ext_available(void)
{
	return IS_ENABLED(CONFIG_NET_TC_SKB_EXT);
}

void ovs_rs_tc_skb_ext_enable(bool on)
{
#if IS_ENABLED(CONFIG_NET_TC_SKB_EXT)
	if (on)
		tc_skb_ext_tc_enable();
	else
		tc_skb_ext_tc_disable();
#endif
}

/* Network namespaces: Rust tears down what lives in a dying one. */

static struct {
	void (*exit)(const void *ctx, struct net *net);
	const void *ctx;
} ovs_rs_net_hook;

/*
 * Per namespace: how many Rust objects keep it (NetHandle), and whether
 * it holds conntrack's labels for ct(labels).
 */
struct ovs_rs_net {
	atomic_t handles;
	bool ct_labels;
};

static unsigned int ovs_rs_net_id __read_mostly;

static int __net_init ovs_rs_net_init(struct net *net)
{
	struct ovs_rs_net *n = net_generic(net, ovs_rs_net_id);

	n->ct_labels = ovs_rs_ct_labels_get(net);
	return 0;
}

static void __net_exit ovs_rs_net_exit(struct net *net)
{
	struct ovs_rs_net *n = net_generic(net, ovs_rs_net_id);

	ovs_rs_net_hook.exit(ovs_rs_net_hook.ctx, net);
	if (n->ct_labels)
		ovs_rs_ct_labels_put(net);
}

static struct pernet_operations ovs_rs_net_ops = {
	.init = ovs_rs_net_init,
	.exit = ovs_rs_net_exit,
	.id = &ovs_rs_net_id,
	.size = sizeof(struct ovs_rs_net),
};

void ovs_rs_net_handle_get(struct net *net)
{
	struct ovs_rs_net *n = net_generic(net, ovs_rs_net_id);

	atomic_inc(&n->handles);
}

void ovs_rs_net_handle_put(struct net *net)
{
	struct ovs_rs_net *n = net_generic(net, ovs_rs_net_id);

	WARN_ON_ONCE(atomic_dec_return(&n->handles) < 0);
}

int ovs_rs_net_handles(struct net *net)
{
	struct ovs_rs_net *n = net_generic(net, ovs_rs_net_id);

	return atomic_read(&n->handles);
}

int ovs_rs_net_register(void (*exit)(const void *ctx, struct net *net),
			const void *ctx)
{
	int err;

	ovs_rs_net_hook.exit = exit;
	ovs_rs_net_hook.ctx = ctx;

	err = rtnl_link_register(&ovs_rs_internal_link_ops);
	if (err)
		return err;
	err = register_pernet_device(&ovs_rs_net_ops);
	if (err)
		rtnl_link_unregister(&ovs_rs_internal_link_ops);
	return err;
}

void ovs_rs_net_unregister(void)
{
	/* Runs the exit hook for every namespace still alive. */
	unregister_pernet_device(&ovs_rs_net_ops);
	rtnl_link_unregister(&ovs_rs_internal_link_ops);
	/* Ports freed after a grace period call back into this module. */
	rcu_barrier();
}

/* sk_buff release; kfree_skb() is an inline. */
void ovs_rs_kfree_skb(struct sk_buff *skb)
{
	kfree_skb(skb);
}

unsigned int ovs_rs_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

/* Generic netlink inlines the kernel crate has no binding for. */

int ovs_rs_genlmsg_multicast_netns(const struct genl_family *family,
				   struct net *net, struct sk_buff *skb,
				   unsigned int group)
{
	return genlmsg_multicast_netns(family, net, skb, 0, group, GFP_KERNEL);
}

/* Tell @group's listeners in @net a notification was lost (genl_set_err()). */
void ovs_rs_genl_set_err(const struct genl_family *family, struct net *net,
			 unsigned int group, int code)
{
	genl_set_err(family, net, 0, group, code);
}

int ovs_rs_genlmsg_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

u32 ovs_rs_netlink_cb_portid(const struct netlink_callback *cb)
{
	return NETLINK_CB(cb->skb).portid;
}

const void *ovs_rs_skb_data(const struct sk_buff *skb)
{
	return skb->data;
}

/* struct ovs_vport_stats, in its field order, as ovs_vport_get_stats(). */
void ovs_rs_netdev_vport_stats(struct net_device *dev, u64 *out)
{
	const struct rtnl_link_stats64 *s;
	struct rtnl_link_stats64 temp;

	s = dev_get_stats(dev, &temp);
	out[0] = s->rx_packets;
	out[1] = s->tx_packets;
	out[2] = s->rx_bytes;
	out[3] = s->tx_bytes;
	out[4] = s->rx_errors;
	out[5] = s->tx_errors;
	out[6] = s->rx_dropped;
	out[7] = s->tx_dropped;
}

struct nlattr *ovs_rs_nla_nest_start_noflag(struct sk_buff *skb, int attrtype)
{
	return nla_nest_start_noflag(skb, attrtype);
}

void ovs_rs_nla_nest_end(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_end(skb, start);
}
