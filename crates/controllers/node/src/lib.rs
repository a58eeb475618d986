//! The node taint eviction controller (`NoExecuteTaintManager`,
//! `pkg/controller/tainteviction/taint_eviction.go`), re-implemented faithfully and
//! runtime-agnostically on the seam (`taintsim-seam`) and the TimedWorkerQueue it shares with
//! the device controller (`taintsim-timed-worker-queue`), as a taintsim plug-in
//! ([`NodeTaintEviction`], `controller: node-taint-eviction`).
//!
//! Data flow: the pod and node informers' handlers ([`controller`]: `PodUpdated`,
//! `NodeUpdated`) enqueue items on two workqueues ([`workqueue`]); `Run` ([`run`]) dispatches
//! them to eight update workers by node name, which keep `taintedNodes` (the NoExecute taints
//! of every tainted node) and schedule or cancel each pod's eviction on the TimedWorkerQueue
//! from its tolerations ([`taints`]); the queue's work function ([`delete`]) adds the
//! `DisruptionTarget` condition and deletes the pod, recording [`events`] and [`metrics`].
//!
//! Two upstream generations and the toggles of its known bugs are behaviour keys
//! ([`behavior`]).

pub mod behavior;
pub mod controller;
pub mod delete;
pub mod events;
pub mod metrics;
pub mod plugin;
pub mod run;
mod signal;
pub mod taints;
pub mod workqueue;

pub use plugin::NodeTaintEviction;
