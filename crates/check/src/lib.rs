//! Running a scenario: one schedule ([`run_schedule`]) or many ([`explore`]), and judging a
//! scenario file against its expectation as `taintsim run` does ([`check_file`], returning a
//! [`Verdict`]; see [`check`]).
//!
//! Searches run on worker threads of the harness ([`explore_jobs`],
//! [`explore_exhaustive_jobs`], [`first_decisive`]; each worker runs whole schedules on a
//! simulator of its own) and in shards on many machines ([`shard`], [`explore_shard`],
//! [`exhaustive_shard`], whose result files [`shard_file`] describes and [`merge`] combines),
//! always with the result of one thread (docs/sharding.md).
//!
//! One run builds a fresh [`World`], spawns the scenario actor, and lets the strategy drive the
//! simulator to quiescence. After every step the runner wakes the actor if it is waiting,
//! stops on an actor failure, and judges `no-early-eviction` on new deletions; at quiescence it
//! judges the remaining oracles (see [`crate::oracle`]).

pub mod check;
mod exhaustive;
mod explore;
mod jobs;
mod judged;
pub mod merge;
pub mod oracle;
mod run;
mod save;
mod schedule;
mod searched;
pub mod shard;
pub mod shard_file;
mod sharded;
mod subtrees;
mod verdict;

use taintsim_sim::{RunReport, Strategy};

pub use check::{
    Overrides, check_file, check_file_with_progress, check_scenario, describe_expectation,
    explore_scenario, explore_verdict, load, search_verdict,
};
pub use exhaustive::{
    ExhaustiveOptions, ExhaustiveSummary, Reduction, explore_exhaustive, explore_exhaustive_after,
    explore_exhaustive_each, explore_exhaustive_jobs, observed_resources, startup_end,
};
pub use explore::{
    ExploreOptions, ExplorePart, ExploreSummary, Failure, Progress, explore, explore_jobs,
    explore_part,
};
pub use jobs::{available_jobs, first_decisive};
pub use judged::{Observed, expectation_short};
pub use run::{Judge, Prepared, actor_of, build_world};
pub use save::{DEFAULT_SAVE_DIR, save_decisions, save_decisions_as};
pub use schedule::{Schedule, pct_step_estimate, shell_quote};
pub use searched::{Searched, reduction_name, search_exhaustive};
pub use shard::{Layout, SeedList, Shard};
pub use sharded::{exhaustive_shard, explore_shard};
pub use subtrees::{SubtreeCount, SubtreePath};
pub use verdict::{CheckError, ExpectationFailed, FirstFailure, SaveError, Verdict};

use taintsim_scenario::format::Scenario;

/// The result of one run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// What happened, judged.
    pub observed: Observed,
    /// The simulator's report: trace, decisions, steps.
    pub report: RunReport,
}

/// Why a scenario could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// `world.start-time` is not an RFC 3339 time.
    #[error("world.start-time {0:?} is not an RFC 3339 time such as \"2025-03-20T12:00:00Z\"")]
    StartTime(String),
    /// The API server rejected an initial object.
    #[error("initial object rejected by the API server: {0}")]
    InitialObject(String),
    /// The request needs something this entry point does not do.
    #[error("{0}")]
    Unsupported(String),
}

/// Runs `scenario` once under `schedule`, with at most `max_steps` steps.
pub fn run_schedule(
    scenario: &Scenario,
    schedule: Schedule,
    max_steps: u64,
) -> Result<RunResult, RunError> {
    let seed = schedule.seed().unwrap_or(0);
    let strategy = schedule.strategy(scenario, max_steps)?;
    run_strategy(scenario, seed, strategy, max_steps).map(|(result, _)| result)
}

/// Runs `scenario` once under any strategy (`seed` is only recorded), and hands the strategy
/// back so that multi-run strategies (exhaustive search, shrinking) can carry state over.
pub fn run_strategy(
    scenario: &Scenario,
    seed: u64,
    strategy: Box<dyn Strategy>,
    max_steps: u64,
) -> Result<(RunResult, Box<dyn Strategy>), RunError> {
    run_strategy_labels(scenario, seed, strategy, max_steps, true)
}

/// [`run_strategy`], with or without labels ([`taintsim_sim::SimConfig::labels`]): without,
/// the result's trace is empty and its decision log has no labels, for a search that needs
/// only the verdict and re-runs a failing schedule with labels.
pub fn run_strategy_labels(
    scenario: &Scenario,
    seed: u64,
    strategy: Box<dyn Strategy>,
    max_steps: u64,
    labels: bool,
) -> Result<(RunResult, Box<dyn Strategy>), RunError> {
    run_prepared(
        scenario,
        &run::Prepared::none(),
        seed,
        strategy,
        max_steps,
        labels,
    )
}

/// [`run_strategy_labels`] from what was `prepared` once for `scenario` (a search prepares
/// once and runs every schedule from it; the run is the same as without).
pub fn run_prepared(
    scenario: &Scenario,
    prepared: &Prepared,
    seed: u64,
    strategy: Box<dyn Strategy>,
    max_steps: u64,
    labels: bool,
) -> Result<(RunResult, Box<dyn Strategy>), RunError> {
    let mut world = run::build_world_labels(scenario, prepared, seed, strategy, max_steps, labels)?;
    let (actor, state, faults) = actor_of(&world);
    world.spawn(
        taintsim_world::actor::ACTOR_NAME,
        actor.run(prepared.steps(scenario)),
    );
    let mut judge = Judge::new(&world, scenario, state);
    let report = world.run_with(&mut |_, _| judge.after_step());
    drop(faults);
    let observed = judge.observe(&report, &world);
    Ok((RunResult { observed, report }, world.into_strategy()))
}
