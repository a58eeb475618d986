//! The runtime seam: what controllers, queues and the API side need from an executor.
//!
//! Code above the seam never names an executor. It asks a [`Runtime`] to spawn a task, to run
//! a closure after a delay, for the current time, for a labelled [`StepLabel`] step (a point
//! where a real system could interleave other work), and for every nondeterministic data
//! choice ([`Runtime::choose`]). Back ends:
//!
//! - the deterministic simulator (`taintsim-sim`'s `SimRuntime`): every [`Runtime::step`] is a
//!   decision of the seeded scheduler, every [`Runtime::choose`] a recorded data decision,
//!   and time is virtual;
//! - [`TokioRuntime`] (feature `tokio`): real threads and real, optionally scaled, time; the
//!   baseline a user would otherwise reach for (the stress mode). The only back end that reads
//!   the wall clock, so the simulator never enables it;
//! - loom (`crate::loom`, behind the `loom` feature): spawn becomes a loom thread;
//! - [`ManualRuntime`] (here): a hand-driven fake clock for unit tests.

mod manual;
#[cfg(feature = "tokio")]
mod tokio_rt;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use jiff::Timestamp;
pub use manual::ManualRuntime;
#[cfg(feature = "tokio")]
pub use tokio_rt::TokioRuntime;

pub use crate::detail::StepDetail;
pub use crate::label::{StepLabel, Touch, push_decimal, touch};

/// A boxed, sendable future, the currency of the runtime seam.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A timer created by [`Runtime::after`].
pub trait TimerHandle: Send + Sync {
    /// Stops the timer. Like Go's `Timer.Stop`, returns `true` if this call stopped it before it
    /// fired and `false` if it had already fired or been stopped. A closure that already started
    /// keeps running.
    fn stop(&self) -> bool;
}

/// The executor seen by the controller and the queue. See the module docs.
pub trait Runtime: Send + Sync + 'static {
    /// The current (real or virtual) time.
    fn now(&self) -> Timestamp;

    /// Starts `task` as a new task named `actor` (the name appears in traces).
    fn spawn(&self, actor: String, task: BoxFuture<()>);

    /// Runs `f` once `delay` has passed, unless the returned handle is stopped first.
    /// The closure runs on its own (timer) actor, named `actor`.
    fn after(
        &self,
        delay: Duration,
        actor: String,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Box<dyn TimerHandle>;

    /// Completes once `delay` has passed.
    fn sleep(&self, delay: Duration) -> BoxFuture<()>;

    /// A labelled interleaving point; see [`StepLabel`].
    fn step(&self, label: StepLabel) -> BoxFuture<()>;

    /// A nondeterministic data choice: an index below `options` (callers ask for at least one
    /// option) for the decision named `label`. Everything that real code leaves to chance (a
    /// fault roll, Go's random map iteration order) goes through here, so that the simulator
    /// can record it, explore it and replay it. Callers clamp answers that are out of range.
    fn choose(&self, label: &str, options: usize) -> usize;

    /// Whether a step's action text and detail are wanted. When false, nothing will read
    /// them (a run that only needs its verdict), and callers may pass an empty action and no
    /// detail instead of formatting them. Default true.
    fn wants_labels(&self) -> bool {
        true
    }

    /// Whether a step's touches are wanted (see [`Runtime::wants_labels`]). When false,
    /// callers may pass none. Default true.
    fn wants_touches(&self) -> bool {
        true
    }

    /// Records that the code passed a named coverage mark (for example the path of a bug
    /// toggle). Back ends that do not trace ignore it.
    fn mark(&self, _name: &'static str) {}
}
