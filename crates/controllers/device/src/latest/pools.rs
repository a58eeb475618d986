//! `pools`: the slices of each pool by name and the pool's highest generation
//! (`addSlice`, `removeSlice`, `getTaintedDevices`, `getDevice`).
//!
//! Only slices at the pool's highest generation count. Slices are kept as `Arc`s because
//! eviction reasons point at the slice object they came from (see [`super::reason`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use smol_str::SmolStr;

use taintsim_seam::runtime::Runtime;

use crate::go_order::go_map_order;
use crate::model::{Device, EFFECT_NO_EXECUTE, Slice, Taint};

/// `poolID`: (driver, pool name).
pub type PoolId = (SmolStr, SmolStr);

/// One pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    slices: BTreeMap<SmolStr, Arc<Slice>>,
    max_generation: i64,
}

impl Default for Pool {
    fn default() -> Self {
        Self {
            slices: BTreeMap::new(),
            max_generation: i64::MIN,
        }
    }
}

impl Pool {
    /// `addSlice`: stored under its name (replacing an older object of that name); raises the
    /// pool's generation if the slice's is higher.
    pub fn add_slice(&mut self, slice: Arc<Slice>) {
        self.max_generation = self.max_generation.max(slice.pool.generation);
        self.slices.insert(slice.name.clone(), slice);
    }

    /// `removeSlice`: by name; the generation is recomputed if the slice had the highest.
    pub fn remove_slice(&mut self, slice: &Slice) {
        self.slices.remove(&slice.name);
        if slice.pool.generation == self.max_generation {
            self.max_generation = self
                .slices
                .values()
                .map(|s| s.pool.generation)
                .max()
                .unwrap_or(i64::MIN);
        }
    }

    /// The slices by name.
    pub fn slices(&self) -> &BTreeMap<SmolStr, Arc<Slice>> {
        &self.slices
    }

    /// `maxGeneration` (`i64::MIN` for a pool without slices).
    pub fn max_generation(&self) -> i64 {
        self.max_generation
    }

    /// The slices at the highest generation, by name.
    pub fn current(&self) -> impl Iterator<Item = &Arc<Slice>> {
        self.slices
            .values()
            .filter(move |s| s.pool.generation == self.max_generation)
    }

    /// `getTaintedDevices`: every NoExecute taint of the current slices, by device name.
    pub fn tainted_devices(&self) -> Vec<(SmolStr, Taint)> {
        let mut out: Vec<(SmolStr, Taint)> = self
            .current()
            .flat_map(|s| s.devices.iter())
            .flat_map(|d| {
                d.taints
                    .iter()
                    .flatten()
                    .filter(|t| t.effect == EFFECT_NO_EXECUTE)
                    .map(move |t| (d.name.clone(), t.clone()))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// `getDevice`: the current slice that publishes `name`, and the device. Upstream takes
    /// the first in Go's map order; when several current slices publish the name (an invalid
    /// pool), which one is a recorded choice of `rt` (`None`: the first by name).
    pub fn get_device(&self, name: &str, rt: Option<&dyn Runtime>) -> Option<(Arc<Slice>, Device)> {
        let found: Vec<(Arc<Slice>, Device)> = self
            .current()
            .filter_map(|s| s.device(name).map(|d| (s.clone(), d.clone())))
            .collect();
        let found = match rt {
            Some(rt) if found.len() > 1 => go_map_order(rt, "go map order pool slices", found),
            _ => found,
        };
        found.into_iter().next()
    }
}

/// All pools.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pools(BTreeMap<PoolId, Pool>);

impl Pools {
    /// Pools built from `slices` (for tests' initial states).
    pub fn from_slices(slices: impl IntoIterator<Item = Arc<Slice>>) -> Self {
        let mut pools = Self::default();
        for s in slices {
            pools
                .0
                .entry((s.driver.clone(), s.pool.name.clone()))
                .or_default()
                .add_slice(s);
        }
        pools
    }

    /// The pool, if it has slices.
    pub fn get(&self, id: &PoolId) -> Option<&Pool> {
        self.0.get(id)
    }

    /// Every pool by id.
    pub fn iter(&self) -> impl Iterator<Item = (&PoolId, &Pool)> {
        self.0.iter()
    }

    /// Replaces `old` by `new` in their pool (either may be `None`) and returns the pool's id
    /// and the names of the devices whose NoExecute taints changed (`modifiedDevices`).
    pub fn replace(
        &mut self,
        old: Option<&Slice>,
        new: Option<Arc<Slice>>,
    ) -> Option<(PoolId, BTreeSet<SmolStr>)> {
        let of = new.as_deref().or(old)?;
        let id: PoolId = (of.driver.clone(), of.pool.name.clone());
        let mut pool = self.0.remove(&id).unwrap_or_default();
        let before = pool.tainted_devices();
        if let Some(old) = old {
            pool.remove_slice(old);
        }
        if let Some(new) = new {
            pool.add_slice(new);
        }
        let after = pool.tainted_devices();
        if !pool.slices.is_empty() {
            self.0.insert(id.clone(), pool);
        }
        Some((id, modified_devices(&before, &after)))
    }
}

/// The devices whose NoExecute taints differ between two `getTaintedDevices` lists: upstream's
/// merge walk over the name-sorted lists, done per device name (a device's taints compared in
/// order; upstream's unstable sort can only add devices whose re-evaluation changes nothing).
fn modified_devices(before: &[(SmolStr, Taint)], after: &[(SmolStr, Taint)]) -> BTreeSet<SmolStr> {
    let group = |list: &[(SmolStr, Taint)]| {
        let mut by: BTreeMap<SmolStr, Vec<Taint>> = BTreeMap::new();
        for (d, t) in list {
            by.entry(d.clone()).or_default().push(t.clone());
        }
        by
    };
    let (b, a) = (group(before), group(after));
    b.keys()
        .chain(a.keys())
        .filter(|d| b.get(*d) != a.get(*d))
        .cloned()
        .collect()
}
