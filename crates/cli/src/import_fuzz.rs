//! `taintsim import-fuzz`: a crash artifact of the `event_sequence` fuzz target becomes a
//! scenario file that replays the failure.

use std::path::PathBuf;
use taintsim_plugin::Registry;

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Serialize;
use taintsim_check::Observed;
use taintsim_generate as generate;

use crate::Status;
use crate::cli::SetArgs;
use crate::common::shell_quote;
use crate::shrink::{check_written, name_for, write_scenario};

/// `taintsim import-fuzz`.
#[derive(Debug, Args)]
pub struct ImportFuzzArgs {
    /// The crash artifact (`fuzz/artifacts/event_sequence/crash-*`), or any input of the
    /// `event_sequence` target.
    #[arg(value_name = "ARTIFACT")]
    pub artifact: PathBuf,
    /// Where to write the scenario file (folders are created).
    #[arg(short = 'o', long = "output", value_name = "OUT", required = true)]
    pub output: PathBuf,
    /// The scenario's `name` (default: OUT's file name without `.json`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The overrides the target ran with (`TAINTSIM_FUZZ_SET`), e.g. `--set queue=v2`
    /// (repeatable); by default the fixed controller, as the target runs it.
    #[command(flatten)]
    pub set: SetArgs,
    /// Print one JSON object: `{"artifact", "output", "name", "objects", "steps", "decisions",
    /// "expect", "failure", "replays", "shrink"}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ImportJson<'a> {
    artifact: String,
    output: String,
    name: &'a str,
    objects: usize,
    steps: usize,
    decisions: usize,
    expect: String,
    failure: &'a Observed,
    replays: bool,
    shrink: String,
}

/// Runs `taintsim import-fuzz`.
pub fn import_fuzz(registry: &Registry, args: &ImportFuzzArgs) -> anyhow::Result<Status> {
    let bytes = std::fs::read(&args.artifact)
        .with_context(|| format!("cannot read {}", args.artifact.display()))?;
    let mut behavior = generate::fixed_behavior();
    args.set.apply(&mut behavior);
    let mut scenario = match generate::import_fuzz_artifact_with(registry, &bytes, behavior) {
        Ok(s) => s,
        Err(e) => bail!(
            "{}: {e} (the event_sequence target decodes it to a case this controller passes: \
             is it an artifact of another target, was it found with TAINTSIM_FUZZ_SET (give \
             the same overrides with --set), or was the bug fixed?)",
            args.artifact.display()
        ),
    };
    if let Some(name) = args.name.clone().or_else(|| name_for(&args.output)) {
        scenario.name = name;
    }
    write_scenario(&args.output, &scenario)?;
    let (observed, matches) = check_written(registry, &args.output)?;
    let replays = !observed.is_pass();
    let out = args.output.display().to_string();
    let shrink = format!(
        "taintsim shrink {} -o {}",
        shell_quote(&out),
        shell_quote(&out)
    );
    let decisions = scenario.decisions.as_ref().map_or(0, |d| d.len());
    let expect = taintsim_check::expectation_short(&scenario.expect);
    if args.json {
        let json = ImportJson {
            artifact: args.artifact.display().to_string(),
            output: out,
            name: &scenario.name,
            objects: scenario.objects.len(),
            steps: scenario.steps.len(),
            decisions,
            expect,
            failure: &observed,
            replays,
            shrink,
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!(
            "wrote {out}: {} objects, {} steps, {decisions} recorded decisions, expect {expect}",
            scenario.objects.len(),
            scenario.steps.len()
        );
        println!(
            "replay: {}: {}",
            if replays {
                "reproduces the failure"
            } else {
                "does NOT reproduce the failure"
            },
            observed.message()
        );
        if replays && !matches {
            println!(
                "note: the scenario format cannot expect this kind of failure, so the file \
                 expects `pass` and `taintsim run` fails on it until the bug is fixed"
            );
        }
        println!("shrink it: {shrink}");
    }
    Ok(if replays { Status::Ok } else { Status::Failed })
}
