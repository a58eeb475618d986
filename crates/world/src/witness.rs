//! What the oracles need to see and the controller does not tell: every `eventf` and every
//! successful DELETE, each with the simulated actor that made it, and the reference
//! eviction time at the moment a DELETE request reached the server.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, Node, ObjectReference, Pod, PodCondition};
use taintsim_api::{
    ApiClient, ApiServer, Kind, Recorder, Request, RequestObserver, RequestTouches, Verb,
    object_key, resource,
};
use taintsim_plugin::{Due, DueView, Reference};
use taintsim_seam::client::{ApiError, Client, EventRecorder, Preconditions, RuleStatusApply};
use taintsim_seam::runtime::{BoxFuture, Timestamp, Touch};
use taintsim_seam::sync::Mutex;

/// One `eventf` call of the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventfCall {
    /// The simulated task that called it.
    pub actor: String,
    /// `namespace/name` of the involved object.
    pub object: String,
    /// The event's reason.
    pub reason: String,
    /// The event's message.
    pub message: String,
}

/// One DELETE of a pod by the controller that the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// The worker task (one work invocation) that deleted it.
    pub actor: String,
    /// `namespace/name`.
    pub pod: String,
    /// The DELETE's UID precondition, if it had one.
    pub uid: Option<String>,
    /// When the server applied the DELETE.
    pub at: Timestamp,
    /// The reference eviction time at that moment.
    pub due: Due,
    /// How many `eventf` calls came before the server applied the DELETE: orders the
    /// deletion among [`WorldLog::eventf`].
    pub events_before: usize,
}

/// One request of the controller side (its client, its informers, the event sink) as it
/// reached the server, whether or not a fault answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The verb.
    pub verb: Verb,
    /// The kind.
    pub kind: Kind,
    /// `namespace/name`, `name` for a cluster-scoped object, `""` for a list or watch.
    pub object: String,
    /// The UID precondition it carried.
    pub uid: Option<String>,
}

/// The record the oracles and the scenario checks read.
#[derive(Debug, Default)]
pub struct WorldLog {
    /// Every request of the controller side since the start, or since `stop-controller`'s
    /// `Run` returned (like the server's call counters); empty in a world built without
    /// recording them (`PartsConfig::record_calls`).
    pub calls: Vec<Call>,
    /// Every `eventf`, in order.
    pub eventf: Vec<EventfCall>,
    /// Every accepted controller DELETE, in order.
    pub deletions: Vec<Deletion>,
    /// Judgements made when a DELETE request reached the server, by (actor, pod), until the
    /// response. Keyed by actor too because two workers may DELETE the same pod concurrently
    /// (a replaced work still running): the second request, judged after the first removed
    /// the pod, must not overwrite the first one's judgement.
    pending: BTreeMap<(String, String), (Timestamp, Due, usize)>,
}

/// The shared, lockable log.
pub type SharedLog = Arc<Mutex<WorldLog>>;

/// Names the task that is running now (on the simulator: the current actor).
pub type CurrentActor = Arc<dyn Fn() -> String + Send + Sync>;

/// The broadcaster's recorder, noting each call first.
#[derive(Clone)]
pub struct ObservedRecorder {
    inner: Recorder,
    log: SharedLog,
    actor: CurrentActor,
}

impl ObservedRecorder {
    /// Wraps `inner`.
    pub fn new(inner: Recorder, log: SharedLog, actor: CurrentActor) -> Self {
        Self { inner, log, actor }
    }
}

impl EventRecorder for ObservedRecorder {
    fn eventf(&self, regarding: &ObjectReference, event_type: &str, reason: &str, message: &str) {
        let object = format!(
            "{}/{}",
            regarding.namespace.as_deref().unwrap_or_default(),
            regarding.name.as_deref().unwrap_or_default()
        );
        self.log.lock().eventf.push(EventfCall {
            actor: (self.actor)(),
            object,
            reason: reason.to_owned(),
            message: message.to_owned(),
        });
        self.inner.eventf(regarding, event_type, reason, message);
    }
}

/// What the [`DeletionSpy`] reads when it judges a pod DELETE request (inside the request's
/// step): the reference's input kinds, in the pod's namespace for namespaced kinds.
pub fn deletion_spy_touches(inputs: &'static [Kind]) -> RequestTouches {
    Arc::new(move |request: &Request| {
        if request.verb != Verb::Delete || request.kind != Kind::Pod {
            return Vec::new();
        }
        inputs
            .iter()
            .map(|kind| {
                if kind.is_namespaced() {
                    resource::namespace(*kind, &request.namespace)
                } else {
                    Touch::new_static(kind.singular())
                }
            })
            .collect()
    })
}

