//! The fixed device controller and the oracles' reference (crates/reference) agree on when
//! every pod of a generated world must be evicted, apart from the divergences listed in
//! [`KNOWN`] (issue 17: "Where it and a controller disagree, one of them is wrong").
//!
//! Worlds come from taintsim-generate's proptest strategies: the initial objects of a case and
//! every state its actor's writes go through afterwards. For each world a fresh controller
//! (`Controller::with_evictor`, no queue, no simulator) is fed every object through its
//! handlers, in two orders (upstream `Run`'s: claims and pods, then the slice tracker's replay;
//! and slices first), until it is quiescent. Its final decision per pod, evicting at `t` or
//! not at all, must equal the reference's `Due::At(t)` or `Due::Never`.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, ObjectReference, Pod, PodCondition};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};
use taintsim::api::Preconditions;
use taintsim::device::behavior::{Behavior, TolerationEffect};
use taintsim::device::controller::{Controller, ControllerDeps, Evictor};
use taintsim::device::eviction_time::NIL_TIME_ADDED_PANIC;
use taintsim::device::metrics::Metrics;
use taintsim::device::model::{Claim, Slice, TaintRule};
use taintsim::device::plugin::{claim_of, rule_of, slice_of};
use taintsim::device::slice_tracker::SliceTracker;
use taintsim::plugin::{ControllerPlugin, Due, Reference};
use taintsim::seam::client::{ApiError, Client, EventRecorder, PodLister};
use taintsim::seam::runtime::{BoxFuture, ManualRuntime};
use taintsim::timed_worker_queue::NamespacedObject;
use taintsim_generate::arb::{GenOptions, case};
use taintsim_generate::fixed_behavior;

#[path = "agreement/world.rs"]
mod world;

use world::{World, worlds};

/// Generated cases (each gives one world per actor write, plus the initial one), unless
/// `PROPTEST_CASES` says otherwise.
const CASES: u32 = 200;
/// The case RNG seed.
const RNG_SEED: u64 = 0x5eed_a9ee;

/// A divergence of the fixed 1.33 controller from the reference that is known and toggled
/// (by a behaviour key or by the world), so it is counted rather than failed.
struct Divergence {
    name: &'static str,
    why: &'static str,
}

/// Every known divergence; anything else fails the test.
const KNOWN: [Divergence; 2] = [
    Divergence {
        name: "toleration-effect: no-execute-only",
        why: "upstream's 1.33 claimEvictionTime counts only tolerations whose effect is spelled \
              NoExecute; the reference counts every toleration ToleratesTaint accepts, including \
              one with an empty effect. Accepted when the controller's answer equals the \
              reference's on the world without empty-effect tolerations.",
    },
    Divergence {
        name: "nil-time-added",
        why: "a NoExecute taint without timeAdded (API server defaulting switched off): the \
              reference does not judge the world (Due::Unknown), the controller ignores the taint \
              or panics like upstream's nil dereference.",
    },
];

// -- The controller's seams: a recording evictor and inert doubles. ---------------------------

/// Pods being evicted: (namespace, name) to (UID, fire time).
type Evicting = BTreeMap<(String, String), (String, Timestamp)>;

/// The final evict/cancel decision per pod.
#[derive(Default)]
struct Decisions(Mutex<Evicting>);

impl Decisions {
    fn map(&self) -> std::sync::MutexGuard<'_, Evicting> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Evictor for Decisions {
    fn evict_pod(&self, pod: &NamespacedObject, fire_at: Timestamp) {
        let key = (pod.namespace.clone(), pod.name.clone());
        self.map().insert(key, (pod.uid.clone(), fire_at));
    }

    fn cancel_evict(&self, pod: &NamespacedObject) -> bool {
        let key = (pod.namespace.clone(), pod.name.clone());
        self.map().remove(&key).is_some()
    }
}

#[derive(Default)]
struct Pods(Mutex<BTreeMap<(String, String), Pod>>);

impl PodLister for Pods {
    fn get(&self, namespace: &str, name: &str) -> Option<Arc<Pod>> {
        let pods = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        pods.get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
            .map(Arc::new)
    }
}

