//! The fixtures of upstream's latest `device_taint_eviction_test.go` (@ 051099c1), as the
//! latest controller's model types (slices and claims, which the test hands to the handlers
//! directly), core/v1 pods and v1alpha3 DeviceTaintRules (which the test also stores in the
//! API). Names follow upstream's variables. `t0()` is upstream's `taintTime`, the start of
//! every synctest bubble.

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::{
    Pod, PodExtendedResourceClaimStatus, PodResourceClaim, PodResourceClaimStatus, PodSpec,
    PodStatus, WorkloadReference,
};
use k8s_openapi::api::resource::v1alpha3;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use taintsim_controller_device::model::{
    AllocationResult, Claim, Consumer, Device, OwnerRef, PoolRef, Slice, Taint, Toleration,
};

pub const NODE: &str = "worker";
pub const NODE2: &str = "worker-2";
pub const DRIVER: &str = "some-driver";
pub const POD_NAME: &str = "my-pod";
pub const POD_UID: &str = "1234";
pub const NAMESPACE: &str = "default";
pub const POD_GROUP: &str = "my-podgroup";
pub const POD_GROUP_UID: &str = "5678";
pub const RESOURCE_NAME: &str = "my-resource";
pub const CLAIM_NAME: &str = "my-pod-my-resource";
pub const TAINT_KEY: &str = "example.com/taint";
pub const TAINT_VALUE: &str = "something";

/// `taintTime`: 2000-01-01T00:00:00Z.
pub fn t0() -> Timestamp {
    "2000-01-01T00:00:00Z".parse().expect("valid time")
}

/// `t0 + seconds`.
pub fn t(seconds: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(seconds)
}

fn taint(key: &str, value: &str, effect: &str, time: Option<Timestamp>) -> Taint {
    Taint {
        key: key.into(),
        value: value.into(),
        effect: effect.into(),
        time_added: time,
    }
}

fn device(name: &str, taints: Vec<Taint>) -> Device {
    Device {
        name: name.into(),
        taints: Some(taints),
    }
}

fn make_slice(node: &str, devices: Vec<Device>) -> Slice {
    Slice {
        name: format!("{node}-{DRIVER}").into(),
        driver: DRIVER.into(),
        pool: PoolRef {
            name: node.into(),
            generation: 0,
        },
        node_name: node.into(),
        devices,
    }
}

/// `simpleSlice`: one untainted device.
pub fn simple_slice() -> Slice {
    make_slice(NODE, vec![device("instance", vec![])])
}

/// `slice`: `instance` untainted, `instance-no-schedule` [NoSchedule], `instance-no-execute`
/// [None, NoExecute] (its NoExecute taint is number 1).
pub fn slice() -> Slice {
    make_slice(
        NODE,
        vec![
            device("instance", vec![]),
            device(
                "instance-no-schedule",
                vec![taint(TAINT_KEY, "", "NoSchedule", None)],
            ),
            device(
                "instance-no-execute",
                vec![
                    taint(TAINT_KEY, "", "None", Some(t0())),
                    taint(TAINT_KEY, "", "NoExecute", Some(t0())),
                ],
            ),
        ],
    )
}

/// `sliceReplaced`: `slice` under a new name, one generation later.
pub fn slice_replaced() -> Slice {
    let mut s = slice();
    s.name = format!("{}-updated", s.name).into();
    s.pool.generation += 1;
    s
}

/// `sliceOtherDevices`: every device renamed `...-other`.
pub fn slice_other_devices() -> Slice {
    let mut s = slice();
    for d in &mut s.devices {
        d.name = format!("{}-other", d.name).into();
    }
    s
}

/// `taint`: `example.com/taint=something:NoExecute` at t0.
pub fn the_taint() -> Taint {
    taint(TAINT_KEY, TAINT_VALUE, "NoExecute", Some(t0()))
}

/// `sliceTainted`: `slice` with `instance` tainted.
pub fn slice_tainted() -> Slice {
    let mut s = slice();
    s.devices[0].taints = Some(vec![the_taint()]);
    s
}

/// `sliceTaintedExtended`: `sliceTainted` plus a tainted copy of `instance`, `instance-other`.
pub fn slice_tainted_extended() -> Slice {
    let mut s = slice_tainted();
    let mut other = s.devices[0].clone();
    other.name = "instance-other".into();
    s.devices.push(other);
    s
}

fn with_every_effect(effect: &str) -> Slice {
    let mut s = slice_tainted();
    for t in s
        .devices
        .iter_mut()
        .flat_map(|d| d.taints.iter_mut().flatten())
    {
        t.effect = effect.into();
    }
    s
}

