//! Shrinking a failing run into a small scenario file that replays it exactly.
//!
//! 1. **Events** (`events.rs`): delta debugging (ddmin: drop chunks of half the list, then a
//!    quarter, down to single elements) over actor steps and initial objects, then
//!    simplification of the Kubernetes objects left that no later step updates (immutable
//!    fields stay consistent): drop one device, taint, toleration,
//!    allocation result, `reservedFor` entry or pod claim at a time), to a fixpoint. A
//!    candidate is kept only when it still fails in the **same** way ([`FailureKey`]: the
//!    same panic site, the same oracle, an assertion or a step failure). It is tried first
//!    under the current decision log, replayed tolerantly ([`TolerantReplayStrategy`]), and
//!    then under a few random seeds ([`ShrinkOptions::seeds_per_candidate`]).
//! 2. **Schedule**: keep the shortest prefix of the decision log after which a
//!    non-preemptive default (stay with the previous actor while it can run) still fails the
//!    same way, then drop single decisions of that prefix that the failure does not need,
//!    unless dropping one adds switches between actors (fewer preemptions are preferred).
//! 3. The result is the scenario with the failing run's full decision log (`decisions`) and
//!    an expectation naming the failure, so `taintsim run` and `taintsim replay` reproduce
//!    it exactly.

mod events;

use taintsim_sim::{ChooseContext, Decision, DecisionLog, Divergence, Enabled, Strategy};

use taintsim_check::oracle::OracleName;
use taintsim_check::{
    Observed, RunError, RunResult, Schedule, first_decisive, run_schedule, run_strategy,
};
use taintsim_scenario::format::{Expectation, Quantifier, Scenario, SeedRange};

/// What makes two failures "the same" for shrinking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKey {
    /// A panic at this source location (or with this message when the location is unknown).
    Panic(String),
    /// This oracle was violated.
    Violation(OracleName),
    /// A scenario assertion failed.
    Assertion,
    /// A scenario step failed.
    Step,
}

impl FailureKey {
    /// The key of a failing outcome, `None` for a pass (or a run that cannot be judged).
    pub fn of(observed: &Observed) -> Option<Self> {
        match observed {
            Observed::Pass
            | Observed::StepLimit { .. }
            | Observed::Divergence { .. }
            | Observed::Footprint { .. } => None,
            Observed::Panic {
                location, message, ..
            } => Some(Self::Panic(
                location.clone().unwrap_or_else(|| message.clone()),
            )),
            Observed::Violation { oracle, .. } => Some(Self::Violation(*oracle)),
            Observed::AssertionFailure { .. } => Some(Self::Assertion),
            Observed::StepFailure { .. } => Some(Self::Step),
        }
    }
}

/// Limits of a shrink, and what else must stay the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShrinkOptions {
    /// Random seeds tried per candidate after the tolerant replay of the current log.
    pub seeds_per_candidate: u64,
    /// Step bound of each run.
    pub max_steps: u64,
    /// The most runs in total.
    pub max_runs: u64,
    /// Coverage marks every kept candidate must also pass (the original run must pass them
    /// too). Two bugs can fail at the same site: queue v0's stale nil entry and the plain nil
    /// race both panic in `UpdateWork`; `queue.v0.restore-nil-after-cancel` keeps the former.
    pub keep_marks: Vec<String>,
    /// Worker threads that try the runs of one step at once (a candidate's seeds, the
    /// decision log's prefixes): the first that fails the same way wins, as in the sequential
    /// loop, and runs past it are not counted, so the result and `runs` do not depend on it.
    pub jobs: usize,
}

impl Default for ShrinkOptions {
    fn default() -> Self {
        Self {
            seeds_per_candidate: 32,
            max_steps: 20_000,
            max_runs: 20_000,
            keep_marks: Vec::new(),
            jobs: 1,
        }
    }
}

/// How big a failing case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Size {
    /// Actor steps.
    pub steps: usize,
    /// Initial objects.
    pub objects: usize,
    /// Schedule decisions in the recorded log.
    pub decisions: usize,
    /// Schedule decisions that switched to another actor than the previous one (an upper
    /// bound on preemptions: the log does not say whether the previous actor could go on).
    pub switches: usize,
}

