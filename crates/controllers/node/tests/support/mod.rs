//! Fixtures of upstream's `taint_eviction_test.go` (`testutil.NewPod`, `testutil.NewNode`,
//! `createNoExecuteTaint`, `addToleration`, `addTaintsToNode`) as scenario JSON, and a runner
//! that checks a scenario on many random schedules of the simulator.
//!
//! Upstream's tests write the listers' caches and call `PodUpdated`/`NodeUpdated` by hand;
//! here the objects go through the simulated API server and informers, and every schedule of
//! the informers, dispatchers, workers and event sink is fair game. Upstream's "the fake
//! clientset saw a patch and a delete within 5 s" becomes `api-calls` checks within a bound;
//! "nothing happened" (checked by upstream after about 10 ms) is checked after a settle of at
//! least a second of virtual time.

#![allow(dead_code)]

use std::path::Path;

use serde_json::{Value, json};
use taintsim_check::{ExploreOptions, explore};
use taintsim_controller_node::NodeTaintEviction;
use taintsim_plugin::Registry;
use taintsim_scenario::format::{Scenario, SeedRange, StrategyName};
use taintsim_scenario::load::parse;

/// Random schedules per upstream case.
pub const SEEDS: u64 = 200;

/// A registry with the node controller only.
pub fn registry() -> Registry {
    Registry::new().with(NodeTaintEviction)
}

/// `createNoExecuteTaint(i)` without `TimeAdded` (the server stamps it when the node is
/// written).
pub fn taint(i: usize) -> Value {
    json!({"key": format!("testTaint{i}"), "value": format!("test{i}"), "effect": "NoExecute"})
}

/// `testutil.NewNode(name)` with `addTaintsToNode(node, ..., indices)`.
pub fn node(name: &str, taints: &[usize]) -> Value {
    let taints: Vec<Value> = taints.iter().map(|i| taint(*i)).collect();
    json!({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
        "spec": {"taints": taints},
        "status": {"capacity": {"cpu": "10", "memory": "10G"}}
    })
}

/// `testutil.NewPod(name, node)`: namespace `default`, condition Ready.
pub fn pod(name: &str, node: &str) -> Value {
    let mut spec = json!({"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]});
    if !node.is_empty() {
        spec["nodeName"] = json!(node);
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}
    })
}

/// A toleration of `createNoExecuteTaint(i)`: operator empty (Equal), tolerating for
/// `seconds`, or forever if negative (as in `addToleration`).
pub fn toleration(i: usize, seconds: i64) -> Value {
    let mut t =
        json!({"key": format!("testTaint{i}"), "value": format!("test{i}"), "effect": "NoExecute"});
    if seconds >= 0 {
        t["tolerationSeconds"] = json!(seconds);
    }
    t
}

/// `addToleration(pod, i, seconds)`: replaces the pod's tolerations with one.
pub fn with_toleration(mut pod: Value, i: usize, seconds: i64) -> Value {
    pod["spec"]["tolerations"] = json!([toleration(i, seconds)]);
    pod
}

/// The pod with these tolerations instead of its own.
pub fn with_tolerations(mut pod: Value, tolerations: Vec<Value>) -> Value {
    pod["spec"]["tolerations"] = Value::Array(tolerations);
    pod
}

/// Scenario steps.
pub mod step {
    use serde_json::{Value, json};

    /// `wait-for-sync`.
    pub fn sync() -> Value {
        json!("wait-for-sync")
    }
    /// `advance`.
    pub fn advance(d: &str) -> Value {
        json!({"advance": d})
    }
    /// `create`.
    pub fn create(o: Value) -> Value {
        json!({"create": o})
    }
    /// `update`.
    pub fn update(o: Value) -> Value {
        json!({"update": o})
    }
    /// `delete` a pod in `default`.
    pub fn delete_pod(name: &str) -> Value {
        json!({"delete": {"kind": "Pod", "namespace": "default", "name": name}})
    }
    /// `delete` a node.
    pub fn delete_node(name: &str) -> Value {
        json!({"delete": {"kind": "Node", "name": name}})
    }
    /// `assert-now`.
    pub fn now(checks: Vec<Value>) -> Value {
        json!({"assert-now": checks})
    }
    /// `assert-eventually`.
    pub fn eventually(within: &str, checks: Vec<Value>) -> Value {
        json!({"assert-eventually": {"within": within, "checks": checks}})
    }
}

