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
pub mod merge;
mod observed;
pub mod oracle;
mod save;
mod schedule;
mod searched;
pub mod shard;
pub mod shard_file;
mod sharded;
mod subtrees;
mod verdict;

use std::sync::Arc;

use taintsim_seam::runtime::Runtime;
use taintsim_seam::sync::Mutex;
use taintsim_sim::{Control, Outcome, RunReport, SimConfig, Strategy};

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
pub use observed::{Observed, expectation_short};
pub use save::{DEFAULT_SAVE_DIR, save_decisions, save_decisions_as};
pub use schedule::{Schedule, pct_step_estimate, shell_quote};
pub use searched::{Searched, reduction_name, search_exhaustive};
pub use shard::{Layout, SeedList, Shard};
pub use sharded::{exhaustive_shard, explore_shard};
pub use subtrees::{SubtreeCount, SubtreePath};
pub use verdict::{CheckError, ExpectationFailed, FirstFailure, SaveError, Verdict};

use crate::oracle::OracleName;
use crate::oracle::judge::{judge_deletion, judge_quiescent};
use taintsim_scenario::model::Scenario;
use taintsim_world::World;
use taintsim_world::actor::{Actor, ActorFailure, ActorState};
use taintsim_world::checks::WorldView;
use taintsim_world::faults::Faults;

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

fn build_world(
    scenario: &Scenario,
    seed: u64,
    strategy: Box<dyn Strategy>,
    max_steps: u64,
) -> Result<World, RunError> {
    let w = &scenario.world;
    let start = w
        .start_time
        .parse()
        .map_err(|_| RunError::StartTime(w.start_time.clone()))?;
    let config = SimConfig::default()
        .seed(seed)
        .start_time(start)
        .max_steps(max_steps)
        .time_jumps(w.time_jumps);
    let resolved = scenario.controller().cloned().ok_or_else(|| {
        RunError::Unsupported(
            "the scenario's controller was not resolved (load it through a registry)".into(),
        )
    })?;
    let mut builder = World::builder_for(resolved)
        .objects(scenario.objects.iter().map(|o| o.0.clone()))
        .sim_config(config)
        .strategy(strategy)
        .event_queue_size(w.event_queue_size)
        .watch_window(w.watch_window)
        .default_taint_time_added(w.default_taint_time_added);
    if let Some(component) = &w.component {
        builder = builder.component(component.clone());
    }
    builder
        .build()
        .map_err(|e| RunError::InitialObject(e.to_string()))
}

/// The scenario's complete behaviour keys (those of its resolved controller).
fn scenario_behavior(scenario: &Scenario) -> taintsim_plugin::Behavior {
    scenario
        .controller()
        .map_or_else(|| scenario.behavior.clone(), |r| r.behavior.clone())
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
    let mut world = build_world(scenario, seed, strategy, max_steps)?;
    let exempt: Vec<OracleName> = scenario.exempt.iter().map(|e| e.oracle).collect();
    let state = Arc::new(Mutex::new(ActorState::default()));
    let faults = Arc::new(Mutex::new(Faults::new(
        world.server.clone(),
        world.informers.clone(),
        world.plugin.listeners(&scenario_behavior(scenario)),
        world.rt.clone(),
    )));
    let actor = Actor {
        rt: world.rt.clone() as Arc<dyn Runtime>,
        view: WorldView::of(&world),
        faults: faults.clone(),
        state: state.clone(),
    };
    world.spawn("scenario", actor.run(scenario.steps.clone()));

    let log = world.log.clone();
    let mut judged = 0;
    let mut violation = None;
    let report = world.run_with(&mut |_, _| {
        let waiter = state.lock().waiter.take();
        if let Some(w) = waiter {
            w.wake();
        }
        if state.lock().failure.is_some() {
            return Control::Stop("scenario actor failed".into());
        }
        let log = log.lock();
        for d in &log.deletions[judged..] {
            if let Some(v) = judge_deletion(d).filter(|v| !exempt.contains(&v.oracle)) {
                violation = Some(v);
                return Control::Stop("oracle violated".into());
            }
        }
        judged = log.deletions.len();
        Control::Continue
    });
    drop(faults);

    let failure = state.lock().failure.clone();
    let observed = match (&report.outcome, violation, failure) {
        (Outcome::Panic { .. }, ..) => Observed::from_panic(&report.outcome),
        (_, Some(v), _) => Observed::Violation {
            oracle: v.oracle,
            message: v.message,
        },
        (_, None, Some(ActorFailure::Assertion(message))) => Observed::AssertionFailure { message },
        (_, None, Some(ActorFailure::Step(message))) => Observed::StepFailure { message },
        (Outcome::Quiescent, None, None) => {
            let done = state.lock().completed;
            if done < scenario.steps.len() {
                Observed::StepFailure {
                    message: format!(
                        "the run became quiescent with the scenario actor blocked after {done} of {} steps",
                        scenario.steps.len()
                    ),
                }
            } else {
                match judge_quiescent(&world, &exempt) {
                    Some(v) => Observed::Violation {
                        oracle: v.oracle,
                        message: v.message,
                    },
                    None => Observed::Pass,
                }
            }
        }
        (Outcome::StepLimit, ..) => Observed::StepLimit {
            steps: report.steps,
        },
        (Outcome::Divergence(d), ..) => Observed::Divergence {
            message: d.to_string(),
        },
        (Outcome::Stopped { message, .. }, ..) => Observed::StepFailure {
            message: message.clone(),
        },
    };
    Ok((RunResult { observed, report }, world.into_strategy()))
}
