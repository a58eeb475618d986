//! Loom model of the race closed by #134945's cancelled flag: a worker that starts after
//! `CancelAndWait` returned.
//!
//! Threads:
//! - the model thread calls `AddWork(fireAt = now + 10s)`, which arms a timer, then shuts the
//!   queue down with `block_on(CancelAndWait())` and sets a "shutdown done" flag;
//! - the timer thread T fires (the clock horizon includes the 10 s), unless `CancelAndWait`'s
//!   `Timer.Stop` wins, and starts
//! - a worker thread W, which registers with the wait group, checks the cancelled flag (V4+)
//!   and runs the work. The work records whether it saw "shutdown done".
//!
//! The race: T fires, then `CancelAndWait` runs before W has registered with the wait group,
//! so `Wait` returns at once although W is about to run. On V3 (no cancelled flag) W then runs
//! the work after shutdown: loom finds this and the test asserts the failure. On V4
//! `Cancel()` sets the flag before `Stop`, W sees it after registering and returns without
//! running the work; a W that registered earlier is waited for. V4 passes exhaustively.
//!
//! Preemption bound 3; the V4 model is exhaustive within it.

#![cfg(loom)]

mod loom_support;

use std::sync::Arc;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom_support::{LoomRuntime, Model, Outcomes, counting_work, in_secs, pod, start};
use taintsim_timed_worker_queue::{QueueVersion, TimedWorkerQueue};

const LATE: &str = "work ran after CancelAndWait returned";

fn timer_fires_during_shutdown(version: QueueVersion, outcomes: &Outcomes) {
    let rt = LoomRuntime::new();
    let runs = Arc::new(AtomicUsize::new(0));
    let shutdown_done = Arc::new(AtomicBool::new(false));
    let late = Arc::new(AtomicBool::new(false));
    let work = {
        let (shutdown_done, late) = (shutdown_done.clone(), late.clone());
        counting_work(runs.clone(), move || {
            if shutdown_done.load(Ordering::SeqCst) {
                late.store(true, Ordering::SeqCst);
            }
        })
    };
    let queue = TimedWorkerQueue::new(version, rt.clone(), work);

    queue.add_work(pod(), start(), in_secs(10));
    loom::future::block_on(queue.cancel_and_wait());
    shutdown_done.store(true, Ordering::SeqCst);

    rt.join_all();
    assert!(
        !late.load(Ordering::SeqCst),
        "{LATE} (runs: {})",
        runs.load(Ordering::SeqCst)
    );
    assert_eq!(
        queue.running_workers(),
        0,
        "every registered worker finished"
    );
    outcomes.record(if runs.load(Ordering::SeqCst) == 1 {
        RAN_BEFORE
    } else if rt.has_mark("queue.v4.cancelled-before-start") {
        SKIPPED
    } else {
        STOPPED
    });
}

/// The work ran, and `CancelAndWait` waited for it.
const RAN_BEFORE: &str = "work ran before CancelAndWait returned";
/// The timer fired, but the worker saw the cancelled flag (V4).
const SKIPPED: &str = "worker started after Cancel and skipped the work";
/// `Timer.Stop` won: no worker at all.
const STOPPED: &str = "timer stopped before it fired";

#[test]
fn cancel_and_wait_v3_should_let_a_late_worker_run() {
    Model::new("late_start/v3", 3).check_caught(LATE, || {
        timer_fires_during_shutdown(QueueVersion::V3, &Outcomes::default());
    });
}

#[test]
fn cancel_and_wait_v4_should_not_run_work_after_returning() {
    let outcomes = Outcomes::default();
    let seen = outcomes.clone();
    Model::new("late_start/v4", 3)
        .check(move || timer_fires_during_shutdown(QueueVersion::V4, &seen));
    outcomes.assert_all_seen("late_start/v4", &[RAN_BEFORE, SKIPPED, STOPPED]);
}
