//! The fixtures of upstream's v1.33 `device_taint_eviction_test.go` as real
//! `resource.k8s.io/v1beta1` and core/v1 objects.
//!
//! `taint_time()` is a fixed instant (later upstream versions use a fixed date too); the
//! handler tests never compare it with a clock.

use k8s_openapi::api::core::v1::{
    Pod, PodResourceClaim, PodResourceClaimStatus, PodSpec, PodStatus,
};
use k8s_openapi::api::resource::v1beta1::{
    AllocationResult, BasicDevice, Device, DeviceAllocationResult, DeviceClaim, DeviceRequest,
    DeviceRequestAllocationResult, DeviceTaint, DeviceToleration, ResourceClaim,
    ResourceClaimConsumerReference, ResourceClaimSpec, ResourceClaimStatus, ResourcePool,
    ResourceSlice, ResourceSliceSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use taintsim_seam::runtime::Timestamp;

pub const NODE: &str = "worker";
pub const NODE2: &str = "worker-2";
pub const DRIVER: &str = "some-driver";
pub const POD_NAME: &str = "my-pod";
pub const POD_UID: &str = "1234";
pub const NAMESPACE: &str = "default";
pub const CLASS_NAME: &str = "my-resource-class";
pub const RESOURCE_NAME: &str = "my-resource";
pub const CLAIM_NAME: &str = "my-pod-my-resource";
pub const TAINT_KEY: &str = "example.com/taint";
pub const TAINT_VALUE: &str = "something";
pub const NO_EXECUTE: &str = "NoExecute";
pub const NO_SCHEDULE: &str = "NoSchedule";

pub fn taint_time() -> Timestamp {
    "2025-03-19T12:00:00Z".parse().expect("valid timestamp")
}

fn taint(key: &str, value: Option<&str>, effect: &str, time: Option<Timestamp>) -> DeviceTaint {
    DeviceTaint {
        key: key.to_owned(),
        value: value.map(str::to_owned),
        effect: effect.to_owned(),
        time_added: time.map(Time),
    }
}

fn device(name: &str, taints: Option<Vec<DeviceTaint>>) -> Device {
    Device {
        name: name.to_owned(),
        basic: Some(BasicDevice {
            taints,
            ..BasicDevice::default()
        }),
    }
}

/// `st.MakeResourceSlice(node, driver)`: one slice for the node's pool, generation 0.
fn make_slice(node: &str, devices: Vec<Device>) -> ResourceSlice {
    ResourceSlice {
        metadata: ObjectMeta {
            name: Some(format!("{node}-{DRIVER}")),
            ..ObjectMeta::default()
        },
        spec: ResourceSliceSpec {
            driver: DRIVER.to_owned(),
            node_name: Some(node.to_owned()),
            pool: ResourcePool {
                name: node.to_owned(),
                generation: 0,
                resource_slice_count: 1,
            },
            devices: Some(devices),
            ..ResourceSliceSpec::default()
        },
    }
}

fn devices_mut(slice: &mut ResourceSlice) -> &mut Vec<Device> {
    slice.spec.devices.get_or_insert_with(Vec::new)
}

fn taints_mut(device: &mut Device) -> &mut Vec<DeviceTaint> {
    device
        .basic
        .get_or_insert_with(BasicDevice::default)
        .taints
        .get_or_insert_with(Vec::new)
}

pub fn simple_slice() -> ResourceSlice {
    make_slice(NODE, vec![device("instance", None)])
}

pub fn slice() -> ResourceSlice {
    make_slice(
        NODE,
        vec![
            device("instance", None),
            device(
                "instance-no-schedule",
                Some(vec![taint(TAINT_KEY, None, NO_SCHEDULE, None)]),
            ),
            device(
                "instance-no-execute",
                Some(vec![taint(TAINT_KEY, None, NO_EXECUTE, Some(taint_time()))]),
            ),
        ],
    )
}

pub fn slice_replaced() -> ResourceSlice {
    let mut s = slice();
    s.metadata.name = Some(format!("{NODE}-{DRIVER}-updated"));
    s.spec.pool.generation += 1;
    s
}

pub fn slice_unknown_devices() -> ResourceSlice {
    let mut s = slice();
    for d in devices_mut(&mut s) {
        d.basic = None;
    }
    s
}

pub fn slice_tainted() -> ResourceSlice {
    let mut s = slice();
    *taints_mut(&mut devices_mut(&mut s)[0]) = vec![taint(
        TAINT_KEY,
        Some(TAINT_VALUE),
        NO_EXECUTE,
        Some(taint_time()),
    )];
    s
}

pub fn slice_tainted_extended() -> ResourceSlice {
    let mut s = slice_tainted();
    let mut copy = devices_mut(&mut s)[0].clone();
    copy.name.push_str("-other");
    devices_mut(&mut s).push(copy);
    s
}

pub fn slice_tainted_no_schedule() -> ResourceSlice {
    let mut s = slice_tainted();
    for d in devices_mut(&mut s) {
        for t in taints_mut(d) {
            t.effect = NO_SCHEDULE.to_owned();
        }
    }
    s
}

pub fn slice_tainted_value_other() -> ResourceSlice {
    let mut s = slice_tainted();
    for d in devices_mut(&mut s) {
        for t in taints_mut(d) {
            t.value = Some(format!("{}-other", t.value.clone().unwrap_or_default()));
        }
    }
    s
}

pub fn slice_tainted_twice() -> ResourceSlice {
    let mut s = slice();
    *taints_mut(&mut devices_mut(&mut s)[0]) = vec![
        taint(TAINT_KEY, None, NO_EXECUTE, Some(taint_time())),
        taint(
            &format!("{TAINT_KEY}-other"),
            None,
            NO_EXECUTE,
            Some(taint_time()),
        ),
    ];
    s
}

pub fn slice_untainted() -> ResourceSlice {
    let mut s = slice();
    for d in &mut devices_mut(&mut s)[1..3] {
        if let Some(basic) = &mut d.basic {
            basic.taints = None;
        }
    }
    s
}

pub fn slice2() -> ResourceSlice {
    let mut s = slice();
    s.metadata.name = Some(format!("{NODE}-{DRIVER}-2"));
    s.spec.node_name = Some(NODE2.to_owned());
    s.spec.pool.name = NODE2.to_owned();
    s.spec.pool.generation += 1;
    s
}

/// A claim that is not allocated.
pub fn claim() -> ResourceClaim {
    ResourceClaim {
        metadata: ObjectMeta {
            name: Some(CLAIM_NAME.to_owned()),
            namespace: Some(NAMESPACE.to_owned()),
            ..ObjectMeta::default()
        },
        spec: ResourceClaimSpec {
            devices: Some(DeviceClaim {
                requests: Some(vec![DeviceRequest {
                    name: "req-0".to_owned(),
                    device_class_name: Some(CLASS_NAME.to_owned()),
                    ..DeviceRequest::default()
                }]),
                ..DeviceClaim::default()
            }),
        },
        status: None,
    }
}

fn pod_owner(uid: &str) -> OwnerReference {
    OwnerReference {
        api_version: "v1".to_owned(),
        kind: "Pod".to_owned(),
        name: POD_NAME.to_owned(),
        uid: uid.to_owned(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Owned by and reserved for the pod, allocated `instance` on `worker`.
pub fn in_use_claim() -> ResourceClaim {
    let mut c = claim();
    c.metadata.owner_references = Some(vec![pod_owner(POD_UID)]);
    c.status = Some(ResourceClaimStatus {
        allocation: Some(AllocationResult {
            devices: Some(DeviceAllocationResult {
                results: Some(vec![DeviceRequestAllocationResult {
                    driver: DRIVER.to_owned(),
                    pool: NODE.to_owned(),
                    device: "instance".to_owned(),
                    request: "req-1".to_owned(),
                    ..DeviceRequestAllocationResult::default()
                }]),
                ..DeviceAllocationResult::default()
            }),
            ..AllocationResult::default()
        }),
        reserved_for: Some(vec![ResourceClaimConsumerReference {
            api_group: None,
            resource: "pods".to_owned(),
            name: POD_NAME.to_owned(),
            uid: POD_UID.to_owned(),
        }]),
        ..ResourceClaimStatus::default()
    });
    c
}

pub fn toleration(
    key: &str,
    operator: &str,
    value: &str,
    effect: &str,
    seconds: Option<i64>,
) -> DeviceToleration {
    let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    DeviceToleration {
        key: text(key),
        operator: text(operator),
        value: text(value),
        effect: text(effect),
        toleration_seconds: seconds,
    }
}

/// `in_use_claim` with these tolerations in its allocation result.
pub fn in_use_claim_with(tolerations: Vec<DeviceToleration>) -> ResourceClaim {
    let mut c = in_use_claim();
    let result = c
        .status
        .as_mut()
        .and_then(|s| s.allocation.as_mut())
        .and_then(|a| a.devices.as_mut())
        .and_then(|d| d.results.as_mut())
        .and_then(|r| r.first_mut());
    if let Some(result) = result {
        result.tolerations = Some(tolerations);
    }
    c
}

/// One hour, tolerated for exactly the taint's key and value.
pub const TOLERATION_SECONDS: i64 = 3600;

pub fn in_use_claim_with_toleration() -> ResourceClaim {
    in_use_claim_with(vec![toleration(
        TAINT_KEY,
        "Equal",
        TAINT_VALUE,
        NO_EXECUTE,
        Some(TOLERATION_SECONDS),
    )])
}

/// Owned by another pod UID, with its own claim UID; still reserved for the pod.
pub fn in_use_claim_old() -> ResourceClaim {
    let mut c = in_use_claim();
    c.metadata.owner_references = Some(vec![pod_owner(&format!("{POD_UID}-other"))]);
    c.metadata.uid = Some("other".to_owned());
    c
}

fn make_pod(uid: &str, claim: PodResourceClaim, node: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(POD_NAME.to_owned()),
            namespace: Some(NAMESPACE.to_owned()),
            uid: Some(uid.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_name: (!node.is_empty()).then(|| node.to_owned()),
            resource_claims: Some(vec![claim]),
            ..PodSpec::default()
        }),
        status: None,
    }
}

fn by_name() -> PodResourceClaim {
    PodResourceClaim {
        name: RESOURCE_NAME.to_owned(),
        resource_claim_name: Some(CLAIM_NAME.to_owned()),
        resource_claim_template_name: None,
    }
}

fn by_template() -> PodResourceClaim {
    PodResourceClaim {
        name: RESOURCE_NAME.to_owned(),
        resource_claim_name: None,
        resource_claim_template_name: Some(CLAIM_NAME.to_owned()),
    }
}

pub fn pod_with_claim_name() -> Pod {
    make_pod(POD_UID, by_name(), NODE)
}

pub fn pod_with_claim_name_other() -> Pod {
    make_pod(&format!("{POD_UID}-other"), by_name(), NODE)
}

pub fn pod_unscheduled() -> Pod {
    make_pod(POD_UID, by_name(), "")
}

pub fn pod_with_claim_template() -> Pod {
    make_pod(POD_UID, by_template(), NODE)
}

fn with_status(mut pod: Pod, claim_name: Option<&str>) -> Pod {
    pod.status = Some(PodStatus {
        resource_claim_statuses: Some(vec![PodResourceClaimStatus {
            name: RESOURCE_NAME.to_owned(),
            resource_claim_name: claim_name.map(str::to_owned),
        }]),
        ..PodStatus::default()
    });
    pod
}

pub fn pod_with_claim_template_in_status() -> Pod {
    with_status(pod_with_claim_template(), Some(CLAIM_NAME))
}

pub fn pod_with_claim_template_no_claim_in_status() -> Pod {
    with_status(pod_with_claim_template(), None)
}
