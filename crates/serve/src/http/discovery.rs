//! Discovery: `/version`, `/api`, `/apis` and the group-version resource lists, in the legacy
//! (unaggregated) form that kubectl and kube-rs fall back to when the server does not answer
//! with aggregated discovery.

use serde_json::{Value, json};

use crate::resource::{RESOURCE_GROUP, RESOURCE_VERSIONS, Resource, of_group_version};

/// `/version`. The minor version is the device taint eviction controller's release.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-taintsim",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "2025-03-20T12:00:00Z",
        "goVersion": "taintsim",
        "compiler": "taintsim",
        "platform": "simulated"
    })
}

/// `/api`.
pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

fn group_version(version: &str) -> Value {
    json!({"groupVersion": format!("{RESOURCE_GROUP}/{version}"), "version": version})
}

/// `/apis/resource.k8s.io`: the group with its versions and the preferred one.
pub fn resource_group(preferred: &str) -> Value {
    json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": RESOURCE_GROUP,
        "versions": RESOURCE_VERSIONS.iter().map(|v| group_version(v)).collect::<Vec<_>>(),
        "preferredVersion": group_version(preferred)
    })
}

/// `/apis`.
pub fn groups(preferred: &str) -> Value {
    let mut group = resource_group(preferred);
    if let Some(map) = group.as_object_mut() {
        map.remove("kind");
        map.remove("apiVersion");
    }
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [group]})
}

fn verbs(status: bool) -> Vec<&'static str> {
    if status {
        vec!["get", "patch", "update"]
    } else {
        vec![
            "create", "delete", "get", "list", "patch", "update", "watch",
        ]
    }
}

fn entry(r: &Resource, status: bool) -> Value {
    let name = if status {
        format!("{}/status", r.plural())
    } else {
        r.plural().to_owned()
    };
    let mut e = json!({
        "name": name,
        "singularName": if status { "" } else { r.kind.singular() },
        "namespaced": r.kind.is_namespaced(),
        "kind": r.kind.name(),
        "verbs": verbs(status),
    });
    if !status && !r.short_names.is_empty() {
        e["shortNames"] = json!(r.short_names);
    }
    e
}

/// `/api/v1` or `/apis/resource.k8s.io/<version>`; `None` for an unknown group version.
pub fn resources(group: &str, version: &str) -> Option<Value> {
    let served = of_group_version(group, version);
    if served.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for r in &served {
        list.push(entry(r, false));
        if r.kind.has_status_subresource() {
            list.push(entry(r, true));
        }
    }
    let group_version = served[0].api_version();
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": list
    }))
}
