//! The crate's error type.

/// Errors of taintsim-sim's fallible operations.
///
/// Failures *of a simulated run* (panics, divergence, step limits) are not errors: they are
/// [`Outcome`](crate::Outcome)s in the [`RunReport`](crate::RunReport).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A decision log or trace could not be (de)serialised.
    #[error("decision log JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A recorded decision could not be followed.
    #[error(transparent)]
    Divergence(#[from] crate::Divergence),
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
