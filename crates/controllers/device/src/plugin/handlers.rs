//! The informer listeners of the 1.33 controller: Kubernetes objects in, the controller's
//! internal model out (upstream `Run`). The claim and pod handlers listen on their informers;
//! the slice handler listens on the resourceslicetracker, which merges DeviceTaintRules into
//! the slices and forwards synthetic slice events once the controller has registered with it.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::{Notification, Object};
use taintsim_seam::runtime::Runtime;
use taintsim_seam::sync::Mutex;

use crate::behavior::PodUpdateFilter;
use crate::controller::Controller;
use crate::go_order::go_map_order;
use crate::model::{Claim, Slice, TaintRule, pod_claim_statuses, pod_node_name};
use crate::slice_tracker::{SliceEvent, SliceTracker};

/// The claim as the controller sees it, whichever API version it was written in.
pub fn claim_of(object: &Object) -> Option<Claim> {
    match object {
        Object::ClaimV1beta1(c) => Some(Claim::from(&**c)),
        Object::ClaimV1(c) => Some(Claim::from(&**c)),
        _ => None,
    }
}

/// The slice as the controller sees it, whichever API version it was written in.
pub fn slice_of(object: &Object) -> Option<Slice> {
    match object {
        Object::SliceV1beta1(s) => Some(Slice::from(&**s)),
        Object::SliceV1(s) => Some(Slice::from(&**s)),
        _ => None,
    }
}

/// The DeviceTaintRule as the tracker sees it.
pub fn rule_of(object: &Object) -> Option<TaintRule> {
    match object {
        Object::Rule(r) => Some(TaintRule::from(&**r)),
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

/// Coverage mark: the pod-update filter dropped an update.
pub const MARK_POD_UPDATE_FILTERED: &str = "controller.pod-update-filter.dropped";
/// Coverage mark: `pod-update-filter: claim-statuses` dropped an update that changed
/// `spec.nodeName` (`handlePodChange` @ ab3cec07; see docs/scenario-format.md,
/// `pod-update-filter`).
pub const MARK_NODE_NAME_CHANGE_DROPPED: &str =
    "controller.pod-update-filter.node-name-change-dropped";
/// Coverage mark: `pod-update-filter: claim-statuses-and-node-name` let an update through
/// only because `spec.nodeName` changed.
pub const MARK_NODE_NAME_CHANGE_HANDLED: &str =
    "controller.pod-update-filter.node-name-change-handled";

/// `handlePodChange` as an informer handler. The pod-update filter's coverage marks are
/// taken here, from what the update changes and what the filter decides about it, so that
/// `handlePodChange` keeps upstream's shape.
pub fn on_pod(rt: &dyn Runtime, controller: &Controller, n: &Notification) {
    let (old, new) = old_new(n);
    let (old, new) = (old.and_then(pod_of), new.and_then(pod_of));
    if let (Some(old), Some(new)) = (old, new) {
        mark_pod_update(rt, controller.behavior().pod_update_filter, old, new);
    }
    controller.handle_pod_change(old, new);
}

fn mark_pod_update(rt: &dyn Runtime, filter: PodUpdateFilter, old: &Pod, new: &Pod) {
    let node_changed = pod_node_name(old) != pod_node_name(new);
    if filter.ignores(old, new) {
        if node_changed {
            rt.mark(MARK_NODE_NAME_CHANGE_DROPPED);
        }
        rt.mark(MARK_POD_UPDATE_FILTERED);
    } else if node_changed && pod_claim_statuses(old) == pod_claim_statuses(new) {
        rt.mark(MARK_NODE_NAME_CHANGE_HANDLED);
    }
}

/// The label of the data choices that order the tracker's replay of existing slices to a
/// handler registered late (`AddEventHandler` over `ListPatchedResourceSlices`).
pub const REPLAY_ORDER: &str = "go map order patchedResourceSlices (AddEventHandler replay)";

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
                    .handle_slice_change(e.old.as_deref(), e.new.as_deref());
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
    /// returns only when that is done (upstream `Run` @ ab3cec07 calls
    /// `sliceTracker.AddEventHandler` after the sync wait; the tracker enqueues one Add per
    /// slice of `ListPatchedResourceSlices` and drains them before it returns). That list comes
    /// from `cache.Store.List`, a range over a Go map, so the replay order is a recorded data
    /// choice of `rt`: a pool caught between two generations is seen half-replayed in some
    /// orders and not in others. Returns how many slices it replayed.
    pub fn register(&self, rt: &dyn Runtime) -> usize {
        let slices: Vec<Arc<Slice>> = {
            let mut s = self.state.lock();
            s.registered = true;
            s.tracker.effective_slices().cloned().collect()
        };
        let slices = go_map_order(rt, REPLAY_ORDER, slices);
        for slice in &slices {
            self.controller.handle_slice_change(None, Some(slice));
        }
        slices.len()
    }
}