/// The shrunk case.
#[derive(Debug, Clone)]
pub struct Shrunk {
    /// The scenario, with `decisions` and `expect` set.
    pub scenario: Scenario,
    /// The failure it reproduces.
    pub observed: Observed,
    /// Size before.
    pub before: Size,
    /// Size after.
    pub after: Size,
    /// Of the recorded log, how many decisions the failure needs: after them, the
    /// non-preemptive default (stay with the previous actor while it can run) is enough. The
    /// rest of the log is recorded anyway so that the file replays exactly.
    pub forced: usize,
    /// Runs spent.
    pub runs: u64,
}

/// Why shrinking could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShrinkError {
    /// The given schedule does not fail.
    #[error("the run passes ({0}); there is nothing to shrink")]
    NotFailing(String),
    /// The original run does not pass a coverage mark it is asked to keep.
    #[error("the failing run does not pass the coverage mark {0:?}; it cannot be kept")]
    MissingMark(String),
    /// The scenario cannot run.
    #[error(transparent)]
    Run(#[from] RunError),
}

fn switches(log: &DecisionLog) -> usize {
    let actors: Vec<&str> = log
        .entries
        .iter()
        .filter_map(|d| match d {
            Decision::Schedule { label, .. } => Some(label.split(": ").next().unwrap_or_default()),
            Decision::Data { .. } => None,
        })
        .collect();
    actors.windows(2).filter(|w| w[0] != w[1]).count()
}

fn schedule_decisions(log: &DecisionLog) -> usize {
    log.entries
        .iter()
        .filter(|d| matches!(d, Decision::Schedule { .. }))
        .count()
}

fn size(scenario: &Scenario, log: &DecisionLog) -> Size {
    Size {
        steps: scenario.steps.len(),
        objects: scenario.objects.len(),
        decisions: schedule_decisions(log),
        switches: switches(log),
    }
}

/// Follows a decision log by label, dropping entries that no longer apply; after the log (or
/// the prefix it is limited to), keeps running the previous actor while it is enabled, else
/// takes the first enabled entry.
#[derive(Debug, Clone)]
pub struct TolerantReplayStrategy {
    log: Vec<Decision>,
    position: usize,
}

impl TolerantReplayStrategy {
    /// Replays `log`, tolerantly.
    pub fn new(log: Vec<Decision>) -> Self {
        Self { log, position: 0 }
    }
}

impl Strategy for TolerantReplayStrategy {
    fn choose(&mut self, enabled: &[Enabled], ctx: &ChooseContext) -> Result<usize, Divergence> {
        while let Some(entry) = self.log.get(self.position) {
            self.position += 1;
            if let Decision::Schedule { label, .. } = entry
                && let Some(i) = enabled.iter().position(|e| &e.label() == label)
            {
                return Ok(i);
            }
        }
        let previous = ctx.previous.as_ref().map(|p| p.actor.as_str());
        Ok(enabled
            .iter()
            .position(|e| Some(e.actor.as_str()) == previous)
            .unwrap_or(0))
    }

    fn random(&mut self, label: &str, n: u64) -> Result<u64, Divergence> {
        if let Some(Decision::Data {
            label: l, value, ..
        }) = self.log.get(self.position)
            && l == label
        {
            self.position += 1;
            return Ok((*value).min(n.saturating_sub(1)));
        }
        Ok(0)
    }
}

/// Where a shrink stands, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ShrinkProgress {
    /// The current phase.
    pub phase: Phase,
    /// Runs so far.
    pub runs: u64,
    /// The run budget ([`ShrinkOptions::max_runs`]).
    pub max_runs: u64,
    /// The size of the smallest failing case so far.
    pub current: Size,
}

/// A phase of shrinking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Delta debugging over actor steps and initial objects.
    Events,
    /// Dropping list elements inside objects.
    Simplify,
    /// Shortening the decision log.
    Schedule,
}

/// The smallest failing case so far and its failing run.
#[derive(Debug, Clone)]
struct Current {
    scenario: Scenario,
    result: RunResult,
}

struct Shrinker<'a> {
    key: FailureKey,
    options: &'a ShrinkOptions,
    runs: u64,
    on_progress: &'a mut dyn FnMut(&ShrinkProgress),
}

