//! The controller's internal model of the objects `device_taint_eviction.go` @ ab3cec07 reads.
//!
//! The 1.33 controller consumed `resource.k8s.io/v1beta1`; from 1.34 on it is `v1`. Both
//! convert into these types with `From`, so the handlers are written once. Go's empty string
//! and Go's nil slice are what the upstream code compares, so optional strings become `""` and
//! optional lists become empty here; the one exception is [`Device::taints`], where `None`
//! keeps the v1beta1 meaning "device without `basic`, an unknown device type".

mod claim;
mod pod;
mod rule;
mod slice;
mod taint;

pub use claim::{AllocationResult, Claim, Consumer, OwnerRef};
pub use pod::{pod_claim_statuses, pod_node_name, pod_ref, pod_uid};
pub use rule::{TaintRule, TaintSelector};
pub use slice::{Device, PoolRef, Slice};
pub use taint::{
    EFFECT_NO_EXECUTE, EFFECT_NO_SCHEDULE, EFFECT_NONE, OPERATOR_EQUAL, OPERATOR_EXISTS, Taint,
    Toleration,
};

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use smol_str::SmolStr;

/// `metav1.Time` pointer to the timestamp it holds.
fn timestamp(time: Option<&Time>) -> Option<Timestamp> {
    time.map(|t| t.0)
}

/// An optional API string as the controller reads it: Go's `""` when unset.
pub(crate) fn optional(value: Option<&str>) -> SmolStr {
    value.map(SmolStr::new).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::resource::{v1, v1beta1};
    use serde_json::json;

    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).expect("a valid object")
    }

    const TIME: &str = "2025-03-19T12:00:00Z";

    #[test]
    fn slices_should_convert_alike_from_v1beta1_and_v1() {
        let spec = |devices: serde_json::Value| {
            json!({"metadata": {"name": "s"}, "spec": {
                "driver": "d", "nodeName": "n", "pool": {"name": "p", "generation": 2, "resourceSliceCount": 1},
                "devices": devices}})
        };
        let taint = json!({"key": "k", "effect": "NoExecute", "timeAdded": TIME});
        let beta: v1beta1::ResourceSlice = parse(spec(
            json!([{"name": "a", "basic": {"taints": [taint]}}, {"name": "u"}]),
        ));
        let ga: v1::ResourceSlice = parse(spec(
            json!([{"name": "a", "taints": [taint]}, {"name": "u"}]),
        ));
        let (beta, ga) = (Slice::from(&beta), Slice::from(&ga));
        let want = Taint {
            key: "k".into(),
            value: smol_str::SmolStr::default(),
            effect: EFFECT_NO_EXECUTE.into(),
            time_added: TIME.parse().ok(),
        };
        assert_eq!(beta.devices[0].taints, Some(vec![want.clone()]));
        assert_eq!(ga.devices[0].taints, Some(vec![want]));
        assert_eq!(
            beta.devices[1].taints, None,
            "v1beta1 without basic: unknown type"
        );
        assert_eq!(
            ga.devices[1].taints,
            Some(vec![]),
            "v1 devices are always known"
        );
        assert_eq!((beta.pool.generation, beta.node_name.as_str()), (2, "n"));
        assert_eq!(
            Slice {
                devices: vec![],
                ..beta
            },
            Slice {
                devices: vec![],
                ..ga
            }
        );
    }

    #[test]
    fn claims_should_convert_alike_from_v1beta1_and_v1() {
        let obj = json!({
            "metadata": {"name": "c", "namespace": "ns", "uid": "u1", "ownerReferences": [
                {"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "pu", "controller": true}]},
            "spec": {},
            "status": {
                "allocation": {"devices": {"results": [{"request": "r", "driver": "d", "pool": "p", "device": "x",
                    "tolerations": [{"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}]}]}},
                "reservedFor": [{"resource": "pods", "name": "p", "uid": "pu"}]
            }
        });
        let beta = Claim::from(&parse::<v1beta1::ResourceClaim>(obj.clone()));
        let ga = Claim::from(&parse::<v1::ResourceClaim>(obj));
        assert_eq!(beta, ga);
        assert_eq!(beta.controller_owner().map(|o| o.uid.as_str()), Some("pu"));
        assert!(beta.reserved_for[0].is_pod());
        let allocation = beta.allocation.expect("allocated");
        assert_eq!(allocation[0].tolerations[0].toleration_seconds, Some(5));
        assert_eq!(allocation[0].tolerations[0].key, "");
    }

    #[test]
    fn unallocated_claim_should_have_no_allocation() {
        let obj = json!({"metadata": {"name": "c", "namespace": "ns"}, "spec": {}});
        assert_eq!(
            Claim::from(&parse::<v1beta1::ResourceClaim>(obj)).allocation,
            None
        );
    }
}
