//! The JSON Schema of the scenario format (`docs/scenario.schema.json`): generated from the
//! format's types, with the `behavior` object described by the controllers of a registry.

use serde_json::Value;
use taintsim_plugin::Registry;

use crate::format::Scenario;

/// The schema of a scenario file whose controllers are those of `registry`.
pub fn scenario_schema(registry: &Registry) -> schemars::Schema {
    let mut schema = schemars::schema_for!(Scenario);
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.insert("behavior".to_owned(), registry.behavior_schema());
    }
    schema
}
