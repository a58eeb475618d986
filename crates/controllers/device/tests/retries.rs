//! The `retries` toggle (`deletePodHandler` @ ab3cec07) on the hand-driven runtime: with DELETE
//! always failing, `fixed` gives up after 5 GETs and 5 DELETEs and abandons the eviction;
//! `durable` keeps going until the DELETE succeeds. Both record exactly one event.

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use jiff::SignedDuration;
use taintsim_controller_device::behavior::{Behavior, Retries};
use taintsim_controller_device::controller::{Controller, ControllerDeps};
use taintsim_controller_device::events::MARKING_FOR_DELETION;
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::model::{Claim, Slice};
use taintsim_controller_device::worker::{MARK_ABANDONED, MARK_DURABLE_BEYOND_FIXED};
use taintsim_seam::client::StatusReason;
use taintsim_seam::runtime::ManualRuntime;

use support::doubles::{MemClient, MemPods, RecordingRecorder};
use support::fixtures::*;

struct Harness {
    rt: ManualRuntime,
    controller: Arc<Controller>,
    client: Arc<MemClient>,
    recorder: Arc<RecordingRecorder>,
    metrics: Arc<Metrics>,
}

/// A controller with a failing DELETE whose eviction of the fixture pod has just started.
fn start(retries: Retries) -> Harness {
    let rt = ManualRuntime::new(taint_time() + SignedDuration::from_secs(60));
    let pod = pod_with_claim_name();
    let client = MemClient::with_pods([&pod]);
    client.fail_deletes(Some(StatusReason::InternalError));
    let pods = Arc::new(MemPods::default());
    let recorder = Arc::new(RecordingRecorder::default());
    let metrics = Arc::new(Metrics::default());
    let controller = Controller::new(ControllerDeps {
        rt: Arc::new(rt.clone()),
        client: client.clone(),
        pods: pods.clone(),
        recorder: recorder.clone(),
        metrics: metrics.clone(),
        behavior: Behavior {
            retries,
            ..Behavior::default()
        },
    });
    pods.put(&pod);
    controller.handle_slice_change(None, Some(&Slice::from(&slice_tainted())));
    controller.handle_claim_change(None, Some(&Claim::from(&in_use_claim())));
    rt.run_until_stalled();
    Harness {
        rt,
        controller,
        client,
        recorder,
        metrics,
    }
}

impl Harness {
    fn gets(&self) -> usize {
        self.client.gets.load(Ordering::SeqCst)
    }

    fn deletes(&self) -> usize {
        self.client.deletes.load(Ordering::SeqCst)
    }

    fn queued(&self) -> usize {
        self.controller.queue().map_or(0, |q| q.entries().len())
    }
}

#[test]
fn fixed_retries_should_give_up_after_five_attempts() {
    let h = start(Retries::Fixed);
    assert_eq!(
        (h.gets(), h.deletes()),
        (1, 1),
        "the first attempt runs at once"
    );
    for _ in 0..10 {
        h.rt.advance(Duration::from_millis(10));
    }
    assert_eq!((h.gets(), h.deletes()), (5, 5));
    assert_eq!(h.queued(), 0, "the work finished and its key is gone");
    assert!(h.rt.marks().contains(&MARK_ABANDONED));

    // Abandoned: nothing retries without a new informer event.
    h.rt.advance(Duration::from_secs(60));
    assert_eq!((h.gets(), h.deletes()), (5, 5));
    assert!(h.client.has_pod(NAMESPACE, POD_NAME));
    assert_eq!(
        h.recorder.count(MARKING_FOR_DELETION),
        1,
        "one event per work invocation"
    );
    assert_eq!(h.metrics.snapshot().pod_deletions_total, 0);
}

#[test]
fn durable_retries_should_keep_going_until_the_delete_succeeds() {
    let h = start(Retries::Durable);
    h.rt.advance(Duration::from_secs(10));
    assert!(
        h.gets() > 5,
        "durable retries beyond the fixed 5 attempts: {}",
        h.gets()
    );
    assert_eq!(h.gets(), h.deletes());
    assert_eq!(h.queued(), 1, "still the same work invocation");
    let marks = h.rt.marks();
    assert!(marks.contains(&MARK_DURABLE_BEYOND_FIXED) && !marks.contains(&MARK_ABANDONED));

    // Backoff is capped at 1s: a second brings at least one more attempt.
    let before = h.gets();
    h.rt.advance(Duration::from_secs(1));
    assert!(h.gets() > before);

    h.client.fail_deletes(None);
    h.rt.advance(Duration::from_secs(1));
    assert!(
        !h.client.has_pod(NAMESPACE, POD_NAME),
        "deleted once the API lets it"
    );
    assert_eq!(h.queued(), 0);
    assert_eq!(
        h.recorder.count(MARKING_FOR_DELETION),
        1,
        "one event per work invocation"
    );
    assert_eq!(h.metrics.snapshot().pod_deletions_total, 1);
}
