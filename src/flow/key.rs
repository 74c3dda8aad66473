// SPDX-License-Identifier: GPL-2.0

//! The flow key, laid out byte for byte as C's `struct sw_flow_key`.
//!
//! Why C's layout: a megaflow mask covers the byte range of the fields a
//! request set (rounded to 8 bytes), and two masks are the same mask only
//! if their ranges and bits are equal. With the same layout the same
//! requests make the same masks, so `n_masks` and the mask cache behave as
//! in C. `scripts/flow-key-layout` checks [`fields`] against the offsets
//! the C compiler gives `struct sw_flow_key` (x86_64, Linux 7.3); `make
//! lint` runs it.
//!
//! The key is plain bytes (native-endian words for masking and hashing);
//! fields keep the byte order C keeps them in (`__be16` stays big-endian).

/// `sizeof(struct sw_flow_key)`.
pub const KEY_BYTES: usize = 472;
/// The key in 64-bit words, the unit masks are applied and compared in.
pub const KEY_WORDS: usize = KEY_BYTES / 8;

/// A field: its byte offset and length in the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub offset: usize,
    pub len: usize,
}

const fn f(offset: usize, len: usize) -> Field {
    Field { offset, len }
}

/// Every field of `struct sw_flow_key`, named as C names them (unions
/// overlap, as in C).
pub mod fields {
    use super::{f, Field};

    pub const TUN_OPTS: Field = f(0, 255);
    pub const TUN_OPTS_LEN: Field = f(255, 1);
    /// `struct ip_tunnel_key`, whole.
    pub const TUN_KEY: Field = f(256, 64);
    pub const TUN_ID: Field = f(256, 8);
    pub const TUN_IPV4_SRC: Field = f(264, 4);
    pub const TUN_IPV4_DST: Field = f(268, 4);
    pub const TUN_IPV6_SRC: Field = f(264, 16);
    pub const TUN_IPV6_DST: Field = f(280, 16);
    pub const TUN_FLAGS: Field = f(296, 8);
    pub const TUN_LABEL: Field = f(304, 4);
    pub const TUN_NHID: Field = f(308, 4);
    pub const TUN_TOS: Field = f(312, 1);
    pub const TUN_TTL: Field = f(313, 1);
    pub const TUN_TP_SRC: Field = f(314, 2);
    pub const TUN_TP_DST: Field = f(316, 2);
    pub const TUN_FLOW_FLAGS: Field = f(318, 1);
    pub const PHY_PRIORITY: Field = f(320, 4);
    pub const PHY_SKB_MARK: Field = f(324, 4);
    pub const PHY_IN_PORT: Field = f(328, 2);
    pub const MAC_PROTO: Field = f(330, 1);
    pub const TUN_PROTO: Field = f(331, 1);
    pub const OVS_FLOW_HASH: Field = f(332, 4);
    pub const RECIRC_ID: Field = f(336, 4);
    pub const ETH_SRC: Field = f(340, 6);
    pub const ETH_DST: Field = f(346, 6);
    pub const ETH_VLAN_TPID: Field = f(352, 2);
    pub const ETH_VLAN_TCI: Field = f(354, 2);
    pub const ETH_CVLAN_TPID: Field = f(356, 2);
    pub const ETH_CVLAN_TCI: Field = f(358, 2);
    pub const ETH_TYPE: Field = f(360, 2);
    pub const CT_STATE: Field = f(362, 1);
    pub const CT_ORIG_PROTO: Field = f(363, 1);
    pub const IP_PROTO: Field = f(364, 1);
    pub const IP_TOS: Field = f(365, 1);
    pub const IP_TTL: Field = f(366, 1);
    pub const IP_FRAG: Field = f(367, 1);
    pub const CT_ZONE: Field = f(368, 2);
    pub const TP_SRC: Field = f(370, 2);
    pub const TP_DST: Field = f(372, 2);
    pub const TP_FLAGS: Field = f(374, 2);
    pub const IPV4_SRC: Field = f(376, 4);
    pub const IPV4_DST: Field = f(380, 4);
    pub const IPV4_CT_ORIG_SRC: Field = f(384, 4);
    pub const IPV4_CT_ORIG_DST: Field = f(388, 4);
    pub const ARP_SHA: Field = f(384, 6);
    pub const ARP_THA: Field = f(390, 6);
    pub const IPV6_SRC: Field = f(376, 16);
    pub const IPV6_DST: Field = f(392, 16);
    pub const IPV6_LABEL: Field = f(408, 4);
    pub const IPV6_EXTHDRS: Field = f(412, 2);
    pub const IPV6_CT_ORIG_SRC: Field = f(416, 16);
    pub const IPV6_CT_ORIG_DST: Field = f(432, 16);
    pub const ND_TARGET: Field = f(416, 16);
    pub const ND_SLL: Field = f(432, 6);
    pub const ND_TLL: Field = f(438, 6);
    pub const MPLS_NUM_LABELS_MASK: Field = f(376, 4);
    /// `MPLS_LABEL_DEPTH` (3) label stack entries.
    pub const MPLS_LSE: Field = f(380, 12);
    pub const NSH_BASE: Field = f(376, 8);
    pub const NSH_CONTEXT: Field = f(384, 16);
    pub const CT_ORIG_TP_SRC: Field = f(448, 2);
    pub const CT_ORIG_TP_DST: Field = f(450, 2);
    pub const CT_MARK: Field = f(452, 4);
    pub const CT_LABELS: Field = f(456, 16);
}

