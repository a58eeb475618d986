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

/// A mutex whose `lock` never reports poisoning (see the module docs). A mutex made with
/// [`Mutex::named`] records an access to its name on every `lock`
/// ([`access::record`](crate::access::record)), so that the simulator can check that a step
/// which locks it declares the name among its touches.
#[derive(Debug, Default)]
pub struct Mutex<T> {
    inner: imp::Mutex<T>,
    name: Option<&'static str>,
}

/// The guard returned by [`Mutex::lock`].
pub type MutexGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self {
            inner: imp::Mutex::new(value),
            name: None,
        }
    }

    /// Wraps `value` as the shared resource `name` (a step touch such as `controller`).
    pub fn named(name: &'static str, value: T) -> Self {
        Self {
            inner: imp::Mutex::new(value),
            name: Some(name),
        }
    }

    /// Locks the mutex, ignoring poisoning.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        if let Some(name) = self.name {
            crate::access::record(&[name]);
        }
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
