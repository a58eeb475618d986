//! The tests of PR #141568 ("fix(tainteviction): retry failed pod deletions", open upstream)
//! whose observable behaviour `retries: durable` models, on the simulator. The PR's tests
//! inspect its retry tokens, generations and rate limiter; here only what reaches the API
//! server (calls, events, the pod) is checked. `docs/node-controller-tests.md` lists the PR
//! tests not ported and why.

mod support;

use serde_json::{Value, json};
use support::{check, node, passes, pod, scenario_exempt, step, with_toleration};

const DURABLE: &[(&str, &str)] = &[("retries", "durable")];

/// A fault on pod calls of `verb` answering `status`, for the first `times` calls (all if
/// `None`).
fn deny(verb: &str, status: u16, times: Option<u64>) -> Value {
    let mut fault = json!({"verb": verb, "kind": "Pod", "status": status});
    if let Some(t) = times {
        fault["times"] = json!(t);
    }
    json!({"set-fault": {"name": format!("deny-{verb}"), "api-error": fault}})
}

/// The fault first, then the controller syncs; pod1 (not tolerating taint 1) is created on the
/// tainted node1 once the controller has settled, so exactly one work invocation evicts it.
fn steps(fault: Value, pod1: Value, mut then: Vec<Value>) -> Vec<Value> {
    let mut steps = vec![fault, step::sync(), step::advance("1s"), step::create(pod1)];
    steps.append(&mut then);
    steps
}

fn run(name: &str, steps: Vec<Value>, exempt: &[(&str, &str)]) {
    passes(&scenario_exempt(
        name,
        DURABLE,
        vec![node("node1", &[1])],
        steps,
        exempt,
    ));
}

const STOPPED_ON_PURPOSE: (&str, &str) = (
    "eventual-eviction",
    "the eviction is abandoned on purpose: the pod's deletion keeps failing or it was replaced",
);

/// `TestPodEvictionDeletionFailureRetriesDurably`: the first 6 deletes are denied ("The old
/// implementation gave up after five immediate attempts."); the 7th deletes the pod.
#[test]
fn test_pod_eviction_deletion_failure_retries_durably() {
    let steps = steps(
        deny("delete", 500, Some(6)),
        pod("pod1", "node1"),
        vec![
            step::eventually("10s", vec![check::absent("pod1")]),
            step::now(vec![check::calls("delete", 7)]),
        ],
    );
    run("TestPodEvictionDeletionFailureRetriesDurably", steps, &[]);
}

/// `TestPodEvictionDurableRetryKeepsRateLimiterState`, its observable part: with every delete
/// denied the attempts go on after the burst of 5, with growing delays, and the invocation
/// records exactly one `Marking for deletion` event.
#[test]
fn test_pod_eviction_durable_retry_keeps_rate_limiter_state() {
    let steps = steps(
        deny("delete", 500, None),
        pod("pod1", "node1"),
        vec![
            step::advance("100ms"),
            step::now(vec![check::at_least("delete", 8), check::present("pod1")]),
            step::advance("10s"),
            step::now(vec![check::at_least("delete", 15)]),
            step::eventually(
                "1s",
                vec![json!({"events": {"reason": "TaintManagerEviction",
                    "message": "Marking for deletion Pod default/pod1", "objects": 1, "count": 1}})],
            ),
            json!({"clear-fault": "deny-delete"}),
            step::eventually("20s", vec![check::absent("pod1")]),
        ],
    );
    run(
        "TestPodEvictionDurableRetryKeepsRateLimiterState",
        steps,
        &[],
    );
}

/// `TestPodEvictionDurableRetryWithZeroSecondTolerationDeletesDirectly`: after the burst the
/// pod tolerates the taint for 0 s; the next retry deletes it directly.
#[test]
fn test_pod_eviction_durable_retry_with_zero_second_toleration_deletes_directly() {
    let steps = steps(
        deny("delete", 500, Some(5)),
        pod("pod1", "node1"),
        vec![
            json!({"wait-until": {"within": "1s", "checks": [check::at_least("delete", 5)]}}),
            step::update(with_toleration(pod("pod1", "node1"), 1, 0)),
            step::eventually("10s", vec![check::absent("pod1")]),
            step::now(vec![check::calls("delete", 6)]),
        ],
    );
    run(
        "TestPodEvictionDurableRetryWithZeroSecondTolerationDeletesDirectly",
        steps,
        &[],
    );
}

