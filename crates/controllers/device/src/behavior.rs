//! The controller's behaviour switches: one key per historical bug of the 1.33 era
//! (docs/scenario-format.md, "Keys of `v1.33`").
//!
//! [`Behavior::default()`] is the fixed 1.33 controller: queue V3, the pod-update filter that
//! also compares `nodeName`, and otherwise the upstream code as released. Each non-default
//! value reproduces one catalogued bug and names the oracle it breaks. Scenario files carry a
//! `behavior` object with the kebab-case keys below; the CLI sets them with `--set KEY=VALUE`
//! through [`Behavior::set`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use taintsim_plugin::{BehaviorKey, OracleName};
use taintsim_timed_worker_queue::QueueVersion;

/// Which changes of a pod update make `handlePodChange` look at the pod again
/// (`device_taint_eviction.go` @ ab3cec07; the nodeName comparison is in later upstream code).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PodUpdateFilter {
    /// The ab3cec07 filter: only a change of `status.resourceClaimStatuses` counts.
    ///
    /// Reproduces the bug (inferred, no upstream report) "a pod scheduled after claim and slice
    /// processing is never evicted": the update that only sets `spec.nodeName` is dropped. Breaks
    /// the "eventual eviction" oracle.
    ClaimStatuses,
    /// The later filter: `status.resourceClaimStatuses` or `spec.nodeName` ("...or they got
    /// scheduled"). The fixed behaviour, and the one that lets a second `evictPod` reach the V2
    /// queue inside the vulnerable window (#130940, fixed by #130947).
    #[default]
    ClaimStatusesAndNodeName,
}

/// What `handlePods` does with a `reservedFor` pod consumer that the lister does not have, or
/// whose UID differs (`handlePods` in `device_taint_eviction.go` @ ab3cec07; #135686).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum HandlePods {
    /// 1.33: `return`, abandoning the remaining consumers of the claim.
    ///
    /// Reproduces #135686: on a shared claim whose first consumer is stale, the later
    /// consumers are neither evicted nor cancelled. Breaks the "eventual eviction" oracle (and
    /// the "cancellation" oracle when the taint goes away).
    #[default]
    Return,
    /// The fix of #135686: `continue` with the next consumer.
    Continue,
}

/// How the work function retries a failed eviction (`deletePodHandler` in
/// `device_taint_eviction.go` @ ab3cec07).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Retries {
    /// 1.33: 5 attempts 10 ms apart, then the error is returned and the eviction abandoned.
    ///
    /// Reproduces the fixed retry count (node controller analogue #140639): a persistently denied
    /// DELETE leaves the pod running on a tainted device until some informer event evicts it
    /// again. Breaks the "eventual eviction" oracle.
    #[default]
    Fixed,
    /// Keep retrying inside the same work invocation with capped exponential backoff
    /// (10 ms doubling to at most 1 s) until the DELETE succeeds or the pod is gone. Still one
    /// `Marking for deletion` event per invocation. Models the durable requeue of 1.35.
    Durable,
}

/// Which tolerations `claimEvictionTime` takes into account (`device_taint_eviction.go` @
/// ab3cec07).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TolerationEffect {
    /// Upstream quirk: only tolerations whose effect is explicitly `NoExecute` count, so a
    /// toleration with an empty effect (which matches every effect for scheduling) neither
    /// delays nor prevents eviction.
    ///
    /// Reproduces this upstream quirk (no upstream report), a divergence from node tolerations.
    /// Breaks the "no early eviction" oracle when that oracle reads tolerations the way the
    /// scheduler does.
    #[default]
    NoExecuteOnly,
    /// A toleration with an empty effect counts too, as `ToleratesTaint` alone would decide.
    Any,
}

