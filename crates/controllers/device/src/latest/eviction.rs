//! `claimEvictionTime` and `podEvictionTime` of the latest controller: when a claim's and a
//! pod's eviction is due, and every NoExecute taint that causes it.
//!
//! For each allocation result, the taints are the device's NoExecute taints in the current
//! slices of its pool (if the device is published) and every NoExecute DeviceTaintRule whose
//! selector matches the result's driver, pool and device (published or not). A taint that a
//! counting toleration (effect `NoExecute`, as in 1.33) tolerates without seconds is skipped;
//! otherwise its time is `timeAdded` plus the smallest seconds of the counting tolerations.
//! Every other taint is a reason, and the claim's time is the earliest. A pod merges the
//! evictions of the claims it uses and that are reserved for it.

use std::sync::Arc;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use taintsim_seam::runtime::Runtime;

use super::model::{Rule, extended_resource_claim_name, pod_group_name};
use super::pools::Pools;
use super::reason::{EvictionAndReason, TrackedTaint};
use super::state::AllocatedClaim;
use super::{Config, ExtendedResources};
use crate::eviction_time::{
    MARK_NIL_TIME_ADDED_IGNORED, MARK_NIL_TIME_ADDED_PANIC, NIL_TIME_ADDED_PANIC, add_go_seconds,
};
use crate::model::{
    Claim, EFFECT_NO_EXECUTE, optional, pod_claim_statuses, pod_node_name, pod_uid,
};
use crate::toleration::tolerates_taint;

/// `schedulingapi.GroupName`.
pub const SCHEDULING_GROUP: &str = "scheduling.k8s.io";
/// The `reservedFor` resource of a PodGroup.
pub const PODGROUPS: &str = "podgroups";

/// `claimEvictionTime`: see the module docs. `rt` makes Go's random choices (which of several
/// slices publishing one device is used) and passes coverage marks.
///
/// # Panics
/// Like upstream (and 1.33), on a NoExecute taint without `timeAdded` that a toleration with
/// seconds matches (a nil dereference upstream; only reachable with server defaulting off).
pub fn claim_eviction_time(
    claim: &Claim,
    pools: &Pools,
    evicting_rules: &[Arc<Rule>],
    rt: Option<&dyn Runtime>,
) -> Option<EvictionAndReason> {
    let mut when: Option<Timestamp> = None;
    let mut reason: Vec<TrackedTaint> = Vec::new();
    for result in claim.allocation.iter().flatten() {
        let mut taints: Vec<TrackedTaint> = Vec::new();
        let id = (result.driver.clone(), result.pool.clone());
        if let Some((slice, device)) = pools
            .get(&id)
            .and_then(|p| p.get_device(&result.device, rt))
        {
            for (index, t) in device.taints.iter().flatten().enumerate() {
                if t.effect == EFFECT_NO_EXECUTE {
                    taints.push(TrackedTaint::Slice {
                        slice: slice.clone(),
                        device: device.name.clone(),
                        index,
                    });
                }
            }
        }
        for rule in evicting_rules {
            if rule.matches_device(&result.driver, &result.pool, &result.device) {
                taints.push(TrackedTaint::Rule(rule.clone()));
            }
        }
        for tracked in taints {
            let taint = tracked.device_taint();
            let counting: Vec<_> = result
                .tolerations
                .iter()
                .filter(|t| t.effect == EFFECT_NO_EXECUTE && tolerates_taint(t, &taint))
                .collect();
            if counting.iter().any(|t| t.toleration_seconds.is_none()) {
                // Tolerated forever: not a reason.
                continue;
            }
            let seconds = counting
                .iter()
                .filter_map(|t| t.toleration_seconds)
                .map(|s| s.max(0))
                .min();
            let t = match (taint.time_added, seconds) {
                (Some(added), Some(s)) => Some(add_go_seconds(added, s, &mut |m| mark(rt, m))),
                (added, None) => {
                    if added.is_none() {
                        mark(rt, MARK_NIL_TIME_ADDED_IGNORED);
                    }
                    added
                }
                (None, Some(s)) => {
                    mark(rt, MARK_NIL_TIME_ADDED_PANIC);
                    panic!(
                        "{NIL_TIME_ADDED_PANIC} ({tracked}, device {}/{}/{}, tolerationSeconds {s})",
                        result.driver, result.pool, result.device
                    );
                }
            };
            insert_sorted(&mut reason, tracked);
            when = match (when, t) {
                (None, t) => t,
                (Some(w), Some(t)) if t < w => Some(t),
                (w, _) => w,
            };
        }
    }
    when.map(|when| EvictionAndReason { when, reason })
}