impl Shrinker<'_> {
    fn budget_left(&self) -> bool {
        self.runs < self.options.max_runs
    }

    fn report(&mut self, phase: Phase, current: &Current) {
        let progress = ShrinkProgress {
            phase,
            runs: self.runs,
            max_runs: self.options.max_runs,
            current: size(&current.scenario, &current.result.report.decisions),
        };
        (self.on_progress)(&progress);
    }

    fn run(&mut self, scenario: &Scenario, log: Vec<Decision>) -> Result<RunResult, RunError> {
        self.runs += 1;
        tolerant_run(scenario, log, self.options.max_steps)
    }

    fn same(&self, r: &RunResult) -> bool {
        fails_same(&self.key, &self.options.keep_marks, r)
    }

    /// How many more runs the budget allows, at most `n`.
    fn allowed(&self, n: usize) -> usize {
        let left = self.options.max_runs.saturating_sub(self.runs);
        n.min(usize::try_from(left).unwrap_or(usize::MAX))
    }

    /// The failing run of `candidate`, if it still fails the same way. A candidate that
    /// cannot run at all (the API server rejects a cut object) does not fail the same way.
    fn reproduce(
        &mut self,
        candidate: &Scenario,
        log: &DecisionLog,
    ) -> Result<Option<RunResult>, RunError> {
        match self.run(candidate, log.entries.clone()) {
            Ok(r) if self.same(&r) => return Ok(Some(r)),
            Ok(_) => {}
            Err(_) => return Ok(None),
        }
        // The seeds in order, until one fails the same way or cannot run.
        let seeds = usize::try_from(self.options.seeds_per_candidate).unwrap_or(usize::MAX);
        let allowed = self.allowed(seeds);
        let (key, marks, max_steps) = (&self.key, &self.options.keep_marks, self.options.max_steps);
        let first = first_decisive(
            allowed,
            self.options.jobs,
            &|seed| run_schedule(candidate, Schedule::Random(seed as u64), max_steps),
            &|r| r.as_ref().is_err() || r.as_ref().is_ok_and(|r| fails_same(key, marks, r)),
        );
        match first {
            Some((i, result)) => {
                self.runs += i as u64 + 1;
                Ok(result.ok())
            }
            None => {
                self.runs += allowed as u64;
                Ok(None)
            }
        }
    }

    fn shrink_events(&mut self, current: &mut Current) -> Result<(), RunError> {
        loop {
            let mut progressed = self.ddmin(events::Part::Steps, current)?;
            progressed |= self.ddmin(events::Part::Objects, current)?;
            progressed |= self.simplify(current)?;
            if !progressed || !self.budget_left() {
                return Ok(());
            }
        }
    }

    /// Returns how many decisions of the log the failure still needs before the default.
    fn shrink_schedule(&mut self, current: &mut Current) -> Result<usize, RunError> {
        let full = current.result.report.decisions.entries.clone();
        let scenario = current.scenario.clone();
        // The shortest prefix after which the non-preemptive default still fails.
        let mut prefix = full.clone();
        let allowed = self.allowed(full.len());
        let (key, marks, max_steps) = (&self.key, &self.options.keep_marks, self.options.max_steps);
        let first = first_decisive(
            allowed,
            self.options.jobs,
            &|len| tolerant_run(&scenario, full[..len].to_vec(), max_steps),
            &|r| r.as_ref().is_err() || r.as_ref().is_ok_and(|r| fails_same(key, marks, r)),
        );
        match first {
            Some((len, result)) => {
                self.runs += len as u64 + 1;
                prefix = full[..len].to_vec();
                current.result = result?;
                self.report(Phase::Schedule, current);
            }
            None => self.runs += allowed as u64,
        }
        // Drop single decisions of the prefix that the failure does not need.
        let mut i = prefix.len();
        while i > 0 && self.budget_left() {
            i -= 1;
            let mut candidate = prefix.clone();
            candidate.remove(i);
            let r = self.run(&scenario, candidate.clone())?;
            if self.same(&r)
                && switches(&r.report.decisions) <= switches(&current.result.report.decisions)
            {
                prefix = candidate;
                current.result = r;
                self.report(Phase::Schedule, current);
            }
        }
        Ok(prefix.len())
    }
}

