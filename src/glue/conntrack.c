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
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_count.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include <ovs_rs_glue.h>

#if IS_ENABLED(CONFIG_NF_CONNTRACK)

/*
 * A template for connections tracked in @zone_id (both directions), as
 * ovs_ct_copy_action() makes one: confirmed, so that it is never inserted
 * into the table itself.
 */
struct ovs_rs_nf_conn *ovs_rs_ct_tmpl_alloc(struct net *net, u16 zone_id)
{
	struct nf_conntrack_zone zone;
	struct nf_conn *ct;

	nf_ct_zone_init(&zone, zone_id, NF_CT_DEFAULT_ZONE_DIR, 0);
	ct = nf_ct_tmpl_alloc(net, &zone, GFP_KERNEL);
	if (ct)
		__set_bit(IPS_CONFIRMED_BIT, &ct->status);
	return (struct ovs_rs_nf_conn *)ct;
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

#endif

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
