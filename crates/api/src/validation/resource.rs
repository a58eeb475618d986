//! resource.k8s.io rules, from upstream's `pkg/apis/resource/validation/validation.go`:
//! ResourceClaim (`ValidateResourceClaim`, `...Update`, `...StatusUpdate`), ResourceSlice
//! (`ValidateResourceSlice`, `...Update`) and DeviceTaintRule (`ValidateDeviceTaintRule`).
//! v1beta1 and v1 differ in where fields live (`devices[].basic.taints` against
//! `devices[].taints`, `requests[].deviceClassName` against `requests[].exactly`), which
//! the JSON paths follow.

use serde_json::Value;

use super::names;
use super::{Errors, list};

/// Device taint effects (1.35 added `None`, which the stored API versions document).
const DEVICE_TAINT_EFFECTS: &[&str] = &["NoExecute", "NoSchedule", "None"];
const TOLERATION_OPERATORS: &[&str] = &["Equal", "Exists"];
const ALLOCATION_MODES: &[&str] = &["All", "ExactCount"];
/// The most consumers a claim can be reserved for.
const RESERVED_FOR_MAX: usize = 256;

fn str_or_empty<'v>(v: &'v Value, key: &str) -> &'v str {
    Errors::str_at(v, key).unwrap_or("")
}

/// A required string that must pass `check`.
fn required_name(errors: &mut Errors, path: &str, value: &str, check: fn(&str) -> Vec<String>) {
    if value.is_empty() {
        errors.required(path, "");
    } else {
        errors.name(path, value, check);
    }
}

/// One of the name checks of [`names`].
type NameCheck = fn(&str) -> Vec<String>;

/// `validatePoolName`: one or more DNS subdomains separated by `/`.
fn pool_name(s: &str) -> Vec<String> {
    s.split('/').flat_map(names::subdomain).collect()
}

/// `validateDeviceTaint`.
fn check_taint(path: &str, taint: &Value, errors: &mut Errors) {
    required_name(
        errors,
        &format!("{path}.key"),
        str_or_empty(taint, "key"),
        names::qualified_name,
    );
    errors.name(
        &format!("{path}.value"),
        str_or_empty(taint, "value"),
        names::label_value,
    );
    match str_or_empty(taint, "effect") {
        "" => errors.required(format!("{path}.effect"), ""),
        e if !DEVICE_TAINT_EFFECTS.contains(&e) => {
            errors.not_supported(format!("{path}.effect"), e, DEVICE_TAINT_EFFECTS);
        }
        _ => {}
    }
}

/// `validateDeviceToleration`.
fn check_toleration(path: &str, t: &Value, errors: &mut Errors) {
    let key = str_or_empty(t, "key");
    if !key.is_empty() {
        errors.name(&format!("{path}.key"), key, names::qualified_name);
    }
    match str_or_empty(t, "operator") {
        "" | "Equal" => errors.name(
            &format!("{path}.value"),
            str_or_empty(t, "value"),
            names::label_value,
        ),
        "Exists" if !str_or_empty(t, "value").is_empty() => errors.invalid(
            format!("{path}.value"),
            str_or_empty(t, "value"),
            "must be empty for operator `Exists`",
        ),
        "Exists" => {}
        other => errors.not_supported(format!("{path}.operator"), other, TOLERATION_OPERATORS),
    }
    let effect = str_or_empty(t, "effect");
    if !effect.is_empty() && !DEVICE_TAINT_EFFECTS.contains(&effect) {
        errors.not_supported(format!("{path}.effect"), effect, DEVICE_TAINT_EFFECTS);
    }
}

/// The class, mode and tolerations of one exact request (v1beta1: the request itself; v1: its
/// `exactly`).
fn check_exact_request(path: &str, r: &Value, errors: &mut Errors) {
    required_name(
        errors,
        &format!("{path}.deviceClassName"),
        str_or_empty(r, "deviceClassName"),
        names::subdomain,
    );
    let mode = str_or_empty(r, "allocationMode");
    if !mode.is_empty() && !ALLOCATION_MODES.contains(&mode) {
        errors.not_supported(format!("{path}.allocationMode"), mode, ALLOCATION_MODES);
    }
    if let Some(count) = r.get("count").and_then(Value::as_i64)
        && mode != "All"
        && count <= 0
    {
        errors.invalid_number(format!("{path}.count"), count, "must be greater than zero");
    }
    for (i, t) in list(r, "tolerations").iter().enumerate() {
        check_toleration(&format!("{path}.tolerations[{i}]"), t, errors);
    }
}

