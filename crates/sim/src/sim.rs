//! [`Sim`]: the deterministic executor loop.

use std::sync::Arc;
use std::task::{Context, Poll};

use jiff::Timestamp;
use taintsim_seam::access;

use crate::executor::{BoxFuture, Current, Inner, ReadyOp, Shared, TaskSlot, TimerEntry};
use crate::panic_hook::{self, CaughtPanic};
use crate::ready::ReadySet;
use crate::strategy::Spent;
use crate::{
    ActorName, ChooseContext, Control, Decision, DecisionLog, Divergence, Enabled, EnabledKind,
    Footprint, Outcome, RunReport, SimConfig, SimHandle, StepReport, Strategy, TaskId, Trace,
    TraceEntry,
};

/// How many times one task may be polled eagerly within one step before the run is reported
/// as a busy loop (a task that keeps waking itself without ever awaiting a step).
const MAX_EAGER_POLLS_PER_TASK: u32 = 10_000;

/// The deterministic single-threaded executor. See the crate docs for the contract.
pub struct Sim {
    shared: Arc<Shared>,
    config: SimConfig,
    trace: Trace,
    steps: u64,
    outcome: Option<Outcome>,
    previous: Option<Enabled>,
    jumps_without_step: u64,
    ready: ReadySet,
    /// `settle`'s count of eager polls per task, kept to reuse its buffer.
    eager_polls: Vec<(TaskId, u32)>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("config", &self.config)
            .field("steps", &self.steps)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

/// How many steps a run is expected to take at most, for sizing its logs up front (the
/// bundled scenarios take 10 to 60; a longer run grows them as before).
const EXPECTED_STEPS: u64 = 64;

impl Sim {
    /// A simulator with no tasks, at `config.start_time`, driven by `strategy`.
    pub fn new(config: SimConfig, strategy: Box<dyn Strategy>) -> Self {
        panic_hook::install();
        let mut inner = Inner::new(config.start_time, strategy);
        inner.without_touches = config.without_touches.clone();
        inner.labels = config.labels;
        inner.jump_bounding_actors = config.jump_bounding_actors.clone();
        // A run appends one decision (and, with labels, one trace entry) per step: room for
        // the first steps up front saves the five or six doublings of a short run.
        let room = usize::try_from(config.max_steps.min(EXPECTED_STEPS)).unwrap_or(0);
        inner.decisions.entries.reserve(room);
        let mut trace = Trace::default();
        if config.labels {
            trace.entries.reserve(room);
        }
        Self {
            shared: Arc::new(Shared::new(inner)),
            config,
            trace,
            steps: 0,
            outcome: None,
            previous: None,
            jumps_without_step: 0,
            ready: ReadySet::default(),
            eager_polls: Vec::new(),
        }
    }

    /// A handle for spawning tasks and setting timers, before or during the run.
    pub fn handle(&self) -> SimHandle {
        SimHandle::new(self.shared.clone())
    }

    /// The configuration the simulator was built with.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// How the run ended, or `None` while it can go on.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Number of steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The current virtual time.
    pub fn now(&self) -> Timestamp {
        self.shared.lock().now()
    }

    /// The steps taken so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The decisions made so far.
    pub fn decisions(&self) -> DecisionLog {
        self.shared.lock().decisions.clone()
    }

    /// Tasks that have not finished, with their actors, in id order. After a quiescent run
    /// these are the tasks blocked forever (for example workers waiting on an empty queue).
    pub fn live_tasks(&self) -> Vec<(TaskId, String)> {
        self.shared
            .lock()
            .tasks
            .iter()
            .map(|(id, slot)| (id, slot.actor.to_string()))
            .collect()
    }

    /// Takes one step: settles woken tasks, advances virtual time while nothing is enabled,
    /// asks the strategy to choose among the enabled set and runs the choice (plus the eager
    /// polls it causes). Returns `None`, with [`Sim::outcome`] set, once the run has ended.
    ///
    /// A step that panics is still reported (its trace entry is recorded); the run then ends
    /// and the next call returns `None`.
    pub fn step_once(&mut self) -> Option<StepReport> {
        let mut report = self.step_lent()?;
        // The caller keeps the report: it gets a copy of the enabled set.
        let enabled = report.enabled.clone();
        self.ready
            .restore(std::mem::replace(&mut report.enabled, enabled));
        self.trace.entries.push(report.entry.clone());
        Some(report)
    }

