//! The executor's tasks, by id.
//!
//! Ids are handed out from 0 in spawn order and never reused, so a task's id is its index:
//! the executor finds a task several times per step (to grant its step, to take its future
//! out for a poll and to put it back), and indexing does that without the `BTreeMap` search
//! it used to cost (about 3 % of a schedule). A finished task leaves an empty slot; the
//! memory is one slot per task ever spawned, which a run's step bound keeps small.

use crate::TaskId;
use crate::executor::TaskSlot;

/// The live tasks, iterated in id order.
#[derive(Default)]
pub(crate) struct Tasks {
    slots: Vec<Option<TaskSlot>>,
    live: usize,
}

impl Tasks {
    /// Stores the task `id`, replacing any task stored under it.
    pub(crate) fn insert(&mut self, id: TaskId, slot: TaskSlot) {
        let i = id.index();
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        if self.slots[i].replace(slot).is_none() {
            self.live += 1;
        }
    }

    pub(crate) fn get(&self, id: &TaskId) -> Option<&TaskSlot> {
        self.slots.get(id.index())?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: &TaskId) -> Option<&mut TaskSlot> {
        self.slots.get_mut(id.index())?.as_mut()
    }

    pub(crate) fn remove(&mut self, id: &TaskId) -> Option<TaskSlot> {
        let slot = self.slots.get_mut(id.index())?.take();
        self.live -= usize::from(slot.is_some());
        slot
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The live tasks in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (TaskId, &TaskSlot)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| Some((TaskId::at(i), slot.as_ref()?)))
    }
}

type Live = fn((usize, Option<TaskSlot>)) -> Option<(TaskId, TaskSlot)>;

impl IntoIterator for Tasks {
    type Item = (TaskId, TaskSlot);
    type IntoIter =
        std::iter::FilterMap<std::iter::Enumerate<std::vec::IntoIter<Option<TaskSlot>>>, Live>;

    /// The live tasks in id order.
    fn into_iter(self) -> Self::IntoIter {
        let live: Live = |(i, slot)| Some((TaskId::at(i), slot?));
        self.slots.into_iter().enumerate().filter_map(live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(actor: &str) -> TaskSlot {
        TaskSlot {
            actor: actor.into(),
            future: None,
            waker: std::task::Waker::noop().clone(),
            ready: None,
            granted: None,
            started: false,
        }
    }

    fn actors(tasks: &Tasks) -> Vec<(u64, String)> {
        tasks
            .iter()
            .map(|(id, s)| (id.0, s.actor.to_string()))
            .collect()
    }

    #[test]
    fn tasks_should_be_found_by_id_and_listed_in_id_order_without_the_removed() {
        let mut tasks = Tasks::default();
        assert!(tasks.is_empty());
        for (id, actor) in [(0, "a"), (1, "b"), (2, "c"), (70, "d")] {
            tasks.insert(TaskId(id), slot(actor));
        }
        assert_eq!(tasks.get(&TaskId(2)).map(|s| &*s.actor), Some("c"));
        assert!(tasks.get(&TaskId(3)).is_none());
        assert!(tasks.get_mut(&TaskId(700)).is_none());
        assert_eq!(tasks.remove(&TaskId(1)).map(|s| s.actor), Some("b".into()));
        assert!(tasks.remove(&TaskId(1)).is_none(), "removed once");
        assert_eq!(
            actors(&tasks),
            [(0, "a".into()), (2, "c".into()), (70, "d".into())]
        );
        for id in [0, 2, 70] {
            assert!(!tasks.is_empty());
            tasks.remove(&TaskId(id));
        }
        assert!(tasks.is_empty());
        tasks.insert(TaskId(5), slot("e"));
        let owned: Vec<u64> = tasks.into_iter().map(|(id, _)| id.0).collect();
        assert_eq!(owned, [5]);
    }
}
