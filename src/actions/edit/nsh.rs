// SPDX-License-Identifier: GPL-2.0

//! The NSH header of a push_nsh action (`nsh_hdr_from_nlattr()`).

use super::*;

/// `nsh_hdr_from_nlattr()`: the NSH header a push_nsh action's
/// `OVS_KEY_ATTR_NSH` nest describes, written to the front of `out`;
/// returns its length. As in C the next-protocol field is the nest's (the
/// push sets the real one), metadata too long for the header is
/// [`EditError::Truncated`] (`ENOBUFS` in C; validated flows never have
/// it) and an unknown attribute [`EditError::Invalid`].
pub fn nsh_header(nest: &[u8], out: &mut [u8; NSH_HDR_MAX_LEN]) -> Result<usize, EditError> {
    let mut flags = 0u8;
    let mut ttl = 0u8;
    let mut mdlen = 0usize;
    for a in crate::netlink::attr::Attrs::new(nest) {
        let p = a.payload();
        match a.kind() {
            nsh_key_attr::BASE => {
                // struct ovs_nsh_key_base: flags, ttl, mdtype, np, path_hdr.
                let base = p.get(..8).ok_or(EditError::Invalid)?;
                flags = base.first().copied().unwrap_or(0);
                ttl = base.get(1).copied().unwrap_or(0);
                if let (Some(dst), Some(src)) = (out.get_mut(2..8), base.get(2..8)) {
                    dst.copy_from_slice(src);
                }
            }
            nsh_key_attr::MD1 | nsh_key_attr::MD2 => {
                mdlen = p.len();
                let dst = out
                    .get_mut(NSH_BASE_HDR_LEN..NSH_BASE_HDR_LEN + mdlen)
                    .ok_or(EditError::Truncated)?;
                dst.copy_from_slice(p);
            }
            _ => return Err(EditError::Invalid),
        }
    }
    // nsh_set_flags_ttl_len() on a zeroed word: version 0; the length in
    // words, through C's u8 parameter.
    let len = ((NSH_BASE_HDR_LEN + mdlen) as u8) >> 2;
    let word = ((u16::from(flags) << 12) & 0x3000)
        | ((u16::from(ttl) << 6) & 0x0fc0)
        | (u16::from(len) & 0x003f);
    if let Some(dst) = out.get_mut(0..2) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    Ok(NSH_BASE_HDR_LEN + mdlen)
}