    /// [`Sim::step_once`], except that the report's enabled set is the simulator's persistent
    /// one, lent rather than copied (copying every ready task's label on every step made a
    /// step cost linear in the number of ready tasks), and the trace entry is not appended
    /// yet. The caller must hand the set back with [`ReadySet::restore`] and append the entry.
    fn step_lent(&mut self) -> Option<StepReport> {
        if self.outcome.is_some() {
            return None;
        }
        let step = self.steps + 1;
        let mut enabled = loop {
            if let Err(outcome) = self.settle(step) {
                self.outcome = Some(outcome);
                return None;
            }
            let (enabled, next_deadline) = self.enabled_set();
            if !enabled.is_empty() {
                break enabled;
            }
            self.ready.restore(enabled);
            let Some(deadline) = next_deadline else {
                self.outcome = Some(Outcome::Quiescent);
                return None;
            };
            self.jumps_without_step += 1;
            if self.jumps_without_step > self.config.max_steps {
                self.outcome = Some(Outcome::StepLimit);
                return None;
            }
            self.advance_to(deadline);
        };
        if self.steps >= self.config.max_steps {
            self.ready.restore(enabled);
            self.outcome = Some(Outcome::StepLimit);
            return None;
        }
        let index = match self.choose(&enabled, step) {
            Ok(index) => index,
            Err(divergence) => {
                self.ready.restore(enabled);
                self.outcome = Some(Outcome::Divergence(divergence));
                return None;
            }
        };
        self.steps = step;
        self.jumps_without_step = 0;
        // The footprint check (module `footprint`): what the chosen task step and the eager
        // polls it cause access, against its declared touches (lent to the check meanwhile).
        let check = (cfg!(debug_assertions) && matches!(enabled[index].kind, EnabledKind::Task(_)))
            .then(|| access::check(std::mem::take(&mut enabled[index].touches)));
        let chosen = &enabled[index];

        let span = self.step_span(chosen, step);
        let entered = span.enter();
        tracing::debug!(target: "taintsim_sim::step", "{}", chosen.action);
        let mut result = self.execute(chosen, step);
        if result.is_ok() {
            result = self.settle(step);
        }
        if let Some(check) = check {
            let checked = check.finish();
            enabled[index].touches = checked.declared;
            if !checked.undeclared.is_empty() {
                let chosen = &enabled[index];
                result = Err(Outcome::Footprint(Footprint {
                    step,
                    actor: chosen.actor.to_string(),
                    action: chosen.action.clone(),
                    declared: chosen.touches.clone(),
                    undeclared: checked.undeclared,
                }));
            }
        }
        let chosen = &enabled[index];
        drop(entered);
        let labels = self.config.labels;
        // `previous` carries the actor (which strategies and the shrinker read) and the kind,
        // and none of the texts (`ChooseContext::previous`). After the first step it is
        // updated in place: rebuilding the whole entry every step cost 1,050 instructions per
        // schedule of eviction-update more (callgrind, 343,268 against 342,215).
        match &mut self.previous {
            Some(previous) => {
                previous.actor.clone_from(&chosen.actor);
                previous.kind = chosen.kind;
            }
            previous => {
                *previous = Some(Enabled {
                    actor: chosen.actor.clone(),
                    action: String::new(),
                    touches: Vec::new(),
                    detail: None,
                    kind: chosen.kind,
                });
            }
        }
        let actor = chosen.actor.clone();
        let mut entry = {
            let mut inner = self.shared.lock();
            TraceEntry {
                step,
                time: inner.now(),
                elapsed_nanos: inner.elapsed,
                actor,
                action: String::new(),
                touches: Vec::new(),
                detail: None,
                marks: std::mem::take(&mut inner.marks),
            }
        };
        if labels {
            // The chosen entry's label moves into the trace instead of being copied: nothing
            // reads it after the step. A task's entry was withdrawn from the ready set by
            // `execute` (its next step registers a new one), and timer and clock entries are
            // cut off again by `ReadySet::restore`.
            let chosen = &mut enabled[index];
            entry.action = std::mem::take(&mut chosen.action);
            entry.touches = std::mem::take(&mut chosen.touches);
            entry.detail = chosen.detail.take().map(|d| *d);
        }
        if let Err(outcome) = result {
            self.outcome = Some(outcome);
        }
        let report = StepReport {
            entry,
            enabled,
            chosen: index,
        };
        Some(report)
    }

