//! Upstream's `pkg/controller/tainteviction/taint_eviction_test.go`, case by case, on the
//! simulator (latest code: queue v4). Each case runs on 200 random schedules. The cases keep
//! upstream's names; `docs/node-controller-tests.md` lists what was ported and how, and what
//! was not. `TestGetMinTolerationTime`, `TestFilterNoExecuteTaints` and `TestPodDeletionEvent`
//! are unit tests next to the code (`src/taints.rs`, `src/events.rs`).

mod support;

use serde_json::Value;
use support::{
    check, node, passes, patched_and_deleted, pod, scenario, scenario_exempt, step, toleration,
    untouched, with_toleration, with_tolerations,
};

/// The case's steps after the objects exist and the controller has synced and settled.
fn synced(mut then: Vec<Value>) -> Vec<Value> {
    let mut steps = vec![step::sync(), step::advance("1s")];
    steps.append(&mut then);
    steps
}

/// `TestCreatePod`: `taintedNodes` as given (here: node1 with those taints, already seen by
/// the controller), then `PodUpdated(nil, pod)`.
#[test]
fn test_create_pod() {
    let tainted = node("node1", &[1]);
    let cases: Vec<(&str, Value, Value, bool)> = vec![
        (
            "not scheduled - ignore",
            pod("pod1", ""),
            node("node1", &[]),
            false,
        ),
        (
            "scheduled on untainted Node",
            pod("pod1", "node1"),
            node("node1", &[]),
            false,
        ),
        (
            "schedule on tainted Node",
            pod("pod1", "node1"),
            tainted.clone(),
            true,
        ),
        (
            "schedule on tainted Node with finite toleration",
            with_toleration(pod("pod1", "node1"), 1, 100),
            tainted.clone(),
            false,
        ),
        (
            "schedule on tainted Node with zero-second toleration",
            with_toleration(pod("pod1", "node1"), 1, 0),
            tainted.clone(),
            true,
        ),
        (
            "schedule on tainted Node with infinite toleration",
            with_toleration(pod("pod1", "node1"), 1, -1),
            tainted.clone(),
            false,
        ),
        (
            "schedule on tainted Node with infinite invalid toleration",
            with_toleration(pod("pod1", "node1"), 2, -1),
            tainted,
            true,
        ),
    ];
    for (name, pod, node, evicted) in cases {
        let mut steps = synced(vec![step::create(pod)]);
        if evicted {
            steps.push(patched_and_deleted("pod1", "1s"));
        } else {
            steps.extend(untouched("pod1", "1s"));
        }
        passes(&scenario(name, &[], vec![node], steps));
    }
}

/// `TestDeletePod`: a pod deletion noticed for a pod nobody scheduled work for. Upstream
/// asserts only that nothing panics; here also that no pod was touched.
#[test]
fn test_delete_pod() {
    let steps = synced(vec![
        step::create(with_toleration(pod("pod1", "node1"), 1, -1)),
        step::advance("1s"),
        step::delete_pod("pod1"),
        step::advance("1s"),
        step::now(vec![
            check::mark("node.pod-update.noticed-deletion"),
            check::calls("patch", 0),
            // The scenario's own DELETE; the server counts every caller's calls.
            check::calls("delete", 1),
        ]),
    ]);
    passes(&scenario(
        "TestDeletePod",
        &[],
        vec![node("node1", &[1])],
        steps,
    ));
}

/// `TestUpdatePod`: `PodUpdated(prevPod, newPod)` on node1 tainted with taint 1, after waiting
/// for the eviction of prevPod to be scheduled where upstream does.
#[test]
fn test_update_pod() {
    let unscheduled = pod("pod1", "");
    let scheduled = pod("pod1", "node1");
    let cases: Vec<(&str, Value, Value, bool, bool)> = vec![
        (
            "scheduling onto tainted Node",
            unscheduled.clone(),
            scheduled.clone(),
            false,
            true,
        ),
        (
            "scheduling onto tainted Node with toleration",
            with_toleration(unscheduled, 1, -1),
            with_toleration(scheduled.clone(), 1, -1),
            false,
            false,
        ),
        (
            "removing toleration",
            with_toleration(scheduled.clone(), 1, 100),
            scheduled.clone(),
            true,
            true,
        ),
        (
            "lengthening toleration shouldn't work",
            with_toleration(scheduled.clone(), 1, 1),
            with_toleration(scheduled, 1, 100),
            true,
            true,
        ),
    ];
    for (name, prev, new, await_eviction, evicted) in cases {
        let lengthening = name.starts_with("lengthening");
        let mut steps = synced(vec![step::create(prev)]);
        if await_eviction {
            // Upstream polls until the worker exists; the handlers take no virtual time.
            steps.push(step::advance("100ms"));
        }
        steps.push(step::update(new));
        if evicted {
            steps.push(patched_and_deleted("pod1", "5s"));
        } else {
            steps.extend(untouched("pod1", "1s"));
        }
        if name == "removing toleration" {
            steps.push(step::eventually(
                "1s",
                vec![check::events("Cancelling deletion of Pod default/pod1", 1)],
            ));
        }
        let exempt: &[(&str, &str)] = if lengthening {
            &[(
                "no-early-eviction",
                "upstream keeps the earlier timer on purpose (this case); the reference judges by the pod's current 100 s toleration",
            )]
        } else {
            &[]
        };
        passes(&scenario_exempt(
            name,
            &[],
            vec![node("node1", &[1])],
            steps,
            exempt,
        ));
    }
}

