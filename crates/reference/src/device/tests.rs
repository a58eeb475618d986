//! The device reference on small worlds written as API objects.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use taintsim_api::Object;

use super::*;

pub(super) const ADDED: &str = "2025-03-20T12:00:00Z";

/// A cluster of objects held in a list.
pub(super) struct Objects(pub(super) Vec<Object>);

impl Cluster for Objects {
    fn list(&self, kind: Kind) -> Vec<Object> {
        self.0
            .iter()
            .filter(|o| o.kind() == kind)
            .cloned()
            .collect()
    }

    fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<Object> {
        self.0
            .iter()
            .find(|o| o.kind() == kind && o.namespace() == namespace && o.name() == name)
            .cloned()
    }
}

pub(super) fn object(value: Value) -> Object {
    Object::from_value(value).expect("a valid object")
}

pub(super) fn at(seconds: i64) -> Due {
    let added: Timestamp = ADDED.parse().expect("a time");
    Due::At(added + SignedDuration::from_secs(seconds))
}

pub(super) fn slice(api: &str, taints: Value) -> Object {
    let device = if api == "v1beta1" {
        json!({"name": "dev", "basic": {"taints": taints}})
    } else {
        json!({"name": "dev", "taints": taints})
    };
    object(json!({
        "apiVersion": format!("resource.k8s.io/{api}"), "kind": "ResourceSlice",
        "metadata": {"name": "slice"},
        "spec": {"driver": "drv", "nodeName": "node",
                 "pool": {"name": "pool", "generation": 1, "resourceSliceCount": 1},
                 "devices": [device]}
    }))
}

pub(super) fn no_execute(key: &str) -> Value {
    json!({"key": key, "effect": "NoExecute", "timeAdded": ADDED})
}

pub(super) fn claim(
    name: &str,
    owner: Option<&str>,
    tolerations: Value,
    reserved_for: &[&str],
) -> Object {
    let owners: Vec<Value> = owner
        .iter()
        .map(|uid| json!({"apiVersion": "v1", "kind": "Pod", "name": "pod", "uid": uid, "controller": true}))
        .collect();
    let reserved: Vec<Value> = reserved_for
        .iter()
        .map(|uid| json!({"resource": "pods", "name": "pod", "uid": uid}))
        .collect();
    object(json!({
        "apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
        "metadata": {"name": name, "namespace": "ns", "uid": format!("{name}-uid"), "ownerReferences": owners},
        "spec": {},
        "status": {
            "allocation": {"devices": {"results": [
                {"request": "r", "driver": "drv", "pool": "pool", "device": "dev", "tolerations": tolerations}
            ]}},
            "reservedFor": reserved
        }
    }))
}

pub(super) fn pod(claims: Value, statuses: Value) -> Pod {
    let o = object(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "pod", "namespace": "ns", "uid": "pod-uid"},
        "spec": {"nodeName": "node", "containers": [], "resourceClaims": claims},
        "status": {"resourceClaimStatuses": statuses}
    }));
    match o {
        Object::Pod(p) => std::sync::Arc::unwrap_or_clone(p),
        _ => unreachable!("a pod"),
    }
}

pub(super) fn direct(claim: &str) -> Value {
    json!([{"name": "entry", "resourceClaimName": claim}])
}

fn due(objects: Vec<Object>, pod: &Pod) -> Due {
    DeviceReference::default().due(&Objects(objects), pod)
}

#[test]
fn inputs_should_list_the_kinds_it_reads_in_a_fixed_order() {
    assert_eq!(
        DeviceReference::new(Release::V1_33).inputs(),
        [
            Kind::ResourceClaim,
            Kind::ResourceSlice,
            Kind::DeviceTaintRule
        ]
    );
}

#[test]
fn an_untolerated_taint_should_be_due_at_its_time_in_both_slice_versions() {
    for api in ["v1beta1", "v1"] {
        let world = vec![
            slice(api, json!([no_execute("k")])),
            claim("c", None, json!([]), &["pod-uid"]),
        ];
        assert_eq!(due(world, &pod(direct("c"), json!([]))), at(0), "{api}");
    }
}

#[test]
fn tolerations_should_come_from_the_allocation_result() {
    let tolerations = json!([{"key": "k", "operator": "Exists", "tolerationSeconds": 60}]);
    let world = vec![
        slice(
            "v1",
            json!([no_execute("k"), {"key": "s", "effect": "NoSchedule"}]),
        ),
        claim("c", None, tolerations, &["pod-uid"]),
    ];
    assert_eq!(due(world, &pod(direct("c"), json!([]))), at(60));
}

#[test]
fn an_unscheduled_pod_should_never_be_due() {
    let world = vec![
        slice("v1", json!([no_execute("k")])),
        claim("c", None, json!([]), &["pod-uid"]),
    ];
    let mut p = pod(direct("c"), json!([]));
    if let Some(spec) = p.spec.as_mut() {
        spec.node_name = None;
    }
    assert_eq!(due(world, &p), Due::Never);
}

