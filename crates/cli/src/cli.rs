//! The command line: subcommands, options and their help texts.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use taintsim_check::Overrides;
use taintsim_scenario::format::{SeedRange, StrategyName};

/// Deterministic simulation of the Kubernetes DRA device taint eviction controller.
#[derive(Debug, Parser)]
#[command(
    name = "taintsim",
    version,
    about = "Deterministic simulation of the Kubernetes DRA device taint eviction controller",
    long_about = "Deterministic simulation of the Kubernetes DRA device taint eviction controller.\n\n\
        A scenario file (JSON, see docs/scenario-format.md) describes a world, what a test actor \
        does to it and the outcome it expects. `run` checks scenario files, `explore` searches \
        one scenario's schedules, `replay` and `trace` re-run exactly one schedule, `shrink` \
        minimises a failing run into a scenario file and `import-fuzz` turns a cargo fuzz crash \
        into one.\n\n\
        Logs go to stderr and are off by default; RUST_LOG selects them, e.g. \
        RUST_LOG=taintsim_sim=debug for one line per step (step number, virtual time, actor, \
        action) and RUST_LOG=taintsim_sim=debug,taintsim_controller_device=debug to add the simulated \
        controller's own lines, each under the step it ran in.",
    after_help = "Examples:\n  \
        taintsim run scenarios/\n  \
        taintsim explore scenarios/updatework-panic.json --seeds 0..1000\n  \
        taintsim replay scenarios/updatework-panic.json --seed 3 --trace text\n  \
        taintsim shrink scenarios/updatework-panic.json --seed 3 -o small.json\n  \
        taintsim keys",
    after_long_help = concat!(
        "Examples:\n  \
        taintsim run scenarios/\n  \
        taintsim explore scenarios/updatework-panic.json --seeds 0..1000\n  \
        taintsim replay scenarios/updatework-panic.json --seed 3 --trace text\n  \
        taintsim shrink scenarios/updatework-panic.json --seed 3 -o small.json\n  \
        taintsim keys\n\n",
        "Exit status: 0 if every expectation holds, 1 if one does not, 2 for a usage error or a \
        scenario that cannot be loaded or run."
    )
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files or folders: exit 0 only if every expectation holds.
    #[command(
        long_about = "Check scenario files or folders.\n\n\
            Every `*.json` file found (folders are searched recursively) is loaded and explored \
            with its own `explore` settings; a file with a recorded `decisions` log replays \
            exactly that schedule instead. Each file's `expect` is then judged: `pass` holds if \
            no schedule fails; a failing expectation (panic, violation, assertion-failure) \
            holds if it was found and no other kind of failure was.\n\n\
            Prints a table (file, expected, observed, schedules, wall-clock time), then one \
            report per failure ending with the command that replays it.",
        after_help = concat!(
            "Examples:\n  \
            taintsim run scenarios/\n  \
            taintsim run scenarios/updatework-panic.json --set queue=v3\n  \
            taintsim run scenarios/ --json --junit target/taintsim/junit.xml\n\n",
            "Exit status: 0 if every expectation holds, 1 if one does not, 2 for a usage error \
            or a scenario that cannot be loaded or run (the other files still run)."
        )
    )]
    Run(RunArgs),
    /// Search one scenario's schedules for failures.
    #[command(
        long_about = "Search one scenario's schedules for failures.\n\n\
            Runs one schedule per seed with the scenario's `explore` settings, overridden by \
            the options below, and judges the scenario's expectation over them. The first \
            failure's decision log is saved (see --save) so that `taintsim replay --decisions` \
            reproduces it exactly.\n\n\
            --strategy exhaustive runs every schedule after the controller's initial sync, up \
            to --max-schedules runs of at most --max-steps steps, with partial-order reduction \
            (--reduction); `complete: true` means the whole bounded space was covered. Data \
            choices (fault rolls) are fixed.",
        after_help = concat!(
            "Examples:\n  \
            taintsim explore scenarios/updatework-panic.json\n  \
            taintsim explore scenarios/updatework-panic.json --strategy pct --depth 3 --seeds 0..500\n  \
            taintsim explore scenarios/updatework-panic.json --no-stop-on-failure --json\n  \
            taintsim explore scenarios/updatework-fixed.json --strategy exhaustive --json\n\n",
            "Exit status: 0 if the scenario's expectation holds over the explored schedules, 1 \
            if not, 2 for a usage error or a scenario that cannot be loaded or run."
        )
    )]
    Explore(ExploreArgs),
    /// Re-run exactly one schedule (a seed or a decision log) and report its outcome.
    #[command(
        long_about = "Re-run exactly one schedule and report its outcome.\n\n\
            The schedule is a seed (--seed, with the scenario's strategy or --strategy), a \
            decision log saved by `explore` (--decisions), or, with neither, the scenario's \
            own recorded `decisions`. The same schedule gives the same trace and trace hash \
            every time.",
        after_help = concat!(
            "Examples:\n  \
            taintsim replay scenarios/updatework-panic.json --seed 3\n  \
            taintsim replay scenarios/updatework-panic.json --seed 3 --strategy pct --depth 3 --trace text\n  \
            taintsim replay scenarios/updatework-panic.json \\\n      \
            --decisions target/taintsim/failures/updatework-panic-seed3.decisions.json --json\n\n",
            "Exit status: 0 if the run's outcome is what the scenario expects (a pass for \
            `pass`, the expected failure otherwise), 1 if not, 2 for a usage error or a \
            scenario that cannot be loaded or run."
        )
    )]
    Replay(ReplayArgs),
    /// Print the trace of one run as text or JSON, or draw it as an SVG swimlane (or HTML).
    #[command(
        long_about = "Print the trace of one run: every executed step with its virtual time, \
            actor, action, the objects it touched and the coverage marks it passed.\n\n\
            Text columns: `#step`, virtual time since the start (`+seconds.millis s`), actor, \
            action, touched objects in brackets, and marks in braces if any.\n\n\
            `--format svg` draws a swimlane: one lane per actor, virtual time downward, arrows \
            for API calls, writes, notifications, events and timers, and the failing step in \
            red with its message. `--format html` adds a table of the steps.",
        after_help = concat!(
            "Examples:\n  \
            taintsim trace scenarios/updatework-panic.json --seed 3 --format text\n  \
            taintsim trace scenarios/updatework-panic.json --decisions failure.decisions.json \
            --format json -o trace.json\n  \
            taintsim trace scenarios/updatework-panic.json --seed 3 --format svg -o run.svg\n\n",
            "Exit status: 0 if the trace was written, whatever the run's outcome; 2 for a usage \
            error or a scenario that cannot be loaded or run."
        )
    )]
    Trace(TraceArgs),
    /// List the behaviour keys that scenario files and `--set KEY=VALUE` accept.
    #[command(
        long_about = "List every behaviour key with its values, the default (the fixed 1.33 \
            controller) and the historical bug its other values reproduce. Scenario files set \
            them in `behavior`; every subcommand that runs scenarios overrides them with \
            `--set KEY=VALUE`.",
        after_help = "Examples:\n  taintsim keys\n  taintsim keys --json"
    )]
    Keys(KeysArgs),
    /// Run one scenario's object changes on real threads (tokio), in a loop: the baseline.
    #[command(
        long_about = "Run one scenario's object changes on the tokio back end, again and \
            again, like upstream's `stress ./devicetainteviction.test`: real threads (--threads \
            per run), real time divided by --scale, the unchanged controller core. Each run \
            ends when the scenario actor has finished and the world is idle, and is judged \
            like a simulated run (panics in any task, the oracles, the scenario's assertions). \
            Reports the runs, the failures and the time to the first failure. Stress runs are \
            not recorded and cannot be replayed; `explore` is the deterministic search.",
        after_help = concat!(
            "Examples:\n  \
            taintsim stress scenarios/updatework-panic.json --duration 60s\n  \
            taintsim stress scenarios/eviction-initial.json --runs 200 --threads 4 --json\n\n",
            "Exit status: 0 if the scenario's expectation holds over the runs (`pass`: no run \
            failed; a failure: it was found and no other kind of failure was), 1 if not, 2 \
            for a usage error or a scenario that cannot be loaded or run."
        )
    )]
    Stress(crate::stress::StressArgs),
    /// Time to the first failure of every failing scenario: simulator against stress.
    #[command(
        long_about = "For every scenario under PATH (default scenarios/) whose expectation is \
            a failure: the time and schedules the simulator takes to find it with random, pct \
            and exhaustive search, and the time `taintsim stress` takes on real threads, \
            within --stress-cap seconds. One Markdown row per scenario, then a summary line \
            (docs/performance.md).",
        after_help = "Examples:\n  taintsim time-to-bug\n  \
            taintsim time-to-bug scenarios/node --stress-cap 5\n\n\
            Exit status: 0 if the simulator found every failure, 1 if not, 2 for a usage error."
    )]
    TimeToBug(crate::time_to_bug::TimeToBugArgs),
    /// Minimise a failing run into a scenario file that replays it exactly.
    #[command(
        long_about = "Minimise a failing run into a small scenario file with a recorded decision \
            log.\n\n\
            The failing run is a seed (--seed, with the file's strategy or --strategy), a \
            decision log saved by `explore` (--decisions), or, with neither, the file's own \
            recorded `decisions`. Shrinking first drops actor steps and initial objects (delta \
            debugging) and list elements inside the objects left (devices, taints, \
            tolerations, reservedFor entries...), then shortens the schedule: the shortest \
            prefix of the decision log after which staying with the running actor still \
            fails, without decisions the failure does not need and preferring fewer switches \
            between actors. Every candidate must fail the SAME way: the same panic site, or \
            the same oracle.\n\n\
            The output is a scenario file whose `expect` names the failure and whose \
            `decisions` replay it, so `taintsim run OUT` and `taintsim replay OUT` reproduce \
            it. Shrunk regressions belong in scenarios/regressions/.",
        after_help = concat!(
            "Examples:\n  \
            taintsim shrink scenarios/updatework-panic.json --seed 3 -o scenarios/regressions/updatework-small.json\n  \
            taintsim explore scenarios/catalogue/stale-nil-v0.json\n  \
            taintsim shrink scenarios/catalogue/stale-nil-v0.json \\\n      \
            --decisions target/taintsim/failures/catalogue-stale-nil-v0-seed0.decisions.json -o small.json --json\n  \
            taintsim shrink small.json -o smaller.json --max-runs 5000\n\n",
            "Exit status: 0 if the shrunk file replays the same failure, 1 if it does not, 2 for \
            a usage error, a run that does not fail, or a scenario that cannot be loaded or run."
        )
    )]
    Shrink(crate::shrink::ShrinkArgs),
    /// Turn a crash artifact of the `event_sequence` fuzz target into a scenario file.
    #[command(
        name = "import-fuzz",
        long_about = "Turn a crash artifact of the cargo fuzz target `event_sequence` into a \
            scenario file that replays the failure.\n\n\
            The bytes are decoded exactly as the target decodes them (a generated world, \
            actor steps and a schedule seed; see fuzz/README.md), run on the fixed controller, \
            and the failing run is written with its decision log and an `expect` that names \
            the failure. An artifact found with TAINTSIM_FUZZ_SET needs the same overrides \
            as --set. Shrink the file afterwards with `taintsim shrink OUT -o OUT`.",
        after_help = concat!(
            "Examples:\n  \
            taintsim import-fuzz fuzz/artifacts/event_sequence/crash-1a2b3c -o scenarios/regressions/fuzz-startup.json\n  \
            taintsim import-fuzz crash.bin -o found.json --json\n  \
            TAINTSIM_FUZZ_SET=queue=v2 just fuzz event_sequence 60\n  \
            taintsim import-fuzz fuzz/artifacts/event_sequence/crash-* --set queue=v2 -o v2.json\n\n",
            "Exit status: 0 if the written file replays the failure, 1 if it does not, 2 if the \
            artifact cannot be read or decodes to a case that passes."
        )
    )]
    ImportFuzz(crate::import_fuzz::ImportFuzzArgs),
    /// Serve a run's API server to kubectl and kube-rs, frozen at a decision or live.
    #[command(long_about = crate::serve::LONG_ABOUT, after_help = crate::serve::AFTER_HELP)]
    Serve(crate::serve::ServeArgs),
    /// Combine the result files of `explore --shard` into the result of one process.
    #[command(
        long_about = "Combine the shard result files of one search (`taintsim explore --shard I/N \
            --out FILE`) into the result that one process would have given: the same \
            schedules, failures, outcome counts and first failure with its replay command, \
            printed as `explore` prints it (text, or --json).\n\n\
            Every shard 0..N-1 must be given exactly once, and every file must come from the \
            same taintsim version, scenario file (path and SHA-256, which must match the file \
            as it is now: merge reads it to name the replay command) and search settings. A \
            missing, duplicate or mismatched shard is an error naming the shard; nothing is \
            merged silently. An exhaustive search is `complete` only if every shard covered \
            its subtrees and the shards cover every subtree. The first failure is run again \
            from its seed or decision log and must give the trace hash its shard recorded; \
            its decision log is saved as `explore` saves it (see --save).",
        after_help = concat!(
            "Examples:\n  \
            taintsim explore scenarios/updatework-fixed.json --seeds 0..100000 --shard 0/4 --out shard-0.json\n  \
            ...\n  \
            taintsim merge shard-*.json --json\n  \
            taintsim merge results/*.json --junit target/taintsim/junit.xml\n\n",
            "Exit status: 0 if the scenario's expectation holds over the merged search, 1 if \
            not, 2 if the files cannot be merged (the error names the shard)."
        )
    )]
    Merge(crate::merge::MergeArgs),
}

