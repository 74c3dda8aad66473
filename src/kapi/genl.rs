// SPDX-License-Identifier: GPL-2.0

//! Generic netlink: the six OVS families and their command entry points.
//!
//! The families themselves are static C tables (`src/glue/`); this file
//! registers them and turns the netlink core's `doit`/`dumpit` calls into
//! calls of safe Rust handlers.

use core::{marker::PhantomData, ptr::NonNull};

use kernel::{
    bindings,
    error::{code::*, to_result},
    ffi::{c_int, c_uint},
    prelude::*,
    str::CStr,
};

use super::glue;
use super::netdev::NetNs;
use super::nlmsg::MsgWriter;
use crate::netlink::attr::{nla_align, Attr, NLA_HDRLEN};
use crate::uapi::{FamilySpec, FAMILIES, OVS_HEADER_SIZE};
use crate::{datapath, flow_family, packet_family, vport};

/// `NLMSG_HDRLEN`: the netlink header, padded (a C macro).
const NLMSG_HDRLEN: usize = nla_align(core::mem::size_of::<bindings::nlmsghdr>());
/// `GENL_HDRLEN`: the generic netlink header, padded (a C macro).
const GENL_HDRLEN: usize = nla_align(core::mem::size_of::<bindings::genlmsghdr>());

/// One of the C glue's static families.
///
/// # Invariants
///
/// `raw` points to a `genl_family` in the glue's static data, which lives
/// as long as the module.
pub(crate) struct Family {
    raw: NonNull<bindings::genl_family>,
    spec: &'static FamilySpec,
}

// SAFETY: the family is static data, and the netlink core serialises
// (un)registration under its own lock; nothing here is tied to a thread.
unsafe impl Send for Family {}
// SAFETY: shared references only read fields the netlink core sets once.
unsafe impl Sync for Family {}

impl Family {
    /// The family described by `FAMILIES[index]`, or `None` where this
    /// kernel lacks it (`ovs_ct_limit` without connection counting).
    pub(crate) fn get(index: usize) -> Option<Family> {
        let spec = FAMILIES.get(index)?;
        let index = c_uint::try_from(index).ok()?;
        // SAFETY: the glue function has no preconditions; it returns a
        // pointer to static data or null.
        let raw = NonNull::new(unsafe { glue::ovs_rs_genl_family(index) })?;
        Some(Family { raw, spec })
    }

    /// What userspace should see of this family.
    pub(crate) fn spec(&self) -> &'static FamilySpec {
        self.spec
    }

    fn raw(&self) -> &bindings::genl_family {
        // SAFETY: by the type invariant the pointer is valid for the
        // module's life; the fields read through it are written only while
        // the family is (un)registered, by the thread doing that.
        unsafe { self.raw.as_ref() }
    }

    /// The name the glue gave the family.
    pub(crate) fn name(&self) -> &CStr {
        let name = &self.raw().name;
        // SAFETY: `genl_family::name` is a NUL-terminated string of at most
        // GENL_NAMSIZ bytes inside the static family.
        unsafe { CStr::from_char_ptr(name.as_ptr()) }
    }

    pub(crate) fn version(&self) -> u32 {
        self.raw().version
    }

    pub(crate) fn hdrsize(&self) -> usize {
        self.raw().hdrsize as usize
    }

    /// The name of the family's multicast group, if it has one.
    pub(crate) fn mcgroup(&self) -> Option<&CStr> {
        let family = self.raw();
        if family.n_mcgrps == 0 || family.mcgrps.is_null() {
            return None;
        }
        // SAFETY: `mcgrps` points to `n_mcgrps` (here at least one) static
        // groups, each with a NUL-terminated name.
        Some(unsafe { CStr::from_char_ptr((*family.mcgrps).name.as_ptr()) })
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::genl_family {
        self.raw.as_ptr()
    }

    /// The id the netlink core assigned; 0 while unregistered.
    pub(crate) fn id(&self) -> i32 {
        self.raw().id
    }
}

/// A family registered with the netlink core; unregistered on drop.
pub(crate) struct Registration {
    family: Family,
}

