// SPDX-License-Identifier: GPL-2.0

//! A flow key's NSH header from its `OVS_KEY_ATTR_NSH` nest
//! (`nsh_key_put_from_nlattr()` for keys and masks),
//! Documentation/flow-netlink.md §3.7.

use super::key::{fields, Field, Span};
use super::match_nl::{MatchError, Writer};
use crate::netlink::attr::Attrs;
use crate::uapi::nsh_key_attr::{self, BASE, MD1, MD2};
use crate::uapi::proto::{NSH_CTX_HDRS_MAX_LEN, NSH_M_TYPE1, NSH_M_TYPE2};

fn sub<const N: usize>(field: Field<N>, offset: usize, len: usize) -> Span {
    Span {
        offset: field.offset + offset,
        len,
    }
}

/// The NSH nest's payload into the key or the mask. `ones`: the default
/// mask, whose leaves read as all ones. `push`: a push_nsh action's
/// header (key mode), which may carry MD type 2 and must be complete.
pub(super) fn nsh(
    w: &mut Writer<'_>,
    nest: &[u8],
    ones: bool,
    push: bool,
) -> Result<(), MatchError> {
    let (mut has_base, mut has_md1, mut has_md2, mut mdtype) = (false, false, false, 0u8);
    let mut it = Attrs::new(nest);
    for a in it.by_ref() {
        let kind = a.kind();
        if kind > nsh_key_attr::MAX {
            return Err(MatchError::NshAttrOutOfRange(kind));
        }
        let expected = match kind {
            BASE => Some(8),
            MD1 => Some(16),
            MD2 => None,
            _ => Some(0),
        };
        let len = a.payload().len();
        if let Some(expected) = expected.filter(|&e| e != len) {
            return Err(MatchError::NshAttrBadLength {
                kind,
                len,
                expected,
            });
        }
        let v = if ones {
            super::key_attrs::ones_like(a.payload())
        } else {
            a.payload()
        };
        match kind {
            BASE => {
                has_base = true;
                mdtype = v.get(2).copied().unwrap_or(0);
                // flags, ttl, mdtype, np, path_hdr, one put each as C.
                for (offset, flen) in [(0, 1), (1, 1), (2, 1), (3, 1), (4, 4)] {
                    w.put(
                        sub(fields::NSH_BASE, offset, flen),
                        v.get(offset..offset + flen).unwrap_or(&[]),
                    );
                }
            }
            MD1 => {
                has_md1 = true;
                for i in 0..4 {
                    w.put(
                        sub(fields::NSH_CONTEXT, 4 * i, 4),
                        v.get(4 * i..4 * i + 4).unwrap_or(&[]),
                    );
                }
            }
            // MD type 2 is not supported in flow keys: C's -ENOTSUPP,
            // which the key parser turns into EINVAL, unlogged.
            MD2 if !push => return Err(MatchError::NshMd2),
            MD2 => {
                has_md2 = true;
                if len == 0 || len > NSH_CTX_HDRS_MAX_LEN {
                    return Err(MatchError::NshMdLength { len, mdtype });
                }
            }
            _ => return Err(MatchError::NshAttrUnknown(kind)),
        }
    }
    if it.remaining() > 0 {
        return Err(MatchError::NshTrailing(it.remaining()));
    }
    if has_md1 && has_md2 {
        return Err(MatchError::NshMdExclusive);
    }
    if !w.is_mask() {
        if (has_md1 && mdtype != NSH_M_TYPE1) || (has_md2 && mdtype != NSH_M_TYPE2) {
            return Err(MatchError::NshUnmatchedMdType(mdtype));
        }
        if push && (!has_base || (!has_md1 && !has_md2)) {
            return Err(MatchError::NshPushIncomplete);
        }
    }
    Ok(())
}

#[path = "nsh_nl/tests.rs"]
mod tests;
