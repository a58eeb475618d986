//! `advance-to` lets virtual time pass until an exact instant, whatever time the steps before
//! it took (`wait-for-sync` takes the controller's sync poll, 10 ms); an instant already
//! passed is a step failure.

mod common;

use serde_json::{Value, json};
use taintsim_check::{Observed, Schedule, run_schedule};
use taintsim_scenario::load::parse;

fn run_with(steps: Vec<Value>) -> taintsim_check::RunResult {
    let text = std::fs::read_to_string(common::bundled("eviction-update.json")).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    value["steps"] = Value::Array(steps);
    let path = std::path::Path::new("advance-to.json");
    let scenario = parse(&value.to_string(), path, &taintsim::controllers()).expect("loads");
    run_schedule(&scenario, Schedule::Random(0), 20_000).expect("runs")
}

#[test]
fn advance_to_should_reach_the_exact_instant_after_wait_for_sync() {
    let result = run_with(vec![
        json!("wait-for-sync"),
        json!({"advance-to": "2025-03-20T12:00:30Z"}),
        json!({"assert-now": [{"pod-present": "default/my-pod"}]}),
    ]);
    assert_eq!(result.observed, Observed::Pass, "{:?}", result.observed);
    let assert = result
        .report
        .trace
        .entries
        .iter()
        .find(|e| e.actor == "scenario" && e.action.starts_with("assert-now"))
        .expect("the assertion ran");
    assert_eq!(assert.time.to_string(), "2025-03-20T12:00:30Z");
}

#[test]
fn advance_to_an_instant_already_passed_should_be_a_step_failure() {
    let result = run_with(vec![
        json!({"advance": "1m"}),
        json!({"advance-to": "2025-03-20T12:00:30Z"}),
    ]);
    match result.observed {
        Observed::StepFailure { message } => assert!(
            message.contains("advance-to 2025-03-20T12:00:30Z: the run is already at"),
            "{message}"
        ),
        other => panic!("expected a step failure, got {other:?}"),
    }
}
