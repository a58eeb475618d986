//! The crate's own error: decoding objects and names. Failed API calls are
//! [`ApiError`](crate::ApiError)s, the type the controller's client traits use.

/// An object or name that could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The JSON names an apiVersion/kind pair the simulator does not store.
    #[error(
        "unknown object type apiVersion {api_version:?} kind {kind:?}; expected one of {}",
        crate::object::known_types()
    )]
    UnknownType {
        /// The `apiVersion` field as written.
        api_version: String,
        /// The `kind` field as written.
        kind: String,
    },
    /// The JSON object lacks `apiVersion` or `kind`, or it is not a string.
    #[error("object has no string field {0:?}")]
    MissingTypeField(&'static str),
    /// The JSON is not a valid object of the type its apiVersion and kind name.
    #[error("invalid {api_version} {kind}: {source}")]
    Decode {
        /// The `apiVersion` field.
        api_version: String,
        /// The `kind` field.
        kind: String,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
    /// Text that is not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A name that is not a [`Kind`](crate::Kind).
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    /// A name that is not a [`Verb`](crate::Verb).
    #[error("unknown verb {0:?}")]
    UnknownVerb(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
