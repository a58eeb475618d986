//! Server-side apply of a DeviceTaintRule's status: what the 1.35 device controller relies on.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use taintsim_api::{ApiClient, ApiServerConfig, Kind, Object, StatusReason, Verb};
use taintsim_seam::client::{Client, RuleStatusApply};

use crate::support::{rule, runtime, server, server_on, spawn_result, start, take};

fn condition(type_: &str, reason: &str) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status: "True".to_owned(),
        reason: reason.to_owned(),
        message: format!("{reason} message"),
        observed_generation: None,
        last_transition_time: Time(start()),
    }
}

fn apply(name: &str, uid: Option<&str>, conditions: Vec<Condition>) -> RuleStatusApply {
    RuleStatusApply {
        name: name.to_owned(),
        uid: uid.map(str::to_owned),
        field_manager: "device-taint-eviction".to_owned(),
        force: true,
        conditions,
    }
}

fn conditions(obj: &Object) -> Vec<(String, String)> {
    match obj {
        Object::Rule(r) => r
            .status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .map(|c| (c.type_.clone(), c.reason.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn apply_should_merge_conditions_by_type_and_keep_others() {
    let s = server();
    let created = s.create(rule("evict")).expect("created");
    let uid = created.uid().to_owned();
    s.apply_device_taint_rule_status(&apply(
        "evict",
        Some(&uid),
        vec![condition("Other", "Kept")],
    ))
    .expect("applied");
    let stored = s
        .apply_device_taint_rule_status(&apply(
            "evict",
            Some(&uid),
            vec![condition("EvictionInProgress", "NotStarted")],
        ))
        .expect("applied");
    assert_eq!(
        conditions(&stored),
        [
            ("Other".into(), "Kept".into()),
            ("EvictionInProgress".into(), "NotStarted".into())
        ]
    );
    let stored = s
        .apply_device_taint_rule_status(&apply(
            "evict",
            None,
            vec![condition("EvictionInProgress", "Completed")],
        ))
        .expect("applied without a UID");
    assert_eq!(
        conditions(&stored),
        [
            ("Other".into(), "Kept".into()),
            ("EvictionInProgress".into(), "Completed".into())
        ]
    );
    assert_eq!(s.calls(Verb::Apply, Kind::DeviceTaintRule), 3);
}

#[test]
fn apply_should_refuse_another_uid_and_a_missing_rule() {
    let s = server();
    s.create(rule("evict")).expect("created");
    let err = s
        .apply_device_taint_rule_status(&apply(
            "evict",
            Some("an-older-rule"),
            vec![condition("EvictionInProgress", "Completed")],
        ))
        .expect_err("UID mismatch");
    assert_eq!(err.reason, StatusReason::Conflict);
    assert!(conditions(&s.peek(Kind::DeviceTaintRule, "", "evict").expect("rule")).is_empty());
    let err = s
        .apply_device_taint_rule_status(&apply("gone", None, vec![]))
        .expect_err("no such rule");
    assert!(err.is_not_found());
}

#[test]
fn apply_that_changes_nothing_should_not_commit() {
    let s = server();
    let uid = s.create(rule("evict")).expect("created").uid().to_owned();
    let a = apply(
        "evict",
        Some(&uid),
        vec![condition("EvictionInProgress", "Completed")],
    );
    let first = s.apply_device_taint_rule_status(&a).expect("applied");
    let revision = s.revision();
    let second = s.apply_device_taint_rule_status(&a).expect("applied again");
    assert_eq!(s.revision(), revision, "no-op apply: no new revision");
    assert_eq!(first.resource_version(), second.resource_version());
}

#[test]
fn client_apply_should_take_a_request_and_a_response_step() {
    let (rt, dyn_rt) = runtime();
    let s = server_on(&dyn_rt, ApiServerConfig::default());
    let uid = s.create(rule("evict")).expect("created").uid().to_owned();
    let client = ApiClient::new(s.clone(), dyn_rt.clone());
    let done = spawn_result(
        &dyn_rt,
        client.apply_device_taint_rule_status(apply(
            "evict",
            Some(&uid),
            vec![condition("EvictionInProgress", "NotStarted")],
        )),
    );
    rt.run_until_stalled();
    assert_eq!(take(&done), Some(Ok(())));
    assert_eq!(
        rt.steps(),
        [
            format!("APPLY devicetaintrule evict status uid={uid}"),
            format!("APPLY devicetaintrule evict status uid={uid} -> 200")
        ]
    );
}
