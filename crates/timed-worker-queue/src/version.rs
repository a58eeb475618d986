//! The six historical versions of `TimedWorkerQueue` (`timed_workers.go`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which historical `TimedWorkerQueue` to run. Ordered by age, so `version >= V4` reads as
/// "has the cancelled flag".
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum QueueVersion {
    /// 2017 to early 2025 (node taint manager): completion **stores nil** on success, which
    /// suppresses later `AddWork` for the key (#125332). Breaks the eventual-eviction oracle.
    V0,
    /// After #129577: completion deletes the key unconditionally.
    V1,
    /// #130447 (1.33): adds `UpdateWork`, which dereferences a nil entry (#130940).
    /// Breaks the no-panic oracle.
    V2,
    /// #130947: `UpdateWork` keeps work that is already running. The fixed 1.33 queue.
    #[default]
    V3,
    /// #134945: a `cancelled` flag checked when the worker starts, a wait group, and
    /// `CancelAndWait`.
    V4,
    /// @132c00c1: each entry carries a token, and a finishing worker removes the key only if
    /// the entry is still its own, so a stale completion cannot remove its replacement.
    V5,
}

impl QueueVersion {
    /// All versions, oldest first.
    pub const ALL: [QueueVersion; 6] = [Self::V0, Self::V1, Self::V2, Self::V3, Self::V4, Self::V5];
}

impl fmt::Display for QueueVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = *self as u8;
        write!(f, "v{n}")
    }
}

/// The error for a queue version that is not `v0` to `v5`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown queue version {0:?}: expected one of v0, v1, v2, v3, v4, v5")]
pub struct UnknownQueueVersion(pub String);

impl FromStr for QueueVersion {
    type Err = UnknownQueueVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "v0" => Ok(Self::V0),
            "v1" => Ok(Self::V1),
            "v2" => Ok(Self::V2),
            "v3" => Ok(Self::V3),
            "v4" => Ok(Self::V4),
            "v5" => Ok(Self::V5),
            _ => Err(UnknownQueueVersion(s.to_owned())),
        }
    }
}
