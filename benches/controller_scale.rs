//! `controller_scale`: one taint flip affecting N pods, for N = 100, 1,000 and 10,000, with
//! 1,000 devices (pod i's claim is allocated device `i % 1000`), on both device controller
//! generations: `v1.33` (resource.k8s.io/v1beta1 objects) and `latest` with 10 workers
//! (upstream's `ConcurrentSyncs`; v1 objects). The last lines give the per-pod cost of
//! `latest` over that of `v1.33` at each N, measured in the same run, so that the ratio holds
//! on a shared machine where absolute times do not. `TAINTSIM_SCALE_GENERATIONS` (default
//! `v1.33,latest`) picks the generations.
//!
//! Each N runs two generated scenarios on the simulator (random strategy, one core), both
//! to quiescence: `base` stores the slice, N claims and N pods and waits for the controller to
//! sync; `flip` does the same and then updates the slice so that every device carries a
//! NoExecute taint added an hour earlier, so the controller evicts all N pods (PATCH, DELETE
//! and an event each, and every informer delivery that follows). The cost of the flip is
//! `flip - base` (the baseline measured in the same process), reported per pod at each N.
//! Target: linear in N, i.e. a flat per-pod cost.
//!
//! N up to 1,000 run under criterion. N = 10,000 takes far longer per run on the simulator as
//! it is (see docs/performance.md), so it is timed with one run of each scenario outside
//! criterion, abandoned after `TAINTSIM_SCALE_CAP` seconds (default 120): the per-pod cost is
//! then a lower bound. `TAINTSIM_SCALE_MAX` (default 10000) caps N, e.g.
//! `TAINTSIM_SCALE_MAX=1000` for a quick run.

mod support;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use taintsim_check::{Observed, Schedule, run_schedule};
use taintsim_scenario::format::Scenario;
use taintsim_scenario::load;

use support::{Samples, human, result, target};

const BENCH: &str = "controller_scale";
const DEVICES: usize = 1000;
/// Larger N are timed with one run each, outside criterion.
const CRITERION_MAX: usize = 1000;

/// A controller generation: its `controller` key and the resource.k8s.io version it reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Generation {
    V1_33,
    Latest,
}

impl Generation {
    fn name(self) -> &'static str {
        match self {
            Self::V1_33 => "v1.33",
            Self::Latest => "latest",
        }
    }

    fn api(self) -> &'static str {
        match self {
            Self::V1_33 => "resource.k8s.io/v1beta1",
            Self::Latest => "resource.k8s.io/v1",
        }
    }

    fn behavior(self) -> Value {
        match self {
            Self::V1_33 => json!({}),
            Self::Latest => json!({"controller": "latest", "workers": 10}),
        }
    }
}

fn slice(generation: Generation, tainted: bool) -> Value {
    let devices: Vec<Value> = (0..DEVICES)
        .map(|d| {
            let taints = if tainted {
                json!([{
                    "key": "example.com/taint",
                    "effect": "NoExecute",
                    "timeAdded": "2025-03-20T11:00:00Z"
                }])
            } else {
                json!([])
            };
            match generation {
                // v1beta1 nests a device's taints under `basic`.
                Generation::V1_33 => {
                    json!({"name": format!("dev-{d}"), "basic": {"taints": taints}})
                }
                Generation::Latest => json!({"name": format!("dev-{d}"), "taints": taints}),
            }
        })
        .collect();
    json!({
        "apiVersion": generation.api(),
        "kind": "ResourceSlice",
        "metadata": {"name": "worker-some-driver"},
        "spec": {
            "driver": "some-driver",
            "nodeName": "worker",
            "pool": {"name": "worker", "generation": 1, "resourceSliceCount": 1},
            "devices": devices
        }
    })
}

