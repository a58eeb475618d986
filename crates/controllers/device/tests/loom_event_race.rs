//! Loom model of race 2 (`TestEviction`, fixed by #130947): the test asserted on Events before the
//! asynchronous event sink had written them.
//!
//! This model drives the controller's real work function, `worker::delete_pod_handler`, as a
//! real `TimedWorkerQueue` (V3) worker, against a minimal API server and event broadcaster
//! built on loom primitives. Threads:
//! - W, the queue worker started by `AddWork(fireAt = now)`: GET the pod, record "Marking for
//!   deletion" (the recorder only **enqueues** it), PATCH the status, DELETE the pod, update
//!   the metrics, then the queue's completion;
//! - EB, the event broadcaster: waits (loom `Condvar`) for an enqueued event and creates it on
//!   the API server (`Events(ns).Create`), then marks the sink drained;
//! - T, the model thread (the test): waits, yielding, until (a) the pod is gone and (b) the
//!   deletion counter is 1, then checks (c) the API server's event list.
//!
//! Nothing orders EB's Create after W's DELETE and metrics update. With the **"assert now"**
//! oracle (the one-shot check before the fix) loom finds the interleaving in which T looks
//! before EB has created the event; the test asserts that failure. With the **"wait until"**
//! oracle (the fix: `Eventually`), T keeps yielding until the event is there or the sink has
//! drained (its completion bounds the wait); it passes exhaustively.
//!
//! Preemption bound 3; the "wait until" model is exhaustive within it. T's waits are spin
//! loops on `loom::thread::yield_now`: loom runs a yielding thread again only after another
//! thread has made progress, which keeps every execution finite.

#![cfg(loom)]

use std::collections::VecDeque;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference, Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Condvar, Mutex};
use taintsim_controller_device::behavior::Retries;
use taintsim_controller_device::events::{
    EVENT_REASON, MARKING_FOR_DELETION, TEST_CONTROLLER_NAME,
};
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::worker::{DeletePodHandler, delete_pod_handler};
use taintsim_seam::client::{ApiError, Client, EventRecorder, Preconditions};
use taintsim_seam::loom::{LoomRuntime, Model, Outcomes, start};
use taintsim_seam::runtime::BoxFuture;
use taintsim_timed_worker_queue::{NamespacedObject, QueueVersion, TimedWorkerQueue, WorkArgs};

/// The pod of upstream's fixtures, `default/my-pod`.
fn pod() -> WorkArgs {
    WorkArgs {
        object: NamespacedObject {
            namespace: "default".into(),
            name: "my-pod".into(),
            uid: "1234".into(),
        },
    }
}

const EMPTY: &str = "no event on the API server yet";
/// At T's first look (right after (a) and (b)) EB had not created the event yet.
const TOO_EARLY: &str = "event not yet created at T's first look";
/// At T's first look the event was already there.
const IN_TIME: &str = "event already created at T's first look";

/// The API server: one pod and the event list.
#[derive(Debug)]
struct Api {
    pod: Pod,
    deleted: AtomicBool,
    events: Mutex<Vec<Event>>,
}

impl Api {
    fn new() -> Self {
        let object = pod().object;
        Self {
            pod: Pod {
                metadata: ObjectMeta {
                    namespace: Some(object.namespace),
                    name: Some(object.name),
                    uid: Some(object.uid),
                    ..ObjectMeta::default()
                },
                ..Pod::default()
            },
            deleted: AtomicBool::new(false),
            events: Mutex::new(Vec::new()),
        }
    }

    fn live_pod(&self, name: &str) -> Result<Arc<Pod>, ApiError> {
        if self.deleted.load(Ordering::SeqCst) {
            Err(ApiError::not_found("pods", name))
        } else {
            Ok(Arc::new(self.pod.clone()))
        }
    }

    fn event_list(&self) -> Vec<Event> {
        self.events.lock().expect("events").clone()
    }
}

impl Client for Api {
    fn get_pod(&self, _namespace: &str, name: &str) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        Box::pin(std::future::ready(self.live_pod(name)))
    }

    fn patch_pod_status(
        &self,
        _namespace: &str,
        name: &str,
        _uid: &str,
        _conditions: Vec<PodCondition>,
    ) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        Box::pin(std::future::ready(self.live_pod(name)))
    }

    fn delete_pod(
        &self,
        _namespace: &str,
        name: &str,
        _preconditions: Preconditions,
    ) -> BoxFuture<Result<(), ApiError>> {
        let result = if self.deleted.swap(true, Ordering::SeqCst) {
            Err(ApiError::not_found("pods", name))
        } else {
            Ok(())
        };
        Box::pin(std::future::ready(result))
    }

    fn create_event(&self, event: Event) -> BoxFuture<Result<Event, ApiError>> {
        self.events.lock().expect("events").push(event.clone());
        Box::pin(std::future::ready(Ok(event)))
    }
}

