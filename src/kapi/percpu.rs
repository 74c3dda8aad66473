// SPDX-License-Identifier: GPL-2.0

//! Per-CPU arrays: one array of `T` per possible CPU, each used only by
//! its own CPU while bottom halves are off there.

use core::cell::Cell;
use core::marker::PhantomData;

use kernel::{ffi::c_void, prelude::*};

use super::glue;
use super::skb::BhOff;

/// `nr_cpu_ids`: CPU numbers are below it.
pub(crate) fn nr_cpu_ids() -> u32 {
    // SAFETY: no preconditions.
    unsafe { glue::ovs_rs_nr_cpu_ids() }
}

/// Runs `f` on CPU `cpu` with bottom halves off there, and waits for it
/// (`work_on_cpu()`): how the KUnit suites write per-CPU state from
/// several CPUs. `None` if `cpu` is not online.
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn on_cpu<R: Send, F: FnOnce(&BhOff) -> R + Send>(cpu: u32, f: F) -> Option<R> {
    struct Call<F, R> {
        f: Option<F>,
        out: Option<R>,
    }
    /// # Safety
    ///
    /// `arg` is the `Call<F, R>` of the `on_cpu` waiting for this call.
    unsafe extern "C" fn trampoline<F: FnOnce(&BhOff) -> R, R>(
        arg: *mut c_void,
    ) -> kernel::ffi::c_long {
        // SAFETY: per the caller, a `Call` nothing else touches until the
        // call returns.
        let call = unsafe { &mut *arg.cast::<Call<F, R>>() };
        if let Some(f) = call.f.take() {
            let bh = super::skb::BhDisabled::new();
            call.out = Some(f(bh.token()));
        }
        0
    }
    let mut call = Call {
        f: Some(f),
        out: None,
    };
    // SAFETY: `work_on_cpu()` returns only once the trampoline has run, so
    // `call` outlives its use there; `F` and `R` are `Send`, as they
    // cross to the worker and back.
    let rc = unsafe {
        glue::ovs_rs_work_on_cpu(
            cpu,
            Some(trampoline::<F, R>),
            core::ptr::addr_of_mut!(call).cast(),
        )
    };
    if rc < 0 {
        return None;
    }
    call.out
}

/// A per-CPU array of `len` `T`s (none for 0).
///
/// # Invariants
///
/// `ptr` is null (`len` 0) or a per-CPU allocation of `len` `T`s for
/// every possible CPU, each initialised, owned by this value.
pub(crate) struct PerCpuArray<T: Copy + Default + Send> {
    ptr: *mut c_void,
    len: usize,
    _owns: PhantomData<T>,
}

// SAFETY: each CPU reaches only its own array, with bottom halves off
// (see `this_cpu`); the allocation may be freed from any CPU, and `T:
// Send` may be dropped there (it is `Copy`: nothing to drop).
unsafe impl<T: Copy + Default + Send> Send for PerCpuArray<T> {}
// SAFETY: as above: shared references hand out only the current CPU's
// array, under a `BhOff` borrow.
unsafe impl<T: Copy + Default + Send> Sync for PerCpuArray<T> {}

impl<T: Copy + Default + Send> PerCpuArray<T> {
    /// `len` default entries per CPU.
    pub(crate) fn new(len: usize) -> Result<Self> {
        if len == 0 || core::mem::size_of::<T>() == 0 {
            return Ok(PerCpuArray {
                ptr: core::ptr::null_mut(),
                len: 0,
                _owns: PhantomData,
            });
        }
        let size = len.checked_mul(core::mem::size_of::<T>()).ok_or(EINVAL)?;
        // SAFETY: no preconditions; a zeroed allocation or null.
        let ptr = unsafe { glue::ovs_rs_percpu_alloc(size, core::mem::align_of::<T>()) };
        if ptr.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: the glue returns `nr_cpu_ids` at most.
        let cpus = unsafe { glue::ovs_rs_nr_cpu_ids() };
        for cpu in 0..cpus {
            // SAFETY: our fresh allocation; null for an impossible CPU.
            let slot = unsafe { glue::ovs_rs_percpu_ptr(ptr, cpu) }.cast::<T>();
            if slot.is_null() {
                continue;
            }
            for i in 0..len {
                // SAFETY: `size` bytes at `slot`, aligned for `T`, which
                // nobody else sees yet: `i < len` stays inside.
                unsafe { slot.add(i).write(T::default()) };
            }
        }
        // INVARIANT: allocated and every possible CPU's entries written.
        Ok(PerCpuArray {
            ptr,
            len,
            _owns: PhantomData,
        })
    }

    /// This CPU's entries. They are `Cell`s because whatever else runs on
    /// this CPU with bottom halves off (a nested call of the same path)
    /// may reach them too: each access is a whole read or write, and none
    /// is a borrow another access could invalidate. The borrow of the
    /// token keeps them from outliving the bottom-halves-off section that
    /// pins the CPU.
    pub(crate) fn this_cpu<'a>(&'a self, _bh: &'a BhOff) -> &'a [Cell<T>] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: the allocation has `len` initialised `T`s for this CPU
        // (type invariant); with bottom halves off nothing on another
        // context of this CPU runs concurrently, and other CPUs use their
        // own arrays. `Cell<T>` has `T`'s layout.
        unsafe {
            core::slice::from_raw_parts(
                glue::ovs_rs_percpu_this(self.ptr).cast::<Cell<T>>(),
                self.len,
            )
        }
    }
}

impl<T: Copy + Default + Send> Drop for PerCpuArray<T> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: our allocation (type invariant), freed once; callers
            // that shared it (through RCU) free it after a grace period.
            unsafe { glue::ovs_rs_percpu_free(self.ptr) }
        }
    }
}