/// `TestCreateNode`: pod1 is on node1 before the node exists; `NodeUpdated(nil, node)`.
#[test]
fn test_create_node() {
    let cases: Vec<(&str, Value, Value, bool)> = vec![
        (
            "Creating Node matching already assigned Pod",
            pod("pod1", "node1"),
            node("node1", &[]),
            false,
        ),
        (
            "Creating tainted Node matching already assigned Pod",
            pod("pod1", "node1"),
            node("node1", &[1]),
            true,
        ),
        (
            "Creating tainted Node matching already assigned tolerating Pod",
            with_toleration(pod("pod1", "node1"), 1, -1),
            node("node1", &[1]),
            false,
        ),
    ];
    for (name, pod, node, evicted) in cases {
        let mut steps = synced(vec![step::create(node)]);
        if evicted {
            steps.push(patched_and_deleted("pod1", "1s"));
        } else {
            steps.extend(untouched("pod1", "1s"));
        }
        passes(&scenario(name, &[], vec![pod], steps));
    }
}

/// `TestDeleteNode`: after `NodeUpdated(node, nil)` the node is gone from `taintedNodes`.
/// Upstream reads the map; here a non-tolerating pod bound to node1 afterwards is left alone,
/// which it would not be if the node's taint were still known.
#[test]
fn test_delete_node() {
    let steps = synced(vec![
        step::delete_node("node1"),
        step::advance("1s"),
        step::create(pod("pod1", "node1")),
        step::advance("1s"),
        step::now(vec![
            check::mark("node.node-update.noticed-deletion"),
            check::calls("patch", 0),
            check::calls("delete", 0),
            check::present("pod1"),
        ]),
    ]);
    passes(&scenario(
        "TestDeleteNode",
        &[],
        vec![node("node1", &[1])],
        steps,
    ));
}

/// `TestUpdateNode`: `NodeUpdated(oldNode, newNode)` with pods already on node1.
#[test]
fn test_update_node() {
    let two_tolerations = with_tolerations(
        pod("pod1", "node1"),
        vec![toleration(1, 1), toleration(2, 100)],
    );
    let cases: Vec<(&str, Value, Value, Value, Option<&str>)> = vec![
        (
            "Added taint, expect node patched and deleted",
            pod("pod1", "node1"),
            node("node1", &[]),
            node("node1", &[1]),
            Some("1s"),
        ),
        (
            "Added tolerated taint",
            with_toleration(pod("pod1", "node1"), 1, 100),
            node("node1", &[]),
            node("node1", &[1]),
            None,
        ),
        (
            "Only one added taint tolerated",
            with_toleration(pod("pod1", "node1"), 1, 100),
            node("node1", &[]),
            node("node1", &[1, 2]),
            Some("1s"),
        ),
        (
            "Taint removed",
            with_toleration(pod("pod1", "node1"), 1, 1),
            node("node1", &[1]),
            node("node1", &[]),
            None,
        ),
        (
            "Pod with multiple tolerations are evicted when first one runs out",
            two_tolerations,
            node("node1", &[]),
            node("node1", &[1, 2]),
            Some("5s"),
        ),
    ];
    for (name, pod, old, new, evicted_within) in cases {
        // "Taint removed": upstream's controller never saw the tainted node; here it did and
        // scheduled the eviction 1 s out, and the removal 500 ms later must cancel it.
        let settle = if name == "Taint removed" {
            "500ms"
        } else {
            "1s"
        };
        let mut steps = vec![step::sync(), step::advance(settle), step::update(new)];
        match evicted_within {
            Some(within) => steps.push(patched_and_deleted("pod1", within)),
            None => steps.extend(untouched("pod1", "1500ms")),
        }
        passes(&scenario(name, &[], vec![old, pod], steps));
    }
}

