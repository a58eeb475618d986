//! The scenarios of upstream's `queue_test.go` (client-go `util/workqueue`, @1c9cf914) that
//! apply to the typed queue. Each test names the upstream test it ports. Concurrency-heavy
//! ones (TestBasic, TestAddWhileProcessing) are in `concurrent.rs`; TestGarbageCollection
//! has no counterpart (Rust frees items by ownership); TestCollapse's check that the item was
//! `Touch`ed has none either (the default FIFO's `Touch` is a no-op upstream too).

mod support;

use std::sync::{Arc, Mutex};

use support::{queue, s, spawn};

/// Upstream `TestLen`.
#[test]
fn test_len() {
    let (_rt, q) = queue();
    let in_step = q.in_step();
    in_step.add(s("foo"));
    assert_eq!(in_step.len(), 1);
    in_step.add(s("bar"));
    assert_eq!(in_step.len(), 2);
    in_step.add(s("foo")); // should not increase the queue length.
    assert_eq!(in_step.len(), 2);
}

/// Upstream `TestReinsert`.
#[test]
fn test_reinsert() {
    let (_rt, q) = queue();
    let in_step = q.in_step();
    in_step.add(s("foo"));
    let item = in_step.try_get().expect("foo");
    assert_eq!(item, "foo");
    // Add it back while processing, then finish.
    in_step.add(item.clone());
    in_step.done(&item);
    assert_eq!(in_step.try_get().as_deref(), Some("foo"));
    in_step.done(&item);
    assert_eq!(in_step.len(), 0);
}

/// Upstream `TestCollapse` (without the `Touch` trace, see the module docs).
#[test]
fn test_collapse() {
    let (_rt, q) = queue();
    let in_step = q.in_step();
    in_step.add(s("bar"));
    in_step.add(s("bar"));
    assert_eq!(in_step.try_get().as_deref(), Some("bar"));
    in_step.done(&s("bar"));
    assert_eq!(in_step.len(), 0);
}

/// Upstream `TestCollapseWhileProcessing`: a second `Get` blocks until the first holder's
/// `Done`, then returns the item added twice meanwhile.
#[test]
fn test_collapse_while_processing() {
    let (rt, q) = queue();
    q.in_step().add(s("foo"));
    let first = q.in_step().try_get().expect("foo");
    q.in_step().add(s("foo"));
    q.in_step().add(s("foo"));
    let got: Arc<Mutex<Option<Option<String>>>> = Arc::default();
    let (q2, got2) = (q.clone(), got.clone());
    spawn(&rt, "second", async move {
        *got2.lock().expect("lock") = Some(q2.get().await);
    });
    rt.run_until_stalled();
    assert_eq!(
        *got.lock().expect("lock"),
        None,
        "must block while processing"
    );
    assert_eq!(q.in_step().len(), 0);
    q.in_step().done(&first);
    rt.run_until_stalled();
    assert_eq!(*got.lock().expect("lock"), Some(Some(s("foo"))));
    q.in_step().done(&first);
    assert_eq!(q.in_step().len(), 0);
}

/// Upstream `TestQueueDrainageUsingShutDownWithDrain`.
#[test]
fn test_queue_drainage_using_shut_down_with_drain() {
    let (rt, q) = queue();
    q.in_step().add(s("foo"));
    q.in_step().add(s("bar"));
    let foo = q.in_step().try_get().expect("foo");
    let bar = q.in_step().try_get().expect("bar");
    let finished = Arc::new(Mutex::new(false));
    let (q2, f2) = (q.clone(), finished.clone());
    spawn(&rt, "drain", async move {
        q2.shut_down_with_drain().await;
        *f2.lock().expect("lock") = true;
    });
    rt.run_until_stalled();
    assert!(
        !*finished.lock().expect("lock"),
        "waits for processing items"
    );
    let got: Arc<Mutex<Option<Option<String>>>> = Arc::default();
    let (q3, g3) = (q.clone(), got.clone());
    spawn(&rt, "get", async move {
        *g3.lock().expect("lock") = Some(q3.get().await);
    });
    rt.run_until_stalled();
    assert_eq!(
        *got.lock().expect("lock"),
        Some(None),
        "Get reports shutdown"
    );
    q.in_step().done(&foo);
    rt.run_until_stalled();
    assert!(!*finished.lock().expect("lock"), "bar is still processing");
    q.in_step().done(&bar);
    rt.run_until_stalled();
    assert!(*finished.lock().expect("lock"));
}

