//! Generated worlds and event sequences, for proptest (`tests/proptest_*.rs`) and cargo fuzz
//! (`fuzz/`).
//!
//! A [`Case`] is an abstract description of a run: the objects that exist before the
//! controller starts, the changes the scenario actor makes afterwards (create, update and
//! delete of ResourceSlices, ResourceClaims, Pods and DeviceTaintRules; virtual time advances;
//! API faults), and the seed of the random schedule. Every field is a small number that names a
//! slot ("pod 1", "pool 0"), so any value is meaningful: proptest generates cases with
//! [`arb::case`], cargo fuzz decodes them from raw bytes with [`arbitrary`], and both end
//! up in [`to_scenario`], which turns a case into an ordinary [`Scenario`](taintsim_scenario::format::Scenario) file.
//!
//! # From a case to a valid scenario
//!
//! [`to_scenario`] replays the case against a model of the API server (a real
//! [`ApiServer`](taintsim_api::ApiServer) without a controller), so that every actor step it
//! emits is accepted by the server and every world it builds is one Kubernetes allows:
//!
//! - a put of an object that does not exist is a `create`, of one that exists an `update`
//!   and/or `update-status`; a delete of an absent object is dropped;
//! - what Kubernetes makes immutable stays as it was: a scheduled pod stays scheduled on the
//!   same node, a pod's `spec.resourceClaims` never change, an allocation is only ever set
//!   or removed whole, and a claim without an allocation is reserved for nobody;
//! - `reservedFor` and owner references name pods by slot and resolve to the pod's latest
//!   UID (the next one if the pod was never created), or to a stale UID on request.
//!
//! The model also knows which pods the controller may be evicting: a pod is *possibly gone* once
//! its reference eviction time ([`taintsim_reference::device`]) is within a margin of the latest
//! moment the actor can be at. Before the actor writes to such a pod, or makes a change that would
//! postpone or cancel its eviction, the converted scenario first waits until the pod is absent
//! (`wait-until pod-absent`). That keeps two things out of generated runs that are not bugs of the
//! controller under test: actor writes rejected because the controller deleted the pod first, and
//! changes that race with an eviction already in flight (a 1.33 controller does not look again
//! before its DELETE, like the node controller in #119862). The margin grows with the faults a case
//! installs (latency, watch delays and failed attempts stretch an eviction).
//!
//! # Which controller is "fixed"
//!
//! [`fixed_behavior`] is the controller with every catalogued fix switched on: it is
//! the default 1.33 controller (the pod-update filter that compares `nodeName`) with queue v5
//! (the replacement token of `timed_workers.go` @ 132c00c1), `handle-pods: continue` (#135686) and
//! `retries: durable` (node analogue #140639). The default keeps queue v3 and 1.33's `return`
//! and fixed retry count, and generated cases find all three (a recreated pod whose eviction
//! timer a stale completion orphaned, shared claims, DELETE faults); the tests in
//! `tests/proptest_generated.rs` switch each back on in turn. Tolerations with an empty
//! effect are generated only on request
//! ([`arb::GenOptions::empty_effect`]): the default `toleration-effect: no-execute-only`
//! ignores them (as `claimEvictionTime` does) while the `no-early-eviction` oracle honours them.

#[cfg(feature = "proptest")]
pub mod arb;
mod convert;
mod encode;
pub mod fuzz;

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};
use taintsim_plugin::Behavior;

pub use convert::to_scenario;
pub use encode::encode;
pub use fuzz::{
    FUZZ_SET_ENV, FuzzVerdict, behavior_with, check_fixed, check_with, decode,
    import_fuzz_artifact, import_fuzz_artifact_with, record_failure, run_case, run_case_with,
};

/// How many ResourceSlices a case can name (`slice-0` ...).
pub const SLICES: u8 = 3;
/// How many pools the slices belong to (`pool-0` ...), all of driver `drv`.
pub const POOLS: u8 = 2;
/// How many device names a pool can have (`dev-0` ...).
pub const DEVICES: u8 = 3;
/// How many ResourceClaims a case can name (`claim-0` ...), all in namespace `default`.
pub const CLAIMS: u8 = 3;
/// How many pods a case can name (`pod-0` ...), all in namespace `default`.
pub const PODS: u8 = 3;
/// How many DeviceTaintRules a case can name (`rule-0` ...).
pub const RULES: u8 = 2;
/// How many fault names a case can use (`fault-0` ...).
pub const FAULTS: u8 = 3;
/// How many taint keys there are (`example.com/k0` ...).
pub const KEYS: u8 = 2;

/// The controller with every catalogued fix on; see the module docs.
pub fn fixed_behavior() -> Behavior {
    Behavior::new()
        .with("queue", "v5")
        .with("handle-pods", "continue")
        .with("retries", "durable")
}

