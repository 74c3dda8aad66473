// SPDX-License-Identifier: GPL-2.0
/*
 * Netdev ports: an existing device attached to a datapath through its
 * rx_handler, as net/openvswitch/vport-netdev.c and dp_notify.c do.
 *
 * The rx_handler returns an enum (rx_handler_result_t) and the notifier
 * and the RCU-deferred release need static C objects, so they live here;
 * what a port is and which datapath owns it is decided in Rust
 * (src/kapi/netdev.rs, src/vport.rs).
 */
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <ovs_rs_glue.h>

struct ovs_rs_netdev_port {
	struct net_device *dev;
	netdevice_tracker tracker;
	/* Rust's reference to the port, handed back by ops->release(). */
	const struct ovs_rs_port_ops *ops;
	const void *owner;
	struct rcu_head rcu;
};

static rx_handler_result_t ovs_rs_netdev_frame_hook(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct ovs_rs_netdev_port *port;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;

	port = rcu_dereference(skb->dev->rx_handler_data);
	if (unlikely(!port) || unlikely(skb_warn_if_lro(skb))) {
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}

	/* Our own copy: the datapath may change the packet, and whoever
	 * saw it before us (AF_PACKET taps) must not see that.
	 */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		return RX_HANDLER_CONSUMED;

	if (skb->dev->type == ARPHRD_ETHER)
		skb_push_rcsum(skb, ETH_HLEN);

	port->ops->receive(port->owner, skb, true);
	return RX_HANDLER_CONSUMED;
}

/* Whether @dev is attached to one of our datapaths. Under rtnl or RCU. */
static bool ovs_rs_netdev_is_ours(const struct net_device *dev)
{
	return netif_is_ovs_port(dev) &&
	       rcu_access_pointer(dev->rx_handler) == ovs_rs_netdev_frame_hook;
}

/* ovs_netdev_detach_dev(): undo ovs_rs_netdev_attach()'s device changes. */
static void ovs_rs_netdev_detach_dev(struct net_device *dev)
{
	ASSERT_RTNL();
	netdev_rx_handler_unregister(dev);
	netdev_upper_dev_unlink(dev, netdev_master_upper_dev_get(dev));
	dev_set_promiscuity(dev, -1);

	/* Paired with smp_mb() in ovs_rs_netdev_detach(). */
	smp_wmb();

	dev->priv_flags &= ~IFF_OVS_DATAPATH;
}

struct ovs_rs_netdev_port *ovs_rs_netdev_attach(struct net *net,
						const char *name,
						struct net_device *master,
						const struct ovs_rs_port_ops *ops,
						const void *owner, int *err)
{
	struct ovs_rs_netdev_port *port;
	struct net_device *dev;

	port = kzalloc_obj(*port, GFP_KERNEL);
	if (!port) {
		*err = -ENOMEM;
		return NULL;
	}

	dev = netdev_get_by_name(net, name, &port->tracker, GFP_KERNEL);
	if (!dev) {
		*err = -ENODEV;
		goto error_free;
	}
	port->dev = dev;
	port->ops = ops;
	port->owner = owner;

	/* The name must be the device's own, not an alternative name. */
	if (strcmp(name, dev->name)) {
		*err = -ENODEV;
		goto error_put;
	}

	if (dev->flags & IFF_LOOPBACK ||
	    (dev->type != ARPHRD_ETHER && dev->type != ARPHRD_NONE) ||
	    ovs_rs_is_internal_dev(dev)) {
		*err = -EINVAL;
		goto error_put;
	}

	rtnl_lock();
	/* An unregistering device would miss our NETDEV_UNREGISTER handling. */
	if (dev->reg_state != NETREG_REGISTERED) {
		*err = -ENODEV;
		goto error_unlock;
	}

	*err = netdev_master_upper_dev_link(dev, master, NULL, NULL, NULL);
	if (*err)
		goto error_unlock;

	*err = netdev_rx_handler_register(dev, ovs_rs_netdev_frame_hook, port);
	if (*err)
		goto error_unlink;

	dev_disable_lro(dev);
	dev_set_promiscuity(dev, 1);
	dev->priv_flags |= IFF_OVS_DATAPATH;
	rtnl_unlock();
	return port;

error_unlink:
	netdev_upper_dev_unlink(dev, master);
error_unlock:
	rtnl_unlock();
error_put:
	netdev_put(dev, &port->tracker);
error_free:
	kfree(port);
	return NULL;
}

static void ovs_rs_netdev_port_free(struct rcu_head *rcu)
{
	struct ovs_rs_netdev_port *port =
		container_of(rcu, struct ovs_rs_netdev_port, rcu);

	netdev_put(port->dev, &port->tracker);
	port->ops->release(port->owner);
	kfree(port);
}

void ovs_rs_netdev_detach(struct ovs_rs_netdev_port *port)
{
	/* After a NETDEV_UNREGISTER the device is already detached. */
	if (netif_is_ovs_port(port->dev)) {
		rtnl_lock();
		if (ovs_rs_netdev_is_ours(port->dev))
			ovs_rs_netdev_detach_dev(port->dev);
		rtnl_unlock();
	}

	/* Paired with smp_wmb() in ovs_rs_netdev_detach_dev(). */
	smp_mb();

	/* Receivers that saw the port finish before it goes. */
	call_rcu(&port->rcu, ovs_rs_netdev_port_free);
}

bool ovs_rs_netdev_attached(const struct ovs_rs_netdev_port *port)
{
	return netif_is_ovs_port(port->dev);
}

struct net_device *ovs_rs_netdev_port_dev(const struct ovs_rs_netdev_port *port)
{
	return port->dev;
}

/*
 * A device with a port is going away: detach it at once (under rtnl, as
 * the unregistration needs), and let a work item under ovs_mutex remove
 * the port and tell userspace (dp_notify.c).
 */
static struct {
	void (*detached)(const void *ctx);
	const void *ctx;
} ovs_rs_notify;

static void ovs_rs_notify_work_fn(struct work_struct *work)
{
	ovs_rs_notify.detached(ovs_rs_notify.ctx);
}

static DECLARE_WORK(ovs_rs_notify_work, ovs_rs_notify_work_fn);

static int ovs_rs_device_event(struct notifier_block *unused,
			       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event != NETDEV_UNREGISTER || !ovs_rs_netdev_is_ours(dev))
		return NOTIFY_DONE;

	ovs_rs_netdev_detach_dev(dev);
	queue_work(system_percpu_wq, &ovs_rs_notify_work);
	return NOTIFY_DONE;
}

static struct notifier_block ovs_rs_device_notifier = {
	.notifier_call = ovs_rs_device_event,
};

int ovs_rs_netdev_notifier_register(void (*detached)(const void *ctx),
				    const void *ctx)
{
	ovs_rs_notify.detached = detached;
	ovs_rs_notify.ctx = ctx;
	return register_netdevice_notifier(&ovs_rs_device_notifier);
}

void ovs_rs_netdev_notifier_unregister(void)
{
	/* Replays NETDEV_UNREGISTER: every port gets detached. */
	unregister_netdevice_notifier(&ovs_rs_device_notifier);
	/* The ports go with their datapaths; nobody is left to tell. */
	cancel_work_sync(&ovs_rs_notify_work);
}
