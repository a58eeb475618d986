//! The event broadcaster: asynchronous writes, aggregation, drop-when-full, retries.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, ObjectReference};
use taintsim_api::{
    ApiServerConfig, BroadcasterConfig, EventBroadcaster, Kind, Request, StatusReason, Verb,
    Verdict,
};
use taintsim_seam::client::EventRecorder;

use crate::support::{runtime, server_on};

fn my_pod() -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Pod".into()),
        namespace: Some("default".into()),
        name: Some("my-pod".into()),
        uid: Some("1234".into()),
        ..ObjectReference::default()
    }
}

fn events(server: &taintsim_api::ApiServer) -> Vec<Event> {
    server
        .list(Kind::Event)
        .items
        .into_iter()
        .filter_map(|o| o.into_typed())
        .collect()
}

#[test]
fn eventf_should_only_enqueue_and_the_sink_should_write_later() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let broadcaster = EventBroadcaster::start(
        dyn_rt.clone(),
        server.clone(),
        BroadcasterConfig::new("device-taint-eviction"),
    );
    rt.run_until_stalled();
    let recorder = broadcaster.recorder();
    recorder.eventf(
        &my_pod(),
        "Normal",
        "DeletionByDeviceTaintManager",
        "Marking for deletion",
    );
    assert!(events(&server).is_empty(), "eventf must not call the API");
    assert_eq!(server.calls(Verb::Create, Kind::Event), 0);
    assert!(!broadcaster.is_idle());
    rt.run_until_stalled();
    assert!(broadcaster.is_idle());
    let written = events(&server);
    assert_eq!(written.len(), 1);
    let event = &written[0];
    assert_eq!(event.count, Some(1));
    assert_eq!(event.message.as_deref(), Some("Marking for deletion"));
    assert_eq!(
        event.source.as_ref().and_then(|s| s.component.as_deref()),
        Some("device-taint-eviction")
    );
    assert_eq!(event.involved_object, my_pod());
    assert_eq!(event.metadata.namespace.as_deref(), Some("default"));
    assert_eq!(
        rt.steps(),
        ["write Event DeletionByDeviceTaintManager Marking for deletion for Pod default/my-pod"]
    );
}

#[test]
fn identical_events_should_be_aggregated_into_one_with_a_count() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let broadcaster =
        EventBroadcaster::start(dyn_rt.clone(), server.clone(), BroadcasterConfig::new("c"));
    let recorder = broadcaster.recorder();
    recorder.eventf(&my_pod(), "Normal", "R", "m");
    recorder.eventf(&my_pod(), "Normal", "R", "m");
    recorder.eventf(&my_pod(), "Normal", "R", "different");
    rt.run_until_stalled();
    let written = events(&server);
    assert_eq!(written.len(), 2);
    let counts: Vec<_> = written
        .iter()
        .map(|e| (e.message.clone(), e.count))
        .collect();
    assert!(counts.contains(&(Some("m".into()), Some(2))), "{counts:?}");
    assert!(
        counts.contains(&(Some("different".into()), Some(1))),
        "{counts:?}"
    );
    let stats = broadcaster.stats();
    assert_eq!((stats.recorded, stats.created, stats.aggregated), (3, 2, 1));
    assert_eq!(server.calls(Verb::Patch, Kind::Event), 1);
}

#[test]
fn a_full_queue_should_drop_events() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let config = BroadcasterConfig {
        queue_size: 2,
        ..BroadcasterConfig::new("c")
    };
    let broadcaster = EventBroadcaster::start(dyn_rt.clone(), server.clone(), config);
    let recorder = broadcaster.recorder();
    for i in 0..3 {
        recorder.eventf(&my_pod(), "Normal", "R", &format!("m{i}"));
    }
    assert_eq!(broadcaster.stats().dropped, 1);
    rt.run_until_stalled();
    assert_eq!(events(&server).len(), 2);
    assert_eq!(broadcaster.stats().recorded, 2);
}

#[test]
fn server_errors_should_not_be_retried_but_timeouts_should() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let broadcaster =
        EventBroadcaster::start(dyn_rt.clone(), server.clone(), BroadcasterConfig::new("c"));
    let recorder = broadcaster.recorder();
    let guard = server.install_fault(|r: &Request| match r.actor.as_str() {
        "event-broadcaster" => Verdict::fail(StatusReason::InternalError),
        _ => Verdict::Pass,
    });
    recorder.eventf(&my_pod(), "Normal", "R", "rejected");
    rt.run_until_stalled();
    assert_eq!(broadcaster.stats().failed, 1);
    assert!(events(&server).is_empty());
    drop(guard);

    let timeouts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(1));
    let left = timeouts.clone();
    let _guard = server.install_fault(move |_: &Request| {
        if left
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| n.checked_sub(1),
            )
            .is_ok()
        {
            Verdict::fail(StatusReason::Timeout)
        } else {
            Verdict::Pass
        }
    });
    recorder.eventf(&my_pod(), "Normal", "R", "retried");
    rt.run_until_stalled();
    assert!(events(&server).is_empty(), "waiting to retry");
    assert!(!broadcaster.is_idle());
    rt.advance(Duration::from_secs(10));
    assert_eq!(events(&server).len(), 1);
    assert_eq!(broadcaster.stats().retried, 1);
    assert!(
        rt.steps()
            .contains(&"write Event R retried for Pod default/my-pod (attempt 2)".to_owned())
    );
}

#[test]
fn shutdown_should_end_the_sink() {
    let (rt, dyn_rt) = runtime();
    let server = server_on(&dyn_rt, ApiServerConfig::default());
    let broadcaster =
        EventBroadcaster::start(dyn_rt.clone(), server.clone(), BroadcasterConfig::new("c"));
    rt.run_until_stalled();
    broadcaster.shutdown();
    broadcaster
        .recorder()
        .eventf(&my_pod(), "Normal", "R", "late");
    rt.run_until_stalled();
    assert_eq!(rt.live_tasks(), 0);
    assert!(events(&server).is_empty());
}
