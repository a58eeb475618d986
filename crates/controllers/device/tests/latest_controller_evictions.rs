//! Upstream's latest `TestController` (device_taint_eviction_test.go @ 051099c1), cases 29 to
//! 55: tolerations, pods and claims that must not be evicted, and cancellations. Each test is
//! one upstream case, run in every order of its top-level events (see
//! `support/latest_harness.rs`); cases 1 to 28 are in `latest_controller_handlers.rs` and
//! `latest_controller_merges.rs`.

mod support;

use k8s_openapi::api::core::v1::Pod;
use taintsim_controller_device::latest::reason::EvictionAndReason;
use taintsim_controller_device::model::{Claim, Slice, Toleration};

use support::latest_fixtures::*;
use support::latest_harness::*;

fn tainted() -> EvictionAndReason {
    e(t0(), vec![rs(&slice_tainted(), "instance", 0)])
}

fn adds(s: Slice, c: Claim, p: Pod) -> Vec<Unit> {
    vec![add_slice(s), add_slice(slice2()), add_claim(c), add_pod(p)]
}

/// A case whose events are the usual adds and which evicts nobody: only the claim's eviction
/// is recorded.
fn no_eviction(
    name: &'static str,
    s: Slice,
    c: Claim,
    p: Pod,
    eviction: Option<EvictionAndReason>,
) {
    run(Case {
        name,
        events: adds(s.clone(), c.clone(), p),
        want: State {
            slices: vec![s, slice2()],
            claims: vec![(c, eviction)],
            ..State::default()
        },
        ..Case::default()
    });
}

