//! A Node's rules (upstream `ValidateNode`): the taints the taint eviction controller reads.

use serde_json::Value;

use super::{Errors, list, names};

/// Node taint effects (`v1.TaintEffect`).
const TAINT_EFFECTS: &[&str] = &["NoExecute", "NoSchedule", "PreferNoSchedule"];

/// `validateNodeTaints`: every taint has a qualified key, a label-shaped value and a known
/// effect, and no two taints share key and effect.
pub(crate) fn check(value: &Value, errors: &mut Errors) {
    let empty = Value::Null;
    let spec = value.get("spec").unwrap_or(&empty);
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, taint) in list(spec, "taints").iter().enumerate() {
        let path = format!("spec.taints[{i}]");
        let key = Errors::str_at(taint, "key").unwrap_or_default();
        if key.is_empty() {
            errors.required(format!("{path}.key"), "");
        } else {
            errors.name(&format!("{path}.key"), key, names::qualified_name);
        }
        errors.name(
            &format!("{path}.value"),
            Errors::str_at(taint, "value").unwrap_or_default(),
            names::label_value,
        );
        let effect = Errors::str_at(taint, "effect").unwrap_or_default();
        match effect {
            "" => errors.required(format!("{path}.effect"), ""),
            e if !TAINT_EFFECTS.contains(&e) => {
                errors.not_supported(format!("{path}.effect"), e, TAINT_EFFECTS);
            }
            _ => {}
        }
        let pair = (key.to_owned(), effect.to_owned());
        if seen.contains(&pair) {
            errors.duplicate(path, &format!("{key}:{effect}"));
        }
        seen.push(pair);
    }
}
