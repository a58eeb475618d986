//! The scaling-out recipes and documents stay in step with the code: the Kubernetes manifest
//! (deploy/kubernetes/explore-job.yaml) deserialises into k8s-openapi's `Job` as an Indexed
//! Job whose completions, parallelism and `--shard /N` agree and whose arguments are a valid
//! `taintsim` command line; the GitHub Actions workflow (deploy/github-actions/explore-matrix.yml)
//! is valid YAML with one job per shard and a merge job after them, the matrix the README
//! shows; the Containerfile builds in two stages; and docs/shard.schema.json is the schema of
//! the shard files (regenerate it with `UPDATE_SCHEMA=1 cargo test -p taintsim --test
//! scaling_out`).

use std::path::{Path, PathBuf};

use clap::Parser as _;
use k8s_openapi::api::batch::v1::Job;
use serde_json::Value;
use taintsim_check::shard_file::ShardFile;
use taintsim_cli::cli::{Cli, Command};

fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// `--shard I/N` (or `--shard=I/N`) in `args`: its N.
fn shard_count(args: &[String]) -> u64 {
    let value = args
        .iter()
        .position(|a| a == "--shard")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--shard=").map(str::to_owned))
        })
        .unwrap_or_else(|| panic!("no --shard in {args:?}"));
    let (_, n) = value.split_once('/').expect("--shard I/N");
    n.parse().unwrap_or_else(|_| panic!("--shard {value}"))
}

#[test]
fn the_kubernetes_manifest_should_be_an_indexed_job_whose_shards_agree() {
    let job: Job = serde_saphyr::from_str(&read("deploy/kubernetes/explore-job.yaml"))
        .expect("the manifest is a batch/v1 Job");
    let spec = job.spec.expect("the Job has a spec");
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    let completions = spec.completions.expect("completions is set");
    assert_eq!(spec.parallelism, Some(completions));
    let pod = spec.template.spec.expect("the template has a pod spec");
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    let container = &pod.containers[0];
    let args = container.args.clone().expect("the container has args");
    assert_eq!(
        shard_count(&args),
        u64::try_from(completions).expect("positive")
    );
    // The pod's command line is one taintsim accepts, and the scenario it names exists.
    let line = std::iter::once("taintsim".to_owned()).chain(args.iter().cloned());
    let cli = Cli::try_parse_from(line).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let Command::Explore(explore) = cli.command else {
        panic!("the pods run `taintsim explore`: {args:?}");
    };
    assert!(
        path(&explore.file.display().to_string()).is_file(),
        "{explore:?}"
    );
    assert!(
        explore.json,
        "the shard files are collected from the pods' logs"
    );
    assert_eq!(
        explore.shard.as_deref().map(|s| s.starts_with('/')),
        Some(true)
    );
}

#[test]
fn the_workflow_should_run_one_job_per_shard_and_merge_them() {
    let workflow: Value = serde_saphyr::from_str(&read("deploy/github-actions/explore-matrix.yml"))
        .expect("the workflow is valid YAML");
    let jobs = &workflow["jobs"];
    let shards: Vec<u64> = jobs["explore"]["strategy"]["matrix"]["shard"]
        .as_array()
        .expect("a shard matrix")
        .iter()
        .map(|v| v.as_u64().expect("shard indices are numbers"))
        .collect();
    let n = shards.len() as u64;
    assert_eq!(
        shards,
        (0..n).collect::<Vec<_>>(),
        "the matrix lists 0..N-1"
    );
    let runs = |job: &str| -> Vec<String> {
        jobs[job]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter_map(|s| s["run"].as_str().map(str::to_owned))
            .collect()
    };
    let explore = runs("explore")
        .into_iter()
        .find(|r| r.contains("taintsim explore"))
        .expect("a step runs taintsim explore");
    assert!(
        explore.contains(&format!("--shard ${{{{ matrix.shard }}}}/{n}")),
        "{explore}"
    );
    assert!(
        explore.contains("--out shard-${{ matrix.shard }}.json"),
        "{explore}"
    );
    assert_eq!(jobs["merge"]["needs"], "explore");
    assert!(
        runs("merge")
            .iter()
            .any(|r| r.contains("taintsim merge shards/*.json"))
    );
    // The README shows this matrix.
    let readme = read("README.md");
    let section = readme
        .split("## Scaling out")
        .nth(1)
        .expect("the README has a Scaling out section");
    let listed = shards
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    assert!(
        section.contains(&format!("shard: [{listed}]")),
        "README matrix"
    );
    assert!(
        section.contains(&format!("--shard ${{{{ matrix.shard }}}}/{n}")),
        "README shard"
    );
    for recipe in [
        "deploy/Containerfile",
        "deploy/kubernetes/explore-job.yaml",
        "deploy/github-actions/explore-matrix.yml",
        "taintsim merge",
    ] {
        assert!(
            section.contains(recipe),
            "the README's Scaling out names {recipe}"
        );
    }
}

#[test]
fn the_containerfile_should_build_in_two_stages() {
    let text = read("deploy/Containerfile");
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].ends_with(" AS build"), "{froms:?}");
    assert!(text.contains("cargo build --release --locked -p taintsim-cli"));
    assert!(text.contains("COPY --from=build /src/target/release/taintsim"));
    assert!(text.contains("ENTRYPOINT [\"taintsim\"]"));
}

#[test]
fn the_committed_shard_schema_should_match_the_shard_file_types() {
    let rel = "docs/shard.schema.json";
    let want = format!(
        "{}\n",
        serde_json::to_string_pretty(&ShardFile::schema()).expect("serialises")
    );
    if std::env::var_os("UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::write(path(rel), &want).expect("writes the schema");
        return;
    }
    assert!(
        read(rel) == want,
        "{rel} is out of date; regenerate it with UPDATE_SCHEMA=1 cargo test -p taintsim --test scaling_out"
    );
    let schema: Value = serde_json::from_str(&want).expect("JSON");
    for key in [
        "format",
        "taintsim_version",
        "scenario",
        "search",
        "shard",
        "result",
    ] {
        assert!(schema["properties"][key].is_object(), "{key}");
    }
}
