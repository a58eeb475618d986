//! Observers see every step and can stop a run with a violation.

mod common;

use common::first_sim;
use taintsim_sim::{Control, Outcome, PctStrategy, Sim, SimConfig, StepLabel, Strategy};

fn counting_sim() -> Sim {
    let sim = first_sim();
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "counter".to_string(),
        Box::pin(async move {
            for i in 0..10 {
                h2.step(StepLabel::new(format!("count {i}"))).await;
            }
        }),
    );
    sim
}

#[test]
fn observer_stop_should_end_the_run_with_stopped() {
    let mut sim = counting_sim();
    let mut seen = Vec::new();
    let report = sim.run_with(&mut |step, handle| {
        seen.push(step.entry.step);
        assert!(handle.current_actor().is_none());
        if step.entry.action == "count 2" {
            Control::Stop("invariant violated: count reached 2".to_string())
        } else {
            Control::Continue
        }
    });
    assert_eq!(
        report.outcome,
        Outcome::Stopped {
            step: 3,
            message: "invariant violated: count reached 2".to_string()
        }
    );
    assert_eq!(seen, [1, 2, 3]);
    assert_eq!(report.steps, 3);
    assert_eq!(report.trace.len(), 3);
    // A stopped run stays stopped.
    assert!(sim.step_once().is_none());
}

#[test]
fn step_once_should_report_each_step_then_none() {
    let mut sim = counting_sim();
    let mut n = 0;
    while let Some(report) = sim.step_once() {
        n += 1;
        assert_eq!(report.entry.step, n);
        assert_eq!(report.enabled.len(), 1);
        assert_eq!(report.chosen, 0);
        assert_eq!(report.entry.label(), format!("counter: count {}", n - 1));
    }
    assert_eq!(n, 10);
    assert_eq!(sim.outcome(), Some(&Outcome::Quiescent));
    assert!(sim.live_tasks().is_empty());
    let report = sim.run();
    assert_eq!(report.outcome, Outcome::Quiescent);
    assert_eq!(report.steps, 10);
}

#[test]
fn into_strategy_should_hand_the_strategy_to_the_next_execution() {
    let mut strategy: Box<dyn Strategy> = Box::new(PctStrategy::new_from_seed(1, 2, 10));
    let mut hashes = Vec::new();
    for _ in 0..3 {
        assert!(strategy.begin_execution());
        let mut sim = Sim::new(SimConfig::default(), strategy);
        let h = sim.handle();
        for a in ["a", "b", "c"] {
            let h2 = h.clone();
            h.spawn(
                a.to_string(),
                Box::pin(async move {
                    h2.step(StepLabel::new("x")).await;
                    h2.step(StepLabel::new("y")).await;
                }),
            );
        }
        hashes.push(sim.run().trace.hash());
        strategy = sim.into_strategy();
    }
    assert_eq!(hashes.len(), 3);
}
