//! The bundled bug scenarios of `scenarios/node/`: each finds what its `expect` says on the
//! buggy version by exploring schedules (the file's own strategy and seeds), and passes on
//! every one of 1,000 random schedules once the fix is a `--set` away. The `-fixed.json`
//! files (run by `taintsim run scenarios/`) assert more about the fixed behaviour.

use std::path::PathBuf;

use taintsim_check::{ExploreOptions, explore};
use taintsim_controller_node::NodeTaintEviction;
use taintsim_plugin::Registry;
use taintsim_scenario::format::{Expectation, Scenario, SeedRange, StrategyName};
use taintsim_scenario::load::load_file;

/// Each bug scenario with the behaviour keys that fix it.
const BUGS: &[(&str, &[(&str, &str)])] = &[
    // #125332, #107543: the stale nil of queue v0; #129577 fixed it (v1).
    ("stale-nil-recreate.json", &[("queue", "v1")]),
    // #134945: a timer goroutine registering after CancelAndWait; v4's cancelled flag.
    ("shutdown-late-worker.json", &[("queue", "v4")]),
    // #119862, #139992: the stale node lister; PR #140198's live re-check.
    ("stale-node-lister.json", &[("node-recheck", "live")]),
    ("stale-node-watch-race.json", &[("node-recheck", "live")]),
    // #90794: cancel when every remaining taint is tolerated forever (PR #93722).
    (
        "remove-one-of-two-taints.json",
        &[("forever-tolerated", "cancel")],
    ),
    // #140639: PR #141568's durable retry.
    ("denied-delete-abandoned.json", &[("retries", "durable")]),
];

fn registry() -> Registry {
    Registry::new().with(NodeTaintEviction)
}

fn load(file: &str) -> Scenario {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "../../../scenarios/node", file]
        .iter()
        .collect();
    load_file(&path, &registry()).unwrap_or_else(|e| panic!("{e}"))
}

fn explore_seeds(scenario: &Scenario, seeds: SeedRange) -> taintsim_check::ExploreSummary {
    let options = ExploreOptions {
        strategy: StrategyName::Random,
        seeds,
        depth: 3,
        stop_on_failure: true,
        max_steps: scenario.explore.max_steps,
    };
    explore(scenario, &options, &mut |_| {}).expect("the scenario runs")
}

#[test]
fn each_bug_should_be_found_on_the_buggy_version() {
    for (file, _) in BUGS {
        let scenario = load(file);
        assert_ne!(scenario.expect, Expectation::Pass, "{file} expects the bug");
        assert_eq!(scenario.explore.strategy, StrategyName::Random, "{file}");
        let summary = explore_seeds(&scenario, scenario.explore.seeds);
        assert!(
            summary.ok,
            "{file}: {:?} not found in seeds {}; outcomes {:?}",
            scenario.expect, scenario.explore.seeds, summary.outcomes
        );
    }
}

#[test]
fn each_bug_should_be_gone_a_set_away() {
    for (file, fix) in BUGS {
        let mut scenario = load(file);
        for (key, value) in *fix {
            scenario.behavior.set(*key, *value);
        }
        scenario.resolve(&registry()).expect("the fix keys resolve");
        scenario.expect = Expectation::Pass;
        let summary = explore_seeds(
            &scenario,
            SeedRange {
                start: 0,
                end: 1000,
            },
        );
        if let Some(f) = &summary.first_failure {
            panic!(
                "{file} with {fix:?}: seed {} failed: {}\n{}",
                f.seed,
                f.result.observed.message(),
                f.result.report.trace.to_text()
            );
        }
    }
}

/// The residual of #90794 has no fix to switch on (PR #141568's taint sets are not modelled);
/// the latest code shows it.
#[test]
fn residual_finite_deadline_should_be_found_on_the_latest_code() {
    let scenario = load("residual-finite-deadline.json");
    assert_eq!(
        scenario.controller().and_then(|r| r.behavior.get("queue")),
        Some("v4")
    );
    let summary = explore_seeds(&scenario, scenario.explore.seeds);
    assert!(summary.ok, "outcomes {:?}", summary.outcomes);
}
