//! End-to-end tests of `taintsim shrink` and `taintsim import-fuzz`, on the bundled
//! `scenarios/updatework-panic.json` (queue v2, the UpdateWork panic) and on a fuzz input
//! written through the `event_sequence` target's own decoder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use taintsim_check::Observed;
use taintsim_generate::{self as generate, Case, FuzzVerdict};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bundled(rel: &str) -> String {
    root().join("scenarios").join(rel).display().to_string()
}

/// Runs the binary in `dir` as CI would: no terminal, `CI` set, no `RUST_LOG`.
fn taintsim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taintsim"))
        .args(args)
        .current_dir(dir)
        .env("CI", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("the taintsim binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON value ({e}):\n{}", text(out)))
}

/// `explore --json` of the bundled panic scenario: its first failing seed and the path of the
/// decision log it saved into `dir`.
fn explore_panic(dir: &Path) -> (u64, String) {
    let save = dir.display().to_string();
    let out = taintsim_in(
        dir,
        &[
            "explore",
            &bundled("updatework-panic.json"),
            "--json",
            "--save",
            &save,
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let v = json(&out);
    let first = &v["first_failure"];
    let seed = first["seed"].as_u64().expect("a failing seed");
    let saved = first["decisions"]
        .as_str()
        .expect("the saved decision log")
        .to_owned();
    (seed, saved)
}

/// Checks the shrunk file as a user would: `run` passes on it and `replay` shows the panic.
fn assert_replays_update_work_panic(dir: &Path, file: &str) {
    let run = taintsim_in(dir, &["run", file]);
    assert_eq!(code(&run), 0, "{}", text(&run));
    let replay = taintsim_in(dir, &["replay", file, "--json"]);
    assert_eq!(code(&replay), 0, "{}", text(&replay));
    let v = json(&replay);
    assert_eq!(v["outcome"], "panic", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("UpdateWork"),
        "{v}"
    );
}

#[test]
fn shrink_seed_should_write_a_small_file_that_run_and_replay_reproduce() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (seed, _) = explore_panic(dir.path());
    let out_file = dir.path().join("regressions/updatework-small.json");
    let out_path = out_file.display().to_string();
    let out = taintsim_in(
        dir.path(),
        &[
            "shrink",
            &bundled("updatework-panic.json"),
            "--seed",
            &seed.to_string(),
            "-o",
            &out_path,
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let v = json(&out);
    let after_steps = v["after"]["steps"].as_u64().expect("after.steps");
    assert!(after_steps <= 6, "{v}");
    assert!(
        after_steps <= v["before"]["steps"].as_u64().unwrap_or(0),
        "{v}"
    );
    assert_eq!(v["replays"], true, "{v}");
    assert_eq!(v["failure"]["outcome"], "panic", "{v}");
    assert!(
        v["failure"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("UpdateWork")
    );
    assert!(v["needed_decisions"].as_u64().is_some(), "{v}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("written")).expect("JSON");
    assert_eq!(written["name"], "updatework-small");
    assert_eq!(written["expect"]["outcome"], "panic");
    assert!(
        written["decisions"]["entries"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    assert_replays_update_work_panic(dir.path(), &out_path);
}

#[test]
fn shrink_decisions_should_accept_the_log_explore_saved_and_print_a_table() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_, saved) = explore_panic(dir.path());
    let out_path = dir.path().join("small.json").display().to_string();
    let out = taintsim_in(
        dir.path(),
        &[
            "shrink",
            &bundled("updatework-panic.json"),
            "--decisions",
            &saved,
            "-o",
            &out_path,
        ],
    );
    let t = text(&out);
    assert_eq!(code(&out), 0, "{t}");
    for part in [
        "before",
        "after",
        "steps",
        "objects",
        "decisions",
        "UpdateWork",
        "taintsim replay",
    ] {
        assert!(t.contains(part), "missing {part:?} in:\n{t}");
    }
    assert_replays_update_work_panic(dir.path(), &out_path);
}

#[test]
fn shrink_should_explain_a_passing_run_and_a_missing_schedule() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out_path = dir.path().join("x.json").display().to_string();
    let passing = taintsim_in(
        dir.path(),
        &[
            "shrink",
            &bundled("updatework-fixed.json"),
            "--seed",
            "0",
            "-o",
            &out_path,
        ],
    );
    assert_eq!(code(&passing), 2, "{}", text(&passing));
    assert!(
        text(&passing).contains("nothing to shrink"),
        "{}",
        text(&passing)
    );
    let none = taintsim_in(
        dir.path(),
        &["shrink", &bundled("updatework-panic.json"), "-o", &out_path],
    );
    assert_eq!(code(&none), 2, "{}", text(&none));
    assert!(
        text(&none).contains("--seed N or --decisions PATH"),
        "{}",
        text(&none)
    );
    let (seed, _) = explore_panic(dir.path());
    let mark = taintsim_in(
        dir.path(),
        &[
            "shrink",
            &bundled("updatework-panic.json"),
            "--seed",
            &seed.to_string(),
            "--keep-mark",
            "no.such.mark",
            "-o",
            &out_path,
        ],
    );
    assert_eq!(code(&mark), 2, "{}", text(&mark));
    assert!(text(&mark).contains("no.such.mark"), "{}", text(&mark));
    assert!(!Path::new(&out_path).exists());
}

#[test]
fn shrink_help_should_show_examples() {
    let out = taintsim_in(&root(), &["shrink", "--help"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out).contains("Examples:") && text(&out).contains("taintsim shrink "));
    let out = taintsim_in(&root(), &["import-fuzz", "--help"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out).contains("Examples:") && text(&out).contains("taintsim import-fuzz "));
}

/// A fuzz input written through the target's decoder: the queue-v2 race (a tainted slice,
/// then a claim and its pod) under the first seed whose run panics on queue v2.
fn v2_artifact(dir: &Path) -> PathBuf {
    let case: Case = serde_json::from_str(
        r#"{"objects":[],"wait_for_sync":false,"steps":[
            {"Put":{"Slice":{"slot":0,"pool":0,"generation":0,"devices":[{"device":0,"taints":[{"key":0,"value":false,"effect":"NoExecute","time_added":null}]}]}}},
            {"Put":{"Claim":{"slot":1,"allocated":true,"results":[{"pool":0,"device":0,"tolerations":[]}],"reserved_for":[{"pod":0,"stale":false}],"owner":null}}},
            {"Put":{"Pod":{"slot":0,"scheduled":true,"claims":[{"Direct":1}]}}}],"seed":0}"#,
    )
    .expect("a valid case");
    let behavior = generate::behavior_with(&taintsim::controllers(), "queue=v2").expect("valid");
    let case = (0..500)
        .map(|seed| Case {
            seed,
            ..case.clone()
        })
        .find(|c| {
            matches!(
                generate::check_with(&taintsim::controllers(), c, behavior.clone()),
                FuzzVerdict::Failure {
                    observed: Some(Observed::Panic { .. }),
                    ..
                }
            )
        })
        .expect("some seed panics");
    let path = dir.join("crash-v2");
    std::fs::write(&path, generate::encode(&case)).expect("writes");
    path
}

#[test]
fn import_fuzz_should_write_a_scenario_that_replays_the_artifacts_failure() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let artifact = v2_artifact(dir.path()).display().to_string();
    let out_path = dir
        .path()
        .join("regressions/fuzz-v2.json")
        .display()
        .to_string();
    let out = taintsim_in(
        dir.path(),
        &[
            "import-fuzz",
            &artifact,
            "--set",
            "queue=v2",
            "-o",
            &out_path,
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["replays"], true, "{v}");
    assert_eq!(v["expect"], "panic", "{v}");
    assert_eq!(v["name"], "fuzz-v2", "{v}");
    assert_replays_update_work_panic(dir.path(), &out_path);

    // The imported file shrinks like any other.
    let small = dir.path().join("fuzz-v2-small.json").display().to_string();
    let out = taintsim_in(dir.path(), &["shrink", &out_path, "-o", &small, "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_replays_update_work_panic(dir.path(), &small);

    // Without the override the target's fixed controller passes it: a clear error.
    let out = taintsim_in(dir.path(), &["import-fuzz", &artifact, "-o", &out_path]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(text(&out).contains("--set"), "{}", text(&out));
}
