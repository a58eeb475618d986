//! The node controller as a taintsim plug-in ([`NodeTaintEviction`]): its behaviour keys, the
//! kinds and listeners it uses, which objects fit it, how it starts, and the reference model
//! the oracles judge it against (`taintsim_reference::node`, which shares no code with it).

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Pod};
use taintsim_api::{Kind, Notification, Object, Registration};
use taintsim_plugin::{
    Behavior as Keys, BehaviorKey, ControllerPlugin, Env, EvictionEvent, Generation, MarkDoc,
    MetricNames, PendingEviction, Reference, Running,
};
use taintsim_reference::node::NodeReference;
use taintsim_seam::runtime::{BoxFuture, touch};
use taintsim_timed_worker_queue::Slot;

use crate::behavior::Behavior;
use crate::controller::{self, Controller, ControllerDeps};
use crate::events::{CONTROLLER_NAME, EVENT_REASON, MARKING_FOR_DELETION};
use crate::run::{self, RunState};
use crate::{delete, metrics};

/// The `controller` value of the node taint eviction controller.
pub const NODE_TAINT_EVICTION: &str = "node-taint-eviction";

const GENERATIONS: [Generation; 1] = [Generation {
    name: NODE_TAINT_EVICTION,
    doc: "the node taint eviction controller (pkg/controller/tainteviction), latest merged code on queue v4; queue=v0 shutdown=none is the code before #129577",
}];

const MARKS: [MarkDoc; 17] = [
    MarkDoc {
        name: controller::MARK_OTHER_NODE,
        doc: "handlePodUpdate dropped an item of a node the pod is not (or no longer) on",
    },
    MarkDoc {
        name: controller::MARK_POD_DELETION,
        doc: "handlePodUpdate noticed a pod deletion and cancelled its eviction",
    },
    MarkDoc {
        name: controller::MARK_NODE_DELETION,
        doc: "handleNodeUpdate noticed a node deletion (its pods' evictions stay scheduled)",
    },
    MarkDoc {
        name: controller::MARK_ALL_TAINTS_REMOVED,
        doc: "handleNodeUpdate cancelled every eviction of a node without NoExecute taints",
    },
    MarkDoc {
        name: controller::MARK_NOT_TOLERATED,
        doc: "processPodOnNode found an untolerated taint and evicts at once",
    },
    MarkDoc {
        name: controller::MARK_FOREVER_CANCEL,
        doc: "forever-tolerated cancel: all taints tolerated forever, scheduled deletion cancelled",
    },
    MarkDoc {
        name: controller::MARK_FOREVER_KEEP,
        doc: "forever-tolerated keep: all taints tolerated forever, a scheduled deletion was kept (#90794)",
    },
    MarkDoc {
        name: controller::MARK_KEEP_EXISTING,
        doc: "processPodOnNode kept an earlier timer with its own deadline",
    },
    MarkDoc {
        name: controller::MARK_SAME_INSTANT,
        doc: "processPodOnNode replaced a timer created at the same instant",
    },
    MarkDoc {
        name: delete::MARK_ABANDONED,
        doc: "retries fixed gave up after 5 attempts (#140639)",
    },
    MarkDoc {
        name: delete::MARK_DURABLE_BEYOND_FIXED,
        doc: "retries durable retried beyond 5 attempts",
    },
    MarkDoc {
        name: delete::MARK_RETRY_DROPPED,
        doc: "retries durable stopped: the eviction is no longer due",
    },
    MarkDoc {
        name: delete::MARK_RECHECK_SKIPPED,
        doc: "node-recheck live skipped a deletion the live node no longer calls for",
    },
    MarkDoc {
        name: delete::MARK_WORK_AFTER_RUN,
        doc: "an eviction started after Run had returned",
    },
    MarkDoc {
        name: run::MARK_CANCEL_AND_WAIT,
        doc: "Run called CancelAndWait at shutdown (#134945)",
    },
    MarkDoc {
        name: run::MARK_QUEUE_LEFT_RUNNING,
        doc: "shutdown none: Run returned with the queue's timers armed",
    },
    MarkDoc {
        name: "queue.v0.restore-nil-after-cancel",
        doc: "queue v0 stored nil again after the pod's deletion had removed the key (#125332)",
    },
];

/// The node taint eviction controller as a plug-in.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeTaintEviction;

