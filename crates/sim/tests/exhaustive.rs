//! Exhaustive exploration on small hand-written programs: the unreduced search enumerates every
//! interleaving, the reduced one finds the same final states with fewer schedules, and a bug
//! hidden in one interleaving is found.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use taintsim_sim::strategy::Reduction;
use taintsim_sim::{
    ExhaustiveConfig, ExhaustiveStrategy, Outcome, RunReport, SimConfig, SimHandle, StepLabel,
};

/// A variable shared by the tasks of one execution.
#[derive(Debug, Clone, Default)]
struct Shared(Arc<Mutex<BTreeMap<String, i64>>>);

impl Shared {
    fn get(&self, k: &str) -> i64 {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(k).copied().unwrap_or(0)
    }

    fn set(&self, k: &str, v: i64) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.insert(k.to_owned(), v);
    }

    fn reset(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn snapshot(&self) -> String {
        format!(
            "{:?}",
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        )
    }
}

/// One step of a task: its label's resource, and what it does to the shared variables.
type Op = Box<dyn Fn(&Shared, &mut i64) + Send + Sync>;

struct Task {
    actor: &'static str,
    steps: Vec<(&'static str, Op)>,
}

/// Spawns the tasks; each step awaits a labelled step touching its resource, then runs its op
/// with the task's local register.
fn program(tasks: &Arc<Vec<Task>>, shared: &Shared) -> impl FnMut(&SimHandle) + use<> {
    let (tasks, shared) = (tasks.clone(), shared.clone());
    move |h: &SimHandle| {
        shared.reset();
        for t in 0..tasks.len() {
            let (h2, tasks, shared) = (h.clone(), tasks.clone(), shared.clone());
            h.spawn(
                tasks[t].actor,
                Box::pin(async move {
                    let mut local = 0;
                    for (i, (resource, op)) in tasks[t].steps.iter().enumerate() {
                        h2.step(StepLabel::new(format!("s{i}")).touching(*resource))
                            .await;
                        op(&shared, &mut local);
                    }
                }),
            );
        }
    }
}

fn nop() -> Op {
    Box::new(|_, _| {})
}

fn read(var: &'static str) -> Op {
    Box::new(move |s, local| *local = s.get(var))
}

fn write_incremented(var: &'static str) -> Op {
    Box::new(move |s, local| s.set(var, *local + 1))
}

fn add(var: &'static str, n: i64) -> Op {
    Box::new(move |s, _| s.set(var, s.get(var) + n))
}

struct Explored {
    schedules: u64,
    complete: bool,
    outcomes: BTreeSet<String>,
    panics: u64,
}

fn explore(tasks: Vec<Task>, reduction: Reduction) -> Explored {
    let tasks = Arc::new(tasks);
    let shared = Shared::default();
    let mut outcomes = BTreeSet::new();
    let mut panics = 0;
    let stats = ExhaustiveStrategy::explore(
        ExhaustiveConfig::default().reduction(reduction),
        SimConfig::default(),
        program(&tasks, &shared),
        |report: &RunReport| {
            if let Outcome::Panic { message, .. } = &report.outcome {
                panics += 1;
                outcomes.insert(format!("panic: {message}"));
            } else {
                outcomes.insert(shared.snapshot());
            }
        },
    );
    Explored {
        schedules: stats.schedules(),
        complete: stats.complete,
        outcomes,
        panics,
    }
}

fn task(actor: &'static str, steps: Vec<(&'static str, Op)>) -> Task {
    Task { actor, steps }
}

fn factorial(n: u64) -> u64 {
    (1..=n).product()
}

/// (n1 + n2 + ...)! / (n1! n2! ...)
fn multinomial(counts: &[u64]) -> u64 {
    factorial(counts.iter().sum()) / counts.iter().map(|&c| factorial(c)).product::<u64>()
}