/// Upstream `TestNoQueueDrainageUsingShutDown`: `ShutDown` returns at once although items are
/// processing.
#[test]
fn test_no_queue_drainage_using_shut_down() {
    let (_rt, q) = queue();
    q.in_step().add(s("foo"));
    q.in_step().add(s("bar"));
    q.in_step().try_get().expect("foo");
    q.in_step().try_get().expect("bar");
    q.in_step().shut_down();
    assert!(q.in_step().shutting_down());
    assert_eq!(q.processing().len(), 2);
}

/// Upstream `TestForceQueueShutdownUsingShutDown`: a `ShutDown` while a drain waits makes the
/// drain return without any `Done`.
#[test]
fn test_force_queue_shutdown_using_shut_down() {
    let (rt, q) = queue();
    q.in_step().add(s("foo"));
    q.in_step().add(s("bar"));
    q.in_step().try_get().expect("foo");
    q.in_step().try_get().expect("bar");
    let finished = Arc::new(Mutex::new(false));
    let (q2, f2) = (q.clone(), finished.clone());
    spawn(&rt, "drain", async move {
        q2.shut_down_with_drain().await;
        *f2.lock().expect("lock") = true;
    });
    rt.run_until_stalled();
    assert!(!*finished.lock().expect("lock"));
    q.in_step().shut_down();
    rt.run_until_stalled();
    assert!(*finished.lock().expect("lock"));
}

/// Upstream `TestQueueDrainageUsingShutDownWithDrainWithDirtyItem`: a dirty item is handed out
/// again after `Done`, even after the drain started, and the drain has ended once it is done.
#[test]
fn test_queue_drainage_using_shut_down_with_drain_with_dirty_item() {
    let (rt, q) = queue();
    q.in_step().add(s("foo"));
    let foo = q.in_step().try_get().expect("foo");
    q.in_step().add(s("foo"));
    let finished = Arc::new(Mutex::new(false));
    let (q2, f2) = (q.clone(), finished.clone());
    spawn(&rt, "drain", async move {
        q2.shut_down_with_drain().await;
        *f2.lock().expect("lock") = true;
    });
    rt.run_until_stalled();
    assert_eq!(q.in_step().try_get(), None, "queue empty: shutdown");
    q.in_step().done(&foo);
    rt.run_until_stalled();
    // Nothing is processing now, so upstream's drain may already return (its waiter is
    // signalled); the re-queued item is still handed out.
    assert_eq!(q.in_step().try_get().as_deref(), Some("foo"));
    q.in_step().done(&foo);
    rt.run_until_stalled();
    assert_eq!(q.in_step().try_get(), None);
    assert!(*finished.lock().expect("lock"));
}

/// Upstream `TestBasic`'s last check, alone: an item added after shutdown is never handed out.
#[test]
fn add_after_shut_down_should_be_ignored() {
    let (rt, q) = queue();
    q.in_step().shut_down();
    q.in_step().add(s("added after shutdown!"));
    let got: Arc<Mutex<Option<Option<String>>>> = Arc::default();
    let (q2, g2) = (q.clone(), got.clone());
    spawn(&rt, "get", async move {
        *g2.lock().expect("lock") = Some(q2.get().await);
    });
    rt.run_until_stalled();
    assert_eq!(*got.lock().expect("lock"), Some(None));
}

/// Not an upstream test: waiting `Get`s are released in FIFO order (Go's `sync.Cond` wakes the
/// longest waiter), one per queued item, so idle identical workers do not race for an item.
#[test]
fn get_should_release_waiters_in_fifo_order_one_per_item() {
    let (rt, q) = queue();
    let got: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    for w in 0..3 {
        let (q, got) = (q.clone(), got.clone());
        spawn(&rt, &format!("worker-{w}"), async move {
            if let Some(item) = q.get().await {
                got.lock().expect("lock").push((w, item));
            }
        });
    }
    rt.run_until_stalled();
    assert!(got.lock().expect("lock").is_empty());
    q.in_step().add(s("a"));
    rt.run_until_stalled();
    assert_eq!(*got.lock().expect("lock"), [(0, s("a"))]);
    q.in_step().add(s("b"));
    q.in_step().add(s("c"));
    rt.run_until_stalled();
    assert_eq!(
        *got.lock().expect("lock"),
        [(0, s("a")), (1, s("b")), (2, s("c"))]
    );
}
