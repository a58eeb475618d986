//! `taintsim explore --strategy exhaustive`: every schedule up to the bound, with
//! partial-order reduction (`taintsim_check::explore_exhaustive` says what the bound is). The
//! search and the saving of its first failure are `taintsim_check::search_exhaustive`, which
//! `taintsim run` also uses for a scenario whose `explore.strategy` is `exhaustive`; this
//! module prints them.
//!
//! An exhaustive search has no seeds: the first failing schedule is saved as a decision log
//! (`DIR/<scenario-name>-exhaustive.decisions.json`, see `--save`), and
//! `taintsim replay FILE --decisions PATH` re-runs it exactly.

use std::path::Path;

use serde::Serialize;
use taintsim_check::{
    ExhaustiveOptions, Reduction, Searched, describe_expectation, expectation_short,
    reduction_name, search_exhaustive,
};
use taintsim_scenario::format::Scenario;

use crate::Status;
use crate::cli::{ExploreArgs, ReductionArg};
use crate::common::{self, hex_hash};
use crate::progress::Bar;

/// The JSON of `explore --strategy exhaustive --json`. The first six fields are the issue's
/// contract; the rest say what was searched and how it went.
#[derive(Serialize)]
struct ExhaustiveJson {
    strategy: &'static str,
    schedules: u64,
    complete: bool,
    failures: u64,
    first_failure: Option<FailureJson>,
    pruned: u64,
    file: String,
    name: String,
    ok: bool,
    expected: String,
    reduction: &'static str,
    max_schedules: u64,
    max_steps: u64,
    /// The split depth (`--split-depth`, 0: not split).
    split_depth: usize,
    outcomes: std::collections::BTreeMap<String, u64>,
    elapsed_ms: u64,
}

/// The first failing schedule, replayable from its saved decision log.
#[derive(Serialize)]
struct FailureJson {
    outcome: String,
    message: String,
    steps: u64,
    trace_hash: String,
    /// The saved decision log, or `null` with `--no-save`.
    decisions: Option<String>,
    /// The command that re-runs it (`null` with `--no-save`: an exhaustive schedule has no
    /// seed to name).
    replay: Option<String>,
}

impl From<ReductionArg> for Reduction {
    fn from(r: ReductionArg) -> Self {
        match r {
            ReductionArg::Dpor => Reduction::Dpor,
            ReductionArg::SleepSets => Reduction::SleepSets,
            ReductionArg::None => Reduction::None,
        }
    }
}

/// Runs `taintsim explore --strategy exhaustive` (the caller has loaded the scenario).
pub fn explore(args: &ExploreArgs, scenario: &Scenario) -> anyhow::Result<Status> {
    let mut options = ExhaustiveOptions::from(&scenario.explore);
    if let Some(n) = args.max_schedules {
        options.max_schedules = n;
    }
    if let Some(m) = args.max_steps {
        options.max_steps = m;
    }
    if let Some(r) = args.reduction {
        options.reduction = r.into();
    }
    if let Some(d) = args.split_depth {
        options.split_depth = d;
    }
    if args.shard_layout.is_some() {
        anyhow::bail!("--shard-layout applies to random and pct seeds only");
    }
    if let Some(shard) = &args.shard {
        return crate::shard::explore_subtrees(args, scenario, &options, shard);
    }
    let save = (!args.no_save).then_some(args.save.as_path());
    let bar = Bar::new(
        common::show_progress(args.json),
        options.max_schedules,
        &scenario.name,
    );
    let searched = search_exhaustive(
        &args.file,
        scenario,
        options,
        &args.set.overrides(save).jobs(args.jobs.get()),
        &mut |p| bar.update(p),
    );
    bar.finish();
    print_searched(&args.file, scenario, &searched?, args.json)
}

/// Prints a finished exhaustive search of `scenario` (loaded from `file`) as `explore`
/// prints it (text or JSON); `merge` prints merged shards so too.
pub(crate) fn print_searched(
    file: &Path,
    scenario: &Scenario,
    searched: &Searched,
    json: bool,
) -> anyhow::Result<Status> {
    let summary = &searched.summary;
    let options = searched.options;
    let status = if summary.ok {
        Status::Ok
    } else {
        Status::Failed
    };

    if json {
        let out = ExhaustiveJson {
            strategy: "exhaustive",
            schedules: summary.schedules,
            complete: summary.complete,
            failures: summary.failures,
            first_failure: summary.first_failure.as_ref().map(|f| FailureJson {
                outcome: common::outcome_tag(&f.result.observed),
                message: f.result.observed.message(),
                steps: f.result.report.steps,
                trace_hash: hex_hash(f.result.report.trace.hash()),
                decisions: searched.saved.as_ref().map(|p| p.display().to_string()),
                replay: searched.replay.clone(),
            }),
            pruned: summary.pruned,
            file: file.display().to_string(),
            name: scenario.name.clone(),
            ok: summary.ok,
            expected: expectation_short(&scenario.expect),
            reduction: reduction_name(options.reduction),
            max_schedules: options.max_schedules,
            max_steps: options.max_steps,
            split_depth: options.split_depth,
            outcomes: summary.outcomes.clone(),
            elapsed_ms: searched.elapsed_ms,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(status);
    }

    println!("{} ({})", scenario.name, file.display());
    for line in searched.describe() {
        println!("{line}");
    }
    let verdict = if summary.ok { "holds" } else { "does NOT hold" };
    println!(
        "expectation: {} — {verdict}",
        describe_expectation(&scenario.expect)
    );
    match &summary.first_failure {
        Some(f) => {
            println!("first failure: {}", f.result.observed.message());
            println!(
                "  {} steps, trace hash {}",
                f.result.report.steps,
                hex_hash(f.result.report.trace.hash())
            );
            match (&searched.saved, &searched.replay) {
                (Some(path), Some(replay)) => {
                    println!("  decisions saved to {}", path.display());
                    println!("replay: {replay}");
                }
                _ => println!("  (not saved: --no-save)"),
            }
        }
        None => println!("no schedule failed"),
    }
    Ok(status)
}
