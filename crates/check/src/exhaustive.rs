//! Exhaustive exploration of one scenario: every schedule up to a bound, with partial-order
//! reduction ([`taintsim_sim::ExhaustiveStrategy`]).
//!
//! Each schedule is a fresh run built by [`run_strategy`]; the strategy's search state carries
//! over from run to run. The scenario actor's `wait-for-sync`, `wait-until` and
//! `assert-eventually` steps block on a condition that the runner re-checks after every step;
//! [`observed_resources`] tells the strategy what those conditions read, so that two steps
//! that could both change one are kept in order (rule 4 of the independence relation in
//! `taintsim_sim::strategy::independence`).
//!
//! # The bounded space
//!
//! - **The startup runs in one canonical order.** Every decision up to and including the
//!   step that ends the controller's initial sync (the first step after which its
//!   [`Running::has_synced`](taintsim_plugin::Running::has_synced) holds, found by
//!   [`startup_end`]) takes the first enabled entry. This is the harness part of upstream's tests
//!   (`startTestController`, then `Eventually(hasSynced)`); the interleavings of the initial
//!   lists and their notifications multiply the schedules of everything after them without
//!   reaching other states that the scenario's steps care about. Everything after the
//!   controller has synced is explored: the scenario actor's steps, the informers, the
//!   handlers, the workers, the event sink and the timers, in every order (up to the
//!   reduction's equivalence). A scenario whose controller never syncs has one schedule.
//! - **At most `max_steps` steps per run.** A run that reaches the limit makes the search
//!   incomplete.
//! - **Data choices (fault rolls) are fixed** as the strategy's data seed 0 draws them.
//!
//! `complete` is true only if the search covered that whole space: no run hit the step limit
//! and `max_schedules` was not reached.
//!
//! [`ControllerPlugin::startup_end`]: taintsim_plugin::ControllerPlugin::startup_end

use std::collections::BTreeMap;

use taintsim_sim::strategy::ExecutionEnd;
pub use taintsim_sim::strategy::Reduction;
use taintsim_sim::{Control, ExhaustiveConfig, ExhaustiveStrategy, RandomStrategy, Strategy};

use crate::{Failure, Observed, Progress, RunError, RunResult, run_strategy};
use taintsim_scenario::model::{ActorStep, Check, Expectation, ExploreSettings, Scenario};
use taintsim_world::actor::check_reads;

/// A prefix label no step has (every label is `actor: action`): the whole run is canonical.
const WHOLE_RUN: &str = "";

/// The label (`actor: action`) of the step that ends the controller's initial sync: the first
/// step after which the started controller's `has_synced` holds, in one run of the scenario's
/// world without its actor (the sync does not wait for the actor). `None` if the controller
/// does not sync within `max_steps` steps. Derived rather than named, so that the harness
/// knows no controller's step labels: a controller syncs in whichever step it likes.
pub fn startup_end(scenario: &Scenario, max_steps: u64) -> Result<Option<String>, RunError> {
    let strategy = Box::new(RandomStrategy::new_from_seed(0));
    let mut world = crate::build_world(scenario, 0, strategy, max_steps)?;
    let controller = world.controller.clone();
    let mut end = None;
    world.run_with(&mut |step, _| {
        if controller.has_synced() {
            end = Some(step.entry.label());
            return Control::Stop("the controller has synced".into());
        }
        Control::Continue
    });
    Ok(end)
}

/// How to explore exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExhaustiveOptions {
    /// The most runs (schedules, plus runs cut short as redundant by the reduction) before
    /// giving up with `complete: false`.
    pub max_schedules: u64,
    /// Per-run step bound; a run that reaches it makes the search incomplete.
    pub max_steps: u64,
    /// The partial-order reduction: DPOR with sleep sets (the default), sleep sets only, or
    /// none (every interleaving).
    pub reduction: Reduction,
}

impl From<&ExploreSettings> for ExhaustiveOptions {
    /// A scenario's own bounds (`explore.max-schedules`, `explore.max-steps`), with DPOR.
    fn from(settings: &ExploreSettings) -> Self {
        Self {
            max_schedules: settings.max_schedules,
            max_steps: settings.max_steps,
            reduction: Reduction::Dpor,
        }
    }
}

/// The result of an exhaustive exploration.
#[derive(Debug, Clone)]
pub struct ExhaustiveSummary {
    /// Schedules run to their end (runs cut short as redundant are not counted).
    pub schedules: u64,
    /// Whether the whole bounded space was covered.
    pub complete: bool,
    /// Schedules that did not pass.
    pub failures: u64,
    /// The first schedule that did not pass. Its decision log (`result.report.decisions`,
    /// schedule and data decisions) replays it; its `seed` is 0 and does not.
    pub first_failure: Option<Failure>,
    /// Enabled steps not explored at some point because the reduction proved them redundant.
    pub pruned: u64,
    /// Runs cut short because every enabled step was redundant (not counted as schedules).
    pub blocked: u64,
    /// Enabled steps left out because the startup runs in its canonical order.
    pub bounded: u64,
    /// The most scheduling decisions in one run.
    pub max_depth: usize,
    /// How many schedules ended in each outcome (by [`Observed::short`]).
    pub outcomes: BTreeMap<String, u64>,
    /// Whether the scenario's expectation holds over the explored schedules: for `pass`, no
    /// failure; otherwise, the expected outcome was found and no other kind of failure was.
    pub ok: bool,
}

