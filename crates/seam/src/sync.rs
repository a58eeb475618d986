//! The sync shim: std primitives normally, loom's under `cfg(loom)`.
//!
//! Every piece of state that the queue and the controller share between tasks goes through
//! this module, so the loom models in `tests/loom_*.rs` check the very source the simulator
//! runs. Poisoning is ignored on purpose: a panic inside a simulated task ends the run and is
//! reported as its outcome, so nobody observes the poisoned state afterwards.

#[cfg(not(loom))]
pub use std::sync::Arc;
#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[cfg(loom)]
pub use loom::sync::Arc;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[cfg(not(loom))]
use std::sync as imp;

#[cfg(loom)]
use loom::sync as imp;

/// A mutex whose `lock` never reports poisoning (see the module docs).
#[derive(Debug, Default)]
pub struct Mutex<T>(imp::Mutex<T>);

/// The guard returned by [`Mutex::lock`].
pub type MutexGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self(imp::Mutex::new(value))
    }

    /// Locks the mutex, ignoring poisoning.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
