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

/// A field of the key, its length `LEN` in its type: the typed
/// accessors ([`FlowKey::get_u32`], ...) take only fields of their size,
/// so a 2-byte field read as a `u32` does not compile (a length check at
/// run time would have to answer something, and 0 hides the mistake):
///
/// ```compile_fail
/// # use openvswitch_rs_host::flow::key::{fields, FlowKey};
/// let in_port = FlowKey::default().get_u32(fields::PHY_IN_PORT);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<const LEN: usize> {
    pub offset: usize,
}

impl<const LEN: usize> Field<LEN> {
    /// Its bytes as a [`Span`].
    pub const fn span(self) -> Span {
        Span {
            offset: self.offset,
            len: LEN,
        }
    }
}

/// Bytes of the key by offset and length known at run time: several
/// fields at once (what C clears with one `memset()`), a slot of an
/// array field, the used part of the tunnel options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

/// A [`Field`] or a [`Span`]: what the byte-wise accessors take.
pub trait AsSpan: Copy {
    fn to_span(self) -> Span;
}

impl AsSpan for Span {
    fn to_span(self) -> Span {
        self
    }
}

impl<const LEN: usize> AsSpan for Field<LEN> {
    fn to_span(self) -> Span {
        self.span()
    }
}

/// A [`fields`] entry. `len` repeats `LEN` for `scripts/flow-key-layout`,
/// which reads this table; a mismatch fails to compile.
const fn f<const LEN: usize>(offset: usize, len: usize) -> Field<LEN> {
    assert!(len == LEN);
    Field { offset }
}

/// Every field of `struct sw_flow_key`, named as C names them (unions
/// overlap, as in C).
pub mod fields {
    use super::{f, Field};

