//! Upstream's `TestHandlers` (`device_taint_eviction_test.go`, v1.33): the 34 handler cases, each
//! run in every order of its top-level events. A unit of several pairs stays in order. Every order
//! must end in the state upstream's case gives: the pods being evicted with their fire times, the
//! allocated claims with their eviction times, the pools with their slices and maxGeneration, and
//! the events.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::SignedDuration;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::resource::v1beta1::{ResourceClaim, ResourceSlice};
use taintsim_controller_device::behavior::Behavior;
use taintsim_controller_device::controller::{
    AllocatedClaim, Controller, ControllerDeps, StateSnapshot,
};
use taintsim_controller_device::events::{
    CANCELLING_DELETION, EVENT_REASON, EVENT_TYPE_NORMAL, pod_reference,
};
use taintsim_controller_device::metrics::Metrics;
use taintsim_controller_device::model::{Claim, Slice, pod_ref};
use taintsim_controller_device::pools::PoolId;
use taintsim_seam::runtime::{ManualRuntime, Timestamp};
use taintsim_timed_worker_queue::NamespacedObject;

use support::doubles::{MemPods, NoApi, Recorded, RecordingEvictor, RecordingRecorder};
use support::fixtures::*;

/// One (old, new) pair for a handler.
#[derive(Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "a few hundred test events; boxing buys nothing"
)]
enum Change {
    Slice(Option<ResourceSlice>, Option<ResourceSlice>),
    Claim(Option<ResourceClaim>, Option<ResourceClaim>),
    Pod(Option<Pod>, Option<Pod>),
}

use Change::{Claim as C, Pod as P, Slice as S};

/// A top-level event: pairs applied in order.
type Unit = Vec<Change>;

fn add_slice(s: ResourceSlice) -> Unit {
    vec![S(None, Some(s))]
}
fn remove_slice(s: ResourceSlice) -> Unit {
    vec![S(Some(s), None)]
}
fn update_slice(a: ResourceSlice, b: ResourceSlice) -> Unit {
    vec![S(Some(a), Some(b))]
}
fn add_claim(c: ResourceClaim) -> Unit {
    vec![C(None, Some(c))]
}
fn add_pod(p: Pod) -> Unit {
    vec![P(None, Some(p))]
}

/// The objects of a state. Pods only matter initially (the lister); claims carry the eviction
/// time the controller stores for them.
#[derive(Clone, Default)]
struct World {
    pods: Vec<Pod>,
    slices: Vec<ResourceSlice>,
    claims: Vec<(ResourceClaim, Option<Timestamp>)>,
    evicting: Vec<(Pod, Timestamp)>,
}

struct Case {
    name: &'static str,
    initial: World,
    events: Vec<Unit>,
    want: World,
    /// Number of "Cancelling deletion" events for default/my-pod uid 1234 (the only event the
    /// handlers can record).
    cancel_events: usize,
}

fn t() -> Timestamp {
    taint_time()
}

fn t_plus(seconds: i64) -> Timestamp {
    taint_time() + SignedDuration::from_secs(seconds)
}

/// The usual add sequence with the given tainted slice, claim and pod.
fn adds(slice: ResourceSlice, claim: ResourceClaim, pod: Pod) -> Vec<Unit> {
    vec![
        add_slice(slice),
        add_slice(slice2()),
        add_claim(claim),
        add_pod(pod),
    ]
}

/// The usual initial state: the pod (template claim in status), sliceTainted and slice2, the
/// claim at `at`, the pod evicting at `at`.
fn evicting_world(pod: Pod, claim: ResourceClaim, at: Timestamp) -> World {
    World {
        pods: vec![pod.clone()],
        slices: vec![slice_tainted(), slice2()],
        claims: vec![(claim, Some(at))],
        evicting: vec![(pod, at)],
    }
}

fn tainted_world(
    claim: ResourceClaim,
    at: Option<Timestamp>,
    evicting: Vec<(Pod, Timestamp)>,
) -> World {
    World {
        slices: vec![slice_tainted(), slice2()],
        claims: vec![(claim, at)],
        evicting,
        ..World::default()
    }
}

fn tol(
    key: &str,
    op: &str,
    value: &str,
    seconds: Option<i64>,
) -> k8s_openapi::api::resource::v1beta1::DeviceToleration {
    toleration(key, op, value, NO_EXECUTE, seconds)
}

