//! The runtime seam: the four things the controller and its queue need from an executor.
//!
//! The controller never names an executor. It asks a [`Runtime`] to spawn a task, to run a
//! closure after a delay, for the current time, and for a labelled [`Step`]: a point where a
//! real system could interleave other work. Back ends:
//!
//! - [`TokioRuntime`] (here): real threads and real, optionally scaled, time. It backs the
//!   tokio smoke tests and the stress mode, the baseline a user would otherwise reach for.
//! - the deterministic simulator (in `taintsim-scenario`): every [`Runtime::step`] is a
//!   decision of the seeded scheduler, and time is virtual.
//! - loom (in `tests/loom_*.rs`): spawn becomes a loom thread.

mod manual;
mod tokio_rt;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use jiff::Timestamp;
pub use manual::ManualRuntime;
pub use tokio_rt::TokioRuntime;

/// A boxed, sendable future, the currency of the runtime seam.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A point where a real system could let other work run first.
///
/// On the simulator each step is one decision of the scheduler, recorded in the decision log
/// as `actor: action`. `touches` names the shared resources the work *after* the step reads or
/// writes until the task's next step (for example `pod/default/my-pod` or
/// `queue/default/my-pod`); exhaustive exploration treats steps with disjoint `touches` from
/// different actors as independent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What the task does next, e.g. `GET pod default/my-pod`.
    pub action: String,
    /// Shared resources the next piece of work touches. Empty means "touches nothing shared".
    pub touches: Vec<String>,
}

impl Step {
    /// A step that does `action` and touches the listed resources.
    pub fn new(action: impl Into<String>, touches: impl IntoIterator<Item = String>) -> Self {
        Self {
            action: action.into(),
            touches: touches.into_iter().collect(),
        }
    }
}

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

    /// A labelled interleaving point; see [`Step`].
    fn step(&self, step: Step) -> BoxFuture<()>;

    /// Records that the code passed a named coverage mark (for example the path of a bug
    /// toggle). Back ends that do not trace ignore it.
    fn mark(&self, _name: &'static str) {}
}
