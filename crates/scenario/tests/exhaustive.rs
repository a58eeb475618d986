//! Exhaustive exploration of scenarios: the reduction keeps every outcome of the full search,
//! the UpdateWork panic (target race 1) is found, and its fix passes the whole bounded space.

mod common;

use std::collections::BTreeSet;

use taintsim_scenario::load::load_file;
use taintsim_scenario::model::{ActorStep, Scenario};
use taintsim_scenario::runner::{
    ExhaustiveOptions, ExhaustiveSummary, Observed, Schedule, explore_exhaustive,
    explore_exhaustive_after, observed_resources, run_schedule,
};

fn bundled(name: &str) -> Scenario {
    load_file(&common::bundled(name)).expect("the bundled scenario loads")
}

fn options(reduction: bool) -> ExhaustiveOptions {
    ExhaustiveOptions {
        max_schedules: 100_000,
        max_steps: 20_000,
        reduction,
    }
}

fn outcome_kinds(summary: &ExhaustiveSummary) -> BTreeSet<String> {
    summary.outcomes.keys().cloned().collect()
}

#[test]
fn exhaustive_search_should_find_the_updatework_panic() {
    let scenario = bundled("updatework-panic.json");
    let summary = explore_exhaustive(&scenario, &options(true), &mut |_| {}).expect("runs");
    eprintln!(
        "updatework-panic: {} schedules, {} failing, {} pruned, {} blocked",
        summary.schedules, summary.failures, summary.pruned, summary.blocked
    );
    assert!(summary.complete);
    assert!(summary.ok, "{:?}", summary.outcomes);
    assert_eq!(
        outcome_kinds(&summary),
        BTreeSet::from(["panic".to_owned(), "pass".to_owned()])
    );
    // Small enough for CI in debug builds; a jump here means lost independence.
    assert!(summary.schedules < 5_000, "{}", summary.schedules);

    let failure = summary.first_failure.expect("a failing schedule");
    let Observed::Panic { message, .. } = &failure.result.observed else {
        panic!("{:?}", failure.result.observed);
    };
    assert!(message.contains("UpdateWork"), "{message}");
    // Its decision log (schedule and data decisions) replays it exactly.
    let log = failure.result.report.decisions.clone();
    let replayed = run_schedule(&scenario, Schedule::Replay(log), 20_000).expect("replays");
    assert_eq!(replayed.observed, failure.result.observed);
    assert_eq!(
        replayed.report.trace.hash(),
        failure.result.report.trace.hash()
    );
}

#[test]
fn exhaustive_search_should_cover_updatework_fixed_without_failures() {
    let scenario = bundled("updatework-fixed.json");
    let summary = explore_exhaustive(&scenario, &options(true), &mut |_| {}).expect("runs");
    eprintln!(
        "updatework-fixed: {} schedules, {} pruned, {} blocked",
        summary.schedules, summary.pruned, summary.blocked
    );
    assert!(summary.complete);
    assert_eq!(summary.failures, 0, "{:?}", summary.first_failure);
    assert!(summary.ok);
    assert!(summary.schedules < 10_000, "{}", summary.schedules);
}

/// The async-event race of `event-assert-now.json` from the worker's `record event` step on:
/// whether the broadcaster writes the Event before the actor's one-shot check. Small enough to
/// enumerate every interleaving.
#[test]
fn reduction_should_find_every_outcome_of_the_full_search() {
    let scenario = bundled("event-assert-now.json");
    let after = "worker default/my-pod #1: record event default/my-pod";
    let full =
        explore_exhaustive_after(&scenario, after, &options(false), &mut |_| {}).expect("runs");
    let reduced =
        explore_exhaustive_after(&scenario, after, &options(true), &mut |_| {}).expect("runs");
    eprintln!(
        "event-assert-now after `record event`: {} schedules without reduction, {} with",
        full.schedules, reduced.schedules
    );
    assert!(full.complete && reduced.complete);
    assert_eq!(outcome_kinds(&reduced), outcome_kinds(&full));
    assert_eq!(
        outcome_kinds(&full),
        BTreeSet::from(["assertion-failure".to_owned(), "pass".to_owned()])
    );
    assert!(reduced.schedules * 10 < full.schedules);
}

#[test]
fn max_schedules_should_leave_the_search_incomplete() {
    let scenario = bundled("updatework-fixed.json");
    let bounded = ExhaustiveOptions {
        max_schedules: 5,
        ..options(true)
    };
    let summary = explore_exhaustive(&scenario, &bounded, &mut |_| {}).expect("runs");
    assert_eq!(summary.schedules, 5);
    assert!(!summary.complete);
}

#[test]
fn a_step_limit_should_leave_the_search_incomplete() {
    let scenario = bundled("updatework-fixed.json");
    let short = ExhaustiveOptions {
        max_schedules: 20,
        max_steps: 10,
        reduction: true,
    };
    let summary = explore_exhaustive(&scenario, &short, &mut |_| {}).expect("runs");
    assert!(!summary.complete);
    assert!(summary.outcomes.contains_key("step-limit"));
}

#[test]
fn observed_resources_should_come_from_waits_that_can_become_false_again() {
    let scenario = bundled("updatework-panic.json");
    assert!(
        observed_resources(&scenario.steps).is_empty(),
        "wait-for-sync is monotone"
    );
    let steps: Vec<ActorStep> = serde_json::from_str(
        r#"[
            {"wait-until": {"within": "30s", "checks": [{"pod-absent": "default/a"}]}},
            {"assert-eventually": {"within": "30s", "checks": [
                {"pod-absent": "default/b"},
                {"events": {"involved": "ns/b", "objects": 1}},
                {"metrics": {"pod-deletions-total": 1}}
            ]}}
        ]"#,
    )
    .expect("steps parse");
    assert_eq!(
        observed_resources(&steps),
        ["event/ns", "pod", "pod/default/b"]
    );
}
