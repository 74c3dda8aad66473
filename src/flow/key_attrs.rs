// SPDX-License-Identifier: GPL-2.0

//! Splitting a flow key or mask attribute stream into its attributes
//! (`__parse_flow_nlattrs()`), with C's checks in C's order.
//!
//! The table of parsed attributes ([`KeyAttrs`]) outlives one stream on
//! purpose: C parses an `ENCAP` level, and then the mask, into the same
//! array without clearing it, and later stages read entries left from an
//! earlier stream (Documentation/flow-netlink.md, §2 and §3.2).

use core::fmt;

use crate::netlink::attr::{Attr, Attrs};
use crate::uapi::{key_attr, OVS_KEY_ATTR_MAX};

/// What `ovs_key_lens[]` expects of a key attribute's payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLen {
    /// Exactly this many bytes.
    Fixed(usize),
    /// Nested attributes, any length (`OVS_ATTR_NESTED`).
    Nested,
    /// Any length, checked later (`OVS_ATTR_VARIABLE`).
    Variable,
}

/// `ovs_key_lens[kind]` for `kind <= OVS_KEY_ATTR_MAX`.
pub fn key_len(kind: u16) -> KeyLen {
    use key_attr::*;
    match kind {
        ENCAP | TUNNEL | NSH => KeyLen::Nested,
        MPLS => KeyLen::Variable,
        PRIORITY | IN_PORT | SKB_MARK | DP_HASH | RECIRC_ID | CT_STATE | CT_MARK => {
            KeyLen::Fixed(4)
        }
        ETHERNET | IPV4 => KeyLen::Fixed(12),
        VLAN | ETHERTYPE | ICMP | ICMPV6 | TCP_FLAGS | CT_ZONE | IPV6_EXTHDRS => KeyLen::Fixed(2),
        IPV6 | CT_ORIG_TUPLE_IPV6 => KeyLen::Fixed(40),
        TCP | UDP | SCTP => KeyLen::Fixed(4),
        ARP => KeyLen::Fixed(24),
        ND => KeyLen::Fixed(28),
        CT_LABELS | CT_ORIG_TUPLE_IPV4 => KeyLen::Fixed(16),
        // UNSPEC and the refused types have no entry: a zeroed one.
        _ => KeyLen::Fixed(0),
    }
}

/// Why a stream was refused. Every refusal is `EINVAL`; [`fmt::Display`]
/// gives C's log text (without its `netlink: ` prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAttrsError {
    /// "Key type %d is out of range max %d"
    OutOfRange { kind: u16 },
    /// "Key type %d is not supported" (PACKET_TYPE, ND_EXTENSIONS,
    /// TUNNEL_INFO)
    NotSupported { kind: u16 },
    /// "Duplicate key (type %d)."
    Duplicate { kind: u16 },
    /// "Key %d has unexpected len %d expected %d"
    BadLength {
        kind: u16,
        len: usize,
        expected: usize,
    },
    /// "Message has %d unknown bytes."
    Trailing { rem: isize },
}

impl fmt::Display for KeyAttrsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            KeyAttrsError::OutOfRange { kind } => write!(
                f,
                "Key type {} is out of range max {}",
                kind, OVS_KEY_ATTR_MAX
            ),
            KeyAttrsError::NotSupported { kind } => {
                write!(f, "Key type {} is not supported", kind)
            }
            KeyAttrsError::Duplicate { kind } => write!(f, "Duplicate key (type {}).", kind),
            KeyAttrsError::BadLength {
                kind,
                len,
                expected,
            } => write!(
                f,
                "Key {} has unexpected len {} expected {}",
                kind, len, expected
            ),
            KeyAttrsError::Trailing { rem } => write!(f, "Message has {} unknown bytes.", rem),
        }
    }
}

const SLOTS: usize = OVS_KEY_ATTR_MAX as usize + 1;

/// Enough ones for any leaf a valid key has (the largest is IPV6, 40).
static ONES: [u8; 256] = [0xff; 256];
static CT_STATE_ALL: [u8; 4] = 0xffu32.to_ne_bytes();
static CT_STATE_NONE: [u8; 4] = [0; 4];

/// What a key attribute's payload becomes in the default mask.
fn ones_payload(kind: u16, payload: &[u8], ct_state_mask: u32) -> &[u8] {
    match key_len(kind) {
        KeyLen::Nested => payload,
        _ if kind == key_attr::CT_STATE => {
            if ct_state_mask != 0 {
                &CT_STATE_ALL
            } else {
                &CT_STATE_NONE
            }
        }
        _ => ones_like(payload),
    }
}