/// The controller's behaviour. See the module docs; `Default` is the fixed 1.33 controller.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Behavior {
    /// `queue`: the `TimedWorkerQueue` version (default `v3`). `v2` reproduces the
    /// `UpdateWork` nil dereference (#130940, "no panic" oracle); `v0` the stale nil entry
    /// (#125332, "eventual eviction"); `v1`–`v4` the stale completion that removes its
    /// replacement (fixed by the token of `timed_workers.go` @ 132c00c1, "cancellation").
    pub queue: QueueVersion,
    /// `pod-update-filter`: see [`PodUpdateFilter`].
    pub pod_update_filter: PodUpdateFilter,
    /// `handle-pods`: see [`HandlePods`].
    pub handle_pods: HandlePods,
    /// `retries`: see [`Retries`].
    pub retries: Retries,
    /// `toleration-effect`: see [`TolerationEffect`].
    pub toleration_effect: TolerationEffect,
}

const KEYS: [BehaviorKey; 5] = [
    BehaviorKey {
        name: "queue",
        values: &["v0", "v1", "v2", "v3", "v4", "v5"],
        default: "v3",
        doc: "TimedWorkerQueue version (timed_workers.go); v2 panics in UpdateWork on a running entry (#130940)",
        breaks: Some(OracleName::NoPanic),
        range: None,
    },
    BehaviorKey {
        name: "pod-update-filter",
        values: &["claim-statuses", "claim-statuses-and-node-name"],
        default: "claim-statuses-and-node-name",
        doc: "which pod updates are handled; claim-statuses never evicts a pod scheduled late (handlePodChange @ ab3cec07)",
        breaks: Some(OracleName::EventualEviction),
        range: None,
    },
    BehaviorKey {
        name: "handle-pods",
        values: &["return", "continue"],
        default: "return",
        doc: "on a stale reservedFor consumer; return abandons the remaining consumers (#135686)",
        breaks: Some(OracleName::EventualEviction),
        range: None,
    },
    BehaviorKey {
        name: "retries",
        values: &["fixed", "durable"],
        default: "fixed",
        doc: "fixed gives up after 5 attempts 10 ms apart (deletePodHandler @ ab3cec07); durable backs off up to 1 s",
        breaks: Some(OracleName::EventualEviction),
        range: None,
    },
    BehaviorKey {
        name: "toleration-effect",
        values: &["no-execute-only", "any"],
        default: "no-execute-only",
        doc: "no-execute-only ignores tolerations with an empty effect for eviction (claimEvictionTime @ ab3cec07)",
        breaks: Some(OracleName::NoEarlyEviction),
        range: None,
    },
];

/// A `--set KEY=VALUE` that names no key or gives a value the key does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BehaviorError {
    /// The key is not one of [`Behavior::keys`].
    #[error("unknown behavior key {key:?}: expected one of {valid}")]
    UnknownKey {
        /// The key as given.
        key: String,
        /// The valid keys, comma separated.
        valid: String,
    },
    /// The key exists but the value is not one of its values.
    #[error("invalid value {value:?} for behavior key {key:?}: expected one of {valid}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// The key's valid values, comma separated.
        valid: String,
    },
}

