//! The controller's state and its informer callbacks (`New`, `PodUpdated`, `NodeUpdated` in
//! `taint_eviction.go`).
//!
//! The callbacks run on the informers' listener tasks and only enqueue: a pod item or a node
//! item on the `noexec_taint_pod` or `noexec_taint_node` workqueue. Everything that decides
//! runs later on the update workers ([`crate::run`]), in `handle`: `handleNodeUpdate` keeps
//! `taintedNodes` (only nodes with a NoExecute taint, with those taints) and
//! `handlePodUpdate` and `processPodOnNode` schedule or cancel the eviction of one pod on the
//! shared TimedWorkerQueue, whose work function is [`crate::delete`].

mod handle;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Pod, Taint, Toleration};
use taintsim_api::Lister;
use taintsim_plugin::Metrics;
use taintsim_seam::client::{Client, EventRecorder};
use taintsim_seam::runtime::Runtime;
use taintsim_seam::runtime::Timestamp;
use taintsim_seam::sync::{AtomicBool, AtomicU64, Mutex, Ordering};
use taintsim_timed_worker_queue::TimedWorkerQueue;

use crate::behavior::Behavior;
use crate::delete::{DeletePodHandler, delete_pod_handler};
use crate::taints::no_execute_taints;
use crate::workqueue::WorkQueue;

/// Coverage mark: `handlePodUpdate` dropped an item whose node is not the pod's (any more).
pub const MARK_OTHER_NODE: &str = "node.pod-update.other-node";
/// Coverage mark: `handlePodUpdate` found no pod and cancelled its eviction.
pub const MARK_POD_DELETION: &str = "node.pod-update.noticed-deletion";
/// Coverage mark: `handleNodeUpdate` found no node and forgot its taints, leaving the
/// evictions of its pods scheduled.
pub const MARK_NODE_DELETION: &str = "node.node-update.noticed-deletion";
/// Coverage mark: `handleNodeUpdate` cancelled the evictions of every pod of a node whose
/// NoExecute taints are all gone.
pub const MARK_ALL_TAINTS_REMOVED: &str = "node.node-update.all-taints-removed";
/// Coverage mark: `processPodOnNode` found a taint the pod does not tolerate.
pub const MARK_NOT_TOLERATED: &str = "node.process.not-tolerated";
/// Coverage mark: every taint is tolerated forever and the scheduled deletion was cancelled
/// (`forever-tolerated: cancel`, PR #93722).
pub const MARK_FOREVER_CANCEL: &str = "node.process.tolerated-forever-cancel";
/// Coverage mark: every taint is tolerated forever and a scheduled deletion was kept
/// (`forever-tolerated: keep`, #90794).
pub const MARK_FOREVER_KEEP: &str = "node.process.tolerated-forever-keep";
/// Coverage mark: an earlier timer was kept with its own deadline.
pub const MARK_KEEP_EXISTING: &str = "node.process.keep-existing-timer";
/// Coverage mark: a timer created at the same instant was cancelled and added again.
pub const MARK_SAME_INSTANT: &str = "node.process.same-instant-replaced";

/// `nodeUpdateItem`: the key of the `noexec_taint_node` workqueue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeUpdateItem {
    /// The node's name.
    pub node_name: String,
}

/// `podUpdateItem`: the key of the `noexec_taint_pod` workqueue. It carries the node the pod
/// was on when the notification came, which picks the worker.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodUpdateItem {
    /// The pod's name.
    pub pod_name: String,
    /// The pod's namespace.
    pub pod_namespace: String,
    /// `spec.nodeName` of the notification's pod (`""` if not scheduled).
    pub node_name: String,
}

/// What the handlers and the work function share.
pub(crate) struct Shared {
    pub(crate) rt: Arc<dyn Runtime>,
    pub(crate) recorder: Arc<dyn EventRecorder>,
    pub(crate) pods: Lister,
    pub(crate) nodes: Lister,
    /// `taintedNodes`: nodes with at least one NoExecute taint, and those taints.
    pub(crate) tainted_nodes: Mutex<BTreeMap<String, Vec<Taint>>>,
    pub(crate) behavior: Behavior,
    /// Set when `Run` has returned.
    pub(crate) run_returned: AtomicBool,
    /// How many times the handlers asked for the time (see [`Shared::now`]).
    clock_reads: AtomicU64,
}

impl Shared {
    /// `time.Now()` of the handlers: the runtime's clock plus one nanosecond per call, so
    /// that two handler calls never see the same instant, as on a real clock. (The virtual
    /// clock alone stands still within an instant, like a coarse clock: then
    /// `processPodOnNode` sees `CreatedAt == now` and cancels and re-adds a timer it would
    /// keep, which is how upstream's "lengthening toleration shouldn't work" flakes on
    /// Windows.) Handler steps touch `handler-clock`.
    pub(crate) fn now(&self) -> Timestamp {
        let n = self.clock_reads.fetch_add(1, Ordering::SeqCst);
        let offset = jiff::SignedDuration::from_nanos(i64::try_from(n).unwrap_or(i64::MAX));
        let now = self.rt.now();
        now.saturating_add(offset).unwrap_or(now)
    }
}

