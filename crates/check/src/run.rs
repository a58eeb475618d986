//! The pieces of one run of a scenario, shared by [`run_strategy`](crate::run_strategy) and
//! every other driver of a scenario's world (the frozen and live runs of `taintsim serve`):
//! the world as the file describes it ([`build_world`]), the scenario actor with its faults
//! ([`actor_of`]), and the judge the observer consults after every step and at the end
//! ([`Judge`]).

use std::sync::Arc;

use taintsim_api::ApiServerConfig;
use taintsim_scenario::format::{ActorStep, Scenario};
use taintsim_scenario::steps;
use taintsim_seam::runtime::{Runtime, Timestamp};
use taintsim_seam::sync::Mutex;
use taintsim_sim::{Control, Outcome, RunReport, SimConfig, Strategy};
use taintsim_world::actor::{Actor, ActorFailure, ActorState, SharedActor};
use taintsim_world::assertions::WorldView;
use taintsim_world::faults::Faults;
use taintsim_world::{AssembleError, InitialStore, World};

use crate::oracle::OracleName;
use crate::oracle::judge::{Violation, judge_deletion, judge_quiescent};
use crate::{Observed, RunError};

/// The world `scenario` describes, before anything ran, on a simulator with `strategy`.
pub fn build_world(
    scenario: &Scenario,
    seed: u64,
    strategy: Box<dyn Strategy>,
    max_steps: u64,
) -> Result<World, RunError> {
    build_world_labels(scenario, &Prepared::none(), seed, strategy, max_steps, true)
}

/// What every run of one scenario starts from and can be built once for all of them: the
/// initial objects, stored ([`InitialStore`]), and the actor's steps. A search builds it once
/// and runs every schedule from it; a single run does without.
#[derive(Clone, Default)]
pub struct Prepared {
    initial: Option<Arc<InitialStore>>,
    /// The actor's steps, shared by every run instead of copied into each.
    steps: Option<Arc<[ActorStep]>>,
    /// The start time, parsed.
    start: Option<Timestamp>,
    /// Whether the world records every controller request ([`steps::filters_calls`]).
    record_calls: Option<bool>,
}

impl Prepared {
    /// Nothing prepared: each world stores the objects itself.
    pub fn none() -> Self {
        Self::default()
    }

    /// The initial objects of `scenario` stored once, and its steps. If storing fails (an object the server
    /// rejects, a start time that is not a time) nothing is prepared, and every run reports
    /// the error as a run without preparation does.
    pub fn of(scenario: &Scenario) -> Self {
        let w = &scenario.world;
        let start: Option<Timestamp> = w.start_time.parse().ok();
        let initial = start.and_then(|start| {
            InitialStore::new(
                scenario.objects.iter().map(|o| o.0.clone()).collect(),
                server_config(scenario),
                start,
            )
            .ok()
        });
        Self {
            initial: initial.map(Arc::new),
            steps: Some(scenario.steps.clone().into()),
            start,
            record_calls: Some(steps::filters_calls(scenario)),
        }
    }

    /// The scenario actor's steps: the prepared ones, or a copy of `scenario`'s.
    pub(crate) fn steps(&self, scenario: &Scenario) -> Arc<[ActorStep]> {
        self.steps
            .clone()
            .unwrap_or_else(|| scenario.steps.clone().into())
    }
}

/// The API server settings of `scenario`'s world.
fn server_config(scenario: &Scenario) -> ApiServerConfig {
    let w = &scenario.world;
    ApiServerConfig {
        watch_window: w.watch_window,
        default_taint_time_added: w.default_taint_time_added,
        validation: w.validation.is_on(),
    }
}

/// [`build_world`] from what was `prepared` for `scenario`, with or without labels
/// ([`SimConfig::labels`]).
pub(crate) fn build_world_labels(
    scenario: &Scenario,
    prepared: &Prepared,
    seed: u64,
    strategy: Box<dyn Strategy>,
    max_steps: u64,
    labels: bool,
) -> Result<World, RunError> {
    let w = &scenario.world;
    let start = match prepared.start {
        Some(start) => start,
        None => w
            .start_time
            .parse()
            .map_err(|_| RunError::StartTime(w.start_time.clone()))?,
    };
    let config = SimConfig::default()
        .seed(seed)
        .start_time(start)
        .max_steps(max_steps)
        .time_jumps(w.time_jumps)
        .jump_bounded_by(taintsim_world::actor::ACTOR_NAME)
        .labels(labels);
    let resolved = scenario.controller().cloned().ok_or_else(|| {
        RunError::Unsupported(
            "the scenario's controller was not resolved (load it through a registry)".into(),
        )
    })?;
    let server = server_config(scenario);
    let mut builder = World::builder_for(resolved);
    builder = match &prepared.initial {
        Some(initial) => builder.initial(initial.clone()),
        None => builder.objects(scenario.objects.iter().map(|o| o.0.clone())),
    };
    let mut builder = builder
        .faults(scenario.faults.iter().cloned())
        .sim_config(config)
        .strategy(strategy)
        .event_queue_size(w.event_queue_size)
        .watch_window(server.watch_window)
        .default_taint_time_added(server.default_taint_time_added)
        .validation(server.validation)
        .record_calls(
            prepared
                .record_calls
                .unwrap_or_else(|| steps::filters_calls(scenario)),
        );
    if let Some(component) = &w.component {
        builder = builder.component(component.clone());
    }
    builder.build().map_err(|e| match e {
        AssembleError::InitialObject(e) => RunError::InitialObject(e.to_string()),
        fault @ AssembleError::Fault { .. } => RunError::Unsupported(fault.to_string()),
    })
}

