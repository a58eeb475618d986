//! The reference for DRA device taint eviction (KEP-5055, "DRA: device taints and
//! tolerations"): a scheduled pod must be evicted once a NoExecute taint on a device allocated
//! to one of its claims is no longer tolerated, and must not be evicted before.
//!
//! For one pod, from the API objects alone:
//! 1. a pod without `spec.nodeName` is never due;
//! 2. its claims are the ones its `spec.resourceClaims` name directly, and, for entries that
//!    name a template, the ones `status.resourceClaimStatuses` names for them, which must also
//!    be controlled by the pod (owner reference with `controller: true` and the pod's UID);
//! 3. a claim counts while it is allocated and its `status.reservedFor` lists the pod (a
//!    `pods` consumer with the pod's UID);
//! 4. the devices of a claim are its allocation results; their taints are those of the
//!    newest generation of their pool plus the DeviceTaintRules that select them
//!    ([`devices`]);
//! 5. each NoExecute taint is due when the result's tolerations let it be ([`toleration`]);
//!    the pod is due at the earliest of them all.
//!
//! Deliberate choices, so that an oracle sees where a controller departs from the documented
//! semantics rather than agreeing with it:
//! - tolerations are read from the allocation results, where the scheduler copies them
//!   (kubernetes/kubernetes#134434 was a scheduler that did not);
//! - a toleration with an empty effect counts, as `ToleratesTaint` says; the 1.33 controller
//!   counts only `NoExecute` ones;
//! - a world holding a NoExecute taint without `timeAdded` anywhere is not judged
//!   ([`Due::Unknown`] for every scheduled pod): the API server always sets it, and upstream's
//!   1.33 `claimEvictionTime` dereferences the missing time, which can stop the controller
//!   for every pod.

pub mod devices;
pub mod latest;
pub mod objects;
pub mod toleration;

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::Kind;
use taintsim_plugin::{Cluster, Due, DueView, Reference};

use devices::Devices;
use objects::{Claim, NO_EXECUTE, Rule, Slice};
use toleration::{earliest, taint_due};

/// Which controller generation's documented semantics a reference follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Release {
    /// The 1.33 era (resource.k8s.io v1beta1 and v1, v1alpha3 DeviceTaintRules).
    #[default]
    V1_33,
    /// The workqueue generation of 1.35 and later (taintsim's `controller: latest`): rules
    /// matched against allocation results, extended-resource claims, PodGroup reservations
    /// when `workload_resource_claims` is on, pods being deleted left unjudged ([`latest`]).
    Latest {
        /// Whether a claim reserved for the pod's PodGroup counts (the
        /// `DRAWorkloadResourceClaims` gate, the controller's `workload-resource-claims`).
        workload_resource_claims: bool,
    },
}

/// The device taint eviction reference; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceReference {
    release: Release,
}

impl DeviceReference {
    /// The reference for `release`.
    pub const fn new(release: Release) -> Self {
        Self { release }
    }

    /// The release it follows.
    pub const fn release(&self) -> Release {
        self.release
    }
}

impl Reference for DeviceReference {
    fn inputs(&self) -> &'static [Kind] {
        match self.release {
            Release::V1_33 | Release::Latest { .. } => &[
                Kind::ResourceClaim,
                Kind::ResourceSlice,
                Kind::DeviceTaintRule,
            ],
        }
    }

    fn view(&self, cluster: &dyn Cluster) -> Box<dyn DueView> {
        match self.release {
            Release::V1_33 => Box::new(DeviceView::read(cluster)),
            Release::Latest {
                workload_resource_claims,
            } => Box::new(latest::LatestView::read(cluster, workload_resource_claims)),
        }
    }
}

/// The cluster's devices and their taints, read once, for answering many pods.
#[derive(Debug, Clone)]
pub struct DeviceView {
    devices: Devices,
    /// Why the world is not judged, if it holds a NoExecute taint without `timeAdded`.
    unjudged: Option<String>,
}

impl DeviceView {
    /// Reads every slice and DeviceTaintRule of `cluster`.
    pub fn read(cluster: &dyn Cluster) -> Self {
        let mut rules: Vec<Rule> = cluster
            .list(Kind::DeviceTaintRule)
            .iter()
            .filter_map(Rule::read)
            .collect();
        rules.sort_by(|a, b| a.name.cmp(&b.name));
        let slices: Vec<Slice> = cluster
            .list(Kind::ResourceSlice)
            .iter()
            .filter_map(Slice::read)
            .collect();
        // The taints `with_rules` would give each device, read in place: copying every
        // slice for this question cost more than the rest of the view.
        let unjudged = slices.iter().find_map(|s| {
            s.devices.iter().find_map(|d| {
                let own = d.taints.iter().flatten();
                let from_rules = rules
                    .iter()
                    .filter(|r| d.taints.is_some() && r.taints(&s.driver, &s.pool, &d.name))
                    .map(|r| &r.taint);
                own.chain(from_rules)
                    .any(|t| t.effect == NO_EXECUTE && t.time_added.is_none())
                    .then(|| {
                        format!(
                            "device {}/{} has a NoExecute taint without timeAdded",
                            s.name, d.name
                        )
                    })
            })
        });
        Self {
            devices: Devices::index(&slices, &rules),
            unjudged,
        }
    }

    /// When `claim`'s devices evict its consumers.
    fn claim_due(&self, claim: &Claim) -> Due {
        claim
            .allocation
            .iter()
            .flatten()
            .flat_map(|a| {
                self.devices
                    .no_execute(&a.driver, &a.pool, &a.device)
                    .into_iter()
                    .map(|taint| taint_due(taint, &a.tolerations))
            })
            .fold(Due::Never, earliest)
    }
}

impl DueView for DeviceView {
    fn due(&self, cluster: &dyn Cluster, pod: &Pod) -> Due {
        let scheduled = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        if scheduled.is_none_or(str::is_empty) {
            return Due::Never;
        }
        if let Some(why) = &self.unjudged {
            return Due::Unknown(why.clone());
        }
        pod_claims(cluster, pod)
            .iter()
            .map(|c| self.claim_due(c))
            .fold(Due::Never, earliest)
    }
}

/// The claims that count for `pod` (steps 2 and 3 of the module docs).
fn pod_claims(cluster: &dyn Cluster, pod: &Pod) -> Vec<Claim> {
    let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
    let uid = pod.metadata.uid.as_deref().unwrap_or_default();
    let statuses = pod
        .status
        .iter()
        .flat_map(|s| s.resource_claim_statuses.iter().flatten());
    let entries = pod
        .spec
        .iter()
        .flat_map(|s| s.resource_claims.iter().flatten());
    entries
        .filter_map(|entry| {
            if let Some(name) = &entry.resource_claim_name {
                return Some((name.clone(), false));
            }
            entry.resource_claim_template_name.as_ref()?;
            let name = statuses
                .clone()
                .find(|s| s.name == entry.name)?
                .resource_claim_name
                .clone()?;
            Some((name, true))
        })
        .filter_map(|(name, from_template)| {
            let claim = Claim::read(&cluster.get(Kind::ResourceClaim, namespace, &name)?)?;
            let owned = claim.controller_uid.as_deref() == Some(uid);
            let reserved = claim
                .reserved_for
                .iter()
                .any(|c| c.is_pod() && c.uid == uid);
            (claim.allocation.is_some() && (owned || !from_template) && reserved).then_some(claim)
        })
        .collect()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_latest;
