//! Oracles: the invariants judged on every run, on top of a scenario's own assertions
//! (ARCHITECTURE.md, "Oracles"). Each bug toggle's documentation names the oracle it breaks.
//!
//! | oracle | judged | holds when |
//! |---|---|---|
//! | `no-panic` | every step | no simulated task panics |
//! | `no-early-eviction` | at each controller DELETE | the reference eviction time ([`reference`](mod@reference)) has come |
//! | `eventual-eviction` | at quiescence | no pod with a reference eviction time still exists |
//! | `one-event-per-invocation` | at quiescence | every work invocation recorded at most one `Marking for deletion`, and exactly one if it deleted |
//! | `metrics-agree` | at quiescence | the deletion counter and histogram count equal the accepted DELETEs |

pub mod judge;
pub mod reference;

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
    /// No pod is evicted before its eviction time, or while a toleration without seconds
    /// covers every NoExecute taint on its devices.
    NoEarlyEviction,
    /// Every scheduled pod whose devices carry an untolerated NoExecute taint is deleted once
    /// the system is quiescent.
    EventualEviction,
    /// Every deletion is preceded by exactly one `Marking for deletion` event per work
    /// invocation.
    OneEventPerInvocation,
    /// The metrics agree with the deletions.
    MetricsAgree,
}

impl OracleName {
    /// Every oracle.
    pub const ALL: [OracleName; 5] = [
        Self::NoPanic,
        Self::NoEarlyEviction,
        Self::EventualEviction,
        Self::OneEventPerInvocation,
        Self::MetricsAgree,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPanic => "no-panic",
            Self::NoEarlyEviction => "no-early-eviction",
            Self::EventualEviction => "eventual-eviction",
            Self::OneEventPerInvocation => "one-event-per-invocation",
            Self::MetricsAgree => "metrics-agree",
        }
    }
}

impl std::fmt::Display for OracleName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
