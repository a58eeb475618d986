//! The scenario file format of taintsim: what a scenario says ([`format`]), reading and checking
//! files against the controllers of a registry ([`load`]), against the API server's rules
//! ([`validate`]) and against what the controller reads ([`fault_scope`]), the actor's steps
//! flattened out of `atomic` groups ([`steps`]), and the format's JSON Schema ([`schema`]).
//!
//! What happens to a loaded scenario lives in the crates above: `taintsim-world` assembles
//! it, `taintsim-check` runs, explores and judges it.

pub mod count;
pub mod duration;
pub mod fault_scope;
pub mod format;
pub mod load;
pub mod locate;
pub mod object;
pub mod schema;
pub mod steps;
pub mod validate;
