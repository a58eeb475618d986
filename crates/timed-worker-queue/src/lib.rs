//! `TimedWorkerQueue` (upstream `pkg/controller/tainteviction/timed_workers.go`): per-key
//! delayed work, in all six historical versions. The node taint eviction controller has used it
//! since 2017; the device taint eviction controller of 1.33/1.34 reused it.
//!
//! Upstream keeps `map[key]*TimedWorker` in which a nil pointer means "the work started at once
//! and has no timer" (and, in V0, "the work finished; keep the key to suppress re-adds"). Here
//! that convention is the explicit [`Slot`] enum, and every place upstream dereferenced or
//! tested the pointer matches on it, version by version.
//!
//! Work runs as a runtime task. Its interleaving points are steps named
//! `register worker KEY` (timer path only: the wait-group registration that V4 races against),
//! `start worker KEY` (where V4+ checks the cancelled flag) and `finish worker KEY` (the
//! completion that takes the queue lock and removes the key). The work function adds its own.
//! Each of them touches `queue/<key>`, and every operation on a key records an access to it
//! ([`taintsim_seam::access`]), so the simulator can check callers' footprints. The wait group
//! is not recorded: its adds and dones commute, and only the driver reads it (between steps).

#![deny(missing_docs)]

mod version;
mod wait_group;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use jiff::SignedDuration;
use tracing::{debug, warn};

pub use version::{QueueVersion, UnknownQueueVersion};
pub use wait_group::{WaitGroup, WaitGroupGuard};

use taintsim_seam::access;
use taintsim_seam::runtime::{
    BoxFuture, Runtime, StepLabel, TimerHandle, Timestamp, Touch, push_decimal, touch,
};
use taintsim_seam::sync::{AtomicBool, AtomicU64, Mutex, Ordering};

/// A pod as the controller identifies it: namespace, name and UID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct NamespacedObject {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`; not part of the queue key.
    pub uid: String,
}

impl NamespacedObject {
    /// `namespace/name`, as [`Display`](std::fmt::Display) shows it: the queue key (built
    /// for every work item and cancellation, so without the formatting machinery).
    pub fn key(&self) -> String {
        [self.namespace.as_str(), "/", &self.name].concat()
    }
}

impl std::fmt::Display for NamespacedObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// The argument of a work item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkArgs {
    /// The pod to act on.
    pub object: NamespacedObject,
}

impl WorkArgs {
    /// `KeyFromWorkArgs`: `namespace/name`. The UID is deliberately not part of the key.
    pub fn key(&self) -> String {
        self.object.key()
    }
}

/// The error a work function may return; the queue only logs it.
pub type WorkError = Box<dyn std::error::Error + Send + Sync>;

/// `workFunc(ctx, fireAt, args) error`.
pub type WorkFn =
    Arc<dyn Fn(WorkArgs, Timestamp) -> BoxFuture<Result<(), WorkError>> + Send + Sync>;

/// A scheduled work item with a timer (upstream's non-nil `*TimedWorker`).
pub struct TimedWorker {
    /// What the work acts on.
    pub args: WorkArgs,
    /// When the work was requested; the delay is measured from here.
    pub created_at: Timestamp,
    /// When the work is due.
    pub fire_at: Timestamp,
    token: u64,
    timer: Box<dyn TimerHandle>,
    cancelled: Arc<AtomicBool>,
}

impl std::fmt::Debug for TimedWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimedWorker")
            .field("args", &self.args)
            .field("created_at", &self.created_at)
            .field("fire_at", &self.fire_at)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl TimedWorker {
    /// `Cancel()`: V4+ sets the cancelled flag first, then every version stops the timer. A
    /// timer that already fired keeps its task running (and, before V4, its work).
    fn cancel(&self, version: QueueVersion) {
        if version >= QueueVersion::V4 {
            self.cancelled.store(true, Ordering::SeqCst);
        }
        self.timer.stop();
    }

    /// The V5 token of this entry.
    pub fn token(&self) -> u64 {
        self.token
    }
}

