//! The handler-side behaviour toggles, each shown to take its path and to change the outcome:
//! `handle-pods` (#135686), `pod-update-filter` (`handlePodChange` @ ab3cec07) and, through the
//! real queue, the `UpdateWork` panic that the nodeName filter exposes on queue V2 (#130940).

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::resource::v1beta1::{ResourceClaim, ResourceClaimConsumerReference};
use taintsim_api::{Notification, Object};
use taintsim_controller_device::behavior::{Behavior, HandlePods, PodUpdateFilter};
use taintsim_controller_device::controller::{
    Controller, ControllerDeps, MARK_HANDLE_PODS_ABANDONED, MARK_HANDLE_PODS_CONTINUE,
    MARK_HANDLE_PODS_RETURN,
};
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::model::{Claim, Slice, pod_ref};
use taintsim_controller_device::plugin::{
    MARK_NODE_NAME_CHANGE_DROPPED, MARK_NODE_NAME_CHANGE_HANDLED, MARK_POD_UPDATE_FILTERED, on_pod,
};
use taintsim_seam::runtime::{ManualRuntime, Timestamp};
use taintsim_timed_worker_queue::{NamespacedObject, QueueVersion, UPDATE_WORK_PANIC};

use support::doubles::{MemClient, MemPods, NoApi, RecordingEvictor, RecordingRecorder};
use support::fixtures::*;

struct Harness {
    rt: ManualRuntime,
    pods: Arc<MemPods>,
    evictor: Arc<RecordingEvictor>,
    controller: Arc<Controller>,
}

fn harness(behavior: Behavior) -> Harness {
    let rt = ManualRuntime::new(taint_time());
    let pods = Arc::new(MemPods::default());
    let evictor = Arc::new(RecordingEvictor::default());
    let deps = ControllerDeps {
        rt: Arc::new(rt.clone()),
        client: Arc::new(NoApi),
        pods: pods.clone(),
        recorder: Arc::new(RecordingRecorder::default()),
        metrics: Arc::new(Metrics::default()),
        behavior,
    };
    let controller = Controller::with_evictor(deps, evictor.clone());
    Harness {
        rt,
        pods,
        evictor,
        controller,
    }
}

impl Harness {
    fn add_pod(&self, pod: &Pod) {
        self.pods.put(pod);
        self.controller.handle_pod_change(None, Some(pod));
    }

    /// The pod update as the pod informer delivers it, through the plug-in's handler glue.
    fn update_pod(&self, old: &Pod, new: &Pod) {
        self.pods.put(new);
        let update = Notification::Update(Object::from(old.clone()), Object::from(new.clone()));
        on_pod(&self.rt, &self.controller, &update);
    }

    fn add_claim(&self, claim: &ResourceClaim) {
        self.controller
            .handle_claim_change(None, Some(&Claim::from(claim)));
    }

    fn add_slices(&self) {
        for s in [slice_tainted(), slice2()] {
            self.controller
                .handle_slice_change(None, Some(&Slice::from(&s)));
        }
    }

    fn evicting(&self) -> Vec<(NamespacedObject, Timestamp)> {
        self.evictor.evicting()
    }

    fn marked(&self, mark: &str) -> bool {
        self.rt.marks().contains(&mark)
    }
}

/// `in_use_claim`, shared: reserved first for `stale`, then for the fixture pod.
fn shared_claim(stale: ResourceClaimConsumerReference) -> ResourceClaim {
    let mut claim = in_use_claim();
    if let Some(reserved) = claim.status.as_mut().and_then(|s| s.reserved_for.as_mut()) {
        reserved.insert(0, stale);
    }
    claim
}

fn consumer(name: &str, uid: &str) -> ResourceClaimConsumerReference {
    ResourceClaimConsumerReference {
        api_group: None,
        resource: "pods".into(),
        name: name.into(),
        uid: uid.into(),
    }
}

/// The pod appears first; the shared claim arrives with a stale first consumer (one the
/// lister does not have, or one whose UID differs from the cached pod's).
fn shared_claim_outcome(handle_pods: HandlePods, stale: ResourceClaimConsumerReference) -> Harness {
    let h = harness(Behavior {
        handle_pods,
        ..Behavior::default()
    });
    h.add_slices();
    h.add_pod(&pod_with_claim_name());
    h.add_claim(&shared_claim(stale));
    h
}

#[test]
fn handle_pods_return_should_abandon_consumers_after_a_missing_one() {
    let h = shared_claim_outcome(HandlePods::Return, consumer("gone", "0000"));
    assert_eq!(
        h.evicting(),
        vec![],
        "#135686: the valid consumer is never evicted"
    );
    assert!(h.marked(MARK_HANDLE_PODS_RETURN) && h.marked(MARK_HANDLE_PODS_ABANDONED));
}

#[test]
fn handle_pods_continue_should_evict_consumers_after_a_missing_one() {
    let h = shared_claim_outcome(HandlePods::Continue, consumer("gone", "0000"));
    assert_eq!(
        h.evicting(),
        vec![(pod_ref(&pod_with_claim_name()), taint_time())]
    );
    assert!(h.marked(MARK_HANDLE_PODS_CONTINUE) && !h.marked(MARK_HANDLE_PODS_RETURN));
}