#[test]
fn unreduced_search_should_run_every_interleaving_once() {
    for shape in [
        vec![2, 2],
        vec![3, 3],
        vec![2, 2, 1],
        vec![3, 2, 2],
        vec![1, 1, 1, 1],
    ] {
        let names = ["a", "b", "c", "d"];
        let tasks = shape
            .iter()
            .zip(names)
            .map(|(&n, actor)| task(actor, (0..n).map(|_| ("x", nop())).collect()))
            .collect();
        let got = explore(tasks, Reduction::None);
        assert_eq!(got.schedules, multinomial(&shape), "shape {shape:?}");
        assert!(got.complete);
    }
}

/// Two tasks increment `x` with a separate read and write (a lost update is possible), a
/// third adds to `y` only.
fn lost_update() -> Vec<Task> {
    vec![
        task("a", vec![("x", read("x")), ("x", write_incremented("x"))]),
        task("b", vec![("x", read("x")), ("x", write_incremented("x"))]),
        task("c", vec![("y", add("y", 1)), ("y", add("y", 10))]),
    ]
}

#[test]
fn reduced_search_should_find_the_same_final_states_with_fewer_schedules() {
    let full = explore(lost_update(), Reduction::None);
    assert_eq!(full.schedules, multinomial(&[2, 2, 2]));
    assert_eq!(
        full.outcomes,
        BTreeSet::from([
            r#"{"x": 1, "y": 11}"#.to_owned(),
            r#"{"x": 2, "y": 11}"#.to_owned()
        ])
    );
    for reduction in [Reduction::SleepSets, Reduction::Dpor] {
        let reduced = explore(lost_update(), reduction);
        assert!(reduced.complete, "{reduction:?}");
        assert_eq!(reduced.outcomes, full.outcomes, "{reduction:?}");
        // Every step of `a` and `b` touches `x`, so their 4!/(2!2!) = 6 interleavings are 6
        // distinct traces; `c` is independent of both and multiplies nothing.
        assert_eq!(reduced.schedules, 6, "{reduction:?}");
    }
}

#[test]
fn independent_tasks_should_need_one_schedule() {
    let tasks = || {
        vec![
            task("a", vec![("a", nop()), ("a", nop()), ("a", nop())]),
            task("b", vec![("b", nop()), ("b", nop())]),
            task("c", vec![("c", nop())]),
        ]
    };
    let full = explore(tasks(), Reduction::None);
    let reduced = explore(tasks(), Reduction::Dpor);
    assert_eq!(full.schedules, multinomial(&[3, 2, 1]));
    assert_eq!((reduced.schedules, reduced.complete), (1, true));
    assert_eq!(reduced.outcomes, full.outcomes);
}

/// `a` raises a flag and lowers it; `b` arms; `c` fails if the flag is up and `b` has armed
/// (its check reads both, so it touches their parent `state`): only the interleavings with
/// `c`'s check after `b` and between `a`'s two steps panic.
fn hidden_bug() -> Vec<Task> {
    let check: Op = Box::new(|s, _| {
        if s.get("flag") == 1 && s.get("armed") == 1 {
            panic!("hidden interleaving reached");
        }
    });
    vec![
        task(
            "a",
            vec![
                ("state/flag", add("flag", 1)),
                ("state/flag", add("flag", -1)),
            ],
        ),
        task("b", vec![("state/armed", add("armed", 1))]),
        task("c", vec![("unrelated", nop()), ("state", check)]),
    ]
}

#[test]
fn a_bug_hidden_in_one_interleaving_should_be_found() {
    let full = explore(hidden_bug(), Reduction::None);
    assert_eq!(full.schedules, multinomial(&[2, 1, 2]));
    assert!(full.panics > 0);
    for reduction in [Reduction::SleepSets, Reduction::Dpor] {
        let reduced = explore(hidden_bug(), reduction);
        assert!(reduced.complete);
        assert!(reduced.panics > 0, "{reduction:?} missed the bug");
        assert_eq!(reduced.outcomes, full.outcomes, "{reduction:?}");
        assert!(reduced.schedules < full.schedules, "{reduction:?}");
    }
}

