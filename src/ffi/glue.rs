// SPDX-License-Identifier: GPL-2.0

//! Prototypes of `include/ovs_rs_glue.h`, implemented by the C glue in
//! `src/glue/`. Keep them in step with the header.

use kernel::{
    bindings,
    ffi::{c_char, c_int, c_uint, c_void},
};

/// `struct ovs_rs_netdev_port`, private to `src/glue/vport_netdev.c`.
#[repr(C)]
pub(super) struct NetdevPortRaw {
    _private: [u8; 0],
}

// Only pointers to `genl_family` cross here; the lint objects to a
// zero-sized member deep inside the struct, which no call passes by value.
#[allow(improper_ctypes)]
extern "C" {
    /// The static family at `index` (`enum ovs_rs_family_index`), or null
    /// where this kernel lacks what the family needs.
    pub(super) fn ovs_rs_genl_family(index: c_uint) -> *mut bindings::genl_family;

    pub(super) fn ovs_rs_internal_dev_create(
        net: *mut bindings::net,
        name: *const c_char,
        ifindex: c_int,
        netns_immutable: bool,
        owner: *mut c_void,
        err: *mut c_int,
    ) -> *mut bindings::net_device;
    pub(super) fn ovs_rs_internal_dev_destroy(dev: *mut bindings::net_device);
    pub(super) fn ovs_rs_netdev_ifindex(dev: *const bindings::net_device) -> c_int;
    pub(super) fn ovs_rs_netdev_name(dev: *const bindings::net_device, buf: *mut c_char);
    pub(super) fn ovs_rs_genl_info_net(info: *const bindings::genl_info) -> *mut bindings::net;
    pub(super) fn ovs_rs_flow_dump_ufid_flags(
        cb: *const bindings::netlink_callback,
        ufid_flags: *mut u32,
    ) -> c_int;
    pub(super) fn ovs_rs_masks_rebalance_start();
    pub(super) fn ovs_rs_masks_rebalance_stop();
    pub(super) fn ovs_rs_flow_used_time(flow_jiffies: core::ffi::c_ulong) -> u64;
    pub(super) fn ovs_rs_genl_must_notify(info: *const bindings::genl_info, group: c_uint) -> bool;
    pub(super) fn ovs_rs_skb_sock_net(skb: *const bindings::sk_buff) -> *mut bindings::net;
    pub(super) fn ovs_rs_nr_cpu_ids() -> c_uint;
    pub(super) fn ovs_rs_tc_skb_ext_available() -> bool;
    pub(super) fn ovs_rs_tc_skb_ext_enable(on: bool);
    pub(super) fn ovs_rs_kfree_skb(skb: *mut bindings::sk_buff);
    pub(super) fn ovs_rs_skb_len(skb: *const bindings::sk_buff) -> c_uint;
    pub(super) fn ovs_rs_genlmsg_reply(
        skb: *mut bindings::sk_buff,
        info: *mut bindings::genl_info,
    ) -> c_int;
    pub(super) fn ovs_rs_netlink_cb_portid(cb: *const bindings::netlink_callback) -> u32;
    pub(super) fn ovs_rs_skb_data(skb: *const bindings::sk_buff) -> *const c_void;
    pub(super) fn ovs_rs_netdev_vport_stats(dev: *mut bindings::net_device, out: *mut u64);
    pub(super) fn ovs_rs_nla_nest_start_noflag(
        skb: *mut bindings::sk_buff,
        attrtype: c_int,
    ) -> *mut bindings::nlattr;
    pub(super) fn ovs_rs_nla_nest_end(skb: *mut bindings::sk_buff, start: *mut bindings::nlattr);
    pub(super) fn ovs_rs_netdev_net(dev: *const bindings::net_device) -> *mut bindings::net;
    pub(super) fn ovs_rs_netdev_netnsid(
        net: *mut bindings::net,
        dev: *const bindings::net_device,
        id: *mut c_int,
    ) -> bool;
    pub(super) fn ovs_rs_netdev_fwd_headroom(dev: *mut bindings::net_device) -> c_uint;
    pub(super) fn ovs_rs_netdev_set_rx_headroom(dev: *mut bindings::net_device, headroom: c_int);
    pub(super) fn ovs_rs_genlmsg_multicast_netns(
        family: *const bindings::genl_family,
        net: *mut bindings::net,
        skb: *mut bindings::sk_buff,
        group: c_uint,
    ) -> c_int;
    pub(super) fn ovs_rs_genl_set_err(
        family: *const bindings::genl_family,
        net: *mut bindings::net,
        group: c_uint,
        code: c_int,
    );
    pub(super) fn ovs_rs_netdev_attach(
        net: *mut bindings::net,
        name: *const c_char,
        master: *mut bindings::net_device,
        owner: *mut c_void,
        err: *mut c_int,
    ) -> *mut NetdevPortRaw;
    pub(super) fn ovs_rs_netdev_detach(port: *mut NetdevPortRaw);
    pub(super) fn ovs_rs_netdev_attached(port: *const NetdevPortRaw) -> bool;
    pub(super) fn ovs_rs_netdev_port_dev(port: *const NetdevPortRaw) -> *mut bindings::net_device;
    pub(super) fn ovs_rs_netdev_notifier_register() -> c_int;
    pub(super) fn ovs_rs_netdev_notifier_unregister();
    pub(super) fn ovs_rs_net_register() -> c_int;
    pub(super) fn ovs_rs_net_unregister();
}
