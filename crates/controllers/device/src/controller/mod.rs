//! The device taint eviction controller of the 1.33 era (`device_taint_eviction.go`
//! @ ab3cec07).
//!
//! All logic that decides which pods to evict runs in the `handle_*` methods, each under the
//! one handler mutex, and never blocks: the blocking work happens in the queue's worker
//! ([`crate::worker`]). The informer plumbing (upstream `Run`) belongs to the caller: it calls the
//! handlers in the order its listeners deliver, keeps the [`PodLister`] ahead of the pod
//! handler, and sets [`Controller::set_has_synced`] once the initial replay is done.
//!
//! Each behaviour toggle's path records a coverage mark through [`Runtime::mark`] (the
//! `MARK_*` constants here and in [`crate::worker`] and [`crate::eviction_time`]), so a
//! scenario can assert that the path it is about was taken. A mark is only an observation: it
//! never changes the shape of the code it observes. Where a path can be told from outside
//! (the pod-update filter), the plug-in's handler glue takes the mark instead
//! (`crate::plugin::handlers`).

mod claims;
mod evictor;
mod pods;
mod slices;
mod state;

use std::sync::Arc;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;

pub use evictor::{Evictor, QueueEvictor};
pub use state::{AllocatedClaim, ClaimKey, StateSnapshot};

use crate::behavior::Behavior;
use crate::eviction_time::claim_eviction_time_traced;
use crate::metrics::Metrics;
use crate::model::{Claim, Slice};
use crate::worker::{DeletePodHandler, delete_pod_handler};
use state::State;
use taintsim_seam::access;
use taintsim_seam::client::{Client, EventRecorder, PodLister};
use taintsim_seam::runtime::Runtime;
use taintsim_seam::sync::{AtomicBool, Mutex, MutexGuard, Ordering};
use taintsim_timed_worker_queue::TimedWorkerQueue;

/// Coverage mark: `handle-pods: return` stopped at a stale consumer (#135686).
pub const MARK_HANDLE_PODS_RETURN: &str = "controller.handle-pods.stale-consumer-return";
/// Coverage mark: `handle-pods: return` stopped at a stale consumer and left later pod
/// consumers unhandled.
pub const MARK_HANDLE_PODS_ABANDONED: &str = "controller.handle-pods.consumers-abandoned";
/// Coverage mark: `handle-pods: continue` skipped a stale consumer.
pub const MARK_HANDLE_PODS_CONTINUE: &str = "controller.handle-pods.stale-consumer-continue";
/// Coverage mark: `handlePod` ignored a pod that is not scheduled.
pub const MARK_POD_NOT_SCHEDULED: &str = "controller.handle-pod.not-scheduled";

/// The shared resource of the controller's state (the handler mutex and `hasSynced`), as
/// step touches name it.
pub const RESOURCE: &str = "controller";

/// What the controller needs from its environment.
#[derive(Clone)]
pub struct ControllerDeps {
    /// The executor: clock, tasks, steps and marks.
    pub rt: Arc<dyn Runtime>,
    /// The API client the worker uses.
    pub client: Arc<dyn Client>,
    /// The pod informer's cache.
    pub pods: Arc<dyn PodLister>,
    /// Where events go (upstream: the broadcaster's recorder).
    pub recorder: Arc<dyn EventRecorder>,
    /// The controller's metrics.
    pub metrics: Arc<Metrics>,
    /// The behaviour toggles.
    pub behavior: Behavior,
}

/// The controller. See the module docs.
pub struct Controller {
    rt: Arc<dyn Runtime>,
    pods: Arc<dyn PodLister>,
    recorder: Arc<dyn EventRecorder>,
    behavior: Behavior,
    evictor: Arc<dyn Evictor>,
    queue: Option<TimedWorkerQueue>,
    state: Mutex<State>,
    has_synced: AtomicBool,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("behavior", &self.behavior)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

/// The handler mutex held, plus the controller: the receiver of the handler bodies.
pub(crate) struct Locked<'a> {
    c: &'a Controller,
    st: MutexGuard<'a, State>,
}

impl Controller {
    /// The controller as `Run` sets it up: a `TimedWorkerQueue` of the behaviour's version whose
    /// work function is [`delete_pod_handler`], behind a [`QueueEvictor`].
    pub fn new(deps: ControllerDeps) -> Arc<Self> {
        Self::queue_backed(deps, None)
    }

    /// Like [`Controller::new`], with `hook` called before each queue operation, as upstream's
    /// tests set `evictPod` and `cancelEvict` before `Run` wraps them.
    pub fn with_hook(deps: ControllerDeps, hook: Arc<dyn Evictor>) -> Arc<Self> {
        Self::queue_backed(deps, Some(hook))
    }

