//! Splitting an exhaustive search into subtrees that threads or machines search on their own.
//!
//! # The cut
//!
//! A **split branch point** is a branch point after the canonical prefix with at least two
//! entries not asleep, while fewer than [`ExhaustiveConfig::split_depth`] split branch points
//! lie above it on the path. At a split branch point *every* entry not asleep is explored (as
//! with [`Reduction::SleepSets`]), in presentation order, each in a subtree of its own: the
//! search that reaches the point first takes the first entry not asleep and reports the others
//! ([`ExhaustiveHandle::take_subtrees`](super::ExhaustiveHandle::take_subtrees)); each is then
//! searched by a search whose [`ExhaustiveConfig::subtree`] names the entries taken at the
//! split points above it. Below the split depth, a subtree is searched as an unsplit search
//! would be: DPOR with sleep sets, only within the subtree.
//!
//! A subtree's path is named by [`Choice`]s (the index of the entry taken, with its label and
//! rank as a check), and the paths order the subtrees as an unsplit depth-first search would
//! meet them: a subtree comes after its parent (which takes the first entry not asleep at its
//! own split points) and before its later siblings. `Vec<Choice>`'s `Ord` is that order.
//!
//! # Why every subtree's search is fixed in advance
//!
//! The set of executions a subtree's search runs depends on nothing but its path and the
//! program, so any assignment of subtrees to threads or machines, in any order, runs the same
//! executions, and their union is the same:
//!
//! - The sleep set a search starts a subtree with is a static function of its path. Sleep
//!   sets only grow by explored siblings. At a split point every sibling not asleep is
//!   explored and they are explored in presentation order, so the siblings "explored before"
//!   entry `k` are exactly the entries before `k` that are not asleep, whatever has actually
//!   run so far: replaying a subtree's path marks them [`Status::Done`] and the later ones
//!   [`Status::Split`], and the child's sleep set follows by the usual rule.
//! - DPOR inside a subtree is the unsplit algorithm started at the subtree's root: its races
//!   ask for entries at branch points of the current path, and a branch point above the root
//!   is either a split point or the canonical prefix or a point with a single entry awake, none
//!   of which has an entry left to ask for ([`Status::Idle`] is the only status an ask
//!   changes). So a race that reaches above the root changes nothing, and nothing outside the
//!   subtree changes what happens inside it.
//!
//! With a split depth of 0 there is one subtree, the root's, and the search is exactly the
//! unsplit one.
//!
//! # Why the reduction stays sound across the cut
//!
//! The argument for sleep sets combined with persistent sets (Godefroid, "Partial-Order
//! Methods for the Verification of Concurrent Systems", LNCS 1032, 1996), together with DPOR's
//! correctness theorem (Flanagan and Godefroid, POPL 2005: once the search below a state has
//! finished, the entries explored there form a persistent set), is local to each state:
//!
//! 1. At a state below the split depth, the entries explored by its subtree's search form a
//!    persistent set: DPOR's theorem, whose proof uses only the races found in the search
//!    below that state, all of which lie inside the same subtree.
//! 2. At a split point, every entry not asleep is explored: the whole enabled set is
//!    trivially persistent.
//! 3. An entry `t` asleep at a state was explored from an ancestor in an *earlier* subtree in
//!    the fixed sibling order, and is independent of every step taken since. The sleep-set
//!    theorem's induction runs over that fixed order, not over time: it needs the subtree of
//!    `t` to cover every execution that starts with `t`, which holds by induction on the
//!    subtree (1 and 2), whichever thread or machine searched it and whenever.
//!
//! So every class of equivalent executions within the bounded space has a representative in
//! the union of the subtrees, as it has in the unsplit search. The price is that above the
//! split depth DPOR's pruning is not applied (sleep sets still are), so a split search usually
//! runs more schedules than the unsplit one, the more the deeper the split.
//!
//! # Probes
//!
//! A search with [`ExhaustiveConfig::frontier_only`] runs one execution of its subtree and
//! stops it at the first decision below the split depth ([`FRONTIER`]), reporting the subtrees
//! next to its path: probing every subtree found lists all of them, at the cost of one
//! shortened execution each, which is how a shard that must know which subtrees are its own
//! finds them without searching anyone else's.

