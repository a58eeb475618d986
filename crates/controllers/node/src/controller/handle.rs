//! The update workers' handlers: `handlePodUpdate`, `handleNodeUpdate`, `processPodOnNode` and
//! `cancelWorkWithEvent` of `taint_eviction.go`.
//!
//! `time.Now()` is [`Shared::now`](super::Shared::now): the runtime's clock plus a nanosecond
//! per call, so that `processPodOnNode`'s cancel-and-add-again path for `CreatedAt == now`
//! (mark [`MARK_SAME_INSTANT`]) is as rare as on a real clock.

use k8s_openapi::api::core::v1::{Pod, Taint, Toleration};
use taintsim_seam::runtime::Timestamp;
use taintsim_timed_worker_queue::{NamespacedObject, Slot, WorkArgs};
use tracing::{debug, info};

use super::{
    Controller, MARK_ALL_TAINTS_REMOVED, MARK_FOREVER_CANCEL, MARK_FOREVER_KEEP,
    MARK_KEEP_EXISTING, MARK_NODE_DELETION, MARK_NOT_TOLERATED, MARK_OTHER_NODE, MARK_POD_DELETION,
    MARK_SAME_INSTANT, NodeUpdateItem, PodUpdateItem,
};
use crate::behavior::ForeverTolerated;
use crate::events::emit_cancel_pod_deletion_event;
use crate::taints::{matching_tolerations, min_toleration_time, no_execute_taints};

/// `types.NamespacedName` as the queue's work argument (`NewWorkArgs`: no UID).
fn pod_ref(namespace: &str, name: &str) -> NamespacedObject {
    NamespacedObject {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        uid: String::new(),
    }
}

fn tolerations(pod: &Pod) -> Vec<Toleration> {
    pod.spec
        .as_ref()
        .and_then(|s| s.tolerations.clone())
        .unwrap_or_default()
}

impl Controller {
    /// `handlePodUpdate`.
    pub(crate) fn handle_pod_update(&self, item: &PodUpdateItem) {
        let Some(pod) = self
            .shared
            .pods
            .get_as::<Pod>(&item.pod_namespace, &item.pod_name)
        else {
            let pod = pod_ref(&item.pod_namespace, &item.pod_name);
            debug!(%pod, "Noticed pod deletion");
            self.shared.rt.mark(MARK_POD_DELETION);
            self.cancel_work_with_event(&pod);
            return;
        };
        let node_name = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default();
        // "We key the workqueue and shard workers by nodeName. If we don't match the current
        // state we should not be the one processing the current object."
        if node_name != item.node_name {
            self.shared.rt.mark(MARK_OTHER_NODE);
            return;
        }
        let pod_key = pod_ref(&item.pod_namespace, &item.pod_name);
        debug!(pod = %pod_key, "Noticed pod update");
        if node_name.is_empty() {
            return;
        }
        let taints = self.shared.tainted_nodes.lock().get(&node_name).cloned();
        // "It's possible that Node was deleted, or Taints were removed before, which
        // triggered eviction cancelling if it was needed."
        let Some(taints) = taints else {
            return;
        };
        let now = self.shared.now();
        self.process_pod_on_node(&pod_key, &node_name, &tolerations(&pod), &taints, now);
    }

    /// `handleNodeUpdate`.
    pub(crate) fn handle_node_update(&self, item: &NodeUpdateItem) {
        let Some(node) = self
            .shared
            .nodes
            .get_as::<k8s_openapi::api::core::v1::Node>("", &item.node_name)
        else {
            debug!(node = %item.node_name, "Noticed node deletion");
            self.shared.rt.mark(MARK_NODE_DELETION);
            self.shared.tainted_nodes.lock().remove(&item.node_name);
            return;
        };
        debug!(node = %item.node_name, "Noticed node update");
        let taints = no_execute_taints(&node);
        {
            let mut tainted = self.shared.tainted_nodes.lock();
            debug!(node = %item.node_name, ?taints, "Updating known taints on node");
            if taints.is_empty() {
                tainted.remove(&item.node_name);
            } else {
                tainted.insert(item.node_name.clone(), taints.clone());
            }
        }
        // Upstream: "It is critical that we update tc.taintedNodes before we call
        // getPodsAssignedToNode".
        let pods = self.pods_assigned_to_node(&item.node_name);
        if pods.is_empty() {
            return;
        }
        if taints.is_empty() {
            debug!(node = %item.node_name, "All taints were removed from the node. Cancelling all evictions...");
            self.shared.rt.mark(MARK_ALL_TAINTS_REMOVED);
            for pod in &pods {
                self.cancel_work_with_event(&pod_key(pod));
            }
            return;
        }
        let now = self.shared.now();
        for pod in &pods {
            self.process_pod_on_node(
                &pod_key(pod),
                &item.node_name,
                &tolerations(pod),
                &taints,
                now,
            );
        }
    }

