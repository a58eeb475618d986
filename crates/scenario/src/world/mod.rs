//! The simulated world: API server, informers, the unchanged controller core, the event sink
//! and their wiring, on one deterministic simulator.
//!
//! [`World::builder`] assembles it the way upstream's `startTestController` does: the initial
//! objects are stored first, the informers start, the claim and pod handlers register, and a
//! `controller` task plays `Run` (spec §2.3): it waits until every informer and handler has
//! synced, registers the slice handler with the tracker (which replays every slice as an Add),
//! and then sets `hasSynced`. A scenario actor spawned with [`World::spawn`] drives the rest.

pub mod glue;
pub mod observe;

use std::sync::Arc;
use std::time::Duration;

use taintsim_api::{
    ApiClient, ApiServer, ApiServerConfig, BroadcasterConfig, EventBroadcaster, Informer, Kind,
    Object, Registration,
};
use taintsim_controller_device::behavior::Behavior;
use taintsim_controller_device::controller::{Controller, ControllerDeps};
use taintsim_controller_device::metrics::Metrics;
use taintsim_seam::client::{Client, EventRecorder, PodLister};
use taintsim_seam::runtime::{BoxFuture, Runtime, StepLabel};
use taintsim_sim::{
    Control, RunReport, Sim, SimConfig, SimHandle, SimRuntime, StepReport, Strategy,
};

use self::glue::TrackerGlue;
use self::observe::{CurrentActor, DeletionSpy, ObservedClient, ObservedRecorder, SharedLog};

/// How often the `controller` task looks again whether everything has synced, in virtual time.
const SYNC_POLL: Duration = Duration::from_millis(10);

/// The informers the 1.33 controller uses.
#[derive(Clone)]
pub struct Informers {
    /// Pods.
    pub pods: Informer,
    /// ResourceClaims.
    pub claims: Informer,
    /// ResourceSlices.
    pub slices: Informer,
    /// DeviceTaintRules.
    pub rules: Informer,
}

impl Informers {
    /// The informer that feeds `listener` (`pod-handler`, `claim-handler`, `slice-tracker` or
    /// `rule-tracker`), or the informer named by its resource (`pods`, ...).
    pub fn by_name(&self, name: &str) -> Option<&Informer> {
        match name {
            "pods" | "pod-handler" => Some(&self.pods),
            "resourceclaims" | "claim-handler" => Some(&self.claims),
            "resourceslices" | "slice-tracker" => Some(&self.slices),
            "devicetaintrules" | "rule-tracker" => Some(&self.rules),
            _ => None,
        }
    }
}

/// What the world is made of, apart from the executor.
#[derive(Clone)]
pub struct PartsConfig {
    /// The controller's behaviour keys.
    pub behavior: Behavior,
    /// Objects stored before anything starts.
    pub objects: Vec<Object>,
    /// Capacity of the event broadcaster's queue.
    pub event_queue_size: usize,
    /// The API server's watch window, in events per kind.
    pub watch_window: usize,
    /// Whether the API server defaults a taint's `timeAdded`.
    pub default_taint_time_added: bool,
    /// The events' source component.
    pub component: String,
}

impl Default for PartsConfig {
    fn default() -> Self {
        Self {
            behavior: Behavior::default(),
            objects: Vec::new(),
            event_queue_size: 1000,
            watch_window: 1000,
            default_taint_time_added: true,
            component: "device-taint-eviction".into(),
        }
    }
}

/// The API server, informers, controller and event sink, wired on some runtime.
pub struct Parts {
    /// The API server.
    pub server: ApiServer,
    /// The informers.
    pub informers: Informers,
    /// The controller under test.
    pub controller: Arc<Controller>,
    /// The asynchronous event sink.
    pub broadcaster: EventBroadcaster,
    /// The controller's metrics.
    pub metrics: Arc<Metrics>,
    /// What the oracles read.
    pub log: SharedLog,
    /// The handler registrations.
    pub registrations: Vec<Registration>,
}

