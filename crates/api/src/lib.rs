//! taintsim-api: the simulated Kubernetes API side of taintsim.
//!
//! A code map, in the order data flows:
//! - [`object`]: [`Object`], the stored k8s-openapi types, decoded by apiVersion and kind.
//! - [`server`]: [`ApiServer`], the in-memory store with resourceVersions, optimistic
//!   concurrency, preconditions, status subresources, defaulting and call counters.
//! - [`watch`]: [`Watch`], the per-kind change log with `410 Gone` and server-side close.
//! - [`informer`]: kube-runtime's layers: a reflector (list, then watch, relist on 410) writes
//!   the cache one step per event; listers read it; each listener is notified in a later,
//!   separate step. Start reading at [`Informer::start`].
//! - [`client`]: [`ApiClient`], the controller's `Client` over the server, one request step
//!   and one response step per call.
//! - [`broadcaster`]: [`EventBroadcaster`], the asynchronous event sink with aggregation.
//! - [`fault`]: [`FaultRule`] and [`Verdict`], fault injection for API requests.
//! - [`validation`]: the real server's rules for what may be created and updated.
//! - [`observer`]: [`RequestObserver`], which sees requests before the fault rules and cannot
//!   change their answer.
//! - [`resource`]: the names of the shared resources above, as step touches and as recorded
//!   accesses (for the simulator's footprint check).
//!
//! Nothing here reads the wall clock, spawns threads or draws OS randomness: time comes from
//! the [`Runtime`](taintsim_seam::runtime::Runtime) or an injected clock, tasks are
//! spawned on the runtime, and every iterated map is ordered.

#![deny(missing_docs)]

pub mod broadcaster;
pub mod client;
mod defaulting;
pub mod error;
pub mod fault;
pub mod informer;
pub mod kind;
pub mod object;
pub mod observer;
pub mod resource;
pub mod server;
mod signal;
pub mod validation;
pub mod watch;

pub use broadcaster::{BroadcasterConfig, BroadcasterStats, EventBroadcaster, Recorder};
pub use client::{ApiClient, RequestTouches};
pub use error::{Error, Result};
pub use fault::{FaultGuard, FaultId, FaultRule, Request, Verdict};
pub use informer::{
    DeletedFinalStateUnknown, DeletedObject, Handler, HideNotifications, Informer, ListenerSpec,
    Lister, Notification, Registration,
};
pub use kind::{Kind, Verb};
pub use object::{Object, TypedObject, object_key, push_object_key};
pub use observer::{ObserverId, RequestObserver};
pub use server::{ApiServer, ApiServerConfig, Clock, ObjectList, Snapshot};
pub use taintsim_seam::client::{ApiError, Preconditions, StatusCause, StatusReason};
pub use watch::{EventType, Watch, WatchEvent, WatchId, WatchItem};
