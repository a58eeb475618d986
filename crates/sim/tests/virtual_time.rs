//! Virtual time: instant long sleeps, deadline and sequence order, Go-style timer stop.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Log, first_sim};
use taintsim_sim::{EnabledKind, Outcome, RandomStrategy, Sim, SimConfig, StepLabel};

#[test]
fn hours_of_sleep_should_take_no_wall_time() {
    let wall = Instant::now();
    let mut sim = Sim::new(
        SimConfig::default(),
        Box::new(RandomStrategy::new_from_seed(9)),
    );
    let h = sim.handle();
    let start = h.now();
    for t in 0..4 {
        let h2 = h.clone();
        h.spawn(
            format!("sleeper-{t}"),
            Box::pin(async move {
                for i in 0..250 {
                    h2.sleep(Duration::from_secs(3600)).await;
                    h2.step(StepLabel::new(format!("tick {i}"))).await;
                }
            }),
        );
    }
    let report = sim.run();
    assert_eq!(report.outcome, Outcome::Quiescent);
    assert_eq!(report.steps, 1000);
    // 250 hours of virtual time, in well under a second of wall time.
    assert_eq!(
        report.final_time.duration_since(start).as_secs(),
        250 * 3600
    );
    assert!(
        wall.elapsed() < Duration::from_secs(2),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn steps_should_take_zero_virtual_time_and_sleep_should_wake_at_its_deadline() {
    let mut sim = first_sim();
    let h = sim.handle();
    let log = Log::default();
    let (h2, l) = (h.clone(), log.clone());
    h.spawn(
        "t".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("a")).await;
            h2.step(StepLabel::new("b")).await;
            l.push(format!("{}", h2.elapsed().as_millis()));
            h2.sleep(Duration::from_millis(1500)).await;
            l.push(format!("{}", h2.elapsed().as_millis()));
            h2.sleep(Duration::ZERO).await;
            l.push(format!("{}", h2.elapsed().as_millis()));
        }),
    );
    let report = sim.run();
    assert_eq!(log.items(), ["0", "1500", "1500"]);
    assert_eq!(report.trace.entries[1].elapsed_nanos, 0);
    assert_eq!(report.final_time.to_string(), "2025-03-20T12:00:01.5Z");
}

#[test]
fn timers_with_equal_deadlines_should_fire_in_creation_order() {
    let mut sim = first_sim();
    let h = sim.handle();
    let log = Log::default();
    // Created out of deadline order: two at 2s, one at 1s, two more at 2s.
    for (name, secs) in [("b1", 2), ("b2", 2), ("a", 1), ("b3", 2), ("b4", 2)] {
        let l = log.clone();
        h.after(
            Duration::from_secs(secs),
            format!("timer {name}"),
            Box::new(move || l.push(name)),
        );
    }
    let mut presented = Vec::new();
    let report = sim.run_with(&mut |step, _| {
        presented.push(
            step.enabled
                .iter()
                .map(|e| match e.kind {
                    EnabledKind::Timer(id) => id.0,
                    _ => u64::MAX,
                })
                .collect::<Vec<_>>(),
        );
        taintsim_sim::Control::Continue
    });
    assert_eq!(report.outcome, Outcome::Quiescent);
    assert_eq!(log.items(), ["a", "b1", "b2", "b3", "b4"]);
    // All four 2s timers are enabled together, by sequence; a scheduler may pick any.
    assert_eq!(presented[0], vec![2]);
    assert_eq!(presented[1], vec![0, 1, 3, 4]);
    assert_eq!(report.trace.entries[1].label(), "timer b1: fire");
}

#[test]
fn stop_timer_should_follow_go_timer_stop_semantics() {
    let mut sim = first_sim();
    let h = sim.handle();
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let stopped = h.after(
        Duration::from_secs(5),
        "never".to_string(),
        Box::new(move || r.store(true, Ordering::SeqCst)),
    );
    let fired = h.after(Duration::from_secs(1), "once".to_string(), Box::new(|| {}));
    assert!(h.stop_timer(stopped), "pending timer: stop returns true");
    assert!(!h.stop_timer(stopped), "already stopped: false");
    let report = sim.run();
    assert_eq!(report.outcome, Outcome::Quiescent);
    assert!(!ran.load(Ordering::SeqCst), "a stopped timer never runs");
    assert!(!h.stop_timer(fired), "already fired: false");
    // The stopped timer did not hold the clock back: the run ended at the 1s timer.
    assert_eq!(report.final_time.to_string(), "2025-03-20T12:00:01Z");
    assert_eq!(report.steps, 1);
}

