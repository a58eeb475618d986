//! `taintsim stress`: the scenario's object changes on the tokio back end, in a loop (the
//! baseline, like upstream's `stress ./devicetainteviction.test`).

use std::path::PathBuf;
use std::time::Duration;
use taintsim_plugin::Registry;

use anyhow::bail;
use clap::Args;
use serde::Serialize;
use taintsim_check::describe_expectation;
use taintsim_check::{Progress, expectation_short};
use taintsim_scenario::duration::ScenarioDuration;
use taintsim_scenario::format::Expectation;
use taintsim_stress::{StressLimit, StressOptions, stress as run_stress};

use crate::Status;
use crate::cli::SetArgs;
use crate::common;
use crate::progress::Bar;

/// `taintsim stress`.
#[derive(Debug, Args)]
pub struct StressArgs {
    /// The scenario file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Worker threads of each run's tokio runtime (default: one per CPU).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Keep starting runs until this much real time has passed, e.g. `10s` or `2m`.
    #[arg(long, value_name = "D", value_parser = parse_duration, conflicts_with = "runs")]
    pub duration: Option<Duration>,
    /// Make this many runs (default: 100 unless --duration is given).
    #[arg(long, value_name = "N")]
    pub runs: Option<u64>,
    /// How much faster than the wall clock the controller's clock runs: virtual durations
    /// (advance, within, tolerations, retry sleeps) shrink by this factor.
    #[arg(long, value_name = "S", default_value_t = 1000)]
    pub scale: u32,
    /// The real-time bound of one run; a run still busy after it fails.
    #[arg(long, value_name = "D", value_parser = parse_duration, default_value = "30s")]
    pub run_timeout: Duration,
    /// Stop after the first run that does not pass.
    #[arg(long)]
    pub stop_on_failure: bool,
    #[command(flatten)]
    pub set: SetArgs,
    /// Print one JSON object: `{"runs", "failures", "first_failure": {"run", "message",
    /// "elapsed_ms"} | null, "elapsed_ms", "threads", "scale", ...}`.
    #[arg(long)]
    pub json: bool,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    ScenarioDuration::parse(text).map(|d| d.0)
}

#[derive(Serialize)]
struct StressJson {
    file: String,
    name: String,
    ok: bool,
    expected: String,
    runs: u64,
    failures: u64,
    outcomes: std::collections::BTreeMap<String, u64>,
    first_failure: Option<FailureJson>,
    elapsed_ms: u64,
    threads: usize,
    scale: u32,
}

#[derive(Serialize)]
struct FailureJson {
    run: u64,
    outcome: String,
    message: String,
    elapsed_ms: u64,
}

/// Runs `taintsim stress`.
pub fn stress(registry: &Registry, args: &StressArgs) -> anyhow::Result<Status> {
    let scenario = common::load_scenario(registry, &args.file, &args.set)?;
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    if args.scale == 0 {
        bail!("--scale must be at least 1");
    }
    if args.runs == Some(0) {
        bail!("--runs must be at least 1");
    }
    let defaults = StressOptions::default();
    let limit = match (args.duration, args.runs) {
        (Some(d), _) => StressLimit::Duration(d),
        (None, Some(n)) => StressLimit::Runs(n),
        (None, None) => StressLimit::Runs(100),
    };
    let options = StressOptions {
        threads: args.threads.unwrap_or(defaults.threads),
        scale: args.scale,
        limit,
        stop_on_failure: args.stop_on_failure,
        run_timeout: args.run_timeout,
        ..defaults
    };

    // The bar counts runs; with --duration it counts milliseconds.
    let (total, by_time) = match limit {
        StressLimit::Runs(n) => (n, false),
        StressLimit::Duration(d) => (d.as_millis() as u64, true),
    };
    let unit = if by_time { "ms" } else { "runs" };
    let bar = Bar::counting(
        common::show_progress(args.json),
        total,
        &scenario.name,
        unit,
    );
    let summary = run_stress(&scenario, &options, &mut |p| {
        bar.update(&Progress {
            schedules: if by_time {
                (p.elapsed.as_millis() as u64).min(total)
            } else {
                p.runs
            },
            failures: p.failures,
            total,
        });
    });
    bar.finish();
    let summary =
        summary.map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", args.file.display()))?;
    let status = if summary.ok {
        Status::Ok
    } else {
        Status::Failed
    };
    let ms = |d: Duration| d.as_millis() as u64;

    if args.json {
        let out = StressJson {
            file: args.file.display().to_string(),
            name: scenario.name.clone(),
            ok: summary.ok,
            expected: expectation_short(&scenario.expect),
            runs: summary.runs,
            failures: summary.failures,
            outcomes: summary.outcomes.clone(),
            first_failure: summary.first_failure.as_ref().map(|f| FailureJson {
                run: f.run,
                outcome: common::outcome_tag(&f.observed),
                message: f.observed.message(),
                elapsed_ms: ms(f.elapsed),
            }),
            elapsed_ms: ms(summary.elapsed),
            threads: summary.threads,
            scale: summary.scale,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(status);
    }

    let counts: Vec<String> = summary
        .outcomes
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!("{} ({})", scenario.name, args.file.display());
    println!(
        "tokio, {} thread{}, time x{}: {} run{}, {} failure{} in {} ms ({})",
        summary.threads,
        if summary.threads == 1 { "" } else { "s" },
        summary.scale,
        summary.runs,
        if summary.runs == 1 { "" } else { "s" },
        summary.failures,
        if summary.failures == 1 { "" } else { "s" },
        ms(summary.elapsed),
        if counts.is_empty() {
            "no runs".to_owned()
        } else {
            counts.join(", ")
        }
    );
    let verdict = if summary.ok { "holds" } else { "does NOT hold" };
    println!(
        "expectation: {} — {verdict}",
        describe_expectation(&scenario.expect)
    );
    match &summary.first_failure {
        Some(f) => println!(
            "first failure: run {} after {} ms: {}",
            f.run,
            ms(f.elapsed),
            f.observed.message()
        ),
        None => println!("no run failed"),
    }
    if let (Some(e), Some(f)) = (&summary.first_expected, &summary.first_failure)
        && e.run != f.run
    {
        println!(
            "first expected failure: run {} after {} ms: {}",
            e.run,
            ms(e.elapsed),
            e.observed.message()
        );
    }
    if !summary.ok && scenario.expect != Expectation::Pass && summary.first_expected.is_none() {
        println!(
            "(stress runs are not replayable; `taintsim explore {}` searches schedules \
             deterministically)",
            common::shell_quote(&args.file.display().to_string())
        );
    }
    Ok(status)
}
