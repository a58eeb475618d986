//! client-go's plain typed workqueue (`workqueue.NewTypedWithConfig`), as the controller's
//! `nodeUpdateQueue` (`noexec_taint_node`) and `podUpdateQueue` (`noexec_taint_pod`) use it:
//! an item added while it is queued is added once (the `dirty` set); an item added while a
//! worker processes it is queued again only when that worker calls `Done` (the `processing`
//! set); `ShutDown` makes `Get` answer "shut down" once the queue is empty, and later adds are
//! dropped. Not rate limited, no delays.

use std::collections::{BTreeSet, VecDeque};

use taintsim_seam::sync::Mutex;

use crate::signal::Signal;

/// What [`WorkQueue::get`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got<T> {
    /// The next item; the caller must call [`WorkQueue::done`] with it.
    Item(T),
    /// Nothing queued yet (the caller waits for [`WorkQueue::wait`] and asks again).
    Empty,
    /// The queue was shut down and is empty.
    ShutDown,
}

#[derive(Debug)]
struct State<T> {
    queue: VecDeque<T>,
    dirty: BTreeSet<T>,
    processing: BTreeSet<T>,
    shutting_down: bool,
}

/// One workqueue with one consumer (its dispatcher).
#[derive(Debug)]
pub struct WorkQueue<T> {
    name: &'static str,
    state: Mutex<State<T>>,
    signal: Signal,
}

impl<T: Ord + Clone> WorkQueue<T> {
    /// An empty queue named `name` (upstream's `Name` in the queue config).
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                dirty: BTreeSet::new(),
                processing: BTreeSet::new(),
                shutting_down: false,
            }),
            signal: Signal::default(),
        }
    }

    /// The queue's name, e.g. `noexec_taint_pod`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `Add`.
    pub fn add(&self, item: T) {
        {
            let mut st = self.state.lock();
            if st.shutting_down || st.dirty.contains(&item) {
                return;
            }
            st.dirty.insert(item.clone());
            if st.processing.contains(&item) {
                return;
            }
            st.queue.push_back(item);
        }
        self.signal.notify();
    }

    /// `Get` without blocking; see [`Got`]. Leaves the signal set when more items wait, so
    /// that the consumer's next [`WorkQueue::wait`] returns at once.
    pub fn get(&self) -> Got<T> {
        let (got, more) = {
            let mut st = self.state.lock();
            match st.queue.pop_front() {
                Some(item) => {
                    st.processing.insert(item.clone());
                    st.dirty.remove(&item);
                    (Got::Item(item), !st.queue.is_empty())
                }
                None if st.shutting_down => (Got::ShutDown, false),
                None => (Got::Empty, false),
            }
        };
        if more {
            self.signal.notify();
        }
        got
    }

    /// Completes when something was added (or the queue shut down) since the last call.
    pub async fn wait(&self) {
        self.signal.wait().await;
    }

    /// `Done`: the item is no longer processed; if it was added meanwhile, it is queued again.
    pub fn done(&self, item: &T) {
        let requeued = {
            let mut st = self.state.lock();
            st.processing.remove(item);
            let again = st.dirty.contains(item);
            if again {
                st.queue.push_back(item.clone());
            }
            again
        };
        if requeued {
            self.signal.notify();
        }
    }

    /// `ShutDown`.
    pub fn shut_down(&self) {
        self.state.lock().shutting_down = true;
        self.signal.notify();
    }

    /// Items queued or being processed.
    pub fn len(&self) -> usize {
        let st = self.state.lock();
        st.queue.len() + st.processing.len()
    }

    /// Whether nothing is queued or being processed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_should_coalesce_while_queued_and_requeue_after_done_while_processing() {
        let q = WorkQueue::new("q");
        q.add(1);
        q.add(1);
        q.add(2);
        assert_eq!(q.get(), Got::Item(1));
        q.add(1);
        assert_eq!(
            q.get(),
            Got::Item(2),
            "1 is processing, so its re-add waits for Done"
        );
        assert_eq!(q.get(), Got::Empty);
        q.done(&1);
        assert_eq!(q.get(), Got::Item(1));
        q.done(&1);
        q.done(&2);
        assert!(q.is_empty());
    }

    #[test]
    fn shut_down_should_drain_then_answer_shut_down_and_drop_adds() {
        let q = WorkQueue::new("q");
        q.add(1);
        q.shut_down();
        q.add(2);
        assert_eq!(q.get(), Got::Item(1));
        assert_eq!(q.get(), Got::ShutDown);
    }
}
