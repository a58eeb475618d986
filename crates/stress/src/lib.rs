//! The stress mode: the baseline users would otherwise reach for.
//!
//! Upstream found the 1.33 races with `stress ./devicetainteviction.test`: the same test, run
//! again and again on real threads until an unlucky interleaving shows up. [`stress`] does
//! the same with a scenario: every run assembles a fresh world (the API server, informers, the
//! unchanged controller core and the event sink, see [`taintsim_world::assemble`]) on a
//! multi-thread tokio runtime with [`StressOptions::threads`] workers and real time divided by
//! [`StressOptions::scale`], and plays the scenario's steps with the very
//! [`Actor`] the simulator uses. Nothing is recorded and nothing can be replayed: a failure
//! found here says *that* it can happen, not how.
//!
//! # One run
//!
//! - Every task and timer closure runs under a wrapper that catches its panic (keeping the
//!   process's panic hook quiet, since thousands of runs may panic) and records the first one,
//!   with the task's name and its last interleaving point. A panicking informer listener is
//!   reported like on the simulator, not lost in a dropped `JoinHandle`.
//! - The calling thread is the monitor: every [`StressOptions::poll`] of real time it wakes the
//!   actor's pending wait (the simulator wakes it after every step), judges
//!   `no-early-eviction` on new deletions and stops at the first panic or actor failure.
//! - The run ends when the actor has finished and the world is idle for
//!   [`StressOptions::settle`]: no task was polled, no timer or sleep is pending, the event
//!   sink is idle, no listener has a pending notification, no worker runs and the controller
//!   has synced. Then the oracles judged at quiescence (`eventual-eviction`,
//!   `one-event-per-invocation`, `metrics-agree`) are judged as on the simulator: task names
//!   are known here too (the wrapper sets them), so each work invocation keeps its own name.
//! - A run that does not end within [`StressOptions::run_timeout`] of real time is a
//!   [`Observed::StepFailure`].
//!
//! The outcome is the simulator's [`Observed`], so a scenario's expectation is judged the same
//! way. Virtual durations (`advance`, `within`, tolerations) shrink by the scale; a scale too
//! large for the machine makes `within` deadlines flaky, as real stress tests are.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use taintsim_seam::runtime::{Runtime, Timestamp};
use taintsim_seam::sync::Mutex;

use taintsim_check::oracle::OracleName;
use taintsim_check::oracle::judge::{QuiescentView, judge_deletion, judge_quiescent_view};
use taintsim_check::{Observed, RunError};
use taintsim_scenario::format::{Expectation, Scenario};
use taintsim_world::actor::{Actor, ActorFailure, ActorState};
use taintsim_world::assertions::WorldView;
use taintsim_world::witness::CurrentActor;
use taintsim_world::{Parts, PartsConfig, assemble};

mod runtime;

use runtime::{CURRENT, RunShared, StressRuntime, install_hook};
pub use taintsim_seam::runtime::TokioRuntime;

/// When a stress session stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StressLimit {
    /// After this many runs.
    Runs(u64),
    /// Once this much real time has passed (the run in progress finishes first).
    Duration(Duration),
}

/// How to stress a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressOptions {
    /// Worker threads of each run's tokio runtime.
    pub threads: usize,
    /// How much faster than the wall clock the controller's clock runs (0 counts as 1).
    pub scale: u32,
    /// When to stop.
    pub limit: StressLimit,
    /// Stop after the first run that does not pass.
    pub stop_on_failure: bool,
    /// The real-time bound of one run.
    pub run_timeout: Duration,
    /// How often the monitor wakes the actor and looks at the world, in real time.
    pub poll: Duration,
    /// How long the world must stay idle before a run counts as finished, in real time.
    pub settle: Duration,
}

impl Default for StressOptions {
    /// One worker thread per CPU, scale 1000, 100 runs, 30 s per run, poll every 100 µs,
    /// settle 2 ms.
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(2, usize::from),
            scale: 1000,
            limit: StressLimit::Runs(100),
            stop_on_failure: false,
            run_timeout: Duration::from_secs(30),
            poll: Duration::from_micros(100),
            settle: Duration::from_millis(2),
        }
    }
}

/// The result of one run on the tokio back end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressRun {
    /// What happened, judged as on the simulator.
    pub observed: Observed,
    /// Real time the run took, assembling and shutting down included.
    pub wall: Duration,
    /// Interleaving points ([`Runtime::step`] calls) passed by every task together.
    pub steps: u64,
    /// Panics caught in tasks and timer closures (the first one is the outcome).
    pub panics: u64,
}

