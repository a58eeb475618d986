//! The reference answer to "when must this pod be evicted?", computed from what the API server
//! holds right now, independently of what the controller has seen.
//!
//! Interim: this model still reuses the controller's own eviction-time, pool and rule code.
//!
//! It follows the documented semantics of device taints and tolerations (spec §1.1, §2.6,
//! §2.7), not the controller's internal state: the claims that really are allocated and
//! reserved for the pod, the taints that really are on their devices (slices at the pool's
//! highest generation, with DeviceTaintRules applied), and every matching toleration,
//! including one with an empty effect. That last point is on purpose: upstream's
//! "NoExecute only" quirk (spec §6 entry 20) is a divergence the oracle should see.

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::Kind;
use taintsim_plugin::{Cluster, Due, DueView, Reference};
use taintsim_seam::runtime::Timestamp;

use super::handlers::{claim_of, rule_of, slice_of};
use crate::behavior::{Behavior, TolerationEffect};
use crate::eviction_time::claim_eviction_time;
use crate::model::{Slice, TaintRule, pod_node_name, pod_uid};
use crate::pools::Pools;
use crate::slice_tracker::apply_rules;

/// The device reference model.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceReference;

impl Reference for DeviceReference {
    fn inputs(&self) -> &'static [Kind] {
        &[
            Kind::ResourceClaim,
            Kind::ResourceSlice,
            Kind::DeviceTaintRule,
        ]
    }

    fn view(&self, cluster: &dyn Cluster) -> Box<dyn DueView> {
        Box::new(DeviceView::read(cluster))
    }
}

/// Taints and rules as they are on the server now, ready for eviction-time lookups.
pub struct DeviceView {
    pools: Pools,
    missing_time: Option<String>,
}

impl DeviceView {
    /// Reads every slice and rule from `cluster`.
    pub fn read(cluster: &dyn Cluster) -> Self {
        let rules: Vec<TaintRule> = cluster
            .list(Kind::DeviceTaintRule)
            .iter()
            .filter_map(rule_of)
            .collect();
        let slices: Vec<Slice> = cluster
            .list(Kind::ResourceSlice)
            .iter()
            .filter_map(slice_of)
            .map(|s| apply_rules(&s, &rules))
            .collect();
        let missing_time = slices.iter().find_map(|s| {
            s.devices.iter().find_map(|d| {
                d.taints
                    .iter()
                    .flatten()
                    .any(|t| t.time_added.is_none() && t.effect == "NoExecute")
                    .then(|| {
                        format!(
                            "device {}/{} has a NoExecute taint without timeAdded",
                            s.name, d.name
                        )
                    })
            })
        });
        Self {
            pools: Pools::from_slices(&slices),
            missing_time,
        }
    }
}

impl DueView for DeviceView {
    fn due(&self, cluster: &dyn Cluster, pod: &Pod) -> Due {
        if pod_node_name(pod).is_empty() {
            return Due::Never;
        }
        if let Some(why) = &self.missing_time {
            return Due::Unknown(why.clone());
        }
        let reference = Behavior {
            toleration_effect: TolerationEffect::Any,
            ..Behavior::default()
        };
        let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
        let uid = pod_uid(pod);
        let mut earliest: Option<Timestamp> = None;
        for entry in pod
            .spec
            .iter()
            .flat_map(|s| s.resource_claims.iter().flatten())
        {
            let (name, owned) = match (
                &entry.resource_claim_name,
                &entry.resource_claim_template_name,
            ) {
                (Some(name), _) => (name.clone(), false),
                (None, Some(_)) => {
                    let status = pod
                        .status
                        .iter()
                        .flat_map(|s| s.resource_claim_statuses.iter().flatten())
                        .find(|s| s.name == entry.name);
                    match status.and_then(|s| s.resource_claim_name.clone()) {
                        Some(name) => (name, true),
                        None => continue,
                    }
                }
                (None, None) => continue,
            };
            let Some(claim) = cluster
                .get(Kind::ResourceClaim, namespace, &name)
                .and_then(|o| claim_of(&o))
            else {
                continue;
            };
            let Some(allocation) = &claim.allocation else {
                continue;
            };
            if owned && claim.controller_owner().is_none_or(|o| o.uid != uid) {
                continue;
            }
            if !claim
                .reserved_for
                .iter()
                .any(|c| c.is_pod() && c.uid == uid)
            {
                continue;
            }
            if let Some(t) = claim_eviction_time(allocation, &self.pools, &reference) {
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
        }
        earliest.map_or(Due::Never, Due::At)
    }
}
