//! Upstream's latest `TestController` (device_taint_eviction_test.go @ 051099c1), cases 1 to
//! 14 of the table in the order upstream lists them: pools, claims, rules and their status,
//! evictions through slices, rules and PodGroups. Each test is one upstream case, run in every
//! order of its top-level events (see `support/latest_harness.rs`); cases 15 to 28 are in
//! `latest_controller_merges.rs`, 29 to 55 in `latest_controller_evictions.rs`.
//! `docs/device-latest-tests.md` lists them all.

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

/// Upstream case `empty`.
#[test]
fn empty() {
    run(Case {
        name: "empty",
        ..Case::default()
    });
}

/// Upstream case `populate-pools`.
#[test]
fn populate_pools() {
    run(Case {
        name: "populate-pools",
        events: vec![add_slice(slice()), add_slice(slice2())],
        want: State {
            slices: vec![slice(), slice2()],
            ..State::default()
        },
        ..Case::default()
    });
}

/// Upstream case `update-pools`.
#[test]
fn update_pools() {
    run(Case {
        name: "update-pools",
        initial: State {
            slices: vec![slice(), slice2()],
            ..State::default()
        },
        events: vec![
            update_slice(slice(), slice_untainted()),
            remove_slice(slice2()),
        ],
        want: State {
            slices: vec![slice_untainted()],
            ..State::default()
        },
        ..Case::default()
    });
}

/// Upstream case `untainted-claim`.
#[test]
fn untainted_claim() {
    run(Case {
        name: "untainted-claim",
        events: vec![
            add_slice(slice()),
            add_slice(slice2()),
            add_claim(in_use_claim()),
        ],
        want: State {
            slices: vec![slice(), slice2()],
            claims: vec![(in_use_claim(), None)],
            ..State::default()
        },
        ..Case::default()
    });
}

/// Upstream case `tainted-claim-through-resourceslice`.
#[test]
fn tainted_claim_through_resourceslice() {
    run(Case {
        name: "tainted-claim-through-resourceslice",
        events: vec![
            add_slice(slice_tainted()),
            add_slice(slice2()),
            add_claim(in_use_claim()),
        ],
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim(), Some(tainted()))],
            ..State::default()
        },
        ..Case::default()
    });
}

/// Upstream case `rule-status`.
#[test]
fn rule_status() {
    run(Case {
        name: "rule-status",
        events: vec![add_rule(rule_evict())],
        want: State {
            ready: vec![rule_item(&rule_evict())],
            ..State::default()
        },
        process: Some(vec![Step {
            rules: vec![in_progress(rule_evict(), false, "NotStarted", "", t0())],
            ..Step::default()
        }]),
        ..Case::default()
    });
}

/// Upstream case `tainted-claim-through-rule`.
#[test]
fn tainted_claim_through_rule() {
    run(Case {
        name: "tainted-claim-through-rule",
        events: vec![add_rule(rule_evict()), add_claim(in_use_claim())],
        want: State {
            claims: vec![(in_use_claim(), Some(e(t0(), vec![rr(&rule_evict())])))],
            ready: vec![rule_item(&rule_evict())],
            ..State::default()
        },
        process: Some(vec![Step {
            rules: vec![in_progress(rule_evict(), false, "NotStarted", "", t0())],
            ..Step::default()
        }]),
        ..Case::default()
    });
}

