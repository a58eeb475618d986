//! [`Lister`]: the cloneable reader of an informer's cache (kube-runtime's `Store`).

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use taintsim_seam::client::PodLister;

use super::Shared;
use crate::object::{Object, TypedObject, object_key};
use crate::resource::{record_cache, record_cache_key};

/// Reads the informer's cache as the reflector last wrote it, or as of N changes ago when a
/// stale-lister fault is set ([`Informer::set_lister_lag`](super::Informer::set_lister_lag)).
#[derive(Clone)]
pub struct Lister {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Lister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lister")
            .field("informer", &self.shared.name)
            .finish_non_exhaustive()
    }
}

impl Lister {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// The cached object; `namespace` is `""` for cluster-scoped kinds.
    pub fn get_object(&self, namespace: &str, name: &str) -> Option<Object> {
        let st = self.shared.state.lock();
        let key = object_key(namespace, name);
        // A stale answer depends on how many other keys changed since.
        match st.lister_lag {
            0 => record_cache_key(self.shared.kind, &key),
            _ => record_cache(self.shared.kind),
        }
        st.cache.get(&key, st.lister_lag)
    }

    /// The cached object, if it is a `T`.
    pub fn get_as<T: TypedObject>(&self, namespace: &str, name: &str) -> Option<T> {
        self.get_object(namespace, name)?.into_typed()
    }

    /// Every cached object, ordered by key.
    pub fn list_objects(&self) -> Vec<Object> {
        let st = self.shared.state.lock();
        record_cache(self.shared.kind);
        st.cache.list(st.lister_lag)
    }

    /// Every cached `T`, ordered by key.
    pub fn list_as<T: TypedObject>(&self) -> Vec<T> {
        self.list_objects()
            .into_iter()
            .filter_map(Object::into_typed)
            .collect()
    }
}

impl PodLister for Lister {
    fn get(&self, namespace: &str, name: &str) -> Option<Arc<Pod>> {
        self.get_object(namespace, name)?.into_shared()
    }
}
