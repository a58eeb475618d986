//! `schedules_per_sec`: full runs of the TestEviction/update scenario
//! (scenarios/eviction-update.json, the fixed controller) per second on one core, each run
//! a fresh world driven to quiescence by the random strategy (seed = iteration).
//!
//! `verdict-run` is the same run without labels (`SimConfig::labels(false)`), from the
//! initial objects and steps prepared once (`taintsim_check::Prepared`), as `explore` runs
//! every seed that passes. The bench binary has the `taintsim` binary's global allocator
//! (mimalloc), so that both figures are what a user's `taintsim` run gets; until 4 Dec 2026 it
//! had the system allocator (docs/performance.md has figures under both).
//!
//! Baselines measured in the same process, over the same mean number of steps per run:
//! - `sim-only`: the bare simulator (taintsim-sim) running tasks that do nothing but take
//!   labelled steps: the executor's own cost per step (labels, enabled set, strategy, trace,
//!   decision log).
//! - `bare-loop`: a loop that pops a random entry from a vector of ready tasks and pushes it
//!   back, the least a scheduler can do per step.
//!
//! The overhead factor is the full run's time over the bare loop's (and over `sim-only`).
//! Target: ≥ 20,000 runs per second.

mod support;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taintsim_check::{Prepared, Schedule, run_prepared, run_schedule};
use taintsim_sim::{RandomStrategy, Sim, SimConfig, StepLabel};

use support::{Samples, human, result, target};

const BENCH: &str = "schedules_per_sec";

/// Tasks in the `sim-only` baseline (the scenario's world runs about this many: informers,
/// listeners, the event sink, the controller task, the actor, workers).
const TASKS: u64 = 10;

/// One `sim-only` run: `TASKS` tasks taking `steps` labelled steps between them.
fn sim_only(seed: u64, steps: u64) -> u64 {
    let mut sim = Sim::new(
        SimConfig::default().seed(seed).max_steps(steps * 2 + 100),
        Box::new(RandomStrategy::new_from_seed(seed)),
    );
    let handle = sim.handle();
    for t in 0..TASKS {
        let h = handle.clone();
        let own = steps / TASKS + u64::from(t < steps % TASKS);
        handle.spawn(
            format!("task-{t}"),
            Box::pin(async move {
                for i in 0..own {
                    h.step(StepLabel::with_touches(
                        format!("step {i}"),
                        [format!("res/{t}")],
                    ))
                    .await;
                }
            }),
        );
    }
    sim.run().steps
}

/// One `bare-loop` run: `steps` pops of a random ready task, xorshift-chosen.
fn bare_loop(seed: u64, steps: u64) -> u64 {
    let mut ready: Vec<u64> = (0..TASKS).collect();
    let mut x = seed | 1;
    let mut checksum = 0;
    for _ in 0..steps {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % ready.len() as u64) as usize;
        let task = ready.swap_remove(i);
        checksum += task;
        ready.push(task);
    }
    checksum
}

fn schedules_per_sec(c: &mut Criterion) {
    let scenario = support::scenario("eviction-update.json");
    let max_steps = scenario.explore.max_steps;
    // The mean run length, over the first 200 seeds.
    let probe: u64 = (0..200)
        .map(|seed| {
            let r = run_schedule(&scenario, Schedule::Random(seed), max_steps).expect("runs");
            assert!(r.observed.is_pass(), "seed {seed}: {:?}", r.observed);
            r.report.steps
        })
        .sum();
    let steps = (probe / 200).max(1);

    let mut group = c.benchmark_group(BENCH);
    group.throughput(Throughput::Elements(1));
    let full = Samples::default();
    let seed = AtomicU64::new(0);
    group.bench_function("full-run/eviction-update", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for _ in 0..iters {
                let s = seed.fetch_add(1, Ordering::Relaxed);
                let r = run_schedule(&scenario, Schedule::Random(s), max_steps).expect("runs");
                black_box(r.report.steps);
            }
            full.record(iters, began.elapsed())
        });
    });
    // What `explore` runs per seed: the same schedule without labels, from the initial
    // objects and steps prepared once for the search (a failing seed would run again with
    // labels; none fails here).
    let prepared = Prepared::of(&scenario);
    let verdict = Samples::default();
    let vseed = AtomicU64::new(0);
    group.bench_function("verdict-run/eviction-update", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for _ in 0..iters {
                let s = vseed.fetch_add(1, Ordering::Relaxed);
                let strategy = Box::new(RandomStrategy::new_from_seed(s));
                let (r, _) = run_prepared(&scenario, &prepared, s, strategy, max_steps, false)
                    .expect("runs");
                black_box(r.report.steps);
            }
            verdict.record(iters, began.elapsed())
        });
    });
    let sim = Samples::default();
    group.bench_function(format!("sim-only/{steps}-steps"), |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for i in 0..iters {
                black_box(sim_only(i, steps));
            }
            sim.record(iters, began.elapsed())
        });
    });
    let bare = Samples::default();
    group.bench_function(format!("bare-loop/{steps}-steps"), |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for i in 0..iters {
                black_box(bare_loop(black_box(i), black_box(steps)));
            }
            bare.record(iters, began.elapsed())
        });
    });
    group.finish();

    let (Some(full), Some(sim), Some(bare)) = (full.mean(), sim.mean(), bare.mean()) else {
        return;
    };
    let per_sec = 1.0 / full.as_secs_f64();
    if let Some(verdict) = verdict.mean() {
        result(
            BENCH,
            format!(
                "verdict run (no labels, as explore runs each seed) {} ({:.0} runs/s); \
                 full run / verdict run = {:.2}x",
                human(verdict),
                1.0 / verdict.as_secs_f64(),
                full.as_secs_f64() / verdict.as_secs_f64()
            ),
        );
    }
    result(
        BENCH,
        format!(
            "full run {} ({per_sec:.0} runs/s, {steps} steps, {} per step); sim-only {} \
             ({} per step); bare loop {} ({} per step)",
            human(full),
            human(full / steps as u32),
            human(sim),
            human(sim / steps as u32),
            human(bare),
            human(bare / steps as u32),
        ),
    );
    result(
        BENCH,
        format!(
            "overhead factor: full run / bare loop = {:.0}x; full run / sim-only = {:.1}x; \
             sim-only / bare loop = {:.0}x",
            full.as_secs_f64() / bare.as_secs_f64(),
            full.as_secs_f64() / sim.as_secs_f64(),
            sim.as_secs_f64() / bare.as_secs_f64(),
        ),
    );
    target(
        BENCH,
        per_sec >= 20_000.0,
        if per_sec >= 20_000.0 {
            format!("{per_sec:.0} runs/s (target >= 20,000/s)")
        } else {
            format!(
                "{per_sec:.0} runs/s (target >= 20,000/s: {:.1}x short)",
                20_000.0 / per_sec
            )
        },
    );
}

criterion_group!(benches, schedules_per_sec);
criterion_main!(benches);
