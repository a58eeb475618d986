//! Following a decision log as far as it applies, then continuing at random.

use super::{ChooseContext, RandomStrategy, ReplayStrategy, Strategy};
use crate::{DecisionLog, Divergence, Enabled};

/// Wraps a [`ReplayStrategy`] and a [`RandomStrategy`]: follows the log while it applies,
/// then continues with the seeded random strategy and never reports a divergence. This keeps
/// saved schedules useful after the code under test changed.
///
/// Once the log stops applying (a divergence, or the end of the log), every later decision is
/// random; [`ReplayThenRandomStrategy::divergence`] tells where that happened.
#[derive(Debug)]
pub struct ReplayThenRandomStrategy {
    replay: ReplayStrategy,
    random: RandomStrategy,
    divergence: Option<Divergence>,
}

impl ReplayThenRandomStrategy {
    /// Replays `log`, then continues with a random strategy seeded with `seed`.
    pub fn new(log: DecisionLog, seed: u64) -> Self {
        Self {
            replay: ReplayStrategy::new_from_log(log),
            random: RandomStrategy::new_from_seed(seed),
            divergence: None,
        }
    }

    /// Where the log stopped applying (its `expected` is `<end of log>` if it simply ran
    /// out), or `None` while it is still being followed.
    pub fn divergence(&self) -> Option<&Divergence> {
        self.divergence.as_ref()
    }

    /// Number of recorded decisions followed.
    pub fn replayed(&self) -> usize {
        self.replay.position()
    }
}

impl Strategy for ReplayThenRandomStrategy {
    fn begin_execution(&mut self) -> bool {
        self.divergence = None;
        self.replay.begin_execution()
    }

    fn choose(&mut self, enabled: &[Enabled], ctx: &ChooseContext) -> Result<usize, Divergence> {
        if self.divergence.is_none() {
            match self.replay.choose(enabled, ctx) {
                Ok(i) => return Ok(i),
                Err(d) => self.divergence = Some(d),
            }
        }
        self.random.choose(enabled, ctx)
    }

    fn random(&mut self, label: &str, n: u64) -> Result<u64, Divergence> {
        if self.divergence.is_none() {
            match self.replay.random(label, n) {
                Ok(v) => return Ok(v),
                Err(d) => self.divergence = Some(d),
            }
        }
        self.random.random(label, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decision, EnabledKind, TaskId};

    #[test]
    fn replay_then_random_should_switch_to_random_at_the_end_of_the_log() {
        let log = DecisionLog {
            entries: vec![Decision::Schedule {
                label: "a: go".into(),
                index: 0,
                enabled: 2,
            }],
        };
        let e: Vec<Enabled> = ["a", "b"]
            .iter()
            .enumerate()
            .map(|(i, a)| Enabled {
                actor: (*a).into(),
                action: "go".into(),
                touches: vec![],
                detail: None,
                kind: EnabledKind::Task(TaskId(i as u64)),
            })
            .collect();
        let ctx = ChooseContext::new(1, 0, None);
        let mut s = ReplayThenRandomStrategy::new(log, 5);
        assert_eq!(s.choose(&e, &ctx), Ok(0));
        assert!(s.divergence().is_none());
        for _ in 0..20 {
            assert!(s.choose(&e, &ctx).is_ok_and(|i| i < 2));
        }
        assert!(s.random("roll", 3).is_ok_and(|v| v < 3));
        assert_eq!(s.replayed(), 1);
        assert_eq!(s.divergence().map(|d| d.decision), Some(1));
    }
}
