//! The upstream full-controller tests (`TestEviction` and friends, `device_taint_eviction_test.go`
//! v1.33) on the simulator with the fixed controller (queue V3, pod-update filter with nodeName):
//! each bundled scenario asserts what upstream asserts, and must hold on every one of 1,000 random
//! schedules.

mod common;

use taintsim_check::{ExploreOptions, explore};
use taintsim_scenario::format::{Expectation, SeedRange, StrategyName};
use taintsim_scenario::load::load_file;

const SEEDS: u64 = 1000;

fn check(file: &str) {
    let scenario = load_file(&common::bundled(file), &taintsim::controllers())
        .expect("the bundled scenario loads");
    assert_eq!(scenario.expect, Expectation::Pass, "{file} expects a pass");
    assert_eq!(
        scenario.controller().and_then(|r| r.behavior.get("queue")),
        Some("v3"),
        "{file} runs the fixed queue"
    );
    let options = ExploreOptions {
        strategy: StrategyName::Random,
        seeds: SeedRange {
            start: 0,
            end: SEEDS,
        },
        depth: 3,
        stop_on_failure: true,
        max_steps: scenario.explore.max_steps,
    };
    let summary = explore(&scenario, &options, &mut |_| {}).expect("the scenario runs");
    if let Some(f) = &summary.first_failure {
        panic!(
            "{file}: seed {} failed: {}\n{}",
            f.seed,
            f.result.observed.message(),
            f.result.report.trace.to_text()
        );
    }
    assert_eq!(summary.schedules, SEEDS);
    assert!(summary.ok);
}

#[test]
fn test_eviction_initial() {
    check("eviction-initial.json");
}

#[test]
fn test_eviction_add() {
    check("eviction-add.json");
}

#[test]
fn test_eviction_update() {
    check("eviction-update.json");
}

#[test]
fn test_eviction_delete() {
    check("eviction-delete.json");
}

#[test]
fn test_cancel_eviction_pod_deleted() {
    check("cancel-pod-deleted.json");
}

#[test]
fn test_cancel_eviction_slice_deleted() {
    check("cancel-slice-deleted.json");
}

#[test]
fn test_parallel_pod_deletion() {
    check("parallel-pod-deletion.json");
}

#[test]
fn test_retry() {
    check("retry.json");
}

#[test]
fn test_eviction_failure() {
    check("eviction-failure.json");
}
