//! The [`Step`] future: a labelled interleaving point.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::executor::{ReadyOp, ReadyStep, Shared};
use crate::{Enabled, EnabledKind, StepLabel, TaskId};

/// Returned by [`SimHandle::step`](crate::SimHandle::step).
///
/// The first poll makes the current task *Ready* with the label and returns `Pending`; the
/// future completes when the scheduler chooses the task. Dropping it before then withdraws the
/// step. A task has at most one outstanding step; registering a second one panics (inside the
/// task, so the run ends with [`Outcome::Panic`](crate::Outcome::Panic)).
#[must_use = "a step does nothing unless awaited"]
pub struct Step {
    shared: Arc<Shared>,
    label: Option<StepLabel>,
    registered: Option<(TaskId, u64)>,
    done: bool,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step")
            .field("label", &self.label)
            .field("registered", &self.registered)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Step {
    pub(crate) fn new(shared: Arc<Shared>, label: StepLabel) -> Self {
        Self {
            shared,
            label: Some(label),
            registered: None,
            done: false,
        }
    }
}

enum Registration {
    Registered(TaskId, u64),
    OutsideTask,
    AlreadyWaiting(String),
}

impl Future for Step {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        if let Some((task, token)) = this.registered {
            let mut inner = this.shared.lock();
            let Some(slot) = inner.tasks.get_mut(&task) else {
                return Poll::Pending;
            };
            if slot.granted == Some(token) {
                slot.granted = None;
                drop(inner);
                this.registered = None;
                this.done = true;
                return Poll::Ready(());
            }
            return Poll::Pending;
        }
        let registration = {
            let mut guard = this.shared.lock();
            let inner = &mut *guard;
            let task = inner.current.as_ref().and_then(|c| c.task);
            match task.and_then(|t| inner.tasks.get_mut(&t).map(|slot| (t, slot))) {
                None => Registration::OutsideTask,
                Some((_, slot)) if slot.ready.is_some() => {
                    Registration::AlreadyWaiting(slot.actor.to_string())
                }
                Some((t, slot)) => {
                    let token = inner.next_token;
                    inner.next_token += 1;
                    slot.ready = Some(ReadyStep { token });
                    let mut label = this.label.take().unwrap_or_default();
                    if !inner.without_touches.is_empty() {
                        label
                            .touches
                            .retain(|t| !inner.without_touches.iter().any(|w| w == t));
                    }
                    let entry = Enabled {
                        actor: slot.actor.clone(),
                        action: label.action,
                        touches: label.touches,
                        detail: label.detail,
                        kind: EnabledKind::Task(t),
                    };
                    inner.ready_ops.push(ReadyOp::Register {
                        task: t,
                        token,
                        entry,
                    });
                    Registration::Registered(t, token)
                }
            }
        };
        match registration {
            Registration::Registered(task, token) => {
                this.registered = Some((task, token));
                Poll::Pending
            }
            Registration::OutsideTask => {
                panic!("SimHandle::step must be awaited inside a task spawned on the Sim")
            }
            Registration::AlreadyWaiting(actor) => {
                panic!("task {actor:?} awaited two steps at once; await them one after another")
            }
        }
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some((task, token)) = self.registered.take() {
            let mut guard = self.shared.lock();
            let inner = &mut *guard;
            if let Some(slot) = inner.tasks.get_mut(&task) {
                if slot.ready.as_ref().is_some_and(|r| r.token == token) {
                    slot.ready = None;
                    inner.ready_ops.push(ReadyOp::Withdraw { task, token });
                }
                if slot.granted == Some(token) {
                    slot.granted = None;
                }
            }
        }
    }
}
