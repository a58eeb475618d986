//! Real `std::task::Waker`s for simulated tasks.
//!
//! Waking a task only records its id in the [`WakeQueue`]; the executor polls woken tasks
//! eagerly, lowest id first. The queue has its own small lock, so a waker may be called from
//! anywhere (inside a poll, from a destructor, from a timer closure) without touching the
//! executor's state.

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Wake, Waker};

use crate::TaskId;

/// The set of tasks woken since they were last polled.
#[derive(Debug, Default)]
pub(crate) struct WakeQueue {
    woken: Mutex<TaskBits>,
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

/// A set of task ids as one bit per id. Ids are dense (handed out from 0 in spawn order), and
/// the executor asks for the lowest woken one about four times per step: a bit set answers
/// with a scan from the lowest word that may hold one, where a `BTreeSet` walked its nodes and
/// allocated them (it was 3.6 % of a schedule).
#[derive(Debug, Default)]
struct TaskBits {
    words: Vec<u64>,
    /// No bit is set in a word below this one.
    lowest: usize,
}

impl TaskBits {
    fn insert(&mut self, id: TaskId) {
        let index = id.index();
        let word = index / 64;
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (index % 64);
        self.lowest = self.lowest.min(word);
    }

    fn pop_first(&mut self) -> Option<TaskId> {
        while let Some(bits) = self.words.get_mut(self.lowest) {
            if *bits != 0 {
                let bit = bits.trailing_zeros();
                *bits &= *bits - 1;
                return Some(TaskId::at(self.lowest * 64 + bit as usize));
            }
            self.lowest += 1;
        }
        None
    }

    fn clear(&mut self) {
        self.words.clear();
        self.lowest = 0;
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

    #[test]
    fn wake_queue_should_order_ids_across_words_and_after_pops() {
        let q = WakeQueue::default();
        for id in [200, 64, 63, 0, 130] {
            q.push(TaskId(id));
        }
        assert_eq!(q.pop_first(), Some(TaskId(0)));
        assert_eq!(q.pop_first(), Some(TaskId(63)));
        assert_eq!(q.pop_first(), Some(TaskId(64)));
        // A wake below the lowest word scanned so far is still found first.
        q.push(TaskId(1));
        assert_eq!(q.pop_first(), Some(TaskId(1)));
        assert_eq!(q.pop_first(), Some(TaskId(130)));
        q.push(TaskId(129));
        assert_eq!(q.pop_first(), Some(TaskId(129)));
        assert_eq!(q.pop_first(), Some(TaskId(200)));
        assert_eq!(q.pop_first(), None);
        q.push(TaskId(7));
        q.clear();
        assert_eq!(q.pop_first(), None);
    }
}