/// Upstream case `evict-pod-resourceclaim`.
#[test]
fn evict_pod_resourceclaim() {
    run(Case {
        name: "evict-pod-resourceclaim",
        events: adds(slice_tainted(), in_use_claim(), pod_with_claim_name()),
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

/// Upstream case `evict-pod-resourceclaim-podgroup`.
#[test]
fn evict_pod_resourceclaim_podgroup() {
    run(Case {
        name: "evict-pod-resourceclaim-podgroup",
        workload: true,
        events: adds(
            slice_tainted(),
            in_use_claim_by_pod_group(),
            pod_with_pod_group_claim(),
        ),
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim_by_pod_group(), Some(tainted()))],
            delete_pod_at: vec![(pod_with_pod_group_claim(), tainted())],
            ready: vec![pod_item(&pod_with_pod_group_claim())],
            ..State::default()
        },
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream case `no-evict-pod-in-podgroup-without-claim`.
#[test]
fn no_evict_pod_in_podgroup_without_claim() {
    run(Case {
        name: "no-evict-pod-in-podgroup-without-claim",
        workload: true,
        events: adds(
            slice_tainted(),
            in_use_claim_by_pod_group(),
            pod_with_pod_group(),
        ),
        want: State {
            slices: vec![slice_tainted(), slice2()],
            claims: vec![(in_use_claim_by_pod_group(), Some(tainted()))],
            ..State::default()
        },
        ..Case::default()
    });
}

/// Upstream case `evict-pod-rule`.
#[test]
fn evict_pod_rule() {
    let by_rule = e(t0(), vec![rr(&rule_evict())]);
    run(Case {
        name: "evict-pod-rule",
        events: vec![
            add_claim(in_use_claim()),
            add_pod(pod_with_claim_name()),
            add_rule(rule_evict()),
        ],
        want: State {
            claims: vec![(in_use_claim(), Some(by_rule.clone()))],
            delete_pod_at: vec![(pod_with_claim_name(), by_rule)],
            ready: vec![rule_item(&rule_evict()), pod_item(&pod_with_claim_name())],
            later: vec![(rule_item(&rule_evict()), secs(10))],
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
                processed: (vec![], vec![(rule_item(&rule_evict()), secs(10))]),
                advance: secs(10),
                shifted: (vec![rule_item(&rule_evict())], vec![]),
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

/// Upstream case `evict-pod-rule-later`.
#[test]
fn evict_pod_rule_later() {
    let later = e(t(3600), vec![rr(&rule_evict())]);
    let pending = |ltt| in_progress(rule_evict(), true, "PodsPendingEviction", PENDING_1_1, ltt);
    let (pod, rule) = (pod_item(&pod_with_claim_name()), rule_item(&rule_evict()));
    run(Case {
        name: "evict-pod-rule-later",
        events: vec![
            add_claim(in_use_claim_with_toleration()),
            add_pod(pod_with_claim_name()),
            add_rule(rule_evict()),
        ],
        want: State {
            claims: vec![(in_use_claim_with_toleration(), Some(later.clone()))],
            delete_pod_at: vec![(pod_with_claim_name(), later.clone())],
            ready: vec![rule.clone()],
            later: vec![(pod.clone(), secs(3600)), (rule.clone(), secs(10))],
            ..State::default()
        },
        process: Some(vec![
            Step {
                delete_pod_at: vec![(pod_with_claim_name(), later.clone())],
                pods: vec![pod_with_claim_name()],
                rules: vec![pending(t0())],
                processed: (
                    vec![],
                    vec![(pod.clone(), secs(3600)), (rule.clone(), secs(10))],
                ),
                advance: secs(10),
                shifted: (vec![rule.clone()], vec![(pod.clone(), secs(3590))]),
                ..Step::default()
            },
            Step {
                delete_pod_at: vec![(pod_with_claim_name(), later)],
                pods: vec![pod_with_claim_name()],
                rules: vec![pending(t(10))],
                processed: (vec![], vec![(pod.clone(), secs(3590))]),
                advance: secs(3590),
                shifted: (vec![pod], vec![]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 1)],
                // Not updated yet.
                rules: vec![pending(t(10))],
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
                    t(3610),
                )],
                ..Step::default()
            },
        ]),
        want_events: vec![DELETE_POD_EVENT],
        ..Case::default()
    });
}

/// Upstream cases `evict-many-pods-many-namespaces` and `evict-many-pods-same-namespace`.
fn evict_many_pods(
    name: &'static str,
    other_claim: taintsim_controller_device::model::Claim,
    other_pod: k8s_openapi::api::core::v1::Pod,
    pending: &str,
    other_event: Ev,
) {
    let by_rule = e(t0(), vec![rr(&rule_evict())]);
    let rule = rule_item(&rule_evict());
    run(Case {
        name,
        events: vec![
            add_claim(in_use_claim()),
            add_pod(pod_with_claim_name()),
            add_claim(other_claim.clone()),
            add_pod(other_pod.clone()),
            add_rule(rule_evict()),
        ],
        want: State {
            claims: vec![
                (in_use_claim(), Some(by_rule.clone())),
                (other_claim, Some(by_rule.clone())),
            ],
            delete_pod_at: vec![
                (pod_with_claim_name(), by_rule.clone()),
                (other_pod.clone(), by_rule),
            ],
            ready: vec![
                rule.clone(),
                pod_item(&pod_with_claim_name()),
                pod_item(&other_pod),
            ],
            later: vec![(rule.clone(), secs(10))],
            ..State::default()
        },
        process: Some(vec![
            Step {
                stats: vec![("1234", 2)],
                rules: vec![in_progress(
                    rule_evict(),
                    true,
                    "PodsPendingEviction",
                    pending,
                    t0(),
                )],
                processed: (vec![], vec![(rule.clone(), secs(10))]),
                advance: secs(10),
                shifted: (vec![rule], vec![]),
                ..Step::default()
            },
            Step {
                stats: vec![("1234", 2)],
                rules: vec![in_progress(
                    rule_evict(),
                    false,
                    "Completed",
                    "2 pods evicted since starting the controller.",
                    t(10),
                )],
                ..Step::default()
            },
        ]),
        want_events: vec![DELETE_POD_EVENT, other_event],
        ..Case::default()
    });
}

/// Upstream case `evict-many-pods-many-namespaces`.
#[test]
fn evict_many_pods_many_namespaces() {
    evict_many_pods(
        "evict-many-pods-many-namespaces",
        in_use_claim_other_namespace(),
        pod_with_claim_name_other_namespace(),
        "2 pods need to be evicted in 2 different namespaces.",
        DELETE_POD_EVENT_OTHER_NAMESPACE,
    );
}

/// Upstream case `evict-many-pods-same-namespace`.
#[test]
fn evict_many_pods_same_namespace() {
    evict_many_pods(
        "evict-many-pods-same-namespace",
        in_use_claim_other_name(),
        pod_with_claim_name_other_name(),
        "2 pods need to be evicted in 1 namespace.",
        DELETE_POD_EVENT_OTHER_NAME,
    );
}
