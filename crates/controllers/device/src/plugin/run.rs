//! Upstream's `Run` for the 1.33 controller: register the claim and pod handlers and the
//! tracker's informer handlers, then, in a `controller` task, wait until every informer and
//! handler has synced, register the slice handler with the tracker (which replays every slice
//! as an Add, in Go map order, before it returns) and set `hasSynced`.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use taintsim_api::{Informer, Kind, ListenerSpec, Registration, broadcaster, resource};
use taintsim_plugin::Informers;
use taintsim_seam::runtime::{Runtime, StepLabel, Touch};

use super::handlers::{self, TrackerGlue};
use crate::controller::{self, Controller};
use taintsim_timed_worker_queue::QUEUE;

/// How often the `controller` task looks again whether everything has synced, in virtual time.
const SYNC_POLL: Duration = Duration::from_millis(10);

/// What a handler body touches: the handler mutex, the queue, the event queue, and (for
/// handlers that call `handlePods`) the pod lister.
fn handler_touches(reads_pod_lister: bool) -> Vec<Touch> {
    let mut t = vec![
        Touch::new_static(controller::RESOURCE),
        Touch::new_static(QUEUE),
        Touch::new_static(broadcaster::QUEUE),
    ];
    if reads_pod_lister {
        t.push(resource::cache_touch(Kind::Pod));
    }
    t
}

/// What the tracker's handlers touch: a handler's, plus the tracker's own state.
fn tracker_touches() -> Vec<Touch> {
    let mut touches = handler_touches(true);
    touches.push(Touch::new_static(handlers::TRACKER));
    touches
}

/// The four listeners' names and touches, the same in every world: built once per process.
struct Listeners {
    claims: ListenerSpec,
    pods: ListenerSpec,
    slices: ListenerSpec,
    rules: ListenerSpec,
}

static LISTENERS: LazyLock<Listeners> = LazyLock::new(|| Listeners {
    claims: ListenerSpec::new("claim-handler", handler_touches(true)),
    pods: ListenerSpec::new("pod-handler", handler_touches(false)),
    slices: ListenerSpec::new("slice-tracker", tracker_touches()),
    rules: ListenerSpec::new("rule-tracker", tracker_touches()),
});

/// Registers the handlers (claims, pods, then the tracker's slices and rules) and spawns the
/// `controller` task. Returns the registrations, in that order.
pub(super) fn start(
    rt: &Arc<dyn Runtime>,
    informers: &Informers,
    controller: &Arc<Controller>,
) -> Vec<Registration> {
    let tracker = TrackerGlue::new(controller.clone());
    let specs = &*LISTENERS;
    let c = controller.clone();
    let claims = informers
        .of(Kind::ResourceClaim)
        .register(&specs.claims, Arc::new(move |n| handlers::on_claim(&c, &n)));
    let (c, marks) = (controller.clone(), rt.clone());
    let pods = informers.of(Kind::Pod).register(
        &specs.pods,
        Arc::new(move |n| handlers::on_pod(marks.as_ref(), &c, &n)),
    );
    let t = tracker.clone();
    let slices = informers
        .of(Kind::ResourceSlice)
        .register(&specs.slices, Arc::new(move |n| t.on_slice(&n)));
    let t = tracker.clone();
    let rules = informers
        .of(Kind::DeviceTaintRule)
        .register(&specs.rules, Arc::new(move |n| t.on_rule(&n)));
    let registrations = vec![claims, pods, slices, rules];
    spawn_run(rt, informers, &registrations, tracker, controller);
    registrations
}

fn synced(informers: &[Informer], registrations: &[Registration]) -> bool {
    informers.iter().all(Informer::has_synced) && registrations.iter().all(Registration::has_synced)
}

/// The `controller` task: `Run` after the handlers are registered.
fn spawn_run(
    rt: &Arc<dyn Runtime>,
    informers: &Informers,
    registrations: &[Registration],
    tracker: TrackerGlue,
    controller: &Arc<Controller>,
) {
    let informers: Vec<Informer> = informers.iter().cloned().collect();
    let registrations = registrations.to_vec();
    let (controller, sleeper) = (controller.clone(), rt.clone());
    rt.spawn(
        "controller".to_owned(),
        Box::pin(async move {
            while !synced(&informers, &registrations) {
                sleeper.sleep(SYNC_POLL).await;
            }
            tracing::info!("Underlying informers have synced");
            let label = StepLabel::lazy(
                sleeper.as_ref(),
                || "register slice handler".to_owned(),
                tracker_touches,
            );
            sleeper.step(label).await;
            let replayed = tracker.register(sleeper.as_ref());
            tracing::debug!(replayed, "slice handler registered");
            controller.set_has_synced(true);
        }),
    );
}
