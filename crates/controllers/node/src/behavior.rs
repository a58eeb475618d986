//! The controller's behaviour keys: its two upstream generations and one toggle per bug.
//!
//! Every default is what upstream's latest merged code does (queue V4 after #134945, with
//! `CancelAndWait` at shutdown). The generation before #129577 is `queue: v0` with
//! `shutdown: none`: the controller code between the two changed nothing else that a run
//! can observe (log texts, the nil-client exit). The other keys switch single fixes on or
//! off: a fix that was merged long ago (#93722) can be switched off, and the fixes still open
//! upstream (#140198, #141568, the latency unit) can be switched on.

use std::fmt;

use taintsim_plugin::{BehaviorKey, OracleName};
use taintsim_timed_worker_queue::QueueVersion;

/// What `Run` does with the TimedWorkerQueue when its context is cancelled (#134945).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Shutdown {
    /// #134945: the deferred shutdown calls `CancelAndWait` and waits for every goroutine.
    #[default]
    CancelAndWait,
    /// Before #134945: the queue is never cancelled, so its timers fire, and their work calls
    /// the API, after `Run` has returned.
    None,
}

/// What `processPodOnNode` does when every remaining NoExecute taint is tolerated forever
/// (#90794).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ForeverTolerated {
    /// PR #93722: cancel any scheduled deletion.
    #[default]
    Cancel,
    /// Before PR #93722: log "won't be cancelled if already scheduled" and keep it, so the
    /// pod is deleted when a removed taint's period ends.
    Keep,
}

/// What the work function checks before it deletes (#119862, #139992).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NodeRecheck {
    /// Upstream: nothing; the decision came from `taintedNodes`, which a lagging node
    /// informer can leave stale.
    #[default]
    None,
    /// PR #140198 (open): GET the pod's Node live before deleting, and skip the deletion when
    /// it has no NoExecute taint left or the pod tolerates all of them forever.
    Live,
}

/// What happens after the fifth failed deletion attempt (#140639).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Retries {
    /// Upstream: 5 attempts 10 ms apart, then the eviction is dropped.
    #[default]
    Fixed,
    /// PR #141568 (open): keep retrying with the controller rate limiter's backoff,
    /// re-evaluating the pod from the caches before each retry.
    Durable,
}

/// The value the latency histogram observes (PRs #141311, #141742).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LatencyMetric {
    /// Upstream: `float64(time.Since(fireAt) * time.Second)`, nanoseconds times 10⁹ in a
    /// wrapping 64-bit product.
    #[default]
    NsTimesSecond,
    /// The fix: seconds.
    Seconds,
}

/// The controller's behaviour; `Default` is upstream's latest merged code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Behavior {
    /// `queue`.
    pub queue: QueueVersion,
    /// `shutdown`.
    pub shutdown: Shutdown,
    /// `forever-tolerated`.
    pub forever_tolerated: ForeverTolerated,
    /// `node-recheck`.
    pub node_recheck: NodeRecheck,
    /// `retries`.
    pub retries: Retries,
    /// `latency-metric`.
    pub latency_metric: LatencyMetric,
}

impl Default for Behavior {
    fn default() -> Self {
        Self {
            queue: QueueVersion::V4,
            shutdown: Shutdown::default(),
            forever_tolerated: ForeverTolerated::default(),
            node_recheck: NodeRecheck::default(),
            retries: Retries::default(),
            latency_metric: LatencyMetric::default(),
        }
    }
}

