//! Exploring many schedules of one scenario and judging its expectation over them.

use std::collections::BTreeMap;

use taintsim_sim::RandomStrategy;

mod parallel;

use crate::run::Prepared;
use crate::schedule::pct;
use crate::shard::SeedList;
use crate::{RunError, RunResult, pct_step_estimate, run_prepared};
use taintsim_scenario::format::{Expectation, ExploreSettings, Scenario, SeedRange, StrategyName};

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
    explore_jobs(scenario, options, 1, on_progress)
}

/// [`explore`] on `jobs` threads. The summary is the same whatever `jobs` is: the same
/// schedules, failures and outcome counts, and the lowest failing seed as the first failure
/// (with stop-on-failure, the search stops at it, as one thread would).
pub fn explore_jobs(
    scenario: &Scenario,
    options: &ExploreOptions,
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExploreSummary, RunError> {
    let part = explore_part(
        scenario,
        options,
        SeedList::whole(options.seeds),
        jobs,
        on_progress,
    )?;
    Ok(part.summary(&scenario.expect))
}

/// What the seeds of one part of a search (a [`SeedList`]) gave, before the expectation is
/// judged over the whole search.
#[derive(Debug, Clone)]
pub struct ExplorePart {
    /// Schedules run.
    pub schedules: u64,
    /// Schedules that did not pass.
    pub failures: u64,
    /// How many runs ended in each outcome.
    pub outcomes: BTreeMap<String, u64>,
    /// Some failure was the expected one.
    pub found: bool,
    /// Some failure was not the expected one.
    pub unexpected: bool,
    /// The failure at the lowest seed.
    pub first_failure: Option<Failure>,
}

impl ExplorePart {
    fn new() -> Self {
        Self {
            schedules: 0,
            failures: 0,
            outcomes: BTreeMap::new(),
            found: false,
            unexpected: false,
            first_failure: None,
        }
    }

    /// Counts one run of `seed`.
    fn add(&mut self, seed: u64, result: RunResult, expect: &Expectation) {
        self.schedules += 1;
        *self.outcomes.entry(result.observed.short()).or_default() += 1;
        if !result.observed.is_pass() {
            self.failures += 1;
            if result.observed.matches(expect) {
                self.found = true;
            } else {
                self.unexpected = true;
            }
            if self.first_failure.as_ref().is_none_or(|f| seed < f.seed) {
                self.first_failure = Some(Failure { seed, result });
            }
        }
    }

    fn absorb(&mut self, other: ExplorePart) {
        self.schedules += other.schedules;
        self.failures += other.failures;
        for (k, n) in other.outcomes {
            *self.outcomes.entry(k).or_default() += n;
        }
        self.found |= other.found;
        self.unexpected |= other.unexpected;
        if let Some(f) = other.first_failure
            && self.first_failure.as_ref().is_none_or(|g| f.seed < g.seed)
        {
            self.first_failure = Some(f);
        }
    }

    /// The summary of a whole search that gave this part, judged against `expect`.
    pub fn summary(self, expect: &Expectation) -> ExploreSummary {
        let ok = match expect {
            Expectation::Pass => self.failures == 0,
            // Every schedule must show it: found, nothing else, and no schedule passed.
            e if e.on_every_schedule() => {
                self.found && !self.unexpected && self.failures == self.schedules
            }
            _ => self.found && !self.unexpected,
        };
        ExploreSummary {
            schedules: self.schedules,
            failures: self.failures,
            first_failure: self.first_failure,
            outcomes: self.outcomes,
            ok,
        }
    }
}

/// Runs the seeds of `seeds` (all of `options.seeds`, or a shard's) on `jobs` threads, with
/// `options`' strategy, depth, step bound and stop-on-failure. PCT's step estimate comes from
/// the first seed of `options.seeds`, the whole range, whatever part runs.
pub fn explore_part(
    scenario: &Scenario,
    options: &ExploreOptions,
    seeds: SeedList,
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExplorePart, RunError> {
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
    let strategy = |seed: u64| -> Box<dyn taintsim_sim::Strategy> {
        match options.strategy {
            StrategyName::Pct => pct(seed, options.depth, pct_steps),
            _ => Box::new(RandomStrategy::new_from_seed(seed)),
        }
    };
    // The initial objects are stored once for every seed.
    let prepared = Prepared::of(scenario);
    // Each seed runs without labels (nothing is formatted for a trace that no one reads); a
    // failing one runs again with them, the same schedule, for its report and decision log.
    let run = |seed: u64| {
        let max = options.max_steps;
        let (result, _) = run_prepared(scenario, &prepared, seed, strategy(seed), max, false)?;
        if result.observed.is_pass() {
            return Ok(result);
        }
        run_prepared(scenario, &prepared, seed, strategy(seed), max, true).map(|(r, _)| r)
    };
    if jobs <= 1 {
        let mut part = ExplorePart::new();
        for i in 0..seeds.len() {
            let seed = seeds.get(i);
            let result = run(seed)?;
            let failed = !result.observed.is_pass();
            part.add(seed, result, &scenario.expect);
            on_progress(&Progress {
                schedules: part.schedules,
                failures: part.failures,
                total: seeds.len(),
            });
            if failed && options.stop_on_failure {
                break;
            }
        }
        return Ok(part);
    }
    parallel::explore_seeds(scenario, options, seeds, jobs, &run, on_progress)
}
