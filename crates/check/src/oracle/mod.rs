//! Oracles: the invariants judged on every run, on top of a scenario's own assertions
//! (ARCHITECTURE.md, "Oracles"). Each bug toggle's documentation names the oracle it breaks.
//!
//! | oracle | judged | holds when |
//! |---|---|---|
//! | `no-panic` | every step | no simulated task panics |
//! | `no-early-eviction` | at each controller DELETE | the reference eviction time (the controller's [`Reference`](taintsim_plugin::Reference)) has come |
//! | `eventual-eviction` | at quiescence | no pod with a reference eviction time still exists |
//! | `one-event-per-invocation` | at quiescence | every work invocation recorded at most one eviction event (`Marking for deletion`), and exactly one if it deleted |
//! | `metrics-agree` | at quiescence | the deletion counter and histogram count equal the accepted DELETEs |
//! | `cancel-event-truth` | at quiescence | no controller DELETE of a pod follows a cancel event for it without an eviction event in between ([`cancel_event`]) |

pub mod cancel_event;
pub mod judge;

pub use taintsim_plugin::OracleName;
