//! The search state of [`ExhaustiveStrategy`](super::ExhaustiveStrategy): the path of
//! branches, sleep sets, DPOR's happens-before and race checks, and backtracking (see the
//! parent module's docs for the algorithm).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use taintsim_seam::runtime::Touch;

use super::split::{Choice, Stop};
use super::{BLOCKED, ExecutionEnd, ExhaustiveConfig, ExhaustiveStats, Reduction};
use crate::strategy::ChooseContext;
use crate::strategy::independence::{EntryKind, independent_parts};
use crate::{ActorName, Divergence, Enabled};

/// One entry of an enabled set, as the search remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `actor: action`.
    pub label: String,
    /// How many entries before it in the same enabled set have the same label.
    pub rank: usize,
    /// The actor.
    pub actor: ActorName,
    /// The entry's touches.
    pub touches: Vec<Touch>,
    /// Task step, timer or clock.
    pub kind: EntryKind,
}

impl Entry {
    pub(super) fn same(&self, other: &Entry) -> bool {
        self.rank == other.rank && self.label == other.label
    }

    fn of(enabled: &[Enabled]) -> Vec<Entry> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        enabled
            .iter()
            .map(|e| {
                let label = e.label();
                let rank = seen.entry(label.clone()).or_insert(0);
                let entry = Entry {
                    label,
                    rank: *rank,
                    actor: e.actor.clone(),
                    touches: e.touches.clone(),
                    kind: e.kind.into(),
                };
                *rank += 1;
                entry
            })
            .collect()
    }

    fn independent(&self, other: &Entry, observed: &[String]) -> bool {
        independent_parts(
            (&self.actor, self.kind, &self.touches),
            (&other.actor, other.kind, &other.touches),
            observed,
        )
    }
}

/// What the search knows about one entry of a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// In the sleep set: not explored here.
    Asleep,
    /// Not needed so far (DPOR): no race has asked for it.
    Idle,
    /// Still to explore.
    Pending,
    /// The current path goes through it.
    Active,
    /// Explored.
    Done,
    /// Outside the bounded space: left out by the canonical prefix.
    Bounded,
    /// At a split branch point: explored in another subtree, after this one.
    Split,
}

/// A set of path positions, as bits.
type Positions = Vec<u64>;

fn insert(set: &mut Positions, i: usize) {
    let (word, bit) = (i / 64, i % 64);
    if set.len() <= word {
        set.resize(word + 1, 0);
    }
    set[word] |= 1 << bit;
}

fn contains(set: &Positions, i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

fn union(set: &mut Positions, other: &Positions) {
    if set.len() < other.len() {
        set.resize(other.len(), 0);
    }
    for (a, b) in set.iter_mut().zip(other) {
        *a |= b;
    }
}

/// One schedule decision of the current path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// The enabled set, in presentation order.
    pub entries: Vec<Entry>,
    /// The status of each entry.
    pub status: Vec<Status>,
    /// The index of the entry the current path takes.
    pub active: usize,
    /// The sleep set the branch was reached with (entries of `entries`).
    pub sleep: Vec<Entry>,
    /// For each entry, the position of the step that enabled it (`None`: enabled since the
    /// start).
    pub enabler: Vec<Option<usize>>,
    /// The positions whose steps happen before the active step (a bit set), known once the
    /// next branch is reached.
    pub before: Vec<u64>,
    /// Part of the canonical prefix: not a branch point.
    pub fixed: bool,
    /// A split branch point (see the `split` module): every entry not asleep is explored,
    /// each in a subtree of its own.
    #[serde(default)]
    pub split: bool,
    /// Replayed from [`ExhaustiveConfig::subtree`]: the subtree that reached it first
    /// counts its pruned entries.
    #[serde(default)]
    pub shared: bool,
}

impl Branch {
    pub(super) fn next_pending(&self) -> Option<usize> {
        self.status.iter().position(|s| *s == Status::Pending)
    }

    pub(super) fn taken(&self) -> &Entry {
        &self.entries[self.active]
    }

    /// The sleep set of the child reached through the active entry.
    fn child_sleep(&self, observed: &[String]) -> Vec<Entry> {
        let taken = self.taken();
        let explored = self
            .entries
            .iter()
            .zip(&self.status)
            .filter(|(_, s)| **s == Status::Done)
            .map(|(e, _)| e);
        self.sleep
            .iter()
            .chain(explored)
            .filter(|z| z.independent(taken, observed))
            .cloned()
            .collect()
    }

    /// Asks for the entries of `actor` (every entry if `None`) to be explored, unless asleep
    /// or already explored.
    fn ask(&mut self, actor: Option<&str>) {
        for (entry, status) in self.entries.iter().zip(self.status.iter_mut()) {
            if *status == Status::Idle && actor.is_none_or(|a| a == entry.actor) {
                *status = Status::Pending;
            }
        }
    }

