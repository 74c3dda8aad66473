// SPDX-License-Identifier: GPL-2.0

//! Generic netlink families whose static tables live in the C glue.
//!
//! The families, their ops and policies are C data (`src/glue/`); every op
//! points at one of two C trampolines that pass the request to the
//! [`Handler`] installed for the family. This file knows nothing of what
//! the families mean: the module's composition root decides which handler
//! serves which family.

use core::{
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicU32, Ordering},
};

use kernel::{
    bindings,
    error::{code::*, to_result},
    ffi::{c_int, c_uint, c_void},
    prelude::*,
    str::CStr,
    sync::Arc,
    types::Opaque,
};

use super::glue;
use super::netdev::NetNs;
use super::nlmsg::MsgWriter;
use crate::netlink::attr::{nla_align, Attr, NLA_HDRLEN};

/// `NLMSG_HDRLEN`: the netlink header, padded (a C macro).
const NLMSG_HDRLEN: usize = nla_align(core::mem::size_of::<bindings::nlmsghdr>());
/// `GENL_HDRLEN`: the generic netlink header, padded (a C macro).
pub(super) const GENL_HDRLEN: usize = nla_align(core::mem::size_of::<bindings::genlmsghdr>());

/// One of the C glue's static families.
///
/// # Invariants
///
/// `raw` points to a `genl_family` in the glue's static data, which lives
/// as long as the module; `index` is its index in the glue's table.
pub(crate) struct Family {
    raw: NonNull<bindings::genl_family>,
    index: c_uint,
}

// SAFETY: the family is static data, and the netlink core serialises
// (un)registration under its own lock; nothing here is tied to a thread.
unsafe impl Send for Family {}
// SAFETY: shared references only read fields the netlink core sets once.
unsafe impl Sync for Family {}

impl Family {
    /// The glue's family at `index`, or `None` where there is none (past
    /// the table, or a family this kernel lacks what it needs for).
    pub(crate) fn get(index: usize) -> Option<Family> {
        let index = c_uint::try_from(index).ok()?;
        // SAFETY: the glue function has no preconditions; it returns a
        // pointer to static data or null.
        let raw = NonNull::new(unsafe { glue::ovs_rs_genl_family(index) })?;
        Some(Family { raw, index })
    }

    // The netlink core writes parts of the family (its id, group offset)
    // while registering it: fields are read through the raw pointer, never
    // through a Rust reference to the whole struct.

    /// The name the glue gave the family.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: valid for the module's life (type invariant);
        // `genl_family::name` is a NUL-terminated string of at most
        // GENL_NAMSIZ bytes the core never writes.
        unsafe { CStr::from_char_ptr((*self.raw.as_ptr()).name.as_ptr()) }
    }

    pub(crate) fn version(&self) -> u32 {
        // SAFETY: valid static data (type invariant), written by the glue
        // only.
        unsafe { (*self.raw.as_ptr()).version }
    }

    /// The size of the family's own header, after the genl header.
    pub(crate) fn hdrsize(&self) -> usize {
        // SAFETY: as in `version`.
        unsafe { (*self.raw.as_ptr()).hdrsize as usize }
    }

    /// The name of the family's multicast group, if it has one.
    pub(crate) fn mcgroup(&self) -> Option<&CStr> {
        let family = self.raw.as_ptr();
        // SAFETY: as in `version`.
        let (n, groups) = unsafe { ((*family).n_mcgrps, (*family).mcgrps) };
        if n == 0 || groups.is_null() {
            return None;
        }
        // SAFETY: `mcgrps` points to `n_mcgrps` (here at least one) static
        // groups, each with a NUL-terminated name.
        Some(unsafe { CStr::from_char_ptr((*groups).name.as_ptr()) })
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::genl_family {
        self.raw.as_ptr()
    }

    /// The id the netlink core assigned; 0 before registration.
    pub(crate) fn id(&self) -> i32 {
        // SAFETY: valid static data; the core writes `id` while
        // registering, before any request can ask.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*self.raw.as_ptr()).id)) }
    }
}

/// What serves a family's requests. `cmd` is the request's genl command;
/// a command the family's ops table routes here but the handler does not
/// know is a bug of the tables, answered with `EOPNOTSUPP`.
pub(crate) trait Handler: Send + Sync + 'static {
    /// A `doit` request.
    fn doit(&self, cmd: u8, req: &Request<'_>) -> Result;

    /// One round of a dump: writes entries with `out` and returns the
    /// bytes in the buffer (0 ends the dump).
    fn dumpit(&self, cmd: u8, dump: &Dump<'_>, out: &mut MsgWriter<'_>) -> Result<usize>;
}

