//! `docs/scenario.schema.json` is generated from the scenario model and must stay in step with
//! it.
//!
//! The test generates the JSON Schema of [`Scenario`] with schemars and compares it with the
//! committed file. After a change to the format, regenerate the file with
//!
//! ```text
//! UPDATE_SCHEMA=1 cargo test -p taintsim --test schema
//! ```
//!
//! and commit it together with the change (and a note in `docs/scenario-format.md`).

use std::path::{Path, PathBuf};

use taintsim_scenario::load::{find_scenarios, load_file};
use taintsim_scenario::schema::scenario_schema;

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario.schema.json")
}

/// The schema as the committed file holds it: pretty JSON and a final newline.
fn generated() -> String {
    let schema = scenario_schema(&taintsim::controllers());
    let text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    format!("{text}\n")
}

#[test]
fn committed_schema_should_match_the_model() {
    let path = schema_path();
    let want = generated();
    if std::env::var_os("UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::write(&path, &want)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nregenerate it with: UPDATE_SCHEMA=1 cargo test -p taintsim --test schema",
            path.display()
        )
    });
    assert!(
        have == want,
        "{} is out of date with the scenario model; regenerate it with:\n  UPDATE_SCHEMA=1 cargo test -p taintsim --test schema",
        path.display()
    );
}

#[test]
fn schema_should_describe_the_top_level_keys() {
    let schema =
        serde_json::to_value(scenario_schema(&taintsim::controllers())).expect("serializes");
    let properties = schema["properties"]
        .as_object()
        .expect("the schema has top-level properties");
    for key in [
        "version",
        "name",
        "description",
        "behavior",
        "world",
        "objects",
        "steps",
        "expect",
        "explore",
        "exempt",
        "decisions",
    ] {
        assert!(properties.contains_key(key), "no property {key:?}");
    }
    assert_eq!(schema["additionalProperties"], false);
    let behavior = &properties["behavior"]["properties"];
    for key in ["controller", "queue", "pod-update-filter"] {
        assert!(behavior.get(key).is_some(), "behavior has no key {key:?}");
    }
    assert_eq!(properties["behavior"]["additionalProperties"], false);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required keys")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(required, ["version", "name"]);
}

/// The loader is the authority, but every file it accepts should also be valid by the
/// schema's simplest rules: only known top-level keys, and the required ones present.
#[test]
fn bundled_scenarios_should_use_only_schema_keys() {
    let schema =
        serde_json::to_value(scenario_schema(&taintsim::controllers())).expect("serializes");
    let known = schema["properties"].as_object().expect("properties");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for file in find_scenarios(&dir).expect("scenarios/ is readable") {
        load_file(&file, &taintsim::controllers()).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&file).expect("readable");
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let object = value.as_object().expect("an object");
        for key in object.keys() {
            assert!(
                known.contains_key(key),
                "{}: key {key:?} not in the schema",
                file.display()
            );
        }
        assert!(object.contains_key("version") && object.contains_key("name"));
    }
}
