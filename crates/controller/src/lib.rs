//! The DRA device taint eviction controller of the Kubernetes 1.33 era and its
//! `TimedWorkerQueue`, re-implemented faithfully and runtime-agnostically.
//!
//! - [`queue`]: `TimedWorkerQueue`, versions V0 to V5 (spec §3).
//! - [`runtime`]: the seam to the executor (tokio here; the simulator and loom elsewhere).
//! - [`client`]: the API client, pod lister and event recorder the controller uses.
//! - [`metrics`]: the two controller metrics.
//! - [`sync`]: the std-or-loom shim for shared state.

pub mod client;
pub mod metrics;
pub mod queue;
pub mod runtime;
pub mod sync;
