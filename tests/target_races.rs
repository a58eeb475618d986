//! The two target races are *found* by exploration, not scripted (issue: "Proof that it is
//! found, not scripted"): the bundled scenarios carry only upstream's object changes.

mod common;

use taintsim_check::{ExploreOptions, Observed, Schedule, explore, run_schedule};
use taintsim_scenario::format::{Scenario, SeedRange, StrategyName};
use taintsim_scenario::load::load_file;

fn panic_scenario() -> Scenario {
    load_file(
        &common::bundled("updatework-panic.json"),
        &taintsim::controllers(),
    )
    .expect("loads")
}

/// Schedules until the first failure, exploring `len` seeds from `base`.
fn schedules_to_panic(
    scenario: &Scenario,
    strategy: StrategyName,
    base: u64,
    len: u64,
) -> Option<u64> {
    let options = ExploreOptions {
        strategy,
        seeds: SeedRange {
            start: base,
            end: base + len,
        },
        depth: scenario.explore.depth,
        stop_on_failure: true,
        max_steps: scenario.explore.max_steps,
    };
    let summary = explore(scenario, &options, &mut |_| {}).expect("runs");
    summary.first_failure.as_ref().map(|f| {
        assert!(
            matches!(&f.result.observed, Observed::Panic { message, .. } if message.contains("UpdateWork")),
            "base {base}: {}",
            f.result.observed.message()
        );
        summary.schedules
    })
}

fn median_and_max(mut v: Vec<u64>) -> (u64, u64) {
    v.sort_unstable();
    (v[v.len() / 2], v[v.len() - 1])
}

/// The panic is found within the scenario's own seed budget from 100 different seed bases,
/// with random and with PCT; prints the median and maximum schedules to the first panic.
#[test]
fn updatework_panic_should_be_found_from_100_seed_bases() {
    let scenario = panic_scenario();
    let budget = scenario.explore.seeds.len();
    for strategy in [StrategyName::Random, StrategyName::Pct] {
        let counts: Vec<u64> = (0..100u64)
            .map(|i| {
                let base = 1_000_000 * (i + 1);
                schedules_to_panic(&scenario, strategy, base, budget).unwrap_or_else(|| {
                    panic!("{strategy:?}: no panic within {budget} seeds from base {base}")
                })
            })
            .collect();
        let (median, max) = median_and_max(counts);
        println!(
            "{strategy:?}: schedules to the first UpdateWork panic over 100 seed bases: median {median}, max {max} (budget {budget})"
        );
    }
}

/// Replaying a saved decision log gives the panic and the same trace hash, 100 times.
#[test]
fn saved_decision_log_should_replay_the_panic_identically() {
    let scenario = panic_scenario();
    let found = (0..2000)
        .map(|s| run_schedule(&scenario, Schedule::Random(s), 20_000).expect("runs"))
        .find(|r| matches!(r.observed, Observed::Panic { .. }))
        .expect("a panic");
    let json = found.report.decisions.to_json().expect("serializes");
    let hash = found.report.trace.hash();
    for _ in 0..100 {
        let log = taintsim_sim::DecisionLog::from_json(&json).expect("parses");
        let replay = run_schedule(&scenario, Schedule::Replay(log), 20_000).expect("runs");
        assert_eq!(replay.observed, found.observed);
        assert_eq!(replay.report.trace.hash(), hash);
    }
}

/// Some found panic shows the #130940 race step by step: a handler evicts and leaves a running
/// (nil) entry; the worker is mid-flight; the pod handler's delayed notification calls UpdateWork;
/// the panic.
#[test]
fn a_found_panic_should_show_the_update_work_interleaving_of_130940() {
    let scenario = panic_scenario();
    let shows_it = |seed: u64| {
        let r = run_schedule(&scenario, Schedule::Random(seed), 20_000).expect("runs");
        let Observed::Panic { actor, step, .. } = &r.observed else {
            return false;
        };
        let entries = &r.report.trace.entries;
        let Some(evict) = entries.iter().position(|e| {
            e.marks
                .iter()
                .any(|m| m == "queue.work-started-immediately")
        }) else {
            return false;
        };
        let worker_mid_flight = entries[evict + 1..].iter().any(|e| {
            e.actor.starts_with("worker default/my-pod") && e.action.starts_with("GET pod")
        });
        let last = entries.last().expect("steps");
        actor == "pod-handler"
            && last.step == *step
            && last.action.starts_with("deliver Update default/my-pod")
            && last
                .marks
                .iter()
                .any(|m| m == "queue.update-work.nil-dereference")
            && entries[evict].actor != "pod-handler"
            && worker_mid_flight
    };
    let seed = (0..2000).find(|s| shows_it(*s));
    assert!(
        seed.is_some(),
        "no schedule in 0..2000 shows the #130940 interleaving"
    );
    println!("seed {} shows the #130940 race", seed.unwrap_or_default());
}
