//! The stress mode: the baseline users would otherwise reach for.
//!
//! Upstream found the 1.33 races with `stress ./devicetainteviction.test`: the same test, run
//! again and again on real threads until an unlucky interleaving shows up. [`stress`] does
//! the same with a scenario: every run assembles a fresh world (the API server, informers, the
//! unchanged controller core and the event sink, see [`crate::world::assemble`]) on a
//! multi-thread tokio runtime with [`StressOptions::threads`] workers and real time divided by
//! [`StressOptions::scale`], and plays the scenario's steps with the very
//! [`Actor`] the simulator uses. Nothing is recorded and nothing can be replayed: a failure
//! found here says *that* it can happen, not how.
//!
//! # One run
//!
//! - Every task and timer closure runs under a wrapper that catches its panic (keeping the
//!   process's panic hook quiet, since thousands of runs may panic) and records the first one,
//!   with the task's name and its last interleaving point. A panicking informer listener is
//!   reported like on the simulator, not lost in a dropped `JoinHandle`.
//! - The calling thread is the monitor: every [`StressOptions::poll`] of real time it wakes the
//!   actor's pending wait (the simulator wakes it after every step), judges
//!   `no-early-eviction` on new deletions and stops at the first panic or actor failure.
//! - The run ends when the actor has finished and the world is idle for
//!   [`StressOptions::settle`]: no task was polled, no timer or sleep is pending, the event
//!   sink is idle, no listener has a pending notification, no worker runs and the controller
//!   has synced. Then the oracles judged at quiescence (`eventual-eviction`,
//!   `one-event-per-invocation`, `metrics-agree`) are judged as on the simulator: task names
//!   are known here too (the wrapper sets them), so each work invocation keeps its own name.
//! - A run that does not end within [`StressOptions::run_timeout`] of real time is a
//!   [`Observed::StepFailure`].
//!
//! The outcome is the simulator's [`Observed`], so a scenario's expectation is judged the same
//! way. Virtual durations (`advance`, `within`, tolerations) shrink by the scale; a scale too
//! large for the machine makes `within` deadlines flaky, as real stress tests are.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use taintsim_api::Chooser;
use taintsim_controller::queue::Slot;
use taintsim_controller::runtime::{
    BoxFuture, Runtime, Step, TimerHandle, Timestamp, TokioRuntime,
};
use taintsim_controller::sync::Mutex;

use crate::model::{Expectation, Scenario};
use crate::oracle::OracleName;
use crate::oracle::judge::{QuiescentView, judge_deletion, judge_quiescent_view};
use crate::runner::actor::{Actor, ActorFailure, ActorState};
use crate::runner::checks::WorldView;
use crate::runner::faults::Faults;
use crate::runner::{Observed, RunError};
use crate::world::observe::CurrentActor;
use crate::world::{Parts, PartsConfig, assemble};

/// When a stress session stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StressLimit {
    /// After this many runs.
    Runs(u64),
    /// Once this much real time has passed (the run in progress finishes first).
    Duration(Duration),
}

/// How to stress a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressOptions {
    /// Worker threads of each run's tokio runtime.
    pub threads: usize,
    /// How much faster than the wall clock the controller's clock runs (0 counts as 1).
    pub scale: u32,
    /// When to stop.
    pub limit: StressLimit,
    /// Stop after the first run that does not pass.
    pub stop_on_failure: bool,
    /// The real-time bound of one run.
    pub run_timeout: Duration,
    /// How often the monitor wakes the actor and looks at the world, in real time.
    pub poll: Duration,
    /// How long the world must stay idle before a run counts as finished, in real time.
    pub settle: Duration,
}

impl Default for StressOptions {
    /// One worker thread per CPU, scale 1000, 100 runs, 30 s per run, poll every 100 µs,
    /// settle 2 ms.
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(2, usize::from),
            scale: 1000,
            limit: StressLimit::Runs(100),
            stop_on_failure: false,
            run_timeout: Duration::from_secs(30),
            poll: Duration::from_micros(100),
            settle: Duration::from_millis(2),
        }
    }
}

/// The result of one run on the tokio back end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressRun {
    /// What happened, judged as on the simulator.
    pub observed: Observed,
    /// Real time the run took, assembling and shutting down included.
    pub wall: Duration,
    /// Interleaving points ([`Runtime::step`] calls) passed by every task together.
    pub steps: u64,
    /// Panics caught in tasks and timer closures (the first one is the outcome).
    pub panics: u64,
}

