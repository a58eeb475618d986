//! Recorded decision logs replay exactly; a tampered log reports where it diverged.

mod common;

use std::time::Duration;

use futures::StreamExt;
use futures::channel::mpsc;
use taintsim_sim::{
    Decision, DecisionLog, Outcome, RandomStrategy, ReplayStrategy, ReplayThenRandomStrategy,
    RunReport, Sim, SimConfig, SimHandle, StepLabel, Strategy,
};

/// Workers pull items from a channel, each item goes through GET and PATCH steps, a fault
/// roll decides whether the PATCH is retried, and a resync timer adds work.
fn build(h: &SimHandle) {
    let (tx, rx) = mpsc::unbounded::<String>();
    let rx = std::sync::Arc::new(futures::lock::Mutex::new(rx));
    for w in 0..2 {
        let h2 = h.clone();
        let rx = rx.clone();
        h.spawn(
            format!("worker-{w}"),
            Box::pin(async move {
                loop {
                    let item = { rx.lock().await.next().await };
                    let Some(item) = item else { return };
                    h2.step(StepLabel::new(format!("GET {item}")).touching(item.clone()))
                        .await;
                    while h2.chance(&format!("conflict PATCH {item}"), 0.4) {
                        h2.mark("conflict");
                        h2.step(StepLabel::new(format!("retry {item}")).touching(item.clone()))
                            .await;
                    }
                    h2.step(StepLabel::new(format!("PATCH {item}")).touching(item.clone()))
                        .await;
                }
            }),
        );
    }
    let h2 = h.clone();
    let tx2 = tx.clone();
    h.spawn(
        "actor".to_string(),
        Box::pin(async move {
            for i in 0..4 {
                h2.step(StepLabel::new(format!("create pod-{i}"))).await;
                let _ = tx2.unbounded_send(format!("pod-{i}"));
            }
        }),
    );
    h.after(
        Duration::from_secs(30),
        "resync".to_string(),
        Box::new(move || {
            let _ = tx.unbounded_send("pod-resync".to_string());
        }),
    );
}

fn run_with(strategy: Box<dyn Strategy>) -> RunReport {
    let mut sim = Sim::new(SimConfig::default(), strategy);
    build(&sim.handle());
    sim.run()
}

fn recorded(seed: u64) -> RunReport {
    let r = run_with(Box::new(RandomStrategy::new_from_seed(seed)));
    // Workers block forever on the channel once the resync sender is gone; still quiescent.
    assert!(r.outcome.is_quiescent(), "{:?}", r.outcome);
    r
}

#[test]
fn replay_should_reproduce_the_recorded_trace_exactly() {
    for seed in 0..20 {
        let original = recorded(seed);
        let json = original.decisions.to_json().expect("serialise");
        let log = DecisionLog::from_json(&json).expect("parse");
        let replayed = run_with(Box::new(ReplayStrategy::new_from_log(log)));
        assert_eq!(replayed.outcome, Outcome::Quiescent, "seed {seed}");
        assert_eq!(replayed.trace.hash(), original.trace.hash(), "seed {seed}");
        assert_eq!(replayed.decisions, original.decisions, "seed {seed}");
    }
}

#[test]
fn replay_of_a_tampered_schedule_label_should_diverge_at_that_decision() {
    let original = recorded(3);
    let index = original
        .decisions
        .entries
        .iter()
        .enumerate()
        .filter(|(_, d)| matches!(d, Decision::Schedule { .. }))
        .map(|(i, _)| i)
        .nth(5)
        .expect("at least six schedule decisions");
    let mut log = original.decisions.clone();
    if let Decision::Schedule { label, .. } = &mut log.entries[index] {
        *label = "worker-9: GET nothing".to_string();
    }
    let r = run_with(Box::new(ReplayStrategy::new_from_log(log)));
    let Outcome::Divergence(d) = r.outcome else {
        panic!("expected a divergence, got {:?}", r.outcome);
    };
    assert_eq!(d.decision, index);
    assert_eq!(d.expected, "worker-9: GET nothing");
    assert!(!d.found.is_empty());
    assert!(
        d.to_string().starts_with(&format!(
            "divergence at decision {index}: expected worker-9: GET nothing, found "
        )),
        "{d}"
    );
    // Everything before the tampered decision was followed.
    assert_eq!(r.decisions.entries[..], original.decisions.entries[..index]);
}

#[test]
fn replay_of_a_tampered_data_label_should_diverge_at_that_decision() {
    let (original, index) = (0..50)
        .map(recorded)
        .find_map(|r| {
            let i = r
                .decisions
                .entries
                .iter()
                .position(|d| matches!(d, Decision::Data { .. }))?;
            Some((r, i))
        })
        .expect("some seed rolls a fault");
    let mut log = original.decisions.clone();
    if let Decision::Data { label, .. } = &mut log.entries[index] {
        label.push_str(" (edited)");
    }
    let r = run_with(Box::new(ReplayStrategy::new_from_log(log)));
    let Outcome::Divergence(d) = r.outcome else {
        panic!("expected a divergence, got {:?}", r.outcome);
    };
    assert_eq!(d.decision, index);
    assert!(d.expected.ends_with("(edited) (data)"), "{d}");
}

#[test]
fn replay_of_a_truncated_log_should_report_the_end_of_the_log() {
    let original = recorded(5);
    let mut log = original.decisions.clone();
    log.entries.truncate(7);
    let r = run_with(Box::new(ReplayStrategy::new_from_log(log)));
    let Outcome::Divergence(d) = r.outcome else {
        panic!("expected a divergence, got {:?}", r.outcome);
    };
    assert_eq!(d.decision, 7);
    assert_eq!(d.expected, "<end of log>");
}

#[test]
fn replay_then_random_should_continue_past_a_truncated_log() {
    for seed in 0..20 {
        let original = recorded(seed);
        let keep = original.decisions.len() / 2;
        let mut log = original.decisions.clone();
        log.entries.truncate(keep);
        let r = run_with(Box::new(ReplayThenRandomStrategy::new(log, seed + 1000)));
        assert_eq!(r.outcome, Outcome::Quiescent, "seed {seed}");
        assert_eq!(
            r.decisions.entries[..keep],
            original.decisions.entries[..keep],
            "seed {seed}: the prefix must be followed"
        );
    }
}

#[test]
fn replay_then_random_should_continue_past_a_tampered_log() {
    let original = recorded(8);
    let mut log = original.decisions.clone();
    let index = (4..log.len())
        .find(|&i| matches!(log.entries[i], Decision::Schedule { .. }))
        .expect("a schedule decision after the fourth");
    if let Decision::Schedule { label, .. } = &mut log.entries[index] {
        *label = "nobody: nothing".to_string();
    }
    let r = run_with(Box::new(ReplayThenRandomStrategy::new(log, 1)));
    assert_eq!(r.outcome, Outcome::Quiescent);
    assert_eq!(
        r.decisions.entries[..index],
        original.decisions.entries[..index]
    );
}
