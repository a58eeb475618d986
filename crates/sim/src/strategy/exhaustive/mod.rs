//! Bounded exhaustive exploration with partial-order reduction (sleep sets and DPOR).
//!
//! This is stateless model checking: the driver re-executes the program from scratch for every
//! schedule, and the strategy steers each execution down the next unexplored branch of a
//! depth-first search over the enabled set. The search state is data, an [`Exploration`]
//! (after loom's `rt/path.rs`): one [`Branch`] per schedule decision of the current path,
//! holding the enabled entries, the one taken, the [`Status`] of every other (asleep, not
//! needed, still to explore, explored) and the sleep set it was reached with. It is shared
//! across executions (the strategy keeps it behind an `Arc<Mutex<..>>`, and
//! [`ExhaustiveHandle`] reads it), and it serialises, so a long search can be checkpointed and
//! resumed.
//!
//! # One execution
//!
//! [`Strategy::begin_execution`] backtracks: it marks the deepest branch's choice explored and
//! moves to its next entry still to explore, dropping the branches below; a branch with none
//! left is dropped too. When no branch is left, the search is complete. During the execution
//! [`Strategy::choose`] first **replays** the prefix, checking at each branch that the enabled
//! set has the recorded labels (a mismatch is nondeterminism: the execution ends with a
//! [`Divergence`] and the search stops), then **extends** the path with a new branch per step,
//! taking the first entry (in presentation order) that is not asleep.
//!
//! Entries are identified by their label (`actor: action`) and, among equal labels in one
//! enabled set, by their rank: indices may shift between executions, labels are deterministic
//! for a fixed prefix.
//!
//! # Reduction
//!
//! The independence relation is the one of [`super::independence`] (see there for the relation
//! and why it is sound), with [`ExhaustiveConfig::observed`] as the observed resources.
//!
//! **Sleep sets** (Godefroid). After a branch's choice `t` has been explored, `t` is asleep in
//! the subtrees of its later siblings; a child's sleep set is its parent's sleep set plus the
//! parent's explored choices, minus the entries dependent with the step taken to reach the
//! child. An asleep entry is not explored there: every schedule starting with it is equivalent
//! to one already explored. An execution that reaches a point where every enabled entry is
//! asleep is redundant; it ends there with a [`Divergence`] whose `expected` is [`BLOCKED`] and
//! is counted in [`ExhaustiveStats::blocked`], not as a schedule.
//!
//! **DPOR** (Flanagan and Godefroid, "Dynamic partial-order reduction for model checking
//! software", POPL 2005), on top of sleep sets. A new branch explores only its first entry
//! that is not asleep; the others are [`Status::Idle`] until a race asks for them. Each step
//! has a happens-before set: the earlier steps it depends on (same actor or dependent
//! entries), the step that enabled it (the last step before which its entry was not in the
//! enabled set), and, transitively, theirs. Whenever a new branch is reached, every entry `p`
//! of its enabled set is checked against the path: for the last earlier step `e_i` that is
//! dependent with `p` and does not happen before `p`, the search must also try `p`'s actor
//! first at branch `i`, or, if that actor had no entry there, every entry of branch `i`. When an
//! execution ends, every other entry of its last branch is asked for too: the last step
//! disabled them (it withdrew them, or ended the run with a panic or a stop), and the steps
//! that would have followed a panic were never seen, so their races could not be checked.
//!
//! [`Reduction::None`] explores every entry of every branch: every interleaving.
//! [`ExhaustiveStats::pruned`] counts the entries of branches that the search left
//! unexplored (asleep, or never asked for by a race).
//!
//! # Data choices
//!
//! Data choices are not branch points. Each value is a fixed pseudo-random function of
//! [`ExhaustiveConfig::data_seed`], the choice's label and how many times that label was drawn
//! before in the execution, so the search covers the schedules for one fixed draw of the data,
//! and a prefix replays exactly.
//!
//! # Bounds
//!
//! [`ExhaustiveConfig::prefix_until`] bounds the space itself: the decisions up to and
//! including the first one that takes an entry with that label are not branch points, each
//! takes the first entry of its enabled set (presentation order), and the bounded space is
//! every schedule that extends this canonical prefix. Reduction stays exact within it: a race
//! that would reorder the prefix leads out of the bounded space and is not followed (the
//! entries the prefix leaves out are [`Status::Bounded`] and counted in
//! [`ExhaustiveStats::bounded`]), and races between later steps do not depend on the prefix.
//!
//! # Splitting the search into subtrees
//!
//! [`ExhaustiveConfig::split_depth`] cuts the tree into subtrees that can be searched
//! independently (on other threads or other machines) and that give the same executions
//! whoever searches them and in whichever order; [`ExhaustiveConfig::subtree`] names the one
//! subtree a search covers. The `split` module's docs say how, and why the reduction stays
//! sound across the cut. A split depth of 0 (the default) is the one search described above.
//!
//! [`ExhaustiveConfig::max_executions`] bounds the executions (schedules plus blocked ones).
//! A driver that cuts an execution short for another reason (a step limit) says so with
//! [`ExhaustiveHandle::mark_cut`]. [`ExhaustiveStats::complete`] is true only if the search ran
//! out of branches and nothing was cut: the bounded space is covered.

