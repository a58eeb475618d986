//! Strategic merge patch (`application/strategic-merge-patch+json`), what kubectl's
//! client-side `apply`, `label`, `annotate` and `patch` (its default type) send.
//!
//! Maps merge key by key and `null` deletes a key, as in a JSON merge patch. Lists merge by
//! their patch merge key where the Go type declares one (`patchStrategy:"merge"` with
//! `patchMergeKey`); every other list is replaced whole. The directives `$patch` (`replace`,
//! `delete`, `merge`), `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
//! `$setElementOrder/<field>` are understood; the last only orders, and is dropped.
//!
//! The merge keys are upstream's struct tags (`k8s.io/api/core/v1/types.go`,
//! `k8s.io/api/resource/*/types.go`, `k8s.io/apimachinery/.../meta/v1/types.go`) for the
//! fields these kinds have; see [`list_strategy`].

use serde_json::{Map, Value};
use taintsim_api::Kind;

/// How a list field merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStrategy {
    /// Replaced whole (no patch strategy, or `listType=atomic`).
    Replace,
    /// Objects merged by this key.
    MergeBy(&'static str),
    /// A set of primitives: the patch's values are added.
    MergePrimitives,
}

/// The strategy of the list at `path` (field names from the object's root, list indices left
/// out) in an object of `kind`.
pub fn list_strategy(kind: Kind, path: &[&str]) -> ListStrategy {
    use ListStrategy::{MergeBy, MergePrimitives, Replace};
    match path {
        ["metadata", "ownerReferences"] => MergeBy("uid"),
        ["metadata", "finalizers"] => MergePrimitives,
        _ if kind == Kind::Pod => match path {
            [
                "spec",
                "containers" | "initContainers" | "ephemeralContainers",
            ] => MergeBy("name"),
            [
                "spec",
                "containers" | "initContainers" | "ephemeralContainers",
                field,
            ] => match *field {
                "ports" => MergeBy("containerPort"),
                "env" => MergeBy("name"),
                "volumeMounts" => MergeBy("mountPath"),
                "volumeDevices" => MergeBy("devicePath"),
                _ => Replace,
            },
            [
                "spec",
                "volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates",
            ] => MergeBy("name"),
            ["spec", "hostAliases"] => MergeBy("ip"),
            ["spec", "topologySpreadConstraints"] => MergeBy("topologyKey"),
            ["status", "conditions"] => MergeBy("type"),
            ["status", "podIPs" | "hostIPs"] => MergeBy("ip"),
            ["status", "resourceClaimStatuses"] => MergeBy("name"),
            _ => Replace,
        },
        ["status", "reservedFor"] if kind == Kind::ResourceClaim => MergeBy("uid"),
        _ => Replace,
    }
}

const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVES: &str = "$deleteFromPrimitiveList/";

/// Applies `patch` to `original` (both JSON objects) for an object of `kind`.
pub fn apply(kind: Kind, original: &Value, patch: &Value) -> Result<Value, String> {
    let mut path = Vec::new();
    merge_value(kind, original, patch, &mut path)
}

fn merge_value<'p>(
    kind: Kind,
    original: &Value,
    patch: &'p Value,
    path: &mut Vec<&'p str>,
) -> Result<Value, String> {
    match (original, patch) {
        (Value::Object(o), Value::Object(p)) => merge_map(kind, o, p, path).map(Value::Object),
        _ => Ok(strip_directives(patch)),
    }
}

fn merge_map<'p>(
    kind: Kind,
    original: &Map<String, Value>,
    patch: &'p Map<String, Value>,
    path: &mut Vec<&'p str>,
) -> Result<Map<String, Value>, String> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let Value::Object(replaced) = strip_directives(&Value::Object(patch.clone())) else {
                return Ok(Map::new());
            };
            return Ok(replaced);
        }
        Some("delete") => return Ok(Map::new()),
        Some("merge") | None => {}
        Some(other) => return Err(format!("unknown patch type: {other}")),
    }
    let mut merged = original.clone();
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(DELETE_PRIMITIVES) {
            let remove: Vec<&Value> = value
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            if let Some(Value::Array(items)) = merged.get_mut(field) {
                items.retain(|v| !remove.contains(&v));
            }
            continue;
        }
        if key.starts_with(SET_ORDER) || key == "$patch" || key == "$retainKeys" {
            continue;
        }
        if value.is_null() {
            merged.remove(key);
            continue;
        }
        path.push(key.as_str());
        let next = match (merged.get(key), value) {
            (Some(Value::Array(o)), Value::Array(p)) => {
                merge_list(kind, o, p, path).map(Value::Array)?
            }
            (Some(o), p) => merge_value(kind, o, p, path)?,
            (None, p) => strip_directives(p),
        };
        path.pop();
        merged.insert(key.clone(), next);
    }
    if let Some(keep) = patch.get("$retainKeys").and_then(Value::as_array) {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        merged.retain(|k, _| keep.contains(&k.as_str()));
    }
    Ok(merged)
}

