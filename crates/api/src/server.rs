//! [`ApiServer`]: the in-memory API server (store, resourceVersions, watches, fault rules).
//!
//! Semantics, as on a real server unless noted:
//! - **create** assigns `uid` (`uid-<n>`, unless the object carries one), `creationTimestamp`
//!   (the injected clock, unless set) and the next global revision as `resourceVersion`. A
//!   `resourceVersion` in the request is ignored, not rejected, so that objects copied from
//!   `kubectl get -o json` load as they are. `generateName` gets a counted suffix. An existing
//!   name is `409 AlreadyExists`; neither name nor generateName is `422 Invalid`. A namespaced
//!   object without namespace goes to `default`; a cluster-scoped one loses its namespace.
//! - **update** is optimistic: a stale `resourceVersion` is `409 Conflict`, an empty one is
//!   unconditional, a different `uid` is `409 Conflict`. `uid` and `creationTimestamp` are
//!   kept. For kinds with a status subresource, update keeps the stored status and
//!   **update_status** changes only the status. A write that changes nothing is not committed:
//!   no new revision and no watch event, like the real server's no-op updates.
//! - **delete** checks UID and resourceVersion preconditions (`409 Conflict`) and removes the
//!   object at once: finalizers and graceful deletion are not modelled.
//! - **validation**: create and update are checked as the real server checks them
//!   ([`crate::validation`]), unless [`ApiServerConfig::validation`] is off.
//! - **defaulting**: unset `DeviceTaint.timeAdded` becomes "now" on create and update, and so
//!   does an unset `timeAdded` of a Node's NoExecute taint (unless the stored Node has the same
//!   taint, whose time it keeps), unless [`ApiServerConfig::default_taint_time_added`] is off.
//! - **watch**: see [`crate::watch`].
//! - **apply** of a DeviceTaintRule's status: see `apply.rs` (UID precondition, conditions
//!   merged by type, no managed fields).
//! - Every method counts one call per verb and kind ([`ApiServer::calls`]). The methods here
//!   ignore fault rules and request observers; [`ApiClient`](crate::ApiClient), informers and
//!   the event broadcaster ask [`ApiServer::check_faults`] first, which shows the request to
//!   the observers ([`crate::observer`]) and then to the rules.

mod apply;
mod events;
mod naming;
mod state;
mod status;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::task::{Poll, Waker};

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_seam::client::{ApiError, Preconditions, StatusReason};
use taintsim_seam::runtime::{Runtime, Timestamp};
use taintsim_seam::sync::Mutex;

use crate::defaulting::default_taint_time_added;
use crate::fault::{FaultGuard, FaultId, FaultRule, FaultRules, Request, Verdict};
use crate::kind::{Kind, Verb};
use crate::object::{Object, object_key};
use crate::observer::{ObserverId, Observers, RequestObserver};
use crate::resource::{record_faults, record_kind, record_namespace, record_watch_log};
use crate::validation;
use crate::watch::{EventType, Watch, WatchEvent, WatchId, WatchItem};
use state::State;

/// The clock the server stamps objects with.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Server settings; [`Default`] gives the values documented on each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiServerConfig {
    /// How many changes per kind a watch can still resume from; older resourceVersions get
    /// `410 Gone`. Default 1000; values below 1 count as 1.
    pub watch_window: usize,
    /// Whether unset `DeviceTaint.timeAdded` (and a Node's NoExecute `Taint.timeAdded`) is
    /// defaulted. Default `true`; `false` injects taints without a time.
    pub default_taint_time_added: bool,
    /// Whether create and update are validated as the real server does
    /// ([`crate::validation`]). Default `true`; `false` stores anything, like client-go's
    /// fake clientset that upstream's unit tests run on.
    pub validation: bool,
}

impl Default for ApiServerConfig {
    fn default() -> Self {
        Self {
            watch_window: 1000,
            default_taint_time_added: true,
            validation: true,
        }
    }
}

