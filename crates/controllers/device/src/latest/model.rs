//! What the latest controller reads beyond the shared object model ([`crate::model`]): the
//! DeviceTaintRule with its UID, generation and status condition, and three pod fields.
//!
//! **API versions and fields k8s-openapi 0.29 lacks.** Upstream (after 008b3652) reads
//! `resource.k8s.io/v1` DeviceTaintRules; k8s-openapi 0.29 (Kubernetes 1.35) has only
//! `v1alpha3`, whose fields are the same for everything the controller reads
//! (`spec.deviceSelector.{driver,pool,device}`, `spec.taint`, `metadata.uid`,
//! `metadata.generation`, `status.conditions`), so scenarios write rules as `v1alpha3`. Left
//! out: any field a newer version adds that the controller does not read. Upstream reads a
//! pod's PodGroup from `spec.schedulingGroup.podGroupName` (scheduling `v1alpha2`), which
//! k8s-openapi 0.29's Pod lacks; taintsim reads the PodGroup name from
//! `spec.workloadRef.podGroup`, the 1.35 field that names the pod's PodGroup (the workload
//! name and replica key are ignored, as upstream's index ignores everything but the group).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::resource::v1alpha3;

use crate::model::{Taint, TaintSelector};

/// `DeviceTaintConditionEvictionInProgress`.
pub const EVICTION_IN_PROGRESS: &str = "EvictionInProgress";

/// The `EvictionInProgress` condition of a rule's status, as the controller compares it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleCondition {
    /// `status`: `True` or `False`.
    pub status: String,
    /// `reason`.
    pub reason: String,
    /// `message`.
    pub message: String,
    /// `observedGeneration` (0 when unset, as Go's zero value).
    pub observed_generation: i64,
    /// `lastTransitionTime`.
    pub last_transition_time: Option<Timestamp>,
}

/// A DeviceTaintRule as the latest controller sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    /// `metadata.name`; rules are cluster-scoped.
    pub name: String,
    /// `metadata.uid`.
    pub uid: String,
    /// `metadata.generation`.
    pub generation: i64,
    /// `spec.deviceSelector`: `None` matches nothing, `Some({})` every device.
    pub selector: Option<TaintSelector>,
    /// `spec.taint`.
    pub taint: Taint,
    /// The `EvictionInProgress` condition in `status.conditions`, if any.
    pub condition: Option<RuleCondition>,
}

impl Rule {
    /// `apiequality.Semantic.DeepEqual(old.Spec, new.Spec)`.
    pub fn spec_equal(&self, other: &Rule) -> bool {
        self.selector == other.selector && self.taint == other.taint
    }

    /// `ruleMatchesDevice`: a nil selector matches nothing; every set field must match.
    pub fn matches_device(&self, driver: &str, pool: &str, device: &str) -> bool {
        self.selector
            .as_ref()
            .is_some_and(|s| s.matches(driver, pool, device))
    }
}

impl From<&v1alpha3::DeviceTaintRule> for Rule {
    fn from(r: &v1alpha3::DeviceTaintRule) -> Self {
        let condition = r
            .status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .find(|c| c.type_ == EVICTION_IN_PROGRESS)
            .map(|c| RuleCondition {
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
                observed_generation: c.observed_generation.unwrap_or(0),
                last_transition_time: Some(c.last_transition_time.0),
            });
        Self {
            name: r.metadata.name.clone().unwrap_or_default(),
            uid: r.metadata.uid.clone().unwrap_or_default(),
            generation: r.metadata.generation.unwrap_or(0),
            selector: r.spec.device_selector.as_ref().map(|s| TaintSelector {
                driver: s.driver.clone(),
                pool: s.pool.clone(),
                device: s.device.clone(),
            }),
            taint: Taint::from(&r.spec.taint),
            condition,
        }
    }
}

/// The pod's PodGroup name (see the module docs), empty if none.
pub fn pod_group_name(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.workload_ref.as_ref())
        .map_or("", |w| w.pod_group.as_str())
}

/// `status.extendedResourceClaimStatus.resourceClaimName`, if set.
pub fn extended_resource_claim_name(pod: &Pod) -> Option<&str> {
    pod.status
        .as_ref()
        .and_then(|s| s.extended_resource_claim_status.as_ref())
        .map(|e| e.resource_claim_name.as_str())
}

/// `status.extendedResourceClaimStatus`, compared as a whole by the pod-update filter.
pub fn extended_resource_claim_status(
    pod: &Pod,
) -> Option<&k8s_openapi::api::core::v1::PodExtendedResourceClaimStatus> {
    pod.status
        .as_ref()
        .and_then(|s| s.extended_resource_claim_status.as_ref())
}

/// Whether `metadata.deletionTimestamp` is set.
pub fn being_deleted(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}
