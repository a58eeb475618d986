//! The scenario file format, version 1. `docs/scenario-format.md` is the user's guide to it and
//! `docs/scenario.schema.json` is generated from these types.
//!
//! taintsim's own keys are kebab-case, like the CLI's `--set` keys; embedded Kubernetes objects
//! keep their camelCase, exactly as `kubectl get -o json` prints them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use taintsim_api::{Kind, Verb};
pub use taintsim_plugin::OracleName;
use taintsim_plugin::registry::Resolved;
use taintsim_plugin::{Behavior, BehaviorError, Registry};
use taintsim_sim::DecisionLog;

mod checks;
mod faults;

pub use self::checks::{
    ApiCallCheck, Check, DeletedCheck, EventCheck, MetricsCheck, PendingEvictionsCheck,
    RuleConditionCheck,
};
pub use self::faults::{Fault, FaultKind, InformerName, ListenerName};
pub use crate::count::Count;
use crate::duration::ScenarioDuration;
use crate::object::KubeObject;

/// The only format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// A scenario: a world, what the actor does to it, and what must come out.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Format version; must be 1.
    pub version: FormatVersion,
    /// Short name, shown in reports.
    pub name: String,
    /// What the scenario reproduces, and where it comes from upstream.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Which controller runs (`controller`), and its behaviour keys (queue version,
    /// pod-update filter, bug toggles); `taintsim keys` lists them per controller.
    #[serde(default, deserialize_with = "crate::load::checked_behavior")]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub behavior: Behavior,
    /// Settings of the simulated world around the controller.
    #[serde(default)]
    pub world: WorldSettings,
    /// Objects that exist before the controller starts, as `kubectl get -o json` prints them.
    #[serde(default)]
    pub objects: Vec<KubeObject>,
    /// Faults in force from the start: installed after the objects are stored and before the
    /// first informer lists or the controller starts, as if by a `set-fault` at time zero
    /// (`clear-fault` removes one by name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Fault>,
    /// What the scenario actor does, in order, once the controller runs.
    #[serde(default)]
    pub steps: Vec<ActorStep>,
    /// The outcome the scenario expects.
    #[serde(default)]
    pub expect: Expectation,
    /// How `taintsim run` and `taintsim explore` search schedules by default.
    #[serde(default)]
    pub explore: ExploreSettings,
    /// Oracles that do not apply to this scenario, each with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exempt: Vec<Exemption>,
    /// A recorded decision log. When present, `taintsim run` replays exactly this schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions: Option<DecisionLog>,
    /// The controller that runs it, once [`Scenario::resolve`] has checked `behavior` against
    /// a registry (loading does that). Not part of the file.
    #[serde(skip)]
    #[schemars(skip)]
    pub resolved: Option<Resolved>,
}

impl Scenario {
    /// Checks `behavior` against `registry` and records the controller that runs the
    /// scenario, with every key of its generation (`behavior` itself stays as written).
    pub fn resolve(&mut self, registry: &Registry) -> Result<&Resolved, BehaviorError> {
        let resolved = registry.resolve(&self.behavior)?;
        Ok(self.resolved.insert(resolved))
    }

    /// The controller that runs the scenario, if it has been resolved.
    pub fn controller(&self) -> Option<&Resolved> {
        self.resolved.as_ref()
    }
}

/// Settings of the simulated world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct WorldSettings {
    /// Capacity of the event broadcaster's queue; events beyond it are dropped (client-go: 1000).
    pub event_queue_size: usize,
    /// How many watch events per kind the API server keeps; older resourceVersions get 410 Gone.
    pub watch_window: usize,
    /// Whether the API server defaults a device taint's `timeAdded` (when off, the nil-time hazard
    /// of `claimEvictionTime` in `device_taint_eviction.go` @ ab3cec07).
    pub default_taint_time_added: bool,
    /// The source component of recorded events (default: the controller's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Virtual wall-clock time at which the run starts (RFC 3339).
    pub start_time: String,
    /// Whether the scheduler may let a timer fire before the system is quiescent.
    pub time_jumps: bool,
    /// Whether the API server validates what is created and updated as a real one does
    /// (`on`, the default), or stores anything (`off`), like the fake clientset of the
    /// upstream unit tests a scenario may port.
    #[serde(skip_serializing_if = "Validation::is_on")]
    pub validation: Validation,
}

/// `world.validation`: `on` or `off`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Validation {
    /// Writes are validated as the real API server validates them (`422 Invalid`).
    #[default]
    On,
    /// Anything is stored, as client-go's fake clientset does.
    Off,
}

impl Validation {
    /// Whether validation is on.
    pub fn is_on(&self) -> bool {
        *self == Validation::On
    }
}

