//! The runtime seam's simulator back end: [`Runtime`] over a [`SimHandle`]. Steps are
//! scheduling decisions, data choices are recorded data decisions, time is virtual.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use taintsim_seam::runtime::{BoxFuture, Runtime, StepLabel, TimerHandle, Timestamp};
use taintsim_seam::sync::Mutex;

use crate::{SimHandle, TimerId};

/// Runs code written against the runtime seam (controllers, queues, the API side) on the
/// deterministic simulator.
#[derive(Debug, Clone)]
pub struct SimRuntime {
    handle: SimHandle,
    marks: Arc<Mutex<BTreeSet<&'static str>>>,
    /// [`SimConfig::labels`](crate::SimConfig::labels), read once.
    labels: bool,
}

impl SimRuntime {
    /// Wraps a simulator handle.
    pub fn new(handle: SimHandle) -> Self {
        Self {
            labels: handle.labels(),
            handle,
            marks: Arc::default(),
        }
    }

    /// Whether the code has passed the coverage mark `name` in this run.
    pub fn has_mark(&self, name: &str) -> bool {
        self.marks.lock().contains(name)
    }

    /// The simulator handle underneath.
    pub fn handle(&self) -> &SimHandle {
        &self.handle
    }
}

struct SimTimer {
    handle: SimHandle,
    id: TimerId,
}

impl TimerHandle for SimTimer {
    fn stop(&self) -> bool {
        self.handle.stop_timer(self.id)
    }
}

impl Runtime for SimRuntime {
    fn now(&self) -> Timestamp {
        self.handle.now()
    }

    fn spawn(&self, actor: String, task: BoxFuture<()>) {
        self.handle.spawn(actor, task);
    }

    fn after(
        &self,
        delay: Duration,
        actor: String,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Box<dyn TimerHandle> {
        let id = self.handle.after(delay, actor, f);
        Box::new(SimTimer {
            handle: self.handle.clone(),
            id,
        })
    }

    fn sleep(&self, delay: Duration) -> BoxFuture<()> {
        Box::pin(self.handle.sleep(delay))
    }

    fn step(&self, label: StepLabel) -> BoxFuture<()> {
        Box::pin(self.handle.step(label))
    }

    fn choose(&self, label: &str, options: usize) -> usize {
        let n = u64::try_from(options.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.handle.random(label, n)).unwrap_or(0)
    }

    fn wants_labels(&self) -> bool {
        self.labels
    }

    fn wants_touches(&self) -> bool {
        // The footprint check of debug builds compares accesses with the declared touches.
        self.labels || cfg!(debug_assertions)
    }

    fn mark(&self, name: &'static str) {
        self.marks.lock().insert(name);
        self.handle.mark(name);
    }
}