impl Registration {
    /// Registers `family`. Fails with `EEXIST` when a family of the same
    /// name exists already, e.g. while `openvswitch.ko` is loaded.
    pub(crate) fn new(family: Family) -> Result<Self> {
        // SAFETY: the family is valid static data (type invariant). The core
        // refuses a second registration of the same name with EEXIST, so a
        // family is registered by at most one `Registration` at a time.
        to_result(unsafe { bindings::genl_register_family(family.raw.as_ptr()) })?;
        Ok(Registration { family })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `self` exists only for a family it registered, and only
        // this drop unregisters it.
        let err = unsafe { bindings::genl_unregister_family(self.family.raw.as_ptr()) };
        if err != 0 {
            pr_warn!("unregistering {} failed: {}\n", self.family.spec.name, err);
        }
    }
}

/// Registers every family this kernel supports, in C's order. On failure
/// the ones already registered are unregistered again.
pub(crate) fn register_families() -> Result<KVec<Registration>> {
    let mut registered = KVec::with_capacity(FAMILIES.len(), GFP_KERNEL)?;
    for index in 0..FAMILIES.len() {
        let Some(family) = Family::get(index) else {
            continue;
        };
        let name = family.spec().name;
        match Registration::new(family) {
            Ok(reg) => registered.push(reg, GFP_KERNEL)?,
            Err(e) if e == EEXIST => {
                pr_err!(
                    "generic netlink family {} is already registered (is openvswitch.ko loaded?)\n",
                    name
                );
                return Err(e);
            }
            Err(e) => {
                pr_err!(
                    "registering generic netlink family {} failed: {:?}\n",
                    name,
                    e
                );
                return Err(e);
            }
        }
    }
    Ok(registered)
}

/// A request being handled by a `doit` callback.
///
/// # Invariants
///
/// `info` is the netlink core's valid `genl_info` for the request, for
/// lifetime `'a`.
pub(crate) struct Request<'a> {
    info: NonNull<bindings::genl_info>,
    _call: PhantomData<&'a bindings::genl_info>,
}

