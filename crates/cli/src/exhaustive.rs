//! `taintsim explore --strategy exhaustive`, and `taintsim run` on a scenario whose
//! `explore.strategy` is `exhaustive`: every schedule up to the bound, with partial-order
//! reduction (`taintsim_check::explore_exhaustive` says what the bound is).
//!
//! An exhaustive search has no seeds: the first failing schedule is saved as a decision log
//! (`DIR/<scenario-name>-exhaustive.decisions.json`, see `--save`), and
//! `taintsim replay FILE --decisions PATH` re-runs it exactly.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use taintsim_check::{
    ExhaustiveOptions, ExhaustiveSummary, Reduction, expectation_short, explore_exhaustive,
};
use taintsim_scenario::model::Scenario;

use crate::Status;
use crate::cli::{ExploreArgs, ReductionArg, SetArgs};
use crate::common::{self, ReplayTarget, hex_hash, replay_command};
use crate::progress::Bar;
use crate::run::describe_expectation;

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

/// A finished search, with the saved failure.
pub struct Searched {
    /// What the search found.
    pub summary: ExhaustiveSummary,
    /// The options it ran with.
    pub options: ExhaustiveOptions,
    /// Where the first failure's decision log was saved.
    pub saved: Option<PathBuf>,
    /// The command that replays the first failure.
    pub replay: Option<String>,
    /// Wall-clock milliseconds.
    pub elapsed_ms: u64,
}

/// The name of a reduction, as `--reduction` spells it.
fn reduction_name(reduction: Reduction) -> &'static str {
    match reduction {
        Reduction::Dpor => "dpor",
        Reduction::SleepSets => "sleep-sets",
        Reduction::None => "none",
    }
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

/// Runs the search (with a progress bar on terminals unless `json`) and saves the first
/// failure's decision log in `save` (unless `None`).
pub fn search(
    file: &Path,
    scenario: &Scenario,
    options: ExhaustiveOptions,
    save: Option<&Path>,
    set: &SetArgs,
    json: bool,
) -> anyhow::Result<Searched> {
    let started = Instant::now();
    let bar = Bar::new(
        common::show_progress(json),
        options.max_schedules,
        &scenario.name,
    );
    let summary = explore_exhaustive(scenario, &options, &mut |p| bar.update(p));
    bar.finish();
    let summary = summary.map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", file.display()))?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let saved = match (&summary.first_failure, save) {
        (Some(f), Some(dir)) => Some(common::save_decisions_as(
            dir,
            &format!("{}-exhaustive", scenario.name),
            &f.result.report.decisions,
        )?),
        _ => None,
    };
    let replay = saved
        .as_ref()
        .map(|path| replay_command(file, scenario, &ReplayTarget::Decisions(path.clone()), set));
    Ok(Searched {
        summary,
        options,
        saved,
        replay,
        elapsed_ms,
    })
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
    let save = (!args.no_save).then_some(args.save.as_path());
    let searched = search(&args.file, scenario, options, save, &args.set, args.json)?;
    let summary = &searched.summary;
    let status = if summary.ok {
        Status::Ok
    } else {
        Status::Failed
    };

    if args.json {
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
            file: args.file.display().to_string(),
            name: scenario.name.clone(),
            ok: summary.ok,
            expected: expectation_short(&scenario.expect),
            reduction: reduction_name(options.reduction),
            max_schedules: options.max_schedules,
            max_steps: options.max_steps,
            outcomes: summary.outcomes.clone(),
            elapsed_ms: searched.elapsed_ms,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(status);
    }

    println!("{} ({})", scenario.name, args.file.display());
    for line in describe(&searched) {
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

/// What the search covered, in two lines: counts, then whether the bounded space was covered.
pub fn describe(searched: &Searched) -> Vec<String> {
    let summary = &searched.summary;
    let options = &searched.options;
    let counts: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    let coverage = if summary.complete {
        "complete: every schedule after the controller's initial sync is covered (up to the \
         reduction's equivalence)"
            .to_owned()
    } else if summary.outcomes.contains_key("step-limit") {
        format!(
            "NOT complete: a schedule reached the step limit ({}; raise --max-steps)",
            options.max_steps
        )
    } else {
        format!(
            "NOT complete: stopped at --max-schedules {} with schedules left",
            options.max_schedules
        )
    };
    vec![
        format!(
            "exhaustive ({}): {} schedule{}, {} failure{}, {} pruned in {} ms ({})",
            reduction_name(options.reduction),
            summary.schedules,
            plural(summary.schedules),
            summary.failures,
            plural(summary.failures),
            summary.pruned,
            searched.elapsed_ms,
            counts.join(", ")
        ),
        coverage,
    ]
}
