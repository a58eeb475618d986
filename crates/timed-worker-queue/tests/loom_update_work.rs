//! Loom model of race 1 (issue #130940, fixed by #130947): `UpdateWork` against a running worker.
//!
//! Threads:
//! - the model thread calls `UpdateWork(fireAt = now)`, which stores a nil entry
//!   ([`Slot::Running`]) and starts the work at once on
//! - a worker thread W1, which runs the work and then takes the queue lock and deletes the key;
//! - a handler thread H2 calls `UpdateWork(fireAt = now)` for the same key, as a second
//!   informer handler does in TestEviction/"update"; if it finds the key gone it starts
//!   - a second worker W2.
//!
//! On V2 loom finds the interleaving in which H2 takes the lock between the first `UpdateWork`
//! and W1's completion and reads `FireAt` through the nil entry: the model panics with the
//! `TimedWorkerQueue.UpdateWork` nil dereference, and the test asserts exactly that. On V3 every
//! interleaving passes, and the number of runs matches what H2 saw: 1 when H2 found the work
//! in progress and dropped its request, 2 when H2 came after W1's completion and started new
//! work. Both outcomes must occur in the exploration.
//!
//! Preemption bound 3; the V3 model is exhaustive within it.

#![cfg(loom)]

mod loom_support;

use std::sync::Arc;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom_support::{KEY, LoomRuntime, Model, Outcomes, counting_work, pod, start};
use taintsim_timed_worker_queue::{QueueVersion, TimedWorkerQueue};

const KEEP_IN_PROGRESS: &str = "queue.update-work.keep-in-progress";

/// One exploration step: two immediate `UpdateWork`s for the same key, one from the model
/// thread (whose work runs on W1) and one from H2. Returns (runs, whether H2 kept W1's work).
fn two_updates(version: QueueVersion) -> (usize, bool) {
    let rt = LoomRuntime::new();
    let runs = Arc::new(AtomicUsize::new(0));
    let queue = TimedWorkerQueue::new(version, rt.clone(), counting_work(runs.clone(), || {}));

    queue.update_work(pod(), start(), start());
    let h2 = {
        let queue = queue.clone();
        loom::thread::spawn(move || queue.update_work(pod(), start(), start()))
    };
    h2.join().expect("H2 panicked");
    rt.join_all();

    assert!(
        queue.get_worker_unsafe(KEY).is_none(),
        "every worker finished, so the key must be gone: {queue:?}"
    );
    (runs.load(Ordering::SeqCst), rt.has_mark(KEEP_IN_PROGRESS))
}

#[test]
fn update_work_v2_should_panic_on_a_running_entry() {
    let message = Model::new("update_work/v2", 3).check_caught("UpdateWork", || {
        two_updates(QueueVersion::V2);
    });
    assert!(message.contains("nil pointer dereference"), "{message}");
}

#[test]
fn update_work_v3_should_keep_running_work_and_never_panic() {
    const KEPT: &str = "H2 kept W1's work (1 run)";
    const RESTARTED: &str = "H2 came after W1 and started W2 (2 runs)";
    let outcomes = Outcomes::default();
    let seen = outcomes.clone();
    Model::new("update_work/v3", 3).check(move || {
        let (runs, kept_in_progress) = two_updates(QueueVersion::V3);
        if kept_in_progress {
            assert_eq!(
                runs, 1,
                "H2 found the work in progress, so its request is dropped"
            );
            seen.record(KEPT);
        } else {
            assert_eq!(
                runs, 2,
                "H2 came after W1's completion, so it starts new work"
            );
            seen.record(RESTARTED);
        }
    });
    outcomes.assert_all_seen("update_work/v3", &[KEPT, RESTARTED]);
}
