//! End to end on real threads and time: a scheduled pod whose allocated device carries an
//! untolerated NoExecute taint from the past is deleted, with one `Marking for deletion`
//! event, the DisruptionTarget condition patched in first, and the deletion counted.

mod support;

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_controller_device::behavior::Behavior;
use taintsim_controller_device::controller::{Controller, ControllerDeps};
use taintsim_controller_device::events::{EVENT_REASON, EVENT_TYPE_NORMAL, MARKING_FOR_DELETION};
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::model::{Claim, Slice};
use taintsim_controller_device::worker::{
    DISRUPTION_MESSAGE, DISRUPTION_REASON, DISRUPTION_TARGET,
};
use taintsim_seam::runtime::{Runtime, TokioRuntime};

use support::doubles::{MemClient, MemPods, RecordingRecorder};
use support::fixtures::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tainted_pod_should_be_deleted_once_with_condition_event_and_metric() {
    let rt = Arc::new(TokioRuntime::current());
    let pod = pod_with_claim_name();
    let client = MemClient::with_pods([&pod]);
    let pods = Arc::new(MemPods::default());
    let recorder = Arc::new(RecordingRecorder::default());
    let metrics = Arc::new(Metrics::new(&[300.0]));
    let controller = Controller::new(ControllerDeps {
        rt: rt.clone(),
        client: client.clone(),
        pods: pods.clone(),
        recorder: recorder.clone(),
        metrics: metrics.clone(),
        behavior: Behavior::default(),
    });

    // The taint was added a minute ago, so the eviction is due at once.
    let mut slice = slice_tainted();
    let past = rt.now() - SignedDuration::from_secs(60);
    for device in slice.spec.devices.iter_mut().flatten() {
        for taint in device
            .basic
            .iter_mut()
            .flat_map(|b| b.taints.iter_mut().flatten())
        {
            taint.time_added = Some(Time(past));
        }
    }
    pods.put(&pod);
    controller.handle_slice_change(None, Some(&Slice::from(&slice)));
    controller.handle_claim_change(None, Some(&Claim::from(&in_use_claim())));
    controller.handle_pod_change(None, Some(&pod));
    controller.set_has_synced(true);

    let queue = controller
        .queue()
        .expect("Controller::new has a queue")
        .clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while client.has_pod(NAMESPACE, POD_NAME)
        || queue.running_workers() > 0
        || !queue.entries().is_empty()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the pod was not deleted within 10s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // What the informer would deliver next: the deletion. No event for a vanished pod.
    pods.remove(&pod);
    controller.handle_pod_change(Some(&pod), None);

    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].message, MARKING_FOR_DELETION);
    assert_eq!(events[0].reason, EVENT_REASON);
    assert_eq!(events[0].event_type, EVENT_TYPE_NORMAL);
    assert_eq!(events[0].regarding.uid.as_deref(), Some(POD_UID));

    let deleted = client
        .deleted
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    assert_eq!(deleted.len(), 1);
    let conditions = deleted[0]
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let target = conditions
        .iter()
        .find(|c| c.type_ == DISRUPTION_TARGET)
        .expect("DisruptionTarget before DELETE");
    assert_eq!(target.status, "True");
    assert_eq!(target.reason.as_deref(), Some(DISRUPTION_REASON));
    assert_eq!(target.message.as_deref(), Some(DISRUPTION_MESSAGE));
    assert_eq!(client.patches.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(client.deletes.load(std::sync::atomic::Ordering::SeqCst), 1);

    let m = metrics.snapshot();
    assert_eq!(m.pod_deletions_total, 1);
    assert_eq!(m.deletion_duration_count, 1);
    assert!(
        m.deletion_duration_sum >= 60.0,
        "latency is measured from the taint time: {}",
        m.deletion_duration_sum
    );
}
