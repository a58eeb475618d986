//! Bytes become a generated case (world, actor steps, schedule seed) through `arbitrary`; the
//! fixed controller must pass every oracle on it. A crash artifact converts into a scenario
//! file with `taintsim import-fuzz ARTIFACT -o scenarios/regressions/NAME.json`.
//!
//! `TAINTSIM_FUZZ_SET=queue=v2` (comma-separated `KEY=VALUE`, see `taintsim keys`) fuzzes the
//! fixed controller with those overrides instead, to watch the fuzzer find a catalogued bug;
//! import such artifacts with the same `--set`.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use taintsim_plugin::{Behavior, Registry};
use taintsim_generate::{FUZZ_SET_ENV, FuzzVerdict, behavior_with, check_with, decode};

/// The controllers of this build and the behaviour to fuzz, read once.
fn setup() -> &'static (Registry, Behavior) {
    static SETUP: OnceLock<(Registry, Behavior)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let registry = taintsim::controllers();
        let sets = std::env::var(FUZZ_SET_ENV).unwrap_or_default();
        let behavior = behavior_with(&registry, &sets).unwrap_or_else(|e| panic!("{e}"));
        (registry, behavior)
    })
}

fuzz_target!(|data: &[u8]| {
    let case = decode(data);
    let (registry, behavior) = setup();
    if let FuzzVerdict::Failure {
        scenario, message, ..
    } = check_with(registry, &case, behavior.clone())
    {
        panic!(
            "the controller fails a generated case: {message}\ncase: {}\nscenario:\n{}",
            serde_json::to_string(&case).unwrap_or_default(),
            serde_json::to_string_pretty(&scenario).unwrap_or_default()
        );
    }
});
