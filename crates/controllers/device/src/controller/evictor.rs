//! `evictPod` and `cancelEvict` (closures of `Run`, `device_taint_eviction.go` @ ab3cec07): the
//! controller's only way to act.

use std::sync::Arc;

use taintsim_seam::runtime::{Runtime, Timestamp};
use taintsim_timed_worker_queue::{NamespacedObject, TimedWorkerQueue, WorkArgs};

/// Schedules and cancels evictions. Called with the handler mutex held; must not block.
pub trait Evictor: Send + Sync {
    /// Ensures that `pod` gets evicted at `fire_at` (a time in the past means now).
    fn evict_pod(&self, pod: &NamespacedObject, fire_at: Timestamp);

    /// Cancels an eviction set up earlier. Idempotent; returns `false` when there was nothing
    /// to cancel (upstream's queue also says `false` for work that already started).
    fn cancel_evict(&self, pod: &NamespacedObject) -> bool;
}

/// The evictor `Run` builds: an optional test hook first, then the queue.
pub struct QueueEvictor {
    rt: Arc<dyn Runtime>,
    queue: TimedWorkerQueue,
    hook: Option<Arc<dyn Evictor>>,
}

impl std::fmt::Debug for QueueEvictor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueEvictor")
            .field("queue", &self.queue)
            .field("hook", &self.hook.is_some())
            .finish_non_exhaustive()
    }
}

impl QueueEvictor {
    /// Wraps `queue`; `hook`, if any, sees every call before the queue does (upstream's
    /// `TestCancelEviction` uses this to observe evictions).
    pub fn new(
        rt: Arc<dyn Runtime>,
        queue: TimedWorkerQueue,
        hook: Option<Arc<dyn Evictor>>,
    ) -> Self {
        Self { rt, queue, hook }
    }

    /// The queue behind this evictor.
    pub fn queue(&self) -> &TimedWorkerQueue {
        &self.queue
    }
}

impl Evictor for QueueEvictor {
    fn evict_pod(&self, pod: &NamespacedObject, fire_at: Timestamp) {
        if let Some(hook) = &self.hook {
            hook.evict_pod(pod, fire_at);
        }
        // createdAt = now: a fireAt in the past starts the work at once (a nil entry).
        let args = WorkArgs {
            object: pod.clone(),
        };
        self.queue.update_work(args, self.rt.now(), fire_at);
    }

    fn cancel_evict(&self, pod: &NamespacedObject) -> bool {
        // Upstream ignores the hook's answer; only the queue's counts.
        if let Some(hook) = &self.hook {
            hook.cancel_evict(pod);
        }
        self.queue.cancel_work(&pod.key())
    }
}
