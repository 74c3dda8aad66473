// SPDX-License-Identifier: GPL-2.0

//! Tests of `dp_config.rs`: KUnit suite `ovs_rs_dp_config` in the module, `#[test]`s on
//! the host. `#[kunit_tests]` takes only an inline module, hence `suite`.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_dp_config))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::*;

    #[test]
    fn features_as_ovs_dp_change() {
        // ovs-vswitchd's first probe sends bit 31 and must be refused.
        let probe = OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS | (1 << 31);
        assert_eq!(
            check_user_features(probe, true),
            Err(ConfigError::UnsupportedFeatures)
        );
        let per_cpu = OVS_DP_F_UNALIGNED | OVS_DP_F_DISPATCH_UPCALL_PER_CPU;
        assert_eq!(check_user_features(per_cpu, false), Ok(()));
        assert_eq!(check_user_features(OVS_DP_F_ALL, true), Ok(()));
        assert_eq!(
            check_user_features(OVS_DP_F_TC_RECIRC_SHARING, false),
            Err(ConfigError::UnsupportedFeatures)
        );
        assert_eq!(check_user_features(0, false), Ok(()));
    }

    #[test]
    fn masks_cache_sizes() {
        assert_eq!(check_masks_cache_size(256, 256), Ok(()));
        assert_eq!(check_masks_cache_size(256, 0), Ok(()));
        assert_eq!(check_masks_cache_size(256, 4096), Ok(()));
        assert_eq!(check_masks_cache_size(256, 1), Ok(()));
        assert_eq!(
            check_masks_cache_size(256, 300),
            Err(ConfigError::BadMasksCacheSize)
        );
        assert_eq!(
            check_masks_cache_size(256, 8192),
            Err(ConfigError::BadMasksCacheSize)
        );
        // An out-of-range size equal to the current one is not re-checked.
        assert_eq!(check_masks_cache_size(300, 300), Ok(()));
    }

    #[test]
    fn port_id_arrays() {
        let bytes = [1u32, 2, 3].map(u32::to_ne_bytes).concat_flat();
        let ids = port_ids(&bytes);
        assert!(ids.is_ok());
        if let Ok(ids) = ids {
            let mut expect = [1u32, 2, 3].into_iter();
            for id in ids {
                assert_eq!(Some(id), expect.next());
            }
            assert!(expect.next().is_none());
        }
        assert!(port_ids(&[]).is_err());
        assert!(port_ids(&[0u8; 6]).is_err());
    }

    #[test]
    fn stats_layout() {
        let s = DpStats {
            n_hit: 1,
            n_missed: 2,
            n_lost: 3,
            n_flows: 4,
        }
        .to_ne_bytes();
        assert_eq!(s[8..16], 2u64.to_ne_bytes());
        assert_eq!(s[24..32], 4u64.to_ne_bytes());
        let m = MegaflowStats {
            n_mask_hit: 5,
            n_masks: 6,
            n_cache_hit: 7,
        }
        .to_ne_bytes();
        assert_eq!(m[8..12], 6u32.to_ne_bytes());
        assert_eq!(m[12..16], [0u8; 4]);
        assert_eq!(m[16..24], 7u64.to_ne_bytes());
        assert_eq!(m[24..32], [0u8; 8]);
        // Header, name, 2 x 64-bit stats, 2 x u32, 2 CPUs of port ids.
        assert_eq!(dp_msg_size(2), 4 + 20 + 40 + 40 + 8 + 8 + 12);
    }

    /// Flattens `[[u8; 4]; 3]` without allocating (no `Vec` in the kernel).
    trait ConcatFlat {
        fn concat_flat(self) -> [u8; 12];
    }
    impl ConcatFlat for [[u8; 4]; 3] {
        fn concat_flat(self) -> [u8; 12] {
            let mut out = [0u8; 12];
            for (dst, src) in out.iter_mut().zip(self.iter().flatten()) {
                *dst = *src;
            }
            out
        }
    }
}
