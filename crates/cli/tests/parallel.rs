//! `--jobs`, `--shard` and `taintsim merge` end to end, on the binary cargo builds for the
//! tests: `explore`, `run` and `shrink` print the same JSON (apart from `elapsed_ms`) with 1, 2
//! and 4 jobs; an Indexed Job simulated by local processes, each with `JOB_COMPLETION_INDEX`
//! set, merges into what one process prints; a missing, duplicate or mismatched shard is an
//! error that names it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn bundled(rel: &str) -> String {
    root().join("scenarios").join(rel).display().to_string()
}

/// The binary in `dir`, as CI would run it: no terminal, `CI` set, no `RUST_LOG`.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_taintsim"));
    command
        .args(args)
        .current_dir(dir)
        .env("CI", "1")
        .env_remove("RUST_LOG")
        .env_remove("JOB_COMPLETION_INDEX");
    command
}

fn taintsim(dir: &Path, args: &[&str]) -> Output {
    command(dir, args)
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

/// The JSON on stdout without its wall-clock times.
fn json(out: &Output) -> Value {
    let mut value: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON value ({e}):\n{}", text(out)));
    strip_elapsed(&mut value);
    value
}

fn strip_elapsed(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("elapsed_ms");
            map.values_mut().for_each(strip_elapsed);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_elapsed),
        _ => {}
    }
}

/// `args` with `--jobs N` for N = 1, 2, 4: the same JSON and exit code each time.
fn same_for_every_jobs(dir: &Path, args: &[&str]) -> Value {
    let outs: Vec<(i32, Value)> = ["1", "2", "4"]
        .iter()
        .map(|jobs| {
            let mut args = args.to_vec();
            args.extend(["--jobs", jobs]);
            let out = taintsim(dir, &args);
            (code(&out), json(&out))
        })
        .collect();
    for (jobs, got) in ["2", "4"].iter().zip(&outs[1..]) {
        assert_eq!(got, &outs[0], "{args:?} --jobs {jobs} against --jobs 1");
    }
    outs[0].1.clone()
}

#[test]
fn explore_should_print_the_same_json_whatever_the_jobs() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let save = dir.path().join("failures").display().to_string();
    let panic = fixture("good/updatework-panic.json");
    let pass = fixture("good/updatework-pass-v3.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["explore", &panic, "--seeds", "0..60"],
        vec![
            "explore",
            &panic,
            "--seeds",
            "0..60",
            "--no-stop-on-failure",
        ],
        vec!["explore", &panic, "--strategy", "pct", "--depth", "3"],
        vec!["explore", &pass, "--seeds", "0..40"],
        vec![
            "explore",
            &panic,
            "--strategy",
            "exhaustive",
            "--split-depth",
            "3",
            "--max-schedules",
            "150",
        ],
        vec![
            "explore",
            &pass,
            "--strategy",
            "exhaustive",
            "--split-depth",
            "4",
            "--max-schedules",
            "50",
        ],
    ];
    for case in cases {
        let mut args = case.clone();
        args.extend(["--json", "--save", &save]);
        let got = same_for_every_jobs(dir.path(), &args);
        assert!(got["schedules"].as_u64().is_some_and(|n| n > 0), "{got}");
    }
}

#[test]
fn run_and_shrink_should_print_the_same_json_whatever_the_jobs() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = same_for_every_jobs(dir.path(), &["run", &fixture("good"), "--json"]);
    assert_eq!(run["ok"], true, "{run}");
    let out = dir.path().join("shrunk.json").display().to_string();
    let args = [
        "shrink",
        &bundled("updatework-panic.json"),
        "--seed",
        "3",
        "-o",
        &out,
        "--name",
        "shrunk",
        "--max-runs",
        "300",
        "--json",
    ];
    let shrunk = same_for_every_jobs(dir.path(), &args);
    assert_eq!(shrunk["replays"], true, "{shrunk}");
}

