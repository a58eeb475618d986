//! The informer's cache (the "writer" half of kube-runtime's reflector store) with a bounded
//! undo history, so that a stale lister can answer as of N changes ago.
//!
//! `apply` is a plain synchronous method: the reflector calls it once per step.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::notification::{DeletedFinalStateUnknown, DeletedObject, Notification};
use crate::object::Object;
use crate::watch::{EventType, WatchEvent};

/// How many changes back a stale lister can look. Larger lags are clamped to this.
pub(crate) const HISTORY: usize = 64;

/// One change to apply to the cache: a watch event, or a difference a relist found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub(crate) event_type: EventType,
    pub(crate) key: String,
    /// The new state; for deletions the final state (or, for tombstones, the cached one).
    pub(crate) object: Object,
    /// The revision shown in the step label: the event's, or the relist's for tombstones.
    pub(crate) resource_version: u64,
    /// A relist no longer found the object.
    pub(crate) tombstone: bool,
}

impl From<WatchEvent> for Change {
    fn from(event: WatchEvent) -> Self {
        Change {
            event_type: event.event_type,
            key: event.object.key(),
            object: event.object,
            resource_version: event.resource_version,
            tombstone: false,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Cache {
    objects: BTreeMap<String, Object>,
    /// `(key, state before the change)`, newest last, at most [`HISTORY`] entries.
    undo: VecDeque<(String, Option<Object>)>,
}

impl Cache {
    /// Applies one change and returns the notification it causes.
    pub(crate) fn apply(&mut self, change: Change) -> Notification {
        let Change {
            event_type,
            key,
            object,
            tombstone,
            ..
        } = change;
        let previous = if event_type == EventType::Deleted {
            self.objects.remove(&key)
        } else {
            self.objects.insert(key.clone(), object.clone())
        };
        self.undo.push_back((key.clone(), previous.clone()));
        if self.undo.len() > HISTORY {
            self.undo.pop_front();
        }
        match (event_type, previous) {
            (EventType::Deleted, _) if tombstone => {
                Notification::Delete(DeletedObject::Tombstone(DeletedFinalStateUnknown {
                    key,
                    obj: object,
                }))
            }
            (EventType::Deleted, _) => Notification::Delete(DeletedObject::Known(object)),
            (_, Some(old)) => Notification::Update(old, object),
            (_, None) => Notification::Add(object),
        }
    }

    /// The object under `key` as it was `lag` changes ago (0 = now).
    pub(crate) fn get(&self, key: &str, lag: usize) -> Option<Object> {
        // Undoing the last `lag` changes leaves `key` at the state before the oldest of them
        // that touched it.
        let start = self.undo.len().saturating_sub(lag);
        match self.undo.range(start..).find(|(k, _)| k == key) {
            Some((_, previous)) => previous.clone(),
            None => self.objects.get(key).cloned(),
        }
    }

    /// Every object as of `lag` changes ago, ordered by key.
    pub(crate) fn list(&self, lag: usize) -> Vec<Object> {
        let start = self.undo.len().saturating_sub(lag);
        let mut objects = self.objects.clone();
        for (key, previous) in self.undo.range(start..).rev() {
            match previous {
                Some(obj) => objects.insert(key.clone(), obj.clone()),
                None => objects.remove(key),
            };
        }
        objects.into_values().collect()
    }

    /// The current objects, ordered by key.
    pub(crate) fn objects(&self) -> impl Iterator<Item = &Object> {
        self.objects.values()
    }

    /// What a relist that returned `items` at `list_rv` changes, ordered by key: new objects
    /// (Added), objects with another resourceVersion (Modified) and objects no longer listed
    /// (Deleted tombstones). Unchanged objects need nothing, as without a resync period.
    pub(crate) fn diff(&self, items: Vec<Object>, list_rv: u64) -> Vec<Change> {
        let listed: BTreeMap<String, Object> = items.into_iter().map(|o| (o.key(), o)).collect();
        let keys: BTreeSet<&String> = listed.keys().chain(self.objects.keys()).collect();
        keys.into_iter()
            .filter_map(|key| match (self.objects.get(key), listed.get(key)) {
                (None, Some(new)) => Some(change(
                    EventType::Added,
                    key,
                    new,
                    new.resource_version(),
                    false,
                )),
                (Some(old), Some(new)) if old.resource_version() != new.resource_version() => Some(
                    change(EventType::Modified, key, new, new.resource_version(), false),
                ),
                (Some(old), None) => Some(change(EventType::Deleted, key, old, list_rv, true)),
                _ => None,
            })
            .collect()
    }
}

fn change(
    event_type: EventType,
    key: &str,
    object: &Object,
    resource_version: u64,
    tombstone: bool,
) -> Change {
    Change {
        event_type,
        key: key.to_owned(),
        object: object.clone(),
        resource_version,
        tombstone,
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;

    use super::*;

    fn pod(name: &str, rv: u64) -> Object {
        let mut pod = Pod::default();
        pod.metadata.namespace = Some("default".into());
        pod.metadata.name = Some(name.into());
        pod.metadata.resource_version = Some(rv.to_string());
        Object::from(pod)
    }

    fn event(event_type: EventType, obj: Object) -> Change {
        let rv = obj.resource_version();
        WatchEvent {
            event_type,
            object: obj,
            resource_version: rv,
        }
        .into()
    }

    #[test]
    fn cache_should_notify_add_update_delete() {
        let mut cache = Cache::default();
        assert!(matches!(
            cache.apply(event(EventType::Added, pod("a", 1))),
            Notification::Add(_)
        ));
        let n = cache.apply(event(EventType::Modified, pod("a", 2)));
        assert!(
            matches!(&n, Notification::Update(old, new) if old.resource_version() == 1 && new.resource_version() == 2)
        );
        let n = cache.apply(event(EventType::Deleted, pod("a", 3)));
        assert!(matches!(n, Notification::Delete(DeletedObject::Known(_))));
        assert_eq!(cache.get("default/a", 0), None);
    }

    #[test]
    fn stale_cache_should_answer_as_of_n_changes_ago() {
        let mut cache = Cache::default();
        cache.apply(event(EventType::Added, pod("a", 1)));
        cache.apply(event(EventType::Added, pod("b", 2)));
        cache.apply(event(EventType::Modified, pod("a", 3)));
        let rv = |o: Option<Object>| o.map(|o| o.resource_version());
        assert_eq!(rv(cache.get("default/a", 0)), Some(3));
        assert_eq!(rv(cache.get("default/a", 1)), Some(1));
        assert_eq!(rv(cache.get("default/a", 2)), Some(1));
        assert_eq!(rv(cache.get("default/a", 3)), None);
        assert_eq!(rv(cache.get("default/b", 2)), None);
        assert_eq!(cache.list(1).len(), 2);
        assert_eq!(cache.list(2).len(), 1);
        assert_eq!(cache.list(99).len(), 0);
    }

    #[test]
    fn diff_should_find_new_changed_and_vanished_objects_in_key_order() {
        let mut cache = Cache::default();
        cache.apply(event(EventType::Added, pod("a", 1)));
        cache.apply(event(EventType::Added, pod("b", 2)));
        cache.apply(event(EventType::Added, pod("c", 3)));
        let changes = cache.diff(vec![pod("d", 5), pod("b", 4), pod("c", 3)], 6);
        let summary: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.event_type,
                    c.key.as_str(),
                    c.resource_version,
                    c.tombstone,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (EventType::Deleted, "default/a", 6, true),
                (EventType::Modified, "default/b", 4, false),
                (EventType::Added, "default/d", 5, false),
            ]
        );
        let n = cache.apply(changes[0].clone());
        assert!(
            matches!(n, Notification::Delete(DeletedObject::Tombstone(t)) if t.key == "default/a")
        );
    }
}
