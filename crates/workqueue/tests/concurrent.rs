//! Upstream `TestBasic` and `TestAddWhileProcessing` (`queue_test.go` @1c9cf914), each with
//! `ShutDown` and with `ShutDownWithDrain`: producers and consumers as tasks on the seeded
//! simulator over many seeds, and `TestBasic` once on tokio's real threads. Besides upstream's
//! checks, every run also checks that no two consumers ever hold the same item.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taintsim_seam::runtime::{Runtime, TokioRuntime};
use taintsim_sim::{RandomStrategy, Sim, SimConfig, SimRuntime};
use taintsim_workqueue::{Queue, default_controller_rate_limiter};

const AFTER_SHUTDOWN: &str = "added after shutdown!";

/// What the consumers saw.
#[derive(Default)]
struct Seen {
    held: Mutex<BTreeSet<String>>,
    got: Mutex<Vec<String>>,
    exited: AtomicUsize,
    overlap: Mutex<Option<String>>,
}

impl Seen {
    fn take(&self, item: &str) {
        if !self.held.lock().expect("lock").insert(item.to_owned()) {
            *self.overlap.lock().expect("lock") = Some(item.to_owned());
        }
        self.got.lock().expect("lock").push(item.to_owned());
    }

    fn release(&self, item: &str) {
        self.held.lock().expect("lock").remove(item);
    }
}

/// Spawns upstream's TestBasic (scaled: `producers` × `adds`) on `rt`.
fn basic(
    rt: Arc<dyn Runtime>,
    producers: usize,
    adds: usize,
    consumers: usize,
    drain: bool,
) -> (Queue<String>, Arc<Seen>) {
    let q: Queue<String> = Queue::new(
        rt.clone(),
        "basic",
        Box::new(default_controller_rate_limiter()),
    );
    let seen = Arc::new(Seen::default());
    let left = Arc::new(AtomicUsize::new(producers));
    for p in 0..producers {
        let (q, rt, left) = (q.clone(), rt.clone(), left.clone());
        rt.clone().spawn(
            format!("producer-{p}"),
            Box::pin(async move {
                for _ in 0..adds {
                    q.add(p.to_string()).await;
                    rt.sleep(Duration::from_millis(1)).await;
                }
                if left.fetch_sub(1, Ordering::SeqCst) == 1 {
                    // The last producer: shut down, then try to add once more.
                    if drain {
                        q.shut_down_with_drain().await;
                    } else {
                        rt.step(q.label("ShutDown")).await;
                        q.in_step().shut_down();
                    }
                    q.add(AFTER_SHUTDOWN.to_owned()).await;
                }
            }),
        );
    }
    for c in 0..consumers {
        let (q, rt, seen) = (q.clone(), rt.clone(), seen.clone());
        rt.clone().spawn(
            format!("consumer-{c}"),
            Box::pin(async move {
                while let Some(item) = q.get().await {
                    seen.take(&item);
                    rt.sleep(Duration::from_millis(3)).await;
                    seen.release(&item);
                    q.done(&item).await;
                }
                seen.exited.fetch_add(1, Ordering::SeqCst);
            }),
        );
    }
    (q, seen)
}

fn check(q: &Queue<String>, seen: &Seen, consumers: usize, what: &str) {
    assert_eq!(
        seen.exited.load(Ordering::SeqCst),
        consumers,
        "{what}: every consumer exits"
    );
    assert!(
        !seen
            .got
            .lock()
            .expect("lock")
            .iter()
            .any(|i| i == AFTER_SHUTDOWN),
        "{what}: got the item added after shutdown"
    );
    assert_eq!(
        *seen.overlap.lock().expect("lock"),
        None,
        "{what}: two consumers held one item"
    );
    assert_eq!(q.in_step().len(), 0, "{what}");
}

