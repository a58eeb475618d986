//! What the subcommands share: loading a scenario with its `--set` overrides, the PCT step
//! estimate, saving decision logs, and the command line that replays a failure.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use taintsim_check::{Observed, RunError, Schedule, run_schedule};
use taintsim_plugin::Registry;
use taintsim_scenario::load;
use taintsim_scenario::model::{Scenario, SeedRange, StrategyName};
use taintsim_sim::DecisionLog;

use crate::cli::{OneRunArgs, SetArgs};

/// Loads `path` and applies the `--set` overrides, resolving the controller in `registry`.
/// The error is the [`load::LoadError`] (`file:line:column: field ...: message`), or the
/// behaviour error of an override.
pub fn load_scenario(registry: &Registry, path: &Path, set: &SetArgs) -> anyhow::Result<Scenario> {
    let mut scenario = load::load_file(path, registry)?;
    if !set.sets.is_empty() {
        set.apply(&mut scenario.behavior);
        scenario
            .resolve(registry)
            .map_err(|e| anyhow::anyhow!("--set: {e} (`taintsim keys` lists the keys)"))?;
    }
    Ok(scenario)
}

/// The number of steps PCT assumes a run takes: the step count of one random run from the
/// first seed of the range, exactly as `taintsim_check::explore` estimates it, so
/// that `replay --strategy pct` rebuilds the schedule `explore` ran.
pub fn pct_step_estimate(
    scenario: &Scenario,
    seeds: SeedRange,
    max_steps: u64,
) -> Result<u64, RunError> {
    let probe = run_schedule(scenario, Schedule::Random(seeds.start), max_steps)?;
    Ok(probe.report.steps.max(1))
}

/// The kebab-case tag of an outcome (`pass`, `panic`, `violation`, `assertion-failure`, ...).
pub fn outcome_tag(observed: &Observed) -> String {
    serde_json::to_value(observed)
        .ok()
        .and_then(|v| v.get("outcome").and_then(|t| t.as_str().map(str::to_owned)))
        .unwrap_or_else(|| observed.short())
}

/// The trace hash as 16 hex digits.
pub fn hex_hash(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Writes `log` to `dir/<name>-seed<seed>.decisions.json`, creating `dir`.
pub fn save_decisions(
    dir: &Path,
    name: &str,
    seed: u64,
    log: &DecisionLog,
) -> anyhow::Result<PathBuf> {
    save_decisions_as(dir, &format!("{name}-seed{seed}"), log)
}

/// Writes `log` to `dir/<stem>.decisions.json` (`stem` made safe as a file name), creating
/// `dir`.
pub fn save_decisions_as(dir: &Path, stem: &str, log: &DecisionLog) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    let path = dir.join(format!("{}.decisions.json", file_stem(stem)));
    let text = log.to_json().context("cannot serialise the decision log")?;
    std::fs::write(&path, text + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// A scenario name made safe as a file name: anything but ASCII letters, digits, `-`, `_`
/// and `.` becomes `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "scenario".into()
    } else {
        stem
    }
}

/// Which schedule a replay command names.
#[derive(Debug, Clone)]
pub enum ReplayTarget {
    /// A seed, under random or PCT.
    Seed {
        /// The seed.
        seed: u64,
        /// The strategy (random or pct).
        strategy: StrategyName,
        /// PCT depth.
        depth: u32,
        /// The seed range whose first seed's run sets the PCT step estimate.
        seeds: SeedRange,
        /// The step bound.
        max_steps: u64,
    },
    /// A saved decision log.
    Decisions(PathBuf),
    /// The scenario's own recorded `decisions`.
    Recorded,
}

