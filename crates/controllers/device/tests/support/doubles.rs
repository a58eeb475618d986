//! Recording and in-memory implementations of the controller's seams.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use k8s_openapi::api::core::v1::{Event, ObjectReference, Pod, PodCondition, PodStatus};
use taintsim_controller_device::controller::Evictor;
use taintsim_seam::client::{
    ApiError, Client, EventRecorder, PodLister, Preconditions, StatusReason,
};
use taintsim_seam::runtime::{BoxFuture, Timestamp};
use taintsim_timed_worker_queue::NamespacedObject;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn key(pod: &Pod) -> (String, String) {
    (
        pod.metadata.namespace.clone().unwrap_or_default(),
        pod.metadata.name.clone().unwrap_or_default(),
    )
}

/// One recorded event, without metadata and time (what upstream's handler test compares).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The involved object.
    pub regarding: ObjectReference,
    /// `Normal` or `Warning`.
    pub event_type: String,
    /// The reason.
    pub reason: String,
    /// The message.
    pub message: String,
}

/// A synchronous recorder, like client-go's `FakeRecorder`.
#[derive(Debug, Default)]
pub struct RecordingRecorder {
    events: Mutex<Vec<Recorded>>,
}

impl RecordingRecorder {
    /// Every event so far, in order.
    pub fn events(&self) -> Vec<Recorded> {
        lock(&self.events).clone()
    }

    /// How many events have `message`.
    pub fn count(&self, message: &str) -> usize {
        lock(&self.events)
            .iter()
            .filter(|e| e.message == message)
            .count()
    }
}

impl EventRecorder for RecordingRecorder {
    fn eventf(&self, regarding: &ObjectReference, event_type: &str, reason: &str, message: &str) {
        lock(&self.events).push(Recorded {
            regarding: regarding.clone(),
            event_type: event_type.to_owned(),
            reason: reason.to_owned(),
            message: message.to_owned(),
        });
    }
}

/// Upstream `TestHandlers`' evict and cancel recorders: `evicting` holds one entry per pod
/// reference (UID included), kept sorted by namespace and name.
#[derive(Debug, Default)]
pub struct RecordingEvictor {
    evicting: Mutex<Vec<(NamespacedObject, Timestamp)>>,
}

impl RecordingEvictor {
    /// The pods being evicted, with their fire times.
    pub fn evicting(&self) -> Vec<(NamespacedObject, Timestamp)> {
        lock(&self.evicting).clone()
    }

    /// Replaces the list (the test's initial state).
    pub fn set(&self, evicting: Vec<(NamespacedObject, Timestamp)>) {
        *lock(&self.evicting) = evicting;
    }
}

impl Evictor for RecordingEvictor {
    fn evict_pod(&self, pod: &NamespacedObject, fire_at: Timestamp) {
        let mut evicting = lock(&self.evicting);
        match evicting.iter_mut().find(|(p, _)| p == pod) {
            Some(entry) => entry.1 = fire_at,
            None => evicting.push((pod.clone(), fire_at)),
        }
        evicting.sort_by(|a, b| (&a.0.namespace, &a.0.name).cmp(&(&b.0.namespace, &b.0.name)));
    }

    fn cancel_evict(&self, pod: &NamespacedObject) -> bool {
        let mut evicting = lock(&self.evicting);
        let before = evicting.len();
        evicting.retain(|(p, _)| p != pod);
        evicting.len() != before
    }
}

/// An in-memory pod informer cache.
#[derive(Debug, Default)]
pub struct MemPods {
    pods: Mutex<BTreeMap<(String, String), Pod>>,
}

impl MemPods {
    /// Adds or replaces a pod.
    pub fn put(&self, pod: &Pod) {
        lock(&self.pods).insert(key(pod), pod.clone());
    }

    /// Removes a pod.
    pub fn remove(&self, pod: &Pod) {
        lock(&self.pods).remove(&key(pod));
    }
}

impl PodLister for MemPods {
    fn get(&self, namespace: &str, name: &str) -> Option<Arc<Pod>> {
        lock(&self.pods)
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
            .map(Arc::new)
    }
}

