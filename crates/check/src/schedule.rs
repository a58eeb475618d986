//! One schedule of a scenario: how the simulator picks every step of a run, and how
//! `taintsim replay` names it on a command line. The two are one enum so that a failure found
//! by any search can always be reported with the command that re-runs exactly that schedule.

use std::path::{Path, PathBuf};

use taintsim_scenario::format::{Scenario, SeedRange, StrategyName};
use taintsim_sim::{
    DecisionLog, PctStrategy, RandomStrategy, ReplayStrategy, ReplayThenRandomStrategy, Strategy,
};

use crate::{RunError, run_schedule};

/// How to pick the schedule of one run.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Uniformly random choices from the seed.
    Random(u64),
    /// PCT with `depth` from the seed. PCT needs to know how many steps a run takes: like
    /// `taintsim explore`, it estimates them from one random run of the first seed of `seeds`
    /// ([`pct_step_estimate`]), so the same seed, depth and range give the same schedule.
    Pct {
        /// The seed.
        seed: u64,
        /// PCT depth d (priority change points plus one).
        depth: u32,
        /// The seed range explored; its first seed sets the step estimate.
        seeds: SeedRange,
    },
    /// Exactly the decisions of a log held in memory (one that no file names).
    Replay(DecisionLog),
    /// Exactly the decisions of a log saved at `path`, as `taintsim explore` saves them.
    Saved {
        /// Where the log is saved.
        path: PathBuf,
        /// The log.
        log: DecisionLog,
    },
    /// Exactly the scenario file's own recorded `decisions`.
    Recorded,
    /// The recorded decisions while they apply, then random from the seed.
    ReplayThenRandom(DecisionLog, u64),
}

impl Schedule {
    /// The seed the schedule is drawn from; `None` for a decision log.
    pub fn seed(&self) -> Option<u64> {
        match self {
            Self::Random(s) | Self::Pct { seed: s, .. } | Self::ReplayThenRandom(_, s) => Some(*s),
            Self::Replay(_) | Self::Saved { .. } | Self::Recorded => None,
        }
    }

    /// The simulator strategy that follows the schedule in a run of `scenario` with at most
    /// `max_steps` steps (a PCT schedule runs its step estimate first).
    pub fn strategy(
        self,
        scenario: &Scenario,
        max_steps: u64,
    ) -> Result<Box<dyn Strategy>, RunError> {
        Ok(match self {
            Self::Random(seed) => Box::new(RandomStrategy::new_from_seed(seed)),
            Self::Pct { seed, depth, seeds } => {
                let steps = pct_step_estimate(scenario, seeds, max_steps)?;
                pct(seed, depth, steps)
            }
            Self::Replay(log) | Self::Saved { log, .. } => {
                Box::new(ReplayStrategy::new_from_log(log))
            }
            Self::Recorded => {
                let log = scenario.decisions.clone().ok_or_else(|| {
                    RunError::Unsupported("the scenario has no recorded `decisions`".into())
                })?;
                Box::new(ReplayStrategy::new_from_log(log))
            }
            Self::ReplayThenRandom(log, seed) => Box::new(ReplayThenRandomStrategy::new(log, seed)),
        })
    }

    /// The one-line `taintsim replay ...` command that re-runs this schedule of `file` (whose
    /// loaded contents are `scenario`), with only the options that differ from the file's own
    /// settings, plus every `--set` of `sets`. `max_steps` is the run's step bound. `None` for
    /// a schedule that no command line names: a log held only in memory, or a replay that
    /// continues at random.
    pub fn replay_command(
        &self,
        file: &Path,
        scenario: &Scenario,
        max_steps: u64,
        sets: &[(String, String)],
    ) -> Option<String> {
        let mut words = vec![
            "taintsim".to_owned(),
            "replay".to_owned(),
            shell_quote(&file.display().to_string()),
        ];
        let explore = &scenario.explore;
        match self {
            Self::Random(seed) => {
                words.push(format!("--seed {seed}"));
                if explore.strategy == StrategyName::Pct {
                    words.push("--strategy random".into());
                }
            }
            Self::Pct { seed, depth, seeds } => {
                words.push(format!("--seed {seed}"));
                words.push(format!("--strategy pct --depth {depth}"));
                if *seeds != explore.seeds {
                    words.push(format!("--seeds {seeds}"));
                }
            }
            Self::Saved { path, .. } => words.push(format!(
                "--decisions {}",
                shell_quote(&path.display().to_string())
            )),
            Self::Recorded => {}
            Self::Replay(_) | Self::ReplayThenRandom(..) => return None,
        }
        // Only a seed depends on the step bound: a decision log ends where it ends.
        if matches!(self, Self::Random(_) | Self::Pct { .. }) && max_steps != explore.max_steps {
            words.push(format!("--max-steps {max_steps}"));
        }
        for (k, v) in sets {
            words.push(format!("--set {}", shell_quote(&format!("{k}={v}"))));
        }
        Some(words.join(" "))
    }
}

/// A PCT strategy with a known step estimate.
pub(crate) fn pct(seed: u64, depth: u32, steps: u64) -> Box<dyn Strategy> {
    Box::new(PctStrategy::new_from_seed(seed, depth as usize, steps))
}

/// The number of steps PCT assumes a run takes: the step count of one random run from the
/// first seed of `seeds` (at least 1). `explore` measures it once per seed range, and
/// [`Schedule::Pct`] measures it the same way, so that a replay rebuilds the schedule
/// `explore` ran.
pub fn pct_step_estimate(
    scenario: &Scenario,
    seeds: SeedRange,
    max_steps: u64,
) -> Result<u64, RunError> {
    let probe = run_schedule(scenario, Schedule::Random(seeds.start), max_steps)?;
    Ok(probe.report.steps.max(1))
}

/// Quotes `word` for a POSIX shell if it needs it.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | '=' | ':' | ',' | '+' | '@' | '%')
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_should_leave_plain_words_and_quote_the_rest() {
        assert_eq!(shell_quote("scenarios/a-b.json"), "scenarios/a-b.json");
        assert_eq!(shell_quote("queue=v2"), "queue=v2");
        assert_eq!(shell_quote("my file.json"), "'my file.json'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn seed_should_be_none_for_every_decision_log() {
        let seeds = SeedRange { start: 0, end: 10 };
        assert_eq!(Schedule::Random(4).seed(), Some(4));
        assert_eq!(
            Schedule::Pct {
                seed: 7,
                depth: 3,
                seeds
            }
            .seed(),
            Some(7)
        );
        assert_eq!(Schedule::Recorded.seed(), None);
        assert_eq!(Schedule::Replay(DecisionLog::default()).seed(), None);
    }
}
