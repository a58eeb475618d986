//! [`SimHandle`]: what simulated code uses to reach the executor.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use crate::clock;
use crate::executor::{Shared, TaskSlot, TimerEntry};
use crate::panic_hook;
use crate::sleep::Sleep;
use crate::step::Step;
use crate::waker::task_waker;
use crate::{ActorName, Decision, StepLabel, TaskId, TimerId};

/// Resolution of [`SimHandle::chance`]: the roll is a data choice in `0..2^53`.
const CHANCE_RESOLUTION: u64 = 1 << 53;

/// A cloneable, `Send + Sync` handle to a [`Sim`](crate::Sim): spawn tasks, set timers, read
/// the virtual clock, declare steps, record marks and make data choices.
///
/// Every method is cheap and may be called from simulated code (tasks and timer closures) or
/// from outside between steps.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("now", &self.now())
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// The current virtual time.
    pub fn now(&self) -> Timestamp {
        self.shared.lock().now()
    }

    /// Virtual time elapsed since the run's start time.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.shared.lock().elapsed)
    }

    /// Starts `fut` as a new task named `actor`. The task is polled eagerly (not a scheduling
    /// decision) at the end of the current step, or before the next step if called from
    /// outside, until it awaits a [`step`](SimHandle::step), blocks or finishes.
    pub fn spawn(
        &self,
        actor: impl Into<ActorName>,
        fut: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> TaskId {
        let id = {
            let mut inner = self.shared.lock();
            let id = TaskId(inner.next_task);
            inner.next_task += 1;
            inner.tasks.insert(
                id,
                TaskSlot {
                    actor: actor.into(),
                    future: Some(fut),
                    waker: task_waker(id, self.shared.wake.clone()),
                    ready: None,
                    granted: None,
                    started: false,
                },
            );
            id
        };
        self.shared.wake.push(id);
        id
    }

    /// Runs `f` once `delay` of virtual time has passed: from then on the enabled set offers
    /// `"{actor}: fire"`, and choosing it runs `f` (which typically spawns a task). Timers with
    /// equal deadlines are offered in creation order.
    pub fn after(
        &self,
        delay: Duration,
        actor: impl Into<ActorName>,
        f: Box<dyn FnOnce() + Send>,
    ) -> TimerId {
        let mut inner = self.shared.lock();
        let deadline = inner.elapsed.saturating_add(clock::nanos(delay));
        let key = inner.next_timer_key(deadline);
        let id = TimerId(key.seq);
        inner.timers.insert(
            key,
            TimerEntry::Callback {
                actor: actor.into(),
                f,
            },
        );
        inner.callbacks.insert(id, deadline);
        id
    }

    /// Stops a timer created by [`after`](SimHandle::after). Like Go's `Timer.Stop`: returns
    /// true iff the timer was still pending (not fired, not stopped), in which case its closure
    /// never runs. A timer that is due but not yet chosen is still pending.
    pub fn stop_timer(&self, id: TimerId) -> bool {
        let taken = self.shared.lock().take_callback(id);
        match taken {
            Some(callback) => {
                panic_hook::quiet_drop(callback);
                true
            }
            None => false,
        }
    }

    /// Completes after `delay` of virtual time (see [`Sleep`]).
    pub fn sleep(&self, delay: Duration) -> Sleep {
        Sleep::new(self.shared.clone(), delay)
    }

    /// A labelled interleaving point (see [`Step`]). Must be awaited inside a task spawned on
    /// the simulator.
    pub fn step(&self, label: StepLabel) -> Step {
        Step::new(self.shared.clone(), label)
    }

    /// Whether the run keeps labels ([`SimConfig::labels`](crate::SimConfig::labels)).
    pub fn labels(&self) -> bool {
        self.shared.lock().labels
    }

    /// Records the coverage mark `name` in the trace entry of the current step.
    pub fn mark(&self, name: &'static str) {
        self.shared.lock().marks.push(name.to_string());
    }

    /// The actor of the task or timer closure running now, if any.
    pub fn current_actor(&self) -> Option<String> {
        self.shared
            .lock()
            .current
            .as_ref()
            .map(|c| c.actor.to_string())
    }

    /// A uniform data choice in `0..n` (an `n` of 0 is treated as 1), made by the strategy and
    /// recorded in the decision log as a data decision labelled `label`.
    ///
    /// If the strategy cannot make the choice (a replay diverged), this returns 0 and the run
    /// ends with [`Outcome::Divergence`](crate::Outcome::Divergence) as soon as the current
    /// poll or closure returns.
    pub fn random(&self, label: &str, n: u64) -> u64 {
        let n = n.max(1);
        let mut inner = self.shared.lock();
        if inner.divergence.is_some() {
            return 0;
        }
        match inner.strategy.random(label, n) {
            Ok(value) => {
                let value = value.min(n - 1);
                inner.decisions.entries.push(Decision::Data {
                    label: label.to_string(),
                    n,
                    value,
                });
                value
            }
            Err(divergence) => {
                inner.divergence = Some(divergence);
                0
            }
        }
    }

    /// True with probability `p`, decided by [`random`](SimHandle::random) over `0..2^53`.
    /// A `p` of at most 0 (or NaN) is always false and a `p` of at least 1 always true; neither
    /// makes a data decision.
    pub fn chance(&self, label: &str, p: f64) -> bool {
        if p.is_nan() || p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        let threshold = (p * CHANCE_RESOLUTION as f64) as u64;
        self.random(label, CHANCE_RESOLUTION) < threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RandomStrategy, Sim, SimConfig};

    fn assert_send_sync<T: Send + Sync + Clone>() {}
    fn assert_send<T: Send>() {}

    #[test]
    fn handle_should_be_clone_send_sync_and_its_futures_send() {
        assert_send_sync::<SimHandle>();
        assert_send::<Sleep>();
        assert_send::<Step>();
    }

    #[test]
    #[should_panic(expected = "must be awaited inside a task spawned on the Sim")]
    fn step_outside_a_task_should_panic_with_advice() {
        let sim = Sim::new(
            SimConfig::default(),
            Box::new(RandomStrategy::new_from_seed(0)),
        );
        futures::executor::block_on(sim.handle().step(StepLabel::new("x")));
    }
}