/// The C vtable of handler type `H` (as `kernel::net::phy`'s adapter).
struct Adapter<H: Handler>(PhantomData<H>);

impl<H: Handler> Adapter<H> {
    const OPS: glue::GenlHandlerRaw = glue::GenlHandlerRaw {
        doit: Some(Self::doit_callback),
        dumpit: Some(Self::dumpit_callback),
    };

    /// # Safety
    ///
    /// Called by the C trampoline only, with the `ctx` of the
    /// [`Registration`] that installed this vtable (alive until it drops,
    /// which waits for requests in flight) and the core's valid `info`.
    unsafe extern "C" fn doit_callback(
        ctx: *const c_void,
        info: *mut bindings::genl_info,
    ) -> c_int {
        let Some(info) = NonNull::new(info) else {
            return EINVAL.to_errno();
        };
        // SAFETY: `ctx` is the `Arc<H>` pointer the registration holds
        // (caller's guarantee).
        let handler = unsafe { &*ctx.cast::<H>() };
        // SAFETY: the netlink core passes a valid `genl_info` that lives
        // until this callback returns; `Opaque<T>` has `T`'s layout and
        // makes no claim on its contents.
        let info = unsafe { &*info.as_ptr().cast::<Opaque<bindings::genl_info>>() };
        // INVARIANT: as above.
        let req = Request { info };
        match handler.doit(req.cmd(), &req) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// As for `doit_callback`, with the core's valid dump state.
    unsafe extern "C" fn dumpit_callback(
        ctx: *const c_void,
        skb: *mut bindings::sk_buff,
        cb: *mut bindings::netlink_callback,
    ) -> c_int {
        let (Some(skb), Some(cb)) = (NonNull::new(skb), NonNull::new(cb)) else {
            return EINVAL.to_errno();
        };
        // SAFETY: as in `doit_callback`.
        let handler = unsafe { &*ctx.cast::<H>() };
        // SAFETY: the netlink core passes valid callback state that lives
        // until this callback returns; `Opaque<T>` has `T`'s layout and
        // makes no claim on its contents.
        let cb = unsafe { &*cb.as_ptr().cast::<Opaque<bindings::netlink_callback>>() };
        // INVARIANT: as above, and the output skb is the dump's, for this
        // callback.
        let dump = Dump { skb, cb };
        // SAFETY: the output skb is written only by this callback, and
        // only through this one writer, whose lifetime is this call's.
        let mut out = unsafe { MsgWriter::new(skb, &dump) };
        match handler.dumpit(dump.cmd(), &dump, &mut out) {
            Ok(len) => c_int::try_from(len).unwrap_or(c_int::MAX),
            Err(e) => e.to_errno(),
        }
    }
}

/// A family registered with the netlink core and served by `H`;
/// unregistered on drop.
///
/// # Invariants
///
/// The glue's handler slot of `family` holds `Adapter::<H>::OPS` and the
/// pointer of `handler` from before registration until after
/// unregistration.
pub(crate) struct Registration<H: Handler> {
    family: Family,
    // Dropped after the slot is cleared, in `drop`.
    _handler: Arc<H>,
}

/// The glue's handler slots held by a [`Registration`], one bit each.
static SLOTS_HELD: AtomicU32 = AtomicU32::new(0);

impl<H: Handler> Registration<H> {
    /// Registers `family`, served by `handler`. Fails with `EEXIST` when a
    /// family of the same name exists already, and with `EBUSY` when this
    /// module registered it already.
    pub(crate) fn new(family: Family, handler: Arc<H>) -> Result<Self> {
        let bit = 1u32.checked_shl(family.index).ok_or(EINVAL)?;
        if SLOTS_HELD.fetch_or(bit, Ordering::AcqRel) & bit != 0 {
            return Err(EBUSY);
        }
        // SAFETY: the slot is this registration's alone (the bit above),
        // and the family is not registered yet, so no request reads it;
        // the vtable is a promoted constant and `handler` outlives the
        // slot (cleared in drop or below).
        unsafe {
            glue::ovs_rs_genl_set_handler(
                family.index,
                &Adapter::<H>::OPS,
                Arc::as_ptr(&handler).cast::<c_void>(),
            )
        };
        // SAFETY: the family is valid static data (type invariant of
        // `Family`). The core refuses a second registration of the same
        // name with EEXIST.
        if let Err(e) = to_result(unsafe { bindings::genl_register_family(family.as_ptr()) }) {
            // SAFETY: not registered, so no request can be using the slot.
            unsafe {
                glue::ovs_rs_genl_set_handler(family.index, core::ptr::null(), core::ptr::null())
            };
            SLOTS_HELD.fetch_and(!bit, Ordering::AcqRel);
            return Err(e);
        }
        Ok(Registration {
            family,
            _handler: handler,
        })
    }
}

impl<H: Handler> Drop for Registration<H> {
    fn drop(&mut self) {
        // SAFETY: `self` exists only for a family it registered, and only
        // this drop unregisters it; unregistration waits for requests in
        // flight, so none uses the slot or the handler afterwards.
        let err = unsafe { bindings::genl_unregister_family(self.family.as_ptr()) };
        if err != 0 {
            pr_warn!("unregistering {} failed: {}\n", self.family.name(), err);
        }
        // SAFETY: as above: nothing reads the slot any more.
        unsafe {
            glue::ovs_rs_genl_set_handler(self.family.index, core::ptr::null(), core::ptr::null())
        };
        SLOTS_HELD.fetch_and(
            !1u32.checked_shl(self.family.index).unwrap_or(0),
            Ordering::AcqRel,
        );
    }
}

/// A request being handled by a `doit` callback.
///
/// # Invariants
///
/// `info` is the netlink core's valid `genl_info` for the request, for
/// lifetime `'a`; C owns it, so it is reached through `Opaque` and read
/// field by field, never as a Rust reference to the C struct.
pub(crate) struct Request<'a> {
    info: &'a Opaque<bindings::genl_info>,
}

