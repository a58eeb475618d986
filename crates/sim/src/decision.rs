//! The decision log: every choice a run made, in order, with readable labels.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// One choice made during a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// The scheduler chose one entry of the enabled set.
    Schedule {
        /// The chosen entry's label, `"{actor}: {action}"`.
        label: String,
        /// The chosen entry's index in the enabled set (used to tell equal labels apart).
        index: usize,
        /// How many entries the enabled set had.
        enabled: usize,
    },
    /// A data choice ([`SimHandle::random`](crate::SimHandle::random)), e.g. a fault roll.
    Data {
        /// The caller's label for the choice.
        label: String,
        /// The size of the range the value was drawn from (`0..n`).
        n: u64,
        /// The value chosen.
        value: u64,
    },
}

impl Decision {
    /// The label as shown in divergence reports: a schedule decision's label, or a data
    /// decision's label followed by ` (data)`.
    pub fn describe(&self) -> String {
        match self {
            Decision::Schedule { label, .. } => label.clone(),
            Decision::Data { label, .. } => data_label(label),
        }
    }
}

/// How a data decision's label appears in a [`Divergence`](crate::Divergence).
pub(crate) fn data_label(label: &str) -> String {
    format!("{label} (data)")
}

/// Every decision of one run, in order. Serialises to JSON as `{"entries": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecisionLog {
    /// The decisions, schedule and data interleaved, in the order they were made.
    pub entries: Vec<Decision>,
}

impl DecisionLog {
    /// Renders the log as pretty-printed JSON.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Parses a log written by [`DecisionLog::to_json`].
    pub fn from_json(text: &str) -> Result<Self> {
        Ok(serde_json::from_str(text)?)
    }

    /// Number of decisions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if no decision was made.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of schedule decisions.
    pub fn schedule_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|d| matches!(d, Decision::Schedule { .. }))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_log_should_round_trip_through_json() {
        let log = DecisionLog {
            entries: vec![
                Decision::Schedule {
                    label: "pod-handler: deliver Update default/my-pod rv=7".into(),
                    index: 1,
                    enabled: 3,
                },
                Decision::Data {
                    label: "fault GET pod".into(),
                    n: 100,
                    value: 42,
                },
            ],
        };
        let text = log.to_json().expect("serialise");
        assert!(text.contains("\"kind\": \"schedule\""), "{text}");
        assert!(text.contains("\"kind\": \"data\""), "{text}");
        assert_eq!(DecisionLog::from_json(&text).expect("parse"), log);
    }

    #[test]
    fn decision_log_should_reject_malformed_json() {
        assert!(DecisionLog::from_json("{\"entries\": [{\"kind\": \"nope\"}]}").is_err());
    }
}
