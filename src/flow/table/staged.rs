// SPDX-License-Identifier: GPL-2.0

//! How the writer publishes to readers: every change of the table first
//! allocates all it will publish ([`Staged::new`], the only step that can
//! fail), then publishes it ([`Staged::publish`], which cannot), so a
//! failed change leaves the table as it was.

use crate::fallible::AllocError;
use crate::rcu::{RcuBox, RcuCell};

/// A value allocated for an [`RcuCell`], not yet visible to readers.
pub(super) struct Staged<T>(RcuBox<T>);

impl<T: Send + Sync + 'static> Staged<T> {
    pub(super) fn new(value: T) -> Result<Self, AllocError> {
        RcuBox::new(value).map(Staged).map_err(|_| AllocError)
    }

    /// A new cell holding the value.
    pub(super) fn into_cell(self) -> RcuCell<T> {
        RcuCell::new(self.0)
    }

    /// Replaces `cell`'s value: readers see the old one or this one,
    /// whole, and the old one is freed once no reader can hold it.
    pub(super) fn publish(self, cell: &RcuCell<T>) {
        cell.replace(Some(self.0));
    }
}
