//! ResourceSlices: the devices of a pool and their taints.

use k8s_openapi::api::resource::{v1, v1beta1};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::{Taint, optional};

/// `spec.pool`: which pool a slice belongs to and the pool generation it describes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct PoolRef {
    /// `pool.name`.
    pub name: SmolStr,
    /// `pool.generation`. Only slices at the highest generation seen for the pool count.
    pub generation: i64,
}

/// One device of a slice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Device {
    /// `name`, unique within the pool.
    pub name: SmolStr,
    /// The device's taints. `None` is a v1beta1 device without `basic`: an unknown device
    /// type, which the 1.33 controller skips and which therefore cannot be tainted.
    pub taints: Option<Vec<Taint>>,
}

/// A ResourceSlice as the controller sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Slice {
    /// `metadata.name`.
    pub name: SmolStr,
    /// `spec.driver`.
    pub driver: SmolStr,
    /// `spec.pool`.
    pub pool: PoolRef,
    /// `spec.nodeName`; empty when unset.
    pub node_name: SmolStr,
    /// `spec.devices`.
    pub devices: Vec<Device>,
}

impl Slice {
    /// The device called `name`, if the slice has it.
    pub fn device(&self, name: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.name == name)
    }
}

impl From<&v1beta1::ResourceSlice> for Slice {
    fn from(s: &v1beta1::ResourceSlice) -> Self {
        let devices = s.spec.devices.iter().flatten().map(|d| Device {
            name: SmolStr::new(&d.name),
            // v1beta1 nests taints under `basic`; without it the type is unknown.
            taints: d
                .basic
                .as_ref()
                .map(|b| b.taints.iter().flatten().map(Taint::from).collect()),
        });
        Self {
            name: optional(s.metadata.name.as_deref()),
            driver: SmolStr::new(&s.spec.driver),
            pool: PoolRef {
                name: SmolStr::new(&s.spec.pool.name),
                generation: s.spec.pool.generation,
            },
            node_name: optional(s.spec.node_name.as_deref()),
            devices: devices.collect(),
        }
    }
}

impl From<&v1::ResourceSlice> for Slice {
    fn from(s: &v1::ResourceSlice) -> Self {
        let devices = s.spec.devices.iter().flatten().map(|d| Device {
            name: SmolStr::new(&d.name),
            // v1 has a flat layout: every device is a known type.
            taints: Some(d.taints.iter().flatten().map(Taint::from).collect()),
        });
        Self {
            name: optional(s.metadata.name.as_deref()),
            driver: SmolStr::new(&s.spec.driver),
            pool: PoolRef {
                name: SmolStr::new(&s.spec.pool.name),
                generation: s.spec.pool.generation,
            },
            node_name: optional(s.spec.node_name.as_deref()),
            devices: devices.collect(),
        }
    }
}
