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

/// `struct ovs_rs_genl_handler`.
#[repr(C)]
pub(super) struct GenlHandlerRaw {
    pub(super) doit:
        Option<unsafe extern "C" fn(ctx: *const c_void, info: *mut bindings::genl_info) -> c_int>,
    pub(super) dumpit: Option<
        unsafe extern "C" fn(
            ctx: *const c_void,
            skb: *mut bindings::sk_buff,
            cb: *mut bindings::netlink_callback,
        ) -> c_int,
    >,
}

/// `struct ovs_rs_port_ops`.
#[repr(C)]
pub(super) struct PortOpsRaw {
    pub(super) receive: Option<
        unsafe extern "C" fn(
            owner: *const c_void,
            skb: *mut bindings::sk_buff,
            netdev: bool,
        ) -> c_int,
    >,
    pub(super) release: Option<unsafe extern "C" fn(owner: *const c_void)>,
}

/// A callback with its context (`void (*)(const void *ctx)`).
pub(super) type CtxFn = Option<unsafe extern "C" fn(ctx: *const c_void)>;

/// `struct ovs_rs_skb_state`.
#[repr(C)]
#[derive(Default)]
pub(super) struct SkStateRaw {
    pub(super) len: u32,
    pub(super) headlen: u32,
    pub(super) priority: u32,
    pub(super) mark: u32,
    pub(super) csum: u32,
    pub(super) network: i32,
    pub(super) transport: i32,
    pub(super) protocol: u16,
    pub(super) vlan_proto: u16,
    pub(super) vlan_tci: u16,
    pub(super) dev_type: u16,
    pub(super) mac_len: u16,
    pub(super) ip_summed: u8,
    pub(super) vlan_present: bool,
    pub(super) gso: bool,
    pub(super) gso_udp: bool,
}

/// `struct ovs_rs_skb_headers`.
#[repr(C)]
pub(super) struct HeadersRaw {
    pub(super) mac_len: i32,
    pub(super) network: i32,
    pub(super) transport: i32,
    pub(super) inner_network: i32,
    pub(super) protocol: u16,
}

