//! The two Events the controller records (`deletePodHandler` and `cancelWorkWithEvent` in
//! `device_taint_eviction.go` @ ab3cec07), with their exact strings.

use k8s_openapi::api::core::v1::ObjectReference;

use taintsim_seam::client::EventRecorder;
use taintsim_timed_worker_queue::NamespacedObject;

/// The controller name in kube-controller-manager, the events' source component.
pub const CONTROLLER_NAME: &str = "device-taint-eviction-controller";
/// The source component upstream's unit tests use.
pub const TEST_CONTROLLER_NAME: &str = "device-taint-eviction";
/// `v1.EventTypeNormal`.
pub const EVENT_TYPE_NORMAL: &str = "Normal";
/// The reason of both events.
pub const EVENT_REASON: &str = "DeviceTaintManagerEviction";
/// Recorded by the worker, once per work invocation, before patching and deleting.
pub const MARKING_FOR_DELETION: &str = "Marking for deletion";
/// Recorded by a handler when an eviction that had a timer is cancelled.
pub const CANCELLING_DELETION: &str = "Cancelling deletion";

/// The involved object of both events: `{apiVersion v1, kind Pod, namespace, name, uid}`.
pub fn pod_reference(pod: &NamespacedObject) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".to_owned()),
        kind: Some("Pod".to_owned()),
        namespace: Some(pod.namespace.clone()),
        name: Some(pod.name.clone()),
        uid: Some(pod.uid.clone()),
        ..ObjectReference::default()
    }
}

/// `emitPodDeletionEvent`.
pub fn emit_pod_deletion_event(recorder: &dyn EventRecorder, pod: &NamespacedObject) {
    recorder.eventf(
        &pod_reference(pod),
        EVENT_TYPE_NORMAL,
        EVENT_REASON,
        MARKING_FOR_DELETION,
    );
}

/// `emitCancelPodDeletionEvent`.
pub fn emit_cancel_pod_deletion_event(recorder: &dyn EventRecorder, pod: &NamespacedObject) {
    recorder.eventf(
        &pod_reference(pod),
        EVENT_TYPE_NORMAL,
        EVENT_REASON,
        CANCELLING_DELETION,
    );
}