#[test]
fn stop_timer_should_cancel_a_due_but_unchosen_timer() {
    let mut sim = first_sim();
    let h = sim.handle();
    let ran = Arc::new(AtomicBool::new(false));
    let (r, h2) = (ran.clone(), h.clone());
    let id = h.after(
        Duration::ZERO,
        "due".to_string(),
        Box::new(move || r.store(true, Ordering::SeqCst)),
    );
    h.spawn(
        "canceller".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("cancel")).await;
            assert!(h2.stop_timer(id), "due but not fired is still pending");
        }),
    );
    // FirstStrategy picks the task (tasks come before timers in the enabled set).
    assert_eq!(sim.run().outcome, Outcome::Quiescent);
    assert!(!ran.load(Ordering::SeqCst));
}

#[test]
fn woken_tasks_should_be_polled_eagerly_in_task_id_order() {
    let mut sim = first_sim();
    let h = sim.handle();
    let log = Log::default();
    let (tx1, rx1) = futures::channel::oneshot::channel::<()>();
    let (tx2, rx2) = futures::channel::oneshot::channel::<()>();
    let (h2, l) = (h.clone(), log.clone());
    h.spawn(
        "sender".to_string(),
        Box::pin(async move {
            l.push("sender start");
            h2.step(StepLabel::new("send both")).await;
            // Wake the higher id first; the executor still polls the lower id first.
            let _ = tx2.send(());
            let _ = tx1.send(());
            l.push("sent");
        }),
    );
    for (name, rx) in [("one", rx1), ("two", rx2)] {
        let l = log.clone();
        h.spawn(
            name.to_string(),
            Box::pin(async move {
                l.push(format!("{name} waits"));
                let _ = rx.await;
                l.push(format!("{name} woke"));
            }),
        );
    }
    let report = sim.run();
    assert_eq!(
        log.items(),
        [
            "sender start",
            "one waits",
            "two waits",
            "sent",
            "one woke",
            "two woke"
        ]
    );
    // Waking is not a decision: only the sender's step was chosen.
    assert_eq!(report.steps, 1);
    assert_eq!(report.decisions.len(), 1);
}

#[test]
fn marks_should_land_in_the_step_that_recorded_them() {
    let mut sim = first_sim();
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "t".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("one")).await;
            h2.mark("after-one");
            h2.step(StepLabel::new("two")).await;
            h2.mark("after-two");
            h2.mark("again");
        }),
    );
    let report = sim.run();
    assert_eq!(report.trace.entries[0].marks, ["after-one"]);
    assert_eq!(report.trace.entries[1].marks, ["after-two", "again"]);
    assert!(report.trace.has_mark("again"));
    assert!(report.trace.to_text().contains("{after-two, again}"));
}

#[test]
fn step_limit_should_end_an_endless_run() {
    let config = SimConfig::default().max_steps(50);
    let mut sim = Sim::new(config, Box::new(RandomStrategy::new_from_seed(2)));
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "forever".to_string(),
        Box::pin(async move {
            loop {
                h2.step(StepLabel::new("again")).await;
            }
        }),
    );
    let report = sim.run();
    assert_eq!(report.outcome, Outcome::StepLimit);
    assert_eq!(report.steps, 50);
}

#[test]
fn a_sleep_loop_without_steps_should_hit_the_step_limit_not_hang() {
    let config = SimConfig::default().max_steps(100);
    let mut sim = Sim::new(config, Box::new(RandomStrategy::new_from_seed(2)));
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "ticker".to_string(),
        Box::pin(async move {
            loop {
                h2.sleep(Duration::from_secs(1)).await;
            }
        }),
    );
    assert_eq!(sim.run().outcome, Outcome::StepLimit);
}

#[test]
fn random_outside_a_strategy_range_should_never_exceed_n() {
    let mut sim = Sim::new(
        SimConfig::default(),
        Box::new(RandomStrategy::new_from_seed(4)),
    );
    let h = sim.handle();
    for n in [0u64, 1, 2, 7] {
        assert!(h.random("roll", n) < n.max(1));
    }
    assert!(!h.chance("never", 0.0));
    assert!(h.chance("always", 1.0));
    assert!(!h.chance("nan", f64::NAN));
    let report = sim.run();
    // 0 and 1.0 and NaN do not roll; the four random calls do.
    assert_eq!(report.decisions.len(), 4);
}
