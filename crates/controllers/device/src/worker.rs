//! `deletePodHandler`, the queue's work function (`device_taint_eviction.go` @ ab3cec07).
//!
//! One invocation makes attempts until the pod is deleted or gone: GET the pod; a different
//! UID is a synthetic NotFound (the pod was replaced under the same name), which ends the work
//! without an event; record `Marking for deletion` the first time an attempt gets this far;
//! add or refresh the `DisruptionTarget` condition and PATCH the status only if that changed
//! something; DELETE with a UID precondition. NotFound counts as success without metrics; a
//! real deletion updates both metrics with `now - fireAt`. With `retries: fixed` (1.33) a
//! failed attempt is followed by a 10 ms sleep and after the fifth the error is returned and
//! the eviction abandoned; with `retries: durable` the invocation keeps going with capped
//! exponential backoff.
//!
//! Every API call and the event are preceded by a runtime [`Step`], so the simulator can let
//! handler events land between them (the window of #130940).

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::PodCondition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use tracing::{debug, info};

use crate::behavior::Retries;
use crate::events::emit_pod_deletion_event;
use crate::metrics::Metrics;
use taintsim_seam::client::{ApiError, Client, EventRecorder, Preconditions};
use taintsim_seam::runtime::{Runtime, StepDetail, StepLabel, Timestamp, Touch};
use taintsim_timed_worker_queue::{NamespacedObject, WorkArgs, WorkError, WorkFn};

/// `v1.DisruptionTarget`.
pub const DISRUPTION_TARGET: &str = "DisruptionTarget";
/// The condition's reason.
pub const DISRUPTION_REASON: &str = "DeletionByDeviceTaintManager";
/// The condition's message.
pub const DISRUPTION_MESSAGE: &str = "Device Taint manager: deleting due to NoExecute taint";
/// `retries`: attempts per invocation with `retries: fixed`.
pub const RETRIES: u32 = 5;
/// The sleep after a failed attempt with `retries: fixed`, and the first backoff with
/// `retries: durable`.
pub const RETRY_DELAY: Duration = Duration::from_millis(10);
/// The cap of the `retries: durable` backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Coverage mark: `retries: fixed` gave up after the last attempt; the eviction is abandoned.
pub const MARK_ABANDONED: &str = "worker.retries.abandoned";
/// Coverage mark: `retries: durable` retried beyond the attempts `fixed` would have made.
pub const MARK_DURABLE_BEYOND_FIXED: &str = "worker.retries.durable-beyond-fixed";
/// Coverage mark: the live pod has another UID; the work ends as if it were NotFound.
pub const MARK_UID_MISMATCH: &str = "worker.uid-mismatch";

/// What the work function needs. Clone it freely; everything is shared.
#[derive(Clone)]
pub struct DeletePodHandler {
    /// Clock, sleeps, steps and marks.
    pub rt: Arc<dyn Runtime>,
    /// GET, PATCH and DELETE.
    pub client: Arc<dyn Client>,
    /// Where `Marking for deletion` goes.
    pub recorder: Arc<dyn EventRecorder>,
    /// Updated after each real deletion.
    pub metrics: Arc<Metrics>,
    /// The `retries` behaviour.
    pub retries: Retries,
}

impl std::fmt::Debug for DeletePodHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeletePodHandler")
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

/// `deletePodHandler(c, emitEventFunc)`: the handler as a queue work function.
pub fn delete_pod_handler(handler: DeletePodHandler) -> WorkFn {
    let handler = Arc::new(handler);
    Arc::new(move |args: WorkArgs, fire_at: Timestamp| {
        let handler = handler.clone();
        Box::pin(async move { handler.run(args, fire_at).await })
    })
}

/// The `DisruptionTarget` condition the worker adds, with `now` as transition time.
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

pub use taintsim_seam::podutil::update_pod_condition;

