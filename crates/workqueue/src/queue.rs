//! [`Queue`]: the typed queue, the delaying queue and the rate-limiting queue of client-go in
//! one handle, with every `Add`, `Get` and `Done` an interleaving point of the runtime.
//!
//! # Steps and footprints
//!
//! Every operation reads or writes the queue's state, which is the one resource
//! [`Queue::resource`] (`workqueue/<name>`). The async methods take a step that declares it
//! and then run the operation: [`Queue::get`] (`workqueue <name>: Get`), [`Queue::done`],
//! [`Queue::add`], [`Queue::add_after`], [`Queue::add_rate_limited`]. Code that is already
//! inside a step declaring the resource (an informer handler, whose delivery step declares
//! it; or a worker step that also locks the controller) uses the synchronous operations of
//! [`Queue::in_step`] instead. Upstream's operations are always atomic under the queue's lock,
//! so doing several inside one step changes no outcome.
//!
//! A delayed item is a timer of the runtime ([`Runtime::after`], actor
//! `workqueue <name>: ready <item>`): when it fires it adds the item, which is upstream's
//! `waitingLoop` moving a ready entry to the queue. Items due at the same instant are separate
//! timers, so the scheduler picks their order (upstream pops them in heap order, which is not
//! insertion order). The loop's 10 s heartbeat is not modelled: it only re-checks the heap and
//! would keep a simulation from ever being quiescent.
//!
//! # Waiting
//!
//! `Get`s are served in the order they were called, as Go's `sync.Cond` wakes waiters in FIFO
//! order: a `Get` waits, without taking a step, until it is the longest-waiting one and an
//! item is queued that no earlier `Get` was released for; then it takes its step and pops the
//! front item. Upstream a worker that calls `Get` while a woken waiter has not run yet can
//! take the item first; which of several idle, identical workers takes an item changes
//! nothing but the worker's name, so the simulation does not branch on it (with ten workers
//! it would multiply the schedules by up to ten per item). `ShutDown` releases every waiter.
//! `ShutDownWithDrain` waits on its own list (upstream shares the condition variable).

use std::collections::{BTreeMap, VecDeque};
use std::future::poll_fn;
use std::sync::{Arc, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use taintsim_seam::runtime::{Runtime, StepLabel, TimerHandle, Timestamp};
use taintsim_seam::sync::Mutex;

use crate::Item;
use crate::rate_limiter::RateLimiter;
use crate::typed::{Got, Typed};

/// A delayed item: when it becomes ready, and its timer.
struct Waiting {
    ready_at: Timestamp,
    /// Which timer is current, so that a replaced timer that fires anyway does nothing.
    seq: u64,
    timer: Box<dyn TimerHandle>,
}

struct State<T> {
    typed: Typed<T>,
    waiting: BTreeMap<T, Waiting>,
    next_seq: u64,
    limiter: Box<dyn RateLimiter<T>>,
    /// Waiting `Get`s, longest-waiting first, by id.
    getters: VecDeque<(u64, Waker)>,
    next_getter: u64,
    /// `Get`s released for a queued item that have not popped it yet.
    released: usize,
    /// Waiting `ShutDownWithDrain`s.
    drainers: Vec<Waker>,
}

struct Inner<T> {
    name: String,
    resource: String,
    rt: Arc<dyn Runtime>,
    state: Mutex<State<T>>,
}

/// A rate-limiting delaying workqueue of `T`; clones share it. See the module docs.
pub struct Queue<T: Item> {
    inner: Arc<Inner<T>>,
}

impl<T: Item> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Item> std::fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("Queue")
            .field("name", &self.inner.name)
            .field("queued", &st.typed.queued().collect::<Vec<_>>())
            .field("processing", &st.typed.processing().collect::<Vec<_>>())
            .field("waiting", &st.waiting.len())
            .finish()
    }
}

/// The queue's synchronous operations, for callers already inside a step that declares
/// [`Queue::resource`]. See the module docs.
pub struct InStep<'a, T: Item> {
    queue: &'a Queue<T>,
}

