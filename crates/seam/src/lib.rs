//! taintsim-seam: the seam between taintsim's parts. It depends on no other taintsim crate;
//! the simulator, the tokio back end, the API server, the queues and every controller depend
//! on it.
//!
//! - [`runtime`]: the [`Runtime`] trait (spawn, timers, sleep, labelled steps, data choices,
//!   coverage marks), [`StepLabel`] with its [`StepDetail`], and [`ManualRuntime`], a fake
//!   clock for unit tests.
//! - [`access`]: access recording, so that the simulator can check each step's declared
//!   touches against what the step really read and wrote.
//! - [`sync`]: the std-or-loom shim for state shared between tasks, so that the loom models
//!   check the very source the simulator runs.
//! - [`client`]: the ports a controller talks to the cluster through: [`Client`] (API calls),
//!   [`PodLister`] (an informer cache) and [`EventRecorder`], with [`ApiError`].
//! - [`podutil`]: pod helpers both taint eviction controllers share (`UpdatePodCondition`).
//! - `loom` (feature `loom`): the loom back end of the runtime seam and the model harness.

#![deny(missing_docs)]

pub mod access;
pub mod client;
mod detail;
mod label;
#[cfg(loom)]
pub mod loom;
pub mod podutil;
pub mod runtime;
pub mod sync;

pub use client::{
    ApiError, Client, EventRecorder, PodLister, Preconditions, RuleStatusApply, StatusCause,
    StatusReason,
};
pub use runtime::{
    BoxFuture, ManualRuntime, Runtime, StepDetail, StepLabel, TimerHandle, Timestamp,
};