use serde::{Deserialize, Serialize};

use super::search::{Entry, Exploration, Status};
#[cfg(doc)]
use super::{ExhaustiveConfig, Reduction};

/// The `expected` text of the [`Divergence`](crate::Divergence) that stops a probe at the
/// split depth.
pub const FRONTIER: &str = "<split depth reached: probe only>";

/// The entry taken at one split branch point of a subtree's path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Choice {
    /// Its index in the enabled set (presentation order); this orders the subtrees.
    pub index: usize,
    /// Its label (`actor: action`), checked when the path is replayed.
    pub label: String,
    /// Its rank among equal labels of the enabled set.
    pub rank: usize,
}

impl Choice {
    fn of(index: usize, entry: &Entry) -> Self {
        Self {
            index,
            label: entry.label.clone(),
            rank: entry.rank,
        }
    }

    fn names(&self, entries: &[Entry]) -> bool {
        entries
            .get(self.index)
            .is_some_and(|e| e.label == self.label && e.rank == self.rank)
    }
}

/// Why an execution stops at a new branch point.
#[derive(Debug)]
pub(super) enum Stop {
    /// Every entry is asleep.
    Blocked,
    /// A probe reached the split depth.
    Frontier,
    /// The subtree's path names an entry the enabled set does not have (or has asleep): the
    /// program is not deterministic. The text names the missing entry.
    NotFound(String),
}

/// A new split branch point: the entry to take, every entry's status, and whether it is
/// replayed from the subtree's path.
pub(super) struct SplitPoint {
    pub(super) active: usize,
    pub(super) status: Vec<Status>,
    pub(super) shared: bool,
}

impl Exploration {
    /// The split branch points on the current path.
    fn split_choices(&self) -> Vec<Choice> {
        self.path[..self.position]
            .iter()
            .filter(|b| b.split)
            .map(|b| Choice::of(b.active, b.taken()))
            .collect()
    }

    /// Whether the branch point about to be added for `entries` (reached with `sleep`) is a
    /// split branch point, and if so how it is explored; a probe that has reached the split
    /// depth stops here instead.
    pub(super) fn split_point(
        &mut self,
        entries: &[Entry],
        sleep: &[Entry],
    ) -> Result<Option<SplitPoint>, Stop> {
        let above = self.split_choices();
        let level = above.len();
        if level >= self.config.split_depth {
            if self.config.frontier_only {
                self.last = super::ExecutionEnd::Frontier;
                return Err(Stop::Frontier);
            }
            return Ok(None);
        }
        let asleep = |e: &Entry| sleep.iter().any(|z| z.same(e));
        if entries.iter().filter(|e| !asleep(e)).count() < 2 {
            return Ok(None);
        }
        let replayed = self.config.subtree.get(level).cloned();
        let active = match &replayed {
            Some(choice) if choice.names(entries) && !asleep(&entries[choice.index]) => {
                choice.index
            }
            Some(choice) => return Err(Stop::NotFound(choice.label.clone())),
            None => match entries.iter().position(|e| !asleep(e)) {
                Some(first) => first,
                None => return Ok(None),
            },
        };
        let mut status = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            status.push(if i == active {
                Status::Active
            } else if asleep(entry) {
                Status::Asleep
            } else if i < active {
                // An earlier sibling: its subtree comes before this one, so it sleeps here.
                Status::Done
            } else {
                if replayed.is_none() {
                    let mut path = above.clone();
                    path.push(Choice::of(i, entry));
                    self.spawned.push(path);
                }
                Status::Split
            });
        }
        Ok(Some(SplitPoint {
            active,
            status,
            shared: replayed.is_some(),
        }))
    }
}
