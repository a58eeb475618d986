//! What the controller needs from the outside world: the API client, the pod lister and the
//! event recorder. The in-memory API server and its informers implement these traits.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, Node, ObjectReference, Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use serde::{Deserialize, Serialize};

use crate::runtime::BoxFuture;

/// The `reason` of a failed API call, as in `metav1.StatusReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StatusReason {
    /// 404.
    NotFound,
    /// 409 on create.
    AlreadyExists,
    /// 409 on update or delete: stale resourceVersion or failed precondition.
    Conflict,
    /// 410: the watch resourceVersion is older than the compaction window.
    Gone,
    /// 500.
    InternalError,
    /// 504 (the server gave up) or a client-side timeout.
    Timeout,
    /// 422.
    Invalid,
}

impl StatusReason {
    /// The HTTP status code that goes with the reason.
    pub fn code(self) -> u16 {
        match self {
            Self::NotFound => 404,
            Self::AlreadyExists | Self::Conflict => 409,
            Self::Gone => 410,
            Self::InternalError => 500,
            Self::Timeout => 504,
            Self::Invalid => 422,
        }
    }
}

/// One reason a request is invalid, as in `metav1.StatusCause`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCause {
    /// Machine-readable, e.g. `FieldValueRequired` (`metav1.CauseType`).
    pub reason: String,
    /// Human-readable, without the field, e.g. `Required value`.
    pub message: String,
    /// The field's path, e.g. `spec.containers[0].image`.
    pub field: String,
}

/// A failed API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{code} {reason:?}: {message}")]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// Machine-readable reason.
    pub reason: StatusReason,
    /// Human-readable message.
    pub message: String,
    /// For `Invalid`: every field that broke a rule (`status.details.causes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
}

impl ApiError {
    /// An error with `reason` and its usual code.
    pub fn new(reason: StatusReason, message: impl Into<String>) -> Self {
        Self {
            code: reason.code(),
            reason,
            message: message.into(),
            causes: Vec::new(),
        }
    }

    /// `404 NotFound` for `kind` `name`.
    pub fn not_found(kind: &str, name: &str) -> Self {
        Self::new(
            StatusReason::NotFound,
            format!("{kind} \"{name}\" not found"),
        )
    }

    /// Whether this is a NotFound error.
    pub fn is_not_found(&self) -> bool {
        self.reason == StatusReason::NotFound
    }
}

/// Preconditions of a delete, as in `metav1.Preconditions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preconditions {
    /// The object's UID must equal this.
    pub uid: Option<String>,
    /// The object's resourceVersion must equal this.
    pub resource_version: Option<String>,
}

/// A server-side apply of a DeviceTaintRule's `status.conditions`, as the 1.35 device
/// controller sends it (`ApplyStatus` with `Force: true`): the apply configuration names the
/// rule and its UID and carries the conditions this field manager owns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleStatusApply {
    /// `metadata.name` (rules are cluster-scoped).
    pub name: String,
    /// `metadata.uid` in the apply configuration: the apply fails with `409 Conflict` if the
    /// stored rule has another UID (a rule re-created under the same name).
    pub uid: Option<String>,
    /// `ApplyOptions.FieldManager`.
    pub field_manager: String,
    /// `ApplyOptions.Force`.
    pub force: bool,
    /// `status.conditions`, a list map keyed by `type`: each replaces the stored condition of
    /// its type, or is appended.
    pub conditions: Vec<Condition>,
}

/// The API calls the controller makes. Each returns a future, so that back ends can make the
/// request and the response separate interleaving points.
pub trait Client: Send + Sync + 'static {
    /// `GET /api/v1/namespaces/{namespace}/pods/{name}`.
    /// The pod is shared, not copied: a simulated server hands out its stored version.
    fn get_pod(&self, namespace: &str, name: &str) -> BoxFuture<Result<Arc<Pod>, ApiError>>;

    /// A merge patch of `status.conditions` (merged by condition type) on the status
    /// subresource, with `metadata.uid` in the patch acting as a precondition, which is what
    /// upstream's `PatchPodStatus` sends.
    fn patch_pod_status(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
        conditions: Vec<PodCondition>,
    ) -> BoxFuture<Result<Arc<Pod>, ApiError>>;

    /// `DELETE` with preconditions; the pod's default grace period applies.
    fn delete_pod(
        &self,
        namespace: &str,
        name: &str,
        preconditions: Preconditions,
    ) -> BoxFuture<Result<(), ApiError>>;

    /// `POST /api/v1/namespaces/{namespace}/events`.
    fn create_event(&self, event: Event) -> BoxFuture<Result<Event, ApiError>>;

    /// `GET /api/v1/nodes/{name}`. Only the node taint eviction controller asks, and only with
    /// the live re-check of PR #140198; a client that serves no nodes answers
    /// `500 InternalError`.
    fn get_node(&self, name: &str) -> BoxFuture<Result<Node, ApiError>> {
        let message = format!("this client serves no nodes (GET node {name})");
        Box::pin(async move { Err(ApiError::new(StatusReason::InternalError, message)) })
    }

    /// `PATCH .../devicetaintrules/{name}/status` with `application/apply-patch+yaml`.
    ///
    /// Only the controllers of 1.35 and later call it; the default answers `404 NotFound` (a
    /// server without that resource), so clients that never see it need not implement it.
    fn apply_device_taint_rule_status(
        &self,
        apply: RuleStatusApply,
    ) -> BoxFuture<Result<(), ApiError>> {
        Box::pin(async move {
            Err(ApiError::new(
                StatusReason::NotFound,
                format!(
                    "the server could not find the requested resource (patch devicetaintrules.resource.k8s.io {})",
                    apply.name
                ),
            ))
        })
    }
}

/// A read-only view of the pod informer's cache.
pub trait PodLister: Send + Sync + 'static {
    /// The cached pod, shared with the cache, or `None` if the cache has no such pod.
    fn get(&self, namespace: &str, name: &str) -> Option<Arc<Pod>>;
}

/// `record.EventRecorder`: enqueue an event for the given object. Implementations must not
/// block and must not call the API directly; the broadcaster writes events later.
pub trait EventRecorder: Send + Sync + 'static {
    /// Records an event of `event_type` (`Normal` or `Warning`) about `regarding`.
    fn eventf(&self, regarding: &ObjectReference, event_type: &str, reason: &str, message: &str);
}
