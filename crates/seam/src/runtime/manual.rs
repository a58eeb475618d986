//! A hand-driven runtime for unit tests: a fake clock plus a FIFO of runnable tasks.
//!
//! Nothing runs until the test says so: [`ManualRuntime::run_until_stalled`] polls runnable
//! tasks in FIFO order, and [`ManualRuntime::advance`] moves the clock, firing due timers in
//! deadline order. A step simply yields once, so a task's steps interleave round-robin
//! with the other runnable tasks. This plays the role of upstream's fake clock in
//! `timed_workers_test.go`; the seeded simulator lives in `taintsim-sim`.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use super::{BoxFuture, Runtime, StepLabel, TimerHandle, Timestamp};

enum TimerAction {
    Callback(Box<dyn FnOnce() + Send>, Arc<AtomicBool>),
    Wake(Waker, Arc<AtomicBool>),
}

#[derive(Default)]
struct State {
    now: Option<Timestamp>,
    next_id: u64,
    tasks: BTreeMap<u64, BoxFuture<()>>,
    runnable: VecDeque<u64>,
    timers: BTreeMap<(Timestamp, u64), TimerAction>,
    steps: Vec<String>,
    marks: Vec<&'static str>,
}

/// See the module docs.
#[derive(Clone)]
pub struct ManualRuntime {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for ManualRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualRuntime")
            .field("now", &self.now())
            .finish_non_exhaustive()
    }
}

struct TaskWaker {
    id: u64,
    state: Arc<Mutex<State>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        let mut s = lock(&self.state);
        // The task may be mid-poll (and so out of `tasks`); a finished task's id is skipped
        // when popped.
        if !s.runnable.contains(&self.id) {
            s.runnable.push_back(self.id);
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

struct ManualTimer(Arc<AtomicBool>);

impl TimerHandle for ManualTimer {
    fn stop(&self) -> bool {
        !self.0.swap(true, Ordering::SeqCst)
    }
}

impl ManualRuntime {
    /// A runtime whose clock starts at `start`.
    pub fn new(start: Timestamp) -> Self {
        let state = State {
            now: Some(start),
            ..State::default()
        };
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// Polls runnable tasks until none is left. Returns the number of polls.
    pub fn run_until_stalled(&self) -> usize {
        let mut polls = 0;
        loop {
            let (id, mut task) = {
                let mut s = lock(&self.state);
                let Some(id) = s.runnable.pop_front() else {
                    return polls;
                };
                let Some(task) = s.tasks.remove(&id) else {
                    continue;
                };
                (id, task)
            };
            polls += 1;
            let waker = Waker::from(Arc::new(TaskWaker {
                id,
                state: self.state.clone(),
            }));
            if task
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
            {
                lock(&self.state).tasks.insert(id, task);
            }
        }
    }

    /// Moves the clock forward by `by`, firing every due timer in deadline order and running
    /// the tasks it makes runnable after each one.
    pub fn advance(&self, by: Duration) {
        self.move_clock(by, true);
    }

    /// Moves the clock forward by `by` and fires every due timer in deadline order, but runs
    /// no task: work a timer spawned stays runnable until [`Self::run_until_stalled`]. This
    /// opens the window between "the timer fired" and "its task started".
    pub fn fire_timers(&self, by: Duration) {
        self.move_clock(by, false);
    }

    fn move_clock(&self, by: Duration, run_tasks: bool) {
        let target = self.now() + by;
        loop {
            let action = {
                let mut s = lock(&self.state);
                let Some(entry) = s.timers.first_entry() else {
                    break;
                };
                if entry.key().0 > target {
                    break;
                }
                let ((at, _), action) = entry.remove_entry();
                s.now = Some(at);
                action
            };
            match action {
                TimerAction::Callback(f, done) => {
                    if !done.swap(true, Ordering::SeqCst) {
                        f();
                    }
                }
                TimerAction::Wake(w, done) => {
                    done.store(true, Ordering::SeqCst);
                    w.wake();
                }
            }
            if run_tasks {
                self.run_until_stalled();
            }
        }
        lock(&self.state).now = Some(target);
        if run_tasks {
            self.run_until_stalled();
        }
    }

    /// The number of tasks that have not finished.
    pub fn live_tasks(&self) -> usize {
        lock(&self.state).tasks.len()
    }

    /// The actions of every step taken so far, in order.
    pub fn steps(&self) -> Vec<String> {
        lock(&self.state).steps.clone()
    }

    /// The coverage marks passed so far, in order.
    pub fn marks(&self) -> Vec<&'static str> {
        lock(&self.state).marks.clone()
    }

    fn add_timer(
        &self,
        delay: Duration,
        action: impl FnOnce(Arc<AtomicBool>) -> TimerAction,
    ) -> Arc<AtomicBool> {
        let done = Arc::new(AtomicBool::new(false));
        let mut s = lock(&self.state);
        let at = s.now.unwrap_or_default() + delay;
        let seq = s.next_id;
        s.next_id += 1;
        s.timers.insert((at, seq), action(done.clone()));
        done
    }
}

impl Runtime for ManualRuntime {
    fn now(&self) -> Timestamp {
        lock(&self.state).now.unwrap_or_default()
    }

    fn spawn(&self, _actor: String, task: BoxFuture<()>) {
        let mut s = lock(&self.state);
        let id = s.next_id;
        s.next_id += 1;
        s.tasks.insert(id, task);
        s.runnable.push_back(id);
    }

    fn after(
        &self,
        delay: Duration,
        _actor: String,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Box<dyn TimerHandle> {
        Box::new(ManualTimer(
            self.add_timer(delay, |done| TimerAction::Callback(f, done)),
        ))
    }

    fn sleep(&self, delay: Duration) -> BoxFuture<()> {
        Box::pin(Sleep {
            rt: self.clone(),
            delay,
            done: None,
        })
    }

    fn step(&self, label: StepLabel) -> BoxFuture<()> {
        lock(&self.state).steps.push(label.action);
        Box::pin(YieldOnce(false))
    }

    /// Always the first option: unit tests see Go's random orders as the caller's order.
    fn choose(&self, _label: &str, _options: usize) -> usize {
        0
    }

    fn mark(&self, name: &'static str) {
        lock(&self.state).marks.push(name);
    }
}

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

struct Sleep {
    rt: ManualRuntime,
    delay: Duration,
    done: Option<Arc<AtomicBool>>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.done {
            Some(done) if done.load(Ordering::SeqCst) => Poll::Ready(()),
            Some(_) => Poll::Pending,
            None => {
                let waker = cx.waker().clone();
                let delay = self.delay;
                let done = self
                    .rt
                    .add_timer(delay, |done| TimerAction::Wake(waker, done));
                self.done = Some(done);
                Poll::Pending
            }
        }
    }
}
