//! taintsim-reference: the reference models the oracles judge controllers against.
//!
//! A reference answers, from the API objects alone, "may this pod be deleted now, and by when
//! must it be?" ([`taintsim_plugin::Reference`]). It is written from upstream's documented
//! semantics (the KEP, the API field docs, the toleration rules), small and declarative rather
//! than fast, and it shares **no code** with any controller: this crate depends on the plug-in
//! seam and the API objects only, never on a controller crate or the queue they share. A bug in
//! a controller's eviction-time, toleration, pool or rule code can therefore show up as a
//! `no-early-eviction` or `eventual-eviction` violation instead of being copied into the
//! verdict. Where a reference and a controller disagree, one of them is wrong; the umbrella's
//! `tests/reference_agreement.rs` checks that they agree on generated worlds, apart from a
//! listed set of known divergences.
//!
//! One module per controller family:
//! - [`device`]: DRA device taint eviction (KEP-5055).
//! - [`node`]: NoExecute taints on the pod's Node against the pod's tolerations (the node taint
//!   eviction controller).

#![deny(missing_docs)]

pub mod device;
pub mod node;
