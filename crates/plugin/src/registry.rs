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
            if !spec.accepts(value) {
                return Err(BehaviorError::InvalidValue {
                    key: key.to_owned(),
                    value: value.to_owned(),
                    valid: match spec.range {
                        Some(_) => spec.describe_values(),
                        None => format!("one of {}", spec.describe_values()),
                    },
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
            let schema = match first.range {
                // A number, as a JSON number or as its decimal text (what `--set` writes).
                Some(range) => json!({
                    "description": description,
                    "anyOf": [
                        {"type": "integer", "minimum": range.min, "maximum": range.max},
                        {"type": "string", "pattern": "^[0-9]+$"},
                    ],
                }),
                None => {
                    let mut values: Vec<&str> = Vec::new();
                    for v in used_by.iter().flat_map(|(_, k)| k.values) {
                        if !values.contains(v) {
                            values.push(v);
                        }
                    }
                    json!({"description": description, "type": "string", "enum": values})
                }
            };
            properties.insert(name.to_owned(), schema);
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use taintsim_api::{Kind, Object};

    use super::*;
    use crate::{Env, EvictionEvent, MarkDoc, MetricNames, NumberRange, Reference, Running};

    const OLD_KEYS: [BehaviorKey; 1] = [BehaviorKey {
        name: "queue",
        values: &["v2", "v3"],
        default: "v3",
        doc: "queue version",
        breaks: None,
        range: None,
    }];
    const NEW_KEYS: [BehaviorKey; 1] = [BehaviorKey {
        name: "workers",
        values: &[],
        default: "10",
        doc: "worker count",
        breaks: None,
        range: Some(NumberRange { min: 1, max: 100 }),
    }];
    const GENERATIONS: [Generation; 2] = [
        Generation {
            name: "old",
            doc: "the old one",
        },
        Generation {
            name: "new",
            doc: "the new one",
        },
    ];

    /// A plug-in with two generations whose keys differ; it is never started.
    struct TwoGenerations;

    impl ControllerPlugin for TwoGenerations {
        fn name(&self) -> &'static str {
            "two"
        }
        fn generations(&self) -> &'static [Generation] {
            &GENERATIONS
        }
        fn keys(&self, generation: &str) -> &'static [BehaviorKey] {
            if generation == "new" {
                &NEW_KEYS
            } else {
                &OLD_KEYS
            }
        }
        fn kinds(&self, _: &Behavior) -> Vec<Kind> {
            vec![Kind::Pod]
        }
        fn listeners(&self, _: &Behavior) -> Vec<(&'static str, Kind)> {
            Vec::new()
        }
        fn accepts(&self, _: &Behavior, _: &Object) -> Result<(), String> {
            Ok(())
        }
        fn component(&self) -> &'static str {
            "two"
        }
        fn start(&self, _: Env) -> Arc<dyn Running> {
            unreachable!("the registry tests never start a controller")
        }
        fn metric_names(&self) -> MetricNames {
            MetricNames {
                deletions_total: "d",
                deletions_total_help: "d",
                deletion_duration: "l",
                deletion_duration_help: "l",
            }
        }
        fn marks(&self) -> &'static [MarkDoc] {
            &[]
        }
        fn eviction_event(&self) -> EvictionEvent {
            EvictionEvent {
                reason: "r",
                message_prefix: "m",
            }
        }
        fn reference(&self, _: &Behavior) -> Arc<dyn Reference> {
            unreachable!("the registry tests never judge")
        }
    }

    fn registry() -> Registry {
        Registry::new().with(TwoGenerations)
    }

    fn resolve(pairs: &[(&str, &str)]) -> Result<Resolved, BehaviorError> {
        let behavior = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        registry().resolve(&behavior)
    }

    #[test]
    fn numeric_key_should_accept_whole_numbers_in_its_range_only() {
        for ok in ["1", "10", "100"] {
            let r = resolve(&[("controller", "new"), ("workers", ok)]).expect("in range");
            assert_eq!(r.behavior.get("workers"), Some(ok));
        }
        for bad in ["0", "101", "-1", "+3", " 3", "3.0", "", "ten"] {
            let err = resolve(&[("controller", "new"), ("workers", bad)])
                .expect_err(bad)
                .to_string();
            assert!(err.contains("a whole number in 1..=100"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn numeric_key_should_default_when_unset() {
        let r = resolve(&[("controller", "new")]).expect("defaults");
        assert_eq!(r.behavior.get("workers"), Some("10"));
    }

    #[test]
    fn key_of_the_other_generation_should_be_refused_with_key_and_generation() {
        let err = resolve(&[("controller", "new"), ("queue", "v2")]).expect_err("not in new");
        let text = err.to_string();
        assert!(
            text.contains("\"queue\"") && text.contains("\"new\""),
            "{text}"
        );
        assert!(matches!(err, BehaviorError::UnknownKey { .. }));
        let err = resolve(&[("workers", "3")]).expect_err("not in old, the default");
        assert!(err.to_string().contains("\"old\""), "{err}");
    }

    #[test]
    fn list_key_should_still_list_its_values() {
        let err = resolve(&[("queue", "v9")]).expect_err("no such value");
        assert_eq!(
            err.to_string(),
            "invalid value \"v9\" for behavior key \"queue\": expected one of v2, v3"
        );
    }

    #[test]
    fn schema_should_describe_a_numeric_key_as_a_bounded_integer_or_its_text() {
        let schema = registry().behavior_schema();
        let workers = &schema["properties"]["workers"];
        assert_eq!(workers["anyOf"][0]["type"], "integer");
        assert_eq!(workers["anyOf"][0]["minimum"], 1);
        assert_eq!(workers["anyOf"][0]["maximum"], 100);
        assert_eq!(workers["anyOf"][1]["type"], "string");
        assert!(workers.get("enum").is_none());
        assert_eq!(
            schema["properties"]["queue"]["enum"],
            serde_json::json!(["v2", "v3"])
        );
    }
}
