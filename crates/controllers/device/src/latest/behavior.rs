//! The behaviour keys of the `latest` generation and the controller configuration they give.

use taintsim_plugin::{BehaviorKey, NumberRange, OracleName};

/// Upstream's default `ConcurrentSyncs` (kube-controller-manager).
pub const DEFAULT_WORKERS: usize = 10;

/// Whether pods that use a claim only through `status.extendedResourceClaimStatus` are
/// evicted (#141290).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExtendedResources {
    /// The controller @ 008b3652: such pods are never evicted, and a change of that status is
    /// filtered out.
    Ignore,
    /// The fix the latest upstream test (@ 051099c1) expects: the claim counts, with the
    /// owner check, and a change of that status re-evaluates the pod.
    #[default]
    Evict,
}

/// When a rule's status is updated after one of its pods was evicted (#135588, #135611).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleStatusUpdate {
    /// Before #135611: at once (`Add`), computed from the informer cache that may still hold
    /// the evicted pod.
    Immediate,
    /// #135611: after `ruleStatusPeriod` (`AddAfter(10s)`).
    #[default]
    Delayed,
}

/// The latest controller's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The controller's name: the workqueue's name and the status field manager.
    pub name: String,
    /// `numWorkers` of `Run` (`ConcurrentSyncs`).
    pub workers: usize,
    /// `workloadResourceClaimsEnabled` (feature gate `DRAWorkloadResourceClaims`).
    pub workload_resource_claims: bool,
    /// `extended-resources`.
    pub extended_resources: ExtendedResources,
    /// `rule-status-update`.
    pub rule_status_update: RuleStatusUpdate,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            name: crate::events::TEST_CONTROLLER_NAME.to_owned(),
            workers: DEFAULT_WORKERS,
            workload_resource_claims: false,
            extended_resources: ExtendedResources::default(),
            rule_status_update: RuleStatusUpdate::default(),
        }
    }
}

/// The keys, in a fixed order.
pub const KEYS: [BehaviorKey; 4] = [
    BehaviorKey {
        name: "workers",
        values: &[],
        default: "10",
        doc: "number of workers, Run(numWorkers) (upstream ConcurrentSyncs, default 10)",
        breaks: None,
        range: Some(NumberRange { min: 1, max: 100 }),
    },
    BehaviorKey {
        name: "extended-resources",
        values: &["ignore", "evict"],
        default: "evict",
        doc: "#141290: ignore (controller @ 008b3652) never evicts a pod whose claim is only in status.extendedResourceClaimStatus; evict is the fix the latest upstream test expects",
        breaks: Some(OracleName::EventualEviction),
        range: None,
    },
    BehaviorKey {
        name: "rule-status-update",
        values: &["immediate", "delayed"],
        default: "delayed",
        doc: "#135588/#135611: immediate updates a rule's status right after an eviction, from an informer cache that may still hold the evicted pod; delayed waits ruleStatusPeriod (10s)",
        breaks: None,
        range: None,
    },
    BehaviorKey {
        name: "workload-resource-claims",
        values: &["off", "on"],
        default: "off",
        doc: "feature gate DRAWorkloadResourceClaims: on, a claim reserved for a PodGroup counts for the group's pods",
        breaks: None,
        range: None,
    },
];

impl Config {
    /// The configuration of a checked key map (unknown keys are ignored: the registry checked
    /// them).
    pub fn from_keys(keys: &taintsim_plugin::Behavior) -> Self {
        let mut c = Self::default();
        if let Some(n) = keys.get("workers").and_then(|v| v.parse().ok()) {
            c.workers = n;
        }
        if keys.get("extended-resources") == Some("ignore") {
            c.extended_resources = ExtendedResources::Ignore;
        }
        if keys.get("rule-status-update") == Some("immediate") {
            c.rule_status_update = RuleStatusUpdate::Immediate;
        }
        c.workload_resource_claims = keys.get("workload-resource-claims") == Some("on");
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_should_be_the_latest_upstream_controller() {
        let c = Config::from_keys(&taintsim_plugin::Behavior::new());
        assert_eq!(c, Config::default());
        assert_eq!(c.workers, 10);
        for key in &KEYS {
            let with_default = taintsim_plugin::Behavior::new().with(key.name, key.default);
            assert_eq!(
                Config::from_keys(&with_default),
                Config::default(),
                "{}",
                key.name
            );
        }
    }

    #[test]
    fn every_non_default_value_should_change_the_config() {
        let keys = taintsim_plugin::Behavior::new()
            .with("workers", "2")
            .with("extended-resources", "ignore")
            .with("rule-status-update", "immediate")
            .with("workload-resource-claims", "on");
        let c = Config::from_keys(&keys);
        assert_eq!(c.workers, 2);
        assert_eq!(c.extended_resources, ExtendedResources::Ignore);
        assert_eq!(c.rule_status_update, RuleStatusUpdate::Immediate);
        assert!(c.workload_resource_claims);
    }
}
