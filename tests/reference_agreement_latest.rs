//! The `latest` device controller's eviction time (`claimEvictionTime` and `podEvictionTime`
//! of crates/controllers/device/src/latest/eviction.rs, fed the world's slices, NoExecute
//! rules and claims as its informers would leave them) and the oracles' `latest` reference
//! (taintsim-reference's `Release::Latest`) agree on every pod of a generated world, apart from
//! the divergences listed in [`KNOWN`]. The same worlds as tests/reference_agreement.rs.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use k8s_openapi::api::core::v1::Pod;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};
use taintsim::api::Object;
use taintsim::device::eviction_time::NIL_TIME_ADDED_PANIC;
use taintsim::device::latest::behavior::{Config as LatestConfig, ExtendedResources};
use taintsim::device::latest::eviction::{claim_eviction_time, pod_eviction_time};
use taintsim::device::latest::model::Rule;
use taintsim::device::latest::pools::Pools;
use taintsim::device::latest::state::AllocatedClaim;
use taintsim::device::plugin::{claim_of, slice_of};
use taintsim::plugin::{Due, Reference};
use taintsim::reference::device::{DeviceReference, Release};
use taintsim_generate::arb::{GenOptions, case};

#[path = "agreement/world.rs"]
mod world;

use world::{World, worlds};

/// Generated cases, unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 200;
/// The case RNG seed (another than tests/reference_agreement.rs's).
const RNG_SEED: u64 = 0x1a7e_57ee;

/// Every known divergence of the latest controller from the reference; anything else fails.
const KNOWN: [(&str, &str); 2] = [
    (
        "toleration-effect",
        "the latest controller, like 1.33, counts only tolerations whose effect is spelled \
         NoExecute; the reference counts an empty effect too (ToleratesTaint). Accepted when the \
         controller's answer equals the reference's on the world without empty-effect \
         tolerations.",
    ),
    (
        "nil-time-added",
        "a NoExecute taint without timeAdded: the reference does not judge the pods it reaches \
         (Due::Unknown); the controller ignores the taint or panics like upstream.",
    ),
];

/// The latest controller's answer for every pod of `world`, or the panic message.
fn controller_answers(world: &World) -> Result<Vec<Due>, String> {
    let slices = world.0.iter().filter_map(slice_of).map(Arc::new);
    let pools = Pools::from_slices(slices);
    let rules: Vec<Arc<Rule>> = world
        .0
        .iter()
        .filter_map(|o| match o {
            Object::Rule(r) => Some(Arc::new(Rule::from(&**r))),
            _ => None,
        })
        .filter(|r| r.taint.effect == "NoExecute")
        .collect();
    let config = LatestConfig {
        extended_resources: ExtendedResources::Evict,
        ..LatestConfig::default()
    };
    catch_unwind(AssertUnwindSafe(|| {
        let claims: BTreeMap<taintsim_controller_device::latest::state::ClaimKey, AllocatedClaim> =
            world
                .0
                .iter()
                .filter_map(claim_of)
                .filter(|c| c.allocation.is_some())
                .map(|c| {
                    let eviction = claim_eviction_time(&c, &pools, &rules, None);
                    let key = (c.namespace.clone(), c.name.clone());
                    let claim = Arc::new(c);
                    (key, AllocatedClaim { claim, eviction })
                })
                .collect();
        world
            .pods()
            .iter()
            .map(|pod| {
                pod_eviction_time(pod, &claims, &config).map_or(Due::Never, |e| Due::At(e.when))
            })
            .collect()
    }))
    .map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

/// What the run saw.
#[derive(Debug, Default)]
struct Tally {
    pods: u64,
    agreed_at: u64,
    agreed_never: u64,
    known: BTreeMap<&'static str, u64>,
}

fn name(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    )
}

fn judge(world: &World, reference: &dyn Reference, tally: &mut Tally) -> Result<(), TestCaseError> {
    let answers = match controller_answers(world) {
        Ok(a) => a,
        Err(m) if m.starts_with(NIL_TIME_ADDED_PANIC) && world.has_taint_without_time() => {
            *tally.known.entry(KNOWN[1].0).or_default() += 1;
            return Ok(());
        }
        Err(m) => return Err(TestCaseError::fail(format!("the controller panicked: {m}"))),
    };
    let view = reference.view(world);
    let stripped = world.without_empty_effect_tolerations();
    let stripped_view = reference.view(&stripped);
    for (pod, got) in world.pods().iter().zip(answers) {
        tally.pods += 1;
        let want = view.due(world, pod);
        match (&want, &got) {
            (Due::At(a), Due::At(b)) if a == b => tally.agreed_at += 1,
            (Due::Never, Due::Never) => tally.agreed_never += 1,
            (Due::Unknown(_), _) if world.has_taint_without_time() => {
                *tally.known.entry(KNOWN[1].0).or_default() += 1;
            }
            _ if stripped_view.due(&stripped, pod) == got => {
                *tally.known.entry(KNOWN[0].0).or_default() += 1;
            }
            _ => {
                return Err(TestCaseError::fail(format!(
                    "pod {}: controller {got:?}, reference {want:?}",
                    name(pod)
                )));
            }
        }
    }
    Ok(())
}

#[test]
fn latest_controller_should_agree_with_the_latest_reference_on_generated_worlds() {
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
    let reference = DeviceReference::new(Release::Latest {
        workload_resource_claims: false,
    });
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
            judge(&world, &reference, &mut local)?;
        }
        let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
        tally.pods += local.pods;
        tally.agreed_at += local.agreed_at;
        tally.agreed_never += local.agreed_never;
        for (name, n) in local.known {
            *tally.known.entry(name).or_default() += n;
        }
        Ok(())
    });
    let tally = tally.into_inner().unwrap_or_else(PoisonError::into_inner);
    println!("{} cases: {tally:?}", runner.config().cases);
    if let Err(e) = result {
        panic!("the latest controller and the latest reference disagree: {e}");
    }
    assert!(
        tally.agreed_at >= 100,
        "too few eviction times compared to mean anything: {tally:?}"
    );
    for (name, why) in KNOWN {
        assert!(
            tally.known.get(name).is_some_and(|n| *n > 0),
            "the known divergence `{name}` never showed ({why}); is the list stale? {tally:?}"
        );
    }
}
