// SPDX-License-Identifier: GPL-2.0

//! The IPv6 extension-header walk of `ipv6_find_hdr()`, for key
//! extraction (the upper-layer protocol) and the set actions (is there
//! an active routing header). `get_ipv6_ext_hdrs()`, which only sums up
//! which headers there are, walks by other rules (every length as
//! `ipv6_optlen()`, no limit) and stays with the extraction.

use crate::uapi::proto::{
    IP6_MAX_EXT_HDRS_CNT, IPV6_HLEN, NEXTHDR_AUTH, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP,
    NEXTHDR_NONE, NEXTHDR_ROUTING,
};

/// The bytes of a packet, offsets counted from its `skb->data`.
pub trait Frame {
    /// `skb->len`.
    fn frame_len(&self) -> usize;
    /// `N` bytes at `at`, if all of them are there.
    fn bytes_at<const N: usize>(&self, at: usize) -> Option<[u8; N]>;
}

impl Frame for [u8] {
    fn frame_len(&self) -> usize {
        self.len()
    }

    fn bytes_at<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        crate::bytes::array(self, at)
    }
}

/// `ipv6_ext_hdr()`.
pub fn ipv6_ext_hdr(next: u8) -> bool {
    matches!(
        next,
        NEXTHDR_HOP
            | NEXTHDR_ROUTING
            | NEXTHDR_FRAGMENT
            | NEXTHDR_AUTH
            | NEXTHDR_NONE
            | NEXTHDR_DEST
    )
}

/// What `ipv6_find_hdr(skb, &offset, target, &frag_off, &flags)` leaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// The header found and its offset; `None` for C's negative returns.
    pub next: Option<(u8, usize)>,
    /// `IP6_FH_F_FRAG`: a fragment header was reached.
    pub frag: bool,
    /// The fragment offset of a non-first fragment, else 0.
    pub frag_off: u16,
}

/// `ipv6_find_hdr()` from the IPv6 header at `nh`. `target` `None` is
/// C's -1: the first header that is not an extension header (or
/// `NEXTHDR_NONE`). `skip_rh` is `IP6_FH_F_SKIP_RH`: a routing header
/// with no segments left does not count as found.
pub fn find_hdr<F: Frame + ?Sized>(d: &F, nh: usize, target: Option<u8>, skip_rh: bool) -> Found {
    let mut out = Found::default();
    let (Some([mut next]), Some(mut start)) = (
        nh.checked_add(6).and_then(|at| d.bytes_at::<1>(at)),
        nh.checked_add(IPV6_HLEN),
    ) else {
        return out;
    };
    let mut count = 0u32;
    loop {
        let mut found = target == Some(next);
        if !ipv6_ext_hdr(next) || next == NEXTHDR_NONE {
            if target.is_none() || found {
                out.next = Some((next, start));
            }
            return out;
        }
        if count >= IP6_MAX_EXT_HDRS_CNT {
            return out;
        }
        count += 1;
        // struct ipv6_opt_hdr: nexthdr, hdrlen.
        let Some([hp_next, hp_len]) = d.bytes_at::<2>(start) else {
            return out;
        };
        let len = match next {
            NEXTHDR_ROUTING => {
                // struct ipv6_rt_hdr: ..., type, segments_left.
                let Some([_, _, _, segments_left]) = d.bytes_at::<4>(start) else {
                    return out;
                };
                if skip_rh && segments_left == 0 {
                    found = false;
                }
                (usize::from(hp_len) + 1) * 8
            }
            NEXTHDR_FRAGMENT => {
                out.frag = true;
                let Some(frag_off) = start
                    .checked_add(2)
                    .and_then(|at| d.bytes_at::<2>(at))
                    .map(|b| u16::from_be_bytes(b) & !7)
                else {
                    return out;
                };
                if frag_off != 0 {
                    // A later fragment: what follows is known only when
                    // it is not another extension header.
                    if target.is_none() && (!ipv6_ext_hdr(hp_next) || hp_next == NEXTHDR_NONE) {
                        out.frag_off = frag_off;
                        out.next = Some((hp_next, start));
                    } else if found {
                        out.frag_off = frag_off;
                        out.next = Some((next, start));
                    }
                    return out;
                }
                8
            }
            NEXTHDR_AUTH => (usize::from(hp_len) + 2) * 4,
            _ => (usize::from(hp_len) + 1) * 8,
        };
        if found {
            out.next = Some((next, start));
            return out;
        }
        if d.frame_len().saturating_sub(start) < len {
            return out;
        }
        next = hp_next;
        let Some(s) = start.checked_add(len) else {
            return out;
        };
        start = s;
    }
}
