//! A panic in simulated code is an outcome naming where it happened, never a harness crash.

mod common;

use std::time::Duration;

use common::first_sim;
use taintsim_sim::{Outcome, RandomStrategy, Sim, SimConfig, StepLabel};

fn flaky_sim() -> Sim {
    let sim = first_sim();
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "flaky".to_string(),
        Box::pin(async move {
            for i in 1..=3 {
                h2.step(StepLabel::new(format!("attempt {i}"))).await;
                if i == 3 {
                    panic!("boom on attempt {i}");
                }
            }
        }),
    );
    sim
}

#[test]
fn panic_on_third_step_should_be_reported_with_actor_action_message_and_location() {
    let report = flaky_sim().run();
    let Outcome::Panic {
        step,
        actor,
        action,
        message,
        location,
    } = &report.outcome
    else {
        panic!("expected a panic outcome, got {:?}", report.outcome);
    };
    assert_eq!(*step, 3);
    assert_eq!(actor, "flaky");
    assert_eq!(action, "attempt 3");
    assert_eq!(message, "boom on attempt 3");
    let location = location.as_deref().unwrap_or("");
    assert!(location.contains("tests/panic.rs:"), "{location}");
    // The panicking step is in the trace.
    assert_eq!(report.steps, 3);
    assert_eq!(report.trace.entries.last().map(|e| e.step), Some(3));
    // Outcomes are data.
    let json = serde_json::to_string(&report.outcome).expect("serialise");
    assert!(json.contains("\"kind\":\"panic\""), "{json}");
}

#[test]
fn harness_should_keep_working_after_a_panic() {
    for _ in 0..3 {
        assert!(matches!(flaky_sim().run().outcome, Outcome::Panic { .. }));
        let mut sim = Sim::new(
            SimConfig::default(),
            Box::new(RandomStrategy::new_from_seed(1)),
        );
        let h = sim.handle();
        let h2 = h.clone();
        h.spawn(
            "fine".to_string(),
            Box::pin(async move {
                h2.step(StepLabel::new("work")).await;
            }),
        );
        assert_eq!(sim.run().outcome, Outcome::Quiescent);
    }
    // Ordinary panics outside a run still unwind as usual.
    assert!(std::panic::catch_unwind(|| panic!("outside the sim")).is_err());
}

#[test]
fn panic_in_a_timer_closure_should_name_the_timer_actor_and_fire() {
    let mut sim = first_sim();
    sim.handle().after(
        Duration::from_secs(1),
        "resync".to_string(),
        Box::new(|| panic!("timer exploded")),
    );
    let outcome = sim.run().outcome;
    assert!(
        matches!(&outcome, Outcome::Panic { step: 1, actor, action, message, .. }
            if actor == "resync" && action == "fire" && message == "timer exploded"),
        "{outcome:?}"
    );
}

#[test]
fn panic_before_the_first_step_should_be_reported_as_start() {
    let mut sim = first_sim();
    sim.handle().spawn(
        "eager".to_string(),
        Box::pin(async move { panic!("{}", String::from("at spawn")) }),
    );
    let report = sim.run();
    assert!(
        matches!(&report.outcome, Outcome::Panic { step: 1, actor, action, message, .. }
            if actor == "eager" && action == "start" && message == "at spawn"),
        "{:?}",
        report.outcome
    );
    assert_eq!(report.steps, 0);
}

#[test]
fn busy_loop_should_end_the_run_instead_of_hanging() {
    let mut sim = first_sim();
    sim.handle().spawn(
        "spinner".to_string(),
        Box::pin(std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            std::task::Poll::<()>::Pending
        })),
    );
    let outcome = sim.run().outcome;
    assert!(
        matches!(&outcome, Outcome::Panic { actor, message, .. }
            if actor == "spinner" && message.contains("busy loop")),
        "{outcome:?}"
    );
}
