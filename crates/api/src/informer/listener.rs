//! One listener: its queue, sync bookkeeping, hide fault, and the task that delivers.

use std::collections::VecDeque;
use std::sync::Arc;

use taintsim_seam::runtime::{StepDetail, StepLabel, Touch};

use super::{Handler, Notification, Shared};
use crate::resource::{self, record_listener};
use crate::signal::Signal;

/// Which notifications a listener drops instead of handling (a fault).
#[derive(Clone, Default)]
pub enum HideNotifications {
    /// Drop none.
    #[default]
    None,
    /// Drop the next `n`, then none.
    Next(u64),
    /// Drop each with `percent` % probability: dropped when the runtime's data choice
    /// ([`Runtime::choose`](taintsim_seam::Runtime::choose)) answers below `percent` out of
    /// 100 options for the decision `hide <listener> <Type> <ns/name> rv=<rv>`.
    Percent {
        /// 0 to 100.
        percent: u8,
    },
}

impl std::fmt::Debug for HideNotifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Next(n) => f.debug_tuple("Next").field(n).finish(),
            Self::Percent { percent, .. } => f
                .debug_struct("Percent")
                .field("percent", percent)
                .finish_non_exhaustive(),
        }
    }
}

/// A listener's name and the touches of its deliver steps (the registration's plus
/// `notify/<name>`), built once and shared: a controller that registers the same listeners in
/// every schedule formats and allocates them once, not per world.
#[derive(Clone, Debug)]
pub struct ListenerSpec {
    name: Arc<str>,
    /// Has `notify/<name>`, at `own`.
    touches: Arc<[Touch]>,
    own: usize,
}

impl ListenerSpec {
    /// A listener named `name` whose deliver steps touch `touches` and `notify/<name>`.
    pub fn new(name: impl Into<String>, mut touches: Vec<Touch>) -> Self {
        let name: String = name.into();
        let touch = resource::listener(&name);
        let own = match touches.iter().position(|t| *t == touch) {
            Some(at) => at,
            None => {
                touches.push(touch);
                touches.len() - 1
            }
        };
        Self {
            name: name.into(),
            touches: touches.into(),
            own,
        }
    }

    /// The listener's name (also its task's actor name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `notify/<name>`.
    pub(super) fn own_touch(&self) -> &Touch {
        &self.touches[self.own]
    }
}

pub(super) struct Listener {
    pub(super) spec: ListenerSpec,
    handler: Handler,
    queue: VecDeque<Notification>,
    pub(super) signal: Arc<Signal>,
    /// Notifications ever queued.
    pub(super) queued: u64,
    /// Notifications handled or hidden.
    pub(super) delivered: u64,
    /// `queued` when the initial list was complete; synced once `delivered` reaches it.
    pub(super) sync_target: Option<u64>,
    pub(super) hide: HideNotifications,
    pub(super) hidden: u64,
}

impl Listener {
    pub(super) fn new(spec: ListenerSpec, handler: Handler, signal: Arc<Signal>) -> Self {
        Self {
            spec,
            handler,
            queue: VecDeque::new(),
            signal,
            queued: 0,
            delivered: 0,
            sync_target: None,
            hide: HideNotifications::None,
            hidden: 0,
        }
    }

    pub(super) fn name(&self) -> &str {
        self.spec.name()
    }

    pub(super) fn push(&mut self, notification: Notification) {
        self.queue.push_back(notification);
        self.queued += 1;
    }

    pub(super) fn pending(&self) -> u64 {
        self.queued - self.delivered
    }
}

/// What the task needs for one delivery, taken out of the lock.
struct Next {
    notification: Notification,
    touches: Vec<Touch>,
    handler: Handler,
    roll: Option<(String, u8)>,
    hidden_by_count: bool,
}

/// The listener task: wait for the queue, then per notification step and call the handler.
pub(super) async fn run(shared: Arc<Shared>, id: u64, signal: Arc<Signal>) {
    loop {
        let next = {
            let mut st = shared.state.lock();
            if st.stopped {
                return;
            }
            let Some(listener) = st.listeners.get_mut(&id) else {
                return;
            };
            take_next(listener, shared.rt.wants_touches())
        };
        let Some(next) = next else {
            signal.wait().await;
            continue;
        };
        let hidden = next.hidden_by_count
            || next.roll.as_ref().is_some_and(|(label, percent)| {
                shared.rt.choose(label, 100) < usize::from(*percent)
            });
        if hidden {
            shared.rt.mark("informer-notification-hidden");
            finish(&shared, id, true);
            continue;
        }
        let label = if shared.rt.wants_labels() {
            // The UID tells an object from its same-name replacement in the trace.
            let mut action = String::with_capacity(96);
            action.push_str("deliver ");
            next.notification.push_label(&mut action);
            if let Some(uid) = next.notification.object().metadata().uid.as_deref() {
                action.push_str(" uid=");
                action.push_str(uid);
            }
            StepLabel::with_touches(action, next.touches).with_detail(StepDetail::Deliver {
                notification: next.notification.event_type().to_owned(),
                key: next.notification.key(),
                resource_version: next.notification.resource_version(),
            })
        } else {
            StepLabel::with_touches(String::new(), next.touches)
        };
        shared.rt.step(label).await;
        // A listener removed (or an informer stopped) while waiting must not be called.
        let gone = {
            let st = shared.state.lock();
            st.stopped || !st.listeners.contains_key(&id)
        };
        if gone {
            return;
        }
        (next.handler)(next.notification);
        finish(&shared, id, false);
    }
}

/// The next notification and what delivering it needs; the touches only if `touches` (a run
/// that does not want them gets none, see `Runtime::wants_touches`).
fn take_next(listener: &mut Listener, touches: bool) -> Option<Next> {
    record_listener(listener.name());
    let notification = listener.queue.pop_front()?;
    let mut hidden_by_count = false;
    let mut roll = None;
    match &mut listener.hide {
        HideNotifications::None => {}
        HideNotifications::Next(n) => {
            hidden_by_count = *n > 0;
            *n = n.saturating_sub(1);
        }
        HideNotifications::Percent { percent } => {
            let label = format!("hide {} {}", listener.spec.name, notification);
            roll = Some((label, *percent));
        }
    }
    Some(Next {
        notification,
        touches: if touches {
            listener.spec.touches.to_vec()
        } else {
            Vec::new()
        },
        handler: listener.handler.clone(),
        roll,
        hidden_by_count,
    })
}

fn finish(shared: &Shared, id: u64, hidden: bool) {
    let mut st = shared.state.lock();
    if let Some(listener) = st.listeners.get_mut(&id) {
        record_listener(listener.name());
        listener.delivered += 1;
        listener.hidden += u64::from(hidden);
    }
}
