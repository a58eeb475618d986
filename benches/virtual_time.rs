//! `virtual_time`: simulated seconds per wall second for a scenario whose tolerations last
//! hours (scenarios/catalogue/toleration-seconds.json: a 3600 s toleration, `advance 59m`
//! and `advance 2h`, about four simulated hours per run). Time jumps are free on the
//! simulator: the rate is the simulated span over the wall time of a full run.
//!
//! Baseline measured in the same process: the stress mode (tokio, real time divided by a
//! scale) on the same scenario at scale `TAINTSIM_STRESS_SCALE` (default 10,000), whose rate
//! can never exceed its scale. Target: ≥ 10,000 simulated seconds per wall second.

mod support;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use taintsim_check::{Schedule, run_schedule};
use taintsim_stress::{StressOptions, stress_run};

use support::{Samples, human, result, target};

const BENCH: &str = "virtual_time";

fn virtual_time(c: &mut Criterion) {
    let scenario = support::scenario("catalogue/toleration-seconds.json");
    let max_steps = scenario.explore.max_steps;
    let start: jiff::Timestamp = scenario.world.start_time.parse().expect("start time");
    let probe = run_schedule(&scenario, Schedule::Random(0), max_steps).expect("runs");
    assert!(probe.observed.is_pass(), "{:?}", probe.observed);
    let simulated = probe.report.final_time.duration_since(start).as_secs_f64();

    let mut group = c.benchmark_group(BENCH);
    let samples = Samples::default();
    let seed = AtomicU64::new(0);
    group.bench_function("simulator/toleration-seconds", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for _ in 0..iters {
                let s = seed.fetch_add(1, Ordering::Relaxed);
                let r = run_schedule(&scenario, Schedule::Random(s), max_steps).expect("runs");
                black_box(r.report.final_time);
            }
            samples.record(iters, began.elapsed())
        });
    });
    group.finish();

    // The stress baseline: a few runs, outside criterion (each takes simulated / scale).
    let scale = std::env::var("TAINTSIM_STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000u32);
    let options = StressOptions {
        scale,
        ..StressOptions::default()
    };
    let runs = 3;
    let began = Instant::now();
    let mut passed = 0;
    for _ in 0..runs {
        let run = stress_run(&scenario, &options).expect("stress runs");
        passed += u32::from(run.observed.is_pass());
    }
    let stress_wall = began.elapsed() / runs;

    let Some(mean) = samples.mean() else {
        return;
    };
    let rate = simulated / mean.as_secs_f64();
    let stress_rate = simulated / stress_wall.as_secs_f64();
    result(
        BENCH,
        format!(
            "simulator: {simulated:.0} simulated s in {} per run = {rate:.0} simulated s per \
             wall s",
            human(mean)
        ),
    );
    result(
        BENCH,
        format!(
            "stress (tokio, scale {scale}): {} per run ({passed} of {runs} passed) = \
             {stress_rate:.0} simulated s per wall s; ratio simulator/stress = {:.1}x",
            human(stress_wall),
            rate / stress_rate
        ),
    );
    target(
        BENCH,
        rate >= 10_000.0,
        format!("{rate:.0} simulated s per wall s (target >= 10,000)"),
    );
}

criterion_group!(benches, virtual_time);
criterion_main!(benches);