/// Explores every schedule of `scenario` within the bounds of `options` (and of the module
/// docs) and judges `scenario.expect` over them. `on_progress` is called after every
/// schedule, with `total` = `max_schedules`.
pub fn explore_exhaustive(
    scenario: &Scenario,
    options: &ExhaustiveOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExhaustiveSummary, RunError> {
    let end = startup_end(scenario, options.max_steps)?;
    let label = end.as_deref().unwrap_or(WHOLE_RUN);
    explore_exhaustive_after(scenario, label, options, on_progress)
}

/// [`explore_exhaustive`] with another canonical prefix: every decision up to and including
/// the first that takes a step labelled `label` (`actor: action`) takes the first enabled
/// entry, and the search covers every schedule after it. A later label focuses the search on
/// the end of a run.
pub fn explore_exhaustive_after(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExhaustiveSummary, RunError> {
    explore_exhaustive_each(scenario, label, options, &mut |_, p| on_progress(p))
}

/// [`explore_exhaustive_after`], calling `on_schedule` with every schedule's result (runs cut
/// short as redundant are not schedules) and the progress so far.
pub fn explore_exhaustive_each(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    on_schedule: &mut dyn FnMut(&RunResult, &Progress),
) -> Result<ExhaustiveSummary, RunError> {
    let config = ExhaustiveConfig::default()
        .reduction(options.reduction)
        .max_executions(options.max_schedules)
        .observed(observed_resources(&scenario.steps))
        .prefix_until(label);
    let strategy = ExhaustiveStrategy::new_from_config(config);
    let handle = strategy.handle();
    let mut strategy: Box<dyn Strategy> = Box::new(strategy);
    let mut summary = ExhaustiveSummary {
        schedules: 0,
        complete: false,
        failures: 0,
        first_failure: None,
        pruned: 0,
        blocked: 0,
        bounded: 0,
        max_depth: 0,
        outcomes: BTreeMap::new(),
        ok: false,
    };
    let (mut found, mut unexpected) = (false, false);
    while strategy.begin_execution() {
        let (result, back) = run_strategy(scenario, 0, strategy, options.max_steps)?;
        strategy = back;
        if handle.last_execution() == ExecutionEnd::Blocked {
            continue;
        }
        if matches!(result.observed, Observed::StepLimit { .. }) {
            handle.mark_cut();
        }
        summary.schedules += 1;
        *summary.outcomes.entry(result.observed.short()).or_default() += 1;
        if !result.observed.is_pass() {
            summary.failures += 1;
            if result.observed.matches(&scenario.expect) {
                found = true;
            } else {
                unexpected = true;
            }
        }
        let progress = Progress {
            schedules: summary.schedules,
            failures: summary.failures,
            total: options.max_schedules,
        };
        on_schedule(&result, &progress);
        if !result.observed.is_pass() && summary.first_failure.is_none() {
            summary.first_failure = Some(Failure { seed: 0, result });
        }
    }
    let stats = handle.stats();
    summary.complete = stats.complete;
    summary.pruned = stats.pruned;
    summary.blocked = stats.blocked;
    summary.bounded = stats.bounded;
    summary.max_depth = stats.max_depth;
    summary.ok = match scenario.expect {
        Expectation::Pass => summary.failures == 0,
        _ => found && !unexpected,
    };
    Ok(summary)
}

/// What the scenario actor's blocking conditions read between steps: the observed resources
/// of the independence relation.
///
/// A condition that can only become true and then stays true while the actor waits
/// (monotone) needs nothing: `wait-for-sync` (`hasSynced` is never unset), `pod-absent` (only
/// the actor creates pods, and it is waiting), `mark`, `api-calls` with only `at-least`, and
/// `events` without `objects` or `count`. A `wait-until` or `assert-eventually` with any other
/// check contributes what all of its checks read ([`check_reads`]): with a check that can
/// become false again, a monotone one matters too.
pub fn observed_resources(steps: &[ActorStep]) -> Vec<String> {
    let mut observed: Vec<String> = steps
        .iter()
        .filter_map(|step| match step {
            ActorStep::AssertEventually(e) | ActorStep::WaitUntil(e)
                if !e.checks.iter().all(monotone) =>
            {
                Some(e.checks.iter().flat_map(check_reads))
            }
            _ => None,
        })
        .flatten()
        .collect();
    observed.sort();
    observed.dedup();
    observed
}

/// Whether a check, once it holds while the actor waits, keeps holding.
fn monotone(check: &Check) -> bool {
    match check {
        Check::PodAbsent(_) | Check::Mark(_) => true,
        Check::ApiCalls(c) => c.count.is_none(),
        Check::Events(e) => e.objects.is_none() && e.count.is_none(),
        Check::PodPresent(_) | Check::Metrics(_) | Check::RuleCondition(_) => false,
    }
}
