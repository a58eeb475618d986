//! `ValidateObjectMeta` (names, namespace, labels, annotations, owner references) and the
//! Event rules of `ValidateEventCreate`.

use serde_json::Value;

use super::names;
use super::{Errors, list};
use crate::kind::Kind;

/// The object metadata rules every kind shares.
pub(crate) fn check(kind: Kind, value: &Value, errors: &mut Errors) {
    let meta = value.get("metadata").unwrap_or(&Value::Null);
    match Errors::str_at(meta, "name") {
        None | Some("") => errors.required("metadata.name", "name or generateName is required"),
        Some(name) => errors.name("metadata.name", name, names::subdomain),
    }
    if kind.is_namespaced() {
        match Errors::str_at(meta, "namespace") {
            None | Some("") => errors.required("metadata.namespace", ""),
            Some(ns) => errors.name("metadata.namespace", ns, names::label),
        }
    }
    if let Some(labels) = meta.get("labels").and_then(Value::as_object) {
        for (key, v) in labels {
            errors.name("metadata.labels", key, names::qualified_name);
            let v = v.as_str().unwrap_or("");
            errors.name(&format!("metadata.labels[{key}]"), v, names::label_value);
        }
    }
    if let Some(annotations) = meta.get("annotations").and_then(Value::as_object) {
        for key in annotations.keys() {
            errors.name(
                "metadata.annotations",
                &key.to_lowercase(),
                names::qualified_name,
            );
        }
    }
    for (i, owner) in list(meta, "ownerReferences").iter().enumerate() {
        let path = format!("metadata.ownerReferences[{i}]");
        for field in ["apiVersion", "kind", "name", "uid"] {
            if Errors::str_at(owner, field).unwrap_or("").is_empty() {
                let detail = match field {
                    "apiVersion" => "version must not be empty",
                    "kind" => "kind must not be empty",
                    "name" => "name must not be empty",
                    _ => "uid must not be empty",
                };
                errors.invalid(format!("{path}.{field}"), "", detail);
            }
        }
    }
}

/// `ValidateEventCreate` for core/v1 events: the involved object's namespace must be the
/// event's (an involved object without one allows `default` only).
pub(crate) fn check_event(value: &Value, errors: &mut Errors) {
    let ns = value
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let involved = value
        .pointer("/involvedObject/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let matches = if involved.is_empty() {
        ns.is_empty() || ns == "default"
    } else {
        involved == ns
    };
    if !matches {
        errors.invalid(
            "involvedObject.namespace",
            involved,
            "does not match event.namespace",
        );
    }
}
