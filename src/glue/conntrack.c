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
#include <net/netfilter/nf_conntrack_helper.h>
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
