// SPDX-License-Identifier: GPL-2.0
/*
 * Offsets and sizes of struct sw_flow_key fields, for scripts/flow-key-layout
 * (compiled to assembly only, never linked): the asm-offsets technique.
 */
#include <linux/kbuild.h>
#include <linux/stddef.h>
#include "flow.h"  /* net/openvswitch/flow.h of the kernel source */

#define K(name, field) OFFSET(name, sw_flow_key, field)
#define SZ(name, field) DEFINE(name##_size, sizeof(((struct sw_flow_key *)0)->field))
#define F(name, field) K(name, field); SZ(name, field)

void ovs_rs_flow_key_layout(void);

void ovs_rs_flow_key_layout(void)
{
	DEFINE(KEY_SIZE, sizeof(struct sw_flow_key));
	F(tun_opts, tun_opts);
	F(tun_opts_len, tun_opts_len);
	F(tun_key, tun_key);
	F(tun_id, tun_key.tun_id);
	F(tun_ipv4_src, tun_key.u.ipv4.src);
	F(tun_ipv4_dst, tun_key.u.ipv4.dst);
	F(tun_ipv6_src, tun_key.u.ipv6.src);
	F(tun_ipv6_dst, tun_key.u.ipv6.dst);
	F(tun_flags, tun_key.tun_flags);
	F(tun_label, tun_key.label);
	F(tun_nhid, tun_key.nhid);
	F(tun_tos, tun_key.tos);
	F(tun_ttl, tun_key.ttl);
	F(tun_tp_src, tun_key.tp_src);
	F(tun_tp_dst, tun_key.tp_dst);
	F(tun_flow_flags, tun_key.flow_flags);
	F(phy_priority, phy.priority);
	F(phy_skb_mark, phy.skb_mark);
	F(phy_in_port, phy.in_port);
	F(mac_proto, mac_proto);
	F(tun_proto, tun_proto);
	F(ovs_flow_hash, ovs_flow_hash);
	F(recirc_id, recirc_id);
	F(eth_src, eth.src);
	F(eth_dst, eth.dst);
	F(eth_vlan_tci, eth.vlan.tci);
	F(eth_vlan_tpid, eth.vlan.tpid);
	F(eth_cvlan_tci, eth.cvlan.tci);
	F(eth_cvlan_tpid, eth.cvlan.tpid);
	F(eth_type, eth.type);
	F(ct_state, ct_state);
	F(ct_orig_proto, ct_orig_proto);
	F(ip_proto, ip.proto);
	F(ip_tos, ip.tos);
	F(ip_ttl, ip.ttl);
	F(ip_frag, ip.frag);
	F(ct_zone, ct_zone);
	F(tp_src, tp.src);
	F(tp_dst, tp.dst);
	F(tp_flags, tp.flags);
	F(ipv4_src, ipv4.addr.src);
	F(ipv4_dst, ipv4.addr.dst);
	F(ipv4_ct_orig_src, ipv4.ct_orig.src);
	F(ipv4_ct_orig_dst, ipv4.ct_orig.dst);
	F(arp_sha, ipv4.arp.sha);
	F(arp_tha, ipv4.arp.tha);
	F(ipv6_src, ipv6.addr.src);
	F(ipv6_dst, ipv6.addr.dst);
	F(ipv6_label, ipv6.label);
	F(ipv6_exthdrs, ipv6.exthdrs);
	F(ipv6_ct_orig_src, ipv6.ct_orig.src);
	F(ipv6_ct_orig_dst, ipv6.ct_orig.dst);
	F(nd_target, ipv6.nd.target);
	F(nd_sll, ipv6.nd.sll);
	F(nd_tll, ipv6.nd.tll);
	F(mpls_num_labels_mask, mpls.num_labels_mask);
	F(mpls_lse, mpls.lse);
	F(nsh_base, nsh.base);
	F(nsh_context, nsh.context);
	F(ct_orig_tp_src, ct.orig_tp.src);
	F(ct_orig_tp_dst, ct.orig_tp.dst);
	F(ct_mark, ct.mark);
	F(ct_labels, ct.labels);
}
