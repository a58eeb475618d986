//! [`Chooser`]: the one source of randomness for data choices (fault rolls), injected so that a
//! simulator can record each choice in its decision log and replay it.

/// Picks one of several options for a named decision.
///
/// The simulator implements this with its strategy, so every roll is a logged, replayable
/// decision; tests use closures. Library code never draws random numbers any other way.
pub trait Chooser: Send + Sync {
    /// Returns an index below `options` (which is at least 1) for the decision `label`.
    /// Out-of-range answers are clamped by callers.
    fn choose(&self, label: &str, options: usize) -> usize;
}

impl<F> Chooser for F
where
    F: Fn(&str, usize) -> usize + Send + Sync,
{
    fn choose(&self, label: &str, options: usize) -> usize {
        self(label, options)
    }
}
