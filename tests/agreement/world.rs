//! Generated worlds for the reference agreement tests: the initial objects of a
//! taintsim-generate case and every state its actor's writes go through afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;
use taintsim::api::{ApiServer, ApiServerConfig, Kind, Object, Preconditions};
use taintsim::plugin::Cluster;
use taintsim_generate::{Case, to_scenario};
use taintsim_scenario::format::{ActorStep, Check, WorldSettings};

/// One state of a generated world: every object, by kind.
#[derive(Clone)]
pub struct World(pub Vec<Object>);

impl Cluster for World {
    fn list(&self, kind: Kind) -> Vec<Object> {
        self.0
            .iter()
            .filter(|o| o.kind() == kind)
            .cloned()
            .collect()
    }

    fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<Object> {
        self.0
            .iter()
            .find(|o| o.kind() == kind && o.namespace() == namespace && o.name() == name)
            .cloned()
    }
}

impl World {
    pub fn pods(&self) -> Vec<Pod> {
        self.0
            .iter()
            .filter_map(|o| match o {
                Object::Pod(p) => Some(Pod::clone(p)),
                _ => None,
            })
            .collect()
    }

    /// The world with every toleration that has no effect removed from the allocation results.
    pub fn without_empty_effect_tolerations(&self) -> World {
        let strip = |o: &Object| {
            if o.kind() != Kind::ResourceClaim {
                return o.clone();
            }
            let mut v = o.to_value();
            if let Some(results) = v
                .pointer_mut("/status/allocation/devices/results")
                .and_then(Value::as_array_mut)
            {
                for r in results {
                    if let Some(ts) = r.get_mut("tolerations").and_then(Value::as_array_mut) {
                        ts.retain(|t| t["effect"].as_str().is_some_and(|e| !e.is_empty()));
                    }
                }
            }
            Object::from_value(v).unwrap_or_else(|e| panic!("a stripped claim: {e}"))
        };
        World(self.0.iter().map(strip).collect())
    }

    /// Whether a slice or rule holds a NoExecute taint without `timeAdded`.
    pub fn has_taint_without_time(&self) -> bool {
        let untimed = |t: &Value| t["effect"] == "NoExecute" && t.get("timeAdded").is_none();
        self.0.iter().any(|o| {
            let v = o.to_value();
            match o.kind() {
                Kind::DeviceTaintRule => untimed(&v["spec"]["taint"]),
                Kind::ResourceSlice => v["spec"]["devices"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|d| {
                        let taints = d.pointer("/basic/taints").or_else(|| d.get("taints"));
                        taints
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default()
                    })
                    .any(|t| untimed(&t)),
                _ => false,
            }
        })
    }
}

/// The initial state of `case` and every state after one of its actor's writes. With
/// `default_time` off the server leaves a missing `timeAdded` unset.
pub fn worlds(case: &Case, default_time: bool) -> Vec<World> {
    let scenario = to_scenario(case);
    let start: Timestamp = WorldSettings::default()
        .start_time
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let ms = Arc::new(AtomicI64::new(0));
    let clock = ms.clone();
    let server = ApiServer::with_clock(
        Arc::new(move || start + SignedDuration::from_millis(clock.load(Ordering::SeqCst))),
        ApiServerConfig {
            default_taint_time_added: default_time,
            ..ApiServerConfig::default()
        },
    );
    let snapshot =
        |server: &ApiServer| World(Kind::ALL.iter().flat_map(|k| server.peek_all(*k)).collect());
    for o in &scenario.objects {
        let _ = server.create(o.0.clone());
    }
    let mut out = vec![snapshot(&server)];
    for step in &scenario.steps {
        let wrote = match step {
            ActorStep::Create(o) => server.create(o.0.clone()).is_ok(),
            ActorStep::Update(o) => server.update(o.0.clone()).is_ok(),
            ActorStep::UpdateStatus(o) => server.update_status(o.0.clone()).is_ok(),
            ActorStep::Delete(r) => {
                let namespace = r.namespace.as_deref().unwrap_or_default();
                let pre = Preconditions::default();
                server
                    .delete(r.kind.into(), namespace, &r.name, &pre)
                    .is_ok()
            }
            ActorStep::Advance(d) => {
                let d = i64::try_from(d.0.as_millis()).unwrap_or(i64::MAX);
                ms.fetch_add(d, Ordering::SeqCst);
                false
            }
            // The scenario waits for the controller to delete the pod; do it here.
            ActorStep::WaitUntil(e) => e.checks.iter().any(|c| match c {
                Check::PodAbsent(key) => key.split_once('/').is_some_and(|(ns, name)| {
                    let pre = Preconditions::default();
                    server.delete(Kind::Pod, ns, name, &pre).is_ok()
                }),
                _ => false,
            }),
            _ => false,
        };
        if wrote {
            out.push(snapshot(&server));
        }
    }
    out
}
