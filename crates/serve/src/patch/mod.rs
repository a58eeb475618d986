//! The patch types of `PATCH` and what they do to a stored object: JSON merge patch (RFC
//! 7386, `json_patch::merge`), JSON patch (RFC 6902, `json_patch::patch`), strategic merge
//! patch ([`strategic`]) and server-side apply ([`apply`]).

pub mod strategic;

use std::sync::Arc;

use k8s_openapi::DeepMerge;
use serde_json::Value;
use taintsim_api::Object;

use crate::status::Failure;

/// A `Content-Type` of `PATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (kubectl and kube-rs send JSON, which is YAML).
    Apply,
}

impl PatchType {
    /// The patch type of a `Content-Type` header (parameters ignored).
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Some(Self::Apply),
            _ => None,
        }
    }
}

/// Parses a JSON body; `400 BadRequest` naming the problem otherwise.
pub fn parse_json(body: &[u8], what: &str) -> Result<Value, Failure> {
    serde_json::from_slice(body)
        .map_err(|e| Failure::bad_request(format!("the {what} is not valid JSON: {e}")))
}

/// The object as JSON again, checked to be of the same type as `live`.
fn decode_like(live: &Object, value: Value) -> Result<Object, Failure> {
    let object = Object::from_value(value).map_err(|e| invalid_patch(&e.to_string()))?;
    if object.api_version() != live.api_version() || object.kind() != live.kind() {
        return Err(invalid_patch("a patch may not change apiVersion or kind"));
    }
    Ok(object)
}

fn invalid_patch(message: &str) -> Failure {
    let mut failure = Failure::bad_request(format!("the patch cannot be applied: {message}"));
    failure.code = 422;
    failure.reason = "Invalid";
    failure
}

/// `live` with `body` of type `patch_type` applied.
pub fn patch(live: &Object, patch_type: PatchType, body: &[u8]) -> Result<Object, Failure> {
    let original = live.to_value();
    match patch_type {
        PatchType::Merge => {
            let mut doc = original;
            json_patch::merge(&mut doc, &parse_json(body, "merge patch")?);
            decode_like(live, doc)
        }
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_slice(body).map_err(|e| {
                Failure::bad_request(format!("the body is not a JSON patch (RFC 6902): {e}"))
            })?;
            let mut doc = original;
            json_patch::patch(&mut doc, &ops).map_err(|e| invalid_patch(&e.to_string()))?;
            decode_like(live, doc)
        }
        PatchType::Strategic => {
            let p = parse_json(body, "strategic merge patch")?;
            if !p.is_object() {
                return Err(Failure::bad_request(
                    "a strategic merge patch must be a JSON object",
                ));
            }
            let doc =
                strategic::apply(live.kind(), &original, &p).map_err(|e| invalid_patch(&e))?;
            decode_like(live, doc)
        }
        PatchType::Apply => {
            let applied = applied_object(body)?;
            apply(live, applied)
        }
    }
}

/// The object of a server-side apply body: JSON (kubectl and kube-rs send JSON; YAML that is
/// not JSON is refused with `415`).
pub fn applied_object(body: &[u8]) -> Result<Object, Failure> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        Failure::unsupported_media_type(
            "apply-patch+yaml bodies must be JSON here (JSON is YAML): send the object as JSON",
        )
    })?;
    Object::from_value(value).map_err(|e| Failure::bad_request(e.to_string()))
}

/// Server-side apply without field managers: the applied configuration is merged into the
/// live object by the structural merge rules of the OpenAPI schema (`x-kubernetes-list-type`
/// map lists by key, atomic lists replaced, maps granular), which k8s-openapi's `DeepMerge`
/// implements. Fields the configuration leaves out are kept, including ones an earlier apply
/// set: there is no `managedFields` bookkeeping, so an apply never removes a field.
pub fn apply(live: &Object, applied: Object) -> Result<Object, Failure> {
    let mut merged = live.clone();
    match (&mut merged, applied) {
        (Object::Pod(l), Object::Pod(a)) => Arc::make_mut(l).merge_from(Arc::unwrap_or_clone(a)),
        (Object::ClaimV1beta1(l), Object::ClaimV1beta1(a)) => {
            Arc::make_mut(l).merge_from(Arc::unwrap_or_clone(a))
        }
        (Object::ClaimV1(l), Object::ClaimV1(a)) => {
            Arc::make_mut(l).merge_from(Arc::unwrap_or_clone(a))
        }
        (Object::SliceV1beta1(l), Object::SliceV1beta1(a)) => {
            Arc::make_mut(l).merge_from(Arc::unwrap_or_clone(a))
        }
        (Object::SliceV1(l), Object::SliceV1(a)) => {
            Arc::make_mut(l).merge_from(Arc::unwrap_or_clone(a))
        }
        (Object::Rule(l), Object::Rule(a)) => Arc::make_mut(l).merge_from(Arc::unwrap_or_clone(a)),
        (Object::Event(l), Object::Event(a)) => {
            Arc::make_mut(l).merge_from(Arc::unwrap_or_clone(a))
        }
        _ => {
            return Err(invalid_patch(
                "the applied object has another apiVersion or kind",
            ));
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Object {
        Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "default", "labels": {"a": "1"}, "resourceVersion": "7"},
            "spec": {"containers": [{"name": "app", "image": "x"}]}}))
        .expect("a pod")
    }

    #[test]
    fn every_patch_type_should_change_the_object() {
        let merge = patch(
            &pod(),
            PatchType::Merge,
            br#"{"metadata":{"labels":{"a":null,"b":"2"}}}"#,
        )
        .expect("merges");
        assert_eq!(merge.metadata().labels.as_ref().map(|l| l.len()), Some(1));
        let json = patch(
            &pod(),
            PatchType::Json,
            br#"[{"op":"add","path":"/metadata/labels/c","value":"3"}]"#,
        )
        .expect("patches");
        assert_eq!(json.metadata().labels.as_ref().map(|l| l.len()), Some(2));
        let bad = patch(
            &pod(),
            PatchType::Json,
            br#"[{"op":"remove","path":"/spec/nope"}]"#,
        )
        .expect_err("no such path");
        assert_eq!(bad.code, 422);
        let garbled = patch(&pod(), PatchType::Merge, b"{").expect_err("not JSON");
        assert_eq!(garbled.code, 400);
        let kind = patch(&pod(), PatchType::Merge, br#"{"kind":"Event"}"#).expect_err("kind");
        assert_eq!(kind.code, 422);
        let applied = patch(&pod(), PatchType::Apply,
            br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"z":"9"}},"spec":{"containers":[{"name":"app","image":"y"}]}}"#)
            .expect("applies");
        let labels = applied.metadata().labels.clone().unwrap_or_default();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert_eq!(applied.metadata().resource_version.as_deref(), Some("7"));
        let yaml =
            patch(&pod(), PatchType::Apply, b"apiVersion: v1\nkind: Pod\n").expect_err("yaml");
        assert_eq!(yaml.code, 415);
    }
}
