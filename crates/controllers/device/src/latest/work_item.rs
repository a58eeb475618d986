//! `workItem`: what the workqueue holds. Items are compared by value, UID included, so a pod
//! replaced under the same name is another item, and so is a re-created rule.

use std::fmt;

use taintsim_timed_worker_queue::NamespacedObject;

/// A pod to maybe delete, or a rule whose status to maybe update.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkItem {
    /// `workItem{podRef}`.
    Pod(NamespacedObject),
    /// `workItemForRule`: `{"" , name, uid}`.
    Rule {
        /// `metadata.name`.
        name: String,
        /// `metadata.uid`.
        uid: String,
    },
}

impl WorkItem {
    /// The item of a rule.
    pub fn rule(name: &str, uid: &str) -> Self {
        Self::Rule {
            name: name.to_owned(),
            uid: uid.to_owned(),
        }
    }
}

impl fmt::Display for WorkItem {
    /// `pod default/my-pod/1234` or `rule evict/1234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pod(p) => write!(f, "pod {}/{}/{}", p.namespace, p.name, p.uid),
            Self::Rule { name, uid } => write!(f, "rule {name}/{uid}"),
        }
    }
}
