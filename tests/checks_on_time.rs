//! Checks on what happened when: the controller's pending evictions (through the controller
//! seam, on both device generations), the time of the DELETE the server accepted, the values
//! of the deletion-duration histogram, and API calls filtered by object and UID precondition.
//!
//! The world is `cancel-slice-deleted.json`'s: the device's NoExecute taint was added at
//! 12:00:00 and the claim tolerates it for 60 s, so the pod is due for eviction at 12:01:00.

mod common;

use serde_json::{Value, json};
use taintsim_check::{Overrides, Verdict, check_file};

const DUE: &str = "2025-03-20T12:01:00Z";

/// `bundled`'s objects and behaviour with `steps` for the actor, over 50 random seeds.
fn verdict(bundled: &str, steps: Vec<Value>) -> Verdict {
    let text = std::fs::read_to_string(common::bundled(bundled)).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    value["steps"] = Value::Array(steps);
    value["expect"] = json!({"outcome": "pass"});
    value["explore"] = json!({"strategy": "random", "seeds": "0..50", "stop-on-failure": false});
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("when.json");
    std::fs::write(&path, value.to_string()).expect("writes");
    check_file(&taintsim::controllers(), &path, &Overrides::default()).expect("runs")
}

/// Waits for sync, checks what is pending, lets the eviction happen and checks when it did.
fn eviction_steps(pending_at: &str, deleted_at: &str, sum: f64, uid: &str) -> Vec<Value> {
    vec![
        json!("wait-for-sync"),
        json!({"assert-now": [
            {"pending-evictions": {"pod": "default/my-pod", "uid": "1234", "at": pending_at, "count": 1}}
        ]}),
        json!({"assert-eventually": {"within": "2m", "checks": [{"pod-absent": "default/my-pod"}]}}),
        json!({"assert-eventually": {"within": "1s", "checks": [
            {"metrics": {"deletion-duration-count": 1}},
            {"pending-evictions": {"count": 0}}
        ]}}),
        json!({"assert-now": [
            {"deleted": {"pod": "default/my-pod", "uid": uid, "at": deleted_at}},
            {"deleted": {"pod": "default/my-pod", "not-before": "2025-03-20T12:00:59Z", "not-after": DUE}},
            {"metrics": {"deletion-duration-sum": sum, "deletion-duration-buckets": {"0.005": 1, "60": 1, "+Inf": 1}}},
            {"api-calls": {"verb": "delete", "kind": "Pod", "name": "default/my-pod", "uid": uid, "count": 1}},
            {"api-calls": {"verb": "delete", "kind": "Pod", "uid": "some-other-pod", "count": 0}}
        ]}),
    ]
}

#[test]
fn the_checks_should_hold_on_both_device_generations() {
    for bundled in [
        "cancel-slice-deleted.json",
        "latest/cancel-slice-deleted.json",
    ] {
        let v = verdict(bundled, eviction_steps(DUE, DUE, 0.0, "1234"));
        assert!(v.ok, "{bundled}: {v}");
        assert_eq!(
            (v.observed.as_str(), v.schedules),
            ("pass", 50),
            "{bundled}: {v}"
        );
    }
}

#[test]
fn each_check_should_fail_on_a_false_claim() {
    let wrong = [
        // Due a second later than the controller says.
        eviction_steps("2025-03-20T12:01:01Z", DUE, 0.0, "1234"),
        // Deleted a second earlier than the server applied it.
        eviction_steps(DUE, "2025-03-20T12:00:59Z", 0.0, "1234"),
        // A histogram sum of one second.
        eviction_steps(DUE, DUE, 1.0, "1234"),
        // The DELETE carried the pod's UID, not another.
        eviction_steps(DUE, DUE, 0.0, "5678"),
    ];
    for bundled in [
        "cancel-slice-deleted.json",
        "latest/cancel-slice-deleted.json",
    ] {
        for (i, steps) in wrong.iter().enumerate() {
            let v = verdict(bundled, steps.clone());
            assert!(!v.ok, "{bundled}, false claim {i}: {v}");
            assert_eq!(v.observed, "assertion-failure", "{bundled}, claim {i}: {v}");
        }
    }
}

#[test]
fn the_node_controller_should_report_its_pending_evictions_too() {
    // The pod tolerates `not-ready` for 300 s; once the actor adds that taint, its eviction is
    // pending. (Upstream's node controller keys its work by name only: `NewWorkArgs(name,
    // namespace)`, so no UID is known.)
    let text = std::fs::read_to_string(common::bundled("node/remove-one-of-two-taints-fixed.json"))
        .expect("readable");
    let original: Value = serde_json::from_str(&text).expect("JSON");
    let mut steps: Vec<Value> = original["steps"].as_array().expect("steps")[0..3].to_vec();
    let pending = |pod: &str| {
        json!({"assert-eventually": {"within": "1s", "checks": [
            {"pending-evictions": {"pod": pod, "count": 1}}
        ]}})
    };
    steps.push(pending("default/my-pod"));
    let v = verdict("node/remove-one-of-two-taints-fixed.json", steps.clone());
    assert!(v.ok, "{v}");
    steps.pop();
    steps.push(pending("default/another-pod"));
    let v = verdict("node/remove-one-of-two-taints-fixed.json", steps);
    assert!(!v.ok, "{v}");
}

#[test]
fn a_filtered_api_calls_check_inside_an_atomic_group_should_see_the_calls() {
    // The world records each call only for a scenario with a filtered `api-calls` check
    // (`taintsim_scenario::steps::filters_calls`); one inside a group counts too.
    let mut steps = eviction_steps(DUE, DUE, 0.0, "1234");
    steps.pop();
    steps.push(json!({"atomic": [{"assert-now": [
        {"api-calls": {"verb": "delete", "kind": "Pod", "name": "default/my-pod", "count": 1}}
    ]}]}));
    let v = verdict("cancel-slice-deleted.json", steps);
    assert!(v.ok, "{v}");
}
