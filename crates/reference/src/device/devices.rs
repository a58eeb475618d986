//! Which taints a device has: its own, in the slices that describe its pool now, plus those of
//! the DeviceTaintRules that select it.

use std::collections::BTreeMap;

use super::objects::{NO_EXECUTE, Taint};
use super::objects::{Rule, Selector, Slice};

impl Selector {
    /// Whether the selector selects device `device` of `driver`'s pool `pool`: every criterion
    /// that is set must match, so an empty selector (`{}`) selects every device of every
    /// driver (kubernetes/kubernetes#141422 reports it evicting every DRA pod; it works as
    /// designed).
    pub fn selects(&self, driver: &str, pool: &str, device: &str) -> bool {
        let matches = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        matches(&self.driver, driver) && matches(&self.pool, pool) && matches(&self.device, device)
    }
}

impl Rule {
    /// Whether the rule taints device `device` of `driver`'s pool `pool`. A rule without a
    /// selector taints nothing: that is the documented meaning upstream's DeviceTaintRule
    /// handling settled on (`ruleMatchesDevice` in pkg/controller/devicetainteviction from 1.35
    /// on; kubernetes/kubernetes#141422 contrasts it with the empty selector). The 1.33/1.34
    /// resourceslicetracker indexed such a rule under `*/*/*` and applied it everywhere;
    /// taintsim's 1.33 controller follows the later meaning too.
    pub fn taints(&self, driver: &str, pool: &str, device: &str) -> bool {
        self.selector
            .as_ref()
            .is_some_and(|s| s.selects(driver, pool, device))
    }
}

impl Slice {
    /// The slice as consumers see it: each device that can carry taints also carries the
    /// taint of every rule that selects it, after its own, rules in the order given.
    pub fn with_rules(&self, rules: &[Rule]) -> Slice {
        let mut slice = self.clone();
        for device in &mut slice.devices {
            let Some(taints) = &mut device.taints else {
                continue;
            };
            taints.extend(
                rules
                    .iter()
                    .filter(|r| r.taints(&self.driver, &self.pool, &device.name))
                    .map(|r| r.taint.clone()),
            );
        }
        slice
    }
}

/// A device: (driver, pool, device name).
pub type DeviceId = (String, String, String);

/// The taints of every device, as they count for eviction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    taints: BTreeMap<DeviceId, Vec<Taint>>,
}

impl Devices {
    /// Indexes `slices` (with `rules` applied): a pool is described by its slices of the
    /// highest `spec.pool.generation` present (the ResourcePool field docs: consumers must
    /// ignore slices of older generations), and a device by the first slice of those, in name
    /// order, that lists it with a known type. Device names are unique within a pool
    /// generation (API validation), so "first" only matters for worlds that break that.
    pub fn index(slices: &[Slice], rules: &[Rule]) -> Self {
        let mut newest: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for s in slices {
            let g = newest.entry((&s.driver, &s.pool)).or_insert(s.generation);
            *g = (*g).max(s.generation);
        }
        let mut current: Vec<&Slice> = slices
            .iter()
            .filter(|s| newest.get(&(s.driver.as_str(), s.pool.as_str())) == Some(&s.generation))
            .collect();
        current.sort_by(|a, b| a.name.cmp(&b.name));
        let mut taints = BTreeMap::new();
        for slice in current.iter().map(|s| s.with_rules(rules)) {
            for device in slice.devices {
                let Some(device_taints) = device.taints else {
                    continue;
                };
                let id = (slice.driver.clone(), slice.pool.clone(), device.name);
                taints.entry(id).or_insert(device_taints);
            }
        }
        Self { taints }
    }

    /// The NoExecute taints of a device; none for a device no current slice lists.
    pub fn no_execute(&self, driver: &str, pool: &str, device: &str) -> Vec<&Taint> {
        let id = (driver.to_owned(), pool.to_owned(), device.to_owned());
        self.taints
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|t| t.effect == NO_EXECUTE)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::objects::Device;

    fn taint(key: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: String::new(),
            effect: effect.into(),
            time_added: None,
        }
    }

    fn slice(
        name: &str,
        pool: &str,
        generation: i64,
        devices: &[(&str, Option<&[&str]>)],
    ) -> Slice {
        Slice {
            name: name.into(),
            driver: "d".into(),
            pool: pool.into(),
            generation,
            devices: devices
                .iter()
                .map(|(n, keys)| Device {
                    name: (*n).into(),
                    taints: keys.map(|k| k.iter().map(|k| taint(k, NO_EXECUTE)).collect()),
                })
                .collect(),
        }
    }

    fn rule(name: &str, selector: Option<Selector>) -> Rule {
        Rule {
            name: name.into(),
            selector,
            taint: taint(name, NO_EXECUTE),
        }
    }

    fn keys(devices: &Devices, pool: &str, device: &str) -> Vec<String> {
        devices
            .no_execute("d", pool, device)
            .iter()
            .map(|t| t.key.clone())
            .collect()
    }

    #[test]
    fn only_the_highest_generation_of_a_pool_should_count() {
        let slices = [
            slice("a", "p", 1, &[("x", Some(&["old"]))]),
            slice("b", "p", 2, &[("y", Some(&["new"]))]),
            slice("c", "q", 1, &[("x", Some(&["other-pool"]))]),
        ];
        let devices = Devices::index(&slices, &[]);
        assert!(
            keys(&devices, "p", "x").is_empty(),
            "generation 1 is superseded"
        );
        assert_eq!(keys(&devices, "p", "y"), ["new"]);
        assert_eq!(keys(&devices, "q", "x"), ["other-pool"]);
    }

    #[test]
    fn only_no_execute_taints_of_known_devices_should_count() {
        let mut s = slice("a", "p", 1, &[("x", Some(&[])), ("u", None)]);
        s.devices[0].taints = Some(vec![taint("ns", "NoSchedule"), taint("ne", NO_EXECUTE)]);
        let all = rule("all", Some(Selector::default()));
        let devices = Devices::index(&[s], &[all]);
        assert_eq!(keys(&devices, "p", "x"), ["ne", "all"]);
        assert!(
            keys(&devices, "p", "u").is_empty(),
            "unknown type: no taints"
        );
    }

    #[test]
    fn the_first_slice_by_name_should_describe_a_duplicated_device() {
        let slices = [
            slice("b", "p", 1, &[("x", Some(&["from-b"]))]),
            slice("a", "p", 1, &[("x", None)]),
            slice("c", "p", 1, &[("x", Some(&["from-c"]))]),
        ];
        assert_eq!(keys(&Devices::index(&slices, &[]), "p", "x"), ["from-b"]);
    }

    #[test]
    fn rules_should_apply_by_selector() {
        let s = slice("a", "p", 1, &[("x", Some(&[])), ("y", Some(&[]))]);
        let sel = |pool: Option<&str>, device: Option<&str>| Selector {
            driver: Some("d".into()),
            pool: pool.map(Into::into),
            device: device.map(Into::into),
        };
        let rules = [
            rule("nil", None),
            rule("x-only", Some(sel(Some("p"), Some("x")))),
            rule("other-pool", Some(sel(Some("q"), None))),
            rule("pool", Some(sel(Some("p"), None))),
            rule(
                "other-driver",
                Some(Selector {
                    driver: Some("e".into()),
                    ..Selector::default()
                }),
            ),
        ];
        let devices = Devices::index(&[s], &rules);
        assert_eq!(keys(&devices, "p", "x"), ["x-only", "pool"]);
        assert_eq!(keys(&devices, "p", "y"), ["pool"]);
    }
}
