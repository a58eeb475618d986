//! Probabilistic concurrency testing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ChooseContext, Strategy};
use crate::{ActorName, Divergence, Enabled};

/// PCT: Burckhardt, Kothari, Musuvathi and Nagarakatte, "A Randomized Scheduler with
/// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010.
///
/// Priorities belong to actors. Every actor gets a random initial priority, distinct from all
/// others and at least `depth`, when the strategy first sees it (inserting it at a uniformly
/// random rank among the actors seen so far gives a uniformly random order). `depth - 1`
/// change points are drawn uniformly and distinct from `[1, k]`, where `k` is
/// `max_steps_estimate`. At each step the enabled entry whose actor has the highest priority
/// runs (the first such entry, if that actor has several). When step number `k_i` is the
/// `i`-th change point, the actor that would run is first demoted to priority `i`, below every
/// initial priority, and the choice is made again.
///
/// For a program of `n` actors and `k` steps, any bug of depth `d` is found by one run with
/// probability at least `1 / (n * k^(d-1))`. Data choices use the same generator, uniformly.
pub struct PctStrategy {
    seed: u64,
    depth: usize,
    max_steps_estimate: u64,
    rng: ChaCha8Rng,
    /// Actors with their initial priority, lowest first: the priority is `depth + rank`.
    ranked: Vec<ActorName>,
    /// Demoted actors and their change-point priority `i` (`1 <= i < depth`).
    demoted: BTreeMap<ActorName, u64>,
    /// The change points; the `i`-th (from 0) demotes to priority `i + 1`.
    change_points: Vec<u64>,
    /// Schedule decisions made in the current execution.
    steps: u64,
    executions: u64,
}

/// An actor's priority: demoted actors (`false`) rank below all others.
type Priority = (bool, u64);

impl PctStrategy {
    /// A PCT strategy for `seed`, finding bugs of depth up to `depth` (at least 1) in runs of
    /// about `max_steps_estimate` steps (at least 1).
    pub fn new_from_seed(seed: u64, depth: usize, max_steps_estimate: u64) -> Self {
        let mut s = Self {
            seed,
            depth: depth.max(1),
            max_steps_estimate: max_steps_estimate.max(1),
            rng: ChaCha8Rng::seed_from_u64(seed),
            ranked: Vec::new(),
            demoted: BTreeMap::new(),
            change_points: Vec::new(),
            steps: 0,
            executions: 0,
        };
        s.draw_change_points();
        s
    }

    /// The seed this strategy was built from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The change points of the current execution, in the order of their priorities.
    pub fn change_points(&self) -> &[u64] {
        &self.change_points
    }

    fn draw_change_points(&mut self) {
        let k = self.max_steps_estimate;
        let wanted = u64::try_from(self.depth - 1).unwrap_or(u64::MAX).min(k);
        let mut seen = BTreeSet::new();
        self.change_points.clear();
        while (self.change_points.len() as u64) < wanted {
            let c = self.rng.random_range(1..=k);
            if seen.insert(c) {
                self.change_points.push(c);
            }
        }
    }

    fn see(&mut self, actor: &ActorName) {
        if self.demoted.contains_key(actor) || self.ranked.iter().any(|a| a == actor) {
            return;
        }
        let at = self.rng.random_range(0..=self.ranked.len());
        self.ranked.insert(at, actor.clone());
    }

    fn priority(&self, actor: &str) -> Priority {
        if let Some(p) = self.demoted.get(actor) {
            return (false, *p);
        }
        let rank = self.ranked.iter().position(|a| a == actor).unwrap_or(0);
        (true, self.depth as u64 + rank as u64)
    }

    fn best(&self, enabled: &[Enabled]) -> usize {
        let mut best = 0;
        let mut best_priority = None;
        for (i, e) in enabled.iter().enumerate() {
            let p = self.priority(&e.actor);
            if best_priority.is_none_or(|b| p > b) {
                best = i;
                best_priority = Some(p);
            }
        }
        best
    }
}

