//! The runtime wrapper of one stress run: the tokio back end with every task and timer
//! closure wrapped so that panics are caught quietly and attributed to a task, and with the
//! counters the monitor reads to tell when the world is idle.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::task::{Context, Poll};
use std::time::Duration;

use taintsim_seam::runtime::{BoxFuture, Runtime, StepLabel, TimerHandle, Timestamp};
use taintsim_seam::sync::Mutex;

use super::TokioRuntime;
use taintsim_check::Observed;

/// What the runtime wrapper of one run counts and catches.
#[derive(Default)]
pub(super) struct RunShared {
    /// Polls of wrapped tasks and timer closures run.
    pub(super) polls: AtomicU64,
    /// Interleaving points passed.
    pub(super) steps: AtomicU64,
    /// Timers armed and neither fired nor stopped.
    pub(super) timers: AtomicI64,
    /// Sleeps created and neither finished nor dropped.
    pub(super) sleeps: AtomicI64,
    /// Panics caught.
    pub(super) panics: AtomicU64,
    /// The first panic, as the run's outcome.
    first: Mutex<Option<Observed>>,
    /// Coverage marks passed.
    pub(super) marks: Mutex<BTreeSet<&'static str>>,
}

impl RunShared {
    pub(super) fn first_panic(&self) -> Option<Observed> {
        self.first.lock().clone()
    }

    pub(super) fn record(&self, task: &TaskInfo, caught: Caught) {
        let step = self.steps.load(Ordering::SeqCst);
        self.panics.fetch_add(1, Ordering::SeqCst);
        let mut first = self.first.lock();
        if first.is_none() {
            *first = Some(Observed::Panic {
                message: caught.message,
                actor: task.actor.clone(),
                action: task.action.lock().clone(),
                step,
                location: caught.location,
            });
        }
    }
}

/// The task (or timer closure) being polled on this thread.
pub(super) struct TaskInfo {
    pub(super) actor: String,
    /// The task's last interleaving point.
    action: Mutex<String>,
}

impl TaskInfo {
    pub(super) fn new(actor: String, action: &str) -> Arc<Self> {
        Arc::new(Self {
            actor,
            action: Mutex::new(action.to_owned()),
        })
    }
}

thread_local! {
    /// The wrapped task being polled on this thread, if any.
    pub(super) static CURRENT: RefCell<Option<Arc<TaskInfo>>> = const { RefCell::new(None) };
    /// Whether the panic hook keeps quiet (a wrapped task or closure runs on this thread).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    /// The location the hook saw for the last quiet panic on this thread.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub(super) static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that records the location of panics in wrapped
/// tasks and prints nothing for them; other panics go to the previous hook.
pub(super) fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if INSIDE.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LOCATION.with(|slot| *slot.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// A caught panic.
pub(super) struct Caught {
    message: String,
    location: Option<String>,
}

/// Runs `f` as the task `task`: its name is current and a panic is caught quietly.
pub(super) fn run_as<R>(task: &Arc<TaskInfo>, f: impl FnOnce() -> R) -> Result<R, Caught> {
    let outer = CURRENT.with(|c| c.replace(Some(task.clone())));
    let was_inside = INSIDE.with(|i| i.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    INSIDE.with(|i| i.set(was_inside));
    CURRENT.with(|c| *c.borrow_mut() = outer);
    result.map_err(|payload| Caught {
        message: payload_message(payload.as_ref()),
        location: LOCATION.with(|slot| slot.borrow_mut().take()),
    })
}

pub(super) fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// A spawned task under the wrapper: named, counted, its panic caught and recorded.
pub(super) struct CatchTask {
    inner: Option<BoxFuture<()>>,
    task: Arc<TaskInfo>,
    shared: Arc<RunShared>,
}

impl Future for CatchTask {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(());
        };
        this.shared.polls.fetch_add(1, Ordering::SeqCst);
        match run_as(&this.task, || inner.as_mut().poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => {
                this.inner = None;
                Poll::Ready(())
            }
            Err(caught) => {
                this.inner = None;
                this.shared.record(&this.task, caught);
                Poll::Ready(())
            }
        }
    }
}

/// Decrements a counter when dropped.
pub(super) struct CountGuard(Arc<RunShared>, fn(&RunShared) -> &AtomicI64);

impl CountGuard {
    pub(super) fn new(shared: &Arc<RunShared>, counter: fn(&RunShared) -> &AtomicI64) -> Self {
        counter(shared).fetch_add(1, Ordering::SeqCst);
        Self(shared.clone(), counter)
    }
}

impl Drop for CountGuard {
    fn drop(&mut self) {
        (self.1)(&self.0).fetch_sub(1, Ordering::SeqCst);
    }
}

/// A timer of the wrapper: stopping it before it fires un-counts it.
pub(super) struct StressTimer {
    inner: Box<dyn TimerHandle>,
    shared: Arc<RunShared>,
}

impl TimerHandle for StressTimer {
    fn stop(&self) -> bool {
        let stopped = self.inner.stop();
        if stopped {
            self.shared.timers.fetch_sub(1, Ordering::SeqCst);
        }
        stopped
    }
}

/// The tokio back end under the stress wrapper: the clock starts at the scenario's start time,
/// tasks and timer closures are named, counted and their panics caught.
pub(super) struct StressRuntime {
    inner: TokioRuntime,
    offset: jiff::SignedDuration,
    shared: Arc<RunShared>,
}

impl StressRuntime {
    pub(super) fn new(inner: TokioRuntime, start: Timestamp, shared: Arc<RunShared>) -> Self {
        let offset = start.duration_since(inner.now());
        Self {
            inner,
            offset,
            shared,
        }
    }
}

impl Runtime for StressRuntime {
    fn now(&self) -> Timestamp {
        let now = self.inner.now();
        now.checked_add(self.offset).unwrap_or(now)
    }

    fn spawn(&self, actor: String, task: BoxFuture<()>) {
        let wrapped = CatchTask {
            inner: Some(task),
            task: TaskInfo::new(actor.clone(), "start"),
            shared: self.shared.clone(),
        };
        self.inner.spawn(actor, Box::pin(wrapped));
    }

    fn after(
        &self,
        delay: Duration,
        actor: String,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Box<dyn TimerHandle> {
        self.shared.timers.fetch_add(1, Ordering::SeqCst);
        let shared = self.shared.clone();
        let task = TaskInfo::new(actor.clone(), "fire");
        let fire = move || {
            shared.polls.fetch_add(1, Ordering::SeqCst);
            if let Err(caught) = run_as(&task, f) {
                shared.record(&task, caught);
            }
            shared.timers.fetch_sub(1, Ordering::SeqCst);
        };
        Box::new(StressTimer {
            inner: self.inner.after(delay, actor, Box::new(fire)),
            shared: self.shared.clone(),
        })
    }

    fn sleep(&self, delay: Duration) -> BoxFuture<()> {
        let guard = CountGuard::new(&self.shared, |s| &s.sleeps);
        let sleep = self.inner.sleep(delay);
        Box::pin(async move {
            sleep.await;
            drop(guard);
        })
    }

    fn step(&self, step: StepLabel) -> BoxFuture<()> {
        self.shared.steps.fetch_add(1, Ordering::SeqCst);
        CURRENT.with(|c| {
            if let Some(task) = c.borrow().as_ref() {
                *task.action.lock() = step.action.clone();
            }
        });
        self.inner.step(step)
    }

    fn choose(&self, label: &str, options: usize) -> usize {
        self.inner.choose(label, options)
    }

    fn mark(&self, name: &'static str) {
        self.shared.marks.lock().insert(name);
    }
}
