//! A minimal OpenAPI v3 discovery (`/openapi/v3` and one document per group version): only
//! what kubectl reads to learn that the server validates fields itself. Before `create`,
//! `apply` or `replace`, kubectl looks for a PATCH operation of the object's
//! group-version-kind that takes the `fieldValidation` query parameter
//! (`QueryParamVerifierV3`); when it finds one it sends `fieldValidation=Strict` and needs no
//! schema, otherwise it downloads the whole schema to validate on the client, which this
//! server does not serve. The documents therefore list, per resource, its object path with a
//! PATCH operation, its `x-kubernetes-group-version-kind` and that parameter, and no schemas.

use serde_json::{Map, Value, json};

use crate::resource::{RESOURCES, Resource, of_group_version};

/// The group versions, as `/openapi/v3` names them (`api/v1`, `apis/resource.k8s.io/v1`).
fn paths() -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for r in RESOURCES {
        let p = r.prefix().trim_start_matches('/').to_owned();
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen
}

/// `/openapi/v3`: the group versions and where their documents are.
pub fn root() -> Value {
    let paths: Map<String, Value> = paths()
        .into_iter()
        .map(|p| {
            let url = format!("/openapi/v3/{p}?hash=taintsim");
            (p, json!({ "serverRelativeURL": url }))
        })
        .collect();
    json!({ "paths": paths })
}

fn object_path(r: &Resource) -> String {
    if r.kind.is_namespaced() {
        format!(
            "{}/namespaces/{{namespace}}/{}/{{name}}",
            r.prefix(),
            r.plural()
        )
    } else {
        format!("{}/{}/{{name}}", r.prefix(), r.plural())
    }
}

/// `/openapi/v3/<group version>`, or `None` for one not served.
pub fn document(group_version: &str) -> Option<Value> {
    let (group, version) = match group_version.split('/').collect::<Vec<_>>().as_slice() {
        ["api", version] => ("", *version),
        ["apis", group, version] => (*group, *version),
        _ => return None,
    };
    let resources = of_group_version(group, version);
    if resources.is_empty() {
        return None;
    }
    let paths: Map<String, Value> = resources
        .iter()
        .map(|r| {
            let patch = json!({
                "operationId": format!("patch{}", r.kind.name()),
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind":
                    {"group": r.group, "version": r.version, "kind": r.kind.name()},
                "parameters": [
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}}
                ],
                "responses": {"200": {"description": "OK"}}
            });
            (object_path(r), json!({ "patch": patch }))
        })
        .collect();
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (taintsim serve)", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": {}}
    }))
}