impl fmt::Debug for PctStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PctStrategy")
            .field("seed", &self.seed)
            .field("depth", &self.depth)
            .field("max_steps_estimate", &self.max_steps_estimate)
            .field("change_points", &self.change_points)
            .field("ranked", &self.ranked)
            .field("demoted", &self.demoted)
            .finish_non_exhaustive()
    }
}

impl Strategy for PctStrategy {
    fn begin_execution(&mut self) -> bool {
        if self.executions > 0 {
            self.ranked.clear();
            self.demoted.clear();
            self.steps = 0;
            self.draw_change_points();
        }
        self.executions += 1;
        true
    }

    fn choose(&mut self, enabled: &[Enabled], _ctx: &ChooseContext) -> Result<usize, Divergence> {
        self.steps += 1;
        for e in enabled {
            self.see(&e.actor);
        }
        let mut best = self.best(enabled);
        let change_point = self.change_points.iter().position(|&c| c == self.steps);
        let running = enabled.get(best).map(|e| e.actor.clone());
        if let (Some(i), Some(actor)) = (change_point, running) {
            self.ranked.retain(|a| *a != actor);
            self.demoted.insert(actor, i as u64 + 1);
            best = self.best(enabled);
        }
        Ok(best)
    }

    fn random(&mut self, _label: &str, n: u64) -> Result<u64, Divergence> {
        Ok(self.rng.random_range(0..n.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EnabledKind, TaskId};

    fn entry(actor: &str, id: u64) -> Enabled {
        Enabled {
            actor: actor.into(),
            action: "x".into(),
            touches: vec![],
            detail: None,
            kind: EnabledKind::Task(TaskId(id)),
        }
    }

    #[test]
    fn pct_should_draw_distinct_change_points_in_range() {
        for seed in 0..50 {
            let s = PctStrategy::new_from_seed(seed, 4, 10);
            let cps = s.change_points();
            assert_eq!(cps.len(), 3);
            assert!(cps.iter().all(|c| (1..=10).contains(c)), "{cps:?}");
            let distinct: BTreeSet<_> = cps.iter().collect();
            assert_eq!(distinct.len(), 3);
        }
        assert!(
            PctStrategy::new_from_seed(1, 1, 10)
                .change_points()
                .is_empty()
        );
        assert_eq!(PctStrategy::new_from_seed(1, 9, 3).change_points().len(), 3);
    }

    #[test]
    fn pct_without_change_points_should_keep_choosing_the_same_actor() {
        let e = vec![entry("a", 0), entry("b", 1), entry("c", 2)];
        let ctx = ChooseContext::new(1, 0, None);
        let mut firsts = BTreeSet::new();
        for seed in 0..30 {
            let mut s = PctStrategy::new_from_seed(seed, 1, 10);
            let first = s.choose(&e, &ctx).unwrap_or(usize::MAX);
            for _ in 0..10 {
                assert_eq!(s.choose(&e, &ctx).ok(), Some(first));
            }
            firsts.insert(first);
        }
        assert_eq!(
            firsts.len(),
            3,
            "every actor should be on top for some seed"
        );
    }

    #[test]
    fn pct_should_demote_the_running_actor_at_a_change_point() {
        let e = vec![entry("a", 0), entry("b", 1)];
        let ctx = ChooseContext::new(1, 0, None);
        let mut s = PctStrategy::new_from_seed(3, 2, 5);
        let cp = s.change_points()[0];
        let picks: Vec<usize> = (0..6).map(|_| s.choose(&e, &ctx).unwrap_or(9)).collect();
        let before = picks[0];
        let cp = usize::try_from(cp).unwrap_or(0);
        assert!(picks[..cp - 1].iter().all(|&p| p == before), "{picks:?}");
        assert!(picks[cp - 1..].iter().all(|&p| p != before), "{picks:?}");
    }
}