impl Request<'_> {
    fn info(&self) -> &bindings::genl_info {
        // SAFETY: valid for the request (type invariant); the core does not
        // change it while the handler runs.
        unsafe { self.info.as_ref() }
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::genl_info {
        self.info.as_ptr()
    }

    /// The attribute of type `kind`, as parsed and validated against the
    /// family's policy by the netlink core (`info->attrs[kind]`).
    pub(crate) fn attr(&self, kind: u16) -> Option<Attr<'_>> {
        let info = self.info();
        if info.attrs.is_null() || info.family.is_null() {
            return None;
        }
        // SAFETY: `family` is the static family that received the request.
        let maxattr = unsafe { (*info.family).maxattr };
        if u32::from(kind) > maxattr {
            return None;
        }
        // SAFETY: with a policy, `attrs` has `maxattr + 1` entries.
        let nla = unsafe { *info.attrs.add(usize::from(kind)) };
        if nla.is_null() {
            return None;
        }
        // SAFETY: a parsed attribute lies inside the request message, which
        // outlives the handler; `nla_len >= NLA_HDRLEN` was checked by the
        // parser, and the payload is the `nla_len - NLA_HDRLEN` bytes after
        // the header.
        unsafe {
            let len = usize::from((*nla).nla_len).saturating_sub(NLA_HDRLEN);
            let payload = core::slice::from_raw_parts(nla.cast::<u8>().add(NLA_HDRLEN), len);
            Some(Attr::from_parts((*nla).nla_type, payload))
        }
    }

    /// `ovs_header->dp_ifindex` of the request.
    pub(crate) fn dp_ifindex(&self) -> i32 {
        // `genl_info_userhdr()`: the family header follows the genl header.
        let genlhdr = self.info().genlhdr.cast::<u8>();
        // SAFETY: the core rejects messages shorter than GENL_HDRLEN plus
        // the family's `hdrsize` (an `ovs_header`), so these bytes are in
        // the request; they may be unaligned.
        let bytes = unsafe {
            let hdr = genlhdr.add(GENL_HDRLEN);
            core::ptr::read_unaligned(hdr.cast::<[u8; OVS_HEADER_SIZE]>())
        };
        i32::from_ne_bytes(bytes)
    }

    /// `genlmsghdr->version` of the request.
    pub(crate) fn genl_version(&self) -> u8 {
        // SAFETY: the core validated the message holds a genl header.
        unsafe { (*self.info().genlhdr).version }
    }

    /// The namespace of the requesting socket.
    pub(crate) fn net(&self) -> Result<NetNs> {
        // SAFETY: `info` is valid (type invariant); its namespace is the
        // requester's, alive during the request.
        let net = unsafe { glue::ovs_rs_genl_info_net(self.info.as_ptr()) };
        // SAFETY: as above; `NetNs` holders die before their namespace.
        unsafe { NetNs::from_raw(net) }.ok_or(EINVAL)
    }

    /// Netlink port id of the sender.
    pub(crate) fn snd_portid(&self) -> u32 {
        self.info().snd_portid
    }

    /// Sequence number of the request.
    pub(crate) fn snd_seq(&self) -> u32 {
        self.info().snd_seq
    }

    /// The request's `nlmsg_flags` (`NLM_F_*`).
    pub(crate) fn nlmsg_flags(&self) -> u16 {
        let nlh = self.info().nlhdr;
        if nlh.is_null() {
            return 0;
        }
        // SAFETY: `nlhdr` is the request's header, alive during the request.
        unsafe { (*nlh).nlmsg_flags }
    }

    /// Whether a notification of this request has a reader: the sender
    /// asked for an echo, or the family's group `group` has listeners
    /// (`ovs_must_notify()`).
    pub(crate) fn must_notify(&self, group: u32) -> bool {
        // SAFETY: `info` is valid (type invariant), `family` its family.
        unsafe { glue::ovs_rs_genl_must_notify(self.info.as_ptr(), group) }
    }

    /// Sets the extended-ack message userspace receives with the error
    /// (`NL_SET_ERR_MSG`).
    pub(crate) fn set_err_msg(&self, msg: &'static CStr) {
        // SAFETY: `info` is valid (type invariant); its `extack` is null or
        // valid for the request.
        unsafe { set_extack_msg((*self.info.as_ptr()).extack, msg) }
    }
}

/// A dump in progress (`dumpit` callback).
///
/// # Invariants
///
/// `cb` is the netlink core's valid callback state and `skb` the dump's
/// output buffer, which only this callback writes, for lifetime `'a`.
pub(crate) struct Dump<'a> {
    skb: NonNull<bindings::sk_buff>,
    cb: NonNull<bindings::netlink_callback>,
    _call: PhantomData<&'a bindings::netlink_callback>,
}

