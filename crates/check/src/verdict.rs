//! What judging a scenario file against its expectation returns: a [`Verdict`], or a
//! [`CheckError`] when the file could not be loaded or run. The CLI only prints these; a test
//! asserts on them ([`Verdict::assert_ok`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use taintsim_plugin::BehaviorError;
use taintsim_scenario::format::Expectation;
use taintsim_scenario::load::LoadError;

use crate::{RunError, RunResult, Schedule, expectation_short};

/// The judgement of one scenario file: whether its expectation holds over the schedules run,
/// what they showed, and how to replay the first failure.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The file, as given.
    pub file: PathBuf,
    /// The scenario's name.
    pub name: String,
    /// What the file expects.
    pub expect: Expectation,
    /// Whether the expectation holds: for `pass`, no schedule failed (and an exhaustive search
    /// covered its whole bounded space); for a failure, it was found and no other kind of
    /// failure was.
    pub ok: bool,
    /// The outcome to show, short form (`pass`, `panic`, `violation:<oracle>`, ...): the
    /// expected one when it was found and nothing else failed, else the first unexpected one.
    pub observed: String,
    /// Schedules run.
    pub schedules: u64,
    /// Schedules that did not pass.
    pub failures: u64,
    /// Schedules per outcome (short form).
    pub outcomes: BTreeMap<String, u64>,
    /// The first schedule that did not pass.
    pub first_failure: Option<FirstFailure>,
    /// The `taintsim replay ...` command that re-runs the first failure, or, when nothing
    /// failed but the expectation does not hold, the first schedule. `None` when there is
    /// nothing to look at, or the failure has no command line (an exhaustive search's log
    /// that was not saved).
    pub replay: Option<String>,
    /// Why the expectation does not hold, in a few lines (empty when it holds).
    pub explanation: Vec<String>,
    /// Wall-clock milliseconds the check took (reported only; no run depends on it).
    pub elapsed_ms: u64,
}

/// The first failing schedule of a check.
#[derive(Debug, Clone)]
pub struct FirstFailure {
    /// The schedule: a seed (random, PCT), the saved or recorded decision log, or a log held
    /// in memory.
    pub schedule: Schedule,
    /// The run: its judged outcome, trace and decisions.
    pub result: RunResult,
}

impl FirstFailure {
    /// The seed it was drawn from; `None` for a decision log.
    pub fn seed(&self) -> Option<u64> {
        self.schedule.seed()
    }

    /// What went wrong, in one line.
    pub fn message(&self) -> String {
        self.result.observed.message()
    }
}

impl Verdict {
    /// The expectation, short form (`pass`, `panic`, `violation:<oracle>`, ...).
    pub fn expected(&self) -> String {
        expectation_short(&self.expect)
    }

    /// This verdict if the expectation holds, else an error that reports it (the same text
    /// as [`Verdict::assert_ok`] panics with).
    pub fn into_result(self) -> Result<Verdict, ExpectationFailed> {
        if self.ok {
            Ok(self)
        } else {
            Err(ExpectationFailed(Box::new(self)))
        }
    }

    /// Panics unless the expectation holds, with the failure report: what was expected and
    /// observed, why it does not hold, and the `taintsim replay ...` command that re-runs it.
    /// [`Verdict::into_result`] is the same check without the panic.
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.ok {
            panic!("{self}");
        }
    }
}

/// The report `taintsim run` prints: for a failed expectation, a `FAIL` line, the explanation
/// and the replay command; for one that holds, a single `ok` line.
impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = if self.ok { "ok" } else { "FAIL" };
        writeln!(
            f,
            "{head} {} ({}): expected {}, observed {}",
            self.file.display(),
            self.name,
            self.expected(),
            self.observed
        )?;
        if self.ok {
            return Ok(());
        }
        for line in &self.explanation {
            writeln!(f, "  {line}")?;
        }
        if let Some(cmd) = &self.replay {
            writeln!(f, "  replay: {cmd}")?;
        }
        Ok(())
    }
}

/// A scenario whose expectation does not hold, as an error (see [`Verdict::into_result`]).
#[derive(Debug, Clone)]
pub struct ExpectationFailed(pub Box<Verdict>);

impl fmt::Display for ExpectationFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for ExpectationFailed {}

/// Why a scenario file has no verdict.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The file could not be read or decoded: `file:line:column: field ...: message`.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A behaviour override (`--set`) does not apply to the scenario's controller.
    #[error("--set: {0} (`taintsim keys` lists the keys)")]
    Override(BehaviorError),
    /// The scenario loaded but could not run.
    #[error("{}: cannot run: {error}", file.display())]
    Run {
        /// The file.
        file: PathBuf,
        /// The scenario's name.
        name: String,
        /// What it expects.
        expect: Expectation,
        /// Why it could not run.
        error: RunError,
    },
    /// The first failure's decision log could not be saved.
    #[error("{error}")]
    Save {
        /// The file.
        file: PathBuf,
        /// The scenario's name.
        name: String,
        /// What it expects.
        expect: Expectation,
        /// What went wrong.
        error: SaveError,
    },
}

impl CheckError {
    /// The scenario's name and expectation, if it got as far as loading.
    pub fn scenario(&self) -> Option<(&str, &Expectation)> {
        match self {
            Self::Load(_) | Self::Override(_) => None,
            Self::Run { name, expect, .. } | Self::Save { name, expect, .. } => {
                Some((name, expect))
            }
        }
    }
}

/// Why a decision log could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The folder could not be created.
    #[error("cannot create the directory {}: {error}", dir.display())]
    Dir {
        /// The folder.
        dir: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The log could not be encoded.
    #[error("cannot serialise the decision log: {0}")]
    Encode(String),
    /// The file could not be written.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}
