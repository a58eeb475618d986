//! The two Events the controller records (`emitPodDeletionEvent`,
//! `emitCancelPodDeletionEvent` in `taint_eviction.go`), with their exact strings.

use k8s_openapi::api::core::v1::ObjectReference;
use taintsim_seam::client::EventRecorder;
use taintsim_timed_worker_queue::NamespacedObject;

/// The controller name kube-controller-manager and upstream's tests give it, the events'
/// source component.
pub const CONTROLLER_NAME: &str = "taint-eviction-controller";
/// `v1.EventTypeNormal`.
pub const EVENT_TYPE_NORMAL: &str = "Normal";
/// The reason of both events.
pub const EVENT_REASON: &str = "TaintManagerEviction";
/// The beginning of the message the work function records before its first attempt:
/// `"Marking for deletion Pod %s"` with `namespace/name`.
pub const MARKING_FOR_DELETION: &str = "Marking for deletion Pod";
/// The beginning of the message a handler records when it cancelled a worker that had a
/// timer: `"Cancelling deletion of Pod %s"`.
pub const CANCELLING_DELETION: &str = "Cancelling deletion of Pod";

/// The involved object of both events: `{apiVersion v1, kind Pod, namespace, name}`, without a
/// UID (the controller only knows the name).
pub fn pod_reference(pod: &NamespacedObject) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".to_owned()),
        kind: Some("Pod".to_owned()),
        namespace: Some(pod.namespace.clone()),
        name: Some(pod.name.clone()),
        ..ObjectReference::default()
    }
}

/// `emitPodDeletionEvent`.
pub fn emit_pod_deletion_event(recorder: &dyn EventRecorder, pod: &NamespacedObject) {
    recorder.eventf(
        &pod_reference(pod),
        EVENT_TYPE_NORMAL,
        EVENT_REASON,
        &format!("{MARKING_FOR_DELETION} {pod}"),
    );
}

/// `emitCancelPodDeletionEvent`.
pub fn emit_cancel_pod_deletion_event(recorder: &dyn EventRecorder, pod: &NamespacedObject) {
    recorder.eventf(
        &pod_reference(pod),
        EVENT_TYPE_NORMAL,
        EVENT_REASON,
        &format!("{CANCELLING_DELETION} {pod}"),
    );
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Recorded(Mutex<Vec<(ObjectReference, String, String, String)>>);

    impl EventRecorder for Recorded {
        fn eventf(&self, regarding: &ObjectReference, kind: &str, reason: &str, message: &str) {
            if let Ok(mut v) = self.0.lock() {
                v.push((
                    regarding.clone(),
                    kind.into(),
                    reason.into(),
                    message.into(),
                ));
            }
        }
    }

    /// Upstream `TestPodDeletionEvent`, both subtests.
    #[test]
    fn test_pod_deletion_event() {
        let pod = NamespacedObject {
            namespace: "test".into(),
            name: "test".into(),
            uid: String::new(),
        };
        let want_ref = ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("Pod".into()),
            namespace: Some("test".into()),
            name: Some("test".into()),
            ..ObjectReference::default()
        };
        for (emit, message) in [
            (
                emit_pod_deletion_event as fn(&dyn EventRecorder, &NamespacedObject),
                "Marking for deletion Pod test/test",
            ),
            (
                emit_cancel_pod_deletion_event,
                "Cancelling deletion of Pod test/test",
            ),
        ] {
            let recorder = Recorded::default();
            emit(&recorder, &pod);
            let got = recorder.0.lock().map(|v| v.clone()).unwrap_or_default();
            let want = vec![(
                want_ref.clone(),
                "Normal".to_owned(),
                "TaintManagerEviction".to_owned(),
                message.to_owned(),
            )];
            assert_eq!(
                got, want,
                "emitPodDeletionEvent() returned data (-want,+got)"
            );
        }
    }
}
