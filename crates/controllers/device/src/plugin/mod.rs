//! The device controller as a taintsim plug-in ([`DeviceTaintEviction`]): its behaviour keys,
//! the kinds and listeners it uses, how it starts ([`run`]), and the reference model the
//! oracles judge it against (taintsim-reference's `DeviceReference`, which shares no code
//! with this crate).

mod handlers;
mod latest;
mod run;

use std::sync::Arc;

use taintsim_api::{Kind, Object, Registration};
use taintsim_plugin::{
    Behavior as Keys, BehaviorKey, ControllerPlugin, Env, EvictionEvent, Generation, MarkDoc,
    MetricNames, PendingEviction, Reference, Running,
};
use taintsim_reference::device::{DeviceReference, Release};
use taintsim_timed_worker_queue::Slot;

pub use handlers::{
    MARK_NODE_NAME_CHANGE_DROPPED, MARK_NODE_NAME_CHANGE_HANDLED, MARK_POD_UPDATE_FILTERED,
    REPLAY_ORDER, claim_of, on_pod, pod_of, rule_of, slice_of,
};

use crate::behavior::Behavior;
use crate::controller::{Controller, ControllerDeps};
use crate::events::{
    CANCELLING_DELETION, EVENT_REASON, MARKING_FOR_DELETION, TEST_CONTROLLER_NAME,
};
use crate::{controller, eviction_time, latest as core, metrics, worker};

/// The `controller` value of the 1.33 generation (the default).
pub const V1_33: &str = "v1.33";
/// The `controller` value of the workqueue generation (1.35 to latest).
pub const LATEST: &str = "latest";

const GENERATIONS: [Generation; 2] = [
    Generation {
        name: V1_33,
        doc: "the 1.33 device taint eviction controller on TimedWorkerQueue (device_taint_eviction.go @ ab3cec07 and the fixes of #130947)",
    },
    Generation {
        name: LATEST,
        doc: "the workqueue controller of 1.35 and later (device_taint_eviction.go @ 008b3652 with what the test @ 051099c1 expects): deletePodAt, N workers, DeviceTaintRule status",
    },
];

