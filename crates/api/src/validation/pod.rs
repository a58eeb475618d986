//! Pod rules: `ValidatePodCreate` (containers, tolerations, resource claims, enums) and
//! `ValidatePodUpdate` (the spec is immutable apart from a few fields), from upstream's
//! `pkg/apis/core/validation/validation.go`.

use serde_json::{Map, Value};

use super::names;
use super::{Errors, list};

const RESTART_POLICIES: &[&str] = &["Always", "Never", "OnFailure"];
const DNS_POLICIES: &[&str] = &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
const TAINT_EFFECTS: &[&str] = &["NoExecute", "NoSchedule", "PreferNoSchedule"];
const TOLERATION_OPERATORS: &[&str] = &["Equal", "Exists"];

/// The message of `ValidatePodUpdate` when anything else changed.
const SPEC_UPDATE: &str = "pod updates may not change fields other than \
    `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,\
    `spec.tolerations` (only additions to existing tolerations),\
    `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// The rules of a pod's spec.
pub(crate) fn check(value: &Value, errors: &mut Errors) {
    let Some(spec) = value.get("spec").filter(|s| s.is_object()) else {
        errors.required("spec.containers", "");
        return;
    };
    let containers = list(spec, "containers");
    if containers.is_empty() {
        errors.required("spec.containers", "");
    }
    let mut seen = Vec::new();
    check_containers(spec, "initContainers", &mut seen, errors);
    check_containers(spec, "containers", &mut seen, errors);
    if let Some(p) = Errors::str_at(spec, "restartPolicy")
        && !RESTART_POLICIES.contains(&p)
    {
        errors.not_supported("spec.restartPolicy", p, RESTART_POLICIES);
    }
    if let Some(p) = Errors::str_at(spec, "dnsPolicy")
        && !DNS_POLICIES.contains(&p)
    {
        errors.not_supported("spec.dnsPolicy", p, DNS_POLICIES);
    }
    if let Some(node) = Errors::str_at(spec, "nodeName").filter(|n| !n.is_empty()) {
        errors.name("spec.nodeName", node, names::subdomain);
    }
    for (i, t) in list(spec, "tolerations").iter().enumerate() {
        check_toleration(&format!("spec.tolerations[{i}]"), t, errors);
    }
    check_resource_claims(spec, errors);
}

fn check_containers(spec: &Value, key: &str, seen: &mut Vec<String>, errors: &mut Errors) {
    for (i, c) in list(spec, key).iter().enumerate() {
        let path = format!("spec.{key}[{i}]");
        match Errors::str_at(c, "name").unwrap_or("") {
            "" => errors.required(format!("{path}.name"), ""),
            name => {
                errors.name(&format!("{path}.name"), name, names::label);
                if seen.iter().any(|s| s == name) {
                    errors.duplicate(format!("{path}.name"), name);
                }
                seen.push(name.to_owned());
            }
        }
        if Errors::str_at(c, "image").unwrap_or("").trim().is_empty() {
            errors.required(format!("{path}.image"), "");
        }
    }
}

/// `validateTolerations`.
fn check_toleration(path: &str, t: &Value, errors: &mut Errors) {
    let key = Errors::str_at(t, "key").unwrap_or("");
    let operator = Errors::str_at(t, "operator").unwrap_or("");
    let value = Errors::str_at(t, "value").unwrap_or("");
    let effect = Errors::str_at(t, "effect").unwrap_or("");
    if !key.is_empty() {
        errors.name(&format!("{path}.key"), key, names::qualified_name);
    } else if operator != "Exists" {
        errors.invalid(
            format!("{path}.operator"),
            operator,
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
        );
    }
    if t.get("tolerationSeconds").is_some_and(|s| !s.is_null()) && effect != "NoExecute" {
        errors.invalid(
            format!("{path}.effect"),
            effect,
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        );
    }
    match operator {
        "" | "Equal" => errors.name(&format!("{path}.value"), value, names::label_value),
        "Exists" if !value.is_empty() => errors.invalid(
            format!("{path}.operator"),
            value,
            "value must be empty when `operator` is 'Exists'",
        ),
        "Exists" => {}
        other => errors.not_supported(format!("{path}.operator"), other, TOLERATION_OPERATORS),
    }
    if !effect.is_empty() && !TAINT_EFFECTS.contains(&effect) {
        errors.not_supported(format!("{path}.effect"), effect, TAINT_EFFECTS);
    }
}