struct NoEvents;

impl EventRecorder for NoEvents {
    fn eventf(&self, _: &ObjectReference, _: &str, _: &str, _: &str) {}
}

struct NoApi;

impl Client for NoApi {
    fn get_pod(&self, _: &str, _: &str) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        unreachable!("handlers make no API calls")
    }
    fn patch_pod_status(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Vec<PodCondition>,
    ) -> BoxFuture<Result<Arc<Pod>, ApiError>> {
        unreachable!("handlers make no API calls")
    }
    fn delete_pod(&self, _: &str, _: &str, _: Preconditions) -> BoxFuture<Result<(), ApiError>> {
        unreachable!("handlers make no API calls")
    }
    fn create_event(&self, _: Event) -> BoxFuture<Result<Event, ApiError>> {
        unreachable!("handlers make no API calls")
    }
}

/// How the objects reach the controller.
#[derive(Debug, Clone, Copy)]
enum Order {
    /// Upstream `Run`: claim and pod handlers first, then the slice tracker's replay.
    Run,
    /// Slices (with rules), then claims, then pods.
    SlicesFirst,
}

/// The controller's final decisions on `world`, or the message it panicked with.
fn controller_decisions(
    world: &World,
    behavior: Behavior,
    order: Order,
) -> Result<Evicting, String> {
    let decisions = Arc::new(Decisions::default());
    let pods = Arc::new(Pods::default());
    let deps = ControllerDeps {
        rt: Arc::new(ManualRuntime::new(Timestamp::UNIX_EPOCH)),
        client: Arc::new(NoApi),
        pods: pods.clone(),
        recorder: Arc::new(NoEvents),
        metrics: Arc::new(Metrics::default()),
        behavior,
    };
    let controller = Controller::with_evictor(deps, decisions.clone());
    let claims: Vec<Claim> = world.0.iter().filter_map(claim_of).collect();
    let rules: Vec<TaintRule> = world.0.iter().filter_map(rule_of).collect();
    let slices: Vec<Slice> = world.0.iter().filter_map(slice_of).collect();
    let feed_slices = || {
        let mut tracker = SliceTracker::new();
        for r in &rules {
            tracker.rule_changed(None, Some(r));
        }
        for s in &slices {
            tracker.slice_changed(None, Some(s));
        }
        for s in tracker.effective_slices() {
            controller.handle_slice_change(None, Some(s));
        }
    };
    let feed_claims_and_pods = || {
        for c in &claims {
            controller.handle_claim_change(None, Some(c));
        }
        for p in world.pods() {
            let key = (
                p.metadata.namespace.clone().unwrap_or_default(),
                p.metadata.name.clone().unwrap_or_default(),
            );
            let mut lister = pods.0.lock().unwrap_or_else(PoisonError::into_inner);
            lister.insert(key, p.clone());
            drop(lister);
            controller.handle_pod_change(None, Some(&p));
        }
    };
    let run = catch_unwind(AssertUnwindSafe(|| match order {
        Order::Run => {
            feed_claims_and_pods();
            feed_slices();
        }
        Order::SlicesFirst => {
            feed_slices();
            feed_claims_and_pods();
        }
    }));
    match run {
        Ok(()) => Ok(decisions.map().clone()),
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()),
    }
}

/// What the run saw, for the report and the final checks.
#[derive(Debug, Default)]
struct Tally {
    worlds: u64,
    pods: u64,
    agreed_at: u64,
    agreed_never: u64,
    known: BTreeMap<&'static str, u64>,
}

fn controller_answer(decisions: &Evicting, pod: &Pod) -> Due {
    let key = (
        pod.metadata.namespace.clone().unwrap_or_default(),
        pod.metadata.name.clone().unwrap_or_default(),
    );
    match decisions.get(&key) {
        Some((uid, at)) if Some(uid) == pod.metadata.uid.as_ref() => Due::At(*at),
        Some((uid, _)) => Due::Unknown(format!("evicting another incarnation ({uid})")),
        None => Due::Never,
    }
}

