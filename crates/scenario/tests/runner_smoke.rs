//! The runner finds the UpdateWork panic in the TestEviction/update changes on V2.

use std::path::Path;

use taintsim_scenario::load::load_file;
use taintsim_scenario::runner::{ExploreOptions, explore};

#[test]
fn explore_should_find_the_v2_panic_and_pass_v3() {
    let mut scenario = load_file(Path::new("/tmp/sc/update.json")).expect("loads");
    let options = ExploreOptions::from(&scenario.explore);
    let summary = explore(&scenario, &options, &mut |_| {}).expect("runs");
    let f = summary.first_failure.as_ref().expect("a failure");
    println!(
        "v2: {} schedules, first failure seed {}: {}",
        summary.schedules,
        f.seed,
        f.result.observed.message()
    );
    println!("{}", f.result.report.trace.to_text());
    assert!(summary.ok, "{:?}", summary.outcomes);

    scenario.behavior.queue = taintsim_controller::queue::QueueVersion::V3;
    scenario.expect = taintsim_scenario::model::Expectation::Pass;
    let mut options = options;
    options.seeds = taintsim_scenario::model::SeedRange { start: 0, end: 300 };
    let summary = explore(&scenario, &options, &mut |_| {}).expect("runs");
    if let Some(f) = &summary.first_failure {
        println!(
            "v3 failure seed {}: {}\n{}",
            f.seed,
            f.result.observed.message(),
            f.result.report.trace.to_text()
        );
    }
    assert!(summary.ok, "{:?}", summary.outcomes);
}
