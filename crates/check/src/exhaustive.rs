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

pub use taintsim_sim::strategy::Reduction;
use taintsim_sim::{Control, RandomStrategy};

use crate::{Failure, Progress, RunError, RunResult};
use taintsim_scenario::format::{ActorStep, Check, ExploreSettings, Scenario};
use taintsim_world::actor::check_read;

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
    /// How many branch points after the startup are split into subtrees that threads and
    /// shards search on their own (`--split-depth`, see `taintsim_sim::strategy::exhaustive`);
    /// 0 (the default) is one unsplit search. The result depends on it (above the split
    /// depth every step not asleep is explored, without DPOR), never on who searches which
    /// subtree.
    pub split_depth: usize,
}

impl From<&ExploreSettings> for ExhaustiveOptions {
    /// A scenario's own bounds (`explore.max-schedules`, `explore.max-steps`), with DPOR.
    fn from(settings: &ExploreSettings) -> Self {
        Self {
            max_schedules: settings.max_schedules,
            max_steps: settings.max_steps,
            reduction: Reduction::Dpor,
            split_depth: 0,
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
    let label = startup_label(scenario, options.max_steps)?;
    explore_exhaustive_after(scenario, &label, options, on_progress)
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
/// short as redundant are not schedules) and the progress so far. A split search
/// (`options.split_depth` above 0) takes its subtrees one after another, depth-first.
pub fn explore_exhaustive_each(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    on_schedule: &mut dyn FnMut(&RunResult, &Progress),
) -> Result<ExhaustiveSummary, RunError> {
    crate::subtrees::explore_split_each(scenario, label, options, on_schedule)
}

/// [`explore_exhaustive`] on `jobs` threads, which search the subtrees of a split search
/// (`options.split_depth` above 0) with work stealing. The summary is the same whatever `jobs`
/// is. An unsplit search is one subtree: it runs on one thread.
pub fn explore_exhaustive_jobs(
    scenario: &Scenario,
    options: &ExhaustiveOptions,
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ExhaustiveSummary, RunError> {
    if jobs <= 1 || options.split_depth == 0 {
        return explore_exhaustive(scenario, options, on_progress);
    }
    let label = startup_label(scenario, options.max_steps)?;
    crate::subtrees::explore_split_jobs(scenario, &label, options, jobs, on_progress)
}

/// The label ending the canonical prefix of [`explore_exhaustive`].
pub(crate) fn startup_label(scenario: &Scenario, max_steps: u64) -> Result<String, RunError> {
    Ok(startup_end(scenario, max_steps)?.unwrap_or_else(|| WHOLE_RUN.to_owned()))
}

/// What the scenario actor's blocking conditions read between steps: the observed resources
/// of the independence relation.
///
/// A condition that can only become true and then stays true while the actor waits
/// (monotone) needs nothing: `wait-for-sync` (`hasSynced` is never unset), `pod-absent` (only
/// the actor creates pods, and it is waiting), `mark`, `api-calls` with only `at-least`, and
/// `events` without `objects` or `count`. A `wait-until` or `assert-eventually` with any other
/// check contributes what all of its checks read ([`check_read`]): with a check that can
/// become false again, a monotone one matters too.
pub fn observed_resources(steps: &[ActorStep]) -> Vec<String> {
    let mut observed: Vec<String> = steps
        .iter()
        .filter_map(|step| match step {
            ActorStep::AssertEventually(e) | ActorStep::WaitUntil(e)
                if !e.checks.iter().all(monotone) =>
            {
                Some(e.checks.iter().map(check_read))
            }
            _ => None,
        })
        .flatten()
        .map(String::from)
        .collect();
    observed.sort();
    observed.dedup();
    observed
}

/// Whether a check, once it holds while the actor waits, keeps holding.
fn monotone(check: &Check) -> bool {
    match check {
        // The log of accepted deletions only grows, and the check reads its first entry.
        Check::PodAbsent(_) | Check::Mark(_) | Check::Deleted(_) => true,
        Check::ApiCalls(c) => c.count.is_none(),
        Check::Events(e) => e.objects.is_none() && e.count.is_none(),
        Check::PodPresent(_)
        | Check::Metrics(_)
        | Check::RuleCondition(_)
        | Check::PendingEvictions(_) => false,
    }
}
