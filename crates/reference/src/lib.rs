//! taintsim-reference: the oracles' reference models, sharing no code with any controller.
//!
//! A reference answers, from the objects the API server holds and the documented semantics of
//! taints and tolerations alone, when a pod may be evicted and by when it must be
//! ([`taintsim_plugin::Reference`]). It is deliberately small and declarative: a bug in a
//! controller's own eviction logic must be able to show up as an oracle violation, which it
//! could not if the reference reused that logic.
//!
//! - [`node`]: NoExecute taints on the pod's Node against the pod's tolerations (the node taint
//!   eviction controller).

#![deny(missing_docs)]

pub mod node;
