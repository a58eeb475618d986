//! Failures as the real server reports them: a `metav1.Status` body with `reason` and `code`
//! (and `details.causes` for `422 Invalid`), served as JSON with the code as HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use taintsim_api::{ApiError, StatusReason};

use crate::resource::Resource;

/// A failed request: what goes into its `Status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// HTTP status code.
    pub code: u16,
    /// `metav1.StatusReason`, e.g. `NotFound`.
    pub reason: &'static str,
    /// Human-readable message.
    pub message: String,
    /// `details`, if any.
    pub details: Option<Value>,
}

impl Failure {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// `400 BadRequest`: a malformed body or parameter.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// `401 Unauthorized`: no or a wrong bearer token. Nothing else is said.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// `404 NotFound` for a path that names nothing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NotFound", message)
    }

    /// `405 MethodNotAllowed`.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// `413 RequestEntityTooLarge`: a body over the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            format!("the request body is larger than the limit of {limit} bytes"),
        )
    }

    /// `415 UnsupportedMediaType`.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// `503 ServiceUnavailable`: the simulation cannot take the request now.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message)
    }

    /// The API server's answer, with details naming the object of `resource`.
    pub fn from_api(error: &ApiError, resource: &Resource, name: &str) -> Self {
        let reason = match error.reason {
            StatusReason::NotFound => "NotFound",
            StatusReason::AlreadyExists => "AlreadyExists",
            StatusReason::Conflict => "Conflict",
            // The watch cache's answer to a compacted resourceVersion (`NewResourceExpired`).
            StatusReason::Gone => "Expired",
            StatusReason::InternalError => "InternalError",
            StatusReason::Timeout => "Timeout",
            StatusReason::Invalid => "Invalid",
        };
        let mut details = json!({ "name": name, "group": resource.group });
        if error.reason == StatusReason::Invalid {
            details["kind"] = json!(resource.kind.name());
            details["causes"] = error
                .causes
                .iter()
                .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                .collect();
        } else {
            details["kind"] = json!(resource.plural());
        }
        Self {
            code: error.code,
            reason,
            message: error.message.clone(),
            details: (!name.is_empty() || error.reason == StatusReason::Invalid).then_some(details),
        }
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        json_response(code, &self.to_status())
    }
}

/// A JSON body with `code`.
pub fn json_response(code: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = (code, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
