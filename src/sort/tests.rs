// SPDX-License-Identifier: GPL-2.0

//! Tests of `sort.rs`: KUnit suite `ovs_rs_sort` in the module, `#[test]`s
//! on the host.

#[cfg_attr(MODULE, kernel::prelude::kunit_tests(ovs_rs_sort))]
#[cfg_attr(not(MODULE), cfg(test))]
mod suite {
    use super::super::sort_by_key;

    fn sorted(v: &[u32]) -> bool {
        v.windows(2).all(|w| w[0] <= w[1])
    }

    #[test]
    fn sorts_every_shape() {
        let mut empty: [u32; 0] = [];
        sort_by_key(&mut empty, |x| *x);
        let mut one = [7u32];
        sort_by_key(&mut one, |x| *x);
        assert_eq!(one, [7]);
        let mut v = [5u32, 3, 9, 1, 5, 0, 2, 8, 7, 3];
        sort_by_key(&mut v, |x| *x);
        assert_eq!(v, [0, 1, 2, 3, 3, 5, 5, 7, 8, 9]);
        let mut rev = [0u32; 64];
        for (i, x) in rev.iter_mut().enumerate() {
            *x = 64 - i as u32;
        }
        sort_by_key(&mut rev, |x| *x);
        assert!(sorted(&rev) && rev[0] == 1 && rev[63] == 64);
    }

    #[test]
    fn matches_a_reference_sort_on_pseudo_random_input() {
        let mut seed = 0x2545_f491u32;
        for len in 0..40usize {
            let mut v = [0u32; 40];
            for x in v.iter_mut().take(len) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                *x = seed % 16;
            }
            let v = &mut v[..len];
            // Counting sort as the reference: same multiset, ordered.
            let mut counts = [0usize; 16];
            for x in v.iter() {
                counts[*x as usize] += 1;
            }
            sort_by_key(v, |x| *x);
            assert!(sorted(v));
            let mut again = [0usize; 16];
            for x in v.iter() {
                again[*x as usize] += 1;
            }
            assert_eq!(counts, again);
        }
    }

    #[test]
    fn sorts_by_the_key_only() {
        let mut v = [(3u32, 'c'), (1, 'a'), (2, 'b')];
        sort_by_key(&mut v, |p| p.0);
        assert_eq!(v, [(1, 'a'), (2, 'b'), (3, 'c')]);
    }
}
