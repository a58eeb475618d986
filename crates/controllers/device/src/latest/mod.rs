//! The device taint eviction controller of 1.35 and later (`device_taint_eviction.go` @
//! 008b3652, plus what the latest upstream test @ 051099c1 expects: extended-resource claims
//! and `resource.k8s.io/v1` rules, see [`model`]). The 1.33 controller ([`crate::controller`])
//! stays as it is; the two share the object model, `ToleratesTaint`, the events and metrics.
//!
//! `deletePodAt` is the source of truth: a pod must be evicted at `when` iff it has an entry.
//! Handlers ([`Controller::handle_claim_change`] and friends) run under the one controller
//! mutex, write `deletePodAt` and add work items to a rate-limiting delaying workqueue
//! ([`taintsim_workqueue::Queue`]); workers ([`Controller::worker`]) take items, drop stale
//! ones, requeue those not yet due, delete pods and update DeviceTaintRule status.
//!
//! Code map, in upstream's order:
//! - [`model`]: rules with UID, generation and condition; the pod fields only this generation
//!   reads (and what k8s-openapi 0.29 lacks);
//! - [`reason`], [`uid_cache`], [`work_item`], [`pools`], [`state`]: the data;
//! - [`eviction`]: `claimEvictionTime`, `podEvictionTime`;
//! - `claims.rs`, `pods.rs`, `slices.rs`, `rules.rs`: the four handlers and `handlePods`,
//!   `handlePod`, `evictPod`, `cancelEvict`;
//! - [`worker`](Controller::worker): `worker`, `handleWork`, `maybeDeletePod`,
//!   `addConditionAndDeletePod`;
//! - `rule_status.rs`: `maybeUpdateRuleStatus`, the NoEffect simulation and the messages;
//! - [`behavior`]: the generation's behaviour keys.
//!
//! Go map iteration that can change an outcome (the claims a slice or rule change
//! re-evaluates, a PodGroup's pods, which slice publishes a device) is a recorded data choice
//! ([`crate::go_order`]).
//!
//! Departures, each documented where it happens: upstream holds the mutex across the rule
//! status API call (the simulation lets handlers run during that call; they never read the
//! status, so the outcome is the same as if they ran after it); the workqueue's 10 s
//! heartbeat is not modelled; test hooks (`evictPodHook`, `cancelEvictHook`) are replaced by
//! coverage marks.

pub mod behavior;
mod claims;
pub mod eviction;
pub mod model;
mod pods;
pub mod pools;
pub mod ports;
pub mod reason;
mod rule_status;
mod rules;
mod slices;
pub mod state;
pub mod uid_cache;
pub mod work_item;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use taintsim_plugin::Metrics;
use taintsim_seam::client::{Client, EventRecorder};
use taintsim_seam::runtime::Runtime;
use taintsim_seam::sync::{AtomicBool, Mutex, Ordering};
use taintsim_workqueue::{Queue, default_controller_rate_limiter};

pub use behavior::{Config, ExtendedResources, RuleStatusUpdate};
pub use model::Rule;
pub use ports::{PodStore, RuleStore};
pub use rule_status::{RULE_STATUS_PERIOD, no_effect_message, pending_message};
pub use state::{AllocatedClaim, ClaimKey, State};
pub use work_item::WorkItem;

use crate::go_order::go_map_order;
use crate::model::{Claim, Slice};

