//! [`StepDetail`]: what a step is about, as data, for readers that must not parse its action
//! text (the swimlane renderer follows requests to responses, writes to cache updates,
//! cache updates to deliveries and recorded events to their writes with it).
//!
//! A step's action text stays what traces show and hash; the detail travels next to it, set
//! by the same code that formats the text, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

/// What a step is about; see the module docs. Kinds are singular lower-case names (`pod`,
/// `resourceclaim`), keys are store keys (`<namespace>/<name>`, or `<name>` for cluster-scoped
/// objects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "direction", rename_all = "kebab-case")]
pub enum StepDetail {
    /// A write straight to the API server (a scenario's `create`, `update`, `update-status` or
    /// `delete`), whose watch event an informer will apply.
    Write {
        /// `create`, `update`, `update-status` or `delete`.
        verb: String,
        /// The object's kind.
        kind: String,
        /// The object's key.
        key: String,
    },
    /// An API request leaves its caller.
    Request {
        /// The HTTP method: `GET`, `PATCH`, `DELETE`, `POST`.
        method: String,
        /// The object's kind.
        kind: String,
        /// The object's key.
        key: String,
    },
    /// The response to a [`StepDetail::Request`] of the same actor, method, kind and key
    /// reaches the caller.
    Response {
        /// The request's HTTP method.
        method: String,
        /// The object's kind.
        kind: String,
        /// The object's key.
        key: String,
        /// The HTTP status code.
        status: u16,
    },
    /// An informer applies one change to its cache (and queues its notification).
    CacheUpdate {
        /// `Added`, `Modified` or `Deleted`.
        change: String,
        /// The object's kind.
        kind: String,
        /// The object's key.
        key: String,
        /// The resourceVersion the step shows.
        resource_version: u64,
    },
    /// A listener delivers one notification to its handler.
    Deliver {
        /// `Add`, `Update` or `Delete`.
        notification: String,
        /// The object's key.
        key: String,
        /// The resourceVersion the step shows.
        resource_version: u64,
    },
    /// Code records an Event about an object (queued for the event sink).
    RecordEvent {
        /// The involved object's key.
        key: String,
    },
    /// The event sink writes a recorded Event about an object.
    WriteEvent {
        /// The involved object's key.
        key: String,
        /// 1 for the first attempt, then 2, 3, ... for retries.
        attempt: u32,
    },
}

impl StepDetail {
    /// Whether this is a [`StepDetail::Response`] with a 2xx status.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Response { status, .. } if (200..300).contains(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_2xx_response_should_be_a_success() {
        let response = |status| StepDetail::Response {
            method: "GET".into(),
            kind: "pod".into(),
            key: "default/p".into(),
            status,
        };
        assert!(response(200).is_success() && response(201).is_success());
        assert!(!response(404).is_success() && !response(500).is_success());
        let request = StepDetail::Request {
            method: "GET".into(),
            kind: "pod".into(),
            key: "default/p".into(),
        };
        assert!(!request.is_success());
    }
}