mod search;
mod split;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

pub use self::search::{Branch, Entry, Exploration, Status};
pub use self::split::{Choice, FRONTIER};
use super::{ChooseContext, Strategy};
use crate::{Divergence, Enabled, RunReport, Sim, SimConfig, SimHandle};

/// The `expected` text of the [`Divergence`] that ends a sleep-set blocked execution.
pub const BLOCKED: &str = "<sleep set blocked: every enabled step is asleep>";

/// Which partial-order reduction to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reduction {
    /// None: every interleaving.
    None,
    /// Sleep sets only.
    SleepSets,
    /// Sleep sets and dynamic partial-order reduction (the default).
    Dpor,
}

/// Settings of an exhaustive search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExhaustiveConfig {
    /// The reduction. Default [`Reduction::Dpor`].
    pub reduction: Reduction,
    /// The most executions to start; reaching it with branches left makes the search
    /// incomplete. Default 100 000.
    pub max_executions: u64,
    /// Resources the driver reads between steps (rule 4 of the independence relation).
    /// Default none.
    pub observed: Vec<String>,
    /// A label ending the canonical prefix (see the module docs); `None` (the default)
    /// explores from the first decision.
    pub prefix_until: Option<String>,
    /// Seed of the data choices (see the module docs). Default 0.
    pub data_seed: u64,
    /// How many branch points after the canonical prefix are split into subtrees (see the
    /// module docs). Default 0: one search, not split.
    #[serde(default)]
    pub split_depth: usize,
    /// The subtree this search covers: the entry taken at each split branch point from the
    /// top, a prefix of a path (see [`Choice`]). Default empty: the subtree of the root, which
    /// with a split depth of 0 is the whole tree.
    #[serde(default)]
    pub subtree: Vec<Choice>,
    /// Only find the subtrees (a probe): the one execution stops at the first decision below
    /// the split depth, after reporting the subtrees next to its path. Default false.
    #[serde(default)]
    pub frontier_only: bool,
}

impl Default for ExhaustiveConfig {
    fn default() -> Self {
        Self {
            reduction: Reduction::Dpor,
            max_executions: 100_000,
            observed: Vec::new(),
            prefix_until: None,
            data_seed: 0,
            split_depth: 0,
            subtree: Vec::new(),
            frontier_only: false,
        }
    }
}

impl ExhaustiveConfig {
    /// Sets [`ExhaustiveConfig::reduction`].
    #[must_use]
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// Sets [`ExhaustiveConfig::max_executions`].
    #[must_use]
    pub fn max_executions(mut self, n: u64) -> Self {
        self.max_executions = n;
        self
    }

    /// Sets [`ExhaustiveConfig::observed`].
    #[must_use]
    pub fn observed(mut self, resources: Vec<String>) -> Self {
        self.observed = resources;
        self
    }