/// A started node controller.
struct NodeRunning {
    run: Arc<RunState>,
    registrations: Vec<Registration>,
}

impl Running for NodeRunning {
    fn has_synced(&self) -> bool {
        self.run.has_synced()
    }

    fn registrations(&self) -> Vec<Registration> {
        self.registrations.clone()
    }

    fn idle(&self) -> bool {
        let c = &self.run.controller;
        c.updates_idle()
            && c.queue().running_workers() == 0
            && c.queue()
                .entries()
                .iter()
                .all(|(_, slot)| matches!(slot, Slot::Finished))
    }

    fn stop(&self) -> BoxFuture<()> {
        self.run.stop()
    }

    fn pending_evictions(&self) -> Option<Vec<PendingEviction>> {
        let pending = self.run.controller.queue().pending();
        Some(
            pending
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

/// Splits a notification into upstream's `(old, new)` handler arguments, unwrapping
/// `DeletedFinalStateUnknown` as the delete handlers do.
fn old_new(n: &Notification) -> (Option<&Object>, Option<&Object>) {
    match n {
        Notification::Add(new) => (None, Some(new)),
        Notification::Update(old, new) => (Some(old), Some(new)),
        Notification::Delete(gone) => (Some(gone.object()), None),
    }
}

fn pod_of(o: &Object) -> Option<&Pod> {
    o.as_typed()
}

fn node_of(o: &Object) -> Option<&Node> {
    o.as_typed()
}

impl ControllerPlugin for NodeTaintEviction {
    fn name(&self) -> &'static str {
        NODE_TAINT_EVICTION
    }

    fn generations(&self) -> &'static [Generation] {
        &GENERATIONS
    }

    fn keys(&self, _generation: &str) -> &'static [BehaviorKey] {
        Behavior::keys()
    }

    fn kinds(&self, _behavior: &Keys) -> Vec<Kind> {
        vec![Kind::Pod, Kind::Node]
    }

    fn listeners(&self, _behavior: &Keys) -> Vec<(&'static str, Kind)> {
        vec![("pod-handler", Kind::Pod), ("node-handler", Kind::Node)]
    }

    fn listed(&self, _behavior: &Keys) -> Vec<Kind> {
        // podLister and nodeLister.
        vec![Kind::Pod, Kind::Node]
    }

    fn accepts(&self, _behavior: &Keys, object: &Object) -> Result<(), String> {
        match object.kind() {
            Kind::Pod | Kind::Node | Kind::Event => Ok(()),
            other => Err(format!(
                "the node taint eviction controller watches only Pods and Nodes, not {}s; \
                 run device taints with controller v1.33",
                other.name()
            )),
        }
    }

    fn component(&self) -> &'static str {
        CONTROLLER_NAME
    }

    fn start(&self, env: Env) -> Arc<dyn Running> {
        let behavior = Behavior::from_keys(&env.behavior).unwrap_or_default();
        let (pods, nodes) = (env.informers.of(Kind::Pod), env.informers.of(Kind::Node));
        let controller = Controller::new(ControllerDeps {
            rt: env.rt.clone(),
            client: env.client,
            recorder: env.recorder,
            pods: pods.lister(),
            nodes: nodes.lister(),
            metrics: env.metrics,
            behavior,
        });
        let c = controller.clone();
        let pod_handler = pods.add_listener(
            "pod-handler",
            vec![touch(&["workqueue", controller.pod_updates.name()])],
            Arc::new(move |n| {
                let (old, new) = old_new(&n);
                c.pod_updated(old.and_then(pod_of), new.and_then(pod_of));
            }),
        );
        let c = controller.clone();
        let node_handler = nodes.add_listener(
            "node-handler",
            vec![touch(&["workqueue", controller.node_updates.name()])],
            Arc::new(move |n| {
                let (old, new) = old_new(&n);
                c.node_updated(old.and_then(node_of), new.and_then(node_of));
            }),
        );
        let run = RunState::new(controller);
        run::spawn(&run, vec![pods.clone(), nodes.clone()]);
        Arc::new(NodeRunning {
            run,
            registrations: vec![pod_handler, node_handler],
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

    fn reference(&self, _behavior: &Keys) -> Arc<dyn Reference> {
        Arc::new(NodeReference)
    }
}
