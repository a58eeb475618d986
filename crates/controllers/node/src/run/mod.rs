//! `Run`: the controller's goroutines as runtime tasks, and its shutdown.
//!
//! - `controller` waits until the pod and node caches have synced (`WaitForNamedCacheSync`:
//!   the caches only, not the handlers), then in the step `start workers` starts two
//!   dispatchers and [`UPDATE_WORKER_SIZE`] workers and sets `hasSynced`.
//! - `node-dispatcher` and `pod-dispatcher` (`dispatch`) move items from their workqueue into
//!   the channel of worker `hash(nodeName, 8)` (node channels hold 10 items, pod channels 1; a
//!   full channel blocks the dispatcher).
//! - `update-worker-<i>` (`worker`) handles the items of its channels, node items first.
//! - On cancellation (the scenario's `stop-controller`) the latest code (`shutdown:
//!   cancel-and-wait`, #134945) shuts the workqueues down, calls the TimedWorkerQueue's
//!   `CancelAndWait` and waits for every goroutine; the older code (`shutdown: none`) waits for
//!   the workers, shuts the workqueues down and returns, leaving the queue's timers armed.
//!   The last step, `Run returns`, touches `world`: whoever waits for `Run` reads anything
//!   after it (the scenario actor resets the API call counters there).
//!
//! Go's `select` picks a random ready case; here that is a recorded data choice.

mod dispatch;
mod worker;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use taintsim_api::Informer;
use taintsim_seam::runtime::{BoxFuture, Runtime, StepLabel};
use taintsim_seam::sync::{AtomicBool, Mutex, Ordering};
use taintsim_timed_worker_queue::WaitGroup;
use tracing::info;

use crate::behavior::Shutdown;
use crate::controller::{Controller, NodeUpdateItem, PodUpdateItem};
use crate::signal::Signal;

/// `UpdateWorkerSize`: the number of update workers.
pub const UPDATE_WORKER_SIZE: usize = 8;
/// `NodeUpdateChannelSize`: the capacity of each worker's node channel.
pub const NODE_UPDATE_CHANNEL_SIZE: usize = 10;
/// `podUpdateChannelSize`: the capacity of each worker's pod channel.
pub const POD_UPDATE_CHANNEL_SIZE: usize = 1;
/// How often `controller` looks again whether the caches have synced, in virtual time.
const SYNC_POLL: Duration = Duration::from_millis(10);
/// The resource every other resource conflicts with (taintsim-sim's `WORLD`).
const WORLD: &str = "world";

/// Coverage mark: `Run` called `CancelAndWait` at shutdown.
pub const MARK_CANCEL_AND_WAIT: &str = "node.shutdown.cancel-and-wait";
/// Coverage mark: `Run` returned with the TimedWorkerQueue never cancelled.
pub const MARK_QUEUE_LEFT_RUNNING: &str = "node.shutdown.queue-left-running";

/// One worker's two channels.
#[derive(Default)]
pub(crate) struct Channels {
    pub(crate) nodes: VecDeque<NodeUpdateItem>,
    pub(crate) pods: VecDeque<PodUpdateItem>,
}

/// One worker's channels and its wake-up.
#[derive(Default)]
pub(crate) struct Shard {
    pub(crate) channels: Mutex<Channels>,
    pub(crate) signal: Signal,
}

/// What `Run`'s goroutines share.
pub(crate) struct RunState {
    pub(crate) controller: Arc<Controller>,
    pub(crate) shards: Vec<Shard>,
    /// `ctx.Done()`.
    pub(crate) cancelled: AtomicBool,
    /// Wakes `Run` when the context is cancelled.
    ctx_done: Signal,
    /// Wake the dispatchers blocked on a full channel (or on the context).
    pub(crate) node_room: Signal,
    pub(crate) pod_room: Signal,
    /// Wakes whoever waits for `Run` to return.
    returned: Signal,
    /// `hasSynced`.
    synced: AtomicBool,
    /// The goroutines `Run` waits for.
    group: WaitGroup,
}

impl RunState {
    /// The state of one `Run` of `controller`.
    pub(crate) fn new(controller: Arc<Controller>) -> Arc<Self> {
        Arc::new(Self {
            controller,
            shards: (0..UPDATE_WORKER_SIZE).map(|_| Shard::default()).collect(),
            cancelled: AtomicBool::new(false),
            ctx_done: Signal::default(),
            node_room: Signal::default(),
            pod_room: Signal::default(),
            returned: Signal::default(),
            synced: AtomicBool::new(false),
            group: WaitGroup::default(),
        })
    }

