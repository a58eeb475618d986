//! Go's map iteration order as a recorded data choice.
//!
//! Upstream iterates Go maps, whose order is random on every iteration. Where that order can
//! change an outcome (which pod is queued first, whether an intermediate eviction time is
//! computed from a claim that is not yet re-evaluated), taintsim asks the runtime for the
//! order through [`Runtime::choose`], so the simulator records it, the strategies explore it
//! and a replay repeats it. Name order would hide every other order.

use taintsim_seam::runtime::Runtime;

/// `items` in the order a Go `range` over a map holding them might visit them: a permutation
/// chosen by `rt`, one data decision `<label> #<i>` per position (none for fewer than two
/// items). A runtime that always answers 0 (a hand-driven test runtime) keeps the given order.
pub fn go_map_order<T>(rt: &dyn Runtime, label: &str, mut items: Vec<T>) -> Vec<T> {
    let n = items.len();
    for i in 0..n.saturating_sub(1) {
        let left = n - i;
        let k = rt.choose(&format!("{label} #{i}"), left).min(left - 1);
        items.swap(i, i + k);
    }
    items
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    use taintsim_seam::runtime::{BoxFuture, StepLabel, TimerHandle, Timestamp};

    use super::*;

    /// A runtime whose choices come from a list, recording the labels and option counts.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<Vec<usize>>,
        asked: Mutex<Vec<(String, usize)>>,
    }

    impl Runtime for Scripted {
        fn now(&self) -> Timestamp {
            Timestamp::UNIX_EPOCH
        }
        fn spawn(&self, _: String, _: BoxFuture<()>) {}
        fn after(
            &self,
            _: std::time::Duration,
            _: String,
            _: Box<dyn FnOnce() + Send>,
        ) -> Box<dyn TimerHandle> {
            unreachable!("not used")
        }
        fn sleep(&self, _: std::time::Duration) -> BoxFuture<()> {
            Box::pin(async {})
        }
        fn step(&self, _: StepLabel) -> BoxFuture<()> {
            Box::pin(async {})
        }
        fn choose(&self, label: &str, options: usize) -> usize {
            self.asked
                .lock()
                .expect("lock")
                .push((label.to_owned(), options));
            let mut answers = self.answers.lock().expect("lock");
            if answers.is_empty() {
                0
            } else {
                answers.remove(0)
            }
        }
    }

    #[test]
    fn every_permutation_should_be_reachable_and_zero_should_keep_the_order() {
        let mut seen = BTreeSet::new();
        for a in 0..3 {
            for b in 0..2 {
                let rt = Scripted {
                    answers: Mutex::new(vec![a, b]),
                    ..Scripted::default()
                };
                seen.insert(go_map_order(&rt, "m", vec![1, 2, 3]));
                assert_eq!(
                    *rt.asked.lock().expect("lock"),
                    [("m #0".to_owned(), 3), ("m #1".to_owned(), 2)]
                );
            }
        }
        assert_eq!(seen.len(), 6, "all 3! orders");
        assert!(seen.contains(&vec![1, 2, 3]));
        let rt = Scripted::default();
        assert_eq!(go_map_order(&rt, "m", vec![1, 2, 3]), [1, 2, 3]);
    }

    #[test]
    fn fewer_than_two_items_should_ask_nothing() {
        let rt = Scripted::default();
        assert_eq!(go_map_order(&rt, "m", vec![7]), [7]);
        assert_eq!(go_map_order::<u8>(&rt, "m", vec![]), Vec::<u8>::new());
        assert!(rt.asked.lock().expect("lock").is_empty());
    }
}
