//! DeviceTaintRules (v1alpha3), which the 1.33 resourceslicetracker merges into slices.

use k8s_openapi::api::resource::v1alpha3;
use serde::{Deserialize, Serialize};

use super::Taint;

/// `spec.deviceSelector`: every criterion that is set must match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TaintSelector {
    /// `driver`.
    pub driver: Option<String>,
    /// `pool`.
    pub pool: Option<String>,
    /// `device`.
    pub device: Option<String>,
}

/// A DeviceTaintRule as the tracker sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TaintRule {
    /// `metadata.name`; rules are cluster-scoped.
    pub name: String,
    /// `spec.deviceSelector`. `None` matches no device; `Some(default)` (`{}`) matches every
    /// device of every driver (#141422).
    pub selector: Option<TaintSelector>,
    /// `spec.taint`.
    pub taint: Taint,
}

impl TaintSelector {
    /// Whether a device `device` of `driver`'s pool `pool` is selected.
    pub fn matches(&self, driver: &str, pool: &str, device: &str) -> bool {
        let ok = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        ok(&self.driver, driver) && ok(&self.pool, pool) && ok(&self.device, device)
    }
}

impl From<&v1alpha3::DeviceTaintRule> for TaintRule {
    fn from(r: &v1alpha3::DeviceTaintRule) -> Self {
        Self {
            name: r.metadata.name.clone().unwrap_or_default(),
            selector: r.spec.device_selector.as_ref().map(|s| TaintSelector {
                driver: s.driver.clone(),
                pool: s.pool.clone(),
                device: s.device.clone(),
            }),
            taint: Taint::from(&r.spec.taint),
        }
    }
}
