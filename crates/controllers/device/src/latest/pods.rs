//! `handlePodChange`, `handlePod`, `evictPod`, `cancelEvict` and `cancelWorkWithEvent`.

use k8s_openapi::api::core::v1::Pod;
use taintsim_timed_worker_queue::NamespacedObject;

use super::eviction::pod_eviction_time;
use super::model::{extended_resource_claim_name, extended_resource_claim_status};
use super::reason::EvictionAndReason;
use super::rule_status::RULE_STATUS_PERIOD;
use super::{
    ExtendedResources, Handlers, MARK_CANCELLED, MARK_EXTENDED_IGNORED, MARK_POD_UPDATE_FILTERED,
    WorkItem,
};
use crate::events::emit_cancel_pod_deletion_event;
use crate::model::{pod_claim_statuses, pod_node_name, pod_ref};

impl Handlers<'_> {
    /// `handlePodChange`.
    pub(crate) fn handle_pod_change(&mut self, old: Option<&Pod>, new: Option<&Pod>) {
        let Some(new) = new else {
            // The pod is gone: forget it, without an event.
            if let Some(old) = old {
                self.cancel_evict(&pod_ref(old));
            }
            return;
        };
        if let Some(old) = old {
            // Only scheduling and the pod's claims matter (this also drops the update the
            // worker's own DisruptionTarget patch causes).
            let extended_same = self.fx.config.extended_resources == ExtendedResources::Ignore
                || extended_resource_claim_status(old) == extended_resource_claim_status(new);
            if pod_node_name(old) == pod_node_name(new)
                && pod_claim_statuses(old) == pod_claim_statuses(new)
                && extended_same
            {
                self.fx.mark(MARK_POD_UPDATE_FILTERED);
                return;
            }
        }
        self.handle_pod(new);
    }

    /// `handlePod`: evict at the pod's eviction time, or cancel.
    pub(crate) fn handle_pod(&mut self, pod: &Pod) {
        if self.fx.config.extended_resources == ExtendedResources::Ignore
            && extended_resource_claim_name(pod).is_some()
        {
            self.fx.mark(MARK_EXTENDED_IGNORED);
        }
        let eviction = pod_eviction_time(pod, &self.st.allocated_claims, self.fx.config);
        let pod_ref = pod_ref(pod);
        let Some(eviction) = eviction else {
            self.cancel_work_with_event(&pod_ref);
            return;
        };
        let rules: Vec<WorkItem> = eviction
            .rules()
            .map(|r| WorkItem::rule(&r.name, &r.uid))
            .collect();
        self.evict_pod(&pod_ref, eviction);
        // The status of each rule involved is updated later (every time, even if nothing
        // changed).
        for item in rules {
            self.fx.add_after(item, RULE_STATUS_PERIOD);
        }
    }

    /// `evictPod`: record when, and queue the pod at once or for then.
    pub(crate) fn evict_pod(&mut self, pod: &NamespacedObject, eviction: EvictionAndReason) {
        let now = self.fx.rt.now();
        let delay = eviction.when.duration_since(now);
        self.st.delete_pod_at.insert(pod.clone(), eviction);
        let item = WorkItem::Pod(pod.clone());
        match std::time::Duration::try_from(delay) {
            Ok(d) if !d.is_zero() => self.fx.add_after(item, d),
            // Due now or in the past.
            _ => self.fx.add(item),
        }
    }

    /// `cancelEvict`: forget the pod; whether there was something to forget. Queued items
    /// cannot be removed: the worker finds them stale.
    pub(crate) fn cancel_evict(&mut self, pod: &NamespacedObject) -> bool {
        self.st.delete_pod_at.remove(pod).is_some()
    }

    /// `cancelWorkWithEvent`: "Cancelling deletion" only if something was cancelled.
    pub(crate) fn cancel_work_with_event(&mut self, pod: &NamespacedObject) {
        if self.cancel_evict(pod)
            && let Some(live) = &self.fx.live
        {
            self.fx.mark(MARK_CANCELLED);
            emit_cancel_pod_deletion_event(live.recorder, pod);
        }
    }
}
