//! Upstream's latest `TestController` (device_taint_eviction_test.go @ 051099c1), cases 15 to
//! 28 of the table in the order upstream lists them: rules with effect None, pods with several
//! claims and the merge of their evictions, re-evaluation on slice, claim and pod changes,
//! template and extended-resource claims. Each test is one upstream case, run in every order of
//! its top-level events (see `support/latest_harness.rs`). `docs/device-latest-tests.md` lists
//! them all.

mod support;

use support::latest_fixtures::*;
use support::latest_harness::*;

fn tainted() -> taintsim_controller_device::latest::reason::EvictionAndReason {
    e(t0(), vec![rs(&slice_tainted(), "instance", 0)])
}

/// The usual adds: a slice, `slice2`, a claim and a pod.
fn adds(
    s: taintsim_controller_device::model::Slice,
    c: taintsim_controller_device::model::Claim,
    p: k8s_openapi::api::core::v1::Pod,
) -> Vec<Unit> {
    vec![add_slice(s), add_slice(slice2()), add_claim(c), add_pod(p)]
}

const PENDING_1_1: &str = "1 pod needs to be evicted in 1 namespace.";
const EVICTED_1: &str = "1 pod evicted since starting the controller.";
const NO_EFFECT_3_1_1_1: &str = "3 published devices selected. 1 allocated device selected. 1 pod would be evicted in 1 namespace if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update.";

/// Upstream case `none-pod-rule`.
#[test]
fn none_pod_rule() {
    run(Case {
        name: "none-pod-rule",
        events: vec![
            add_slice(slice()),
            add_claim(in_use_claim()),
            add_pod(pod_with_claim_name()),
            add_rule(rule_none()),
        ],
        want: State {
            slices: vec![slice()],
            claims: vec![(in_use_claim(), None)],
            ready: vec![rule_item(&rule_none())],
            ..State::default()
        },
        process: Some(vec![Step {
            pods: vec![pod_with_claim_name()],
            rules: vec![in_progress(
                rule_none(),
                false,
                "NoEffect",
                NO_EFFECT_3_1_1_1,
                t0(),
            )],
            ..Step::default()
        }]),
        ..Case::default()
    });
}

/// Upstream cases `none-many-pods-many-namespaces` and `none-many-pods-same-namespace`.
fn none_many_pods(
    name: &'static str,
    other_claim: taintsim_controller_device::model::Claim,
    other_pod: k8s_openapi::api::core::v1::Pod,
    namespaces: &str,
) {
    let message = format!(
        "0 published devices selected. 3 allocated devices selected. 2 pods would be evicted in {namespaces} if the effect was NoExecute. This information will not be updated again. Recreate the DeviceTaintRule to trigger an update."
    );
    run(Case {
        name,
        events: vec![
            add_claim(in_use_claim()),
            add_pod(pod_with_claim_name()),
            add_claim(other_claim.clone()),
            add_pod(other_pod.clone()),
            add_rule(rule_none()),
        ],
        want: State {
            claims: vec![(in_use_claim(), None), (other_claim, None)],
            ready: vec![rule_item(&rule_none())],
            ..State::default()
        },
        process: Some(vec![Step {
            pods: vec![pod_with_claim_name(), other_pod],
            rules: vec![in_progress(rule_none(), false, "NoEffect", &message, t0())],
            ..Step::default()
        }]),
        ..Case::default()
    });
}

/// Upstream case `none-many-pods-many-namespaces`.
#[test]
fn none_many_pods_many_namespaces() {
    none_many_pods(
        "none-many-pods-many-namespaces",
        in_use_claim_other_namespace(),
        pod_with_claim_name_other_namespace(),
        "2 different namespaces",
    );
}

/// Upstream case `none-many-pods-same-namespace`.
#[test]
fn none_many_pods_same_namespace() {
    none_many_pods(
        "none-many-pods-same-namespace",
        in_use_claim_other_name(),
        pod_with_claim_name_other_name(),
        "1 namespace",
    );
}

