//! **Interim** reference model of the `latest` generation, until the lead moves it into the
//! reference crate. It is written from the documented semantics below and uses only the
//! object model, `ToleratesTaint` and Go's time arithmetic from this crate, none of the latest
//! controller's own eviction code.
//!
//! A pod is due ([`Due::At`]) at the earliest time over the claims it uses of the earliest
//! time over their devices' taints, where:
//! - a pod without `spec.nodeName` is never due; a pod with a deletionTimestamp is someone
//!   else's to delete (upstream counts it as evicted without a DELETE): [`Due::Unknown`];
//! - the claims a pod uses: each `spec.resourceClaims` entry (a direct `resourceClaimName`; a
//!   template's claim from `status.resourceClaimStatuses`, owned by the pod) and the claim
//!   named in `status.extendedResourceClaimStatus` (owned by the pod) — always, whatever
//!   `extended-resources` says, so that `ignore` (#141290) breaks `eventual-eviction`;
//! - a claim counts if it is allocated and reserved for the pod (its UID in `reservedFor`,
//!   or, with `workload-resource-claims: on`, the pod's PodGroup);
//! - a device's taints: the NoExecute taints of the device in the current slices of its pool
//!   (slices at the pool's highest generation), plus the `spec.taint` of every DeviceTaintRule
//!   with effect NoExecute whose selector is set and matches the allocation result's driver,
//!   pool and device (published or not; an empty selector matches all, a missing one none).
//!   Effects `None`, `NoSchedule` and unknown strings never evict;
//! - a taint's time is `timeAdded` plus the smallest `tolerationSeconds` (negative counts as
//!   0) of the result's tolerations that tolerate it with effect `NoExecute` **or empty**
//!   (as the scheduler reads tolerations; the controller ignores empty effects, the
//!   divergence of spec §6 entry 20); a matching toleration without seconds means never; a
//!   NoExecute taint without `timeAdded` makes the answer [`Due::Unknown`].
//!
//! How this differs from the 1.33 reference: rules are matched against allocation results,
//! not merged into published slices (so a rule taints an unpublished device); a missing
//! selector matches nothing; extended-resource claims and PodGroup reservations count; a pod
//! being deleted is not judged.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use taintsim_api::{Kind, Object};
use taintsim_plugin::{Behavior, Cluster, Due, DueView, Reference};

use super::handlers::{claim_of, slice_of};
use crate::eviction_time::add_go_seconds;
use crate::latest::Rule;
use crate::model::{
    AllocationResult, Claim, EFFECT_NO_EXECUTE, Slice, Taint, pod_claim_statuses, pod_node_name,
    pod_uid,
};
use crate::toleration::tolerates_taint;

/// The interim `latest` reference; see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct LatestReference {
    workload_resource_claims: bool,
}

impl LatestReference {
    /// The reference for a complete `latest` behaviour.
    pub fn new(behavior: &Behavior) -> Self {
        Self {
            workload_resource_claims: behavior.get("workload-resource-claims") == Some("on"),
        }
    }
}

impl Reference for LatestReference {
    fn inputs(&self) -> &'static [Kind] {
        &[
            Kind::ResourceClaim,
            Kind::ResourceSlice,
            Kind::DeviceTaintRule,
        ]
    }

    fn view(&self, cluster: &dyn Cluster) -> Box<dyn DueView> {
        let rules = cluster
            .list(Kind::DeviceTaintRule)
            .iter()
            .filter_map(|o| match o {
                Object::Rule(r) => Some(Rule::from(r)),
                _ => None,
            })
            .filter(|r| r.taint.effect == EFFECT_NO_EXECUTE)
            .collect();
        let mut pools: BTreeMap<(String, String), Vec<Slice>> = BTreeMap::new();
        for slice in cluster
            .list(Kind::ResourceSlice)
            .iter()
            .filter_map(slice_of)
        {
            pools
                .entry((slice.driver.clone(), slice.pool.name.clone()))
                .or_default()
                .push(slice);
        }
        for slices in pools.values_mut() {
            let top = slices.iter().map(|s| s.pool.generation).max();
            slices.retain(|s| Some(s.pool.generation) == top);
        }
        Box::new(LatestView {
            rules,
            pools,
            workload_resource_claims: self.workload_resource_claims,
        })
    }
}

struct LatestView {
    rules: Vec<Rule>,
    /// Current slices per (driver, pool).
    pools: BTreeMap<(String, String), Vec<Slice>>,
    workload_resource_claims: bool,
}

