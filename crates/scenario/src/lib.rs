//! Scenario files, the simulated world, oracles and the runner.
//!
//! - [`model`]: the scenario file format; [`load`] reads and validates files.
//! - [`world`]: the API server, informers, controller and event sink wired on the simulator.
//! - [`oracle`]: the invariants judged on every run.
//! - [`render`]: a run as an SVG swimlane diagram or an HTML page.

pub mod duration;
pub mod load;
pub mod model;
pub mod object;
pub mod oracle;
pub mod render;
pub mod runner;
pub mod shrink;
pub mod world;
