//! Server-side defaulting: `DeviceTaint.timeAdded`, and `timeAdded` of a Node's NoExecute
//! taints.
//!
//! The real API server sets `timeAdded` on create and update when it is unset, both in
//! ResourceSlice device taints and in a DeviceTaintRule's taint. The controller computes eviction
//! times from it, so a taint without a time is only reachable as an injected fault
//! (`claimEvictionTime` @ ab3cec07 dereferences it; see docs/scenario-format.md), which is why this
//! can be switched off.
//!
//! Node taints are stamped by their writers, not by the server: `kubectl taint` and the node
//! lifecycle controller set `timeAdded` on every NoExecute taint they add and keep it on the
//! taints they leave alone (core/v1 `Taint.timeAdded`: "It is only written for NoExecute
//! taints"). The simulated server does that for whoever writes a Node (the scenario actor): an
//! unset `timeAdded` of a NoExecute taint is taken from the same taint (key, value, effect) of
//! the stored Node, or else set to now. The same switch turns it off.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Taint;
use k8s_openapi::api::resource::{v1, v1beta1};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_seam::runtime::Timestamp;

use crate::object::Object;

/// Sets every unset `timeAdded` in `object`'s device taints, and in its NoExecute node taints,
/// to now; node taints keep the time of the same taint in `old`, the stored object an update
/// replaces. A shared object is copied only if one of its taints is unset.
pub(crate) fn default_taint_time_added(object: &mut Object, old: Option<&Object>, now: Timestamp) {
    let fill = |slot: &mut Option<Time>| {
        slot.get_or_insert(Time(now));
    };
    match object {
        Object::SliceV1beta1(slice) => {
            let unset = |d: &v1beta1::Device| {
                let taints = d.basic.iter().flat_map(|b| b.taints.iter().flatten());
                taints.into_iter().any(|t| t.time_added.is_none())
            };
            if !slice.spec.devices.iter().flatten().any(unset) {
                return;
            }
            let devices = Arc::make_mut(slice).spec.devices.iter_mut().flatten();
            for basic in devices.filter_map(|d| d.basic.as_mut()) {
                basic
                    .taints
                    .iter_mut()
                    .flatten()
                    .for_each(|t| fill(&mut t.time_added));
            }
        }
        Object::SliceV1(slice) => {
            let unset = |d: &v1::Device| d.taints.iter().flatten().any(|t| t.time_added.is_none());
            if !slice.spec.devices.iter().flatten().any(unset) {
                return;
            }
            for device in Arc::make_mut(slice).spec.devices.iter_mut().flatten() {
                device
                    .taints
                    .iter_mut()
                    .flatten()
                    .for_each(|t| fill(&mut t.time_added));
            }
        }
        Object::Rule(rule) => {
            if rule.spec.taint.time_added.is_none() {
                fill(&mut Arc::make_mut(rule).spec.taint.time_added);
            }
        }
        Object::Node(node) => {
            let unset = |t: &Taint| t.effect == "NoExecute" && t.time_added.is_none();
            let taints = node.spec.iter().flat_map(|s| s.taints.iter().flatten());
            if !taints.into_iter().any(unset) {
                return;
            }
            let stored: &[Taint] = match old {
                Some(Object::Node(old)) => old
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.as_deref())
                    .unwrap_or_default(),
                _ => &[],
            };
            let taints = Arc::make_mut(node)
                .spec
                .iter_mut()
                .flat_map(|s| s.taints.iter_mut().flatten());
            for taint in taints.filter(|t| unset(t)) {
                let same = stored.iter().find(|s| {
                    s.key == taint.key && s.value == taint.value && s.effect == taint.effect
                });
                taint.time_added =
                    Some(same.and_then(|s| s.time_added.clone()).unwrap_or(Time(now)));
            }
        }
        Object::Pod(_) | Object::ClaimV1beta1(_) | Object::ClaimV1(_) | Object::Event(_) => {}
    }
}