impl Request<'_> {
    pub(super) fn as_ptr(&self) -> *mut bindings::genl_info {
        self.info.get()
    }

    /// The attribute of type `kind`, as parsed and validated against the
    /// family's policy by the netlink core (`info->attrs[kind]`).
    pub(crate) fn attr(&self, kind: u16) -> Option<Attr<'_>> {
        let info = self.as_ptr();
        // SAFETY: valid for the request (type invariant); the core set
        // these fields before calling the handler and leaves them be.
        let (attrs, family) = unsafe { ((*info).attrs, (*info).family) };
        if attrs.is_null() || family.is_null() {
            return None;
        }
        // SAFETY: `family` is the static family that received the request.
        let maxattr = unsafe { (*family).maxattr };
        if u32::from(kind) > maxattr {
            return None;
        }
        // SAFETY: with a policy, `attrs` has `maxattr + 1` entries.
        let nla = unsafe { *attrs.add(usize::from(kind)) };
        // SAFETY: null or an attribute the core parsed and validated inside
        // the request message, which outlives the borrow of `self`.
        unsafe { parsed_attr(nla) }
    }

    /// The family's own header (`genl_info_userhdr()`, `hdrsize` bytes).
    pub(crate) fn family_header(&self) -> &[u8] {
        let info = self.as_ptr();
        // SAFETY: valid for the request (type invariant).
        let (family, genlhdr) = unsafe { ((*info).family, (*info).genlhdr) };
        if family.is_null() || genlhdr.is_null() {
            return &[];
        }
        // SAFETY: `family` is the static family that received the request.
        let len = unsafe { (*family).hdrsize } as usize;
        // SAFETY: the core rejects messages shorter than GENL_HDRLEN plus
        // the family's `hdrsize`, so these bytes follow the genl header in
        // the request, which outlives the borrow of `self`.
        unsafe { core::slice::from_raw_parts(genlhdr.cast::<u8>().add(GENL_HDRLEN), len) }
    }

    /// The request's genl header.
    fn genlhdr(&self) -> *const bindings::genlmsghdr {
        // SAFETY: valid for the request (type invariant).
        unsafe { (*self.as_ptr()).genlhdr }
    }

    /// `genlmsghdr->cmd` of the request.
    pub(crate) fn cmd(&self) -> u8 {
        // SAFETY: the core validated the message holds a genl header.
        unsafe { (*self.genlhdr()).cmd }
    }

    /// `genlmsghdr->version` of the request.
    pub(crate) fn genl_version(&self) -> u8 {
        // SAFETY: the core validated the message holds a genl header.
        unsafe { (*self.genlhdr()).version }
    }

    /// The namespace of the requesting socket.
    pub(crate) fn net(&self) -> Result<NetNs<'_>> {
        // SAFETY: `info` is valid (type invariant); its namespace is the
        // requester's, alive during the request.
        let net = unsafe { glue::ovs_rs_genl_info_net(self.as_ptr()) };
        // SAFETY: as above; `NetNs` holders die before their namespace.
        unsafe { NetNs::from_raw(net) }.ok_or(EINVAL)
    }

    /// Netlink port id of the sender.
    pub(crate) fn snd_portid(&self) -> u32 {
        // SAFETY: valid for the request (type invariant).
        unsafe { (*self.as_ptr()).snd_portid }
    }

    /// Sequence number of the request.
    pub(crate) fn snd_seq(&self) -> u32 {
        // SAFETY: valid for the request (type invariant).
        unsafe { (*self.as_ptr()).snd_seq }
    }

    /// The request's `nlmsg_flags` (`NLM_F_*`).
    pub(crate) fn nlmsg_flags(&self) -> u16 {
        // SAFETY: valid for the request (type invariant).
        let nlh = unsafe { (*self.as_ptr()).nlhdr };
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
        unsafe { glue::ovs_rs_genl_must_notify(self.as_ptr(), group) }
    }

    /// Sets the extended-ack message userspace receives with the error
    /// (`NL_SET_ERR_MSG`).
    pub(crate) fn set_err_msg(&self, msg: &'static CStr) {
        // SAFETY: `info` is valid (type invariant); its `extack` is null or
        // valid for the request.
        unsafe { set_extack_msg((*self.as_ptr()).extack, msg) }
    }
}

