//! Threads for the harness: several schedules at once, each a whole run on its own
//! single-threaded simulator. Nothing here reaches simulated code; the simulator never sees
//! a thread or a clock.
//!
//! What runs where never changes a result: the searches that use these helpers collect each
//! piece of work under its place in the sequential order (a seed's position, a subtree's path)
//! and combine them in that order, so one thread and many give the same answer.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

/// The default number of worker threads: the parallelism the machine offers (1 if unknown).
pub fn available_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A worker: it sends events through the function it is given.
pub(crate) type Worker<'a, E> = dyn Fn(&dyn Fn(E)) + Sync + 'a;

/// Runs `worker` on `jobs` threads (on the calling thread if `jobs` is 1) and hands every
/// event a worker sends to `on_event`, on the calling thread, as it comes. Returns when every
/// worker has returned.
pub(crate) fn run_workers<E: Send>(
    jobs: usize,
    worker: &Worker<'_, E>,
    on_event: &mut dyn FnMut(E),
) {
    if jobs <= 1 {
        let on_event = RefCell::new(on_event);
        worker(&|e| (on_event.borrow_mut())(e));
        return;
    }
    let (tx, rx) = mpsc::channel::<E>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            scope.spawn(move || {
                // A send fails only once the receiver is gone, which it never is before the
                // scope ends.
                worker(&|e| drop(tx.send(e)));
            });
        }
        drop(tx);
        for event in rx {
            on_event(event);
        }
    });
}

/// Schedules a worker counts before it reports them: waking the calling thread for every
/// schedule costs a context switch each, a few percent of the run time on two cores.
const BATCH: u64 = 64;

/// A worker's progress not yet sent: schedules and failures.
pub(crate) struct Batch<'a> {
    send: &'a dyn Fn((u64, u64)),
    schedules: u64,
    failures: u64,
}

impl<'a> Batch<'a> {
    pub(crate) fn new(send: &'a dyn Fn((u64, u64))) -> Self {
        Self {
            send,
            schedules: 0,
            failures: 0,
        }
    }

    /// Counts one schedule.
    pub(crate) fn add(&mut self, failed: bool) {
        self.schedules += 1;
        self.failures += u64::from(failed);
        if self.schedules >= BATCH || failed {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.schedules > 0 {
            (self.send)((self.schedules, self.failures));
            (self.schedules, self.failures) = (0, 0);
        }
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The lowest `i` in `0..n` for which `work(i)` is decisive, with its result; `None` if no
/// result is. This is the sequential loop "try 0, 1, 2, ... and stop at the first decisive
/// one" run on `jobs` threads: a thread stops taking indices above the lowest decisive one
/// found, and results at higher indices are dropped, so the answer, and how many indices the
/// sequential loop would have tried (the index plus one), do not depend on `jobs`.
pub fn first_decisive<T: Send>(
    n: usize,
    jobs: usize,
    work: &(dyn Fn(usize) -> T + Sync),
    decisive: &(dyn Fn(&T) -> bool + Sync),
) -> Option<(usize, T)> {
    if jobs <= 1 || n <= 1 {
        return (0..n).find_map(|i| {
            let result = work(i);
            decisive(&result).then_some((i, result))
        });
    }
    let next = AtomicUsize::new(0);
    let best: Mutex<Option<(usize, T)>> = Mutex::new(None);
    let lowest = AtomicUsize::new(usize::MAX);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(n) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n || i > lowest.load(Ordering::Relaxed) {
                        return;
                    }
                    let result = work(i);
                    if decisive(&result) {
                        lowest.fetch_min(i, Ordering::Relaxed);
                        let mut best = best.lock().unwrap_or_else(PoisonError::into_inner);
                        if best.as_ref().is_none_or(|(b, _)| i < *b) {
                            *best = Some((i, result));
                        }
                    }
                }
            });
        }
    });
    best.into_inner().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_decisive_should_find_the_lowest_index_whatever_the_jobs() {
        for jobs in [1, 2, 4, 9] {
            let got = first_decisive(100, jobs, &|i| i * 3, &|v| *v % 7 == 5 && *v > 40);
            assert_eq!(got, Some((18, 54)), "jobs {jobs}");
            assert_eq!(first_decisive(10, jobs, &|i| i, &|_| false), None);
            assert_eq!(first_decisive(0, jobs, &|i| i, &|_| true), None);
        }
    }

    #[test]
    fn run_workers_should_deliver_every_event_on_the_calling_thread() {
        for jobs in [1, 3] {
            let next = AtomicUsize::new(0);
            let mut seen = Vec::new();
            run_workers(
                jobs,
                &|send: &dyn Fn(usize)| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= 50 {
                            return;
                        }
                        send(i);
                    }
                },
                &mut |i| seen.push(i),
            );
            seen.sort_unstable();
            assert_eq!(seen, (0..50).collect::<Vec<_>>(), "jobs {jobs}");
        }
    }
}