/// The world with `n` pods; with `flip`, the actor taints every device after the sync.
fn world(generation: Generation, n: usize, flip: bool) -> Scenario {
    let mut objects = vec![slice(generation, false)];
    let request = match generation {
        Generation::V1_33 => json!({"name": "req-1", "deviceClassName": "c"}),
        Generation::Latest => json!({"name": "req-1", "exactly": {"deviceClassName": "c"}}),
    };
    for i in 0..n {
        let (pod, claim, uid) = (
            format!("pod-{i}"),
            format!("claim-{i}"),
            format!("uid-pod-{i}"),
        );
        objects.push(json!({
            "apiVersion": generation.api(),
            "kind": "ResourceClaim",
            "metadata": {
                "name": claim,
                "namespace": "default",
                "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Pod", "name": pod, "uid": uid, "controller": true}
                ]
            },
            "spec": {"devices": {"requests": [request]}},
            "status": {
                "allocation": {"devices": {"results": [{
                    "request": "req-1",
                    "driver": "some-driver",
                    "pool": "worker",
                    "device": format!("dev-{}", i % DEVICES)
                }]}},
                "reservedFor": [{"resource": "pods", "name": pod, "uid": uid}]
            }
        }));
        objects.push(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": pod, "namespace": "default", "uid": uid},
            "spec": {
                "nodeName": "worker",
                "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
                "resourceClaims": [{"name": "my-resource", "resourceClaimName": claim}]
            }
        }));
    }
    let mut steps = vec![json!("wait-for-sync")];
    if flip {
        steps.push(json!({"update": slice(generation, true)}));
    }
    let scenario = json!({
        "version": 1,
        "name": format!(
            "scale-{}-{n}-{}",
            generation.name(),
            if flip { "flip" } else { "base" }
        ),
        "behavior": generation.behavior(),
        "world": {"watch-window": 100_000_000, "event-queue-size": 100_000_000},
        "objects": objects,
        "steps": steps,
        "expect": {"outcome": "pass"},
        "explore": {"max-steps": 1_000_000_000u64}
    });
    load::parse(
        &scenario.to_string(),
        std::path::Path::new("generated.json"),
        &taintsim::controllers(),
    )
    .expect("generated scenario loads")
}

fn run(scenario: &Scenario, seed: u64) -> u64 {
    let r =
        run_schedule(scenario, Schedule::Random(seed), scenario.explore.max_steps).expect("runs");
    assert_eq!(r.observed, Observed::Pass, "{}", scenario.name);
    r.report.steps
}

/// One N's measurements.
struct Row {
    generation: Generation,
    n: usize,
    base: Duration,
    /// The flip run's time, or `None` if it did not finish within the cap.
    flip: Option<Duration>,
    steps_base: u64,
    steps_flip: Option<u64>,
    /// Timed with one run each, outside criterion.
    single: bool,
}

/// One run of `base` then `flip` on a thread of its own, abandoned after `cap` (the thread
/// dies with the process).
fn single_shot(
    generation: Generation,
    n: usize,
    base: Scenario,
    flip: Scenario,
    cap: Duration,
) -> Row {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for scenario in [&base, &flip] {
            let began = Instant::now();
            let steps = run(scenario, 0);
            if tx.send((steps, began.elapsed())).is_err() {
                return;
            }
        }
    });
    let began = Instant::now();
    let left = || cap.saturating_sub(began.elapsed());
    let (steps_base, base) = rx.recv_timeout(left()).expect("the base run finishes");
    let flip = rx.recv_timeout(left()).ok();
    let took = |d: Duration| human(d);
    eprintln!(
        "{BENCH}/{}/N={n}: one run of each outside criterion: base {}, flip {}",
        generation.name(),
        took(base),
        flip.map_or_else(|| format!("> {} (capped)", took(cap)), |(_, d)| took(d))
    );
    Row {
        generation,
        n,
        base,
        flip: flip.map(|(_, d)| d),
        steps_base,
        steps_flip: flip.map(|(s, _)| s),
        single: true,
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn controller_scale(c: &mut Criterion) {
    let max: usize = env_or("TAINTSIM_SCALE_MAX", 10_000);
    let cap = Duration::from_secs(env_or("TAINTSIM_SCALE_CAP", 120));
    let wanted: String = env_or("TAINTSIM_SCALE_GENERATIONS", "v1.33,latest".to_owned());
    let generations: Vec<Generation> = [Generation::V1_33, Generation::Latest]
        .into_iter()
        .filter(|g| wanted.split(',').any(|w| w.trim() == g.name()))
        .collect();
    let mut group = c.benchmark_group(BENCH);
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    let mut rows = Vec::new();
    for &generation in &generations {
        for n in [100usize, 1_000, 10_000].into_iter().filter(|n| *n <= max) {
            let base = world(generation, n, false);
            let flip = world(generation, n, true);
            if n > CRITERION_MAX {
                rows.push(single_shot(generation, n, base, flip, cap));
                continue;
            }
            let steps_base = run(&base, 0);
            let steps_flip = run(&flip, 0);
            let seed = AtomicU64::new(0);
            group.throughput(Throughput::Elements(n as u64));
            let mut timed = Vec::new();
            for (name, scenario) in [("base", &base), ("flip", &flip)] {
                let samples = Samples::default();
                let id = format!("{}/{name}/{n}-pods", generation.name());
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| {
                        let began = Instant::now();
                        for _ in 0..iters {
                            black_box(run(scenario, seed.fetch_add(1, Ordering::Relaxed)));
                        }
                        samples.record(iters, began.elapsed())
                    });
                });
                timed.push(samples);
            }
            if let (Some(base), Some(flip)) = (timed[0].mean(), timed[1].mean()) {
                rows.push(Row {
                    generation,
                    n,
                    base,
                    flip: Some(flip),
                    steps_base,
                    steps_flip: Some(steps_flip),
                    single: false,
                });
            }
        }
    }
    group.finish();
    let mut per_pod = Vec::new();
    for &generation in &generations {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.generation == generation).collect();
        let costs = report(generation, &mine, cap);
        per_pod.extend(
            costs
                .iter()
                .map(|(n, each, capped)| (generation, *n, *each, *capped)),
        );
    }
    for (n, each, capped) in per_pod
        .iter()
        .filter(|(g, ..)| *g == Generation::V1_33)
        .map(|(_, n, each, capped)| (*n, *each, *capped))
    {
        let Some((_, _, latest, latest_capped)) = per_pod
            .iter()
            .find(|(g, m, ..)| *g == Generation::Latest && *m == n)
        else {
            continue;
        };
        let bound = if capped || *latest_capped {
            " (a capped run: a bound, not a measurement)"
        } else {
            ""
        };
        result(
            BENCH,
            format!(
                "N={n}: per-pod cost of a taint flip, latest (10 workers) / v1.33 = {:.2} \
                 ({} / {}){bound}",
                latest / each,
                human(Duration::from_secs_f64(*latest)),
                human(Duration::from_secs_f64(each))
            ),
        );
    }
}

