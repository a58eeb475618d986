//! What the subcommands share: loading a scenario with its `--set` overrides, the single
//! schedule that `replay`, `trace` and `shrink` run, and small printing helpers.

use std::path::Path;

use anyhow::{Context as _, bail};
use taintsim_check::{Observed, Schedule};
use taintsim_plugin::Registry;
use taintsim_scenario::format::{Scenario, StrategyName};
use taintsim_sim::DecisionLog;

pub use taintsim_check::shell_quote;

use crate::cli::{OneRunArgs, SetArgs};

/// Loads `path` and applies the `--set` overrides, resolving the controller in `registry`.
/// The error is the load error (`file:line:column: field ...: message`), or the behaviour
/// error of an override.
pub fn load_scenario(registry: &Registry, path: &Path, set: &SetArgs) -> anyhow::Result<Scenario> {
    Ok(taintsim_check::load(registry, path, &set.overrides(None))?)
}

/// The `taintsim replay ...` line for `schedule` of `file` (empty for a schedule no command
/// line names, which the subcommands never print).
pub fn replay_line(
    file: &Path,
    scenario: &Scenario,
    schedule: &Schedule,
    max_steps: u64,
    set: &SetArgs,
) -> String {
    schedule
        .replay_command(file, scenario, max_steps, &set.sets)
        .unwrap_or_default()
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

/// Whether progress may be drawn: stderr is a terminal, `CI` is unset and the output is not
/// JSON.
pub fn show_progress(json: bool) -> bool {
    use std::io::IsTerminal as _;
    !json && std::env::var_os("CI").is_none() && std::io::stderr().is_terminal()
}

/// The single schedule that `--seed` (under `--strategy`), `--decisions` or the file's recorded
/// decisions name, shared by `replay`, `trace` and `shrink`: the schedule, and how it was
/// chosen, in words.
pub fn chosen_schedule(
    args: &OneRunArgs,
    scenario: &Scenario,
    max_steps: u64,
) -> anyhow::Result<(Schedule, String)> {
    let explore = &scenario.explore;
    if let Some(seed) = args.seed {
        let strategy = match args.strategy {
            Some(s) => s.into(),
            None if explore.strategy == StrategyName::Pct => StrategyName::Pct,
            None => StrategyName::Random,
        };
        let depth = args.depth.unwrap_or(explore.depth);
        let seeds = args.seeds.unwrap_or(explore.seeds);
        match strategy {
            StrategyName::Random => Ok((Schedule::Random(seed), format!("seed {seed} (random)"))),
            StrategyName::Pct => {
                if depth == 0 {
                    bail!("--depth must be at least 1 for pct");
                }
                let steps = taintsim_check::pct_step_estimate(scenario, seeds, max_steps)
                    .map_err(|e| anyhow::anyhow!("{}: cannot run: {e}", args.file.display()))?;
                Ok((
                    Schedule::Pct { seed, depth, seeds },
                    format!("seed {seed} (pct depth {depth}, {steps} estimated steps)"),
                ))
            }
            StrategyName::Exhaustive => bail!(
                "--strategy exhaustive names no single schedule: use the decision log that \
                 `taintsim explore --strategy exhaustive` saved, with --decisions PATH"
            ),
        }
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
            Schedule::Saved {
                path: path.clone(),
                log,
            },
            words,
        ))
    } else if let Some(log) = &scenario.decisions {
        let words = format!("the scenario's recorded decisions ({} entries)", log.len());
        Ok((Schedule::Recorded, words))
    } else {
        bail!(
            "{} has no recorded `decisions`: give --seed N or --decisions PATH (find a failing \
             seed with `taintsim explore {}`)",
            args.file.display(),
            args.file.display()
        )
    }
}
