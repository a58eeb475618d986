//! taintsim-workqueue: client-go's `util/workqueue` as the device taint eviction controller of
//! 1.35 and later uses it: a rate-limiting delaying queue
//! (`NewTypedRateLimitingQueueWithConfig(DefaultTypedControllerRateLimiter(), ...)`) on the
//! runtime seam's virtual time.
//!
//! What it keeps from upstream, because races depend on it:
//! - **dedup while queued**: an item already queued is not added twice;
//! - **processing and dirty sets**: an item re-added while a worker holds it is queued again
//!   only after `Done`, so no two workers ever hold the same item;
//! - **`AddAfter`**: delayed items on the runtime's timers, the earliest ready time winning;
//! - **`AddRateLimited`**: [`rate_limiter::default_controller_rate_limiter`], per-item
//!   exponential back-off with a token bucket for all items;
//! - **`Forget`**, **`NumRequeues`**, **`ShutDown`** and **`ShutDownWithDrain`**;
//! - **interleaving points**: every `Add`, `Get` and `Done` is a step touching
//!   `workqueue/<name>` (see [`Queue`]'s module docs for how handlers, which run inside their
//!   own step, add items).
//!
//! Code map: `typed.rs` (FIFO, dirty, processing; upstream `queue.go`), `queue.rs`
//! ([`Queue`]: waiting `Get`s, delayed items, steps; `delaying_queue.go` and
//! `rate_limiting_queue.go`) and [`rate_limiter`] (`default_rate_limiters.go`).
//!
//! Tests: `tests/upstream_*.rs` port the scenarios of upstream's unit tests (each test names
//! the upstream test it ports), `tests/model.rs` checks the queue against a plain reference
//! model with proptest, and `tests/concurrent.rs` runs producers and workers on the
//! simulator over many seeds and on tokio.

#![deny(missing_docs)]

mod queue;
pub mod rate_limiter;
mod typed;

pub use queue::{InStep, Queue};
pub use rate_limiter::{RateLimiter, default_controller_rate_limiter};

/// What a queue can hold: compared by value (`Ord` keeps every set deterministic), printed in
/// step labels, and shared between tasks.
pub trait Item: Clone + Ord + std::fmt::Display + std::fmt::Debug + Send + Sync + 'static {}

impl<T: Clone + Ord + std::fmt::Display + std::fmt::Debug + Send + Sync + 'static> Item for T {}