/// An in-memory API server for pods, with call counters and an injectable DELETE failure.
#[derive(Debug, Default)]
pub struct MemClient {
    pods: Mutex<BTreeMap<(String, String), Pod>>,
    delete_error: Mutex<Option<StatusReason>>,
    /// Number of GET calls.
    pub gets: AtomicUsize,
    /// Number of status PATCH calls.
    pub patches: AtomicUsize,
    /// Number of DELETE calls.
    pub deletes: AtomicUsize,
    /// The conditions of every PATCH, in order.
    pub patched: Mutex<Vec<Vec<PodCondition>>>,
    /// The pods as they were when DELETE removed them.
    pub deleted: Mutex<Vec<Pod>>,
}

impl MemClient {
    /// A server holding `pods`.
    pub fn with_pods<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> Arc<Self> {
        let client = Self::default();
        for pod in pods {
            lock(&client.pods).insert(key(pod), pod.clone());
        }
        Arc::new(client)
    }

    /// Makes every DELETE fail with `reason` (or succeed again with `None`).
    pub fn fail_deletes(&self, reason: Option<StatusReason>) {
        *lock(&self.delete_error) = reason;
    }

    /// Whether the pod still exists.
    pub fn has_pod(&self, namespace: &str, name: &str) -> bool {
        lock(&self.pods).contains_key(&(namespace.to_owned(), name.to_owned()))
    }

    fn count(counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

impl Client for MemClient {
    fn get_pod(&self, namespace: &str, name: &str) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        Self::count(&self.gets);
        let found = lock(&self.pods)
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
            .map(Arc::new);
        let result = found.ok_or_else(|| ApiError::not_found("pods", name));
        Box::pin(async move { result })
    }

    fn patch_pod_status(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
        conditions: Vec<PodCondition>,
    ) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        Self::count(&self.patches);
        lock(&self.patched).push(conditions.clone());
        let mut pods = lock(&self.pods);
        let result = match pods.get_mut(&(namespace.to_owned(), name.to_owned())) {
            None => Err(ApiError::not_found("pods", name)),
            Some(pod) if pod.metadata.uid.as_deref() != Some(uid) => Err(ApiError::new(
                StatusReason::Conflict,
                "uid precondition failed",
            )),
            Some(pod) => {
                let status = pod.status.get_or_insert_with(PodStatus::default);
                let existing = status.conditions.get_or_insert_with(Vec::new);
                for condition in conditions {
                    match existing.iter_mut().find(|c| c.type_ == condition.type_) {
                        Some(slot) => *slot = condition,
                        None => existing.push(condition),
                    }
                }
                Ok(Arc::new(pod.clone()))
            }
        };
        Box::pin(async move { result })
    }

    fn delete_pod(
        &self,
        namespace: &str,
        name: &str,
        preconditions: Preconditions,
    ) -> BoxFuture<Result<(), ApiError>> {
        Self::count(&self.deletes);
        let injected = *lock(&self.delete_error);
        let mut pods = lock(&self.pods);
        let key = (namespace.to_owned(), name.to_owned());
        let result = match (injected, pods.get(&key)) {
            (Some(reason), _) => Err(ApiError::new(reason, "injected DELETE failure")),
            (None, None) => Err(ApiError::not_found("pods", name)),
            (None, Some(pod))
                if preconditions.uid.is_some() && pod.metadata.uid != preconditions.uid =>
            {
                Err(ApiError::new(
                    StatusReason::Conflict,
                    "uid precondition failed",
                ))
            }
            (None, Some(_)) => {
                if let Some(pod) = pods.remove(&key) {
                    lock(&self.deleted).push(pod);
                }
                Ok(())
            }
        };
        Box::pin(async move { result })
    }

    fn create_event(&self, event: Event) -> BoxFuture<Result<Event, ApiError>> {
        Box::pin(async move { Ok(event) })
    }
}

/// A client for controllers that must make no API call at all (the handler tests).
#[derive(Debug, Default)]
pub struct NoApi;

impl Client for NoApi {
    fn get_pod(&self, _: &str, _: &str) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        panic!("handlers must not call the API (GET)")
    }

    fn patch_pod_status(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Vec<PodCondition>,
    ) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        panic!("handlers must not call the API (PATCH)")
    }

    fn delete_pod(&self, _: &str, _: &str, _: Preconditions) -> BoxFuture<Result<(), ApiError>> {
        panic!("handlers must not call the API (DELETE)")
    }

    fn create_event(&self, _: Event) -> BoxFuture<Result<Event, ApiError>> {
        panic!("handlers must not call the API (POST event)")
    }
}
