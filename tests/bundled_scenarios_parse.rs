//! Every bundled scenario file loads, and bad files get errors that name the file, line,
//! column and field (ARCHITECTURE.md, "Scenario files").

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use taintsim_scenario::format::{ActorStep, Expectation};
use taintsim_scenario::load::{LoadError, find_scenarios, load_file, parse};
use taintsim_scenario::object::KubeObject;

/// `scenarios/` at the workspace root.
fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Files that must be there, relative to `scenarios/`. More may be (shrunk regressions).
const EXPECTED: &[&str] = &[
    "cancel-pod-deleted.json",
    "cancel-slice-deleted.json",
    "catalogue/device-taint-rule.json",
    "catalogue/empty-effect-toleration-any.json",
    "catalogue/empty-effect-toleration.json",
    "catalogue/handle-pods-continue.json",
    "catalogue/handle-pods-return.json",
    "catalogue/retries-durable.json",
    "catalogue/retries-fixed.json",
    "catalogue/stale-nil-v0.json",
    "catalogue/toleration-forever.json",
    "catalogue/toleration-seconds.json",
    "event-assert-eventually.json",
    "event-assert-now.json",
    "eviction-add.json",
    "eviction-delete.json",
    "eviction-failure.json",
    "eviction-initial.json",
    "eviction-update.json",
    "never-evicted.json",
    "node/denied-delete-abandoned-fixed.json",
    "node/denied-delete-abandoned.json",
    "node/remove-forever-taint-keeps-finite.json",
    "node/remove-one-of-two-taints-fixed.json",
    "node/remove-one-of-two-taints.json",
    "node/residual-finite-deadline.json",
    "node/shutdown-late-worker-fixed.json",
    "node/shutdown-late-worker.json",
    "node/stale-nil-recreate-fixed.json",
    "node/stale-nil-recreate.json",
    "node/stale-node-lister-fixed.json",
    "node/stale-node-lister.json",
    "node/stale-node-watch-race.json",
    "parallel-pod-deletion.json",
    "retry.json",
    "updatework-fixed.json",
    "updatework-panic.json",
];

fn bundled() -> Vec<PathBuf> {
    let dir = scenarios_dir();
    find_scenarios(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
}

#[test]
fn every_bundled_scenario_should_load() {
    let files = bundled();
    assert!(!files.is_empty(), "no scenario files found");
    let errors: Vec<String> = files
        .iter()
        .filter_map(|f| load_file(f, &taintsim::controllers()).err())
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{} of {} files do not load:\n{}",
        errors.len(),
        files.len(),
        errors.join("\n")
    );
}

