//! The controller's index of slices by pool (the `pools` state and `handleSliceChange` in
//! `device_taint_eviction.go` @ ab3cec07).
//!
//! Upstream keeps `map[poolID]pool` with a set of slice *pointers*; here a pool holds its slices
//! by name, which is the same thing for informer events (the old object of an update is the one
//! stored before). Go iterates that set in random order; here slices are visited in name
//! order and the tainted-device list is sorted stably, so equal device names keep a fixed
//! order and every run is reproducible.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::model::{EFFECT_NO_EXECUTE, Slice, Taint};

/// `poolID`: (driver, pool name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct PoolId {
    /// `spec.driver`.
    pub driver: SmolStr,
    /// `spec.pool.name`.
    pub pool: SmolStr,
}

impl PoolId {
    /// The pool a slice belongs to.
    pub fn of(slice: &Slice) -> Self {
        Self {
            driver: slice.driver.clone(),
            pool: slice.pool.name.clone(),
        }
    }
}

impl std::fmt::Display for PoolId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.driver, self.pool)
    }
}

/// One pool: its slices and the highest generation among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    slices: BTreeMap<SmolStr, Slice>,
    max_generation: i64,
}

impl Default for Pool {
    fn default() -> Self {
        // Upstream initialises maxGeneration to MinInt64 with the first slice.
        Self {
            slices: BTreeMap::new(),
            max_generation: i64::MIN,
        }
    }
}

/// A (device, NoExecute taint) pair of a pool, as `getTaintedDevices` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaintedDevice {
    /// The device name.
    pub device: SmolStr,
    /// One of its NoExecute taints.
    pub taint: Taint,
}

impl Pool {
    /// A pool holding `slices`, with maxGeneration computed from them (what upstream's test
    /// helper `slicesAsMap` builds).
    pub fn from_slices<'a>(slices: impl IntoIterator<Item = &'a Slice>) -> Self {
        let mut pool = Self::default();
        for slice in slices {
            pool.add_slice(slice);
        }
        pool
    }

    /// The slices, by name.
    pub fn slices(&self) -> &BTreeMap<SmolStr, Slice> {
        &self.slices
    }

    /// The highest `pool.generation` among the slices (`i64::MIN` when empty).
    pub fn max_generation(&self) -> i64 {
        self.max_generation
    }

    /// `addSlice`: adding can only raise maxGeneration.
    pub fn add_slice(&mut self, slice: &Slice) {
        self.slices.insert(slice.name.clone(), slice.clone());
        self.max_generation = self.max_generation.max(slice.pool.generation);
    }

    /// `removeSlice`: when the removed slice had the highest generation, rescan. Like upstream,
    /// the rescan depends only on the removed slice's generation, not on whether it was stored.
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

    fn current_slices(&self) -> impl Iterator<Item = &Slice> {
        self.slices
            .values()
            .filter(move |s| s.pool.generation == self.max_generation)
    }

    /// `getTaintedDevices`: every NoExecute taint of every known-type device in the slices at
    /// maxGeneration, sorted (stably) by device name.
    pub fn tainted_devices(&self) -> Vec<TaintedDevice> {
        let mut out: Vec<TaintedDevice> = self
            .current_slices()
            .flat_map(|s| &s.devices)
            .flat_map(|d| d.taints.iter().flatten().map(move |t| (d, t)))
            .filter(|(_, t)| t.effect == EFFECT_NO_EXECUTE)
            .map(|(d, t)| TaintedDevice {
                device: d.name.clone(),
                taint: t.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.device.cmp(&b.device));
        out
    }

    /// `getDevice`: the taints of the first known-type device called `name` in a slice at
    /// maxGeneration. Devices without `basic` are skipped, as if absent.
    pub fn device_taints(&self, name: &str) -> Option<&[Taint]> {
        self.current_slices()
            .flat_map(|s| &s.devices)
            .filter(|d| d.name == name)
            .find_map(|d| d.taints.as_deref())
    }
}

