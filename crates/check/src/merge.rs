//! `taintsim merge`: the shard result files of one search put back together into the result
//! one process would have given (see docs/sharding.md).
//!
//! Nothing is merged silently. Every file must be a shard file of this taintsim version, of
//! the same scenario file (same path and SHA-256, which must also be the file's current
//! contents), with the same search settings and shard count; each shard index must appear
//! exactly once, and, for an exhaustive search, the shards' subtrees must be exactly the
//! subtrees of the search. The first failure is run again from its seed or decision log and
//! must give the trace hash its shard recorded; the run also gives the report its message.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use taintsim_plugin::Registry;
use taintsim_scenario::format::{Scenario, SeedRange, StrategyName};

use crate::shard::{Layout, SeedList, Shard};
use crate::shard_file::{
    SHARD_FORMAT, SeedFailure, ShardFile, ShardResult, SubtreeFailure, TAINTSIM_VERSION,
    content_hash,
};
use crate::sharded::hex;
use crate::subtrees::summarise;
use crate::{
    CheckError, ExhaustiveOptions, ExhaustiveSummary, ExploreOptions, ExplorePart, ExploreSummary,
    Failure, Overrides, Reduction, RunError, Schedule, run_schedule,
};

/// Shard files merged.
#[derive(Debug)]
pub struct Merged {
    /// The scenario file, as the shards name it.
    pub file: PathBuf,
    /// The scenario, loaded with the shards' `--set` overrides.
    pub scenario: Scenario,
    /// The overrides.
    pub sets: Vec<(String, String)>,
    /// How many shards.
    pub shards: u64,
    /// The longest shard's wall-clock milliseconds.
    pub elapsed_ms: u64,
    /// The merged result.
    pub search: MergedSearch,
}

/// The result one process would have given.
#[derive(Debug)]
pub enum MergedSearch {
    /// A random or PCT search.
    Explore {
        /// Its settings.
        options: ExploreOptions,
        /// Its summary.
        summary: ExploreSummary,
    },
    /// An exhaustive search.
    Exhaustive {
        /// Its settings.
        options: ExhaustiveOptions,
        /// Its summary.
        summary: ExhaustiveSummary,
    },
}

