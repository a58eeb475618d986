//! `apiserver_ops`: create, update and watch-delivery throughput of the in-memory API server
//! (taintsim-api), in batches of 1,000 pods.
//!
//! - `create`: 1,000 pods into a fresh server.
//! - `update`: 1,000 unconditional updates (a label flips) of stored pods.
//! - `watch-delivery`: draining 1,000 committed changes from an open pod watch.
//! - `bare-map`: the baseline measured in the same process: cloning the same 1,000 pods into
//!   a `BTreeMap` keyed by namespace and name, the least a store can do.
//!
//! The target is to report the numbers and not regress later; each is printed with its ratio
//! to the bare map.

mod support;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;
use taintsim_api::{ApiServer, ApiServerConfig, Kind, Object};

use support::{Samples, human, result};

const BENCH: &str = "apiserver_ops";
const BATCH: usize = 1000;

fn pod(i: usize, label: &str) -> Object {
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("pod-{i}"),
            "namespace": "default",
            "uid": format!("uid-{i}"),
            "labels": {"app": "bench", "flip": label}
        },
        "spec": {
            "nodeName": "worker",
            "containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}],
            "resourceClaims": [{"name": "my-resource", "resourceClaimName": format!("claim-{i}")}]
        }
    }))
    .expect("a pod");
    Object::from(pod)
}

fn server() -> ApiServer {
    let now: jiff::Timestamp = "2025-03-20T12:00:00Z".parse().expect("a time");
    ApiServer::with_clock(
        Arc::new(move || now),
        ApiServerConfig {
            watch_window: 1_000_000,
            ..ApiServerConfig::default()
        },
    )
}

fn apiserver_ops(c: &mut Criterion) {
    let pods: Vec<Object> = (0..BATCH).map(|i| pod(i, "a")).collect();
    let flipped: [Vec<Object>; 2] = [
        (0..BATCH).map(|i| pod(i, "b")).collect(),
        (0..BATCH).map(|i| pod(i, "a")).collect(),
    ];
    let mut group = c.benchmark_group(BENCH);
    group.throughput(Throughput::Elements(BATCH as u64));

    let bare = Samples::default();
    group.bench_function("bare-map/1000-pods", |b| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                let mut map = BTreeMap::new();
                let began = Instant::now();
                for p in &pods {
                    let key = (p.namespace().to_owned(), p.name().to_owned());
                    map.insert(key, p.clone());
                }
                took += began.elapsed();
                black_box(map);
            }
            bare.record(iters, took)
        });
    });

    let create = Samples::default();
    group.bench_function("create/1000-pods", |b| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                let s = server();
                let began = Instant::now();
                for p in &pods {
                    black_box(s.create(p.clone()).expect("created"));
                }
                took += began.elapsed();
                black_box(s);
            }
            create.record(iters, took)
        });
    });

    let update = Samples::default();
    let s = server();
    for p in &pods {
        s.create(p.clone()).expect("created");
    }
    let mut round = 0usize;
    group.bench_function("update/1000-pods", |b| {
        b.iter_custom(|iters| {
            let began = Instant::now();
            for _ in 0..iters {
                for p in &flipped[round % 2] {
                    black_box(s.update(p.clone()).expect("updated"));
                }
                round += 1;
            }
            update.record(iters, began.elapsed())
        });
    });

    let watch = Samples::default();
    group.bench_function("watch-delivery/1000-changes", |b| {
        b.iter_batched(
            || {
                let s = server();
                let w = s.watch(Kind::Pod, s.revision()).expect("watch");
                for p in &pods {
                    s.create(p.clone()).expect("created");
                }
                (s, w)
            },
            |(s, mut w)| {
                let began = Instant::now();
                let mut n = 0;
                while let Poll::Ready(Some(Ok(event))) = w.try_next() {
                    black_box(event);
                    n += 1;
                }
                assert_eq!(n, BATCH);
                watch.record(1, began.elapsed());
                (s, w)
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();

    let Some(bare) = bare.mean() else {
        return;
    };
    let per = |d: Duration| d / BATCH as u32;
    let ops = |d: Duration| BATCH as f64 / d.as_secs_f64();
    result(
        BENCH,
        format!(
            "bare map: {} per pod ({:.0}/s)",
            human(per(bare)),
            ops(bare)
        ),
    );
    for (name, samples) in [
        ("create", &create),
        ("update", &update),
        ("watch delivery", &watch),
    ] {
        if let Some(mean) = samples.mean() {
            result(
                BENCH,
                format!(
                    "{name}: {} per op ({:.0}/s), {:.1}x the bare map",
                    human(per(mean)),
                    ops(mean),
                    mean.as_secs_f64() / bare.as_secs_f64()
                ),
            );
        }
    }
}

criterion_group!(benches, apiserver_ops);
criterion_main!(benches);
