//! taintsim-sim: a deterministic, single-threaded executor for async tasks, with virtual time
//! and a pluggable, seeded scheduling [`Strategy`].
//!
//! Every point where a real system could interleave is a **step**: a task awaits
//! [`SimHandle::step`] with a label, and the strategy decides which of the enabled steps runs
//! next. Each decision is recorded in a [`DecisionLog`] that [`ReplayStrategy`] can follow,
//! and each executed step in a [`Trace`] whose [`Trace::hash`] is how determinism is checked.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use taintsim_sim::{RandomStrategy, Sim, SimConfig, StepLabel};
//!
//! let mut sim = Sim::new(SimConfig::default(), Box::new(RandomStrategy::new_from_seed(7)));
//! let h = sim.handle();
//! for name in ["a", "b"] {
//!     let h2 = h.clone();
//!     h.spawn(name.to_string(), Box::pin(async move {
//!         h2.step(StepLabel::new("write").touching("x")).await;
//!         h2.sleep(Duration::from_secs(3600)).await; // an hour, instantly
//!         h2.step(StepLabel::new("read")).await;
//!     }));
//! }
//! let report = sim.run();
//! assert!(report.outcome.is_quiescent());
//! assert_eq!(report.steps, 4);
//! assert_eq!(report.final_time.to_string(), "2025-03-20T13:00:00Z");
//! println!("{}", report.trace.to_text());
//! ```
//!
//! # The contract
//!
//! **Tasks.** [`SimHandle::spawn`] starts a task named by its actor. A newly spawned task, and
//! a task woken by its [`Waker`](std::task::Waker) (channels, wait groups, sleep timers,
//! anything built on std wakers, e.g. `futures::channel::mpsc`), is polled *eagerly*: this is
//! not a scheduling decision. Eager polls run in task-id order (the lowest woken id first,
//! repeatedly, until none is woken), and a task runs until it awaits a step (it is then
//! *Ready* with that label), blocks, or finishes. Eager polls belong to the step that caused
//! them; the ones before the first step and after a time jump belong to the next step.
//!
//! **The enabled set** is every Ready task, labelled `"{actor}: {action}"`, then every *due*
//! callback timer, labelled `"{actor}: fire"`, in that order: tasks by id, timers by deadline
//! then creation sequence. The strategy chooses one entry. Choosing a task completes its step
//! future and polls it until its next step, block or finish; choosing a timer runs its closure
//! (which typically spawns). The eager polls this causes happen within the same step.
//!
//! **Virtual time.** Steps take no time. When the enabled set is empty, time jumps to the
//! earliest pending deadline (callback or sleep timer) and everything due at that instant
//! becomes due: callback timers join the enabled set, sleepers are woken and polled eagerly.
//! Equal deadlines break by creation sequence. A time jump is not a step and is not recorded.
//! With [`SimConfig::time_jumps`] on, whenever something else is enabled and a future
//! deadline exists, the enabled set also ends with the pseudo-step
//! `"clock: advance to <RFC 3339 time>"`; choosing it is a step that performs that jump, so a
//! strategy can let a timer fire before the system is quiescent. The pseudo-step is never
//! offered for a deadline at which a sleep of one of [`SimConfig::jump_bounding_actors`] is
//! due: such a sleep (a scenario's `advance`, the timeout of its wait) is reached only at
//! quiescence, so a jump never moves a test's own waits. A zero-delay sleep completes
//! at once; a zero-delay callback timer is due at once.
//!
//! **The end.** The run ends with [`Outcome::Quiescent`] when nothing is enabled and no timer
//! is pending; with [`Outcome::StepLimit`] after [`SimConfig::max_steps`] steps (or that many
//! consecutive time jumps without a step); with [`Outcome::Panic`] when a task or a timer
//! closure panics; with [`Outcome::Divergence`] when the strategy cannot follow its log; with
//! [`Outcome::Stopped`] when the observer of [`Sim::run_with`] says so; and, in debug builds,
//! with [`Outcome::Footprint`] when a step accessed what its label does not declare.
//!
//! **Footprints.** A step's [`StepLabel::touches`] must name the shared resources that the
//! chosen entry's work reads or writes, together with the eager polls it causes, under the
//! prefix rule of [`strategy::covers`] (exhaustive search relies on it). In debug builds the
//! simulator records those accesses during every task step ([`taintsim_seam::access`]) and
//! checks them; a timer's `fire`, the clock pseudo-step and the eager polls outside any step
//! are not checked (module `footprint` says why). [`SimConfig::without_touches`] breaks a
//! footprint on purpose, to see the check catch it.
//!
//! **Panics.** Every poll, timer closure and destructor of simulated code runs under
//! `catch_unwind`. A process-wide panic hook (installed once) records the location and message
//! of panics raised while simulated code runs on the current thread, and prints nothing; other
//! panics go to the previously installed hook. The outcome names the step, the actor, the
//! action (the chosen step's action, `fire` for a timer, `start` or `wake` for an eager poll),
//! the message and `file:line:column`. A task that is polled eagerly more than 10 000 times in
//! one step (it keeps waking itself without awaiting a step) ends the run as a panic with a
//! `busy loop` message.
//!
//! **Data choices.** [`SimHandle::random`] and [`SimHandle::chance`] ask the strategy for a
//! value and record a data decision, so fault rolls replay exactly.
//!
//! **Determinism.** Nothing here reads the wall clock, starts a thread or uses OS randomness;
//! all state is kept in ordered maps. The same program, configuration and strategy seed give
//! the same trace and decision log.
//!
//! # Code map
//!
//! - [`sim`](Sim): the executor loop; `executor`: its private state; `waker`: std wakers that
//!   queue eager polls; `panic_hook`: quiet panic capture.
//! - [`SimHandle`]: what simulated code calls; [`Step`] and [`Sleep`]: its futures;
//!   [`SimRuntime`]: the same behind the seam's `Runtime` trait.
//! - [`strategy`]: the [`Strategy`] trait and one file per strategy: [`RandomStrategy`],
//!   [`PctStrategy`], [`ReplayStrategy`], [`ReplayThenRandomStrategy`],
//!   [`ExhaustiveStrategy`] (with its independence relation in `strategy::independence`).
//! - [`DecisionLog`], [`Trace`], [`Outcome`], [`RunReport`]: what a run produces.

#![deny(missing_docs, missing_debug_implementations)]

mod clock;
mod config;
mod decision;
mod divergence;
mod error;
mod executor;
mod footprint;
mod handle;
mod label;
mod panic_hook;
mod ready;
mod report;
mod runtime;
mod sim;
mod sleep;
mod step;
pub mod strategy;
mod tasks;
mod trace;
mod waker;

pub use config::SimConfig;
pub use decision::{Decision, DecisionLog};
pub use divergence::Divergence;
pub use error::{Error, Result};
pub use footprint::Footprint;
pub use handle::SimHandle;
pub use label::{ActorName, Enabled, EnabledKind, TaskId, TimerId};
pub use report::{Control, Outcome, RunReport, StepReport};
pub use runtime::SimRuntime;
pub use sim::Sim;
pub use sleep::Sleep;
pub use step::Step;
pub use strategy::{
    ChooseContext, ExhaustiveConfig, ExhaustiveStrategy, PctStrategy, RandomStrategy,
    ReplayStrategy, ReplayThenRandomStrategy, Strategy,
};
pub use taintsim_seam::{StepDetail, StepLabel};
pub use trace::{Trace, TraceEntry};
