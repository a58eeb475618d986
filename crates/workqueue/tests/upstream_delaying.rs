//! The scenarios of upstream's `delaying_queue_test.go` (@11ef5df9) on the runtime's virtual
//! clock; "waiting depth" is [`Queue::waiting`](taintsim_workqueue::Queue::waiting).

mod support;

use support::{later, ms, queue, s};

/// Upstream `TestSimpleQueue`.
#[test]
fn test_simple_queue() {
    let (rt, q) = queue();
    q.in_step().add_after(s("foo"), ms(50));
    assert_eq!(q.waiting().len(), 1);
    assert_eq!(q.in_step().len(), 0);
    rt.advance(ms(60));
    assert_eq!(q.in_step().len(), 1);
    assert_eq!(q.waiting().len(), 0);
    let item = q.in_step().try_get().expect("foo");
    q.in_step().done(&item);
    // The heartbeat interval: nothing comes back.
    rt.advance(std::time::Duration::from_secs(10));
    assert_eq!(q.in_step().len(), 0);
}

/// Upstream `TestDeduping`: a later ready time is merged into the earlier one, and an earlier
/// one replaces a later one.
#[test]
fn test_deduping() {
    let (rt, q) = queue();
    q.in_step().add_after(s("foo"), ms(50));
    q.in_step().add_after(s("foo"), ms(70));
    assert_eq!(later(&rt, &q), vec![(s("foo"), ms(50))]);
    assert_eq!(q.in_step().len(), 0);
    rt.advance(ms(60));
    assert_eq!(q.in_step().len(), 1);
    assert!(q.waiting().is_empty());
    let item = q.in_step().try_get().expect("foo");
    q.in_step().done(&item);
    // The 70 ms request was merged, so nothing comes later.
    rt.advance(ms(20));
    assert_eq!(q.in_step().len(), 0);

    q.in_step().add_after(s("foo"), ms(50));
    q.in_step().add_after(s("foo"), ms(30));
    assert_eq!(later(&rt, &q), vec![(s("foo"), ms(30))]);
    rt.advance(ms(40));
    assert_eq!(q.in_step().len(), 1);
    let item = q.in_step().try_get().expect("foo");
    q.in_step().done(&item);
    rt.advance(ms(20));
    assert_eq!(q.in_step().len(), 0);
}

/// Upstream `TestAddTwoFireEarly`.
#[test]
fn test_add_two_fire_early() {
    let (rt, q) = queue();
    q.in_step().add_after(s("foo"), ms(1000));
    q.in_step().add_after(s("bar"), ms(50));
    assert_eq!(q.waiting().len(), 2);
    rt.advance(ms(60));
    assert_eq!(q.in_step().len(), 1);
    assert_eq!(q.waiting().len(), 1);
    assert_eq!(q.in_step().try_get().as_deref(), Some("bar"));
    q.in_step().add_after(s("baz"), ms(2000));
    rt.advance(ms(1000));
    assert_eq!(q.in_step().len(), 1);
    assert_eq!(q.waiting().len(), 1);
    assert_eq!(q.in_step().try_get().as_deref(), Some("foo"));
    rt.advance(ms(2000));
    assert_eq!(q.in_step().len(), 1);
    assert!(q.waiting().is_empty());
    assert_eq!(q.in_step().try_get().as_deref(), Some("baz"));
}

/// Upstream `TestCopyShifting`: items come out in ready-time order, not in add order.
#[test]
fn test_copy_shifting() {
    let (rt, q) = queue();
    q.in_step().add_after(s("foo"), ms(1000));
    q.in_step().add_after(s("bar"), ms(500));
    q.in_step().add_after(s("baz"), ms(250));
    assert_eq!(q.waiting().len(), 3);
    rt.advance(ms(2000));
    assert_eq!(q.in_step().len(), 3);
    assert_eq!(q.ready(), vec![s("baz"), s("bar"), s("foo")]);
}

/// Upstream's delaying queue adds at once for a zero delay (`AddAfter` with `duration <= 0`).
#[test]
fn add_after_zero_should_add_at_once() {
    let (_rt, q) = queue();
    q.in_step().add_after(s("foo"), ms(0));
    assert_eq!(q.ready(), vec![s("foo")]);
    assert!(q.waiting().is_empty());
}

/// `ShutDown` drops delayed items (upstream's `waitingLoop` exits on `stopCh`).
#[test]
fn shut_down_should_drop_waiting_items() {
    let (rt, q) = queue();
    q.in_step().add_after(s("foo"), ms(10));
    q.in_step().shut_down();
    assert!(q.waiting().is_empty());
    rt.advance(ms(20));
    assert_eq!(q.in_step().len(), 0);
    q.in_step().add_after(s("bar"), ms(10));
    assert!(q.waiting().is_empty(), "AddAfter after shutdown is ignored");
}