    fn unexplored(&self) -> u64 {
        self.status
            .iter()
            .filter(|s| matches!(s, Status::Asleep | Status::Idle))
            .count() as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
enum Phase {
    #[default]
    NotStarted,
    Running,
    Finished,
}

/// The whole state of a search; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exploration {
    /// The settings.
    pub config: ExhaustiveConfig,
    /// The current path, one branch per schedule decision.
    pub path: Vec<Branch>,
    /// The counters.
    pub stats: ExhaustiveStats,
    /// How the last execution went.
    pub last: ExecutionEnd,
    phase: Phase,
    /// Schedule decisions made in the current execution.
    pub(super) position: usize,
    /// How often each data label was drawn in the current execution.
    draws: BTreeMap<String, u64>,
    /// Subtrees found at split branch points and not yet taken by the driver.
    #[serde(default)]
    pub(super) spawned: Vec<Vec<Choice>>,
}

impl Exploration {
    pub(super) fn new(config: ExhaustiveConfig) -> Self {
        Self {
            config,
            path: Vec::new(),
            stats: ExhaustiveStats::default(),
            last: ExecutionEnd::Ran,
            phase: Phase::NotStarted,
            position: 0,
            draws: BTreeMap::new(),
            spawned: Vec::new(),
        }
    }

    fn dpor(&self) -> bool {
        self.config.reduction == Reduction::Dpor
    }

    pub(super) fn begin(&mut self) -> bool {
        match self.phase {
            Phase::Finished => return false,
            Phase::NotStarted => self.phase = Phase::Running,
            Phase::Running => {
                if matches!(
                    self.last,
                    ExecutionEnd::Nondeterministic(_) | ExecutionEnd::Frontier
                ) {
                    return self.finish();
                }
                if self.last == ExecutionEnd::Ran && self.dpor() {
                    self.races_with_last_step();
                }
                if !self.backtrack() {
                    return self.finish();
                }
            }
        }
        if self.stats.executions >= self.config.max_executions {
            self.stats.cut = true;
            return self.finish();
        }
        self.stats.executions += 1;
        self.position = 0;
        self.draws.clear();
        self.last = ExecutionEnd::Ran;
        true
    }

    fn finish(&mut self) -> bool {
        self.phase = Phase::Finished;
        self.stats.complete = !self.stats.cut && self.path.is_empty();
        false
    }

    /// Moves the deepest branch with an entry still to explore to that entry, dropping the
    /// branches below it. False if there is none.
    fn backtrack(&mut self) -> bool {
        while let Some(branch) = self.path.last_mut() {
            if branch.status[branch.active] == Status::Active {
                branch.status[branch.active] = Status::Done;
            }
            if let Some(next) = branch.next_pending() {
                branch.status[next] = Status::Active;
                branch.active = next;
                return true;
            }
            if !branch.shared {
                self.stats.pruned += branch.unexplored();
            }
            self.path.pop();
        }
        false
    }

    pub(super) fn choose(
        &mut self,
        enabled: &[Enabled],
        ctx: &ChooseContext,
    ) -> Result<usize, Divergence> {
        let entries = Entry::of(enabled);
        let labels = || enabled.iter().map(Enabled::label).collect::<Vec<_>>();
        if let Some(branch) = self.path.get(self.position) {
            let same = branch.entries.len() == entries.len()
                && branch.entries.iter().zip(&entries).all(|(a, b)| a.same(b));
            if !same {
                let divergence = Divergence {
                    decision: ctx.decision,
                    expected: branch.taken().label.clone(),
                    found: labels(),
                };
                self.last = ExecutionEnd::Nondeterministic(divergence.clone());
                self.stats.cut = true;
                return Err(divergence);
            }
            self.position += 1;
            return Ok(branch.active);
        }
        self.extend(entries).map_err(|stop| {
            let divergence = Divergence {
                decision: ctx.decision,
                expected: match &stop {
                    Stop::Blocked => BLOCKED.to_owned(),
                    Stop::Frontier => super::FRONTIER.to_owned(),
                    Stop::NotFound(choice) => choice.clone(),
                },
                found: labels(),
            };
            if matches!(stop, Stop::NotFound(_)) {
                self.last = ExecutionEnd::Nondeterministic(divergence.clone());
                self.stats.cut = true;
            }
            divergence
        })
    }

