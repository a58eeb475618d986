//! `world.time-jumps: true` lets the scheduler fire the controller's timers before the world is
//! quiescent, but never moves the scenario actor's own waits: its `wait-for-sync` timeout, its
//! `advance` and the `within` of its assertions pass only while nothing else can run. Before
//! that rule, a jump to the actor's deadline ended those waits early and fixed controllers
//! failed their assertions and steps in most seeds.

mod common;

use serde_json::Value;
use taintsim_check::{Overrides, check_file};

/// A bundled scenario that expects a pass, with time jumps on, 100 seeds, no stop at the first
/// failure and no recorded schedule.
fn with_time_jumps(dir: &std::path::Path, bundled: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(common::bundled(bundled)).expect("readable");
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    let object = value.as_object_mut().expect("an object");
    object.remove("decisions");
    object.insert(
        "explore".into(),
        serde_json::json!({"strategy": "random", "seeds": "0..100", "stop-on-failure": false}),
    );
    object
        .entry("world")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
        .expect("world is an object")
        .insert("time-jumps".into(), Value::Bool(true));
    let out = dir.join(bundled.replace('/', "-"));
    std::fs::write(&out, value.to_string()).expect("writes");
    out
}

#[test]
fn time_jumps_should_never_end_the_actors_own_waits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = taintsim::controllers();
    // Both start with `wait-for-sync` and then `advance` before asserting the eviction.
    for bundled in ["eviction-update.json", "latest/eviction-update.json"] {
        let file = with_time_jumps(dir.path(), bundled);
        let verdict = check_file(&registry, &file, &Overrides::default()).expect("runs");
        assert!(verdict.ok, "{bundled} with time jumps: {verdict}");
        assert_eq!(verdict.observed, "pass", "{bundled}: {verdict}");
        assert_eq!(verdict.schedules, 100, "{bundled}: {verdict}");
    }
}
