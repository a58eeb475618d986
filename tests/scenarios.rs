//! Every bundled scenario file (`scenarios/**/*.json`) is its own test, named by its path
//! (`scenarios/regressions/queue-v2.json`), judged exactly as `taintsim run scenarios/` judges
//! it, through the library API (`taintsim::Scenario::check`). The files are the ones
//! `taintsim run` finds (`find_scenarios`), so a file added to `scenarios/` is a test without
//! touching this one.
//!
//! `cargo test --test scenarios -- updatework` and `cargo nextest run -E 'test(updatework)'`
//! run the files whose path contains `updatework`. A failure prints what `taintsim run`
//! prints for it, ending with the `taintsim replay ...` command that re-runs it.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use taintsim::scenario::load::find_scenarios;

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = find_scenarios(&root.join("scenarios")).unwrap_or_else(|e| {
        panic!("cannot list {}/scenarios: {e}", root.display());
    });
    assert!(!files.is_empty(), "no bundled scenario files found");
    let trials = files
        .into_iter()
        .map(|file| {
            let name = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            Trial::test(name, move || check(file))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Loads and judges one file; the failure message is `taintsim run`'s report of it.
fn check(file: PathBuf) -> Result<(), Failed> {
    let verdict = taintsim::Scenario::load(&file)
        .and_then(|scenario| scenario.check())
        .map_err(|e| Failed::from(format!("ERROR {e}")))?;
    verdict
        .into_result()
        .map(drop)
        .map_err(|e| e.to_string().into())
}
