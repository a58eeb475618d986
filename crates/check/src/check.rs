//! Judging a scenario file against its expectation, as `taintsim run` does: a file with a
//! recorded decision log replays exactly that schedule; any other file is explored with its own
//! `explore` settings (random, PCT or exhaustive), and its `expect` is judged over the
//! schedules run ([`check_file`], [`check_scenario`]). [`explore_scenario`] does the same with
//! another strategy and seed range, for tests that want to search harder than the file does.

use std::path::{Path, PathBuf};
use std::time::Instant;

use taintsim_plugin::Registry;
use taintsim_scenario::format::{Expectation, ExploreSettings, Scenario, SeedRange, StrategyName};
use taintsim_scenario::load;

use crate::save::DEFAULT_SAVE_DIR;
use crate::searched::{Searched, search_exhaustive};
use crate::verdict::{CheckError, FirstFailure, Verdict};
use crate::{
    ExhaustiveOptions, ExploreOptions, ExploreSummary, Observed, Progress, RunError, Schedule,
    explore_jobs, run_schedule,
};

/// What a check adds to the file: behaviour overrides, and where an exhaustive search saves
/// its first failure's decision log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overrides {
    /// Behaviour keys (`--set KEY=VALUE`), applied in order over the file's `behavior`.
    pub sets: Vec<(String, String)>,
    /// The folder for the first failure's decision log of an exhaustive search (which has no
    /// seed to name it by); `None` saves nothing, and the verdict then has no replay command
    /// for it.
    pub save: Option<PathBuf>,
    /// Worker threads for the schedules (`--jobs`); the verdict does not depend on it.
    pub jobs: usize,
}

impl Default for Overrides {
    /// What `taintsim run` does without options: no overrides, logs saved under
    /// [`DEFAULT_SAVE_DIR`].
    fn default() -> Self {
        Self {
            sets: Vec::new(),
            save: Some(PathBuf::from(DEFAULT_SAVE_DIR)),
            jobs: 1,
        }
    }
}

impl Overrides {
    /// The same overrides with `key` set to `value` after the others.
    #[must_use]
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.sets.push((key.into(), value.into()));
        self
    }

    /// The same overrides with `jobs` worker threads (at least 1).
    #[must_use]
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }
}

/// How [`explore_scenario`] searches a scenario's schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Uniformly random choices among the enabled steps, one schedule per seed.
    Random,
    /// Probabilistic concurrency testing, one schedule per seed.
    Pct {
        /// Priority change points plus one (at least 1).
        depth: u32,
    },
    /// Every schedule after the controller's initial sync, with partial-order reduction,
    /// within the file's `explore.max-schedules` and `explore.max-steps`. It has no seeds.
    Exhaustive,
}

impl Strategy {
    /// The strategy a file's `explore` settings name.
    pub fn of(settings: &ExploreSettings) -> Self {
        match settings.strategy {
            StrategyName::Random => Self::Random,
            StrategyName::Pct => Self::Pct {
                depth: settings.depth,
            },
            StrategyName::Exhaustive => Self::Exhaustive,
        }
    }
}

/// Loads `path` and applies the behaviour overrides of `overrides`, resolving the scenario's
/// controller in `registry`.
pub fn load(
    registry: &Registry,
    path: &Path,
    overrides: &Overrides,
) -> Result<Scenario, CheckError> {
    let mut scenario = load::load_file(path, registry)?;
    if !overrides.sets.is_empty() {
        for (key, value) in &overrides.sets {
            scenario.behavior.set(key, value);
        }
        scenario.resolve(registry).map_err(CheckError::Override)?;
    }
    Ok(scenario)
}

/// Loads `path` and judges it against its expectation exactly as `taintsim run` does.
pub fn check_file(
    registry: &Registry,
    path: &Path,
    overrides: &Overrides,
) -> Result<Verdict, CheckError> {
    check_file_with_progress(registry, path, overrides, &mut |_| {})
}

