//! Test doubles and the fixtures of upstream's v1.33 `device_taint_eviction_test.go`, shared by the
//! controller's integration tests.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod doubles;
pub mod fixtures;
pub mod latest_fixtures;
pub mod latest_harness;