/// Coverage mark: `handlePodChange` dropped an update (nodeName, claim statuses and, with
/// the #141290 fix, the extended-resource claim status unchanged).
pub const MARK_POD_UPDATE_FILTERED: &str = "latest.pod-update-filter.dropped";
/// Coverage mark: `handlePods` skipped a consumer the lister lacks or whose UID differs.
pub const MARK_HANDLE_PODS_CONTINUE: &str = "latest.handle-pods.stale-consumer-continue";
/// Coverage mark: `extended-resources: ignore` left a claim named in
/// `status.extendedResourceClaimStatus` unused (#141290).
pub const MARK_EXTENDED_IGNORED: &str = "latest.extended-resource-claim.ignored";
/// Coverage mark: `handlePod` cancelled an eviction and recorded "Cancelling deletion".
pub const MARK_CANCELLED: &str = "latest.cancel-eviction.event";
/// Coverage mark: a pod work item found no `deletePodAt` entry (stale item).
pub const MARK_OBSOLETE: &str = "latest.maybe-delete-pod.obsolete";
/// Coverage mark: a pod work item found the pod in `evictedPods` (the entry stays).
pub const MARK_ALREADY_EVICTED: &str = "latest.maybe-delete-pod.already-evicted";
/// Coverage mark: a pod work item was not due yet and was requeued for later.
pub const MARK_NOT_DUE: &str = "latest.maybe-delete-pod.not-due";
/// Coverage mark: the pod had a deletionTimestamp; upstream counts that as a successful
/// eviction (metrics, rule stats, `evictedPods`) without deleting anything.
pub const MARK_BEING_DELETED: &str = "latest.delete.being-deleted-counted";
/// Coverage mark: the live pod has another UID; treated as NotFound, without an event.
pub const MARK_UID_MISMATCH: &str = "latest.delete.uid-mismatch";
/// Coverage mark: a work item failed and was requeued with `AddRateLimited`.
pub const MARK_RATE_LIMITED: &str = "latest.worker.rate-limited-retry";
/// Coverage mark: a rule status update came within `ruleStatusPeriod` of the last one and was
/// postponed.
pub const MARK_STATUS_THROTTLED: &str = "latest.rule-status.throttled";
/// Coverage mark: a rule's status was written (server-side apply).
pub const MARK_STATUS_APPLIED: &str = "latest.rule-status.applied";
/// Coverage mark: `rule-status-update: immediate` queued a rule's status update right after
/// an eviction (before #135611).
pub const MARK_STATUS_IMMEDIATE: &str = "latest.rule-status.immediate-after-eviction";

/// What the controller needs from its environment.
#[derive(Clone)]
pub struct Deps {
    /// Clock, tasks, steps, data choices and marks.
    pub rt: Arc<dyn Runtime>,
    /// GET, PATCH, DELETE pods; apply rule status.
    pub client: Arc<dyn Client>,
    /// The pod informer's cache.
    pub pods: Arc<dyn PodStore>,
    /// The DeviceTaintRule informer's cache.
    pub rules: Arc<dyn RuleStore>,
    /// Where events go.
    pub recorder: Arc<dyn EventRecorder>,
    /// The two metrics.
    pub metrics: Arc<Metrics>,
    /// Settings.
    pub config: Config,
}

/// The controller. See the module docs.
pub struct Controller {
    rt: Arc<dyn Runtime>,
    client: Arc<dyn Client>,
    pods: Arc<dyn PodStore>,
    rules: Arc<dyn RuleStore>,
    recorder: Arc<dyn EventRecorder>,
    metrics: Arc<Metrics>,
    config: Config,
    queue: Queue<WorkItem>,
    state: Mutex<State>,
    has_synced: AtomicBool,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("config", &self.config)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

/// What handler code may use besides the state: the real controller's, or the NoEffect
/// simulation's (no queue, no events, no recorded choices: upstream's `NOPQueue` and nil
/// recorder).
pub(crate) struct Effects<'a> {
    pub(crate) rt: &'a dyn Runtime,
    pub(crate) config: &'a Config,
    pub(crate) pods: &'a dyn PodStore,
    pub(crate) live: Option<Live<'a>>,
}

/// The effects only the real controller has.
pub(crate) struct Live<'a> {
    pub(crate) queue: &'a Queue<WorkItem>,
    pub(crate) recorder: &'a dyn EventRecorder,
}

impl Effects<'_> {
    /// `items` in Go's map order: a recorded choice for the real controller, name order in the
    /// simulation (it only counts).
    pub(crate) fn go_order<T>(&self, label: &str, items: Vec<T>) -> Vec<T> {
        match self.live {
            Some(_) => go_map_order(self.rt, label, items),
            None => items,
        }
    }

    /// The runtime for Go's random choices and marks, `None` in the simulation.
    pub(crate) fn chooser(&self) -> Option<&dyn Runtime> {
        self.live.as_ref().map(|_| self.rt)
    }

    pub(crate) fn mark(&self, name: &'static str) {
        if self.live.is_some() {
            self.rt.mark(name);
        }
    }

    /// `workqueue.Add` (a no-op in the simulation).
    pub(crate) fn add(&self, item: WorkItem) {
        if let Some(live) = &self.live {
            live.queue.in_step().add(item);
        }
    }

    /// `workqueue.AddAfter` (a no-op in the simulation).
    pub(crate) fn add_after(&self, item: WorkItem, delay: Duration) {
        if let Some(live) = &self.live {
            live.queue.in_step().add_after(item, delay);
        }
    }
}