    /// Runs to the end: quiescence, the step limit, a panic or a divergence.
    pub fn run(&mut self) -> RunReport {
        self.run_with(&mut |_, _| Control::Continue)
    }

    /// Runs to the end, calling `observer` after every step (except a step that itself ended
    /// the run). If it returns [`Control::Stop`], the run ends with [`Outcome::Stopped`].
    pub fn run_with(
        &mut self,
        observer: &mut dyn FnMut(&StepReport, &SimHandle) -> Control,
    ) -> RunReport {
        self.drive(observer);
        self.report()
    }

    /// [`Sim::run_with`], except that the trace and the decision log move into the report
    /// instead of being copied (the copy showed in the profile of short runs): afterwards
    /// [`Sim::trace`] and [`Sim::decisions`] are empty. For a driver that is done with the
    /// simulator once it has run.
    pub fn run_with_into_report(
        &mut self,
        observer: &mut dyn FnMut(&StepReport, &SimHandle) -> Control,
    ) -> RunReport {
        self.drive(observer);
        let (decisions, final_time) = {
            let mut inner = self.shared.lock();
            (std::mem::take(&mut inner.decisions), inner.now())
        };
        RunReport {
            outcome: self.outcome.clone().unwrap_or(Outcome::StepLimit),
            trace: std::mem::take(&mut self.trace),
            decisions,
            steps: self.steps,
            final_time,
        }
    }

    /// The loop of [`Sim::run_with`].
    fn drive(&mut self, observer: &mut dyn FnMut(&StepReport, &SimHandle) -> Control) {
        let handle = self.handle();
        while let Some(report) = self.step_lent() {
            if self.outcome.is_none()
                && let Control::Stop(message) = observer(&report, &handle)
            {
                self.outcome = Some(Outcome::Stopped {
                    step: report.entry.step,
                    message,
                });
            }
            let StepReport { entry, enabled, .. } = report;
            if self.config.labels {
                self.trace.entries.push(entry);
            }
            self.ready.restore(enabled);
        }
    }

    /// The report of the run so far. Its outcome is [`Outcome::StepLimit`] if the run has not
    /// ended yet.
    pub fn report(&self) -> RunReport {
        let (decisions, final_time) = {
            let inner = self.shared.lock();
            (inner.decisions.clone(), inner.now())
        };
        RunReport {
            outcome: self.outcome.clone().unwrap_or(Outcome::StepLimit),
            trace: self.trace.clone(),
            decisions,
            steps: self.steps,
            final_time,
        }
    }

    /// Ends the simulator and gives back its strategy, for a multi-run driver to call
    /// [`Strategy::begin_execution`] on and pass to the next [`Sim`].
    pub fn into_strategy(self) -> Box<dyn Strategy> {
        std::mem::replace(&mut self.shared.lock().strategy, Box::new(Spent))
    }

    /// The span of one step, so that every log line of the step (the step's own, and those of
    /// the code it runs) carries the step number, the virtual time and the actor. Built only
    /// when step logging is on (`RUST_LOG=taintsim_sim=debug`): reading the clock takes the lock.
    fn step_span(&self, chosen: &Enabled, step: u64) -> tracing::Span {
        if !tracing::enabled!(target: "taintsim_sim::step", tracing::Level::DEBUG) {
            return tracing::Span::none();
        }
        let time = self.shared.lock().now();
        tracing::debug_span!(
            target: "taintsim_sim::step",
            "step",
            n = step,
            t = %time,
            actor = %chosen.actor
        )
    }

