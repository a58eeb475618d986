//! The [`Sleep`] future: wait for virtual time to pass.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::clock;
use crate::executor::{Shared, TimerEntry, TimerKey};

/// Returned by [`SimHandle::sleep`](crate::SimHandle::sleep).
///
/// The deadline is fixed at the first poll (`now + delay`). A zero delay completes at once
/// without yielding. Otherwise the future registers a sleep timer and completes after virtual
/// time reaches the deadline; the timer wakes the task, which is then polled eagerly (waking
/// is not a scheduling decision). Dropping the future cancels the timer.
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep {
    shared: Arc<Shared>,
    delay: Duration,
    key: Option<TimerKey>,
    done: bool,
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("delay", &self.delay)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Sleep {
    pub(crate) fn new(shared: Arc<Shared>, delay: Duration) -> Self {
        Self {
            shared,
            delay,
            key: None,
            done: false,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        let mut inner = this.shared.lock();
        match this.key {
            None => {
                let deadline = inner.elapsed.saturating_add(clock::nanos(this.delay));
                if deadline <= inner.elapsed {
                    this.done = true;
                    return Poll::Ready(());
                }
                let key = inner.next_timer_key(deadline);
                let bounds_jumps = inner.current_bounds_jumps();
                inner.timers.insert(
                    key,
                    TimerEntry::Sleep {
                        waker: cx.waker().clone(),
                        bounds_jumps,
                    },
                );
                this.key = Some(key);
                Poll::Pending
            }
            Some(key) => match inner.timers.get_mut(&key) {
                Some(TimerEntry::Sleep { waker, .. }) => {
                    if !waker.will_wake(cx.waker()) {
                        let old = std::mem::replace(waker, cx.waker().clone());
                        drop(inner);
                        drop(old);
                    }
                    Poll::Pending
                }
                _ => {
                    drop(inner);
                    this.key = None;
                    this.done = true;
                    Poll::Ready(())
                }
            },
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let removed = {
                let mut inner = self.shared.lock();
                match inner.timers.get(&key) {
                    Some(TimerEntry::Sleep { .. }) => inner.timers.remove(&key),
                    _ => None,
                }
            };
            drop(removed);
        }
    }
}
