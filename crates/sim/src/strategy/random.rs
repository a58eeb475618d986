//! Uniformly random scheduling.

use std::fmt;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ChooseContext, Strategy};
use crate::{Divergence, Enabled};

/// Chooses uniformly among the enabled entries, and draws data choices uniformly, from a
/// ChaCha8 generator seeded with the given seed. The same seed gives the same choices on every
/// platform.
pub struct RandomStrategy {
    seed: u64,
    rng: ChaCha8Rng,
}

impl RandomStrategy {
    /// A random strategy for `seed`.
    pub fn new_from_seed(seed: u64) -> Self {
        Self {
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The seed this strategy was built from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A uniform value in `0..n` (`n` of 0 is treated as 1).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.rng.random_range(0..n.max(1))
    }
}

impl fmt::Debug for RandomStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomStrategy")
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Strategy for RandomStrategy {
    fn choose(&mut self, enabled: &[Enabled], _ctx: &ChooseContext) -> Result<usize, Divergence> {
        Ok(self.rng.random_range(0..enabled.len().max(1)))
    }

    fn random(&mut self, _label: &str, n: u64) -> Result<u64, Divergence> {
        Ok(self.below(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EnabledKind, TaskId};

    fn enabled(n: u64) -> Vec<Enabled> {
        (0..n)
            .map(|i| Enabled {
                actor: format!("a{i}").into(),
                action: "x".into(),
                touches: vec![],
                detail: None,
                kind: EnabledKind::Task(TaskId(i)),
            })
            .collect()
    }

    #[test]
    fn random_strategy_should_repeat_for_a_seed_and_cover_every_index() {
        let e = enabled(4);
        let ctx = ChooseContext::new(1, 0, None);
        let run = |seed| {
            let mut s = RandomStrategy::new_from_seed(seed);
            (0..64)
                .map(|_| s.choose(&e, &ctx).unwrap_or(usize::MAX))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let picks = run(7);
        for i in 0..4 {
            assert!(picks.contains(&i), "index {i} never chosen: {picks:?}");
        }
        assert!(picks.iter().all(|&i| i < 4));
    }

    #[test]
    fn random_strategy_should_keep_data_choices_in_range() {
        let mut s = RandomStrategy::new_from_seed(1);
        for n in [1u64, 2, 3, 1000] {
            for _ in 0..50 {
                assert!(s.random("roll", n).unwrap_or(u64::MAX) < n);
            }
        }
        assert_eq!(s.random("empty", 0).ok(), Some(0));
    }
}