/// The state under the mutex, with the effects: the receiver of the handler bodies.
pub(crate) struct Handlers<'a> {
    pub(crate) st: &'a mut State,
    pub(crate) fx: &'a Effects<'a>,
}

impl Controller {
    /// The controller as `New` and `Run` set it up: a rate-limiting delaying queue named after
    /// the controller with `DefaultTypedControllerRateLimiter`.
    pub fn new(deps: Deps) -> Arc<Self> {
        let queue = Queue::new(
            deps.rt.clone(),
            deps.config.name.clone(),
            Box::new(default_controller_rate_limiter()),
        );
        Arc::new(Self {
            rt: deps.rt,
            client: deps.client,
            pods: deps.pods,
            rules: deps.rules,
            recorder: deps.recorder,
            metrics: deps.metrics,
            config: deps.config,
            queue,
            state: Mutex::new(State::default()),
            has_synced: AtomicBool::new(false),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The workqueue.
    pub fn queue(&self) -> &Queue<WorkItem> {
        &self.queue
    }

    /// `hasSynced`.
    pub fn has_synced(&self) -> bool {
        self.has_synced.load(Ordering::SeqCst)
    }

    /// Sets `hasSynced` (`Run` does, once caches and handlers have synced).
    pub fn set_has_synced(&self, synced: bool) {
        self.has_synced.store(synced, Ordering::SeqCst);
    }

    /// `deletePodAt` as the harness's pending evictions, in pod order.
    pub fn pending_evictions(&self) -> Vec<taintsim_plugin::PendingEviction> {
        self.state
            .lock()
            .delete_pod_at
            .iter()
            .map(|(pod, eviction)| taintsim_plugin::PendingEviction {
                pod: format!("{}/{}", pod.namespace, pod.name),
                uid: Some(pod.uid.clone()),
                at: Some(eviction.when),
            })
            .collect()
    }

    /// A copy of the state (for tests and checks).
    pub fn snapshot(&self) -> State {
        self.state.lock().clone()
    }

    /// Replaces the state, as upstream's `TestController` loads its initial state.
    pub fn restore(&self, state: State) {
        *self.state.lock() = state;
    }

    /// The claim informer's handler: Add (`old` `None`), Update, Delete (`new` `None`).
    pub fn handle_claim_change(&self, old: Option<&Claim>, new: Option<&Claim>) {
        self.with_handlers(|h| h.handle_claim_change(old, new));
    }

    /// The pod informer's handler. The pod cache must already show `new`.
    pub fn handle_pod_change(&self, old: Option<&Pod>, new: Option<&Pod>) {
        self.with_handlers(|h| h.handle_pod_change(old, new));
    }

    /// The slice informer's handler.
    pub fn handle_slice_change(&self, old: Option<&Slice>, new: Option<&Slice>) {
        self.with_handlers(|h| h.handle_slice_change(old, new));
    }

    /// The DeviceTaintRule informer's handler.
    pub fn handle_rule_change(&self, old: Option<&Rule>, new: Option<&Rule>) {
        let (old, new) = (old.cloned().map(Arc::new), new.cloned().map(Arc::new));
        self.with_handlers(|h| h.handle_rule_change(old, new));
    }

    fn with_handlers<R>(&self, f: impl FnOnce(&mut Handlers<'_>) -> R) -> R {
        let mut st = self.state.lock();
        let fx = Effects {
            rt: self.rt.as_ref(),
            config: &self.config,
            pods: self.pods.as_ref(),
            live: Some(Live {
                queue: &self.queue,
                recorder: self.recorder.as_ref(),
            }),
        };
        f(&mut Handlers {
            st: &mut st,
            fx: &fx,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controller_should_be_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Controller>();
    }
}
