//! Upstream's `Run(ctx, numWorkers)` for the latest controller: register the claim, pod,
//! rule and slice handlers (in that order), then, in a `controller` task, wait until every
//! informer and handler has synced, set `hasSynced` and start `numWorkers` workers
//! (`worker-<i>`), each its own simulated actor.

use std::sync::Arc;
use std::time::Duration;

use taintsim_api::{Informer, Kind, Notification, Registration, resource};
use taintsim_plugin::{Env, Informers, PendingEviction, Running};
use taintsim_seam::runtime::{Runtime, StepLabel, Touch};

use super::handlers::{claim_of, pod_of, slice_of};
use crate::latest::{Config, Controller, Deps, Rule};

/// How often the `controller` task looks again whether everything has synced, in virtual time
/// (as the 1.33 plug-in does).
const SYNC_POLL: Duration = Duration::from_millis(10);

/// A started latest controller.
pub(super) struct LatestRunning {
    controller: Arc<Controller>,
    registrations: Vec<Registration>,
}

impl Running for LatestRunning {
    fn has_synced(&self) -> bool {
        self.controller.has_synced()
    }

    fn registrations(&self) -> Vec<Registration> {
        self.registrations.clone()
    }

    fn idle(&self) -> bool {
        self.controller.queue().is_idle()
    }

    /// `deletePodAt`, the source of truth of what is to be evicted and when.
    fn pending_evictions(&self) -> Option<Vec<PendingEviction>> {
        Some(self.controller.pending_evictions())
    }
}

/// What a handler's delivery step touches: the controller state, the workqueue, the event
/// queue and (for handlers that call `handlePods`) the pod cache.
fn handler_touches(queue: &str, reads_pod_cache: bool) -> Vec<Touch> {
    let mut t = vec![
        Touch::new_static("controller"),
        Touch::from(queue),
        Touch::new_static("events"),
    ];
    if reads_pod_cache {
        t.push(resource::cache_touch(Kind::Pod));
    }
    t
}

fn old_new(n: &Notification) -> (Option<&taintsim_api::Object>, Option<&taintsim_api::Object>) {
    match n {
        Notification::Add(new) => (None, Some(new)),
        Notification::Update(old, new) => (Some(old), Some(new)),
        Notification::Delete(gone) => (Some(gone.object()), None),
    }
}

fn rule_of(object: &taintsim_api::Object) -> Option<Rule> {
    match object {
        taintsim_api::Object::Rule(r) => Some(Rule::from(&**r)),
        _ => None,
    }
}

/// Starts the controller on `env`.
pub(super) fn start(env: Env) -> Arc<dyn Running> {
    let config = Config::from_keys(&env.behavior);
    let pods = Arc::new(env.informers.of(Kind::Pod).lister());
    let rules = Arc::new(env.informers.of(Kind::DeviceTaintRule).lister());
    let controller = Controller::new(Deps {
        rt: env.rt.clone(),
        client: env.client,
        pods,
        rules,
        recorder: env.recorder,
        metrics: env.metrics,
        config,
    });
    let queue = controller.queue().resource().to_owned();
    let listen = |name: &'static str, kind: Kind, reads_pods: bool| {
        let c = controller.clone();
        env.informers.of(kind).add_listener(
            name,
            handler_touches(&queue, reads_pods),
            Arc::new(move |n: Notification| {
                let (old, new) = old_new(&n);
                match kind {
                    Kind::ResourceClaim => c.handle_claim_change(
                        old.and_then(claim_of).as_ref(),
                        new.and_then(claim_of).as_ref(),
                    ),
                    Kind::Pod => c.handle_pod_change(old.and_then(pod_of), new.and_then(pod_of)),
                    Kind::DeviceTaintRule => c.handle_rule_change(
                        old.and_then(rule_of).as_ref(),
                        new.and_then(rule_of).as_ref(),
                    ),
                    Kind::ResourceSlice => c.handle_slice_change(
                        old.and_then(slice_of).as_ref(),
                        new.and_then(slice_of).as_ref(),
                    ),
                    Kind::Event | Kind::Node => {}
                }
            }),
        )
    };
    let registrations = vec![
        listen("claim-handler", Kind::ResourceClaim, true),
        listen("pod-handler", Kind::Pod, false),
        listen("rule-handler", Kind::DeviceTaintRule, true),
        listen("slice-handler", Kind::ResourceSlice, true),
    ];
    spawn_run(&env.rt, &env.informers, &registrations, &controller);
    Arc::new(LatestRunning {
        controller,
        registrations,
    })
}

fn synced(informers: &[Informer], registrations: &[Registration]) -> bool {
    informers.iter().all(Informer::has_synced) && registrations.iter().all(Registration::has_synced)
}

/// The `controller` task: `cache.WaitFor` on informers and handlers, then the workers.
fn spawn_run(
    rt: &Arc<dyn Runtime>,
    informers: &Informers,
    registrations: &[Registration],
    controller: &Arc<Controller>,
) {
    let informers: Vec<Informer> = informers.iter().cloned().collect();
    let registrations = registrations.to_vec();
    let (controller, runtime) = (controller.clone(), rt.clone());
    rt.spawn(
        "controller".to_owned(),
        Box::pin(async move {
            while !synced(&informers, &registrations) {
                runtime.sleep(SYNC_POLL).await;
            }
            // Setting hasSynced is read by `wait-for-sync`; each worker's first `Get` reads
            // the queue.
            let queue = controller.queue().resource().to_owned();
            runtime
                .step(StepLabel::with_touches(
                    "start workers",
                    ["controller".to_owned(), queue],
                ))
                .await;
            tracing::info!("Underlying informers have synced");
            controller.set_has_synced(true);
            for i in 0..controller.config().workers {
                runtime.spawn(
                    format!("worker-{i}"),
                    Box::pin(controller.clone().worker(i)),
                );
            }
        }),
    );
}
