//! The names of the oracles, shared by the keys that break them, the scenario format and the
//! checker that judges them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The name of an oracle, as scenario files and reports write it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum OracleName {
    /// No simulated task panics.
    NoPanic,
    /// No pod is evicted before its reference eviction time, or while it is not due at all.
    NoEarlyEviction,
    /// Every pod that the reference says is due is deleted once the system is quiescent.
    EventualEviction,
    /// Every deletion is preceded by exactly one eviction event per work invocation.
    OneEventPerInvocation,
    /// The metrics agree with the deletions.
    MetricsAgree,
    /// A pod whose deletion the controller said it cancelled is not deleted by the controller
    /// afterwards unless it first marks the pod for deletion again.
    CancelEventTruth,
}

impl OracleName {
    /// Every oracle.
    pub const ALL: [OracleName; 6] = [
        Self::NoPanic,
        Self::NoEarlyEviction,
        Self::EventualEviction,
        Self::OneEventPerInvocation,
        Self::MetricsAgree,
        Self::CancelEventTruth,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPanic => "no-panic",
            Self::NoEarlyEviction => "no-early-eviction",
            Self::EventualEviction => "eventual-eviction",
            Self::OneEventPerInvocation => "one-event-per-invocation",
            Self::MetricsAgree => "metrics-agree",
            Self::CancelEventTruth => "cancel-event-truth",
        }
    }
}

impl std::fmt::Display for OracleName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