    pub const TUN_OPTS: Field<255> = f(0, 255);
    pub const TUN_OPTS_LEN: Field<1> = f(255, 1);
    /// `struct ip_tunnel_key`, whole.
    pub const TUN_KEY: Field<64> = f(256, 64);
    pub const TUN_ID: Field<8> = f(256, 8);
    pub const TUN_IPV4_SRC: Field<4> = f(264, 4);
    pub const TUN_IPV4_DST: Field<4> = f(268, 4);
    pub const TUN_IPV6_SRC: Field<16> = f(264, 16);
    pub const TUN_IPV6_DST: Field<16> = f(280, 16);
    pub const TUN_FLAGS: Field<8> = f(296, 8);
    pub const TUN_LABEL: Field<4> = f(304, 4);
    pub const TUN_NHID: Field<4> = f(308, 4);
    pub const TUN_TOS: Field<1> = f(312, 1);
    pub const TUN_TTL: Field<1> = f(313, 1);
    pub const TUN_TP_SRC: Field<2> = f(314, 2);
    pub const TUN_TP_DST: Field<2> = f(316, 2);
    pub const TUN_FLOW_FLAGS: Field<1> = f(318, 1);
    pub const PHY_PRIORITY: Field<4> = f(320, 4);
    pub const PHY_SKB_MARK: Field<4> = f(324, 4);
    pub const PHY_IN_PORT: Field<2> = f(328, 2);
    pub const MAC_PROTO: Field<1> = f(330, 1);
    pub const TUN_PROTO: Field<1> = f(331, 1);
    pub const OVS_FLOW_HASH: Field<4> = f(332, 4);
    pub const RECIRC_ID: Field<4> = f(336, 4);
    pub const ETH_SRC: Field<6> = f(340, 6);
    pub const ETH_DST: Field<6> = f(346, 6);
    pub const ETH_VLAN_TPID: Field<2> = f(352, 2);
    pub const ETH_VLAN_TCI: Field<2> = f(354, 2);
    pub const ETH_CVLAN_TPID: Field<2> = f(356, 2);
    pub const ETH_CVLAN_TCI: Field<2> = f(358, 2);
    pub const ETH_TYPE: Field<2> = f(360, 2);
    pub const CT_STATE: Field<1> = f(362, 1);
    pub const CT_ORIG_PROTO: Field<1> = f(363, 1);
    pub const IP_PROTO: Field<1> = f(364, 1);
    pub const IP_TOS: Field<1> = f(365, 1);
    pub const IP_TTL: Field<1> = f(366, 1);
    pub const IP_FRAG: Field<1> = f(367, 1);
    pub const CT_ZONE: Field<2> = f(368, 2);
    pub const TP_SRC: Field<2> = f(370, 2);
    pub const TP_DST: Field<2> = f(372, 2);
    pub const TP_FLAGS: Field<2> = f(374, 2);
    pub const IPV4_SRC: Field<4> = f(376, 4);
    pub const IPV4_DST: Field<4> = f(380, 4);
    pub const IPV4_CT_ORIG_SRC: Field<4> = f(384, 4);
    pub const IPV4_CT_ORIG_DST: Field<4> = f(388, 4);
    pub const ARP_SHA: Field<6> = f(384, 6);
    pub const ARP_THA: Field<6> = f(390, 6);
    pub const IPV6_SRC: Field<16> = f(376, 16);
    pub const IPV6_DST: Field<16> = f(392, 16);
    pub const IPV6_LABEL: Field<4> = f(408, 4);
    pub const IPV6_EXTHDRS: Field<2> = f(412, 2);
    pub const IPV6_CT_ORIG_SRC: Field<16> = f(416, 16);
    pub const IPV6_CT_ORIG_DST: Field<16> = f(432, 16);
    pub const ND_TARGET: Field<16> = f(416, 16);
    pub const ND_SLL: Field<6> = f(432, 6);
    pub const ND_TLL: Field<6> = f(438, 6);
    pub const MPLS_NUM_LABELS_MASK: Field<4> = f(376, 4);
    /// `MPLS_LABEL_DEPTH` (3) label stack entries.
    pub const MPLS_LSE: Field<12> = f(380, 12);
    pub const NSH_BASE: Field<8> = f(376, 8);
    pub const NSH_CONTEXT: Field<16> = f(384, 16);
    pub const CT_ORIG_TP_SRC: Field<2> = f(448, 2);
    pub const CT_ORIG_TP_DST: Field<2> = f(450, 2);
    pub const CT_MARK: Field<4> = f(452, 4);
    pub const CT_LABELS: Field<16> = f(456, 16);
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
    pub fn cover(&mut self, field: impl AsSpan) {
        let field = field.to_span();
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
    pub fn get(&self, field: impl AsSpan) -> &[u8] {
        let field = field.to_span();
        self.bytes
            .get(field.offset..field.offset + field.len)
            .unwrap_or(&[])
    }

    /// Writes `value` into `field`, at most its length of it.
    pub fn set(&mut self, field: impl AsSpan, value: &[u8]) {
        let field = field.to_span();
        if let Some(dst) = self.bytes.get_mut(field.offset..field.offset + field.len) {
            for (d, s) in dst.iter_mut().zip(value) {
                *d = *s;
            }
        }
    }

    /// Whether `field` is all zeros.
    pub fn is_zero(&self, field: impl AsSpan) -> bool {
        self.get(field).iter().all(|&b| b == 0)
    }

    /// The `N` bytes of a field of that size.
    pub fn array<const N: usize>(&self, field: Field<N>) -> [u8; N] {
        crate::bytes::array(&self.bytes, field.offset).unwrap_or([0; N])
    }

    pub fn get_u8(&self, field: Field<1>) -> u8 {
        let [v] = self.array(field);
        v
    }

    /// A big-endian (`__be16`) field, in host order.
    pub fn get_be16(&self, field: Field<2>) -> u16 {
        u16::from_be_bytes(self.array(field))
    }

    /// A host-order `u16` field.
    pub fn get_u16(&self, field: Field<2>) -> u16 {
        u16::from_ne_bytes(self.array(field))
    }

    /// A host-order `u32` field.
    pub fn get_u32(&self, field: Field<4>) -> u32 {
        u32::from_ne_bytes(self.array(field))
    }

    /// A host-order `u64` field.
    pub fn get_u64(&self, field: Field<8>) -> u64 {
        u64::from_ne_bytes(self.array(field))
    }

    pub fn set_u8(&mut self, field: Field<1>, v: u8) {
        self.set(field, &[v]);
    }

    pub fn set_be16(&mut self, field: Field<2>, v: u16) {
        self.set(field, &v.to_be_bytes());
    }

    pub fn set_u32(&mut self, field: Field<4>, v: u32) {
        self.set(field, &v.to_ne_bytes());
    }

    /// Native-endian 64-bit word `i` (0 past the end).
    #[inline]
    pub fn word(&self, i: usize) -> u64 {
        crate::bytes::array(&self.bytes, i * 8).map_or(0, u64::from_ne_bytes)
    }

    /// The key as native-endian 64-bit words.
    pub fn words(&self) -> impl Iterator<Item = u64> + '_ {
        self.bytes
            .chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap_or([0; 8])))
    }

    /// The words the range covers: the unit masks are applied and
    /// compared in. Taking them once as 8-byte arrays lets the loops
    /// below run without a bounds check per word.
    #[inline]
    fn span(&self, range: Range) -> &[[u8; 8]] {
        let words = range.words();
        let bytes = self
            .bytes
            .get(words.start * 8..words.end * 8)
            .unwrap_or(&[]);
        bytes.as_chunks::<8>().0
    }

    /// `self & mask` over `range`, zero elsewhere (`ovs_flow_mask_key()`).
    pub fn masked(&self, mask: &FlowKey, range: Range) -> FlowKey {
        let mut out = FlowKey::default();
        let words = range.words();
        if let Some(dst) = out.bytes.get_mut(words.start * 8..words.end * 8) {
            let src = self.span(range).iter().zip(mask.span(range));
            for (d, (k, m)) in dst.as_chunks_mut::<8>().0.iter_mut().zip(src) {
                *d = (u64::from_ne_bytes(*k) & u64::from_ne_bytes(*m)).to_ne_bytes();
            }
        }
        out
    }

    /// Whether `self & mask == masked` over `range`
    /// (`flow_cmp_masked_key()` with the key masked on the fly).
    #[inline]
    pub fn matches(&self, mask: &FlowKey, range: Range, masked: &FlowKey) -> bool {
        let (k, m, f) = (self.span(range), mask.span(range), masked.span(range));
        k.len() == f.len()
            && k.iter().zip(m).zip(f).all(|((k, m), f)| {
                u64::from_ne_bytes(*k) & u64::from_ne_bytes(*m) == u64::from_ne_bytes(*f)
            })
    }

    /// The words of `self & mask` over `range`, in order.
    #[inline]
    pub fn masked_words<'k>(
        &'k self,
        mask: &'k FlowKey,
        range: Range,
    ) -> impl Iterator<Item = u64> + 'k {
        self.span(range)
            .iter()
            .zip(mask.span(range))
            .map(|(k, m)| u64::from_ne_bytes(*k) & u64::from_ne_bytes(*m))
    }

    /// Whether the two are equal over `range`.
    #[inline]
    pub fn equal_in(&self, other: &FlowKey, range: Range) -> bool {
        self.span(range) == other.span(range)
    }
}

#[path = "key/tests.rs"]
mod tests;