/// Why shard files cannot be merged; each names the file or shard at fault.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No files were given.
    #[error("no shard files given")]
    NoFiles,
    /// A file could not be read.
    #[error("{}: cannot read: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// A file is not a shard file.
    #[error("{}:{line}:{column}: not a taintsim shard file: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where.
        line: usize,
        /// Where.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A file was written by another format or taintsim version.
    #[error("{}: written by {found}; this is taintsim {TAINTSIM_VERSION} ({SHARD_FORMAT}): run every shard and the merge with one version", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// Its format and version.
        found: String,
    },
    /// Two files are not shards of one search.
    #[error("{} (shard {shard}) is not a shard of the same search as {}: {what} differs: {difference}", path.display(), first.display())]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// Its shard.
        shard: Shard,
        /// The file it was compared with.
        first: PathBuf,
        /// What differs.
        what: &'static str,
        /// Its value against the first file's.
        difference: String,
    },
    /// One shard index is given twice.
    #[error("shard {shard} is given twice: {} and {}", first.display(), second.display())]
    Duplicate {
        /// The shard.
        shard: Shard,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// Shards are missing.
    #[error("{} of {count} shards missing: {}", missing.len(), missing.iter().map(|i| format!("shard {i}/{count}")).collect::<Vec<_>>().join(", "))]
    Missing {
        /// Their indices.
        missing: Vec<u64>,
        /// The shard count.
        count: u64,
    },
    /// A shard did not run all of its part.
    #[error("{} (shard {shard}) is incomplete: it ran {ran} schedules of the {expected} its part holds", path.display())]
    Incomplete {
        /// The file.
        path: PathBuf,
        /// Its shard.
        shard: Shard,
        /// Schedules it ran.
        ran: u64,
        /// Schedules its part holds.
        expected: u64,
    },
    /// The shards' subtrees are not the subtrees of the search.
    #[error("the shards do not cover the search's {total} subtrees exactly: {problem}")]
    Coverage {
        /// How many subtrees the search has.
        total: u64,
        /// What is wrong, naming a shard.
        problem: String,
    },
    /// The scenario file changed since the shards ran.
    #[error("{}: the scenario file's contents ({found}) are not the ones the shards searched ({recorded})", file.display())]
    ScenarioChanged {
        /// The scenario file.
        file: PathBuf,
        /// The shards' hash.
        recorded: String,
        /// The file's hash now.
        found: String,
    },
    /// The scenario could not be loaded.
    #[error(transparent)]
    Check(#[from] CheckError),
    /// Running the first failure again gave another run.
    #[error("{} (shard {shard}): its first failure does not replay: it recorded {recorded}, the run gives {found}", path.display())]
    Replay {
        /// The file.
        path: PathBuf,
        /// Its shard.
        shard: Shard,
        /// What the shard recorded.
        recorded: String,
        /// What the run gave.
        found: String,
    },
    /// A setting in the files could not be read.
    #[error("{}: {message}", path.display())]
    Setting {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads and merges the shard files `paths`, loading their scenario with `registry`.
pub fn merge(registry: &Registry, paths: &[PathBuf]) -> Result<Merged, MergeError> {
    let mut files = Vec::new();
    for path in paths {
        files.push((path.clone(), read(path)?));
    }
    let Some((first_path, first)) = files.first().cloned() else {
        return Err(MergeError::NoFiles);
    };
    let mut by_index: BTreeMap<u64, (PathBuf, ShardFile)> = BTreeMap::new();
    for (path, file) in files {
        let mismatch = |what, theirs: String, ours: String| MergeError::Mismatch {
            path: path.clone(),
            shard: file.shard,
            first: first_path.clone(),
            what,
            difference: format!("{theirs} against {ours}"),
        };
        if file.scenario != first.scenario {
            return Err(mismatch(
                "the scenario",
                format!("{:?}", file.scenario),
                format!("{:?}", first.scenario),
            ));
        }
        if file.search != first.search {
            return Err(mismatch(
                "the search settings",
                format!("{:?}", file.search),
                format!("{:?}", first.search),
            ));
        }
        if file.shard.count != first.shard.count {
            return Err(mismatch(
                "the shard count",
                file.shard.count.to_string(),
                first.shard.count.to_string(),
            ));
        }
        if let Some((other, _)) = by_index.get(&file.shard.index) {
            return Err(MergeError::Duplicate {
                shard: file.shard,
                first: other.clone(),
                second: path,
            });
        }
        by_index.insert(file.shard.index, (path, file));
    }
    let count = first.shard.count;
    let missing: Vec<u64> = (0..count).filter(|i| !by_index.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing, count });
    }
    let file = PathBuf::from(&first.scenario.file);
    let found = content_hash(&file).map_err(|error| MergeError::Read {
        path: file.clone(),
        error,
    })?;
    if found != first.scenario.content_hash {
        return Err(MergeError::ScenarioChanged {
            file,
            recorded: first.scenario.content_hash,
            found,
        });
    }
    let sets = first.search.sets.clone();
    let overrides = Overrides {
        sets: sets.clone(),
        save: None,
        ..Overrides::default()
    };
    let scenario = crate::load(registry, &file, &overrides)?;
    let shards: Vec<(PathBuf, ShardFile)> = by_index.into_values().collect();
    let search = if first.search.strategy == "exhaustive" {
        merge_subtrees(&scenario, &shards)?
    } else {
        merge_seeds(&scenario, &shards)?
    };
    Ok(Merged {
        file,
        scenario,
        sets,
        shards: count,
        elapsed_ms: shards.iter().map(|(_, f)| f.elapsed_ms).max().unwrap_or(0),
        search,
    })
}

fn read(path: &Path) -> Result<ShardFile, MergeError> {
    let text = std::fs::read_to_string(path).map_err(|error| MergeError::Read {
        path: path.to_owned(),
        error,
    })?;
    let file = ShardFile::from_json(&text).map_err(|e| MergeError::Parse {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if file.format != SHARD_FORMAT || file.taintsim_version != TAINTSIM_VERSION {
        return Err(MergeError::Version {
            path: path.to_owned(),
            found: format!("taintsim {} ({})", file.taintsim_version, file.format),
        });
    }
    Ok(file)
}

fn setting<T>(path: &Path, value: Option<T>, name: &str) -> Result<T, MergeError> {
    value.ok_or_else(|| MergeError::Setting {
        path: path.to_owned(),
        message: format!("the search settings have no `{name}`"),
    })
}

/// Random and PCT shards: the counts add up; with stop-on-failure only the seeds up to the
/// lowest failing one count, as in one process (every shard ran its seeds up to its own first
/// failure, so it ran every one of its seeds below the lowest).
fn merge_seeds(
    scenario: &Scenario,
    shards: &[(PathBuf, ShardFile)],
) -> Result<MergedSearch, MergeError> {
    let (path, spec) = (&shards[0].0, &shards[0].1.search);
    let seeds = setting(path, spec.seeds.as_deref(), "seeds")?;
    let seeds = SeedRange::parse(seeds).map_err(|message| MergeError::Setting {
        path: path.clone(),
        message,
    })?;
    let strategy = match spec.strategy.as_str() {
        "pct" => StrategyName::Pct,
        _ => StrategyName::Random,
    };
    let options = ExploreOptions {
        strategy,
        seeds,
        depth: spec.depth.unwrap_or(0),
        stop_on_failure: setting(path, spec.stop_on_failure, "stop_on_failure")?,
        max_steps: spec.max_steps,
    };
    let layout: Layout = setting(path, spec.layout, "layout")?;
    let mut part = ExplorePart {
        schedules: 0,
        failures: 0,
        outcomes: BTreeMap::new(),
        found: false,
        unexpected: false,
        first_failure: None,
    };
    let mut first: Option<(&PathBuf, Shard, &SeedFailure)> = None;
    for (path, file) in shards {
        let ShardResult::Seeds(result) = &file.result else {
            return Err(not_seeds(path));
        };
        let list = file.shard.seeds(seeds, layout);
        let expected = match (&result.first_failure, options.stop_on_failure) {
            (Some(f), true) => list.count_up_to(f.seed),
            _ => list.len(),
        };
        if result.schedules != expected {
            return Err(MergeError::Incomplete {
                path: path.clone(),
                shard: file.shard,
                ran: result.schedules,
                expected,
            });
        }
        part.schedules += result.schedules;
        part.failures += result.failures;
        for (k, n) in &result.outcomes {
            *part.outcomes.entry(k.clone()).or_default() += n;
        }
        part.found |= result.found;
        part.unexpected |= result.unexpected;
        if let Some(f) = &result.first_failure
            && first.is_none_or(|(_, _, g)| f.seed < g.seed)
        {
            first = Some((path, file.shard, f));
        }
    }
    if let Some((path, shard, f)) = first {
        let schedule = match strategy {
            StrategyName::Pct => Schedule::Pct {
                seed: f.seed,
                depth: options.depth,
                seeds,
            },
            _ => Schedule::Random(f.seed),
        };
        let result = rerun(scenario, schedule, options.max_steps, path, shard, f)?;
        part.first_failure = Some(Failure {
            seed: f.seed,
            result,
        });
    }
    if options.stop_on_failure {
        part = part.stopped_at(&SeedList::whole(seeds), &scenario.expect);
    }
    Ok(MergedSearch::Explore {
        options,
        summary: part.summary(&scenario.expect),
    })
}

fn not_seeds(path: &Path) -> MergeError {
    MergeError::Setting {
        path: path.to_owned(),
        message: "its result does not match its strategy".into(),
    }
}

/// Runs a shard's first failure again and checks that it is the run the shard recorded.
fn rerun(
    scenario: &Scenario,
    schedule: Schedule,
    max_steps: u64,
    path: &Path,
    shard: Shard,
    recorded: &impl Recorded,
) -> Result<crate::RunResult, MergeError> {
    let result = run_schedule(scenario, schedule, max_steps).map_err(|error: RunError| {
        MergeError::Replay {
            path: path.to_owned(),
            shard,
            recorded: recorded.describe(),
            found: error.to_string(),
        }
    })?;
    let found = (result.observed.short(), hex(result.report.trace.hash()));
    if found != recorded.key() {
        return Err(MergeError::Replay {
            path: path.to_owned(),
            shard,
            recorded: recorded.describe(),
            found: format!("{} with trace hash {}", found.0, found.1),
        });
    }
    Ok(result)
}

/// A failure as a shard recorded it.
trait Recorded {
    fn key(&self) -> (String, String);
    fn describe(&self) -> String {
        let (outcome, hash) = self.key();
        format!("{outcome} with trace hash {hash}")
    }
}

impl Recorded for SeedFailure {
    fn key(&self) -> (String, String) {
        (self.outcome.clone(), self.trace_hash.clone())
    }
}

impl Recorded for SubtreeFailure {
    fn key(&self) -> (String, String) {
        (self.outcome.clone(), self.trace_hash.clone())
    }
}

/// Exhaustive shards: every subtree of the search exactly once, combined in depth-first
/// order as one process combines them.
fn merge_subtrees(
    scenario: &Scenario,
    shards: &[(PathBuf, ShardFile)],
) -> Result<MergedSearch, MergeError> {
    let (path, spec) = (&shards[0].0, &shards[0].1.search);
    let reduction = match setting(path, spec.reduction.as_deref(), "reduction")? {
        "dpor" => Reduction::Dpor,
        "sleep-sets" => Reduction::SleepSets,
        "none" => Reduction::None,
        other => {
            return Err(MergeError::Setting {
                path: path.clone(),
                message: format!("unknown reduction {other:?}"),
            });
        }
    };
    let options = ExhaustiveOptions {
        max_schedules: setting(path, spec.max_schedules, "max_schedules")?,
        max_steps: spec.max_steps,
        reduction,
        split_depth: setting(path, spec.split_depth, "split_depth")?,
    };
    let mut counts = Vec::new();
    let mut seen: BTreeMap<_, &PathBuf> = BTreeMap::new();
    let mut first: Option<(&PathBuf, Shard, &SubtreeFailure)> = None;
    let ShardResult::Subtrees(reference) = &shards[0].1.result else {
        return Err(not_seeds(path));
    };
    for (path, file) in shards {
        let ShardResult::Subtrees(result) = &file.result else {
            return Err(not_seeds(path));
        };
        if (result.total, &result.paths_hash) != (reference.total, &reference.paths_hash) {
            return Err(MergeError::Coverage {
                total: reference.total,
                problem: format!(
                    "{} (shard {}) found other subtrees ({} with hash {}) than {} ({} with \
                     hash {})",
                    path.display(),
                    file.shard,
                    result.total,
                    result.paths_hash,
                    shards[0].0.display(),
                    reference.total,
                    reference.paths_hash
                ),
            });
        }
        for count in &result.subtrees {
            if let Some(other) = seen.insert(count.path.clone(), path) {
                return Err(MergeError::Coverage {
                    total: reference.total,
                    problem: format!(
                        "{} and {} both searched one subtree",
                        other.display(),
                        path.display()
                    ),
                });
            }
            counts.push(count.clone());
        }
        if let Some(f) = &result.first_failure
            && first.is_none_or(|(_, _, g)| f.path < g.path)
        {
            first = Some((path, file.shard, f));
        }
    }
    if counts.len() as u64 != reference.total {
        let names: BTreeSet<String> = shards
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        return Err(MergeError::Coverage {
            total: reference.total,
            problem: format!(
                "the files ({}) hold {} of them",
                names.into_iter().collect::<Vec<_>>().join(", "),
                counts.len()
            ),
        });
    }
    let first_failure = match first {
        Some((path, shard, f)) => {
            let schedule = Schedule::Replay(f.decisions.clone());
            let result = rerun(scenario, schedule, options.max_steps, path, shard, f)?;
            Some((f.path.clone(), Failure { seed: 0, result }))
        }
        None => None,
    };
    let summary = summarise(
        counts,
        false,
        options.max_schedules,
        first_failure,
        &scenario.expect,
    );
    Ok(MergedSearch::Exhaustive { options, summary })
}
