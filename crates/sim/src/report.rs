//! What a run produces: its outcome, per-step reports and the final report.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{DecisionLog, Divergence, Enabled, Footprint, Trace, TraceEntry};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing was enabled and no timer was pending.
    Quiescent,
    /// A task or a timer closure panicked (or a task busy-looped, see the crate docs).
    Panic {
        /// The step during which the panic happened. A panic in an eager poll before the
        /// first step, or after a time jump, carries the number of the step about to be taken.
        step: u64,
        /// The actor of the task or timer that panicked.
        actor: String,
        /// The action that was running: the chosen step's action, `fire` for a timer, `start`
        /// for a task's first (eager) poll, `wake` for an eager poll after a wake-up.
        action: String,
        /// The panic message.
        message: String,
        /// Where the panic was raised, `file:line:column`, if the panic hook saw it.
        location: Option<String>,
    },
    /// [`SimConfig::max_steps`](crate::SimConfig::max_steps) steps ran and something was still
    /// enabled or pending.
    StepLimit,
    /// The observer passed to [`Sim::run_with`](crate::Sim::run_with) stopped the run.
    Stopped {
        /// The step after which the observer stopped the run.
        step: u64,
        /// The observer's message, typically an invariant violation.
        message: String,
    },
    /// The strategy could not follow its decision log.
    Divergence(Divergence),
    /// A step accessed shared state that its label does not declare (debug builds only; see
    /// the crate docs). Wins over any other way the same step ended.
    Footprint(Footprint),
}

impl Outcome {
    /// True for [`Outcome::Quiescent`].
    pub fn is_quiescent(&self) -> bool {
        matches!(self, Outcome::Quiescent)
    }
}

/// What one call to [`Sim::step_once`](crate::Sim::step_once) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// The trace entry of the step (also appended to the run's trace).
    pub entry: TraceEntry,
    /// The enabled set the strategy chose from, in presentation order. With labels on, the
    /// chosen entry's action, touches and detail have moved into [`StepReport::entry`] (it
    /// keeps its actor and kind).
    pub enabled: Vec<Enabled>,
    /// Index of the chosen entry in `enabled`.
    pub chosen: usize,
}

/// Whether [`Sim::run_with`](crate::Sim::run_with) goes on after a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Take the next step.
    Continue,
    /// End the run with [`Outcome::Stopped`] carrying this message.
    Stop(String),
}

/// Everything a finished (or interrupted) run produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// How the run ended.
    pub outcome: Outcome,
    /// The executed steps.
    pub trace: Trace,
    /// Every schedule and data decision, replayable with
    /// [`ReplayStrategy`](crate::ReplayStrategy).
    pub decisions: DecisionLog,
    /// Number of steps executed.
    pub steps: u64,
    /// Virtual time at the end of the run.
    pub final_time: Timestamp,
}
