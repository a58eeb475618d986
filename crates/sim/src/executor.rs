//! The executor's private state, shared between [`Sim`](crate::Sim) and its handles.
//!
//! Everything lives behind one `std::sync::Mutex`. The lock is never held while a task is
//! polled, a timer closure runs, a strategy-independent destructor runs or a waker is called,
//! so simulated code may use a [`SimHandle`](crate::SimHandle) freely.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Bound;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use jiff::Timestamp;

use crate::ActorName;
use crate::clock;
use crate::tasks::Tasks;
use crate::waker::WakeQueue;
use crate::{DecisionLog, Divergence, Enabled, Strategy, TaskId, TimerId};

/// A task's future.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// A callback timer's closure.
pub(crate) type Callback = Box<dyn FnOnce() + Send>;

/// State shared by the [`Sim`](crate::Sim) and every [`SimHandle`](crate::SimHandle).
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    pub(crate) wake: Arc<WakeQueue>,
}

impl Shared {
    pub(crate) fn new(inner: Inner) -> Self {
        Self {
            inner: Mutex::new(inner),
            wake: Arc::new(WakeQueue::default()),
        }
    }

    /// Locks the state. A poisoned lock (a panic while it was held) is recovered: the state is
    /// only ever mutated in small, panic-free sections.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Orders timers: by deadline, then by creation sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerKey {
    /// Virtual nanoseconds since the start.
    pub(crate) deadline: u64,
    /// Creation sequence, shared by callback and sleep timers.
    pub(crate) seq: u64,
}

/// A pending timer.
pub(crate) enum TimerEntry {
    /// Created by `after`: becomes an enabled `"{actor}: fire"` entry once due.
    Callback { actor: ActorName, f: Callback },
    /// Created by a `Sleep` future: wakes its task when time reaches the deadline.
    /// `bounds_jumps`: the sleeping task's actor is one of
    /// [`SimConfig::jump_bounding_actors`](crate::SimConfig::jump_bounding_actors).
    Sleep { waker: Waker, bounds_jumps: bool },
}

/// Who is running simulated code right now.
pub(crate) struct Current {
    pub(crate) task: Option<TaskId>,
    /// Shared with the task's slot: set on every poll, so a copy must not allocate.
    pub(crate) actor: ActorName,
}

/// A step a task registered: the token that identifies it. Its label lives in the
/// simulator's persistent enabled set (see [`ReadyOp`]).
pub(crate) struct ReadyStep {
    pub(crate) token: u64,
}

/// A change to the set of ready tasks, journaled under the lock by whoever makes it (a `Step`
/// registering or withdrawing, the simulator granting a step or removing a finished task) and
/// applied by the simulator to its persistent enabled set before the next choice. This keeps
/// a step's cost independent of the number of tasks that stay ready through it.
pub(crate) enum ReadyOp {
    /// The task registered the step `token`, shown as `entry`.
    Register {
        task: TaskId,
        token: u64,
        entry: Enabled,
    },
    /// The task's step `token` is no longer waiting (chosen, dropped, or the task is gone).
    Withdraw { task: TaskId, token: u64 },
}

/// One live task.
pub(crate) struct TaskSlot {
    pub(crate) actor: ActorName,
    /// `None` while the task is being polled.
    pub(crate) future: Option<BoxFuture>,
    pub(crate) waker: Waker,
    /// Set while the task waits in `step` to be chosen.
    pub(crate) ready: Option<ReadyStep>,
    /// The token of a step the scheduler chose and that has not completed yet.
    pub(crate) granted: Option<u64>,
    /// True once the task has been polled at least once.
    pub(crate) started: bool,
}

/// The executor's state.
pub(crate) struct Inner {
    pub(crate) start: Timestamp,
    /// Virtual nanoseconds since `start`.
    pub(crate) elapsed: u64,
    pub(crate) tasks: Tasks,
    pub(crate) next_task: u64,
    pub(crate) timers: BTreeMap<TimerKey, TimerEntry>,
    /// Deadline of each pending callback timer, to find it by id.
    pub(crate) callbacks: BTreeMap<TimerId, u64>,
    /// Creation sequence of timers (callback and sleep).
    pub(crate) next_seq: u64,
    /// Identifies `step` registrations.
    pub(crate) next_token: u64,
    pub(crate) current: Option<Current>,
    /// Marks recorded since the last trace entry.
    pub(crate) marks: Vec<String>,
    pub(crate) decisions: DecisionLog,
    pub(crate) strategy: Box<dyn Strategy>,
    /// A divergence raised by a data choice inside simulated code; ends the run.
    pub(crate) divergence: Option<Divergence>,
    /// Changes to the ready tasks since the simulator last applied them.
    pub(crate) ready_ops: Vec<ReadyOp>,
    /// [`SimConfig::without_touches`](crate::SimConfig::without_touches).
    pub(crate) without_touches: Vec<String>,
    /// [`SimConfig::labels`](crate::SimConfig::labels).
    pub(crate) labels: bool,
    /// [`SimConfig::jump_bounding_actors`](crate::SimConfig::jump_bounding_actors).
    pub(crate) jump_bounding_actors: Vec<String>,
}