/// Upstream case `none-podgroup-rule`.
#[test]
fn none_podgroup_rule() {
    run(Case {
        name: "none-podgroup-rule",
        workload: true,
        events: vec![
            add_slice(slice()),
            add_claim(in_use_claim_by_pod_group()),
            add_pod(pod_with_pod_group_claim()),
            add_rule(rule_none()),
        ],
        want: State {
            slices: vec![slice()],
            claims: vec![(in_use_claim_by_pod_group(), None)],
            ready: vec![rule_item(&rule_none())],
            ..State::default()
        },
        process: Some(vec![Step {
            pods: vec![pod_with_pod_group_claim()],
            rules: vec![in_progress(
                rule_none(),
                false,
                "NoEffect",
                NO_EFFECT_3_1_1_1,
                t0(),
            )],
            ..Step::default()
        }]),
        ..Case::default()
    });
}

/// Upstream case `multiple-claims-same-rule`.
#[test]
fn multiple_claims_same_rule() {
    let by_rule = e(t0(), vec![rr(&rule_evict())]);
    let rule = rule_item(&rule_evict());
    run(Case {
        name: "multiple-claims-same-rule",
        events: vec![
            add_claim(in_use_claim()),
            add_claim(in_use_claim_other_name_shared()),
            add_pod(pod_with_two_claim_names()),
            add_rule(rule_evict()),
        ],
        want: State {
            claims: vec![
                (in_use_claim(), Some(by_rule.clone())),
                (in_use_claim_other_name_shared(), Some(by_rule.clone())),
            ],
            delete_pod_at: vec![(pod_with_two_claim_names(), by_rule)],
            ready: vec![rule.clone(), pod_item(&pod_with_two_claim_names())],
            later: vec![(rule.clone(), secs(10))],
            ..State::default()
        },
        process: Some(vec![
            Step {
                stats: vec![("1234", 1)],
                rules: vec![in_progress(
                    rule_evict(),
                    true,
                    "PodsPendingEviction",
                    PENDING_1_1,
                    t0(),
                )],
                processed: (vec![], vec![(rule.clone(), secs(10))]),
                advance: secs(10),
                shifted: (vec![rule], vec![]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 1)],
                rules: vec![in_progress(
                    rule_evict(),
                    false,
                    "Completed",
                    EVICTED_1,
                    t(10),
                )],
                ..Step::default()
            },
        ]),
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// The state both `multiple-claims-different-rules-order-*` cases reach.
fn different_rules_claims() -> Vec<(
    taintsim_controller_device::model::Claim,
    Option<taintsim_controller_device::latest::reason::EvictionAndReason>,
)> {
    vec![
        (
            in_use_claim(),
            Some(e(t0(), vec![rr(&rule_evict_instance1())])),
        ),
        (
            in_use_claim_other_name_shared(),
            Some(e(t(40), vec![rr(&rule_evict_instance2_later())])),
        ),
    ]
}

fn different_rules_pod() -> (
    k8s_openapi::api::core::v1::Pod,
    taintsim_controller_device::latest::reason::EvictionAndReason,
) {
    (
        pod_with_two_claim_names(),
        e(
            t0(),
            vec![
                rr(&rule_evict_instance1()),
                rr(&rule_evict_instance2_later()),
            ],
        ),
    )
}

/// Upstream case `multiple-claims-different-rules-order-1`: eviction is attributed to both
/// rules although the second would only evict at t0 + 40s.
#[test]
fn multiple_claims_different_rules_order_1() {
    let (i1, i2) = (
        rule_item(&rule_evict_instance1()),
        rule_item(&rule_evict_instance2_later()),
    );
    run(Case {
        name: "multiple-claims-different-rules-order-1",
        events: vec![vec![
            add_claim(in_use_claim()).remove(0),
            add_claim(in_use_claim_other_name_shared()).remove(0),
            add_pod(pod_with_two_claim_names()).remove(0),
            add_rule(rule_evict_instance1()).remove(0),
            add_rule(rule_evict_instance2_later()).remove(0),
        ]],
        want: State {
            claims: different_rules_claims(),
            delete_pod_at: vec![different_rules_pod()],
            ready: vec![
                i1.clone(),
                i2.clone(),
                pod_item(&pod_with_two_claim_names()),
            ],
            later: vec![(i1.clone(), secs(10)), (i2.clone(), secs(10))],
            ..State::default()
        },
        process: Some(vec![
            Step {
                stats: vec![("1234", 1), ("5678", 1)],
                rules: vec![
                    in_progress(
                        rule_evict_instance1(),
                        true,
                        "PodsPendingEviction",
                        PENDING_1_1,
                        t0(),
                    ),
                    in_progress(
                        rule_evict_instance2_later(),
                        false,
                        "Completed",
                        EVICTED_1,
                        t0(),
                    ),
                ],
                processed: (vec![], vec![(i1.clone(), secs(10)), (i2.clone(), secs(10))]),
                advance: secs(10),
                shifted: (vec![i1, i2], vec![]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 1), ("5678", 1)],
                rules: vec![
                    in_progress(rule_evict_instance1(), false, "Completed", EVICTED_1, t(10)),
                    in_progress(
                        rule_evict_instance2_later(),
                        false,
                        "Completed",
                        EVICTED_1,
                        t(10),
                    ),
                ],
                ..Step::default()
            },
        ]),
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `multiple-claims-different-rules-order-2`: the pod is first queued for
/// t0 + 40s (only the later rule known), then at once; the delayed copy stays and is a no-op.
#[test]
fn multiple_claims_different_rules_order_2() {
    let (i1, i2) = (
        rule_item(&rule_evict_instance1()),
        rule_item(&rule_evict_instance2_later()),
    );
    let pod = pod_item(&pod_with_two_claim_names());
    let completed = |ltt| {
        vec![
            in_progress(rule_evict_instance1(), false, "Completed", EVICTED_1, ltt),
            in_progress(
                rule_evict_instance2_later(),
                false,
                "Completed",
                EVICTED_1,
                ltt,
            ),
        ]
    };
    run(Case {
        name: "multiple-claims-different-rules-order-2",
        events: vec![vec![
            add_claim(in_use_claim()).remove(0),
            add_claim(in_use_claim_other_name_shared()).remove(0),
            add_pod(pod_with_two_claim_names()).remove(0),
            add_rule(rule_evict_instance2_later()).remove(0),
            add_rule(rule_evict_instance1()).remove(0),
        ]],
        want: State {
            claims: different_rules_claims(),
            delete_pod_at: vec![different_rules_pod()],
            ready: vec![i2.clone(), i1.clone(), pod.clone()],
            later: vec![
                (pod.clone(), secs(40)),
                (i2.clone(), secs(10)),
                (i1.clone(), secs(10)),
            ],
            ..State::default()
        },
        process: Some(vec![
            Step {
                stats: vec![("1234", 1), ("5678", 1)],
                rules: vec![
                    in_progress(
                        rule_evict_instance1(),
                        true,
                        "PodsPendingEviction",
                        PENDING_1_1,
                        t0(),
                    ),
                    in_progress(
                        rule_evict_instance2_later(),
                        true,
                        "PodsPendingEviction",
                        PENDING_1_1,
                        t0(),
                    ),
                ],
                processed: (
                    vec![],
                    vec![
                        (pod.clone(), secs(40)),
                        (i1.clone(), secs(10)),
                        (i2.clone(), secs(10)),
                    ],
                ),
                advance: secs(10),
                shifted: (vec![i1, i2], vec![(pod.clone(), secs(30))]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 1), ("5678", 1)],
                rules: completed(t(10)),
                processed: (vec![], vec![(pod.clone(), secs(30))]),
                advance: secs(30),
                shifted: (vec![pod], vec![]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 1), ("5678", 1)],
                rules: completed(t(10)),
                ..Step::default()
            },
        ]),
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `evict-pod-resourceclaim-again`: the transient removal cancels (with an
/// event) and the re-add evicts again.
#[test]
fn evict_pod_resourceclaim_again() {
    run(Case {
        name: "evict-pod-resourceclaim-again",
        initial: State {
            pods: vec![pod_with_claim_name()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            delete_pod_at: vec![(pod_with_claim_name(), tainted())],
            ..State::default()
        },
        events: vec![vec![
            remove_slice(slice_tainted()).remove(0),
            add_slice(slice_tainted()).remove(0),
        ]],
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            delete_pod_at: vec![(pod_with_claim_name(), tainted())],
            ready: vec![pod_item(&pod_with_claim_name())],
            ..State::default()
        },
        want_events: vec![CANCEL_POD_EVICTION, DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `evict-pod-after-scheduling`: the nodeName change is not filtered out.
#[test]
fn evict_pod_after_scheduling() {
    run(Case {
        name: "evict-pod-after-scheduling",
        initial: State {
            pods: vec![unscheduled_pod_with_claim_name()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            ..State::default()
        },
        events: vec![update_pod(
            unscheduled_pod_with_claim_name(),
            pod_with_claim_name(),
        )],
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

/// Upstream case `evict-pod-resourceclaim-unrelated-changes`: only `instance-other` is
/// modified, so the claim keeps its eviction (whose reason still points at the old slice);
/// the claim update re-queues the pod.
#[test]
fn evict_pod_resourceclaim_unrelated_changes() {
    run(Case {
        name: "evict-pod-resourceclaim-unrelated-changes",
        initial: State {
            pods: vec![pod_with_claim_name()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            delete_pod_at: vec![(pod_with_claim_name(), tainted())],
            ..State::default()
        },
        events: vec![
            update_slice(slice_tainted(), slice_tainted_extended()),
            update_claim(in_use_claim(), in_use_claim()),
            update_pod(pod_with_claim_name(), pod_with_claim_name()),
        ],
        want: State {
            slices: vec![slice_tainted_extended(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            delete_pod_at: vec![(pod_with_claim_name(), tainted())],
            ready: vec![pod_item(&pod_with_claim_name())],
            ..State::default()
        },
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `evict-pod-resourceclaimtemplate`.
#[test]
fn evict_pod_resourceclaimtemplate() {
    evicts_with(
        "evict-pod-resourceclaimtemplate",
        adds(
            slice_tainted(),
            in_use_claim(),
            pod_with_claim_template_in_status(),
        ),
        State::default(),
        pod_with_claim_template_in_status(),
    );
}

/// Upstream case `evict-pod-extended-resourceclaim` (#141290 fixed).
#[test]
fn evict_pod_extended_resourceclaim() {
    evicts_with(
        "evict-pod-extended-resourceclaim",
        adds(
            slice_tainted(),
            in_use_claim(),
            pod_with_extended_resource_claim_in_status(),
        ),
        State::default(),
        pod_with_extended_resource_claim_in_status(),
    );
}

/// Upstream case `evict-pod-extended-resourceclaim-status-update`: a change of only
/// `status.extendedResourceClaimStatus` is handled.
#[test]
fn evict_pod_extended_resourceclaim_status_update() {
    evicts_with(
        "evict-pod-extended-resourceclaim-status-update",
        vec![update_pod(
            pod_without_claims_scheduled(),
            pod_with_extended_resource_claim_in_status(),
        )],
        State {
            pods: vec![pod_without_claims_scheduled()],
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            ..State::default()
        },
        pod_with_extended_resource_claim_in_status(),
    );
}

/// A case that ends with `pod` evicted through `inUseClaim` and `sliceTainted`.
fn evicts_with(
    name: &'static str,
    events: Vec<Unit>,
    initial: State,
    pod: k8s_openapi::api::core::v1::Pod,
) {
    run(Case {
        name,
        initial,
        events,
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

/// Upstream case `no-evict-extended-resourceclaim-wrong-owner`.
#[test]
fn no_evict_extended_resourceclaim_wrong_owner() {
    run(Case {
        name: "no-evict-extended-resourceclaim-wrong-owner",
        events: adds(
            slice_tainted(),
            in_use_claim_old(),
            pod_with_extended_resource_claim_in_status(),
        ),
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim_old(), Some(tainted()))],
            ..State::default()
        },
        ..Case::default()
    });
}
