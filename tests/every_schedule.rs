//! `expect: {..., "on": "every-schedule"}` holds only if every explored schedule shows the
//! failure: the search does not stop at the first one, a passing schedule fails the file, and
//! an exhaustive search must be complete.

mod common;

use serde_json::{Value, json};
use taintsim_check::{Overrides, Verdict, check_file};

/// `name` without its recorded schedule, explored as `explore` says, expecting `expect`.
fn verdict(name: &str, explore: Value, expect: Value) -> Verdict {
    let text = std::fs::read_to_string(common::bundled(name)).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    let object = value.as_object_mut().expect("an object");
    object.remove("decisions");
    object.insert("explore".into(), explore);
    object.insert("expect".into(), expect);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("every.json");
    std::fs::write(&path, value.to_string()).expect("writes");
    check_file(&taintsim::controllers(), &path, &Overrides::default()).expect("runs")
}

#[test]
fn a_failure_in_some_schedules_should_not_meet_every_schedule() {
    // The UpdateWork panic needs one interleaving; most schedules pass.
    let explore = json!({"strategy": "random", "seeds": "0..200"});
    let some = verdict(
        "updatework-panic.json",
        explore.clone(),
        json!({"outcome": "panic", "message-contains": "UpdateWork"}),
    );
    assert!(some.ok, "{some}");
    let every = verdict(
        "updatework-panic.json",
        explore,
        json!({"outcome": "panic", "message-contains": "UpdateWork", "on": "every-schedule"}),
    );
    assert!(!every.ok, "{every}");
    assert_eq!(every.schedules, 200, "every schedule ran: {every}");
    assert!(
        every.outcomes.get("pass").copied().unwrap_or(0) > 0,
        "{:?}",
        every.outcomes
    );
}

#[test]
fn a_failure_in_every_schedule_should_meet_every_schedule_random_and_exhaustive() {
    // The 1.33 controller ignores an empty-effect toleration: the pod is deleted at once in
    // every order of events.
    let name = "regressions/toleration-effect-no-execute-only.json";
    let expect =
        json!({"outcome": "violation", "oracle": "no-early-eviction", "on": "every-schedule"});
    let random = verdict(
        name,
        json!({"strategy": "random", "seeds": "0..50"}),
        expect.clone(),
    );
    assert!(random.ok, "{random}");
    assert_eq!(random.schedules, 50, "{random}");
    let exhaustive = verdict(name, json!({"strategy": "exhaustive"}), expect.clone());
    assert!(exhaustive.ok, "{exhaustive}");
    // A bound hit leaves schedules unseen: not a proof about every schedule.
    let bounded = verdict(
        name,
        json!({"strategy": "exhaustive", "max-schedules": 2}),
        expect,
    );
    assert!(exhaustive.schedules > 2, "{exhaustive}");
    assert!(!bounded.ok, "{bounded}");
}