#[test]
fn the_expected_scenarios_should_be_bundled() {
    let dir = scenarios_dir();
    let found: BTreeSet<String> = bundled()
        .iter()
        .filter_map(|f| f.strip_prefix(&dir).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    let missing: Vec<&str> = EXPECTED
        .iter()
        .copied()
        .filter(|name| !found.contains(*name))
        .collect();
    assert!(missing.is_empty(), "missing: {missing:?}; found: {found:?}");
}

#[test]
fn bundled_scenarios_should_have_unique_names_and_a_description() {
    let mut names = BTreeSet::new();
    for file in bundled() {
        let s = load_file(&file, &taintsim::controllers()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            names.insert(s.name.clone()),
            "{}: duplicate name {:?}",
            file.display(),
            s.name
        );
        assert!(
            !s.description.trim().is_empty(),
            "{}: no description",
            file.display()
        );
        assert!(
            !s.steps.is_empty(),
            "{}: no steps (at least wait-for-sync)",
            file.display()
        );
    }
}

/// k8s-openapi ignores fields it does not know, so a misspelt field in an embedded object
/// (`nodename`, `taint`) would load and silently mean nothing. Every embedded object must
/// therefore survive decoding and re-encoding unchanged.
#[test]
fn embedded_objects_should_use_only_known_kubernetes_fields() {
    for file in bundled() {
        let text = std::fs::read_to_string(&file).expect("readable");
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let mut raw: Vec<(String, &serde_json::Value)> = Vec::new();
        for (i, o) in value["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            raw.push((format!("objects[{i}]"), o));
        }
        for (i, step) in value["steps"].as_array().into_iter().flatten().enumerate() {
            for verb in ["create", "update", "update-status"] {
                if let Some(o) = step.get(verb) {
                    raw.push((format!("steps[{i}].{verb}"), o));
                }
            }
        }
        for (at, original) in raw {
            let object: KubeObject = serde_json::from_value(original.clone())
                .unwrap_or_else(|e| panic!("{}: {at}: {e}", file.display()));
            let again = serde_json::to_value(&object).expect("serializes");
            assert_eq!(
                &again,
                original,
                "{}: {at} does not round-trip; a misspelt or unknown field?",
                file.display()
            );
        }
    }
}

#[test]
fn the_target_scenarios_should_expect_what_the_races_produce() {
    let load = |name: &str| {
        load_file(&scenarios_dir().join(name), &taintsim::controllers())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let panic = load("updatework-panic.json");
    assert_eq!(panic.behavior.get("queue"), Some("v2"));
    assert!(matches!(
        &panic.expect,
        Expectation::Panic { message_contains, .. } if message_contains == "UpdateWork"
    ));
    let fixed = load("updatework-fixed.json");
    assert_eq!(fixed.behavior.get("queue"), Some("v3"));
    assert_eq!(fixed.expect, Expectation::Pass);
    // The two differ only in the queue version: same objects, same steps.
    assert_eq!(fixed.objects, panic.objects);
    assert_eq!(
        serde_json::to_value(&fixed.steps).ok(),
        serde_json::to_value(&panic.steps).ok()
    );

    let now = load("event-assert-now.json");
    assert!(matches!(now.expect, Expectation::AssertionFailure { .. }));
    assert!(matches!(now.steps.last(), Some(ActorStep::AssertNow(_))));
    let eventually = load("event-assert-eventually.json");
    assert_eq!(eventually.expect, Expectation::Pass);
    assert!(matches!(
        eventually.steps.last(),
        Some(ActorStep::AssertEventually(_))
    ));
}

// ---------------------------------------------------------------- errors

/// A valid scenario with `{body}` spliced in after the name, for the error tests.
fn with(body: &str) -> String {
    format!("{{\n  \"version\": 1,\n  \"name\": \"bad\",\n{body}\n}}\n")
}

fn parse_err(text: &str) -> LoadError {
    match parse(text, Path::new("bad.json"), &taintsim::controllers()) {
        Ok(_) => panic!("must not parse:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts the error's position and field, and that Display puts them in the documented form
/// `file:line:column: field `path`: message` (without `field ...: ` when the problem is the
/// top-level object itself).
fn assert_error(err: &LoadError, line: usize, field: &str, message_has: &[&str]) {
    assert_eq!(err.file, Path::new("bad.json"), "{err}");
    assert_eq!(err.line, line, "line of: {err}");
    assert!(err.column > 0, "column of: {err}");
    assert_eq!(err.field, field, "field of: {err}");
    for part in message_has {
        assert!(
            err.message.contains(part),
            "message should contain {part:?}: {err}"
        );
    }
    let shown = err.to_string();
    let prefix = if field.is_empty() {
        format!("bad.json:{}:{}: ", err.line, err.column)
    } else {
        format!("bad.json:{}:{}: field `{field}`: ", err.line, err.column)
    };
    assert!(
        shown.starts_with(&prefix),
        "Display {shown:?} should start with {prefix:?}"
    );
    assert!(shown.ends_with(&err.message), "{shown}");
}

#[test]
fn a_valid_minimal_scenario_should_parse() {
    let s = parse(
        &with("  \"steps\": [\"wait-for-sync\"]"),
        Path::new("ok.json"),
        &taintsim::controllers(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "bad");
    assert_eq!(s.expect, Expectation::Pass);
}

#[test]
fn a_missing_field_should_be_named() {
    // The position of a missing field is the end of the object that lacks it; at the top level
    // there is no field path to show.
    let text = "{\n  \"version\": 1,\n  \"steps\": []\n}\n";
    let err = parse_err(text);
    assert_error(&err, 4, "", &["missing field `name`"]);
    assert_eq!(
        err.to_string(),
        "bad.json:4:1: missing field `name`",
        "{err:?}"
    );
}

#[test]
fn a_missing_field_in_a_step_should_name_the_step() {
    let err = parse_err(&with(
        "  \"steps\": [\n    \"wait-for-sync\",\n    {\"assert-eventually\": {\"checks\": []}}\n  ]",
    ));
    assert_error(
        &err,
        6,
        "steps[1].assert-eventually",
        &["missing field `within`"],
    );
}

#[test]
fn a_wrong_type_should_name_the_field() {
    let err = parse_err(&with(
        "  \"explore\": {\n    \"strategy\": \"random\",\n    \"depth\": \"three\"\n  }",
    ));
    assert_error(
        &err,
        6,
        "explore.depth",
        &["invalid type", "string \"three\""],
    );
}

#[test]
fn an_unknown_key_should_be_named() {
    let err = parse_err(&with("  \"stepz\": []"));
    assert_error(&err, 4, "stepz", &["unknown field `stepz`", "steps"]);
}

#[test]
fn an_unknown_key_in_a_check_should_be_named() {
    let err = parse_err(&with(
        "  \"steps\": [\n    {\"assert-now\": [{\"metrics\": {\"pod-deletions\": 1}}]}\n  ]",
    ));
    assert_error(
        &err,
        5,
        "steps[0].assert-now[0].metrics.pod-deletions",
        &["unknown field `pod-deletions`", "pod-deletions-total"],
    );
}

#[test]
fn a_bad_duration_should_be_named() {
    let err = parse_err(&with("  \"steps\": [\n    {\"advance\": \"soon\"}\n  ]"));
    assert_error(
        &err,
        5,
        "steps[0].advance",
        &["invalid duration \"soon\"", "30s"],
    );
    let err = parse_err(&with("  \"steps\": [\n    {\"advance\": \"-5s\"}\n  ]"));
    assert_error(&err, 5, "steps[0].advance", &["must not be negative"]);
}

#[test]
fn an_unknown_toggle_value_should_list_the_valid_ones() {
    let err = parse_err(&with(
        "  \"behavior\": {\n    \"queue\": \"v3\",\n    \"handle-pods\": \"skip\"\n  }",
    ));
    assert_error(
        &err,
        6,
        "behavior.handle-pods",
        &["invalid value \"skip\"", "return", "continue"],
    );
    let err = parse_err(&with("  \"behavior\": {\"queue\": \"v9\"}"));
    assert_error(&err, 4, "behavior.queue", &["v9"]);
}

#[test]
fn an_unknown_toggle_key_should_be_named() {
    let err = parse_err(&with("  \"behavior\": {\"handle_pods\": \"continue\"}"));
    assert_error(
        &err,
        4,
        "behavior.handle_pods",
        &[
            "behavior key \"handle_pods\" does not apply to controller \"v1.33\"",
            "handle-pods",
        ],
    );
}

#[test]
fn an_unknown_object_api_version_should_be_named() {
    let err = parse_err(&with(
        "  \"objects\": [\n    {\"apiVersion\": \"resource.k8s.io/v1beta2\", \"kind\": \"ResourceSlice\", \"metadata\": {\"name\": \"s\"}}\n  ]",
    ));
    // A Kubernetes object is decoded whole, so the position is where the object ends.
    assert_error(
        &err,
        6,
        "objects[0]",
        &[
            "unknown object type",
            "resource.k8s.io/v1beta2",
            "ResourceSlice",
            "resource.k8s.io/v1beta1 ResourceSlice",
        ],
    );
}

#[test]
fn a_wrong_type_inside_an_object_should_name_the_object() {
    let err = parse_err(&with(
        "  \"steps\": [\n    \"wait-for-sync\",\n    {\"create\": {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"nodeName\": 7}}}\n  ]",
    ));
    // The path ends at the object: the loader names the object and the type problem, not the
    // field inside it.
    assert_error(
        &err,
        6,
        "steps[1].create",
        &["invalid v1 Pod", "invalid type: integer `7`"],
    );
}

#[test]
fn a_tainted_node_should_not_fit_the_device_controller() {
    let err = parse_err(&with(
        "  \"objects\": [\n    {\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": {\"name\": \"worker\"},\n     \"spec\": {\"taints\": [{\"key\": \"k\", \"effect\": \"NoExecute\"}]}}\n  ]",
    ));
    assert_error(
        &err,
        7,
        "objects[0]",
        &[
            "Node worker does not fit controller v1.33",
            "does not read node taints",
            "node-taint-eviction",
        ],
    );
    let untainted = with(
        "  \"objects\": [{\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": {\"name\": \"w\"}}]",
    );
    assert!(parse(&untainted, Path::new("ok.json"), &taintsim::controllers()).is_ok());
}

#[test]
fn a_device_object_should_not_fit_the_node_controller() {
    let err = parse_err(&with(
        "  \"behavior\": {\"controller\": \"node-taint-eviction\"},\n  \"steps\": [\n    \"wait-for-sync\",\n    {\"create\": {\"apiVersion\": \"resource.k8s.io/v1beta1\", \"kind\": \"ResourceSlice\", \"metadata\": {\"name\": \"s\"},\n      \"spec\": {\"driver\": \"d\", \"pool\": {\"name\": \"p\", \"generation\": 1, \"resourceSliceCount\": 1}, \"nodeName\": \"n\"}}}\n  ]",
    ));
    assert_error(
        &err,
        8,
        "steps[1].create",
        &[
            "ResourceSlice s does not fit controller node-taint-eviction",
            "watches only Pods and Nodes",
        ],
    );
}

#[test]
fn an_unsupported_version_should_be_named() {
    let err = parse_err("{\n  \"version\": 2,\n  \"name\": \"x\"\n}\n");
    assert_error(
        &err,
        2,
        "version",
        &["unsupported scenario format version 2"],
    );
}

#[test]
fn a_bad_seed_range_should_be_named() {
    let err = parse_err(&with("  \"explore\": {\"seeds\": \"10..5\"}"));
    assert_error(&err, 4, "explore.seeds", &["invalid seed range", "0..1000"]);
}

#[test]
fn an_unreadable_file_should_name_it_without_a_position() {
    let path = scenarios_dir().join("does-not-exist.json");
    let err = match load_file(&path, &taintsim::controllers()) {
        Ok(_) => panic!("must not load"),
        Err(e) => e,
    };
    assert_eq!(err.file, path);
    assert_eq!((err.line, err.column), (0, 0));
    assert!(err.field.is_empty());
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read the file", path.display())),
        "{err}"
    );
}

/// The bundled files that switch validation off, as parsed JSON.
fn validation_off() -> Vec<(PathBuf, serde_json::Value)> {
    bundled()
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            (value["world"]["validation"] == "off").then_some((path, value))
        })
        .collect()
}

#[test]
fn a_bundled_scenario_that_breaks_a_rule_should_fail_to_load_without_validation_off() {
    let off = validation_off();
    assert!(
        !off.is_empty(),
        "the ports of fake-clientset tests switch validation off"
    );
    let registry = taintsim::controllers();
    for (path, mut value) in off {
        // Each needs the setting: without it the file fails to load, naming the step and the
        // rule it breaks.
        value["world"]
            .as_object_mut()
            .expect("a world object")
            .remove("validation");
        let err = parse(&value.to_string(), &path, &registry)
            .expect_err("a rule is broken without validation: off");
        assert!(
            err.field.starts_with("steps[") || err.field.starts_with("objects["),
            "{err}"
        );
        assert!(err.message.contains("422 Invalid"), "{err}");
        assert!(
            err.message
                .contains("spec: Forbidden: pod updates may not change"),
            "{err}"
        );
        assert!(err.message.contains("\"validation\": \"off\""), "{err}");
    }
}

#[test]
fn an_invalid_initial_object_should_fail_to_load_naming_the_field() {
    let text = with(
        r#""objects": [{"apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceSlice",
            "metadata": {"name": "s"},
            "spec": {"driver": "d", "nodeName": "n", "pool": {"name": "p", "generation": 1, "resourceSliceCount": 1},
                     "devices": [{"name": "dev", "basic": {"taints": [{"key": "k", "effect": "Evict"}]}}]}}]"#,
    );
    let err = parse_err(&text);
    assert_eq!(err.field, "objects[0]");
    assert!(
        err.message
            .contains("spec.devices[0].basic.taints[0].effect: Unsupported value: \"Evict\""),
        "{err}"
    );
}

#[test]
fn a_key_of_the_other_generation_should_be_refused_naming_key_and_generation() {
    let err = parse_err(&with(
        "  \"behavior\": {\n    \"controller\": \"latest\",\n    \"queue\": \"v3\"\n  }",
    ));
    assert_error(
        &err,
        6,
        "behavior.queue",
        &[
            "behavior key \"queue\" does not apply to controller \"latest\"",
            "workers",
        ],
    );
    let err = parse_err(&with("  \"behavior\": {\"workers\": 2}"));
    assert_error(
        &err,
        4,
        "behavior.workers",
        &[
            "behavior key \"workers\" does not apply to controller \"v1.33\"",
            "queue",
        ],
    );
}

#[test]
fn workers_should_take_a_number_in_its_range() {
    for (value, stored) in [("3", "3"), ("\"7\"", "7"), ("100", "100")] {
        let text = with(&format!(
            "  \"behavior\": {{\"controller\": \"latest\", \"workers\": {value}}}"
        ));
        let scenario = parse(&text, Path::new("ok.json"), &taintsim::controllers())
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(scenario.behavior.get("workers"), Some(stored));
    }
    for value in ["0", "101", "\"ten\"", "-1"] {
        let err = parse_err(&with(&format!(
            "  \"behavior\": {{\"controller\": \"latest\", \"workers\": {value}}}"
        )));
        assert_error(
            &err,
            4,
            "behavior.workers",
            &["invalid value", "a whole number in 1..=100"],
        );
    }
}

#[test]
fn a_file_that_is_not_a_json_object_should_say_what_a_scenario_file_is() {
    for (text, line, found) in [
        ("", 1, "found an empty file"),
        ("  \n", 2, "found an empty file"),
        ("[1, 2]", 1, "found a JSON array"),
        ("\n\n  42", 3, "found `4`"),
    ] {
        let err = parse_err(text);
        assert_eq!(err.line, line, "{err}");
        assert!(err.column >= 1, "columns are 1-based: {err}");
        assert!(err.field.is_empty(), "{err}");
        assert!(
            err.message.contains("a scenario file is one JSON object"),
            "{err}"
        );
        assert!(err.message.contains(found), "{err}");
    }
}

#[test]
fn a_truncated_file_should_name_the_last_known_field_with_a_1_based_column() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/eviction-update.json"),
    )
    .expect("readable");
    let cut = text.find("\"containers\"").expect("a container");
    let brace = cut + text[cut..].find('{').expect("an object");
    let err = parse_err(&text[..=brace]);
    assert!(err.field.ends_with("spec.containers[0]"), "{err}");
    assert!(!err.field.contains('?'), "{err}");
    assert!(err.column >= 1 && err.line > 1, "{err}");
    // Cut right after a newline: serde_json's column there is 0; the error's is 1.
    let newline = text.find('\n').expect("lines");
    let err = parse_err(&text[..=newline]);
    assert_eq!(err.column, 1, "{err}");
}

#[test]
fn a_file_that_is_not_utf8_should_name_where_it_stops_being_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("binary.json");
    std::fs::write(&path, b"{\n  \"version\": 1,\n  \"na\xffme\": 2\n}\n").expect("writes");
    let err = load_file(&path, &taintsim::controllers()).expect_err("not UTF-8");
    assert_eq!((err.line, err.column), (3, 6), "{err}");
    assert!(err.message.contains("not UTF-8"), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3:6: ", path.display())),
        "{err}"
    );
}

