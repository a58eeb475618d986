//! The typed report of a replay that no longer matches the program.

use serde::{Deserialize, Serialize};

/// A recorded decision could not be followed.
///
/// Raised by [`ReplayStrategy`](crate::ReplayStrategy) when the decision at index `decision`
/// of the log names a label that is not offered now, when the kind of decision (schedule or
/// data) differs, or when the log is exhausted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("divergence at decision {decision}: expected {expected}, found {}", found_text(.found))]
pub struct Divergence {
    /// Index of the decision (schedule or data) in the decision log, starting at 0.
    pub decision: usize,
    /// The recorded label (data decisions carry the suffix ` (data)`), or `<end of log>`.
    pub expected: String,
    /// The labels offered now: the enabled labels for a schedule decision, or the requested
    /// data label (with ` (data)`) for a data decision.
    pub found: Vec<String>,
}

fn found_text(found: &[String]) -> String {
    if found.is_empty() {
        "nothing".to_string()
    } else {
        found.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divergence_should_display_index_expected_and_found() {
        let d = Divergence {
            decision: 4,
            expected: "a: x".into(),
            found: vec!["b: y".into(), "c: fire".into()],
        };
        assert_eq!(
            d.to_string(),
            "divergence at decision 4: expected a: x, found b: y, c: fire"
        );
    }
}
