//! The server's state under its one lock: stores, the global revision, watch logs and slots.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::task::{Poll, Waker};

use taintsim_seam::client::{ApiError, StatusReason};

use super::ApiServerConfig;
use crate::kind::{Kind, Verb};
use crate::object::Object;
use crate::resource::{record_object, record_watch_log};
use crate::watch::{EventType, WatchEvent, WatchItem};

/// One kind's objects and its recent changes.
#[derive(Debug, Default, Clone)]
pub(crate) struct KindStore {
    /// Objects by key (`ns/name` or `name`).
    pub(crate) objects: BTreeMap<String, Object>,
    /// The last `watch_window` changes, oldest first, by strictly increasing revision.
    log: VecDeque<WatchEvent>,
    /// The revision of the newest change dropped from `log` (0 if none was).
    compacted_through: u64,
    /// Events only: the keys of the events about each involved object (name, uid), so that
    /// event aggregation looks at those instead of scanning every event (which made evicting
    /// N pods cost N² comparisons).
    pub(crate) events_by_object: BTreeMap<InvolvedObject, BTreeSet<String>>,
}

/// The name and uid of an Event's involved object.
pub(crate) type InvolvedObject = (Option<String>, Option<String>);

/// The index key of `object` in [`KindStore::events_by_object`], if it is an Event.
pub(crate) fn involved_object(object: &Object) -> Option<InvolvedObject> {
    match object {
        Object::Event(e) => Some((
            e.involved_object.name.clone(),
            e.involved_object.uid.clone(),
        )),
        _ => None,
    }
}

impl KindStore {
    /// The revision of the newest change (0 before the first; the log always keeps it).
    pub(crate) fn last_revision(&self) -> u64 {
        self.log.back().map_or(0, |e| e.resource_version)
    }
}

/// An open watch as the server sees it.
#[derive(Debug)]
pub(crate) struct WatchSlot {
    kind: Kind,
    closed: bool,
    waker: Option<Waker>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) config: ApiServerConfig,
    /// The etcd-style revision: one counter across kinds, bumped by every change.
    pub(crate) revision: u64,
    pub(crate) next_uid: u64,
    pub(crate) next_generated: u64,
    /// Shared with the snapshot a server started from ([`State::without_watches`]) until the
    /// first change of the kind copies it: a schedule starts from the stored initial objects
    /// without copying them, and a kind it never writes costs nothing to set up or tear down.
    stores: BTreeMap<Kind, Arc<KindStore>>,
    pub(crate) calls: BTreeMap<(Verb, Kind), u64>,
    watches: BTreeMap<u64, WatchSlot>,
    next_watch: u64,
}

