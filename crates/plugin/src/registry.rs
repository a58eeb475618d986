//! [`Registry`]: the controllers a build of taintsim knows, looked up by the `controller`
//! behaviour key.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::ControllerPlugin;
use crate::behavior::{Behavior, BehaviorError, BehaviorKey, CONTROLLER_KEY, Generation};

/// The controllers a build knows. The first generation of the first plug-in is the default
/// when a behaviour names no controller.
#[derive(Clone, Default)]
pub struct Registry {
    plugins: Vec<Arc<dyn ControllerPlugin>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.plugins.iter().map(|p| p.name()))
            .finish()
    }
}

/// A behaviour checked against its controller: the plug-in and every key of its generation.
#[derive(Clone)]
pub struct Resolved {
    /// The plug-in that runs it.
    pub plugin: Arc<dyn ControllerPlugin>,
    /// The behaviour with `controller` and every key of the generation set (defaults filled).
    pub behavior: Behavior,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("plugin", &self.plugin.name())
            .field("behavior", &self.behavior)
            .finish()
    }
}

impl Registry {
    /// No controllers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same registry with `plugin` added after the others.
    #[must_use]
    pub fn with(mut self, plugin: impl ControllerPlugin) -> Self {
        self.plugins.push(Arc::new(plugin));
        self
    }

    /// Every plug-in, in registration order.
    pub fn plugins(&self) -> impl Iterator<Item = &Arc<dyn ControllerPlugin>> {
        self.plugins.iter()
    }

    /// Every value of the `controller` key, with the plug-in that runs it.
    pub fn generations(&self) -> Vec<(Generation, Arc<dyn ControllerPlugin>)> {
        self.plugins
            .iter()
            .flat_map(|p| p.generations().iter().map(move |g| (*g, p.clone())))
            .collect()
    }

    /// The `controller` value used when a behaviour sets none.
    pub fn default_controller(&self) -> Option<&'static str> {
        self.plugins
            .first()
            .and_then(|p| p.generations().first())
            .map(|g| g.name)
    }

    /// The plug-in that runs the generation `controller`.
    pub fn plugin(&self, controller: &str) -> Option<Arc<dyn ControllerPlugin>> {
        self.plugins
            .iter()
            .find(|p| p.generations().iter().any(|g| g.name == controller))
            .cloned()
    }

    /// Checks `behavior`: its controller must be known, and every other key must belong to
    /// that generation with one of its values. Fills in the defaults of unset keys.
    pub fn resolve(&self, behavior: &Behavior) -> Result<Resolved, BehaviorError> {
        let controller = match behavior.controller() {
            Some(c) => c,
            None => self
                .default_controller()
                .ok_or_else(|| BehaviorError::UnknownController {
                    value: String::new(),
                    valid: String::new(),
                })?,
        };
        let plugin = self
            .plugin(controller)
            .ok_or_else(|| BehaviorError::UnknownController {
                value: controller.to_owned(),
                valid: join(self.generations().iter().map(|(g, _)| g.name)),
            })?;
        let keys = plugin.keys(controller);
        for (key, value) in behavior.iter().filter(|(k, _)| *k != CONTROLLER_KEY) {
            let spec =
                keys.iter()
                    .find(|k| k.name == key)
                    .ok_or_else(|| BehaviorError::UnknownKey {
                        key: key.to_owned(),
                        controller: controller.to_owned(),
                        valid: join(keys.iter().map(|k| k.name)),
                    })?;
            if !spec.values.contains(&value) {
                return Err(BehaviorError::InvalidValue {
                    key: key.to_owned(),
                    value: value.to_owned(),
                    valid: spec.values.join(", "),
                });
            }
        }
        let mut complete = behavior.clone().with(CONTROLLER_KEY, controller);
        for key in keys {
            if complete.get(key.name).is_none() {
                complete.set(key.name, key.default);
            }
        }
        Ok(Resolved {
            plugin,
            behavior: complete,
        })
    }

    /// The JSON schema of a scenario's `behavior` object: `controller` and every key of every
    /// generation, each with its values and docs.
    pub fn behavior_schema(&self) -> Value {
        let generations = self.generations();
        let mut properties = serde_json::Map::new();
        properties.insert(
            CONTROLLER_KEY.to_owned(),
            json!({
                "description": format!(
                    "Which controller, and which generation of it, runs (default {}).",
                    self.default_controller().unwrap_or("none")
                ),
                "type": "string",
                "enum": generations.iter().map(|(g, _)| g.name).collect::<Vec<_>>(),
            }),
        );
        // Each key with the generations that have it, in registration order; a key two
        // controllers share (`queue`, `retries`) may differ in doc and default between them.
        let mut keys: Vec<(&'static str, Vec<(&'static str, BehaviorKey)>)> = Vec::new();
        for (g, plugin) in &generations {
            for key in plugin.keys(g.name) {
                match keys.iter_mut().find(|(name, _)| *name == key.name) {
                    Some((_, used_by)) => used_by.push((g.name, *key)),
                    None => keys.push((key.name, vec![(g.name, *key)])),
                }
            }
        }
        for (name, used_by) in keys {
            let mut values: Vec<&str> = Vec::new();
            for v in used_by.iter().flat_map(|(_, k)| k.values) {
                if !values.contains(v) {
                    values.push(v);
                }
            }
            let (_, first) = used_by[0];
            let description = if used_by
                .iter()
                .all(|(_, k)| k.doc == first.doc && k.default == first.default)
            {
                let controllers: Vec<&str> = used_by.iter().map(|(g, _)| *g).collect();
                format!(
                    "{} (default {}; controller {})",
                    first.doc,
                    first.default,
                    controllers.join(", ")
                )
            } else {
                used_by
                    .iter()
                    .map(|(g, k)| format!("controller {g}: {} (default {})", k.doc, k.default))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            properties.insert(
                name.to_owned(),
                json!({
                    "description": description,
                    "type": "string",
                    "enum": values,
                }),
            );
        }
        json!({
            "description": "The controller and its behaviour keys; `taintsim keys` lists them per controller.",
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        })
    }
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}
