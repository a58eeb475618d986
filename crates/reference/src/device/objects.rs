//! The API objects the device reference reads, as plain values: only the fields that the
//! resource.k8s.io API docs give a meaning for eviction, whichever API version they were
//! written in. Go's empty string and nil slice mean the same in these fields, so optional
//! strings read as `""` and optional lists as empty; the one exception is [`Device::taints`].

use jiff::Timestamp;
use k8s_openapi::api::resource::{v1, v1alpha3, v1beta1};
use taintsim_api::Object;

/// The taint effect that evicts (`DeviceTaintEffectNoExecute`).
pub const NO_EXECUTE: &str = "NoExecute";

/// A `DeviceTaint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    /// `key`.
    pub key: String,
    /// `value`.
    pub value: String,
    /// `effect`: `NoSchedule`, `NoExecute` (or `None` from 1.35 on).
    pub effect: String,
    /// `timeAdded`. The API server sets it when a writer leaves it out, so `None` only appears
    /// when that defaulting is switched off (a fault).
    pub time_added: Option<Timestamp>,
}

/// A `DeviceToleration` of an allocation result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    /// `key`; empty matches every key.
    pub key: String,
    /// `operator`: `Exists`, or `Equal` (also when empty).
    pub operator: String,
    /// `value`.
    pub value: String,
    /// `effect`; empty matches every effect.
    pub effect: String,
    /// `tolerationSeconds`; `None` tolerates forever.
    pub seconds: Option<i64>,
}

/// One device of a slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// `name`, unique within a pool.
    pub name: String,
    /// Its taints. `None` is a v1beta1 device without `basic`, a device type this API version
    /// does not know, which cannot carry taints.
    pub taints: Option<Vec<Taint>>,
}

/// A ResourceSlice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    /// `metadata.name`.
    pub name: String,
    /// `spec.driver`.
    pub driver: String,
    /// `spec.pool.name`.
    pub pool: String,
    /// `spec.pool.generation`.
    pub generation: i64,
    /// `spec.devices`.
    pub devices: Vec<Device>,
}

/// A DeviceTaintRule's `spec.deviceSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    /// `driver`.
    pub driver: Option<String>,
    /// `pool`.
    pub pool: Option<String>,
    /// `device`.
    pub device: Option<String>,
}

/// A DeviceTaintRule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `metadata.name`.
    pub name: String,
    /// `spec.deviceSelector`.
    pub selector: Option<Selector>,
    /// `spec.taint`.
    pub taint: Taint,
}

/// One `status.allocation.devices.results` entry: a device given to the claim, with the
/// tolerations the scheduler copied from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocated {
    /// `driver`.
    pub driver: String,
    /// `pool`.
    pub pool: String,
    /// `device`.
    pub device: String,
    /// `tolerations`.
    pub tolerations: Vec<Toleration>,
}

/// One `status.reservedFor` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    /// `apiGroup`; empty for the core group.
    pub api_group: String,
    /// `resource`.
    pub resource: String,
    /// `name`.
    pub name: String,
    /// `uid`.
    pub uid: String,
}

/// A ResourceClaim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`.
    pub uid: String,
    /// The UID of the first `metadata.ownerReferences` entry with `controller: true`
    /// (`metav1.GetControllerOf`).
    pub controller_uid: Option<String>,
    /// `status.allocation.devices.results`, `None` while the claim is not allocated.
    pub allocation: Option<Vec<Allocated>>,
    /// `status.reservedFor`.
    pub reserved_for: Vec<Consumer>,
}

impl Consumer {
    /// Whether the consumer is a core Pod.
    pub fn is_pod(&self) -> bool {
        self.api_group.is_empty() && self.resource == "pods"
    }
}

impl Slice {
    /// The slice inside `object`, if it is one.
    pub fn read(object: &Object) -> Option<Slice> {
        match object {
            Object::SliceV1beta1(s) => Some(slice_v1beta1(s)),
            Object::SliceV1(s) => Some(slice_v1(s)),
            _ => None,
        }
    }

    /// The first device called `name`.
    pub fn device(&self, name: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.name == name)
    }
}

