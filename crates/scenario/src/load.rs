//! Reading scenario files, with errors that name the file, line, column and field.
//!
//! Everything a file can get wrong is checked while it is decoded (unknown keys, wrong types,
//! durations, behaviour keys against the chosen controller, Kubernetes objects against the
//! kinds that controller handles), so a scenario is either loaded whole or not at all. Once
//! decoded, its objects and writes are checked against the API server's rules
//! ([`crate::validate`]).
//!
//! The behaviour keys and the objects are checked against a [`Registry`] of controllers. To
//! check them while decoding, at their position in the file, [`parse`] first reads the
//! `behavior` object alone to learn the controller, then decodes the whole file with the
//! registry and that controller in a scoped thread-local [`Context`] that
//! [`checked_behavior`] and the object decoder consult.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use taintsim_api::Object;
use taintsim_plugin::registry::Resolved;
use taintsim_plugin::{Behavior, Registry};

use crate::format::Scenario;

/// What the decoder checks behaviour keys and objects against while [`parse`] runs.
struct Context {
    registry: Registry,
    resolved: Option<Resolved>,
}

thread_local! {
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Clears [`CONTEXT`] when the parse ends, however it ends.
struct Entered;

impl Entered {
    fn enter(context: Context) -> Self {
        CONTEXT.with(|c| *c.borrow_mut() = Some(context));
        Self
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        CONTEXT.with(|c| *c.borrow_mut() = None);
    }
}

/// Decodes a scenario's `behavior` and, inside [`parse`], checks each entry against the
/// registry as it is read: an unknown controller, a key the chosen generation lacks, or a value
/// the key does not take is an error at that entry (field `behavior.<key>`).
pub fn checked_behavior<'de, D: Deserializer<'de>>(d: D) -> Result<Behavior, D::Error> {
    d.deserialize_map(BehaviorVisitor)
}

struct BehaviorVisitor;

impl<'de> serde::de::Visitor<'de> for BehaviorVisitor {
    type Value = Behavior;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of behaviour keys and their values (`taintsim keys` lists them)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Behavior, A::Error> {
        let mut behavior = Behavior::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(CheckedValue { key: &key })?;
            behavior.set(key, value);
        }
        Ok(behavior)
    }
}

/// The value of one behaviour key, checked against the registry and the scenario's
/// controller (inside [`parse`]).
struct CheckedValue<'a> {
    key: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for CheckedValue<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        // Checking inside the visitor puts the error's position at the value. A numeric key
        // may be written as a JSON number; it is kept as its decimal text.
        d.deserialize_any(self)
    }
}

impl serde::de::Visitor<'_> for CheckedValue<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a string (or, for a numeric key, a number) for behaviour key `{}`",
            self.key
        )
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<String, E> {
        CONTEXT
            .with(|c| match &*c.borrow() {
                Some(context) => check_entry(context, self.key, value),
                None => Ok(()),
            })
            .map_err(E::custom)?;
        Ok(value.to_owned())
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<String, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<String, E> {
        self.visit_str(&value.to_string())
    }
}

