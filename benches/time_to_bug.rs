//! `time_to_bug`: wall time until the first UpdateWork panic (queue V2,
//! scenarios/updatework-panic.json), the simulator against the stress mode.
//!
//! - `simulator/pct-d3`: `explore` with PCT depth 3 (the scenario's default depth), stopping
//!   at the first failure. Each iteration starts from a different seed range (seed
//!   `k * 1_000_000` for iteration k, cycling over 32 ranges), so the mean is the expected time
//!   over seeds, not the luck of seed 0.
//! - `simulator/random`: the same with the scenario's own strategy (random).
//! - `stress/tokio`: the stress mode (tokio, one worker thread per CPU, time scale 1000) until a
//!   run panics in UpdateWork, or a cap of real time (`TAINTSIM_STRESS_CAP`, default 20 s). A
//!   capped search makes the ratio a lower bound; it is printed as such.
//!
//! Target: the simulator (pct) ≥ 1000× faster than the stress mode, and < 100 ms absolute.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use taintsim_check::{ExploreOptions, explore};
use taintsim_scenario::format::{Scenario, SeedRange, StrategyName};
use taintsim_stress::{StressOptions, stress_run};

use support::{Samples, human, result, target};

const BENCH: &str = "time_to_bug";

/// Searches from seed `start` until the first failure; returns the schedules it took.
fn sim_search(scenario: &Scenario, strategy: StrategyName, start: u64) -> u64 {
    let options = ExploreOptions {
        strategy,
        seeds: SeedRange {
            start,
            end: start + 1_000_000,
        },
        depth: scenario.explore.depth,
        stop_on_failure: true,
        max_steps: scenario.explore.max_steps,
    };
    let summary = explore(scenario, &options, &mut |_| {}).expect("explores");
    let first = summary
        .first_failure
        .expect("the simulator finds the panic");
    assert!(
        first.result.observed.matches(&scenario.expect),
        "{:?}",
        first.result.observed
    );
    summary.schedules
}

/// What a stress search found.
#[derive(Default)]
struct StressTally {
    searches: AtomicU64,
    found: AtomicU64,
    runs: AtomicU64,
}

/// Runs the stress mode until a run shows the expected panic or `cap` has passed.
fn stress_search(scenario: &Scenario, options: &StressOptions, cap: Duration, tally: &StressTally) {
    let began = Instant::now();
    tally.searches.fetch_add(1, Ordering::Relaxed);
    while began.elapsed() < cap {
        let run = stress_run(scenario, options).expect("stress runs");
        tally.runs.fetch_add(1, Ordering::Relaxed);
        if run.observed.matches(&scenario.expect) {
            tally.found.fetch_add(1, Ordering::Relaxed);
            return;
        }
    }
}

fn stress_cap() -> Duration {
    std::env::var("TAINTSIM_STRESS_CAP")
        .ok()
        .and_then(|s| s.trim_end_matches('s').parse::<f64>().ok())
        .map_or(Duration::from_secs(20), Duration::from_secs_f64)
}

fn time_to_bug(c: &mut Criterion) {
    let scenario = support::scenario("updatework-panic.json");
    let mut group = c.benchmark_group(BENCH);
    group.sampling_mode(SamplingMode::Flat);

    let mut sims = Vec::new();
    for (name, strategy) in [
        ("pct-d3", StrategyName::Pct),
        ("random", StrategyName::Random),
    ] {
        let samples = Samples::default();
        let schedules = AtomicU64::new(0);
        let searches = AtomicU64::new(0);
        group.bench_function(format!("simulator/{name}"), |b| {
            b.iter_custom(|iters| {
                let began = Instant::now();
                for _ in 0..iters {
                    let k = searches.fetch_add(1, Ordering::Relaxed) % 32;
                    let n = sim_search(&scenario, strategy, k * 1_000_000);
                    schedules.fetch_add(n, Ordering::Relaxed);
                }
                samples.record(iters, began.elapsed())
            });
        });
        let searches = searches.load(Ordering::Relaxed).max(1);
        let per_search = schedules.load(Ordering::Relaxed) as f64 / searches as f64;
        sims.push((name, samples, per_search));
    }

    let cap = stress_cap();
    let options = StressOptions::default();
    let tally = StressTally::default();
    let stress = Samples::default();
    group.sample_size(10);
    group.bench_function("stress/tokio", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for _ in 0..iters {
                stress_search(&scenario, &options, cap, &tally);
            }
            stress.record(iters, began.elapsed())
        });
    });
    group.finish();

    let searches = tally.searches.load(Ordering::Relaxed);
    let found = tally.found.load(Ordering::Relaxed);
    let runs = tally.runs.load(Ordering::Relaxed);
    let Some(stress_mean) = stress.mean() else {
        return;
    };
    let lower_bound = found < searches;
    result(
        BENCH,
        format!(
            "stress (tokio, {} threads, scale {}): found the panic in {found} of {searches} \
             searches (cap {}), {:.1} runs per search, mean {} per search{}",
            options.threads,
            options.scale,
            human(cap),
            runs as f64 / searches.max(1) as f64,
            human(stress_mean),
            if lower_bound {
                " (capped searches count as the cap: a lower bound)"
            } else {
                ""
            }
        ),
    );
    for (name, samples, per_search) in &sims {
        let Some(mean) = samples.mean() else {
            continue;
        };
        let ratio = stress_mean.as_secs_f64() / mean.as_secs_f64();
        result(
            BENCH,
            format!(
                "simulator {name}: mean {} per search ({per_search:.1} schedules); \
                 ratio stress/simulator = {}{ratio:.1}x",
                human(mean),
                if lower_bound { ">= " } else { "" }
            ),
        );
        if *name == "pct-d3" {
            target(
                BENCH,
                ratio >= 1000.0 && mean < Duration::from_millis(100),
                format!(
                    "simulator (pct) {ratio:.1}x faster than stress (target >= 1000x), {} \
                     absolute (target < 100 ms)",
                    human(mean)
                ),
            );
        }
    }
}

criterion_group!(benches, time_to_bug);
criterion_main!(benches);
