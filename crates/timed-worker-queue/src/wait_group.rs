//! A wait group (Go's `sync.WaitGroup`) whose `wait` is a future, so it works on every back end.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use std::sync::Arc;

use taintsim_seam::sync::Mutex;

#[derive(Debug, Default)]
struct State {
    running: usize,
    waiters: Vec<Waker>,
}

/// Counts registered workers; [`WaitGroup::wait`] completes when the count is zero.
#[derive(Debug, Clone, Default)]
pub struct WaitGroup {
    state: Arc<Mutex<State>>,
}

/// Held by a registered worker; dropping it is `wg.Done()`.
#[derive(Debug)]
pub struct WaitGroupGuard {
    state: Arc<Mutex<State>>,
}

impl WaitGroup {
    /// `wg.Add(1)`.
    pub fn add(&self) -> WaitGroupGuard {
        self.state.lock().running += 1;
        WaitGroupGuard {
            state: self.state.clone(),
        }
    }

    /// The number of registered workers that have not finished.
    pub fn running(&self) -> usize {
        self.state.lock().running
    }

    /// Completes once every registered worker has finished.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        Wait {
            state: self.state.clone(),
        }
    }
}

impl Drop for WaitGroupGuard {
    fn drop(&mut self) {
        let waiters = {
            let mut s = self.state.lock();
            s.running -= 1;
            if s.running == 0 {
                std::mem::take(&mut s.waiters)
            } else {
                Vec::new()
            }
        };
        for w in waiters {
            w.wake();
        }
    }
}

struct Wait {
    state: Arc<Mutex<State>>,
}

impl Future for Wait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.state.lock();
        if s.running == 0 {
            Poll::Ready(())
        } else {
            s.waiters.push(cx.waker().clone());
            Poll::Pending
        }
    }
}