/// `validatePodResourceClaims`: unique DNS-label names, each naming exactly one source.
fn check_resource_claims(spec: &Value, errors: &mut Errors) {
    let mut seen: Vec<&str> = Vec::new();
    for (i, claim) in list(spec, "resourceClaims").iter().enumerate() {
        let path = format!("spec.resourceClaims[{i}]");
        let name = Errors::str_at(claim, "name").unwrap_or("");
        if name.is_empty() {
            errors.required(format!("{path}.name"), "");
        } else {
            errors.name(&format!("{path}.name"), name, names::label);
            if seen.contains(&name) {
                errors.duplicate(format!("{path}.name"), name);
            }
            seen.push(name);
        }
        let sources = [
            (
                "resourceClaimName",
                Errors::str_at(claim, "resourceClaimName"),
            ),
            (
                "resourceClaimTemplateName",
                Errors::str_at(claim, "resourceClaimTemplateName"),
            ),
        ];
        let set: Vec<_> = sources.iter().filter(|(_, v)| v.is_some()).collect();
        match set.as_slice() {
            [] => errors.invalid(
                path.clone(),
                name,
                "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`",
            ),
            [(field, Some(v))] => errors.name(&format!("{path}.{field}"), v, names::subdomain),
            _ => errors.invalid(
                path.clone(),
                name,
                "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified",
            ),
        }
    }
}

/// `ValidatePodUpdate`: the new spec, with the fields that may change set back to the old
/// values, must equal the old spec.
pub(crate) fn check_update(new: &Value, old: &Value, errors: &mut Errors) {
    let empty = Value::Object(Map::new());
    let old_spec = old.get("spec").unwrap_or(&empty);
    let mut munged = new.get("spec").cloned().unwrap_or_else(|| empty.clone());
    for key in ["containers", "initContainers"] {
        restore_images(&mut munged, old_spec, key);
    }
    let old_tolerations = list(old_spec, "tolerations");
    let new_tolerations = list(&munged, "tolerations");
    for (i, t) in old_tolerations.iter().enumerate() {
        if !new_tolerations.contains(t) {
            errors.forbidden(
                format!("spec.tolerations[{i}]"),
                "existing toleration can not be modified except its tolerationSeconds",
            );
        }
    }
    let negative_grace = old_spec
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .is_some_and(|s| s < 0);
    let mut restore = vec!["activeDeadlineSeconds", "tolerations"];
    if negative_grace {
        restore.push("terminationGracePeriodSeconds");
    }
    if let Some(map) = munged.as_object_mut() {
        for key in restore {
            match old_spec.get(key) {
                Some(v) => map.insert(key.to_owned(), v.clone()),
                None => map.remove(key),
            };
        }
    }
    if &munged != old_spec {
        let changed = changed_keys(&munged, old_spec);
        errors.forbidden(
            "spec",
            &format!("{SPEC_UPDATE}; changed: {}", changed.join(", ")),
        );
    }
}

fn restore_images(munged: &mut Value, old_spec: &Value, key: &str) {
    let old = list(old_spec, key);
    if let Some(containers) = munged.get_mut(key).and_then(Value::as_array_mut) {
        for (c, o) in containers.iter_mut().zip(old) {
            if let (Some(map), Some(image)) = (c.as_object_mut(), o.get("image")) {
                map.insert("image".to_owned(), image.clone());
            }
        }
    }
}

/// The top-level spec fields that differ, as `spec.<field>`.
fn changed_keys(new: &Value, old: &Value) -> Vec<String> {
    let (Some(new), Some(old)) = (new.as_object(), old.as_object()) else {
        return vec!["spec".to_owned()];
    };
    let mut keys: Vec<&String> = new.keys().chain(old.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| new.get(*k) != old.get(*k))
        .map(|k| format!("spec.{k}"))
        .collect()
}