#[test]
fn a_stale_lister_the_controller_never_reads_should_fail_to_load() {
    let fault = |informer: &str| {
        with(&format!(
            "  \"steps\": [{{\"set-fault\": {{\"name\": \"late\", \"stale-lister\": {{\"informer\": \"{informer}\", \"lag\": 1}}}}}}]"
        ))
    };
    // The 1.33 controller sees slices only through the tracker's notifications.
    let err = parse_err(&fault("resourceslices"));
    assert_eq!(
        err.field, "steps[0].set-fault.stale-lister.informer",
        "{err}"
    );
    assert!(
        err.message
            .contains("a stale lister of resourceslices has no effect")
            && err.message.contains("controller v1.33")
            && err.message.contains("it reads pods"),
        "{err}"
    );
    // Its pod lister is read, so a stale one is a real fault.
    parse(
        &fault("pods"),
        Path::new("ok.json"),
        &taintsim::controllers(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_top_level_fault_that_cannot_take_effect_should_fail_to_load() {
    let top = |fault: &str| with(&format!("  \"faults\": [{fault}]"));
    let err = parse_err(&top(
        r#"{"name": "late", "stale-lister": {"informer": "resourceslices", "lag": 1}}"#,
    ));
    assert_eq!(err.field, "faults[0].stale-lister.informer", "{err}");
    let line = top(r#"{"name": "late", "stale-lister": {"informer": "resourceslices", "lag": 1}}"#);
    let fourth = line.lines().nth(3).expect("a fourth line");
    let column = fourth.find(r#""resourceslices""#).expect("the value") + 1;
    assert_eq!((err.line, err.column), (4, column), "{err}");
    // The device controller starts no node informer.
    let err = parse_err(&top(
        r#"{"name": "slow", "watch-delay": {"informer": "nodes", "delay": "1s"}}"#,
    ));
    assert_eq!(err.field, "faults[0].watch-delay.informer", "{err}");
    assert!(err.message.contains("has no nodes informer"), "{err}");
    // A listener it never registers.
    let err = parse_err(&top(
        r#"{"name": "hide", "hide-notifications": {"listener": "no-such-handler", "count": 1}}"#,
    ));
    assert_eq!(err.field, "faults[0].hide-notifications.listener", "{err}");
    assert!(err.message.contains("pod-handler"), "{err}");
    // One it does register loads.
    parse(
        &top(r#"{"name": "hide", "hide-notifications": {"listener": "pod-handler", "count": 1}}"#),
        Path::new("ok.json"),
        &taintsim::controllers(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_atomic_group_that_would_wait_should_fail_to_load() {
    let err = parse_err(&with(r#"  "steps": [{"atomic": []}]"#));
    assert_eq!(err.field, "steps[0].atomic", "{err}");
    let body =
        r#"  "steps": ["wait-for-sync", {"atomic": [{"clear-fault": "x"}, {"advance": "1s"}]}]"#;
    let err = parse_err(&with(body));
    assert_eq!(err.field, "steps[1].atomic[1]", "{err}");
    assert!(err.message.contains("do not wait"), "{err}");
    // Found after decoding, the error still points at the step in the file (line 4, where
    // `with` puts the body).
    let column = body.find(r#"{"advance""#).expect("in the body") + 1;
    assert_eq!((err.line, err.column), (4, column), "{err}");
    // A fault inside a group is checked like any other.
    let err = parse_err(&with(
        r#"  "steps": [{"atomic": [{"set-fault": {"name": "x", "stale-lister": {"informer": "resourceslices", "lag": 1}}}]}]"#,
    ));
    assert_eq!(
        err.field, "steps[0].atomic[0].set-fault.stale-lister.informer",
        "{err}"
    );
}
