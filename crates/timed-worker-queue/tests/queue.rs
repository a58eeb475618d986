//! TimedWorkerQueue: upstream's tests (`timed_workers_test.go` @ 132c00c1) and, for each version,
//! the behaviour that tells it apart from its neighbours. Every version test runs the same body on
//! the version and on its neighbour and asserts opposite results, so it fails if either one behaves
//! like the other.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taintsim_seam::runtime::{ManualRuntime, Runtime, Timestamp};
use taintsim_timed_worker_queue::{
    NamespacedObject, QueueVersion, Slot, TimedWorkerQueue, UPDATE_WORK_PANIC, WorkArgs, WorkFn,
};

fn start() -> Timestamp {
    "2025-03-20T12:00:00Z".parse().expect("valid timestamp")
}

/// A queue whose work function counts its invocations per key.
struct Harness {
    rt: ManualRuntime,
    queue: TimedWorkerQueue,
    runs: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl Harness {
    fn new(version: QueueVersion) -> Self {
        Self::with_work_time(version, Duration::ZERO)
    }

    /// Each invocation counts itself when it starts, then takes `work_time` of virtual time.
    fn with_work_time(version: QueueVersion, work_time: Duration) -> Self {
        let rt = ManualRuntime::new(start());
        let runs: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let counter = runs.clone();
        let sleeper = rt.clone();
        let work: WorkFn = Arc::new(move |args: WorkArgs, _fire_at| {
            *counter.lock().expect("lock").entry(args.key()).or_default() += 1;
            let busy = (!work_time.is_zero()).then(|| sleeper.sleep(work_time));
            Box::pin(async move {
                if let Some(busy) = busy {
                    busy.await;
                }
                Ok(())
            })
        });
        let queue = TimedWorkerQueue::new(version, Arc::new(rt.clone()), work);
        Self { rt, queue, runs }
    }

    fn total_runs(&self) -> usize {
        self.runs.lock().expect("lock").values().sum()
    }

    fn runs_of(&self, key: &str) -> usize {
        self.runs
            .lock()
            .expect("lock")
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    fn now(&self) -> Timestamp {
        self.rt.now()
    }

    fn in_secs(&self, secs: i64) -> Timestamp {
        self.now() + jiff::SignedDuration::from_secs(secs)
    }
}

fn args(i: usize) -> WorkArgs {
    WorkArgs {
        object: NamespacedObject {
            namespace: "default".into(),
            name: format!("pod-{i}"),
            uid: format!("uid-{i}"),
        },
    }
}

#[test]
fn execute_should_run_immediate_work() {
    for version in QueueVersion::ALL {
        let h = Harness::new(version);
        for i in 0..5 {
            h.queue.add_work(args(i), h.now(), h.now());
        }
        h.rt.run_until_stalled();
        assert_eq!(h.total_runs(), 5, "{version}");
    }
}

/// Upstream's TestExecuteDelayed, TestCancel and TestCancelAndRead.
#[test]
fn delayed_work_should_run_once_per_key_minus_cancelled() {
    for version in QueueVersion::ALL {
        // TestExecuteDelayed: 10 adds for 5 keys, the duplicates are skipped.
        let h = Harness::new(version);
        let fire = h.in_secs(10);
        for i in 0..10 {
            h.queue.add_work(args(i % 5), h.now(), fire);
        }
        h.rt.advance(Duration::from_secs(9));
        assert_eq!(h.total_runs(), 0, "{version}: nothing fires early");
        h.rt.advance(Duration::from_secs(2));
        assert_eq!(h.total_runs(), 5, "{version}: TestExecuteDelayed");

        // TestCancel.
        let h = Harness::new(version);
        for i in 0..10 {
            h.queue.add_work(args(i % 5), h.now(), fire);
        }
        assert!(h.queue.cancel_work(&args(2).key()));
        assert!(h.queue.cancel_work(&args(3).key()));
        h.rt.advance(Duration::from_secs(11));
        assert_eq!(h.total_runs(), 3, "{version}: TestCancel");

        // TestCancelAndRead.
        let h = Harness::new(version);
        for i in 0..10 {
            h.queue.add_work(args(i % 5), h.now(), fire);
        }
        assert!(h.queue.cancel_work(&args(2).key()));
        assert!(h.queue.cancel_work(&args(3).key()));
        h.queue.add_work(args(2), h.now(), fire);
        h.rt.advance(Duration::from_secs(11));
        assert_eq!(h.total_runs(), 4, "{version}: TestCancelAndRead");
    }
}

#[test]
fn cancel_work_should_report_whether_a_timer_existed() {
    for version in QueueVersion::ALL {
        let h = Harness::new(version);
        h.queue.add_work(args(0), h.now(), h.in_secs(10));
        h.queue.add_work(args(1), h.now(), h.now());
        assert!(matches!(
            h.queue.get_worker_unsafe(&args(1).key()),
            Some(Slot::Running { .. })
        ));
        assert!(
            h.queue.cancel_work(&args(0).key()),
            "{version}: timer-backed entry"
        );
        assert!(!h.queue.cancel_work(&args(1).key()), "{version}: nil entry");
        assert!(
            !h.queue.cancel_work(&args(1).key()),
            "{version}: missing key"
        );
        assert!(
            h.queue.get_worker_unsafe(&args(1).key()).is_none(),
            "{version}: key removed"
        );
    }
}

#[test]
fn update_work_should_reschedule_only_when_fire_at_changes() {
    for version in QueueVersion::ALL {
        let h = Harness::new(version);
        h.queue.update_work(args(0), h.now(), h.in_secs(10));
        let first = h
            .queue
            .get_worker_unsafe(&args(0).key())
            .and_then(|s| s.token());
        h.queue.update_work(args(0), h.now(), h.in_secs(10));
        let same = h
            .queue
            .get_worker_unsafe(&args(0).key())
            .and_then(|s| s.token());
        assert_eq!(first, same, "{version}: same fireAt keeps the entry");
        h.queue.update_work(args(0), h.now(), h.in_secs(20));
        h.rt.advance(Duration::from_secs(15));
        assert_eq!(h.total_runs(), 0, "{version}: the old timer was cancelled");
        h.rt.advance(Duration::from_secs(10));
        assert_eq!(h.total_runs(), 1, "{version}: the new timer fired");
    }
}

/// Runs UpdateWork over an entry whose work already started; returns the panic message.
fn update_over_running_entry(version: QueueVersion) -> (Option<String>, usize) {
    let h = Harness::new(version);
    h.queue.update_work(args(0), h.now(), h.now());
    let result = catch_unwind(AssertUnwindSafe(|| {
        h.queue.update_work(args(0), h.now(), h.now());
    }));
    let message = result.err().map(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    });
    if message.is_none() {
        h.rt.run_until_stalled();
    }
    (message, h.runs_of(&args(0).key()))
}

/// #130940: V2 dereferences the nil entry; V3 keeps the running work (`UpdateWork`, #130947).
#[test]
fn update_work_over_running_entry_should_panic_on_v2_and_keep_work_on_v3() {
    let (v2, _) = update_over_running_entry(QueueVersion::V2);
    let v2 = v2.expect("V2 must panic");
    assert!(v2.contains("UpdateWork"), "{v2}");
    assert!(v2.starts_with(UPDATE_WORK_PANIC), "{v2}");

    let (v3, runs) = update_over_running_entry(QueueVersion::V3);
    assert_eq!(v3, None, "V3 must not panic");
    assert_eq!(
        runs, 1,
        "V3 keeps the running work and drops the second request"
    );
}

/// Work runs and succeeds after CancelWork removed its nil entry; then the key is added again.
/// Returns how often the work ran.
fn add_after_cancel_of_running_work(version: QueueVersion) -> (usize, bool) {
    let h = Harness::new(version);
    h.queue.add_work(args(0), h.now(), h.now());
    assert!(!h.queue.cancel_work(&args(0).key()));
    h.rt.run_until_stalled();
    let restored = h.queue.get_worker_unsafe(&args(0).key()).is_some();
    h.queue.add_work(args(0), h.now(), h.now());
    h.rt.run_until_stalled();
    (h.runs_of(&args(0).key()), restored)
}

/// #125332: V0 stores nil again after CancelWork, so the next AddWork is skipped.
#[test]
fn completion_should_restore_nil_after_cancel_on_v0_only() {
    assert_eq!(
        add_after_cancel_of_running_work(QueueVersion::V0),
        (1, true)
    );
    assert_eq!(
        add_after_cancel_of_running_work(QueueVersion::V1),
        (2, false)
    );
}

/// Cancels a timer-backed entry after its timer fired but before its task started.
fn cancel_between_fire_and_start(version: QueueVersion) -> usize {
    let h = Harness::new(version);
    h.queue.add_work(args(0), h.now(), h.in_secs(10));
    h.rt.fire_timers(Duration::from_secs(11));
    assert_eq!(h.total_runs(), 0);
    let wait = h.queue.cancel_and_wait();
    h.rt.spawn("test".into(), Box::pin(wait));
    h.rt.run_until_stalled();
    assert_eq!(h.rt.live_tasks(), 0, "{version}: CancelAndWait returned");
    h.total_runs()
}

/// #134945: V4's cancelled flag stops a task whose timer fired before the cancel.
#[test]
fn cancelled_flag_should_stop_a_late_start_on_v4_only() {
    assert_eq!(cancel_between_fire_and_start(QueueVersion::V3), 1);
    assert_eq!(cancel_between_fire_and_start(QueueVersion::V4), 0);
}

/// Upstream's TestRunningWorkerCompletionDoesNotRemoveReplacement, case "immediate worker":
/// returns whether the replacement is still in the map after the stale worker finished, and
/// whether CancelWork can still stop it.
fn replacement_after_stale_immediate_completion(version: QueueVersion) -> (bool, bool, usize) {
    let h = Harness::new(version);
    h.queue.add_work(args(0), h.now(), h.now());
    assert!(
        !h.queue.cancel_work(&args(0).key()),
        "{version}: immediate worker"
    );
    h.queue.add_work(args(0), h.now(), h.in_secs(10));
    h.rt.run_until_stalled();
    let present = h.queue.get_worker_unsafe(&args(0).key()).is_some();
    let cancelled = h.queue.cancel_work(&args(0).key());
    h.rt.advance(Duration::from_secs(11));
    (present, cancelled, h.runs_of(&args(0).key()))
}

/// Case "scheduled worker already firing": UpdateWork replaces a worker whose timer fired.
fn replacement_after_stale_timer_completion(version: QueueVersion) -> (bool, bool, usize) {
    let h = Harness::with_work_time(version, Duration::from_secs(5));
    h.queue.add_work(args(0), h.now(), h.in_secs(1));
    h.rt.advance(Duration::from_secs(1));
    assert_eq!(
        h.runs_of(&args(0).key()),
        1,
        "{version}: the first work is in flight"
    );
    h.queue.update_work(args(0), h.now(), h.in_secs(10));
    h.rt.advance(Duration::from_secs(5));
    let present = h.queue.get_worker_unsafe(&args(0).key()).is_some();
    let cancelled = h.queue.cancel_work(&args(0).key());
    h.rt.advance(Duration::from_secs(11));
    (present, cancelled, h.runs_of(&args(0).key()))
}

/// `timed_workers.go` @ 132c00c1 (`TestRunningWorkerCompletionDoesNotRemoveReplacement`): V5 keeps
/// the replacement; V4 loses it, so the cancel fails and the cancelled work runs anyway.
#[test]
fn stale_completion_should_not_remove_replacement_on_v5() {
    assert_eq!(
        replacement_after_stale_immediate_completion(QueueVersion::V5),
        (true, true, 1)
    );
    assert_eq!(
        replacement_after_stale_immediate_completion(QueueVersion::V4),
        (false, false, 2)
    );
    assert_eq!(
        replacement_after_stale_timer_completion(QueueVersion::V5),
        (true, true, 1)
    );
    assert_eq!(
        replacement_after_stale_timer_completion(QueueVersion::V4),
        (false, false, 2)
    );
}
