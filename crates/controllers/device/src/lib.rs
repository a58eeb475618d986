//! The DRA device taint eviction controller (`pkg/controller/devicetainteviction`), in two
//! generations, re-implemented faithfully and runtime-agnostically on the seam
//! (`taintsim-seam`): the Kubernetes 1.33 controller on the shared `TimedWorkerQueue`
//! (`taintsim-timed-worker-queue`), behaviour key `controller: v1.33`, and the controller of 1.35
//! and later on client-go's workqueue (`taintsim-workqueue`), `controller: latest` ([`latest`]).
//!
//! The 1.33 controller, and what both generations share (the object model, `ToleratesTaint`,
//! the events and metrics):
//! - [`behavior`]: the 1.33 behaviour keys, one per historical bug (docs/scenario-format.md).
//! - [`model`]: claims, slices, taints, tolerations and rules, from v1beta1 or v1 objects.
//! - [`toleration`]: `ToleratesTaint` (devicetoleration.go @ 030880a5).
//! - [`eviction_time`]: upstream's `claimEvictionTime`.
//! - [`pools`]: slices by pool, maxGeneration and the modified-devices walk (`handleSliceChange`).
//! - [`slice_tracker`]: the resourceslicetracker's merging of DeviceTaintRules into slices.
//! - [`controller`]: the handlers and their state (`handle*Change`, `evictPod`, `cancelEvict`).
//! - [`worker`]: `deletePodHandler`, the queue's work function.
//! - [`events`]: the two Events and their exact strings.
//! - [`metrics`]: the two controller metrics.
//! - [`latest`]: the controller of 1.35 and later (workqueue, `deletePodAt`, N workers,
//!   DeviceTaintRule status), the plug-in's `latest` generation.
//! - [`go_order`]: Go's random map order as a recorded data choice.
//! - [`plugin`]: the controller as a taintsim plug-in ([`DeviceTaintEviction`]).

pub mod behavior;
pub mod controller;
pub mod events;
pub mod eviction_time;
pub mod go_order;
pub mod latest;
pub mod metrics;
pub mod model;
pub mod plugin;
pub mod pools;
pub mod slice_tracker;
pub mod toleration;
pub mod worker;

pub use plugin::DeviceTaintEviction;