/// The result of applying one slice event to [`Pools`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolChange {
    /// The pool the event was filed under (the new slice's, else the old one's).
    pub pool: PoolId,
    /// The tainted devices before the change.
    pub before: Vec<TaintedDevice>,
    /// The tainted devices after the change.
    pub after: Vec<TaintedDevice>,
}

/// `pools`: every known pool, by [`PoolId`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pools {
    pools: BTreeMap<PoolId, Pool>,
}

impl Pools {
    /// Pools holding `slices` (each pool's maxGeneration computed from its slices).
    pub fn from_slices<'a>(slices: impl IntoIterator<Item = &'a Slice>) -> Self {
        let mut pools = Self::default();
        for slice in slices {
            pools
                .pools
                .entry(PoolId::of(slice))
                .or_default()
                .add_slice(slice);
        }
        pools
    }

    /// The pool with this id.
    pub fn get(&self, id: &PoolId) -> Option<&Pool> {
        self.pools.get(id)
    }

    /// All pools, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&PoolId, &Pool)> {
        self.pools.iter()
    }

    /// Pools exactly as given, maxGenerations included (for restoring a snapshot).
    pub fn from_map(pools: BTreeMap<PoolId, Pool>) -> Self {
        Self { pools }
    }

    /// The pools as a map, for snapshots.
    pub fn as_map(&self) -> &BTreeMap<PoolId, Pool> {
        &self.pools
    }

    /// The taints of device `device` in pool (`driver`, `pool`), or `None` when the device is
    /// unknown or of an unknown type (and therefore cannot be tainted).
    pub fn device_taints(&self, driver: &str, pool: &str, device: &str) -> Option<&[Taint]> {
        let id = PoolId {
            driver: SmolStr::new(driver),
            pool: SmolStr::new(pool),
        };
        self.pools.get(&id)?.device_taints(device)
    }

    /// Steps 1 to 3 of `handleSliceChange`: snapshot the pool's tainted devices, remove `old`
    /// and add `new`, drop the pool if it became empty, snapshot again. Returns `None` when
    /// both slices are `None`.
    ///
    /// The pool is the new slice's (or the old one's on delete). As upstream, an update that
    /// moves a slice to another pool removes it only from the *new* pool, so the old pool keeps
    /// the stale slice.
    pub fn apply(&mut self, old: Option<&Slice>, new: Option<&Slice>) -> Option<PoolChange> {
        let id = PoolId::of(new.or(old)?);
        let mut pool = self.pools.remove(&id).unwrap_or_default();
        let before = pool.tainted_devices();
        if let Some(old) = old {
            pool.remove_slice(old);
        }
        if let Some(new) = new {
            pool.add_slice(new);
        }
        let after = pool.tainted_devices();
        if !pool.slices.is_empty() {
            self.pools.insert(id.clone(), pool);
        }
        Some(PoolChange {
            pool: id,
            before,
            after,
        })
    }
}

