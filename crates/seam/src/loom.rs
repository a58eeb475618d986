//! The loom back end of the runtime seam, and the harness the `loom_*` model tests share: a
//! [`Runtime`] on loom threads, and the two ways a model is run (it must pass exhaustively, or
//! loom must catch the bug).
//!
//! Compiled only under `cfg(loom)` (the `loom` feature), like the model files that use it.
//!
//! # Time
//!
//! Loom does not model time. [`LoomRuntime`] stands at a fixed [`LoomRuntime::now`] and lets
//! the clock jump forward by its *horizon* at an unspecified moment during the model: a timer
//! whose delay is within the horizon fires on its own loom thread, racing with
//! [`TimerHandle::stop`]; a timer beyond it never fires while the model runs (the fake clock
//! of upstream's unit tests, never stepped that far). [`Runtime::sleep`] and
//! [`Runtime::step`] complete at once: the interleaving points loom explores are the loom
//! operations themselves (the queue mutex, the atomics, thread spawn and join).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread::JoinHandle;

use crate::runtime::{BoxFuture, Runtime, StepLabel, TimerHandle, Timestamp};

/// The fixed "now" of every model.
pub fn start() -> Timestamp {
    "2025-03-20T12:00:00Z".parse().expect("valid timestamp")
}

/// Go's `Timer.Stop` over a flag shared with the timer's thread: whoever swaps it first wins.
#[derive(Debug)]
struct LoomTimer {
    fired_or_stopped: Arc<AtomicBool>,
}

impl TimerHandle for LoomTimer {
    fn stop(&self) -> bool {
        !self.fired_or_stopped.swap(true, Ordering::SeqCst)
    }
}

/// A [`Runtime`] whose tasks are loom threads. See the module docs for its notion of time.
///
/// The model must call [`LoomRuntime::join_all`] before it returns: loom requires every
/// thread to finish, and the assertions after it see the final state.
pub struct LoomRuntime {
    now: Timestamp,
    horizon: Duration,
    // Test plumbing, not state under test: std mutexes, so they add no interleavings. They are
    // never held across a loom operation, so they cannot block one loom thread on another.
    threads: std::sync::Mutex<Vec<JoinHandle<()>>>,
    marks: std::sync::Mutex<Vec<&'static str>>,
}

impl std::fmt::Debug for LoomRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoomRuntime")
            .field("now", &self.now)
            .field("horizon", &self.horizon)
            .finish_non_exhaustive()
    }
}

impl LoomRuntime {
    /// A runtime at [`start`] whose every timer fires (on its own thread) unless stopped.
    pub fn new() -> Arc<Self> {
        Self::with_horizon(Duration::MAX)
    }

    /// A runtime at [`start`] whose timers fire only if their delay is at most `horizon`.
    pub fn with_horizon(horizon: Duration) -> Arc<Self> {
        Arc::new(Self {
            now: start(),
            horizon,
            threads: std::sync::Mutex::default(),
            marks: std::sync::Mutex::default(),
        })
    }

    fn spawn_thread(&self, f: impl FnOnce() + 'static) {
        let handle = loom::thread::spawn(f);
        self.threads.lock().expect("thread list").push(handle);
    }

    /// Joins every thread spawned so far, including those spawned by the threads it joins.
    ///
    /// # Panics
    /// If a joined thread panicked (loom normally propagates the panic itself first).
    pub fn join_all(&self) {
        loop {
            let next = self.threads.lock().expect("thread list").pop();
            let Some(handle) = next else { break };
            handle.join().expect("a loom thread panicked");
        }
    }

    /// Whether the code passed the coverage mark `name` (see [`Runtime::mark`]).
    pub fn has_mark(&self, name: &str) -> bool {
        self.marks.lock().expect("marks").contains(&name)
    }
}

impl Runtime for LoomRuntime {
    fn now(&self) -> Timestamp {
        self.now
    }

    fn spawn(&self, _actor: String, task: BoxFuture<()>) {
        self.spawn_thread(move || loom::future::block_on(task));
    }

    fn after(
        &self,
        delay: Duration,
        _actor: String,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Box<dyn TimerHandle> {
        let fired_or_stopped = Arc::new(AtomicBool::new(false));
        if delay <= self.horizon {
            let flag = fired_or_stopped.clone();
            self.spawn_thread(move || {
                if !flag.swap(true, Ordering::SeqCst) {
                    f();
                }
            });
        } else {
            // Beyond the horizon: it never fires while the model runs. Its handle still
            // answers `stop` (true, as for an armed timer).
            drop(f);
        }
        Box::new(LoomTimer { fired_or_stopped })
    }

    fn sleep(&self, _delay: Duration) -> BoxFuture<()> {
        Box::pin(std::future::ready(()))
    }

    fn step(&self, _label: StepLabel) -> BoxFuture<()> {
        Box::pin(std::future::ready(()))
    }

    /// Always the first option: loom explores thread interleavings, not data choices.
    fn choose(&self, _label: &str, _options: usize) -> usize {
        0
    }

    fn mark(&self, name: &'static str) {
        self.marks.lock().expect("marks").push(name);
    }
}

/// How a model is explored: its name (for the output) and its preemption bound.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// `file/case`, printed with the iteration count.
    pub name: &'static str,
    /// Loom's preemption bound (at most 3 in this crate).
    pub preemption_bound: usize,
}

