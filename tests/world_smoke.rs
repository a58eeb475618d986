//! The assembled world evicts the upstream TestEviction/initial pod.

use serde_json::json;
use taintsim_api::{Kind, Object};
use taintsim_sim::SimConfig;
use taintsim_world::World;

fn objects() -> Vec<Object> {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "my-pod", "namespace": "default", "uid": "1234"},
        "spec": {"nodeName": "worker", "containers": [{"name": "c", "image": "i"}], "resourceClaims": [{"name": "my-resource", "resourceClaimName": "my-pod-my-resource"}]}});
    let claim = json!({"apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceClaim",
        "metadata": {"name": "my-pod-my-resource", "namespace": "default", "uid": "claim-uid",
            "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "my-pod", "uid": "1234", "controller": true}]},
        "spec": {"devices": {"requests": [{"name": "req-1", "deviceClassName": "my-resource-class"}]}},
        "status": {"allocation": {"devices": {"results": [{"request": "req-1", "driver": "some-driver", "pool": "worker", "device": "instance"}]}},
            "reservedFor": [{"resource": "pods", "name": "my-pod", "uid": "1234"}]}});
    let slice = json!({"apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceSlice", "metadata": {"name": "worker-some-driver"},
        "spec": {"driver": "some-driver", "nodeName": "worker", "pool": {"name": "worker", "generation": 1, "resourceSliceCount": 1},
            "devices": [{"name": "instance", "basic": {"taints": [{"key": "example.com/taint", "value": "something", "effect": "NoExecute", "timeAdded": "2025-03-20T11:00:00Z"}]}}]}});
    [pod, claim, slice]
        .into_iter()
        .map(|v| Object::from_value(v).expect("fixture parses"))
        .collect()
}

#[test]
fn world_should_evict_the_initial_pod() {
    for seed in 0..20 {
        let mut world = World::builder(&taintsim::controllers())
            .objects(objects())
            .sim_config(SimConfig::default().seed(seed))
            .build()
            .expect("world builds");
        let report = world.run();
        assert!(
            report.outcome.is_quiescent(),
            "seed {seed}: {:?}",
            report.outcome
        );
        assert!(
            world.server.peek(Kind::Pod, "default", "my-pod").is_none(),
            "seed {seed}: pod deleted\n{}",
            report.trace.to_text()
        );
        let events = world.server.peek_all(Kind::Event);
        assert_eq!(events.len(), 1, "seed {seed}: {events:?}");
        assert_eq!(world.metrics.snapshot().pod_deletions_total, 1);
        if seed == 0 {
            println!("{}", report.trace.to_text());
        }
    }
}

/// The footprint check (debug builds): with a footprint entry removed on purpose from every
/// step label (the handlers' `queue` and the queue steps' `queue/<key>`), the run ends at the
/// first step that touches the queue, named with its label and the undeclared access, e.g.
/// ``step 6 `pod-handler: deliver Add default/my-pod rv=1` accessed `queue/default/my-pod` but
/// declared [controller, events, notify/pod-handler]``.
#[cfg(debug_assertions)]
#[test]
fn a_removed_footprint_entry_should_be_caught_naming_the_step_and_the_access() {
    use taintsim_sim::Outcome;
    for seed in 0..20 {
        let config = SimConfig::default()
            .seed(seed)
            .without_touch("queue")
            .without_touch("queue/default/my-pod");
        let mut world = World::builder(&taintsim::controllers())
            .objects(objects())
            .sim_config(config)
            .build()
            .expect("world builds");
        let report = world.run();
        let Outcome::Footprint(f) = &report.outcome else {
            panic!("seed {seed}: {:?}", report.outcome);
        };
        assert_eq!(f.undeclared, ["queue/default/my-pod"], "seed {seed}: {f}");
        let entry = &report.trace.entries[report.trace.len() - 1];
        assert_eq!(
            (entry.step, entry.actor.as_str(), &entry.action),
            (f.step, f.actor.as_str(), &f.action)
        );
        assert_eq!(entry.touches, f.declared);
        assert!(
            f.to_string().starts_with(&format!(
                "step {} `{}: {}` accessed `queue/default/my-pod` but declared [",
                f.step, f.actor, f.action
            )),
            "{f}"
        );
    }
}

/// A dropped world frees what it made: nothing keeps the oracles' log alive, which the
/// request observer, the observed client and the observed recorder all hold (the API server
/// no longer holds a rule that holds the server).
#[test]
fn a_dropped_world_should_free_its_parts() {
    let mut world = World::builder(&taintsim::controllers())
        .objects(objects())
        .build()
        .expect("world builds");
    let report = world.run();
    assert!(report.outcome.is_quiescent(), "{:?}", report.outcome);
    let log = world.log.clone();
    assert!(std::sync::Arc::strong_count(&log) > 2);
    drop(world);
    assert_eq!(std::sync::Arc::strong_count(&log), 1);
}