// Only pointers to `genl_family` cross here; the lint objects to a
// zero-sized member deep inside the struct, which no call passes by value.
#[allow(improper_ctypes)]
extern "C" {
    /// The static family at `index` (`enum ovs_rs_family_index`), or null
    /// where this kernel lacks what the family needs.
    pub(super) fn ovs_rs_genl_family(index: c_uint) -> *mut bindings::genl_family;
    pub(super) fn ovs_rs_genl_set_handler(
        index: c_uint,
        ops: *const GenlHandlerRaw,
        ctx: *const c_void,
    );
    pub(super) fn ovs_rs_genl_dump_parse(
        cb: *mut bindings::netlink_callback,
        attrs: *mut *mut bindings::nlattr,
        n_attrs: c_uint,
    ) -> c_int;

    pub(super) fn ovs_rs_internal_dev_create(
        net: *mut bindings::net,
        name: *const c_char,
        ifindex: c_int,
        netns_immutable: bool,
        ops: *const PortOpsRaw,
        owner: *const c_void,
        err: *mut c_int,
    ) -> *mut bindings::net_device;
    pub(super) fn ovs_rs_internal_dev_destroy(dev: *mut bindings::net_device);
    pub(super) fn ovs_rs_netdev_ifindex(dev: *const bindings::net_device) -> c_int;
    pub(super) fn ovs_rs_netdev_name(dev: *const bindings::net_device, buf: *mut c_char);
    pub(super) fn ovs_rs_genl_info_net(info: *const bindings::genl_info) -> *mut bindings::net;
    pub(super) fn ovs_rs_periodic_start(period_ms: c_uint, f: CtxFn, ctx: *const c_void);
    pub(super) fn ovs_rs_periodic_stop();
    pub(super) fn ovs_rs_monotonic_ms_at(then: core::ffi::c_ulong) -> u64;
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
        ops: *const PortOpsRaw,
        owner: *const c_void,
        err: *mut c_int,
    ) -> *mut NetdevPortRaw;
    pub(super) fn ovs_rs_netdev_detach(port: *mut NetdevPortRaw);
    pub(super) fn ovs_rs_netdev_attached(port: *const NetdevPortRaw) -> bool;
    pub(super) fn ovs_rs_netdev_port_dev(port: *const NetdevPortRaw) -> *mut bindings::net_device;
    pub(super) fn ovs_rs_netdev_notifier_register(detached: CtxFn, ctx: *const c_void) -> c_int;
    pub(super) fn ovs_rs_netdev_notifier_unregister();
    pub(super) fn ovs_rs_net_register(
        exit: Option<unsafe extern "C" fn(ctx: *const c_void, net: *mut bindings::net)>,
        ctx: *const c_void,
    ) -> c_int;
    pub(super) fn ovs_rs_net_unregister();
    pub(super) fn ovs_rs_net_handle_get(net: *mut bindings::net);
    pub(super) fn ovs_rs_net_handle_put(net: *mut bindings::net);
    pub(super) fn ovs_rs_net_handles(net: *mut bindings::net) -> c_int;

    pub(super) fn ovs_rs_dev_hold(dev: *mut bindings::net_device);
    pub(super) fn ovs_rs_dev_put(dev: *mut bindings::net_device);
    pub(super) fn ovs_rs_skb_get_state(skb: *const bindings::sk_buff, st: *mut SkStateRaw);
    pub(super) fn ovs_rs_skb_pull(skb: *mut bindings::sk_buff, len: c_uint) -> c_int;
    pub(super) fn ovs_rs_skb_make_writable(skb: *mut bindings::sk_buff, len: c_uint) -> c_int;
    pub(super) fn ovs_rs_skb_linearize(skb: *mut bindings::sk_buff) -> c_int;
    pub(super) fn ovs_rs_skb_data_mut(skb: *mut bindings::sk_buff) -> *mut c_void;
    pub(super) fn ovs_rs_skb_vlan_untag(skb: *mut bindings::sk_buff, tpid: u16) -> c_int;
    pub(super) fn ovs_rs_skb_set_headers(skb: *mut bindings::sk_buff, h: *const HeadersRaw);
    pub(super) fn ovs_rs_skb_set_csum(skb: *mut bindings::sk_buff, csum: u32);
    pub(super) fn ovs_rs_skb_clear_hash(skb: *mut bindings::sk_buff);
    pub(super) fn ovs_rs_skb_set_meta(skb: *mut bindings::sk_buff, priority: u32, mark: u32);
    pub(super) fn ovs_rs_skb_get_hash(skb: *mut bindings::sk_buff) -> u32;
    pub(super) fn ovs_rs_skb_get_hash_symmetric(skb: *mut bindings::sk_buff) -> u32;
    pub(super) fn ovs_rs_skb_upcall_hash(skb: *const bindings::sk_buff) -> u64;
    pub(super) fn ovs_rs_skb_set_upcall_hash(skb: *mut bindings::sk_buff, hash: u64);
    pub(super) fn ovs_rs_skb_vlan_push(skb: *mut bindings::sk_buff, tpid: u16, tci: u16) -> c_int;
    pub(super) fn ovs_rs_skb_vlan_pop(skb: *mut bindings::sk_buff) -> c_int;
    pub(super) fn ovs_rs_skb_clone(skb: *mut bindings::sk_buff) -> *mut bindings::sk_buff;
    pub(super) fn ovs_rs_consume_skb(skb: *mut bindings::sk_buff);
    pub(super) fn ovs_rs_skb_tx_error(skb: *mut bindings::sk_buff);
    pub(super) fn ovs_rs_skb_from_bytes(
        data: *const c_void,
        len: c_uint,
        ignore_df: bool,
    ) -> *mut bindings::sk_buff;
    pub(super) fn ovs_rs_skb_set_dev(skb: *mut bindings::sk_buff, dev: *mut bindings::net_device);
    pub(super) fn ovs_rs_skb_scrub_foreign(
        skb: *mut bindings::sk_buff,
        net: *mut bindings::net,
    ) -> bool;
    pub(super) fn ovs_rs_upcall_prepare(
        skb: *mut bindings::sk_buff,
        clone: *mut *mut bindings::sk_buff,
        err: *mut c_int,
    ) -> *mut bindings::sk_buff;
    pub(super) fn ovs_rs_skb_zerocopy_headlen(skb: *const bindings::sk_buff) -> c_uint;
    pub(super) fn ovs_rs_upcall_put_packet(
        user_skb: *mut bindings::sk_buff,
        skb: *mut bindings::sk_buff,
        len: c_uint,
        hlen: c_uint,
        unaligned: bool,
    ) -> c_int;
    pub(super) fn ovs_rs_genlmsg_new_atomic(payload: usize) -> *mut bindings::sk_buff;
    pub(super) fn ovs_rs_genlmsg_unicast(
        net: *mut bindings::net,
        skb: *mut bindings::sk_buff,
        portid: u32,
    ) -> c_int;
    pub(super) fn ovs_rs_skb_gso_segment(
        skb: *mut bindings::sk_buff,
        err: *mut c_int,
    ) -> *mut bindings::sk_buff;
    pub(super) fn ovs_rs_skb_list_take_next(skb: *mut bindings::sk_buff) -> *mut bindings::sk_buff;
    pub(super) fn ovs_rs_exec_level_enter() -> c_int;
    pub(super) fn ovs_rs_exec_level_leave();
    pub(super) fn ovs_rs_exec_level() -> c_int;
    pub(super) fn ovs_rs_smp_processor_id() -> c_uint;
    pub(super) fn ovs_rs_local_bh_disable();
    pub(super) fn ovs_rs_local_bh_enable();
    pub(super) fn ovs_rs_percpu_alloc(size: usize, align: usize) -> *mut c_void;
    pub(super) fn ovs_rs_percpu_free(ptr: *mut c_void);
    pub(super) fn ovs_rs_percpu_this(ptr: *mut c_void) -> *mut c_void;
    pub(super) fn ovs_rs_percpu_ptr(ptr: *mut c_void, cpu: c_uint) -> *mut c_void;
    pub(super) fn ovs_rs_skb_mpls_push(
        skb: *mut bindings::sk_buff,
        lse: u32,
        ethertype: u16,
        mac_len: u16,
        ethernet: bool,
    ) -> c_int;
    pub(super) fn ovs_rs_skb_mpls_pop(
        skb: *mut bindings::sk_buff,
        ethertype: u16,
        ethernet: bool,
    ) -> c_int;
    pub(super) fn ovs_rs_skb_eth_push(
        skb: *mut bindings::sk_buff,
        dst: *const u8,
        src: *const u8,
    ) -> c_int;
    pub(super) fn ovs_rs_skb_eth_pop(skb: *mut bindings::sk_buff) -> c_int;
    pub(super) fn ovs_rs_skb_ct_clear(skb: *mut bindings::sk_buff);
    pub(super) fn ovs_rs_psample(
        net: *mut bindings::net,
        skb: *mut bindings::sk_buff,
        group: u32,
        cookie: *const u8,
        cookie_len: u32,
        in_ifindex: c_int,
        cutlen: u32,
        probability: u32,
    );
    pub(super) fn ovs_rs_deps_acquire();
    pub(super) fn ovs_rs_deps_release();
    pub(super) fn ovs_rs_skb_nsh_push(skb: *mut bindings::sk_buff, hdr: *const c_void) -> c_int;
    pub(super) fn ovs_rs_skb_nsh_pop(skb: *mut bindings::sk_buff) -> c_int;
    pub(super) fn ovs_rs_drop_reasons_register();
    pub(super) fn ovs_rs_drop_reasons_unregister();
    pub(super) fn ovs_rs_kfree_skb_reason(skb: *mut bindings::sk_buff, index: u32);
    #[allow(clippy::too_many_arguments)]
    pub(super) fn ovs_rs_skb_tunnel_info(
        skb: *const bindings::sk_buff,
        key: *mut c_void,
        proto: *mut u8,
        opts: *mut u8,
        opts_len: *mut u8,
    ) -> bool;
    pub(super) fn ovs_rs_skb_set_tunnel(
        skb: *mut bindings::sk_buff,
        tun_key: *const c_void,
        tun_proto: u8,
        opts: *const u8,
        opts_len: u8,
    ) -> c_int;
    pub(super) fn ovs_rs_egress_tunnel_info(
        dev: *mut bindings::net_device,
        skb: *mut bindings::sk_buff,
        key: *mut c_void,
        proto: *mut u8,
        opts: *mut u8,
        opts_len: *mut u8,
        mode: *mut u8,
    ) -> bool;
    pub(super) fn ovs_rs_vport_output(
        net: *mut bindings::net,
        dev: *mut bindings::net_device,
        internal: bool,
        skb: *mut bindings::sk_buff,
        mac_proto: u8,
        eth_type: u16,
        mru: u16,
        cutlen: u32,
        min_len: c_uint,
    );
}
