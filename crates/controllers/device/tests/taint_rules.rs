//! DeviceTaintRules through the slice tracker into the controller: the tracker's synthetic
//! slice events are what the 1.33 controller saw for rules.

mod support;

use std::sync::Arc;

use k8s_openapi::api::resource::v1alpha3::{
    DeviceTaint, DeviceTaintRule, DeviceTaintRuleSpec, DeviceTaintSelector,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use taintsim_controller_device::behavior::Behavior;
use taintsim_controller_device::controller::{Controller, ControllerDeps};
use taintsim_controller_device::events::CANCELLING_DELETION;
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::model::{Claim, Slice, TaintRule, pod_ref};
use taintsim_controller_device::slice_tracker::{SliceEvent, SliceTracker};
use taintsim_seam::runtime::ManualRuntime;

use support::doubles::{MemPods, NoApi, RecordingEvictor, RecordingRecorder};
use support::fixtures::*;

fn rule(name: &str, selector: Option<DeviceTaintSelector>) -> TaintRule {
    TaintRule::from(&DeviceTaintRule {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        spec: DeviceTaintRuleSpec {
            device_selector: selector,
            taint: DeviceTaint {
                key: "example.com/rule".into(),
                value: None,
                effect: NO_EXECUTE.into(),
                time_added: Some(Time(taint_time())),
            },
        },
        status: None,
    })
}

struct World {
    tracker: SliceTracker,
    controller: Arc<Controller>,
    evictor: Arc<RecordingEvictor>,
    recorder: Arc<RecordingRecorder>,
}

impl World {
    /// An untainted slice, the claim and the pod, all handled.
    fn new() -> Self {
        let pods = Arc::new(MemPods::default());
        let evictor = Arc::new(RecordingEvictor::default());
        let recorder = Arc::new(RecordingRecorder::default());
        let controller = Controller::with_evictor(
            ControllerDeps {
                rt: Arc::new(ManualRuntime::new(taint_time())),
                client: Arc::new(NoApi),
                pods: pods.clone(),
                recorder: recorder.clone(),
                metrics: Arc::new(Metrics::default()),
                behavior: Behavior::default(),
            },
            evictor.clone(),
        );
        let mut world = Self {
            tracker: SliceTracker::new(),
            controller,
            evictor,
            recorder,
        };
        let events = world
            .tracker
            .slice_changed(None, Some(&Slice::from(&simple_slice())));
        world.deliver(events);
        pods.put(&pod_with_claim_name());
        world
            .controller
            .handle_claim_change(None, Some(&Claim::from(&in_use_claim())));
        world
            .controller
            .handle_pod_change(None, Some(&pod_with_claim_name()));
        world
    }

    fn deliver(&self, events: Vec<SliceEvent>) {
        for e in events {
            self.controller
                .handle_slice_change(e.old.as_deref(), e.new.as_deref());
        }
    }

    fn rule_changed(&mut self, old: Option<&TaintRule>, new: Option<&TaintRule>) {
        let events = self.tracker.rule_changed(old, new);
        self.deliver(events);
    }

    fn evicting(&self) -> bool {
        self.evictor.evicting() == vec![(pod_ref(&pod_with_claim_name()), taint_time())]
    }
}

#[test]
fn empty_selector_should_evict_and_removing_the_rule_should_cancel() {
    let mut w = World::new();
    assert!(w.evictor.evicting().is_empty());
    let all = rule("all", Some(DeviceTaintSelector::default()));
    w.rule_changed(None, Some(&all));
    assert!(w.evicting(), "#141422: {{}} matches every device");
    w.rule_changed(Some(&all), None);
    assert!(w.evictor.evicting().is_empty());
    assert_eq!(w.recorder.count(CANCELLING_DELETION), 1);
}

#[test]
fn nil_or_mismatching_selector_should_not_evict() {
    let mut w = World::new();
    w.rule_changed(None, Some(&rule("nil", None)));
    let other = DeviceTaintSelector {
        device: Some("instance-other".into()),
        ..DeviceTaintSelector::default()
    };
    w.rule_changed(None, Some(&rule("other-device", Some(other))));
    assert!(w.evictor.evicting().is_empty());
    let exact = DeviceTaintSelector {
        driver: Some(DRIVER.into()),
        pool: Some(NODE.into()),
        device: Some("instance".into()),
    };
    w.rule_changed(None, Some(&rule("exact", Some(exact))));
    assert!(w.evicting());
}
