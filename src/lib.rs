//! taintsim: deterministic simulation and stress testing of Kubernetes taint eviction
//! controllers.
//!
//! This umbrella crate re-exports the workspace crates so that users, benchmarks and the CLI
//! depend on one name, and it is the one place that lists the controllers a build knows
//! ([`controllers`]). See the README for the layout and the quick start.

pub use taintsim_api as api;
pub use taintsim_controller_device as device;
pub use taintsim_controller_node as node;
pub use taintsim_plugin as plugin;
pub use taintsim_reference as reference;
pub use taintsim_scenario as scenario;
pub use taintsim_seam as seam;
pub use taintsim_sim as sim;
pub use taintsim_timed_worker_queue as timed_worker_queue;

use taintsim_plugin::Registry;

/// Every controller this build of taintsim runs, in the order `taintsim keys` lists them. The
/// first generation of the first one is the default of a scenario without `controller`.
pub fn controllers() -> Registry {
    Registry::new()
        .with(taintsim_controller_device::DeviceTaintEviction)
        .with(taintsim_controller_node::NodeTaintEviction)
}
