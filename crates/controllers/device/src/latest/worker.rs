//! `worker`, `handleWork`, `maybeDeletePod` and `addConditionAndDeletePod`.
//!
//! A worker takes an item (`Get`), handles it, and then, before `Done`: requeues it with
//! `AddRateLimited` after an error (retries are durable), with `AddAfter` when it is not due
//! yet (or a status update is throttled), or `Forget`s it. Each item a worker handles runs as
//! its own task, `worker-<i>.<n> <item>`, which the worker waits for: that task is one "work
//! invocation" for the oracles, as one queued work function is in 1.33.
//!
//! Steps, besides the queue's and the API client's: `maybeDeletePod <pod>` and
//! `maybeUpdateRuleStatus <rule>` before the first read of the state; `record event <pod>`
//! before "Marking for deletion"; after a deletion `pod deleted <pod>` (metrics, rule stats
//! and their status updates; it touches the pod's resource, which the metrics belong to by the
//! harness's convention) and `forget evicted <pod>` (the deferred cleanup), which upstream
//! does in two separate critical sections.

use std::sync::Arc;
use std::time::Duration;

use taintsim_seam::client::{ApiError, Preconditions};
use taintsim_seam::runtime::StepLabel;
use taintsim_timed_worker_queue::NamespacedObject;

use super::model::being_deleted;
use super::rule_status::{RULE_STATUS_PERIOD, StatusDecision};
use super::{
    Controller, MARK_ALREADY_EVICTED, MARK_BEING_DELETED, MARK_NOT_DUE, MARK_OBSOLETE,
    MARK_RATE_LIMITED, MARK_STATUS_IMMEDIATE, MARK_UID_MISMATCH, RuleStatusUpdate, WorkItem,
};
use crate::events::emit_pod_deletion_event;
use crate::worker::{disruption_condition, update_pod_condition};

/// What handling an item decided (upstream's `(againAfter, err)`).
type Handled = Result<Option<Duration>, ApiError>;

/// How the pod deletion attempt ended.
enum Deleted {
    /// DELETE succeeded.
    Deleted,
    /// The pod already had a deletionTimestamp; upstream returns nil, so it counts as done.
    BeingDeleted,
}

impl Controller {
    /// The step before the worker's work touches the controller state (and, where it adds
    /// items, the queue; where it reads caches, those).
    fn state_step(&self, action: String, extra: &[&str]) -> StepLabel {
        let mut touches = vec!["controller".to_owned()];
        touches.extend(extra.iter().map(|s| (*s).to_owned()));
        StepLabel::with_touches(action, touches)
    }

    /// `worker`: until the queue shuts down, take an item and handle it in a task of its own
    /// (see the module docs).
    pub async fn worker(self: Arc<Self>, index: usize) {
        let mut invocation = 0u64;
        while let Some(item) = self.queue.get().await {
            invocation += 1;
            let (done, finished) = futures::channel::oneshot::channel::<()>();
            let this = self.clone();
            self.rt.spawn(
                format!("worker-{index}.{invocation} {item}"),
                Box::pin(async move {
                    this.process_item(item).await;
                    let _ = done.send(());
                }),
            );
            // A dropped sender (a panic in the item's task) ends the wait too.
            let _ = finished.await;
        }
    }

    /// Handles one item and requeues or forgets it, then `Done`.
    pub async fn process_item(&self, item: WorkItem) {
        match self.handle_work(&item).await {
            Err(err) => {
                tracing::debug!(%item, %err, "Processing work item failed, will retry");
                self.rt.mark(MARK_RATE_LIMITED);
                self.queue.add_rate_limited(item.clone()).await;
                self.queue.done(&item).await;
            }
            Ok(Some(again)) => {
                self.queue.add_after(item.clone(), again).await;
                self.queue.done(&item).await;
            }
            Ok(None) => self.queue.forget_and_done(&item).await,
        }
    }

    /// Handles every ready item in turn until none is left, as upstream's `TestController`
    /// runs `worker` against its mock queue (whose `Get` reports shutdown when it is empty).
    /// Returns how many it handled.
    pub async fn work_until_empty(&self) -> usize {
        let mut handled = 0;
        while !self.queue.in_step().is_empty() {
            let Some(item) = self.queue.get().await else {
                break;
            };
            self.process_item(item).await;
            handled += 1;
        }
        handled
    }

    /// `handleWork`.
    async fn handle_work(&self, item: &WorkItem) -> Handled {
        match item {
            WorkItem::Pod(pod) => self.maybe_delete_pod(pod).await,
            WorkItem::Rule { name, uid } => self.maybe_update_rule_status(name, uid).await,
        }
    }