/// One entry of the queue's map, with upstream's nil convention made explicit.
#[derive(Debug, Clone)]
pub enum Slot {
    /// Upstream: a nil entry. The work started immediately (delay <= 0) and is probably still
    /// running. There is no timer, no FireAt and nothing to cancel.
    Running {
        /// Identifies the running work (V5 compares it on completion).
        token: u64,
    },
    /// Upstream: a nil entry stored again after the work succeeded (V0 only), "to avoid
    /// duplicated calls". It suppresses every later `AddWork` for the key.
    Finished,
    /// Upstream: a non-nil `*TimedWorker` with an armed (or already fired) timer.
    Scheduled(Arc<TimedWorker>),
}

impl Slot {
    /// Whether upstream would see a nil pointer here.
    pub fn is_nil(&self) -> bool {
        !matches!(self, Slot::Scheduled(_))
    }

    /// The entry's token, if it has one.
    pub fn token(&self) -> Option<u64> {
        match self {
            Slot::Running { token } => Some(*token),
            Slot::Finished => None,
            Slot::Scheduled(w) => Some(w.token),
        }
    }
}

struct Inner {
    version: QueueVersion,
    workers: Mutex<BTreeMap<String, Slot>>,
    work_fn: WorkFn,
    rt: Arc<dyn Runtime>,
    next_token: AtomicU64,
    wg: WaitGroup,
}

/// One entry of [`TimedWorkerQueue::pending`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingWork {
    /// `namespace/name`.
    pub key: String,
    /// The pod's UID, if the entry knows it.
    pub uid: Option<String>,
    /// When the work is due; `None` if it is running.
    pub fire_at: Option<Timestamp>,
}

/// The queue. Cloning gives another handle to the same queue.
#[derive(Clone)]
pub struct TimedWorkerQueue {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TimedWorkerQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimedWorkerQueue")
            .field("version", &self.inner.version)
            .field("workers", &*self.inner.workers.lock())
            .finish_non_exhaustive()
    }
}

/// The message of the V0–V2 panic, naming the method as Go's stack trace would.
pub const UPDATE_WORK_PANIC: &str = "runtime error: invalid memory address or nil pointer dereference in TimedWorkerQueue.UpdateWork";

/// The resource of one key's entry, `queue/<key>`: what the steps of its workers touch, and
/// what every operation on the key records ([`access::record`]). An operation on every key
/// records `queue`, which covers them all.
fn queue_resource(key: &str) -> Touch {
    touch(&[QUEUE, key])
}

/// The shared resource of the whole queue, as step touches name it; `queue/<key>` is one
/// key's entry.
pub const QUEUE: &str = "queue";

fn record_key(key: &str) {
    access::record(&[QUEUE, key]);
}

impl TimedWorkerQueue {
    /// `CreateWorkerQueue(f)`, for the given version and runtime.
    pub fn new(version: QueueVersion, rt: Arc<dyn Runtime>, work_fn: WorkFn) -> Self {
        Self {
            inner: Arc::new(Inner {
                version,
                workers: Mutex::new(BTreeMap::new()),
                work_fn,
                rt,
                next_token: AtomicU64::new(1),
                wg: WaitGroup::default(),
            }),
        }
    }

    /// The version this queue runs.
    pub fn version(&self) -> QueueVersion {
        self.inner.version
    }

    /// `AddWork`: schedules work unless the key exists (nil or not).
    pub fn add_work(&self, args: WorkArgs, created_at: Timestamp, fire_at: Timestamp) {
        let key = args.key();
        record_key(&key);
        let mut workers = self.inner.workers.lock();
        if workers.contains_key(&key) {
            debug!(%key, "Trying to add already existing work, skipping");
            self.inner.rt.mark("queue.add-work.skip-existing");
            return;
        }
        let slot = self.inner.create_worker(args, created_at, fire_at);
        workers.insert(key, slot);
    }