/// A case whose adds evict `podWithClaimName` later, after `after` seconds.
fn evicts_later(name: &'static str, s: Slice, c: Claim, eviction: EvictionAndReason, after: u64) {
    let pod = pod_item(&pod_with_claim_name());
    run(Case {
        name,
        events: adds(s.clone(), c.clone(), pod_with_claim_name()),
        want: State {
            slices: vec![s, slice2()],
            claims: vec![(c, Some(eviction.clone()))],
            delete_pod_at: vec![(pod_with_claim_name(), eviction.clone())],
            later: vec![(pod.clone(), secs(after))],
            ..State::default()
        },
        process: Some(vec![
            Step {
                delete_pod_at: vec![(pod_with_claim_name(), eviction)],
                pods: vec![pod_with_claim_name()],
                processed: (vec![], vec![(pod.clone(), secs(after))]),
                advance: secs(after),
                shifted: (vec![pod], vec![]),
                ..Step::default()
            },
            Step::default(),
        ]),
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// A case whose adds evict `podWithClaimName` at once.
fn evicts_now(name: &'static str, s: Slice, c: Claim, eviction: EvictionAndReason) {
    run(Case {
        name,
        events: adds(s.clone(), c.clone(), pod_with_claim_name()),
        want: State {
            slices: vec![s, slice2()],
            claims: vec![(c, Some(eviction.clone()))],
            delete_pod_at: vec![(pod_with_claim_name(), eviction)],
            ready: vec![pod_item(&pod_with_claim_name())],
            ..State::default()
        },
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

fn other_key() -> String {
    format!("{TAINT_KEY}-other")
}

/// Upstream case `evict-pod-later`.
#[test]
fn evict_pod_later() {
    evicts_later(
        "evict-pod-later",
        slice_tainted(),
        in_use_claim_with_toleration(),
        e(t(3600), vec![rs(&slice_tainted(), "instance", 0)]),
        3600,
    );
}

/// Upstream case `evict-pod-later-many`: the smallest seconds of the matching tolerations.
#[test]
fn evict_pod_later_many() {
    evicts_later(
        "evict-pod-later-many",
        slice_tainted(),
        in_use_claim_tolerating(vec![
            toleration(&other_key(), "Equal", TAINT_VALUE, Some(20)),
            toleration("", "Exists", "", Some(60)),
            toleration("", "Exists", "", Some(30)),
        ]),
        e(t(30), vec![rs(&slice_tainted(), "instance", 0)]),
        30,
    );
}

/// Upstream case `evict-pod-toleration-mismatch`.
#[test]
fn evict_pod_toleration_mismatch() {
    evicts_now(
        "evict-pod-toleration-mismatch",
        slice_tainted(),
        in_use_claim_tolerating(vec![toleration(
            &other_key(),
            "Equal",
            TAINT_VALUE,
            Some(60),
        )]),
        tainted(),
    );
}

/// Upstream cases `no-evict-pod-toleration-forever` and `...-many`.
fn tolerated_forever(name: &'static str, tolerations: Vec<Toleration>) {
    let c = in_use_claim_tolerating(tolerations);
    run(Case {
        name,
        events: adds(slice_tainted(), c.clone(), pod_with_claim_name()),
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(c, None)],
            ..State::default()
        },
        process: Some(vec![Step {
            pods: vec![pod_with_claim_name()],
            ..Step::default()
        }]),
        ..Case::default()
    });
}

/// Upstream case `no-evict-pod-toleration-forever`.
#[test]
fn no_evict_pod_toleration_forever() {
    tolerated_forever(
        "no-evict-pod-toleration-forever",
        vec![toleration("", "Exists", "", None)],
    );
}

/// Upstream case `no-evict-pod-toleration-forever-many`.
#[test]
fn no_evict_pod_toleration_forever_many() {
    tolerated_forever(
        "no-evict-pod-toleration-forever-many",
        vec![
            toleration("", "Exists", "", Some(60)),
            toleration("", "Exists", "", None),
        ],
    );
}

/// Upstream case `evict-pod-partial-toleration`: only the untolerated taint is a reason.
#[test]
fn evict_pod_partial_toleration() {
    evicts_now(
        "evict-pod-partial-toleration",
        slice_tainted_twice(),
        in_use_claim_tolerating(vec![toleration(TAINT_KEY, "Exists", "", None)]),
        e(t0(), vec![rs(&slice_tainted_twice(), "instance", 1)]),
    );
}

/// Upstream case `evict-pod-many-taints`: every untolerated taint is a reason (rules first,
/// then slice taints), the earliest time wins.
#[test]
fn evict_pod_many_taints() {
    let c = in_use_claim_tolerating(vec![
        toleration(TAINT_KEY, "Exists", "", Some(60)),
        toleration(&other_key(), "Exists", "", Some(30)),
    ]);
    let eviction = e(
        t(30),
        vec![
            rr(&rule_evict()),
            rr(&rule_evict_other()),
            rs(&slice_tainted_twice(), "instance", 0),
            rs(&slice_tainted_twice(), "instance", 1),
        ],
    );
    let (pod, r1, r2) = (
        pod_item(&pod_with_claim_name()),
        rule_item(&rule_evict()),
        rule_item(&rule_evict_other()),
    );
    let pending = |ltt| {
        vec![
            in_progress(
                rule_evict(),
                true,
                "PodsPendingEviction",
                "1 pod needs to be evicted in 1 namespace.",
                ltt,
            ),
            in_progress(
                rule_evict_other(),
                true,
                "PodsPendingEviction",
                "1 pod needs to be evicted in 1 namespace.",
                ltt,
            ),
        ]
    };
    let evicted = "1 pod evicted since starting the controller.";
    run(Case {
        name: "evict-pod-many-taints",
        events: vec![
            add_rule(rule_evict()),
            add_rule(rule_evict_other()),
            add_slice(slice_tainted_twice()),
            add_slice(slice2()),
            add_claim(c.clone()),
            add_pod(pod_with_claim_name()),
        ],
        want: State {
            slices: vec![slice_tainted_twice(), slice2()],
            claims: vec![(c, Some(eviction.clone()))],
            delete_pod_at: vec![(pod_with_claim_name(), eviction.clone())],
            ready: vec![r1.clone(), r2.clone()],
            later: vec![
                (pod.clone(), secs(30)),
                (r1.clone(), secs(10)),
                (r2.clone(), secs(10)),
            ],
            ..State::default()
        },
        process: Some(vec![
            Step {
                delete_pod_at: vec![(pod_with_claim_name(), eviction.clone())],
                pods: vec![pod_with_claim_name()],
                rules: pending(t0()),
                processed: (
                    vec![],
                    vec![
                        (pod.clone(), secs(30)),
                        (r1.clone(), secs(10)),
                        (r2.clone(), secs(10)),
                    ],
                ),
                advance: secs(10),
                shifted: (vec![r1.clone(), r2.clone()], vec![(pod.clone(), secs(20))]),
                ..Step::default()
            },
            Step {
                delete_pod_at: vec![(pod_with_claim_name(), eviction)],
                pods: vec![pod_with_claim_name()],
                rules: pending(t(10)),
                processed: (vec![], vec![(pod.clone(), secs(20))]),
                advance: secs(20),
                shifted: (vec![pod], vec![]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 1), ("1234-other", 1)],
                // Not updated yet.
                rules: pending(t(10)),
                processed: (vec![], vec![(r1.clone(), secs(10)), (r2.clone(), secs(10))]),
                advance: secs(10),
                shifted: (vec![r1, r2], vec![]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 1), ("1234-other", 1)],
                rules: vec![
                    in_progress(rule_evict(), false, "Completed", evicted, t(40)),
                    in_progress(rule_evict_other(), false, "Completed", evicted, t(40)),
                ],
                ..Step::default()
            },
        ]),
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `no-evict-pod-not-scheduled`.
#[test]
fn no_evict_pod_not_scheduled() {
    no_eviction(
        "no-evict-pod-not-scheduled",
        slice_tainted(),
        in_use_claim(),
        unscheduled_pod_with_claim_name(),
        Some(tainted()),
    );
}

/// Upstream case `no-evict-no-taint`.
#[test]
fn no_evict_no_taint() {
    run(Case {
        name: "no-evict-no-taint",
        events: vec![
            add_slice(simple_slice()),
            add_claim(in_use_claim()),
            add_pod(pod_with_claim_name()),
        ],
        want: State {
            slices: vec![simple_slice()],
            claims: vec![(in_use_claim(), None)],
            ..State::default()
        },
        ..Case::default()
    });
}

/// Upstream case `no-evict-no-taint-update`.
#[test]
fn no_evict_no_taint_update() {
    let state = State {
        pods: vec![pod_with_claim_name()],
        slices: vec![simple_slice()],
        claims: vec![(in_use_claim(), None)],
        ..State::default()
    };
    run(Case {
        name: "no-evict-no-taint-update",
        initial: state.clone(),
        events: vec![update_slice(simple_slice(), simple_slice())],
        want: State {
            pods: vec![],
            ..state
        },
        ..Case::default()
    });
}

/// Upstream case `no-evict-pod-resourceclaimtemplate-no-status`.
#[test]
fn no_evict_pod_resourceclaimtemplate_no_status() {
    no_eviction(
        "no-evict-pod-resourceclaimtemplate-no-status",
        slice_tainted(),
        in_use_claim(),
        pod_with_claim_template(),
        Some(tainted()),
    );
}

/// Upstream case `no-evict-pod-resourceclaimtemplate-no-claim`.
#[test]
fn no_evict_pod_resourceclaimtemplate_no_claim() {
    no_eviction(
        "no-evict-pod-resourceclaimtemplate-no-claim",
        slice_tainted(),
        in_use_claim(),
        pod_with_claim_template_no_claim_in_status(),
        Some(tainted()),
    );
}

/// Upstream case `no-evict-other-device`: the allocated device is not published.
#[test]
fn no_evict_other_device() {
    no_eviction(
        "no-evict-other-device",
        slice_other_devices(),
        in_use_claim(),
        pod_with_claim_template_in_status(),
        None,
    );
}

/// Upstream case `no-evict-wrong-pod`: another pod UID than the claim's consumer.
#[test]
fn no_evict_wrong_pod() {
    no_eviction(
        "no-evict-wrong-pod",
        slice_tainted(),
        in_use_claim(),
        pod_with_claim_name_other_uid(),
        Some(tainted()),
    );
}

/// Upstream case `evict-wrong-pod-replaced`.
#[test]
fn evict_wrong_pod_replaced() {
    run(Case {
        name: "evict-wrong-pod-replaced",
        initial: State {
            pods: vec![pod_with_claim_name_other_uid()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            ..State::default()
        },
        events: vec![vec![
            remove_pod(pod_with_claim_name_other_uid()).remove(0),
            add_pod(pod_with_claim_name()).remove(0),
        ]],
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            delete_pod_at: vec![(pod_with_claim_name(), tainted())],
            ready: vec![pod_item(&pod_with_claim_name())],
            ..State::default()
        },
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// The initial state of the cancellation cases: `podWithClaimTemplateInStatus` evicted
/// through `inUseClaim` and `sliceTainted`.
fn evicting() -> State {
    State {
        pods: vec![pod_with_claim_template_in_status()],
        slices: vec![slice_tainted(), slice2()],
        claims: vec![(in_use_claim(), Some(tainted()))],
        delete_pod_at: vec![(pod_with_claim_template_in_status(), tainted())],
        ..State::default()
    }
}

/// A cancellation case: after `events` the claim is untainted (or gone), nothing is queued,
/// and "Cancelling deletion" was recorded once.
fn cancels(
    name: &'static str,
    events: Vec<Unit>,
    slices: Vec<Slice>,
    claims: Vec<(Claim, Option<EvictionAndReason>)>,
) {
    run(Case {
        name,
        initial: evicting(),
        events,
        want: State {
            slices,
            claims,
            ..State::default()
        },
        want_events: vec![CANCEL_POD_EVICTION],
        ..Case::default()
    });
}

/// Upstream case `cancel-eviction-remove-taint`.
#[test]
fn cancel_eviction_remove_taint() {
    cancels(
        "cancel-eviction-remove-taint",
        vec![update_slice(slice_tainted(), slice())],
        vec![slice(), slice2()],
        vec![(in_use_claim(), None)],
    );
}

/// Upstream case `cancel-eviction-reduce-taint`.
#[test]
fn cancel_eviction_reduce_taint() {
    cancels(
        "cancel-eviction-reduce-taint",
        vec![update_slice(slice_tainted(), slice_tainted_no_schedule())],
        vec![slice_tainted_no_schedule(), slice2()],
        vec![(in_use_claim(), None)],
    );
}

/// Upstream cases `ignore-none-effect` and `ignore-unknown-effect`: no events; the initial
/// state, whose slice taints have an effect that never evicts, stays as it is.
fn ignores(name: &'static str, s: Slice) {
    let state = State {
        pods: vec![pod_with_claim_template_in_status()],
        slices: vec![s, slice2()],
        claims: vec![(in_use_claim(), None)],
        ..State::default()
    };
    run(Case {
        name,
        initial: state.clone(),
        want: State {
            pods: vec![],
            ..state
        },
        ..Case::default()
    });
}

/// Upstream case `ignore-none-effect`.
#[test]
fn ignore_none_effect() {
    ignores("ignore-none-effect", slice_tainted_none());
}

/// Upstream case `ignore-unknown-effect`.
#[test]
fn ignore_unknown_effect() {
    ignores("ignore-unknown-effect", slice_tainted_unknown());
}

/// Upstream case `eviction-change-taint`: the new taint value is no longer tolerated, so the
/// eviction moves from t0 + 1h to t0.
#[test]
fn eviction_change_taint() {
    let old = e(t(3600), vec![rs(&slice_tainted(), "instance", 0)]);
    let new = e(t0(), vec![rs(&slice_tainted_value_other(), "instance", 0)]);
    let pod = pod_with_claim_template_in_status();
    run(Case {
        name: "eviction-change-taint",
        initial: State {
            pods: vec![pod.clone()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim_with_toleration(), Some(old.clone()))],
            delete_pod_at: vec![(pod.clone(), old)],
            ..State::default()
        },
        events: vec![update_slice(slice_tainted(), slice_tainted_value_other())],
        want: State {
            slices: vec![slice_tainted_value_other(), slice2()],
            claims: vec![(in_use_claim_with_toleration(), Some(new.clone()))],
            delete_pod_at: vec![(pod.clone(), new)],
            ready: vec![pod_item(&pod)],
            ..State::default()
        },
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `cancel-eviction-remove-taint-in-new-slice`.
#[test]
fn cancel_eviction_remove_taint_in_new_slice() {
    cancels(
        "cancel-eviction-remove-taint-in-new-slice",
        vec![remove_slice(slice_tainted()), add_slice(slice_replaced())],
        vec![slice_replaced(), slice2()],
        vec![(in_use_claim(), None)],
    );
}

/// Upstream case `cancel-eviction-remove-slice`.
#[test]
fn cancel_eviction_remove_slice() {
    cancels(
        "cancel-eviction-remove-slice",
        vec![remove_slice(slice_tainted())],
        vec![slice2()],
        vec![(in_use_claim(), None)],
    );
}

/// Upstream case `cancel-eviction-pod-deletion`: a deleted pod is forgotten without an event.
#[test]
fn cancel_eviction_pod_deletion() {
    let c = in_use_claim_tolerating(vec![toleration("", "Exists", "", Some(60))]);
    let eviction = e(t(60), vec![]);
    run(Case {
        name: "cancel-eviction-pod-deletion",
        initial: State {
            pods: vec![pod_with_claim_name()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(c.clone(), Some(eviction.clone()))],
            delete_pod_at: vec![(pod_with_claim_name(), eviction.clone())],
            ..State::default()
        },
        events: vec![remove_pod(pod_with_claim_name())],
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(c, Some(eviction))],
            ..State::default()
        },
        ..Case::default()
    });
}

/// Upstream case `no-evict-wrong-resourceclaim`: the claim is owned by another pod UID.
#[test]
fn no_evict_wrong_resourceclaim() {
    no_eviction(
        "no-evict-wrong-resourceclaim",
        slice_tainted(),
        in_use_claim_old(),
        pod_with_claim_template_in_status(),
        Some(tainted()),
    );
}

/// Upstream case `evict-wrong-resourceclaim-replaced`: a claim update with another UID is a
/// removal and an add.
#[test]
fn evict_wrong_resourceclaim_replaced() {
    let pod = pod_with_claim_template_in_status();
    run(Case {
        name: "evict-wrong-resourceclaim-replaced",
        initial: State {
            pods: vec![pod.clone()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim_old(), Some(tainted()))],
            ..State::default()
        },
        events: vec![update_claim(in_use_claim_old(), in_use_claim())],
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            delete_pod_at: vec![(pod.clone(), tainted())],
            ready: vec![pod_item(&pod)],
            ..State::default()
        },
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `no-evict-resourceclaim-deallocated`.
#[test]
fn no_evict_resourceclaim_deallocated() {
    cancels(
        "no-evict-resourceclaim-deallocated",
        vec![update_claim(in_use_claim(), claim())],
        vec![slice_tainted(), slice2()],
        vec![],
    );
}

/// Upstream case `no-evict-resourceclaim-deleted`.
#[test]
fn no_evict_resourceclaim_deleted() {
    cancels(
        "no-evict-resourceclaim-deleted",
        vec![remove_claim(in_use_claim())],
        vec![slice_tainted(), slice2()],
        vec![],
    );
}