#[test]
fn a_due_timer_should_be_tried_at_every_point() {
    // A task of three steps and a timer due at once: the fire can come before, between or
    // after the steps. Timers depend on everything, so the reduction keeps all four.
    let order = Shared::default();
    let setup = |h: &SimHandle| {
        order.reset();
        let h2 = h.clone();
        let o = order.clone();
        h.spawn(
            "t",
            Box::pin(async move {
                for i in 1..=3 {
                    h2.step(StepLabel::new(format!("s{i}")).touching("own"))
                        .await;
                    o.set("steps", o.get("steps") + 1);
                }
            }),
        );
        let o = order.clone();
        h.after(
            Duration::ZERO,
            "timer",
            Box::new(move || o.set("fired-after", o.get("steps"))),
        );
    };
    for reduction in [Reduction::None, Reduction::Dpor] {
        let mut seen = BTreeSet::new();
        let stats = ExhaustiveStrategy::explore(
            ExhaustiveConfig::default().reduction(reduction),
            SimConfig::default(),
            setup,
            |_| {
                seen.insert(order.get("fired-after"));
            },
        );
        assert_eq!(stats.schedules(), 4, "{reduction:?}");
        assert_eq!(seen, BTreeSet::from([0, 1, 2, 3]), "{reduction:?}");
    }
}

#[test]
fn a_canonical_prefix_should_bound_the_space_and_keep_it_complete() {
    // Both tasks touch `x`. Fixing the first decision (it takes `a: s0`, the first entry)
    // leaves the 3 places of `a: s1` among `b`'s two steps.
    let tasks = || {
        vec![
            task("a", vec![("x", nop()), ("x", nop())]),
            task("b", vec![("x", nop()), ("x", nop())]),
        ]
    };
    for reduction in [Reduction::None, Reduction::SleepSets, Reduction::Dpor] {
        let tasks = Arc::new(tasks());
        let shared = Shared::default();
        let stats = ExhaustiveStrategy::explore(
            ExhaustiveConfig::default()
                .reduction(reduction)
                .prefix_until("a: s0"),
            SimConfig::default(),
            program(&tasks, &shared),
            |_| {},
        );
        assert_eq!(stats.schedules(), 3, "{reduction:?}");
        assert_eq!(
            stats.bounded, 1,
            "{reduction:?}: b's first step at the first decision"
        );
        assert!(stats.complete, "{reduction:?}");
    }
}

#[test]
fn max_executions_should_leave_the_search_incomplete() {
    let tasks = Arc::new(vec![
        task("a", vec![("x", nop()), ("x", nop())]),
        task("b", vec![("x", nop()), ("x", nop())]),
    ]);
    let shared = Shared::default();
    let stats = ExhaustiveStrategy::explore(
        ExhaustiveConfig::default()
            .reduction(Reduction::None)
            .max_executions(4),
        SimConfig::default(),
        program(&tasks, &shared),
        |_| {},
    );
    assert_eq!(stats.schedules(), 4);
    assert!(stats.cut && !stats.complete);
}

mod random_programs {
    //! Soundness of the reduction on random small programs: the same final states (or panics)
    //! as the unreduced search, for many programs with dependent and independent steps,
    //! nested resources and tasks woken by other tasks (the enabling relation of DPOR).

    use std::collections::BTreeSet;
    use std::sync::Arc;

    use futures::channel::oneshot;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use taintsim_sim::strategy::Reduction;
    use taintsim_sim::{
        ExhaustiveConfig, ExhaustiveStrategy, Outcome, RunReport, SimConfig, SimHandle, StepLabel,
    };

    use super::Shared;

    #[derive(Debug, Clone)]
    enum Op {
        Nop,
        Read(usize),
        WriteIncremented(usize),
        Add(usize, i64),
        /// `v/a += v/b` (touches the parent `v`).
        AddVar(usize, usize),
        /// Panics if `v/i == k`.
        Fail(usize, i64),
    }

    impl Op {
        fn touches(&self) -> String {
            match self {
                Op::Nop => "w".to_owned(),
                Op::Read(i) | Op::WriteIncremented(i) | Op::Add(i, _) | Op::Fail(i, _) => {
                    format!("v/{i}")
                }
                Op::AddVar(..) => "v".to_owned(),
            }
        }