    /// Adds a branch for `entries` at the end of the path and returns the entry to take, or
    /// why the execution stops here: every entry is asleep (blocked), a probe reached the
    /// split depth, or the subtree's path is not there (nondeterminism).
    fn extend(&mut self, entries: Vec<Entry>) -> Result<usize, Stop> {
        let j = self.position;
        if self.in_prefix() {
            // Every subtree replays the canonical prefix; the root's counts it.
            if self.config.subtree.is_empty() {
                self.stats.bounded += entries.len() as u64 - 1;
            }
            let enabler = self.enablers(&entries);
            if let Some(parent) = j.checked_sub(1) {
                self.path[parent].before = self.happens_before_step(parent);
            }
            let status = (0..entries.len())
                .map(|i| {
                    if i == 0 {
                        Status::Active
                    } else {
                        Status::Bounded
                    }
                })
                .collect();
            self.path.push(Branch {
                entries,
                status,
                active: 0,
                sleep: Vec::new(),
                enabler,
                before: Vec::new(),
                fixed: true,
                split: false,
                shared: false,
            });
            self.position += 1;
            self.stats.max_depth = self.stats.max_depth.max(self.position);
            return Ok(0);
        }
        let sleep: Vec<Entry> = match j.checked_sub(1) {
            Some(parent) if self.config.reduction != Reduction::None => self.path[parent]
                .child_sleep(&self.config.observed)
                .into_iter()
                .filter(|z| entries.iter().any(|e| e.same(z)))
                .collect(),
            _ => Vec::new(),
        };
        let enabler = self.enablers(&entries);
        if self.dpor() {
            if let Some(parent) = j.checked_sub(1) {
                self.path[parent].before = self.happens_before_step(parent);
            }
            for (p, en) in entries.iter().zip(&enabler) {
                self.race(p, *en, j);
            }
        }
        let asleep = |e: &Entry| sleep.iter().any(|z| z.same(e));
        if let Some(split) = self.split_point(&entries, &sleep)? {
            self.path.push(Branch {
                entries,
                status: split.status,
                active: split.active,
                sleep,
                enabler,
                before: Vec::new(),
                fixed: false,
                split: true,
                shared: split.shared,
            });
            self.position += 1;
            self.stats.max_depth = self.stats.max_depth.max(self.position);
            return Ok(split.active);
        }
        let Some(active) = entries.iter().position(|e| !asleep(e)) else {
            self.stats.pruned += entries.len() as u64;
            self.stats.blocked += 1;
            self.last = ExecutionEnd::Blocked;
            return Err(Stop::Blocked);
        };
        let dpor = self.dpor();
        let status: Vec<Status> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                if i == active {
                    Status::Active
                } else if asleep(e) {
                    Status::Asleep
                } else if dpor {
                    Status::Idle
                } else {
                    Status::Pending
                }
            })
            .collect();
        self.path.push(Branch {
            entries,
            status,
            active,
            sleep,
            enabler,
            before: Vec::new(),
            fixed: false,
            split: false,
            shared: false,
        });
        self.position += 1;
        self.stats.max_depth = self.stats.max_depth.max(self.position);
        Ok(active)
    }

    /// Whether the next decision is still part of the canonical prefix.
    fn in_prefix(&self) -> bool {
        let Some(until) = &self.config.prefix_until else {
            return false;
        };
        self.path[..self.position]
            .iter()
            .all(|b| b.fixed && b.taken().label != *until)
    }

    /// For each entry of the enabled set at the end of the path, the position of the step
    /// that enabled it.
    fn enablers(&self, entries: &[Entry]) -> Vec<Option<usize>> {
        let Some(parent) = self.position.checked_sub(1) else {
            return vec![None; entries.len()];
        };
        let prev = &self.path[parent];
        entries
            .iter()
            .map(|e| {
                if prev.taken().same(e) {
                    return Some(parent);
                }
                match prev.entries.iter().position(|p| p.same(e)) {
                    Some(k) => prev.enabler[k],
                    None => Some(parent),
                }
            })
            .collect()
    }

    fn dependent(&self, a: &Entry, b: &Entry) -> bool {
        !a.independent(b, &self.config.observed)
    }

    /// The positions that happen before the step taken at position `k`.
    fn happens_before_step(&self, k: usize) -> Positions {
        let branch = &self.path[k];
        let step = branch.taken();
        let enabler = branch.enabler[branch.active];
        let mut set = Positions::new();
        for m in (0..k).rev() {
            if contains(&set, m) {
                continue;
            }
            if Some(m) == enabler || self.dependent(self.path[m].taken(), step) {
                insert(&mut set, m);
                union(&mut set, &self.path[m].before);
            }
        }
        set
    }

    /// The positions before `j` that happen before entry `p` (enabled at `j`, not taken): its
    /// actor's earlier steps, the step that enabled it, and what happens before those.
    fn happens_before_entry(&self, p: &Entry, enabler: Option<usize>, j: usize) -> Positions {
        let mut set = Positions::new();
        let last_own = (0..j)
            .rev()
            .find(|&m| self.path[m].taken().actor == p.actor);
        for m in [last_own, enabler].into_iter().flatten() {
            insert(&mut set, m);
            union(&mut set, &self.path[m].before);
        }
        set
    }

    /// DPOR's race check for entry `p`, enabled at position `j`: asks for `p`'s actor (or for
    /// everything) at the last earlier step that races with it.
    fn race(&mut self, p: &Entry, enabler: Option<usize>, j: usize) {
        let before = self.happens_before_entry(p, enabler, j);
        let Some(i) = (0..j)
            .rev()
            .find(|&i| !contains(&before, i) && self.dependent(self.path[i].taken(), p))
        else {
            return;
        };
        let branch = &mut self.path[i];
        if branch.entries.iter().any(|e| e.actor == p.actor) {
            branch.ask(Some(&p.actor));
        } else {
            branch.ask(None);
        }
    }

    /// At the end of an execution, every other entry of its last branch races with the last
    /// step: that step left nothing enabled (it withdrew them), or ended the run (a panic, a
    /// stop, the step limit) and so disabled them. The enabled set after the last step is not
    /// known to the strategy, and steps that would have run after a panic were never seen, so
    /// this is also what lets the search find the races of those steps.
    fn races_with_last_step(&mut self) {
        if let Some(branch) = self.path.last_mut() {
            branch.ask(None);
        }
    }

    pub(super) fn random(&mut self, label: &str, n: u64) -> u64 {
        let count = self.draws.entry(label.to_owned()).or_insert(0);
        let value = mix(self.config.data_seed, label, *count) % n.max(1);
        *count += 1;
        value
    }
}

