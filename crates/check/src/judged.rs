//! The judged outcome of one run, and whether it is what a scenario expects.

use serde::Serialize;
use taintsim_sim::Outcome;

use crate::oracle::OracleName;
use taintsim_scenario::format::Expectation;

/// What one run showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Observed {
    /// Every assertion and oracle held.
    Pass,
    /// A simulated task panicked (the `no-panic` oracle).
    Panic {
        /// The panic message.
        message: String,
        /// The task that panicked.
        actor: String,
        /// The step it was taking.
        action: String,
        /// The step number.
        step: u64,
        /// `file:line` of the panic, if known.
        location: Option<String>,
    },
    /// An oracle was violated.
    Violation {
        /// Which.
        oracle: OracleName,
        /// What happened.
        message: String,
    },
    /// One of the scenario's assertions failed.
    AssertionFailure {
        /// What failed.
        message: String,
    },
    /// A `wait-until` or `wait-for-sync` timed out, a write was rejected, or the actor never
    /// finished its steps.
    StepFailure {
        /// What went wrong.
        message: String,
    },
    /// The run hit the step bound without becoming quiescent.
    StepLimit {
        /// Steps taken.
        steps: u64,
    },
    /// A replayed schedule no longer fits the code.
    Divergence {
        /// Where and how.
        message: String,
    },
    /// A step accessed shared state that its label does not declare (debug builds only): the
    /// harness's footprints are wrong, so exhaustive verdicts would not be sound.
    Footprint {
        /// The step, its declared touches and the undeclared accesses.
        message: String,
    },
}

impl Observed {
    pub(crate) fn from_panic(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Panic {
                step,
                actor,
                action,
                message,
                location,
            } => Self::Panic {
                message: message.clone(),
                actor: actor.clone(),
                action: action.clone(),
                step: *step,
                location: location.clone(),
            },
            other => Self::StepFailure {
                message: format!("{other:?}"),
            },
        }
    }

    /// Whether the run passed.
    pub fn is_pass(&self) -> bool {
        matches!(self, Self::Pass)
    }

    /// A short name for tables: `pass`, `panic`, `violation:<oracle>`, ...
    pub fn short(&self) -> String {
        match self {
            Self::Pass => "pass".into(),
            Self::Panic { .. } => "panic".into(),
            Self::Violation { oracle, .. } => format!("violation:{oracle}"),
            Self::AssertionFailure { .. } => "assertion-failure".into(),
            Self::StepFailure { .. } => "step-failure".into(),
            Self::StepLimit { .. } => "step-limit".into(),
            Self::Divergence { .. } => "divergence".into(),
            Self::Footprint { .. } => "footprint".into(),
        }
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        match self {
            Self::Pass => "every assertion and oracle held".into(),
            Self::Panic {
                message,
                actor,
                action,
                step,
                location,
            } => format!(
                "panic in `{actor}` at step {step} ({action}){}: {message}",
                location
                    .as_deref()
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default()
            ),
            Self::Violation { oracle, message } => format!("oracle {oracle} violated: {message}"),
            Self::AssertionFailure { message } => format!("assertion failed: {message}"),
            Self::StepFailure { message } => format!("scenario step failed: {message}"),
            Self::StepLimit { steps } => {
                format!(
                    "no quiescence after {steps} steps (raise explore.max-steps, or a livelock)"
                )
            }
            Self::Divergence { message } => message.clone(),
            Self::Footprint { message } => format!("footprint check failed: {message}"),
        }
    }

    /// Whether this run shows what `expect` asks to find (for a failing expectation) or is a
    /// pass (for `pass`).
    pub fn matches(&self, expect: &Expectation) -> bool {
        match (expect, self) {
            (Expectation::Pass, Self::Pass) => true,
            (
                Expectation::Panic {
                    message_contains, ..
                },
                Self::Panic { message, .. },
            ) => message.contains(message_contains.as_str()),
            (Expectation::Violation { oracle, .. }, Self::Violation { oracle: got, .. }) => {
                oracle == got
            }
            (
                Expectation::AssertionFailure {
                    message_contains, ..
                },
                Self::AssertionFailure { message },
            ) => message_contains
                .as_ref()
                .is_none_or(|m| message.contains(m.as_str())),
            _ => false,
        }
    }
}

/// The expectation in the short form of [`Observed::short`].
pub fn expectation_short(expect: &Expectation) -> String {
    match expect {
        Expectation::Pass => "pass".into(),
        Expectation::Panic { .. } => "panic".into(),
        Expectation::Violation { oracle, .. } => format!("violation:{oracle}"),
        Expectation::AssertionFailure { .. } => "assertion-failure".into(),
    }
}
