//! The result file of one shard (`taintsim explore --shard I/N --out FILE`), which
//! `taintsim merge` reads. docs/sharding.md describes the format and
//! docs/shard.schema.json is its JSON Schema (generated from these types).
//!
//! A file names what was searched so completely that two files can only be merged if they are
//! parts of the same search: the taintsim version, the scenario file's SHA-256, the scenario's
//! name and path, every setting that changes the result (strategy, seeds, depth, layout,
//! stop-on-failure, step bound, exhaustive bounds, reduction, split depth, `--set`
//! overrides), and the shard's index and count.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use taintsim_sim::DecisionLog;

use crate::shard::{Layout, Shard};
use crate::subtrees::{SubtreeCount, SubtreePath};

/// The `format` of a shard result file.
pub const SHARD_FORMAT: &str = "taintsim-shard/1";

/// The taintsim version that writes and merges shard files.
pub const TAINTSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One shard's result file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// Always `taintsim-shard/1`.
    pub format: String,
    /// The taintsim version that wrote it; `taintsim merge` takes only its own.
    pub taintsim_version: String,
    /// The scenario searched.
    pub scenario: ScenarioId,
    /// Every setting that changes the result; equal in every shard of one search.
    pub search: SearchSpec,
    /// Which part of the search this is.
    pub shard: Shard,
    /// Wall-clock milliseconds this shard took (not compared; the merged result reports the
    /// largest).
    pub elapsed_ms: u64,
    /// What the shard's part of the search found.
    pub result: ShardResult,
}

/// The scenario of a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioId {
    /// The scenario file's path as given to `taintsim explore` (the merged report and its
    /// replay command name it so; `taintsim merge` reads it there).
    pub file: String,
    /// The scenario's `name`.
    pub name: String,
    /// `sha256:` and the SHA-256 of the file's bytes, in hex.
    pub content_hash: String,
}

/// The settings of a search that change its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchSpec {
    /// `random`, `pct` or `exhaustive`.
    pub strategy: String,
    /// Random and PCT: the whole seed range `A..B` (B excluded), not the shard's part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<String>,
    /// PCT: the depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
    /// Random and PCT: how the seeds are dealt to the shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
    /// Random and PCT: the search stops at the first failing seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_on_failure: Option<bool>,
    /// The step bound of each run.
    pub max_steps: u64,
    /// Exhaustive: the bound on executions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_schedules: Option<u64>,
    /// Exhaustive: `dpor`, `sleep-sets` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduction: Option<String>,
    /// Exhaustive: the split depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_depth: Option<usize>,
    /// The `--set KEY=VALUE` overrides, in order.
    #[serde(default)]
    pub sets: Vec<(String, String)>,
}

/// A shard's part of the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ShardResult {
    /// Random and PCT: the shard's seeds.
    Seeds(SeedsResult),
    /// Exhaustive: the shard's subtrees.
    Subtrees(SubtreesResult),
}

/// What a shard's seeds gave (up to its own first failure, with stop-on-failure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedsResult {
    /// Schedules run.
    pub schedules: u64,
    /// Schedules that did not pass.
    pub failures: u64,
    /// Schedules per outcome (`pass`, `panic`, `violation:<oracle>`, ...).
    pub outcomes: std::collections::BTreeMap<String, u64>,
    /// Some failure was the one the scenario expects.
    pub found: bool,
    /// Some failure was not the one the scenario expects.
    pub unexpected: bool,
    /// The failure at the shard's lowest failing seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<SeedFailure>,
}

/// A failing seed; `taintsim merge` runs it again and checks its trace hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedFailure {
    /// The seed.
    pub seed: u64,
    /// Its outcome, short form.
    pub outcome: String,
    /// Its trace hash, 16 hex digits.
    pub trace_hash: String,
}

/// What a shard's subtrees gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubtreesResult {
    /// How many subtrees the whole search has (every shard finds them all by probing).
    pub total: u64,
    /// `sha256:` and the SHA-256 of the JSON list of every subtree's path: equal in every
    /// shard of one search.
    pub paths_hash: String,
    /// The count of each of the shard's subtrees.
    pub subtrees: Vec<SubtreeCount>,
    /// The first failure of the shard's first subtree (depth-first) that has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<SubtreeFailure>,
}

/// A failing schedule of an exhaustive search: its decision log replays it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubtreeFailure {
    /// The path of its subtree.
    #[schemars(with = "Vec<ChoiceSchema>")]
    pub path: SubtreePath,
    /// Its outcome, short form.
    pub outcome: String,
    /// Its trace hash, 16 hex digits.
    pub trace_hash: String,
    /// The run's decision log (schedule and data decisions), as `taintsim explore` saves it.
    #[schemars(with = "serde_json::Value")]
    pub decisions: DecisionLog,
}

/// The schema of one step of a subtree's path (`taintsim_sim::strategy::Choice`): the entry
/// taken at a split branch point.
#[derive(JsonSchema)]
#[schemars(rename = "Choice")]
#[allow(dead_code)]
pub(crate) struct ChoiceSchema {
    /// Its index in the enabled set; the indices order the subtrees depth-first.
    index: usize,
    /// Its label, `actor: action`.
    label: String,
    /// Its rank among equal labels of the enabled set.
    rank: usize,
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The content hash of the scenario file at `path`.
pub fn content_hash(path: &Path) -> std::io::Result<String> {
    Ok(sha256(&std::fs::read(path)?))
}

/// The hash of a list of subtree paths.
pub(crate) fn paths_hash(paths: &[SubtreePath]) -> String {
    sha256(serde_json::to_string(paths).unwrap_or_default().as_bytes())
}

impl ShardFile {
    /// The file as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Parses a shard file; the error names the line and column.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The JSON Schema of shard files.
    pub fn schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(ShardFile)).unwrap_or_default()
    }
}