/// `TestUpdateNodeWithMultipleTaints`: pod1 tolerates taint 1 forever and taint 2 for 60 s;
/// node1 goes untainted, taint 1, taints 1 and 2, taint 1. Upstream inspects the queue
/// after each `handleNodeUpdate`; here the events and marks show it.
#[test]
fn test_update_node_with_multiple_taints() {
    let exists = |i: usize, seconds: i64| {
        let mut t = toleration(i, seconds);
        t["operator"] = "Exists".into();
        t.as_object_mut().map(|o| o.remove("value"));
        t
    };
    let pod1 = with_tolerations(pod("pod1", "node1"), vec![exists(1, -1), exists(2, 60)]);
    let no_event = |message: &str| check::events(message, 0);
    let steps = synced(vec![
        step::update(node("node1", &[1])),
        step::advance("1s"),
        // "pod queued for deletion with permanently tolerated taint"
        step::now(vec![no_event("Marking for deletion Pod default/pod1")]),
        step::update(node("node1", &[1, 2])),
        step::advance("1s"),
        // "pod queued for deletion after removal of temporarily tolerated taint"
        step::update(node("node1", &[1])),
        step::advance("1s"),
        step::now(vec![
            check::mark("node.process.tolerated-forever-cancel"),
            check::events("Cancelling deletion of Pod default/pod1", 1),
        ]),
        step::advance("120s"),
        // "Unexpected deletion"
        step::now(vec![check::calls("delete", 0), check::present("pod1")]),
    ]);
    passes(&scenario(
        "TestUpdateNodeWithMultipleTaints",
        &[],
        vec![node("node1", &[]), pod1],
        steps,
    ));
}

/// `TestUpdateNodeWithMultiplePods`: pod1 (no toleration), pod2 (taint 1 for 1 s), pod3 (taint
/// 1 forever) on node1, which becomes tainted; deletions grouped by time.
#[test]
fn test_update_node_with_multiple_pods() {
    let pods = vec![
        pod("pod1", "node1"),
        with_toleration(pod("pod2", "node1"), 1, 1),
        with_toleration(pod("pod3", "node1"), 1, -1),
    ];
    let different_times = synced(vec![
        step::update(node("node1", &[1])),
        step::advance("500ms"),
        step::now(vec![
            check::absent("pod1"),
            check::present("pod2"),
            check::present("pod3"),
        ]),
        step::advance("1s"),
        step::now(vec![check::absent("pod2"), check::present("pod3")]),
    ]);
    passes(&scenario(
        "Pods with different toleration times are evicted appropriately",
        &[],
        [vec![node("node1", &[])], pods.clone()].concat(),
        different_times,
    ));
    let all_at_once = synced(vec![
        step::update(node("node1", &[1, 2])),
        step::advance("500ms"),
        step::now(vec![
            check::absent("pod1"),
            check::absent("pod2"),
            check::absent("pod3"),
        ]),
    ]);
    passes(&scenario(
        "Evict all pods not matching all taints instantly",
        &[],
        [vec![node("node1", &[])], pods].concat(),
        all_at_once,
    ));
}

/// `TestEventualConsistency`: node1 becomes tainted, pod1 is evicted; then pod2 reaches the
/// tainted node. Upstream asserts nothing about pod2 (it is not even in its fake clientset);
/// here its stated intent ("We should delete it as well") is checked: pod2 is evicted, at
/// once or when its toleration runs out.
#[test]
fn test_eventual_consistency() {
    let cases: Vec<(&str, Option<Value>, Value, &str)> = vec![
        (
            "existing pod2 scheduled onto tainted Node",
            Some(pod("pod2", "")),
            pod("pod2", "node1"),
            "1s",
        ),
        (
            "existing pod2 with taint toleration scheduled onto tainted Node",
            Some(with_toleration(pod("pod2", ""), 1, 100)),
            with_toleration(pod("pod2", "node1"), 1, 100),
            "101s",
        ),
        (
            "new pod2 created on tainted Node",
            None,
            pod("pod2", "node1"),
            "1s",
        ),
        (
            "new pod2 with tait toleration created on tainted Node",
            None,
            with_toleration(pod("pod2", "node1"), 1, 100),
            "101s",
        ),
    ];
    for (name, prev, new, within) in cases {
        let mut objects = vec![node("node1", &[]), pod("pod1", "node1")];
        let existing = prev.is_some();
        objects.extend(prev);
        let mut steps = synced(vec![
            step::update(node("node1", &[1])),
            patched_and_deleted("pod1", "1s"),
        ]);
        steps.push(if existing {
            step::update(new)
        } else {
            step::create(new)
        });
        steps.push(step::eventually(within, vec![check::absent("pod2")]));
        passes(&scenario(name, &[], objects, steps));
    }
}