/// The recorder's side of the broadcaster: `Eventf` only enqueues.
#[derive(Debug, Default)]
struct Broadcaster {
    queue: Mutex<VecDeque<Event>>,
    ready: Condvar,
    drained: AtomicBool,
}

impl EventRecorder for Broadcaster {
    fn eventf(&self, regarding: &ObjectReference, event_type: &str, reason: &str, message: &str) {
        let event = Event {
            involved_object: regarding.clone(),
            type_: Some(event_type.to_owned()),
            reason: Some(reason.to_owned()),
            message: Some(message.to_owned()),
            count: Some(1),
            source: Some(EventSource {
                component: Some(TEST_CONTROLLER_NAME.to_owned()),
                ..EventSource::default()
            }),
            ..Event::default()
        };
        self.queue.lock().expect("event queue").push_back(event);
        self.ready.notify_one();
    }
}

impl Broadcaster {
    /// EB: takes the one event this model records off the queue and creates it on the API.
    fn deliver_one(&self, api: &Api) {
        let event = {
            let mut queue = self.queue.lock().expect("event queue");
            loop {
                if let Some(event) = queue.pop_front() {
                    break event;
                }
                queue = self.ready.wait(queue).expect("event queue");
            }
        };
        loom::future::block_on(api.create_event(event)).expect("create event");
        self.drained.store(true, Ordering::SeqCst);
    }
}

/// The test's oracle for check (c).
#[derive(Debug, Clone, Copy)]
enum Oracle {
    /// One-shot assertion right after (a) and (b): the form before #130947.
    AssertNow,
    /// `Eventually`: keep looking until the event is there or the sink has drained.
    WaitUntil,
}

fn evict_and_check_events(oracle: Oracle, outcomes: &Outcomes) {
    let rt = LoomRuntime::new();
    let api = Arc::new(Api::new());
    let broadcaster = Arc::new(Broadcaster::default());
    let metrics = Arc::new(Metrics::default());
    let work = delete_pod_handler(DeletePodHandler {
        rt: rt.clone(),
        client: api.clone(),
        recorder: broadcaster.clone(),
        metrics: metrics.clone(),
        retries: Retries::Fixed,
    });
    let queue = TimedWorkerQueue::new(QueueVersion::V3, rt.clone(), work);

    let eb = {
        let (broadcaster, api) = (broadcaster.clone(), api.clone());
        loom::thread::spawn(move || broadcaster.deliver_one(&api))
    };
    queue.add_work(pod(), start(), start());

    // (a) the pod is NotFound and (b) the metrics show the deletion.
    while !(api.deleted.load(Ordering::SeqCst) && metrics.snapshot().pod_deletions_total == 1) {
        loom::thread::yield_now();
    }
    // (c) the event.
    let looked_too_early = api.event_list().is_empty();
    outcomes.record(if looked_too_early { TOO_EARLY } else { IN_TIME });
    if let Oracle::WaitUntil = oracle {
        while api.event_list().is_empty() && !broadcaster.drained.load(Ordering::SeqCst) {
            loom::thread::yield_now();
        }
    }
    let events = api.event_list();
    assert!(
        !events.is_empty(),
        "{EMPTY} after the pod was deleted and the metrics updated"
    );
    assert_eq!(events.len(), 1, "exactly one event: {events:?}");
    let event = &events[0];
    assert_eq!(event.message.as_deref(), Some(MARKING_FOR_DELETION));
    assert_eq!(event.reason.as_deref(), Some(EVENT_REASON));
    assert_eq!(event.count, Some(1));
    let source = event.source.as_ref().and_then(|s| s.component.as_deref());
    assert_eq!(source, Some(TEST_CONTROLLER_NAME));
    let involved = &event.involved_object;
    assert_eq!(
        (
            involved.api_version.as_deref(),
            involved.kind.as_deref(),
            involved.namespace.as_deref(),
            involved.name.as_deref(),
            involved.uid.as_deref(),
        ),
        (
            Some("v1"),
            Some("Pod"),
            Some("default"),
            Some("my-pod"),
            Some("1234")
        )
    );

    eb.join().expect("EB panicked");
    rt.join_all();
}

#[test]
fn event_check_right_after_deletion_should_find_no_event_on_some_interleaving() {
    Model::new("event_race/assert-now", 3).check_caught(EMPTY, || {
        evict_and_check_events(Oracle::AssertNow, &Outcomes::default());
    });
}

#[test]
fn event_check_that_waits_for_the_sink_should_pass_on_every_interleaving() {
    let outcomes = Outcomes::default();
    let seen = outcomes.clone();
    Model::new("event_race/wait-until", 3)
        .check(move || evict_and_check_events(Oracle::WaitUntil, &seen));
    outcomes.assert_all_seen("event_race/wait-until", &[TOO_EARLY, IN_TIME]);
}
