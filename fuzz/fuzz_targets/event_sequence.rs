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
use taintsim_controller_device::behavior::Behavior;
use taintsim_scenario::generate::{FUZZ_SET_ENV, FuzzVerdict, behavior_with, check_with, decode};

fn behavior() -> Behavior {
    static BEHAVIOR: OnceLock<Behavior> = OnceLock::new();
    *BEHAVIOR.get_or_init(|| {
        let sets = std::env::var(FUZZ_SET_ENV).unwrap_or_default();
        behavior_with(&sets).unwrap_or_else(|e| panic!("{e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let case = decode(data);
    if let FuzzVerdict::Failure {
        scenario, message, ..
    } = check_with(&case, behavior())
    {
        panic!(
            "the controller fails a generated case: {message}\ncase: {}\nscenario:\n{}",
            serde_json::to_string(&case).unwrap_or_default(),
            serde_json::to_string_pretty(&scenario).unwrap_or_default()
        );
    }
});