impl Model {
    /// A model named `name` explored with the given preemption bound.
    ///
    /// # Panics
    /// If `preemption_bound` exceeds 3, the most this crate's time budget allows.
    pub const fn new(name: &'static str, preemption_bound: usize) -> Self {
        assert!(
            preemption_bound <= 3,
            "keep loom's preemption bound at 3 or less"
        );
        Self {
            name,
            preemption_bound,
        }
    }

    /// Every exploration setting is set here rather than taken from `LOOM_*` variables, so a
    /// result does not depend on the environment (`LOOM_LOG` and `LOOM_LOCATION`, which only
    /// add output, are still honoured). `Builder::new` still reads the variables and panics on
    /// a malformed one. `max_branches` is raised from 1 000 for the yielding spin loops.
    fn builder(&self) -> loom::model::Builder {
        let mut builder = loom::model::Builder::new();
        builder.max_threads = loom::MAX_THREADS;
        builder.max_branches = 10_000;
        builder.max_permutations = None;
        builder.max_duration = None;
        builder.preemption_bound = Some(self.preemption_bound);
        builder.checkpoint_file = None;
        builder
    }

    fn explore(
        &self,
        expect_panic: bool,
        f: impl Fn() + Sync + Send + 'static,
    ) -> (usize, Result<(), String>) {
        install_quiet_hook();
        let _quiet = ExpectPanic::set(expect_panic);
        let iterations = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = iterations.clone();
        let builder = self.builder();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            builder.check(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                f();
            });
        }))
        .map_err(|payload| panic_message(payload.as_ref()));
        (
            iterations.load(std::sync::atomic::Ordering::Relaxed),
            outcome,
        )
    }

    /// Explores `f` exhaustively within the bound and asserts that no interleaving panics.
    /// Returns the number of iterations.
    ///
    /// # Panics
    /// With loom's failure message, if an interleaving fails.
    pub fn check(&self, f: impl Fn() + Sync + Send + 'static) -> usize {
        let started = Instant::now();
        let (iterations, outcome) = self.explore(false, f);
        let elapsed = started.elapsed();
        if let Err(message) = outcome {
            panic!(
                "{}: an interleaving failed after {iterations} iterations \
                 (preemption bound {}): {message}",
                self.name, self.preemption_bound
            );
        }
        println!(
            "loom {}: passed, {iterations} iterations, exhaustive within preemption bound {}, {:.2?}",
            self.name, self.preemption_bound, elapsed
        );
        iterations
    }

    /// Explores `f` and asserts that loom finds an interleaving that panics with a message
    /// containing `expected`. Returns the message.
    ///
    /// # Panics
    /// If every interleaving within the bound passes, or one fails for another reason.
    pub fn check_caught(&self, expected: &str, f: impl Fn() + Sync + Send + 'static) -> String {
        let started = Instant::now();
        let (iterations, outcome) = self.explore(true, f);
        let elapsed = started.elapsed();
        match outcome {
            Ok(()) => panic!(
                "{}: expected loom to find a failure containing {expected:?}, but all \
                 {iterations} iterations passed (preemption bound {})",
                self.name, self.preemption_bound
            ),
            Err(message) => {
                assert!(
                    message.contains(expected),
                    "{}: loom found a failure, but not the expected one ({expected:?}): {message}",
                    self.name
                );
                println!(
                    "loom {}: caught as expected at iteration {iterations} \
                     (preemption bound {}), {:.2?}: {message}",
                    self.name, self.preemption_bound, elapsed
                );
                message
            }
        }
    }
}

/// The message of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

thread_local! {
    /// Set while this test thread runs a model that is meant to be caught. Loom runs all the
    /// model's threads on the test's OS thread, so the flag covers them all.
    static EXPECTING_PANIC: Cell<bool> = const { Cell::new(false) };
}

/// Sets [`EXPECTING_PANIC`] for one exploration and clears it when dropped.
struct ExpectPanic;

impl ExpectPanic {
    fn set(expect: bool) -> Self {
        EXPECTING_PANIC.with(|e| e.set(expect));
        Self
    }
}

impl Drop for ExpectPanic {
    fn drop(&mut self) {
        EXPECTING_PANIC.with(|e| e.set(false));
    }
}

/// Wraps the panic hook once per process: a panic in a model that is meant to be caught is
/// not printed (with its backtrace) by the hook, because [`Model::check_caught`] prints its
/// message in one line; every other panic goes to the previous hook unchanged.
fn install_quiet_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXPECTING_PANIC.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Counts named outcomes across all interleavings of a model, to show that the exploration
/// reached each interesting one (a model that passes only because loom never got there proves
/// nothing). Test plumbing: a std mutex, never held across a loom operation.
#[derive(Debug, Clone, Default)]
pub struct Outcomes(Arc<std::sync::Mutex<BTreeMap<&'static str, usize>>>);

impl Outcomes {
    /// Counts one interleaving that ended in `outcome`.
    pub fn record(&self, outcome: &'static str) {
        *self.0.lock().expect("outcomes").entry(outcome).or_default() += 1;
    }

    /// Prints the counts under `model` and asserts that every outcome in `expected` occurred.
    ///
    /// # Panics
    /// If one of `expected` was never recorded.
    pub fn assert_all_seen(&self, model: &str, expected: &[&'static str]) {
        let counts = self.0.lock().expect("outcomes").clone();
        let shown: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        println!("loom {model}: outcomes {{{}}}", shown.join(", "));
        for outcome in expected {
            assert!(
                counts.contains_key(outcome),
                "{model}: no interleaving reached {outcome:?}; seen {counts:?}"
            );
        }
    }
}
