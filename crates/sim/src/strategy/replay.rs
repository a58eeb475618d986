//! Following a recorded decision log.

use super::{ChooseContext, Strategy};
use crate::decision::data_label;
use crate::{Decision, DecisionLog, Divergence, Enabled};

/// Replays a [`DecisionLog`] decision by decision.
///
/// A schedule decision picks the enabled entry with the recorded label, preferring the
/// recorded index when several entries share the label. A data decision returns the recorded
/// value. If the recorded label is not offered, the kind of decision (schedule or data)
/// differs, a recorded value is out of range, or the log is exhausted, the strategy returns a
/// [`Divergence`] naming the decision index, the expected label and what was found.
#[derive(Debug, Clone)]
pub struct ReplayStrategy {
    log: DecisionLog,
    position: usize,
    executions: u64,
}

impl ReplayStrategy {
    /// A strategy that replays `log`.
    pub fn new_from_log(log: DecisionLog) -> Self {
        Self {
            log,
            position: 0,
            executions: 0,
        }
    }

    /// Index of the next decision to follow (equals the number followed so far).
    pub fn position(&self) -> usize {
        self.position
    }

    /// True once every recorded decision has been followed.
    pub fn is_exhausted(&self) -> bool {
        self.position >= self.log.entries.len()
    }

    fn expected(&self) -> String {
        self.log
            .entries
            .get(self.position)
            .map_or_else(|| "<end of log>".to_string(), Decision::describe)
    }

    fn divergence(&self, found: Vec<String>) -> Divergence {
        Divergence {
            decision: self.position,
            expected: self.expected(),
            found,
        }
    }
}

impl Strategy for ReplayStrategy {
    /// True for the first execution only (after resetting to the start of the log).
    fn begin_execution(&mut self) -> bool {
        self.position = 0;
        self.executions += 1;
        self.executions == 1
    }

    fn choose(&mut self, enabled: &[Enabled], _ctx: &ChooseContext) -> Result<usize, Divergence> {
        let labels: Vec<String> = enabled.iter().map(Enabled::label).collect();
        let chosen = match self.log.entries.get(self.position) {
            Some(Decision::Schedule { label, index, .. }) => {
                if labels.get(*index) == Some(label) {
                    Some(*index)
                } else {
                    labels.iter().position(|l| l == label)
                }
            }
            _ => None,
        };
        match chosen {
            Some(i) => {
                self.position += 1;
                Ok(i)
            }
            None => Err(self.divergence(labels)),
        }
    }

    fn random(&mut self, label: &str, n: u64) -> Result<u64, Divergence> {
        match self.log.entries.get(self.position) {
            Some(Decision::Data {
                label: recorded,
                value,
                ..
            }) if recorded == label && *value < n.max(1) => {
                self.position += 1;
                Ok(*value)
            }
            _ => Err(self.divergence(vec![data_label(label)])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EnabledKind, TaskId};

    fn entry(actor: &str, id: u64) -> Enabled {
        Enabled {
            actor: actor.into(),
            action: "go".into(),
            touches: vec![],
            detail: None,
            kind: EnabledKind::Task(TaskId(id)),
        }
    }

    fn log() -> DecisionLog {
        DecisionLog {
            entries: vec![
                Decision::Schedule {
                    label: "b: go".into(),
                    index: 1,
                    enabled: 2,
                },
                Decision::Data {
                    label: "roll".into(),
                    n: 10,
                    value: 7,
                },
            ],
        }
    }

    #[test]
    fn replay_should_follow_labels_even_when_indices_moved() {
        let mut s = ReplayStrategy::new_from_log(log());
        let ctx = ChooseContext::new(1, 0, None);
        let e = vec![entry("b", 0), entry("a", 1)];
        assert_eq!(s.choose(&e, &ctx), Ok(0));
        assert_eq!(s.random("roll", 10), Ok(7));
        assert!(s.is_exhausted());
        let err = s.choose(&e, &ctx).expect_err("log exhausted");
        assert_eq!(err.decision, 2);
        assert_eq!(err.expected, "<end of log>");
    }

    #[test]
    fn replay_should_report_kind_mismatch_as_divergence() {
        let mut s = ReplayStrategy::new_from_log(log());
        let err = s.random("roll", 10).expect_err("schedule expected");
        assert_eq!(err.decision, 0);
        assert_eq!(err.expected, "b: go");
        assert_eq!(err.found, vec!["roll (data)".to_string()]);
        let ctx = ChooseContext::new(1, 0, None);
        assert_eq!(s.choose(&[entry("a", 0), entry("b", 1)], &ctx), Ok(1));
        let err = s.random("other", 10).expect_err("label differs");
        assert_eq!(
            err.to_string(),
            "divergence at decision 1: expected roll (data), found other (data)"
        );
        let err = s.random("roll", 5).expect_err("value out of range");
        assert_eq!(err.decision, 1);
    }

    #[test]
    fn replay_should_run_one_execution() {
        let mut s = ReplayStrategy::new_from_log(log());
        assert!(s.begin_execution());
        assert!(!s.begin_execution());
    }
}