/// All objects of one kind at one revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectList {
    /// The objects, ordered by key.
    pub items: Vec<Object>,
    /// The revision the list was taken at; watch from here to see every later change.
    pub resource_version: u64,
}

/// What a server has stored (objects, watch logs, the revision, UID and name counters, call
/// counters and settings), without its watches, fault rules and observers: taken once with
/// [`ApiServer::snapshot`], it starts any number of servers in exactly that state
/// ([`ApiServer::from_snapshot`]) without creating or copying any object: each kind's objects
/// and watch log are shared until a server first changes that kind, which then copies the
/// kind's maps for itself (copy-on-write).
#[derive(Clone)]
pub struct Snapshot {
    state: Arc<State>,
}

impl Snapshot {
    /// The settings of the server it was taken from.
    pub fn config(&self) -> &ApiServerConfig {
        &self.state.config
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("revision", &self.state.revision)
            .finish_non_exhaustive()
    }
}

struct Inner {
    clock: Clock,
    state: Mutex<State>,
    faults: Arc<FaultRules>,
    observers: Observers,
}

/// A shared handle to one in-memory API server; clones share the server. See the module docs.
#[derive(Clone)]
pub struct ApiServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("revision", &self.revision())
            .finish_non_exhaustive()
    }
}

fn wake_all(wakers: Vec<Waker>) {
    wakers.into_iter().for_each(Waker::wake);
}

/// `409 Conflict` for a failed precondition, worded like the real server.
fn precondition_failed(what: &str, wanted: &str, actual: &str) -> ApiError {
    ApiError::new(
        StatusReason::Conflict,
        format!(
            "Precondition failed: {what} in precondition: {wanted}, {what} in object meta: {actual}"
        ),
    )
}

fn not_found(kind: Kind, name: &str) -> ApiError {
    ApiError::not_found(kind.plural(), name)
}

impl ApiServer {
    /// A server whose clock is `rt`'s.
    pub fn new(rt: Arc<dyn Runtime>, config: ApiServerConfig) -> Self {
        Self::with_clock(Arc::new(move || rt.now()), config)
    }

