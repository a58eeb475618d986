//! Names for the things the scheduler chooses among: task and timer ids and the entries of the
//! enabled set. Step labels are the seam's [`StepLabel`](taintsim_seam::StepLabel).

use std::fmt;

use serde::{Deserialize, Serialize};
use taintsim_seam::StepDetail;
use taintsim_seam::runtime::Touch;

/// Identifies a simulated task. Ids are handed out in spawn order, starting at 0, and are
/// never reused within one [`Sim`](crate::Sim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TaskId(pub u64);

impl TaskId {
    /// The id as an index: ids are dense, so the executor's task slab and wake set index by it.
    pub(crate) fn index(self) -> usize {
        // Ids count spawns; a process cannot spawn more tasks than it has addresses.
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }

    /// The id at `index` ([`Self::index`]'s inverse).
    pub(crate) fn at(index: usize) -> Self {
        Self(index as u64)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task#{}", self.0)
    }
}

/// Identifies a callback timer created by [`SimHandle::after`](crate::SimHandle::after).
///
/// The id is the timer's creation sequence number; sleep timers share the same sequence, so
/// two timers with equal deadlines are ordered by the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimerId(pub u64);

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timer#{}", self.0)
    }
}

/// What kind of thing an [`Enabled`] entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnabledKind {
    /// A task that called `step` and waits to be chosen.
    Task(TaskId),
    /// A callback timer whose deadline has passed; choosing it runs its closure.
    Timer(TimerId),
    /// The pseudo-step that advances virtual time to the earliest future deadline
    /// (only offered when [`SimConfig::time_jumps`](crate::SimConfig::time_jumps) is on).
    ClockAdvance,
}

/// The name of a task's or a timer's actor (`pods-informer`, `scenario`, `clock`): a small
/// immutable string, copied into every enabled entry a task registers, which a `String` made
/// the simulator allocate once per step.
pub type ActorName = smol_str::SmolStr;

/// One entry of the enabled set: something the strategy may choose to run next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enabled {
    /// Who runs: the task's or the timer's actor name, or `clock`.
    pub actor: ActorName,
    /// What runs: the step's action, `fire` for a timer, `advance to <time>` for the clock.
    pub action: String,
    /// Shared resources the entry touches (see [`StepLabel::touches`](taintsim_seam::StepLabel::touches)).
    pub touches: Vec<Touch>,
    /// What a task's step is about (see [`StepLabel::detail`](taintsim_seam::StepLabel::detail)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Box<StepDetail>>,
    /// Which task, timer or pseudo-step this is.
    pub kind: EnabledKind,
}

impl Enabled {
    /// The human-readable label used in the decision log: `"{actor}: {action}"`.
    pub fn label(&self) -> String {
        // Built on every step of a run with labels: `concat` sizes the string once, where
        // `format!` pads each argument and grows the string as it goes.
        [self.actor.as_str(), ": ", self.action.as_str()].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_should_join_actor_and_action() {
        let e = Enabled {
            actor: "pod-handler".into(),
            action: "deliver Update default/my-pod rv=7".into(),
            touches: vec![],
            detail: None,
            kind: EnabledKind::Task(TaskId(3)),
        };
        assert_eq!(e.label(), "pod-handler: deliver Update default/my-pod rv=7");
    }
}