/// A leaf payload as the default mask reads it: as many 0xff bytes.
/// (Longer leaves only come with keys refused before their mask.)
pub(super) fn ones_like(payload: &[u8]) -> &[u8] {
    ONES.get(..payload.len()).unwrap_or(payload)
}

/// The parsed attributes, one slot per type (`a[]` in C), and the set of
/// types the streams parsed so far recorded (`attrs` in C).
#[derive(Clone, Copy, Debug)]
pub struct KeyAttrs<'a> {
    slots: [Option<Attr<'a>>; SLOTS],
    present: u64,
}

impl Default for KeyAttrs<'_> {
    fn default() -> Self {
        KeyAttrs {
            slots: [None; SLOTS],
            present: 0,
        }
    }
}

impl<'a> KeyAttrs<'a> {
    /// The attribute last recorded for `kind`, whether or not its bit is
    /// still set (C's `a[kind]`).
    pub fn get(&self, kind: u16) -> Option<Attr<'a>> {
        self.slots.get(usize::from(kind)).copied().flatten()
    }

    /// The set of recorded types, bit `kind` for each.
    pub fn present(&self) -> u64 {
        self.present
    }

    pub fn has(&self, kind: u16) -> bool {
        kind <= OVS_KEY_ATTR_MAX && self.present & (1 << kind) != 0
    }

    /// Marks `kind` as handled (C's `attrs &= ~(1 << kind)`); its slot
    /// stays.
    pub fn consume(&mut self, kind: u16) {
        if kind <= OVS_KEY_ATTR_MAX {
            self.present &= !(1 << kind);
        }
    }

    /// Replaces the set of recorded types; the slots stay. C starts a
    /// mask with an empty set and the key's `a[]`.
    pub fn set_present(&mut self, present: u64) {
        self.present = present;
    }

    /// Parses one stream into this table (`__parse_flow_nlattrs()`).
    /// `mask`: a mask stream, whose all-zero attributes are not recorded.
    /// Types already present count as duplicates.
    pub fn parse(&mut self, stream: &'a [u8], mask: bool) -> Result<(), KeyAttrsError> {
        self.parse_with(stream, mask, None)
    }

    /// Parses a key stream as the mask C derives from it when a request
    /// has none (`mask_set_nlattr(0xff)`, then a mask parse): every leaf
    /// payload reads as all ones, a CT_STATE one as `ct_state_mask`
    /// (`CT_SUPPORTED_MASK`). Nested payloads keep their structure; their
    /// own parsers apply the same rule.
    pub fn parse_default_mask(
        &mut self,
        stream: &'a [u8],
        ct_state_mask: u32,
    ) -> Result<(), KeyAttrsError> {
        self.parse_with(stream, true, Some(ct_state_mask))
    }

    fn parse_with(
        &mut self,
        stream: &'a [u8],
        mask: bool,
        ones: Option<u32>,
    ) -> Result<(), KeyAttrsError> {
        let mut attrs = Attrs::new(stream);
        for attr in attrs.by_ref() {
            let kind = attr.kind();
            if kind > OVS_KEY_ATTR_MAX {
                return Err(KeyAttrsError::OutOfRange { kind });
            }
            if matches!(
                kind,
                key_attr::PACKET_TYPE | key_attr::ND_EXTENSIONS | key_attr::TUNNEL_INFO
            ) {
                return Err(KeyAttrsError::NotSupported { kind });
            }
            if self.has(kind) {
                return Err(KeyAttrsError::Duplicate { kind });
            }
            let len = attr.payload().len();
            if let KeyLen::Fixed(expected) = key_len(kind) {
                if len != expected {
                    return Err(KeyAttrsError::BadLength {
                        kind,
                        len,
                        expected,
                    });
                }
            }
            let attr = match ones {
                Some(ct_state_mask) => Attr::from_parts(
                    attr.raw_type(),
                    ones_payload(kind, attr.payload(), ct_state_mask),
                ),
                None => attr,
            };
            if mask && attr.payload().iter().all(|&b| b == 0) {
                continue;
            }
            self.present |= 1 << kind;
            if let Some(slot) = self.slots.get_mut(usize::from(kind)) {
                *slot = Some(attr);
            }
        }
        match attrs.remaining() {
            0 => Ok(()),
            rem => Err(KeyAttrsError::Trailing { rem }),
        }
    }
}

#[path = "key_attrs/tests.rs"]
mod tests;