impl Inner {
    pub(crate) fn new(start: Timestamp, strategy: Box<dyn Strategy>) -> Self {
        Self {
            start,
            elapsed: 0,
            tasks: Tasks::default(),
            next_task: 0,
            timers: BTreeMap::new(),
            callbacks: BTreeMap::new(),
            next_seq: 0,
            next_token: 0,
            current: None,
            marks: Vec::new(),
            decisions: DecisionLog::default(),
            strategy,
            divergence: None,
            ready_ops: Vec::new(),
            without_touches: Vec::new(),
            labels: true,
            jump_bounding_actors: Vec::new(),
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        clock::timestamp(self.start, self.elapsed)
    }

    pub(crate) fn next_timer_key(&mut self, deadline: u64) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        TimerKey { deadline, seq }
    }

    /// The earliest pending deadline strictly after now.
    pub(crate) fn next_future_deadline(&self) -> Option<u64> {
        let after_now = TimerKey {
            deadline: self.elapsed,
            seq: u64::MAX,
        };
        self.timers
            .range((Bound::Excluded(after_now), Bound::Unbounded))
            .next()
            .map(|(k, _)| k.deadline)
    }

    /// Whether the running task's sleeps bound time jumps (see [`TimerEntry::Sleep`]).
    pub(crate) fn current_bounds_jumps(&self) -> bool {
        let Some(current) = &self.current else {
            return false;
        };
        self.jump_bounding_actors
            .iter()
            .any(|a| a.as_str() == &*current.actor)
    }

    /// Whether a time jump to `deadline` would reach a sleep that bounds jumps: one due at
    /// `deadline` (an earlier one would be the next deadline itself).
    pub(crate) fn jump_reaches_bound(&self, deadline: u64) -> bool {
        let from = TimerKey { deadline, seq: 0 };
        let to = TimerKey {
            deadline,
            seq: u64::MAX,
        };
        self.timers.range(from..=to).any(|(_, e)| {
            matches!(
                e,
                TimerEntry::Sleep {
                    bounds_jumps: true,
                    ..
                }
            )
        })
    }

    /// Keys of callback timers that are due now, in (deadline, sequence) order.
    pub(crate) fn due_callbacks(&self) -> impl Iterator<Item = (TimerKey, &ActorName)> {
        let now = TimerKey {
            deadline: self.elapsed,
            seq: u64::MAX,
        };
        self.timers.range(..=now).filter_map(|(k, e)| match e {
            TimerEntry::Callback { actor, .. } => Some((*k, actor)),
            TimerEntry::Sleep { .. } => None,
        })
    }

    /// Sets the clock to `deadline` and removes every sleep timer due by then, returning the
    /// wakers to call (after the lock is released), in (deadline, sequence) order.
    pub(crate) fn advance_to(&mut self, deadline: u64) -> Vec<Waker> {
        self.elapsed = self.elapsed.max(deadline);
        let now = TimerKey {
            deadline: self.elapsed,
            seq: u64::MAX,
        };
        let due: Vec<TimerKey> = self
            .timers
            .range(..=now)
            .filter(|(_, e)| matches!(e, TimerEntry::Sleep { .. }))
            .map(|(k, _)| *k)
            .collect();
        due.into_iter()
            .filter_map(|k| match self.timers.remove(&k) {
                Some(TimerEntry::Sleep { waker, .. }) => Some(waker),
                _ => None,
            })
            .collect()
    }

    /// Removes a pending callback timer.
    pub(crate) fn take_callback(&mut self, id: TimerId) -> Option<(ActorName, Callback)> {
        let deadline = self.callbacks.remove(&id)?;
        match self.timers.remove(&TimerKey {
            deadline,
            seq: id.0,
        }) {
            Some(TimerEntry::Callback { actor, f }) => Some((actor, f)),
            _ => None,
        }
    }
}
