//! Informers on the manual runtime: steps, sync, the lister/handler gap, relists, tombstones
//! and the informer faults.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::{
    ApiServer, ApiServerConfig, DeletedObject, Handler, HideNotifications, Informer, Kind, Lister,
    Notification, Preconditions, Request, StatusReason, Verb, Verdict,
};
use taintsim_seam::client::PodLister;
use taintsim_seam::runtime::{ManualRuntime, Runtime};

use crate::support::{pod, pod_labelled, runtime, server_on};

/// What a handler saw: the notification and the lister's resourceVersion of the same object
/// at that moment.
type Log = Arc<Mutex<Vec<(String, Option<u64>)>>>;

struct Fixture {
    rt: ManualRuntime,
    dyn_rt: Arc<dyn Runtime>,
    server: ApiServer,
}

impl Fixture {
    fn new() -> Self {
        let (rt, dyn_rt) = runtime();
        let server = server_on(&dyn_rt, ApiServerConfig::default());
        Self { rt, dyn_rt, server }
    }

    fn informer(&self) -> Informer {
        Informer::start(self.dyn_rt.clone(), self.server.clone(), Kind::Pod, "pods")
    }
}

/// A handler that logs each notification with what the lister says at that moment.
fn recording_handler(lister: Lister) -> (Handler, Log) {
    let log: Log = Arc::default();
    let sink = log.clone();
    let handler: Handler = Arc::new(move |n: Notification| {
        let obj = n.object();
        let cached = lister
            .get_object(obj.namespace(), obj.name())
            .map(|o| o.resource_version());
        sink.lock()
            .expect("not poisoned")
            .push((n.to_string(), cached));
    });
    (handler, log)
}

fn entries(log: &Log) -> Vec<String> {
    log.lock()
        .expect("not poisoned")
        .iter()
        .map(|(n, _)| n.clone())
        .collect()
}

fn steps_matching(rt: &ManualRuntime, prefix: &str) -> Vec<String> {
    rt.steps()
        .into_iter()
        .filter(|s| s.starts_with(prefix))
        .collect()
}

#[test]
fn informer_should_list_then_watch_in_separate_cache_and_deliver_steps() {
    let f = Fixture::new();
    f.server.create(pod("a")).expect("created");
    let informer = f.informer();
    let (handler, log) = recording_handler(informer.lister());
    let reg = informer.add_listener("pod-handler", vec!["controller".into()], handler);
    assert!(!informer.has_synced());
    f.rt.run_until_stalled();
    assert!(informer.has_synced());
    assert!(reg.has_synced());
    f.server.update(pod_labelled("a", 1)).expect("updated");
    f.server
        .delete(Kind::Pod, "default", "a", &Preconditions::default())
        .expect("deleted");
    f.rt.run_until_stalled();
    assert_eq!(
        steps_matching(&f.rt, "cache-update"),
        [
            "cache-update pods Added default/a rv=1",
            "cache-update pods Modified default/a rv=2",
            "cache-update pods Deleted default/a rv=3",
        ]
    );
    assert_eq!(
        steps_matching(&f.rt, "deliver"),
        [
            "deliver Add default/a rv=1 uid=uid-1",
            "deliver Update default/a rv=2 uid=uid-1",
            "deliver Delete default/a rv=3 uid=uid-1",
        ]
    );
    // The handler saw what the deliver steps name (their labels add the object's UID).
    assert_eq!(
        entries(&log),
        steps_matching(&f.rt, "deliver")
            .iter()
            .map(|s| s["deliver ".len()..]
                .trim_end_matches(" uid=uid-1")
                .to_owned())
            .collect::<Vec<_>>()
    );
    informer.stop();
    f.rt.run_until_stalled();
    assert_eq!(f.rt.live_tasks(), 0);
}