    /// `getPodsAssignedToNode`: the pod cache's `spec.nodeName` index. client-go answers from
    /// a Go map (a set of keys), so the order is random; here it is a recorded data choice.
    fn pods_assigned_to_node(&self, node_name: &str) -> Vec<Pod> {
        let mut pods: Vec<Pod> = self
            .shared
            .pods
            .list_as::<Pod>()
            .into_iter()
            .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node_name))
            .collect();
        let mut ordered = Vec::with_capacity(pods.len());
        while pods.len() > 1 {
            let label = format!("pods on node {node_name}: next of {}", pods.len());
            let pick = self
                .shared
                .rt
                .choose(&label, pods.len())
                .min(pods.len() - 1);
            ordered.push(pods.remove(pick));
        }
        ordered.append(&mut pods);
        ordered
    }

    /// `processPodOnNode`.
    pub(crate) fn process_pod_on_node(
        &self,
        pod: &NamespacedObject,
        node_name: &str,
        tolerations: &[Toleration],
        taints: &[Taint],
        now: Timestamp,
    ) {
        let rt = &self.shared.rt;
        if taints.is_empty() {
            // Upstream does not return here; neither caller passes an empty list.
            self.cancel_work_with_event(pod);
        }
        let args = WorkArgs {
            object: pod.clone(),
        };
        let (all_tolerated, used) = matching_tolerations(taints, tolerations);
        if !all_tolerated {
            info!(%pod, node = node_name, "Not all taints are tolerated after update for pod on node");
            rt.mark(MARK_NOT_TOLERATED);
            // "We're canceling scheduled work (if any), as we're going to delete the Pod
            // right away."
            self.cancel_work_with_event(pod);
            self.queue.add_work(args, now, now);
            return;
        }
        let min = min_toleration_time(&used);
        if min < 0 {
            match self.shared.behavior.forever_tolerated {
                ForeverTolerated::Cancel => {
                    debug!(%pod, "Current tolerations for pod tolerate forever, cancelling any scheduled deletion");
                    rt.mark(MARK_FOREVER_CANCEL);
                    self.cancel_work_with_event(pod);
                }
                ForeverTolerated::Keep => {
                    debug!(%pod, "New tolerations for pod tolerate forever. Scheduled deletion won't be cancelled if already scheduled.");
                    if self.queue.get_worker_unsafe(&args.key()).is_some() {
                        rt.mark(MARK_FOREVER_KEEP);
                    }
                }
            }
            return;
        }
        let window = jiff::SignedDuration::from_nanos(min);
        let mut start = now;
        let trigger = now.saturating_add(window).unwrap_or(now);
        if let Some(Slot::Scheduled(existing)) = self.queue.get_worker_unsafe(&args.key()) {
            start = existing.created_at;
            if start.saturating_add(window).unwrap_or(start) < trigger {
                rt.mark(MARK_KEEP_EXISTING);
                return;
            }
            rt.mark(MARK_SAME_INSTANT);
            self.cancel_work_with_event(pod);
        }
        self.queue.add_work(args, start, trigger);
    }

    /// `cancelWorkWithEvent`: the cancel event only if the entry had a timer.
    pub(crate) fn cancel_work_with_event(&self, pod: &NamespacedObject) {
        let key = WorkArgs {
            object: pod.clone(),
        }
        .key();
        if self.queue.cancel_work(&key) {
            emit_cancel_pod_deletion_event(self.shared.recorder.as_ref(), pod);
        }
    }
}

fn pod_key(pod: &Pod) -> NamespacedObject {
    pod_ref(
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default(),
    )
}