/// `sliceTaintedNone`.
pub fn slice_tainted_none() -> Slice {
    with_every_effect("None")
}

/// `sliceTaintedNoSchedule`.
pub fn slice_tainted_no_schedule() -> Slice {
    with_every_effect("NoSchedule")
}

/// `sliceTaintedUnknown`.
pub fn slice_tainted_unknown() -> Slice {
    with_every_effect("unknown-effect")
}

/// `sliceTaintedValueOther`: `instance`'s taint with value `something-other`.
pub fn slice_tainted_value_other() -> Slice {
    let mut s = slice_tainted();
    s.devices[0].taints = Some(vec![taint(
        TAINT_KEY,
        "something-other",
        "NoExecute",
        Some(t0()),
    )]);
    s
}

/// `sliceTaintedTwice`: `instance` with `taint1` (no value) and `taint2` (key `...-other`).
pub fn slice_tainted_twice() -> Slice {
    let mut s = slice();
    s.devices[0].taints = Some(vec![
        taint(TAINT_KEY, "", "NoExecute", Some(t0())),
        taint(&format!("{TAINT_KEY}-other"), "", "NoExecute", Some(t0())),
    ]);
    s
}

/// `sliceUntainted`: `slice` without the taints of its second and third device.
pub fn slice_untainted() -> Slice {
    let mut s = slice();
    s.devices[1].taints = Some(vec![]);
    s.devices[2].taints = Some(vec![]);
    s
}

/// `slice2`: `slice` for node `worker-2`, one generation later.
pub fn slice2() -> Slice {
    let mut s = slice();
    s.name = format!("{}-2", s.name).into();
    s.node_name = NODE2.into();
    s.pool.name = NODE2.into();
    s.pool.generation += 1;
    s
}

fn rule_obj(
    name: &str,
    uid: &str,
    driver: bool,
    device: Option<&str>,
    effect: &str,
    time: Timestamp,
) -> v1alpha3::DeviceTaintRule {
    v1alpha3::DeviceTaintRule {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            uid: Some(uid.to_owned()),
            ..ObjectMeta::default()
        },
        spec: v1alpha3::DeviceTaintRuleSpec {
            device_selector: Some(v1alpha3::DeviceTaintSelector {
                driver: driver.then(|| DRIVER.to_owned()),
                pool: None,
                device: device.map(str::to_owned),
            }),
            taint: v1alpha3::DeviceTaint {
                key: TAINT_KEY.to_owned(),
                value: Some(TAINT_VALUE.to_owned()),
                effect: effect.to_owned(),
                time_added: Some(Time(time)),
            },
        },
        status: None,
    }
}

/// `ruleEvict`: `evict`, UID 1234, every device of the driver, NoExecute.
pub fn rule_evict() -> v1alpha3::DeviceTaintRule {
    rule_obj("evict", "1234", true, None, "NoExecute", t0())
}

/// `ruleEvictInstance1`: `evict-instance`, UID 1234, device `instance`.
pub fn rule_evict_instance1() -> v1alpha3::DeviceTaintRule {
    rule_obj(
        "evict-instance",
        "1234",
        true,
        Some("instance"),
        "NoExecute",
        t0(),
    )
}

/// `ruleEvictInstance2Later`: `evict-instance-no-execute`, UID 5678, added at t0 + 40s.
pub fn rule_evict_instance2_later() -> v1alpha3::DeviceTaintRule {
    rule_obj(
        "evict-instance-no-execute",
        "5678",
        true,
        Some("instance-no-execute"),
        "NoExecute",
        t(40),
    )
}

/// `ruleNone`: like `ruleEvict` with effect None.
pub fn rule_none() -> v1alpha3::DeviceTaintRule {
    rule_obj("evict", "1234", true, None, "None", t0())
}

/// `ruleEvictOther`: `evict-other`, UID 1234-other, device `instance` of any driver.
pub fn rule_evict_other() -> v1alpha3::DeviceTaintRule {
    rule_obj(
        "evict-other",
        "1234-other",
        false,
        Some("instance"),
        "NoExecute",
        t0(),
    )
}

fn result(device: &str) -> AllocationResult {
    AllocationResult {
        request: "req-1".into(),
        driver: DRIVER.into(),
        pool: NODE.into(),
        device: device.into(),
        tolerations: vec![],
    }
}

fn owner(kind: &str, name: &str, uid: &str) -> OwnerRef {
    OwnerRef {
        api_version: if kind == "Pod" {
            "v1"
        } else {
            "scheduling.k8s.io/v1alpha2"
        }
        .into(),
        kind: kind.into(),
        name: name.into(),
        uid: uid.into(),
        controller: true,
    }
}