impl Rule {
    /// The DeviceTaintRule inside `object`, if it is one.
    pub fn read(object: &Object) -> Option<Rule> {
        let Object::Rule(r) = object else {
            return None;
        };
        Some(rule_v1alpha3(r))
    }
}

impl Claim {
    /// The claim inside `object`, if it is one.
    pub fn read(object: &Object) -> Option<Claim> {
        match object {
            Object::ClaimV1beta1(c) => Some(claim_v1beta1(c)),
            Object::ClaimV1(c) => Some(claim_v1(c)),
            _ => None,
        }
    }
}

macro_rules! taint {
    ($t:expr) => {{
        let t = $t;
        Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect: t.effect.clone(),
            time_added: t.time_added.as_ref().map(|t| t.0),
        }
    }};
}

fn slice_v1beta1(s: &v1beta1::ResourceSlice) -> Slice {
    let devices = s.spec.devices.iter().flatten().map(|d| Device {
        name: d.name.clone(),
        // v1beta1 nests a device's attributes, capacity and taints under `basic`, the only
        // device type it defines; without it the type is unknown.
        taints: d
            .basic
            .as_ref()
            .map(|b| b.taints.iter().flatten().map(|t| taint!(t)).collect()),
    });
    Slice {
        name: s.metadata.name.clone().unwrap_or_default(),
        driver: s.spec.driver.clone(),
        pool: s.spec.pool.name.clone(),
        generation: s.spec.pool.generation,
        devices: devices.collect(),
    }
}

fn slice_v1(s: &v1::ResourceSlice) -> Slice {
    let devices = s.spec.devices.iter().flatten().map(|d| Device {
        name: d.name.clone(),
        taints: Some(d.taints.iter().flatten().map(|t| taint!(t)).collect()),
    });
    Slice {
        name: s.metadata.name.clone().unwrap_or_default(),
        driver: s.spec.driver.clone(),
        pool: s.spec.pool.name.clone(),
        generation: s.spec.pool.generation,
        devices: devices.collect(),
    }
}

fn rule_v1alpha3(r: &v1alpha3::DeviceTaintRule) -> Rule {
    Rule {
        name: r.metadata.name.clone().unwrap_or_default(),
        selector: r.spec.device_selector.as_ref().map(|s| Selector {
            driver: s.driver.clone(),
            pool: s.pool.clone(),
            device: s.device.clone(),
        }),
        taint: taint!(&r.spec.taint),
    }
}

macro_rules! claim {
    ($c:expr) => {{
        let c = $c;
        let status = c.status.as_ref();
        let allocation = status.and_then(|s| s.allocation.as_ref()).map(|a| {
            a.devices
                .iter()
                .flat_map(|d| d.results.iter().flatten())
                .map(|r| Allocated {
                    driver: r.driver.clone(),
                    pool: r.pool.clone(),
                    device: r.device.clone(),
                    tolerations: r
                        .tolerations
                        .iter()
                        .flatten()
                        .map(|t| Toleration {
                            key: t.key.clone().unwrap_or_default(),
                            operator: t.operator.clone().unwrap_or_default(),
                            value: t.value.clone().unwrap_or_default(),
                            effect: t.effect.clone().unwrap_or_default(),
                            seconds: t.toleration_seconds,
                        })
                        .collect(),
                })
                .collect()
        });
        let reserved_for = status
            .and_then(|s| s.reserved_for.as_ref())
            .into_iter()
            .flatten()
            .map(|r| Consumer {
                api_group: r.api_group.clone().unwrap_or_default(),
                resource: r.resource.clone(),
                name: r.name.clone(),
                uid: r.uid.clone(),
            })
            .collect();
        Claim {
            namespace: c.metadata.namespace.clone().unwrap_or_default(),
            name: c.metadata.name.clone().unwrap_or_default(),
            uid: c.metadata.uid.clone().unwrap_or_default(),
            controller_uid: c
                .metadata
                .owner_references
                .iter()
                .flatten()
                .find(|o| o.controller == Some(true))
                .map(|o| o.uid.clone()),
            allocation,
            reserved_for,
        }
    }};
}

fn claim_v1beta1(c: &v1beta1::ResourceClaim) -> Claim {
    claim!(c)
}

fn claim_v1(c: &v1::ResourceClaim) -> Claim {
    claim!(c)
}