/// A flow key (or a mask: the same layout, ones where a field matters).
#[derive(Clone, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct FlowKey {
    bytes: [u8; KEY_BYTES],
}

impl Default for FlowKey {
    fn default() -> Self {
        FlowKey {
            bytes: [0; KEY_BYTES],
        }
    }
}

impl core::fmt::Debug for FlowKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Only the non-zero words: a key is mostly zeros.
        let mut list = f.debug_map();
        for (i, w) in self.words().enumerate().filter(|&(_, w)| w != 0) {
            list.entry(&(i * 8), &w);
        }
        list.finish()
    }
}

/// The byte range of a key a mask covers (`struct sw_flow_key_range`),
/// both ends multiples of 8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub start: usize,
    pub end: usize,
}

impl Range {
    /// Widens the range to cover `field`, rounded out to 8 bytes
    /// (`update_range()`).
    pub fn cover(&mut self, field: Field) {
        let start = field.offset & !7;
        let end = (field.offset + field.len + 7) & !7;
        if self.start == self.end {
            *self = Range { start, end };
        } else {
            self.start = self.start.min(start);
            self.end = self.end.max(end);
        }
    }

    /// The words of the range.
    fn words(self) -> core::ops::Range<usize> {
        self.start / 8..self.end / 8
    }
}

impl FlowKey {
    /// The bytes of `field`; empty if it were out of the key (it never is
    /// for [`fields`]).
    pub fn get(&self, field: Field) -> &[u8] {
        self.bytes
            .get(field.offset..field.offset + field.len)
            .unwrap_or(&[])
    }

    /// Writes `value` into `field`, at most `field.len` bytes of it.
    pub fn set(&mut self, field: Field, value: &[u8]) {
        if let Some(dst) = self.bytes.get_mut(field.offset..field.offset + field.len) {
            for (d, s) in dst.iter_mut().zip(value) {
                *d = *s;
            }
        }
    }

    pub fn get_u8(&self, field: Field) -> u8 {
        self.get(field).first().copied().unwrap_or(0)
    }

    /// A big-endian (`__be16`) field, in host order.
    pub fn get_be16(&self, field: Field) -> u16 {
        match self.get(field) {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        }
    }

    /// A host-order `u32` field.
    pub fn get_u32(&self, field: Field) -> u32 {
        match self.get(field) {
            [a, b, c, d, ..] => u32::from_ne_bytes([*a, *b, *c, *d]),
            _ => 0,
        }
    }

    pub fn set_u8(&mut self, field: Field, v: u8) {
        self.set(field, &[v]);
    }

    pub fn set_be16(&mut self, field: Field, v: u16) {
        self.set(field, &v.to_be_bytes());
    }

    pub fn set_u32(&mut self, field: Field, v: u32) {
        self.set(field, &v.to_ne_bytes());
    }

    /// The key as native-endian 64-bit words.
    pub fn words(&self) -> impl Iterator<Item = u64> + '_ {
        self.bytes
            .chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap_or([0; 8])))
    }

    fn word(&self, i: usize) -> u64 {
        match self.bytes.get(i * 8..i * 8 + 8) {
            Some(&[a, b, c, d, e, f, g, h]) => u64::from_ne_bytes([a, b, c, d, e, f, g, h]),
            _ => 0,
        }
    }

    fn set_word(&mut self, i: usize, v: u64) {
        if let Some(dst) = self.bytes.get_mut(i * 8..i * 8 + 8) {
            dst.copy_from_slice(&v.to_ne_bytes());
        }
    }

    /// `self & mask` over `range`, zero elsewhere (`ovs_flow_mask_key()`).
    pub fn masked(&self, mask: &FlowKey, range: Range) -> FlowKey {
        let mut out = FlowKey::default();
        for i in range.words() {
            out.set_word(i, self.word(i) & mask.word(i));
        }
        out
    }

    /// Whether `self & mask == masked` over `range`
    /// (`flow_cmp_masked_key()` with the key masked on the fly).
    pub fn matches(&self, mask: &FlowKey, range: Range, masked: &FlowKey) -> bool {
        range
            .words()
            .all(|i| self.word(i) & mask.word(i) == masked.word(i))
    }

    /// The words of `self & mask` over `range`, in order.
    pub fn masked_words<'k>(
        &'k self,
        mask: &'k FlowKey,
        range: Range,
    ) -> impl Iterator<Item = u64> + 'k {
        range.words().map(move |i| self.word(i) & mask.word(i))
    }

    /// Whether the two are equal over `range`.
    pub fn equal_in(&self, other: &FlowKey, range: Range) -> bool {
        range.words().all(|i| self.word(i) == other.word(i))
    }
}

#[path = "key/tests.rs"]
mod tests;
