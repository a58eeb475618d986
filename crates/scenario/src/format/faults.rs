//! Faults: what `set-fault` and the top-level `faults` install, and the informers and
//! listeners they name.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use taintsim_api::Kind;

use super::{ApiVerb, ObjectKind};
use crate::duration::ScenarioDuration;

/// A fault to inject, with a name for `clear-fault`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Fault {
    /// The name `clear-fault` uses.
    pub name: String,
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    rename_all_fields = "kebab-case"
)]
pub enum FaultKind {
    /// Matching API calls of the controller fail with `status` (500, 409 or 504).
    ApiError {
        /// The verb.
        verb: ApiVerb,
        /// The kind.
        kind: ObjectKind,
        /// HTTP status: 500 InternalError, 409 Conflict or 504 Timeout.
        status: u16,
        /// Only calls on objects in this namespace (default: any).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        /// Only calls on the object of this name (default: any; lists and watches have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Fail only the first `times` matching calls (default: all).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        times: Option<u64>,
        /// Fail each matching call with this probability (a recorded data choice).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        probability: Option<f64>,
    },
    /// Matching API calls take this long (virtual time).
    Latency {
        /// The verb.
        verb: ApiVerb,
        /// The kind.
        kind: ObjectKind,
        /// The added latency.
        delay: ScenarioDuration,
    },
    /// The informer applies each watch event only after this delay.
    WatchDelay {
        /// Which informer.
        informer: InformerName,
        /// The delay.
        delay: ScenarioDuration,
    },
    /// The informer's lister answers from `lag` cache events ago (Sieve's stale state).
    StaleLister {
        /// Which informer.
        informer: InformerName,
        /// How many cache events the lister lags.
        lag: usize,
    },
    /// The listener silently drops its next `count` notifications (Sieve's unobserved state).
    HideNotifications {
        /// Which listener.
        listener: ListenerName,
        /// How many notifications to drop.
        count: usize,
    },
    /// The API server closes the informer's watch, forcing a relist.
    DropWatch {
        /// Which informer.
        informer: InformerName,
    },
}

/// An informer of the simulated controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InformerName {
    /// The pod informer.
    Pods,
    /// The ResourceClaim informer.
    Resourceclaims,
    /// The ResourceSlice informer (feeds the slice tracker).
    Resourceslices,
    /// The DeviceTaintRule informer (feeds the slice tracker).
    Devicetaintrules,
    /// The Node informer (the node taint eviction controller).
    Nodes,
}

impl InformerName {
    /// The kind the informer watches.
    pub fn kind(self) -> Kind {
        match self {
            Self::Pods => Kind::Pod,
            Self::Resourceclaims => Kind::ResourceClaim,
            Self::Resourceslices => Kind::ResourceSlice,
            Self::Devicetaintrules => Kind::DeviceTaintRule,
            Self::Nodes => Kind::Node,
        }
    }

    /// The informer's name in the world.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pods => "pods",
            Self::Resourceclaims => "resourceclaims",
            Self::Resourceslices => "resourceslices",
            Self::Devicetaintrules => "devicetaintrules",
            Self::Nodes => "nodes",
        }
    }
}

/// A listener (handler registration) of the simulated controller, by name, e.g. `pod-handler`.
/// Which names exist depends on the controller; `taintsim keys` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ListenerName(pub String);

impl ListenerName {
    /// The listener's name in the world.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