/// A run that did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressFailure {
    /// Which run, counting from 1.
    pub run: u64,
    /// What it showed.
    pub observed: Observed,
    /// Real time from the start of the session to the end of that run.
    pub elapsed: Duration,
}

/// Where a stress session stands, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StressProgress {
    /// Runs so far.
    pub runs: u64,
    /// How many of them did not pass.
    pub failures: u64,
    /// Real time since the session started.
    pub elapsed: Duration,
}

/// The result of a stress session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressSummary {
    /// Runs made.
    pub runs: u64,
    /// Runs that did not pass.
    pub failures: u64,
    /// How many runs ended in each outcome (by [`Observed::short`]).
    pub outcomes: BTreeMap<String, u64>,
    /// The first run that did not pass.
    pub first_failure: Option<StressFailure>,
    /// The first run that showed the scenario's expected failure (`None` for `pass`).
    pub first_expected: Option<StressFailure>,
    /// Real time of the whole session.
    pub elapsed: Duration,
    /// Worker threads per run.
    pub threads: usize,
    /// The time scale.
    pub scale: u32,
    /// Whether the scenario's expectation holds over the runs: for `pass`, at least one run
    /// and no failure; otherwise the expected outcome was found and no other kind of failure
    /// was (as for `explore`).
    pub ok: bool,
}

/// Runs `scenario` on the tokio back end until `options.limit`, judging its expectation over
/// the runs. `on_progress` is called after every run.
pub fn stress(
    scenario: &Scenario,
    options: &StressOptions,
    on_progress: &mut dyn FnMut(&StressProgress),
) -> Result<StressSummary, RunError> {
    let started = Instant::now();
    let mut summary = StressSummary {
        runs: 0,
        failures: 0,
        outcomes: BTreeMap::new(),
        first_failure: None,
        first_expected: None,
        elapsed: Duration::ZERO,
        threads: options.threads.max(1),
        scale: options.scale.max(1),
        ok: false,
    };
    let mut unexpected = false;
    loop {
        let more = match options.limit {
            StressLimit::Runs(n) => summary.runs < n,
            StressLimit::Duration(d) => started.elapsed() < d,
        };
        if !more {
            break;
        }
        let run = stress_run(scenario, options)?;
        summary.runs += 1;
        *summary.outcomes.entry(run.observed.short()).or_default() += 1;
        let failed = !run.observed.is_pass();
        if failed {
            summary.failures += 1;
            let failure = StressFailure {
                run: summary.runs,
                observed: run.observed.clone(),
                elapsed: started.elapsed(),
            };
            if run.observed.matches(&scenario.expect) {
                summary
                    .first_expected
                    .get_or_insert_with(|| failure.clone());
            } else {
                unexpected = true;
            }
            summary.first_failure.get_or_insert(failure);
        }
        on_progress(&StressProgress {
            runs: summary.runs,
            failures: summary.failures,
            elapsed: started.elapsed(),
        });
        if failed && options.stop_on_failure {
            break;
        }
    }
    summary.elapsed = started.elapsed();
    summary.ok = match scenario.expect {
        Expectation::Pass => summary.runs > 0 && summary.failures == 0,
        _ => summary.first_expected.is_some() && !unexpected,
    };
    Ok(summary)
}