fn merge_list<'p>(
    kind: Kind,
    original: &[Value],
    patch: &'p [Value],
    path: &mut Vec<&'p str>,
) -> Result<Vec<Value>, String> {
    let replace_all = patch
        .iter()
        .any(|p| p.get("$patch").and_then(Value::as_str) == Some("replace"));
    match list_strategy(kind, path) {
        _ if replace_all => Ok(patch
            .iter()
            .filter(|p| p.get("$patch").is_none())
            .map(strip_directives)
            .collect()),
        ListStrategy::Replace => Ok(patch.iter().map(strip_directives).collect()),
        ListStrategy::MergePrimitives => {
            let mut merged = original.to_vec();
            for p in patch {
                if !merged.contains(p) {
                    merged.push(p.clone());
                }
            }
            Ok(merged)
        }
        ListStrategy::MergeBy(merge_key) => {
            let mut merged = original.to_vec();
            for p in patch {
                let key = p.get(merge_key).ok_or_else(|| {
                    format!("map: {p} does not contain declared merge key: {merge_key}")
                })?;
                let at = merged.iter().position(|o| o.get(merge_key) == Some(key));
                let delete = p.get("$patch").and_then(Value::as_str) == Some("delete");
                match (at, delete) {
                    (Some(i), true) => {
                        merged.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => merged[i] = merge_value(kind, &merged[i], p, path)?,
                    (None, false) => merged.push(strip_directives(p)),
                }
            }
            Ok(merged)
        }
    }
}

/// `value` without `$`-directives, for parts of a patch that are taken as they are.
fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_should_merge_by_name_and_tolerations_be_replaced() {
        let pod = json!({"metadata": {"labels": {"a": "1", "b": "2"}},
            "spec": {"containers": [{"name": "app", "image": "x"}, {"name": "side", "image": "y"}],
                     "tolerations": [{"key": "k"}]}});
        let patch = json!({"metadata": {"labels": {"b": null, "c": "3"}},
            "spec": {"containers": [{"name": "side", "image": "z"}, {"name": "new", "image": "n"}],
                     "tolerations": [{"key": "other"}]}});
        let got = apply(Kind::Pod, &pod, &patch).expect("applies");
        assert_eq!(got["metadata"]["labels"], json!({"a": "1", "c": "3"}));
        assert_eq!(
            got["spec"]["containers"],
            json!([{"name": "app", "image": "x"}, {"name": "side", "image": "z"}, {"name": "new", "image": "n"}])
        );
        assert_eq!(got["spec"]["tolerations"], json!([{"key": "other"}]));
    }

    #[test]
    fn directives_should_delete_replace_and_retain() {
        let pod = json!({"metadata": {"finalizers": ["a", "b"]},
            "spec": {"containers": [{"name": "app", "image": "x"}, {"name": "side", "image": "y"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let patch = json!({
            "$setElementOrder/containers": [{"name": "app"}],
            "metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["c"]},
            "spec": {"containers": [{"name": "side", "$patch": "delete"}]},
            "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "DisruptionTarget", "status": "True"}]}
        });
        let got = apply(Kind::Pod, &pod, &patch).expect("applies");
        assert_eq!(got["metadata"]["finalizers"], json!(["b", "c"]));
        assert_eq!(
            got["spec"]["containers"],
            json!([{"name": "app", "image": "x"}])
        );
        assert_eq!(
            got["status"]["conditions"],
            json!([{"type": "Ready", "status": "False"}, {"type": "DisruptionTarget", "status": "True"}])
        );
        let replaced = apply(
            Kind::Pod,
            &pod,
            &json!({"spec": {"$patch": "replace", "containers": []}}),
        )
        .expect("applies");
        assert_eq!(replaced["spec"], json!({"containers": []}));
        let claim = json!({"status": {"reservedFor": [{"uid": "1", "name": "a"}]}});
        let got = apply(
            Kind::ResourceClaim,
            &claim,
            &json!({"status": {"reservedFor": [{"uid": "2", "name": "b"}]}}),
        )
        .expect("applies");
        assert_eq!(
            got["status"]["reservedFor"].as_array().map(Vec::len),
            Some(2)
        );
        assert!(
            apply(
                Kind::Pod,
                &pod,
                &json!({"spec": {"containers": [{"image": "no-name"}]}})
            )
            .is_err()
        );
    }
}
