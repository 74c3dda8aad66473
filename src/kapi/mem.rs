// SPDX-License-Identifier: GPL-2.0

//! What the kernel says about memory, for tables sized by it as C sizes
//! them.

use kernel::bindings;

/// `nr_free_buffer_pages()`: pages free outside highmem and reserves.
pub(crate) fn free_buffer_pages() -> u64 {
    // SAFETY: no preconditions; reads counters only.
    unsafe { bindings::nr_free_buffer_pages() as u64 }
}

/// `PAGE_SIZE`.
pub(crate) const PAGE_SIZE: u64 = kernel::page::PAGE_SIZE as u64;

/// `sizeof(spinlock_t)` on this kernel (larger with lock debugging).
pub(crate) const SPINLOCK_SIZE: usize = core::mem::size_of::<bindings::spinlock_t>();
