//! Bytes become a generated case (world, actor steps, schedule seed) through `arbitrary`; the
//! fixed controller must pass every oracle on it. A crash artifact converts into a scenario
//! file with `taintsim import-fuzz ARTIFACT -o scenarios/regressions/NAME.json`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use taintsim_scenario::generate::{FuzzVerdict, check_fixed, decode};

fuzz_target!(|data: &[u8]| {
    let case = decode(data);
    if let FuzzVerdict::Failure {
        scenario, message, ..
    } = check_fixed(&case)
    {
        panic!(
            "the fixed controller fails a generated case: {message}\ncase: {}\nscenario:\n{}",
            serde_json::to_string(&case).unwrap_or_default(),
            serde_json::to_string_pretty(&scenario).unwrap_or_default()
        );
    }
});
