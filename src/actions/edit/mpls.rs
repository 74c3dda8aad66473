// SPDX-License-Identifier: GPL-2.0

//! `set_mpls()`: the top MPLS label stack entry.

use super::*;

/// `key->mpls.lse[0]`.
pub(super) const MPLS_LSE0: Field<MPLS_HLEN> = Field {
    offset: fields::MPLS_LSE.offset,
};

/// `set_mpls()` with `skb_mpls_update_lse()`: the top label stack entry,
/// at the network header.
pub(super) fn set_mpls(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let at = pkt.network;
    ensure_writable(pkt, at.checked_add(MPLS_HLEN))?;
    let old = padded::<4>(pkt.data, at);
    let lse = a.masked(0, old);
    if !matches!(pkt.protocol, ETH_P_MPLS_UC | ETH_P_MPLS_MC) {
        return Err(EditError::Invalid);
    }
    ensure_writable(pkt, pkt.mac_len.checked_add(MPLS_HLEN))?;
    if pkt.csum.ip_summed == IpSummed::Complete {
        let mut diff = [0u8; 8];
        for (d, s) in diff.iter_mut().zip(old.iter().map(|b| !b).chain(lse)) {
            *d = s;
        }
        pkt.csum.csum = csum_partial(&diff, pkt.csum.csum);
    }
    write(pkt.data, at, &lse);
    flow_key.set(MPLS_LSE0, &lse);
    Ok(Effects::default())
}
