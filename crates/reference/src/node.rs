//! The reference model of node taint eviction: when may a pod be deleted for the NoExecute
//! taints of its Node, and by when must it be?
//!
//! Written from the core/v1 API documentation, not from any controller:
//!
//! - A pod is judged against the `NoExecute` taints of the Node named by its `spec.nodeName`
//!   (`Taint.effect`: "NoExecute ... Evict any already-running pods that do not tolerate the
//!   taint"). A pod that is not scheduled is never due. A pod whose Node does not exist is not
//!   judged: the pod garbage collector, not taint eviction, deals with it.
//! - A toleration tolerates a taint (`Toleration` field docs) when its effect is empty ("match
//!   all taint effects") or equal to the taint's; its key is empty ("match all taint keys",
//!   only with `Exists`) or equal; and its operator is `Exists` ("wildcard for value") or
//!   `Equal`/empty with an equal value.
//! - The toleration that governs a taint is the first one in the pod's list that tolerates it
//!   (what the core/v1 helper `GetMatchingTolerations` answers for each taint).
//! - `tolerationSeconds` "represents the period of time the toleration ... tolerates the taint.
//!   By default, it is not set, which means tolerate the taint forever (do not evict). Zero and
//!   negative values will be treated as 0 (evict immediately)". The period starts when the
//!   taint was added, `Taint.timeAdded` ("It is only written for NoExecute taints").
//!
//! So the pod may be deleted from the earliest of, over its Node's NoExecute taints: the
//! taint's `timeAdded` for a taint no toleration tolerates, and `timeAdded + tolerationSeconds`
//! for one tolerated for a finite time. A taint tolerated forever never makes it due. Whatever
//! the pod's tolerations said earlier does not matter, only what they say now: a pod whose
//! toleration was lengthened is due at the longer period.
//!
//! The answer is a lower bound for `no-early-eviction` (a controller may start a period later,
//! when it sees the taint, never earlier) and a deadline for `eventual-eviction` (at
//! quiescence every timer has fired, so a due pod must be gone).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod, Taint, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_api::{Kind, Object};
use taintsim_plugin::{Cluster, Due, DueView, Reference};
use taintsim_seam::Timestamp;

/// The `NoExecute` taint effect.
const NO_EXECUTE: &str = "NoExecute";

/// The node reference model; see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeReference;

impl Reference for NodeReference {
    fn inputs(&self) -> &'static [Kind] {
        &[Kind::Node]
    }

    fn view(&self, cluster: &dyn Cluster) -> Box<dyn DueView> {
        Box::new(NodeView::read(cluster))
    }
}

/// The NoExecute taints of every Node, as the server holds them now.
#[derive(Debug, Clone, Default)]
pub struct NodeView {
    taints: BTreeMap<String, Vec<Taint>>,
}

impl NodeView {
    /// Reads every Node from `cluster`.
    pub fn read(cluster: &dyn Cluster) -> Self {
        let taints = cluster
            .list(Kind::Node)
            .into_iter()
            .filter_map(|o| match o {
                Object::Node(node) => Some(node),
                _ => None,
            })
            .map(|node| {
                let name = node.metadata.name.clone().unwrap_or_default();
                (name, no_execute_taints(&node))
            })
            .collect();
        Self { taints }
    }
}

fn no_execute_taints(node: &Node) -> Vec<Taint> {
    node.spec
        .iter()
        .flat_map(|s| s.taints.iter().flatten())
        .filter(|t| t.effect == NO_EXECUTE)
        .cloned()
        .collect()
}

impl DueView for NodeView {
    fn due(&self, _cluster: &dyn Cluster, pod: &Pod) -> Due {
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .unwrap_or_default();
        if node.is_empty() {
            return Due::Never;
        }
        let Some(taints) = self.taints.get(node) else {
            return Due::Unknown(format!(
                "node {node} does not exist; orphaned pods are the pod garbage collector's"
            ));
        };
        let tolerations: &[Toleration] = pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.as_deref())
            .unwrap_or_default();
        let mut earliest: Option<Timestamp> = None;
        for taint in taints {
            let added = taint.time_added.as_ref().map(|Time(t)| *t);
            let at = match governing(taint, tolerations).map(|t| t.toleration_seconds) {
                // Not tolerated: evicted as soon as it is there.
                None => added.unwrap_or(Timestamp::MIN),
                // Tolerated forever.
                Some(None) => continue,
                Some(Some(seconds)) => {
                    let Some(added) = added else {
                        return Due::Unknown(format!(
                            "node {node} has a NoExecute taint {} without timeAdded, tolerated \
                             for {seconds}s",
                            taint.key
                        ));
                    };
                    added
                        .checked_add(jiff::SignedDuration::from_secs(seconds.max(0)))
                        .unwrap_or(Timestamp::MAX)
                }
            };
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        }
        earliest.map_or(Due::Never, Due::At)
    }
}

/// The first toleration that tolerates `taint`.
fn governing<'a>(taint: &Taint, tolerations: &'a [Toleration]) -> Option<&'a Toleration> {
    tolerations.iter().find(|t| tolerates(t, taint))
}

/// Whether `toleration` tolerates `taint`, by the `Toleration` field docs.
fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let effect = text(&toleration.effect);
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = text(&toleration.key);
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" | "" => text(&toleration.value) == text(&taint.value),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
