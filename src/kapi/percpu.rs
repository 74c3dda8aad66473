// SPDX-License-Identifier: GPL-2.0

//! Per-CPU arrays: one array of `T` per possible CPU, each used only by
//! its own CPU while bottom halves are off there.

use core::cell::Cell;
use core::marker::PhantomData;
use core::ptr::NonNull;

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

/// One CPU's part of a [`PerCpuStack`].
#[repr(C)]
struct StackFrames<T, const N: usize> {
    /// Slots `0..depth` may be in use; the others are free.
    depth: Cell<usize>,
    slots: [T; N],
}

/// Per CPU, a stack of `N` scratch `T`s, for a path that nests on its
/// own CPU with bottom halves off (a packet's actions running nested
/// lists) and wants a `T` per level without allocating.
///
/// # Invariants
///
/// `ptr` is a per-CPU allocation of a `StackFrames<T, N>` for every
/// possible CPU, each initialised and owned by this value. On each CPU,
/// every live [`StackSlot`] has a distinct index below that CPU's
/// `depth`.
pub(crate) struct PerCpuStack<T: Default + Send, const N: usize> {
    ptr: NonNull<c_void>,
    _owns: PhantomData<T>,
}

// SAFETY: each CPU reaches only its own frames, with bottom halves off
// (see `enter`); the allocation may be freed from any CPU, and its `T`s
// need no drop (checked in `new`).
unsafe impl<T: Default + Send, const N: usize> Send for PerCpuStack<T, N> {}
// SAFETY: as above: shared references reach only the current CPU's
// frames, under a `BhOff` borrow.
unsafe impl<T: Default + Send, const N: usize> Sync for PerCpuStack<T, N> {}

impl<T: Default + Send, const N: usize> PerCpuStack<T, N> {
    /// Every CPU's `N` slots, default and free.
    pub(crate) fn new() -> Result<Self> {
        const { assert!(!core::mem::needs_drop::<T>()) };
        let size = core::mem::size_of::<StackFrames<T, N>>();
        // SAFETY: no preconditions; a zeroed allocation or null.
        let ptr =
            unsafe { glue::ovs_rs_percpu_alloc(size, core::mem::align_of::<StackFrames<T, N>>()) };
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        // SAFETY: the glue returns `nr_cpu_ids` at most.
        let cpus = unsafe { glue::ovs_rs_nr_cpu_ids() };
        for cpu in 0..cpus {
            // SAFETY: our fresh allocation; null for an impossible CPU.
            let f =
                unsafe { glue::ovs_rs_percpu_ptr(ptr.as_ptr(), cpu) }.cast::<StackFrames<T, N>>();
            if f.is_null() {
                continue;
            }
            // SAFETY: `f` is this CPU's `size` bytes, aligned for the
            // frames, which nobody else sees yet.
            unsafe {
                core::ptr::addr_of_mut!((*f).depth).write(Cell::new(0));
                let slots = core::ptr::addr_of_mut!((*f).slots).cast::<T>();
                for i in 0..N {
                    slots.add(i).write(T::default());
                }
            }
        }
        // INVARIANT: allocated, every possible CPU's frames written, no
        // slot handed out.
        Ok(PerCpuStack {
            ptr,
            _owns: PhantomData,
        })
    }

    /// This CPU's next free slot, `None` when all `N` are in use. Its
    /// contents are whatever its last user left.
    pub(crate) fn enter<'a>(&'a self, _bh: &'a BhOff) -> Option<StackSlot<'a, T, N>> {
        // SAFETY: this CPU's frames (type invariant), which only this CPU
        // touches, and only with bottom halves off, so nothing else uses
        // them until this returns: the borrow of the token keeps the CPU.
        let frames =
            unsafe { glue::ovs_rs_percpu_this(self.ptr.as_ptr()) }.cast::<StackFrames<T, N>>();
        // SAFETY: as above; every slot of this CPU shares `depth` through
        // the `Cell`, apart from the `T`s.
        let depth = unsafe { &*core::ptr::addr_of!((*frames).depth) };
        let index = depth.get();
        if index >= N {
            return None;
        }
        depth.set(index + 1);
        // SAFETY: `index < N`; no live slot has index `index`, since live
        // slots' indices are below the old depth (type invariant), so
        // this `&mut` is the only reference to that `T` while the slot
        // lives.
        let value = unsafe {
            &mut *core::ptr::addr_of_mut!((*frames).slots)
                .cast::<T>()
                .add(index)
        };
        // INVARIANT: the new slot's index is below the new depth, and
        // distinct from every other live slot's.
        Some(StackSlot {
            value,
            depth,
            index,
        })
    }
}

impl<T: Default + Send, const N: usize> Drop for PerCpuStack<T, N> {
    fn drop(&mut self) {
        // SAFETY: our allocation (type invariant), freed once; no slot is
        // live (they borrow `self`); the `T`s need no drop.
        unsafe { glue::ovs_rs_percpu_free(self.ptr.as_ptr()) }
    }
}

/// A slot of a [`PerCpuStack`], this CPU's while it lives.
pub(crate) struct StackSlot<'a, T, const N: usize> {
    value: &'a mut T,
    depth: &'a Cell<usize>,
    index: usize,
}

impl<T, const N: usize> core::ops::Deref for StackSlot<'_, T, N> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T, const N: usize> core::ops::DerefMut for StackSlot<'_, T, N> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T, const N: usize> Drop for StackSlot<'_, T, N> {
    fn drop(&mut self) {
        // Slots are freed in the order they were taken; one dropped out
        // of order stays taken (its index stays below the depth) rather
        // than let a later `enter` hand out a slot still in use.
        if self.depth.get() == self.index + 1 {
            self.depth.set(self.index);
        } else {
            kernel::warn_on!(true);
        }
    }
}

#[cfg(CONFIG_KUNIT = "y")]
#[path = "percpu/tests.rs"]
mod tests;
