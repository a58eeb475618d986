//! The reference model the oracles judge a controller against: from the API objects alone,
//! when may a pod be deleted, and by when must it be?
//!
//! A reference is written from upstream's documented semantics (the KEP, the API field docs,
//! the toleration rules), small and declarative rather than fast, and shares no code with the
//! controller it judges: a bug in the controller's own eviction logic must be able to show up
//! as an oracle violation.

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::{ApiServer, Kind, Object};
use taintsim_seam::Timestamp;

/// The reference answer for one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// The pod must not be evicted.
    Never,
    /// The pod may be evicted from this time on, and must be once the system is quiescent.
    At(Timestamp),
    /// The world holds something the reference cannot judge (for example a NoExecute taint
    /// without `timeAdded`); oracles that need the answer skip the pod.
    Unknown(String),
}

/// A read-only view of the cluster's objects, as the API server holds them now.
pub trait Cluster {
    /// Every object of `kind`, ordered by key.
    fn list(&self, kind: Kind) -> Vec<Object>;

    /// One object; `namespace` is `""` for cluster-scoped kinds.
    fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<Object>;
}

impl Cluster for ApiServer {
    fn list(&self, kind: Kind) -> Vec<Object> {
        self.peek_all(kind)
    }

    fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<Object> {
        self.peek(kind, namespace, name)
    }
}

/// Answers for many pods against one state of the cluster's non-pod objects.
pub trait DueView: Send + Sync {
    /// When `pod` may and must be deleted. `cluster` is the cluster the view was made from, or
    /// a later state in which none of [`Reference::inputs`] has changed.
    fn due(&self, cluster: &dyn Cluster, pod: &Pod) -> Due;
}

/// A reference model; see the module docs.
pub trait Reference: Send + Sync {
    /// The kinds, besides the pod itself, whose objects the answer depends on. A view stays
    /// valid while no object of these kinds changes, and a step that judges a deletion reads
    /// them.
    fn inputs(&self) -> &'static [Kind];

    /// A view of `cluster` for answering [`DueView::due`].
    fn view(&self, cluster: &dyn Cluster) -> Box<dyn DueView>;

    /// The answer for one pod (a fresh view each time).
    fn due(&self, cluster: &dyn Cluster, pod: &Pod) -> Due {
        self.view(cluster).due(cluster, pod)
    }
}