/// Runs `scenario` once on a fresh multi-thread tokio runtime (see the module docs).
pub fn stress_run(scenario: &Scenario, options: &StressOptions) -> Result<StressRun, RunError> {
    let began = Instant::now();
    let w = &scenario.world;
    let start: Timestamp = w
        .start_time
        .parse()
        .map_err(|_| RunError::StartTime(w.start_time.clone()))?;
    install_hook();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .thread_name("taintsim-stress")
        .enable_time()
        .build()
        .map_err(|e| RunError::Unsupported(format!("cannot start a tokio runtime: {e}")))?;
    let shared = Arc::new(RunShared::default());
    let rt = Arc::new(StressRuntime::new(
        TokioRuntime::with_scale(tokio.handle().clone(), options.scale),
        start,
        shared.clone(),
    ));
    let entered = tokio.enter();
    let actor_name: CurrentActor = Arc::new(|| {
        CURRENT
            .with(|c| c.borrow().as_ref().map(|t| t.actor.clone()))
            .unwrap_or_else(|| "?".to_owned())
    });
    let config = PartsConfig {
        behavior: scenario.behavior,
        objects: scenario.objects.iter().map(|o| o.0.clone()).collect(),
        event_queue_size: w.event_queue_size,
        watch_window: w.watch_window,
        default_taint_time_added: w.default_taint_time_added,
        component: w.component.clone(),
    };
    let parts = match assemble(rt.clone(), actor_name, config) {
        Ok(parts) => parts,
        Err(e) => {
            drop(entered);
            tokio.shutdown_background();
            return Err(RunError::InitialObject(e.to_string()));
        }
    };

    let state = Arc::new(Mutex::new(ActorState::default()));
    let marks = shared.clone();
    let view = WorldView {
        server: parts.server.clone(),
        metrics: parts.metrics.clone(),
        has_mark: Arc::new(move |name: &str| marks.marks.lock().contains(name)),
        controller: parts.controller.clone(),
    };
    let faults = Arc::new(Mutex::new(Faults::new(
        parts.server.clone(),
        parts.informers.clone(),
        Dice(AtomicU64::new(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
        )),
    )));
    let actor = Actor {
        rt: rt.clone(),
        view,
        faults: faults.clone(),
        state: state.clone(),
    };
    rt.spawn("scenario".to_owned(), actor.run(scenario.steps.clone()));

    let exempt: Vec<OracleName> = scenario.exempt.iter().map(|e| e.oracle).collect();
    let observed = monitor(
        &parts,
        &shared,
        &state,
        scenario.steps.len(),
        &exempt,
        options,
    );

    drop(faults);
    for informer in [
        &parts.informers.pods,
        &parts.informers.claims,
        &parts.informers.slices,
        &parts.informers.rules,
    ] {
        informer.stop();
    }
    parts.broadcaster.shutdown();
    drop(entered);
    tokio.shutdown_background();
    Ok(StressRun {
        observed,
        wall: began.elapsed(),
        steps: shared.steps.load(Ordering::SeqCst),
        panics: shared.panics.load(Ordering::SeqCst),
    })
}

/// The monitor loop of one run (see the module docs).
fn monitor(
    parts: &Parts,
    shared: &RunShared,
    state: &Mutex<ActorState>,
    steps: usize,
    exempt: &[OracleName],
    options: &StressOptions,
) -> Observed {
    let began = Instant::now();
    let mut judged = 0;
    let mut idle_since: Option<(Instant, u64)> = None;
    loop {
        std::thread::sleep(options.poll);
        if let Some(p) = shared.first_panic() {
            return p;
        }
        let (waiter, failure, completed) = {
            let mut st = state.lock();
            (st.waiter.take(), st.failure.clone(), st.completed)
        };
        if let Some(w) = waiter {
            w.wake();
        }
        match failure {
            Some(ActorFailure::Assertion(message)) => {
                return Observed::AssertionFailure { message };
            }
            Some(ActorFailure::Step(message)) => return Observed::StepFailure { message },
            None => {}
        }
        {
            let log = parts.log.lock();
            for d in &log.deletions[judged..] {
                if let Some(v) = judge_deletion(d).filter(|v| !exempt.contains(&v.oracle)) {
                    return Observed::Violation {
                        oracle: v.oracle,
                        message: v.message,
                    };
                }
            }
            judged = log.deletions.len();
        }
        let polls = shared.polls.load(Ordering::SeqCst);
        if completed == steps && world_idle(parts, shared) {
            match idle_since {
                Some((since, at)) if at == polls => {
                    if since.elapsed() >= options.settle {
                        break;
                    }
                }
                _ => idle_since = Some((Instant::now(), polls)),
            }
        } else {
            idle_since = None;
        }
        if began.elapsed() >= options.run_timeout {
            return Observed::StepFailure {
                message: format!(
                    "the run did not become idle within {:?} of real time (the scenario actor \
                     completed {completed} of {steps} steps)",
                    options.run_timeout
                ),
            };
        }
    }
    let view = QuiescentView {
        server: &parts.server,
        metrics: &parts.metrics,
        log: &parts.log,
    };
    let verdict = judge_quiescent_view(view, exempt);
    if let Some(p) = shared.first_panic() {
        return p;
    }
    match verdict {
        Some(v) => Observed::Violation {
            oracle: v.oracle,
            message: v.message,
        },
        None => Observed::Pass,
    }
}