/// A dump in progress (`dumpit` callback).
///
/// # Invariants
///
/// `cb` is the netlink core's valid callback state and `skb` the dump's
/// output buffer, which only this callback writes, for lifetime `'a`. C
/// owns both: they are reached through `Opaque`/raw pointers, field by
/// field.
pub(crate) struct Dump<'a> {
    skb: NonNull<bindings::sk_buff>,
    cb: &'a Opaque<bindings::netlink_callback>,
}

impl Dump<'_> {
    fn cb(&self) -> *mut bindings::netlink_callback {
        self.cb.get()
    }

    /// Sets the extended-ack message of the dump's error.
    pub(crate) fn set_err_msg(&self, msg: &'static CStr) {
        // SAFETY: valid callback state (type invariant); `extack` is null
        // or valid during the callback.
        unsafe { set_extack_msg((*self.cb()).extack, msg) }
    }

    /// The namespace of the dumping socket.
    pub(crate) fn net(&self) -> Result<NetNs<'_>> {
        // SAFETY: the output skb belongs to the requester's socket, alive
        // during the dump; `NetNs` holders die before their namespace.
        unsafe { NetNs::from_raw(glue::ovs_rs_skb_sock_net(self.skb.as_ptr())) }.ok_or(EINVAL)
    }

    /// Netlink port id of the requester (`NETLINK_CB(cb->skb).portid`).
    pub(crate) fn portid(&self) -> u32 {
        // SAFETY: valid callback state (type invariant).
        unsafe { glue::ovs_rs_netlink_cb_portid(self.cb()) }
    }

    /// Sequence number of the dump request.
    pub(crate) fn seq(&self) -> u32 {
        // SAFETY: valid callback state (type invariant).
        let nlh = unsafe { (*self.cb()).nlh };
        if nlh.is_null() {
            return 0;
        }
        // SAFETY: `cb->nlh` is the dump request, alive during the dump.
        unsafe { (*nlh).nlmsg_seq }
    }

    /// The dump request's genl header and the family's own header after
    /// it (`hdrsize` bytes), or `None` if the request has none.
    fn request_headers(&self) -> Option<(&bindings::genlmsghdr, &[u8])> {
        // SAFETY: valid callback state (type invariant).
        let (nlh, data) = unsafe { ((*self.cb()).nlh.cast::<u8>(), (*self.cb()).data) };
        // SAFETY: `data` is the core's `genl_dumpit_info` for this dump,
        // whose family is the static family that received it.
        let hdrsize = unsafe {
            let info = data.cast::<bindings::genl_dumpit_info>();
            if nlh.is_null() || info.is_null() || (*info).info.family.is_null() {
                return None;
            }
            (*(*info).info.family).hdrsize as usize
        };
        // SAFETY: the core checked the request holds the netlink and genl
        // headers and the family's `hdrsize` bytes before starting the
        // dump; the request outlives the dump and nothing writes it. A
        // `genlmsghdr` is bytes, aligned to 4 after the 4-aligned netlink
        // header.
        unsafe {
            let genlhdr = &*nlh.add(NLMSG_HDRLEN).cast::<bindings::genlmsghdr>();
            let user = core::slice::from_raw_parts(nlh.add(NLMSG_HDRLEN + GENL_HDRLEN), hdrsize);
            Some((genlhdr, user))
        }
    }

    /// The family's own header of the dump request (`hdrsize` bytes).
    pub(crate) fn family_header(&self) -> &[u8] {
        self.request_headers().map_or(&[], |(_, user)| user)
    }

    /// The dump request's genl command.
    pub(crate) fn cmd(&self) -> u8 {
        self.request_headers().map_or(0, |(genl, _)| genl.cmd)
    }

    /// The dump request's attributes, parsed and validated with the
    /// family's policy, for families whose dumps the core leaves
    /// unparsed (`GENL_DONT_VALIDATE_DUMP`); the parser's errno otherwise.
    pub(crate) fn parse_attrs(&self) -> Result<DumpAttrs<'_>> {
        let mut attrs = DumpAttrs {
            ptrs: [core::ptr::null_mut(); DUMP_ATTRS_MAX],
            _req: PhantomData,
        };
        // SAFETY: valid callback state (type invariant); `ptrs` has room
        // for the count passed, which the glue checks against `maxattr`.
        to_result(unsafe {
            glue::ovs_rs_genl_dump_parse(
                self.cb(),
                attrs.ptrs.as_mut_ptr(),
                DUMP_ATTRS_MAX as c_uint,
            )
        })?;
        Ok(attrs)
    }

    /// Resume cursor `i` (`cb->args[i]`), 0 on the first round.
    pub(crate) fn arg(&self, i: usize) -> usize {
        let cb = self.cb();
        // SAFETY: `args` overlays the initialised callback state (the core
        // zeroes it before the first round); any bits are a valid `long`.
        // The index is bounds-checked; the read goes through the raw
        // pointer, so no reference to C's struct is made.
        unsafe {
            let args = core::ptr::addr_of!((*cb).__bindgen_anon_1.args);
            (*args).get(i).map_or(0, |&v| v as usize)
        }
    }

    /// Sets resume cursor `i` for the next round.
    pub(crate) fn set_arg(&self, i: usize, value: usize) {
        let cb = self.cb();
        // SAFETY: the core does not touch `args` during the callback, and
        // no reference to it exists (reads go through the raw pointer);
        // the index is bounds-checked.
        unsafe {
            if let Some(slot) = (*cb).__bindgen_anon_1.args.get_mut(i) {
                *slot = value as isize;
            }
        }
    }
}