/// Step 4 of `handleSliceChange`: walk both name-sorted lists together and collect the names
/// of devices whose taints differ at the same position, that disappeared, or that appeared.
///
/// Upstream uses `""` as the "no more entries" sentinel, which would loop forever on a device
/// with an empty name (invalid in the API); `None` is used instead, which gives the same result
/// for every valid name.
pub fn modified_devices(old: &[TaintedDevice], new: &[TaintedDevice]) -> BTreeSet<SmolStr> {
    let mut modified = BTreeSet::new();
    let (mut o, mut n) = (0, 0);
    while o < old.len() || n < new.len() {
        // Entries for the same device name, compared position by position.
        while o < old.len() && n < new.len() && old[o].device == new[n].device {
            if old[o].taint != new[n].taint {
                modified.insert(old[o].device.clone());
            }
            o += 1;
            n += 1;
        }
        // Old entries whose device is not next in the new list were removed.
        let next_new = new.get(n).map(|t| t.device.as_str());
        while o < old.len() && Some(old[o].device.as_str()) != next_new {
            modified.insert(old[o].device.clone());
            o += 1;
        }
        // A new entry whose device is not next in the old list was added.
        let next_old = old.get(o).map(|t| t.device.as_str());
        if n < new.len() && Some(new[n].device.as_str()) != next_old {
            modified.insert(new[n].device.clone());
            n += 1;
        }
    }
    modified
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Device, PoolRef};

    fn taint(key: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: SmolStr::default(),
            effect: effect.into(),
            time_added: None,
        }
    }

    fn slice(name: &str, generation: i64, devices: &[(&str, Option<Vec<Taint>>)]) -> Slice {
        Slice {
            name: name.into(),
            driver: "d".into(),
            pool: PoolRef {
                name: "p".into(),
                generation,
            },
            node_name: SmolStr::default(),
            devices: devices
                .iter()
                .map(|(n, t)| Device {
                    name: (*n).into(),
                    taints: t.clone(),
                })
                .collect(),
        }
    }

    fn td(device: &str, key: &str) -> TaintedDevice {
        TaintedDevice {
            device: device.into(),
            taint: taint(key, EFFECT_NO_EXECUTE),
        }
    }

    #[test]
    fn max_generation_should_hide_older_slices_and_recover_on_removal() {
        let old = slice("a", 1, &[("x", Some(vec![taint("k", EFFECT_NO_EXECUTE)]))]);
        let shadow = slice("b", 101, &[("x", Some(vec![]))]);
        let mut pools = Pools::default();
        pools.apply(None, Some(&old));
        let change = pools.apply(None, Some(&shadow)).expect("a change");
        assert_eq!(change.before, vec![td("x", "k")]);
        assert_eq!(change.after, vec![]);
        assert_eq!(pools.device_taints("d", "p", "x"), Some(&[][..]));
        let change = pools.apply(Some(&shadow), None).expect("a change");
        assert_eq!(change.after, vec![td("x", "k")]);
        let pool = pools.get(&PoolId::of(&old)).expect("pool");
        assert_eq!(pool.max_generation(), 1);
        pools.apply(Some(&old), None);
        assert!(
            pools.get(&PoolId::of(&old)).is_none(),
            "an empty pool is dropped"
        );
    }

    #[test]
    fn tainted_devices_should_skip_unknown_types_and_other_effects() {
        let s = slice(
            "a",
            0,
            &[
                ("z", Some(vec![taint("k", EFFECT_NO_EXECUTE)])),
                ("y", None),
                (
                    "x",
                    Some(vec![
                        taint("k", "NoSchedule"),
                        taint("k2", EFFECT_NO_EXECUTE),
                    ]),
                ),
            ],
        );
        let pool = Pool::from_slices([&s]);
        assert_eq!(pool.tainted_devices(), vec![td("x", "k2"), td("z", "k")]);
        assert_eq!(pool.device_taints("y"), None);
    }

    #[test]
    fn modified_devices_should_report_changes_removals_and_additions() {
        let set = |names: &[&str]| names.iter().map(SmolStr::new).collect::<BTreeSet<_>>();
        assert_eq!(modified_devices(&[td("a", "k")], &[td("a", "k")]), set(&[]));
        assert_eq!(
            modified_devices(&[td("a", "k")], &[td("a", "k2")]),
            set(&["a"])
        );
        assert_eq!(
            modified_devices(&[td("a", "k"), td("b", "k")], &[td("b", "k")]),
            set(&["a"])
        );
        // Upstream's walk is not a sorted merge: once the old list has stepped past an added
        // device, the unchanged device after it counts as removed and re-added. This only
        // over-reports (costing a recomputation), and it is kept as upstream has it.
        assert_eq!(
            modified_devices(&[td("b", "k")], &[td("a", "k"), td("b", "k")]),
            set(&["a", "b"])
        );
        assert_eq!(
            modified_devices(&[td("a", "k")], &[td("a", "k"), td("a", "k2")]),
            set(&["a"]),
            "a second taint on the same device"
        );
        assert_eq!(
            modified_devices(&[td("a", "k"), td("c", "k")], &[td("b", "k")]),
            set(&["a", "b", "c"])
        );
        assert_eq!(modified_devices(&[], &[td("x", "k")]), set(&["x"]));
        assert_eq!(
            modified_devices(&[td("", "k")], &[]),
            set(&[""]),
            "terminates on empty names"
        );
    }
}