impl<T: Item> Queue<T> {
    /// `NewTypedRateLimitingQueueWithConfig(limiter, {Name: name})` over a delaying queue on
    /// `rt`'s clock and timers.
    pub fn new(
        rt: Arc<dyn Runtime>,
        name: impl Into<String>,
        limiter: Box<dyn RateLimiter<T>>,
    ) -> Self {
        let name = name.into();
        Self {
            inner: Arc::new(Inner {
                resource: format!("workqueue/{name}"),
                name,
                rt,
                state: Mutex::new(State {
                    typed: Typed::default(),
                    waiting: BTreeMap::new(),
                    next_seq: 0,
                    limiter,
                    getters: VecDeque::new(),
                    next_getter: 0,
                    released: 0,
                    drainers: Vec::new(),
                }),
            }),
        }
    }

    /// The queue's name (upstream's `Name` in the queue config).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The resource every operation touches: `workqueue/<name>`.
    pub fn resource(&self) -> &str {
        &self.inner.resource
    }

    /// The step label `workqueue <name>: <op>` touching [`Queue::resource`].
    pub fn label(&self, op: impl std::fmt::Display) -> StepLabel {
        StepLabel::with_touches(
            format!("workqueue {}: {op}", self.inner.name),
            [self.inner.resource.clone()],
        )
    }

