//! Scenario files, the simulated world, oracles and the runner.
//!
//! - [`model`]: the scenario file format; [`load`] reads and validates files; [`schema`] is
//!   its JSON Schema.
//! - [`world`]: the API server, informers, controller and event sink wired on the simulator.
//! - [`oracle`]: the invariants judged on every run.
//! - [`generate`]: generated worlds and event sequences for proptest and cargo fuzz.
//! - [`render`]: a run as an SVG swimlane diagram or an HTML page.
//! - [`stress`]: the baseline: the same scenario on the tokio back end, in a loop.

pub mod duration;
pub mod generate;
pub mod load;
pub mod model;
pub mod object;
pub mod oracle;
pub mod render;
pub mod runner;
pub mod schema;
pub mod shrink;
pub mod stress;
pub mod world;
