//! One run of a scenario, built as `taintsim-check` builds it, and stopped at a chosen step.
//!
//! The frozen run of `taintsim serve` is the world after step N of the schedule. The
//! simulator is deterministic, so the world after step N is the same every time the schedule
//! runs, and moving the frozen run to another step is a new run from scratch, stopped there.
//! The world is built exactly as [`taintsim_check::run_strategy`] builds it (same objects,
//! settings, actor and faults) and the observer does what its observer does to the world
//! (wakes the waiting actor, stops on an actor failure), so step N here is step N there; the
//! tests check that the trace hashes agree for every bundled scenario.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use taintsim_api::ApiServer;
use taintsim_check::oracle::OracleName;
use taintsim_check::oracle::judge::judge_deletion;
use taintsim_check::{RunError, Schedule};
use taintsim_scenario::model::Scenario;
use taintsim_seam::runtime::Runtime;
use taintsim_seam::sync::Mutex;
use taintsim_sim::{
    Control, Outcome, PctStrategy, RandomStrategy, ReplayStrategy, ReplayThenRandomStrategy,
    RunReport, SimConfig, Strategy,
};
use taintsim_world::World;
use taintsim_world::actor::{Actor, ActorState, SharedActor};
use taintsim_world::checks::WorldView;
use taintsim_world::faults::Faults;
use taintsim_world::observe::SharedLog;

/// The seed and the strategy of `schedule`, as `taintsim-check` makes them.
pub fn strategy_of(schedule: &Schedule) -> (u64, Box<dyn Strategy>) {
    match schedule.clone() {
        Schedule::Random(seed) => (seed, Box::new(RandomStrategy::new_from_seed(seed))),
        Schedule::Pct { seed, depth, steps } => (
            seed,
            Box::new(PctStrategy::new_from_seed(seed, depth as usize, steps)),
        ),
        Schedule::Replay(log) => (0, Box::new(ReplayStrategy::new_from_log(log))),
        Schedule::ReplayThenRandom(log, seed) => {
            (seed, Box::new(ReplayThenRandomStrategy::new(log, seed)))
        }
    }
}

/// The scenario's world, before anything ran: as `taintsim-check`'s `build_world`.
pub fn build_world(
    scenario: &Scenario,
    seed: u64,
    strategy: Box<dyn Strategy>,
    max_steps: u64,
) -> Result<World, RunError> {
    let w = &scenario.world;
    let start = w
        .start_time
        .parse()
        .map_err(|_| RunError::StartTime(w.start_time.clone()))?;
    let config = SimConfig::default()
        .seed(seed)
        .start_time(start)
        .max_steps(max_steps)
        .time_jumps(w.time_jumps);
    let resolved = scenario.controller().cloned().ok_or_else(|| {
        RunError::Unsupported("the scenario's controller was not resolved".into())
    })?;
    let mut builder = World::builder_for(resolved)
        .objects(scenario.objects.iter().map(|o| o.0.clone()))
        .sim_config(config)
        .strategy(strategy)
        .event_queue_size(w.event_queue_size)
        .watch_window(w.watch_window)
        .default_taint_time_added(w.default_taint_time_added)
        .validation(w.validation.is_on());
    if let Some(component) = &w.component {
        builder = builder.component(component.clone());
    }
    builder
        .build()
        .map_err(|e| RunError::InitialObject(e.to_string()))
}

/// The scenario actor of `world` (not yet spawned), with its shared state and its faults.
/// The caller keeps the faults for the whole run, as the check runner does: installed faults
/// outlive the actor, whose task ends with its last step.
pub fn actor_of(world: &World, scenario: &Scenario) -> (Actor, SharedActor, Arc<Mutex<Faults>>) {
    let behavior = scenario
        .controller()
        .map_or_else(|| scenario.behavior.clone(), |r| r.behavior.clone());
    let state: SharedActor = Arc::new(Mutex::new(ActorState::default()));
    let faults = Arc::new(Mutex::new(Faults::new(
        world.server.clone(),
        world.informers.clone(),
        world.plugin.listeners(&behavior),
        world.rt.clone(),
    )));
    let actor = Actor {
        rt: world.rt.clone() as Arc<dyn Runtime>,
        view: WorldView::of(world),
        faults: faults.clone(),
        state: state.clone(),
    };
    (actor, state, faults)
}

/// What `taintsim-check`'s runner does after every step, repeated here so that a run stops
/// where it stops there: wake the waiting actor, stop on an actor failure, and stop on a
/// deletion that violates an oracle the scenario does not exempt.
pub struct Judge {
    state: SharedActor,
    log: SharedLog,
    exempt: Vec<OracleName>,
    judged: usize,
}

impl Judge {
    /// The judge of `world` with the actor's `state`.
    pub fn new(world: &World, scenario: &Scenario, state: SharedActor) -> Self {
        Self {
            state,
            log: world.log.clone(),
            exempt: scenario.exempt.iter().map(|e| e.oracle).collect(),
            judged: 0,
        }
    }

    /// The observer's verdict after a step.
    pub fn after_step(&mut self) -> Control {
        let waiter = self.state.lock().waiter.take();
        if let Some(w) = waiter {
            w.wake();
        }
        if self.state.lock().failure.is_some() {
            return Control::Stop("scenario actor failed".into());
        }
        let log = self.log.lock();
        for d in &log.deletions[self.judged..] {
            if judge_deletion(d).is_some_and(|v| !self.exempt.contains(&v.oracle)) {
                return Control::Stop("oracle violated".into());
            }
        }
        self.judged = log.deletions.len();
        Control::Continue
    }
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
    let (seed, strategy) = strategy_of(schedule);
    let mut world = build_world(scenario, seed, strategy, max_steps)?;
    let start = world.handle().now();
    let (actor, state, faults) = actor_of(&world, scenario);
    world.spawn("scenario", actor.run(scenario.steps.clone()));
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