/// Starts the N shards of `search` as an Indexed Job would, one process each with
/// `JOB_COMPLETION_INDEX` set, concurrently; their shard files land in `dir`.
fn indexed_job(dir: &Path, search: &[&str], n: u64) -> Vec<PathBuf> {
    let shards = format!("/{n}");
    let children: Vec<_> = (0..n)
        .map(|i| {
            let out = dir.join(format!("shard-{i}.json")).display().to_string();
            let mut args = search.to_vec();
            args.extend(["--shard", &shards, "--out", &out, "--json"]);
            command(dir, &args)
                .env("JOB_COMPLETION_INDEX", i.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("a shard starts")
        })
        .collect();
    children
        .into_iter()
        .enumerate()
        .map(|(i, child)| {
            let out = child.wait_with_output().expect("a shard ends");
            assert_eq!(code(&out), 0, "shard {i}: {}", text(&out));
            let file = dir.join(format!("shard-{i}.json"));
            let written = std::fs::read(&file).expect("the shard file is written");
            assert_eq!(out.stdout, written, "--json prints the shard file");
            file
        })
        .collect()
}

fn merge(dir: &Path, files: &[PathBuf], extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    taintsim(dir, &args)
}

#[test]
fn an_indexed_job_of_local_processes_should_merge_into_one_process_result() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let save = dir.path().join("failures").display().to_string();
    let never = bundled("never-evicted.json");
    let searches: Vec<Vec<&str>> = vec![
        vec!["explore", &never, "--seeds", "0..90"],
        vec![
            "explore",
            &never,
            "--seeds",
            "0..90",
            "--no-stop-on-failure",
        ],
        vec![
            "explore",
            &never,
            "--strategy",
            "exhaustive",
            "--split-depth",
            "6",
        ],
    ];
    for search in searches {
        let mut single = search.clone();
        single.extend(["--json", "--save", &save]);
        let want = taintsim(dir.path(), &single);
        for n in [1, 3] {
            let files = indexed_job(dir.path(), &search, n);
            let got = merge(dir.path(), &files, &["--json", "--save", &save]);
            assert_eq!(
                code(&got),
                code(&want),
                "{search:?}, {n} shards: {}",
                text(&got)
            );
            assert_eq!(json(&got), json(&want), "{search:?}, {n} shards");
        }
    }

    // The last Job's shards (3 of them): one missing, one twice, one from another search.
    let files: Vec<PathBuf> = (0..3)
        .map(|i| dir.path().join(format!("shard-{i}.json")))
        .collect();
    let missing = merge(dir.path(), &[files[0].clone(), files[2].clone()], &[]);
    assert_eq!(code(&missing), 2, "{}", text(&missing));
    assert!(text(&missing).contains("shard 1/3"), "{}", text(&missing));
    let twice = merge(dir.path(), &[files[0].clone(), files[0].clone()], &[]);
    assert_eq!(code(&twice), 2);
    assert!(
        text(&twice).contains("shard 0/3 is given twice"),
        "{}",
        text(&twice)
    );

    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("a folder");
    let seeds = indexed_job(&other, &["explore", &never, "--seeds", "0..30"], 3);
    let mixed = merge(
        dir.path(),
        &[files[0].clone(), files[1].clone(), seeds[2].clone()],
        &[],
    );
    assert_eq!(code(&mixed), 2);
    let message = text(&mixed);
    assert!(
        message.contains(&seeds[2].display().to_string()) && message.contains("search settings"),
        "{message}"
    );

    let mut version: Value =
        serde_json::from_slice(&std::fs::read(&files[1]).expect("reads")).expect("JSON");
    version["taintsim_version"] = "0.0.0-other".into();
    let old = dir.path().join("old.json");
    std::fs::write(&old, version.to_string()).expect("writes");
    let stale = merge(
        dir.path(),
        &[files[0].clone(), old.clone(), files[2].clone()],
        &[],
    );
    assert_eq!(code(&stale), 2);
    assert!(
        text(&stale).contains("old.json: written by taintsim 0.0.0-other"),
        "{}",
        text(&stale)
    );
}

#[test]
fn merge_should_refuse_shards_of_a_scenario_file_that_changed_since() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("scenario.json");
    std::fs::copy(bundled("updatework-fixed.json"), &file).expect("copies");
    let path = file.display().to_string();
    let files = indexed_job(dir.path(), &["explore", &path, "--seeds", "0..6"], 2);
    let text_before = std::fs::read_to_string(&file).expect("reads");
    std::fs::write(&file, text_before.replace("\"pass\"", "\"pass\" ")).expect("writes");
    let out = merge(dir.path(), &files, &[]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out).contains("are not the ones the shards searched"),
        "{}",
        text(&out)
    );
}