const MARKS: [MarkDoc; 28] = [
    MarkDoc {
        name: MARK_POD_UPDATE_FILTERED,
        doc: "handlePodChange dropped a pod update",
    },
    MarkDoc {
        name: MARK_NODE_NAME_CHANGE_DROPPED,
        doc: "pod-update-filter claim-statuses dropped an update that changed spec.nodeName",
    },
    MarkDoc {
        name: MARK_NODE_NAME_CHANGE_HANDLED,
        doc: "an update was handled only because spec.nodeName changed",
    },
    MarkDoc {
        name: controller::MARK_HANDLE_PODS_RETURN,
        doc: "handle-pods return stopped at a stale consumer",
    },
    MarkDoc {
        name: controller::MARK_HANDLE_PODS_ABANDONED,
        doc: "handle-pods return left later pod consumers unhandled",
    },
    MarkDoc {
        name: controller::MARK_HANDLE_PODS_CONTINUE,
        doc: "handle-pods continue skipped a stale consumer",
    },
    MarkDoc {
        name: controller::MARK_POD_NOT_SCHEDULED,
        doc: "handlePod ignored a pod that is not scheduled",
    },
    MarkDoc {
        name: eviction_time::MARK_EMPTY_EFFECT_IGNORED,
        doc: "a toleration with an empty effect was ignored for eviction",
    },
    MarkDoc {
        name: eviction_time::MARK_EMPTY_EFFECT_COUNTED,
        doc: "toleration-effect any counted a toleration with an empty effect",
    },
    MarkDoc {
        name: eviction_time::MARK_NIL_TIME_ADDED_IGNORED,
        doc: "a NoExecute taint without timeAdded gave no eviction time",
    },
    MarkDoc {
        name: eviction_time::MARK_NIL_TIME_ADDED_PANIC,
        doc: "a NoExecute taint without timeAdded met a finite toleration (upstream dereferences nil)",
    },
    MarkDoc {
        name: eviction_time::MARK_SECONDS_OVERFLOW,
        doc: "tolerationSeconds overflowed the time arithmetic",
    },
    MarkDoc {
        name: worker::MARK_ABANDONED,
        doc: "retries fixed gave up after 5 attempts",
    },
    MarkDoc {
        name: worker::MARK_DURABLE_BEYOND_FIXED,
        doc: "retries durable went on beyond 5 attempts",
    },
    MarkDoc {
        name: worker::MARK_UID_MISMATCH,
        doc: "the worker found a pod with another UID under the name (treated as NotFound)",
    },
    MarkDoc {
        name: core::MARK_POD_UPDATE_FILTERED,
        doc: "latest: handlePodChange dropped a pod update",
    },
    MarkDoc {
        name: core::MARK_HANDLE_PODS_CONTINUE,
        doc: "latest: handlePods skipped a consumer the pod cache lacks or whose UID differs",
    },
    MarkDoc {
        name: core::MARK_EXTENDED_IGNORED,
        doc: "latest, extended-resources ignore: a claim in status.extendedResourceClaimStatus was not used (#141290)",
    },
    MarkDoc {
        name: core::MARK_CANCELLED,
        doc: "latest: an eviction was cancelled with a \"Cancelling deletion\" event",
    },
    MarkDoc {
        name: core::MARK_OBSOLETE,
        doc: "latest: a pod work item found no deletePodAt entry (stale item)",
    },
    MarkDoc {
        name: core::MARK_ALREADY_EVICTED,
        doc: "latest: a pod work item found the pod among the evicted UIDs",
    },
    MarkDoc {
        name: core::MARK_NOT_DUE,
        doc: "latest: a pod work item was not due yet and was requeued for later",
    },
    MarkDoc {
        name: core::MARK_BEING_DELETED,
        doc: "latest: the pod had a deletionTimestamp; counted as evicted without a DELETE, as upstream",
    },
    MarkDoc {
        name: core::MARK_UID_MISMATCH,
        doc: "latest: the worker found a pod with another UID under the name (treated as NotFound)",
    },
    MarkDoc {
        name: core::MARK_RATE_LIMITED,
        doc: "latest: a work item failed and was requeued with AddRateLimited",
    },
    MarkDoc {
        name: core::MARK_STATUS_THROTTLED,
        doc: "latest: a rule status update within ruleStatusPeriod was postponed",
    },
    MarkDoc {
        name: core::MARK_STATUS_APPLIED,
        doc: "latest: a rule's EvictionInProgress condition was written",
    },
    MarkDoc {
        name: core::MARK_STATUS_IMMEDIATE,
        doc: "latest, rule-status-update immediate: a rule status update was queued right after an eviction (before #135611)",
    },
];

/// The DRA device taint eviction controller as a plug-in.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceTaintEviction;

/// A started device controller.
struct DeviceRunning {
    controller: Arc<Controller>,
    registrations: Vec<Registration>,
}

impl Running for DeviceRunning {
    fn has_synced(&self) -> bool {
        self.controller.has_synced()
    }

    fn registrations(&self) -> Vec<Registration> {
        self.registrations.clone()
    }

    fn idle(&self) -> bool {
        self.controller.queue().is_none_or(|q| {
            q.running_workers() == 0
                && q.entries()
                    .iter()
                    .all(|(_, slot)| matches!(slot, Slot::Finished))
        })
    }

    fn pending_evictions(&self) -> Option<Vec<PendingEviction>> {
        let queue = self.controller.queue()?;
        Some(
            queue
                .pending()
                .into_iter()
                .map(|w| PendingEviction {
                    pod: w.key,
                    uid: w.uid,
                    at: w.fire_at,
                })
                .collect(),
        )
    }
}

