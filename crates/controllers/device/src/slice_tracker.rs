//! The 1.33/1.34 `resourceslicetracker` with taints enabled: it merges the taint of every
//! DeviceTaintRule into the devices the rule selects and hands the controller *effective*
//! (patched) slices as synthetic slice events (upstream `resourceslicetracker`, as
//! `device_taint_eviction.go` @ ab3cec07 uses it).
//!
//! Matching: a `None` selector matches nothing, `{}` matches every device of every driver
//! (#141422), and every criterion that is set (driver, pool, device) must match. A rule's taint
//! is appended after the device's own taints, rules in name order (Go lists them from an
//! informer cache in random order). Devices of unknown type (v1beta1 without `basic`) cannot
//! carry taints and are left alone. Defaulting a missing `timeAdded` on the rule's taint is the
//! API server's job, not the tracker's.
//!
//! Events follow upstream's `syncSlice`: a slice event always produces exactly one event (Add,
//! Update, even if nothing changed, or Delete); a rule event produces an Update only for
//! slices whose effective taints changed.

use std::collections::BTreeMap;
use std::sync::Arc;

use smol_str::SmolStr;

use crate::model::{Slice, TaintRule};

/// One synthetic slice event for `Controller::handle_slice_change`: `(None, Some)` is an add,
/// `(Some, Some)` an update, `(Some, None)` a delete. The slices are shared with the tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceEvent {
    /// The effective slice before the change.
    pub old: Option<Arc<Slice>>,
    /// The effective slice after the change.
    pub new: Option<Arc<Slice>>,
}

/// The effective form of `slice` under `rules` (see the module docs).
pub fn apply_rules<'a>(slice: &Slice, rules: impl IntoIterator<Item = &'a TaintRule>) -> Slice {
    let mut patched = slice.clone();
    for rule in rules {
        let Some(selector) = &rule.selector else {
            continue;
        };
        for device in &mut patched.devices {
            if !selector.matches(&slice.driver, &slice.pool.name, &device.name) {
                continue;
            }
            if let Some(taints) = &mut device.taints {
                taints.push(rule.taint.clone());
            }
        }
    }
    patched
}

/// [`apply_rules`] on a shared slice: the same slice when no rule adds a taint to it (most
/// slices, most of the time), so the tracker keeps one copy instead of two.
fn apply_rules_shared<'a>(
    slice: &Arc<Slice>,
    rules: impl IntoIterator<Item = &'a TaintRule> + Clone,
) -> Arc<Slice> {
    let patches = rules.clone().into_iter().any(|rule| {
        rule.selector.as_ref().is_some_and(|selector| {
            slice.devices.iter().any(|device| {
                device.taints.is_some()
                    && selector.matches(&slice.driver, &slice.pool.name, &device.name)
            })
        })
    });
    if patches {
        Arc::new(apply_rules(slice, rules))
    } else {
        slice.clone()
    }
}

/// The tracker's state: the raw slices, the rules and the effective slices, all by name.
#[derive(Debug, Clone, Default)]
pub struct SliceTracker {
    slices: BTreeMap<SmolStr, Arc<Slice>>,
    rules: BTreeMap<String, TaintRule>,
    effective: BTreeMap<SmolStr, Arc<Slice>>,
}