impl Parts {
    /// Whether every informer and handler registration has synced.
    pub fn handlers_synced(&self) -> bool {
        handlers_synced(&self.informers, &self.registrations)
    }
}

/// Builds [`Parts`] on `rt`: stores the initial objects, starts the informers, the event sink
/// and the controller, registers the handlers and spawns the `controller` task (see the
/// module docs). `actor` names the running task for the oracles' log. Initial objects that
/// the server rejects are returned as an error.
pub fn assemble(
    rt: Arc<dyn Runtime>,
    actor: CurrentActor,
    config: PartsConfig,
) -> Result<Parts, taintsim_api::ApiError> {
    let server = ApiServer::new(
        rt.clone(),
        ApiServerConfig {
            watch_window: config.watch_window,
            default_taint_time_added: config.default_taint_time_added,
        },
    );
    for object in config.objects {
        server.create(object)?;
    }
    server.reset_calls();
    let log = SharedLog::default();
    server
        .install_fault(DeletionSpy::new(server.clone(), log.clone(), actor.clone()))
        .forget();

    let informer = |kind, name| Informer::start(rt.clone(), server.clone(), kind, name);
    let informers = Informers {
        pods: informer(Kind::Pod, "pods"),
        claims: informer(Kind::ResourceClaim, "resourceclaims"),
        slices: informer(Kind::ResourceSlice, "resourceslices"),
        rules: informer(Kind::DeviceTaintRule, "devicetaintrules"),
    };
    let broadcaster = EventBroadcaster::start(
        rt.clone(),
        server.clone(),
        BroadcasterConfig {
            queue_size: config.event_queue_size,
            ..BroadcasterConfig::new(config.component)
        },
    );
    let metrics = Arc::new(Metrics::default());
    let client: Arc<dyn Client> = Arc::new(ObservedClient::new(
        ApiClient::new(server.clone(), rt.clone())
            .with_request_touches(Arc::new(deletion_spy_touches)),
        log.clone(),
        actor.clone(),
    ));
    let recorder: Arc<dyn EventRecorder> = Arc::new(ObservedRecorder::new(
        broadcaster.recorder(),
        log.clone(),
        actor,
    ));
    let pods: Arc<dyn PodLister> = Arc::new(informers.pods.lister());
    let controller = Controller::new(ControllerDeps {
        rt: rt.clone(),
        client,
        pods,
        recorder,
        metrics: metrics.clone(),
        behavior: config.behavior,
    });
    let (registrations, tracker) = register_handlers(&informers, &controller);
    spawn_run(&rt, &informers, &registrations, tracker, &controller);
    Ok(Parts {
        server,
        informers,
        controller,
        broadcaster,
        metrics,
        log,
        registrations,
    })
}

/// Builds a [`World`].
pub struct WorldBuilder {
    parts: PartsConfig,
    config: SimConfig,
    strategy: Option<Box<dyn Strategy>>,
}

/// The assembled world; see the module docs.
pub struct World {
    sim: Sim,
    /// The controller's runtime (the simulator back end).
    pub rt: Arc<SimRuntime>,
    /// The API server.
    pub server: ApiServer,
    /// The informers.
    pub informers: Informers,
    /// The controller under test.
    pub controller: Arc<Controller>,
    /// The asynchronous event sink.
    pub broadcaster: EventBroadcaster,
    /// The controller's metrics.
    pub metrics: Arc<Metrics>,
    /// What the oracles read.
    pub log: SharedLog,
    registrations: Vec<Registration>,
    _teardown: Teardown,
}

/// Breaks the world's reference cycles when it is dropped, so that a run frees its world: the
/// handlers capture the controller, which holds the pod lister, whose informer holds the
/// handlers; and the API server holds the [`DeletionSpy`] rule, which holds the server.
/// (Without this every run leaked about 100 KB, which an exhaustive search of 100 000
/// schedules turns into 10 GB.)
struct Teardown {
    server: ApiServer,
    registrations: Vec<Registration>,
}

