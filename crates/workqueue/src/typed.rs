//! `Typed[T]` of client-go's `queue.go`: the FIFO, the dirty set and the processing set, as
//! plain state without locks, wakers or time (the [`crate::Queue`] around it adds those).
//!
//! Invariant (upstream's): every queued item is dirty and not processing. An item re-added
//! while it is processing is only marked dirty, and `Done` queues it again, so no two workers
//! ever hold the same item.

use std::collections::{BTreeSet, VecDeque};

/// What [`Typed::get`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Got<T> {
    /// The front item, now processing.
    Item(T),
    /// Nothing queued, not shutting down: the caller waits.
    Empty,
    /// Nothing queued and shutting down: upstream's `Get` returns `shutdown == true`.
    ShutDown,
}

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Typed<T> {
    queue: VecDeque<T>,
    dirty: BTreeSet<T>,
    processing: BTreeSet<T>,
    shutting_down: bool,
    drain: bool,
}

impl<T> Default for Typed<T> {
    fn default() -> Self {
        Self {
            queue: VecDeque::new(),
            dirty: BTreeSet::new(),
            processing: BTreeSet::new(),
            shutting_down: false,
            drain: false,
        }
    }
}

impl<T> Typed<T> {
    /// `Len`: queued items only (not those processing, not those dirty while processing).
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}

impl<T: Clone + Ord> Typed<T> {
    /// `Add`: ignored while shutting down, de-duplicated while dirty, deferred to `Done` while
    /// processing. Returns whether the item went onto the queue (upstream then signals one
    /// waiting `Get`).
    pub(crate) fn add(&mut self, item: T) -> bool {
        if self.shutting_down || self.dirty.contains(&item) {
            return false;
        }
        self.dirty.insert(item.clone());
        if self.processing.contains(&item) {
            return false;
        }
        self.queue.push_back(item);
        true
    }

    /// `Get` without waiting.
    pub(crate) fn get(&mut self) -> Got<T> {
        match self.queue.pop_front() {
            Some(item) => {
                self.processing.insert(item.clone());
                self.dirty.remove(&item);
                Got::Item(item)
            }
            None if self.shutting_down => Got::ShutDown,
            None => Got::Empty,
        }
    }

    /// `Done`: the item is no longer processing; if it was re-added meanwhile it is queued
    /// again (also after shutdown, as upstream). Returns whether it was queued again.
    pub(crate) fn done(&mut self, item: &T) -> bool {
        self.processing.remove(item);
        if self.dirty.contains(item) {
            self.queue.push_back(item.clone());
            return true;
        }
        false
    }

    /// `ShutDown` (`drain == false`) or the first half of `ShutDownWithDrain`.
    pub(crate) fn shut_down(&mut self, drain: bool) {
        self.drain = drain;
        self.shutting_down = true;
    }

    pub(crate) fn shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// Whether a `ShutDownWithDrain` still waits: it drains and something is processing.
    pub(crate) fn draining(&self) -> bool {
        self.drain && !self.processing.is_empty()
    }

    pub(crate) fn queued(&self) -> impl Iterator<Item = &T> {
        self.queue.iter()
    }

    pub(crate) fn processing(&self) -> impl Iterator<Item = &T> {
        self.processing.iter()
    }

    pub(crate) fn is_dirty(&self, item: &T) -> bool {
        self.dirty.contains(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readd_while_processing_should_queue_again_only_after_done() {
        let mut q = Typed::default();
        assert!(q.add("foo"));
        assert_eq!(q.get(), Got::Item("foo"));
        assert!(!q.add("foo"), "processing: only marked dirty");
        assert_eq!(q.len(), 0);
        assert_eq!(q.get(), Got::Empty);
        assert!(q.done(&"foo"));
        assert_eq!(q.get(), Got::Item("foo"));
        assert!(!q.done(&"foo"));
        assert_eq!(q.len(), 0);
    }
}
