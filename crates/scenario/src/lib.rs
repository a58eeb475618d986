//! Scenario files, the simulated world, oracles and the runner.
//!
//! - [`world`]: the API server, informers, controller and event sink wired on the simulator.
//! - [`oracle`]: the invariants judged on every run.

pub mod duration;
pub mod oracle;
pub mod world;