fn pod_consumer(name: &str, uid: &str) -> Consumer {
    Consumer {
        api_group: smol_str::SmolStr::default(),
        resource: "pods".into(),
        name: name.into(),
        uid: uid.into(),
    }
}

/// `claim`: not allocated.
pub fn claim() -> Claim {
    Claim {
        namespace: NAMESPACE.into(),
        name: CLAIM_NAME.into(),
        ..Claim::default()
    }
}

/// `inUseClaim`: owned by and reserved for the pod, allocated `instance`.
pub fn in_use_claim() -> Claim {
    Claim {
        owner_refs: vec![owner("Pod", POD_NAME, POD_UID)],
        allocation: Some(vec![result("instance")]),
        reserved_for: vec![pod_consumer(POD_NAME, POD_UID)],
        ..claim()
    }
}

/// `inUseClaimByPodGroup`: owned by and reserved for the PodGroup.
pub fn in_use_claim_by_pod_group() -> Claim {
    Claim {
        owner_refs: vec![owner("PodGroup", POD_GROUP, POD_GROUP_UID)],
        allocation: Some(vec![result("instance")]),
        reserved_for: vec![Consumer {
            api_group: "scheduling.k8s.io".into(),
            resource: "podgroups".into(),
            name: POD_GROUP.into(),
            uid: POD_GROUP_UID.into(),
        }],
        ..claim()
    }
}

fn other_devices() -> Option<Vec<AllocationResult>> {
    Some(vec![
        result("instance-no-schedule"),
        result("instance-no-execute"),
    ])
}

/// `inUseClaimOtherNamespace`.
pub fn in_use_claim_other_namespace() -> Claim {
    Claim {
        namespace: "default-other".into(),
        owner_refs: vec![owner("Pod", POD_NAME, "1234-2")],
        allocation: other_devices(),
        reserved_for: vec![pod_consumer(POD_NAME, "1234-2")],
        ..claim()
    }
}

/// `inUseClaimOtherName`.
pub fn in_use_claim_other_name() -> Claim {
    Claim {
        name: format!("{CLAIM_NAME}-other").into(),
        owner_refs: vec![owner("Pod", "my-pod-other", "1234-3")],
        allocation: other_devices(),
        reserved_for: vec![pod_consumer("my-pod-other", "1234-3")],
        ..claim()
    }
}

/// `inUseClaimOtherNameShared`: also reserved for `my-pod`.
pub fn in_use_claim_other_name_shared() -> Claim {
    Claim {
        reserved_for: vec![
            pod_consumer(POD_NAME, POD_UID),
            pod_consumer("my-pod-other", "1234-3"),
        ],
        ..in_use_claim_other_name()
    }
}

/// A toleration of the result.
pub fn toleration(key: &str, operator: &str, value: &str, seconds: Option<i64>) -> Toleration {
    Toleration {
        key: key.into(),
        operator: operator.into(),
        value: value.into(),
        effect: "NoExecute".into(),
        toleration_seconds: seconds,
    }
}

/// `inUseClaim` whose result has `tolerations`.
pub fn in_use_claim_tolerating(tolerations: Vec<Toleration>) -> Claim {
    let mut c = in_use_claim();
    if let Some(results) = c.allocation.as_mut() {
        results[0].tolerations = tolerations;
    }
    c
}

/// `inUseClaimWithToleration`: tolerates the taint for an hour.
pub fn in_use_claim_with_toleration() -> Claim {
    in_use_claim_tolerating(vec![toleration(
        TAINT_KEY,
        "Equal",
        TAINT_VALUE,
        Some(3600),
    )])
}

/// `inUseClaimOld`: another claim UID, owned by another pod UID.
pub fn in_use_claim_old() -> Claim {
    Claim {
        uid: "other".into(),
        owner_refs: vec![owner("Pod", POD_NAME, "1234-other")],
        ..in_use_claim()
    }
}

fn pod(namespace: &str, name: &str, uid: &str, node: &str, claims: Vec<PodResourceClaim>) -> Pod {
    Pod {
        metadata: ObjectMeta {
            namespace: Some(namespace.to_owned()),
            name: Some(name.to_owned()),
            uid: Some(uid.to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_name: (!node.is_empty()).then(|| node.to_owned()),
            resource_claims: (!claims.is_empty()).then_some(claims),
            ..PodSpec::default()
        }),
        status: None,
    }
}

fn direct(entry: &str, claim: &str) -> PodResourceClaim {
    PodResourceClaim {
        name: entry.to_owned(),
        resource_claim_name: Some(claim.to_owned()),
        resource_claim_template_name: None,
    }
}

