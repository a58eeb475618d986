//! The reference for the `latest` generation (the workqueue controller of 1.35 and later,
//! `pkg/controller/devicetainteviction/device_taint_eviction.go`), read from the API objects
//! alone. It answers as the 1.33 reference ([`super`]) does except where upstream's documented
//! semantics changed:
//! - DeviceTaintRules are matched against each allocation result (`ruleMatchesDevice`), not
//!   merged into published slices, so a rule also taints a device no current slice lists; a
//!   rule without a selector matches nothing, an empty selector (`{}`) everything
//!   (kubernetes/kubernetes#141422);
//! - the claim named in `status.extendedResourceClaimStatus` counts like a template's claim
//!   (it must be controlled by the pod). It always counts, whatever the controller's
//!   `extended-resources` key says: the pod must be evicted (kubernetes/kubernetes#141290), so
//!   a controller that ignores it breaks `eventual-eviction`;
//! - with `workload-resource-claims` on, a claim reserved for the pod's PodGroup
//!   (`reservedFor` entry `scheduling.k8s.io`/`podgroups` named as `spec.workloadRef.podGroup`)
//!   counts as reserved for the pod (`resourceclaim.IsReservedForPod` with the workload flag);
//! - a pod with a `deletionTimestamp` is not judged ([`Due::Unknown`]): someone else is
//!   deleting it, and upstream counts it as evicted without a DELETE
//!   (`addConditionAndDeletePod`);
//! - a NoExecute taint without `timeAdded` leaves only the pods it reaches unjudged, as
//!   [`taint_due`] says, not the whole world: the latest controller evaluates each taint where
//!   it is used.
//!
//! Tolerations with an empty effect count, as in the 1.33 reference (`ToleratesTaint`).

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::Kind;
use taintsim_plugin::{Cluster, Due, DueView};

use super::devices::Devices;
use super::objects::{Allocated, Claim, NO_EXECUTE, Rule, Slice};
use super::toleration::{earliest, taint_due};

/// The `reservedFor` consumer kind of a PodGroup (`scheduling.k8s.io`, `podgroups`).
const POD_GROUP_API_GROUP: &str = "scheduling.k8s.io";
const POD_GROUPS: &str = "podgroups";

/// The cluster's slice taints and NoExecute rules, read once, for answering many pods.
#[derive(Debug, Clone)]
pub struct LatestView {
    devices: Devices,
    rules: Vec<Rule>,
    workload_resource_claims: bool,
}

impl LatestView {
    /// Reads every slice and DeviceTaintRule of `cluster`; `workload_resource_claims` says
    /// whether PodGroup reservations count (the `DRAWorkloadResourceClaims` gate).
    pub fn read(cluster: &dyn Cluster, workload_resource_claims: bool) -> Self {
        let mut rules: Vec<Rule> = cluster
            .list(Kind::DeviceTaintRule)
            .iter()
            .filter_map(Rule::read)
            .filter(|r| r.taint.effect == NO_EXECUTE)
            .collect();
        rules.sort_by(|a, b| a.name.cmp(&b.name));
        let slices: Vec<Slice> = cluster
            .list(Kind::ResourceSlice)
            .iter()
            .filter_map(Slice::read)
            .collect();
        Self {
            devices: Devices::index(&slices, &[]),
            rules,
            workload_resource_claims,
        }
    }

    /// When one allocated device evicts its consumers: its published NoExecute taints plus
    /// those of the rules that select it.
    fn result_due(&self, a: &Allocated) -> Due {
        let published = self.devices.no_execute(&a.driver, &a.pool, &a.device);
        let ruled = self
            .rules
            .iter()
            .filter(|r| r.taints(&a.driver, &a.pool, &a.device))
            .map(|r| &r.taint);
        published
            .into_iter()
            .chain(ruled)
            .map(|t| taint_due(t, &a.tolerations))
            .fold(Due::Never, earliest)
    }

    /// The claims that count for `pod`.
    fn claims(&self, cluster: &dyn Cluster, pod: &Pod) -> Vec<Claim> {
        let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
        let uid = pod.metadata.uid.as_deref().unwrap_or_default();
        let group = pod
            .spec
            .as_ref()
            .and_then(|s| s.workload_ref.as_ref())
            .map_or("", |w| w.pod_group.as_str());
        named_claims(pod)
            .into_iter()
            .filter_map(|(name, pod_owned)| {
                let claim = Claim::read(&cluster.get(Kind::ResourceClaim, namespace, &name)?)?;
                let owned = claim.controller_uid.as_deref() == Some(uid);
                let reserved = claim.reserved_for.iter().any(|c| {
                    (c.is_pod() && c.uid == uid)
                        || (self.workload_resource_claims
                            && !group.is_empty()
                            && c.api_group == POD_GROUP_API_GROUP
                            && c.resource == POD_GROUPS
                            && c.name == group)
                });
                (claim.allocation.is_some() && (owned || !pod_owned) && reserved).then_some(claim)
            })
            .collect()
    }
}

/// The claim names a pod refers to, each with whether the pod must control the claim: direct
/// `resourceClaimName`s (no), templates' claims from `status.resourceClaimStatuses` (yes) and
/// the `status.extendedResourceClaimStatus` claim (yes).
fn named_claims(pod: &Pod) -> Vec<(String, bool)> {
    let statuses: Vec<_> = pod
        .status
        .iter()
        .flat_map(|s| s.resource_claim_statuses.iter().flatten())
        .collect();
    let mut out: Vec<(String, bool)> = pod
        .spec
        .iter()
        .flat_map(|s| s.resource_claims.iter().flatten())
        .filter_map(|entry| {
            if let Some(name) = &entry.resource_claim_name {
                return Some((name.clone(), false));
            }
            entry.resource_claim_template_name.as_ref()?;
            let status = statuses.iter().find(|s| s.name == entry.name)?;
            Some((status.resource_claim_name.clone()?, true))
        })
        .collect();
    if let Some(extended) = pod
        .status
        .as_ref()
        .and_then(|s| s.extended_resource_claim_status.as_ref())
    {
        out.push((extended.resource_claim_name.clone(), true));
    }
    out
}

impl DueView for LatestView {
    fn due(&self, cluster: &dyn Cluster, pod: &Pod) -> Due {
        let scheduled = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        if scheduled.is_none_or(str::is_empty) {
            return Due::Never;
        }
        if pod.metadata.deletion_timestamp.is_some() {
            return Due::Unknown("the pod is being deleted".to_owned());
        }
        self.claims(cluster, pod)
            .iter()
            .flat_map(|c| c.allocation.iter().flatten())
            .map(|a| self.result_due(a))
            .fold(Due::Never, earliest)
    }
}