/// One generated run: see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize, Arbitrary)]
pub struct Case {
    /// Objects that exist before the controller starts.
    pub objects: Vec<Obj>,
    /// Whether the actor first waits until the controller has synced.
    pub wait_for_sync: bool,
    /// What the actor does, in order.
    pub steps: Vec<Op>,
    /// The seed of the random schedule.
    pub seed: u64,
}

impl Case {
    /// Objects plus steps: the size the shrink bounds of the tests talk about.
    pub fn len(&self) -> usize {
        self.objects.len() + self.steps.len()
    }

    /// Whether the case has neither objects nor steps.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether some toleration has an empty effect (which the default controller ignores).
    pub fn has_empty_effect(&self) -> bool {
        let objects = self
            .objects
            .iter()
            .chain(self.steps.iter().filter_map(|op| match op {
                Op::Put(o) => Some(o),
                _ => None,
            }));
        objects.into_iter().any(|o| match o {
            Obj::Claim(c) => c
                .results
                .iter()
                .flat_map(|r| &r.tolerations)
                .any(|t| t.effect == TolerationEffectSpec::Empty),
            _ => false,
        })
    }

    /// The case with every empty toleration effect replaced by `NoExecute`.
    pub fn without_empty_effects(&self) -> Case {
        let mut case = self.clone();
        let fix = |o: &mut Obj| {
            if let Obj::Claim(c) = o {
                for t in c.results.iter_mut().flat_map(|r| &mut r.tolerations) {
                    if t.effect == TolerationEffectSpec::Empty {
                        t.effect = TolerationEffectSpec::NoExecute;
                    }
                }
            }
        };
        case.objects.iter_mut().for_each(fix);
        for op in &mut case.steps {
            if let Op::Put(o) = op {
                fix(o);
            }
        }
        case
    }
}

/// Removes objects and steps from `case` one at a time, and drops `wait_for_sync`, for as long
/// as `still_fails` says the smaller case still fails: a greedy pass to a fixpoint after
/// proptest's own shrinking, which cannot split the linked groups of [`arb::linked`].
pub fn minimize(case: &Case, mut still_fails: impl FnMut(&Case) -> bool) -> Case {
    let mut best = case.clone();
    loop {
        let mut progressed = false;
        if best.wait_for_sync {
            let mut c = best.clone();
            c.wait_for_sync = false;
            if still_fails(&c) {
                (best, progressed) = (c, true);
            }
        }
        for steps in [true, false] {
            let mut i = 0;
            while i < if steps {
                best.steps.len()
            } else {
                best.objects.len()
            } {
                let mut c = best.clone();
                if steps {
                    c.steps.remove(i);
                } else {
                    c.objects.remove(i);
                }
                if still_fails(&c) {
                    (best, progressed) = (c, true);
                } else {
                    i += 1;
                }
            }
        }
        if !progressed {
            return best;
        }
    }
}

/// An object, by slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum Obj {
    /// A `resource.k8s.io/v1beta1` ResourceSlice.
    Slice(SliceSpec),
    /// A `resource.k8s.io/v1beta1` ResourceClaim with its status.
    Claim(ClaimSpec),
    /// A `v1` Pod with its status.
    Pod(PodSpec),
    /// A `resource.k8s.io/v1alpha3` DeviceTaintRule.
    Rule(RuleSpec),
}

/// The kind of an [`Obj`], for deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum ObjKind {
    /// ResourceSlice.
    Slice,
    /// ResourceClaim.
    Claim,
    /// Pod.
    Pod,
    /// DeviceTaintRule.
    Rule,
}

/// One thing the actor does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum Op {
    /// Create the object, or update it if it exists.
    Put(Obj),
    /// Delete the object in this slot, if it exists.
    Delete(ObjKind, u8),
    /// Let this many seconds of virtual time pass (at most an hour).
    Advance(u16),
    /// Install a fault.
    SetFault(FaultSpec),
    /// Remove the fault in this slot.
    ClearFault(u8),
}

/// A ResourceSlice `slice-<slot>` of driver `drv` on node `node`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct SliceSpec {
    /// Which slice.
    pub slot: u8,
    /// Which pool.
    pub pool: u8,
    /// `pool.generation` is `1 + generation % 3`.
    pub generation: u8,
    /// The devices; later duplicates of a name are dropped.
    pub devices: Vec<DeviceSpec>,
}

/// One device of a slice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct DeviceSpec {
    /// Which device name.
    pub device: u8,
    /// Its taints.
    pub taints: Vec<TaintSpec>,
}

/// The effect of a device taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum TaintEffectSpec {
    /// `NoSchedule`: never evicts.
    NoSchedule,
    /// `NoExecute`: evicts.
    NoExecute,
}

/// A device taint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct TaintSpec {
    /// Which key.
    pub key: u8,
    /// Whether the value is `v` (else unset).
    pub value: bool,
    /// The effect.
    pub effect: TaintEffectSpec,
    /// `timeAdded` in seconds from the start of the run (negative: before it), or unset, in
    /// which case the API server sets it to the time of the write.
    pub time_added: Option<i16>,
}

