//! Event aggregation support: find an identical Event and bump its `count`.
//!
//! client-go's event correlator patches an existing Event instead of creating a second one when
//! the same source reports the same thing about the same object again. The broadcaster uses
//! these methods for that; `find_identical_event` stands for the correlator's local cache and
//! is therefore not counted as an API call.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use taintsim_seam::client::{ApiError, StatusReason};

use super::{ApiServer, not_found, wake_all};
use crate::kind::{Kind, Verb};
use crate::object::{Object, object_key};
use crate::resource::record_namespace;
use crate::watch::EventType;

/// The fields of an object reference that identify the object.
/// Name and uid first: they are what tells the events of a namespace apart, so a scan over many
/// events mostly stops at the first comparison.
fn same_object(a: &ObjectReference, b: &ObjectReference) -> bool {
    a.name == b.name
        && a.uid == b.uid
        && a.kind == b.kind
        && a.api_version == b.api_version
        && a.namespace == b.namespace
}

/// Whether `a` and `b` report the same thing: involved object, type, reason, message, source.
pub(crate) fn identical(a: &Event, b: &Event) -> bool {
    same_object(&a.involved_object, &b.involved_object)
        && a.type_ == b.type_
        && a.reason == b.reason
        && a.message == b.message
        && a.source == b.source
}

impl ApiServer {
    /// The stored Event in `event`'s namespace that is identical to it (see module docs), if
    /// any. Not counted as a call.
    pub fn find_identical_event(&self, event: &Event) -> Option<Event> {
        let namespace = event.metadata.namespace.as_deref().unwrap_or("default");
        // A search of the namespace's events, though the index narrows it.
        record_namespace(Kind::Event, namespace);
        let st = self.inner.state.lock();
        let store = st.store(Kind::Event)?;
        let involved = (
            event.involved_object.name.clone(),
            event.involved_object.uid.clone(),
        );
        // The index's keys are in the store's order, so this finds the same event a scan of
        // the whole store would.
        store
            .events_by_object
            .get(&involved)?
            .iter()
            .filter_map(|key| store.objects.get(key))
            .filter_map(|o| o.as_typed::<Event>())
            .find(|e| e.metadata.namespace.as_deref() == Some(namespace) && identical(e, event))
            .cloned()
    }

    /// Patches Event `namespace/name`: `count + 1` and `lastTimestamp`. Counted as a patch.
    pub fn bump_event(
        &self,
        namespace: &str,
        name: &str,
        last_timestamp: Time,
    ) -> Result<Event, ApiError> {
        let mut st = self.inner.state.lock();
        st.count(Verb::Patch, Kind::Event);
        let Some(Object::Event(mut event)) =
            st.get(Kind::Event, &object_key(namespace, name)).cloned()
        else {
            return Err(not_found(Kind::Event, name));
        };
        let bumped = Arc::make_mut(&mut event);
        bumped.count = Some(bumped.count.unwrap_or(1).saturating_add(1));
        bumped.last_timestamp = Some(last_timestamp);
        let (stored, wakers) = st.commit(EventType::Modified, Object::Event(event));
        drop(st);
        wake_all(wakers);
        stored
            .into_typed()
            .ok_or_else(|| ApiError::new(StatusReason::InternalError, "stored event changed type"))
    }

    /// Aggregates `event` into an identical stored Event (a patch) or creates it (a create).
    pub fn record_event(&self, event: Event) -> Result<Event, ApiError> {
        if let Some(existing) = self.find_identical_event(&event) {
            let namespace = existing.metadata.namespace.clone().unwrap_or_default();
            let name = existing.metadata.name.clone().unwrap_or_default();
            let last = event
                .last_timestamp
                .clone()
                .unwrap_or_else(|| Time(self.now()));
            return self.bump_event(&namespace, &name, last);
        }
        self.create(Object::from(event))?
            .into_typed()
            .ok_or_else(|| ApiError::new(StatusReason::InternalError, "stored event changed type"))
    }
}
