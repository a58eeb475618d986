//! One run of a scenario, built as `taintsim-check` builds it, and stopped at a chosen step.
//!
//! The frozen run of `taintsim serve` is the world after step N of the schedule. The
//! simulator is deterministic, so the world after step N is the same every time the schedule
//! runs, and moving the frozen run to another step is a new run from scratch, stopped there.
//! The world is built exactly as [`taintsim_check::run_strategy`] builds it (same objects,
//! settings, actor and faults, through the same functions) and the observer is its
//! [`Judge`], so step N here is step N there; the
//! tests check that the trace hashes agree for every bundled scenario.

use jiff::Timestamp;
use serde::Serialize;
use taintsim_api::ApiServer;
use taintsim_check::{Judge, RunError, Schedule, actor_of, build_world};
use taintsim_scenario::format::Scenario;
use taintsim_sim::{Control, Outcome, RunReport, Strategy};

/// The seed and the strategy of `schedule` in a run of `scenario`, as `taintsim-check`
/// makes them.
pub fn strategy_of(
    schedule: &Schedule,
    scenario: &Scenario,
    max_steps: u64,
) -> Result<(u64, Box<dyn Strategy>), RunError> {
    let seed = schedule.seed().unwrap_or(0);
    Ok((seed, schedule.clone().strategy(scenario, max_steps)?))
}

/// Where a run stands: after which step, at what virtual time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// Steps taken (each one scheduling decision); 0 before the first.
    pub decision: u64,
    /// The last step's label, `actor: action` (`start` before the first).
    pub label: String,
    /// Virtual time after the last step.
    pub time: Timestamp,
    /// How many steps the whole run takes (the largest position), once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<u64>,
}

impl Position {
    /// The position after `report`'s last step (the start if it took none).
    pub fn after(report: &RunReport, start: Timestamp) -> Self {
        match report.trace.entries.last() {
            Some(e) => Self {
                decision: e.step,
                label: e.label(),
                time: e.time,
                steps: None,
            },
            None => Self {
                decision: 0,
                label: "start".into(),
                time: start,
                steps: None,
            },
        }
    }
}

/// A run stopped after a step: its API server (nothing runs on it any more), where it
/// stopped, and the report of the steps taken.
pub struct Frozen {
    /// The world's API server.
    pub server: ApiServer,
    /// Where the run stopped.
    pub position: Position,
    /// The steps taken.
    pub report: RunReport,
}

/// Runs `scenario` under `schedule` and stops after step `stop_at` (`None`: to the end), or
/// earlier if the run ends earlier.
pub fn run_to(
    scenario: &Scenario,
    schedule: &Schedule,
    max_steps: u64,
    stop_at: Option<u64>,
) -> Result<Frozen, RunError> {
    let (seed, strategy) = strategy_of(schedule, scenario, max_steps)?;
    let mut world = build_world(scenario, seed, strategy, max_steps)?;
    let start = world.handle().now();
    let (actor, state, faults) = actor_of(&world);
    world.spawn(
        taintsim_world::actor::ACTOR_NAME,
        actor.run(scenario.steps.clone()),
    );
    let server = world.server.clone();
    let report = if stop_at == Some(0) {
        RunReport {
            outcome: Outcome::Stopped {
                step: 0,
                message: "frozen".into(),
            },
            trace: Default::default(),
            decisions: Default::default(),
            steps: 0,
            final_time: start,
        }
    } else {
        let mut judge = Judge::new(&world, scenario, state);
        world.run_with(&mut |report, _| match judge.after_step() {
            Control::Continue if Some(report.entry.step) == stop_at => {
                Control::Stop("frozen".into())
            }
            verdict => verdict,
        })
    };
    drop(faults);
    let position = Position::after(&report, start);
    Ok(Frozen {
        server,
        position,
        report,
    })
}
