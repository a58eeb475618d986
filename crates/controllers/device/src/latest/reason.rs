//! Why a pod is evicted: `trackedTaint`, `evictionReason` and `evictionAndReason`.
//!
//! A reason is a NoExecute taint: a taint of a device in a ResourceSlice (by its index in the
//! device's taint list) or a DeviceTaintRule. Like upstream's, a reason holds the slice or rule
//! object that was current when it was computed (an `Arc` here, a pointer there), and
//! [`EvictionAndReason::equal`] compares those by identity, as Go's `==` on the struct does: a
//! recomputed reason from a newer object of the same content is not "equal".

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use smol_str::SmolStr;

use jiff::Timestamp;

use super::model::Rule;
use crate::model::{Slice, Taint};

/// `trackedTaint`: a rule, or a taint of a device in a slice.
#[derive(Debug, Clone)]
pub enum TrackedTaint {
    /// A DeviceTaintRule.
    Rule(Arc<Rule>),
    /// `sliceDeviceTaint`: taint number `index` of device `device` in `slice`.
    Slice {
        /// The slice object.
        slice: Arc<Slice>,
        /// The device's name.
        device: SmolStr,
        /// The taint's index in the device's taint list (all effects counted).
        index: usize,
    },
}

impl TrackedTaint {
    /// `deviceTaint()`: the taint itself.
    pub fn device_taint(&self) -> Taint {
        match self {
            Self::Rule(rule) => rule.taint.clone(),
            Self::Slice {
                slice,
                device,
                index,
            } => slice
                .device(device)
                .and_then(|d| d.taints.as_ref())
                .and_then(|t| t.get(*index))
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// The rule, if this is a rule reason.
    pub fn rule(&self) -> Option<&Arc<Rule>> {
        match self {
            Self::Rule(rule) => Some(rule),
            Self::Slice { .. } => None,
        }
    }

    /// `Compare`: rules before slice taints; rules by name; slice taints by driver, pool,
    /// device and index. Two reasons that compare equal are the same reason for the merge.
    pub fn compare(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Rule(a), Self::Rule(b)) => a.name.cmp(&b.name),
            (Self::Rule(_), Self::Slice { .. }) => Ordering::Less,
            (Self::Slice { .. }, Self::Rule(_)) => Ordering::Greater,
            (
                Self::Slice {
                    slice: a,
                    device: da,
                    index: ia,
                },
                Self::Slice {
                    slice: b,
                    device: db,
                    index: ib,
                },
            ) => (&a.driver, &a.pool.name, da, ia).cmp(&(&b.driver, &b.pool.name, db, ib)),
        }
    }

    /// Go's `==`: the same object (by identity) and the same device and index.
    pub fn identical(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Rule(a), Self::Rule(b)) => Arc::ptr_eq(a, b),
            (
                Self::Slice {
                    slice: a,
                    device: da,
                    index: ia,
                },
                Self::Slice {
                    slice: b,
                    device: db,
                    index: ib,
                },
            ) => Arc::ptr_eq(a, b) && da == db && ia == ib,
            _ => false,
        }
    }
}

/// Content equality (what upstream's tests compare with `cmp.Diff`): the objects' contents,
/// not their identity.
impl PartialEq for TrackedTaint {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Rule(a), Self::Rule(b)) => a == b,
            (
                Self::Slice {
                    slice: a,
                    device: da,
                    index: ia,
                },
                Self::Slice {
                    slice: b,
                    device: db,
                    index: ib,
                },
            ) => a == b && da == db && ia == ib,
            _ => false,
        }
    }
}

impl Eq for TrackedTaint {}

impl fmt::Display for TrackedTaint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rule(rule) => write!(f, "DeviceTaintRule {}", rule.name),
            Self::Slice {
                slice,
                device,
                index,
            } => write!(
                f,
                "ResourceSlice {} {}/{}/{device} taint #{index}",
                slice.name, slice.driver, slice.pool.name
            ),
        }
    }
}

/// `evictionAndReason`: when a pod must be evicted, and every taint that causes it (sorted by
/// [`TrackedTaint::compare`], without duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvictionAndReason {
    /// `when`.
    pub when: Timestamp,
    /// `reason`.
    pub reason: Vec<TrackedTaint>,
}

impl EvictionAndReason {
    /// `(*evictionAndReason).equal`: false if either side is nil, **including both** (an
    /// upstream quirk: a claim whose eviction stays nil is stored again and its pods handled
    /// again); otherwise the same time and identical reasons.
    pub fn equal(a: Option<&Self>, b: Option<&Self>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => {
                a.when == b.when
                    && a.reason.len() == b.reason.len()
                    && a.reason.iter().zip(&b.reason).all(|(x, y)| x.identical(y))
            }
            _ => false,
        }
    }

    /// The rules among the reasons, in reason order.
    pub fn rules(&self) -> impl Iterator<Item = &Arc<Rule>> {
        self.reason.iter().filter_map(TrackedTaint::rule)
    }
}

impl fmt::Display for EvictionAndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reasons: Vec<String> = self.reason.iter().map(ToString::to_string).collect();
        write!(f, "{} ({})", self.when, reasons.join(", "))
    }
}