    /// A server with the given clock.
    pub fn with_clock(clock: Clock, config: ApiServerConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                clock,
                state: Mutex::new(State::new(config)),
                faults: Arc::new(FaultRules::default()),
                observers: Observers::default(),
            }),
        }
    }

    /// A server whose clock is `rt`'s, in the state `snapshot` holds (see [`Snapshot`]).
    pub fn from_snapshot(rt: Arc<dyn Runtime>, snapshot: &Snapshot) -> Self {
        Self {
            inner: Arc::new(Inner {
                clock: Arc::new(move || rt.now()),
                state: Mutex::new(snapshot.state.without_watches()),
                faults: Arc::new(FaultRules::default()),
                observers: Observers::default(),
            }),
        }
    }

    /// What the server has stored now, to start other servers from (see [`Snapshot`]).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: Arc::new(self.inner.state.lock().without_watches()),
        }
    }

    /// The server's current time.
    pub fn now(&self) -> Timestamp {
        (self.inner.clock)()
    }

    /// The current settings.
    pub fn config(&self) -> ApiServerConfig {
        self.inner.state.lock().config.clone()
    }

    /// Switches `timeAdded` defaulting on or off from now on.
    pub fn set_default_taint_time_added(&self, on: bool) {
        self.inner.state.lock().config.default_taint_time_added = on;
    }

    /// Switches validation ([`ApiServerConfig::validation`]) on or off from now on.
    pub fn set_validation(&self, on: bool) {
        self.inner.state.lock().config.validation = on;
    }

    /// Changes the watch window; takes effect at the next change of each kind.
    pub fn set_watch_window(&self, events: usize) {
        self.inner.state.lock().config.watch_window = events;
    }

    /// The revision of the newest change (0 before the first).
    pub fn revision(&self) -> u64 {
        self.inner.state.lock().revision
    }

    /// The revision of the newest change to objects of `kind` (0 before the first). Equal
    /// values mean that no object of that kind changed in between, so a view derived from
    /// them can be kept. Not a recorded access (see [`taintsim_seam::access`]): a view kept
    /// this way equals the one its reader would otherwise compute, and computing that
    /// records what it reads.
    pub fn kind_revision(&self, kind: Kind) -> u64 {
        self.inner
            .state
            .lock()
            .store(kind)
            .map_or(0, |s| s.last_revision())
    }

    /// How many `verb` calls on `kind` the server has seen, including those a fault rule
    /// answered.
    pub fn calls(&self, verb: Verb, kind: Kind) -> u64 {
        self.inner
            .state
            .lock()
            .calls
            .get(&(verb, kind))
            .copied()
            .unwrap_or(0)
    }

    /// Every non-zero call counter.
    pub fn call_counts(&self) -> BTreeMap<(Verb, Kind), u64> {
        self.inner.state.lock().calls.clone()
    }

    /// Sets every call counter to 0.
    pub fn reset_calls(&self) {
        self.inner.state.lock().calls.clear();
    }

    /// Creates `object`; see the module docs.
    pub fn create(&self, mut object: Object) -> Result<Object, ApiError> {
        let now = self.now();
        let kind = object.kind();
        let mut st = self.inner.state.lock();
        st.count(Verb::Create, kind);
        normalize_namespace(&mut object);
        if object.name().is_empty() {
            let prefix = object.metadata().generate_name.clone().unwrap_or_default();
            if prefix.is_empty() {
                return Err(ApiError::new(
                    StatusReason::Invalid,
                    format!(
                        "{} is invalid: metadata.name: Required value: name or generateName is required",
                        kind.plural()
                    ),
                ));
            }
            let suffix = naming::generated_suffix(st.next_generated);
            st.next_generated += 1;
            object.metadata_mut().name = Some(format!("{prefix}{suffix}"));
        }
        if st.config.validation {
            validation::validate_create(&object)?;
        }
        if st.get(kind, &object.key()).is_some() {
            return Err(ApiError::new(
                StatusReason::AlreadyExists,
                format!("{} \"{}\" already exists", kind.plural(), object.name()),
            ));
        }
        let meta = object.metadata_mut();
        if meta.uid.as_deref().unwrap_or("").is_empty() {
            st.next_uid += 1;
            meta.uid = Some(naming::uid(st.next_uid));
        }
        meta.creation_timestamp.get_or_insert(Time(now));
        if st.config.default_taint_time_added {
            default_taint_time_added(&mut object, None, now);
        }
        let (stored, wakers) = st.commit(EventType::Added, object);
        drop(st);
        wake_all(wakers);
        Ok(stored)
    }

    /// Reads one object; `namespace` is `""` for cluster-scoped kinds.
    pub fn get(&self, kind: Kind, namespace: &str, name: &str) -> Result<Object, ApiError> {
        let mut st = self.inner.state.lock();
        st.count(Verb::Get, kind);
        st.get(kind, &object_key(namespace, name))
            .cloned()
            .ok_or_else(|| not_found(kind, name))
    }

    /// Reads one object without counting a call: for oracles and assertions, which observe the
    /// server from outside and must not change what the scenario's call counts say.
    pub fn peek(&self, kind: Kind, namespace: &str, name: &str) -> Option<Object> {
        self.inner
            .state
            .lock()
            .get(kind, &object_key(namespace, name))
            .cloned()
    }

    /// Whether object `namespace/name` of `kind` exists, without counting a call or copying it
    /// (see [`Self::peek`]).
    pub fn contains(&self, kind: Kind, namespace: &str, name: &str) -> bool {
        self.contains_key(kind, &object_key(namespace, name))
    }

    /// Whether an object of `kind` is stored under `key` ([`object_key`]'s form), without
    /// counting a call: for a caller that already has the key, such as a check evaluated
    /// after every step.
    pub fn contains_key(&self, kind: Kind, key: &str) -> bool {
        self.inner.state.lock().get(kind, key).is_some()
    }

    /// All objects of `kind`, ordered by key, without counting a call (see [`Self::peek`]).
    pub fn peek_all(&self, kind: Kind) -> Vec<Object> {
        record_kind(kind);
        self.inner
            .state
            .lock()
            .store(kind)
            .map(|s| s.objects.values().cloned().collect())
            .unwrap_or_default()
    }

    /// [`Self::list`] without counting a call (see [`Self::peek`]): for clients outside the
    /// simulation, such as `taintsim serve`'s HTTP API.
    pub fn peek_list(&self, kind: Kind) -> ObjectList {
        let st = self.inner.state.lock();
        ObjectList {
            items: st
                .store(kind)
                .map(|s| s.objects.values().cloned().collect())
                .unwrap_or_default(),
            resource_version: st.revision,
        }
    }

    /// Every change of `kind` after revision `after`, oldest first, without opening a watch or
    /// counting a call: what a watch from `after` would yield next, for clients outside the
    /// simulation. `410 Gone` as in [`Self::watch`].
    pub fn peek_changes(&self, kind: Kind, after: u64) -> Result<Vec<WatchEvent>, ApiError> {
        self.inner.state.lock().changes_after(kind, after)
    }

    /// All objects of `kind` in `namespace`, ordered by key, without counting a call (see
    /// [`Self::peek`]).
    pub fn peek_namespace(&self, kind: Kind, namespace: &str) -> Vec<Object> {
        record_namespace(kind, namespace);
        let prefix = [namespace, "/"].concat();
        let from: (Bound<&str>, Bound<&str>) = (Bound::Included(&prefix), Bound::Unbounded);
        self.inner
            .state
            .lock()
            .store(kind)
            .map(|s| {
                s.objects
                    .range::<str, _>(from)
                    .take_while(|(key, _)| key.starts_with(&prefix))
                    .map(|(_, o)| o.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// All objects of `kind`, ordered by key, with the revision to watch from.
    pub fn list(&self, kind: Kind) -> ObjectList {
        // Recorded as a read of the watch log: see `crate::resource`.
        record_watch_log(kind);
        let mut st = self.inner.state.lock();
        st.count(Verb::List, kind);
        ObjectList {
            items: st
                .store(kind)
                .map(|s| s.objects.values().cloned().collect())
                .unwrap_or_default(),
            resource_version: st.revision,
        }
    }

    /// Replaces an object (its status stays for kinds with a status subresource).
    pub fn update(&self, object: Object) -> Result<Object, ApiError> {
        self.write(Verb::Update, object)
    }

    /// Replaces only an object's status.
    pub fn update_status(&self, object: Object) -> Result<Object, ApiError> {
        self.write(Verb::UpdateStatus, object)
    }

    fn write(&self, verb: Verb, mut object: Object) -> Result<Object, ApiError> {
        let now = self.now();
        let kind = object.kind();
        let mut st = self.inner.state.lock();
        st.count(verb, kind);
        normalize_namespace(&mut object);
        if verb == Verb::UpdateStatus && !kind.has_status_subresource() {
            return Err(ApiError::new(
                StatusReason::NotFound,
                format!("{} has no status subresource", kind.plural()),
            ));
        }
        let old = st
            .get(kind, &object.key())
            .cloned()
            .ok_or_else(|| not_found(kind, object.name()))?;
        check_write_preconditions(&object, &old)?;
        let mut new = match (verb, kind.has_status_subresource()) {
            (Verb::UpdateStatus, _) => status::with_status_of(old.clone(), &object)?,
            (_, true) => status::with_status_of(object, &old)?,
            (_, false) => object,
        };
        let meta = new.metadata_mut();
        meta.uid.clone_from(&old.metadata().uid);
        meta.creation_timestamp
            .clone_from(&old.metadata().creation_timestamp);
        meta.resource_version
            .clone_from(&old.metadata().resource_version);
        if st.config.default_taint_time_added {
            default_taint_time_added(&mut new, Some(&old), now);
        }
        if st.config.validation {
            match verb {
                Verb::UpdateStatus => validation::validate_status_update(&new, &old)?,
                _ => validation::validate_update(&new, &old)?,
            }
        }
        if new == old {
            return Ok(old);
        }
        let (stored, wakers) = st.commit(EventType::Modified, new);
        drop(st);
        wake_all(wakers);
        Ok(stored)
    }

    /// Merges `conditions` into the pod's `status.conditions` by condition type (fields the
    /// patch sets win, as in a strategic merge patch). A non-empty `uid` that differs from the
    /// pod's is `409 Conflict`. This is what the controller's status PATCH does.
    pub fn patch_pod_status_conditions(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
        conditions: Vec<PodCondition>,
    ) -> Result<Arc<Pod>, ApiError> {
        let mut st = self.inner.state.lock();
        st.count(Verb::Patch, Kind::Pod);
        let old = st
            .get(Kind::Pod, &object_key(namespace, name))
            .cloned()
            .ok_or_else(|| not_found(Kind::Pod, name))?;
        if !uid.is_empty() && uid != old.uid() {
            return Err(precondition_failed("UID", uid, old.uid()));
        }
        let Object::Pod(mut pod) = old.clone() else {
            return Err(not_found(Kind::Pod, name));
        };
        let existing = Arc::make_mut(&mut pod)
            .status
            .get_or_insert_default()
            .conditions
            .get_or_insert_default();
        for patch in conditions {
            match existing.iter_mut().find(|c| c.type_ == patch.type_) {
                Some(condition) => merge_condition(condition, patch),
                None => existing.push(patch),
            }
        }
        if Object::Pod(pod.clone()) == old {
            return Ok(pod);
        }
        let (stored, wakers) = st.commit(EventType::Modified, Object::Pod(pod));
        drop(st);
        wake_all(wakers);
        stored
            .into_shared()
            .ok_or_else(|| not_found(Kind::Pod, name))
    }

    /// Deletes an object at once, after checking `preconditions`; returns its last state.
    pub fn delete(
        &self,
        kind: Kind,
        namespace: &str,
        name: &str,
        preconditions: &Preconditions,
    ) -> Result<Object, ApiError> {
        let mut st = self.inner.state.lock();
        st.count(Verb::Delete, kind);
        let old = st
            .get(kind, &object_key(namespace, name))
            .cloned()
            .ok_or_else(|| not_found(kind, name))?;
        if let Some(uid) = preconditions.uid.as_deref().filter(|uid| *uid != old.uid()) {
            return Err(precondition_failed("UID", uid, old.uid()));
        }
        let current_rv = old.metadata().resource_version.clone().unwrap_or_default();
        if let Some(rv) = preconditions
            .resource_version
            .as_deref()
            .filter(|rv| *rv != current_rv)
        {
            return Err(precondition_failed("ResourceVersion", rv, &current_rv));
        }
        let (stored, wakers) = st.commit(EventType::Deleted, old);
        drop(st);
        wake_all(wakers);
        Ok(stored)
    }

    /// Opens a watch on `kind` that yields every change with a revision above `from_rv`
    /// (0 = from the very first change). `410 Gone` if some of those were compacted away;
    /// list first and watch from the list's revision to avoid that.
    pub fn watch(&self, kind: Kind, from_rv: u64) -> Result<Watch, ApiError> {
        let mut st = self.inner.state.lock();
        st.count(Verb::Watch, kind);
        st.check_not_compacted(kind, from_rv)?;
        let id = st.open_watch(kind);
        Ok(Watch {
            server: self.clone(),
            id: WatchId(id),
            kind,
            after: from_rv,
            ended: false,
        })
    }

    /// Closes one watch, as if its connection dropped. Returns whether it was open.
    pub fn close_watch(&self, id: WatchId) -> bool {
        let (closed, wakers) = self.inner.state.lock().close_watches(|i, _| i == id.0);
        wake_all(wakers);
        closed > 0
    }

    /// Closes every open watch on `kind`, as if the server dropped them; returns how many.
    pub fn close_watches(&self, kind: Kind) -> usize {
        let (closed, wakers) = self.inner.state.lock().close_watches(|_, k| k == kind);
        wake_all(wakers);
        closed
    }

    pub(crate) fn poll_watch(
        &self,
        id: WatchId,
        after: &mut u64,
        waker: Option<&Waker>,
    ) -> Poll<WatchItem> {
        self.inner.state.lock().poll_watch(id.0, after, waker)
    }

    pub(crate) fn remove_watch(&self, id: WatchId) {
        self.inner.state.lock().remove_watch(id.0);
    }

    /// Installs a fault rule after the existing ones; it stays until the guard is dropped.
    pub fn install_fault(&self, rule: impl FaultRule + 'static) -> FaultGuard {
        FaultGuard {
            id: self.inner.faults.install(Arc::new(rule)),
            rules: Arc::downgrade(&self.inner.faults),
        }
    }

    /// Removes a rule kept with [`FaultGuard::forget`]. Returns whether it was installed.
    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.inner.faults.remove(id)
    }

    /// Removes every rule.
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }

    /// Installs a request observer after the existing ones; it stays until removed with
    /// [`Self::remove_observer`].
    pub fn observe_requests(&self, observer: impl RequestObserver + 'static) -> ObserverId {
        self.inner.observers.install(Arc::new(observer))
    }

    /// Removes an observer. Returns whether it was installed.
    pub fn remove_observer(&self, id: ObserverId) -> bool {
        self.inner.observers.remove(id)
    }

    /// Shows `request` to the observers, then asks the rules about it. A `Fail` verdict counts
    /// as a call of the request's verb, since the request reached the server and was answered
    /// there.
    pub fn check_faults(&self, request: &Request) -> Verdict {
        record_faults(request.verb, request.kind);
        self.inner.observers.observe(self, request);
        let verdict = self.inner.faults.check(request);
        if let Verdict::Fail(_) = verdict {
            self.inner.state.lock().count(request.verb, request.kind);
        }
        verdict
    }
}

/// Writes (and so copies a shared object) only if the namespace changes.
fn normalize_namespace(object: &mut Object) {
    let namespaced = object.kind().is_namespaced();
    let namespace = object.metadata().namespace.as_deref();
    if !namespaced && namespace.is_some() {
        object.metadata_mut().namespace = None;
    } else if namespaced && namespace.unwrap_or("").is_empty() {
        object.metadata_mut().namespace = Some("default".to_owned());
    }
}

/// Optimistic concurrency for update and update_status.
fn check_write_preconditions(new: &Object, old: &Object) -> Result<(), ApiError> {
    let rv = new.metadata().resource_version.as_deref().unwrap_or("");
    let current = old.metadata().resource_version.as_deref().unwrap_or("");
    if !rv.is_empty() && rv != current {
        return Err(ApiError::new(
            StatusReason::Conflict,
            format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                old.kind().plural(),
                old.name()
            ),
        ));
    }
    if !new.uid().is_empty() && new.uid() != old.uid() {
        return Err(precondition_failed("UID", new.uid(), old.uid()));
    }
    Ok(())
}

/// Strategic-merge of one condition: the fields the patch sets replace the stored ones.
fn merge_condition(stored: &mut PodCondition, patch: PodCondition) {
    stored.status = patch.status;
    let PodCondition {
        last_probe_time,
        last_transition_time,
        message,
        observed_generation,
        reason,
        ..
    } = patch;
    if last_probe_time.is_some() {
        stored.last_probe_time = last_probe_time;
    }
    if last_transition_time.is_some() {
        stored.last_transition_time = last_transition_time;
    }
    if message.is_some() {
        stored.message = message;
    }
    if observed_generation.is_some() {
        stored.observed_generation = observed_generation;
    }
    if reason.is_some() {
        stored.reason = reason;
    }
}
