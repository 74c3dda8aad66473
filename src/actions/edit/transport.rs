// SPDX-License-Identifier: GPL-2.0

//! TCP, UDP and SCTP port rewrites (`set_tcp()`, `set_udp()`,
//! `set_sctp()`) and their checksum updates.

use super::*;

/// `set_tp_port()`: a port at `port_at` and its effect on the checksum
/// at `check_at` (no pseudo-header: `skb->csum` is unaffected, and a
/// `CHECKSUM_PARTIAL` field does not cover ports).
pub(super) fn set_tp_port(
    pkt: &mut Packet<'_>,
    port_at: usize,
    new: [u8; 2],
    check_at: usize,
    fx: &mut Effects,
) {
    fx.ct_clear = true;
    let old = ne16(pkt.data, port_at).unwrap_or(0);
    inet_proto_csum_replace4(
        pkt,
        check_at,
        u32::from(old),
        u32::from(u16::from_ne_bytes(new)),
        false,
    );
    write(pkt.data, port_at, &new);
}

/// `set_tcp()`: `ovs_key_tcp` is {src, dst}.
pub(super) fn set_tcp(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let th = pkt.transport;
    ensure_writable(pkt, th.checked_add(TCP_HLEN))?;
    let mut fx = Effects::default();
    let check_at = th.wrapping_add(TCP_CHECK);
    for (key_at, field) in [(0, fields::TP_SRC), (2, fields::TP_DST)] {
        let port_at = th.wrapping_add(key_at);
        let old = padded::<2>(pkt.data, port_at);
        let new = a.masked(key_at, old);
        if new != old {
            set_tp_port(pkt, port_at, new, check_at, &mut fx);
            flow_key.set(field, &new);
        }
    }
    fx.clear_hash = true;
    Ok(fx)
}

/// `set_udp()`: `ovs_key_udp` is {src, dst}.
pub(super) fn set_udp(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let th = pkt.transport;
    ensure_writable(pkt, th.checked_add(UDP_HLEN))?;
    let mut fx = Effects::default();
    let check_at = th.wrapping_add(UDP_CHECK);
    let src = a.masked(0, padded::<2>(pkt.data, th));
    let dst = a.masked(2, padded::<2>(pkt.data, th.wrapping_add(2)));
    if ne16(pkt.data, check_at).unwrap_or(0) != 0 && pkt.csum.ip_summed != IpSummed::Partial {
        for (port_at, new, field) in [
            (th, src, fields::TP_SRC),
            (th.wrapping_add(2), dst, fields::TP_DST),
        ] {
            if new != padded::<2>(pkt.data, port_at) {
                set_tp_port(pkt, port_at, new, check_at, &mut fx);
                flow_key.set(field, &new);
            }
        }
        if ne16(pkt.data, check_at).unwrap_or(0) == 0 {
            write(pkt.data, check_at, &CSUM_MANGLED_0.to_ne_bytes());
        }
    } else {
        // No checksum, or one that does not cover the ports.
        write(pkt.data, th, &src);
        write(pkt.data, th.wrapping_add(2), &dst);
        flow_key.set(fields::TP_SRC, &src);
        flow_key.set(fields::TP_DST, &dst);
        fx.ct_clear = true;
    }
    fx.clear_hash = true;
    Ok(fx)
}

/// `sctp_compute_cksum()`: CRC32c from `sh` to the end with the checksum
/// field taken as zero, as the field's (little-endian) bytes.
pub(super) fn sctp_compute_cksum(d: &[u8], sh: usize) -> [u8; 4] {
    let check_at = sh.wrapping_add(SCTP_CHECK);
    let crc = csum::crc32c(!0, d.get(sh..check_at).unwrap_or(&[]));
    let crc = csum::crc32c(crc, &[0; 4]);
    let crc = csum::crc32c(crc, d.get(check_at.wrapping_add(4)..).unwrap_or(&[]));
    (!crc).to_le_bytes()
}

/// `set_sctp()`: `ovs_key_sctp` is {src, dst}. The CRC covers the whole
/// packet, so C recomputes it, keeping any error the old one had.
/// `skb->csum` is not updated, as in C.
pub(super) fn set_sctp(
    pkt: &mut Packet<'_>,
    flow_key: &mut FlowKey,
    a: Attr<'_>,
) -> Result<Effects, EditError> {
    let sh = pkt.transport;
    ensure_writable(pkt, sh.checked_add(SCTP_HLEN))?;
    let check_at = sh.wrapping_add(SCTP_CHECK);
    let old_csum = padded::<4>(pkt.data, check_at);
    let old_correct = sctp_compute_cksum(pkt.data, sh);
    let src = a.masked(0, padded::<2>(pkt.data, sh));
    write(pkt.data, sh, &src);
    let dst = a.masked(2, padded::<2>(pkt.data, sh.wrapping_add(2)));
    write(pkt.data, sh.wrapping_add(2), &dst);
    let new_csum = sctp_compute_cksum(pkt.data, sh);
    let mut carried = [0u8; 4];
    for (((c, o), oc), n) in carried
        .iter_mut()
        .zip(old_csum)
        .zip(old_correct)
        .zip(new_csum)
    {
        *c = o ^ oc ^ n;
    }
    write(pkt.data, check_at, &carried);
    flow_key.set(fields::TP_SRC, &src);
    flow_key.set(fields::TP_DST, &dst);
    Ok(Effects {
        clear_hash: true,
        ct_clear: true,
    })
}