impl Drop for Teardown {
    fn drop(&mut self) {
        self.registrations.iter().for_each(Registration::remove);
        self.server.clear_faults();
    }
}

impl World {
    /// A builder with the fixed controller, no objects and seed 0 (random strategy).
    pub fn builder() -> WorldBuilder {
        WorldBuilder {
            parts: PartsConfig::default(),
            config: SimConfig::default(),
            strategy: None,
        }
    }

    /// The simulator handle (for spawning actors and reading the clock).
    pub fn handle(&self) -> SimHandle {
        self.sim.handle()
    }

    /// Spawns a task on the simulator.
    pub fn spawn(&self, actor: impl Into<String>, task: BoxFuture<()>) {
        self.sim.handle().spawn(actor, task);
    }

    /// Whether every informer and handler registration has synced.
    pub fn handlers_synced(&self) -> bool {
        handlers_synced(&self.informers, &self.registrations)
    }

    /// Runs to the end, calling `observer` after every step. The trace and decisions move into
    /// the report (see [`taintsim_sim::Sim::run_with_into_report`]).
    pub fn run_with(
        &mut self,
        observer: &mut dyn FnMut(&StepReport, &SimHandle) -> Control,
    ) -> RunReport {
        self.sim.run_with_into_report(observer)
    }

    /// Runs to the end.
    pub fn run(&mut self) -> RunReport {
        self.sim.run()
    }

    /// Ends the world and gives back the simulator's strategy.
    pub fn into_strategy(self) -> Box<dyn Strategy> {
        self.sim.into_strategy()
    }
}

fn handlers_synced(informers: &Informers, registrations: &[Registration]) -> bool {
    let Informers {
        pods,
        claims,
        slices,
        rules,
    } = informers;
    [pods, claims, slices, rules].iter().all(|i| i.has_synced())
        && registrations.iter().all(Registration::has_synced)
}

impl WorldBuilder {
    /// The controller's behaviour keys.
    pub fn behavior(mut self, behavior: Behavior) -> Self {
        self.parts.behavior = behavior;
        self
    }

    /// Objects stored before anything starts.
    pub fn objects(mut self, objects: impl IntoIterator<Item = Object>) -> Self {
        self.parts.objects.extend(objects);
        self
    }

    /// The simulator's configuration (seed, start time, step bound, time jumps).
    pub fn sim_config(mut self, config: SimConfig) -> Self {
        self.config = config;
        self
    }

    /// The scheduling strategy (default: random from the config's seed).
    pub fn strategy(mut self, strategy: Box<dyn Strategy>) -> Self {
        self.strategy = Some(strategy);
        self
    }

    /// Capacity of the event broadcaster's queue.
    pub fn event_queue_size(mut self, size: usize) -> Self {
        self.parts.event_queue_size = size;
        self
    }

    /// The API server's watch window, in events per kind.
    pub fn watch_window(mut self, events: usize) -> Self {
        self.parts.watch_window = events;
        self
    }

    /// Whether the API server defaults a taint's `timeAdded`.
    pub fn default_taint_time_added(mut self, on: bool) -> Self {
        self.parts.default_taint_time_added = on;
        self
    }

    /// The events' source component.
    pub fn component(mut self, component: impl Into<String>) -> Self {
        self.parts.component = component.into();
        self
    }

