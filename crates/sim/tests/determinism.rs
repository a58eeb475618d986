//! The same program, config and seed must give the same trace; different seeds must explore.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use futures::channel::mpsc;
use taintsim_sim::{RandomStrategy, RunReport, Sim, SimConfig, SimHandle, StepLabel};

/// Three producers send over an mpsc channel with steps and sleeps in between, a consumer
/// steps per message, a timer spawns a late task, and a fault roll picks a branch.
pub fn build_program(h: &SimHandle) {
    let (tx, mut rx) = mpsc::unbounded::<u32>();
    for p in 0..3u32 {
        let h2 = h.clone();
        let tx = tx.clone();
        h.spawn(
            format!("producer-{p}"),
            Box::pin(async move {
                for i in 0..3u32 {
                    h2.step(StepLabel::new(format!("send {p}/{i}")).touching("chan"))
                        .await;
                    let _ = tx.unbounded_send(p * 10 + i);
                    if h2.chance(&format!("slow producer-{p}"), 0.3) {
                        h2.mark("slow");
                        h2.sleep(Duration::from_millis(5)).await;
                    }
                }
            }),
        );
    }
    drop(tx);
    let h2 = h.clone();
    h.spawn(
        "consumer".to_string(),
        Box::pin(async move {
            let mut sum = 0;
            while let Some(v) = rx.next().await {
                h2.step(StepLabel::new(format!("handle {v}")).touching("sum"))
                    .await;
                sum += v;
            }
            h2.step(StepLabel::new(format!("done sum={sum}"))).await;
        }),
    );
    let h2 = h.clone();
    h.after(
        Duration::from_millis(3),
        "ticker".to_string(),
        Box::new(move || {
            let h3 = h2.clone();
            h2.spawn(
                "late".to_string(),
                Box::pin(async move {
                    h3.step(StepLabel::new("late work").touching("sum")).await;
                }),
            );
        }),
    );
}

fn run(seed: u64) -> RunReport {
    let config = SimConfig::default().seed(seed).time_jumps((seed & 1) == 0);
    let mut sim = Sim::new(config, Box::new(RandomStrategy::new_from_seed(seed)));
    build_program(&sim.handle());
    sim.run()
}

#[test]
fn same_seed_should_give_identical_traces_for_200_seeds() {
    let mut hashes = BTreeSet::new();
    for seed in 0..200 {
        let a = run(seed);
        let b = run(seed);
        assert!(a.outcome.is_quiescent(), "seed {seed}: {:?}", a.outcome);
        assert!(a.steps >= 14, "seed {seed}: only {} steps", a.steps);
        assert_eq!(a.trace.hash(), b.trace.hash(), "seed {seed}");
        assert_eq!(a.trace, b.trace, "seed {seed}");
        assert_eq!(a.decisions, b.decisions, "seed {seed}");
        assert_eq!(a.final_time, b.final_time, "seed {seed}");
        hashes.insert(a.trace.hash());
    }
    assert!(
        hashes.len() >= 2,
        "200 seeds explored only {} schedule(s)",
        hashes.len()
    );
    // Far more than 2 in practice; a weak bound still catches a strategy stuck on one path.
    assert!(hashes.len() > 100, "only {} distinct traces", hashes.len());
}

#[test]
fn trace_hash_should_not_depend_on_wall_clock_or_thread() {
    let here = run(17).trace.hash();
    let there = std::thread::spawn(|| run(17).trace.hash())
        .join()
        .expect("thread ran");
    assert_eq!(here, there);
}
