//! The client adapter: request and response steps, fault verdicts, the four calls.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use taintsim_api::{
    ApiClient, ApiServerConfig, Kind, Preconditions, Request, StatusReason, Verb, Verdict,
};
use taintsim_seam::client::Client;

use crate::support::{pod, runtime, server_on, spawn_result, take};

#[test]
fn get_pod_should_take_a_request_and_a_response_step() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    server.create(pod("my-pod")).expect("created");
    let client = ApiClient::new(server.clone(), dyn_rt.clone());
    let found = spawn_result(&dyn_rt, client.get_pod("default", "my-pod"));
    let missing = spawn_result(&dyn_rt, client.get_pod("default", "nope"));
    rt.run_until_stalled();
    assert_eq!(
        take(&found)
            .and_then(Result::ok)
            .and_then(|p| p.metadata.name.clone())
            .as_deref(),
        Some("my-pod")
    );
    assert!(take(&missing).is_some_and(|r| r.is_err_and(|e| e.is_not_found())));
    assert_eq!(
        rt.steps(),
        [
            "GET pod default/my-pod",
            "GET pod default/nope",
            "GET pod default/my-pod -> 200",
            "GET pod default/nope -> 404 NotFound",
        ]
    );
}

#[test]
fn failing_verdict_should_answer_without_touching_the_store() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    server.create(pod("my-pod")).expect("created");
    let _guard = server.install_fault(|r: &Request| match (r.verb, r.actor.as_str()) {
        (Verb::Delete, "worker") => Verdict::fail(StatusReason::InternalError),
        _ => Verdict::Pass,
    });
    let client = ApiClient::new(server.clone(), dyn_rt.clone()).with_actor("worker");
    let result = spawn_result(
        &dyn_rt,
        client.delete_pod("default", "my-pod", Preconditions::default()),
    );
    rt.run_until_stalled();
    let err = take(&result).and_then(Result::err).expect("failed");
    assert_eq!(err.code, 500);
    assert!(server.get(Kind::Pod, "default", "my-pod").is_ok());
    assert_eq!(server.calls(Verb::Delete, Kind::Pod), 1);
    assert_eq!(
        rt.steps(),
        [
            "DELETE pod default/my-pod",
            "DELETE pod default/my-pod -> 500 InternalError"
        ]
    );
}

#[test]
fn delay_verdict_should_hold_the_request_in_virtual_time() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let created = server.create(pod("my-pod")).expect("created");
    let _guard = server.install_fault(|_: &Request| Verdict::Delay(Duration::from_secs(3)));
    let client = ApiClient::new(server.clone(), dyn_rt.clone());
    let condition = PodCondition {
        type_: "DisruptionTarget".into(),
        status: "True".into(),
        ..PodCondition::default()
    };
    let result = spawn_result(
        &dyn_rt,
        client.patch_pod_status("default", "my-pod", created.uid(), vec![condition]),
    );
    rt.run_until_stalled();
    assert!(take(&result).is_none());
    assert_eq!(server.revision(), 1, "not applied yet");
    rt.advance(Duration::from_secs(3));
    let pod = take(&result).and_then(Result::ok).expect("patched");
    assert_eq!(
        pod.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        rt.steps(),
        [
            "PATCH pod default/my-pod status uid=uid-1",
            "PATCH pod default/my-pod status uid=uid-1 -> 200"
        ]
    );
}

#[test]
fn delete_pod_should_honour_the_uid_precondition() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let created = server.create(pod("my-pod")).expect("created");
    let client = ApiClient::new(server.clone(), dyn_rt.clone());
    let stale = Preconditions {
        uid: Some("old".into()),
        resource_version: None,
    };
    let fresh = Preconditions {
        uid: Some(created.uid().to_owned()),
        resource_version: None,
    };
    let first = spawn_result(&dyn_rt, client.delete_pod("default", "my-pod", stale));
    rt.run_until_stalled();
    assert!(take(&first).is_some_and(|r| r.is_err_and(|e| e.code == 409)));
    let second = spawn_result(&dyn_rt, client.delete_pod("default", "my-pod", fresh));
    rt.run_until_stalled();
    assert!(take(&second).is_some_and(|r| r.is_ok()));
    assert!(
        rt.steps()
            .contains(&"DELETE pod default/my-pod uid=old -> 409 Conflict".to_owned())
    );
}

#[test]
fn create_event_should_post_to_the_namespace() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let client = ApiClient::new(server.clone(), dyn_rt.clone());
    let event = Event {
        metadata: ObjectMeta {
            name: Some("my-pod.1".into()),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        },
        ..Event::default()
    };
    let result = spawn_result(&dyn_rt, client.create_event(event));
    rt.run_until_stalled();
    assert!(take(&result).is_some_and(|r| r.is_ok()));
    assert_eq!(server.list(Kind::Event).items.len(), 1);
    assert_eq!(
        rt.steps(),
        [
            "POST event default/my-pod.1",
            "POST event default/my-pod.1 -> 201"
        ]
    );
}