/// Whether nothing is pending in the world (the monitor also requires that no task was polled
/// for the settle window).
fn world_idle(parts: &Parts, shared: &RunShared) -> bool {
    let i = &parts.informers;
    shared.timers.load(Ordering::SeqCst) == 0
        && shared.sleeps.load(Ordering::SeqCst) == 0
        && parts.controller.has_synced()
        && parts.broadcaster.is_idle()
        && [&i.pods, &i.claims, &i.slices, &i.rules]
            .iter()
            .all(|i| i.pending_notifications() == 0)
        && parts.controller.queue().is_none_or(|q| {
            q.running_workers() == 0
                && q.entries()
                    .iter()
                    .all(|(_, slot)| matches!(slot, Slot::Finished))
        })
}

/// Fault rolls in the stress mode: a splitmix64 sequence (nothing is replayed here).
struct Dice(AtomicU64);

impl Chooser for Dice {
    fn choose(&self, _label: &str, options: usize) -> usize {
        let mut z = self
            .0
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::SeqCst)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z % options.max(1) as u64) as usize
    }
}

/// What the runtime wrapper of one run counts and catches.
#[derive(Default)]
struct RunShared {
    /// Polls of wrapped tasks and timer closures run.
    polls: AtomicU64,
    /// Interleaving points passed.
    steps: AtomicU64,
    /// Timers armed and neither fired nor stopped.
    timers: AtomicI64,
    /// Sleeps created and neither finished nor dropped.
    sleeps: AtomicI64,
    /// Panics caught.
    panics: AtomicU64,
    /// The first panic, as the run's outcome.
    first: Mutex<Option<Observed>>,
    /// Coverage marks passed.
    marks: Mutex<BTreeSet<&'static str>>,
}

impl RunShared {
    fn first_panic(&self) -> Option<Observed> {
        self.first.lock().clone()
    }

    fn record(&self, task: &TaskInfo, caught: Caught) {
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
struct TaskInfo {
    actor: String,
    /// The task's last interleaving point.
    action: Mutex<String>,
}

impl TaskInfo {
    fn new(actor: String, action: &str) -> Arc<Self> {
        Arc::new(Self {
            actor,
            action: Mutex::new(action.to_owned()),
        })
    }
}

thread_local! {
    /// The wrapped task being polled on this thread, if any.
    static CURRENT: RefCell<Option<Arc<TaskInfo>>> = const { RefCell::new(None) };
    /// Whether the panic hook keeps quiet (a wrapped task or closure runs on this thread).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    /// The location the hook saw for the last quiet panic on this thread.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that records the location of panics in wrapped
/// tasks and prints nothing for them; other panics go to the previous hook.
fn install_hook() {
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
struct Caught {
    message: String,
    location: Option<String>,
}

/// Runs `f` as the task `task`: its name is current and a panic is caught quietly.
fn run_as<R>(task: &Arc<TaskInfo>, f: impl FnOnce() -> R) -> Result<R, Caught> {
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

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// A spawned task under the wrapper: named, counted, its panic caught and recorded.
struct CatchTask {
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
struct CountGuard(Arc<RunShared>, fn(&RunShared) -> &AtomicI64);

impl CountGuard {
    fn new(shared: &Arc<RunShared>, counter: fn(&RunShared) -> &AtomicI64) -> Self {
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
struct StressTimer {
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
struct StressRuntime {
    inner: TokioRuntime,
    offset: jiff::SignedDuration,
    shared: Arc<RunShared>,
}

impl StressRuntime {
    fn new(inner: TokioRuntime, start: Timestamp, shared: Arc<RunShared>) -> Self {
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

    fn step(&self, step: Step) -> BoxFuture<()> {
        self.shared.steps.fetch_add(1, Ordering::SeqCst);
        CURRENT.with(|c| {
            if let Some(task) = c.borrow().as_ref() {
                *task.action.lock() = step.action.clone();
            }
        });
        self.inner.step(step)
    }

    fn mark(&self, name: &'static str) {
        self.shared.marks.lock().insert(name);
    }
}