/// `--set KEY=VALUE`, repeatable.
#[derive(Debug, Clone, Default, Args)]
pub struct SetArgs {
    /// Override a behaviour key for this run, e.g. `--set queue=v2` (repeatable; `taintsim keys`
    /// lists the keys and values).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, String)>,
}

impl SetArgs {
    /// Checks every `--set` against the controllers of `registry` before anything loads: the
    /// key must be `controller` or a key of some controller generation, and the value one of
    /// its values there. (A key that exists, but not for a scenario's own controller, is
    /// reported when that scenario loads.)
    pub fn check(&self, registry: &taintsim_plugin::Registry) -> Result<(), String> {
        for (key, value) in &self.sets {
            let generations = registry.generations();
            if key == taintsim_plugin::CONTROLLER_KEY {
                if generations.iter().any(|(g, _)| g.name == value) {
                    continue;
                }
                let valid: Vec<&str> = generations.iter().map(|(g, _)| g.name).collect();
                return Err(format!(
                    "--set {key}={value}: unknown controller; expected one of {}",
                    valid.join(", ")
                ));
            }
            let specs: Vec<_> = generations
                .iter()
                .flat_map(|(g, p)| p.keys(g.name).iter().filter(|k| k.name == key))
                .collect();
            if specs.is_empty() {
                let mut keys: Vec<&str> = vec![taintsim_plugin::CONTROLLER_KEY];
                for (g, p) in &generations {
                    for k in p.keys(g.name) {
                        if !keys.contains(&k.name) {
                            keys.push(k.name);
                        }
                    }
                }
                return Err(format!(
                    "--set {key}={value}: unknown behaviour key; expected one of {} (`taintsim keys` describes them)",
                    keys.join(", ")
                ));
            }
            if !specs.iter().any(|k| k.accepts(value)) {
                let mut values: Vec<String> = Vec::new();
                let candidates = specs.iter().flat_map(|k| match k.range {
                    Some(_) => vec![k.describe_values()],
                    None => k.values.iter().map(|v| (*v).to_owned()).collect(),
                });
                for v in candidates {
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
                return Err(format!(
                    "--set {key}={value}: invalid value; expected one of {}",
                    values.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Applies every `--set` to `behavior`, in order (resolving the scenario against the
    /// registry checks them).
    pub fn apply(&self, behavior: &mut taintsim_plugin::Behavior) {
        for (k, v) in &self.sets {
            behavior.set(k, v);
        }
    }

    /// The overrides of a check: these `--set`s, and where an exhaustive search saves its
    /// first failure (`None`: nowhere).
    pub fn overrides(&self, save: Option<&Path>) -> Overrides {
        Overrides {
            sets: self.sets.clone(),
            save: save.map(Path::to_owned),
            jobs: 1,
        }
    }
}

/// `--jobs N`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct JobsArg {
    /// Worker threads, each running whole schedules on its own simulator (default: the
    /// available parallelism). The result does not depend on it; `--jobs 1` runs on the
    /// calling thread.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

impl JobsArg {
    /// The number of worker threads.
    pub fn get(self) -> usize {
        self.jobs
            .map_or_else(taintsim_check::available_jobs, |n| n as usize)
    }
}

impl Command {
    /// The `--set` overrides of the subcommand, if it takes any.
    pub fn sets(&self) -> Option<&SetArgs> {
        match self {
            Self::Run(a) => Some(&a.set),
            Self::Explore(a) => Some(&a.set),
            Self::Replay(a) => Some(&a.run.set),
            Self::Trace(a) => Some(&a.run.set),
            Self::Stress(a) => Some(&a.set),
            Self::Shrink(a) => Some(&a.run.set),
            Self::ImportFuzz(a) => Some(&a.set),
            Self::Serve(a) => Some(&a.run.set),
            Self::Keys(_) | Self::Merge(_) | Self::TimeToBug(_) => None,
        }
    }
}

/// `taintsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or folders (searched recursively for `*.json`).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Print one JSON object instead of the table: `{"ok", "scenarios": [...]}`.
    #[arg(long)]
    pub json: bool,
    /// Also write a JUnit XML report (one testcase per scenario) to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// The `--set` behaviour overrides.
    #[command(flatten)]
    pub set: SetArgs,
    /// Worker threads for each file's schedules.
    #[command(flatten)]
    pub jobs: JobsArg,
}

/// Where `explore` (and `run`, for exhaustive scenarios) saves failing decision logs.
pub const DEFAULT_SAVE_DIR: &str = taintsim_check::DEFAULT_SAVE_DIR;

/// A strategy name on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Uniformly random choices among the enabled steps.
    Random,
    /// Probabilistic concurrency testing with --depth.
    Pct,
    /// Every schedule up to a bound, with partial-order reduction (--max-schedules,
    /// --reduction).
    Exhaustive,
}

/// The partial-order reduction of `--strategy exhaustive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReductionArg {
    /// Dynamic partial-order reduction with sleep sets.
    Dpor,
    /// Sleep sets only.
    SleepSets,
    /// None: every interleaving.
    None,
}

impl From<StrategyArg> for StrategyName {
    fn from(s: StrategyArg) -> Self {
        match s {
            StrategyArg::Random => StrategyName::Random,
            StrategyArg::Pct => StrategyName::Pct,
            StrategyArg::Exhaustive => StrategyName::Exhaustive,
        }
    }
}

/// How `--shard` deals seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Seed `A + k` goes to shard `k mod N`.
    Interleaved,
    /// Shard I runs the I-th of N contiguous blocks.
    Blocks,
}

impl From<LayoutArg> for taintsim_check::Layout {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::Interleaved => Self::Interleaved,
            LayoutArg::Blocks => Self::Blocks,
        }
    }
}

/// `taintsim explore`.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The scenario file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The search strategy (default: the file's `explore.strategy`).
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// PCT depth: priority change points plus one (default: the file's `explore.depth`).
    #[arg(long, value_name = "D")]
    pub depth: Option<u32>,
    /// Seeds to run, `A..B` with B excluded (default: the file's `explore.seeds`).
    #[arg(long, value_name = "A..B", value_parser = SeedRange::parse)]
    pub seeds: Option<SeedRange>,
    /// Stop at the first failing schedule (default: the file's `explore.stop-on-failure`).
    #[arg(long, overrides_with = "no_stop_on_failure")]
    pub stop_on_failure: bool,
    /// Run every seed even after a failure.
    #[arg(long, overrides_with = "stop_on_failure")]
    pub no_stop_on_failure: bool,
    /// Per-run step bound (default: the file's `explore.max-steps`).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// With --strategy exhaustive: the most runs before giving up with `complete: false`
    /// (default: the file's `explore.max-schedules`).
    #[arg(long, value_name = "N")]
    pub max_schedules: Option<u64>,
    /// With --strategy exhaustive: the partial-order reduction (default: dpor). The three
    /// find the same outcomes; `none` runs every interleaving.
    #[arg(long, value_enum)]
    pub reduction: Option<ReductionArg>,
    /// With --strategy exhaustive: split the first D branch points after the startup into
    /// subtrees that --jobs threads and --shard shards search on their own (default 0: one
    /// search, which runs on one thread). Above the split depth every step not asleep is
    /// explored (sleep sets, without DPOR), so the schedule count depends on D, never on
    /// --jobs or --shard; 0 gives the counts of an unsplit search. See docs/sharding.md.
    #[arg(long, value_name = "D")]
    pub split_depth: Option<usize>,
    /// Worker threads.
    #[command(flatten)]
    pub jobs: JobsArg,
    /// Run only part I of N of the search (from 0) and write its result to --out, for
    /// `taintsim merge`: the seeds --shard-layout deals it, or every N-th subtree of a split
    /// exhaustive search. `/N` reads I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// With --shard: how seeds are dealt to shards (default: interleaved).
    #[arg(long, value_enum, requires = "shard")]
    pub shard_layout: Option<LayoutArg>,
    /// With --shard: the shard's result file (default: shard-I.json).
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub out: Option<PathBuf>,
    /// Where to save the first failure's decision log, as
    /// `DIR/<scenario-name>-seed<N>.decisions.json` (`<scenario-name>-exhaustive...` for
    /// --strategy exhaustive), created if missing.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_SAVE_DIR)]
    pub save: PathBuf,
    /// Do not save the first failure's decision log.
    #[arg(long, conflicts_with = "save")]
    pub no_save: bool,
    /// The `--set` behaviour overrides.
    #[command(flatten)]
    pub set: SetArgs,
    /// Print one JSON object: `{"strategy", "schedules", "failures", "first_failure", "elapsed_ms", ...}`;
    /// for --strategy exhaustive `{"strategy": "exhaustive", "schedules", "complete",
    /// "failures", "first_failure", "pruned", ...}`.
    #[arg(long)]
    pub json: bool,
}

