//! Step futures compose with ordinary async code.

mod common;

use common::{Log, first_sim};
use futures::FutureExt;
use futures::channel::oneshot;
use taintsim_sim::{Outcome, StepLabel};

#[test]
fn a_step_dropped_by_select_should_leave_the_enabled_set() {
    let mut sim = first_sim();
    let h = sim.handle();
    let log = Log::default();
    let (tx, rx) = oneshot::channel::<()>();
    let (h2, l) = (h.clone(), log.clone());
    // Task 0 waits for either its step or a message; task 1 sends the message in its step.
    h.spawn(
        "waiter".to_string(),
        Box::pin(async move {
            let mut rx = rx.fuse();
            futures::select! {
                _ = h2.step(StepLabel::new("time out")).fuse() => l.push("timed out"),
                _ = rx => l.push("got message"),
            }
        }),
    );
    let (h2, l) = (h.clone(), log.clone());
    h.spawn(
        "sender".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("send")).await;
            l.push("sending");
            let _ = tx.send(());
        }),
    );
    // FirstStrategy picks the waiter's step (lower id): the step branch of the select wins.
    let first = sim.step_once().expect("a step");
    assert_eq!(first.enabled.len(), 2);
    assert_eq!(first.entry.label(), "waiter: time out");
    assert_eq!(log.items(), ["timed out"]);

    // Second run: the message wins, the waiter's pending step is withdrawn.
    let mut sim = first_sim();
    let h = sim.handle();
    let log = Log::default();
    let (tx, rx) = oneshot::channel::<()>();
    let h2 = h.clone();
    h.spawn(
        "sender".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("send")).await;
            let _ = tx.send(());
        }),
    );
    // Spawned second, so the sender (lower id) is chosen first; its message wakes the waiter,
    // whose eager poll takes the message branch and drops (withdraws) its pending step.
    let (h2, l2) = (h.clone(), log.clone());
    h.spawn(
        "waiter".to_string(),
        Box::pin(async move {
            let mut rx = rx.fuse();
            futures::select! {
                _ = h2.step(StepLabel::new("time out")).fuse() => l2.push("timed out"),
                _ = rx => l2.push("got message"),
            }
            h2.step(StepLabel::new("after")).await;
        }),
    );
    let r = sim.run();
    assert_eq!(r.outcome, Outcome::Quiescent);
    assert_eq!(log.items(), ["got message"]);
    let labels: Vec<String> = r.trace.entries.iter().map(|e| e.label()).collect();
    assert_eq!(labels, ["sender: send", "waiter: after"]);
}

#[test]
fn two_steps_at_once_should_be_reported_as_a_panic_in_the_task() {
    let mut sim = first_sim();
    let h = sim.handle();
    let h2 = h.clone();
    h.spawn(
        "greedy".to_string(),
        Box::pin(async move {
            futures::join!(
                h2.step(StepLabel::new("one")),
                h2.step(StepLabel::new("two"))
            );
        }),
    );
    let outcome = sim.run().outcome;
    assert!(
        matches!(&outcome, Outcome::Panic { actor, action, message, .. }
            if actor == "greedy" && action == "start" && message.contains("two steps at once")),
        "{outcome:?}"
    );
}
