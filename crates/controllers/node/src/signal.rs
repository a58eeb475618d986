//! A one-waiter wake-up flag for the controller's goroutines (the dispatchers and workers wait
//! on their workqueue or channels; `Run` waits on its context). The flag stays set until the
//! waiter sees it, so a notification between "nothing to do" and "wait" is not lost.

use std::future::poll_fn;
use std::task::{Poll, Waker};

use taintsim_seam::sync::Mutex;

#[derive(Debug, Default)]
pub(crate) struct Signal {
    state: Mutex<(bool, Option<Waker>)>,
}

impl Signal {
    /// Sets the flag and wakes the waiter, if any (outside the lock: an executor may poll the
    /// waiter from inside `wake`).
    pub(crate) fn notify(&self) {
        let waker = {
            let mut state = self.state.lock();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Completes once the flag is set, and clears it.
    pub(crate) async fn wait(&self) {
        poll_fn(|cx| {
            let mut state = self.state.lock();
            if std::mem::take(&mut state.0) {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }
}