        fn run(&self, s: &Shared, local: &mut i64) {
            let var = |i: &usize| format!("{i}");
            match self {
                Op::Nop => {}
                Op::Read(i) => *local = s.get(&var(i)),
                Op::WriteIncremented(i) => s.set(&var(i), *local + 1),
                Op::Add(i, k) => s.set(&var(i), s.get(&var(i)) + k),
                Op::AddVar(a, b) => s.set(&var(a), s.get(&var(a)) + s.get(&var(b))),
                Op::Fail(i, k) => {
                    if s.get(&var(i)) == *k {
                        panic!("v/{i} reached {k}");
                    }
                }
            }
        }
    }

    #[derive(Debug, Clone)]
    struct Step {
        op: Op,
        /// Wait for the signal that task `.0` sends after its step `.1`, before this step.
        wait: Option<(usize, usize)>,
    }

    fn generate(seed: u64) -> Vec<Vec<Step>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let tasks = rng.random_range(2..=3usize);
        let mut program: Vec<Vec<Step>> = Vec::new();
        let mut total = 0;
        for t in 0..tasks {
            let n = rng.random_range(1..=3usize).min(7 - total).max(1);
            total += n;
            let steps = (0..n)
                .map(|_| {
                    let op = match rng.random_range(0..6) {
                        0 => Op::Nop,
                        1 => Op::Read(rng.random_range(0..3)),
                        2 => Op::WriteIncremented(rng.random_range(0..3)),
                        3 => Op::Add(rng.random_range(0..3), rng.random_range(1..3)),
                        4 => Op::AddVar(rng.random_range(0..3), rng.random_range(0..3)),
                        _ => Op::Fail(rng.random_range(0..3), rng.random_range(1..3)),
                    };
                    let wait = (t > 0 && rng.random_range(0..4) == 0).then(|| {
                        let from = rng.random_range(0..t);
                        (from, rng.random_range(0..program[from].len()))
                    });
                    Step { op, wait }
                })
                .collect();
            program.push(steps);
        }
        program
    }

    fn explore(program: &Arc<Vec<Vec<Step>>>, reduction: Reduction) -> (u64, BTreeSet<String>) {
        let shared = Shared::default();
        let mut outcomes = BTreeSet::new();
        let setup = |h: &SimHandle| {
            shared.reset();
            // One signal per (task, step) that some later step waits for.
            let mut senders: Vec<Vec<Vec<oneshot::Sender<()>>>> = program
                .iter()
                .map(|steps| steps.iter().map(|_| Vec::new()).collect())
                .collect();
            let mut receivers: Vec<Vec<Option<oneshot::Receiver<()>>>> = Vec::new();
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
                            let label = StepLabel::new(format!("s{k}")).touching(step.op.touches());
                            h2.step(label).await;
                            step.op.run(&shared, &mut local);
                            for tx in std::mem::take(&mut sends[k]) {
                                let _ = tx.send(());
                            }
                        }
                    }),
                );
            }
        };
        let stats = ExhaustiveStrategy::explore(
            ExhaustiveConfig::default().reduction(reduction),
            SimConfig::default(),
            setup,
            |report: &RunReport| {
                let outcome = match &report.outcome {
                    Outcome::Panic { message, .. } => format!("panic: {message}"),
                    _ => shared.snapshot(),
                };
                outcomes.insert(outcome);
            },
        );
        assert!(stats.complete, "{reduction:?}");
        (stats.schedules(), outcomes)
    }

    #[test]
    fn reduction_should_keep_every_final_state_of_random_programs() {
        let (mut full_total, mut dpor_total) = (0, 0);
        for seed in 0..300 {
            let program = Arc::new(generate(seed));
            let (full, expected) = explore(&program, Reduction::None);
            for reduction in [Reduction::SleepSets, Reduction::Dpor] {
                let (n, got) = explore(&program, reduction);
                assert_eq!(got, expected, "seed {seed}, {reduction:?}: {program:?}");
                assert!(n <= full, "seed {seed}, {reduction:?}");
                if reduction == Reduction::Dpor {
                    dpor_total += n;
                }
            }
            full_total += full;
        }
        assert!(dpor_total * 2 < full_total, "{dpor_total} of {full_total}");
    }
}
