//! PCT finds ordering bugs with the odds the paper promises (Burckhardt et al., ASPLOS 2010).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use taintsim_sim::{Outcome, PctStrategy, RandomStrategy, Sim, SimConfig, StepLabel, Strategy};

/// Task A takes five steps, each incrementing a counter; task B takes one step and asserts
/// that A has not finished. The bug (a panic) needs all of A's steps before B's.
fn five_before_one(strategy: Box<dyn Strategy>) -> Outcome {
    let mut sim = Sim::new(SimConfig::default(), strategy);
    let h = sim.handle();
    let counter = Arc::new(AtomicU32::new(0));
    let (h2, c) = (h.clone(), counter.clone());
    h.spawn(
        "A".to_string(),
        Box::pin(async move {
            for i in 0..5 {
                h2.step(StepLabel::new(format!("inc {i}"))).await;
                c.fetch_add(1, Ordering::SeqCst);
            }
        }),
    );
    let (h2, c) = (h.clone(), counter);
    h.spawn(
        "B".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("check")).await;
            assert!(c.load(Ordering::SeqCst) < 5, "B ran after all of A's steps");
        }),
    );
    sim.run().outcome
}

fn found(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Panic { actor, message, .. }
        if actor == "B" && message.contains("after all of A's steps"))
}

/// Odds per seed with depth 2 and k = 20: A outranks B with probability 1/2 and then wins
/// unless the single change point falls on one of A's first five steps (15/20 it does not);
/// if B outranks A, a change point at step 1 demotes B (1/20). So
/// p = 1/2 * 15/20 + 1/2 * 1/20 = 0.4 per seed, and 20 seeds all miss with probability
/// 0.6^20 < 4e-5. Uniform random scheduling needs B to lose five coin flips: p = 1/32.
#[test]
fn pct_depth_2_should_find_a_five_steps_before_one_ordering_bug_within_20_seeds() {
    let first = (0..20).find(|&seed| {
        found(&five_before_one(Box::new(PctStrategy::new_from_seed(
            seed, 2, 20,
        ))))
    });
    assert!(first.is_some(), "no seed in 0..20 found the bug");

    // The hit rate over 200 seeds should be near 0.4 (80 of 200); a broken priority or
    // change-point scheme lands far outside this band.
    let hits = (0..200)
        .filter(|&seed| {
            found(&five_before_one(Box::new(PctStrategy::new_from_seed(
                seed, 2, 20,
            ))))
        })
        .count();
    assert!(
        (50..=110).contains(&hits),
        "pct found the bug {hits}/200 times"
    );
    let random_hits = (0..200)
        .filter(|&seed| {
            found(&five_before_one(Box::new(RandomStrategy::new_from_seed(
                seed,
            ))))
        })
        .count();
    assert!(random_hits < hits, "random {random_hits} vs pct {hits}");
}

/// Task A takes two steps that bracket an inconsistent state; task B's single step asserts the
/// state is consistent. The bug needs the order a1, b, a2: depth 2.
fn middle_of_two(strategy: Box<dyn Strategy>) -> Outcome {
    let mut sim = Sim::new(SimConfig::default(), strategy);
    let h = sim.handle();
    let state = Arc::new(AtomicU32::new(0));
    let (h2, s) = (h.clone(), state.clone());
    h.spawn(
        "A".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("begin")).await;
            s.store(1, Ordering::SeqCst);
            h2.step(StepLabel::new("commit")).await;
            s.store(2, Ordering::SeqCst);
        }),
    );
    let (h2, s) = (h.clone(), state);
    h.spawn(
        "B".to_string(),
        Box::pin(async move {
            h2.step(StepLabel::new("observe")).await;
            assert_ne!(s.load(Ordering::SeqCst), 1, "B saw a half-done update");
        }),
    );
    sim.run().outcome
}

fn found_middle(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Panic { message, .. } if message.contains("half-done"))
}

/// Depth 1 (no change points) runs the higher-priority actor to completion: never a1, b, a2.
/// Depth 2 with k = 3: A must outrank B (1/2) and the change point must be step 2 (1/3), so
/// p = 1/6 per seed (the paper's bound 1/(n k^(d-1)) = 1/6 is tight here); 100 seeds all miss
/// with probability (5/6)^100 < 2e-8.
#[test]
fn pct_should_need_depth_2_for_a_bug_between_two_steps() {
    let depth1 = (0..100)
        .filter(|&s| {
            found_middle(&middle_of_two(Box::new(PctStrategy::new_from_seed(
                s, 1, 3,
            ))))
        })
        .count();
    assert_eq!(depth1, 0, "depth 1 cannot preempt A between its steps");
    let depth2 = (0..100)
        .filter(|&s| {
            found_middle(&middle_of_two(Box::new(PctStrategy::new_from_seed(
                s, 2, 3,
            ))))
        })
        .count();
    assert!(
        (5..=35).contains(&depth2),
        "depth 2 found it {depth2}/100 times"
    );
}

#[test]
fn pct_should_be_deterministic_for_a_seed() {
    let run = |seed| {
        let mut sim = Sim::new(
            SimConfig::default(),
            Box::new(PctStrategy::new_from_seed(seed, 3, 10)),
        );
        let h = sim.handle();
        for a in ["x", "y", "z"] {
            let h2 = h.clone();
            h.spawn(
                a.to_string(),
                Box::pin(async move {
                    for i in 0..3 {
                        h2.step(StepLabel::new(format!("s{i}"))).await;
                    }
                }),
            );
        }
        sim.run().trace.hash()
    };
    for seed in 0..20 {
        assert_eq!(run(seed), run(seed));
    }
}
