//! Watches: the per-kind change log read from a resourceVersion onwards.
//!
//! The server keeps, per kind, the last `watch_window` changes in resourceVersion order. A
//! [`Watch`] opened at `from_rv` yields every change of its kind with a larger resourceVersion,
//! each exactly once and in order. If the changes it still has to deliver have been compacted
//! away, it yields one `410 Gone` error and ends, like an etcd watch whose revision was
//! compacted. The server can also close a watch (a dropped connection): it then ends at once,
//! losing whatever it had not yet delivered.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use taintsim_seam::client::ApiError;

use crate::kind::Kind;
use crate::object::Object;
use crate::server::ApiServer;

/// The type of a change, as in a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// The object was created.
    Added,
    /// The object was changed.
    Modified,
    /// The object was deleted.
    Deleted,
}

impl EventType {
    /// `Added`, `Modified` or `Deleted`, as in step labels.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "Added",
            EventType::Modified => "Modified",
            EventType::Deleted => "Deleted",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change of one object.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    /// What happened.
    pub event_type: EventType,
    /// The object after the change; for `Deleted`, its last state.
    pub object: Object,
    /// The change's revision. It is also the object's `metadata.resourceVersion`, including for
    /// `Deleted`, where it is the revision of the deletion (as etcd reports it).
    pub resource_version: u64,
}

impl fmt::Display for WatchEvent {
    /// `Modified default/my-pod rv=7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} rv={}",
            self.event_type,
            self.object.key(),
            self.resource_version
        )
    }
}

/// Identifies an open watch, for [`ApiServer::close_watch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatchId(pub(crate) u64);

/// What a watch yields next: `None` once it has ended (closed by the server, or after an
/// error), `Some(Err(_))` for `410 Gone`, otherwise the next change.
pub type WatchItem = Option<Result<WatchEvent, ApiError>>;

/// An open watch on one kind; see the module docs. Dropping it unregisters it.
///
/// It works on any executor: [`next`](Watch::next) (and the [`futures::Stream`] impl) register
/// the task's waker, which the server wakes when a change of this kind is committed or the watch
/// is closed.
pub struct Watch {
    pub(crate) server: ApiServer,
    pub(crate) id: WatchId,
    pub(crate) kind: Kind,
    /// The revision of the last change delivered (or the start revision).
    pub(crate) after: u64,
    pub(crate) ended: bool,
}

impl Watch {
    /// The id, for [`ApiServer::close_watch`].
    pub fn id(&self) -> WatchId {
        self.id
    }

    /// The kind watched.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The revision of the last change delivered, or the revision the watch started from.
    pub fn resource_version(&self) -> u64 {
        self.after
    }

    /// The next item if one is ready, without waiting and without registering a waker.
    pub fn try_next(&mut self) -> Poll<WatchItem> {
        self.poll(None)
    }

    /// Waits for the next item.
    pub async fn next(&mut self) -> WatchItem {
        std::future::poll_fn(|cx| self.poll(Some(cx))).await
    }

    fn poll(&mut self, cx: Option<&mut Context<'_>>) -> Poll<WatchItem> {
        if self.ended {
            return Poll::Ready(None);
        }
        let item = self
            .server
            .poll_watch(self.id, &mut self.after, cx.map(|cx| cx.waker()));
        if let Poll::Ready(None | Some(Err(_))) = item {
            self.ended = true;
        }
        item
    }
}

impl futures::Stream for Watch {
    type Item = Result<WatchEvent, ApiError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WatchItem> {
        self.get_mut().poll(Some(cx))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.server.remove_watch(self.id);
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("after", &self.after)
            .field("ended", &self.ended)
            .finish()
    }
}