/// `unscheduledPodWithClaimName`.
pub fn unscheduled_pod_with_claim_name() -> Pod {
    pod(
        NAMESPACE,
        POD_NAME,
        POD_UID,
        "",
        vec![direct(RESOURCE_NAME, CLAIM_NAME)],
    )
}

/// `podWithClaimName`.
pub fn pod_with_claim_name() -> Pod {
    pod(
        NAMESPACE,
        POD_NAME,
        POD_UID,
        NODE,
        vec![direct(RESOURCE_NAME, CLAIM_NAME)],
    )
}

fn in_group(mut p: Pod) -> Pod {
    if let Some(spec) = p.spec.as_mut() {
        spec.workload_ref = Some(WorkloadReference {
            name: "my-workload".to_owned(),
            pod_group: POD_GROUP.to_owned(),
            pod_group_replica_key: None,
        });
    }
    p
}

/// `podWithPodGroup`: no claims, member of the PodGroup.
pub fn pod_with_pod_group() -> Pod {
    in_group(pod_without_claims_scheduled())
}

/// `podWithPodGroupClaim`: the direct claim and a member of the PodGroup.
pub fn pod_with_pod_group_claim() -> Pod {
    in_group(pod_with_claim_name())
}

/// `podWithTwoClaimNames`.
pub fn pod_with_two_claim_names() -> Pod {
    pod(
        NAMESPACE,
        POD_NAME,
        POD_UID,
        NODE,
        vec![
            direct(RESOURCE_NAME, CLAIM_NAME),
            direct(
                &format!("{RESOURCE_NAME}-other"),
                &format!("{CLAIM_NAME}-other"),
            ),
        ],
    )
}

/// `podWithClaimNameOtherUID`.
pub fn pod_with_claim_name_other_uid() -> Pod {
    pod(
        NAMESPACE,
        POD_NAME,
        "1234-other",
        NODE,
        vec![direct(RESOURCE_NAME, CLAIM_NAME)],
    )
}

/// `podWithClaimNameOtherNamespace`.
pub fn pod_with_claim_name_other_namespace() -> Pod {
    pod(
        "default-other",
        POD_NAME,
        "1234-2",
        NODE,
        vec![direct(RESOURCE_NAME, CLAIM_NAME)],
    )
}

/// `podWithClaimNameOtherName`.
pub fn pod_with_claim_name_other_name() -> Pod {
    pod(
        NAMESPACE,
        "my-pod-other",
        "1234-3",
        NODE,
        vec![direct(RESOURCE_NAME, &format!("{CLAIM_NAME}-other"))],
    )
}

fn template(entry: &str) -> PodResourceClaim {
    PodResourceClaim {
        name: entry.to_owned(),
        resource_claim_name: None,
        resource_claim_template_name: Some("my-template".to_owned()),
    }
}

/// `podWithClaimTemplate`: no status yet.
pub fn pod_with_claim_template() -> Pod {
    pod(
        NAMESPACE,
        POD_NAME,
        POD_UID,
        NODE,
        vec![template(RESOURCE_NAME)],
    )
}

fn with_claim_status(mut p: Pod, claim: Option<&str>) -> Pod {
    p.status = Some(PodStatus {
        resource_claim_statuses: Some(vec![PodResourceClaimStatus {
            name: RESOURCE_NAME.to_owned(),
            resource_claim_name: claim.map(str::to_owned),
        }]),
        ..PodStatus::default()
    });
    p
}

/// `podWithClaimTemplateInStatus`.
pub fn pod_with_claim_template_in_status() -> Pod {
    with_claim_status(pod_with_claim_template(), Some(CLAIM_NAME))
}

/// `podWithClaimTemplateNoClaimInStatus`: the status says no claim is needed.
pub fn pod_with_claim_template_no_claim_in_status() -> Pod {
    with_claim_status(pod_with_claim_template(), None)
}

/// `podWithoutClaimsScheduled`.
pub fn pod_without_claims_scheduled() -> Pod {
    pod(NAMESPACE, POD_NAME, POD_UID, NODE, vec![])
}

/// `podWithExtendedResourceClaimInStatus`.
pub fn pod_with_extended_resource_claim_in_status() -> Pod {
    let mut p = pod_without_claims_scheduled();
    p.status = Some(PodStatus {
        extended_resource_claim_status: Some(PodExtendedResourceClaimStatus {
            request_mappings: vec![],
            resource_claim_name: CLAIM_NAME.to_owned(),
        }),
        ..PodStatus::default()
    });
    p
}