/// Compares the controller with the reference on one world.
fn judge(world: &World, reference: &dyn Reference, tally: &mut Tally) -> Result<(), TestCaseError> {
    tally.worlds += 1;
    let view = reference.view(world);
    let stripped = world.without_empty_effect_tolerations();
    let stripped_view = reference.view(&stripped);
    for effect in [TolerationEffect::NoExecuteOnly, TolerationEffect::Any] {
        let behavior = Behavior {
            toleration_effect: effect,
            ..Behavior::from_keys(&fixed_behavior()).unwrap_or_default()
        };
        for order in [Order::Run, Order::SlicesFirst] {
            let decisions = match controller_decisions(world, behavior, order) {
                Ok(d) => d,
                Err(message)
                    if message.starts_with(NIL_TIME_ADDED_PANIC)
                        && world.has_taint_without_time() =>
                {
                    *tally.known.entry(KNOWN[1].name).or_default() += 1;
                    continue;
                }
                Err(message) => {
                    return Err(TestCaseError::fail(format!(
                        "the controller ({effect:?}, {order:?}) panicked: {message}"
                    )));
                }
            };
            for pod in world.pods() {
                tally.pods += 1;
                let want = view.due(world, &pod);
                let got = controller_answer(&decisions, &pod);
                match (&want, &got) {
                    (Due::At(a), Due::At(b)) if a == b => tally.agreed_at += 1,
                    (Due::Never, Due::Never) => tally.agreed_never += 1,
                    (Due::Unknown(_), _) if world.has_taint_without_time() => {
                        *tally.known.entry(KNOWN[1].name).or_default() += 1;
                    }
                    _ if effect == TolerationEffect::NoExecuteOnly
                        && stripped_view.due(&stripped, &pod) == got =>
                    {
                        *tally.known.entry(KNOWN[0].name).or_default() += 1;
                    }
                    _ => {
                        return Err(TestCaseError::fail(format!(
                            "pod {}/{} ({effect:?}, {order:?}): controller {got:?}, reference {want:?}",
                            pod.metadata.namespace.as_deref().unwrap_or_default(),
                            pod.metadata.name.as_deref().unwrap_or_default(),
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Silences the expected nil-`timeAdded` panics; every other panic reports as usual.
fn quiet_expected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if !message.starts_with(NIL_TIME_ADDED_PANIC) {
            default(info);
        }
    }));
}

#[test]
fn fixed_controller_should_agree_with_the_reference_on_generated_worlds() {
    quiet_expected_panics();
    let started = Instant::now();
    let reference = taintsim::device::DeviceTaintEviction.reference(&fixed_behavior());
    let options = GenOptions {
        empty_effect: true,
        faults: false,
        max_objects: 8,
        max_steps: 12,
    };
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(CASES),
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(RNG_SEED),
        ..Config::default()
    });
    let tally = Mutex::new(Tally::default());
    let strategy = (case(options), prop::bool::weighted(0.75));
    let result = runner.run(&strategy, |(case, default_time)| {
        let mut local = Tally::default();
        for world in worlds(&case, default_time) {
            judge(&world, reference.as_ref(), &mut local)?;
        }
        let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
        tally.worlds += local.worlds;
        tally.pods += local.pods;
        tally.agreed_at += local.agreed_at;
        tally.agreed_never += local.agreed_never;
        for (name, n) in local.known {
            *tally.known.entry(name).or_default() += n;
        }
        Ok(())
    });
    let tally = tally.into_inner().unwrap_or_else(PoisonError::into_inner);
    println!(
        "{} cases in {:.2?}: {tally:?}",
        runner.config().cases,
        started.elapsed()
    );
    if let Err(e) = result {
        panic!("the controller and the reference disagree: {e}");
    }
    assert!(
        tally.agreed_at >= 100,
        "too few eviction times compared to mean anything: {tally:?}"
    );
    for d in &KNOWN {
        assert!(
            tally.known.get(d.name).is_some_and(|n| *n > 0),
            "the known divergence `{}` never showed ({}); is the list stale? {tally:?}",
            d.name,
            d.why
        );
    }
}
