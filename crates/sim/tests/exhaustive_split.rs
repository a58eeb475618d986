//! An exhaustive search split into subtrees (`ExhaustiveConfig::split_depth`), on random small
//! programs: the union of the subtrees finds every final state of the unreduced search, each
//! subtree's search is the same whatever order the subtrees are searched in, probes list the
//! same subtrees as full searches, and a split depth of 0 is the unsplit search.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use futures::channel::oneshot;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use taintsim_sim::strategy::{Choice, ExecutionEnd, ExhaustiveStats, Reduction};
use taintsim_sim::{
    ExhaustiveConfig, ExhaustiveStrategy, Outcome, Sim, SimConfig, SimHandle, StepLabel, Strategy,
};

/// Variables shared by the tasks of one execution.
#[derive(Debug, Clone, Default)]
struct Shared(Arc<Mutex<BTreeMap<usize, i64>>>);

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<usize, i64>) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// One step: what it does to variable `var`, and which earlier step of another task it waits
/// for (the enabling relation DPOR tracks).
#[derive(Debug, Clone)]
struct Step {
    var: usize,
    /// 0 read, 1 write read + 1, 2 add, 3 panic on a value, 4 touch nothing shared.
    op: u8,
    wait: Option<(usize, usize)>,
}

fn generate(seed: u64) -> Vec<Vec<Step>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tasks = rng.random_range(2..=4usize);
    let mut program: Vec<Vec<Step>> = Vec::new();
    for t in 0..tasks {
        let steps = (0..rng.random_range(1..=3usize))
            .map(|_| Step {
                var: rng.random_range(0..3),
                op: rng.random_range(0..5),
                wait: (t > 0 && rng.random_range(0..4) == 0).then(|| {
                    let from = rng.random_range(0..t);
                    (from, rng.random_range(0..program[from].len()))
                }),
            })
            .collect();
        program.push(steps);
    }
    program
}

fn setup(program: &Arc<Vec<Vec<Step>>>, shared: &Shared) -> impl FnMut(&SimHandle) + use<> {
    let (program, shared) = (program.clone(), shared.clone());
    move |h: &SimHandle| {
        shared.with(BTreeMap::clear);
        let mut senders: Vec<Vec<Vec<oneshot::Sender<()>>>> = program
            .iter()
            .map(|steps| steps.iter().map(|_| Vec::new()).collect())
            .collect();
        let mut receivers = Vec::new();
        for steps in program.iter() {
            let mut mine = Vec::new();
            for step in steps {
                mine.push(step.wait.map(|(t, k)| {
                    let (tx, rx) = oneshot::channel();
                    senders[t][k].push(tx);
                    rx
                }));
            }
            receivers.push(mine);
        }
        for (t, (mut sends, mut waits)) in senders.into_iter().zip(receivers).enumerate() {
            let (h2, program, shared) = (h.clone(), program.clone(), shared.clone());
            h.spawn(
                format!("t{t}"),
                Box::pin(async move {
                    let mut local = 0;
                    for (k, step) in program[t].iter().enumerate() {
                        if let Some(rx) = waits[k].take() {
                            let _ = rx.await;
                        }
                        let touches = match step.op {
                            4 => "other".to_owned(),
                            _ => format!("v/{}", step.var),
                        };
                        h2.step(StepLabel::new(format!("s{k}")).touching(touches))
                            .await;
                        let v = step.var;
                        let value = shared.with(|m| m.get(&v).copied().unwrap_or(0));
                        match step.op {
                            0 => local = value,
                            1 => shared.with(|m| m.insert(v, local + 1)).map_or((), drop),
                            2 => shared.with(|m| m.insert(v, value + 2)).map_or((), drop),
                            3 if value == 2 => panic!("v{v} reached 2"),
                            _ => {}
                        }
                        for tx in std::mem::take(&mut sends[k]) {
                            let _ = tx.send(());
                        }
                    }
                }),
            );
        }
    }
}

/// One subtree's search: its counters, the final states it reached, the subtrees it found.
struct Searched {
    stats: ExhaustiveStats,
    outcomes: BTreeSet<String>,
    found: Vec<Vec<Choice>>,
}

