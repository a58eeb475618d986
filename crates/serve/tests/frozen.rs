//! The frozen run is the check runner's run stopped early: for every bundled scenario, the
//! run that `taintsim serve` replays to the end takes the same steps as `taintsim-check`'s
//! (same trace hash), and a run stopped after step N is the prefix of the whole run.

use std::path::Path;

use taintsim_check::{Schedule, run_schedule};
use taintsim_serve::run::run_to;

fn schedule(scenario: &taintsim_scenario::format::Scenario) -> Schedule {
    match &scenario.decisions {
        Some(log) => Schedule::Replay(log.clone()),
        None => Schedule::Random(scenario.explore.seeds.start),
    }
}

#[test]
fn replaying_to_the_end_should_take_the_check_runners_steps() {
    let registry = taintsim::controllers();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let files = taintsim_scenario::load::find_scenarios(&root).expect("the scenarios folder");
    assert!(files.len() > 20, "found {} scenarios", files.len());
    for file in files {
        let scenario = taintsim_scenario::load::load_file(&file, &registry).expect("loads");
        let schedule = schedule(&scenario);
        let max_steps = scenario.explore.max_steps;
        let whole = run_schedule(&scenario, schedule.clone(), max_steps).expect("runs");
        let frozen = run_to(&scenario, &schedule, max_steps, None).expect("runs");
        let first_difference = frozen
            .report
            .trace
            .entries
            .iter()
            .zip(&whole.report.trace.entries)
            .position(|(a, b)| a != b);
        assert_eq!(
            first_difference.map(|i| (
                &frozen.report.trace.entries[i],
                &whole.report.trace.entries[i]
            )),
            None,
            "{}",
            file.display()
        );
        assert_eq!(
            frozen.report.trace.hash(),
            whole.report.trace.hash(),
            "{}: serve's run differs from the check runner's",
            file.display()
        );
        let half = whole.report.steps / 2;
        let early = run_to(&scenario, &schedule, max_steps, Some(half)).expect("runs");
        assert_eq!(early.position.decision, half, "{}", file.display());
        assert_eq!(
            early.report.trace.entries[..],
            whole.report.trace.entries[..half as usize],
            "{}: the run stopped after step {half} is not the prefix",
            file.display()
        );
    }
}