const KEYS: [BehaviorKey; 6] = [
    BehaviorKey {
        name: "queue",
        values: &["v0", "v1", "v2", "v3", "v4", "v5"],
        default: "v4",
        doc: "TimedWorkerQueue version; v0 (before #129577) keeps a nil entry after a successful eviction, so a same-name pod recreated later is skipped silently (#125332, #107543); v3 and older lack the cancelled flag, so a timer that fires during shutdown still runs (#134945)",
        breaks: Some(OracleName::EventualEviction),
        range: None,
    },
    BehaviorKey {
        name: "shutdown",
        values: &["cancel-and-wait", "none"],
        default: "cancel-and-wait",
        doc: "none (before #134945) never cancels the queue at shutdown: its timers fire and call the API after Run returned (an api-calls check after stop-controller)",
        breaks: None,
        range: None,
    },
    BehaviorKey {
        name: "forever-tolerated",
        values: &["cancel", "keep"],
        default: "cancel",
        doc: "keep (before #93722, #90794) leaves a scheduled deletion in place when the taints left are all tolerated forever",
        breaks: Some(OracleName::NoEarlyEviction),
        range: None,
    },
    BehaviorKey {
        name: "node-recheck",
        values: &["none", "live"],
        default: "none",
        doc: "none evicts from a stale taintedNodes, e.g. a pod scheduled just after its node's taint was removed (#119862, #139992); live GETs the node before deleting (PR #140198, open)",
        breaks: Some(OracleName::NoEarlyEviction),
        range: None,
    },
    BehaviorKey {
        name: "retries",
        values: &["fixed", "durable"],
        default: "fixed",
        doc: "fixed drops the eviction after 5 denied attempts 10 ms apart (#140639); durable keeps retrying with backoff (PR #141568, open)",
        breaks: Some(OracleName::EventualEviction),
        range: None,
    },
    BehaviorKey {
        name: "latency-metric",
        values: &["ns-times-second", "seconds"],
        default: "ns-times-second",
        doc: "ns-times-second observes time.Since(fireAt)*time.Second, 1e9 times too large and negative after 9.2 s (PRs #141311, #141742, open); seconds is the fix",
        breaks: None,
        range: None,
    },
];

/// A key or value [`Behavior::set`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("behavior key {key:?} has no value {value:?} for the node taint eviction controller")]
pub struct BehaviorError {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

impl Behavior {
    /// Every key with its values, default and the bug it reproduces, in a fixed order.
    pub fn keys() -> &'static [BehaviorKey] {
        &KEYS
    }

    /// The typed behaviour of a checked key map (the `controller` key is skipped).
    pub fn from_keys(keys: &taintsim_plugin::Behavior) -> Result<Self, BehaviorError> {
        let mut behavior = Self::default();
        for (key, value) in keys
            .iter()
            .filter(|(k, _)| *k != taintsim_plugin::CONTROLLER_KEY)
        {
            behavior.set(key, value)?;
        }
        Ok(behavior)
    }

    /// Sets one key from its textual value, as `--set KEY=VALUE` does.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), BehaviorError> {
        let bad = || BehaviorError {
            key: key.to_owned(),
            value: value.to_owned(),
        };
        match (key, value) {
            ("queue", v) => self.queue = v.parse().map_err(|_| bad())?,
            ("shutdown", "cancel-and-wait") => self.shutdown = Shutdown::CancelAndWait,
            ("shutdown", "none") => self.shutdown = Shutdown::None,
            ("forever-tolerated", "cancel") => self.forever_tolerated = ForeverTolerated::Cancel,
            ("forever-tolerated", "keep") => self.forever_tolerated = ForeverTolerated::Keep,
            ("node-recheck", "none") => self.node_recheck = NodeRecheck::None,
            ("node-recheck", "live") => self.node_recheck = NodeRecheck::Live,
            ("retries", "fixed") => self.retries = Retries::Fixed,
            ("retries", "durable") => self.retries = Retries::Durable,
            ("latency-metric", "ns-times-second") => {
                self.latency_metric = LatencyMetric::NsTimesSecond;
            }
            ("latency-metric", "seconds") => self.latency_metric = LatencyMetric::Seconds,
            _ => return Err(bad()),
        }
        Ok(())
    }
}

impl fmt::Display for Behavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "queue={} shutdown={:?} forever-tolerated={:?} node-recheck={:?} retries={:?} latency-metric={:?}",
            self.queue,
            self.shutdown,
            self.forever_tolerated,
            self.node_recheck,
            self.retries,
            self.latency_metric
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_value_should_parse_and_defaults_should_be_the_default() {
        let mut from_defaults = Behavior::default();
        for key in Behavior::keys() {
            for value in key.values {
                let mut b = Behavior::default();
                assert!(b.set(key.name, value).is_ok(), "{}={value}", key.name);
            }
            from_defaults
                .set(key.name, key.default)
                .expect("the default parses");
        }
        assert_eq!(from_defaults, Behavior::default());
        assert!(Behavior::default().set("queue", "v9").is_err());
        assert!(Behavior::default().set("pod-update-filter", "x").is_err());
    }
}
