//! `deletePodHandler`, the TimedWorkerQueue's work function, and `addConditionAndDeletePod`.
//!
//! One invocation records `Marking for deletion Pod <ns>/<name>` once, before any API call,
//! then makes up to 5 attempts, 10 ms apart (a sleep follows every failed attempt, the last
//! one too). An attempt GETs the pod live (a NotFound is a failed attempt like any other),
//! adds the `DisruptionTarget` condition with a status PATCH if it changed anything (the UID
//! of the GET rides along as a precondition), and DELETEs by name without preconditions. A
//! deletion increments the counter and observes the latency since `fireAt`. After the fifth
//! failure the error goes back to the queue, which only logs it: the eviction is dropped
//! (#140639).
//!
//! Two open upstream fixes can be switched on:
//! - `node-recheck: live` (PR #140198): after the pod GET, GET its Node and skip the deletion
//!   (success, no metrics) when no NoExecute taint is left or the pod tolerates every one of
//!   them forever. The PR's text says "tolerates all live taints"; a finite toleration whose
//!   period ran out is taken as not tolerating, or no timed eviction could ever happen.
//! - `retries: durable` (PR #141568): after the fifth failure keep going, with the controller
//!   rate limiter's per-item backoff (5 ms doubling, at most 1000 s), and before each retry
//!   re-evaluate the pod from the pod cache and `taintedNodes`: stop if it is gone, unscheduled,
//!   its node is untainted, or it tolerates the taints forever; a finite toleration whose time
//!   is up gets no fresh period. A NotFound from any call counts as done. The PR hands the
//!   retry to a separate rate-limited queue, with a token per pod UID; here it stays in the
//!   same invocation, so there is still exactly one `Marking` event per invocation, and the
//!   queue key stays taken until the retry ends: a pod recreated under the same name meanwhile
//!   gets no work of its own (its `AddWork` is skipped), and the retry, keyed by name like
//!   everything else here, evicts it if it needs evicting, where the PR requeues the retry
//!   for it.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_plugin::Metrics;
use taintsim_seam::client::{ApiError, Client, Preconditions};
use taintsim_seam::podutil::update_pod_condition;
use taintsim_seam::runtime::{StepLabel, Timestamp};
use taintsim_seam::sync::Ordering;
use taintsim_timed_worker_queue::{NamespacedObject, WorkArgs, WorkError, WorkFn};
use tracing::{debug, info};

use crate::behavior::{NodeRecheck, Retries};
use crate::controller::Shared;
use crate::events::{CONTROLLER_NAME, emit_pod_deletion_event};
use crate::metrics::observed_latency;
use crate::taints::{matching_tolerations, min_toleration_time, no_execute_taints};

/// `v1.DisruptionTarget`.
pub const DISRUPTION_TARGET: &str = "DisruptionTarget";
/// The condition's reason.
pub const DISRUPTION_REASON: &str = "DeletionByTaintManager";
/// The condition's message.
pub const DISRUPTION_MESSAGE: &str = "Taint manager: deleting due to NoExecute taint";
/// `retries`: attempts per invocation.
pub const RETRIES: u32 = 5;
/// The sleep after a failed attempt.
pub const RETRY_DELAY: Duration = Duration::from_millis(10);
/// `retries: durable`: the rate limiter's first per-item delay.
pub const DURABLE_BASE: Duration = Duration::from_millis(5);
/// `retries: durable`: the rate limiter's largest per-item delay.
pub const DURABLE_MAX: Duration = Duration::from_secs(1000);

/// Coverage mark: `retries: fixed` gave up after the fifth attempt.
pub const MARK_ABANDONED: &str = "node.retries.abandoned";
/// Coverage mark: `retries: durable` retried beyond the fifth attempt.
pub const MARK_DURABLE_BEYOND_FIXED: &str = "node.retries.durable-beyond-fixed";
/// Coverage mark: `retries: durable` stopped retrying because the eviction is no longer due.
pub const MARK_RETRY_DROPPED: &str = "node.retries.durable-dropped";
/// Coverage mark: `node-recheck: live` found the node no longer evicts the pod and skipped the
/// deletion.
pub const MARK_RECHECK_SKIPPED: &str = "node.recheck.skipped";
/// Coverage mark: a work function started after the controller's `Run` had returned.
pub const MARK_WORK_AFTER_RUN: &str = "node.work-after-run-returned";