    /// Sets [`ExhaustiveConfig::prefix_until`].
    #[must_use]
    pub fn prefix_until(mut self, label: impl Into<String>) -> Self {
        self.prefix_until = Some(label.into());
        self
    }

    /// Sets [`ExhaustiveConfig::data_seed`].
    #[must_use]
    pub fn data_seed(mut self, seed: u64) -> Self {
        self.data_seed = seed;
        self
    }

    /// Sets [`ExhaustiveConfig::split_depth`].
    #[must_use]
    pub fn split_depth(mut self, depth: usize) -> Self {
        self.split_depth = depth;
        self
    }

    /// Sets [`ExhaustiveConfig::subtree`].
    #[must_use]
    pub fn subtree(mut self, choices: Vec<Choice>) -> Self {
        self.subtree = choices;
        self
    }

    /// Sets [`ExhaustiveConfig::frontier_only`].
    #[must_use]
    pub fn frontier_only(mut self, probe: bool) -> Self {
        self.frontier_only = probe;
        self
    }
}

/// Counters of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExhaustiveStats {
    /// Executions started.
    pub executions: u64,
    /// Executions that ended because every enabled entry was asleep (redundant, not schedules).
    pub blocked: u64,
    /// Entries of finished branches that were never explored (asleep, or not asked for by a
    /// race), and the entries of the branches where executions were blocked.
    pub pruned: u64,
    /// Entries left out by the canonical prefix (outside the bounded space).
    pub bounded: u64,
    /// The most schedule decisions on one path.
    pub max_depth: usize,
    /// A bound cut the space: `max_executions` was reached with branches left, the driver
    /// reported a cut, or an execution diverged.
    pub cut: bool,
    /// The search ran out of branches with nothing cut: the bounded space is covered.
    pub complete: bool,
}

impl ExhaustiveStats {
    /// Executions that were schedules: started and not blocked.
    pub fn schedules(&self) -> u64 {
        self.executions - self.blocked
    }
}

/// How the last execution went, as far as the strategy knows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ExecutionEnd {
    /// It ran as the strategy chose (whatever its outcome).
    #[default]
    Ran,
    /// It was cut at a point where every enabled entry was asleep.
    Blocked,
    /// Replaying the prefix found other labels than recorded: the program is not
    /// deterministic, and the search stopped.
    Nondeterministic(Divergence),
    /// A probe ([`ExhaustiveConfig::frontier_only`]) reached the split depth and stopped.
    Frontier,
}

fn lock(state: &Mutex<Exploration>) -> MutexGuard<'_, Exploration> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Depth-first search over every schedule, with sleep-set reduction; see the module docs.
///
/// A driver calls [`Strategy::begin_execution`] before each execution and stops when it
/// returns false; [`ExhaustiveHandle`] (from [`ExhaustiveStrategy::handle`]) tells it how
/// each execution went and what the search found. [`ExhaustiveStrategy::explore`] is such a
/// driver for a plain simulator program.
///
/// ```
/// use taintsim_sim::strategy::Reduction;
/// use taintsim_sim::{ExhaustiveConfig, ExhaustiveStrategy, SimConfig, StepLabel};
///
/// // Two tasks of two steps each, on disjoint resources: 4!/(2!2!) = 6 interleavings, all
/// // equivalent, so the reduced search runs one schedule.
/// let program = |h: &taintsim_sim::SimHandle| {
///     for name in ["a", "b"] {
///         let h2 = h.clone();
///         h.spawn(name, Box::pin(async move {
///             h2.step(StepLabel::new("one").touching(name)).await;
///             h2.step(StepLabel::new("two").touching(name)).await;
///         }));
///     }
/// };
/// let full = ExhaustiveStrategy::explore(
///     ExhaustiveConfig::default().reduction(Reduction::None),
///     SimConfig::default(),
///     program,
///     |_| {},
/// );
/// let reduced = ExhaustiveStrategy::explore(
///     ExhaustiveConfig::default(), SimConfig::default(), program, |_| {});
/// assert_eq!((full.schedules(), full.complete), (6, true));
/// assert_eq!((reduced.schedules(), reduced.complete), (1, true));
/// ```
#[derive(Debug)]
pub struct ExhaustiveStrategy {
    state: Arc<Mutex<Exploration>>,
}

