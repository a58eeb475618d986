//! `taintsim explore --shard I/N --out FILE`: one part of a search, written to a shard result
//! file for `taintsim merge` (the search and the file are `taintsim_check`'s: `explore_shard`,
//! `exhaustive_shard`, `shard_file`).
//!
//! A shard cannot judge the scenario's expectation alone (the expected failure may be in
//! another shard's part), so it exits 0 whenever it wrote its file, whatever it found; the
//! merge judges. That also keeps a Kubernetes Indexed Job from retrying a pod that found a
//! bug.

use std::path::PathBuf;

use anyhow::Context as _;
use taintsim_check::shard::JOB_COMPLETION_INDEX;
use taintsim_check::shard_file::{ScenarioId, ShardFile, ShardResult, content_hash};
use taintsim_check::{ExhaustiveOptions, ExploreOptions, Shard, exhaustive_shard, explore_shard};
use taintsim_scenario::format::Scenario;

use crate::Status;
use crate::cli::ExploreArgs;
use crate::common;
use crate::progress::Bar;

/// Parses `--shard`, reading `JOB_COMPLETION_INDEX` for `/N`.
fn parse(text: &str) -> anyhow::Result<Shard> {
    let index = std::env::var(JOB_COMPLETION_INDEX).ok();
    Shard::parse(text, index.as_deref()).map_err(|e| anyhow::anyhow!("--shard {e}"))
}

fn id(args: &ExploreArgs, scenario: &Scenario) -> anyhow::Result<ScenarioId> {
    Ok(ScenarioId {
        file: args.file.display().to_string(),
        name: scenario.name.clone(),
        content_hash: content_hash(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?,
    })
}

/// One shard of a random or PCT search.
pub fn explore_seeds(
    args: &ExploreArgs,
    scenario: &Scenario,
    options: &ExploreOptions,
    shard: &str,
) -> anyhow::Result<Status> {
    let shard = parse(shard)?;
    let layout = args.shard_layout.map(Into::into).unwrap_or_default();
    let total = shard.seeds(options.seeds, layout).len();
    let bar = Bar::new(common::show_progress(args.json), total, &scenario.name);
    let file = explore_shard(
        id(args, scenario)?,
        scenario,
        options,
        layout,
        shard,
        &args.set.sets,
        args.jobs.get(),
        &mut |p| bar.update(p),
    );
    bar.finish();
    let file = file.map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", args.file.display()))?;
    write(args, &file)
}

/// One shard of a split exhaustive search.
pub fn explore_subtrees(
    args: &ExploreArgs,
    scenario: &Scenario,
    options: &ExhaustiveOptions,
    shard: &str,
) -> anyhow::Result<Status> {
    let shard = parse(shard)?;
    if options.split_depth == 0 && shard.count > 1 {
        tracing::warn!(
            "--split-depth 0: the search is one subtree, which shard 0 searches; the other \
             shards only check that; give --split-depth to share the work"
        );
    }
    let bar = Bar::new(
        common::show_progress(args.json),
        options.max_schedules,
        &scenario.name,
    );
    let file = exhaustive_shard(
        id(args, scenario)?,
        scenario,
        options,
        shard,
        &args.set.sets,
        args.jobs.get(),
        &mut |p| bar.update(p),
    );
    bar.finish();
    let file = file.map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", args.file.display()))?;
    write(args, &file)
}

/// Writes the shard file to `--out` (default `shard-I.json`) and says what it holds.
fn write(args: &ExploreArgs, file: &ShardFile) -> anyhow::Result<Status> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("shard-{}.json", file.shard.index)));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    }
    std::fs::write(&out, file.to_json())
        .with_context(|| format!("cannot write {}", out.display()))?;
    if args.json {
        print!("{}", file.to_json());
        return Ok(Status::Ok);
    }
    let what = match &file.result {
        ShardResult::Seeds(r) => format!(
            "{} schedule{}, {} failure{}",
            r.schedules,
            plural(r.schedules),
            r.failures,
            plural(r.failures)
        ),
        ShardResult::Subtrees(r) => {
            let schedules: u64 = r.subtrees.iter().map(|s| s.schedules).sum();
            let failures: u64 = r.subtrees.iter().map(|s| s.failures).sum();
            format!(
                "{} of {} subtrees, {schedules} schedule{}, {failures} failure{}",
                r.subtrees.len(),
                r.total,
                plural(schedules),
                plural(failures)
            )
        }
    };
    println!(
        "{} ({}) shard {}: {what} in {} ms; wrote {} (`taintsim merge` combines the shards)",
        file.scenario.name,
        file.scenario.file,
        file.shard,
        file.elapsed_ms,
        out.display()
    );
    Ok(Status::Ok)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