impl Behavior {
    /// Every key with its values, default and the bug it reproduces, in a fixed order.
    pub fn keys() -> &'static [BehaviorKey] {
        &KEYS
    }

    /// The typed behaviour of a checked key map (the `controller` key is skipped).
    pub fn from_keys(keys: &taintsim_plugin::Behavior) -> Result<Self, BehaviorError> {
        let mut behavior = Self::default();
        for (key, value) in keys
            .iter()
            .filter(|(k, _)| *k != taintsim_plugin::CONTROLLER_KEY)
        {
            behavior.set(key, value)?;
        }
        Ok(behavior)
    }

    /// Sets one key from its textual value, as `--set KEY=VALUE` does.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), BehaviorError> {
        let Some(spec) = KEYS.iter().find(|k| k.name == key) else {
            return Err(BehaviorError::UnknownKey {
                key: key.to_owned(),
                valid: KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
            });
        };
        let invalid = || BehaviorError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            valid: spec.values.join(", "),
        };
        match spec.name {
            "queue" => self.queue = value.parse().map_err(|_| invalid())?,
            "pod-update-filter" => {
                self.pod_update_filter = parse_kebab(value).ok_or_else(invalid)?
            }
            "handle-pods" => self.handle_pods = parse_kebab(value).ok_or_else(invalid)?,
            "retries" => self.retries = parse_kebab(value).ok_or_else(invalid)?,
            "toleration-effect" => {
                self.toleration_effect = parse_kebab(value).ok_or_else(invalid)?
            }
            _ => return Err(invalid()),
        }
        Ok(())
    }

    /// The current value of `key` in its textual form, or `None` for an unknown key.
    pub fn get(&self, key: &str) -> Option<String> {
        let text = match key {
            "queue" => self.queue.to_string(),
            "pod-update-filter" => to_kebab(&self.pod_update_filter),
            "handle-pods" => to_kebab(&self.handle_pods),
            "retries" => to_kebab(&self.retries),
            "toleration-effect" => to_kebab(&self.toleration_effect),
            _ => return None,
        };
        Some(text)
    }
}

/// Parses a unit variant from its serde (kebab-case) name, so the CLI and scenario files
/// accept exactly the same spellings.
fn parse_kebab<T: for<'de> Deserialize<'de>>(value: &str) -> Option<T> {
    // Straight from the text: every world parses its behaviour, and going through a JSON
    // value allocated a copy of each value first.
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value)).ok()
}

fn to_kebab<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

macro_rules! text_forms {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&to_kebab(self))
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_kebab(s).ok_or_else(|| format!("invalid value {s:?}"))
            }
        }
    )*};
}

text_forms!(PodUpdateFilter, HandlePods, Retries, TolerationEffect);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_should_be_the_fixed_1_33_controller() {
        let b = Behavior::default();
        assert_eq!(b.queue, QueueVersion::V3);
        assert_eq!(
            b.pod_update_filter,
            PodUpdateFilter::ClaimStatusesAndNodeName
        );
        assert_eq!(b.handle_pods, HandlePods::Return);
        assert_eq!(b.retries, Retries::Fixed);
        assert_eq!(b.toleration_effect, TolerationEffect::NoExecuteOnly);
        for key in Behavior::keys() {
            assert_eq!(
                b.get(key.name).as_deref(),
                Some(key.default),
                "{}",
                key.name
            );
        }
    }

    #[test]
    fn set_should_accept_every_listed_value() {
        for key in Behavior::keys() {
            for value in key.values {
                let mut b = Behavior::default();
                b.set(key.name, value).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(b.get(key.name).as_deref(), Some(*value));
            }
        }
    }

    #[test]
    fn set_should_list_valid_keys_and_values() {
        let mut b = Behavior::default();
        let err = b
            .set("handle-pod", "continue")
            .expect_err("must fail")
            .to_string();
        assert!(
            err.contains("handle-pods") && err.contains("toleration-effect"),
            "{err}"
        );
        let err = b
            .set("retries", "forever")
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("fixed, durable"), "{err}");
        assert_eq!(
            b,
            Behavior::default(),
            "a failed set must not change anything"
        );
    }

    #[test]
    fn serde_should_use_kebab_keys_and_reject_unknown_ones() {
        let b: Behavior =
            serde_json::from_str(r#"{"queue":"v2","handle-pods":"continue"}"#).unwrap_or_default();
        assert_eq!(b.queue, QueueVersion::V2);
        assert_eq!(b.handle_pods, HandlePods::Continue);
        assert_eq!(b.retries, Retries::Fixed);
        assert!(serde_json::from_str::<Behavior>(r#"{"handle_pods":"continue"}"#).is_err());
        let json = serde_json::to_value(Behavior::default()).unwrap_or_default();
        assert_eq!(json["pod-update-filter"], "claim-statuses-and-node-name");
    }
}
