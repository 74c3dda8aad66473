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
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_count.h>

#include <ovs_rs_glue.h>

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

#endif
