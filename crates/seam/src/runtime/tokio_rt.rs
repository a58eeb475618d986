//! The tokio back end of the runtime seam: real threads, real time divided by a scale factor,
//! and data choices from a ChaCha generator seeded by the wall clock. It is the baseline a
//! user would otherwise reach for, so nothing here is deterministic or replayed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{BoxFuture, Runtime, StepLabel, TimerHandle, Timestamp};
use crate::sync::Mutex;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Runs tasks on the current tokio runtime. Delays are divided by `scale`, so a stress run
/// can compress the controller's 10 ms retry sleeps and minute-long tolerations; `now` runs
/// `scale` times faster than the wall clock from the moment the runtime was created.
#[derive(Debug, Clone)]
pub struct TokioRuntime {
    handle: tokio::runtime::Handle,
    start_wall: std::time::Instant,
    start: Timestamp,
    scale: u32,
    dice: Arc<Mutex<ChaCha8Rng>>,
}

impl TokioRuntime {
    /// A runtime on the tokio runtime of the calling context, with real time (`scale` 1).
    ///
    /// # Panics
    /// Panics when called outside a tokio runtime.
    pub fn current() -> Self {
        Self::with_scale(tokio::runtime::Handle::current(), 1)
    }

    /// A runtime on `handle` whose clock runs `scale` times faster than the wall clock.
    /// A scale of 0 is treated as 1.
    pub fn with_scale(handle: tokio::runtime::Handle, scale: u32) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            handle,
            start_wall: std::time::Instant::now(),
            start: Timestamp::now(),
            scale: scale.max(1),
            dice: Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed))),
        }
    }

    fn scaled(&self, delay: Duration) -> Duration {
        delay / self.scale
    }
}

struct TokioTimer {
    fired_or_stopped: Arc<AtomicBool>,
}

impl TimerHandle for TokioTimer {
    fn stop(&self) -> bool {
        !self.fired_or_stopped.swap(true, Ordering::SeqCst)
    }
}

impl Runtime for TokioRuntime {
    fn now(&self) -> Timestamp {
        let elapsed = self.start_wall.elapsed() * self.scale;
        let elapsed = jiff::SignedDuration::try_from(elapsed).unwrap_or(jiff::SignedDuration::MAX);
        self.start.saturating_add(elapsed).unwrap_or(self.start)
    }

    fn spawn(&self, _actor: String, task: BoxFuture<()>) {
        drop(self.handle.spawn(task));
    }

    fn after(
        &self,
        delay: Duration,
        _actor: String,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Box<dyn TimerHandle> {
        let flag = Arc::new(AtomicBool::new(false));
        let fire = flag.clone();
        let delay = self.scaled(delay);
        drop(self.handle.spawn(async move {
            tokio::time::sleep(delay).await;
            if !fire.swap(true, Ordering::SeqCst) {
                f();
            }
        }));
        Box::new(TokioTimer {
            fired_or_stopped: flag,
        })
    }

    fn sleep(&self, delay: Duration) -> BoxFuture<()> {
        Box::pin(tokio::time::sleep(self.scaled(delay)))
    }

    fn step(&self, _label: StepLabel) -> BoxFuture<()> {
        Box::pin(tokio::task::yield_now())
    }

    fn choose(&self, _label: &str, options: usize) -> usize {
        self.dice.lock().random_range(0..options.max(1))
    }
}
