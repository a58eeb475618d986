//! What the latest controller reads from informer caches: pods (one, all, or a PodGroup's)
//! and DeviceTaintRules. The informers' [`Lister`] implements both; tests use maps.

use k8s_openapi::api::core::v1::Pod;
use taintsim_api::{Lister, Object};

use super::model::Rule;

/// The pod informer's cache.
pub trait PodStore: Send + Sync {
    /// The cached pod `namespace/name`.
    fn get(&self, namespace: &str, name: &str) -> Option<Pod>;
    /// Every cached pod.
    fn list(&self) -> Vec<Pod>;
}

/// The DeviceTaintRule informer's cache.
pub trait RuleStore: Send + Sync {
    /// The cached rule `name`.
    fn get(&self, name: &str) -> Option<Rule>;
}

impl PodStore for Lister {
    fn get(&self, namespace: &str, name: &str) -> Option<Pod> {
        self.get_as(namespace, name)
    }

    fn list(&self) -> Vec<Pod> {
        self.list_as()
    }
}

impl RuleStore for Lister {
    fn get(&self, name: &str) -> Option<Rule> {
        match self.get_object("", name)? {
            Object::Rule(r) => Some(Rule::from(&*r)),
            _ => None,
        }
    }
}