#[test]
fn lister_should_run_ahead_of_the_handler() {
    let f = Fixture::new();
    let informer = f.informer();
    let (handler, log) = recording_handler(informer.lister());
    informer.add_listener("pod-handler", vec![], handler);
    f.rt.run_until_stalled();
    f.server.create(pod("a")).expect("created");
    f.server.update(pod_labelled("a", 1)).expect("updated");
    f.rt.run_until_stalled();
    let log = log.lock().expect("not poisoned").clone();
    // The Add of rv 1 is handled after the cache already holds rv 2.
    assert_eq!(log[0], ("Add default/a rv=1".to_owned(), Some(2)));
    assert_eq!(log[1], ("Update default/a rv=2".to_owned(), Some(2)));
}

#[test]
fn registration_should_sync_only_after_its_initial_list_is_delivered() {
    let f = Fixture::new();
    f.server.create(pod("a")).expect("created");
    f.server.create(pod("b")).expect("created");
    let informer = f.informer();
    f.rt.run_until_stalled();
    assert!(informer.has_synced());
    let (handler, log) = recording_handler(informer.lister());
    let late = informer.add_listener("late", vec![], handler);
    assert!(!late.has_synced());
    assert_eq!(late.pending(), 2);
    f.rt.run_until_stalled();
    assert!(late.has_synced());
    assert_eq!(entries(&log), ["Add default/a rv=1", "Add default/b rv=2"]);
    late.remove();
    assert!(!late.has_synced());
    f.rt.run_until_stalled();
    assert_eq!(f.rt.live_tasks(), 1, "only the reflector is left");
}

#[test]
fn pod_lister_should_return_cached_pods() {
    let f = Fixture::new();
    f.server.create(pod("a")).expect("created");
    let informer = f.informer();
    f.rt.run_until_stalled();
    let lister = informer.lister();
    let pod = PodLister::get(&lister, "default", "a");
    assert_eq!(
        pod.and_then(|p| p.metadata.name.clone()).as_deref(),
        Some("a")
    );
    assert!(PodLister::get(&lister, "default", "b").is_none());
    assert_eq!(lister.list_as::<Pod>().len(), 1);
}

#[test]
fn gone_should_make_the_reflector_relist() {
    let f = Fixture::new();
    f.server.set_watch_window(1);
    f.server.create(pod("a")).expect("created");
    let informer = f.informer();
    let (handler, log) = recording_handler(informer.lister());
    informer.add_listener("h", vec![], handler);
    f.rt.run_until_stalled();
    // Two changes before the reflector reads: the first is compacted away.
    f.server.create(pod("b")).expect("created");
    f.server.update(pod_labelled("a", 1)).expect("updated");
    f.rt.run_until_stalled();
    assert_eq!(informer.relists(), 1);
    assert_eq!(
        entries(&log),
        [
            "Add default/a rv=1",
            "Update default/a rv=3",
            "Add default/b rv=2"
        ]
    );
    assert_eq!(informer.lister().list_objects().len(), 2);
}

#[test]
fn relist_after_a_dropped_watch_should_deliver_a_tombstone_for_a_missed_deletion() {
    let f = Fixture::new();
    f.server.create(pod("a")).expect("created");
    let informer = f.informer();
    let seen: Arc<Mutex<Vec<Notification>>> = Arc::default();
    let sink = seen.clone();
    informer.add_listener(
        "h",
        vec![],
        Arc::new(move |n| sink.lock().expect("not poisoned").push(n)),
    );
    f.rt.run_until_stalled();
    informer.drop_watch();
    f.server
        .delete(Kind::Pod, "default", "a", &Preconditions::default())
        .expect("deleted");
    f.rt.run_until_stalled();
    assert_eq!(informer.relists(), 1);
    assert!(
        f.rt.steps()
            .contains(&"cache-update pods Deleted default/a rv=2".to_owned())
    );
    assert!(
        f.rt.steps()
            .contains(&"deliver Delete default/a rv=1 (tombstone) uid=uid-1".to_owned())
    );
    let seen = seen.lock().expect("not poisoned");
    match seen.last() {
        Some(Notification::Delete(DeletedObject::Tombstone(t))) => {
            assert_eq!(t.key, "default/a");
            assert_eq!(t.obj.resource_version(), 1);
        }
        other => panic!("expected a tombstone, got {other:?}"),
    }
}

