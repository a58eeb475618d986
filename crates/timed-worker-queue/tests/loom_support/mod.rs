//! Fixtures the queue's `loom_*` models share: the pod they work on and a work function that
//! counts its runs. The runtime and the model harness are the seam's loom back end
//! (`taintsim_seam::loom`).
//!
//! Every model file declares `#![cfg(loom)]` and includes this module with `mod loom_support;`.
//! Each file uses only part of it.

#![allow(dead_code)]

use std::sync::Arc;

use loom::sync::atomic::{AtomicUsize, Ordering};
use taintsim_seam::Timestamp;
pub use taintsim_seam::loom::{LoomRuntime, Model, Outcomes, start};
use taintsim_timed_worker_queue::{NamespacedObject, WorkArgs, WorkFn};

/// `start() + secs`.
pub fn in_secs(secs: i64) -> Timestamp {
    start() + jiff::SignedDuration::from_secs(secs)
}

/// The pod every model works on: `default/my-pod`, the pod of upstream's fixtures.
pub fn pod() -> WorkArgs {
    WorkArgs {
        object: NamespacedObject {
            namespace: "default".into(),
            name: "my-pod".into(),
            uid: "1234".into(),
        },
    }
}

/// The queue key of [`pod`].
pub const KEY: &str = "default/my-pod";

/// A work function that counts its runs in a loom atomic, and optionally runs `check` first
/// (inside the work, on the worker's thread).
pub fn counting_work(runs: Arc<AtomicUsize>, check: impl Fn() + Send + Sync + 'static) -> WorkFn {
    let check = Arc::new(check);
    Arc::new(move |_args: WorkArgs, _fire_at: Timestamp| {
        let runs = runs.clone();
        let check = check.clone();
        Box::pin(async move {
            check();
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    })
}
