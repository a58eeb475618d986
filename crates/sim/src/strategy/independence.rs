//! The independence relation of exhaustive search: when two enabled entries commute.
//!
//! # The relation
//!
//! Two entries of one enabled set are **independent** iff
//!
//! 1. they belong to different actors (an actor's steps are ordered by its program), and
//! 2. both are task steps: a timer's `fire` and the `clock: advance` pseudo-step are dependent
//!    with everything (see below), and
//! 3. their [`touches`](crate::StepLabel::touches) do not conflict, and
//! 4. not both of them conflict with the **observed** resources: what the driver reads
//!    between steps (see below).
//!
//! Two **resources conflict** iff they are equal, or one is a path-prefix of the other at a
//! `/` boundary (`queue` conflicts with `queue/default/my-pod`; `pod/default/a` does not
//! conflict with `pod/default/b`, nor `pod/default/a` with `pod/default/ab`), or either is the
//! special resource [`WORLD`], which conflicts with every resource. An entry with no touches
//! conflicts with nothing. No distinction is made between reads and writes. The relation does
//! not depend on the state, which is what dynamic partial-order reduction needs.
//!
//! # Why it is sound
//!
//! A step's `touches` must name everything that the work after the step reads or writes until
//! the task's next step, including the eager polls it causes (tasks it wakes or spawns run
//! inside the step). Debug builds check this on every step (the footprint check in
//! `crate::footprint`, with [`covers`]). If two entries of different actors touch disjoint resources, running them
//! in either order leaves every shared resource in the same state, and neither adds or
//! withdraws the other's entry, so the two orders reach the same state. (The same state up to
//! opaque identifiers handed out in order, such as the API server's global resourceVersion,
//! UIDs, task ids and timer sequence numbers: simulated code only compares these for equality
//! and for order within one object, so the renaming changes step labels at most, never
//! outcomes.)
//!
//! Timer fires and clock advances are treated as dependent with everything. A fire runs a
//! closure that declares no touches; an advance changes the clock, which every step may read,
//! and wakes sleepers. Neither is frequent, so precision there buys little; it also means a
//! due timer is tried at every point of the schedule.
//!
//! **Observed resources.** A driver may read shared state *between* steps and act on it: the
//! scenario runner re-checks the actor's `wait-until` after every step, and the actor goes on
//! as soon as the condition holds, without a step of its own. If both `t` and `u` change what
//! such a condition reads, `t; u` and `u; t` may wake the waiter in one order and not in the
//! other (a condition that holds after `t` alone but not after both), so rule 4 orders them.
//! If at most one of them changes it, the condition has the same value after `t; u` and
//! `u; t` and after the one of them that changes it, and was false before both, so the waiter
//! wakes at the same point of the equivalent schedules. A condition that can only become true
//! and then stay true (monotone) needs no observed resources at all.

use serde::{Deserialize, Serialize};

use crate::{Enabled, EnabledKind};
use taintsim_seam::runtime::Touch;

pub use taintsim_seam::access::{WORLD, covers};

/// Whether two resources conflict: equal, one a `/`-prefix of the other, or either is
/// [`WORLD`]; that is, either [`covers`] the other.
///
/// ```
/// use taintsim_sim::strategy::resources_conflict;
/// assert!(resources_conflict("queue", "queue/default/my-pod"));
/// assert!(!resources_conflict("pod/default/a", "pod/default/b"));
/// assert!(!resources_conflict("pod/default/a", "pod/default/ab"));
/// assert!(resources_conflict("world", "cache/pods"));
/// ```
pub fn resources_conflict(a: &str, b: &str) -> bool {
    covers(a, b) || covers(b, a)
}

/// Whether some resource of `a` conflicts with some resource of `b`.
pub fn touches_conflict(a: &[impl AsRef<str>], b: &[impl AsRef<str>]) -> bool {
    a.iter()
        .any(|x| b.iter().any(|y| resources_conflict(x.as_ref(), y.as_ref())))
}

/// What the relation needs to know about an enabled entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// A task's step.
    Task,
    /// A due callback timer.
    Timer,
    /// The `clock: advance` pseudo-step.
    Clock,
}

