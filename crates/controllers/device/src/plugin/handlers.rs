//! The informer listeners of the 1.33 controller: Kubernetes objects in, the controller's
//! internal model out (upstream `Run`). The claim and pod handlers listen on their informers;
//! the slice handler listens on the resourceslicetracker, which merges DeviceTaintRules into
//! the slices and forwards synthetic slice events once the controller has registered with it.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::{Notification, Object};
use taintsim_seam::sync::Mutex;

use crate::controller::Controller;
use crate::model::{Claim, Slice, TaintRule};
use crate::slice_tracker::{SliceEvent, SliceTracker};

/// The claim as the controller sees it, whichever API version it was written in.
pub fn claim_of(object: &Object) -> Option<Claim> {
    match object {
        Object::ClaimV1beta1(c) => Some(Claim::from(c)),
        Object::ClaimV1(c) => Some(Claim::from(c)),
        _ => None,
    }
}

/// The slice as the controller sees it, whichever API version it was written in.
pub fn slice_of(object: &Object) -> Option<Slice> {
    match object {
        Object::SliceV1beta1(s) => Some(Slice::from(s)),
        Object::SliceV1(s) => Some(Slice::from(s)),
        _ => None,
    }
}

/// The DeviceTaintRule as the tracker sees it.
pub fn rule_of(object: &Object) -> Option<TaintRule> {
    match object {
        Object::Rule(r) => Some(TaintRule::from(r)),
        _ => None,
    }
}

/// The pod inside an object.
pub fn pod_of(object: &Object) -> Option<&Pod> {
    match object {
        Object::Pod(p) => Some(p),
        _ => None,
    }
}

/// Splits a notification into upstream's `(old, new)` handler arguments, unwrapping
/// `DeletedFinalStateUnknown` as the 1.33 delete handlers do.
fn old_new(n: &Notification) -> (Option<&Object>, Option<&Object>) {
    match n {
        Notification::Add(new) => (None, Some(new)),
        Notification::Update(old, new) => (Some(old), Some(new)),
        Notification::Delete(gone) => (Some(gone.object()), None),
    }
}

/// `handleClaimChange` as an informer handler.
pub fn on_claim(controller: &Controller, n: &Notification) {
    let (old, new) = old_new(n);
    let old = old.and_then(claim_of);
    let new = new.and_then(claim_of);
    controller.handle_claim_change(old.as_ref(), new.as_ref());
}

/// `handlePodChange` as an informer handler.
pub fn on_pod(controller: &Controller, n: &Notification) {
    let (old, new) = old_new(n);
    controller.handle_pod_change(old.and_then(pod_of), new.and_then(pod_of));
}

/// The shared resource of the tracker's state, as step touches name it.
pub const TRACKER: &str = "tracker";

struct TrackerState {
    tracker: SliceTracker,
    registered: bool,
}

/// The 1.33 resourceslicetracker: keeps the effective slices and forwards their changes to
/// the controller's slice handler once it has registered.
#[derive(Clone)]
pub struct TrackerGlue {
    state: Arc<Mutex<TrackerState>>,
    controller: Arc<Controller>,
}

impl TrackerGlue {
    /// A tracker that forwards to `controller` after [`TrackerGlue::register`].
    pub fn new(controller: Arc<Controller>) -> Self {
        Self {
            state: Arc::new(Mutex::named(
                TRACKER,
                TrackerState {
                    tracker: SliceTracker::new(),
                    registered: false,
                },
            )),
            controller,
        }
    }

    fn forward(&self, events: Vec<SliceEvent>, registered: bool) {
        if registered {
            for e in events {
                self.controller
                    .handle_slice_change(e.old.as_ref(), e.new.as_ref());
            }
        }
    }

    /// The tracker's slice informer handler.
    pub fn on_slice(&self, n: &Notification) {
        let (old, new) = old_new(n);
        let (old, new) = (old.and_then(slice_of), new.and_then(slice_of));
        let (events, registered) = {
            let mut s = self.state.lock();
            let events = s.tracker.slice_changed(old.as_ref(), new.as_ref());
            (events, s.registered)
        };
        self.forward(events, registered);
    }

    /// The tracker's DeviceTaintRule informer handler.
    pub fn on_rule(&self, n: &Notification) {
        let (old, new) = old_new(n);
        let (old, new) = (old.and_then(rule_of), new.and_then(rule_of));
        let (events, registered) = {
            let mut s = self.state.lock();
            let events = s.tracker.rule_changed(old.as_ref(), new.as_ref());
            (events, s.registered)
        };
        self.forward(events, registered);
    }

    /// Registers the controller's slice handler: replays every effective slice as an Add and
    /// returns only when that is done (upstream `Run`: registering replays every slice before it returns). Returns how many slices it replayed.
    pub fn register(&self) -> usize {
        let slices: Vec<Slice> = {
            let mut s = self.state.lock();
            s.registered = true;
            s.tracker.effective_slices().cloned().collect()
        };
        for slice in &slices {
            self.controller.handle_slice_change(None, Some(slice));
        }
        slices.len()
    }
}
