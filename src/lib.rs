//! taintsim: deterministic simulation and stress testing of Kubernetes taint eviction
//! controllers.
//!
//! # In a test of one's own
//!
//! [`Scenario`] loads a scenario file and judges it against its expectation, as `taintsim
//! run` does ([`Scenario::check`]) or with another search ([`Scenario::explore`]), returning a
//! [`Verdict`]:
//!
//! ```
//! use taintsim::Strategy;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/updatework-panic.json");
//! taintsim::Scenario::load(path)?.explore(Strategy::Pct { depth: 3 }, 0..1000)?.assert_ok();
//! # Ok(())
//! # }
//! ```
//!
//! A controller of one's own is a [`plugin::ControllerPlugin`]: add it to [`controllers`]
//! (`taintsim::controllers().with(MyController)`) and load its scenario files with
//! [`Scenario::load_with`]; `taintsim_cli::run_with` gives it the whole command line.
//!
//! # What is re-exported
//!
//! The flat names above are the user-facing API. The modules are the workspace crates a
//! user needs beyond it: the scenario file format ([`scenario`]), running and judging
//! ([`check`]), and, for writing a controller plug-in, the seam ([`plugin`], [`seam`]), the
//! simulated API server ([`api`]), the simulator ([`sim`]) and the shared work queue
//! ([`timed_worker_queue`]); [`device`] is the built-in device taint eviction controller.
//! See the README for the layout.

mod scenario_file;

pub use scenario_file::Scenario;
pub use taintsim_check::check::Strategy;
pub use taintsim_check::{CheckError, ExpectationFailed, FirstFailure, Schedule, Verdict};
pub use taintsim_plugin::Registry;

/// The in-memory API server, watches and informers a controller plug-in starts on.
pub use taintsim_api as api;
/// Running scenarios and judging them: one schedule, random/PCT/exhaustive exploration, the
/// oracles, and the verdict of a file.
pub use taintsim_check as check;
/// The 1.33 DRA device taint eviction controller, the built-in plug-in.
pub use taintsim_controller_device as device;
/// The node taint eviction controller (NoExecuteTaintManager), the second built-in plug-in.
pub use taintsim_controller_node as node;
/// The controller seam: the plug-in trait, behaviour keys, metrics, reference models and the
/// registry.
pub use taintsim_plugin as plugin;
/// The oracles' reference models, sharing no code with any controller.
pub use taintsim_reference as reference;
/// The scenario file format: its model, loading with `file:line:column` errors, its schema.
pub use taintsim_scenario as scenario;
/// The runtime a controller runs on, the sync shim and the client ports.
pub use taintsim_seam as seam;
/// The deterministic simulator: executor, strategies, decision logs and traces.
pub use taintsim_sim as sim;
/// The TimedWorkerQueue the taint eviction controllers share (upstream versions V0-V5).
pub use taintsim_timed_worker_queue as timed_worker_queue;

/// Every controller this build of taintsim runs, in the order `taintsim keys` lists them. The
/// first generation of the first one is the default of a scenario without `controller`.
pub fn controllers() -> Registry {
    Registry::new()
        .with(taintsim_controller_device::DeviceTaintEviction)
        .with(taintsim_controller_node::NodeTaintEviction)
}
