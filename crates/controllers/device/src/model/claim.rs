//! ResourceClaims: the allocation (immutable once set) and the consumers.

use k8s_openapi::api::resource::{v1, v1beta1};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::{Toleration, optional};

/// One `metadata.ownerReferences` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct OwnerRef {
    /// `apiVersion`.
    pub api_version: SmolStr,
    /// `kind`.
    pub kind: SmolStr,
    /// `name`.
    pub name: SmolStr,
    /// `uid`.
    pub uid: SmolStr,
    /// `controller`: whether this owner manages the claim.
    pub controller: bool,
}

/// One `status.allocation.devices.results` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct AllocationResult {
    /// `request`.
    pub request: SmolStr,
    /// `driver`.
    pub driver: SmolStr,
    /// `pool`.
    pub pool: SmolStr,
    /// `device`. (driver, pool, device) identifies the device.
    pub device: SmolStr,
    /// `tolerations`, copied here by the scheduler (#134434 was that it did not).
    pub tolerations: Vec<Toleration>,
}

/// One `status.reservedFor` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Consumer {
    /// `apiGroup`; empty for pods.
    pub api_group: SmolStr,
    /// `resource`; `pods` for pods.
    pub resource: SmolStr,
    /// `name`, in the claim's namespace.
    pub name: SmolStr,
    /// `uid`.
    pub uid: SmolStr,
}

impl Consumer {
    /// Whether this consumer is a pod (apiGroup "" and resource "pods").
    pub fn is_pod(&self) -> bool {
        self.api_group.is_empty() && self.resource == "pods"
    }
}

/// A ResourceClaim as the controller sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Claim {
    /// `metadata.namespace`.
    pub namespace: SmolStr,
    /// `metadata.name`.
    pub name: SmolStr,
    /// `metadata.uid`.
    pub uid: SmolStr,
    /// `metadata.ownerReferences`.
    pub owner_refs: Vec<OwnerRef>,
    /// `status.allocation.devices.results`; `None` while the claim is not allocated.
    pub allocation: Option<Vec<AllocationResult>>,
    /// `status.reservedFor`.
    pub reserved_for: Vec<Consumer>,
}

impl Claim {
    /// `metav1.GetControllerOf`: the first owner marked as controller.
    pub fn controller_owner(&self) -> Option<&OwnerRef> {
        self.owner_refs.iter().find(|o| o.controller)
    }

    /// `ns/name`, the key of `allocatedClaims`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

fn owner_refs(refs: Option<&Vec<OwnerReference>>) -> Vec<OwnerRef> {
    refs.into_iter()
        .flatten()
        .map(|o| OwnerRef {
            api_version: SmolStr::new(&o.api_version),
            kind: SmolStr::new(&o.kind),
            name: SmolStr::new(&o.name),
            uid: SmolStr::new(&o.uid),
            controller: o.controller.unwrap_or(false),
        })
        .collect()
}

macro_rules! claim_from {
    ($($api:ident),*) => {$(
        impl From<&$api::ResourceClaim> for Claim {
            fn from(c: &$api::ResourceClaim) -> Self {
                let status = c.status.as_ref();
                let allocation = status.and_then(|s| s.allocation.as_ref()).map(|a| {
                    a.devices
                        .iter()
                        .flat_map(|d| d.results.iter().flatten())
                        .map(|r| AllocationResult {
                            request: SmolStr::new(&r.request),
                            driver: SmolStr::new(&r.driver),
                            pool: SmolStr::new(&r.pool),
                            device: SmolStr::new(&r.device),
                            tolerations: r.tolerations.iter().flatten().map(Toleration::from).collect(),
                        })
                        .collect()
                });
                let reserved_for = status
                    .and_then(|s| s.reserved_for.as_ref())
                    .into_iter()
                    .flatten()
                    .map(|r| Consumer {
                        api_group: optional(r.api_group.as_deref()),
                        resource: SmolStr::new(&r.resource),
                        name: SmolStr::new(&r.name),
                        uid: SmolStr::new(&r.uid),
                    })
                    .collect();
                Self {
                    namespace: optional(c.metadata.namespace.as_deref()),
                    name: optional(c.metadata.name.as_deref()),
                    uid: optional(c.metadata.uid.as_deref()),
                    owner_refs: owner_refs(c.metadata.owner_references.as_ref()),
                    allocation,
                    reserved_for,
                }
            }
        }
    )*};
}

claim_from!(v1beta1, v1);