/// A request observer of the API server: it judges each controller DELETE of a pod against
/// the reference eviction time at the instant the request reaches the server.
pub struct DeletionSpy {
    reference: Arc<dyn Reference>,
    log: SharedLog,
    actor: CurrentActor,
    /// The reference's view at the last DELETE, with the revisions of its input kinds it was
    /// read at: reading every slice on every DELETE made evicting N pods cost N times the
    /// devices.
    view: std::sync::Mutex<Option<CachedView>>,
}

/// A reference view and the revisions of the reference's input kinds it was read at.
type CachedView = (Vec<u64>, Arc<dyn DueView>);

impl DeletionSpy {
    /// A spy judging with `reference` and writing to `log`; `actor` names the task whose
    /// request it judges.
    pub fn new(reference: Arc<dyn Reference>, log: SharedLog, actor: CurrentActor) -> Self {
        Self {
            reference,
            log,
            actor,
            view: std::sync::Mutex::new(None),
        }
    }

    /// The reference's view now: the cached one while none of its inputs has changed.
    fn due_view(&self, server: &ApiServer) -> Arc<dyn DueView> {
        let at: Vec<u64> = self
            .reference
            .inputs()
            .iter()
            .map(|kind| server.kind_revision(*kind))
            .collect();
        let mut cached = self
            .view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*cached {
            Some((read_at, view)) if *read_at == at => view.clone(),
            _ => {
                let view: Arc<dyn DueView> = Arc::from(self.reference.view(server));
                *cached = Some((at, view.clone()));
                view
            }
        }
    }
}

/// A request observer of the API server that notes every request of the controller side in
/// [`WorldLog::calls`], for `api-calls` checks that name an object or a UID precondition.
pub struct CallSpy {
    log: SharedLog,
}

impl CallSpy {
    /// A spy writing to `log`.
    pub fn new(log: SharedLog) -> Self {
        Self { log }
    }
}

impl RequestObserver for CallSpy {
    fn observe(&self, _: &ApiServer, req: &Request) {
        let object = match req.name.as_str() {
            "" => String::new(),
            name => object_key(&req.namespace, name),
        };
        self.log.lock().calls.push(Call {
            verb: req.verb,
            kind: req.kind,
            object,
            uid: req.uid.clone(),
        });
    }
}

impl RequestObserver for DeletionSpy {
    fn observe(&self, server: &ApiServer, req: &Request) {
        if req.verb == Verb::Delete && req.kind == Kind::Pod {
            let due = match server.peek(Kind::Pod, &req.namespace, &req.name) {
                Some(taintsim_api::Object::Pod(pod)) => self.due_view(server).due(server, &pod),
                _ => Due::Never,
            };
            let key = ((self.actor)(), [&req.namespace, "/", &req.name].concat());
            let mut log = self.log.lock();
            let events_before = log.eventf.len();
            log.pending.insert(key, (server.now(), due, events_before));
        }
    }
}

/// The controller's client, noting each accepted DELETE with its actor.
#[derive(Clone)]
pub struct ObservedClient {
    inner: ApiClient,
    log: SharedLog,
    actor: CurrentActor,
}

impl ObservedClient {
    /// Wraps `inner`.
    pub fn new(inner: ApiClient, log: SharedLog, actor: CurrentActor) -> Self {
        Self { inner, log, actor }
    }
}

impl Client for ObservedClient {
    fn get_pod(&self, namespace: &str, name: &str) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        self.inner.get_pod(namespace, name)
    }

    fn patch_pod_status(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
        conditions: Vec<PodCondition>,
    ) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        self.inner
            .patch_pod_status(namespace, name, uid, conditions)
    }

    fn delete_pod(
        &self,
        namespace: &str,
        name: &str,
        preconditions: Preconditions,
    ) -> BoxFuture<Result<(), ApiError>> {
        let uid = preconditions.uid.clone();
        let call = self.inner.delete_pod(namespace, name, preconditions);
        let (log, actor) = (self.log.clone(), self.actor.clone());
        let server = self.inner.server().clone();
        let pod = [namespace, "/", name].concat();
        Box::pin(async move {
            let result = call.await;
            let actor = actor();
            let mut log = log.lock();
            let judged = log.pending.remove(&(actor.clone(), pod.clone()));
            if result.is_ok() {
                let events = log.eventf.len();
                let (at, due, events_before) = judged
                    .unwrap_or_else(|| (server.now(), Due::Unknown("not judged".into()), events));
                log.deletions.push(Deletion {
                    actor,
                    pod,
                    uid,
                    at,
                    due,
                    events_before,
                });
            }
            result
        })
    }

    fn create_event(&self, event: Event) -> BoxFuture<Result<Event, ApiError>> {
        self.inner.create_event(event)
    }

    fn get_node(&self, name: &str) -> BoxFuture<Result<Node, ApiError>> {
        self.inner.get_node(name)
    }

    fn apply_device_taint_rule_status(
        &self,
        apply: RuleStatusApply,
    ) -> BoxFuture<Result<(), ApiError>> {
        self.inner.apply_device_taint_rule_status(apply)
    }
}
