//! An exhaustive search of one scenario file with its first failure saved, where
//! `taintsim replay --decisions PATH` finds it: what `taintsim explore --strategy exhaustive`
//! prints, and what `taintsim run` judges a file whose strategy is `exhaustive` by.

use std::path::{Path, PathBuf};
use std::time::Instant;

use taintsim_scenario::format::Scenario;

use crate::check::{Overrides, elapsed_ms, plural, run_error};
use crate::save::save_decisions_as;
use crate::verdict::{CheckError, FirstFailure};
use crate::{
    ExhaustiveOptions, ExhaustiveSummary, Progress, Reduction, Schedule, explore_exhaustive_jobs,
};

/// A finished exhaustive search, with its first failure saved.
#[derive(Debug, Clone)]
pub struct Searched {
    /// What the search found.
    pub summary: ExhaustiveSummary,
    /// The bounds and reduction it ran with.
    pub options: ExhaustiveOptions,
    /// Where the first failure's decision log was saved.
    pub saved: Option<PathBuf>,
    /// The command that replays the first failure (only when it was saved: an exhaustive
    /// schedule has no seed to name).
    pub replay: Option<String>,
    /// Wall-clock milliseconds.
    pub elapsed_ms: u64,
}

impl Searched {
    /// The first failing schedule, named by its saved log if it was saved.
    pub fn first_failure(&self) -> Option<FirstFailure> {
        self.summary.first_failure.as_ref().map(|f| {
            let log = f.result.report.decisions.clone();
            FirstFailure {
                schedule: match &self.saved {
                    Some(path) => Schedule::Saved {
                        path: path.clone(),
                        log,
                    },
                    None => Schedule::Replay(log),
                },
                result: f.result.clone(),
            }
        })
    }

    /// What the search covered, in two lines: counts, then whether the bounded space was
    /// covered.
    pub fn describe(&self) -> Vec<String> {
        let summary = &self.summary;
        let counts: Vec<String> = summary
            .outcomes
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let coverage = if summary.complete {
            "complete: every schedule after the controller's initial sync is covered (up to the \
             reduction's equivalence)"
                .to_owned()
        } else if summary.outcomes.contains_key("step-limit") {
            format!(
                "NOT complete: a schedule reached the step limit ({}; raise --max-steps)",
                self.options.max_steps
            )
        } else {
            format!(
                "NOT complete: stopped at --max-schedules {} with schedules left",
                self.options.max_schedules
            )
        };
        vec![
            format!(
                "exhaustive ({}{}): {} schedule{}, {} failure{}, {} pruned in {} ms ({})",
                reduction_name(self.options.reduction),
                match self.options.split_depth {
                    0 => String::new(),
                    d => format!(", split depth {d}"),
                },
                summary.schedules,
                plural(summary.schedules),
                summary.failures,
                plural(summary.failures),
                summary.pruned,
                self.elapsed_ms,
                counts.join(", ")
            ),
            coverage,
        ]
    }
}

/// Searches `scenario`'s schedules exhaustively within `options` and saves the first
/// failure's decision log in `overrides.save` as `<scenario-name>-exhaustive.decisions.json`.
pub fn search_exhaustive(
    file: &Path,
    scenario: &Scenario,
    options: ExhaustiveOptions,
    overrides: &Overrides,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Searched, CheckError> {
    let started = Instant::now();
    let summary = explore_exhaustive_jobs(scenario, &options, overrides.jobs, on_progress)
        .map_err(|error| run_error(file, scenario, error))?;
    Searched::finish(
        file,
        scenario,
        options,
        summary,
        overrides,
        elapsed_ms(started),
    )
}

impl Searched {
    /// A finished search of `scenario` (loaded from `file` with `overrides`) that gave
    /// `summary`, with its first failure saved in `overrides.save` as
    /// `<scenario-name>-exhaustive.decisions.json` (`taintsim merge` finishes a merged search
    /// this way too).
    pub fn finish(
        file: &Path,
        scenario: &Scenario,
        options: ExhaustiveOptions,
        summary: ExhaustiveSummary,
        overrides: &Overrides,
        elapsed_ms: u64,
    ) -> Result<Searched, CheckError> {
        let saved = match (&summary.first_failure, &overrides.save) {
            (Some(f), Some(dir)) => Some(
                save_decisions_as(
                    dir,
                    &format!("{}-exhaustive", scenario.name),
                    &f.result.report.decisions,
                )
                .map_err(|error| CheckError::Save {
                    file: file.to_owned(),
                    name: scenario.name.clone(),
                    expect: scenario.expect.clone(),
                    error,
                })?,
            ),
            _ => None,
        };
        let mut searched = Searched {
            summary,
            options,
            saved,
            replay: None,
            elapsed_ms,
        };
        searched.replay = searched.first_failure().and_then(|f| {
            f.schedule
                .replay_command(file, scenario, options.max_steps, &overrides.sets)
        });
        Ok(searched)
    }
}

/// The name of a reduction, as `--reduction` spells it.
pub fn reduction_name(reduction: Reduction) -> &'static str {
    match reduction {
        Reduction::Dpor => "dpor",
        Reduction::SleepSets => "sleep-sets",
        Reduction::None => "none",
    }
}
