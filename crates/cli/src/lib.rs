//! `taintsim`: run, explore and replay scenarios of simulated taint eviction controllers.
//!
//! The binary is `main.rs`: [`main_with`] over the controllers of the build
//! (`taintsim::controllers()`). A user with a controller of their own writes the same two
//! lines with a registry that also lists theirs, and gets the whole CLI for it.
//!
//! The CLI is clap and printing only: judging a file against its expectation, the searches,
//! the schedules and their replay command lines are `taintsim_check`'s (`check_file`,
//! `Verdict`, `Schedule`).
//!
//! Code map:
//! - [`cli`]: the command line (clap), with every subcommand's help text;
//! - [`run`], [`explore`], [`replay`] (also `trace`), [`keys`], [`stress`], [`shrink`],
//!   [`import_fuzz`], [`merge`], [`serve`]: one module per subcommand; [`exhaustive`]: `explore
//!   --strategy exhaustive`;
//! - [`common`]: loading a scenario with `--set`, the one schedule of `replay`, `trace` and
//!   `shrink`, printing helpers;
//! - [`junit`]: the JUnit XML report of `run --junit`;
//! - [`progress`]: the progress bar (terminals only, never in CI or with `--json`).
//!
//! Exit codes: 0 every expectation holds; 1 an expectation does not hold; 2 a usage error, a
//! scenario that cannot be loaded or run, or an I/O error.

pub mod cli;
mod common;
mod exhaustive;
mod explore;
mod import_fuzz;
mod junit;
mod keys;
mod merge;
mod progress;
mod replay;
mod run;
mod serve;
mod shard;
mod shrink;
mod stress;
mod time_to_bug;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use taintsim_plugin::Registry;

use crate::cli::{Cli, Command};

/// How a command ended; the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Every expectation held (exit 0).
    Ok,
    /// Some expectation did not hold (exit 1).
    Failed,
    /// A usage, load or I/O error (exit 2); already reported.
    Error,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::Error => 2,
        }
    }
}

/// The `taintsim` command over the controllers of `registry`: parses the process's arguments
/// and runs the subcommand.
pub fn main_with(registry: &Registry) -> ExitCode {
    init_logging();
    ExitCode::from(run_with(registry, std::env::args_os()).code())
}

/// Runs one `taintsim` command line (`args` starts with the program name) over the
/// controllers of `registry`. Usage errors are printed as clap prints them.
pub fn run_with<I, T>(registry: &Registry, args: I) -> Status
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                Status::Error
            } else {
                Status::Ok
            };
        }
    };
    if let Some(Err(why)) = cli.command.sets().map(|s| s.check(registry)) {
        eprintln!("error: {why}");
        return Status::Error;
    }
    let result = match cli.command {
        Command::Run(args) => run::run(registry, &args),
        Command::Explore(args) => explore::explore(registry, &args),
        Command::Replay(args) => replay::replay(registry, &args),
        Command::Trace(args) => replay::trace(registry, &args),
        Command::Keys(args) => keys::keys(registry, &args),
        Command::Stress(args) => stress::stress(registry, &args),
        Command::Shrink(args) => shrink::shrink(registry, &args),
        Command::ImportFuzz(args) => import_fuzz::import_fuzz(registry, &args),
        Command::Serve(args) => serve::serve(registry, &args),
        Command::Merge(args) => merge::merge(registry, &args),
        Command::TimeToBug(args) => time_to_bug::time_to_bug(registry, &args),
    };
    match result {
        Ok(status) => status,
        Err(err) => {
            eprintln!("error: {err:#}");
            Status::Error
        }
    }
}

/// Logs go to stderr through `tracing`; `RUST_LOG` selects them. By default only the CLI's
/// own warnings show: the simulated controller logs every injected fault and retry of every
/// schedule (thousands of lines per scenario), which is what `RUST_LOG=taintsim_controller_device=debug`
/// is for.
fn init_logging() {
    use std::io::IsTerminal as _;
    // An empty RUST_LOG counts as unset.
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => tracing_subscriber::EnvFilter::new(v),
        _ => tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .try_init();
}

/// The log filter without `RUST_LOG`: everything off but the CLI's own warnings.
const DEFAULT_LOG_FILTER: &str = "off,taintsim_cli=warn";
