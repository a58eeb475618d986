//! The scenario file format of taintsim: what a scenario says ([`model`]), reading and checking
//! files against the controllers of a registry ([`load`]) and against the API server's rules
//! ([`validate`]), and the format's JSON Schema ([`schema`]).
//!
//! What happens to a loaded scenario lives in the crates above: `taintsim-world` assembles
//! it, `taintsim-check` runs, explores and judges it.

pub mod duration;
pub mod load;
pub mod model;
pub mod object;
pub mod schema;
pub mod validate;