/// What the work function needs.
pub(crate) struct DeletePodHandler {
    pub(crate) shared: Arc<Shared>,
    pub(crate) client: Arc<dyn Client>,
    pub(crate) metrics: Arc<Metrics>,
}

/// How an attempt ended without an error.
enum Done {
    /// The DELETE succeeded.
    Deleted,
    /// Nothing (more) to delete: the re-check or a durable retry's NotFound.
    Skipped,
}

/// `deletePodHandler(c, emitEventFunc, controllerName)` as a queue work function.
pub(crate) fn delete_pod_handler(handler: DeletePodHandler) -> WorkFn {
    let handler = Arc::new(handler);
    Arc::new(move |args: WorkArgs, fire_at: Timestamp| {
        let handler = handler.clone();
        Box::pin(async move { handler.run(args.object, fire_at).await })
    })
}

/// The `DisruptionTarget` condition, with `now` as transition time (`UpdatePodCondition` sets
/// it).
pub fn disruption_condition(now: Timestamp) -> PodCondition {
    PodCondition {
        type_: DISRUPTION_TARGET.to_owned(),
        status: "True".to_owned(),
        reason: Some(DISRUPTION_REASON.to_owned()),
        message: Some(DISRUPTION_MESSAGE.to_owned()),
        last_transition_time: Some(Time(now)),
        ..PodCondition::default()
    }
}

impl DeletePodHandler {
    async fn run(&self, pod: NamespacedObject, fire_at: Timestamp) -> Result<(), WorkError> {
        let rt = &self.shared.rt;
        if self.shared.run_returned.load(Ordering::SeqCst) {
            rt.mark(MARK_WORK_AFTER_RUN);
        }
        info!(controller = CONTROLLER_NAME, %pod, "Deleting pod");
        rt.step(StepLabel::with_touches(
            format!("record event {pod}"),
            ["events".to_owned()],
        ))
        .await;
        emit_pod_deletion_event(self.shared.recorder.as_ref(), &pod);
        let mut last = None;
        for _ in 0..RETRIES {
            match self.attempt(&pod).await {
                Ok(done) => {
                    self.finish(done, fire_at);
                    return Ok(());
                }
                Err(err) => {
                    debug!(%pod, %err, "Pod deletion attempt failed");
                    last = Some(err);
                }
            }
            rt.sleep(RETRY_DELAY).await;
        }
        if self.shared.behavior.retries == Retries::Durable {
            return self.retry_durably(&pod, fire_at).await;
        }
        rt.mark(MARK_ABANDONED);
        Err(Box::new(last.unwrap_or_else(|| {
            ApiError::new(taintsim_seam::StatusReason::InternalError, "no attempt")
        })))
    }

    fn finish(&self, done: Done, fire_at: Timestamp) {
        if let Done::Deleted = done {
            // `fireAt` carries the handlers' nanoseconds (`Shared::now`); a deletion at the
            // very instant it was due is 0 late, not a few nanoseconds early.
            let since = self.shared.rt.now().duration_since(fire_at);
            let nanos = i64::try_from(since.as_nanos()).unwrap_or(i64::MAX).max(0);
            self.metrics
                .observe_deletion(observed_latency(nanos, self.shared.behavior.latency_metric));
        }
    }

    /// `addConditionAndDeletePod`, plus the live re-check of PR #140198 when switched on. With
    /// `retries: durable` a NotFound from any call means the work is done (PR #141568).
    async fn attempt(&self, pod_ref: &NamespacedObject) -> Result<Done, ApiError> {
        let result = self.add_condition_and_delete_pod(pod_ref).await;
        match result {
            Err(err) if err.is_not_found() && self.shared.behavior.retries == Retries::Durable => {
                Ok(Done::Skipped)
            }
            other => other,
        }
    }