#[test]
fn server_closing_the_watch_should_rewatch_without_relisting() {
    let f = Fixture::new();
    let informer = f.informer();
    let (handler, log) = recording_handler(informer.lister());
    informer.add_listener("h", vec![], handler);
    f.rt.run_until_stalled();
    assert_eq!(f.server.close_watches(Kind::Pod), 1);
    f.server.create(pod("a")).expect("created");
    f.rt.run_until_stalled();
    assert_eq!(informer.relists(), 0);
    assert_eq!(entries(&log), ["Add default/a rv=1"]);
    assert_eq!(f.server.calls(Verb::Watch, Kind::Pod), 2);
}

#[test]
fn watch_delay_should_hold_each_event_before_the_cache_update() {
    let f = Fixture::new();
    let informer = f.informer();
    f.rt.run_until_stalled();
    informer.set_watch_delay(Duration::from_secs(5));
    f.server.create(pod("a")).expect("created");
    f.rt.run_until_stalled();
    assert!(informer.lister().get_object("default", "a").is_none());
    f.rt.advance(Duration::from_secs(4));
    assert!(informer.lister().get_object("default", "a").is_none());
    f.rt.advance(Duration::from_secs(1));
    assert!(informer.lister().get_object("default", "a").is_some());
}

#[test]
fn stale_lister_should_answer_as_of_n_changes_ago() {
    let f = Fixture::new();
    let informer = f.informer();
    f.rt.run_until_stalled();
    f.server.create(pod("a")).expect("created");
    f.server.update(pod_labelled("a", 1)).expect("updated");
    f.rt.run_until_stalled();
    let lister = informer.lister();
    let rv = |l: &Lister| l.get_object("default", "a").map(|o| o.resource_version());
    assert_eq!(rv(&lister), Some(2));
    informer.set_lister_lag(1);
    assert_eq!(rv(&lister), Some(1));
    informer.set_lister_lag(2);
    assert_eq!(rv(&lister), None);
    informer.set_lister_lag(0);
    assert_eq!(rv(&lister), Some(2));
}

#[test]
fn hidden_notifications_should_be_dropped_by_count() {
    let f = Fixture::new();
    let informer = f.informer();
    let (handler, log) = recording_handler(informer.lister());
    let reg = informer.add_listener("h", vec![], handler);
    f.rt.run_until_stalled();
    assert!(informer.set_hidden_notifications("h", HideNotifications::Next(1)));
    assert!(!informer.set_hidden_notifications("nobody", HideNotifications::None));
    f.server.create(pod("a")).expect("created");
    f.server.update(pod_labelled("a", 1)).expect("updated");
    f.rt.run_until_stalled();
    assert_eq!(entries(&log), ["Update default/a rv=2"]);
    assert_eq!(reg.hidden(), 1);
    assert_eq!(reg.pending(), 0);
    assert_eq!(f.rt.marks(), ["informer-notification-hidden"]);
}

#[test]
fn hidden_notifications_should_roll_through_the_runtime() {
    let f = Fixture::new();
    let labels: Arc<Mutex<Vec<String>>> = Arc::default();
    let asked = labels.clone();
    // Hide the Add (roll 0 < 50), keep the Update (roll 99).
    let rt: Arc<dyn Runtime> = Arc::new(Recording {
        inner: f.rt.clone(),
        steps: Mutex::default(),
        chooser: Box::new(move |label: &str, options: usize| {
            assert_eq!(options, 100);
            asked.lock().expect("not poisoned").push(label.to_owned());
            if label.contains(" Add ") { 0 } else { 99 }
        }),
    });
    let informer = Informer::start(rt, f.server.clone(), Kind::Pod, "pods");
    let (handler, log) = recording_handler(informer.lister());
    informer.add_listener("h", vec![], handler);
    f.rt.run_until_stalled();
    informer.set_hidden_notifications("h", HideNotifications::Percent { percent: 50 });
    f.server.create(pod("a")).expect("created");
    f.server.update(pod_labelled("a", 1)).expect("updated");
    f.rt.run_until_stalled();
    assert_eq!(entries(&log), ["Update default/a rv=2"]);
    assert_eq!(
        *labels.lock().expect("not poisoned"),
        ["hide h Add default/a rv=1", "hide h Update default/a rv=2"]
    );
}

