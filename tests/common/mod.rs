//! Shared helpers of the scenario crate's integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use taintsim_check::{Schedule, run_schedule};
use taintsim_scenario::format::Scenario;
use taintsim_scenario::load::load_file;

/// How many seeds the determinism tests run.
pub const DETERMINISM_SEEDS: u64 = 1000;

/// A fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A bundled scenario under the workspace's `scenarios/`.
pub fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// The world the determinism tests run: TestEviction/update with the fixed controller.
pub fn determinism_world() -> Scenario {
    load_file(&fixture("determinism-world.json"), &taintsim::controllers())
        .expect("the fixture loads")
}

/// The trace hash of one random schedule.
pub fn trace_hash(scenario: &Scenario, seed: u64) -> u64 {
    let result = run_schedule(scenario, Schedule::Random(seed), 20_000).expect("the scenario runs");
    assert!(
        result.observed.is_pass(),
        "seed {seed}: {}",
        result.observed.message()
    );
    result.report.trace.hash()
}