impl Default for WorldSettings {
    fn default() -> Self {
        Self {
            event_queue_size: 1000,
            watch_window: 1000,
            default_taint_time_added: true,
            component: None,
            start_time: "2025-03-20T12:00:00Z".into(),
            time_jumps: false,
            validation: Validation::On,
        }
    }
}

/// One thing the scenario actor does. Each is one labelled step of the actor.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum ActorStep {
    /// Wait until the controller has synced (its `hasSynced`), as upstream tests do first.
    WaitForSync,
    /// Create the object.
    Create(KubeObject),
    /// Replace the object (spec and metadata; the status subresource is kept).
    Update(KubeObject),
    /// Replace the object's status subresource.
    UpdateStatus(KubeObject),
    /// Delete an object.
    Delete(ObjectRef),
    /// Let virtual time pass.
    Advance(ScenarioDuration),
    /// Let virtual time pass until this instant (RFC 3339, e.g. `"2025-03-20T12:00:30Z"`); an
    /// instant the run has already passed is a step failure.
    AdvanceTo(#[schemars(with = "String")] jiff::Timestamp),
    /// Install a fault; it stays until cleared.
    SetFault(Fault),
    /// Remove a fault installed by `set-fault`, by name.
    ClearFault(String),
    /// Check at this point of the actor, once.
    AssertNow(Vec<Check>),
    /// Block until every check holds; fail the run if that has not happened by `within`.
    AssertEventually(Eventually),
    /// Block until every check holds, like `assert-eventually`, but a timeout is reported as a
    /// failed wait rather than a failed assertion.
    WaitUntil(Eventually),
    /// Run these steps one after another within one scheduling step, with no step of any other
    /// task in between, as an upstream test does in one handler call (delete and recreate a
    /// pod, remove and re-add a slice). Only steps that do not wait may be grouped.
    Atomic(Vec<ActorStep>),
    /// Cancel the controller's context and wait (at most 30 s) until its `Run` has returned,
    /// as a test does before it ends (or a controller manager that lost its lease). The API
    /// call counters restart from zero when `Run` returns, so that later `api-calls` checks
    /// count only the calls made after it. A controller that does not model its shutdown
    /// stops at once.
    StopController,
}

/// Checks that must hold within a virtual-time bound.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Eventually {
    /// The bound, measured from when the actor reaches the step.
    pub within: ScenarioDuration,
    /// What must hold.
    pub checks: Vec<Check>,
}

/// Names an object to delete.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ObjectRef {
    /// The kind.
    pub kind: ObjectKind,
    /// Namespace, for namespaced kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Delete only if the object still has this UID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

/// What the scenario expects from exploration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    rename_all_fields = "kebab-case",
    tag = "outcome"
)]
pub enum Expectation {
    /// Every explored schedule passes every oracle and assertion.
    #[default]
    Pass,
    /// Some explored schedule (or every one, with `on`) panics with a message containing the
    /// string.
    Panic {
        /// A substring of the panic message.
        message_contains: String,
        /// Whether some schedule or every schedule must show it.
        #[serde(default, skip_serializing_if = "Quantifier::is_some")]
        on: Quantifier,
    },
    /// Some explored schedule (or every one, with `on`) violates the named oracle.
    Violation {
        /// The oracle, e.g. `eventual-eviction`.
        oracle: OracleName,
        /// Whether some schedule or every schedule must show it.
        #[serde(default, skip_serializing_if = "Quantifier::is_some")]
        on: Quantifier,
    },
    /// Some explored schedule (or every one, with `on`) fails one of the scenario's own
    /// assertions.
    AssertionFailure {
        /// A substring of the failure message, if it matters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_contains: Option<String>,
        /// Whether some schedule or every schedule must show it.
        #[serde(default, skip_serializing_if = "Quantifier::is_some")]
        on: Quantifier,
    },
}

impl Expectation {
    /// Whether every explored schedule must show the expected failure (`on: every-schedule`).
    pub fn on_every_schedule(&self) -> bool {
        match self {
            Self::Pass => false,
            Self::Panic { on, .. }
            | Self::Violation { on, .. }
            | Self::AssertionFailure { on, .. } => *on == Quantifier::EverySchedule,
        }
    }
}

/// Which explored schedules a failing expectation speaks of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Quantifier {
    /// At least one schedule shows it (the default): the bug can happen.
    #[default]
    SomeSchedule,
    /// Every schedule shows it, and a search must not stop at the first: the bug always
    /// happens. With exhaustive search, the search must also be complete.
    EverySchedule,
}

impl Quantifier {
    /// Whether this is the default, `some-schedule`.
    pub fn is_some(&self) -> bool {
        *self == Self::SomeSchedule
    }
}