    /// `maybeDeletePod`.
    async fn maybe_delete_pod(&self, pod: &NamespacedObject) -> Handled {
        self.rt
            .step(self.state_step(format!("maybeDeletePod {pod}"), &[]))
            .await;
        let (eviction, evicted) = {
            let mut st = self.state.lock();
            st.maybe_delete_pod_count += 1;
            let eviction = st.delete_pod_at.get(pod).cloned();
            (eviction, st.evicted_pods.has(&pod.uid))
        };
        let Some(eviction) = eviction else {
            self.rt.mark(MARK_OBSOLETE);
            return Ok(None);
        };
        if evicted {
            // Upstream leaves the deletePodAt entry in place here.
            self.rt.mark(MARK_ALREADY_EVICTED);
            return Ok(None);
        }
        let again = eviction.when.duration_since(self.rt.now());
        if let Ok(again) = Duration::try_from(again)
            && !again.is_zero()
        {
            // Not due (any more): the eviction time may have moved since the item was queued.
            self.rt.mark(MARK_NOT_DUE);
            return Ok(Some(again));
        }
        let deleted = match self.add_condition_and_delete_pod(pod).await {
            Ok(deleted) => deleted,
            // Gone already, or replaced: done, but nothing to count.
            Err(err) if err.is_not_found() => {
                self.forget_evicted(pod).await;
                return Ok(None);
            }
            Err(err) => return Err(err),
        };
        if matches!(deleted, Deleted::BeingDeleted) {
            self.rt.mark(MARK_BEING_DELETED);
        }
        // The metrics change here; by the harness's convention they belong to the pod's
        // resource (they change only once its deletion is done). The queue is touched only
        // for the status updates of rules among the reasons.
        let pod_resource = format!("pod/{}/{}", pod.namespace, pod.name);
        let mut touches = vec![pod_resource.as_str()];
        let queue = self.queue.resource().to_owned();
        if eviction.rules().next().is_some() {
            touches.push(&queue);
        }
        self.rt
            .step(self.state_step(format!("pod deleted {pod}"), &touches))
            .await;
        let latency = self.rt.now().duration_since(eviction.when).as_secs_f64();
        tracing::info!(%pod, latency, "Evicted pod by deleting it");
        self.metrics.observe_deletion(latency);
        {
            let mut st = self.state.lock();
            for rule in eviction.rules() {
                *st.taint_rule_stats.entry(rule.uid.clone()).or_default() += 1;
                let item = WorkItem::rule(&rule.name, &rule.uid);
                match self.config.rule_status_update {
                    RuleStatusUpdate::Delayed => {
                        self.queue.in_step().add_after(item, RULE_STATUS_PERIOD);
                    }
                    RuleStatusUpdate::Immediate => {
                        self.rt.mark(MARK_STATUS_IMMEDIATE);
                        self.queue.in_step().add(item);
                    }
                }
            }
        }
        self.forget_evicted(pod).await;
        Ok(None)
    }

    /// The deferred cleanup of `maybeDeletePod` after success or NotFound: forget the pod and
    /// remember its UID as evicted.
    async fn forget_evicted(&self, pod: &NamespacedObject) {
        self.rt
            .step(self.state_step(format!("forget evicted {pod}"), &[]))
            .await;
        let mut st = self.state.lock();
        st.delete_pod_at.remove(pod);
        st.evicted_pods.add(&pod.uid);
    }

    /// `addConditionAndDeletePod`: GET the pod; stop if it was replaced (NotFound) or is
    /// being deleted (counted as done, like upstream); record "Marking for deletion" (on every
    /// attempt that gets here); add the DisruptionTarget condition if missing; DELETE with the
    /// UID as precondition.
    async fn add_condition_and_delete_pod(
        &self,
        pod_ref: &NamespacedObject,
    ) -> Result<Deleted, ApiError> {
        let (ns, name) = (pod_ref.namespace.as_str(), pod_ref.name.as_str());
        let pod = self.client.get_pod(ns, name).await?;
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if uid != pod_ref.uid {
            self.rt.mark(MARK_UID_MISMATCH);
            return Err(ApiError::not_found("pods", name));
        }
        if being_deleted(&pod) {
            return Ok(Deleted::BeingDeleted);
        }
        self.rt
            .step(StepLabel::with_touches(
                format!("record event {pod_ref}"),
                ["events".to_owned()],
            ))
            .await;
        emit_pod_deletion_event(self.recorder.as_ref(), pod_ref);
        let existing = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or_default();
        if let Some(condition) = update_pod_condition(existing, disruption_condition(self.rt.now()))
        {
            self.client
                .patch_pod_status(ns, name, &uid, vec![condition])
                .await?;
        }
        let preconditions = Preconditions {
            uid: Some(pod_ref.uid.clone()),
            resource_version: None,
        };
        self.client.delete_pod(ns, name, preconditions).await?;
        Ok(Deleted::Deleted)
    }

    /// `maybeUpdateRuleStatus`.
    async fn maybe_update_rule_status(&self, name: &str, uid: &str) -> Handled {
        let resource = self.queue.resource().to_owned();
        self.rt
            .step(self.state_step(
                format!("maybeUpdateRuleStatus {name}"),
                &["cache/pods", "cache/devicetaintrules", &resource],
            ))
            .await;
        match self.decide_rule_status(name, uid) {
            StatusDecision::Done => Ok(None),
            StatusDecision::Later(after) => Ok(Some(after)),
            StatusDecision::Apply(apply) => {
                self.apply_rule_status(apply).await?;
                Ok(None)
            }
        }
    }
}
