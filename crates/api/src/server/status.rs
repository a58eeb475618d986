//! The status subresource: which half of an object a write may change.
//!
//! For kinds with a status subresource, `update` keeps the stored status and `update_status`
//! keeps everything but the status (the registry strategies' `PrepareForUpdate`).

use taintsim_seam::client::{ApiError, StatusReason};

use crate::object::Object;

/// `target` with `source`'s status (or with none, if `source` has none).
pub(crate) fn with_status_of(target: &Object, source: &Object) -> Result<Object, ApiError> {
    let mut out = target.clone();
    match (&mut out, source) {
        (Object::Pod(t), Object::Pod(s)) => t.status.clone_from(&s.status),
        (Object::ClaimV1beta1(t), Object::ClaimV1beta1(s)) => t.status.clone_from(&s.status),
        (Object::ClaimV1(t), Object::ClaimV1(s)) => t.status.clone_from(&s.status),
        (Object::Rule(t), Object::Rule(s)) => t.status.clone_from(&s.status),
        (Object::Node(t), Object::Node(s)) => t.status.clone_from(&s.status),
        // Different API versions of one kind: carry the status across as JSON, which is how
        // the real server's conversion sees it too. Fields the target version lacks fail.
        _ => return convert_status(target, source),
    }
    Ok(out)
}

fn convert_status(target: &Object, source: &Object) -> Result<Object, ApiError> {
    let mut value = target.to_value();
    let status = source.to_value().get("status").cloned();
    if let Some(map) = value.as_object_mut() {
        match status {
            Some(status) => map.insert("status".to_owned(), status),
            None => map.remove("status"),
        };
    }
    Object::from_value(value).map_err(|e| {
        ApiError::new(
            StatusReason::Invalid,
            format!(
                "status of {} does not convert to {}: {e}",
                source.api_version(),
                target.api_version()
            ),
        )
    })
}