    /// The synchronous operations; see [`InStep`].
    pub fn in_step(&self) -> InStep<'_, T> {
        InStep { queue: self }
    }

    /// `Get`: waits until an item is queued or the queue shuts down, then takes the step
    /// `workqueue <name>: Get` and pops the front item. `None` is upstream's `shutdown ==
    /// true`: shutting down and nothing left. After `ShutDown`, queued items are still handed
    /// out until none is left.
    pub async fn get(&self) -> Option<T> {
        let mut ticket = Ticket {
            queue: &self.inner,
            id: None,
            released: false,
        };
        loop {
            ticket.wait().await;
            self.inner.rt.step(self.label("Get")).await;
            let got = {
                let mut st = self.inner.state.lock();
                if std::mem::take(&mut ticket.released) {
                    st.released -= 1;
                }
                st.typed.get()
            };
            match got {
                Got::Item(item) => return Some(item),
                Got::ShutDown => return None,
                // Only after a shutdown released every waiter.
                Got::Empty => {}
            }
        }
    }

    /// `Done` as its own step.
    pub async fn done(&self, item: &T) {
        self.inner.rt.step(self.label(format!("Done {item}"))).await;
        self.in_step().done(item);
    }

    /// A worker's success path, `Forget(item)` then the deferred `Done(item)`, in the one Done
    /// step (Forget only resets the item's failure count).
    pub async fn forget_and_done(&self, item: &T) {
        self.inner
            .rt
            .step(self.label(format!("Forget, Done {item}")))
            .await;
        let q = self.in_step();
        q.forget(item);
        q.done(item);
    }

    /// `Add` as its own step.
    pub async fn add(&self, item: T) {
        self.inner.rt.step(self.label(format!("Add {item}"))).await;
        self.in_step().add(item);
    }

    /// `AddAfter` as its own step.
    pub async fn add_after(&self, item: T, delay: Duration) {
        self.inner
            .rt
            .step(self.label(format!("AddAfter {item} {delay:?}")))
            .await;
        self.in_step().add_after(item, delay);
    }

    /// `AddRateLimited` as its own step.
    pub async fn add_rate_limited(&self, item: T) {
        self.inner
            .rt
            .step(self.label(format!("AddRateLimited {item}")))
            .await;
        self.in_step().add_rate_limited(item);
    }

    /// `ShutDownWithDrain`: takes a step, shuts down and waits until no item is processing.
    pub async fn shut_down_with_drain(&self) {
        self.inner.rt.step(self.label("ShutDownWithDrain")).await;
        self.in_step().shut_down_now(true);
        poll_fn(|cx| {
            let mut st = self.inner.state.lock();
            if st.typed.draining() {
                st.drainers.push(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
    }

    /// Items queued and ready for `Get`, front first (upstream's mock queue calls them
    /// `Ready`).
    pub fn ready(&self) -> Vec<T> {
        self.inner.state.lock().typed.queued().cloned().collect()
    }

    /// Items a worker holds (between `Get` and `Done`).
    pub fn processing(&self) -> Vec<T> {
        self.inner
            .state
            .lock()
            .typed
            .processing()
            .cloned()
            .collect()
    }

    /// Delayed items with their ready times, earliest first (upstream's mock calls them
    /// `Later`).
    pub fn waiting(&self) -> Vec<(T, Timestamp)> {
        let st = self.inner.state.lock();
        let mut items: Vec<_> = st
            .waiting
            .iter()
            .map(|(item, w)| (w.ready_at, w.seq, item.clone()))
            .collect();
        items.sort();
        items.into_iter().map(|(at, _, item)| (item, at)).collect()
    }

    /// Whether nothing is queued, processing or waiting.
    pub fn is_idle(&self) -> bool {
        let st = self.inner.state.lock();
        st.typed.len() == 0 && st.typed.processing().next().is_none() && st.waiting.is_empty()
    }
}

/// One `Get`'s place among the waiting ones (see the module docs).
struct Ticket<'a, T> {
    queue: &'a Inner<T>,
    id: Option<u64>,
    /// Released for an item it has not popped yet (counted in `State::released`).
    released: bool,
}

impl<T: Item> Ticket<'_, T> {
    /// Waits, without a step, until this `Get` is released: it is the longest-waiting one and
    /// an item is queued that no earlier `Get` was released for, or the queue shuts down.
    async fn wait(&mut self) {
        let next = poll_fn(|cx| {
            let mut st = self.queue.state.lock();
            if st.typed.shutting_down() {
                self.leave(&mut st);
                return Poll::Ready(None);
            }
            let me = *self.id.get_or_insert_with(|| {
                st.next_getter += 1;
                st.next_getter
            });
            match st.getters.iter_mut().find(|(g, _)| *g == me) {
                Some((_, waker)) => waker.clone_from(cx.waker()),
                None => st.getters.push_back((me, cx.waker().clone())),
            }
            let first = st.getters.front().is_some_and(|(g, _)| *g == me);
            if !first || st.typed.len() <= st.released {
                return Poll::Pending;
            }
            st.getters.pop_front();
            self.id = None;
            st.released += 1;
            self.released = true;
            Poll::Ready(next_waiter(&st))
        })
        .await;
        // Woken outside the lock: an executor may poll the waiter from inside `wake`.
        if let Some(w) = next {
            w.wake();
        }
    }

    fn leave(&mut self, st: &mut State<T>) {
        if let Some(id) = self.id.take() {
            st.getters.retain(|(g, _)| *g != id);
        }
    }
}

impl<T> Drop for Ticket<'_, T> {
    /// A dropped `Get` gives up its place, and its release if it had one.
    fn drop(&mut self) {
        let next = {
            let mut st = self.queue.state.lock();
            if let Some(id) = self.id.take() {
                st.getters.retain(|(g, _)| *g != id);
            }
            if self.released {
                st.released -= 1;
            }
            next_waiter(&st)
        };
        if let Some(w) = next {
            w.wake();
        }
    }
}

/// The waker of the longest-waiting `Get`, if an item is queued that no `Get` was released
/// for.
fn next_waiter<T>(st: &State<T>) -> Option<Waker> {
    if st.typed.len() > st.released {
        st.getters.front().map(|(_, w)| w.clone())
    } else {
        None
    }
}

