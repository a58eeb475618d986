//! taintsim: deterministic simulation and stress testing of the Kubernetes DRA device taint
//! eviction controller (KEP-5055).
//!
//! This umbrella crate re-exports the workspace crates so that benchmarks and users can depend on
//! one name. See the README for the layout and the quick start.

pub use taintsim_controller_device as controller;
