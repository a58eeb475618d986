//! The simulated world: API server, informers, a controller plug-in, the event sink and their
//! wiring, on one deterministic simulator.
//!
//! [`World::builder`] assembles it the way upstream's test setups do: the initial objects are
//! stored first, one informer starts per kind the controller watches, the event sink starts,
//! and the controller starts on them ([`ControllerPlugin::start`]: it registers its handlers and
//! spawns its `Run`). A scenario actor spawned with [`World::spawn`] drives the rest.

pub mod actor;
pub mod assertions;
pub mod faults;
pub mod witness;

use std::sync::Arc;

use taintsim_api::{
    ApiClient, ApiServer, ApiServerConfig, BroadcasterConfig, EventBroadcaster, Informer,
    Registration, Snapshot,
};
use taintsim_plugin::{
    Behavior, ControllerPlugin, Env, Informers, Metrics, Reference, Registry, Running,
};
use taintsim_seam::client::{Client, EventRecorder};
use taintsim_seam::runtime::{BoxFuture, Runtime, Timestamp};
use taintsim_sim::{
    Control, RunReport, Sim, SimConfig, SimHandle, SimRuntime, StepReport, Strategy,
};

use taintsim_scenario::format::{Fault, FaultKind};
use taintsim_seam::sync::Mutex;

use self::faults::Faults;
use self::witness::{
    CallSpy, CurrentActor, DeletionSpy, ObservedClient, ObservedRecorder, SharedLog,
};

/// Why a world could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    /// The API server rejected an initial object.
    #[error("{0}")]
    InitialObject(#[from] taintsim_api::ApiError),
    /// A fault in force from the start could not be installed.
    #[error("fault {name}: {message}")]
    Fault {
        /// The fault's name.
        name: String,
        /// Why.
        message: String,
    },
}

/// What the world is made of, apart from the executor.
#[derive(Clone)]
pub struct PartsConfig {
    /// The controller that runs, and its complete behaviour keys.
    pub controller: Arc<dyn ControllerPlugin>,
    /// The behaviour keys, with every key of the controller's generation set.
    pub behavior: Behavior,
    /// Objects stored before anything starts.
    pub objects: Vec<taintsim_api::Object>,
    /// Capacity of the event broadcaster's queue.
    pub event_queue_size: usize,
    /// The API server's watch window, in events per kind.
    pub watch_window: usize,
    /// Whether the API server defaults a taint's `timeAdded`.
    pub default_taint_time_added: bool,
    /// Whether the API server validates writes as a real one does.
    pub validation: bool,
    /// The events' source component (`None`: the controller's own).
    pub component: Option<String>,
    /// Faults in force from the start (a scenario's top-level `faults`).
    pub faults: Vec<Fault>,
    /// The initial objects already stored ([`InitialStore`]): when set, the server starts
    /// from it and [`Self::objects`] is ignored.
    pub initial: Option<Arc<InitialStore>>,
    /// Whether [`WorldLog::calls`](witness::WorldLog::calls) records every request of the
    /// controller side (default on). Only an `api-calls` check with `name` or `uid` reads it,
    /// so a scenario without one turns it off and saves an allocation per request.
    pub record_calls: bool,
}

impl PartsConfig {
    /// A world for the default controller of `registry` with its default behaviour.
    ///
    /// # Panics
    /// If the registry is empty.
    pub fn new(registry: &Registry) -> Self {
        let resolved = registry
            .resolve(&Behavior::new())
            .expect("a registry with at least one controller");
        Self::for_controller(resolved)
    }

    /// A world for a resolved controller.
    pub fn for_controller(resolved: taintsim_plugin::registry::Resolved) -> Self {
        Self {
            controller: resolved.plugin,
            behavior: resolved.behavior,
            objects: Vec::new(),
            event_queue_size: 1000,
            watch_window: 1000,
            default_taint_time_added: true,
            validation: true,
            component: None,
            faults: Vec::new(),
            initial: None,
            record_calls: true,
        }
    }
}

/// The API server, informers, controller and event sink, wired on some runtime.
pub struct Parts {
    /// The API server.
    pub server: ApiServer,
    /// The informers, one per kind the controller watches.
    pub informers: Informers,
    /// The controller plug-in.
    pub plugin: Arc<dyn ControllerPlugin>,
    /// The started controller.
    pub controller: Arc<dyn Running>,
    /// The reference model the oracles judge it against.
    pub reference: Arc<dyn Reference>,
    /// The asynchronous event sink.
    pub broadcaster: EventBroadcaster,
    /// The controller's metrics.
    pub metrics: Arc<Metrics>,
    /// What the oracles read.
    pub log: SharedLog,
    /// The handler registrations.
    pub registrations: Vec<Registration>,
    /// The installed faults, the initial ones first; the scenario actor's `set-fault` and
    /// `clear-fault` change them.
    pub faults: Arc<Mutex<Faults>>,
}

impl Parts {
    /// Whether every informer and handler registration has synced.
    pub fn handlers_synced(&self) -> bool {
        handlers_synced(&self.informers, &self.registrations)
    }
}

