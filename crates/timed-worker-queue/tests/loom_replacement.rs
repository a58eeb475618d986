//! Loom model of the race fixed by the token of `timed_workers.go` @ 132c00c1: a stale worker's
//! completion removes its replacement.
//!
//! Both cases of upstream's `TestRunningWorkerCompletionDoesNotRemoveReplacement`:
//!
//! - **immediate worker**: the model thread calls `AddWork(fireAt = now)`, which starts the
//!   work at once on a worker thread W1 (nil entry). The model thread then calls `CancelWork`
//!   (returns false: nil entry or, if W1 already finished, no entry; the key is removed) and
//!   `AddWork(fireAt = now + 60s)`, the replacement.
//! - **scheduled worker already firing**: `AddWork(fireAt = now + 10s)` arms a timer whose
//!   thread T1 fires (it is within the clock horizon of 30 s) and starts W1, racing with the
//!   model thread's `CancelWork` (true unless W1 already finished; on V4 it also sets the
//!   cancelled flag) and the replacement `AddWork(fireAt = now + 60s)`.
//!
//! The replacement's timer lies beyond the horizon, so it never fires: as in upstream's test,
//! the fake clock is not stepped that far. After every thread has finished, the model asserts
//! that **the replacement is still in the map** (same token) and that `CancelWork` still
//! cancels it (returns true).
//!
//! V1 to V4 delete the key unconditionally when W1 finishes, so loom finds the interleaving in
//! which W1 finishes after the replacement was added, and the model fails with "replacement
//! lost"; each test asserts that failure. V0 loses it too, differently (its completion
//! overwrites the replacement with a finished nil entry). V5 compares tokens and passes
//! exhaustively.
//!
//! Preemption bound 3; the V5 models are exhaustive within it.

#![cfg(loom)]

mod loom_support;

use std::sync::Arc;
use std::time::Duration;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom_support::{KEY, LoomRuntime, Model, Outcomes, counting_work, in_secs, pod, start};
use taintsim_timed_worker_queue::{QueueVersion, Slot, TimedWorkerQueue};

const LOST: &str = "replacement lost";

/// How the stale worker W1 was started.
#[derive(Debug, Clone, Copy)]
enum Case {
    /// `fireAt = now`: W1 starts at once, with a nil entry.
    Immediate,
    /// `fireAt = now + 10s`: a timer thread starts W1 (unless `CancelWork` stops it first).
    ScheduledFiring,
}

fn stale_worker_then_replacement(version: QueueVersion, case: Case, outcomes: &Outcomes) {
    let rt = LoomRuntime::with_horizon(Duration::from_secs(30));
    let runs = Arc::new(AtomicUsize::new(0));
    let queue = TimedWorkerQueue::new(version, rt.clone(), counting_work(runs.clone(), || {}));

    match case {
        Case::Immediate => {
            queue.add_work(pod(), start(), start());
            assert!(
                !queue.cancel_work(KEY),
                "CancelWork of a nil entry returns false"
            );
        }
        Case::ScheduledFiring => {
            queue.add_work(pod(), start(), in_secs(10));
            let cancelled = queue.cancel_work(KEY);
            assert!(
                cancelled || runs.load(Ordering::SeqCst) == 1,
                "CancelWork returns false only when W1 already finished and removed the key"
            );
        }
    }

    queue.add_work(pod(), start(), in_secs(60));

    rt.join_all();

    // The replacement is the only entry that can ever carry fireAt = now + 60s.
    let now = queue.get_worker_unsafe(KEY);
    let kept = matches!(&now, Some(Slot::Scheduled(worker)) if worker.fire_at == in_secs(60));
    assert!(
        kept,
        "{LOST}: after the stale worker finished the entry is {now:?}, not the replacement"
    );
    assert!(
        queue.cancel_work(KEY),
        "the replacement must still be cancellable (its timer armed)"
    );
    outcomes.record(if rt.has_mark("queue.v5.keep-replacement") {
        KEPT_BY_TOKEN
    } else if runs.load(Ordering::SeqCst) == 1 {
        FINISHED_BEFORE
    } else {
        NEVER_STARTED
    });
}

/// W1 finished after the replacement was added; V5's token check kept the replacement.
const KEPT_BY_TOKEN: &str = "stale completion saw the replacement's token";
/// W1 finished before the replacement existed.
const FINISHED_BEFORE: &str = "stale worker finished before the replacement";
/// W1's work never ran: `CancelWork` stopped the timer before it fired, or the timer fired
/// and W1 saw the cancelled flag (V4+). Scheduled case only.
const NEVER_STARTED: &str = "W1's work never ran (timer stopped or cancelled flag)";

fn caught_on_v0_to_v4(case: Case, names: [&'static str; 5]) {
    for (version, name) in [
        QueueVersion::V0,
        QueueVersion::V1,
        QueueVersion::V2,
        QueueVersion::V3,
        QueueVersion::V4,
    ]
    .into_iter()
    .zip(names)
    {
        Model::new(name, 3).check_caught(LOST, move || {
            stale_worker_then_replacement(version, case, &Outcomes::default());
        });
    }
}

#[test]
fn stale_immediate_worker_v0_to_v4_should_lose_the_replacement() {
    caught_on_v0_to_v4(
        Case::Immediate,
        [
            "replacement/immediate/v0",
            "replacement/immediate/v1",
            "replacement/immediate/v2",
            "replacement/immediate/v3",
            "replacement/immediate/v4",
        ],
    );
}

#[test]
fn stale_immediate_worker_v5_should_keep_the_replacement() {
    let outcomes = Outcomes::default();
    let seen = outcomes.clone();
    Model::new("replacement/immediate/v5", 3)
        .check(move || stale_worker_then_replacement(QueueVersion::V5, Case::Immediate, &seen));
    outcomes.assert_all_seen(
        "replacement/immediate/v5",
        &[KEPT_BY_TOKEN, FINISHED_BEFORE],
    );
}

#[test]
fn stale_firing_timer_v0_to_v4_should_lose_the_replacement() {
    caught_on_v0_to_v4(
        Case::ScheduledFiring,
        [
            "replacement/scheduled-firing/v0",
            "replacement/scheduled-firing/v1",
            "replacement/scheduled-firing/v2",
            "replacement/scheduled-firing/v3",
            "replacement/scheduled-firing/v4",
        ],
    );
}

#[test]
fn stale_firing_timer_v5_should_keep_the_replacement() {
    let outcomes = Outcomes::default();
    let seen = outcomes.clone();
    Model::new("replacement/scheduled-firing/v5", 3).check(move || {
        stale_worker_then_replacement(QueueVersion::V5, Case::ScheduledFiring, &seen);
    });
    outcomes.assert_all_seen(
        "replacement/scheduled-firing/v5",
        &[KEPT_BY_TOKEN, FINISHED_BEFORE, NEVER_STARTED],
    );
}