    async fn add_condition_and_delete_pod(
        &self,
        pod_ref: &NamespacedObject,
    ) -> Result<Done, ApiError> {
        let (ns, name) = (pod_ref.namespace.as_str(), pod_ref.name.as_str());
        let pod = self.client.get_pod(ns, name).await?;
        if self.shared.behavior.node_recheck == NodeRecheck::Live
            && !self.still_evicts(&pod).await?
        {
            self.shared.rt.mark(MARK_RECHECK_SKIPPED);
            info!(pod = %pod_ref, "Pod tolerates the live taints of its node, cancelling the eviction");
            return Ok(Done::Skipped);
        }
        let existing = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or_default();
        let now = self.shared.rt.now();
        if let Some(condition) = update_pod_condition(existing, disruption_condition(now)) {
            let uid = pod.metadata.uid.as_deref().unwrap_or_default();
            self.client
                .patch_pod_status(ns, name, uid, vec![condition])
                .await?;
        }
        self.client
            .delete_pod(ns, name, Preconditions::default())
            .await
            .map(|()| Done::Deleted)
    }

    /// PR #140198: whether the pod's live Node still evicts it.
    async fn still_evicts(&self, pod: &Pod) -> Result<bool, ApiError> {
        let node_name = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default();
        if node_name.is_empty() {
            return Ok(false);
        }
        let node = match self.client.get_node(&node_name).await {
            Err(err) if err.is_not_found() => return Ok(false),
            other => other?,
        };
        let tolerations = pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.clone())
            .unwrap_or_default();
        Ok(evicts(&no_execute_taints(&node), &tolerations))
    }

    /// PR #141568's durable retry, after the fifth failed attempt.
    async fn retry_durably(
        &self,
        pod: &NamespacedObject,
        fire_at: Timestamp,
    ) -> Result<(), WorkError> {
        let rt = &self.shared.rt;
        let mut backoff = DURABLE_BASE;
        loop {
            rt.sleep(backoff).await;
            backoff = (backoff * 2).min(DURABLE_MAX);
            rt.step(StepLabel::with_touches(
                format!("re-evaluate eviction {pod}"),
                ["cache/pods".to_owned(), "tainted-nodes".to_owned()],
            ))
            .await;
            if !self.still_wanted(pod) {
                rt.mark(MARK_RETRY_DROPPED);
                debug!(%pod, "Pod eviction no longer needed, dropping the retry");
                return Ok(());
            }
            rt.mark(MARK_DURABLE_BEYOND_FIXED);
            match self.attempt(pod).await {
                Ok(done) => {
                    self.finish(done, fire_at);
                    return Ok(());
                }
                Err(err) => debug!(%pod, %err, "Pod eviction failed, will retry"),
            }
        }
    }

    /// Whether the pod cache and `taintedNodes` still call for evicting the pod named `pod`
    /// (whatever its UID: the work is keyed by name, see the module docs).
    fn still_wanted(&self, pod: &NamespacedObject) -> bool {
        let Some(cached) = self.shared.pods.get_as::<Pod>(&pod.namespace, &pod.name) else {
            return false;
        };
        let spec = cached.spec.clone().unwrap_or_default();
        let node_name = spec.node_name.unwrap_or_default();
        let taints = self.shared.tainted_nodes.lock().get(&node_name).cloned();
        match taints {
            Some(taints) => evicts(&taints, &spec.tolerations.unwrap_or_default()),
            None => false,
        }
    }
}

/// Whether NoExecute `taints` evict a pod with `tolerations` at some point: some taint is not
/// tolerated, or tolerated only for a while.
fn evicts(
    taints: &[k8s_openapi::api::core::v1::Taint],
    tolerations: &[k8s_openapi::api::core::v1::Toleration],
) -> bool {
    if taints.is_empty() {
        return false;
    }
    let (all, used) = matching_tolerations(taints, tolerations);
    !all || min_toleration_time(&used) >= 0
}