    /// The enabled set in presentation order (ready tasks by id, due timers by deadline then
    /// sequence, then the clock pseudo-step), lent from the persistent [`ReadySet`] (hand it
    /// back with [`ReadySet::restore`]), and the earliest future deadline.
    fn enabled_set(&mut self) -> (Vec<Enabled>, Option<u64>) {
        let mut guard = self.shared.lock();
        let inner = &mut *guard;
        self.ready.apply(&mut inner.ready_ops);
        let mut enabled = self.ready.lend();
        enabled.extend(inner.due_callbacks().map(|(key, actor)| Enabled {
            actor: actor.clone(),
            action: "fire".to_string(),
            touches: Vec::new(),
            detail: None,
            kind: EnabledKind::Timer(crate::TimerId(key.seq)),
        }));
        let next = inner.next_future_deadline();
        let jump = next.filter(|&deadline| {
            self.config.time_jumps && !enabled.is_empty() && !inner.jump_reaches_bound(deadline)
        });
        if let Some(deadline) = jump {
            let at = crate::clock::timestamp(inner.start, deadline);
            enabled.push(Enabled {
                actor: ActorName::new_static("clock"),
                action: if self.config.labels {
                    format!("advance to {at}")
                } else {
                    String::new()
                },
                touches: Vec::new(),
                detail: None,
                kind: EnabledKind::ClockAdvance,
            });
        }
        (enabled, next)
    }

    fn choose(&mut self, enabled: &[Enabled], step: u64) -> Result<usize, Divergence> {
        let mut inner = self.shared.lock();
        // The context borrows `previous` for the call and hands it back (it is replaced after
        // the step anyway): cloning an entry per step shows in the profile.
        let ctx = ChooseContext::new(step, inner.decisions.len(), self.previous.take());
        let chosen = inner.strategy.choose(enabled, &ctx);
        self.previous = ctx.previous;
        let index = chosen?;
        let Some(chosen) = enabled.get(index) else {
            return Err(Divergence {
                decision: ctx.decision,
                expected: format!("an index below {} (strategy chose {index})", enabled.len()),
                found: enabled.iter().map(Enabled::label).collect(),
            });
        };
        let label = if self.config.labels {
            chosen.label()
        } else {
            String::new()
        };
        inner.decisions.entries.push(Decision::Schedule {
            label,
            index,
            enabled: enabled.len(),
        });
        Ok(index)
    }

    fn execute(&mut self, chosen: &Enabled, step: u64) -> Result<(), Outcome> {
        match chosen.kind {
            EnabledKind::Task(id) => {
                {
                    let mut guard = self.shared.lock();
                    let inner = &mut *guard;
                    if let Some(slot) = inner.tasks.get_mut(&id) {
                        slot.granted = slot.ready.take().map(|r| r.token);
                        if let Some(token) = slot.granted {
                            inner.ready_ops.push(ReadyOp::Withdraw { task: id, token });
                        }
                    }
                }
                self.poll_task(id, Some(&chosen.action), step)
            }
            EnabledKind::Timer(id) => {
                let taken = {
                    let mut inner = self.shared.lock();
                    let taken = inner.take_callback(id);
                    if let Some((actor, _)) = &taken {
                        inner.current = Some(Current {
                            task: None,
                            actor: actor.clone(),
                        });
                    }
                    taken
                };
                let Some((actor, f)) = taken else {
                    return Ok(());
                };
                let result = panic_hook::catch(f);
                let divergence = {
                    let mut inner = self.shared.lock();
                    inner.current = None;
                    inner.divergence.take()
                };
                match (result, divergence) {
                    (Err(p), _) => Err(panic_outcome(step, actor.to_string(), "fire", p)),
                    (Ok(()), Some(d)) => Err(Outcome::Divergence(d)),
                    (Ok(()), None) => Ok(()),
                }
            }
            EnabledKind::ClockAdvance => {
                let next = self.shared.lock().next_future_deadline();
                if let Some(deadline) = next {
                    self.advance_to(deadline);
                }
                Ok(())
            }
        }
    }

