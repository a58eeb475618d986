//! The checks of `assert-now`, `assert-eventually` and `wait-until`: facts about the world
//! that an assertion reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ApiVerb, ObjectKind};
use crate::count::Count;

/// A fact about the world that an assertion checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum Check {
    /// The pod `namespace/name` exists.
    PodPresent(String),
    /// The pod `namespace/name` does not exist.
    PodAbsent(String),
    /// Events that match the filter.
    Events(EventCheck),
    /// How many API calls of one verb on one kind the controller side made.
    ApiCalls(ApiCallCheck),
    /// The controller's metrics.
    Metrics(MetricsCheck),
    /// A named coverage mark was passed at least once (see `docs/scenario-format.md`).
    Mark(String),
    /// A DeviceTaintRule's status condition (the 1.35 controller's `EvictionInProgress`).
    RuleCondition(RuleConditionCheck),
    /// A controller DELETE of the pod that the server accepted, and when it applied it.
    Deleted(DeletedCheck),
    /// The evictions the controller has scheduled and not yet carried out, as it reports them
    /// through the controller seam (`Running::pending_evictions`).
    PendingEvictions(PendingEvictionsCheck),
}

/// A pod DELETE of the controller that the server accepted; unset fields are not checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DeletedCheck {
    /// The pod, `namespace/name`.
    pub pod: String,
    /// Only a DELETE whose UID precondition is this UID counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The server applied the DELETE at exactly this instant (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub at: Option<jiff::Timestamp>,
    /// ... at this instant or later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub not_before: Option<jiff::Timestamp>,
    /// ... at this instant or earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub not_after: Option<jiff::Timestamp>,
}

/// The controller's pending evictions that match the filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PendingEvictionsCheck {
    /// Only evictions of this pod, `namespace/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Only evictions of the pod with this UID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Every matching eviction is due at exactly this instant (RFC 3339); one that is running
    /// already has no due time and does not match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub at: Option<jiff::Timestamp>,
    /// How many match, exactly or within bounds (default: at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Count>,
}

/// The condition of one type in a DeviceTaintRule's `status.conditions`; unset fields are not
/// checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleConditionCheck {
    /// The rule's name.
    pub rule: String,
    /// The condition type (default `EvictionInProgress`).
    #[serde(default = "eviction_in_progress", rename = "type")]
    pub type_: String,
    /// `status` must equal this (`True` or `False`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `reason` must equal this, for example `PodsPendingEviction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message` must equal this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

fn eviction_in_progress() -> String {
    "EvictionInProgress".to_owned()
}

/// Matches Event objects in the API server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EventCheck {
    /// `reason` must equal this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message` must equal this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `involvedObject` must be this pod, `namespace/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub involved: Option<String>,
    /// `involvedObject.uid` must be this: tells a pod from its same-name replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub involved_uid: Option<String>,
    /// How many matching Event objects there must be, exactly or within bounds (default: at
    /// least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Count>,
    /// The `count` every matching Event must have, exactly or within bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Count>,
    /// How many distinct involved objects (`namespace/name`) the matching Events name, exactly
    /// or within bounds: with "Marking for deletion", how many pods the controller set out to
    /// evict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<Count>,
    /// How many distinct namespaces the matching Events' involved objects are in, exactly or
    /// within bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Count>,
}

/// Counts API calls of the controller and its event sink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ApiCallCheck {
    /// The verb.
    pub verb: ApiVerb,
    /// The kind.
    pub kind: ObjectKind,
    /// Only calls on this object: `namespace/name`, or `name` for a cluster-scoped kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only calls that carry this UID precondition (a DELETE's `preconditions.uid`, the UID a
    /// status PATCH tests): tells a pod from its same-name replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The number of calls, exactly or within bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Count>,
    /// The smallest acceptable number of calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u64>,
}

/// Expected metric values; unset fields are not checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetricsCheck {
    /// `device_taint_eviction_controller_pod_deletions_total`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_deletions_total: Option<u64>,
    /// Observation count of `..._pod_deletion_duration_seconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_duration_count: Option<u64>,
    /// Sum of the observed deletion durations, in seconds (to within a nanosecond).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_duration_sum: Option<f64>,
    /// Cumulative bucket counts of the histogram, by upper bound in seconds as Prometheus
    /// writes `le` (`"0.005"`, `"1"`, `"+Inf"`); bounds not listed are not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_duration_buckets: Option<std::collections::BTreeMap<String, u64>>,
}