/// The scenario actor of `world` (not yet spawned), with its shared state and its faults.
/// The caller keeps the faults for the whole run: installed faults outlive the actor, whose
/// task ends with its last step.
pub fn actor_of(world: &World) -> (Actor, SharedActor, Arc<Mutex<Faults>>) {
    let state: SharedActor = Arc::new(Mutex::new(ActorState::default()));
    let faults = world.faults.clone();
    let actor = Actor {
        rt: world.rt.clone() as Arc<dyn Runtime>,
        view: WorldView::of(world),
        faults: faults.clone(),
        state: state.clone(),
    };
    (actor, state, faults)
}

/// What the runner does after every step ([`Judge::after_step`]): wake the waiting actor,
/// stop on an actor failure, and stop on a deletion that violates an oracle the scenario does
/// not exempt; and how it judges the run at its end ([`Judge::observe`]).
pub struct Judge {
    state: SharedActor,
    log: taintsim_world::witness::SharedLog,
    exempt: Vec<OracleName>,
    steps: usize,
    judged: usize,
    violation: Option<Violation>,
}

impl Judge {
    /// The judge of `world` running `scenario`, whose actor shares `state`.
    pub fn new(world: &World, scenario: &Scenario, state: SharedActor) -> Self {
        Self {
            state,
            log: world.log.clone(),
            exempt: scenario.exempt.iter().map(|e| e.oracle).collect(),
            steps: scenario.steps.len(),
            judged: 0,
            violation: None,
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
        // A violation is recorded and the run goes on: the scenario's later steps and
        // assertions still run, and a failed assertion outranks the violation. Stopping here
        // would let an expectation hold on assertions that never ran.
        let log = self.log.lock();
        if self.violation.is_none() {
            self.violation = log.deletions[self.judged..]
                .iter()
                .filter_map(judge_deletion)
                .find(|v| !self.exempt.contains(&v.oracle));
        }
        self.judged = log.deletions.len();
        Control::Continue
    }

    /// What the run showed, once it ended with `report`, in the order the scenario format
    /// documents: a panic; a failed assertion; a failed step; a run that did not end as
    /// written (step limit, divergence); the first violation [`Judge::after_step`] recorded;
    /// at quiescence the remaining oracles.
    pub fn observe(&mut self, report: &RunReport, world: &World) -> Observed {
        let failure = self.state.lock().failure.clone();
        let violation = self.violation.take();
        match (&report.outcome, failure) {
            (Outcome::Footprint(f), _) => Observed::Footprint {
                message: f.to_string(),
            },
            (Outcome::Panic { .. }, _) => Observed::from_panic(&report.outcome),
            (_, Some(ActorFailure::Assertion(message))) => Observed::AssertionFailure { message },
            (_, Some(ActorFailure::Step(message))) => Observed::StepFailure { message },
            (Outcome::StepLimit, _) => Observed::StepLimit {
                steps: report.steps,
            },
            (Outcome::Divergence(d), _) => Observed::Divergence {
                message: d.to_string(),
            },
            (Outcome::Stopped { message, .. }, _) => Observed::StepFailure {
                message: message.clone(),
            },
            (Outcome::Quiescent, None) => {
                let done = self.state.lock().completed;
                if done < self.steps {
                    Observed::StepFailure {
                        message: format!(
                            "the run became quiescent with the scenario actor blocked after {done} of {} steps",
                            self.steps
                        ),
                    }
                } else {
                    match violation.or_else(|| judge_quiescent(world, &self.exempt)) {
                        Some(v) => Observed::Violation {
                            oracle: v.oracle,
                            message: v.message,
                        },
                        None => Observed::Pass,
                    }
                }
            }
        }
    }
}