#[test]
fn cache_update_steps_should_touch_the_cache_and_every_listener() {
    // The touches are not visible through ManualRuntime; check them with a recording runtime.
    let f = Fixture::new();
    let recorder = Arc::new(Recording {
        inner: f.rt.clone(),
        steps: Mutex::default(),
        chooser: Box::new(|_: &str, _: usize| 0),
    });
    let rt: Arc<dyn Runtime> = recorder.clone();
    let informer = Informer::start(rt, f.server.clone(), Kind::Pod, "pods");
    informer.add_listener("a", vec!["x".into()], Arc::new(|_| {}));
    informer.add_listener("b", vec![], Arc::new(|_| {}));
    f.server.create(pod("p")).expect("created");
    f.rt.run_until_stalled();
    let steps = recorder.steps.lock().expect("not poisoned").clone();
    assert!(steps.contains(&(
        "cache-update pods Added default/p rv=1".to_owned(),
        vec![
            "cache/pods".into(),
            "watch/pods".into(),
            "fault/watch/pods".into(),
            "fault/list/pods".into(),
            "notify/a".into(),
            "notify/b".into()
        ]
    )));
    assert!(steps.contains(&(
        "deliver Add default/p rv=1 uid=uid-1".to_owned(),
        vec!["x".into(), "notify/a".into()]
    )));
}

#[test]
fn failed_lists_should_be_retried_after_a_second() {
    let f = Fixture::new();
    let guard = f
        .server
        .install_fault(|r: &Request| match (r.verb, r.actor.as_str()) {
            (Verb::List, "pods-informer") => Verdict::fail(StatusReason::InternalError),
            _ => Verdict::Pass,
        });
    let informer = f.informer();
    f.rt.run_until_stalled();
    assert!(!informer.has_synced());
    drop(guard);
    f.rt.advance(Duration::from_secs(1));
    assert!(informer.has_synced());
    assert_eq!(f.server.calls(Verb::List, Kind::Pod), 2);
}

/// A function answering data choices, as [`Runtime::choose`] does.
type Chooser = Box<dyn Fn(&str, usize) -> usize + Send + Sync>;

/// A runtime that records each step's touches, answers data choices with `chooser`, and
/// otherwise defers to the manual runtime.
struct Recording {
    inner: ManualRuntime,
    steps: Mutex<Vec<(String, Vec<String>)>>,
    chooser: Chooser,
}

impl Runtime for Recording {
    fn now(&self) -> taintsim_seam::runtime::Timestamp {
        self.inner.now()
    }

    fn spawn(&self, actor: String, task: taintsim_seam::runtime::BoxFuture<()>) {
        self.inner.spawn(actor, task);
    }

    fn after(
        &self,
        delay: Duration,
        actor: String,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Box<dyn taintsim_seam::runtime::TimerHandle> {
        self.inner.after(delay, actor, f)
    }

    fn sleep(&self, delay: Duration) -> taintsim_seam::runtime::BoxFuture<()> {
        self.inner.sleep(delay)
    }

    fn step(
        &self,
        step: taintsim_seam::runtime::StepLabel,
    ) -> taintsim_seam::runtime::BoxFuture<()> {
        self.steps.lock().expect("not poisoned").push((
            step.action.clone(),
            step.touches.iter().map(ToString::to_string).collect(),
        ));
        self.inner.step(step)
    }

    fn choose(&self, label: &str, options: usize) -> usize {
        (self.chooser)(label, options)
    }
}