/// The one-line `taintsim replay ...` command that re-runs a schedule of `file`, with only the
/// options that differ from the file's own settings, plus every `--set`.
pub fn replay_command(
    file: &Path,
    scenario: &Scenario,
    target: &ReplayTarget,
    set: &SetArgs,
) -> String {
    let mut words = vec![
        "taintsim".to_owned(),
        "replay".to_owned(),
        shell_quote(&file.display().to_string()),
    ];
    let explore = &scenario.explore;
    match target {
        ReplayTarget::Seed {
            seed,
            strategy,
            depth,
            seeds,
            max_steps,
        } => {
            words.push(format!("--seed {seed}"));
            match strategy {
                StrategyName::Pct => {
                    words.push(format!("--strategy pct --depth {depth}"));
                    if *seeds != explore.seeds {
                        words.push(format!("--seeds {seeds}"));
                    }
                }
                _ if explore.strategy == StrategyName::Pct => {
                    words.push("--strategy random".into());
                }
                _ => {}
            }
            if *max_steps != explore.max_steps {
                words.push(format!("--max-steps {max_steps}"));
            }
        }
        ReplayTarget::Decisions(path) => {
            words.push(format!(
                "--decisions {}",
                shell_quote(&path.display().to_string())
            ));
        }
        ReplayTarget::Recorded => {}
    }
    for (k, v) in &set.sets {
        words.push(format!("--set {}", shell_quote(&format!("{k}={v}"))));
    }
    words.join(" ")
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

/// Whether progress may be drawn: stderr is a terminal, `CI` is unset and the output is not
/// JSON.
pub fn show_progress(json: bool) -> bool {
    use std::io::IsTerminal as _;
    !json && std::env::var_os("CI").is_none() && std::io::stderr().is_terminal()
}

/// The single schedule that `--seed` (under `--strategy`), `--decisions` or the file's recorded
/// decisions name, shared by `replay`, `trace` and `shrink`: the schedule, how to replay it,
/// and how it was chosen, in words.
pub fn chosen_schedule(
    args: &OneRunArgs,
    scenario: &Scenario,
    max_steps: u64,
) -> anyhow::Result<(Schedule, ReplayTarget, String)> {
    let explore = &scenario.explore;
    if let Some(seed) = args.seed {
        let strategy = match args.strategy {
            Some(s) => s.into(),
            None if explore.strategy == StrategyName::Pct => StrategyName::Pct,
            None => StrategyName::Random,
        };
        let depth = args.depth.unwrap_or(explore.depth);
        let seeds = args.seeds.unwrap_or(explore.seeds);
        let (schedule, words) = match strategy {
            StrategyName::Random => (Schedule::Random(seed), format!("seed {seed} (random)")),
            StrategyName::Pct => {
                if depth == 0 {
                    bail!("--depth must be at least 1 for pct");
                }
                let steps = pct_step_estimate(scenario, seeds, max_steps)
                    .map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", args.file.display()))?;
                (
                    Schedule::Pct { seed, depth, steps },
                    format!("seed {seed} (pct depth {depth}, {steps} estimated steps)"),
                )
            }
            StrategyName::Exhaustive => bail!(
                "--strategy exhaustive names no single schedule: use the decision log that \
                 `taintsim explore --strategy exhaustive` saved, with --decisions PATH"
            ),
        };
        let target = ReplayTarget::Seed {
            seed,
            strategy,
            depth,
            seeds,
            max_steps,
        };
        Ok((schedule, target, words))
    } else if let Some(path) = &args.decisions {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let log = DecisionLog::from_json(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a decision log as saved by `taintsim explore`: {e}",
                path.display()
            )
        })?;
        let words = format!("decisions {} ({} entries)", path.display(), log.len());
        Ok((
            Schedule::Replay(log),
            ReplayTarget::Decisions(path.clone()),
            words,
        ))
    } else if let Some(log) = &scenario.decisions {
        let words = format!("the scenario's recorded decisions ({} entries)", log.len());
        Ok((Schedule::Replay(log.clone()), ReplayTarget::Recorded, words))
    } else {
        bail!(
            "{} has no recorded `decisions`: give --seed N or --decisions PATH (find a failing \
             seed with `taintsim explore {}`)",
            args.file.display(),
            args.file.display()
        )
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
    fn file_stem_should_replace_unsafe_characters() {
        assert_eq!(file_stem("updatework-panic"), "updatework-panic");
        assert_eq!(file_stem("a b/c"), "a_b_c");
        assert_eq!(file_stem(""), "scenario");
    }
}