/// Which single schedule `replay` and `trace` run.
#[derive(Debug, Args)]
pub struct OneRunArgs {
    /// The scenario file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Run the schedule of this seed.
    #[arg(long, value_name = "N", conflicts_with = "decisions")]
    pub seed: Option<u64>,
    /// Follow this decision log (as saved by `taintsim explore`) exactly.
    #[arg(long, value_name = "PATH")]
    pub decisions: Option<PathBuf>,
    /// With --seed: the strategy that turns the seed into a schedule (default: `pct` if the
    /// file's `explore.strategy` is `pct`, else `random`).
    #[arg(long, value_enum, requires = "seed")]
    pub strategy: Option<StrategyArg>,
    /// With --strategy pct: the PCT depth (default: the file's `explore.depth`).
    #[arg(long, value_name = "D", requires = "seed")]
    pub depth: Option<u32>,
    /// With --strategy pct: the seed range `explore` used; its first seed's run estimates the
    /// run length, as in `explore` (default: the file's `explore.seeds`).
    #[arg(long, value_name = "A..B", value_parser = SeedRange::parse, requires = "seed")]
    pub seeds: Option<SeedRange>,
    /// Per-run step bound (default: the file's `explore.max-steps`).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// The `--set` behaviour overrides.
    #[command(flatten)]
    pub set: SetArgs,
}

