//! Real `std::task::Waker`s for simulated tasks.
//!
//! Waking a task only records its id in the [`WakeQueue`]; the executor polls woken tasks
//! eagerly, lowest id first. The queue has its own small lock, so a waker may be called from
//! anywhere (inside a poll, from a destructor, from a timer closure) without touching the
//! executor's state.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Wake, Waker};

use crate::TaskId;

/// The set of tasks woken since they were last polled.
#[derive(Debug, Default)]
pub(crate) struct WakeQueue {
    woken: Mutex<BTreeSet<TaskId>>,
}

impl WakeQueue {
    pub(crate) fn push(&self, id: TaskId) {
        self.woken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
    }

    /// The lowest woken task id, removed from the queue.
    pub(crate) fn pop_first(&self) -> Option<TaskId> {
        self.woken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_first()
    }

    pub(crate) fn clear(&self) {
        self.woken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

struct TaskWaker {
    id: TaskId,
    queue: Arc<WakeQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.queue.push(self.id);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.push(self.id);
    }
}

/// A waker that schedules an eager poll of task `id`.
pub(crate) fn task_waker(id: TaskId, queue: Arc<WakeQueue>) -> Waker {
    Waker::from(Arc::new(TaskWaker { id, queue }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_queue_should_pop_lowest_id_first_and_deduplicate() {
        let q = Arc::new(WakeQueue::default());
        task_waker(TaskId(5), q.clone()).wake();
        let w2 = task_waker(TaskId(2), q.clone());
        w2.wake_by_ref();
        w2.wake_by_ref();
        assert_eq!(q.pop_first(), Some(TaskId(2)));
        assert_eq!(q.pop_first(), Some(TaskId(5)));
        assert_eq!(q.pop_first(), None);
    }
}