fn cases() -> Vec<Case> {
    let key_other = format!("{TAINT_KEY}-other");
    let pod = pod_with_claim_name;
    let tpod = pod_with_claim_template_in_status;
    let later_many = in_use_claim_with(vec![
        tol(&key_other, "Equal", TAINT_VALUE, Some(20)),
        tol("", "Exists", "", Some(60)),
        tol("", "Exists", "", Some(30)),
    ]);
    let mismatch = in_use_claim_with(vec![tol(&key_other, "Equal", TAINT_VALUE, Some(60))]);
    let forever = in_use_claim_with(vec![tol("", "Exists", "", None)]);
    let forever_many = in_use_claim_with(vec![
        tol("", "Exists", "", Some(60)),
        tol("", "Exists", "", None),
    ]);
    let partial = in_use_claim_with(vec![tol(TAINT_KEY, "Exists", "", None)]);
    let many_taints = in_use_claim_with(vec![
        tol(TAINT_KEY, "Exists", "", Some(60)),
        tol(&key_other, "Exists", "", Some(30)),
    ]);
    let exists_60 = in_use_claim_with(vec![tol("", "Exists", "", Some(60))]);

    vec![
        Case {
            name: "empty",
            initial: World::default(),
            events: vec![],
            want: World::default(),
            cancel_events: 0,
        },
        Case {
            name: "populate-pools",
            initial: World::default(),
            events: vec![add_slice(slice()), add_slice(slice2())],
            want: World {
                slices: vec![slice(), slice2()],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "update-pools",
            initial: World {
                slices: vec![slice(), slice2()],
                ..World::default()
            },
            events: vec![
                update_slice(slice(), slice_untainted()),
                remove_slice(slice2()),
            ],
            want: World {
                slices: vec![slice_untainted()],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "untainted-claim",
            initial: World::default(),
            events: vec![
                add_slice(slice()),
                add_slice(slice2()),
                add_claim(in_use_claim()),
            ],
            want: World {
                slices: vec![slice(), slice2()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "tainted-claim",
            initial: World::default(),
            events: vec![
                add_slice(slice_tainted()),
                add_slice(slice2()),
                add_claim(in_use_claim()),
            ],
            want: tainted_world(in_use_claim(), Some(t()), vec![]),
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-resourceclaim",
            initial: World::default(),
            events: adds(slice_tainted(), in_use_claim(), pod()),
            want: tainted_world(in_use_claim(), Some(t()), vec![(pod(), t())]),
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-resourceclaim-again",
            initial: evicting_world(pod(), in_use_claim(), t()),
            events: vec![vec![
                S(Some(slice_tainted()), None),
                S(None, Some(slice_tainted())),
            ]],
            want: tainted_world(in_use_claim(), Some(t()), vec![(pod(), t())]),
            // The transient removal cancels, the re-add evicts again.
            cancel_events: 1,
        },
        Case {
            name: "evict-pod-resourceclaim-unrelated-changes",
            initial: evicting_world(pod(), in_use_claim(), t()),
            events: vec![
                update_slice(slice_tainted(), slice_tainted_extended()),
                vec![C(Some(in_use_claim()), Some(in_use_claim()))],
                vec![P(Some(pod()), Some(pod()))],
            ],
            want: World {
                slices: vec![slice_tainted_extended(), slice2()],
                claims: vec![(in_use_claim(), Some(t()))],
                evicting: vec![(pod(), t())],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-resourceclaimtemplate",
            initial: World::default(),
            events: adds(slice_tainted(), in_use_claim(), tpod()),
            want: tainted_world(in_use_claim(), Some(t()), vec![(tpod(), t())]),
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-later",
            initial: World::default(),
            events: adds(slice_tainted(), in_use_claim_with_toleration(), pod()),
            want: tainted_world(
                in_use_claim_with_toleration(),
                Some(t_plus(TOLERATION_SECONDS)),
                vec![(pod(), t_plus(TOLERATION_SECONDS))],
            ),
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-later-many",
            initial: World::default(),
            events: adds(slice_tainted(), later_many.clone(), pod()),
            want: tainted_world(later_many, Some(t_plus(30)), vec![(pod(), t_plus(30))]),
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-toleration-mismatch",
            initial: World::default(),
            events: adds(slice_tainted(), mismatch.clone(), pod()),
            want: tainted_world(mismatch, Some(t()), vec![(pod(), t())]),
            cancel_events: 0,
        },
        Case {
            name: "no-evict-pod-toleration-forever",
            initial: World::default(),
            events: adds(slice_tainted(), forever.clone(), pod()),
            want: tainted_world(forever, None, vec![]),
            cancel_events: 0,
        },
        Case {
            name: "no-evict-pod-toleration-forever-many",
            initial: World::default(),
            events: adds(slice_tainted(), forever_many.clone(), pod()),
            want: tainted_world(forever_many, None, vec![]),
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-partial-toleration",
            initial: World::default(),
            events: adds(slice_tainted_twice(), partial.clone(), pod()),
            want: World {
                slices: vec![slice_tainted_twice(), slice2()],
                claims: vec![(partial, Some(t()))],
                evicting: vec![(pod(), t())],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "evict-pod-many-taints",
            initial: World::default(),
            events: adds(slice_tainted_twice(), many_taints.clone(), pod()),
            want: World {
                slices: vec![slice_tainted_twice(), slice2()],
                claims: vec![(many_taints, Some(t_plus(30)))],
                evicting: vec![(pod(), t_plus(30))],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "no-evict-pod-not-scheduled",
            initial: World::default(),
            events: adds(slice_tainted(), in_use_claim(), pod_unscheduled()),
            want: tainted_world(in_use_claim(), Some(t()), vec![]),
            cancel_events: 0,
        },
        Case {
            name: "no-evict-no-taint",
            initial: World::default(),
            events: vec![
                add_slice(simple_slice()),
                add_claim(in_use_claim()),
                add_pod(pod()),
            ],
            want: World {
                slices: vec![simple_slice()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "no-evict-no-taint-update",
            initial: World {
                pods: vec![pod()],
                slices: vec![simple_slice()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            events: vec![update_slice(simple_slice(), simple_slice())],
            want: World {
                slices: vec![simple_slice()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "no-evict-pod-resourceclaimtemplate-no-status",
            initial: World::default(),
            events: adds(slice_tainted(), in_use_claim(), pod_with_claim_template()),
            want: tainted_world(in_use_claim(), Some(t()), vec![]),
            cancel_events: 0,
        },
        Case {
            name: "no-evict-pod-resourceclaimtemplate-no-claim",
            initial: World::default(),
            events: adds(
                slice_tainted(),
                in_use_claim(),
                pod_with_claim_template_no_claim_in_status(),
            ),
            want: tainted_world(in_use_claim(), Some(t()), vec![]),
            cancel_events: 0,
        },
        Case {
            name: "no-evict-unknown-device",
            initial: World::default(),
            events: adds(slice_unknown_devices(), in_use_claim(), tpod()),
            want: World {
                slices: vec![slice_unknown_devices(), slice2()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "no-evict-wrong-pod",
            initial: World::default(),
            events: adds(slice_tainted(), in_use_claim(), pod_with_claim_name_other()),
            want: tainted_world(in_use_claim(), Some(t()), vec![]),
            cancel_events: 0,
        },
        Case {
            name: "evict-wrong-pod-replaced",
            initial: World {
                pods: vec![pod_with_claim_name_other()],
                ..tainted_world(in_use_claim(), Some(t()), vec![])
            },
            events: vec![vec![
                P(Some(pod_with_claim_name_other()), None),
                P(None, Some(pod())),
            ]],
            want: tainted_world(in_use_claim(), Some(t()), vec![(pod(), t())]),
            cancel_events: 0,
        },
        Case {
            name: "cancel-eviction-remove-taint",
            initial: evicting_world(tpod(), in_use_claim(), t()),
            events: vec![update_slice(slice_tainted(), slice())],
            want: World {
                slices: vec![slice(), slice2()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 1,
        },
        Case {
            name: "cancel-eviction-reduce-taint",
            initial: evicting_world(tpod(), in_use_claim(), t()),
            events: vec![update_slice(slice_tainted(), slice_tainted_no_schedule())],
            want: World {
                slices: vec![slice_tainted_no_schedule(), slice2()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 1,
        },
        Case {
            name: "eviction-change-taint",
            initial: evicting_world(
                tpod(),
                in_use_claim_with_toleration(),
                t_plus(TOLERATION_SECONDS),
            ),
            // From a taint tolerated for an hour to one that is not tolerated.
            events: vec![update_slice(slice_tainted(), slice_tainted_value_other())],
            want: World {
                slices: vec![slice_tainted_value_other(), slice2()],
                claims: vec![(in_use_claim_with_toleration(), Some(t()))],
                evicting: vec![(tpod(), t())],
                ..World::default()
            },
            cancel_events: 0,
        },
        Case {
            name: "cancel-eviction-remove-taint-in-new-slice",
            initial: evicting_world(tpod(), in_use_claim(), t()),
            events: vec![remove_slice(slice_tainted()), add_slice(slice_replaced())],
            want: World {
                slices: vec![slice_replaced(), slice2()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 1,
        },
        Case {
            name: "cancel-eviction-remove-slice",
            initial: evicting_world(tpod(), in_use_claim(), t()),
            events: vec![remove_slice(slice_tainted())],
            want: World {
                slices: vec![slice2()],
                claims: vec![(in_use_claim(), None)],
                ..World::default()
            },
            cancel_events: 1,
        },
        Case {
            name: "cancel-eviction-pod-deletion",
            initial: evicting_world(pod(), exists_60.clone(), t_plus(60)),
            events: vec![vec![P(Some(pod()), None)]],
            want: tainted_world(exists_60, Some(t_plus(60)), vec![]),
            cancel_events: 0,
        },
        Case {
            name: "no-evict-wrong-resourceclaim",
            initial: World::default(),
            events: adds(slice_tainted(), in_use_claim_old(), tpod()),
            want: tainted_world(in_use_claim_old(), Some(t()), vec![]),
            cancel_events: 0,
        },
        Case {
            name: "evict-wrong-resourceclaim-replaced",
            initial: World {
                pods: vec![tpod()],
                ..tainted_world(in_use_claim_old(), Some(t()), vec![])
            },
            events: vec![vec![C(Some(in_use_claim_old()), Some(in_use_claim()))]],
            want: tainted_world(in_use_claim(), Some(t()), vec![(tpod(), t())]),
            cancel_events: 0,
        },
        Case {
            name: "no-evict-resourceclaim-deallocated",
            initial: evicting_world(tpod(), in_use_claim(), t()),
            events: vec![vec![C(Some(in_use_claim()), Some(claim()))]],
            want: World {
                slices: vec![slice_tainted(), slice2()],
                ..World::default()
            },
            cancel_events: 1,
        },
        Case {
            name: "no-evict-resourceclaim-deleted",
            initial: evicting_world(tpod(), in_use_claim(), t()),
            events: vec![vec![C(Some(in_use_claim()), None)]],
            want: World {
                slices: vec![slice_tainted(), slice2()],
                ..World::default()
            },
            cancel_events: 1,
        },
    ]
}

/// Every ordering of `0..n`, in lexicographic order.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    fn go(prefix: &mut Vec<usize>, n: usize, out: &mut Vec<Vec<usize>>) {
        if prefix.len() == n {
            out.push(prefix.clone());
            return;
        }
        for i in 0..n {
            if !prefix.contains(&i) {
                prefix.push(i);
                go(prefix, n, out);
                prefix.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(&mut Vec::new(), n, &mut out);
    out
}

/// What a run ends with, in comparable form.
#[derive(Debug, PartialEq)]
struct Outcome {
    evicting: Vec<(NamespacedObject, Timestamp)>,
    claims: BTreeMap<(smol_str::SmolStr, smol_str::SmolStr), (Claim, Option<Timestamp>)>,
    pools: BTreeMap<PoolId, (Vec<Slice>, i64)>,
    events: Vec<Recorded>,
}

/// The expected outcome, computed from the world description alone: pools group the slices
/// by (driver, pool name) and take the highest generation.
fn expected(world: &World, cancel_events: usize) -> Outcome {
    let mut pools: BTreeMap<PoolId, (Vec<Slice>, i64)> = BTreeMap::new();
    for s in &world.slices {
        let id = PoolId {
            driver: s.spec.driver.as_str().into(),
            pool: s.spec.pool.name.as_str().into(),
        };
        let entry = pools.entry(id).or_insert_with(|| (Vec::new(), i64::MIN));
        entry.0.push(Slice::from(s));
        entry.1 = entry.1.max(s.spec.pool.generation);
    }
    for (slices, _) in pools.values_mut() {
        slices.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let cancel = Recorded {
        regarding: pod_reference(&NamespacedObject {
            namespace: NAMESPACE.into(),
            name: POD_NAME.into(),
            uid: POD_UID.into(),
        }),
        event_type: EVENT_TYPE_NORMAL.into(),
        reason: EVENT_REASON.into(),
        message: CANCELLING_DELETION.into(),
    };
    Outcome {
        evicting: world
            .evicting
            .iter()
            .map(|(p, at)| (pod_ref(p), *at))
            .collect(),
        claims: world
            .claims
            .iter()
            .map(|(c, at)| {
                let c = Claim::from(c);
                ((c.namespace.clone(), c.name.clone()), (c, *at))
            })
            .collect(),
        pools,
        events: vec![cancel; cancel_events],
    }
}

fn run(case: &Case, order: &[usize]) -> Outcome {
    let rt = Arc::new(ManualRuntime::new(taint_time()));
    let pods = Arc::new(MemPods::default());
    let recorder = Arc::new(RecordingRecorder::default());
    let evictor = Arc::new(RecordingEvictor::default());
    let deps = ControllerDeps {
        rt,
        client: Arc::new(NoApi),
        pods: pods.clone(),
        recorder: recorder.clone(),
        metrics: Arc::new(Metrics::default()),
        behavior: Behavior::default(),
    };
    let controller = Controller::with_evictor(deps, evictor.clone());

    let slices: Vec<Slice> = case.initial.slices.iter().map(Slice::from).collect();
    let claims = case.initial.claims.iter().map(|(c, at)| AllocatedClaim {
        claim: Claim::from(c),
        eviction_time: *at,
    });
    controller.restore(StateSnapshot::new(claims, &slices));
    for pod in &case.initial.pods {
        pods.put(pod);
    }
    evictor.set(
        case.initial
            .evicting
            .iter()
            .map(|(p, at)| (pod_ref(p), *at))
            .collect(),
    );

    for &i in order {
        for change in &case.events[i] {
            match change {
                S(old, new) => {
                    let (old, new) = (old.as_ref().map(Slice::from), new.as_ref().map(Slice::from));
                    controller.handle_slice_change(old.as_ref(), new.as_ref());
                }
                C(old, new) => {
                    let (old, new) = (old.as_ref().map(Claim::from), new.as_ref().map(Claim::from));
                    controller.handle_claim_change(old.as_ref(), new.as_ref());
                }
                P(old, new) => {
                    // The informer cache is updated before the handler runs.
                    match (old, new) {
                        (_, Some(new)) => pods.put(new),
                        (Some(old), None) => pods.remove(old),
                        (None, None) => {}
                    }
                    controller.handle_pod_change(old.as_ref(), new.as_ref());
                }
            }
        }
    }

    let snapshot = controller.snapshot();
    Outcome {
        evicting: evictor.evicting(),
        claims: snapshot
            .allocated_claims
            .into_iter()
            .map(|(k, c)| (k, (c.claim, c.eviction_time)))
            .collect(),
        pools: snapshot
            .pools
            .into_iter()
            .map(|(id, p)| {
                (
                    id,
                    (p.slices().values().cloned().collect(), p.max_generation()),
                )
            })
            .collect(),
        events: recorder.events(),
    }
}

#[test]
fn handlers_should_reach_the_same_state_in_every_event_order() {
    let cases = cases();
    assert_eq!(cases.len(), 34, "upstream TestHandlers has 34 cases");
    let mut total = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let want = expected(&case.want, case.cancel_events);
        for order in permutations(case.events.len()) {
            total += 1;
            let got = run(case, &order);
            if got != want {
                failures.push(format!(
                    "{} {order:?}:\n  got  {got:?}\n  want {want:?}",
                    case.name
                ));
            }
        }
    }
    println!("handler table: {} cases, {total} permutations", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {total} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 15 cases with 4 events (24 orders each), 4 with 3 (6), 3 with 2 (2), 12 with at most 1.
    assert_eq!(total, 402, "permutation count");
}
