// SPDX-License-Identifier: GPL-2.0

//! `struct ovs_header`: the family header of every OVS generic netlink
//! message, which names the datapath by its local port's ifindex.

use kernel::prelude::*;

use crate::kapi::genl::{Dump, Family, Request};
use crate::kapi::nlmsg::Msg;
use crate::uapi::OVS_HEADER_SIZE;

/// `ovs_header->dp_ifindex` of a request.
pub(crate) trait OvsHeader {
    fn dp_ifindex(&self) -> i32;
}

impl OvsHeader for Request<'_> {
    fn dp_ifindex(&self) -> i32 {
        dp_ifindex(self.family_header())
    }
}

impl OvsHeader for Dump<'_> {
    fn dp_ifindex(&self) -> i32 {
        dp_ifindex(self.family_header())
    }
}

/// The core checks every request holds the family's `hdrsize` bytes, an
/// `ovs_header` for every OVS family; without one, 0 names no datapath.
fn dp_ifindex(hdr: &[u8]) -> i32 {
    match hdr.first_chunk::<OVS_HEADER_SIZE>() {
        Some(bytes) => i32::from_ne_bytes(*bytes),
        None => {
            kernel::warn_on!(true);
            0
        }
    }
}

/// The `ovs_header` of a message about datapath `dp_ifindex`.
pub(crate) fn ovs_header(dp_ifindex: i32) -> [u8; OVS_HEADER_SIZE] {
    dp_ifindex.to_ne_bytes()
}

/// A reply of `size` bytes to `req`, from `family`, whose header names the
/// request's datapath (the meter and ct_limit families'
/// `*_cmd_reply_start()`).
pub(crate) fn reply_start(family: &Family, size: usize, req: &Request<'_>, cmd: u8) -> Result<Msg> {
    let mut reply = Msg::new(size)?;
    reply.put_header(
        family,
        req.snd_portid(),
        req.snd_seq(),
        0,
        cmd,
        &ovs_header(req.dp_ifindex()),
    )?;
    Ok(reply)
}
