//! One of N disjoint parts of a search, for running a search on many machines: the seeds of a
//! random or PCT search (interleaved or in blocks), or the subtrees of a split exhaustive
//! search (every N-th subtree in depth-first order). `taintsim merge` puts the parts back
//! together (see [`crate::merge`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use taintsim_scenario::format::SeedRange;

/// The environment variable a Kubernetes Indexed Job sets to each pod's index.
pub const JOB_COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";

/// Part `index` of `count` (`0 <= index < count`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct Shard {
    /// Which part, from 0.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

/// How the seeds of a range are dealt to shards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Seed `start + k` goes to shard `k mod N`: every shard runs seeds from the whole range,
    /// so with stop-on-failure none of them runs far past the lowest failing seed.
    #[default]
    Interleaved,
    /// Shard `I` runs one contiguous block, the `I`-th of N nearly equal ones.
    Blocks,
}

impl Layout {
    /// The name `--shard-layout` takes.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Interleaved => "interleaved",
            Layout::Blocks => "blocks",
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole search as one part.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N`. `/N` takes the index from `job_completion_index` (the value of
    /// [`JOB_COMPLETION_INDEX`], if set), as in a pod of a Kubernetes Indexed Job.
    pub fn parse(text: &str, job_completion_index: Option<&str>) -> Result<Shard, String> {
        let Some((index, count)) = text.split_once('/') else {
            return Err(format!(
                "expected I/N (shard I of N, from 0), or /N to read I from \
                 {JOB_COMPLETION_INDEX}; got {text:?}"
            ));
        };
        let count: u64 = count
            .trim()
            .parse()
            .map_err(|_| format!("{text:?}: the shard count {count:?} is not a number"))?;
        if count == 0 {
            return Err(format!("{text:?}: the shard count must be at least 1"));
        }
        let index = match index.trim() {
            "" => {
                let Some(value) = job_completion_index else {
                    return Err(format!(
                        "{text:?} takes the shard index from {JOB_COMPLETION_INDEX}, which is \
                         not set"
                    ));
                };
                value
                    .trim()
                    .parse()
                    .map_err(|_| format!("{JOB_COMPLETION_INDEX}={value:?} is not a shard index"))?
            }
            i => i
                .parse()
                .map_err(|_| format!("{text:?}: the shard index {i:?} is not a number"))?,
        };
        if index >= count {
            return Err(format!(
                "shard {index}/{count}: the index must be below the count (shards are numbered \
                 from 0)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The seeds of `range` this shard runs, in ascending order.
    pub fn seeds(self, range: SeedRange, layout: Layout) -> SeedList {
        let len = range.len();
        match layout {
            Layout::Interleaved => SeedList {
                first: range.start.saturating_add(self.index),
                step: self.count,
                len: len.saturating_sub(self.index).div_ceil(self.count),
            },
            Layout::Blocks => {
                let bound =
                    |i: u64| (u128::from(len) * u128::from(i) / u128::from(self.count)) as u64;
                let (lo, hi) = (bound(self.index), bound(self.index + 1));
                SeedList {
                    first: range.start + lo,
                    step: 1,
                    len: hi - lo,
                }
            }
        }
    }

    /// Whether the subtree at `position` (in depth-first order, from 0) is this shard's:
    /// round robin, so that neighbouring subtrees, which tend to be alike in size, go to
    /// different shards.
    pub fn owns(self, position: u64) -> bool {
        position % self.count == self.index
    }
}

/// Seeds in ascending order: `first`, `first + step`, ... (`len` of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedList {
    first: u64,
    step: u64,
    len: u64,
}

impl SeedList {
    /// Every seed of `range`.
    pub fn whole(range: SeedRange) -> Self {
        Shard::WHOLE.seeds(range, Layout::Interleaved)
    }

    /// How many seeds.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th seed.
    pub fn get(&self, i: u64) -> u64 {
        self.first + i * self.step
    }

    /// How many of the seeds are at most `seed`.
    pub fn count_up_to(&self, seed: u64) -> u64 {
        if self.len == 0 || seed < self.first {
            return 0;
        }
        ((seed - self.first) / self.step + 1).min(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(list: SeedList) -> Vec<u64> {
        (0..list.len()).map(|i| list.get(i)).collect()
    }

    #[test]
    fn shards_should_cover_the_range_exactly_once() {
        for (start, end) in [(0, 0), (0, 1), (3, 20), (0, 100), (7, 8)] {
            let range = SeedRange { start, end };
            for count in [1, 2, 3, 7, 32] {
                for layout in [Layout::Interleaved, Layout::Blocks] {
                    let mut seen: Vec<u64> = (0..count)
                        .flat_map(|index| all(Shard { index, count }.seeds(range, layout)))
                        .collect();
                    seen.sort_unstable();
                    assert_eq!(seen, (start..end).collect::<Vec<_>>(), "{count} {layout:?}");
                }
            }
        }
    }

    #[test]
    fn count_up_to_should_count_the_seeds_at_most_a_seed() {
        let list = Shard { index: 1, count: 3 }
            .seeds(SeedRange { start: 10, end: 30 }, Layout::Interleaved);
        assert_eq!(all(list)[..3], [11, 14, 17]);
        assert_eq!(list.count_up_to(10), 0);
        assert_eq!(list.count_up_to(11), 1);
        assert_eq!(list.count_up_to(16), 2);
        assert_eq!(list.count_up_to(1000), list.len());
    }

    #[test]
    fn parse_should_read_the_index_from_the_job_completion_index() {
        assert_eq!(Shard::parse("2/8", None), Ok(Shard { index: 2, count: 8 }));
        assert_eq!(
            Shard::parse("/8", Some("5")),
            Ok(Shard { index: 5, count: 8 })
        );
        assert!(
            Shard::parse("/8", None)
                .expect_err("no index")
                .contains(JOB_COMPLETION_INDEX)
        );
        assert!(Shard::parse("8/8", None).is_err());
        assert!(Shard::parse("1/0", None).is_err());
        assert!(Shard::parse("3", None).is_err());
        assert!(Shard::parse("/4", Some("x")).is_err());
    }
}