impl Dump<'_> {
    fn cb(&self) -> &bindings::netlink_callback {
        // SAFETY: valid for the callback (type invariant).
        unsafe { self.cb.as_ref() }
    }

    /// Sets the extended-ack message of the dump's error.
    pub(crate) fn set_err_msg(&self, msg: &'static CStr) {
        // SAFETY: `extack` is null or valid during the callback.
        unsafe { set_extack_msg(self.cb().extack, msg) }
    }

    /// The namespace of the dumping socket.
    pub(crate) fn net(&self) -> Result<NetNs> {
        // SAFETY: the output skb belongs to the requester's socket, alive
        // during the dump; `NetNs` holders die before their namespace.
        unsafe { NetNs::from_raw(glue::ovs_rs_skb_sock_net(self.skb.as_ptr())) }.ok_or(EINVAL)
    }

    /// Netlink port id of the requester (`NETLINK_CB(cb->skb).portid`).
    pub(crate) fn portid(&self) -> u32 {
        // SAFETY: valid callback state (type invariant).
        unsafe { glue::ovs_rs_netlink_cb_portid(self.cb.as_ptr()) }
    }

    /// Sequence number of the dump request.
    pub(crate) fn seq(&self) -> u32 {
        let nlh = self.cb().nlh;
        if nlh.is_null() {
            return 0;
        }
        // SAFETY: `cb->nlh` is the dump request, alive during the dump.
        unsafe { (*nlh).nlmsg_seq }
    }

    /// `ovs_header->dp_ifindex` of the dump request.
    pub(crate) fn dp_ifindex(&self) -> i32 {
        let nlh = self.cb().nlh.cast::<u8>();
        if nlh.is_null() {
            return 0;
        }
        // SAFETY: the core checked the request holds the netlink and genl
        // headers and the family's `hdrsize` (an `ovs_header`) before
        // starting the dump; the bytes may be unaligned.
        let bytes = unsafe {
            let hdr = nlh.add(NLMSG_HDRLEN + GENL_HDRLEN);
            core::ptr::read_unaligned(hdr.cast::<[u8; OVS_HEADER_SIZE]>())
        };
        i32::from_ne_bytes(bytes)
    }

    /// `OVS_FLOW_ATTR_UFID_FLAGS` of a flow dump request (0 if absent),
    /// or the errno of parsing its attributes with the flow policy.
    pub(crate) fn flow_ufid_flags(&self) -> Result<u32> {
        let mut flags = 0;
        // SAFETY: valid callback state (type invariant); `flags` is a
        // writable u32.
        kernel::error::to_result(unsafe {
            glue::ovs_rs_flow_dump_ufid_flags(self.cb.as_ptr(), &mut flags)
        })?;
        Ok(flags)
    }

    /// Resume cursor `i` (`cb->args[i]`), 0 on the first round.
    pub(crate) fn arg(&self, i: usize) -> usize {
        // SAFETY: `args` overlays the initialised callback state (the core
        // zeroes it before the first round); any bits are a valid `long`.
        let args = unsafe { &self.cb().__bindgen_anon_1.args };
        args.get(i).map_or(0, |&v| v as usize)
    }

    /// Sets resume cursor `i` for the next round.
    pub(crate) fn set_arg(&self, i: usize, value: usize) {
        let cb = self.cb.as_ptr();
        // SAFETY: the core does not touch `args` during the callback, and
        // nothing else refers to it; the index is bounds-checked.
        unsafe {
            if let Some(slot) = (*cb).__bindgen_anon_1.args.get_mut(i) {
                *slot = value as isize;
            }
        }
    }
}

/// `NL_SET_ERR_MSG_WEAK()`: sets the message unless one is there already.
///
/// The module's messages come on top of C's, which has few: a message the
/// netlink core set while parsing (such as "bytes leftover after parsing
/// attributes") names the root cause and is what openvswitch.ko's users
/// see, so it is kept.
///
/// # Safety
///
/// `extack` is null or points to a valid `netlink_ext_ack`.
unsafe fn set_extack_msg(extack: *mut bindings::netlink_ext_ack, msg: &'static CStr) {
    // SAFETY: non-null and valid per the caller; the message is static,
    // so it outlives the ack that points at it.
    unsafe {
        if !extack.is_null() && (*extack)._msg.is_null() {
            (*extack)._msg = msg.as_char_ptr();
        }
    }
}

/// Commands whose handlers have not landed yet answer like a kernel that
/// lacks the operation, with a message saying so.
fn not_implemented(req: &Request<'_>) -> Result {
    req.set_err_msg(c"openvswitch_rs: this command is not implemented yet");
    Err(EOPNOTSUPP)
}

/// Defines `doit` entry points named in `include/ovs_rs_glue.h`.
macro_rules! doit {
    ($($name:ident => $handler:path),* $(,)?) => {$(
        /// # Safety
        ///
        /// Called by the generic netlink core only, with its valid
        /// arguments.
        #[no_mangle]
        unsafe extern "C" fn $name(
            _skb: *mut bindings::sk_buff,
            info: *mut bindings::genl_info,
        ) -> c_int {
            let Some(info) = NonNull::new(info) else {
                return EINVAL.to_errno();
            };
            // INVARIANT: the netlink core passes a valid `genl_info` that
            // lives until this callback returns.
            let req = Request { info, _call: PhantomData };
            match $handler(&req) {
                Ok(()) => 0,
                Err(e) => e.to_errno(),
            }
        }
    )*};
}