/// A shared view of an [`ExhaustiveStrategy`]'s search, for its driver.
#[derive(Debug, Clone)]
pub struct ExhaustiveHandle {
    state: Arc<Mutex<Exploration>>,
}

impl ExhaustiveStrategy {
    /// A fresh search with `config`.
    pub fn new_from_config(config: ExhaustiveConfig) -> Self {
        Self::new_from_checkpoint(Exploration::new(config))
    }

    /// Resumes a search from a state saved with [`ExhaustiveHandle::checkpoint`] between
    /// executions.
    pub fn new_from_checkpoint(exploration: Exploration) -> Self {
        Self {
            state: Arc::new(Mutex::new(exploration)),
        }
    }

    /// A handle on the search state, for the driver.
    pub fn handle(&self) -> ExhaustiveHandle {
        ExhaustiveHandle {
            state: self.state.clone(),
        }
    }

    /// Explores every schedule of the program that `setup` spawns on a fresh [`Sim`] with
    /// `sim_config`, calling `on_end` with the report of every execution that was a schedule
    /// (not blocked, not nondeterministic). A run that hits the step limit marks the search
    /// cut. Returns the search's counters. With a split depth, this is the search of one
    /// subtree ([`ExhaustiveConfig::subtree`]); the others are not searched.
    pub fn explore(
        config: ExhaustiveConfig,
        sim_config: SimConfig,
        mut setup: impl FnMut(&SimHandle),
        mut on_end: impl FnMut(&RunReport),
    ) -> ExhaustiveStats {
        let strategy = Self::new_from_config(config);
        let handle = strategy.handle();
        let mut strategy: Box<dyn Strategy> = Box::new(strategy);
        while strategy.begin_execution() {
            let mut sim = Sim::new(sim_config.clone(), strategy);
            setup(&sim.handle());
            let report = sim.run();
            strategy = sim.into_strategy();
            if handle.last_execution() != ExecutionEnd::Ran {
                continue;
            }
            if report.outcome == crate::Outcome::StepLimit {
                handle.mark_cut();
            }
            on_end(&report);
        }
        handle.stats()
    }
}

impl ExhaustiveHandle {
    /// The counters so far.
    pub fn stats(&self) -> ExhaustiveStats {
        lock(&self.state).stats
    }

    /// How the last execution went.
    pub fn last_execution(&self) -> ExecutionEnd {
        lock(&self.state).last.clone()
    }

    /// Records that the driver cut an execution short (for example at a step limit), so the
    /// search cannot be complete.
    pub fn mark_cut(&self) {
        lock(&self.state).stats.cut = true;
    }

    /// The subtrees found since the last call (each the [`ExhaustiveConfig::subtree`] of a
    /// search of its own), in the order found: the siblings of this search's path at the
    /// split branch points it created (see the module docs).
    pub fn take_subtrees(&self) -> Vec<Vec<Choice>> {
        std::mem::take(&mut lock(&self.state).spawned)
    }

    /// A copy of the whole search state; between executions, it resumes the search exactly
    /// (see [`ExhaustiveStrategy::new_from_checkpoint`]).
    pub fn checkpoint(&self) -> Exploration {
        lock(&self.state).clone()
    }
}

impl Strategy for ExhaustiveStrategy {
    fn begin_execution(&mut self) -> bool {
        lock(&self.state).begin()
    }

    fn choose(&mut self, enabled: &[Enabled], ctx: &ChooseContext) -> Result<usize, Divergence> {
        lock(&self.state).choose(enabled, ctx)
    }

    fn random(&mut self, label: &str, n: u64) -> Result<u64, Divergence> {
        Ok(lock(&self.state).random(label, n))
    }
}
