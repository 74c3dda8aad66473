// SPDX-License-Identifier: GPL-2.0

//! MPLS label stacks and NSH headers.

use super::*;

/// The MPLS label stack from `mac_len` to the bottom of stack (at most 3
/// kept); returns the inner network offset. A stack cut short keeps
/// `num_labels_mask` 0, with the labels read so far.
pub(super) fn mpls(p: Packet<'_>, mac_len: usize, key: &mut FlowKey) -> usize {
    clear(key, KEY_MPLS);
    let mut inner = mac_len;
    let mut count: usize = 1;
    loop {
        let Some(lse) = p.array::<4>(inner) else {
            return inner;
        };
        if count <= MPLS_LABEL_DEPTH {
            let slot = Span {
                offset: fields::MPLS_LSE.offset + (count - 1) * MPLS_HLEN,
                len: MPLS_HLEN,
            };
            key.set(slot, &lse);
        }
        let Some(next) = inner.checked_add(MPLS_HLEN) else {
            return inner;
        };
        inner = next;
        // MPLS_LS_S_MASK: bottom of stack.
        if lse[2] & 1 != 0 {
            break;
        }
        count = count.saturating_add(1);
    }
    let depth = count.min(MPLS_LABEL_DEPTH);
    key.set_u32(fields::MPLS_NUM_LABELS_MASK, (1u32 << depth) - 1);
    inner
}

/// `parse_nsh()`: the base header and MD type 1 context.
pub(super) fn nsh(p: Packet<'_>, nh: usize, key: &mut FlowKey) -> Result<(), ExtractError> {
    if !p.has(nh, NSH_BASE_HDR_LEN) {
        return Err(ExtractError::NshTruncated);
    }
    let word = p.be16(nh).unwrap_or(0);
    let version = (word >> 14) as u8;
    let length = usize::from(word & 0x3f) * 4;
    if version != 0 {
        return Err(ExtractError::NshVersion(version));
    }
    if !p.has(nh, length) {
        return Err(ExtractError::NshTruncated);
    }
    let mdtype = p.u8(nh + 2).unwrap_or(0);
    let flags = ((word & 0x3000) >> 12) as u8;
    let ttl = ((word & 0x0fc0) >> 6) as u8;
    key.set(
        fields::NSH_BASE,
        &[flags, ttl, mdtype, p.u8(nh + 3).unwrap_or(0)],
    );
    key.set(
        Field::<4> {
            offset: fields::NSH_BASE.offset + 4,
        },
        p.bytes(nh + 4, 4).unwrap_or(&[]),
    );
    match mdtype {
        NSH_M_TYPE1 if length != NSH_M_TYPE1_LEN => Err(ExtractError::NshMd1Length(length)),
        NSH_M_TYPE1 => {
            p.copy(nh + 8, 16, key, fields::NSH_CONTEXT);
            Ok(())
        }
        NSH_M_TYPE2 => {
            clear(key, fields::NSH_CONTEXT);
            Ok(())
        }
        _ => Err(ExtractError::NshMdType(mdtype)),
    }
}
