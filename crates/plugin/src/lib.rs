//! taintsim-plugin: the controller seam. A controller is a plug-in: it implements
//! [`ControllerPlugin`], and the harness (world assembly, runner, oracles, stress, generators)
//! uses it only through this trait and a [`Registry`] of plug-ins. Nothing in the harness names
//! a controller.
//!
//! What a plug-in tells the harness, and nothing more:
//! - which values of the `controller` behaviour key it runs ([`ControllerPlugin::generations`])
//!   and which other behaviour keys each has, with their docs and the oracle each breaks
//!   ([`BehaviorKey`]);
//! - which kinds it watches (one informer each) and which listeners it registers, so that
//!   scenario faults can name them;
//! - whether a scenario's objects fit it;
//! - how it starts on a runtime with a client, a recorder and informers ([`Env`]), giving back
//!   a [`Running`] handle;
//! - its metrics ([`Metrics`], with the names it exposes them under) and coverage marks;
//! - the reference model the oracles judge it against ([`Reference`]): when a pod may be
//!   deleted, and by when it must be. A reference shares no code with the controller it
//!   judges.
//!
//! Start reading at [`ControllerPlugin`].

#![deny(missing_docs)]

pub mod behavior;
pub mod metrics;
pub mod oracle;
pub mod reference;
pub mod registry;

use std::sync::Arc;

use taintsim_api::{Informer, Kind, Object, Registration};
use taintsim_seam::{BoxFuture, Client, EventRecorder, Runtime};

pub use behavior::{Behavior, BehaviorError, BehaviorKey, CONTROLLER_KEY, Generation, NumberRange};
pub use metrics::{MetricNames, Metrics, MetricsSnapshot};
pub use oracle::OracleName;
pub use reference::{Cluster, Due, DueView, Reference};
pub use registry::Registry;

/// A coverage mark a controller may pass, for `taintsim keys` and scenario authors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkDoc {
    /// The mark's name, as scenario `mark` checks write it.
    pub name: &'static str,
    /// When the code passes it.
    pub doc: &'static str,
}

/// The event a controller records before each eviction attempt, which the
/// `one-event-per-invocation` oracle counts per work invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvictionEvent {
    /// The event's reason.
    pub reason: &'static str,
    /// The event's message, or its beginning when the controller appends the pod's name.
    pub message_prefix: &'static str,
}

/// The informers of one world, one per kind a controller watches, in the order they started.
#[derive(Debug, Clone, Default)]
pub struct Informers(Vec<Informer>);

impl Informers {
    /// Informers in start order.
    pub fn new(informers: Vec<Informer>) -> Self {
        Self(informers)
    }

    /// The informer of `kind`, if the world started one.
    pub fn get(&self, kind: Kind) -> Option<&Informer> {
        self.0.iter().find(|i| i.kind() == kind)
    }

    /// The informer of `kind`.
    ///
    /// # Panics
    /// If the world started none: a plug-in asks only for the kinds it declared.
    pub fn of(&self, kind: Kind) -> &Informer {
        self.get(kind)
            .unwrap_or_else(|| panic!("no informer for {}: declare it in kinds()", kind.plural()))
    }

    /// Every informer, in start order.
    pub fn iter(&self) -> impl Iterator<Item = &Informer> {
        self.0.iter()
    }
}

/// What a controller gets to start with: everything it may touch.
#[derive(Clone)]
pub struct Env {
    /// The executor: clock, tasks, steps, data choices and marks.
    pub rt: Arc<dyn Runtime>,
    /// The API client its workers use.
    pub client: Arc<dyn Client>,
    /// Where its events go (an asynchronous broadcaster).
    pub recorder: Arc<dyn EventRecorder>,
    /// One started informer per kind of [`ControllerPlugin::kinds`].
    pub informers: Informers,
    /// Its metrics registry, read by the oracles and scenario checks.
    pub metrics: Arc<Metrics>,
    /// Its behaviour keys, complete (every key of its generation has a value).
    pub behavior: Behavior,
}

