//! The footprint check (debug builds): a step that accesses what its label does not declare
//! ends the run, named with the undeclared access; the eager polls a step causes count as the
//! step's; timers and the work outside steps are not checked.
#![cfg(debug_assertions)]

mod common;

use std::time::Duration;

use common::first_sim;
use futures::channel::oneshot;
use taintsim_seam::access;
use taintsim_sim::{Footprint, Outcome, Sim, SimConfig, StepLabel};

#[test]
fn an_undeclared_access_should_end_the_run_naming_the_step_and_the_access() {
    let mut sim = first_sim();
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "writer",
        Box::pin(async move {
            h2.step(StepLabel::new("write x").touching("x")).await;
            access::record(&["x", "a"]);
            h2.step(StepLabel::new("write y").touching("x")).await;
            access::record(&["x"]);
            access::record(&["y", "a"]);
            access::record(&["y", "a"]);
        }),
    );
    let report = sim.run();
    let Outcome::Footprint(f) = report.outcome else {
        panic!("{:?}", report.outcome);
    };
    assert_eq!(
        f,
        Footprint {
            step: 2,
            actor: "writer".into(),
            action: "write y".into(),
            declared: vec!["x".into()],
            undeclared: vec!["y/a".into()],
        }
    );
    assert_eq!(
        f.to_string(),
        "step 2 `writer: write y` accessed `y/a` but declared [x]"
    );
    assert_eq!(report.trace.len(), 2, "the failing step is in the trace");
}

#[test]
fn the_eager_polls_a_step_causes_should_count_as_the_step() {
    let mut sim = first_sim();
    let h = sim.handle();
    let (tx, rx) = oneshot::channel::<()>();
    h.spawn(
        "waiter",
        Box::pin(async move {
            let _ = rx.await;
            access::record(&["inbox"]);
        }),
    );
    let h2 = h.clone();
    h.spawn(
        "sender",
        Box::pin(async move {
            h2.step(StepLabel::new("send").touching("outbox")).await;
            let _ = tx.send(());
        }),
    );
    let report = sim.run();
    let Outcome::Footprint(f) = report.outcome else {
        panic!("{:?}", report.outcome);
    };
    assert_eq!((f.actor.as_str(), f.step), ("sender", 1));
    assert_eq!(f.undeclared, ["inbox"]);
}

#[test]
fn world_prefixes_and_unchecked_work_should_pass() {
    let mut sim = first_sim();
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "task",
        Box::pin(async move {
            // Before the first step: outside any step.
            access::record(&["anything"]);
            h2.step(StepLabel::new("a").touching("queue")).await;
            access::record(&["queue", "default/p"]);
            h2.step(StepLabel::new("b").touching("world")).await;
            access::record(&["anything"]);
            // After a time jump: outside any step.
            h2.sleep(Duration::from_secs(1)).await;
            access::record(&["anything"]);
        }),
    );
    h.after(
        Duration::ZERO,
        "timer",
        Box::new(|| access::record(&["anything"])),
    );
    let report = sim.run();
    assert_eq!(
        report.outcome,
        Outcome::Quiescent,
        "{}",
        report.trace.to_text()
    );
}

#[test]
fn without_touches_should_break_a_footprint_on_purpose() {
    let mut sim = Sim::new(
        SimConfig::default().without_touch("queue"),
        Box::new(common::FirstStrategy),
    );
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "task",
        Box::pin(async move {
            h2.step(StepLabel::new("a").touching("queue").touching("x"))
                .await;
            access::record(&["queue", "k"]);
        }),
    );
    let report = sim.run();
    assert_eq!(report.trace.entries[0].touches, ["x"]);
    let Outcome::Footprint(f) = report.outcome else {
        panic!("{:?}", report.outcome);
    };
    assert_eq!(f.undeclared, ["queue/k"]);
}