/// A ResourceClaim `claim-<slot>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct ClaimSpec {
    /// Which claim.
    pub slot: u8,
    /// Whether `status.allocation` is set (only with at least one result).
    pub allocated: bool,
    /// The allocation results, one request each.
    pub results: Vec<ResultSpec>,
    /// `status.reservedFor` (only when allocated).
    pub reserved_for: Vec<ConsumerSpec>,
    /// The pod that controls the claim (`ownerReferences`), as for a claim made from a
    /// template.
    pub owner: Option<u8>,
}

/// One allocation result.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct ResultSpec {
    /// Which pool.
    pub pool: u8,
    /// Which device.
    pub device: u8,
    /// The tolerations the scheduler copied into the result.
    pub tolerations: Vec<TolerationSpec>,
}

/// The effect of a toleration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum TolerationEffectSpec {
    /// Empty: matches every effect in `ToleratesTaint`, ignored by the 1.33 eviction code.
    Empty,
    /// `NoSchedule`: never tolerates a NoExecute taint.
    NoSchedule,
    /// `NoExecute`.
    NoExecute,
}

/// A device toleration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct TolerationSpec {
    /// Which key, or none (matches every key).
    pub key: Option<u8>,
    /// `Exists` (else `Equal`).
    pub exists: bool,
    /// For `Equal`: whether the value is `v` (else empty).
    pub value: bool,
    /// The effect.
    pub effect: TolerationEffectSpec,
    /// `tolerationSeconds`, or none (tolerate forever).
    pub seconds: Option<i16>,
}

/// One `reservedFor` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct ConsumerSpec {
    /// Which pod (slot [`PODS`] names a pod that never exists).
    pub pod: u8,
    /// Whether the UID is stale (a UID the pod never had).
    pub stale: bool,
}

/// A pod `pod-<slot>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct PodSpec {
    /// Which pod.
    pub slot: u8,
    /// Whether `spec.nodeName` is set.
    pub scheduled: bool,
    /// `spec.resourceClaims`, in order.
    pub claims: Vec<PodClaimSpec>,
}

/// One `spec.resourceClaims` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum PodClaimSpec {
    /// `resourceClaimName: claim-<slot>`.
    Direct(u8),
    /// `resourceClaimTemplateName`, with its `status.resourceClaimStatuses` entry.
    Template(TemplateStatus),
}

/// The `status.resourceClaimStatuses` entry of a template entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum TemplateStatus {
    /// No entry yet: the claim is "not created yet".
    Missing,
    /// An entry with a nil claim name: the claim is "not needed".
    NotNeeded,
    /// The generated claim `claim-<slot>`.
    Claim(u8),
}

/// A DeviceTaintRule `rule-<slot>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct RuleSpec {
    /// Which rule.
    pub slot: u8,
    /// `spec.deviceSelector`; `None` is a nil selector, which matches nothing.
    pub selector: Option<SelectorSpec>,
    /// `spec.taint`.
    pub taint: TaintSpec,
}

/// A DeviceTaintRule selector; unset criteria match everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub struct SelectorSpec {
    /// Whether `driver: drv` is set.
    pub driver: bool,
    /// `pool`.
    pub pool: Option<u8>,
    /// `device`.
    pub device: Option<u8>,
}

/// A pod API verb the controller uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum PodVerb {
    /// GET.
    Get,
    /// PATCH (the status patch).
    Patch,
    /// DELETE.
    Delete,
}

/// An informer of the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum InformerSpec {
    /// Pods.
    Pods,
    /// ResourceClaims.
    Claims,
    /// ResourceSlices.
    Slices,
    /// DeviceTaintRules.
    Rules,
}

/// A fault named `fault-<slot>`. Only faults a correct controller survives are offered:
/// finitely many failed pod calls, small latencies and watch delays, and dropped watches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Arbitrary)]
pub enum FaultSpec {
    /// The first `1 + times % 10` matching pod calls fail with 500.
    PodApiError {
        /// Which fault name.
        slot: u8,
        /// Which call.
        verb: PodVerb,
        /// How many calls fail, minus one, modulo 10.
        times: u8,
    },
    /// Matching pod calls take `millis % 1001` ms.
    PodLatency {
        /// Which fault name.
        slot: u8,
        /// Which call.
        verb: PodVerb,
        /// The latency in milliseconds, modulo 1001.
        millis: u16,
    },
    /// The informer applies each watch event `millis % 1001` ms late.
    WatchDelay {
        /// Which fault name.
        slot: u8,
        /// Which informer.
        informer: InformerSpec,
        /// The delay in milliseconds, modulo 1001.
        millis: u16,
    },
    /// The API server closes the informer's watch once, forcing a relist.
    DropWatch {
        /// Which fault name.
        slot: u8,
        /// Which informer.
        informer: InformerSpec,
    },
}