/// Builds [`Parts`] on `rt`: stores the initial objects, installs the initial faults, starts
/// the informers, the event sink and the controller (see the module docs). `actor` names the
/// running task for the oracles' log. Initial objects that the server rejects and initial
/// faults that cannot be installed are returned as an error.
pub fn assemble(
    rt: Arc<dyn Runtime>,
    actor: CurrentActor,
    config: PartsConfig,
) -> Result<Parts, AssembleError> {
    let plugin = config.controller.clone();
    let server_config = ApiServerConfig {
        watch_window: config.watch_window,
        default_taint_time_added: config.default_taint_time_added,
        validation: config.validation,
    };
    let server = match config.initial {
        Some(initial) => initial.server(rt.clone(), server_config)?,
        None => store_initial(rt.clone(), server_config, config.objects)?,
    };
    let log = SharedLog::default();
    let reference = plugin.reference(&config.behavior);
    if config.record_calls {
        server.observe_requests(CallSpy::new(log.clone()));
    }
    server.observe_requests(DeletionSpy::new(
        reference.clone(),
        log.clone(),
        actor.clone(),
    ));

    // Faults on API calls go in before any informer exists, so that they meet the first LIST
    // on every runtime (on tokio a spawned reflector runs at once). On the simulator nothing
    // runs before the first step, so the others are in force from the start too; a listener
    // fault waits in its informer for the listener to register.
    let mut faults = Faults::new(
        server.clone(),
        Informers::default(),
        plugin.listeners(&config.behavior),
        rt.clone(),
    );
    let (api_faults, informer_faults): (Vec<&Fault>, Vec<&Fault>) =
        config.faults.iter().partition(|f| {
            matches!(
                f.kind,
                FaultKind::ApiError { .. } | FaultKind::Latency { .. }
            )
        });
    let install = |faults: &mut Faults, list: Vec<&Fault>| {
        list.into_iter().try_for_each(|f| {
            faults.set(f).map_err(|message| AssembleError::Fault {
                name: f.name.clone(),
                message,
            })
        })
    };
    install(&mut faults, api_faults)?;
    let informers = Informers::new(
        plugin
            .kinds(&config.behavior)
            .into_iter()
            .map(|kind| Informer::start(rt.clone(), server.clone(), kind, kind.plural()))
            .collect(),
    );
    faults.attach(informers.clone());
    install(&mut faults, informer_faults)?;
    let component = config
        .component
        .unwrap_or_else(|| plugin.component().to_owned());
    let broadcaster = EventBroadcaster::start(
        rt.clone(),
        server.clone(),
        BroadcasterConfig {
            queue_size: config.event_queue_size,
            ..BroadcasterConfig::new(component)
        },
    );
    let metrics = Arc::new(Metrics::default());
    let spy_touches = witness::deletion_spy_touches(reference.inputs());
    let client: Arc<dyn Client> = Arc::new(ObservedClient::new(
        ApiClient::new(server.clone(), rt.clone()).with_request_touches(spy_touches),
        log.clone(),
        actor.clone(),
    ));
    let recorder: Arc<dyn EventRecorder> = Arc::new(ObservedRecorder::new(
        broadcaster.recorder(),
        log.clone(),
        actor,
    ));
    let controller = plugin.start(Env {
        rt,
        client,
        recorder,
        informers: informers.clone(),
        metrics: metrics.clone(),
        behavior: config.behavior,
    });
    let registrations = controller.registrations();
    Ok(Parts {
        server,
        informers,
        plugin,
        controller,
        reference,
        broadcaster,
        metrics,
        log,
        registrations,
        faults: Arc::new(Mutex::new(faults)),
    })
}

/// A server on `rt` that stored `objects`, with its call counters at zero.
fn store_initial(
    rt: Arc<dyn Runtime>,
    config: ApiServerConfig,
    objects: Vec<taintsim_api::Object>,
) -> Result<ApiServer, taintsim_api::ApiError> {
    let server = ApiServer::new(rt, config);
    for object in objects {
        server.create(object)?;
    }
    server.reset_calls();
    Ok(server)
}

/// A world's initial objects stored once, for every world that starts with them: the server
/// of each such world starts from a [`Snapshot`] of the stored objects instead of defaulting,
/// validating and storing every object again (the objects are shared, and every world starts
/// with the same resourceVersions, UIDs and counters as one that created them).
pub struct InitialStore {
    objects: Vec<taintsim_api::Object>,
    at: Timestamp,
    snapshot: Snapshot,
}

impl InitialStore {
    /// Stores `objects` as a server with `config` would at time `at` (the start time of the
    /// worlds that use it: objects are stamped with it). An object the server rejects is an
    /// error.
    pub fn new(
        objects: Vec<taintsim_api::Object>,
        config: ApiServerConfig,
        at: Timestamp,
    ) -> Result<Self, taintsim_api::ApiError> {
        let server = ApiServer::with_clock(Arc::new(move || at), config);
        for object in &objects {
            server.create(object.clone())?;
        }
        server.reset_calls();
        Ok(Self {
            snapshot: server.snapshot(),
            objects,
            at,
        })
    }