/// Upstream `TestBasic`, `ShutDown` and `ShutDownWithDrain`, on the simulator.
#[test]
fn test_basic_on_the_simulator() {
    for drain in [false, true] {
        for seed in 0..20 {
            let mut sim = Sim::new(
                SimConfig::default(),
                Box::new(RandomStrategy::new_from_seed(seed)),
            );
            let rt: Arc<dyn Runtime> = Arc::new(SimRuntime::new(sim.handle()));
            let (q, seen) = basic(rt, 10, 10, 5, drain);
            let report = sim.run();
            let what = format!("seed {seed} drain {drain}");
            assert!(
                report.outcome.is_quiescent(),
                "{what}: {:?}",
                report.outcome
            );
            check(&q, &seen, 5, &what);
            // Every producer's item was handed out at least once.
            let got: BTreeSet<String> = seen.got.lock().expect("lock").iter().cloned().collect();
            assert_eq!(got.len(), 10, "{what}");
        }
    }
}

/// Upstream `TestAddWhileProcessing`: each consumer adds the item it holds again until it has
/// seen it twice; the re-added item comes back only after `Done`.
#[test]
fn test_add_while_processing_on_the_simulator() {
    for drain in [false, true] {
        for seed in 0..20 {
            let mut sim = Sim::new(
                SimConfig::default(),
                Box::new(RandomStrategy::new_from_seed(seed)),
            );
            let rt: Arc<dyn Runtime> = Arc::new(SimRuntime::new(sim.handle()));
            let q: Queue<String> = Queue::new(
                rt.clone(),
                "awp",
                Box::new(default_controller_rate_limiter()),
            );
            let seen = Arc::new(Seen::default());
            let producers = 10;
            let left = Arc::new(AtomicUsize::new(producers));
            let counts: Arc<Mutex<std::collections::BTreeMap<String, u32>>> = Arc::default();
            for p in 0..producers {
                let (q, rt2, left, counts) = (q.clone(), rt.clone(), left.clone(), counts.clone());
                rt.spawn(
                    format!("producer-{p}"),
                    Box::pin(async move {
                        q.add(p.to_string()).await;
                        // Wait until every item was seen twice, then shut down (the last one).
                        loop {
                            let done = counts
                                .lock()
                                .expect("lock")
                                .values()
                                .filter(|n| **n >= 2)
                                .count();
                            if done == producers {
                                break;
                            }
                            rt2.sleep(Duration::from_millis(1)).await;
                        }
                        if left.fetch_sub(1, Ordering::SeqCst) == 1 {
                            if drain {
                                q.shut_down_with_drain().await;
                            } else {
                                rt2.step(q.label("ShutDown")).await;
                                q.in_step().shut_down();
                            }
                        }
                    }),
                );
            }
            for c in 0..5 {
                let (q, seen, counts) = (q.clone(), seen.clone(), counts.clone());
                rt.spawn(
                    format!("consumer-{c}"),
                    Box::pin(async move {
                        while let Some(item) = q.get().await {
                            seen.take(&item);
                            let n = {
                                let mut counts = counts.lock().expect("lock");
                                let n = counts.entry(item.clone()).or_default();
                                *n += 1;
                                *n
                            };
                            if n < 2 {
                                q.add(item.clone()).await;
                            }
                            seen.release(&item);
                            q.done(&item).await;
                        }
                        seen.exited.fetch_add(1, Ordering::SeqCst);
                    }),
                );
            }
            let report = sim.run();
            let what = format!("seed {seed} drain {drain}");
            assert!(
                report.outcome.is_quiescent(),
                "{what}: {:?}",
                report.outcome
            );
            check(&q, &seen, 5, &what);
            assert!(
                counts.lock().expect("lock").values().all(|n| *n == 2),
                "{what}: {:?}",
                counts.lock()
            );
        }
    }
}

/// Upstream `TestBasic` on tokio's real threads (scaled down).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_basic_on_tokio() {
    let rt: Arc<dyn Runtime> = Arc::new(TokioRuntime::current());
    let (q, seen) = basic(rt, 10, 5, 4, false);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while seen.exited.load(Ordering::SeqCst) < 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    check(&q, &seen, 4, "tokio");
}
