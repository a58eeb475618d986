//! Bytes are a scenario file: `taintsim_scenario::load::parse` must return a scenario or an
//! error value, never panic; a scenario it accepts must load again after being written out.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use taintsim_scenario::load::parse;

fuzz_target!(|data: &[u8]| {
    let registry = taintsim::controllers();
    let text = String::from_utf8_lossy(data);
    let Ok(scenario) = parse(&text, Path::new("<fuzz>"), &registry) else {
        return;
    };
    let written = serde_json::to_string(&scenario).expect("a loaded scenario serializes");
    if let Err(e) = parse(&written, Path::new("<written>"), &registry) {
        panic!("a loaded scenario does not load again after being written: {e}\n{written}");
    }
});
