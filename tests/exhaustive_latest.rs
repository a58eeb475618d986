//! Exhaustive exploration of the latest controller's bundled scenarios (scenarios/latest/)
//! whose search completes quickly: every schedule after the controller's initial sync passes.
//! (`eviction-update`, `eviction-add`, `retry` and `device-taint-rule-immediate` complete too,
//! but take minutes in release builds; `docs/device-latest-tests.md` gives their counts.)

mod common;

use taintsim_check::{ExhaustiveOptions, Reduction, explore_exhaustive};
use taintsim_scenario::load::load_file;

fn explore(name: &str) -> u64 {
    let scenario = load_file(
        &common::bundled(&format!("latest/{name}")),
        &taintsim::controllers(),
    )
    .expect("the bundled scenario loads");
    let options = ExhaustiveOptions {
        max_schedules: 100_000,
        max_steps: 20_000,
        reduction: Reduction::Dpor,
        split_depth: 0,
    };
    let summary = explore_exhaustive(&scenario, &options, &mut |_| {}).expect("runs");
    eprintln!(
        "latest/{name}: {} schedules, {} pruned",
        summary.schedules, summary.pruned
    );
    assert!(
        summary.complete,
        "{name}: incomplete after {} schedules",
        summary.schedules
    );
    assert_eq!(
        summary.failures,
        0,
        "{name}: {:?}",
        summary.first_failure.map(|f| f.result.observed)
    );
    assert!(summary.ok);
    summary.schedules
}

/// The workers start only after the controller synced, so the search begins after the
/// initial eviction was queued: it explores the worker, the informers and the event sink.
#[test]
fn latest_eviction_initial_should_pass_every_schedule() {
    assert!(
        explore("eviction-initial.json") > 100,
        "the search explores interleavings"
    );
}

/// Upstream TestCancelEviction (both sub-tests) and TestParallelPodDeletion.
#[test]
fn latest_cancel_and_parallel_deletion_should_pass_every_schedule() {
    explore("cancel-pod-deleted.json");
    explore("cancel-slice-deleted.json");
    explore("parallel-pod-deletion.json");
}

/// Upstream TestDeviceTaintRule/slow: the status goes NoEffect, PodsPendingEviction,
/// Completed in every schedule of the one worker.
#[test]
fn latest_device_taint_rule_slow_should_pass_every_schedule() {
    explore("device-taint-rule-slow.json");
}