/// Prints one generation's rows and its growth target; returns (N, per-pod seconds, capped).
fn report(generation: Generation, rows: &[&Row], cap: Duration) -> Vec<(usize, f64, bool)> {
    let g = generation.name();
    let mut per_pod = Vec::new();
    for row in rows {
        let how = if row.single { " (one run each)" } else { "" };
        let Some(flip) = row.flip else {
            let each = cap.saturating_sub(row.base).as_secs_f64() / row.n as f64;
            per_pod.push((row.n, each, true));
            result(
                BENCH,
                format!(
                    "{g} N={}{how}: base {} ({} steps), flip did not finish within {}: the flip \
                     costs more than {} per pod",
                    row.n,
                    human(row.base),
                    row.steps_base,
                    human(cap),
                    human(Duration::from_secs_f64(each))
                ),
            );
            continue;
        };
        let cost = flip.saturating_sub(row.base);
        let each = cost.as_secs_f64() / row.n as f64;
        per_pod.push((row.n, each, false));
        let steps_flip = row.steps_flip.unwrap_or_default();
        result(
            BENCH,
            format!(
                "{g} N={}{how}: base {} ({} steps), flip {} ({steps_flip} steps); the flip costs \
                 {} = {} per pod ({:.1} steps per pod)",
                row.n,
                human(row.base),
                row.steps_base,
                human(flip),
                human(cost),
                human(Duration::from_secs_f64(each)),
                steps_flip.saturating_sub(row.steps_base) as f64 / row.n as f64
            ),
        );
    }
    if let Some((_, first, _)) = per_pod.first() {
        // The worst growth over any N, not just the last: a capped run only bounds its cost
        // from below, so it can show a target missed but never met.
        let (growth, capped) = per_pod
            .iter()
            .map(|(_, each, capped)| (each / first, *capped))
            .fold((1.0f64, false), |(g, c), (each, capped)| {
                (g.max(each), c || capped)
            });
        let at_least = if capped { ">= " } else { "" };
        result(
            BENCH,
            format!(
                "{g}: per-pod cost at the worst N over the smallest: {at_least}{growth:.2}x \
                 (1.0 = linear)"
            ),
        );
        target(
            BENCH,
            growth < 2.0 && !capped,
            format!(
                "{g}: per-pod cost grows {at_least}{growth:.2}x from the smallest N (target: \
                 linear, < 2x{})",
                if capped {
                    "; a capped run cannot show it met"
                } else {
                    ""
                }
            ),
        );
    }
    per_pod
}

criterion_group!(benches, controller_scale);
criterion_main!(benches);