    /// A server on `rt` with the objects stored: from the snapshot if `rt`'s time and
    /// `config` are the ones it was taken with, else by storing the objects again.
    fn server(
        &self,
        rt: Arc<dyn Runtime>,
        config: ApiServerConfig,
    ) -> Result<ApiServer, taintsim_api::ApiError> {
        if rt.now() == self.at && *self.snapshot.config() == config {
            Ok(ApiServer::from_snapshot(rt, &self.snapshot))
        } else {
            store_initial(rt, config, self.objects.clone())
        }
    }
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
    /// The controller plug-in.
    pub plugin: Arc<dyn ControllerPlugin>,
    /// The started controller.
    pub controller: Arc<dyn Running>,
    /// The reference model the oracles judge it against.
    pub reference: Arc<dyn Reference>,
    /// The asynchronous event sink.
    pub broadcaster: EventBroadcaster,
    /// The controller's metrics.
    pub metrics: Arc<Metrics>,
    /// What the oracles read.
    pub log: SharedLog,
    /// The installed faults (see [`Parts::faults`]).
    pub faults: Arc<Mutex<Faults>>,
    registrations: Vec<Registration>,
    _teardown: Teardown,
}

/// Breaks the world's one reference cycle when it is dropped, so that a run frees its world: a
/// plug-in's handlers capture its controller, which holds the listers, whose informers hold the
/// handlers. (Without this every run leaked about 100 KB, which an exhaustive search of 100 000
/// schedules turns into 10 GB.) The world cannot know how a plug-in's handlers hold what they
/// need, so it removes the registrations, which every plug-in has.
struct Teardown {
    registrations: Vec<Registration>,
}

impl Drop for Teardown {
    fn drop(&mut self) {
        self.registrations.iter().for_each(Registration::remove);
    }
}

impl World {
    /// A builder for the default controller of `registry` with its default behaviour, no
    /// objects and seed 0 (random strategy).
    pub fn builder(registry: &Registry) -> WorldBuilder {
        WorldBuilder {
            parts: PartsConfig::new(registry),
            config: SimConfig::default(),
            strategy: None,
        }
    }

    /// A builder for a resolved controller, no objects and seed 0 (random strategy).
    pub fn builder_for(resolved: taintsim_plugin::registry::Resolved) -> WorldBuilder {
        WorldBuilder {
            parts: PartsConfig::for_controller(resolved),
            config: SimConfig::default(),
            strategy: None,
        }
    }

    /// The simulator handle (for spawning actors and reading the clock).
    pub fn handle(&self) -> SimHandle {
        self.sim.handle()
    }

    /// Spawns a task on the simulator.
    pub fn spawn(&self, actor: impl Into<taintsim_sim::ActorName>, task: BoxFuture<()>) {
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
    informers.iter().all(Informer::has_synced) && registrations.iter().all(Registration::has_synced)
}

impl WorldBuilder {
    /// The controller and its behaviour keys, checked against a registry.
    pub fn controller(mut self, resolved: taintsim_plugin::registry::Resolved) -> Self {
        self.parts.controller = resolved.plugin;
        self.parts.behavior = resolved.behavior;
        self
    }

    /// Objects stored before anything starts.
    pub fn objects(mut self, objects: impl IntoIterator<Item = taintsim_api::Object>) -> Self {
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

    /// Whether the API server validates writes as a real one does (default on).
    pub fn validation(mut self, on: bool) -> Self {
        self.parts.validation = on;
        self
    }

    /// The events' source component.
    pub fn component(mut self, component: impl Into<String>) -> Self {
        self.parts.component = Some(component.into());
        self
    }

    /// The initial objects, stored once for many worlds (see [`InitialStore`]); replaces
    /// [`Self::objects`].
    pub fn initial(mut self, initial: Arc<InitialStore>) -> Self {
        self.parts.initial = Some(initial);
        self
    }

    /// Whether the world records every request of the controller side in
    /// [`WorldLog::calls`](witness::WorldLog::calls) (default on; see
    /// [`PartsConfig::record_calls`]).
    pub fn record_calls(mut self, on: bool) -> Self {
        self.parts.record_calls = on;
        self
    }

    /// Faults in force from the start.
    pub fn faults(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.parts.faults.extend(faults);
        self
    }

    /// Assembles the world. Initial objects that the server rejects and initial faults that
    /// cannot be installed are returned as an error.
    pub fn build(self) -> Result<World, AssembleError> {
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
            registrations: parts.registrations.clone(),
        };
        Ok(World {
            sim,
            rt,
            _teardown: teardown,
            server: parts.server,
            informers: parts.informers,
            plugin: parts.plugin,
            controller: parts.controller,
            reference: parts.reference,
            broadcaster: parts.broadcaster,
            metrics: parts.metrics,
            log: parts.log,
            faults: parts.faults,
            registrations: parts.registrations,
        })
    }
}
