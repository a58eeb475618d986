//! Exploring many schedules of one scenario and judging its expectation over them.

use std::collections::BTreeMap;

use taintsim_sim::RandomStrategy;

use crate::schedule::pct;
use crate::{RunError, RunResult, pct_step_estimate, run_strategy};
use taintsim_scenario::model::{ExploreSettings, Scenario, SeedRange, StrategyName};

/// How to explore.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploreOptions {
    /// `random` or `pct`.
    pub strategy: StrategyName,
    /// Seeds to run.
    pub seeds: SeedRange,
    /// PCT depth.
    pub depth: u32,
    /// Stop at the first failing schedule.
    pub stop_on_failure: bool,
    /// Per-run step bound.
    pub max_steps: u64,
}

impl From<&ExploreSettings> for ExploreOptions {
    fn from(s: &ExploreSettings) -> Self {
        Self {
            strategy: s.strategy,
            seeds: s.seeds,
            depth: s.depth,
            stop_on_failure: s.stop_on_failure,
            max_steps: s.max_steps,
        }
    }
}

/// A failing schedule.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The seed that produced it.
    pub seed: u64,
    /// The run.
    pub result: RunResult,
}

/// Where an exploration stands, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Schedules run so far.
    pub schedules: u64,
    /// How many of them failed.
    pub failures: u64,
    /// How many the seed range holds.
    pub total: u64,
}

/// The result of an exploration.
#[derive(Debug, Clone)]
pub struct ExploreSummary {
    /// Schedules run.
    pub schedules: u64,
    /// Schedules that did not pass.
    pub failures: u64,
    /// The first schedule that did not pass.
    pub first_failure: Option<Failure>,
    /// How many runs ended in each outcome (by [`super::Observed::short`]).
    pub outcomes: BTreeMap<String, u64>,
    /// Whether the scenario's expectation holds: for `pass`, no failure; otherwise, the
    /// expected outcome was found and no other kind of failure was.
    pub ok: bool,
}

/// Runs the seeds of `options` and judges `scenario.expect` over them.
pub fn explore(
    scenario: &Scenario,
    options: &ExploreOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExploreSummary, RunError> {
    if options.strategy == StrategyName::Exhaustive {
        return Err(RunError::Unsupported(
            "the exhaustive strategy runs through `taintsim explore --strategy exhaustive`".into(),
        ));
    }
    // PCT's step estimate is measured once for the whole range (see `Schedule::Pct`).
    let pct_steps = match options.strategy {
        StrategyName::Pct => pct_step_estimate(scenario, options.seeds, options.max_steps)?,
        _ => 0,
    };
    let mut summary = ExploreSummary {
        schedules: 0,
        failures: 0,
        first_failure: None,
        outcomes: BTreeMap::new(),
        ok: false,
    };
    let mut unexpected = false;
    let mut found = false;
    for seed in options.seeds.start..options.seeds.end {
        let strategy = match options.strategy {
            StrategyName::Pct => pct(seed, options.depth, pct_steps),
            _ => Box::new(RandomStrategy::new_from_seed(seed)),
        };
        let (result, _) = run_strategy(scenario, seed, strategy, options.max_steps)?;
        summary.schedules += 1;
        *summary.outcomes.entry(result.observed.short()).or_default() += 1;
        let failed = !result.observed.is_pass();
        if failed {
            summary.failures += 1;
            if result.observed.matches(&scenario.expect) {
                found = true;
            } else {
                unexpected = true;
            }
            if summary.first_failure.is_none() {
                summary.first_failure = Some(Failure { seed, result });
            }
        }
        on_progress(&Progress {
            schedules: summary.schedules,
            failures: summary.failures,
            total: options.seeds.len(),
        });
        if failed && options.stop_on_failure {
            break;
        }
    }
    summary.ok = match scenario.expect {
        taintsim_scenario::model::Expectation::Pass => summary.failures == 0,
        _ => found && !unexpected,
    };
    Ok(summary)
}
