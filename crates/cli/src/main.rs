//! `taintsim`: run, explore and replay scenarios of the simulated device taint eviction
//! controller.
//!
//! Code map:
//! - [`cli`]: the command line (clap), with every subcommand's help text;
//! - [`run`], [`explore`], [`replay`] (also `trace`), [`keys`], [`stress`], [`shrink`],
//!   [`import_fuzz`]: one module per subcommand; [`exhaustive`]: `explore --strategy
//!   exhaustive`, also used by `run`;
//! - [`common`]: loading scenarios, `--set`, building schedules and the replay command line;
//! - [`junit`]: the JUnit XML report of `run --junit`;
//! - [`progress`]: the progress bar (terminals only, never in CI or with `--json`).
//!
//! Exit codes: 0 every expectation holds; 1 an expectation does not hold; 2 a usage error, a
//! scenario that cannot be loaded or run, or an I/O error.

mod cli;
mod common;
mod exhaustive;
mod explore;
mod import_fuzz;
mod junit;
mod keys;
mod progress;
mod replay;
mod run;
mod shrink;
mod stress;

use std::process::ExitCode;

use clap::Parser;

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
    fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::Error => 2,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Explore(args) => explore::explore(&args),
        Command::Replay(args) => replay::replay(&args),
        Command::Trace(args) => replay::trace(&args),
        Command::Keys(args) => keys::keys(&args),
        Command::Stress(args) => stress::stress(&args),
        Command::Shrink(args) => shrink::shrink(&args),
        Command::ImportFuzz(args) => import_fuzz::import_fuzz(&args),
    };
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(Status::Error.code())
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
/// (`taintsim` is a prefix of the library crates' targets too, so they are switched off by
/// name.)
const DEFAULT_LOG_FILTER: &str = "off,taintsim=warn,taintsim_controller_device=off,taintsim_api=off,taintsim_sim=off,taintsim_scenario=off";