impl State {
    pub(crate) fn new(config: ApiServerConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// A copy of everything but the open watches (the kinds' stores are shared, not copied).
    pub(crate) fn without_watches(&self) -> Self {
        Self {
            config: self.config.clone(),
            revision: self.revision,
            next_uid: self.next_uid,
            next_generated: self.next_generated,
            stores: self.stores.clone(),
            calls: self.calls.clone(),
            watches: BTreeMap::new(),
            next_watch: self.next_watch,
        }
    }

    pub(crate) fn count(&mut self, verb: Verb, kind: Kind) {
        *self.calls.entry((verb, kind)).or_default() += 1;
    }

    pub(crate) fn store(&self, kind: Kind) -> Option<&KindStore> {
        self.stores.get(&kind).map(Arc::as_ref)
    }

    /// One object (a recorded access to it).
    pub(crate) fn get(&self, kind: Kind, key: &str) -> Option<&Object> {
        record_object(kind, key);
        self.stores.get(&kind)?.objects.get(key)
    }

    /// Commits one change at the next revision: updates the store, appends to the kind's log
    /// (compacting it to the window) and returns the stored object plus the wakers of the
    /// kind's watches, which the caller wakes after releasing the lock.
    pub(crate) fn commit(
        &mut self,
        event_type: EventType,
        mut object: Object,
    ) -> (Object, Vec<Waker>) {
        self.revision += 1;
        let rv = self.revision;
        object.metadata_mut().resource_version = Some(rv.to_string());
        let kind = object.kind();
        // A window of 0 would expire every watch at once and make informers relist forever.
        let window = self.config.watch_window.max(1);
        let store = Arc::make_mut(self.stores.entry(kind).or_default());
        let key = object.key();
        record_object(kind, &key);
        record_watch_log(kind);
        let old = if event_type == EventType::Deleted {
            store.objects.remove(&key)
        } else {
            if let Some(involved) = involved_object(&object) {
                store
                    .events_by_object
                    .entry(involved)
                    .or_default()
                    .insert(key.clone());
            }
            store.objects.insert(key.clone(), object.clone())
        };
        if let Some(involved) = old.as_ref().and_then(involved_object)
            && (event_type == EventType::Deleted
                || involved_object(&object).as_ref() != Some(&involved))
            && let Some(keys) = store.events_by_object.get_mut(&involved)
        {
            keys.remove(&key);
            if keys.is_empty() {
                store.events_by_object.remove(&involved);
            }
        }
        store.log.push_back(WatchEvent {
            event_type,
            object: object.clone(),
            resource_version: rv,
        });
        while store.log.len() > window {
            if let Some(dropped) = store.log.pop_front() {
                store.compacted_through = dropped.resource_version;
            }
        }
        let wakers = self
            .watches
            .values_mut()
            .filter(|slot| slot.kind == kind)
            .filter_map(|slot| slot.waker.take())
            .collect();
        (object, wakers)
    }

    /// `410 Gone` if changes after `from_rv` of `kind` have been compacted away (a read of the
    /// kind's watch log).
    pub(crate) fn check_not_compacted(&self, kind: Kind, from_rv: u64) -> Result<(), ApiError> {
        record_watch_log(kind);
        let compacted = self.stores.get(&kind).map_or(0, |s| s.compacted_through);
        if compacted > from_rv {
            return Err(ApiError::new(
                StatusReason::Gone,
                format!("too old resource version: {from_rv} ({compacted})"),
            ));
        }
        Ok(())
    }

    /// Every change of `kind` after revision `after`, oldest first; `410 Gone` if some of them
    /// were compacted away.
    pub(crate) fn changes_after(
        &self,
        kind: Kind,
        after: u64,
    ) -> Result<Vec<WatchEvent>, ApiError> {
        self.check_not_compacted(kind, after)?;
        Ok(self.stores.get(&kind).map_or_else(Vec::new, |store| {
            let index = store.log.partition_point(|e| e.resource_version <= after);
            store.log.range(index..).cloned().collect()
        }))
    }

    pub(crate) fn open_watch(&mut self, kind: Kind) -> u64 {
        let id = self.next_watch;
        self.next_watch += 1;
        self.watches.insert(
            id,
            WatchSlot {
                kind,
                closed: false,
                waker: None,
            },
        );
        id
    }

    pub(crate) fn remove_watch(&mut self, id: u64) {
        self.watches.remove(&id);
    }

    /// Marks the matching open watches closed; returns how many, and their wakers.
    pub(crate) fn close_watches(
        &mut self,
        matches: impl Fn(u64, Kind) -> bool,
    ) -> (usize, Vec<Waker>) {
        let mut closed = 0;
        let mut wakers = Vec::new();
        for (id, slot) in self.watches.iter_mut() {
            if !slot.closed && matches(*id, slot.kind) {
                record_watch_log(slot.kind);
                slot.closed = true;
                closed += 1;
                wakers.extend(slot.waker.take());
            }
        }
        (closed, wakers)
    }

    /// The next item of watch `id`, which has delivered everything up to `after`; registers
    /// `waker` when nothing is ready.
    pub(crate) fn poll_watch(
        &mut self,
        id: u64,
        after: &mut u64,
        waker: Option<&Waker>,
    ) -> Poll<WatchItem> {
        let gone = self.watches.get(&id).map(|slot| (slot.kind, slot.closed));
        let kind = match gone {
            None | Some((_, true)) => return Poll::Ready(None),
            Some((kind, false)) => kind,
        };
        if let Err(err) = self.check_not_compacted(kind, *after) {
            return Poll::Ready(Some(Err(err)));
        }
        let next = self.stores.get(&kind).and_then(|store| {
            let index = store.log.partition_point(|e| e.resource_version <= *after);
            store.log.get(index).cloned()
        });
        match next {
            Some(event) => {
                *after = event.resource_version;
                Poll::Ready(Some(Ok(event)))
            }
            None => {
                if let (Some(slot), Some(waker)) = (self.watches.get_mut(&id), waker) {
                    slot.waker = Some(waker.clone());
                }
                Poll::Pending
            }
        }
    }
}
