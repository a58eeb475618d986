//! `handlePodChange`, `handlePods`, `handlePod` and `cancelWorkWithEvent`
//! (`device_taint_eviction.go` @ ab3cec07).

use k8s_openapi::api::core::v1::{Pod, PodResourceClaim};
use tracing::debug;

use super::{
    Locked, MARK_HANDLE_PODS_ABANDONED, MARK_HANDLE_PODS_CONTINUE, MARK_HANDLE_PODS_RETURN,
    MARK_POD_NOT_SCHEDULED,
};
use crate::behavior::{HandlePods, PodUpdateFilter};
use crate::events::emit_cancel_pod_deletion_event;
use crate::model::{Claim, optional, pod_claim_statuses, pod_node_name, pod_ref, pod_uid};
use taintsim_timed_worker_queue::NamespacedObject;

impl PodUpdateFilter {
    /// The update filter of `handlePodChange`: whether the update from `old` to `new` changes
    /// nothing the controller looks at, so that it is dropped.
    pub fn ignores(self, old: &Pod, new: &Pod) -> bool {
        let claims_same = pod_claim_statuses(old) == pod_claim_statuses(new);
        match self {
            Self::ClaimStatuses => claims_same,
            Self::ClaimStatusesAndNodeName => {
                pod_node_name(old) == pod_node_name(new) && claims_same
            }
        }
    }
}

impl Locked<'_> {
    pub(super) fn handle_pod_change(&mut self, old: Option<&Pod>, new: Option<&Pod>) {
        let Some(new) = new else {
            // Nothing left to do for it. No need to emit an event here, it's gone.
            if let Some(old) = old {
                self.c.evictor.cancel_evict(&pod_ref(old));
            }
            return;
        };
        // Pods get updated quite frequently. There's no need to check them again unless
        // something changed regarding their claims (or, with the later filter, they got
        // scheduled). In particular this drops the update caused by the worker's own
        // DisruptionTarget patch.
        if let Some(old) = old
            && self.c.behavior.pod_update_filter.ignores(old, new)
        {
            return;
        }
        self.handle_pod(new);
    }

    /// `handlePods`: every pod consumer of the claim, looked up in the lister.
    pub(super) fn handle_pods(&mut self, claim: &Claim) {
        for (i, consumer) in claim.reserved_for.iter().enumerate() {
            if !consumer.is_pod() {
                continue;
            }
            let pod = self.c.pods.get(&claim.namespace, &consumer.name);
            let pod = match pod {
                Some(pod) if pod_uid(&pod) == consumer.uid => pod,
                // NotFound, or not the pod the claim was reserved for.
                stale => {
                    debug!(claim = %claim.key(), consumer = %consumer.name, found = stale.is_some(), "Stale ResourceClaim consumer");
                    match self.c.behavior.handle_pods {
                        HandlePods::Return => {
                            self.c.rt.mark(MARK_HANDLE_PODS_RETURN);
                            if claim.reserved_for[i + 1..].iter().any(|c| c.is_pod()) {
                                self.c.rt.mark(MARK_HANDLE_PODS_ABANDONED);
                            }
                            return;
                        }
                        HandlePods::Continue => {
                            self.c.rt.mark(MARK_HANDLE_PODS_CONTINUE);
                            continue;
                        }
                    }
                }
            };
            self.handle_pod(&pod);
        }
    }

    /// `handlePod`: the smallest eviction time of the pod's claims decides between evicting
    /// and cancelling.
    pub(super) fn handle_pod(&mut self, pod: &Pod) {
        // Not scheduled yet: no need to evict (and nothing is cancelled either).
        if pod_node_name(pod).is_empty() {
            self.c.rt.mark(MARK_POD_NOT_SCHEDULED);
            return;
        }
        let namespace = optional(pod.metadata.namespace.as_deref());
        let pod_claims = pod
            .spec
            .as_ref()
            .and_then(|s| s.resource_claims.as_deref())
            .unwrap_or_default();
        let mut eviction_time = None;
        for pod_claim in pod_claims {
            let Some((name, must_check_owner)) = claim_name(pod, pod_claim) else {
                // Not created yet, not needed, or unsupported: definitely not tainted.
                continue;
            };
            let Some(allocated) = self
                .st
                .allocated_claims
                .get(&(namespace.clone(), name.into()))
            else {
                // Not found or not allocated: not tainted either.
                continue;
            };
            if must_check_owner && !is_for_pod(pod, &allocated.claim) {
                continue;
            }
            if !is_reserved_for_pod(pod, &allocated.claim) {
                // Perhaps that pod is gone and this is its replacement under the same name.
                continue;
            }
            let Some(t) = allocated.eviction_time else {
                continue;
            };
            eviction_time = Some(eviction_time.map_or(t, |e: jiff::Timestamp| e.min(t)));
        }
        let pod_ref = pod_ref(pod);
        match eviction_time {
            Some(t) => self.c.evictor.evict_pod(&pod_ref, t),
            None => self.cancel_work_with_event(&pod_ref),
        }
    }

    /// `cancelWorkWithEvent`: "Cancelling deletion" only if something was cancelled.
    pub(super) fn cancel_work_with_event(&self, pod: &NamespacedObject) {
        if self.c.evictor.cancel_evict(pod) {
            emit_cancel_pod_deletion_event(self.c.recorder.as_ref(), pod);
        }
    }
}

/// `resourceclaim.Name`: the claim name of a pod claim entry and whether the owner must be
/// checked; `None` when there is no claim (template claim not created yet, not needed, or an
/// entry with neither field).
fn claim_name(pod: &Pod, pod_claim: &PodResourceClaim) -> Option<(String, bool)> {
    if let Some(name) = &pod_claim.resource_claim_name {
        return Some((name.clone(), false));
    }
    pod_claim.resource_claim_template_name.as_ref()?;
    let status = pod_claim_statuses(pod)
        .iter()
        .find(|s| s.name == pod_claim.name)?;
    status.resource_claim_name.clone().map(|name| (name, true))
}

/// `resourceclaim.IsForPod`: same namespace and the pod is the claim's controller. Like
/// upstream's `metav1.IsControlledBy`, only the owner's UID is compared, not its kind.
fn is_for_pod(pod: &Pod, claim: &Claim) -> bool {
    pod.metadata.namespace.as_deref().unwrap_or_default() == claim.namespace
        && claim
            .controller_owner()
            .is_some_and(|o| o.uid == pod_uid(pod))
}

/// `resourceclaim.IsReservedForPod`: the pod's UID is among the consumers.
fn is_reserved_for_pod(pod: &Pod, claim: &Claim) -> bool {
    claim.reserved_for.iter().any(|c| c.uid == pod_uid(pod))
}