/// Scenario checks.
pub mod check {
    use serde_json::{Value, json};

    /// `api-calls` with an exact count.
    pub fn calls(verb: &str, n: u64) -> Value {
        json!({"api-calls": {"verb": verb, "kind": "Pod", "count": n}})
    }
    /// `api-calls` with a lower bound.
    pub fn at_least(verb: &str, n: u64) -> Value {
        json!({"api-calls": {"verb": verb, "kind": "Pod", "at-least": n}})
    }
    /// `pod-absent default/<name>`.
    pub fn absent(name: &str) -> Value {
        json!({"pod-absent": format!("default/{name}")})
    }
    /// `pod-present default/<name>`.
    pub fn present(name: &str) -> Value {
        json!({"pod-present": format!("default/{name}")})
    }
    /// `mark`.
    pub fn mark(name: &str) -> Value {
        json!({"mark": name})
    }
    /// Exactly `objects` Event objects with this message about `default/<pod>`.
    pub fn events(message: &str, objects: usize) -> Value {
        json!({"events": {"reason": "TaintManagerEviction", "message": message, "objects": objects}})
    }
}

/// Upstream's `verifyPodActions(expectPatch=true, expectDelete=true)`: the pod was patched and
/// deleted within `within`.
pub fn patched_and_deleted(name: &str, within: &str) -> Value {
    step::eventually(
        within,
        vec![
            check::at_least("patch", 1),
            check::at_least("delete", 1),
            check::absent(name),
        ],
    )
}

/// Upstream's `verifyPodActions(false, false)`, after `settle` of virtual time.
pub fn untouched(name: &str, settle: &str) -> Vec<Value> {
    vec![
        step::advance(settle),
        step::now(vec![
            check::calls("patch", 0),
            check::calls("delete", 0),
            check::present(name),
        ]),
    ]
}

/// A scenario for the node controller with `behavior` keys, `objects` and `steps`.
pub fn scenario(
    name: &str,
    behavior: &[(&str, &str)],
    objects: Vec<Value>,
    steps: Vec<Value>,
) -> Scenario {
    scenario_exempt(name, behavior, objects, steps, &[])
}

/// [`scenario`] with oracles switched off, each with a reason.
pub fn scenario_exempt(
    name: &str,
    behavior: &[(&str, &str)],
    objects: Vec<Value>,
    steps: Vec<Value>,
    exempt: &[(&str, &str)],
) -> Scenario {
    let mut keys = serde_json::Map::new();
    keys.insert("controller".into(), json!("node-taint-eviction"));
    for (k, v) in behavior {
        keys.insert((*k).into(), json!(v));
    }
    let exempt: Vec<Value> = exempt
        .iter()
        .map(|(oracle, reason)| json!({"oracle": oracle, "reason": reason}))
        .collect();
    // Upstream's tests run on client-go's fake clientset, which stores what it is given (for
    // example a pod update that sets spec.nodeName), so the ports do not validate either.
    let text = json!({
        "version": 1, "name": name, "behavior": keys, "world": {"validation": "off"},
        "objects": objects, "steps": steps, "exempt": exempt
    })
    .to_string();
    parse(&text, Path::new(name), &registry())
        .unwrap_or_else(|e| panic!("{name}: the test scenario does not load: {e}"))
}

/// Runs `scenario` on seeds `0..SEEDS` and fails with the first failing schedule's trace.
pub fn passes(scenario: &Scenario) {
    let options = ExploreOptions {
        strategy: StrategyName::Random,
        seeds: SeedRange {
            start: 0,
            end: SEEDS,
        },
        depth: 3,
        stop_on_failure: true,
        max_steps: 20_000,
    };
    let summary = explore(scenario, &options, &mut |_| {}).expect("the scenario runs");
    if let Some(f) = &summary.first_failure {
        panic!(
            "{}: seed {} failed: {}\n{}",
            scenario.name,
            f.seed,
            f.result.observed.message(),
            f.result.report.trace.to_text()
        );
    }
    assert_eq!(summary.schedules, SEEDS, "{}", scenario.name);
}