/// A deterministic 64-bit mix of the seed, a label and a counter (FNV-1a, then splitmix64).
fn mix(seed: u64, label: &str, count: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in label.bytes().chain(count.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EnabledKind, TaskId};

    fn entry(actor: &str, touches: &[&str]) -> Enabled {
        Enabled {
            actor: actor.into(),
            action: "go".into(),
            touches: touches.iter().map(|t| Touch::from(*t)).collect(),
            detail: None,
            kind: EnabledKind::Task(TaskId(0)),
        }
    }

    fn ctx() -> ChooseContext {
        ChooseContext::new(1, 0, None)
    }

    #[test]
    fn equal_labels_should_be_told_apart_by_rank() {
        let entries = Entry::of(&[entry("a", &[]), entry("a", &[]), entry("b", &[])]);
        let ranks: Vec<usize> = entries.iter().map(|e| e.rank).collect();
        assert_eq!(ranks, [0, 1, 0]);
        assert!(!entries[0].same(&entries[1]));
    }

    #[test]
    fn a_changed_enabled_set_on_replay_should_stop_the_search() {
        let mut x = Exploration::new(ExhaustiveConfig::default());
        assert!(x.begin());
        let ab = [entry("a", &["x"]), entry("b", &["x"])];
        assert_eq!(x.choose(&ab, &ctx()), Ok(0));
        assert!(x.begin());
        let err = x.choose(&[entry("c", &[])], &ctx()).expect_err("diverged");
        assert_eq!(err.expected, "b: go");
        assert!(matches!(x.last, ExecutionEnd::Nondeterministic(_)));
        assert!(!x.begin());
        assert!(!x.stats.complete);
    }

    #[test]
    fn data_choices_should_be_stable_per_label_and_draw() {
        let mut x = Exploration::new(ExhaustiveConfig::default());
        let first = (x.random("roll", 1000), x.random("roll", 1000));
        x.draws.clear();
        assert_eq!(first, (x.random("roll", 1000), x.random("roll", 1000)));
        assert_eq!(x.random("one", 1), 0);
    }

    #[test]
    fn the_search_should_stop_at_max_executions_and_say_it_was_cut() {
        let mut x = Exploration::new(ExhaustiveConfig::default().max_executions(1));
        assert!(x.begin());
        let ab = [entry("a", &["x"]), entry("b", &["x"])];
        assert_eq!(x.choose(&ab, &ctx()), Ok(0));
        assert!(!x.begin());
        assert!(x.stats.cut && !x.stats.complete);
    }

    #[test]
    fn checkpoint_should_round_trip_through_json() {
        let mut x = Exploration::new(ExhaustiveConfig::default());
        assert!(x.begin());
        let _ = x.choose(&[entry("a", &["x"]), entry("b", &["y"])], &ctx());
        let text = serde_json::to_string(&x).expect("serialise");
        let back: Exploration = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, x);
    }
}