/// A started controller, as the harness sees it.
pub trait Running: Send + Sync {
    /// `hasSynced`: whether the controller has processed its initial state. Written only in
    /// steps that touch the resource `controller`, which `wait-for-sync` reads.
    fn has_synced(&self) -> bool;

    /// The handler registrations it made, so the harness can tell when they have synced and
    /// remove them when the world ends (handlers capture the controller, the controller holds
    /// listers of the informers that hold the handlers).
    fn registrations(&self) -> Vec<Registration>;

    /// Whether no eviction work is pending or running (the stress mode waits for this before
    /// it judges a run as quiescent).
    fn idle(&self) -> bool;

    /// Cancels the context the controller's `Run` was started with and completes once `Run`
    /// has returned (the scenario step `stop-controller`). The default, for a controller that
    /// does not model its shutdown, completes at once and stops nothing.
    fn stop(&self) -> BoxFuture<()> {
        Box::pin(async {})
    }

    /// The pod evictions it has scheduled and not yet carried out, in pod order, for the
    /// scenario check `pending-evictions`. `None`, the default, means that the controller does
    /// not report them, and the check fails rather than pass on nothing.
    fn pending_evictions(&self) -> Option<Vec<PendingEviction>> {
        None
    }
}

/// One pod eviction a controller has scheduled and not yet carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEviction {
    /// The pod, `namespace/name`.
    pub pod: String,
    /// The pod's UID as the controller knows it (`None` if it does not keep it).
    pub uid: Option<String>,
    /// When it is due; `None` if its work is running already (upstream's immediate work,
    /// which has no timer).
    pub at: Option<jiff::Timestamp>,
}

/// A controller that taintsim can run. See the crate docs.
pub trait ControllerPlugin: Send + Sync + 'static {
    /// A short name for reports, e.g. `device-taint-eviction`.
    fn name(&self) -> &'static str;

    /// The values of the `controller` behaviour key this plug-in runs, the first being its
    /// default generation.
    fn generations(&self) -> &'static [Generation];

    /// The behaviour keys of `generation` (without `controller`), in a fixed order.
    fn keys(&self, generation: &str) -> &'static [BehaviorKey];

    /// The kinds it watches, in the order the world starts their informers (named by the
    /// kind's plural).
    fn kinds(&self, behavior: &Behavior) -> Vec<Kind>;

    /// The listeners it registers, by name, with the kind each listens to, so that scenario
    /// faults (hidden notifications) can name them.
    fn listeners(&self, behavior: &Behavior) -> Vec<(&'static str, Kind)>;

    /// The kinds whose informer lister it reads (a `Lister` from [`Informers`]). A
    /// `stale-lister` fault on any other kind would change nothing the controller sees, so a
    /// scenario that sets one fails to load. The default is none: a controller that does not
    /// say refuses every stale lister rather than ignoring it silently.
    fn listed(&self, _behavior: &Behavior) -> Vec<Kind> {
        Vec::new()
    }

    /// Whether `object` may appear in a scenario for this controller: `Err` says why not
    /// (for example, a Node for the device controller).
    fn accepts(&self, behavior: &Behavior, object: &Object) -> Result<(), String>;

    /// The source component its events carry by default.
    fn component(&self) -> &'static str;

    /// Starts the controller on `env`: registers its handlers and spawns its tasks.
    fn start(&self, env: Env) -> Arc<dyn Running>;

    /// The names it exposes its [`Metrics`] under.
    fn metric_names(&self) -> MetricNames;

    /// The coverage marks it may pass.
    fn marks(&self) -> &'static [MarkDoc];

    /// The event it records before each eviction attempt.
    fn eviction_event(&self) -> EvictionEvent;

    /// The event it records when it cancels a pending eviction, if it records one; the
    /// `cancel-event-truth` oracle holds it to that word. `None` (the default) leaves that
    /// oracle nothing to judge.
    fn cancel_event(&self) -> Option<EvictionEvent> {
        None
    }

    /// The reference model the oracles judge it against, for `behavior`.
    fn reference(&self, behavior: &Behavior) -> Arc<dyn Reference>;
}