#[test]
fn a_claim_should_count_only_while_allocated_and_reserved_for_the_pod() {
    let p = pod(direct("c"), json!([]));
    let tainted = || slice("v1", json!([no_execute("k")]));
    let other = vec![tainted(), claim("c", None, json!([]), &["other-uid"])];
    assert_eq!(due(other, &p), Due::Never, "reserved for another pod");
    let mut unallocated = claim("c", None, json!([]), &["pod-uid"]).to_value();
    unallocated["status"]
        .as_object_mut()
        .map(|s| s.remove("allocation"));
    assert_eq!(
        due(vec![tainted(), object(unallocated)], &p),
        Due::Never,
        "not allocated"
    );
    assert_eq!(due(vec![tainted()], &p), Due::Never, "no such claim");
}

#[test]
fn a_template_claim_should_be_found_through_the_status_and_be_owned_by_the_pod() {
    let entry = json!([{"name": "entry", "resourceClaimTemplateName": "tmpl"}]);
    let status = json!([{"name": "entry", "resourceClaimName": "generated"}]);
    let tainted = || slice("v1", json!([no_execute("k")]));
    let owned = claim("generated", Some("pod-uid"), json!([]), &["pod-uid"]);
    let p = pod(entry.clone(), status.clone());
    assert_eq!(due(vec![tainted(), owned.clone()], &p), at(0));
    let foreign = claim("generated", Some("other-uid"), json!([]), &["pod-uid"]);
    assert_eq!(due(vec![tainted(), foreign], &p), Due::Never, "not owned");
    let unowned = claim("generated", None, json!([]), &["pod-uid"]);
    assert_eq!(due(vec![tainted(), unowned], &p), Due::Never, "no owner");
    let not_created = pod(entry.clone(), json!([]));
    assert_eq!(
        due(vec![tainted(), owned.clone()], &not_created),
        Due::Never
    );
    let not_needed = pod(entry, json!([{"name": "entry"}]));
    assert_eq!(due(vec![tainted(), owned], &not_needed), Due::Never);
}

#[test]
fn the_pod_should_be_due_at_the_earliest_of_its_claims() {
    let claims = json!([
        {"name": "a", "resourceClaimName": "late"},
        {"name": "b", "resourceClaimName": "soon"}
    ]);
    let late = json!([{"operator": "Exists", "tolerationSeconds": 600}]);
    let soon = json!([{"operator": "Exists", "tolerationSeconds": 30}]);
    let world = vec![
        slice("v1", json!([no_execute("k")])),
        claim("late", None, late, &["pod-uid"]),
        claim("soon", None, soon, &["pod-uid"]),
    ];
    assert_eq!(due(world, &pod(claims, json!([]))), at(30));
}

#[test]
fn a_rule_should_taint_the_devices_it_selects() {
    let rule = |name: &str, selector: Option<Value>| {
        let mut spec = json!({"taint": no_execute(name)});
        if let Some(s) = selector {
            spec["deviceSelector"] = s;
        }
        object(json!({
            "apiVersion": "resource.k8s.io/v1alpha3", "kind": "DeviceTaintRule",
            "metadata": {"name": name}, "spec": spec
        }))
    };
    let tolerate_k = json!([{"key": "k", "operator": "Exists"}]);
    let base = || {
        vec![
            slice("v1", json!([no_execute("k")])),
            claim("c", None, tolerate_k.clone(), &["pod-uid"]),
        ]
    };
    let p = pod(direct("c"), json!([]));
    assert_eq!(
        due(base(), &p),
        Due::Never,
        "the device's own taint is tolerated"
    );
    let mut world = base();
    world.push(rule("nil", None));
    world.push(rule("elsewhere", Some(json!({"pool": "other"}))));
    assert_eq!(due(world, &p), Due::Never, "no rule selects the device");
    let mut world = base();
    world.push(rule(
        "this",
        Some(json!({"driver": "drv", "device": "dev"})),
    ));
    assert_eq!(due(world, &p), at(0));
    let mut world = base();
    world.push(rule("everything", Some(json!({}))));
    assert_eq!(due(world, &p), at(0));
}

#[test]
fn a_taint_without_time_added_anywhere_should_leave_scheduled_pods_unjudged() {
    let world = vec![
        slice("v1", json!([{"key": "k", "effect": "NoExecute"}])),
        claim("c", None, json!([]), &["other-uid"]),
    ];
    assert!(matches!(
        due(world, &pod(direct("c"), json!([]))),
        Due::Unknown(_)
    ));
}

#[test]
fn a_rule_taint_without_time_added_should_leave_pods_unjudged_only_where_it_applies() {
    let rule = |selector: Value| {
        object(json!({
            "apiVersion": "resource.k8s.io/v1alpha3", "kind": "DeviceTaintRule",
            "metadata": {"name": "untimed"},
            "spec": {"taint": {"key": "r", "effect": "NoExecute"}, "deviceSelector": selector}
        }))
    };
    let world = |selector: Value| {
        vec![
            slice("v1", json!([])),
            // Not this pod's: only the world-wide question can make it unjudged.
            claim("c", None, json!([]), &["other-uid"]),
            rule(selector),
        ]
    };
    let p = pod(direct("c"), json!([]));
    assert!(matches!(
        due(world(json!({"driver": "drv", "device": "dev"})), &p),
        Due::Unknown(_)
    ));
    assert_eq!(due(world(json!({"pool": "other"})), &p), Due::Never);
}