/// `ValidateResourceClaim`: the spec's requests, and the status the simulator stores on
/// create.
pub(crate) fn check_claim(value: &Value, errors: &mut Errors) {
    let devices = value.pointer("/spec/devices").unwrap_or(&Value::Null);
    let mut seen: Vec<&str> = Vec::new();
    for (i, r) in list(devices, "requests").iter().enumerate() {
        let path = format!("spec.devices.requests[{i}]");
        let name = str_or_empty(r, "name");
        required_name(errors, &format!("{path}.name"), name, names::label);
        if !name.is_empty() {
            if seen.contains(&name) {
                errors.duplicate(format!("{path}.name"), name);
            }
            seen.push(name);
        }
        let first_available = !list(r, "firstAvailable").is_empty();
        match r.get("exactly") {
            Some(exact) if first_available => {
                let _ = exact;
                errors.invalid(path.clone(), name, "exactly one of `exactly` or `firstAvailable` is required, but multiple fields are set");
            }
            Some(exact) => check_exact_request(&format!("{path}.exactly"), exact, errors),
            // v1beta1 keeps the exact request's fields on the request itself; a v1 request
            // without either field has no class and fails the same way.
            None if !first_available => check_exact_request(&path, r, errors),
            None => {}
        }
    }
    check_claim_status(value, None, errors);
}

/// `ValidateResourceClaimUpdate`: the spec is immutable.
pub(crate) fn check_claim_update(new: &Value, old: &Value, errors: &mut Errors) {
    let null = Value::Null;
    errors.immutable(
        "spec",
        new.get("spec").unwrap_or(&null),
        old.get("spec").unwrap_or(&null),
    );
}

/// `ValidateResourceClaimStatusUpdate` (`old` is `None` on create): the allocation's results
/// and the consumers must be complete, consumers need an allocation, and an allocation is
/// immutable once set.
pub(crate) fn check_claim_status(new: &Value, old: Option<&Value>, errors: &mut Errors) {
    let status = new.get("status").unwrap_or(&Value::Null);
    let allocation = status.get("allocation").filter(|a| !a.is_null());
    if let Some(allocation) = allocation {
        let results = allocation
            .pointer("/devices/results")
            .unwrap_or(&Value::Null);
        for (i, r) in results
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
        {
            let path = format!("status.allocation.devices.results[{i}]");
            required_name(
                errors,
                &format!("{path}.request"),
                str_or_empty(r, "request"),
                names::qualified_name,
            );
            required_name(
                errors,
                &format!("{path}.driver"),
                str_or_empty(r, "driver"),
                names::subdomain,
            );
            required_name(
                errors,
                &format!("{path}.pool"),
                str_or_empty(r, "pool"),
                pool_name,
            );
            required_name(
                errors,
                &format!("{path}.device"),
                str_or_empty(r, "device"),
                names::label,
            );
        }
    }
    let reserved = list(status, "reservedFor");
    if !reserved.is_empty() && allocation.is_none() {
        errors.forbidden(
            "status.reservedFor",
            "may not be specified when `allocated` is not set",
        );
    }
    if reserved.len() > RESERVED_FOR_MAX {
        errors.forbidden(
            "status.reservedFor",
            &format!("must have at most {RESERVED_FOR_MAX} items"),
        );
    }
    let mut uids: Vec<&str> = Vec::new();
    for (i, r) in reserved.iter().enumerate() {
        let path = format!("status.reservedFor[{i}]");
        for field in ["resource", "name", "uid"] {
            if str_or_empty(r, field).is_empty() {
                errors.required(format!("{path}.{field}"), "");
            }
        }
        let uid = str_or_empty(r, "uid");
        if !uid.is_empty() {
            if uids.contains(&uid) {
                errors.duplicate(format!("{path}.uid"), uid);
            }
            uids.push(uid);
        }
    }
    let old_allocation = old
        .and_then(|o| o.pointer("/status/allocation"))
        .filter(|a| !a.is_null());
    if let (Some(new), Some(old)) = (allocation, old_allocation) {
        errors.immutable("status.allocation", new, old);
    }
}