/// Defines `dumpit` entry points; a handler writes its entries with the
/// given writer and returns the bytes in the buffer (0 ends the dump).
macro_rules! dumpit {
    ($($name:ident => $handler:path),* $(,)?) => {$(
        /// # Safety
        ///
        /// Called by the generic netlink core only, with its valid
        /// arguments.
        #[no_mangle]
        unsafe extern "C" fn $name(
            skb: *mut bindings::sk_buff,
            cb: *mut bindings::netlink_callback,
        ) -> c_int {
            let (Some(skb), Some(cb)) = (NonNull::new(skb), NonNull::new(cb)) else {
                return EINVAL.to_errno();
            };
            // INVARIANT: the netlink core passes valid callback state and
            // an output skb that live until this callback returns.
            let dump = Dump { skb, cb, _call: PhantomData };
            // SAFETY: the output skb is written only by this callback, and
            // only through this one writer, whose lifetime is this call's.
            let mut out = unsafe { MsgWriter::new(skb, &dump) };
            match $handler(&dump, &mut out) {
                Ok(len) => c_int::try_from(len).unwrap_or(c_int::MAX),
                Err(e) => e.to_errno(),
            }
        }
    )*};
}

doit! {
    ovs_rs_dp_cmd_new => datapath::cmd_new,
    ovs_rs_dp_cmd_del => datapath::cmd_del,
    ovs_rs_dp_cmd_get => datapath::cmd_get,
    ovs_rs_dp_cmd_set => datapath::cmd_set,
    ovs_rs_vport_cmd_new => vport::cmd_new,
    ovs_rs_vport_cmd_del => vport::cmd_del,
    ovs_rs_vport_cmd_get => vport::cmd_get,
    ovs_rs_vport_cmd_set => vport::cmd_set,
    ovs_rs_flow_cmd_new => flow_family::cmd_new,
    ovs_rs_flow_cmd_del => flow_family::cmd_del,
    ovs_rs_flow_cmd_get => flow_family::cmd_get,
    ovs_rs_flow_cmd_set => flow_family::cmd_set,
    ovs_rs_packet_cmd_execute => packet_family::cmd_execute,
    ovs_rs_meter_cmd_features => not_implemented,
    ovs_rs_meter_cmd_set => not_implemented,
    ovs_rs_meter_cmd_get => not_implemented,
    ovs_rs_meter_cmd_del => not_implemented,
    ovs_rs_ct_limit_cmd_set => not_implemented,
    ovs_rs_ct_limit_cmd_del => not_implemented,
    ovs_rs_ct_limit_cmd_get => not_implemented,
}

dumpit! {
    ovs_rs_dp_cmd_dump => datapath::cmd_dump,
    ovs_rs_vport_cmd_dump => vport::cmd_dump,
    ovs_rs_flow_cmd_dump => flow_family::cmd_dump,
}

#[kunit_tests(ovs_rs_genl)]
mod tests {
    use super::*;
    use crate::uapi::OVS_HEADER_SIZE;

    /// The glue's static tables say what the UAPI says, and module init
    /// registered every family the kernel supports.
    #[test]
    fn glue_families_match_uapi() {
        let mut present = 0;
        for (index, spec) in FAMILIES.iter().enumerate() {
            let Some(family) = Family::get(index) else {
                // Only ovs_ct_limit is optional, as in the C module.
                assert_eq!(spec.name, "ovs_ct_limit");
                continue;
            };
            present += 1;
            assert_eq!(family.name().to_bytes(), spec.name.as_bytes());
            assert_eq!(family.version(), u32::from(spec.version));
            assert_eq!(family.hdrsize(), OVS_HEADER_SIZE);
            assert_eq!(
                family.mcgroup().map(|g| g.to_bytes()),
                spec.mcgroup.map(str::as_bytes)
            );
            assert!(family.id() > 0);
        }
        assert!(present >= 5);
        assert!(Family::get(FAMILIES.len()).is_none());
    }
}
