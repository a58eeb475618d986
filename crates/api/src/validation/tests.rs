use serde_json::json;

use super::*;

fn obj(value: serde_json::Value) -> Object {
    Object::from_value(value).expect("a known type")
}

fn pod(spec: serde_json::Value) -> Object {
    obj(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "my-pod", "namespace": "default"}, "spec": spec}))
}

fn app() -> serde_json::Value {
    json!([{"name": "app", "image": "registry.k8s.io/pause:3.10"}])
}

fn causes(result: Result<(), ApiError>) -> Vec<(String, String)> {
    let err = result.expect_err("invalid");
    assert_eq!(err.reason, StatusReason::Invalid);
    assert_eq!(err.code, 422);
    err.causes
        .into_iter()
        .map(|c| (c.field, c.reason))
        .collect()
}

#[test]
fn a_pod_without_spec_should_need_containers() {
    let p = obj(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"}}));
    let err = validate_create(&p).expect_err("no spec");
    assert_eq!(
        err.message,
        "Pod \"p\" is invalid: spec.containers: Required value"
    );
    assert_eq!(err.causes[0].reason, "FieldValueRequired");
    assert!(validate_create(&pod(json!({"containers": app()}))).is_ok());
}

#[test]
fn pod_names_images_and_enums_should_be_checked() {
    let bad = pod(json!({
        "containers": [{"name": "App"}, {"name": "b", "image": "x"}, {"name": "b", "image": "x"}],
        "restartPolicy": "Sometimes",
        "tolerations": [
            {"key": "k", "operator": "Is", "effect": "NoExecute"},
            {"operator": "Equal"},
            {"key": "k", "operator": "Exists", "value": "v", "effect": "Sometimes"},
            {"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}
        ]
    }));
    let got = causes(validate_create(&bad));
    let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
    for want in [
        "spec.containers[0].name",
        "spec.containers[0].image",
        "spec.containers[2].name",
        "spec.restartPolicy",
        "spec.tolerations[0].operator",
        "spec.tolerations[1].operator",
        "spec.tolerations[2].operator",
        "spec.tolerations[2].effect",
        "spec.tolerations[3].effect",
    ] {
        assert!(fields.contains(&want), "{want} missing from {fields:?}");
    }
    let mut bad_name = pod(json!({"containers": app()}));
    bad_name.metadata_mut().name = Some("My_Pod".into());
    assert_eq!(
        causes(validate_create(&bad_name)),
        vec![("metadata.name".to_owned(), "FieldValueInvalid".to_owned())]
    );
}

#[test]
fn a_pod_update_should_change_only_the_allowed_fields() {
    let old =
        pod(json!({"containers": app(), "tolerations": [{"key": "a", "operator": "Exists"}]}));
    let image = pod(json!({
        "containers": [{"name": "app", "image": "other"}],
        "tolerations": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}]
    }));
    assert!(validate_update(&image, &old).is_ok());
    let node = pod(json!({"containers": app(), "nodeName": "worker",
        "tolerations": [{"key": "a", "operator": "Exists"}]}));
    let err = validate_update(&node, &old).expect_err("nodeName may not be set by update");
    assert!(
        err.message
            .contains("spec: Forbidden: pod updates may not change fields"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("changed: spec.nodeName"),
        "{}",
        err.message
    );
    let dropped = pod(json!({"containers": app()}));
    assert_eq!(
        causes(validate_update(&dropped, &old)),
        vec![(
            "spec.tolerations[0]".to_owned(),
            "FieldValueForbidden".to_owned()
        )]
    );
}

fn slice(devices: serde_json::Value, node: &str) -> Object {
    obj(
        json!({"apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceSlice",
        "metadata": {"name": "s"},
        "spec": {"driver": "drv", "nodeName": node,
            "pool": {"name": "p", "generation": 1, "resourceSliceCount": 1},
            "devices": devices}}),
    )
}

#[test]
fn slice_taints_should_need_a_key_and_a_known_effect() {
    let ok = slice(
        json!([{"name": "d", "basic": {"taints": [{"key": "k", "effect": "NoExecute"}]}}]),
        "n",
    );
    assert!(validate_create(&ok).is_ok());
    let bad = slice(
        json!([{"name": "d", "basic": {"taints": [{"effect": "PreferNoSchedule"}]}}, {"name": "d"}]),
        "n",
    );
    assert_eq!(
        causes(validate_create(&bad)),
        vec![
            (
                "spec.devices[0].basic.taints[0].key".to_owned(),
                "FieldValueRequired".to_owned()
            ),
            (
                "spec.devices[0].basic.taints[0].effect".to_owned(),
                "FieldValueNotSupported".to_owned()
            ),
            (
                "spec.devices[1].name".to_owned(),
                "FieldValueDuplicate".to_owned()
            ),
        ]
    );
    let v1 = obj(
        json!({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceSlice",
        "metadata": {"name": "s"},
        "spec": {"driver": "drv", "allNodes": true,
            "pool": {"name": "p", "generation": 1, "resourceSliceCount": 1},
            "devices": [{"name": "d", "taints": [{"key": "k", "effect": "Bad"}]}]}}),
    );
    assert_eq!(
        causes(validate_create(&v1)),
        vec![(
            "spec.devices[0].taints[0].effect".to_owned(),
            "FieldValueNotSupported".to_owned()
        )]
    );
    let moved = slice(json!([]), "other");
    assert_eq!(
        causes(validate_update(&moved, &slice(json!([]), "n"))),
        vec![("spec.nodeName".to_owned(), "FieldValueInvalid".to_owned())]
    );
}

fn claim(status: serde_json::Value) -> Object {
    obj(
        json!({"apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceClaim",
        "metadata": {"name": "c", "namespace": "default"},
        "spec": {"devices": {"requests": [{"name": "req-1", "deviceClassName": "cls"}]}},
        "status": status}),
    )
}

#[test]
fn a_claim_allocation_should_be_immutable_once_set() {
    let alloc = |device: &str| {
        json!({"allocation": {"devices": {"results": [
            {"request": "req-1", "driver": "drv", "pool": "p", "device": device}]}},
            "reservedFor": [{"resource": "pods", "name": "p", "uid": "1"}]})
    };
    let none = claim(json!({}));
    assert!(validate_status_update(&claim(alloc("a")), &none).is_ok());
    assert_eq!(
        causes(validate_status_update(
            &claim(alloc("b")),
            &claim(alloc("a"))
        )),
        vec![(
            "status.allocation".to_owned(),
            "FieldValueInvalid".to_owned()
        )]
    );
    let reserved_only =
        claim(json!({"reservedFor": [{"resource": "pods", "name": "p", "uid": "1"}]}));
    assert_eq!(
        causes(validate_status_update(&reserved_only, &none)),
        vec![(
            "status.reservedFor".to_owned(),
            "FieldValueForbidden".to_owned()
        )]
    );
    let mut respec = claim(json!({}));
    if let Object::ClaimV1beta1(c) = &mut respec {
        std::sync::Arc::make_mut(c)
            .spec
            .devices
            .get_or_insert_default()
            .requests = Some(vec![]);
    }
    assert_eq!(
        causes(validate_update(&respec, &none)),
        vec![("spec".to_owned(), "FieldValueInvalid".to_owned())]
    );
}

#[test]
fn a_claim_request_should_need_a_device_class() {
    let bad = obj(
        json!({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
        "metadata": {"name": "c", "namespace": "default"},
        "spec": {"devices": {"requests": [{"name": "r", "exactly": {"deviceClassName": ""}}]}}}),
    );
    assert_eq!(
        causes(validate_create(&bad)),
        vec![(
            "spec.devices.requests[0].exactly.deviceClassName".to_owned(),
            "FieldValueRequired".to_owned()
        )]
    );
}

#[test]
fn a_device_taint_rule_should_need_a_known_effect() {
    let rule = |effect: &str| {
        obj(
            json!({"apiVersion": "resource.k8s.io/v1alpha3", "kind": "DeviceTaintRule",
            "metadata": {"name": "r"},
            "spec": {"taint": {"key": "example.com/k", "effect": effect}}}),
        )
    };
    assert!(validate_create(&rule("NoExecute")).is_ok());
    let err = validate_create(&rule("Evict")).expect_err("unknown effect");
    assert_eq!(
        err.message,
        "DeviceTaintRule.resource.k8s.io \"r\" is invalid: spec.taint.effect: Unsupported value: \
         \"Evict\": supported values: \"NoExecute\", \"NoSchedule\", \"None\""
    );
}

#[test]
fn an_event_should_be_in_its_involved_objects_namespace() {
    let event = |ns: &str| {
        obj(json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": ns}}))
    };
    assert!(validate_create(&event("default")).is_ok());
    assert_eq!(
        causes(validate_create(&event("other"))),
        vec![(
            "involvedObject.namespace".to_owned(),
            "FieldValueInvalid".to_owned()
        )]
    );
}