/// How many attribute types [`Dump::parse_attrs`] can hold (`maxattr` + 1).
const DUMP_ATTRS_MAX: usize = 32;

/// A dump request's parsed attributes, borrowed from the request.
///
/// # Invariants
///
/// Each entry is null or a validated attribute inside the dump request,
/// which outlives `'a`.
pub(crate) struct DumpAttrs<'a> {
    ptrs: [*mut bindings::nlattr; DUMP_ATTRS_MAX],
    _req: PhantomData<&'a ()>,
}

impl DumpAttrs<'_> {
    /// The attribute of type `kind`, if the request has one.
    pub(crate) fn get(&self, kind: u16) -> Option<Attr<'_>> {
        let nla = *self.ptrs.get(usize::from(kind))?;
        // SAFETY: null or a validated attribute inside the request (type
        // invariant), which outlives the borrow of `self`.
        unsafe { parsed_attr(nla) }
    }
}

/// The attribute at `nla`, or `None` for null.
///
/// # Safety
///
/// `nla` is null or an attribute the netlink parser validated
/// (`nla_len >= NLA_HDRLEN`, the payload inside the message) in a message
/// that outlives `'a`.
unsafe fn parsed_attr<'a>(nla: *const bindings::nlattr) -> Option<Attr<'a>> {
    if nla.is_null() {
        return None;
    }
    // SAFETY: per the caller, the payload is the `nla_len - NLA_HDRLEN`
    // bytes after the header, inside the message, alive for `'a`.
    unsafe {
        let len = usize::from((*nla).nla_len).saturating_sub(NLA_HDRLEN);
        let payload = core::slice::from_raw_parts(nla.cast::<u8>().add(NLA_HDRLEN), len);
        Some(Attr::from_parts((*nla).nla_type, payload))
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
