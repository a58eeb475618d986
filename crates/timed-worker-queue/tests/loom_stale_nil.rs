//! Loom model of #125332 (fixed by #129577): a stale nil entry, stored again
//! after `CancelWork`, suppresses later evictions.
//!
//! Threads:
//! - the model thread calls `AddWork(fireAt = now)`, which starts the work at once on
//! - a worker thread W1, whose work succeeds (the pod's DELETE) and whose completion then takes
//!   the queue lock;
//! - concurrently the model thread calls `CancelWork` (the pod's Delete event), which removes
//!   the key. After W1 has finished (the StatefulSet recreates the pod later), the model
//!   thread calls `AddWork` again for the same key, which must start
//! - a second worker W2.
//!
//! On V0 a successful completion **stores nil** under the key even when `CancelWork` already
//! removed it, so the second `AddWork` finds the key and skips ("Trying to add already existing
//! work"); loom finds the interleaving in which `CancelWork` comes before W1's completion, the
//! second work never runs, and the test asserts that failure. V1 and later delete the key on
//! completion, and the models pass exhaustively.
//!
//! Preemption bound 3; the V1 to V5 models are exhaustive within it.

#![cfg(loom)]

mod loom_support;

use std::sync::Arc;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom_support::{KEY, LoomRuntime, Model, Outcomes, counting_work, pod, start};
use taintsim_timed_worker_queue::{QueueVersion, Slot, TimedWorkerQueue};

const SUPPRESSED: &str = "the re-added work never ran";
/// The probe found W1's nil entry: W1 had not completed just before `CancelWork`.
const CANCEL_WHILE_RUNNING: &str = "CancelWork while W1 was running";
/// The probe found no entry (V1+) or the finished nil entry (V0).
const CANCEL_AFTER_COMPLETION: &str = "CancelWork after W1 completed";

fn cancel_during_work_then_re_add(version: QueueVersion, outcomes: &Outcomes) {
    let rt = LoomRuntime::new();
    let runs = Arc::new(AtomicUsize::new(0));
    let queue = TimedWorkerQueue::new(version, rt.clone(), counting_work(runs.clone(), || {}));

    queue.add_work(pod(), start(), start());
    // A probe, one lock acquisition before CancelWork's: has W1 completed yet?
    let running = matches!(queue.get_worker_unsafe(KEY), Some(Slot::Running { .. }));
    outcomes.record(if running {
        CANCEL_WHILE_RUNNING
    } else {
        CANCEL_AFTER_COMPLETION
    });
    assert!(
        !queue.cancel_work(KEY),
        "CancelWork of a nil entry (or none) returns false"
    );
    rt.join_all();

    queue.add_work(pod(), start(), start());
    rt.join_all();
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "{SUPPRESSED}: the entry left behind is {:?}",
        queue.get_worker_unsafe(KEY)
    );
}

#[test]
fn re_add_after_cancel_v0_should_be_suppressed_by_the_stale_nil() {
    Model::new("stale_nil/v0", 3).check_caught(SUPPRESSED, || {
        cancel_during_work_then_re_add(QueueVersion::V0, &Outcomes::default());
    });
}

#[test]
fn re_add_after_cancel_v1_to_v5_should_run_again() {
    for (version, name) in [
        (QueueVersion::V1, "stale_nil/v1"),
        (QueueVersion::V2, "stale_nil/v2"),
        (QueueVersion::V3, "stale_nil/v3"),
        (QueueVersion::V4, "stale_nil/v4"),
        (QueueVersion::V5, "stale_nil/v5"),
    ] {
        let outcomes = Outcomes::default();
        let seen = outcomes.clone();
        Model::new(name, 3).check(move || cancel_during_work_then_re_add(version, &seen));
        outcomes.assert_all_seen(name, &[CANCEL_WHILE_RUNNING, CANCEL_AFTER_COMPLETION]);
    }
}
