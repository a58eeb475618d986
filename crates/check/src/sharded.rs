//! Running one shard of a search and writing down what it found ([`ShardFile`]).

use std::time::Instant;

use crate::exhaustive::startup_label;
use crate::shard::{Layout, Shard};
use crate::shard_file::{
    SHARD_FORMAT, ScenarioId, SearchSpec, SeedFailure, SeedsResult, ShardFile, ShardResult,
    SubtreeFailure, SubtreesResult, TAINTSIM_VERSION, paths_hash,
};
use crate::subtrees::{probe_subtrees, search_paths};
use crate::{ExhaustiveOptions, ExploreOptions, Progress, RunError, explore_part, reduction_name};
use taintsim_scenario::format::{Scenario, StrategyName};

/// The trace hash as `taintsim` prints it: 16 hex digits.
pub(crate) fn hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Runs shard `shard` of the random or PCT search `options` of `scenario` (identified by
/// `id`, loaded with the overrides `sets`) on `jobs` threads: the seeds `layout` deals it,
/// stopping at its own first failure with stop-on-failure.
#[allow(clippy::too_many_arguments)]
pub fn explore_shard(
    id: ScenarioId,
    scenario: &Scenario,
    options: &ExploreOptions,
    layout: Layout,
    shard: Shard,
    sets: &[(String, String)],
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ShardFile, RunError> {
    let started = Instant::now();
    let seeds = shard.seeds(options.seeds, layout);
    let part = explore_part(scenario, options, seeds, jobs, on_progress)?;
    let result = SeedsResult {
        schedules: part.schedules,
        failures: part.failures,
        outcomes: part.outcomes,
        found: part.found,
        unexpected: part.unexpected,
        first_failure: part.first_failure.map(|f| SeedFailure {
            seed: f.seed,
            outcome: f.result.observed.short(),
            trace_hash: hex(f.result.report.trace.hash()),
        }),
    };
    let pct = options.strategy == StrategyName::Pct;
    let search = SearchSpec {
        strategy: if pct { "pct" } else { "random" }.to_owned(),
        seeds: Some(options.seeds.to_string()),
        depth: pct.then_some(options.depth),
        layout: Some(layout),
        stop_on_failure: Some(options.stop_on_failure),
        max_steps: options.max_steps,
        max_schedules: None,
        reduction: None,
        split_depth: None,
        sets: sets.to_vec(),
    };
    Ok(file(id, search, shard, started, ShardResult::Seeds(result)))
}

/// Runs shard `shard` of the exhaustive search `options` of `scenario` (identified by `id`,
/// loaded with the overrides `sets`) on `jobs` threads: it probes every subtree to list them,
/// then searches every `shard.count`-th one in depth-first order from the `shard.index`-th.
#[allow(clippy::too_many_arguments)]
pub fn exhaustive_shard(
    id: ScenarioId,
    scenario: &Scenario,
    options: &ExhaustiveOptions,
    shard: Shard,
    sets: &[(String, String)],
    jobs: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<ShardFile, RunError> {
    let started = Instant::now();
    let label = startup_label(scenario, options.max_steps)?;
    let all = probe_subtrees(scenario, &label, options, jobs)?;
    let mine: Vec<_> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.owns(*i as u64))
        .map(|(_, p)| p.clone())
        .collect();
    let (subtrees, first) = search_paths(scenario, &label, options, &mine, jobs, on_progress)?;
    let result = SubtreesResult {
        total: all.len() as u64,
        paths_hash: paths_hash(&all),
        subtrees,
        first_failure: first.map(|(path, f)| SubtreeFailure {
            path,
            outcome: f.result.observed.short(),
            trace_hash: hex(f.result.report.trace.hash()),
            decisions: f.result.report.decisions,
        }),
    };
    let search = SearchSpec {
        strategy: "exhaustive".to_owned(),
        seeds: None,
        depth: None,
        layout: None,
        stop_on_failure: None,
        max_steps: options.max_steps,
        max_schedules: Some(options.max_schedules),
        reduction: Some(reduction_name(options.reduction).to_owned()),
        split_depth: Some(options.split_depth),
        sets: sets.to_vec(),
    };
    Ok(file(
        id,
        search,
        shard,
        started,
        ShardResult::Subtrees(result),
    ))
}

fn file(
    scenario: ScenarioId,
    search: SearchSpec,
    shard: Shard,
    started: Instant,
    result: ShardResult,
) -> ShardFile {
    ShardFile {
        format: SHARD_FORMAT.to_owned(),
        taintsim_version: TAINTSIM_VERSION.to_owned(),
        scenario,
        search,
        shard,
        elapsed_ms: crate::check::elapsed_ms(started),
        result,
    }
}
