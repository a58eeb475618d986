//! `taintsim explore`: search one scenario's schedules.

use std::path::Path;
use std::time::Instant;
use taintsim_plugin::Registry;

use anyhow::bail;
use serde::Serialize;
use taintsim_check::{
    ExploreOptions, ExploreSummary, Schedule, describe_expectation, expectation_short,
    explore_jobs, save_decisions,
};
use taintsim_scenario::format::{Scenario, StrategyName};

use crate::Status;
use crate::cli::{ExploreArgs, SetArgs};
use crate::common::{self, hex_hash, replay_line};
use crate::progress::Bar;

#[derive(Serialize)]
struct ExploreJson {
    file: String,
    name: String,
    ok: bool,
    expected: String,
    strategy: &'static str,
    depth: Option<u32>,
    seeds: String,
    schedules: u64,
    failures: u64,
    outcomes: std::collections::BTreeMap<String, u64>,
    first_failure: Option<FailureJson>,
    replay: String,
    elapsed_ms: u64,
}

#[derive(Serialize)]
struct FailureJson {
    seed: u64,
    outcome: String,
    message: String,
    steps: u64,
    trace_hash: String,
    /// The saved decision log, or `null` with `--no-save`.
    decisions: Option<String>,
}

/// Runs `taintsim explore`.
pub fn explore(registry: &Registry, args: &ExploreArgs) -> anyhow::Result<Status> {
    let scenario = common::load_scenario(registry, &args.file, &args.set)?;
    let mut options = ExploreOptions::from(&scenario.explore);
    if let Some(s) = args.strategy {
        options.strategy = s.into();
    }
    if let Some(d) = args.depth {
        options.depth = d;
    }
    if let Some(s) = args.seeds {
        options.seeds = s;
    }
    if let Some(m) = args.max_steps {
        options.max_steps = m;
    }
    if args.stop_on_failure {
        options.stop_on_failure = true;
    }
    if args.no_stop_on_failure {
        options.stop_on_failure = false;
    }
    // A claim about every schedule needs every schedule run: stopping at the first failure
    // would let the verdict rest on schedules that never ran.
    if scenario.expect.on_every_schedule() && options.stop_on_failure {
        if args.stop_on_failure {
            eprintln!(
                "note: {} expects its failure on every schedule, so the search runs every seed (--stop-on-failure ignored)",
                args.file.display()
            );
        }
        options.stop_on_failure = false;
    }
    if options.strategy == StrategyName::Exhaustive {
        return crate::exhaustive::explore(args, &scenario);
    }
    if args.max_schedules.is_some() || args.reduction.is_some() {
        bail!("--max-schedules and --reduction apply to --strategy exhaustive only");
    }
    if options.strategy == StrategyName::Pct && options.depth == 0 {
        bail!("--depth must be at least 1 for pct");
    }

    if args.split_depth.is_some() {
        bail!("--split-depth applies to --strategy exhaustive only");
    }
    if let Some(shard) = &args.shard {
        return crate::shard::explore_seeds(args, &scenario, &options, shard);
    }

    let started = Instant::now();
    let bar = Bar::new(
        common::show_progress(args.json),
        options.seeds.len(),
        &scenario.name,
    );
    let summary = explore_jobs(&scenario, &options, args.jobs.get(), &mut |p| bar.update(p));
    bar.finish();
    let summary =
        summary.map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", args.file.display()))?;
    print_explore(&ExploreReport {
        file: &args.file,
        scenario: &scenario,
        options: &options,
        summary,
        save: (!args.no_save).then_some(args.save.as_path()),
        set: &args.set,
        json: args.json,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// What `explore` prints for a random or PCT search, and `merge` for merged shards.
pub(crate) struct ExploreReport<'a> {
    /// The scenario file, as given.
    pub file: &'a Path,
    /// The scenario, with its overrides.
    pub scenario: &'a Scenario,
    /// The search's settings.
    pub options: &'a ExploreOptions,
    /// What it found.
    pub summary: ExploreSummary,
    /// Where to save the first failure's decision log (`None`: `--no-save`).
    pub save: Option<&'a Path>,
    /// The `--set` overrides, for the replay command.
    pub set: &'a SetArgs,
    /// Print JSON.
    pub json: bool,
    /// Wall-clock milliseconds.
    pub elapsed_ms: u64,
}

/// Saves the first failure's decision log and prints the report (text or JSON).
pub(crate) fn print_explore(report: &ExploreReport<'_>) -> anyhow::Result<Status> {
    let ExploreReport {
        file,
        scenario,
        options,
        summary,
        save,
        set,
        json,
        elapsed_ms,
    } = report;
    let elapsed_ms = *elapsed_ms;
    let strategy = match options.strategy {
        StrategyName::Pct => "pct",
        _ => "random",
    };
    let saved = match (&summary.first_failure, save) {
        (Some(f), Some(dir)) => Some(save_decisions(
            dir,
            &scenario.name,
            f.seed,
            &f.result.report.decisions,
        )?),
        _ => None,
    };
    // The saved log if there is one, else the first failure's seed, else the first seed.
    let schedule = match (&summary.first_failure, &saved) {
        (Some(f), Some(path)) => Schedule::Saved {
            path: path.clone(),
            log: f.result.report.decisions.clone(),
        },
        (first, _) => {
            let seed = first.as_ref().map_or(options.seeds.start, |f| f.seed);
            match options.strategy {
                StrategyName::Pct => Schedule::Pct {
                    seed,
                    depth: options.depth,
                    seeds: options.seeds,
                },
                _ => Schedule::Random(seed),
            }
        }
    };
    let replay = replay_line(file, scenario, &schedule, options.max_steps, set);
    let status = if summary.ok {
        Status::Ok
    } else {
        Status::Failed
    };

    if *json {
        let out = ExploreJson {
            file: file.display().to_string(),
            name: scenario.name.clone(),
            ok: summary.ok,
            expected: expectation_short(&scenario.expect),
            strategy,
            depth: (options.strategy == StrategyName::Pct).then_some(options.depth),
            seeds: options.seeds.to_string(),
            schedules: summary.schedules,
            failures: summary.failures,
            outcomes: summary.outcomes.clone(),
            first_failure: summary.first_failure.as_ref().map(|f| FailureJson {
                seed: f.seed,
                outcome: common::outcome_tag(&f.result.observed),
                message: f.result.observed.message(),
                steps: f.result.report.steps,
                trace_hash: hex_hash(f.result.report.trace.hash()),
                decisions: saved.as_ref().map(|p| p.display().to_string()),
            }),
            replay,
            elapsed_ms,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(status);
    }

    let how = match options.strategy {
        StrategyName::Pct => format!("pct depth {}", options.depth),
        _ => strategy.to_owned(),
    };
    let counts: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!("{} ({})", scenario.name, file.display());
    println!(
        "{how}, seeds {}: {} schedule{}, {} failure{} in {elapsed_ms} ms ({})",
        options.seeds,
        summary.schedules,
        if summary.schedules == 1 { "" } else { "s" },
        summary.failures,
        if summary.failures == 1 { "" } else { "s" },
        counts.join(", ")
    );
    let verdict = if summary.ok { "holds" } else { "does NOT hold" };
    println!(
        "expectation: {} — {verdict}",
        describe_expectation(&scenario.expect)
    );
    match &summary.first_failure {
        Some(f) => {
            println!(
                "first failure: seed {}: {}",
                f.seed,
                f.result.observed.message()
            );
            println!(
                "  {} steps, trace hash {}",
                f.result.report.steps,
                hex_hash(f.result.report.trace.hash())
            );
            if let Some(path) = &saved {
                println!("  decisions saved to {}", path.display());
            }
        }
        None => println!("no schedule failed"),
    }
    println!("replay: {replay}");
    Ok(status)
}