fn mark(rt: Option<&dyn Runtime>, name: &'static str) {
    if let Some(rt) = rt {
        rt.mark(name);
    }
}

/// Adds `taint` to a list sorted by `Compare`, unless an equal one is there.
fn insert_sorted(list: &mut Vec<TrackedTaint>, taint: TrackedTaint) {
    if let Err(at) = list.binary_search_by(|t| t.compare(&taint)) {
        list.insert(at, taint);
    }
}

/// `resourceclaim.IsForPod`: same namespace, and the pod is the claim's controlling owner (by
/// UID, like `metav1.IsControlledBy`).
pub fn is_for_pod(pod: &Pod, claim: &Claim) -> bool {
    pod.metadata.namespace.as_deref().unwrap_or_default() == claim.namespace
        && claim
            .controller_owner()
            .is_some_and(|o| o.uid == pod_uid(pod))
}

/// `resourceclaim.IsReservedForPod`: some consumer has the pod's UID; with
/// `workloadResourceClaimsEnabled`, also a consumer that is the pod's PodGroup.
pub fn is_reserved_for_pod(pod: &Pod, claim: &Claim, workload: bool) -> bool {
    let group = pod_group_name(pod);
    claim.reserved_for.iter().any(|c| {
        c.uid == pod_uid(pod)
            || (workload
                && !group.is_empty()
                && c.api_group == SCHEDULING_GROUP
                && c.resource == PODGROUPS
                && c.name == group)
    })
}

/// The claims a pod uses, in upstream's order: each `spec.resourceClaims` entry's claim
/// (`resourceclaim.Name`; `true` when the owner must be checked), then, with the fix of
/// #141290, the claim of `status.extendedResourceClaimStatus` (owner checked).
pub fn pod_claims(pod: &Pod, config: &Config) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for entry in pod
        .spec
        .iter()
        .flat_map(|s| s.resource_claims.iter().flatten())
    {
        if let Some(name) = &entry.resource_claim_name {
            out.push((name.clone(), false));
        } else if entry.resource_claim_template_name.is_some() {
            // Not created yet (no status entry) or not needed (no name): no claim.
            let status = pod_claim_statuses(pod)
                .iter()
                .find(|s| s.name == entry.name);
            if let Some(name) = status.and_then(|s| s.resource_claim_name.clone()) {
                out.push((name, true));
            }
        }
    }
    if config.extended_resources == ExtendedResources::Evict
        && let Some(name) = extended_resource_claim_name(pod)
    {
        out.push((name.to_owned(), true));
    }
    out
}

/// `podEvictionTime`: nil for a pod that is not scheduled; otherwise the merge of the
/// evictions of its claims that are allocated, owned by it where required and reserved for
/// it: the earliest time and the union of the reasons.
pub fn pod_eviction_time(
    pod: &Pod,
    claims: &std::collections::BTreeMap<super::state::ClaimKey, AllocatedClaim>,
    config: &Config,
) -> Option<EvictionAndReason> {
    if pod_node_name(pod).is_empty() {
        return None;
    }
    let namespace = optional(pod.metadata.namespace.as_deref());
    let mut eviction: Option<EvictionAndReason> = None;
    for (name, check_owner) in pod_claims(pod, config) {
        let Some(allocated) = claims.get(&(namespace.clone(), name.into())) else {
            continue;
        };
        if check_owner && !is_for_pod(pod, &allocated.claim) {
            continue;
        }
        if !is_reserved_for_pod(pod, &allocated.claim, config.workload_resource_claims) {
            continue;
        }
        let Some(claim_eviction) = &allocated.eviction else {
            continue;
        };
        eviction = Some(match eviction {
            None => claim_eviction.clone(),
            Some(current) => {
                let mut merged = EvictionAndReason {
                    when: claim_eviction.when.min(current.when),
                    reason: claim_eviction.reason.clone(),
                };
                for r in current.reason {
                    insert_sorted(&mut merged.reason, r);
                }
                merged
            }
        });
    }
    eviction
}
