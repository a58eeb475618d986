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
