//! Test doubles and the spec §5.1 fixtures, shared by the controller's integration tests.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod doubles;
pub mod fixtures;
pub mod latest_fixtures;
pub mod latest_harness;