/// A run that did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressFailure {
    /// Which run, counting from 1.
    pub run: u64,
    /// What it showed.
    pub observed: Observed,
    /// Real time from the start of the session to the end of that run.
    pub elapsed: Duration,
}

/// Where a stress session stands, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StressProgress {
    /// Runs so far.
    pub runs: u64,
    /// How many of them did not pass.
    pub failures: u64,
    /// Real time since the session started.
    pub elapsed: Duration,
}

/// The result of a stress session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressSummary {
    /// Runs made.
    pub runs: u64,
    /// Runs that did not pass.
    pub failures: u64,
    /// How many runs ended in each outcome (by [`Observed::short`]).
    pub outcomes: BTreeMap<String, u64>,
    /// The first run that did not pass.
    pub first_failure: Option<StressFailure>,
    /// The first run that showed the scenario's expected failure (`None` for `pass`).
    pub first_expected: Option<StressFailure>,
    /// Real time of the whole session.
    pub elapsed: Duration,
    /// Worker threads per run.
    pub threads: usize,
    /// The time scale.
    pub scale: u32,
    /// Whether the scenario's expectation holds over the runs: for `pass`, at least one run
    /// and no failure; otherwise the expected outcome was found and no other kind of failure
    /// was (as for `explore`).
    pub ok: bool,
}

/// Runs `scenario` on the tokio back end until `options.limit`, judging its expectation over
/// the runs. `on_progress` is called after every run.
pub fn stress(
    scenario: &Scenario,
    options: &StressOptions,
    on_progress: &mut dyn FnMut(&StressProgress),
) -> Result<StressSummary, RunError> {
    let started = Instant::now();
    let mut summary = StressSummary {
        runs: 0,
        failures: 0,
        outcomes: BTreeMap::new(),
        first_failure: None,
        first_expected: None,
        elapsed: Duration::ZERO,
        threads: options.threads.max(1),
        scale: options.scale.max(1),
        ok: false,
    };
    let mut unexpected = false;
    loop {
        let more = match options.limit {
            StressLimit::Runs(n) => summary.runs < n,
            StressLimit::Duration(d) => started.elapsed() < d,
        };
        if !more {
            break;
        }
        let run = stress_run(scenario, options)?;
        summary.runs += 1;
        *summary.outcomes.entry(run.observed.short()).or_default() += 1;
        let failed = !run.observed.is_pass();
        if failed {
            summary.failures += 1;
            let failure = StressFailure {
                run: summary.runs,
                observed: run.observed.clone(),
                elapsed: started.elapsed(),
            };
            if run.observed.matches(&scenario.expect) {
                summary
                    .first_expected
                    .get_or_insert_with(|| failure.clone());
            } else {
                unexpected = true;
            }
            summary.first_failure.get_or_insert(failure);
        }
        on_progress(&StressProgress {
            runs: summary.runs,
            failures: summary.failures,
            elapsed: started.elapsed(),
        });
        if failed && options.stop_on_failure {
            break;
        }
    }
    summary.elapsed = started.elapsed();
    summary.ok = match scenario.expect {
        Expectation::Pass => summary.runs > 0 && summary.failures == 0,
        _ => summary.first_expected.is_some() && !unexpected,
    };
    Ok(summary)
}

