//! Checks accept bounds as well as exact numbers: `{"at-least": N}`, `{"at-most": N}` or both,
//! for `api-calls` counts and for an `events` filter's `objects` and `count`; an `events` filter
//! can name the involved object's UID.

mod common;

use serde_json::{Value, json};
use taintsim_check::{Overrides, check_file};

/// `eviction-update.json` (one DELETE and one eviction event in every schedule) on a few
/// seeds, with `checks` asserted once the pod is gone.
fn verdict_with(checks: Value) -> taintsim_check::Verdict {
    let text = std::fs::read_to_string(common::bundled("eviction-update.json")).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    value["explore"] = json!({"strategy": "random", "seeds": "0..5"});
    value["steps"]
        .as_array_mut()
        .expect("steps")
        .push(json!({"assert-eventually": {"within": "30s", "checks": checks}}));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bounds.json");
    std::fs::write(&path, value.to_string()).expect("writes");
    check_file(&taintsim::controllers(), &path, &Overrides::default()).expect("runs")
}

#[test]
fn bounds_that_admit_the_run_should_hold_and_others_should_fail() {
    let holding = json!([
        {"api-calls": {"verb": "delete", "kind": "Pod", "count": {"at-most": 1}}},
        {"api-calls": {"verb": "delete", "kind": "Pod", "count": {"at-least": 1, "at-most": 3}}},
        {"events": {"reason": "DeviceTaintManagerEviction", "objects": {"at-least": 1}, "count": {"at-most": 1}}},
    ]);
    let verdict = verdict_with(holding);
    assert!(verdict.ok, "{verdict}");
    for failing in [
        json!({"api-calls": {"verb": "delete", "kind": "Pod", "count": {"at-least": 2}}}),
        json!({"events": {"reason": "DeviceTaintManagerEviction", "objects": {"at-most": 0}}}),
        json!({"events": {"reason": "DeviceTaintManagerEviction", "count": {"at-least": 2}}}),
    ] {
        let verdict = verdict_with(json!([failing]));
        assert!(!verdict.ok, "{failing}: {verdict}");
        assert_eq!(
            verdict.observed, "assertion-failure",
            "{failing}: {verdict}"
        );
    }
}

#[test]
fn an_events_filter_should_tell_pods_apart_by_uid() {
    let eviction = |uid: &str| json!([{"events": {"reason": "DeviceTaintManagerEviction", "involved-uid": uid, "objects": 1}}]);
    let verdict = verdict_with(eviction("1234"));
    assert!(verdict.ok, "{verdict}");
    // The same name with another UID (a replacement pod) has no eviction event.
    let verdict = verdict_with(eviction("5678"));
    assert!(!verdict.ok, "{verdict}");
}
