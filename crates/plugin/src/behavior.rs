//! Behaviour keys: which controller runs, and one key per historical bug it can reproduce.
//!
//! A scenario's `behavior` object and the CLI's `--set KEY=VALUE` both write [`Behavior`], a map
//! of kebab-case keys to values. The key [`CONTROLLER_KEY`] picks the plug-in and its
//! generation; every other key belongs to that generation ([`ControllerPlugin::keys`]). A key
//! that the chosen generation does not have is an error, not a silent no-op.
//!
//! [`ControllerPlugin::keys`]: crate::ControllerPlugin::keys

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::oracle::OracleName;

/// The behaviour key that picks the controller and its generation.
pub const CONTROLLER_KEY: &str = "controller";

/// One value of the `controller` key: a controller generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    /// The value, e.g. `v1.33`.
    pub name: &'static str,
    /// One line: which upstream code it follows.
    pub doc: &'static str,
}

/// The whole numbers a numeric behaviour key accepts, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberRange {
    /// The smallest accepted value.
    pub min: u64,
    /// The largest accepted value.
    pub max: u64,
}

impl NumberRange {
    /// Whether `value` is the decimal form of a number in the range (no sign, no spaces).
    pub fn accepts(&self, value: &str) -> bool {
        !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_digit())
            && value
                .parse::<u64>()
                .is_ok_and(|n| (self.min..=self.max).contains(&n))
    }
}

impl std::fmt::Display for NumberRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..={}", self.min, self.max)
    }
}

/// One behaviour key of a controller generation: either a list of words
/// ([`BehaviorKey::values`]) or a whole number in a range ([`BehaviorKey::range`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BehaviorKey {
    /// The key as written in scenario files and after `--set`.
    pub name: &'static str,
    /// Every accepted value of a key that takes words; empty for a numeric key.
    pub values: &'static [&'static str],
    /// The value of the released (fixed) controller.
    pub default: &'static str,
    /// One line: which bug the non-default values reproduce.
    pub doc: &'static str,
    /// The oracle the non-default values break, if one does.
    pub breaks: Option<OracleName>,
    /// For a numeric key, the numbers it accepts (written as decimal text, or as a JSON
    /// number in a scenario file); `None` for a key that takes one of [`BehaviorKey::values`].
    pub range: Option<NumberRange>,
}

impl BehaviorKey {
    /// Whether `value` is one of the key's values, or a number in its range.
    pub fn accepts(&self, value: &str) -> bool {
        match &self.range {
            Some(range) => range.accepts(value),
            None => self.values.contains(&value),
        }
    }

    /// The accepted values as one line for messages and `taintsim keys`: `a, b, c`, or
    /// `a whole number in 1..=100`.
    pub fn describe_values(&self) -> String {
        match &self.range {
            Some(range) => format!("a whole number in {range}"),
            None => self.values.join(", "),
        }
    }
}

/// The behaviour keys of a run: kebab-case key to value, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Behavior(BTreeMap<String, String>);

impl Behavior {
    /// No keys: the default controller with its defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Sets `key` to `value` (unchecked; [`Registry::resolve`](crate::Registry::resolve)
    /// checks).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// The same keys with `key` set to `value`.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    /// The value of [`CONTROLLER_KEY`], if set.
    pub fn controller(&self) -> Option<&str> {
        self.get(CONTROLLER_KEY)
    }

    /// Every key and value, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for Behavior {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A behaviour that names no known controller, or a key or value its generation does not
/// have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BehaviorError {
    /// The `controller` value is not one the registry knows.
    #[error("unknown controller {value:?}: expected one of {valid}")]
    UnknownController {
        /// The value as given.
        value: String,
        /// The valid values, comma separated.
        valid: String,
    },
    /// The key does not exist in the chosen generation.
    #[error(
        "behavior key {key:?} does not apply to controller {controller:?}: its keys are {valid}"
    )]
    UnknownKey {
        /// The key as given.
        key: String,
        /// The chosen generation.
        controller: String,
        /// The generation's keys, comma separated.
        valid: String,
    },
    /// The key exists but the value is not one of its values (or not in its range).
    #[error("invalid value {value:?} for behavior key {key:?}: expected {valid}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// The key's valid values: `one of a, b` or `a whole number in 1..=100`.
        valid: String,
    },
}

impl BehaviorError {
    /// The key the error is about (`controller` for an unknown controller).
    pub fn key(&self) -> &str {
        match self {
            Self::UnknownController { .. } => CONTROLLER_KEY,
            Self::UnknownKey { key, .. } | Self::InvalidValue { key, .. } => key,
        }
    }
}