    /// `UpdateWork`: adds the work, or reschedules it when `fire_at` differs.
    ///
    /// V0 and V1 predate `UpdateWork`; on them it behaves as first written in #130447 (V2).
    ///
    /// # Panics
    /// On V0–V2, when the entry for the key is nil (the work already started), exactly where
    /// upstream read `existing.FireAt` through the nil pointer. The message is
    /// [`UPDATE_WORK_PANIC`] plus the key.
    pub fn update_work(&self, args: WorkArgs, created_at: Timestamp, fire_at: Timestamp) {
        let key = args.key();
        record_key(&key);
        let mut workers = self.inner.workers.lock();
        if let Some(slot) = workers.get(&key) {
            let existing = match slot {
                Slot::Scheduled(worker) => worker.clone(),
                Slot::Running { .. } | Slot::Finished => {
                    if self.inner.version >= QueueVersion::V3 {
                        debug!(%key, "Keeping existing work, already in progress");
                        self.inner.rt.mark("queue.update-work.keep-in-progress");
                        return;
                    }
                    self.inner.rt.mark("queue.update-work.nil-dereference");
                    panic!(
                        "{UPDATE_WORK_PANIC} (existing.FireAt read through the nil entry for {key})"
                    );
                }
            };
            if existing.fire_at == fire_at {
                debug!(%key, "Keeping existing work, same time");
                return;
            }
            debug!(%key, "Replacing existing work");
            existing.cancel(self.inner.version);
        }
        let slot = self.inner.create_worker(args, created_at, fire_at);
        workers.insert(key, slot);
    }

    /// `CancelWork`: removes the key. Returns `true` only if the entry had a timer, even if
    /// that timer already fired.
    pub fn cancel_work(&self, key: &str) -> bool {
        record_key(key);
        let mut workers = self.inner.workers.lock();
        let Some(slot) = workers.remove(key) else {
            return false;
        };
        debug!(%key, "Cancelling TimedWorkerQueue item");
        match slot {
            Slot::Scheduled(worker) => {
                worker.cancel(self.inner.version);
                true
            }
            Slot::Running { .. } | Slot::Finished => false,
        }
    }

    /// `GetWorkerUnsafe`: the entry for `key`, if any.
    pub fn get_worker_unsafe(&self, key: &str) -> Option<Slot> {
        record_key(key);
        self.inner.workers.lock().get(key).cloned()
    }

    /// The keys and entries, in key order.
    pub fn entries(&self) -> Vec<(String, Slot)> {
        access::record(&[QUEUE]);
        self.inner
            .workers
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The work that has not finished, in key order: each pod, its UID (unknown for work
    /// that started at once, upstream's nil entry, and for work arguments without one, as
    /// the node controller's) and when it is due (`None`: running).
    pub fn pending(&self) -> Vec<PendingWork> {
        self.entries()
            .into_iter()
            .filter_map(|(key, slot)| match slot {
                Slot::Finished => None,
                Slot::Running { .. } => Some(PendingWork {
                    key,
                    uid: None,
                    fire_at: None,
                }),
                Slot::Scheduled(w) => Some(PendingWork {
                    key,
                    uid: Some(w.args.object.uid.clone()).filter(|u| !u.is_empty()),
                    fire_at: Some(w.fire_at),
                }),
            })
            .collect()
    }

    /// The number of registered workers that have not finished.
    pub fn running_workers(&self) -> usize {
        self.inner.wg.running()
    }

    /// `CancelAndWait` (V4): cancels every timer, empties the map, then waits for every
    /// registered worker.
    ///
    /// Older versions had no such shutdown. It is offered on them too, with the wait group but
    /// without the cancelled flag, so that the flag's effect (#134945) can be isolated.
    pub fn cancel_and_wait(&self) -> impl Future<Output = ()> + Send + 'static {
        access::record(&[QUEUE]);
        {
            let mut workers = self.inner.workers.lock();
            for slot in workers.values() {
                if let Slot::Scheduled(worker) = slot {
                    worker.cancel(self.inner.version);
                }
            }
            workers.clear();
        }
        self.inner.wg.wait()
    }
}

impl Inner {
    /// `createWorker`: starts the work now when `fire_at <= created_at`, else arms a timer.
    fn create_worker(
        self: &Arc<Self>,
        args: WorkArgs,
        created_at: Timestamp,
        fire_at: Timestamp,
    ) -> Slot {
        let token = self.next_token.fetch_add(1, Ordering::SeqCst);
        let delay = fire_at.duration_since(created_at);
        if delay <= SignedDuration::ZERO {
            // The nil entry of `createWorker` (delay <= 0) starts here; traces show where.
            self.rt.mark("queue.work-started-immediately");
            // Go's `wg.Go` registers before the goroutine exists.
            let guard = self.wg.add();
            self.spawn_worker(args, fire_at, token, None, Some(guard));
            return Slot::Running { token };
        }
        let cancelled = Arc::new(AtomicBool::new(false));
        let key = args.key();
        let timer = {
            let inner = self.clone();
            let args = args.clone();
            let cancelled = cancelled.clone();
            let delay = delay.unsigned_abs();
            self.rt.after(
                delay,
                ["timer ", &key].concat(),
                Box::new(move || inner.spawn_worker(args, fire_at, token, Some(cancelled), None)),
            )
        };
        Slot::Scheduled(Arc::new(TimedWorker {
            args,
            created_at,
            fire_at,
            token,
            timer,
            cancelled,
        }))
    }

