//! End-to-end tests of the `taintsim` binary on small fixture scenarios.
//!
//! Fixtures (tests/fixtures/): `good/updatework-panic.json` runs queue v2 and expects the
//! `UpdateWork` panic (seeds 0..200; it is found within a few seeds);
//! `good/updatework-pass-v3.json` is its twin on the fixed queue v3, expecting a pass over seeds
//! 0..50; `bad/unknown-field.json` has a misspelled key at line 6, column 43.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

const PANIC: &str = "good/updatework-panic.json";
const PASS: &str = "good/updatework-pass-v3.json";

/// Runs the binary in `dir` (so that the default `target/taintsim/failures` lands there), as
/// CI would: no terminal, `CI` set, no `RUST_LOG`.
fn taintsim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taintsim"))
        .args(args)
        .current_dir(dir)
        .env("CI", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("the taintsim binary runs")
}

fn taintsim(args: &[&str]) -> Output {
    taintsim_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON value ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
}

/// `explore --json` of the panic fixture, saving into `dir`; returns the parsed object.
fn explore_panic(dir: &Path) -> Value {
    let save = dir.display().to_string();
    let out = taintsim(&["explore", &fixture(PANIC), "--json", "--save", &save]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    json(&out)
}

#[test]
fn run_should_exit_0_and_print_a_table_when_every_expectation_holds() {
    let out = taintsim(&["run", &fixture("good")]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}{}", stderr(&out));
    let header = text.lines().next().expect("a header line");
    for column in ["file", "expected", "observed", "schedules", "time"] {
        assert!(header.contains(column), "header {header:?} lacks {column}");
    }
    let row = |file: &str| {
        text.lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no row for {file} in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    let panic_row = row("updatework-panic.json");
    assert_eq!(panic_row[0], "ok");
    assert_eq!(&panic_row[2..4], ["panic", "panic"], "{text}");
    assert_eq!(panic_row.last(), Some(&"ms"), "{text}");
    let pass_row = row("updatework-pass-v3.json");
    assert_eq!(&pass_row[2..5], ["pass", "pass", "50"], "{text}");
}

#[test]
fn run_json_should_print_one_object_with_the_documented_keys() {
    let out = taintsim(&["run", &fixture(PANIC), &fixture(PASS), "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(v["ok"], Value::Bool(true));
    let scenarios = v["scenarios"].as_array().expect("scenarios array");
    assert_eq!(scenarios.len(), 2);
    for s in scenarios {
        for key in [
            "file",
            "name",
            "ok",
            "expected",
            "observed",
            "schedules",
            "failures",
            "first_failure",
        ] {
            assert!(s.get(key).is_some(), "missing {key} in {s}");
        }
    }
    let panic = &scenarios[0];
    assert_eq!(panic["name"], "updatework-panic");
    assert_eq!(panic["expected"], "panic");
    assert_eq!(panic["observed"], "panic");
    assert_eq!(panic["failures"], 1);
    assert!(panic["first_failure"]["seed"].is_u64(), "{panic}");
    assert!(
        panic["first_failure"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("UpdateWork")),
        "{panic}"
    );
    let pass = &scenarios[1];
    assert_eq!(pass["observed"], "pass");
    assert_eq!(pass["schedules"], 50);
    assert!(pass["first_failure"].is_null(), "{pass}");
}

#[test]
fn run_with_set_queue_v3_should_fail_the_panic_expectation() {
    let out = taintsim(&["run", &fixture(PANIC), "--set", "queue=v3"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}{}", stderr(&out));
    let row = text
        .lines()
        .find(|l| l.contains("updatework-panic.json"))
        .expect("a row");
    assert!(row.starts_with("FAIL"), "{row}");
    assert!(text.contains("no schedule failed"), "{text}");
    // The failure report ends with the command that replays it, --set included.
    let last = last_line(&text);
    assert!(last.starts_with("replay: taintsim replay "), "{last}");
    assert!(last.ends_with("--set queue=v3"), "{last}");
}

#[test]
fn run_failure_report_should_end_with_a_replay_command_that_reproduces_it() {
    // The pass twin on queue v2 panics: an unexpected failure.
    let out = taintsim(&["run", &fixture(PASS), "--set", "queue=v2"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("expected pass, observed panic"), "{text}");
    let last = last_line(&text);
    let command = last
        .strip_prefix("replay: taintsim ")
        .unwrap_or_else(|| panic!("last line is not a replay command: {last}"));
    assert!(command.contains("--seed "), "{command}");
    let args: Vec<&str> = command.split_whitespace().collect();
    let replayed = taintsim(&args);
    let replay_text = stdout(&replayed);
    // The schedule panics, and a pass was expected: exit 1.
    assert_eq!(code(&replayed), 1, "{replay_text}{}", stderr(&replayed));
    assert!(replay_text.contains("outcome: panic"), "{replay_text}");
    assert!(replay_text.contains("UpdateWork"), "{replay_text}");
}

#[test]
fn run_with_an_unknown_set_key_should_exit_2_listing_the_valid_keys() {
    let out = taintsim(&["run", &fixture(PANIC), "--set", "no-such-key=1"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    for key in [
        "queue",
        "pod-update-filter",
        "handle-pods",
        "retries",
        "toleration-effect",
    ] {
        assert!(err.contains(key), "{err}");
    }
    let out = taintsim(&["run", &fixture(PANIC), "--set", "queue=v9"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("v0, v1, v2, v3, v4, v5"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_should_report_a_load_error_with_file_line_column_and_still_run_the_others() {
    let out = taintsim(&["run", &fixture("")]);
    let text = stdout(&out);
    assert_eq!(code(&out), 2, "{text}");
    assert!(
        text.contains("bad/unknown-field.json:6:43: field `explore.seedz`"),
        "{text}"
    );
    for file in ["updatework-panic.json", "updatework-pass-v3.json"] {
        let row = text
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} did not run:\n{text}"));
        assert!(row.starts_with("ok"), "{row}");
    }
}

#[test]
fn run_junit_should_write_well_formed_xml_with_the_failure_and_its_replay_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("reports/junit.xml");
    let path_arg = path.display().to_string();
    let out = taintsim(&[
        "run",
        &fixture("good"),
        "--set",
        "queue=v3",
        "--junit",
        &path_arg,
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let xml = std::fs::read_to_string(&path).expect("the JUnit file was written");

    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut testcases, mut failures, mut depth) = (0, Vec::new(), 0i32);
    let mut in_failure = false;
    let mut failure_text = String::new();
    loop {
        use quick_xml::events::Event;
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                depth += 1;
                if e.name().as_ref() == "testcase" {
                    testcases += 1;
                }
                if e.name().as_ref() == "failure" {
                    in_failure = true;
                    let message = e
                        .try_get_attribute("message")
                        .expect("attributes parse")
                        .expect("a message attribute")
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("the message unescapes")
                        .into_owned();
                    failures.push(message);
                }
            }
            Ok(Event::Empty(e)) => {
                if e.name().as_ref() == "testcase" {
                    testcases += 1;
                }
            }
            Ok(Event::End(e)) => {
                depth -= 1;
                if e.name().as_ref() == "failure" {
                    in_failure = false;
                }
            }
            Ok(Event::Text(t)) if in_failure => failure_text.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if in_failure => {
                let name: &str = &r;
                failure_text.push_str(match name {
                    "quot" => "\"",
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "apos" => "'",
                    _ => "?",
                })
            }
            Ok(_) => {}
            Err(e) => panic!("malformed XML at {}: {e}\n{xml}", reader.error_position()),
        }
    }
    assert_eq!(depth, 0, "unbalanced elements:\n{xml}");
    assert_eq!(testcases, 2, "{xml}");
    assert_eq!(failures.len(), 1, "{xml}");
    assert!(failures[0].contains("expected panic"), "{}", failures[0]);
    assert!(
        failure_text.contains("replay: taintsim replay ")
            && failure_text.contains("--set queue=v3"),
        "{failure_text}"
    );
    assert!(failure_text.contains("\"UpdateWork\""), "{failure_text}");
}

#[test]
fn explore_json_should_find_the_panic_and_save_its_decision_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = explore_panic(dir.path());
    for key in [
        "strategy",
        "schedules",
        "failures",
        "first_failure",
        "elapsed_ms",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["strategy"], "random");
    assert_eq!(v["ok"], true);
    assert!(v["failures"].as_u64() >= Some(1), "{v}");
    let first = &v["first_failure"];
    let seed = first["seed"].as_u64().expect("a seed");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("UpdateWork")),
        "{v}"
    );
    let saved = PathBuf::from(first["decisions"].as_str().expect("a saved path"));
    assert_eq!(
        saved,
        dir.path()
            .join(format!("updatework-panic-seed{seed}.decisions.json"))
    );
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("the log exists"))
            .expect("the log is JSON");
    assert!(
        log["entries"].as_array().is_some_and(|e| !e.is_empty()),
        "{log}"
    );
}

#[test]
fn explore_should_save_into_target_taintsim_failures_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = taintsim_in(dir.path(), &["explore", &fixture(PANIC)]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}{}", stderr(&out));
    let saved: Vec<_> = std::fs::read_dir(dir.path().join("target/taintsim/failures"))
        .expect("the default directory was created")
        .collect();
    assert_eq!(saved.len(), 1);
    let last = last_line(&text);
    assert!(
        last.starts_with("replay: taintsim replay ")
            && last.contains("--decisions target/taintsim/failures/updatework-panic-seed"),
        "{last}"
    );
}

#[test]
fn replay_decisions_should_reproduce_the_panic_with_the_same_trace_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let explored = explore_panic(dir.path());
    let first = &explored["first_failure"];
    let saved = first["decisions"].as_str().expect("saved path");
    let replay = || {
        let out = taintsim(&["replay", &fixture(PANIC), "--decisions", saved, "--json"]);
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        json(&out)
    };
    let (a, b) = (replay(), replay());
    for v in [&a, &b] {
        for key in ["outcome", "message", "steps", "trace_hash"] {
            assert!(v.get(key).is_some(), "missing {key} in {v}");
        }
        assert_eq!(v["outcome"], "panic");
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("UpdateWork"))
        );
        let hash = v["trace_hash"].as_str().expect("hash string");
        assert!(
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{hash}"
        );
    }
    assert_eq!(a["trace_hash"], b["trace_hash"]);
    assert_eq!(a["steps"], b["steps"]);
    // ... and it is the very schedule explore found.
    assert_eq!(a["trace_hash"], first["trace_hash"]);
}

#[test]
fn replay_seed_should_print_the_text_trace_and_the_update_work_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = explore_panic(dir.path())["first_failure"]["seed"]
        .as_u64()
        .expect("seed")
        .to_string();
    let out = taintsim(&[
        "replay",
        &fixture(PANIC),
        "--seed",
        &seed,
        "--trace",
        "text",
    ]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}{}", stderr(&out));
    assert!(text.starts_with("#1 +0.000s "), "{text}");
    assert!(text.contains("queue.update-work.nil-dereference"), "{text}");
    assert!(text.contains("UpdateWork"), "{text}");
    assert!(text.contains("outcome: panic"), "{text}");
}

