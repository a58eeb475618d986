//! `taintsim shrink`: minimise a failing run into a scenario file with a recorded decision
//! log, and `taintsim import-fuzz` (in [`crate::import_fuzz`]) shares its output checks.

use std::path::{Path, PathBuf};
use std::time::Instant;
use taintsim_plugin::Registry;

use anyhow::{Context as _, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use taintsim_check::{Observed, Schedule, run_schedule};
use taintsim_scenario::format::Scenario;
use taintsim_scenario::load;
use taintsim_shrink::{
    FailureKey, Phase, ShrinkError, ShrinkOptions, ShrinkProgress, Size, shrink_with_progress,
};
use taintsim_sim::DecisionLog;

use crate::Status;
use crate::cli::OneRunArgs;
use crate::common::{self, show_progress};

/// `taintsim shrink`.
#[derive(Debug, Args)]
pub struct ShrinkArgs {
    /// The failing run: the scenario file and its schedule (`--seed N [--strategy ...]`,
    /// `--decisions PATH`, or the file's recorded decisions), as for `taintsim replay`.
    #[command(flatten)]
    pub run: OneRunArgs,
    /// Where to write the shrunk scenario file (folders are created).
    #[arg(short = 'o', long = "output", value_name = "OUT", required = true)]
    pub output: PathBuf,
    /// The shrunk scenario's `name` (default: OUT's file name without `.json`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Stop after this many runs and keep the smallest failing case so far.
    #[arg(long, value_name = "N", default_value_t = ShrinkOptions::default().max_runs)]
    pub max_runs: u64,
    /// Random seeds to try per candidate when the current decision log no longer makes it
    /// fail.
    #[arg(long, value_name = "N", default_value_t = ShrinkOptions::default().seeds_per_candidate)]
    pub seeds_per_candidate: u64,
    /// A coverage mark (as `taintsim trace` shows them in braces) that every kept candidate
    /// must also pass, to keep the failure's mechanism and not only its site (repeatable),
    /// e.g. `--keep-mark queue.v0.restore-nil-after-cancel`.
    #[arg(long = "keep-mark", value_name = "MARK")]
    pub keep_marks: Vec<String>,
    /// Worker threads.
    #[command(flatten)]
    pub jobs: crate::cli::JobsArg,
    /// Print one JSON object: `{"file", "output", "name", "schedule", "failure", "before", "after",
    /// "needed_decisions", "runs", "elapsed_ms", "replays", "replay", "run"}`.
    #[arg(long)]
    pub json: bool,
}

/// The progress bar: runs against the budget, the phase and the current size.
struct Bar(Option<ProgressBar>);

impl Bar {
    fn new(visible: bool, max_runs: u64) -> Self {
        if !visible {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(Some(max_runs), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "shrink [{elapsed_precise}] {wide_bar} {pos}/{len} runs, {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Self(Some(bar))
    }

    fn update(&self, p: &ShrinkProgress) {
        if let Some(bar) = &self.0 {
            let phase = match p.phase {
                Phase::Events => "events",
                Phase::Simplify => "objects",
                Phase::Schedule => "schedule",
            };
            bar.set_position(p.runs);
            bar.set_message(format!(
                "{phase}: {} steps, {} objects, {} decisions",
                p.current.steps, p.current.objects, p.current.decisions
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Writes `scenario` to `path` as a scenario file, creating folders.
pub fn write_scenario(path: &Path, scenario: &Scenario) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(scenario).context("cannot serialise the scenario")?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

/// Loads the written file again and replays its recorded decisions: the outcome, and whether
/// it is what the file expects.
pub fn check_written(registry: &Registry, path: &Path) -> anyhow::Result<(Observed, bool)> {
    let scenario = load::load_file(path, registry)?;
    if scenario.decisions.is_none() {
        bail!("{}: no recorded decisions were written", path.display());
    }
    let r = run_schedule(&scenario, Schedule::Recorded, scenario.explore.max_steps)
        .map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", path.display()))?;
    let ok = r.observed.matches(&scenario.expect);
    Ok((r.observed, ok))
}

/// The default scenario name for a file written to `path`: its file name without `.json`.
pub fn name_for(path: &Path) -> Option<String> {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
}

#[derive(Serialize)]
struct ShrinkJson<'a> {
    file: String,
    output: String,
    name: &'a str,
    schedule: &'a str,
    failure: &'a Observed,
    before: Size,
    after: Size,
    needed_decisions: usize,
    runs: u64,
    elapsed_ms: u64,
    replays: bool,
    replay: String,
    run: String,
}

/// Runs `taintsim shrink`.
pub fn shrink(registry: &Registry, args: &ShrinkArgs) -> anyhow::Result<Status> {
    let started = Instant::now();
    let scenario = common::load_scenario(registry, &args.run.file, &args.run.set)?;
    let max_steps = args.run.max_steps.unwrap_or(scenario.explore.max_steps);
    let (schedule, words) = common::chosen_schedule(&args.run, &scenario, max_steps)?;
    let options = ShrinkOptions {
        seeds_per_candidate: args.seeds_per_candidate,
        max_steps,
        max_runs: args.max_runs.max(1),
        keep_marks: args.keep_marks.clone(),
        jobs: args.jobs.get(),
    };
    let bar = Bar::new(show_progress(args.json), options.max_runs);
    let shrunk = shrink_with_progress(&scenario, schedule, &options, &mut |p| bar.update(p));
    bar.finish();
    let mut shrunk = match shrunk {
        Ok(s) => s,
        Err(ShrinkError::NotFailing(outcome)) => bail!(
            "{}: {words}: the run passes ({outcome}); there is nothing to shrink. Find a failing \
             schedule with `taintsim explore {}`",
            args.run.file.display(),
            args.run.file.display()
        ),
        Err(ShrinkError::Run(e)) => bail!("{}: cannot run: {e}", args.run.file.display()),
        Err(e @ ShrinkError::MissingMark(_)) => bail!(
            "{}: {words}: {e} (`taintsim trace {} ... --format text` lists the marks in braces)",
            args.run.file.display(),
            args.run.file.display()
        ),
    };
    if let Some(name) = args.name.clone().or_else(|| name_for(&args.output)) {
        shrunk.scenario.name = name;
    }
    // The overrides are part of what failed: the file records them in its behaviour.
    write_scenario(&args.output, &shrunk.scenario)?;
    let (observed, matches) = check_written(registry, &args.output)?;
    let replays = FailureKey::of(&observed) == FailureKey::of(&shrunk.observed);
    let out = args.output.display().to_string();
    let replay = format!("taintsim replay {}", common::shell_quote(&out));
    let run = format!("taintsim run {}", common::shell_quote(&out));
    let elapsed_ms = started.elapsed().as_millis() as u64;

    if args.json {
        let json = ShrinkJson {
            file: args.run.file.display().to_string(),
            output: out,
            name: &shrunk.scenario.name,
            schedule: &words,
            failure: &shrunk.observed,
            before: shrunk.before,
            after: shrunk.after,
            needed_decisions: shrunk.forced,
            runs: shrunk.runs,
            elapsed_ms,
            replays,
            replay,
            run,
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!(
            "shrunk {} ({words}) in {} runs, {:.1} s",
            args.run.file.display(),
            shrunk.runs,
            elapsed_ms as f64 / 1000.0
        );
        println!(
            "{:>10} {:>7} {:>8} {:>10} {:>9}",
            "", "steps", "objects", "decisions", "switches"
        );
        for (label, s) in [("before", shrunk.before), ("after", shrunk.after)] {
            println!(
                "{label:>10} {:>7} {:>8} {:>10} {:>9}",
                s.steps, s.objects, s.decisions, s.switches
            );
        }
        println!(
            "the failure needs the first {} of the {} recorded decisions",
            shrunk.forced,
            shrunk
                .scenario
                .decisions
                .as_ref()
                .map_or(0, DecisionLog::len)
        );
        println!("failure: {}", shrunk.observed.message());
        println!(
            "wrote {out}; its recorded decisions {}: {}",
            if replays {
                "replay the same failure"
            } else {
                "do NOT replay the expected failure"
            },
            observed.message()
        );
        if !matches {
            println!(
                "note: the scenario format cannot expect this kind of failure, so the file \
                 expects `pass` and `taintsim run` fails on it until the bug is fixed"
            );
        }
        println!("replay: {replay}");
        println!("run:    {run}");
    }
    Ok(if replays { Status::Ok } else { Status::Failed })
}