/// What the tolerations make of one taint.
enum Time {
    Never,
    At(Timestamp),
    Unknown(String),
}

impl LatestView {
    fn taints(&self, result: &AllocationResult) -> Vec<Taint> {
        let mut taints: Vec<Taint> = self
            .pools
            .get(&(result.driver.clone(), result.pool.clone()))
            .into_iter()
            .flatten()
            .filter_map(|s| s.device(&result.device))
            .flat_map(|d| d.taints.iter().flatten())
            .filter(|t| t.effect == EFFECT_NO_EXECUTE)
            .cloned()
            .collect();
        taints.extend(
            self.rules
                .iter()
                .filter(|r| {
                    r.selector
                        .as_ref()
                        .is_some_and(|s| s.matches(&result.driver, &result.pool, &result.device))
                })
                .map(|r| r.taint.clone()),
        );
        taints
    }

    fn taint_time(result: &AllocationResult, taint: &Taint) -> Time {
        let matching: Vec<_> = result
            .tolerations
            .iter()
            .filter(|t| t.effect.is_empty() || t.effect == EFFECT_NO_EXECUTE)
            .filter(|t| tolerates_taint(t, taint))
            .collect();
        if matching.iter().any(|t| t.toleration_seconds.is_none()) {
            return Time::Never;
        }
        let Some(added) = taint.time_added else {
            return Time::Unknown(format!(
                "device {}/{}/{} has a NoExecute taint without timeAdded",
                result.driver, result.pool, result.device
            ));
        };
        let seconds = matching
            .iter()
            .filter_map(|t| t.toleration_seconds)
            .map(|s| s.max(0))
            .min()
            .unwrap_or(0);
        Time::At(add_go_seconds(added, seconds, &mut |_| {}))
    }

    fn reserved_for(&self, pod: &Pod, claim: &Claim) -> bool {
        let group = crate::latest::model::pod_group_name(pod);
        claim.reserved_for.iter().any(|c| {
            c.uid == pod_uid(pod)
                || (self.workload_resource_claims
                    && !group.is_empty()
                    && c.api_group == "scheduling.k8s.io"
                    && c.resource == "podgroups"
                    && c.name == group)
        })
    }
}

/// The claims a pod uses, with whether the pod must own them.
fn used_claims(pod: &Pod) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for entry in pod
        .spec
        .iter()
        .flat_map(|s| s.resource_claims.iter().flatten())
    {
        match (
            &entry.resource_claim_name,
            &entry.resource_claim_template_name,
        ) {
            (Some(name), _) => out.push((name.clone(), false)),
            (None, Some(_)) => {
                if let Some(name) = pod_claim_statuses(pod)
                    .iter()
                    .find(|s| s.name == entry.name)
                    .and_then(|s| s.resource_claim_name.clone())
                {
                    out.push((name, true));
                }
            }
            (None, None) => {}
        }
    }
    if let Some(name) = pod
        .status
        .as_ref()
        .and_then(|s| s.extended_resource_claim_status.as_ref())
        .map(|e| e.resource_claim_name.clone())
    {
        out.push((name, true));
    }
    out
}

impl DueView for LatestView {
    fn due(&self, cluster: &dyn Cluster, pod: &Pod) -> Due {
        if pod_node_name(pod).is_empty() {
            return Due::Never;
        }
        if pod.metadata.deletion_timestamp.is_some() {
            return Due::Unknown("the pod is being deleted".to_owned());
        }
        let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
        let mut earliest: Option<Timestamp> = None;
        for (name, owned) in used_claims(pod) {
            let Some(claim) = cluster
                .get(Kind::ResourceClaim, namespace, &name)
                .and_then(|o| claim_of(&o))
            else {
                continue;
            };
            let Some(allocation) = &claim.allocation else {
                continue;
            };
            let owner_ok = !owned
                || (claim.namespace == namespace
                    && claim
                        .controller_owner()
                        .is_some_and(|o| o.uid == pod_uid(pod)));
            if !owner_ok || !self.reserved_for(pod, &claim) {
                continue;
            }
            for result in allocation {
                for taint in self.taints(result) {
                    match Self::taint_time(result, &taint) {
                        Time::Never => {}
                        Time::At(t) => earliest = Some(earliest.map_or(t, |e| e.min(t))),
                        Time::Unknown(why) => return Due::Unknown(why),
                    }
                }
            }
        }
        earliest.map_or(Due::Never, Due::At)
    }
}
