//! The scheduling seam: a [`Strategy`] chooses among the enabled set and supplies data
//! choices. One file per strategy; they compose by wrapping (see
//! [`ReplayThenRandomStrategy`]).

mod exhaustive;
pub mod independence;
mod pct;
mod random;
mod replay;
mod replay_then_random;

pub use exhaustive::{
    BLOCKED, Branch, Choice, Entry, ExecutionEnd, ExhaustiveConfig, ExhaustiveHandle,
    ExhaustiveStats, ExhaustiveStrategy, Exploration, FRONTIER, Reduction, Status,
};
pub use independence::{
    EntryKind, WORLD, covers, independent, independent_observed, resources_conflict,
    touches_conflict,
};
pub use pct::PctStrategy;
pub use random::RandomStrategy;
pub use replay::ReplayStrategy;
pub use replay_then_random::ReplayThenRandomStrategy;

use crate::{Divergence, Enabled};

/// What a strategy knows about the decision it is asked to make, besides the enabled set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChooseContext {
    /// Number of the step about to be taken, starting at 1.
    pub step: u64,
    /// Index the decision will have in the decision log (schedule and data decisions count).
    pub decision: usize,
    /// The entry chosen at the previous schedule decision, if any: its actor and kind (its
    /// action, touches and detail are left empty, with or without labels, since copying them
    /// on every step cost more than any strategy's use of them).
    pub previous: Option<Enabled>,
}

impl ChooseContext {
    /// A context for step `step`, decision index `decision`, after `previous`.
    pub fn new(step: u64, decision: usize, previous: Option<Enabled>) -> Self {
        Self {
            step,
            decision,
            previous,
        }
    }
}

/// Chooses what runs next and supplies data choices.
///
/// The simulator calls [`Strategy::choose`] once per step and [`Strategy::random`] for every
/// data choice made by simulated code; it records both in the decision log itself, whatever
/// the strategy. Strategies are `Send` because the simulator's state, strategy included, is
/// reachable from a `Send + Sync` [`SimHandle`](crate::SimHandle).
pub trait Strategy: Send {
    /// Called by a multi-run driver before each execution (a [`Sim`](crate::Sim) does not
    /// call it); return false to stop exploring. Single-run strategies keep the default.
    fn begin_execution(&mut self) -> bool {
        true
    }

    /// Chooses an index into `enabled`, which is never empty.
    fn choose(&mut self, enabled: &[Enabled], ctx: &ChooseContext) -> Result<usize, Divergence>;

    /// A data choice in `0..n` (`n >= 1`), e.g. a fault roll.
    fn random(&mut self, label: &str, n: u64) -> Result<u64, Divergence>;
}

/// Stands in for a strategy that was taken out of a finished [`Sim`](crate::Sim).
pub(crate) struct Spent;

impl Strategy for Spent {
    fn begin_execution(&mut self) -> bool {
        false
    }

    fn choose(&mut self, enabled: &[Enabled], ctx: &ChooseContext) -> Result<usize, Divergence> {
        Err(Divergence {
            decision: ctx.decision,
            expected: "<strategy already taken>".into(),
            found: enabled.iter().map(Enabled::label).collect(),
        })
    }

    fn random(&mut self, label: &str, _n: u64) -> Result<u64, Divergence> {
        Err(Divergence {
            decision: 0,
            expected: "<strategy already taken>".into(),
            found: vec![crate::decision::data_label(label)],
        })
    }
}
