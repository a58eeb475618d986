//! Oracles: the invariants judged on every run, on top of a scenario's own assertions.

pub mod reference;