/// Whether `key: value` fits: `controller` must name a known generation; any other key must
/// belong to the scenario's generation, with one of its values.
fn check_entry(context: &Context, key: &str, value: &str) -> Result<(), String> {
    if key == taintsim_plugin::CONTROLLER_KEY {
        let one = Behavior::new().with(key, value);
        return match context.registry.resolve(&one) {
            Err(e @ taintsim_plugin::BehaviorError::UnknownController { .. }) => Err(e.to_string()),
            _ => Ok(()),
        };
    }
    let Some(resolved) = &context.resolved else {
        // The controller itself is wrong; its own entry reports that.
        return Ok(());
    };
    let one = Behavior::new()
        .with(
            taintsim_plugin::CONTROLLER_KEY,
            resolved.behavior.controller().unwrap_or_default(),
        )
        .with(key, value);
    context
        .registry
        .resolve(&one)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Inside [`parse`]: whether the scenario's controller handles `object`.
pub(crate) fn check_object(object: &Object) -> Result<(), String> {
    CONTEXT.with(|c| match &*c.borrow() {
        Some(Context {
            resolved: Some(r), ..
        }) => r.plugin.accepts(&r.behavior, object).map_err(|why| {
            format!(
                "{} {} does not fit controller {}: {why}",
                object.kind().name(),
                object.key(),
                r.behavior.controller().unwrap_or_default()
            )
        }),
        _ => Ok(()),
    })
}

/// The first pass of [`parse`]: only the `behavior` object, every other key ignored.
#[derive(Deserialize)]
struct Head {
    #[serde(default, deserialize_with = "head_behavior")]
    behavior: Behavior,
}

/// The behaviour keys as text, numbers included (the second pass checks them).
fn head_behavior<'de, D: Deserializer<'de>>(d: D) -> Result<Behavior, D::Error> {
    let map = std::collections::BTreeMap::<String, serde_json::Value>::deserialize(d)?;
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// Why a scenario file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The file (or `<input>`).
    pub file: PathBuf,
    /// 1-based line of the problem, 0 if unknown (for example an unreadable file).
    pub line: usize,
    /// 1-based column of the problem, 0 if unknown.
    pub column: usize,
    /// The field, as a path such as `steps[2].update.spec.nodeName`; empty for the whole file.
    pub field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Parses scenario text and resolves its controller in `registry`; `file` names it in errors.
pub fn parse(text: &str, file: &Path, registry: &Registry) -> Result<Scenario, LoadError> {
    // Only the controller: the other keys are checked entry by entry in the second pass.
    let resolved = serde_json::from_str::<Head>(text).ok().and_then(|head| {
        let controller = match head.behavior.controller() {
            Some(c) => Behavior::new().with(taintsim_plugin::CONTROLLER_KEY, c),
            None => Behavior::new(),
        };
        registry.resolve(&controller).ok()
    });
    let _entered = Entered::enter(Context {
        registry: registry.clone(),
        resolved,
    });
    not_an_object(text, file)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let mut scenario: Scenario = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = known_path(&err.path().to_string());
        let inner = err.into_inner();
        LoadError {
            file: file.to_owned(),
            line: inner.line(),
            // serde_json counts the column of an error at a line's start as 0.
            column: inner.column().max(1),
            field,
            message: inner
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned(),
        }
    })?;
    de.end().map_err(|e| LoadError {
        file: file.to_owned(),
        line: e.line(),
        column: e.column().max(1),
        field: String::new(),
        message: "trailing characters after the scenario object".into(),
    })?;
    // Errors found after decoding know their field; `at` finds it in the text.
    let at = |field: String, message: String| {
        let (line, column) =
            crate::locate::offset_of(text, &field).map_or((0, 0), |offset| position(text, offset));
        LoadError {
            file: file.to_owned(),
            line,
            column,
            field,
            message,
        }
    };
    scenario
        .resolve(registry)
        .map_err(|e| at("behavior".into(), e.to_string()))?;
    if let Some((field, message)) = crate::steps::first_bad_group(&scenario) {
        return Err(at(field, message));
    }
    if let Some(fault) = crate::fault_scope::first_ineffective(&scenario) {
        return Err(at(fault.field, fault.message));
    }
    if let Some(broken) = crate::validate::first_invalid(&scenario) {
        return Err(at(broken.field, broken.message));
    }
    Ok(scenario)
}

/// The path of the field an error is in, without the `?` segments serde_path_to_error gives
/// where it does not know the key yet (a file cut off after `{`): `containers[0].?` names
/// `containers[0]`. Empty for the whole file.
fn known_path(path: &str) -> String {
    let mut path = path;
    while let Some(rest) = path.strip_suffix('?') {
        path = rest.strip_suffix('.').unwrap_or(rest);
    }
    if path == "." { "" } else { path }.to_owned()
}

/// An error if `text` is not a JSON object at its top level: an empty file, an array or a
/// bare value would otherwise be reported as a type mismatch deep inside serde.
fn not_an_object(text: &str, file: &Path) -> Result<(), LoadError> {
    let found = match text.trim_start().chars().next() {
        Some('{') => return Ok(()),
        None => "an empty file".to_owned(),
        Some('[') => "a JSON array".to_owned(),
        Some(c) => format!("`{c}`"),
    };
    let at = text.len() - text.trim_start().len();
    let (line, column) = position(text, at);
    Err(LoadError {
        file: file.to_owned(),
        line,
        column,
        field: String::new(),
        message: format!(
            "a scenario file is one JSON object ({{\"version\": 1, \"name\": ..., \"steps\": [...], \"expect\": ...}}, see docs/scenario-format.md); found {found}"
        ),
    })
}

/// The 1-based line and column (in characters) of byte offset `at` of `text`.
fn position(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Reads and parses one file, resolving its controller in `registry`.
pub fn load_file(path: &Path, registry: &Registry) -> Result<Scenario, LoadError> {
    let unreadable = |message: String| LoadError {
        file: path.to_owned(),
        line: 0,
        column: 0,
        field: String::new(),
        message,
    };
    let bytes =
        std::fs::read(path).map_err(|e| unreadable(format!("cannot read the file: {e}")))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            // Name where the text stops being UTF-8, as a position in the valid text before it.
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let before = String::from_utf8_lossy(&bytes[..valid]);
            let (line, column) = position(&before, before.len());
            return Err(LoadError {
                line,
                column,
                ..unreadable(format!(
                    "the file is not UTF-8 text (byte {valid} starts an invalid sequence); a scenario file is JSON"
                ))
            });
        }
    };
    parse(&text, path, registry)
}

/// Every `*.json` file under `path` (recursively, sorted), or `path` itself if it is a file.
pub fn find_scenarios(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut dirs = vec![path.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}
