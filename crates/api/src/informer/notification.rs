//! What a listener is told: an object was added, updated or deleted.

use std::fmt;

use taintsim_seam::runtime::push_decimal;

use crate::object::{Object, push_object_key};

/// A deletion the informer saw only as an absence: a relist no longer listed the object, so
/// its final state is unknown and `obj` is the last state the cache had (client-go's
/// `DeletedFinalStateUnknown`).
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedFinalStateUnknown {
    /// The cache key, `namespace/name` or `name`.
    pub key: String,
    /// The last cached state.
    pub obj: Object,
}

/// The object of a delete notification.
#[derive(Debug, Clone, PartialEq)]
pub enum DeletedObject {
    /// The final state, from the watch's `Deleted` event.
    Known(Object),
    /// A tombstone from a relist; see [`DeletedFinalStateUnknown`].
    Tombstone(DeletedFinalStateUnknown),
}

impl DeletedObject {
    /// The deleted object: the final state, or the tombstone's last cached state.
    pub fn object(&self) -> &Object {
        match self {
            DeletedObject::Known(obj) => obj,
            DeletedObject::Tombstone(t) => &t.obj,
        }
    }

    /// Whether this is a tombstone.
    pub fn is_tombstone(&self) -> bool {
        matches!(self, DeletedObject::Tombstone(_))
    }
}

/// One handler call, as in client-go's `ResourceEventHandler`. Its objects share the cache's
/// allocations ([`Object`] clones are reference counts), so every listener gets its copy cheaply.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// `OnAdd(obj)`: new to the cache (also every cached object when a listener registers).
    Add(Object),
    /// `OnUpdate(old, new)`.
    Update(Object, Object),
    /// `OnDelete(obj)`.
    Delete(DeletedObject),
}

impl Notification {
    /// `Add`, `Update` or `Delete`, as in `deliver` step labels.
    pub fn event_type(&self) -> &'static str {
        match self {
            Notification::Add(_) => "Add",
            Notification::Update(..) => "Update",
            Notification::Delete(_) => "Delete",
        }
    }

    /// The object the notification is about (for updates, the new state).
    pub fn object(&self) -> &Object {
        match self {
            Notification::Add(obj) | Notification::Update(_, obj) => obj,
            Notification::Delete(deleted) => deleted.object(),
        }
    }

    /// The object's key.
    pub fn key(&self) -> String {
        self.object().key()
    }

    /// The object's resourceVersion (for tombstones, the last cached one).
    pub fn resource_version(&self) -> u64 {
        self.object().resource_version()
    }
}

impl Notification {
    /// Appends the notification as [`Display`](fmt::Display) shows it to `out`, without the
    /// formatting machinery: a listener's deliver step label is built from it on every
    /// delivery of a labelled run.
    pub fn push_label(&self, out: &mut String) {
        let object = self.object();
        out.push_str(self.event_type());
        out.push(' ');
        push_object_key(out, object.namespace(), object.name());
        out.push_str(" rv=");
        push_decimal(out, object.resource_version());
        if let Notification::Delete(DeletedObject::Tombstone(_)) = self {
            out.push_str(" (tombstone)");
        }
    }
}

impl fmt::Display for Notification {
    /// `Update default/my-pod rv=7`, with ` (tombstone)` after tombstones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.push_label(&mut text);
        f.write_str(&text)
    }
}