impl From<EnabledKind> for EntryKind {
    fn from(kind: EnabledKind) -> Self {
        match kind {
            EnabledKind::Task(_) => Self::Task,
            EnabledKind::Timer(_) => Self::Timer,
            EnabledKind::ClockAdvance => Self::Clock,
        }
    }
}

/// Independence of two entries (rules 1 to 3 of the module docs), with nothing observed.
pub fn independent(a: &Enabled, b: &Enabled) -> bool {
    independent_observed(a, b, &[])
}

/// Independence of two entries while a driver reads `observed` between steps (rules 1 to 4).
pub fn independent_observed(a: &Enabled, b: &Enabled, observed: &[String]) -> bool {
    independent_parts(
        (&a.actor, a.kind.into(), &a.touches),
        (&b.actor, b.kind.into(), &b.touches),
        observed,
    )
}

/// The relation on its parts: `(actor, kind, touches)` of each entry and the observed
/// resources.
pub(crate) fn independent_parts(
    (actor_a, kind_a, touches_a): (&str, EntryKind, &[Touch]),
    (actor_b, kind_b, touches_b): (&str, EntryKind, &[Touch]),
    observed: &[String],
) -> bool {
    actor_a != actor_b
        && kind_a == EntryKind::Task
        && kind_b == EntryKind::Task
        && !touches_conflict(touches_a, touches_b)
        && !(touches_conflict(touches_a, observed) && touches_conflict(touches_b, observed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TaskId, TimerId};

    fn task(actor: &str, touches: &[&str]) -> Enabled {
        Enabled {
            actor: actor.into(),
            action: "go".into(),
            touches: touches.iter().map(|t| Touch::from(*t)).collect(),
            detail: None,
            kind: EnabledKind::Task(TaskId(0)),
        }
    }

    #[test]
    fn resources_should_conflict_on_equality_prefix_and_world_only() {
        assert!(resources_conflict("queue", "queue"));
        assert!(resources_conflict("queue", "queue/default/my-pod"));
        assert!(resources_conflict("queue/default/my-pod", "queue"));
        assert!(resources_conflict("events", "events/default"));
        assert!(!resources_conflict("queue", "queues"));
        assert!(!resources_conflict("pod/default/a", "pod/default/b"));
        assert!(!resources_conflict("pod/default/a", "pod/default/ab"));
        assert!(!resources_conflict("cache/pods", "cache/resourceclaims"));
        assert!(resources_conflict("world", "anything"));
        assert!(resources_conflict("anything", "world"));
    }

    #[test]
    fn entries_should_be_independent_only_across_actors_with_disjoint_touches() {
        let a = task("a", &["pod/default/a"]);
        let b = task("b", &["pod/default/b"]);
        assert!(independent(&a, &b));
        assert!(!independent(&a, &task("a", &["other"])), "same actor");
        assert!(!independent(&a, &task("b", &["pod"])), "prefix");
        assert!(!independent(&a, &task("b", &["world"])), "world");
        assert!(independent(&a, &task("b", &[])), "touches nothing");
    }

    #[test]
    fn timers_and_clock_should_depend_on_everything() {
        let a = task("a", &[]);
        let mut timer = task("timer x", &[]);
        timer.kind = EnabledKind::Timer(TimerId(1));
        let mut clock = task("clock", &[]);
        clock.kind = EnabledKind::ClockAdvance;
        assert!(!independent(&a, &timer));
        assert!(!independent(&clock, &a));
    }

    #[test]
    fn two_steps_that_both_change_an_observed_resource_should_be_dependent() {
        let a = task("a", &["event/default"]);
        let b = task("b", &["pod/default/x"]);
        let observed = vec!["event/default".to_owned(), "pod/default/x".to_owned()];
        assert!(independent(&a, &b));
        assert!(!independent_observed(&a, &b, &observed));
        let c = task("c", &["cache/pods"]);
        assert!(
            independent_observed(&a, &c, &observed),
            "only one changes it"
        );
    }
}