/// `TestPodEvictionRetryCancelledWhenTaintRemoved`: after the burst the node loses its taint;
/// the retry is dropped and there are still only 5 deletes.
#[test]
fn test_pod_eviction_retry_cancelled_when_taint_removed() {
    let steps = steps(
        deny("delete", 500, Some(5)),
        pod("pod1", "node1"),
        vec![
            json!({"wait-until": {"within": "1s", "checks": [check::at_least("delete", 5)]}}),
            step::update(node("node1", &[])),
            step::advance("10s"),
            step::now(vec![
                check::calls("delete", 5),
                check::present("pod1"),
                check::mark("node.retries.durable-dropped"),
            ]),
        ],
    );
    run("TestPodEvictionRetryCancelledWhenTaintRemoved", steps, &[]);
}

/// `TestPodEvictionRetryWithExpiredTolerationDeletesDirectly` (the PR's regression test for
/// #140639): pod1 tolerates the taint for 5 s; its timed eviction fails 5 times; the retry
/// deletes it without a fresh 5 s period and without a second `Marking` event.
#[test]
fn test_pod_eviction_retry_with_expired_toleration_deletes_directly() {
    let steps = steps(
        deny("delete", 500, Some(5)),
        with_toleration(pod("pod1", "node1"), 1, 5),
        vec![
            step::advance("4s"),
            step::now(vec![check::calls("delete", 0)]),
            step::eventually("2s", vec![check::absent("pod1")]),
            step::now(vec![check::calls("delete", 6)]),
            step::eventually(
                "1s",
                vec![json!({"events": {"reason": "TaintManagerEviction",
                    "message": "Marking for deletion Pod default/pod1", "objects": 1, "count": 1}})],
            ),
        ],
    );
    run(
        "TestPodEvictionRetryWithExpiredTolerationDeletesDirectly",
        steps,
        &[],
    );
}

/// `TestAddConditionAndDeletePodNotFoundIsSuccess`: a DELETE answered NotFound ends the work
/// as done: no retry, no metrics.
#[test]
fn test_add_condition_and_delete_pod_not_found_is_success() {
    let steps = steps(
        deny("delete", 404, None),
        pod("pod1", "node1"),
        vec![
            step::advance("10s"),
            step::now(vec![
                check::calls("delete", 1),
                json!({"metrics": {"pod-deletions-total": 0}}),
            ]),
        ],
    );
    run(
        "TestAddConditionAndDeletePodNotFoundIsSuccess",
        steps,
        &[STOPPED_ON_PURPOSE],
    );
}

/// `TestDeletePodHandlerStatusPatchError`, both subtests: a PATCH answered NotFound is success
/// without a delete; another error is retried, 5 patches in the burst and no delete.
#[test]
fn test_delete_pod_handler_status_patch_error() {
    let not_found = steps(
        deny("patch", 404, None),
        pod("pod1", "node1"),
        vec![
            step::advance("10s"),
            step::now(vec![check::calls("patch", 1), check::calls("delete", 0)]),
        ],
    );
    run("not found", not_found, &[STOPPED_ON_PURPOSE]);
    let other = steps(
        deny("patch", 500, Some(5)),
        pod("pod1", "node1"),
        vec![
            json!({"wait-until": {"within": "1s", "checks": [check::at_least("patch", 5)]}}),
            step::now(vec![check::calls("delete", 0)]),
            step::eventually("10s", vec![check::absent("pod1")]),
            step::now(vec![
                check::calls("patch", 6),
                check::mark("node.retries.durable-beyond-fixed"),
            ]),
        ],
    );
    run("other error", other, &[]);
}

/// `TestPodEvictionRetryRelinquishesObsoleteOwnership`, the cases that exist here: the pod
/// is gone, or it now tolerates the taint forever. (A pod cannot lose its node name, and
/// deletion is immediate, so no pod is ever terminating.)
#[test]
fn test_pod_eviction_retry_relinquishes_obsolete_ownership() {
    let burst =
        || json!({"wait-until": {"within": "1s", "checks": [check::at_least("delete", 5)]}});
    let gone = steps(
        deny("delete", 500, Some(5)),
        pod("pod1", "node1"),
        vec![
            burst(),
            step::delete_pod("pod1"),
            step::advance("10s"),
            // The 5 denied and the scenario's own.
            step::now(vec![
                check::calls("delete", 6),
                check::mark("node.retries.durable-dropped"),
            ]),
        ],
    );
    run("pod not found", gone, &[]);
    let forever = steps(
        deny("delete", 500, Some(5)),
        pod("pod1", "node1"),
        vec![
            burst(),
            step::update(with_toleration(pod("pod1", "node1"), 1, -1)),
            step::advance("10s"),
            step::now(vec![
                check::calls("delete", 5),
                check::present("pod1"),
                check::mark("node.retries.durable-dropped"),
            ]),
        ],
    );
    run("infinite toleration", forever, &[]);
}