/// One run of `scenario` following `log` tolerantly ([`TolerantReplayStrategy`]).
fn tolerant_run(
    scenario: &Scenario,
    log: Vec<Decision>,
    max_steps: u64,
) -> Result<RunResult, RunError> {
    let strategy = Box::new(TolerantReplayStrategy::new(log));
    run_strategy(scenario, 0, strategy, max_steps).map(|(r, _)| r)
}

/// Whether `r` fails with `key` and passes every mark of `marks`.
fn fails_same(key: &FailureKey, marks: &[String], r: &RunResult) -> bool {
    FailureKey::of(&r.observed).as_ref() == Some(key)
        && marks.iter().all(|m| r.report.trace.has_mark(m))
}

/// The expectation that names `observed`.
pub fn expectation_for(observed: &Observed) -> Expectation {
    match observed {
        Observed::Panic { message, .. } => Expectation::Panic {
            message_contains: message.split(" (").next().unwrap_or(message).to_owned(),
            on: Quantifier::SomeSchedule,
        },
        Observed::Violation { oracle, .. } => Expectation::Violation {
            oracle: *oracle,
            on: Quantifier::SomeSchedule,
        },
        _ => Expectation::AssertionFailure {
            message_contains: None,
            on: Quantifier::SomeSchedule,
        },
    }
}

/// Shrinks the failing run of `scenario` under `schedule`.
pub fn shrink(
    scenario: &Scenario,
    schedule: Schedule,
    options: &ShrinkOptions,
) -> Result<Shrunk, ShrinkError> {
    shrink_with_progress(scenario, schedule, options, &mut |_| {})
}

/// [`shrink`], calling `on_progress` whenever the case gets smaller.
pub fn shrink_with_progress(
    scenario: &Scenario,
    schedule: Schedule,
    options: &ShrinkOptions,
    on_progress: &mut dyn FnMut(&ShrinkProgress),
) -> Result<Shrunk, ShrinkError> {
    let original = run_schedule(scenario, schedule, options.max_steps)?;
    let key = FailureKey::of(&original.observed)
        .ok_or_else(|| ShrinkError::NotFailing(original.observed.message()))?;
    if let Some(m) = options
        .keep_marks
        .iter()
        .find(|m| !original.report.trace.has_mark(m))
    {
        return Err(ShrinkError::MissingMark(m.clone()));
    }
    let before = size(scenario, &original.report.decisions);
    let mut shrinker = Shrinker {
        key,
        options,
        runs: 1,
        on_progress,
    };
    let mut base = scenario.clone();
    base.decisions = None;
    let mut current = Current {
        scenario: base,
        result: original,
    };
    shrinker.report(Phase::Events, &current);
    shrinker.shrink_events(&mut current)?;
    let forced = shrinker.shrink_schedule(&mut current)?;
    let Current {
        scenario: mut out,
        result,
    } = current;
    // The format cannot expect a step failure (a wait that timed out, a rejected write): such
    // a file expects `pass` and fails `taintsim run` until the bug is fixed.
    out.expect = match FailureKey::of(&result.observed) {
        Some(FailureKey::Step) => Expectation::Pass,
        _ => expectation_for(&result.observed),
    };
    out.explore.seeds = SeedRange { start: 0, end: 1 };
    out.decisions = Some(result.report.decisions.clone());
    out.name = format!("{}-shrunk", scenario.name);
    out.description = format!(
        "Shrunk by `taintsim shrink` from {:?} ({} steps, {} objects, {} decisions -> {} steps, \
         {} objects, {} decisions, of which the failure needs the first {forced}); replays its \
         recorded decisions: {}",
        scenario.name,
        before.steps,
        before.objects,
        before.decisions,
        out.steps.len(),
        out.objects.len(),
        schedule_decisions(&result.report.decisions),
        result.observed.message()
    );
    Ok(Shrunk {
        after: size(&out, &result.report.decisions),
        scenario: out,
        observed: result.observed,
        before,
        forced,
        runs: shrinker.runs,
    })
}
