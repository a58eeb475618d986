//! Node (core/v1): cluster-scoped, with a status subresource; writers' NoExecute taints get a
//! `timeAdded`; the client's `GET node`.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, NodeSpec, NodeStatus, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use taintsim_api::{ApiClient, ApiServerConfig, Kind, Object};
use taintsim_seam::client::Client;

use crate::support::{runtime, server, server_on, spawn_result, start, take};

fn taint(key: &str, value: &str, effect: &str) -> Taint {
    Taint {
        key: key.into(),
        value: Some(value.into()),
        effect: effect.into(),
        time_added: None,
    }
}

fn node(name: &str, taints: Vec<Taint>) -> Object {
    Object::from(Node {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        spec: Some(NodeSpec {
            taints: Some(taints),
            ..NodeSpec::default()
        }),
        ..Node::default()
    })
}

fn times(obj: &Object) -> Vec<(String, Option<Time>)> {
    let node: &Node = obj.as_typed().expect("a node");
    node.spec
        .iter()
        .flat_map(|s| s.taints.iter().flatten())
        .map(|t| (t.key.clone(), t.time_added.clone()))
        .collect()
}

#[test]
fn node_should_be_cluster_scoped_and_keep_its_status_on_update() {
    let s = server();
    let mut obj = node("worker", vec![]);
    obj.metadata_mut().namespace = Some("default".into());
    let created = s.create(obj).expect("created");
    assert_eq!(
        (created.namespace(), created.key().as_str()),
        ("", "worker")
    );
    let mut with_status = created.clone();
    if let Object::Node(n) = &mut with_status {
        std::sync::Arc::make_mut(n).status = Some(NodeStatus {
            phase: Some("Running".into()),
            ..NodeStatus::default()
        });
    }
    s.update_status(with_status.clone())
        .expect("status written");
    let replaced = s
        .update(node("worker", vec![taint("k", "v", "NoSchedule")]))
        .expect("updated");
    let status = replaced.as_typed::<Node>().and_then(|n| n.status.clone());
    assert_eq!(status.and_then(|s| s.phase).as_deref(), Some("Running"));
    assert!(s.peek(Kind::Node, "", "worker").is_some());
}

#[test]
fn no_execute_taints_should_get_time_added_and_keep_it_across_updates() {
    let (rt, dyn_rt) = runtime();
    let s = server_on(&dyn_rt, ApiServerConfig::default());
    let created = s
        .create(node(
            "n",
            vec![taint("a", "1", "NoExecute"), taint("b", "1", "NoSchedule")],
        ))
        .expect("created");
    let at = |d: u64| Some(Time(start() + Duration::from_secs(d)));
    assert_eq!(
        times(&created),
        [("a".into(), at(0)), ("b".into(), None)],
        "only NoExecute taints are stamped"
    );
    rt.advance(Duration::from_secs(5));
    let updated = s
        .update(node(
            "n",
            vec![taint("a", "1", "NoExecute"), taint("c", "1", "NoExecute")],
        ))
        .expect("updated");
    assert_eq!(
        times(&updated),
        [("a".into(), at(0)), ("c".into(), at(5))],
        "a kept its time, c is new"
    );
    rt.advance(Duration::from_secs(5));
    let changed = s
        .update(node("n", vec![taint("a", "2", "NoExecute")]))
        .expect("updated");
    assert_eq!(
        times(&changed),
        [("a".into(), at(10))],
        "another value is another taint"
    );
}

#[test]
fn node_taints_should_stay_without_time_when_defaulting_is_off() {
    let s = server();
    s.set_default_taint_time_added(false);
    let created = s
        .create(node("n", vec![taint("a", "1", "NoExecute")]))
        .expect("created");
    assert_eq!(times(&created), [("a".into(), None)]);
}

#[test]
fn get_node_should_take_steps_named_by_the_node_key() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    server.create(node("worker", vec![])).expect("created");
    let client = ApiClient::new(server.clone(), dyn_rt.clone());
    let found = spawn_result(&dyn_rt, client.get_node("worker"));
    let missing = spawn_result(&dyn_rt, client.get_node("gone"));
    rt.run_until_stalled();
    assert_eq!(
        take(&found)
            .and_then(Result::ok)
            .and_then(|n| n.metadata.name)
            .as_deref(),
        Some("worker")
    );
    assert!(take(&missing).is_some_and(|r| r.is_err_and(|e| e.is_not_found())));
    assert_eq!(
        rt.steps(),
        [
            "GET node worker",
            "GET node gone",
            "GET node worker -> 200",
            "GET node gone -> 404 NotFound",
        ]
    );
}