/// What [`Controller::new`] needs.
pub struct ControllerDeps {
    /// The executor: clock, tasks, steps, data choices and marks.
    pub rt: Arc<dyn Runtime>,
    /// The API client of the work function.
    pub client: Arc<dyn Client>,
    /// The recorder of both events.
    pub recorder: Arc<dyn EventRecorder>,
    /// The pod informer's cache (`podLister`, and `getPodsAssignedToNode`'s index).
    pub pods: Lister,
    /// The node informer's cache.
    pub nodes: Lister,
    /// Updated after each deletion.
    pub metrics: Arc<Metrics>,
    /// The behaviour keys.
    pub behavior: Behavior,
}

/// The controller; see the module docs.
pub struct Controller {
    pub(crate) shared: Arc<Shared>,
    pub(crate) queue: TimedWorkerQueue,
    pub(crate) node_updates: WorkQueue<NodeUpdateItem>,
    pub(crate) pod_updates: WorkQueue<PodUpdateItem>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("behavior", &self.shared.behavior)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl Controller {
    /// `New`: the state, the two workqueues and the TimedWorkerQueue whose work function is
    /// `deletePodHandler`.
    pub fn new(deps: ControllerDeps) -> Arc<Self> {
        let shared = Arc::new(Shared {
            rt: deps.rt.clone(),
            recorder: deps.recorder,
            pods: deps.pods,
            nodes: deps.nodes,
            tainted_nodes: Mutex::new(BTreeMap::new()),
            behavior: deps.behavior,
            run_returned: AtomicBool::new(false),
            clock_reads: AtomicU64::new(0),
        });
        let work = delete_pod_handler(DeletePodHandler {
            shared: shared.clone(),
            client: deps.client,
            metrics: deps.metrics,
        });
        Arc::new(Self {
            queue: TimedWorkerQueue::new(deps.behavior.queue, deps.rt, work),
            shared,
            node_updates: WorkQueue::new("noexec_taint_node"),
            pod_updates: WorkQueue::new("noexec_taint_pod"),
        })
    }

    /// The behaviour keys it runs with.
    pub fn behavior(&self) -> Behavior {
        self.shared.behavior
    }

    /// The TimedWorkerQueue of evictions.
    pub fn queue(&self) -> &TimedWorkerQueue {
        &self.queue
    }

    /// A copy of `taintedNodes`.
    pub fn tainted_nodes(&self) -> BTreeMap<String, Vec<Taint>> {
        self.shared.tainted_nodes.lock().clone()
    }

    /// Whether both update workqueues are empty (nothing queued or being processed).
    pub fn updates_idle(&self) -> bool {
        self.node_updates.is_empty() && self.pod_updates.is_empty()
    }

    /// `PodUpdated(oldPod, newPod)`: enqueue a pod item, unless an update changed neither the
    /// tolerations nor `spec.nodeName`.
    pub fn pod_updated(&self, old: Option<&Pod>, new: Option<&Pod>) {
        let fields = |p: &Pod| {
            let spec = p.spec.as_ref();
            (
                p.metadata.name.clone().unwrap_or_default(),
                p.metadata.namespace.clone().unwrap_or_default(),
                spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
                spec.and_then(|s| s.tolerations.clone()).unwrap_or_default(),
            )
        };
        let (old, new) = (old.map(fields), new.map(fields));
        if let (Some(o), Some(n)) = (&old, &new)
            && same_tolerations(&o.3, &n.3)
            && o.2 == n.2
        {
            return;
        }
        let Some((pod_name, pod_namespace, node_name, _)) = new.or(old) else {
            return;
        };
        self.pod_updates.add(PodUpdateItem {
            pod_name,
            pod_namespace,
            node_name,
        });
    }

    /// `NodeUpdated(oldNode, newNode)`: enqueue a node item, unless an update left the
    /// NoExecute taints (compared in order, `timeAdded` included) as they were.
    pub fn node_updated(&self, old: Option<&Node>, new: Option<&Node>) {
        if let (Some(o), Some(n)) = (old, new)
            && no_execute_taints(o) == no_execute_taints(n)
        {
            return;
        }
        let Some(node) = new.or(old) else {
            return;
        };
        self.node_updates.add(NodeUpdateItem {
            node_name: node.metadata.name.clone().unwrap_or_default(),
        });
    }
}

/// `helper.Semantic.DeepEqual` on two toleration lists (nil and empty are equal).
fn same_tolerations(a: &[Toleration], b: &[Toleration]) -> bool {
    a == b
}
