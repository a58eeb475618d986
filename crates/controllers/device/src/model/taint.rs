//! Device taints and tolerations, shared by slices, rules and allocation results.

use jiff::Timestamp;
use k8s_openapi::api::resource::{v1, v1alpha3, v1beta1};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::{optional, timestamp};

/// `DeviceTaintEffectNoExecute`: the only effect that drives eviction.
pub const EFFECT_NO_EXECUTE: &str = "NoExecute";
/// `DeviceTaintEffectNoSchedule`.
pub const EFFECT_NO_SCHEDULE: &str = "NoSchedule";
/// `DeviceTaintEffectNone` (1.35 and later).
pub const EFFECT_NONE: &str = "None";
/// `DeviceTolerationOpEqual`; an empty operator means the same.
pub const OPERATOR_EQUAL: &str = "Equal";
/// `DeviceTolerationOpExists`.
pub const OPERATOR_EXISTS: &str = "Exists";

/// A `DeviceTaint`. Equality is the field-by-field comparison that both the controller's
/// `modifiedDevices` walk and the tracker's `taintsEqual` use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Taint {
    /// `key`.
    pub key: SmolStr,
    /// `value`; empty when unset.
    pub value: SmolStr,
    /// `effect`: `NoSchedule`, `NoExecute` or `None`.
    pub effect: SmolStr,
    /// `timeAdded`. The API server defaults it; `None` is the latent hazard of
    /// `claimEvictionTime` (`device_taint_eviction.go` @ ab3cec07).
    pub time_added: Option<Timestamp>,
}

/// A `DeviceToleration` from an allocation result.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Toleration {
    /// `key`; empty matches every key.
    pub key: SmolStr,
    /// `operator`: `Equal` (also when empty) or `Exists`.
    pub operator: SmolStr,
    /// `value`; empty when unset.
    pub value: SmolStr,
    /// `effect`; empty matches every effect in `ToleratesTaint`.
    pub effect: SmolStr,
    /// `tolerationSeconds`; `None` tolerates forever.
    pub toleration_seconds: Option<i64>,
}

macro_rules! taint_from {
    ($($ty:ty),*) => {$(
        impl From<&$ty> for Taint {
            fn from(t: &$ty) -> Self {
                Self {
                    key: SmolStr::new(&t.key),
                    value: optional(t.value.as_deref()),
                    effect: SmolStr::new(&t.effect),
                    time_added: timestamp(t.time_added.as_ref()),
                }
            }
        }
    )*};
}

taint_from!(v1beta1::DeviceTaint, v1::DeviceTaint, v1alpha3::DeviceTaint);

macro_rules! toleration_from {
    ($($ty:ty),*) => {$(
        impl From<&$ty> for Toleration {
            fn from(t: &$ty) -> Self {
                Self {
                    key: optional(t.key.as_deref()),
                    operator: optional(t.operator.as_deref()),
                    value: optional(t.value.as_deref()),
                    effect: optional(t.effect.as_deref()),
                    toleration_seconds: t.toleration_seconds,
                }
            }
        }
    )*};
}

toleration_from!(v1beta1::DeviceToleration, v1::DeviceToleration);