/// `ValidateResourceSlice`: driver, pool, exactly one node selection, devices and their
/// taints.
pub(crate) fn check_slice(value: &Value, errors: &mut Errors) {
    let spec = value.get("spec").unwrap_or(&Value::Null);
    required_name(
        errors,
        "spec.driver",
        str_or_empty(spec, "driver"),
        names::subdomain,
    );
    let pool = spec.get("pool").unwrap_or(&Value::Null);
    required_name(
        errors,
        "spec.pool.name",
        str_or_empty(pool, "name"),
        pool_name,
    );
    let count = pool
        .get("resourceSliceCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if count <= 0 {
        errors.invalid_number(
            "spec.pool.resourceSliceCount",
            count,
            "must be greater than zero",
        );
    }
    let generation = pool.get("generation").and_then(Value::as_i64).unwrap_or(0);
    if generation < 0 {
        errors.invalid_number(
            "spec.pool.generation",
            generation,
            "must be greater than or equal to zero",
        );
    }
    let node_name = str_or_empty(spec, "nodeName");
    let selections = [
        !node_name.is_empty(),
        spec.get("nodeSelector").is_some_and(|s| !s.is_null()),
        spec.get("allNodes").and_then(Value::as_bool) == Some(true),
        spec.get("perDeviceNodeSelection").and_then(Value::as_bool) == Some(true),
    ];
    const EXACTLY_ONE: &str = "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required";
    match selections.iter().filter(|s| **s).count() {
        0 => errors.required("spec", EXACTLY_ONE),
        1 => {}
        _ => errors.invalid(
            "spec",
            "{...}",
            &format!("{EXACTLY_ONE}, but multiple fields are set"),
        ),
    }
    if !node_name.is_empty() {
        errors.name("spec.nodeName", node_name, names::subdomain);
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, d) in list(spec, "devices").iter().enumerate() {
        let path = format!("spec.devices[{i}]");
        let name = str_or_empty(d, "name");
        required_name(errors, &format!("{path}.name"), name, names::label);
        if !name.is_empty() {
            if seen.contains(&name) {
                errors.duplicate(format!("{path}.name"), name);
            }
            seen.push(name);
        }
        let (taints, taints_path) = match d.get("basic") {
            Some(basic) => (list(basic, "taints"), format!("{path}.basic.taints")),
            None => (list(d, "taints"), format!("{path}.taints")),
        };
        for (j, t) in taints.iter().enumerate() {
            check_taint(&format!("{taints_path}[{j}]"), t, errors);
        }
    }
}

/// `ValidateResourceSliceUpdate`: the node and the driver are immutable.
pub(crate) fn check_slice_update(new: &Value, old: &Value, errors: &mut Errors) {
    for field in ["nodeName", "driver"] {
        let pointer = format!("/spec/{field}");
        errors.immutable(
            &format!("spec.{field}"),
            new.pointer(&pointer).unwrap_or(&Value::Null),
            old.pointer(&pointer).unwrap_or(&Value::Null),
        );
    }
}

/// `ValidateDeviceTaintRule`: the taint, and the names of the device selector.
pub(crate) fn check_rule(value: &Value, errors: &mut Errors) {
    let spec = value.get("spec").unwrap_or(&Value::Null);
    check_taint(
        "spec.taint",
        spec.get("taint").unwrap_or(&Value::Null),
        errors,
    );
    let selector = spec.get("deviceSelector").unwrap_or(&Value::Null);
    let checks: [(&str, NameCheck); 4] = [
        ("deviceClassName", names::subdomain),
        ("driver", names::subdomain),
        ("pool", pool_name),
        ("device", names::label),
    ];
    for (field, check) in checks {
        if let Some(v) = Errors::str_at(selector, field) {
            errors.name(&format!("spec.deviceSelector.{field}"), v, check);
        }
    }
}
