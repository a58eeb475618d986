//! Top-level `faults` are in force before the first informer lists: a failed first LIST of
//! pods is seen in every schedule, whereas the same fault as the actor's first `set-fault`
//! step comes after the pod informer has listed in some schedules.

mod common;

use serde_json::{Value, json};
use taintsim_check::{Overrides, check_file};

/// The first LIST of pods fails once with 500; the informer retries, so the controller side
/// makes exactly two.
fn deny_first_pod_list() -> Value {
    json!({"name": "deny-list", "api-error": {"verb": "list", "kind": "Pod", "status": 500, "times": 1}})
}

/// `eviction-update.json`'s world, with `top_level` faults and `steps` for its actor.
fn verdict(top_level: Vec<Value>, steps: Vec<Value>) -> taintsim_check::Verdict {
    let text = std::fs::read_to_string(common::bundled("eviction-update.json")).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    value["explore"] = json!({"strategy": "random", "seeds": "0..40", "stop-on-failure": false});
    value["faults"] = Value::Array(top_level);
    value["steps"] = Value::Array(steps);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("initial-faults.json");
    std::fs::write(&path, value.to_string()).expect("writes");
    check_file(&taintsim::controllers(), &path, &Overrides::default()).expect("runs")
}

fn two_pod_lists() -> Value {
    json!({"assert-now": [{"api-calls": {"verb": "list", "kind": "Pod", "count": 2}}]})
}

#[test]
fn a_top_level_fault_should_meet_the_first_list_in_every_schedule() {
    let v = verdict(
        vec![deny_first_pod_list()],
        vec![json!("wait-for-sync"), two_pod_lists()],
    );
    assert!(v.ok, "{v}");
    assert_eq!(v.observed, "pass", "{v}");
    assert_eq!(v.schedules, 40, "{v}");
}

#[test]
fn the_same_fault_as_a_first_step_should_miss_the_first_list_in_some_schedule() {
    let v = verdict(
        Vec::new(),
        vec![
            json!({"set-fault": deny_first_pod_list()}),
            json!("wait-for-sync"),
            two_pod_lists(),
        ],
    );
    assert!(!v.ok, "{v}");
    assert_eq!(v.observed, "assertion-failure", "{v}");
}

#[test]
fn a_top_level_fault_should_be_cleared_by_name() {
    // Every DELETE of a pod fails until the actor clears the fault; the eviction then goes ahead.
    let deny_get = json!({"name": "deny-delete", "api-error": {"verb": "delete", "kind": "Pod", "status": 500}});
    let text = std::fs::read_to_string(common::bundled("eviction-update.json")).expect("readable");
    let original: Value = serde_json::from_str(&text).expect("JSON");
    let mut steps = vec![json!({"clear-fault": "deny-delete"})];
    steps.extend(original["steps"].as_array().expect("steps").iter().cloned());
    let v = verdict(vec![deny_get.clone()], steps);
    assert!(v.ok, "{v}");
    // Left in place, the DELETE keeps failing and the pod is never evicted.
    let v = verdict(
        vec![deny_get],
        original["steps"].as_array().expect("steps").clone(),
    );
    assert!(!v.ok, "{v}");
}

#[test]
fn a_top_level_listener_fault_should_apply_from_the_listeners_first_notification() {
    // The pod handler registers when the controller starts, after the faults are installed:
    // the fault waits for it and drops the initial Add of the pod.
    let hide =
        json!({"name": "hide", "hide-notifications": {"listener": "pod-handler", "count": 1}});
    let v = verdict(
        vec![hide],
        vec![
            json!("wait-for-sync"),
            json!({"assert-now": [{"mark": "informer-notification-hidden"}]}),
        ],
    );
    assert!(v.ok, "{v}");
    assert_eq!(v.schedules, 40, "{v}");
}