/// Which schedules to explore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ExploreSettings {
    /// `random`, `pct` or `exhaustive`.
    pub strategy: StrategyName,
    /// Seeds to run, `A..B` (B excluded).
    pub seeds: SeedRange,
    /// PCT depth (the number of priority change points plus one).
    pub depth: u32,
    /// Stop at the first failing schedule.
    pub stop_on_failure: bool,
    /// Per-run step bound.
    pub max_steps: u64,
    /// For `exhaustive`: the most schedules to run before giving up (`complete: false`).
    pub max_schedules: u64,
}

impl Default for ExploreSettings {
    fn default() -> Self {
        Self {
            strategy: StrategyName::Random,
            seeds: SeedRange { start: 0, end: 100 },
            depth: 3,
            stop_on_failure: true,
            max_steps: 20_000,
            max_schedules: 100_000,
        }
    }
}

/// An exploration strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyName {
    /// Uniform over the enabled steps.
    Random,
    /// Probabilistic concurrency testing with `depth`.
    Pct,
    /// Bounded exhaustive search with partial-order reduction.
    Exhaustive,
}

/// Seeds `start..end`, written as the string `"A..B"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedRange {
    /// First seed.
    pub start: u64,
    /// One past the last seed.
    pub end: u64,
}

impl SeedRange {
    /// Parses `"A..B"` with A < B.
    pub fn parse(text: &str) -> Result<Self, String> {
        let err = || {
            format!("invalid seed range {text:?}: expected \"A..B\" with A < B, e.g. \"0..1000\"")
        };
        let (a, b) = text.split_once("..").ok_or_else(err)?;
        let start = a.trim().parse().map_err(|_| err())?;
        let end = b.trim().parse().map_err(|_| err())?;
        if start >= end {
            return Err(err());
        }
        Ok(Self { start, end })
    }

    /// How many seeds the range holds.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the range is empty (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

impl std::fmt::Display for SeedRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl Serialize for SeedRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SeedRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for SeedRange {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SeedRange".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Seeds A..B (B excluded), e.g. \"0..1000\".",
            "pattern": "^[0-9]+\\.\\.[0-9]+$"
        })
    }
}

/// An oracle switched off for one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exemption {
    /// The oracle.
    pub oracle: OracleName,
    /// Why it does not apply.
    pub reason: String,
}

/// An API verb, as counted by the server and matched by faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApiVerb {
    /// GET one object.
    Get,
    /// LIST a kind.
    List,
    /// POST.
    Create,
    /// PUT.
    Update,
    /// PUT on the status subresource.
    UpdateStatus,
    /// PATCH (the controller's status patch, the sink's event count bump).
    Patch,
    /// DELETE.
    Delete,
    /// WATCH.
    Watch,
    /// Server-side apply (the 1.35 controller's DeviceTaintRule status).
    Apply,
}

impl From<ApiVerb> for Verb {
    fn from(v: ApiVerb) -> Self {
        match v {
            ApiVerb::Get => Verb::Get,
            ApiVerb::List => Verb::List,
            ApiVerb::Create => Verb::Create,
            ApiVerb::Update => Verb::Update,
            ApiVerb::UpdateStatus => Verb::UpdateStatus,
            ApiVerb::Patch => Verb::Patch,
            ApiVerb::Delete => Verb::Delete,
            ApiVerb::Watch => Verb::Watch,
            ApiVerb::Apply => Verb::Apply,
        }
    }
}

/// A kind the simulated API server stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ObjectKind {
    /// v1 Pod.
    Pod,
    /// resource.k8s.io ResourceClaim.
    ResourceClaim,
    /// resource.k8s.io ResourceSlice.
    ResourceSlice,
    /// resource.k8s.io DeviceTaintRule.
    DeviceTaintRule,
    /// v1 Event.
    Event,
    /// v1 Node.
    Node,
}

impl From<ObjectKind> for Kind {
    fn from(k: ObjectKind) -> Self {
        match k {
            ObjectKind::Pod => Kind::Pod,
            ObjectKind::ResourceClaim => Kind::ResourceClaim,
            ObjectKind::ResourceSlice => Kind::ResourceSlice,
            ObjectKind::DeviceTaintRule => Kind::DeviceTaintRule,
            ObjectKind::Event => Kind::Event,
            ObjectKind::Node => Kind::Node,
        }
    }
}

/// The `version` field: only [`FORMAT_VERSION`] is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(transparent)]
pub struct FormatVersion(pub u32);

impl<'de> Deserialize<'de> for FormatVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if v != FORMAT_VERSION {
            return Err(serde::de::Error::custom(format!(
                "unsupported scenario format version {v}: this taintsim reads version {FORMAT_VERSION}"
            )));
        }
        Ok(Self(v))
    }
}
