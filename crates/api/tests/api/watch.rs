//! Watches: ordering, 410 Gone, server-side close, wakers.

use std::sync::{Arc, Mutex};
use std::task::Poll;

use taintsim_api::{ApiServerConfig, EventType, Kind, Preconditions, StatusReason, WatchEvent};

use crate::support::{pod, pod_labelled, runtime, server, server_on, slice_v1};

fn drain(w: &mut taintsim_api::Watch) -> Vec<String> {
    let mut out = Vec::new();
    while let Poll::Ready(Some(item)) = w.try_next() {
        out.push(match item {
            Ok(event) => event.to_string(),
            Err(err) => format!("error {}", err.code),
        });
    }
    out
}

#[test]
fn watch_should_yield_changes_of_its_kind_after_the_start_revision() {
    let s = server();
    s.create(pod("a")).expect("created");
    let mut w = s.watch(Kind::Pod, 1).expect("watch");
    s.create(slice_v1("s")).expect("created");
    s.update(pod_labelled("a", 1)).expect("updated");
    s.delete(Kind::Pod, "default", "a", &Preconditions::default())
        .expect("deleted");
    assert_eq!(
        drain(&mut w),
        ["Modified default/a rv=3", "Deleted default/a rv=4"]
    );
    assert_eq!(w.resource_version(), 4);
    assert_eq!(w.try_next(), Poll::Pending);
    let mut from_start = s.watch(Kind::Pod, 0).expect("watch");
    assert_eq!(drain(&mut from_start).len(), 3);
}

#[test]
fn watch_should_be_gone_when_the_start_revision_is_compacted() {
    let s = server();
    s.set_watch_window(2);
    for i in 0..4 {
        s.create(pod(&format!("p{i}"))).expect("created");
    }
    let err = s.watch(Kind::Pod, 1).expect_err("compacted");
    assert_eq!((err.code, err.reason), (410, StatusReason::Gone));
    let mut w = s.watch(Kind::Pod, 2).expect("rv 3 and 4 are kept");
    assert_eq!(drain(&mut w).len(), 2);
}

#[test]
fn watch_falling_behind_the_window_should_yield_gone_then_end() {
    let s = server();
    s.set_watch_window(1);
    let mut w = s.watch(Kind::Pod, 0).expect("watch");
    s.create(pod("a")).expect("created");
    s.create(pod("b")).expect("created");
    assert_eq!(drain(&mut w), ["error 410"]);
    assert_eq!(w.try_next(), Poll::Ready(None));
}

#[test]
fn closed_watch_should_end_and_lose_undelivered_changes() {
    let s = server();
    let mut w = s.watch(Kind::Pod, 0).expect("watch");
    let mut other = s.watch(Kind::ResourceSlice, 0).expect("watch");
    s.create(pod("a")).expect("created");
    assert!(s.close_watch(w.id()));
    assert!(!s.close_watch(w.id()), "already closed");
    assert_eq!(w.try_next(), Poll::Ready(None));
    assert_eq!(s.close_watches(Kind::ResourceSlice), 1);
    assert_eq!(other.try_next(), Poll::Ready(None));
}

#[test]
fn next_should_wake_the_waiting_task_on_a_new_change() {
    let (rt, dyn_rt) = runtime();
    let s = server_on(&dyn_rt, ApiServerConfig::default());
    let seen: Arc<Mutex<Vec<WatchEvent>>> = Arc::default();
    let mut w = s.watch(Kind::Pod, 0).expect("watch");
    let sink = seen.clone();
    dyn_rt.spawn(
        "watcher".into(),
        Box::pin(async move {
            while let Some(Ok(event)) = w.next().await {
                sink.lock().expect("not poisoned").push(event);
            }
        }),
    );
    rt.run_until_stalled();
    assert!(seen.lock().expect("not poisoned").is_empty());
    s.create(pod("a")).expect("created");
    rt.run_until_stalled();
    let types: Vec<_> = seen
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(types, [EventType::Added]);
    s.close_watches(Kind::Pod);
    rt.run_until_stalled();
    assert_eq!(rt.live_tasks(), 0);
}
