//! `--live`: the run goes on, paced to the wall clock, and client writes become steps of the
//! scenario actor ([`actor`]); `--record` writes what happened as a scenario ([`record`]).
//!
//! The world lives on its own thread, which runs the simulator. After every step the
//! observer does what the check runner's does ([`Judge`]), publishes the position, and
//! sleeps until the wall clock has caught up with virtual time (`--scale` virtual seconds
//! per wall second). The scheduler keeps choosing from the seed, except that a client
//! write's step is taken as soon as it is enabled ([`LiveStrategy`]); the decision log holds
//! every choice, so the recording replays exactly.

pub mod actor;
pub mod record;

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use taintsim_check::{RunError, Schedule};
use taintsim_scenario::duration::ScenarioDuration;
use taintsim_scenario::format::Scenario;
use taintsim_sim::{ChooseContext, Divergence, Enabled, Strategy};
use tokio::sync::oneshot;

use taintsim_check::{Judge, actor_of, build_world};

use crate::run::{Position, strategy_of};
use crate::session::{View, Views};
use crate::status::Failure;
use actor::{ClientRequest, LiveActor, Rejected, Shared, WriteOp, WriteResult};
use record::Recorded;

/// How the live run is paced and recorded.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Virtual seconds per wall second.
    pub scale: f64,
    /// The idle actor's `advance` step (virtual time).
    pub tick: Duration,
    /// Where to write the recording, if anywhere.
    pub record: Option<PathBuf>,
}

/// How a live run ended.
#[derive(Debug, Clone, Serialize)]
pub struct Finished {
    /// The simulator's outcome, in words.
    pub outcome: String,
    /// Steps taken.
    pub steps: u64,
    /// The trace hash of the live run, as 16 hex digits.
    pub trace_hash: String,
    /// The recording, if one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<Recorded>,
    /// Why the recording could not be written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The HTTP side's handle on the live run.
pub struct LiveHandle {
    shared: Shared,
    finish: Mutex<Option<mpsc::Sender<()>>>,
    finished: tokio::sync::watch::Receiver<Option<Finished>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LiveHandle {
    /// Hands a write to the actor and waits for its answer.
    pub async fn write(&self, op: WriteOp) -> WriteResult {
        let (reply, answer) = oneshot::channel();
        {
            let mut inbox = lock(&self.shared.inbox);
            if let Some(why) = &inbox.ended {
                return Err(Rejected::Http(Failure::unavailable(format!(
                    "the simulation has ended ({why}): it takes no more writes"
                ))));
            }
            if inbox.finishing {
                return Err(Rejected::Http(Failure::unavailable(
                    "the simulation is finishing: it takes no more writes",
                )));
            }
            inbox.queue.push_back(ClientRequest { op, reply });
        }
        answer.await.unwrap_or_else(|_| {
            Err(Rejected::Http(Failure::unavailable(
                "the simulation ended before it took the write",
            )))
        })
    }

    /// Ends the run (the actor takes no more ticks, the world runs to its end) and waits
    /// for the recording.
    pub async fn finish(&self) -> Finished {
        if let Some(tx) = lock(&self.finish).take() {
            let _ = tx.send(());
        }
        let mut finished = self.finished.clone();
        loop {
            if let Some(f) = finished.borrow_and_update().clone() {
                return f;
            }
            if finished.changed().await.is_err() {
                return Finished {
                    outcome: "the simulation thread stopped".into(),
                    steps: 0,
                    trace_hash: String::new(),
                    recording: None,
                    error: Some("the simulation thread stopped without a report".into()),
                };
            }
        }
    }
}

/// Takes a client write's step as soon as it is enabled; otherwise the wrapped strategy
/// chooses.
struct LiveStrategy {
    inner: Box<dyn Strategy>,
    prefer: Arc<Mutex<Option<String>>>,
}

impl Strategy for LiveStrategy {
    fn begin_execution(&mut self) -> bool {
        self.inner.begin_execution()
    }

    fn choose(&mut self, enabled: &[Enabled], ctx: &ChooseContext) -> Result<usize, Divergence> {
        let mut prefer = lock(&self.prefer);
        if let Some(label) = prefer.as_deref()
            && let Some(i) = enabled.iter().position(|e| e.label() == label)
        {
            *prefer = None;
            return Ok(i);
        }
        drop(prefer);
        self.inner.choose(enabled, ctx)
    }

