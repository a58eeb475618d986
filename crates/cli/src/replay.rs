//! `taintsim replay` and `taintsim trace`: run exactly one schedule.

use std::io::Write as _;
use taintsim_plugin::Registry;

use anyhow::{Context as _, bail};
use serde::Serialize;
use taintsim_check::{RunResult, Schedule, describe_expectation, run_schedule};
use taintsim_scenario::format::Scenario;
use taintsim_sim::TraceEntry;

use crate::Status;
use crate::cli::{OneRunArgs, ReplayArgs, TraceArgs, TraceFormat};
use crate::common::{self, hex_hash, replay_line};

/// One run, with what is needed to describe it.
struct OneRun {
    scenario: Scenario,
    /// The schedule that ran.
    schedule: Schedule,
    /// Its step bound.
    max_steps: u64,
    /// How the schedule was chosen, in words.
    words: String,
    result: RunResult,
}

fn one_run(registry: &Registry, args: &OneRunArgs) -> anyhow::Result<OneRun> {
    let scenario = common::load_scenario(registry, &args.file, &args.set)?;
    let explore = &scenario.explore;
    let max_steps = args.max_steps.unwrap_or(explore.max_steps);
    let (schedule, words) = common::chosen_schedule(args, &scenario, max_steps)?;
    let result = run_schedule(&scenario, schedule.clone(), max_steps)
        .map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", args.file.display()))?;
    Ok(OneRun {
        scenario,
        schedule,
        max_steps,
        words,
        result,
    })
}

#[derive(Serialize)]
struct ReplayJson<'a> {
    file: String,
    name: &'a str,
    outcome: String,
    message: String,
    steps: u64,
    trace_hash: String,
    ok: bool,
    expected: String,
    observed: &'a taintsim_check::Observed,
    replay: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<&'a [TraceEntry]>,
}

/// Runs `taintsim replay`.
pub fn replay(registry: &Registry, args: &ReplayArgs) -> anyhow::Result<Status> {
    match args.trace {
        Some(TraceFormat::Svg | TraceFormat::Html) => bail!(picture_in_replay()),
        Some(TraceFormat::Text) if args.json => {
            bail!("--json holds the trace only as JSON: use --trace json with --json")
        }
        _ => {}
    }
    let run = one_run(registry, &args.run)?;
    let observed = &run.result.observed;
    let report = &run.result.report;
    let ok = observed.matches(&run.scenario.expect);
    let replay = replay_line(
        &args.run.file,
        &run.scenario,
        &run.schedule,
        run.max_steps,
        &args.run.set,
    );
    let status = if ok { Status::Ok } else { Status::Failed };

    if args.json {
        let out = ReplayJson {
            file: args.run.file.display().to_string(),
            name: &run.scenario.name,
            outcome: common::outcome_tag(observed),
            message: observed.message(),
            steps: report.steps,
            trace_hash: hex_hash(report.trace.hash()),
            ok,
            expected: taintsim_check::expectation_short(&run.scenario.expect),
            observed,
            replay,
            trace: (args.trace == Some(TraceFormat::Json)).then_some(&report.trace.entries[..]),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(status);
    }

    match args.trace {
        Some(TraceFormat::Text) => print!("{}", report.trace.to_text()),
        Some(TraceFormat::Json) => {
            println!("{}", serde_json::to_string_pretty(&report.trace.entries)?)
        }
        _ => {}
    }
    println!(
        "{} ({}): {}",
        run.scenario.name,
        args.run.file.display(),
        run.words
    );
    println!("outcome: {}: {}", observed.short(), observed.message());
    println!(
        "{} steps, trace hash {}",
        report.steps,
        hex_hash(report.trace.hash())
    );
    println!(
        "expectation: {} — {}",
        describe_expectation(&run.scenario.expect),
        if ok { "matches" } else { "does NOT match" }
    );
    println!("replay: {replay}");
    Ok(status)
}

/// Runs `taintsim trace`.
pub fn trace(registry: &Registry, args: &TraceArgs) -> anyhow::Result<Status> {
    let run = one_run(registry, &args.run)?;
    let report = &run.result.report;
    let title = format!("{}: {}", run.scenario.name, run.words);
    let text = match args.format {
        TraceFormat::Json => serde_json::to_string_pretty(&report.trace.entries)? + "\n",
        TraceFormat::Text => report.trace.to_text(),
        TraceFormat::Svg => taintsim_render::render_svg(&run.result, &title),
        TraceFormat::Html => taintsim_render::render_html(&run.result, &title),
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("cannot write the trace")?,
    }
    eprintln!(
        "{}: {} steps, outcome {}, trace hash {}{}",
        run.words,
        report.steps,
        run.result.observed.short(),
        hex_hash(report.trace.hash()),
        args.output
            .as_ref()
            .map(|p| format!(", written to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(Status::Ok)
}

fn picture_in_replay() -> &'static str {
    "replay prints traces as text or json; draw one with `taintsim trace FILE --seed N --format svg -o run.svg` (or --format html)"
}