    pub(crate) fn rt(&self) -> &Arc<dyn Runtime> {
        &self.controller.shared.rt
    }

    /// `hasSynced`: the workers have started.
    pub(crate) fn has_synced(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }

    /// Whether `Run` has returned.
    pub(crate) fn returned(&self) -> bool {
        self.controller.shared.run_returned.load(Ordering::SeqCst)
    }

    /// Cancels the context and completes once `Run` has returned.
    pub(crate) fn stop(self: &Arc<Self>) -> BoxFuture<()> {
        self.cancelled.store(true, Ordering::SeqCst);
        self.ctx_done.notify();
        self.node_room.notify();
        self.pod_room.notify();
        self.shards.iter().for_each(|s| s.signal.notify());
        let this = self.clone();
        Box::pin(async move {
            while !this.returned() {
                this.returned.wait().await;
            }
        })
    }
}

/// Spawns `Run` as the task `controller`.
pub(crate) fn spawn(run: &Arc<RunState>, informers: Vec<Informer>) {
    let task = run_task(run.clone(), informers);
    run.rt().spawn("controller".to_owned(), Box::pin(task));
}

async fn run_task(run: Arc<RunState>, informers: Vec<Informer>) {
    let rt = run.rt().clone();
    let controller = run.controller.clone();
    info!(controller = crate::events::CONTROLLER_NAME, "Starting");
    let mut started = false;
    while !run.cancelled.load(Ordering::SeqCst) {
        if informers.iter().all(Informer::has_synced) {
            rt.step(StepLabel::with_touches(
                "start workers",
                ["controller".to_owned()],
            ))
            .await;
            start(&run);
            run.synced.store(true, Ordering::SeqCst);
            started = true;
            break;
        }
        rt.sleep(SYNC_POLL).await;
    }
    let queues = || {
        [
            format!("workqueue/{}", controller.node_updates.name()),
            format!("workqueue/{}", controller.pod_updates.name()),
        ]
    };
    match controller.behavior().shutdown {
        Shutdown::CancelAndWait => {
            while !run.cancelled.load(Ordering::SeqCst) {
                run.ctx_done.wait().await;
            }
            rt.step(StepLabel::with_touches("shut down update queues", queues()))
                .await;
            controller.node_updates.shut_down();
            controller.pod_updates.shut_down();
            rt.step(StepLabel::with_touches(
                "CancelAndWait",
                ["queue".to_owned()],
            ))
            .await;
            rt.mark(MARK_CANCEL_AND_WAIT);
            controller.queue.cancel_and_wait().await;
            run.group.wait().await;
        }
        Shutdown::None => {
            if !started {
                while !run.cancelled.load(Ordering::SeqCst) {
                    run.ctx_done.wait().await;
                }
            }
            run.group.wait().await;
            rt.step(StepLabel::with_touches("shut down update queues", queues()))
                .await;
            controller.node_updates.shut_down();
            controller.pod_updates.shut_down();
            rt.mark(MARK_QUEUE_LEFT_RUNNING);
        }
    }
    rt.step(StepLabel::with_touches("Run returns", [WORLD.to_owned()]))
        .await;
    info!(
        controller = crate::events::CONTROLLER_NAME,
        "Shutting down controller"
    );
    controller.shared.run_returned.store(true, Ordering::SeqCst);
    run.returned.notify();
}

/// Starts the dispatchers and the workers. With `shutdown: cancel-and-wait` `Run` waits for
/// all of them (#134945 starts them with `wg.Go`); before, only for the workers.
fn start(run: &Arc<RunState>) {
    let rt = run.rt();
    let waits_for_dispatchers = run.controller.behavior().shutdown == Shutdown::CancelAndWait;
    for kind in [dispatch::Kind::Node, dispatch::Kind::Pod] {
        let guard = waits_for_dispatchers.then(|| run.group.add());
        let task = dispatch::run(run.clone(), kind, guard);
        rt.spawn(kind.actor().to_owned(), Box::pin(task));
    }
    for i in 0..UPDATE_WORKER_SIZE {
        let guard = run.group.add();
        let task = worker::run(run.clone(), i, guard);
        rt.spawn(worker::actor(i), Box::pin(task));
    }
}