impl DeletePodHandler {
    /// One invocation of the work function for `args.object`, due at `fire_at`.
    pub async fn run(&self, args: WorkArgs, fire_at: Timestamp) -> Result<(), WorkError> {
        let pod = args.object;
        info!(%pod, "Deleting pod");
        // `emitEventFunc` is cleared after the first event of this invocation.
        let mut emit = true;
        let mut backoff = RETRY_DELAY;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let err = match self.add_condition_and_delete_pod(&pod, &mut emit).await {
                Ok(()) => {
                    let seconds = self.rt.now().duration_since(fire_at).as_secs_f64();
                    self.metrics.observe_deletion(seconds);
                    return Ok(());
                }
                // Not a problem, the work is done, but not by us: no metrics.
                Err(err) if err.is_not_found() => return Ok(()),
                Err(err) => err,
            };
            debug!(%pod, attempt, %err, "Pod deletion attempt failed");
            match self.retries {
                Retries::Fixed => {
                    self.rt.sleep(RETRY_DELAY).await;
                    if attempt >= RETRIES {
                        self.rt.mark(MARK_ABANDONED);
                        return Err(Box::new(err));
                    }
                }
                Retries::Durable => {
                    if attempt >= RETRIES {
                        self.rt.mark(MARK_DURABLE_BEYOND_FIXED);
                    }
                    self.rt.sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// `addConditionAndDeletePod`: one attempt.
    async fn add_condition_and_delete_pod(
        &self,
        pod_ref: &NamespacedObject,
        emit: &mut bool,
    ) -> Result<(), ApiError> {
        let (ns, name) = (pod_ref.namespace.as_str(), pod_ref.name.as_str());
        // The client's own request and response steps are the interleaving points around
        // each API call, so the worker adds a step only where it touches the event queue.
        let pod = self.client.get_pod(ns, name).await?;
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if uid != pod_ref.uid {
            // The pod we were meant to evict is gone and another one reuses its name. A
            // NotFound stops the retries and suppresses the event.
            self.rt.mark(MARK_UID_MISMATCH);
            return Err(ApiError::not_found("pods", name));
        }
        if std::mem::take(emit) {
            let rt = self.rt.as_ref();
            self.rt
                .step(
                    StepLabel::lazy(
                        rt,
                        || ["record event ", &pod_ref.key()].concat(),
                        || vec![Touch::new_static("events")],
                    )
                    .with_lazy_detail(rt, || StepDetail::RecordEvent {
                        key: pod_ref.to_string(),
                    }),
                )
                .await;
            emit_pod_deletion_event(self.recorder.as_ref(), pod_ref);
        }
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
        // The pod may have been replaced since the GET; the precondition makes this attempt
        // fail and the next one sees the new UID.
        let preconditions = Preconditions {
            uid: Some(pod_ref.uid.clone()),
            resource_version: None,
        };
        self.client.delete_pod(ns, name, preconditions).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn new_condition_should_be_added() {
        let got = update_pod_condition(&[], disruption_condition(at(5)));
        assert_eq!(got, Some(disruption_condition(at(5))));
    }

    #[test]
    fn equal_condition_should_keep_its_transition_time_and_need_no_patch() {
        let existing = [disruption_condition(at(1))];
        assert_eq!(
            update_pod_condition(&existing, disruption_condition(at(5))),
            None
        );
    }

    #[test]
    fn changed_condition_should_be_refreshed() {
        let mut other = disruption_condition(at(1));
        other.reason = Some("Preempted".into());
        let got = update_pod_condition(&[other], disruption_condition(at(5))).expect("a change");
        assert_eq!(got.reason.as_deref(), Some(DISRUPTION_REASON));
        assert_eq!(
            got.last_transition_time,
            Some(Time(at(1))),
            "same status keeps the time"
        );
        let mut flipped = disruption_condition(at(1));
        flipped.status = "False".into();
        let got = update_pod_condition(&[flipped], disruption_condition(at(5))).expect("a change");
        assert_eq!(got.last_transition_time, Some(Time(at(5))));
    }
}