    /// A controller without a queue whose evictions go to `evictor` only, as in upstream's
    /// `TestHandlers`. `deps.client` and `deps.metrics` are unused.
    pub fn with_evictor(deps: ControllerDeps, evictor: Arc<dyn Evictor>) -> Arc<Self> {
        Arc::new(Self::build(deps, evictor, None))
    }

    fn queue_backed(deps: ControllerDeps, hook: Option<Arc<dyn Evictor>>) -> Arc<Self> {
        let work = delete_pod_handler(DeletePodHandler {
            rt: deps.rt.clone(),
            client: deps.client.clone(),
            recorder: deps.recorder.clone(),
            metrics: deps.metrics.clone(),
            retries: deps.behavior.retries,
        });
        let queue = TimedWorkerQueue::new(deps.behavior.queue, deps.rt.clone(), work);
        let evictor = Arc::new(QueueEvictor::new(deps.rt.clone(), queue.clone(), hook));
        Arc::new(Self::build(deps, evictor, Some(queue)))
    }

    fn build(
        deps: ControllerDeps,
        evictor: Arc<dyn Evictor>,
        queue: Option<TimedWorkerQueue>,
    ) -> Self {
        Self {
            rt: deps.rt,
            pods: deps.pods,
            recorder: deps.recorder,
            behavior: deps.behavior,
            evictor,
            queue,
            state: Mutex::named(RESOURCE, State::default()),
            has_synced: AtomicBool::new(false),
        }
    }

    /// The behaviour this controller runs.
    pub fn behavior(&self) -> &Behavior {
        &self.behavior
    }

    /// The eviction queue (`None` for [`Controller::with_evictor`]).
    pub fn queue(&self) -> Option<&TimedWorkerQueue> {
        self.queue.as_ref()
    }

    /// `hasSynced`: whether the initial replay of slices has been handled.
    pub fn has_synced(&self) -> bool {
        access::record(&[RESOURCE]);
        self.has_synced.load(Ordering::SeqCst)
    }

    /// Sets `hasSynced` (the caller's `Run` does this after the slice replay).
    pub fn set_has_synced(&self, synced: bool) {
        access::record(&[RESOURCE]);
        self.has_synced.store(synced, Ordering::SeqCst);
    }

    /// A copy of `allocatedClaims` and `pools`.
    pub fn snapshot(&self) -> StateSnapshot {
        self.state.lock().snapshot()
    }

    /// Replaces `allocatedClaims` and `pools`, as upstream's `TestHandlers` loads its initial
    /// state. Eviction times are taken as given, not recomputed.
    pub fn restore(&self, snapshot: StateSnapshot) {
        *self.state.lock() = State::restore(snapshot);
    }

    /// The claim informer's Add (`old` `None`), Update and Delete (`new` `None`) handler.
    pub fn handle_claim_change(&self, old: Option<&Claim>, new: Option<&Claim>) {
        self.lock().handle_claim_change(old, new);
    }

    /// The pod informer's Add, Update and Delete handler. The pod lister must already show
    /// `new` (informer caches are updated before handlers run).
    pub fn handle_pod_change(&self, old: Option<&Pod>, new: Option<&Pod>) {
        self.lock().handle_pod_change(old, new);
    }

    /// The slice tracker's Add, Update and Delete handler (slices with rules already merged).
    pub fn handle_slice_change(&self, old: Option<&Slice>, new: Option<&Slice>) {
        self.lock().handle_slice_change(old, new);
    }

    /// `handlePods`: re-evaluates every pod consumer of `claim`, under the handler mutex.
    pub fn handle_pods(&self, claim: &Claim) {
        self.lock().handle_pods(claim);
    }

    /// `handlePod`: evicts or cancels `pod` according to its claims, under the handler mutex.
    pub fn handle_pod(&self, pod: &Pod) {
        self.lock().handle_pod(pod);
    }

    fn lock(&self) -> Locked<'_> {
        Locked {
            c: self,
            st: self.state.lock(),
        }
    }
}

impl Locked<'_> {
    /// `claimEvictionTime` against the current pools, forwarding coverage marks.
    fn eviction_time(&self, claim: &Claim) -> Option<Timestamp> {
        let allocation = claim.allocation.as_deref().unwrap_or_default();
        let rt = &self.c.rt;
        claim_eviction_time_traced(allocation, &self.st.pools, &self.c.behavior, &mut |m| {
            rt.mark(m)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Informer listeners call the handlers from several threads.
    #[test]
    fn controller_should_be_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Controller>();
        assert_send_sync::<QueueEvictor>();
    }
}
