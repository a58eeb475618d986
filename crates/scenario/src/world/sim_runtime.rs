//! The runtime seam's simulator back end: the controller's [`Runtime`] over a [`SimHandle`],
//! and the API side's [`Chooser`] over the simulator's recorded data choices.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use taintsim_api::Chooser;
use taintsim_controller::runtime::{BoxFuture, Runtime, Step, TimerHandle, Timestamp};
use taintsim_controller::sync::Mutex;
use taintsim_sim::{SimHandle, StepLabel, TimerId};

/// Runs the unchanged controller core on the deterministic simulator.
#[derive(Debug, Clone)]
pub struct SimRuntime {
    handle: SimHandle,
    marks: Arc<Mutex<BTreeSet<&'static str>>>,
}

impl SimRuntime {
    /// Wraps a simulator handle.
    pub fn new(handle: SimHandle) -> Self {
        Self {
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

    fn step(&self, step: Step) -> BoxFuture<()> {
        let label = StepLabel {
            action: step.action,
            touches: step.touches,
        };
        Box::pin(self.handle.step(label))
    }

    fn mark(&self, name: &'static str) {
        self.marks.lock().insert(name);
        self.handle.mark(name);
    }
}

/// Fault rolls of the API side, made as recorded data choices of the simulator.
#[derive(Debug, Clone)]
pub struct SimChooser {
    handle: SimHandle,
}

impl SimChooser {
    /// Wraps a simulator handle.
    pub fn new(handle: SimHandle) -> Self {
        Self { handle }
    }
}

impl Chooser for SimChooser {
    fn choose(&self, label: &str, options: usize) -> usize {
        let n = u64::try_from(options.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.handle.random(label, n)).unwrap_or(0)
    }
}
