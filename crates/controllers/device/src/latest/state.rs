//! The controller's state under its one mutex (upstream `Controller`'s fields guarded by
//! `tc.mutex`, shared by the handlers and the workers), and a copy of it for tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use smol_str::SmolStr;
use taintsim_timed_worker_queue::NamespacedObject;

use super::model::Rule;
use super::pools::Pools;
use super::reason::EvictionAndReason;
use super::uid_cache::UidCache;
use crate::model::Claim;

/// `(namespace, name)`: the key of `allocatedClaims`.
pub type ClaimKey = (SmolStr, SmolStr);

/// `allocatedClaim`: an allocated claim and its eviction (`None`: not tainted, or every taint
/// tolerated forever).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocatedClaim {
    /// The last claim object seen.
    pub claim: Arc<Claim>,
    /// `eviction`.
    pub eviction: Option<EvictionAndReason>,
}

/// See the module docs.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// `deletePodAt`: the source of truth. A pod must be evicted at `when` iff it has an entry.
    pub delete_pod_at: BTreeMap<NamespacedObject, EvictionAndReason>,
    /// `maybeDeletePodCount`: pod work items a worker started on (tests only upstream).
    pub maybe_delete_pod_count: u64,
    /// `allocatedClaims`.
    pub allocated_claims: BTreeMap<ClaimKey, AllocatedClaim>,
    /// `pools`.
    pub pools: Pools,
    /// `evictingRules`: the rules with effect NoExecute, by name.
    pub evicting_rules: BTreeMap<String, Arc<Rule>>,
    /// `taintRuleStats`: pods evicted because of a rule, by the rule's UID.
    pub taint_rule_stats: BTreeMap<String, u64>,
    /// `evictedPods`: UIDs of recently evicted pods.
    pub evicted_pods: UidCache,
}

impl State {
    /// The NoExecute rules, in name order (the order of reasons does not depend on it).
    pub(crate) fn rules(&self) -> Vec<Arc<Rule>> {
        self.evicting_rules.values().cloned().collect()
    }
}
