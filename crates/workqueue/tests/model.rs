//! Property test: the queue against a plain reference model, on random operation sequences.
//!
//! The model keeps what a reader of client-go's docs would keep: the queued items in order,
//! the items a worker holds, which of those were added again meanwhile, the delayed items
//! with their ready times, and failure counts. After every operation both must agree on what
//! `Get` returns, on the queued, processing and waiting items, and on `NumRequeues`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use proptest::prelude::*;

use support::{queue, start};

#[derive(Debug, Clone)]
enum Op {
    Add(u8),
    Get,
    /// `Done` of the n-th held item (modulo how many are held).
    Done(usize),
    AddAfter(u8, u16),
    AddRateLimited(u8),
    Forget(u8),
    Advance(u16),
    ShutDown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..5).prop_map(Op::Add),
        4 => Just(Op::Get),
        4 => (0usize..8).prop_map(Op::Done),
        3 => ((0u8..5), (0u16..40)).prop_map(|(i, d)| Op::AddAfter(i, d)),
        2 => (0u8..5).prop_map(Op::AddRateLimited),
        1 => (0u8..5).prop_map(Op::Forget),
        3 => (0u16..50).prop_map(Op::Advance),
        1 => Just(Op::ShutDown),
    ]
}

fn item(i: u8) -> String {
    format!("i{i}")
}

/// The reference model; times are milliseconds since the start.
#[derive(Debug, Default)]
struct Model {
    now: u64,
    queued: Vec<String>,
    held: BTreeSet<String>,
    added_while_held: BTreeSet<String>,
    /// (item, ready time, order of the request that set it)
    delayed: Vec<(String, u64, u64)>,
    requests: u64,
    failures: BTreeMap<String, u32>,
    shut: bool,
}

impl Model {
    fn add(&mut self, x: String) {
        if self.shut {
            return;
        }
        if self.held.contains(&x) {
            self.added_while_held.insert(x);
        } else if !self.queued.contains(&x) {
            self.queued.push(x);
        }
    }

    fn get(&mut self) -> Option<String> {
        if self.queued.is_empty() {
            return None;
        }
        let x = self.queued.remove(0);
        self.held.insert(x.clone());
        Some(x)
    }

    fn done(&mut self, x: &str) {
        self.held.remove(x);
        if self.added_while_held.remove(x) {
            self.queued.push(x.to_owned());
        }
    }

    fn add_after(&mut self, x: String, ms: u64) {
        if self.shut {
            return;
        }
        if ms == 0 {
            return self.add(x);
        }
        let ready = self.now + ms;
        if let Some(i) = self.delayed.iter().position(|(y, _, _)| *y == x) {
            if self.delayed[i].1 <= ready {
                return;
            }
            self.delayed.remove(i);
        }
        self.requests += 1;
        self.delayed.push((x, ready, self.requests));
    }

    fn add_rate_limited(&mut self, x: String) {
        let n = self.failures.entry(x.clone()).or_insert(0);
        let ms = 1u64.checked_shl(*n).unwrap_or(u64::MAX).min(1000);
        *n += 1;
        self.add_after(x, ms);
    }

    fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        self.delayed.sort_by_key(|(_, at, order)| (*at, *order));
        while let Some(first) = self.delayed.first() {
            if first.1 > target {
                break;
            }
            let (x, at, _) = self.delayed.remove(0);
            self.now = at;
            self.add(x);
        }
        self.now = target;
    }

    fn waiting(&self) -> Vec<(String, u64)> {
        let mut d = self.delayed.clone();
        d.sort_by_key(|(_, at, order)| (*at, *order));
        d.into_iter().map(|(x, at, _)| (x, at)).collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn queue_should_agree_with_the_reference_model(ops in proptest::collection::vec(op(), 1..60)) {
        let (rt, q) = queue();
        let mut m = Model::default();
        for op in ops {
            let s = q.in_step();
            match op.clone() {
                Op::Add(i) => { s.add(item(i)); m.add(item(i)); }
                Op::Get => prop_assert_eq!(s.try_get(), m.get(), "Get after {:?}", op),
                Op::Done(n) => {
                    let held: Vec<String> = m.held.iter().cloned().collect();
                    if !held.is_empty() {
                        let x = &held[n % held.len()];
                        s.done(x);
                        m.done(x);
                    }
                }
                Op::AddAfter(i, ms) => {
                    s.add_after(item(i), Duration::from_millis(u64::from(ms)));
                    m.add_after(item(i), u64::from(ms));
                }
                Op::AddRateLimited(i) => { s.add_rate_limited(item(i)); m.add_rate_limited(item(i)); }
                Op::Forget(i) => { s.forget(&item(i)); m.failures.remove(&item(i)); }
                Op::Advance(ms) => {
                    rt.advance(Duration::from_millis(u64::from(ms)));
                    m.advance(u64::from(ms));
                }
                Op::ShutDown => { s.shut_down(); m.shut = true; m.delayed.clear(); }
            }
            prop_assert_eq!(q.ready(), m.queued.clone(), "queued after {:?}", op);
            prop_assert_eq!(q.processing(), m.held.iter().cloned().collect::<Vec<_>>());
            let waiting: Vec<(String, u64)> = q
                .waiting()
                .into_iter()
                .map(|(x, at)| (x, at.duration_since(start()).as_millis() as u64))
                .collect();
            prop_assert_eq!(waiting, m.waiting(), "waiting after {:?}", op);
            for i in 0..5 {
                prop_assert_eq!(
                    s.num_requeues(&item(i)),
                    u64::from(m.failures.get(&item(i)).copied().unwrap_or(0))
                );
            }
            // No item is both queued and held.
            prop_assert!(m.queued.iter().all(|x| !m.held.contains(x)));
        }
    }
}