/// How to print a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// One line per step: `#step +time actor  action  [touches]  {marks}`.
    Text,
    /// The trace entries as a JSON array.
    Json,
    /// An SVG swimlane: one lane per actor, virtual time downward, arrows for API calls,
    /// notifications and event writes, the failing step highlighted (`taintsim trace` only).
    Svg,
    /// A standalone HTML page: the SVG plus a table of every step (`taintsim trace` only).
    Html,
}

/// `taintsim replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The scenario and the schedule of the one run.
    #[command(flatten)]
    pub run: OneRunArgs,
    /// Also print the run's trace, as text or JSON.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub trace: Option<TraceFormat>,
    /// Print one JSON object: `{"outcome", "message", "steps", "trace_hash", ...}`; with
    /// `--trace json` it also holds the trace as `"trace"`.
    #[arg(long)]
    pub json: bool,
}

/// `taintsim trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The scenario and the schedule of the one run.
    #[command(flatten)]
    pub run: OneRunArgs,
    /// The output format.
    #[arg(long, value_enum)]
    pub format: TraceFormat,
    /// Write to OUT instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// `taintsim keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// Print the keys as a JSON array of `{"name", "values", "default", "doc"}`.
    #[arg(long)]
    pub json: bool,
}

/// Parses one `--set KEY=VALUE`; the key and value are checked against the scenario's
/// controller when the scenario is loaded.
fn parse_set(text: &str) -> Result<(String, String), String> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(
            "expected KEY=VALUE, e.g. queue=v2 or controller=v1.33 (`taintsim keys` lists the keys)"
                .to_owned(),
        );
    };
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() || value.is_empty() {
        return Err(format!(
            "expected KEY=VALUE with both parts non-empty, got {text:?}"
        ));
    }
    Ok((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_should_pass_clap_debug_asserts() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parse_set_should_split_key_and_value() {
        assert_eq!(parse_set("queue=v2"), Ok(("queue".into(), "v2".into())));
        assert_eq!(parse_set(" queue = v2 "), Ok(("queue".into(), "v2".into())));
        assert!(parse_set("queue").is_err());
        assert!(parse_set("=v2").is_err());
        assert!(parse_set("queue=").is_err());
    }
}