impl SliceTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// `ListPatchedResourceSlices`: every effective slice, here in name order. Upstream lists
    /// them from a `cache.Store` (a Go map), so the caller that replays them to a handler
    /// registered late picks the order (`plugin::handlers::TrackerGlue::register`).
    pub fn effective_slices(&self) -> impl Iterator<Item = &Arc<Slice>> {
        self.effective.values()
    }

    /// The rules, in name order.
    pub fn rules(&self) -> impl Iterator<Item = &TaintRule> {
        self.rules.values()
    }

    /// A slice was added (`old` is `None`), updated, or deleted (`new` is `None`) in the slice
    /// informer. Returns the one event to deliver, or nothing for a delete of a slice the
    /// tracker never saw.
    pub fn slice_changed(&mut self, old: Option<&Slice>, new: Option<&Slice>) -> Vec<SliceEvent> {
        let Some(name) = new.or(old).map(|s| s.name.clone()) else {
            return Vec::new();
        };
        match new {
            None => {
                self.slices.remove(&name);
                let old = self.effective.remove(&name);
                old.map(|old| SliceEvent {
                    old: Some(old),
                    new: None,
                })
                .into_iter()
                .collect()
            }
            Some(new) => {
                let new = Arc::new(new.clone());
                let patched = apply_rules_shared(&new, self.rules.values());
                self.slices.insert(name.clone(), new);
                let old = self.effective.insert(name, patched.clone());
                vec![SliceEvent {
                    old,
                    new: Some(patched),
                }]
            }
        }
    }

    /// A rule was added, updated or deleted. Returns an Update for every slice whose effective
    /// taints changed, in slice-name order.
    pub fn rule_changed(
        &mut self,
        old: Option<&TaintRule>,
        new: Option<&TaintRule>,
    ) -> Vec<SliceEvent> {
        if let Some(old) = old {
            self.rules.remove(&old.name);
        }
        if let Some(new) = new {
            self.rules.insert(new.name.clone(), new.clone());
        }
        let mut events = Vec::new();
        for (name, slice) in &self.slices {
            let patched = apply_rules_shared(slice, self.rules.values());
            let Some(previous) = self.effective.get_mut(name) else {
                continue;
            };
            let changed = previous
                .devices
                .iter()
                .zip(&patched.devices)
                .any(|(a, b)| a.taints != b.taints);
            if changed {
                let old = std::mem::replace(previous, patched.clone());
                events.push(SliceEvent {
                    old: Some(old),
                    new: Some(patched),
                });
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Device, PoolRef, Taint, TaintSelector};

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.into(),
            value: SmolStr::default(),
            effect: "NoExecute".into(),
            time_added: None,
        }
    }

    fn slice(name: &str, driver: &str, pool: &str, devices: &[&str]) -> Slice {
        Slice {
            name: name.into(),
            driver: driver.into(),
            pool: PoolRef {
                name: pool.into(),
                generation: 1,
            },
            node_name: SmolStr::default(),
            devices: devices
                .iter()
                .map(|d| Device {
                    name: (*d).into(),
                    taints: Some(vec![]),
                })
                .collect(),
        }
    }

    fn rule(name: &str, selector: Option<TaintSelector>) -> TaintRule {
        TaintRule {
            name: name.into(),
            selector,
            taint: taint(name),
        }
    }

    fn keys(slice: &Slice, device: &str) -> Option<Vec<smol_str::SmolStr>> {
        let d = slice.device(device)?;
        d.taints
            .as_ref()
            .map(|t| t.iter().map(|t| t.key.clone()).collect())
    }

    #[test]
    fn nil_selector_should_match_nothing_and_empty_selector_everything() {
        let s = slice("s", "d", "p", &["a", "b"]);
        let out = apply_rules(&s, &[rule("nil", None)]);
        assert_eq!(out, s);
        let out = apply_rules(&s, &[rule("all", Some(TaintSelector::default()))]);
        assert_eq!(keys(&out, "a"), Some(vec!["all".into()]));
        assert_eq!(keys(&out, "b"), Some(vec!["all".into()]));
    }

    #[test]
    fn every_set_criterion_should_have_to_match() {
        let s = slice("s", "d", "p", &["a", "b"]);
        let sel = |driver: Option<&str>, pool: Option<&str>, device: Option<&str>| TaintSelector {
            driver: driver.map(Into::into),
            pool: pool.map(Into::into),
            device: device.map(Into::into),
        };
        let rules = [
            rule("r1", Some(sel(Some("d"), Some("p"), Some("a")))),
            rule("r2", Some(sel(Some("other"), None, None))),
            rule("r3", Some(sel(None, Some("other"), None))),
            rule("r4", Some(sel(Some("d"), None, Some("b")))),
        ];
        let out = apply_rules(&s, &rules);
        assert_eq!(keys(&out, "a"), Some(vec!["r1".into()]));
        assert_eq!(keys(&out, "b"), Some(vec!["r4".into()]));
    }

    #[test]
    fn unknown_device_types_should_stay_untainted() {
        let mut s = slice("s", "d", "p", &["a"]);
        s.devices[0].taints = None;
        let out = apply_rules(&s, &[rule("all", Some(TaintSelector::default()))]);
        assert_eq!(keys(&out, "a"), None);
    }

    #[test]
    fn slice_events_should_always_be_forwarded_with_rules_applied() {
        let mut tracker = SliceTracker::new();
        tracker.rule_changed(None, Some(&rule("all", Some(TaintSelector::default()))));
        let s = slice("s", "d", "p", &["a"]);
        let events = tracker.slice_changed(None, Some(&s));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].old, None);
        let added = events[0].new.clone().expect("an add");
        assert_eq!(keys(&added, "a"), Some(vec!["all".into()]));
        let events = tracker.slice_changed(Some(&s), Some(&s));
        assert_eq!(
            events,
            vec![SliceEvent {
                old: Some(added.clone()),
                new: Some(added.clone())
            }]
        );
        let events = tracker.slice_changed(Some(&s), None);
        assert_eq!(
            events,
            vec![SliceEvent {
                old: Some(added),
                new: None
            }]
        );
        assert!(
            tracker.slice_changed(Some(&s), None).is_empty(),
            "unknown slice"
        );
    }

    #[test]
    fn rule_events_should_update_only_affected_slices() {
        let mut tracker = SliceTracker::new();
        let a = slice("a", "d", "p1", &["x"]);
        let b = slice("b", "d", "p2", &["x"]);
        tracker.slice_changed(None, Some(&a));
        tracker.slice_changed(None, Some(&b));
        let only_p2 = rule(
            "r",
            Some(TaintSelector {
                pool: Some("p2".into()),
                ..TaintSelector::default()
            }),
        );
        let events = tracker.rule_changed(None, Some(&only_p2));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].old.as_deref(), Some(&b));
        let patched = events[0].new.clone().expect("an update");
        assert_eq!(keys(&patched, "x"), Some(vec!["r".into()]));
        assert!(
            tracker
                .rule_changed(Some(&only_p2), Some(&only_p2))
                .is_empty(),
            "no change"
        );
        let events = tracker.rule_changed(Some(&only_p2), None);
        assert_eq!(
            events,
            vec![SliceEvent {
                old: Some(patched),
                new: Some(Arc::new(b.clone()))
            }]
        );
        assert_eq!(
            tracker
                .effective_slices()
                .map(|s| Slice::clone(s))
                .collect::<Vec<_>>(),
            vec![a, b]
        );
    }
}
