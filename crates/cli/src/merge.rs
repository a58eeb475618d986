//! `taintsim merge`: shard result files combined into the result one process would have
//! given (`taintsim_check::merge` checks and combines them), printed as `explore` prints it.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use taintsim_check::merge::{MergedSearch, merge as merge_files};
use taintsim_check::{Searched, Verdict, explore_verdict, search_verdict};
use taintsim_plugin::Registry;

use crate::Status;
use crate::cli::{DEFAULT_SAVE_DIR, SetArgs};
use crate::explore::{ExploreReport, print_explore};
use crate::run::ScenarioReport;

/// `taintsim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard result files (`explore --shard I/N --out FILE`), one per shard.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON object, the one `explore --json` prints for the whole search.
    #[arg(long)]
    pub json: bool,
    /// Also write a JUnit XML report (one testcase: the scenario) to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Where to save the first failure's decision log, as `explore` names it.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_SAVE_DIR)]
    pub save: PathBuf,
    /// Do not save the first failure's decision log.
    #[arg(long, conflicts_with = "save")]
    pub no_save: bool,
}

/// Runs `taintsim merge`.
pub fn merge(registry: &Registry, args: &MergeArgs) -> anyhow::Result<Status> {
    let merged = merge_files(registry, &args.files)?;
    let set = SetArgs {
        sets: merged.sets.clone(),
    };
    let save = (!args.no_save).then_some(args.save.as_path());
    let overrides = set.overrides(save);
    let (file, scenario) = (&merged.file, &merged.scenario);
    match merged.search {
        MergedSearch::Explore { options, summary } => {
            if let Some(junit) = &args.junit {
                let mut verdict =
                    explore_verdict(file, scenario, &options, summary.clone(), &overrides);
                verdict.elapsed_ms = merged.elapsed_ms;
                write_junit(junit, verdict, &set)?;
            }
            print_explore(&ExploreReport {
                file,
                scenario,
                options: &options,
                summary,
                save,
                set: &set,
                json: args.json,
                elapsed_ms: merged.elapsed_ms,
            })
        }
        MergedSearch::Exhaustive { options, summary } => {
            let searched = Searched::finish(
                file,
                scenario,
                options,
                summary,
                &overrides,
                merged.elapsed_ms,
            )?;
            if let Some(junit) = &args.junit {
                write_junit(junit, search_verdict(file, scenario, &searched), &set)?;
            }
            crate::exhaustive::print_searched(file, scenario, &searched, args.json)
        }
    }
}

fn write_junit(path: &Path, verdict: Verdict, set: &SetArgs) -> anyhow::Result<()> {
    let elapsed_ms = verdict.elapsed_ms;
    let report = ScenarioReport {
        file: verdict.file.display().to_string(),
        result: Ok(verdict),
        elapsed_ms,
    };
    let xml = crate::junit::render(&[report], elapsed_ms, set);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    }
    std::fs::write(path, xml)
        .with_context(|| format!("cannot write the JUnit report {}", path.display()))
}
