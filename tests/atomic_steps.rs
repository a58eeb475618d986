//! An `atomic` group of actor steps runs within one scheduling step: no step of any other task
//! comes between its parts. Set up a pod, a tainted device and the claim that binds them (the
//! controller then evicts at once), and check at the end of the writes that the controller has
//! done nothing yet: inside a group that always holds; as separate steps the controller gets
//! in between in some schedules.

mod common;

use serde_json::{Value, json};
use taintsim_check::{Overrides, Verdict, check_file};

/// `eviction-update.json` with its three writes and `nothing_yet` either grouped or not.
fn verdict(grouped: bool) -> Verdict {
    let text = std::fs::read_to_string(common::bundled("eviction-update.json")).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    let steps = value["steps"].as_array().expect("steps").clone();
    let nothing_yet = json!({"assert-now": [
        {"api-calls": {"verb": "patch", "kind": "Pod", "count": 0}},
        {"events": {"objects": 0}}
    ]});
    // steps[0] waits for sync; 1..=3 are the writes; 4 waits for the eviction.
    let mut writes: Vec<Value> = steps[1..=3].to_vec();
    writes.push(nothing_yet);
    let mut actor = vec![steps[0].clone()];
    if grouped {
        actor.push(json!({ "atomic": writes }));
    } else {
        actor.extend(writes);
    }
    actor.push(steps[4].clone());
    value["steps"] = Value::Array(actor);
    value["explore"] = json!({"strategy": "random", "seeds": "0..300", "stop-on-failure": false});
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("atomic.json");
    std::fs::write(&path, value.to_string()).expect("writes");
    check_file(&taintsim::controllers(), &path, &Overrides::default()).expect("runs")
}

#[test]
fn nothing_should_run_between_the_steps_of_an_atomic_group() {
    let v = verdict(true);
    assert!(v.ok, "{v}");
    assert_eq!((v.observed.as_str(), v.schedules), ("pass", 300), "{v}");
}

#[test]
fn the_same_steps_ungrouped_should_let_the_controller_in_between() {
    let v = verdict(false);
    assert!(!v.ok, "{v}");
    assert_eq!(v.observed, "assertion-failure", "{v}");
}
