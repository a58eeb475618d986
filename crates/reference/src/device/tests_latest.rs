//! The `latest` reference on small worlds: where it answers as the 1.33 one does not.

use serde_json::{Value, json};
use taintsim_api::Object;

use super::tests::{ADDED, Objects, at, claim, direct, no_execute, object, pod, slice};
use super::*;

fn latest(workload_resource_claims: bool) -> DeviceReference {
    DeviceReference::new(Release::Latest {
        workload_resource_claims,
    })
}

fn due(objects: Vec<Object>, pod: &Pod) -> Due {
    latest(false).due(&Objects(objects), pod)
}

fn rule(name: &str, selector: Option<Value>, effect: &str) -> Object {
    let mut spec = json!({"taint": {"key": name, "effect": effect, "timeAdded": ADDED}});
    if let Some(selector) = selector {
        spec["deviceSelector"] = selector;
    }
    object(json!({
        "apiVersion": "resource.k8s.io/v1alpha3", "kind": "DeviceTaintRule",
        "metadata": {"name": name}, "spec": spec
    }))
}

fn with(pod: &Pod, edit: impl FnOnce(&mut Value)) -> Pod {
    let mut v = Object::from(pod.clone()).to_value();
    edit(&mut v);
    match object(v) {
        Object::Pod(p) => std::sync::Arc::unwrap_or_clone(p),
        _ => unreachable!("a pod"),
    }
}

#[test]
fn a_rule_should_taint_an_allocated_device_no_slice_publishes() {
    let world = || {
        vec![
            rule("r", Some(json!({"driver": "drv"})), "NoExecute"),
            claim("c", None, json!([]), &["pod-uid"]),
        ]
    };
    let p = pod(direct("c"), json!([]));
    assert_eq!(
        due(world(), &p),
        at(0),
        "latest matches the allocation result"
    );
    assert_eq!(
        DeviceReference::new(Release::V1_33).due(&Objects(world()), &p),
        Due::Never,
        "1.33 merges rules into published slices only"
    );
}

#[test]
fn a_missing_selector_should_match_nothing_and_an_empty_one_everything() {
    let p = pod(direct("c"), json!([]));
    let c = || claim("c", None, json!([]), &["pod-uid"]);
    assert_eq!(due(vec![rule("r", None, "NoExecute"), c()], &p), Due::Never);
    assert_eq!(
        due(vec![rule("r", Some(json!({})), "NoExecute"), c()], &p),
        at(0)
    );
    for effect in ["None", "NoSchedule", "Bogus"] {
        let world = vec![rule("r", Some(json!({})), effect), c()];
        assert_eq!(due(world, &p), Due::Never, "{effect} never evicts");
    }
}

#[test]
fn the_extended_resource_claim_should_count_when_the_pod_controls_it() {
    let world = |owner| {
        vec![
            slice("v1", json!([no_execute("k")])),
            claim("ext", owner, json!([]), &["pod-uid"]),
        ]
    };
    let p = with(&pod(json!([]), json!([])), |v| {
        v["status"]["extendedResourceClaimStatus"] = json!({
            "resourceClaimName": "ext",
            "requestMappings": [{"containerName": "c", "resourceName": "example.com/gpu", "requestName": "r"}]
        });
    });
    assert_eq!(due(world(Some("pod-uid")), &p), at(0));
    assert_eq!(due(world(Some("someone-else")), &p), Due::Never);
    assert_eq!(
        DeviceReference::new(Release::V1_33).due(&Objects(world(Some("pod-uid"))), &p),
        Due::Never,
        "1.33 does not read the extended status"
    );
}

#[test]
fn a_pod_group_reservation_should_count_only_with_workload_resource_claims() {
    let c = object(json!({
        "apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
        "metadata": {"name": "c", "namespace": "ns", "uid": "c-uid"},
        "spec": {},
        "status": {
            "allocation": {"devices": {"results": [
                {"request": "r", "driver": "drv", "pool": "pool", "device": "dev"}
            ]}},
            "reservedFor": [{"apiGroup": "scheduling.k8s.io", "resource": "podgroups", "name": "group", "uid": "g-uid"}]
        }
    }));
    let world = || vec![slice("v1", json!([no_execute("k")])), c.clone()];
    let p = with(&pod(direct("c"), json!([])), |v| {
        v["spec"]["workloadRef"] = json!({"name": "w", "podGroup": "group"});
    });
    assert_eq!(latest(true).due(&Objects(world()), &p), at(0));
    assert_eq!(latest(false).due(&Objects(world()), &p), Due::Never);
    let other = with(&p, |v| {
        v["spec"]["workloadRef"]["podGroup"] = json!("other")
    });
    assert_eq!(latest(true).due(&Objects(world()), &other), Due::Never);
}

#[test]
fn a_pod_being_deleted_should_not_be_judged() {
    let world = vec![
        slice("v1", json!([no_execute("k")])),
        claim("c", None, json!([]), &["pod-uid"]),
    ];
    let p = with(&pod(direct("c"), json!([])), |v| {
        v["metadata"]["deletionTimestamp"] = json!(ADDED);
    });
    assert!(matches!(due(world, &p), Due::Unknown(_)));
}

#[test]
fn a_toleration_with_an_empty_effect_should_count() {
    let tolerations = json!([{"key": "k", "operator": "Exists", "tolerationSeconds": 30}]);
    let world = vec![
        slice("v1", json!([no_execute("k")])),
        claim("c", None, tolerations, &["pod-uid"]),
    ];
    assert_eq!(due(world, &pod(direct("c"), json!([]))), at(30));
}

#[test]
fn a_taint_without_time_added_should_leave_only_the_pods_it_reaches_unjudged() {
    let untimed = object(json!({
        "apiVersion": "resource.k8s.io/v1alpha3", "kind": "DeviceTaintRule",
        "metadata": {"name": "untimed"},
        "spec": {"deviceSelector": {"driver": "other"}, "taint": {"key": "u", "effect": "NoExecute"}}
    }));
    let world = vec![
        untimed,
        slice("v1", json!([no_execute("k")])),
        claim("c", None, json!([]), &["pod-uid"]),
    ];
    assert_eq!(due(world, &pod(direct("c"), json!([]))), at(0));
}