fn search(program: &Arc<Vec<Vec<Step>>>, config: ExhaustiveConfig) -> Searched {
    let shared = Shared::default();
    let mut setup = setup(program, &shared);
    let strategy = ExhaustiveStrategy::new_from_config(config);
    let handle = strategy.handle();
    let mut strategy: Box<dyn Strategy> = Box::new(strategy);
    let (mut outcomes, mut found) = (BTreeSet::new(), Vec::new());
    while strategy.begin_execution() {
        let mut sim = Sim::new(SimConfig::default(), strategy);
        setup(&sim.handle());
        let report = sim.run();
        strategy = sim.into_strategy();
        found.extend(handle.take_subtrees());
        if handle.last_execution() != ExecutionEnd::Ran {
            continue;
        }
        outcomes.insert(match &report.outcome {
            Outcome::Panic { message, .. } => format!("panic: {message}"),
            _ => shared.with(|m| format!("{m:?}")),
        });
    }
    Searched {
        stats: handle.stats(),
        outcomes,
        found,
    }
}

/// Searches every subtree, taking them first-found-first (`fifo`) or last-found-first.
fn search_split(
    program: &Arc<Vec<Vec<Step>>>,
    base: &ExhaustiveConfig,
    fifo: bool,
) -> BTreeMap<Vec<Choice>, Searched> {
    let mut queue = VecDeque::from([Vec::new()]);
    let mut done = BTreeMap::new();
    while let Some(path) = if fifo {
        queue.pop_front()
    } else {
        queue.pop_back()
    } {
        let searched = search(program, base.clone().subtree(path.clone()));
        queue.extend(searched.found.iter().cloned());
        assert!(
            done.insert(path, searched).is_none(),
            "a subtree found twice"
        );
    }
    done
}

/// The subtrees a probe of each subtree finds, from the root.
fn probe_all(program: &Arc<Vec<Vec<Step>>>, base: &ExhaustiveConfig) -> BTreeSet<Vec<Choice>> {
    let mut queue = vec![Vec::new()];
    let mut all = BTreeSet::new();
    while let Some(path) = queue.pop() {
        let probe = search(
            program,
            base.clone().subtree(path.clone()).frontier_only(true),
        );
        assert!(probe.stats.executions <= 1);
        queue.extend(probe.found);
        all.insert(path);
    }
    all
}

#[test]
fn split_searches_should_be_sound_and_independent_of_order() {
    let mut subtrees = 0;
    for seed in 0..80 {
        let program = Arc::new(generate(seed));
        let full = search(
            &program,
            ExhaustiveConfig::default().reduction(Reduction::None),
        );
        assert!(full.stats.complete);
        for reduction in [Reduction::Dpor, Reduction::SleepSets] {
            let unsplit = search(&program, ExhaustiveConfig::default().reduction(reduction));
            for depth in 0..=3 {
                let base = ExhaustiveConfig::default()
                    .reduction(reduction)
                    .split_depth(depth);
                let forward = search_split(&program, &base, true);
                let backward = search_split(&program, &base, false);
                let what = format!("seed {seed}, {reduction:?}, depth {depth}: {program:?}");
                let union: BTreeSet<String> = forward
                    .values()
                    .flat_map(|s| s.outcomes.iter().cloned())
                    .collect();
                assert_eq!(union, full.outcomes, "{what}");
                assert!(forward.values().all(|s| s.stats.complete), "{what}");
                let counts = |m: &BTreeMap<Vec<Choice>, Searched>| -> Vec<(Vec<Choice>, u64, u64)> {
                    m.iter()
                        .map(|(k, s)| (k.clone(), s.stats.executions, s.stats.pruned))
                        .collect()
                };
                assert_eq!(counts(&forward), counts(&backward), "{what}");
                let keys: BTreeSet<Vec<Choice>> = forward.keys().cloned().collect();
                assert_eq!(probe_all(&program, &base), keys, "{what}");
                if depth == 0 {
                    assert_eq!(forward.len(), 1);
                    assert_eq!(forward[&Vec::new()].stats, unsplit.stats, "{what}");
                }
                subtrees += forward.len();
            }
        }
    }
    // The programs do split: far more subtrees than searches.
    assert!(subtrees > 80 * 2 * 4 * 2, "{subtrees}");
}