impl<T: Item> Inner<T> {
    /// The timer of a delayed item fired: upstream's `waitingLoop` adds it.
    fn fire(&self, item: T, seq: u64) {
        let wakers = {
            let mut st = self.state.lock();
            if st.waiting.get(&item).is_none_or(|w| w.seq != seq) {
                return;
            }
            st.waiting.remove(&item);
            add_locked(&mut st, item)
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// `Add` under the lock; returns the waker to wake after unlocking.
fn add_locked<T: Item>(st: &mut State<T>, item: T) -> Option<Waker> {
    if st.typed.add(item) {
        next_waiter(st)
    } else {
        None
    }
}

impl<T: Item> InStep<'_, T> {
    /// `Add`.
    pub fn add(&self, item: T) {
        let waker = add_locked(&mut self.queue.inner.state.lock(), item);
        // Woken outside the lock: an executor may poll the waiter from inside `wake`.
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// `AddAfter`: ignored while shutting down; `delay` zero or negative adds at once;
    /// otherwise the item becomes ready at now + `delay`, unless it is already waiting for an
    /// earlier time (the earlier time wins).
    pub fn add_after(&self, item: T, delay: Duration) {
        let inner = &self.queue.inner;
        if delay.is_zero() {
            if !inner.state.lock().typed.shutting_down() {
                self.add(item);
            }
            return;
        }
        let now = inner.rt.now();
        let ready_at = now + delay;
        let mut st = inner.state.lock();
        if st.typed.shutting_down() {
            return;
        }
        if let Some(w) = st.waiting.get(&item) {
            if w.ready_at <= ready_at {
                return;
            }
            w.timer.stop();
        }
        st.next_seq += 1;
        let seq = st.next_seq;
        let weak: Weak<Inner<T>> = Arc::downgrade(inner);
        let fired = item.clone();
        let timer = inner.rt.after(
            delay,
            format!("workqueue {}: ready {item}", inner.name),
            Box::new(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.fire(fired, seq);
                }
            }),
        );
        st.waiting.insert(
            item,
            Waiting {
                ready_at,
                seq,
                timer,
            },
        );
    }

    /// `AddRateLimited`: `AddAfter(item, limiter.When(item))`.
    pub fn add_rate_limited(&self, item: T) {
        let inner = &self.queue.inner;
        let now = inner.rt.now();
        let delay = inner.state.lock().limiter.when(&item, now);
        self.add_after(item, delay);
    }

    /// `Forget`: the rate limiter stops tracking the item.
    pub fn forget(&self, item: &T) {
        self.queue.inner.state.lock().limiter.forget(item);
    }

    /// `NumRequeues`.
    pub fn num_requeues(&self, item: &T) -> u64 {
        self.queue.inner.state.lock().limiter.num_requeues(item)
    }

    /// `Len`: items queued and ready.
    pub fn len(&self) -> usize {
        self.queue.inner.state.lock().typed.len()
    }

    /// Whether no item is queued and ready.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `Get` without waiting: the front item, or `None` if nothing is queued (for tests that
    /// drive the queue by hand, like upstream's mock queue).
    pub fn try_get(&self) -> Option<T> {
        match self.queue.inner.state.lock().typed.get() {
            Got::Item(item) => Some(item),
            Got::Empty | Got::ShutDown => None,
        }
    }

    /// `Done`.
    pub fn done(&self, item: &T) {
        let wakers: Vec<Waker> = {
            let mut st = self.queue.inner.state.lock();
            let mut wakers = Vec::new();
            if st.typed.done(item) {
                wakers.extend(next_waiter(&st));
            }
            if !st.typed.draining() {
                wakers.append(&mut st.drainers);
            }
            wakers
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Whether the item was added again while it is processing (or is queued).
    pub fn is_dirty(&self, item: &T) -> bool {
        self.queue.inner.state.lock().typed.is_dirty(item)
    }

    /// `ShutDown`: no more adds; waiting `Get`s return once the queue is empty; delayed items
    /// are dropped.
    pub fn shut_down(&self) {
        self.shut_down_now(false);
    }

    fn shut_down_now(&self, drain: bool) {
        let wakers: Vec<Waker> = {
            let mut st = self.queue.inner.state.lock();
            st.typed.shut_down(drain);
            for (_, w) in std::mem::take(&mut st.waiting) {
                w.timer.stop();
            }
            let mut wakers: Vec<Waker> = st.getters.iter().map(|(_, w)| w.clone()).collect();
            if !st.typed.draining() {
                wakers.append(&mut st.drainers);
            }
            wakers
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// `ShuttingDown`.
    pub fn shutting_down(&self) -> bool {
        self.queue.inner.state.lock().typed.shutting_down()
    }
}