#[test]
fn replay_should_exit_1_when_the_outcome_is_not_the_expected_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = explore_panic(dir.path())["first_failure"]["seed"]
        .as_u64()
        .expect("seed")
        .to_string();
    // The pass twin, forced onto queue v2, panics on that schedule: not what it expects.
    let out = taintsim(&[
        "replay",
        &fixture(PASS),
        "--seed",
        &seed,
        "--set",
        "queue=v2",
        "--json",
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(v["outcome"], "panic");
    assert_eq!(v["ok"], false);
}

#[test]
fn trace_should_write_json_entries_to_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trace.json");
    let path_arg = path.display().to_string();
    let out = taintsim(&[
        "trace",
        &fixture(PASS),
        "--seed",
        "1",
        "--format",
        "json",
        "-o",
        &path_arg,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let entries: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("JSON");
    let entries = entries.as_array().expect("an array of entries");
    assert!(!entries.is_empty());
    assert_eq!(entries[0]["step"], 1);
    for key in ["time", "actor", "action", "touches", "marks"] {
        assert!(entries[0].get(key).is_some(), "missing {key}");
    }
}

/// A bundled scenario under the workspace's `scenarios/`.
fn bundled(name: &str) -> String {
    format!("{}/../../scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The contract for `explore --strategy exhaustive --json`.
fn assert_exhaustive_json(v: &Value) {
    assert_eq!(v["strategy"], "exhaustive", "{v}");
    for key in ["schedules", "failures", "pruned"] {
        assert!(v[key].is_u64(), "{key} is a count: {v}");
    }
    assert!(v["complete"].is_boolean(), "{v}");
    assert!(v.get("first_failure").is_some(), "{v}");
}

#[test]
fn exhaustive_explore_should_prove_updatework_fixed() {
    let out = taintsim(&[
        "explore",
        &bundled("updatework-fixed.json"),
        "--strategy",
        "exhaustive",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json(&out);
    assert_exhaustive_json(&v);
    assert_eq!(v["complete"], true, "{v}");
    assert_eq!(v["failures"], 0, "{v}");
    assert!(v["first_failure"].is_null(), "{v}");
    assert!(v["schedules"].as_u64() > Some(1), "{v}");
    assert!(
        v["pruned"].as_u64() > Some(0),
        "the reduction pruned something: {v}"
    );
}

#[test]
fn exhaustive_explore_should_find_the_updatework_panic_and_save_a_replayable_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = bundled("updatework-panic.json");
    let out = taintsim_in(
        dir.path(),
        &["explore", &file, "--strategy", "exhaustive", "--json"],
    );
    assert_eq!(
        code(&out),
        0,
        "the expected panic was found: {}",
        stderr(&out)
    );
    let v = json(&out);
    assert_exhaustive_json(&v);
    assert_eq!(v["complete"], true, "{v}");
    assert!(v["failures"].as_u64() > Some(0), "{v}");
    let first = &v["first_failure"];
    assert_eq!(first["outcome"], "panic", "{v}");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("UpdateWork")),
        "{v}"
    );
    let log = first["decisions"].as_str().expect("the log was saved");
    assert!(dir.path().join(log).is_file(), "{log}");
    let replay = first["replay"].as_str().expect("a replay command");
    assert!(replay.contains("--decisions"), "{replay}");

    let again = taintsim_in(dir.path(), &["replay", &file, "--decisions", log, "--json"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let r = json(&again);
    assert_eq!(r["outcome"], "panic", "{r}");
    assert_eq!(r["trace_hash"], first["trace_hash"], "replays exactly");
}

#[test]
fn exhaustive_explore_should_say_when_max_schedules_cut_the_search() {
    let args = |extra: &[&'static str]| {
        let mut a = vec!["explore".to_owned(), bundled("updatework-fixed.json")];
        a.extend(["--strategy", "exhaustive", "--max-schedules", "5"].map(String::from));
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a
    };
    let json_args = args(&["--json"]);
    let out = taintsim(&json_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 0, "no failure among them: {}", stderr(&out));
    let v = json(&out);
    assert_exhaustive_json(&v);
    assert_eq!(
        (v["complete"].clone(), v["schedules"].clone()),
        (false.into(), 5.into())
    );

    let text_args = args(&[]);
    let out = taintsim(&text_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("exhaustive (dpor): 5 schedules"), "{text}");
    assert!(text.contains("NOT complete"), "{text}");
    assert!(
        stderr(&out).is_empty(),
        "no progress bar in CI: {}",
        stderr(&out)
    );
}

#[test]
fn run_should_honour_an_exhaustive_explore_strategy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(bundled("updatework-panic.json")).expect("readable"),
    )
    .expect("json");
    scenario["explore"] = serde_json::json!({"strategy": "exhaustive"});
    let file = dir.path().join("exhaustive-panic.json");
    std::fs::write(&file, scenario.to_string()).expect("written");
    let out = taintsim_in(
        dir.path(),
        &["run", file.to_str().expect("utf-8"), "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json(&out);
    let entry = &v["scenarios"][0];
    assert_eq!(entry["ok"], true, "{v}");
    assert_eq!(entry["observed"], "panic", "{v}");
    assert!(entry["schedules"].as_u64() > Some(1), "{v}");
    let replay = entry["replay"].as_str().expect("a replay command");
    assert!(replay.contains("--decisions"), "{replay}");
}

#[test]
fn exhaustive_options_should_be_refused_elsewhere_with_a_clear_error() {
    let out = taintsim(&["explore", &fixture(PANIC), "--max-schedules", "5"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--strategy exhaustive only"),
        "{}",
        stderr(&out)
    );
    let out = taintsim(&[
        "replay",
        &fixture(PANIC),
        "--seed",
        "1",
        "--strategy",
        "exhaustive",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--decisions"), "{}", stderr(&out));
}

#[test]
fn trace_should_draw_svg_and_html_and_replay_should_point_there() {
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["svg", "html"] {
        let path = dir.path().join(format!("run.{format}"));
        let out = taintsim(&[
            "trace",
            &fixture(PANIC),
            "--seed",
            "3",
            "--format",
            format,
            "-o",
            path.to_str().expect("utf-8 path"),
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = std::fs::read_to_string(&path).expect("written");
        assert!(text.contains("<svg"), "{format}");
        assert!(
            text.contains("UpdateWork"),
            "{format}: the failure is shown"
        );
        assert!(text.contains("pod-handler"), "{format}: a lane per actor");
    }
    let out = taintsim(&["replay", &fixture(PANIC), "--seed", "3", "--trace", "svg"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("taintsim trace"), "{}", stderr(&out));
}

#[test]
fn replay_without_a_schedule_should_be_a_usage_error() {
    let out = taintsim(&["replay", &fixture(PANIC)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--seed N or --decisions PATH"));
}

#[test]
fn keys_should_list_every_behavior_key_with_values_and_default() {
    let out = taintsim(&["keys"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0);
    assert!(
        text.contains(
            "controller\n  values:  v1.33, latest, node-taint-eviction\n  default: v1.33\n"
        ),
        "{text}"
    );
    assert!(text.contains("controller v1.33:\n"), "{text}");
    assert!(
        text.contains(
            "  queue\n    values:  v0, v1, v2, v3, v4, v5\n    default: v3\n    breaks:  no-panic\n"
        ),
        "{text}"
    );
    for key in [
        "pod-update-filter",
        "handle-pods",
        "retries",
        "toleration-effect",
    ] {
        assert!(
            text.lines().any(|l| l.trim() == key),
            "{key} missing:\n{text}"
        );
    }
    assert!(
        text.contains(
            "controller node-taint-eviction:\n\n  queue\n    values:  v0, v1, v2, v3, v4, v5\n    default: v4\n    breaks:  eventual-eviction\n"
        ),
        "{text}"
    );
    assert!(text.contains("controller latest:\n"), "{text}");
    assert!(
        text.contains("  workers\n    values:  a whole number in 1..=100\n    default: 10\n"),
        "{text}"
    );
    for key in [
        "shutdown",
        "forever-tolerated",
        "node-recheck",
        "latency-metric",
        "extended-resources",
        "rule-status-update",
        "workload-resource-claims",
    ] {
        assert!(
            text.lines().any(|l| l.trim() == key),
            "{key} missing:\n{text}"
        );
    }
}

#[test]
fn help_should_explain_every_subcommand_with_an_example() {
    for sub in ["run", "explore", "replay", "trace", "keys"] {
        let out = taintsim(&[sub, "--help"]);
        let text = stdout(&out);
        assert_eq!(code(&out), 0, "{sub}");
        assert!(text.contains("Examples:"), "{sub}: {text}");
        assert!(text.contains(&format!("taintsim {sub}")), "{sub}: {text}");
    }
}

#[test]
fn run_should_replay_a_recorded_decision_log_instead_of_exploring() {
    let dir = tempfile::tempdir().expect("tempdir");
    let explored = explore_panic(dir.path());
    let saved = explored["first_failure"]["decisions"]
        .as_str()
        .expect("saved path");
    // A shrunk-failure style scenario: the fixture plus its recorded decisions.
    let mut scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(PANIC)).expect("fixture"))
            .expect("fixture JSON");
    scenario["decisions"] =
        serde_json::from_str(&std::fs::read_to_string(saved).expect("log")).expect("log JSON");
    let file = dir.path().join("recorded.json");
    std::fs::write(&file, scenario.to_string()).expect("write");
    let file_arg = file.display().to_string();

    let out = taintsim(&["run", &file_arg, "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let v = json(&out);
    let s = &v["scenarios"][0];
    assert_eq!(s["schedules"], 1, "{s}");
    assert_eq!(s["observed"], "panic", "{s}");
    assert!(s["first_failure"]["seed"].is_null(), "{s}");

    // `replay FILE` with neither --seed nor --decisions follows the recorded log.
    let out = taintsim(&["replay", &file_arg, "--json"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let v = json(&out);
    assert_eq!(v["outcome"], "panic");
    assert_eq!(v["trace_hash"], explored["first_failure"]["trace_hash"]);

    // On the fixed queue the recorded schedule no longer fits: the expectation fails (exit 1)
    // and the report ends with the command that replays it.
    let out = taintsim(&["run", &file_arg, "--set", "queue=v3"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    let last = last_line(&text);
    assert_eq!(
        last,
        format!("replay: taintsim replay {file_arg} --set queue=v3"),
        "{text}"
    );
}

// --- stress and step logs (issue 7) ---

#[test]
fn stress_json_of_the_fixed_queue_should_count_its_runs_and_find_no_failure() {
    let out = taintsim(&[
        "stress",
        &fixture(PASS),
        "--runs",
        "3",
        "--threads",
        "2",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let v = json(&out);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["runs"], 3, "{v}");
    assert_eq!(v["failures"], 0, "{v}");
    assert!(v["first_failure"].is_null(), "{v}");
    assert_eq!(v["threads"], 2, "{v}");
}

/// The latest controller runs on the tokio back end too: its bundled TestEviction/initial.
#[test]
fn stress_of_a_latest_scenario_should_pass_every_run() {
    let file = format!(
        "{}/../../scenarios/latest/eviction-initial.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = taintsim(&["stress", &file, "--runs", "3", "--threads", "2", "--json"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let v = json(&out);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["runs"], 3, "{v}");
    assert_eq!(v["failures"], 0, "{v}");
}

#[test]
fn stress_with_both_runs_and_duration_should_be_a_usage_error() {
    let out = taintsim(&["stress", &fixture(PASS), "--runs", "3", "--duration", "1s"]);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn rust_log_should_print_each_step_with_its_virtual_time_and_actor() {
    let out = Command::new(env!("CARGO_BIN_EXE_taintsim"))
        .args(["replay", &fixture(PASS), "--seed", "0", "--json"])
        .env("CI", "1")
        .env(
            "RUST_LOG",
            "taintsim_sim=debug,taintsim_controller_device=debug",
        )
        .output()
        .expect("the taintsim binary runs");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let steps = json(&out)["steps"].as_u64().expect("steps");
    let logs = stderr(&out);
    let step_lines: Vec<&str> = logs.lines().filter(|l| l.contains("step{n=")).collect();
    // One line per step, and the controller's own lines inside a step carry it too.
    let own = step_lines
        .iter()
        .filter(|l| l.contains("taintsim_sim::step"))
        .count();
    assert_eq!(own as u64, steps, "{logs}");
    for n in 1..=steps {
        let line = step_lines
            .iter()
            .find(|l| l.contains(&format!("step{{n={n} ")))
            .unwrap_or_else(|| panic!("no log line for step {n}:\n{logs}"));
        assert!(line.contains(" t=2025-"), "virtual time: {line}");
        assert!(line.contains(" actor="), "actor: {line}");
    }
    assert!(
        step_lines
            .iter()
            .any(|l| l.contains("taintsim_controller_device")),
        "{logs}"
    );
}

#[test]
fn explore_should_run_every_seed_for_an_every_schedule_expectation() {
    // The 1.33 controller deletes this pod early in every order: the file claims it for every
    // schedule, so `explore` must not stop at the first failing seed, even when asked to.
    let text = std::fs::read_to_string(bundled(
        "regressions/toleration-effect-no-execute-only.json",
    ))
    .expect("readable");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let object = value.as_object_mut().expect("an object");
    object.remove("decisions");
    object.insert(
        "expect".into(),
        serde_json::json!({"outcome": "violation", "oracle": "no-early-eviction", "on": "every-schedule"}),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("every.json");
    std::fs::write(&file, value.to_string()).expect("writes");
    let path = file.to_str().expect("UTF-8 path");
    let out = taintsim_in(
        dir.path(),
        &[
            "explore",
            path,
            "--seeds",
            "0..20",
            "--stop-on-failure",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["schedules"], 20, "{json}");
    assert_eq!(json["failures"], 20, "{json}");
    assert!(
        stderr(&out).contains("--stop-on-failure ignored"),
        "{}",
        stderr(&out)
    );
}