/// Runs `scenario` once on a fresh multi-thread tokio runtime (see the module docs).
pub fn stress_run(scenario: &Scenario, options: &StressOptions) -> Result<StressRun, RunError> {
    let began = Instant::now();
    let w = &scenario.world;
    let start: Timestamp = w
        .start_time
        .parse()
        .map_err(|_| RunError::StartTime(w.start_time.clone()))?;
    install_hook();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .thread_name("taintsim-stress")
        .enable_time()
        .build()
        .map_err(|e| RunError::Unsupported(format!("cannot start a tokio runtime: {e}")))?;
    let shared = Arc::new(RunShared::default());
    let rt = Arc::new(StressRuntime::new(
        TokioRuntime::with_scale(tokio.handle().clone(), options.scale),
        start,
        shared.clone(),
    ));
    let entered = tokio.enter();
    let actor_name: CurrentActor = Arc::new(|| {
        CURRENT
            .with(|c| c.borrow().as_ref().map(|t| t.actor.clone()))
            .unwrap_or_else(|| "?".to_owned())
    });
    let Some(resolved) = scenario.controller().cloned() else {
        drop(entered);
        tokio.shutdown_background();
        return Err(RunError::Unsupported(
            "the scenario's controller was not resolved (load it through a registry)".into(),
        ));
    };
    let config = PartsConfig {
        objects: scenario.objects.iter().map(|o| o.0.clone()).collect(),
        event_queue_size: w.event_queue_size,
        watch_window: w.watch_window,
        default_taint_time_added: w.default_taint_time_added,
        validation: w.validation.is_on(),
        component: w.component.clone(),
        faults: scenario.faults.clone(),
        ..PartsConfig::for_controller(resolved)
    };
    let parts = match assemble(rt.clone(), actor_name, config) {
        Ok(parts) => parts,
        Err(e) => {
            drop(entered);
            tokio.shutdown_background();
            return Err(RunError::InitialObject(e.to_string()));
        }
    };

    let state = Arc::new(Mutex::new(ActorState::default()));
    let marks = shared.clone();
    let view = WorldView::new(
        parts.server.clone(),
        parts.metrics.clone(),
        Arc::new(move |name: &str| marks.marks.lock().contains(name)),
        parts.controller.clone(),
        parts.log.clone(),
    );
    let faults = parts.faults.clone();
    let actor = Actor {
        rt: rt.clone(),
        view,
        faults: faults.clone(),
        state: state.clone(),
    };
    rt.spawn(
        taintsim_world::actor::ACTOR_NAME.to_owned(),
        actor.run(scenario.steps.clone()),
    );

    let exempt: Vec<OracleName> = scenario.exempt.iter().map(|e| e.oracle).collect();
    let observed = monitor(
        &parts,
        &shared,
        &state,
        scenario.steps.len(),
        &exempt,
        options,
    );

    drop(faults);
    for informer in parts.informers.iter() {
        informer.stop();
    }
    parts.broadcaster.shutdown();
    drop(entered);
    tokio.shutdown_background();
    Ok(StressRun {
        observed,
        wall: began.elapsed(),
        steps: shared.steps.load(Ordering::SeqCst),
        panics: shared.panics.load(Ordering::SeqCst),
    })
}

/// The monitor loop of one run (see the module docs).
fn monitor(
    parts: &Parts,
    shared: &RunShared,
    state: &Mutex<ActorState>,
    steps: usize,
    exempt: &[OracleName],
    options: &StressOptions,
) -> Observed {
    let began = Instant::now();
    let mut judged = 0;
    let mut idle_since: Option<(Instant, u64)> = None;
    loop {
        std::thread::sleep(options.poll);
        if let Some(p) = shared.first_panic() {
            return p;
        }
        let (waiter, failure, completed) = {
            let mut st = state.lock();
            (st.waiter.take(), st.failure.clone(), st.completed)
        };
        if let Some(w) = waiter {
            w.wake();
        }
        match failure {
            Some(ActorFailure::Assertion(message)) => {
                return Observed::AssertionFailure { message };
            }
            Some(ActorFailure::Step(message)) => return Observed::StepFailure { message },
            None => {}
        }
        {
            let log = parts.log.lock();
            for d in &log.deletions[judged..] {
                if let Some(v) = judge_deletion(d).filter(|v| !exempt.contains(&v.oracle)) {
                    return Observed::Violation {
                        oracle: v.oracle,
                        message: v.message,
                    };
                }
            }
            judged = log.deletions.len();
        }
        let polls = shared.polls.load(Ordering::SeqCst);
        if completed == steps && world_idle(parts, shared) {
            match idle_since {
                Some((since, at)) if at == polls => {
                    if since.elapsed() >= options.settle {
                        break;
                    }
                }
                _ => idle_since = Some((Instant::now(), polls)),
            }
        } else {
            idle_since = None;
        }
        if began.elapsed() >= options.run_timeout {
            return Observed::StepFailure {
                message: format!(
                    "the run did not become idle within {:?} of real time (the scenario actor \
                     completed {completed} of {steps} steps)",
                    options.run_timeout
                ),
            };
        }
    }
    let view = QuiescentView {
        server: &parts.server,
        metrics: &parts.metrics,
        log: &parts.log,
        reference: parts.reference.as_ref(),
        eviction_event: parts.plugin.eviction_event(),
        cancel_event: parts.plugin.cancel_event(),
    };
    let verdict = judge_quiescent_view(view, exempt);
    if let Some(p) = shared.first_panic() {
        return p;
    }
    match verdict {
        Some(v) => Observed::Violation {
            oracle: v.oracle,
            message: v.message,
        },
        None => Observed::Pass,
    }
}

/// Whether nothing is pending in the world (the monitor also requires that no task was polled
/// for the settle window).
fn world_idle(parts: &Parts, shared: &RunShared) -> bool {
    shared.timers.load(Ordering::SeqCst) == 0
        && shared.sleeps.load(Ordering::SeqCst) == 0
        && parts.controller.has_synced()
        && parts.broadcaster.is_idle()
        && parts
            .informers
            .iter()
            .all(|i| i.pending_notifications() == 0)
        && parts.controller.idle()
}
