//! `api-error` faults can match one object by `namespace` and `name`, not only by verb and
//! kind, so that a fault hits one pod among many.

mod common;

use serde_json::{Value, json};
use taintsim_check::{Overrides, check_file};

/// `eviction-update.json` on a few seeds with `fault` set before everything else: it must
/// still evict `default/my-pod` unless the fault denies that pod's DELETE.
fn evicts_with(fault: Value) -> bool {
    let text = std::fs::read_to_string(common::bundled("eviction-update.json")).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    value["explore"] = json!({"strategy": "random", "seeds": "0..5"});
    let steps = value["steps"].as_array_mut().expect("steps");
    steps.insert(0, json!({"set-fault": fault}));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fault.json");
    std::fs::write(&path, value.to_string()).expect("writes");
    let verdict = check_file(&taintsim::controllers(), &path, &Overrides::default()).expect("runs");
    verdict.ok
}

#[test]
fn an_api_error_should_hit_only_the_object_it_names() {
    let deny = |extra: Value| {
        let mut fault =
            json!({"name": "deny", "api-error": {"verb": "delete", "kind": "Pod", "status": 500}});
        for (k, v) in extra.as_object().expect("fields") {
            fault["api-error"][k] = v.clone();
        }
        fault
    };
    // Every DELETE of a pod denied: the eviction fails (1.33 gives up after 5 attempts).
    assert!(!evicts_with(deny(json!({}))));
    // The same fault on the pod by name and namespace.
    assert!(!evicts_with(deny(
        json!({"namespace": "default", "name": "my-pod"})
    )));
    // Another pod, or another namespace: my-pod is evicted as usual.
    assert!(evicts_with(deny(json!({"name": "other-pod"}))));
    assert!(evicts_with(deny(
        json!({"namespace": "other", "name": "my-pod"})
    )));
}
