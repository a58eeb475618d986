//! A run without labels (`SimConfig::labels(false)`, what `explore` runs each seed with) must
//! be the same run as with labels: the same decisions (indices, enabled-set sizes, data
//! values), the same step count and the same verdict, on every bundled scenario. Only the
//! texts are left out: the trace is empty and the decision labels are blank.

use std::path::Path;

use taintsim_check::{RunResult, Schedule, run_strategy_labels};
use taintsim_scenario::format::SeedRange;
use taintsim_scenario::load;
use taintsim_sim::Decision;

/// The decisions without their labels.
fn choices(r: &RunResult) -> Vec<(usize, usize, u64)> {
    r.report
        .decisions
        .entries
        .iter()
        .map(|d| match d {
            Decision::Schedule { index, enabled, .. } => (*index, *enabled, u64::MAX),
            Decision::Data { n, value, .. } => (usize::MAX, *n as usize, *value),
        })
        .collect()
}

#[test]
fn runs_without_labels_should_make_the_same_choices_as_with_labels() {
    let registry = taintsim::controllers();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = load::find_scenarios(&dir).expect("scenarios/ is readable");
    let mut compared = 0;
    for path in files {
        let scenario = load::load_file(&path, &registry).expect("bundled scenarios load");
        let max_steps = scenario.explore.max_steps;
        for seed in 0..3 {
            let pct = Schedule::Pct {
                seed,
                depth: 3,
                seeds: SeedRange { start: 0, end: 3 },
            };
            for schedule in [Schedule::Random(seed), pct] {
                let run = |labels| {
                    let strategy = schedule
                        .clone()
                        .strategy(&scenario, max_steps)
                        .expect("a random or pct schedule");
                    run_strategy_labels(&scenario, seed, strategy, max_steps, labels)
                        .expect("runs")
                        .0
                };
                let (with, without) = (run(true), run(false));
                let name = format!("{} {schedule:?}", path.display());
                assert_eq!(with.report.steps, without.report.steps, "{name}");
                assert_eq!(choices(&with), choices(&without), "{name}");
                assert_eq!(
                    format!("{:?}", with.observed.short()),
                    format!("{:?}", without.observed.short()),
                    "{name}"
                );
                assert!(without.report.trace.is_empty(), "{name}");
                assert_eq!(with.report.trace.len() as u64, with.report.steps, "{name}");
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "only {compared} runs compared");
}