    /// Sets the clock and wakes the sleepers due by then (their tasks are polled by `settle`).
    fn advance_to(&mut self, deadline: u64) {
        let wakers = self.shared.lock().advance_to(deadline);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Polls woken tasks eagerly, lowest id first, until none is woken.
    fn settle(&mut self, step: u64) -> Result<(), Outcome> {
        // Eager polls per task in this settle. A handful of tasks are polled per step, so a
        // short list searched in place, kept for the next step, beats a map built per step.
        let mut polls = std::mem::take(&mut self.eager_polls);
        polls.clear();
        let settled = self.settle_with(&mut polls, step);
        self.eager_polls = polls;
        settled
    }

    fn settle_with(&mut self, polls: &mut Vec<(TaskId, u32)>, step: u64) -> Result<(), Outcome> {
        while let Some(id) = self.shared.wake.pop_first() {
            let count = match polls.iter_mut().find(|(task, _)| *task == id) {
                Some((_, count)) => count,
                None => {
                    polls.push((id, 0));
                    &mut polls.last_mut().expect("just pushed").1
                }
            };
            *count += 1;
            if *count > MAX_EAGER_POLLS_PER_TASK {
                let actor = self
                    .shared
                    .lock()
                    .tasks
                    .get(&id)
                    .map(|s| s.actor.to_string())
                    .unwrap_or_default();
                return Err(Outcome::Panic {
                    step,
                    actor,
                    action: "wake".to_string(),
                    message: format!(
                        "busy loop: task polled {MAX_EAGER_POLLS_PER_TASK} times in one step \
                         without awaiting a step or blocking"
                    ),
                    location: None,
                });
            }
            self.poll_task(id, None, step)?;
        }
        Ok(())
    }

    /// Polls one task with the lock released. `chosen_action` is the action of the step the
    /// scheduler chose, or `None` for an eager poll.
    fn poll_task(
        &mut self,
        id: TaskId,
        chosen_action: Option<&str>,
        step: u64,
    ) -> Result<(), Outcome> {
        let taken = {
            let mut inner = self.shared.lock();
            let taken = inner.tasks.get_mut(&id).and_then(|slot| {
                let first = !slot.started;
                slot.started = true;
                slot.future
                    .take()
                    .map(|fut| (fut, slot.waker.clone(), slot.actor.clone(), first))
            });
            if let Some((_, _, actor, _)) = &taken {
                inner.current = Some(Current {
                    task: Some(id),
                    actor: actor.clone(),
                });
            }
            taken
        };
        let Some((mut fut, waker, actor, first)) = taken else {
            return Ok(());
        };
        let result = panic_hook::catch(|| {
            let mut cx = Context::from_waker(&waker);
            fut.as_mut().poll(&mut cx)
        });
        // Put the future back, or take it (and the slot) out to drop with the lock released.
        let (leftover, finished): (Option<BoxFuture>, Option<TaskSlot>) = {
            let mut inner = self.shared.lock();
            inner.current = None;
            match (&result, inner.tasks.get_mut(&id)) {
                (Ok(Poll::Pending), Some(slot)) => {
                    slot.future = Some(fut);
                    (None, None)
                }
                _ => {
                    let slot = inner.tasks.remove(&id);
                    if let Some(token) = slot
                        .as_ref()
                        .and_then(|s| s.ready.as_ref())
                        .map(|r| r.token)
                    {
                        inner.ready_ops.push(ReadyOp::Withdraw { task: id, token });
                    }
                    (Some(fut), slot)
                }
            }
        };
        if let Some(fut) = leftover {
            panic_hook::quiet_drop(fut);
        }
        drop(finished);
        let divergence = self.shared.lock().divergence.take();
        let action = chosen_action.unwrap_or(if first { "start" } else { "wake" });
        match (result, divergence) {
            (Err(p), _) => Err(panic_outcome(step, actor.to_string(), action, p)),
            (Ok(_), Some(d)) => Err(Outcome::Divergence(d)),
            (Ok(_), None) => Ok(()),
        }
    }
}

fn panic_outcome(step: u64, actor: String, action: &str, p: CaughtPanic) -> Outcome {
    Outcome::Panic {
        step,
        actor,
        action: action.to_string(),
        message: p.message,
        location: p.location,
    }
}

impl Drop for Sim {
    /// Drops every task's future and every timer's closure with the lock released (they hold
    /// handles to the simulator, so this also breaks the reference cycle).
    fn drop(&mut self) {
        for _ in 0..16 {
            let (tasks, timers) = {
                let mut inner = self.shared.lock();
                (
                    std::mem::take(&mut inner.tasks),
                    std::mem::take(&mut inner.timers),
                )
            };
            if tasks.is_empty() && timers.is_empty() {
                break;
            }
            for (_, slot) in tasks {
                panic_hook::quiet_drop(slot);
            }
            for (_, timer) in timers {
                if let TimerEntry::Callback { f, .. } = timer {
                    panic_hook::quiet_drop(f);
                }
            }
        }
        self.shared.lock().callbacks.clear();
        self.shared.wake.clear();
    }
}