    fn random(&mut self, label: &str, n: u64) -> Result<u64, Divergence> {
        self.inner.random(label, n)
    }
}

/// Starts the live run on its own thread. Returns once the world is built, with the views
/// clients read and the handle writes go through.
pub fn start(
    scenario: Scenario,
    schedule: Schedule,
    max_steps: u64,
    options: LiveOptions,
) -> Result<(Arc<Views>, LiveHandle), RunError> {
    let shared = Shared::default();
    let (ready_tx, ready_rx) = mpsc::channel::<Result<Arc<Views>, RunError>>();
    let (finish_tx, finish_rx) = mpsc::channel::<()>();
    let (finished_tx, finished_rx) = tokio::sync::watch::channel(None);
    let thread_shared = shared.clone();
    std::thread::Builder::new()
        .name("taintsim-live".into())
        .spawn(move || {
            let finished = drive(
                &scenario,
                &schedule,
                max_steps,
                &options,
                &thread_shared,
                &ready_tx,
                &finish_rx,
            );
            let _ = finished_tx.send(Some(finished));
        })
        .map_err(|e| RunError::Unsupported(format!("cannot start the simulation thread: {e}")))?;
    let views = ready_rx.recv().map_err(|_| {
        RunError::Unsupported("the simulation thread stopped while building the world".into())
    })??;
    Ok((
        views,
        LiveHandle {
            shared,
            finish: Mutex::new(Some(finish_tx)),
            finished: finished_rx,
        },
    ))
}

/// The simulation thread: builds the world, runs it paced, then records.
fn drive(
    scenario: &Scenario,
    schedule: &Schedule,
    max_steps: u64,
    options: &LiveOptions,
    shared: &Shared,
    ready: &mpsc::Sender<Result<Arc<Views>, RunError>>,
    finish: &mpsc::Receiver<()>,
) -> Finished {
    // A live schedule never runs out: a recorded log is followed, then the seed takes over.
    let schedule = match schedule.clone() {
        Schedule::Replay(log) => Schedule::ReplayThenRandom(log, 0),
        other => other,
    };
    let (seed, inner) = match strategy_of(&schedule, scenario, max_steps) {
        Ok(pair) => pair,
        Err(e) => {
            let message = e.to_string();
            let _ = ready.send(Err(e));
            return Finished {
                outcome: "not started".into(),
                steps: 0,
                trace_hash: String::new(),
                recording: None,
                error: Some(message),
            };
        }
    };
    let strategy = Box::new(LiveStrategy {
        inner,
        prefer: shared.prefer.clone(),
    });
    let mut world = match build_world(scenario, seed, strategy, max_steps) {
        Ok(world) => world,
        Err(e) => {
            let message = e.to_string();
            let _ = ready.send(Err(e));
            return Finished {
                outcome: "not started".into(),
                steps: 0,
                trace_hash: String::new(),
                recording: None,
                error: Some(message),
            };
        }
    };
    let start = world.handle().now();
    let (actor, state, faults) = actor_of(&world);
    let tick = ScenarioDuration(options.tick);
    world.spawn(
        taintsim_world::actor::ACTOR_NAME,
        LiveActor {
            actor,
            server: world.server.clone(),
            file_steps: scenario.steps.clone(),
            tick,
            shared: shared.clone(),
        }
        .run(),
    );
    let views = Arc::new(Views::new(View {
        server: world.server.clone(),
        position: Position {
            decision: 0,
            label: "start".into(),
            time: start,
            steps: None,
        },
    }));
    let _ = ready.send(Ok(views.clone()));

    let server = world.server.clone();
    let mut judge = Judge::new(&world, scenario, state);
    let wall_start = Instant::now();
    let mut finishing = false;
    let mut revision = server.revision();
    let report = world.run_with(&mut |report, _| {
        let verdict = judge.after_step();
        let now_revision = server.revision();
        views.set_position(
            Position {
                decision: report.entry.step,
                label: report.entry.label(),
                time: report.entry.time,
                steps: None,
            },
            now_revision != revision,
        );
        revision = now_revision;
        if !finishing {
            let virtual_elapsed =
                Duration::from_nanos(report.entry.elapsed_nanos).div_f64(options.scale);
            let due = wall_start + virtual_elapsed;
            let wait = due.saturating_duration_since(Instant::now());
            // A finish request, or no one left to send one (the server was dropped), ends
            // the run.
            let asked = if wait.is_zero() {
                finish
                    .try_recv()
                    .map_err(|e| e == mpsc::TryRecvError::Disconnected)
            } else {
                finish
                    .recv_timeout(wait)
                    .map_err(|e| e == mpsc::RecvTimeoutError::Disconnected)
            };
            finishing = matches!(asked, Ok(()) | Err(true));
            if finishing {
                lock(&shared.inbox).finishing = true;
            }
        }
        verdict
    });
    drop(faults);
    let outcome = describe(&report.outcome);
    {
        let mut inbox = lock(&shared.inbox);
        inbox.ended = Some(outcome.clone());
        for request in inbox.queue.drain(..) {
            let _ = request
                .reply
                .send(Err(Rejected::Http(Failure::unavailable(format!(
                    "the simulation has ended ({outcome}): it takes no more writes"
                )))));
        }
    }
    views.set_position(Position::after(&report, start), true);
    let trace_hash = format!("{:016x}", report.trace.hash());
    let (recording, error) = match &options.record {
        None => (None, None),
        Some(path) => {
            let steps = lock(&shared.performed).clone();
            match record::write(scenario, steps, &report, path) {
                Ok(recorded) => (Some(recorded), None),
                Err(e) => (None, Some(e)),
            }
        }
    };
    Finished {
        outcome,
        steps: report.steps,
        trace_hash,
        recording,
        error,
    }
}

/// The outcome in words.
pub fn describe(outcome: &taintsim_sim::Outcome) -> String {
    use taintsim_sim::Outcome;
    match outcome {
        Outcome::Quiescent => "quiescent".into(),
        Outcome::Panic {
            step,
            actor,
            message,
            ..
        } => format!("panic at step {step} in {actor}: {message}"),
        Outcome::StepLimit => "step limit".into(),
        Outcome::Stopped { step, message } => format!("stopped after step {step}: {message}"),
        Outcome::Divergence(d) => format!("divergence: {d}"),
        Outcome::Footprint(f) => format!("undeclared access: {f}"),
    }
}
