//! The few views of a core/v1 Pod the controller needs. Pods stay k8s-openapi objects because
//! the lister hands them out that way and the worker patches them.

use k8s_openapi::api::core::v1::{Pod, PodResourceClaimStatus};

use taintsim_timed_worker_queue::NamespacedObject;

/// `newObject(pod)`: namespace, name and UID.
pub fn pod_ref(pod: &Pod) -> NamespacedObject {
    NamespacedObject {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        uid: pod.metadata.uid.clone().unwrap_or_default(),
    }
}

/// `metadata.uid`, empty when unset.
pub fn pod_uid(pod: &Pod) -> &str {
    pod.metadata.uid.as_deref().unwrap_or_default()
}

/// `spec.nodeName`, empty while the pod is not scheduled.
pub fn pod_node_name(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or_default()
}

/// `status.resourceClaimStatuses`; nil and empty are the same, as in `apiequality.Semantic`.
pub fn pod_claim_statuses(pod: &Pod) -> &[PodResourceClaimStatus] {
    pod.status
        .as_ref()
        .and_then(|s| s.resource_claim_statuses.as_deref())
        .unwrap_or_default()
}
