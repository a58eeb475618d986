//! The status subresource: which half of an object a write may change.
//!
//! For kinds with a status subresource, `update` keeps the stored status and `update_status`
//! keeps everything but the status (the registry strategies' `PrepareForUpdate`).

use std::sync::Arc;

use taintsim_seam::client::{ApiError, StatusReason};

use crate::object::Object;

/// `target` with `source`'s status (or with none, if `source` has none). A shared `target` is
/// copied only if the statuses differ.
pub(crate) fn with_status_of(mut target: Object, source: &Object) -> Result<Object, ApiError> {
    /// Copy-on-write of `status`: writes only what differs.
    macro_rules! take_status {
        ($t:expr, $s:expr) => {
            if $t.status != $s.status {
                Arc::make_mut($t).status.clone_from(&$s.status)
            }
        };
    }
    match (&mut target, source) {
        (Object::Pod(t), Object::Pod(s)) => take_status!(t, s),
        (Object::ClaimV1beta1(t), Object::ClaimV1beta1(s)) => take_status!(t, s),
        (Object::ClaimV1(t), Object::ClaimV1(s)) => take_status!(t, s),
        (Object::Rule(t), Object::Rule(s)) => take_status!(t, s),
        (Object::Node(t), Object::Node(s)) => take_status!(t, s),
        // Different API versions of one kind: carry the status across as JSON, which is how
        // the real server's conversion sees it too. Fields the target version lacks fail.
        _ => return convert_status(&target, source),
    }
    Ok(target)
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
