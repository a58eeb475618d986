//! The condition of a waiting step (`assert-eventually`, `wait-until`), asked again after
//! every step of the run: it evaluates its checks again only when their answer can have
//! changed.

use std::cell::Cell;

use taintsim_scenario::format::Check;

use super::WorldView;

/// Whether `check`'s answer is a function of the objects the API server stores and nothing
/// else (not of call counters, metrics, marks, the witnesses' log or the controller's own
/// state): then it cannot change while the server's revision, which every write bumps, stays
/// the same.
fn reads_only_the_store(check: &Check) -> bool {
    match check {
        Check::PodPresent(_) | Check::PodAbsent(_) | Check::Events(_) | Check::RuleCondition(_) => {
            true
        }
        Check::ApiCalls(_)
        | Check::Metrics(_)
        | Check::Mark(_)
        | Check::Deleted(_)
        | Check::PendingEvictions(_) => false,
    }
}

/// The checks a step waits for, with the revision at which they last failed when that is
/// the only thing they read.
pub struct Waiting<'a> {
    view: &'a WorldView,
    checks: &'a [Check],
    /// `Some` if every check reads only the store ([`reads_only_the_store`]).
    memo: Option<RevisionMemo>,
}

impl<'a> Waiting<'a> {
    /// The condition that every one of `checks` holds in `view`.
    pub fn new(view: &'a WorldView, checks: &'a [Check]) -> Self {
        Self {
            view,
            checks,
            memo: checks
                .iter()
                .all(reads_only_the_store)
                .then(RevisionMemo::default),
        }
    }

    /// Whether every check holds now ([`WorldView::holds_all`]). A waiting scenario step
    /// asks after every step of the run; most steps write nothing to the server, and then a
    /// condition that reads only the store gets the answer it had.
    pub fn holds(&self) -> bool {
        match &self.memo {
            Some(memo) => memo.holds(self.view.server.revision(), || {
                self.view.holds_all(self.checks)
            }),
            None => self.view.holds_all(self.checks),
        }
    }
}

/// The revision at which a condition was last found false.
#[derive(Default)]
struct RevisionMemo {
    false_at: Cell<Option<u64>>,
}

impl RevisionMemo {
    /// `evaluate()`, unless it was false at `revision` already.
    fn holds(&self, revision: u64, evaluate: impl FnOnce() -> bool) -> bool {
        if self.false_at.get() == Some(revision) {
            return false;
        }
        let held = evaluate();
        self.false_at.set((!held).then_some(revision));
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A condition is evaluated again as soon as the revision moves, and not before.
    #[test]
    fn a_false_answer_should_be_kept_only_while_the_revision_stays() {
        let memo = RevisionMemo::default();
        let evaluations = Cell::new(0);
        let ask = |revision: u64, answer: bool| {
            memo.holds(revision, || {
                evaluations.set(evaluations.get() + 1);
                answer
            })
        };
        assert!(!ask(3, false));
        // Whatever the world would say now, revision 3 already answered false.
        assert!(!ask(3, true));
        assert_eq!(evaluations.get(), 1);
        // A write: asked again.
        assert!(ask(4, true));
        assert_eq!(evaluations.get(), 2);
        // A true answer is never reused.
        assert!(!ask(4, false));
        assert_eq!(evaluations.get(), 3);
    }

    #[test]
    fn only_checks_of_stored_objects_should_be_memoized() {
        let check =
            |value: serde_json::Value| -> Check { serde_json::from_value(value).expect("a check") };
        assert!(reads_only_the_store(&check(
            serde_json::json!({"pod-absent": "default/p"})
        )));
        assert!(reads_only_the_store(&check(
            serde_json::json!({"events": {"objects": 1}})
        )));
        assert!(!reads_only_the_store(&check(
            serde_json::json!({"mark": "m"})
        )));
        assert!(!reads_only_the_store(&check(
            serde_json::json!({"api-calls": {"verb": "delete", "kind": "Pod", "count": 1}})
        )));
    }
}
