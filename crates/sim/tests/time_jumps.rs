//! With `time_jumps` a strategy may let a timer fire before the system is quiescent.

use std::time::Duration;

use taintsim_sim::{Outcome, RandomStrategy, RunReport, Sim, SimConfig, StepLabel};

/// A worker takes three steps; a timer due in one second records its firing.
fn run(seed: u64, time_jumps: bool) -> RunReport {
    let config = SimConfig::default().time_jumps(time_jumps).seed(seed);
    let mut sim = Sim::new(config, Box::new(RandomStrategy::new_from_seed(seed)));
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "worker".to_string(),
        Box::pin(async move {
            for i in 0..3 {
                h2.step(StepLabel::new(format!("work {i}"))).await;
            }
        }),
    );
    h.after(
        Duration::from_secs(1),
        "timeout".to_string(),
        Box::new(|| {}),
    );
    let report = sim.run();
    assert_eq!(report.outcome, Outcome::Quiescent);
    report
}

fn fired_before_work_finished(r: &RunReport) -> bool {
    let pos = |label: &str| r.trace.entries.iter().position(|e| e.label() == label);
    match (pos("timeout: fire"), pos("worker: work 2")) {
        (Some(fire), Some(last)) => fire < last,
        _ => false,
    }
}

#[test]
fn with_time_jumps_a_timer_should_fire_before_other_steps_on_some_seed() {
    let early: Vec<u64> = (0..50)
        .filter(|&s| fired_before_work_finished(&run(s, true)))
        .collect();
    assert!(!early.is_empty(), "no seed let the timer fire early");
    assert!(
        early.len() < 50,
        "some seed should also let the work finish first"
    );
    // The jump is an explicit, recorded step.
    let r = run(early[0], true);
    assert!(
        r.trace
            .entries
            .iter()
            .any(|e| e.actor == "clock" && e.action == "advance to 2025-03-20T12:00:01Z"),
        "{}",
        r.trace.to_text()
    );
}

#[test]
fn without_time_jumps_a_timer_should_never_fire_before_quiescence() {
    for seed in 0..50 {
        let r = run(seed, false);
        assert!(!fired_before_work_finished(&r), "seed {seed}");
        assert_eq!(
            r.trace.entries.last().map(|e| e.label()).as_deref(),
            Some("timeout: fire")
        );
        assert!(r.trace.entries.iter().all(|e| e.actor != "clock"));
    }
}

/// An actor sleeps one second, then records that it woke; a worker takes three steps and a
/// controller timer is due at `timer`.
fn run_with_sleeper(seed: u64, bounded: bool, timer: Duration) -> RunReport {
    let mut config = SimConfig::default().time_jumps(true).seed(seed);
    if bounded {
        config = config.jump_bounded_by("actor");
    }
    let mut sim = Sim::new(config, Box::new(RandomStrategy::new_from_seed(seed)));
    let h = sim.handle();
    let (worker, actor) = (h.clone(), h.clone());
    h.spawn(
        "worker".to_string(),
        Box::pin(async move {
            for i in 0..3 {
                worker.step(StepLabel::new(format!("work {i}"))).await;
            }
        }),
    );
    h.spawn(
        "actor".to_string(),
        Box::pin(async move {
            actor.sleep(Duration::from_secs(1)).await;
            actor.step(StepLabel::new("woke")).await;
        }),
    );
    h.after(timer, "timeout".to_string(), Box::new(|| {}));
    let report = sim.run();
    assert_eq!(report.outcome, Outcome::Quiescent);
    report
}

fn woke_before_work_finished(r: &RunReport) -> bool {
    let pos = |label: &str| r.trace.entries.iter().position(|e| e.label() == label);
    match (pos("actor: woke"), pos("worker: work 2")) {
        (Some(woke), Some(last)) => woke < last,
        _ => false,
    }
}

#[test]
fn a_jump_should_never_reach_the_sleep_of_a_bounding_actor() {
    // Unbounded, a jump to the actor's own deadline wakes it while the worker still runs.
    let early = (0..50)
        .filter(|&s| woke_before_work_finished(&run_with_sleeper(s, false, Duration::from_secs(5))))
        .count();
    assert!(early > 0, "no seed let the actor's sleep end early");
    for seed in 0..50 {
        // Bounded: the actor's one second passes only at quiescence, with the controller timer
        // behind it (5 s) or at the same instant (1 s).
        for timer in [Duration::from_secs(5), Duration::from_secs(1)] {
            let r = run_with_sleeper(seed, true, timer);
            assert!(
                !woke_before_work_finished(&r),
                "seed {seed}:\n{}",
                r.trace.to_text()
            );
        }
    }
}

#[test]
fn a_jump_should_still_fire_a_controller_timer_before_the_bounding_sleep() {
    // The controller timer (0.5 s) is before the actor's deadline (1 s): it may fire early.
    let early = (0..50)
        .map(|s| run_with_sleeper(s, true, Duration::from_millis(500)))
        .filter(|r| {
            let pos = |label: &str| r.trace.entries.iter().position(|e| e.label() == label);
            matches!((pos("timeout: fire"), pos("worker: work 2")), (Some(f), Some(l)) if f < l)
        })
        .count();
    assert!(
        early > 0,
        "no seed fired the controller timer before the work finished"
    );
}
