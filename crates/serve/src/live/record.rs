//! `--record OUT.json`: the live run as a scenario file. Its steps are the ones the live actor
//! took (the file's own, the clients' writes, the `advance` ticks between them), its
//! objects the initial ones, its `decisions` the run's decision log, and its `expect` what
//! replaying it gives, so that `taintsim run OUT.json` replays the run exactly and passes.

use std::path::{Path, PathBuf};

use serde::Serialize;
use taintsim_check::{Observed, Schedule, run_schedule};
use taintsim_scenario::format::{ActorStep, Expectation, Quantifier, Scenario};
use taintsim_sim::RunReport;

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    /// The file.
    pub path: PathBuf,
    /// Actor steps recorded.
    pub steps: usize,
    /// Decisions recorded.
    pub decisions: usize,
    /// The trace hash of the recording's replay (equal to the live run's).
    pub trace_hash: String,
    /// The recorded expectation, in words.
    pub expect: String,
}

/// The expectation a replay of the recording meets.
fn expectation_for(observed: &Observed) -> Expectation {
    match observed {
        Observed::Pass => Expectation::Pass,
        Observed::Panic { message, .. } => Expectation::Panic {
            message_contains: message.split(" (").next().unwrap_or(message).to_owned(),
            on: Quantifier::SomeSchedule,
        },
        Observed::Violation { oracle, .. } => Expectation::Violation {
            oracle: *oracle,
            on: Quantifier::SomeSchedule,
        },
        other => Expectation::AssertionFailure {
            message_contains: Some(other.message()),
            on: Quantifier::SomeSchedule,
        },
    }
}

/// Writes the recording of the live run of `scenario` that took `steps` and ended with
/// `report` to `path`; an error if it cannot be written or does not replay to the same trace.
pub fn write(
    scenario: &Scenario,
    steps: Vec<ActorStep>,
    report: &RunReport,
    path: &Path,
) -> Result<Recorded, String> {
    let mut recorded = scenario.clone();
    let count = steps.len();
    recorded.steps = steps;
    recorded.decisions = Some(report.decisions.clone());
    recorded.explore.max_steps = recorded.explore.max_steps.max(report.steps + 1);
    recorded.name = format!("{}-recorded", scenario.name);
    recorded.description = format!(
        "Recorded by `taintsim serve --live --record` from {}: its own steps, the clients' \
         writes as they arrived and `advance` steps for the time between them, with the \
         decisions the live run took. {}",
        scenario.name, scenario.description
    );
    let replay = run_schedule(
        &recorded,
        Schedule::Replay(report.decisions.clone()),
        recorded.explore.max_steps,
    )
    .map_err(|e| format!("the recording cannot run: {e}"))?;
    recorded.expect = expectation_for(&replay.observed);
    let text = serde_json::to_string_pretty(&recorded)
        .map_err(|e| format!("cannot encode the recording: {e}"))?;
    std::fs::write(path, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let live = report.trace.hash();
    let replayed = replay.report.trace.hash();
    if live != replayed {
        return Err(format!(
            "{} was written but does not replay the live run exactly: live trace hash \
             {live:016x}, replay {replayed:016x} ({})",
            path.display(),
            replay.observed.message()
        ));
    }
    Ok(Recorded {
        path: path.to_owned(),
        steps: count,
        decisions: report.decisions.len(),
        trace_hash: format!("{replayed:016x}"),
        expect: taintsim_check::expectation_short(&recorded.expect),
    })
}