#[test]
fn handle_pods_should_treat_a_uid_mismatch_like_a_missing_pod() {
    // The first consumer names the fixture pod but an older UID.
    let stale = consumer(POD_NAME, "1234-old");
    let ret = shared_claim_outcome(HandlePods::Return, stale.clone());
    assert_eq!(ret.evicting(), vec![]);
    assert!(ret.marked(MARK_HANDLE_PODS_ABANDONED));
    let cont = shared_claim_outcome(HandlePods::Continue, stale);
    assert_eq!(
        cont.evicting(),
        vec![(pod_ref(&pod_with_claim_name()), taint_time())]
    );
}

/// The TestEviction/"update" order: claim and slice are handled while the lister still shows
/// the pod unscheduled; then the pod update that only sets nodeName arrives.
fn late_scheduling(filter: PodUpdateFilter) -> Harness {
    let h = harness(Behavior {
        pod_update_filter: filter,
        ..Behavior::default()
    });
    h.add_pod(&pod_unscheduled());
    h.add_slices();
    h.add_claim(&in_use_claim());
    assert_eq!(h.evicting(), vec![], "an unscheduled pod is never evicted");
    h.update_pod(&pod_unscheduled(), &pod_with_claim_name());
    h
}

#[test]
fn claim_statuses_filter_should_never_evict_a_pod_scheduled_late() {
    let h = late_scheduling(PodUpdateFilter::ClaimStatuses);
    assert_eq!(
        h.evicting(),
        vec![],
        "pod-update-filter claim-statuses: the nodeName update is dropped"
    );
    assert!(h.marked(MARK_NODE_NAME_CHANGE_DROPPED));
}

#[test]
fn node_name_filter_should_evict_a_pod_scheduled_late() {
    let h = late_scheduling(PodUpdateFilter::ClaimStatusesAndNodeName);
    assert_eq!(
        h.evicting(),
        vec![(pod_ref(&pod_with_claim_name()), taint_time())]
    );
    assert!(h.marked(MARK_NODE_NAME_CHANGE_HANDLED) && !h.marked(MARK_NODE_NAME_CHANGE_DROPPED));
}

#[test]
fn both_filters_should_drop_updates_that_change_neither_claims_nor_node() {
    for filter in [
        PodUpdateFilter::ClaimStatuses,
        PodUpdateFilter::ClaimStatusesAndNodeName,
    ] {
        let h = harness(Behavior {
            pod_update_filter: filter,
            ..Behavior::default()
        });
        h.add_slices();
        h.add_claim(&in_use_claim());
        h.add_pod(&pod_with_claim_name());
        h.evictor.set(vec![]);
        // Like the worker's own DisruptionTarget patch: only the conditions change.
        let mut patched = pod_with_claim_name();
        patched
            .status
            .get_or_insert_with(Default::default)
            .conditions = Some(vec![Default::default()]);
        h.update_pod(&pod_with_claim_name(), &patched);
        assert_eq!(h.evicting(), vec![], "{filter}: the update was handled");
        assert!(h.marked(MARK_POD_UPDATE_FILTERED), "{filter}");
    }
}

/// #130940 (`TestEviction/update`) on the real queue: the claim handler starts the eviction at once
/// (the lister already shows the pod scheduled), then the lagging pod update, which the nodeName
/// filter lets through, calls `UpdateWork` again while the work is running.
fn second_evict_while_running(queue: QueueVersion) -> (ManualRuntime, std::thread::Result<()>) {
    let rt = ManualRuntime::new(taint_time());
    let pods = Arc::new(MemPods::default());
    let controller = Controller::new(ControllerDeps {
        rt: Arc::new(rt.clone()),
        client: MemClient::with_pods([&pod_with_claim_name()]),
        pods: pods.clone(),
        recorder: Arc::new(RecordingRecorder::default()),
        metrics: Arc::new(Metrics::default()),
        behavior: Behavior {
            queue,
            ..Behavior::default()
        },
    });
    pods.put(&pod_unscheduled());
    controller.handle_pod_change(None, Some(&pod_unscheduled()));
    controller.handle_slice_change(None, Some(&Slice::from(&slice_tainted())));
    pods.put(&pod_with_claim_name());
    controller.handle_claim_change(None, Some(&Claim::from(&in_use_claim())));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        controller.handle_pod_change(Some(&pod_unscheduled()), Some(&pod_with_claim_name()));
    }));
    (rt, outcome)
}

#[test]
fn queue_v2_should_panic_on_the_second_evict_while_work_runs() {
    let (_, outcome) = second_evict_while_running(QueueVersion::V2);
    let payload = outcome.expect_err("V2 dereferences the nil entry");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(message.contains(UPDATE_WORK_PANIC), "{message}");
}

#[test]
fn queue_v3_should_keep_the_running_work() {
    let (rt, outcome) = second_evict_while_running(QueueVersion::V3);
    assert!(outcome.is_ok());
    assert!(rt.marks().contains(&"queue.update-work.keep-in-progress"));
}