    /// Assembles the world. Initial objects that the server rejects are returned as an error.
    pub fn build(self) -> Result<World, taintsim_api::ApiError> {
        let strategy = self.strategy.unwrap_or_else(|| {
            Box::new(taintsim_sim::RandomStrategy::new_from_seed(
                self.config.seed,
            ))
        });
        let sim = Sim::new(self.config, strategy);
        let handle = sim.handle();
        let rt = Arc::new(SimRuntime::new(handle.clone()));
        let actor: CurrentActor =
            Arc::new(move || handle.current_actor().unwrap_or_else(|| "?".to_owned()));
        let parts = assemble(rt.clone(), actor, self.parts)?;
        let teardown = Teardown {
            server: parts.server.clone(),
            registrations: parts.registrations.clone(),
        };
        Ok(World {
            sim,
            rt,
            _teardown: teardown,
            server: parts.server,
            informers: parts.informers,
            controller: parts.controller,
            broadcaster: parts.broadcaster,
            metrics: parts.metrics,
            log: parts.log,
            registrations: parts.registrations,
        })
    }
}

/// What the [`DeletionSpy`] reads when it judges a pod DELETE request (inside the request's
/// step): the pod's claims and every slice and DeviceTaintRule.
fn deletion_spy_touches(request: &taintsim_api::Request) -> Vec<String> {
    if request.verb != taintsim_api::Verb::Delete || request.kind != Kind::Pod {
        return Vec::new();
    }
    vec![
        format!("{}/{}", Kind::ResourceClaim.singular(), request.namespace),
        Kind::ResourceSlice.singular().to_owned(),
        Kind::DeviceTaintRule.singular().to_owned(),
    ]
}

/// What a handler body touches: the handler mutex, the queue, the event queue, and (for
/// handlers that call `handlePods`) the pod lister.
fn handler_touches(reads_pod_lister: bool) -> Vec<String> {
    let mut t = vec![
        "controller".to_owned(),
        "queue".to_owned(),
        "events".to_owned(),
    ];
    if reads_pod_lister {
        t.push("cache/pods".to_owned());
    }
    t
}

fn register_handlers(
    informers: &Informers,
    controller: &Arc<Controller>,
) -> (Vec<Registration>, TrackerGlue) {
    let tracker = TrackerGlue::new(controller.clone());
    let c = controller.clone();
    let claims = informers.claims.add_listener(
        "claim-handler",
        handler_touches(true),
        Arc::new(move |n| glue::on_claim(&c, &n)),
    );
    let c = controller.clone();
    let pods = informers.pods.add_listener(
        "pod-handler",
        handler_touches(false),
        Arc::new(move |n| glue::on_pod(&c, &n)),
    );
    let mut tracker_touches = handler_touches(true);
    tracker_touches.push("tracker".to_owned());
    let t = tracker.clone();
    let slices = informers.slices.add_listener(
        "slice-tracker",
        tracker_touches.clone(),
        Arc::new(move |n| t.on_slice(&n)),
    );
    let t = tracker.clone();
    let rules = informers.rules.add_listener(
        "rule-tracker",
        tracker_touches,
        Arc::new(move |n| t.on_rule(&n)),
    );
    (vec![claims, pods, slices, rules], tracker)
}

/// The `controller` task: upstream's `Run` after the handlers are registered (spec §2.3
/// steps 4 to 6).
fn spawn_run(
    rt: &Arc<dyn Runtime>,
    informers: &Informers,
    registrations: &[Registration],
    tracker: TrackerGlue,
    controller: &Arc<Controller>,
) {
    let (informers, registrations) = (informers.clone(), registrations.to_vec());
    let (controller, sleeper) = (controller.clone(), rt.clone());
    rt.spawn(
        "controller".to_owned(),
        Box::pin(async move {
            while !handlers_synced(&informers, &registrations) {
                sleeper.sleep(SYNC_POLL).await;
            }
            tracing::info!("Underlying informers have synced");
            let touches = handler_touches(true)
                .into_iter()
                .chain(["tracker".to_owned()]);
            sleeper
                .step(StepLabel::with_touches("register slice handler", touches))
                .await;
            let replayed = tracker.register();
            tracing::debug!(replayed, "slice handler registered");
            controller.set_has_synced(true);
        }),
    );
}
