//! Server-side defaulting: `DeviceTaint.timeAdded`.
//!
//! The real API server sets `timeAdded` on create and update when it is unset, both in
//! ResourceSlice device taints and in a DeviceTaintRule's taint. The controller computes
//! eviction times from it, so a taint without a time is only reachable as an injected fault
//! (spec §6 entry 19), which is why this can be switched off.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_seam::runtime::Timestamp;

use crate::object::Object;

/// Sets every unset `timeAdded` in `object`'s device taints to `now`.
pub(crate) fn default_taint_time_added(object: &mut Object, now: Timestamp) {
    let fill = |slot: &mut Option<Time>| {
        slot.get_or_insert(Time(now));
    };
    match object {
        Object::SliceV1beta1(slice) => {
            let devices = slice.spec.devices.iter_mut().flatten();
            for basic in devices.filter_map(|d| d.basic.as_mut()) {
                basic
                    .taints
                    .iter_mut()
                    .flatten()
                    .for_each(|t| fill(&mut t.time_added));
            }
        }
        Object::SliceV1(slice) => {
            for device in slice.spec.devices.iter_mut().flatten() {
                device
                    .taints
                    .iter_mut()
                    .flatten()
                    .for_each(|t| fill(&mut t.time_added));
            }
        }
        Object::Rule(rule) => fill(&mut rule.spec.taint.time_added),
        Object::Pod(_) | Object::ClaimV1beta1(_) | Object::ClaimV1(_) | Object::Event(_) => {}
    }
}
