//! Helpers shared by the queue tests: a hand-driven runtime and a queue on it.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use taintsim_seam::runtime::{ManualRuntime, Runtime, Timestamp};
use taintsim_workqueue::Queue;
use taintsim_workqueue::rate_limiter::{ItemExponentialFailure, RateLimiter};

/// The start of every test's clock.
pub fn start() -> Timestamp {
    "2025-03-20T12:00:00Z".parse().expect("valid time")
}

/// A manual runtime and a string queue on it with the given limiter.
pub fn queue_with(limiter: Box<dyn RateLimiter<String>>) -> (ManualRuntime, Queue<String>) {
    let rt = ManualRuntime::new(start());
    let dyn_rt: Arc<dyn Runtime> = Arc::new(rt.clone());
    (rt, Queue::new(dyn_rt, "test", limiter))
}

/// A manual runtime and a string queue on it (1 ms to 1 s exponential back-off).
pub fn queue() -> (ManualRuntime, Queue<String>) {
    queue_with(Box::new(ItemExponentialFailure::new(
        Duration::from_millis(1),
        Duration::from_secs(1),
    )))
}

/// Spawns `f` on the manual runtime as `name`.
pub fn spawn(rt: &ManualRuntime, name: &str, f: impl Future<Output = ()> + Send + 'static) {
    rt.spawn(name.to_owned(), Box::pin(f));
}

/// Milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The waiting items and how long from now each has left.
pub fn later(rt: &ManualRuntime, q: &Queue<String>) -> Vec<(String, Duration)> {
    let now = rt.now();
    q.waiting()
        .into_iter()
        .map(|(item, at)| {
            let left = at.duration_since(now);
            (item, Duration::try_from(left).unwrap_or_default())
        })
        .collect()
}

/// `s.to_owned()`.
pub fn s(v: &str) -> String {
    v.to_owned()
}
