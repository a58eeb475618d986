//! A violation does not end a run: the scenario's later steps and assertions still run, and a
//! failed assertion outranks the violation, so an expectation never holds on assertions that
//! did not run.

mod common;

use std::path::Path;

use serde_json::{Value, json};
use taintsim_check::{Overrides, check_file};

/// `regressions/toleration-effect-no-execute-only.json` (the controller deletes the pod
/// early, a `no-early-eviction` violation) without its recorded schedule, so that `run`
/// explores it, and with `steps` appended to its actor.
fn with_later_steps(dir: &Path, steps: &[Value]) -> std::path::PathBuf {
    let path = common::bundled("regressions/toleration-effect-no-execute-only.json");
    let text = std::fs::read_to_string(path).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    let object = value.as_object_mut().expect("an object");
    object.remove("decisions");
    object.insert(
        "explore".into(),
        json!({"strategy": "random", "seeds": "0..20"}),
    );
    let actor = object["steps"].as_array_mut().expect("steps");
    actor.extend(steps.iter().cloned());
    let out = dir.join("scenario.json");
    std::fs::write(&out, value.to_string()).expect("writes");
    out
}

#[test]
fn a_violating_run_should_still_evaluate_its_later_assertions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = taintsim::controllers();
    // Later assertions that hold: the violation is the run's outcome.
    let holding = with_later_steps(
        dir.path(),
        &[
            json!({"assert-eventually": {"within": "2m", "checks": [{"pod-absent": "default/pod-0"}]}}),
        ],
    );
    let verdict = check_file(&registry, &holding, &Overrides::default()).expect("runs");
    assert!(verdict.ok, "{verdict}");
    assert_eq!(verdict.observed, "violation:no-early-eviction", "{verdict}");

    // Later assertions that contradict each other: no schedule can pass both, so the file
    // must fail, whatever the violation before them.
    let contradicting = with_later_steps(
        dir.path(),
        &[
            json!({"advance": "2m"}),
            json!({"assert-now": [{"pod-absent": "default/pod-0"}]}),
            json!({"assert-now": [{"pod-present": "default/pod-0"}]}),
        ],
    );
    let verdict = check_file(&registry, &contradicting, &Overrides::default()).expect("runs");
    assert!(!verdict.ok, "{verdict}");
    assert_eq!(verdict.observed, "assertion-failure", "{verdict}");
    assert!(
        verdict.outcomes.keys().all(|k| k == "assertion-failure"),
        "every schedule fails an assertion: {:?}",
        verdict.outcomes
    );
}