/// [`check_file`], calling `on_progress` after every schedule.
pub fn check_file_with_progress(
    registry: &Registry,
    path: &Path,
    overrides: &Overrides,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Verdict, CheckError> {
    let started = Instant::now();
    let scenario = load(registry, path, overrides)?;
    let mut verdict = check_scenario(path, &scenario, overrides, on_progress)?;
    verdict.elapsed_ms = elapsed_ms(started);
    Ok(verdict)
}

/// Judges `scenario`, loaded from `file` with `overrides`, as `taintsim run` does: its
/// recorded decisions if it has any, else its own `explore` settings. `on_progress` is called
/// after every schedule.
pub fn check_scenario(
    file: &Path,
    scenario: &Scenario,
    overrides: &Overrides,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Verdict, CheckError> {
    if scenario.decisions.is_some() {
        return replay_recorded(file, scenario, overrides);
    }
    let strategy = Strategy::of(&scenario.explore);
    explore_scenario(
        file,
        scenario,
        strategy,
        scenario.explore.seeds,
        overrides,
        on_progress,
    )
}

/// Judges `scenario`, loaded from `file` with `overrides`, over the schedules that `strategy`
/// picks from `seeds` (an exhaustive search has no seeds and ignores them); the step bound,
/// stop-on-failure and the exhaustive bounds are the file's own.
pub fn explore_scenario(
    file: &Path,
    scenario: &Scenario,
    strategy: Strategy,
    seeds: SeedRange,
    overrides: &Overrides,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Verdict, CheckError> {
    let started = Instant::now();
    let mut options = ExploreOptions::from(&scenario.explore);
    options.seeds = seeds;
    // A claim about every schedule needs every schedule run.
    options.stop_on_failure &= !scenario.expect.on_every_schedule();
    match strategy {
        Strategy::Random => options.strategy = StrategyName::Random,
        Strategy::Pct { depth } => {
            options.strategy = StrategyName::Pct;
            options.depth = depth;
        }
        Strategy::Exhaustive => {
            return exhaustive_verdict(file, scenario, overrides, on_progress);
        }
    }
    let summary = explore_jobs(scenario, &options, overrides.jobs, on_progress)
        .map_err(|error| run_error(file, scenario, error))?;
    let mut verdict = explore_verdict(file, scenario, &options, summary, overrides);
    verdict.elapsed_ms = elapsed_ms(started);
    Ok(verdict)
}

/// The verdict on `scenario` (loaded from `file` with `overrides`) of a random or PCT search
/// with `options` that gave `summary` (`taintsim merge` judges merged shards this way).
/// Its `elapsed_ms` is 0.
pub fn explore_verdict(
    file: &Path,
    scenario: &Scenario,
    options: &ExploreOptions,
    summary: ExploreSummary,
    overrides: &Overrides,
) -> Verdict {
    let mut verdict = base_verdict(file, scenario);
    verdict.ok = summary.ok;
    verdict.schedules = summary.schedules;
    verdict.failures = summary.failures;
    verdict.observed = observed_short(
        summary.first_failure.as_ref().map(|f| &f.result.observed),
        summary.ok,
        &summary.outcomes,
        &scenario.expect,
    );
    verdict.outcomes = summary.outcomes.clone();
    let schedule_of = |seed| match options.strategy {
        StrategyName::Pct => Schedule::Pct {
            seed,
            depth: options.depth,
            seeds: options.seeds,
        },
        _ => Schedule::Random(seed),
    };
    // A replay command only where there is something to look at: a failure, or a failed
    // expectation (then the first schedule shows what happened instead).
    let shown = match &summary.first_failure {
        Some(f) => Some(f.seed),
        None if !summary.ok => Some(options.seeds.start),
        None => None,
    };
    verdict.replay = shown.and_then(|seed| {
        schedule_of(seed).replay_command(file, scenario, options.max_steps, &overrides.sets)
    });
    if !verdict.ok {
        verdict.explanation = explain(&summary, scenario, options);
    }
    verdict.first_failure = summary.first_failure.map(|f| FirstFailure {
        schedule: schedule_of(f.seed),
        result: f.result,
    });
    verdict
}

/// A scenario whose strategy is `exhaustive`: search it with its own bounds, and judge its
/// expectation over the schedules explored. An incomplete search is said so in the
/// explanation, and makes a `pass` expectation fail: the file asked for a proof within the
/// bound.
fn exhaustive_verdict(
    file: &Path,
    scenario: &Scenario,
    overrides: &Overrides,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Verdict, CheckError> {
    let options = ExhaustiveOptions::from(&scenario.explore);
    let searched = search_exhaustive(file, scenario, options, overrides, on_progress)?;
    Ok(search_verdict(file, scenario, &searched))
}

/// The verdict on `scenario` (loaded from `file`) of a finished exhaustive search (`taintsim
/// merge` judges merged shards this way). An incomplete search makes a `pass` expectation
/// fail.
pub fn search_verdict(file: &Path, scenario: &Scenario, searched: &Searched) -> Verdict {
    let summary = &searched.summary;
    let proved = summary.complete
        || !(matches!(scenario.expect, Expectation::Pass) || scenario.expect.on_every_schedule());
    let mut verdict = base_verdict(file, scenario);
    verdict.ok = summary.ok && proved;
    verdict.schedules = summary.schedules;
    verdict.failures = summary.failures;
    verdict.outcomes = summary.outcomes.clone();
    verdict.observed = observed_short(
        summary.first_failure.as_ref().map(|f| &f.result.observed),
        summary.ok,
        &summary.outcomes,
        &scenario.expect,
    );
    verdict.replay = searched.replay.clone();
    if !verdict.ok {
        verdict.explanation = searched.describe();
        match &summary.first_failure {
            Some(f) => verdict
                .explanation
                .push(format!("first failure: {}", f.result.observed.message())),
            None if !proved => {}
            None => verdict.explanation.push(format!(
                "expected {}, but no schedule failed",
                describe_expectation(&scenario.expect)
            )),
        }
    }
    verdict.first_failure = searched.first_failure();
    verdict.elapsed_ms = searched.elapsed_ms;
    verdict
}

/// A scenario with a recorded decision log: replay exactly that schedule.
fn replay_recorded(
    file: &Path,
    scenario: &Scenario,
    overrides: &Overrides,
) -> Result<Verdict, CheckError> {
    let started = Instant::now();
    let max_steps = scenario.explore.max_steps;
    let result = run_schedule(scenario, Schedule::Recorded, max_steps)
        .map_err(|error| run_error(file, scenario, error))?;
    let observed = &result.observed;
    let mut verdict = base_verdict(file, scenario);
    verdict.schedules = 1;
    verdict.failures = u64::from(!observed.is_pass());
    verdict.outcomes.insert(observed.short(), 1);
    verdict.observed = observed.short();
    verdict.ok = observed.matches(&scenario.expect);
    verdict.replay = Schedule::Recorded.replay_command(file, scenario, max_steps, &overrides.sets);
    if !verdict.ok {
        verdict.explanation.push(format!(
            "the recorded decision log ({} steps) ended with: {}",
            result.report.steps,
            observed.message()
        ));
    }
    if !observed.is_pass() {
        verdict.first_failure = Some(FirstFailure {
            schedule: Schedule::Recorded,
            result,
        });
    }
    verdict.elapsed_ms = elapsed_ms(started);
    Ok(verdict)
}

fn base_verdict(file: &Path, scenario: &Scenario) -> Verdict {
    Verdict {
        file: file.to_owned(),
        name: scenario.name.clone(),
        expect: scenario.expect.clone(),
        ok: false,
        observed: String::new(),
        schedules: 0,
        failures: 0,
        outcomes: Default::default(),
        first_failure: None,
        replay: None,
        explanation: Vec::new(),
        elapsed_ms: 0,
    }
}

pub(crate) fn run_error(file: &Path, scenario: &Scenario, error: RunError) -> CheckError {
    CheckError::Run {
        file: file.to_owned(),
        name: scenario.name.clone(),
        expect: scenario.expect.clone(),
        error,
    }
}

/// Wall-clock time for reports only: no run reads it.
pub(crate) fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The outcome to show: the expected one if it was found and nothing else failed, else the
/// first unexpected one.
fn observed_short(
    first: Option<&Observed>,
    ok: bool,
    outcomes: &std::collections::BTreeMap<String, u64>,
    expect: &Expectation,
) -> String {
    let Some(first) = first else {
        return "pass".into();
    };
    if !first.matches(expect) || ok {
        return first.short();
    }
    // The first failure was the expected kind, but another kind turned up later.
    let expected = crate::expectation_short(expect);
    outcomes
        .keys()
        .find(|k| *k != "pass" && **k != expected)
        .cloned()
        .unwrap_or_else(|| first.short())
}

/// Why the expectation does not hold over a random or PCT exploration, in a few lines.
fn explain(summary: &ExploreSummary, scenario: &Scenario, options: &ExploreOptions) -> Vec<String> {
    let strategy = match options.strategy {
        StrategyName::Pct => format!("pct depth {}", options.depth),
        _ => "random".into(),
    };
    let counts: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let mut lines = vec![format!(
        "{} schedule{} ({strategy}, seeds {}): {}",
        summary.schedules,
        plural(summary.schedules),
        options.seeds,
        counts.join(", ")
    )];
    let expected = describe_expectation(&scenario.expect);
    lines.push(match &summary.first_failure {
        None => format!("expected {expected}, but no schedule failed"),
        Some(f) => {
            let (seed, message) = (f.seed, f.result.observed.message());
            if matches!(scenario.expect, Expectation::Pass) {
                format!("seed {seed}: {message}")
            } else if f.result.observed.matches(&scenario.expect) {
                format!(
                    "found the expected {expected}, but also other failures (first at seed \
                     {seed}: {message})"
                )
            } else {
                format!("expected {expected}; seed {seed}: {message}")
            }
        }
    });
    lines
}

/// An expectation in words.
pub fn describe_expectation(expect: &Expectation) -> String {
    let what = match expect {
        Expectation::Pass => return "pass".into(),
        Expectation::Panic {
            message_contains, ..
        } => format!("a panic containing {message_contains:?}"),
        Expectation::Violation { oracle, .. } => format!("a violation of {oracle}"),
        Expectation::AssertionFailure {
            message_contains: Some(m),
            ..
        } => format!("an assertion failure containing {m:?}"),
        Expectation::AssertionFailure {
            message_contains: None,
            ..
        } => "an assertion failure".into(),
    };
    if expect.on_every_schedule() {
        format!("{what} in every schedule")
    } else {
        what
    }
}
