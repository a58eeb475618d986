//! An exhaustive search as a set of subtrees (see `taintsim_sim::strategy::exhaustive`'s
//! `split` module): one subtree's search ([`search_subtree`]), the subtrees one after another
//! in depth-first order ([`explore_split_each`]), and how the counts of the subtrees make the
//! summary of the whole search ([`summarise`]); `parallel` runs them on several threads, and
//! a shard runs some of them.
//!
//! # The bound on executions
//!
//! Unsplit, `max_schedules` stops the search after that many executions. Split, it bounds the
//! executions of each subtree the same way, and the search takes whole subtrees in depth-first
//! order while the executions of the subtrees before are fewer than `max_schedules`; a search
//! that leaves out a subtree is not complete. This keeps the result a function of the subtrees'
//! own counts, so that threads and shards that search them in any order, and `taintsim merge`,
//! all give the same one. (A split search therefore runs at most about twice `max_schedules`
//! executions.) A subtree whose replay diverged ends the search after it, as the unsplit
//! search stops at a divergence.

mod parallel;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use taintsim_sim::strategy::{Choice, ExecutionEnd};
use taintsim_sim::{ExhaustiveConfig, ExhaustiveStrategy, Strategy};

pub(crate) use self::parallel::{explore_split_jobs, probe_subtrees, search_paths};
use crate::{
    ExhaustiveOptions, ExhaustiveSummary, Failure, Observed, Progress, RunError, RunResult,
    observed_resources,
};
use taintsim_scenario::format::{Expectation, Scenario};

/// A subtree's path: the entry taken at each split branch point above it.
pub type SubtreePath = Vec<Choice>;

/// What one subtree's search counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubtreeCount {
    /// The subtree's path; paths order the subtrees depth-first.
    #[schemars(with = "Vec<crate::shard_file::ChoiceSchema>")]
    pub path: SubtreePath,
    /// Executions started (schedules plus blocked ones).
    pub executions: u64,
    /// Executions cut short as redundant.
    pub blocked: u64,
    /// Schedules run to their end.
    pub schedules: u64,
    /// Schedules that did not pass.
    pub failures: u64,
    /// Schedules per outcome.
    pub outcomes: BTreeMap<String, u64>,
    /// Some failure was the expected one.
    pub found: bool,
    /// Some failure was not the expected one.
    pub unexpected: bool,
    /// Entries left unexplored by the reduction.
    pub pruned: u64,
    /// Entries left out by the canonical prefix (counted by the root's subtree only).
    pub bounded: u64,
    /// The most scheduling decisions in one run.
    pub max_depth: usize,
    /// The subtree was covered: nothing cut it short.
    pub complete: bool,
    /// A replay diverged: the program is not deterministic, and the search ends here.
    pub diverged: bool,
}

/// The search of one subtree: its count and its first failing schedule, or `None` if `cancel`
/// was raised before it ended.
pub(crate) type SubtreeResult = Option<(SubtreeCount, Option<Failure>)>;

/// Searches the subtree at `path` (the whole tree for an empty path and a split depth of 0),
/// calling `on_found` with every subtree found next to it and `on_schedule` after every
/// schedule. Stops early, returning `None`, once `cancel` is raised.
pub(crate) fn search_subtree(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    path: &SubtreePath,
    cancel: &AtomicBool,
    on_found: &mut dyn FnMut(SubtreePath),
    on_schedule: &mut dyn FnMut(&RunResult),
) -> Result<SubtreeResult, RunError> {
    let config = ExhaustiveConfig::default()
        .reduction(options.reduction)
        .max_executions(options.max_schedules)
        .observed(observed_resources(&scenario.steps))
        .prefix_until(label)
        .split_depth(options.split_depth)
        .subtree(path.clone());
    let strategy = ExhaustiveStrategy::new_from_config(config);
    let handle = strategy.handle();
    let mut strategy: Box<dyn Strategy> = Box::new(strategy);
    let mut count = SubtreeCount {
        path: path.clone(),
        executions: 0,
        blocked: 0,
        schedules: 0,
        failures: 0,
        outcomes: BTreeMap::new(),
        found: false,
        unexpected: false,
        pruned: 0,
        bounded: 0,
        max_depth: 0,
        complete: false,
        diverged: false,
    };
    let mut first_failure = None;
    // The initial objects are stored once for every execution of the subtree.
    let prepared = crate::run::Prepared::of(scenario);
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if !strategy.begin_execution() {
            break;
        }
        let (result, back) =
            crate::run_prepared(scenario, &prepared, 0, strategy, options.max_steps, true)?;
        strategy = back;
        for found in handle.take_subtrees() {
            on_found(found);
        }
        if handle.last_execution() == ExecutionEnd::Blocked {
            continue;
        }
        if matches!(result.observed, Observed::StepLimit { .. }) {
            handle.mark_cut();
        }
        count.schedules += 1;
        *count.outcomes.entry(result.observed.short()).or_default() += 1;
        if !result.observed.is_pass() {
            count.failures += 1;
            if result.observed.matches(&scenario.expect) {
                count.found = true;
            } else {
                count.unexpected = true;
            }
        }
        on_schedule(&result);
        if !result.observed.is_pass() && first_failure.is_none() {
            first_failure = Some(Failure { seed: 0, result });
        }
    }
    let stats = handle.stats();
    count.executions = stats.executions;
    count.blocked = stats.blocked;
    count.pruned = stats.pruned;
    count.bounded = stats.bounded;
    count.max_depth = stats.max_depth;
    count.complete = stats.complete;
    count.diverged = matches!(handle.last_execution(), ExecutionEnd::Nondeterministic(_));
    Ok(Some((count, first_failure)))
}