impl ControllerPlugin for DeviceTaintEviction {
    fn name(&self) -> &'static str {
        "device-taint-eviction"
    }

    fn generations(&self) -> &'static [Generation] {
        &GENERATIONS
    }

    fn keys(&self, generation: &str) -> &'static [BehaviorKey] {
        if generation == LATEST {
            &core::behavior::KEYS
        } else {
            Behavior::keys()
        }
    }

    fn kinds(&self, _behavior: &Keys) -> Vec<Kind> {
        vec![
            Kind::Pod,
            Kind::ResourceClaim,
            Kind::ResourceSlice,
            Kind::DeviceTaintRule,
        ]
    }

    fn listed(&self, behavior: &Keys) -> Vec<Kind> {
        if behavior.controller() == Some(LATEST) {
            // podLister and ruleLister; claims and slices come from notifications only.
            return vec![Kind::Pod, Kind::DeviceTaintRule];
        }
        // podLister; the slice tracker feeds slices and rules by notification, and claims
        // are kept from the claim handler's notifications.
        vec![Kind::Pod]
    }

    fn listeners(&self, behavior: &Keys) -> Vec<(&'static str, Kind)> {
        if behavior.controller() == Some(LATEST) {
            return vec![
                ("claim-handler", Kind::ResourceClaim),
                ("pod-handler", Kind::Pod),
                ("rule-handler", Kind::DeviceTaintRule),
                ("slice-handler", Kind::ResourceSlice),
            ];
        }
        vec![
            ("pod-handler", Kind::Pod),
            ("claim-handler", Kind::ResourceClaim),
            ("slice-tracker", Kind::ResourceSlice),
            ("rule-tracker", Kind::DeviceTaintRule),
        ]
    }

    fn accepts(&self, _behavior: &Keys, object: &Object) -> Result<(), String> {
        match object {
            Object::Node(node)
                if node
                    .spec
                    .as_ref()
                    .and_then(|s| s.taints.as_ref())
                    .is_some_and(|t| !t.is_empty()) =>
            {
                Err(
                    "the device taint eviction controller does not read node taints (only \
                     device taints in ResourceSlices and DeviceTaintRules); run Node taints \
                     with controller node-taint-eviction"
                        .to_owned(),
                )
            }
            _ => Ok(()),
        }
    }

    fn component(&self) -> &'static str {
        TEST_CONTROLLER_NAME
    }

    fn start(&self, env: Env) -> Arc<dyn Running> {
        if env.behavior.controller() == Some(LATEST) {
            return latest::start(env);
        }
        let behavior = Behavior::from_keys(&env.behavior).unwrap_or_default();
        let pods = Arc::new(env.informers.of(Kind::Pod).lister());
        let controller = Controller::new(ControllerDeps {
            rt: env.rt.clone(),
            client: env.client,
            pods,
            recorder: env.recorder,
            metrics: env.metrics,
            behavior,
        });
        let registrations = run::start(&env.rt, &env.informers, &controller);
        Arc::new(DeviceRunning {
            controller,
            registrations,
        })
    }

    fn metric_names(&self) -> MetricNames {
        metrics::NAMES
    }

    fn marks(&self) -> &'static [MarkDoc] {
        &MARKS
    }

    fn eviction_event(&self) -> EvictionEvent {
        EvictionEvent {
            reason: EVENT_REASON,
            message_prefix: MARKING_FOR_DELETION,
        }
    }

    fn cancel_event(&self) -> Option<EvictionEvent> {
        Some(EvictionEvent {
            reason: EVENT_REASON,
            message_prefix: CANCELLING_DELETION,
        })
    }

    fn reference(&self, behavior: &Keys) -> Arc<dyn Reference> {
        if behavior.controller() == Some(LATEST) {
            return Arc::new(DeviceReference::new(Release::Latest {
                workload_resource_claims: behavior.get("workload-resource-claims") == Some("on"),
            }));
        }
        Arc::new(DeviceReference::new(Release::V1_33))
    }
}