    fn spawn_worker(
        self: &Arc<Self>,
        args: WorkArgs,
        fire_at: Timestamp,
        token: u64,
        cancelled: Option<Arc<AtomicBool>>,
        guard: Option<WaitGroupGuard>,
    ) {
        let inner = self.clone();
        // `worker <key> #<token>`: every work item spawns one, labels or not.
        let mut actor = ["worker ", &args.key(), " #"].concat();
        push_decimal(&mut actor, token);
        self.rt.spawn(
            actor,
            Box::pin(async move {
                inner
                    .run_worker(args, fire_at, token, cancelled, guard)
                    .await
            }),
        );
    }

    async fn run_worker(
        self: Arc<Self>,
        args: WorkArgs,
        fire_at: Timestamp,
        token: u64,
        cancelled: Option<Arc<AtomicBool>>,
        guard: Option<WaitGroupGuard>,
    ) {
        let key = args.key();
        let rt = self.rt.as_ref();
        let touches = || vec![queue_resource(&key)];
        let _guard = match guard {
            Some(guard) => guard,
            None => {
                self.rt
                    .step(StepLabel::lazy(
                        rt,
                        || ["register worker ", &key].concat(),
                        touches,
                    ))
                    .await;
                self.wg.add()
            }
        };
        self.rt
            .step(StepLabel::lazy(
                rt,
                || ["start worker ", &key].concat(),
                touches,
            ))
            .await;
        let cancelled_before_start = self.version >= QueueVersion::V4
            && cancelled.as_ref().is_some_and(|flag| {
                // The flag belongs to the key's entry: `CancelWork` sets it.
                record_key(&key);
                flag.load(Ordering::SeqCst)
            });
        if cancelled_before_start {
            debug!(%key, "Worker cancelled before it started");
            self.rt.mark("queue.v4.cancelled-before-start");
            return;
        }
        debug!(%key, "Firing worker");
        let ok = match (self.work_fn)(args, fire_at).await {
            Ok(()) => true,
            Err(err) => {
                warn!(%key, %err, "TaintEvictionController: timed worker failed");
                false
            }
        };
        self.rt
            .step(StepLabel::lazy(
                rt,
                || ["finish worker ", &key].concat(),
                touches,
            ))
            .await;
        self.complete(&key, token, ok);
    }

    /// The wrapped work function's epilogue, version by version (`getWrappedWorkerFunc`).
    fn complete(&self, key: &str, token: u64, ok: bool) {
        record_key(key);
        let mut workers = self.workers.lock();
        match self.version {
            QueueVersion::V0 => {
                if ok {
                    if !workers.contains_key(key) {
                        self.rt.mark("queue.v0.restore-nil-after-cancel");
                    }
                    workers.insert(key.to_owned(), Slot::Finished);
                } else {
                    workers.remove(key);
                }
            }
            QueueVersion::V1 | QueueVersion::V2 | QueueVersion::V3 | QueueVersion::V4 => {
                debug!(%key, "Worker finished, removing");
                if workers
                    .get(key)
                    .and_then(Slot::token)
                    .is_some_and(|t| t != token)
                {
                    self.rt.mark("queue.stale-completion-removed-replacement");
                }
                workers.remove(key);
            }
            QueueVersion::V5 => {
                if workers.get(key).and_then(Slot::token) == Some(token) {
                    debug!(%key, "Worker finished, removing");
                    workers.remove(key);
                } else {
                    debug!(%key, "Worker finished, already replaced");
                    self.rt.mark("queue.v5.keep-replacement");
                }
            }
        }
    }
}