/// Every subtree searched on this thread, in depth-first order, calling `on_schedule` with
/// every schedule's result and the progress so far; the search stops taking subtrees at the
/// bound of the module docs.
pub(crate) fn explore_split_each(
    scenario: &Scenario,
    label: &str,
    options: &ExhaustiveOptions,
    on_schedule: &mut dyn FnMut(&RunResult, &Progress),
) -> Result<ExhaustiveSummary, RunError> {
    let mut pending: BTreeSet<SubtreePath> = BTreeSet::from([Vec::new()]);
    let (mut counts, mut first_failure) = (Vec::new(), None);
    let (mut executions, mut schedules, mut failures) = (0, 0, 0);
    let never = AtomicBool::new(false);
    while let Some(path) = pending.pop_first() {
        if counts.last().is_some_and(|c: &SubtreeCount| c.diverged)
            || executions >= options.max_schedules
        {
            pending.insert(path);
            break;
        }
        let searched = search_subtree(
            scenario,
            label,
            options,
            &path,
            &never,
            &mut |found| {
                pending.insert(found);
            },
            &mut |result| {
                schedules += 1;
                failures += u64::from(!result.observed.is_pass());
                let progress = Progress {
                    schedules,
                    failures,
                    total: options.max_schedules,
                };
                on_schedule(result, &progress);
            },
        )?;
        let Some((count, failure)) = searched else {
            break;
        };
        executions += count.executions;
        if first_failure.is_none() {
            first_failure = failure.map(|f| (path, f));
        }
        counts.push(count);
    }
    Ok(summarise(
        counts,
        !pending.is_empty(),
        options.max_schedules,
        first_failure,
        &scenario.expect,
    ))
}

/// The summary of a search from the counts of its subtrees (in any order), the first failing
/// schedule of the first subtree that has one (with its path), and whether subtrees exist
/// that were not searched (`more`): the subtrees taken are the depth-first prefix that the
/// bound of the module docs allows.
pub(crate) fn summarise(
    mut counts: Vec<SubtreeCount>,
    more: bool,
    max_schedules: u64,
    first_failure: Option<(SubtreePath, Failure)>,
    expect: &Expectation,
) -> ExhaustiveSummary {
    counts.sort_by(|a, b| a.path.cmp(&b.path));
    let mut summary = ExhaustiveSummary {
        schedules: 0,
        complete: !more,
        failures: 0,
        first_failure: None,
        pruned: 0,
        blocked: 0,
        bounded: 0,
        max_depth: 0,
        outcomes: BTreeMap::new(),
        ok: false,
    };
    let (mut executions, mut diverged, mut found, mut unexpected) = (0, false, false, false);
    let mut last = None;
    for count in counts {
        if executions >= max_schedules || diverged {
            summary.complete = false;
            break;
        }
        executions += count.executions;
        diverged = count.diverged;
        summary.schedules += count.schedules;
        summary.failures += count.failures;
        summary.pruned += count.pruned;
        summary.blocked += count.blocked;
        summary.bounded += count.bounded;
        summary.max_depth = summary.max_depth.max(count.max_depth);
        summary.complete &= count.complete;
        for (k, n) in count.outcomes {
            *summary.outcomes.entry(k).or_default() += n;
        }
        found |= count.found;
        unexpected |= count.unexpected;
        last = Some(count.path);
    }
    summary.first_failure = first_failure
        .filter(|(path, _)| last.as_ref().is_some_and(|l| path <= l))
        .map(|(_, f)| f);
    summary.ok = match expect {
        Expectation::Pass => summary.failures == 0,
        // Every schedule must show it: found, nothing else, no schedule passed, and the whole
        // bounded space searched (a bound hit leaves schedules unseen).
        e if e.on_every_schedule() => {
            found && !unexpected && summary.failures == summary.schedules && summary.complete
        }
        _ => found && !unexpected,
    };
    summary
}
